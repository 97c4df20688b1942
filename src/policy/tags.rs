//! What the tag-value records (DKIM keys, DMARC, MTA-STS, TLS-RPT) share: the `tag=value` list
//! split on `;`, the error that names the tag to blame, and unknown tags kept as written.

use super::text::{excerpt, is_ws};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What is wrong with a record, and which tag, when one is to blame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyntaxError {
    pub tag: Option<String>,
    pub message: String,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.tag {
            Some(tag) => write!(f, "{tag}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for SyntaxError {}

/// A tag (or MTA-STS policy field) this parser does not know, kept as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnknownTag {
    pub name: String,
    pub value: String,
}

/// An error blamed on `tag`.
pub(super) fn err(tag: &str, message: impl Into<String>) -> SyntaxError {
    SyntaxError {
        tag: Some(tag.to_string()),
        message: message.into(),
    }
}

/// An error no single tag is to blame for.
pub(super) fn untagged(message: String) -> SyntaxError {
    SyntaxError { tag: None, message }
}

/// The `(name, value)` pairs of a tag list, trimmed, empty segments skipped. Lazy, so a parser
/// that checks each tag as it comes reports the first problem in the record, whichever it is.
pub(super) fn tag_pairs(txt: &str) -> impl Iterator<Item = Result<(&str, &str), SyntaxError>> {
    txt.split(';')
        .map(|segment| segment.trim_matches(is_ws))
        .filter(|segment| !segment.is_empty())
        .map(|segment| match segment.split_once('=') {
            Some((name, value)) => Ok((name.trim_matches(is_ws), value.trim_matches(is_ws))),
            None => Err(untagged(format!(
                "'{}' is not a tag=value pair",
                excerpt(segment)
            ))),
        })
}

/// All the pairs of a tag list, each name checked by `valid_name` before the next segment is
/// read.
pub(super) fn split_tags(
    txt: &str,
    valid_name: impl Fn(&str) -> bool,
) -> Result<Vec<(&str, &str)>, SyntaxError> {
    tag_pairs(txt)
        .map(|pair| match pair? {
            (name, _) if !valid_name(name) => Err(invalid_name(name)),
            pair => Ok(pair),
        })
        .collect()
}

/// `'name' is not a valid tag name`.
pub(super) fn invalid_name(name: &str) -> SyntaxError {
    untagged(format!("'{}' is not a valid tag name", excerpt(name)))
}
