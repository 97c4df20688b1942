//! What the tag-value records (DKIM keys, DMARC, MTA-STS, TLS-RPT) share: the `tag=value` list
//! split on `;`, the error that names the tag to blame, and unknown tags kept as written.

use super::text::{excerpt, is_ext_name, is_ws};
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
fn tag_pairs(txt: &str) -> impl Iterator<Item = Result<(&str, &str), SyntaxError>> {
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
fn invalid_name(name: &str) -> SyntaxError {
    untagged(format!("'{}' is not a valid tag name", excerpt(name)))
}

/// What [`versioned_tags`] read: every tag name in order (`v` first) and the extensions.
pub(super) struct VersionedTags<'a> {
    pub seen: Vec<&'a str>,
    pub extensions: Vec<UnknownTag>,
}

/// Reads an RFC 8460/8461 tag list (TLS-RPT, MTA-STS): `v=VERSION` first, each tag at most once,
/// names and the version case-sensitive. `known` is given each tag after `v` and says whether it
/// knew it; any other tag must be an extension (`is_ext_name`, a value), kept as written.
pub(super) fn versioned_tags<'a>(
    txt: &'a str,
    version: &str,
    mut known: impl FnMut(&'a str, &'a str) -> Result<bool, SyntaxError>,
) -> Result<VersionedTags<'a>, SyntaxError> {
    let must_start = || err("v", format!("the record must start with v={version}"));
    let mut seen: Vec<&str> = Vec::new();
    let mut extensions = Vec::new();
    for pair in tag_pairs(txt) {
        let (name, value) = pair?;
        if seen.is_empty() {
            if name != "v" {
                return Err(must_start());
            }
            if value != version {
                let message = format!("version is '{}', expected {version}", excerpt(value));
                return Err(err("v", message));
            }
        } else if seen.contains(&name) {
            return Err(err(name, "duplicate tag"));
        }
        seen.push(name);
        if name == "v" || known(name, value)? {
            continue;
        }
        if !is_ext_name(name) {
            return Err(invalid_name(name));
        }
        if value.is_empty() {
            return Err(err(name, "empty value"));
        }
        extensions.push(UnknownTag {
            name: name.to_string(),
            value: value.to_string(),
        });
    }
    if seen.is_empty() {
        return Err(must_start());
    }
    Ok(VersionedTags { seen, extensions })
}
