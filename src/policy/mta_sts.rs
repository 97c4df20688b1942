//! MTA-STS (RFC 8461): the `_mta-sts` TXT record, the policy file served at
//! `https://mta-sts.{domain}/.well-known/mta-sts.txt`, and matching MX names against the policy.
//!
//! Choices where the RFC leaves room:
//! - TXT record: `v=STSv1` must come first; names and values are case-sensitive (`%s` in the
//!   ABNF). Whitespace around `=` and `;` is accepted (the ABNF allows it only around `;`).
//!   Duplicate tags are an error; unknown tags are kept in `extensions`.
//! - Policy file: lines end in LF or CRLF; blank lines and whitespace around keys and values are
//!   tolerated; a line without `:` is an error. Keys and values are case-sensitive. A repeated
//!   `version`/`mode`/`max_age` keeps the first value, as §3.2 says, and is listed in
//!   `duplicate_keys`. Unknown keys are ignored and kept in `unknown_fields`. An `mx` pattern must
//!   be a host name, optionally `*.`-prefixed.

use super::tags::{err, versioned_tags};
pub use super::tags::{SyntaxError, UnknownTag};
use super::text::{excerpt, first_tag_is, is_ext_name, is_ws};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What is wrong with the policy file: the 1-based line and the key, when one is to blame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyError {
    pub line: Option<usize>,
    pub key: Option<String>,
    pub message: String,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        if let Some(key) = &self.key {
            write!(f, "{key}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for PolicyError {}

/// The `_mta-sts` TXT record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StsRecord {
    /// Policy instance id: 1 to 32 letters and digits.
    pub id: String,
    pub extensions: Vec<UnknownTag>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Enforce,
    Testing,
    None,
}

/// The policy file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StsPolicy {
    /// Always `STSv1`.
    pub version: String,
    pub mode: Mode,
    /// Seconds, at most 31557600 (about a year).
    pub max_age: u32,
    /// MX patterns as written: host names, or `*.` followed by a host name.
    pub mx: Vec<String>,
    /// Keys other than `mx` given more than once; the first value was used.
    pub duplicate_keys: Vec<String>,
    pub unknown_fields: Vec<UnknownTag>,
}

impl StsPolicy {
    /// Whether the MX host `host` is allowed by one of the policy's `mx` patterns.
    pub fn allows_mx(&self, host: &str) -> bool {
        self.mx.iter().any(|pattern| mx_matches(pattern, host))
    }
}

/// Largest `max_age` RFC 8461 §3.2 allows.
pub const MAX_AGE_LIMIT: u32 = 31_557_600;

/// Whether `txt` starts with `v=STSv1` (the test for picking the record out of a TXT set).
pub fn is_sts_record(txt: &str) -> bool {
    first_tag_is(txt, "STSv1")
}

/// Parses the `_mta-sts.{domain}` TXT record.
pub fn parse_record(txt: &str) -> Result<StsRecord, SyntaxError> {
    let mut id = None;
    let tags = versioned_tags(txt, "STSv1", |name, value| {
        if name != "id" {
            return Ok(false);
        }
        if value.is_empty() || value.len() > 32 || !value.chars().all(|c| c.is_ascii_alphanumeric())
        {
            let message = format!("'{}' is not 1 to 32 letters and digits", excerpt(value));
            return Err(err("id", message));
        }
        id = Some(value.to_string());
        Ok(true)
    })?;
    let Some(id) = id else {
        return Err(err("id", "required tag id is missing"));
    };
    Ok(StsRecord {
        id,
        extensions: tags.extensions,
    })
}

/// Parses the policy file (the body of `/.well-known/mta-sts.txt`).
pub fn parse_policy(text: &str) -> Result<StsPolicy, PolicyError> {
    let err = |line: Option<usize>, key: Option<&str>, message: String| PolicyError {
        line,
        key: key.map(str::to_string),
        message,
    };
    if text.starts_with('\u{feff}') {
        return Err(err(
            Some(1),
            None,
            "the policy starts with a byte-order mark".into(),
        ));
    }
    let (mut version, mut mode, mut max_age) = (None, None, None);
    let mut policy = StsPolicy {
        version: String::new(),
        mode: Mode::None,
        max_age: 0,
        mx: Vec::new(),
        duplicate_keys: Vec::new(),
        unknown_fields: Vec::new(),
    };
    for (index, raw) in text.split('\n').enumerate() {
        let n = Some(index + 1);
        let line = raw.strip_suffix('\r').unwrap_or(raw).trim_matches(is_ws);
        if line.is_empty() {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            return Err(err(
                n,
                None,
                format!("'{}' is not a 'key: value' line", excerpt(line)),
            ));
        };
        let (key, value) = (key.trim_matches(is_ws), value.trim_matches(is_ws));
        let first = match key {
            "version" => version.is_none(),
            "mode" => mode.is_none(),
            "max_age" => max_age.is_none(),
            _ => true,
        };
        if !first {
            if !policy.duplicate_keys.iter().any(|k| k == key) {
                policy.duplicate_keys.push(key.to_string());
            }
            continue;
        }
        match key {
            "version" => {
                if value != "STSv1" {
                    return Err(err(
                        n,
                        Some(key),
                        format!("'{}' is not STSv1", excerpt(value)),
                    ));
                }
                version = Some(value.to_string());
            }
            "mode" => mode = Some(parse_mode(value).map_err(|m| err(n, Some(key), m))?),
            "max_age" => max_age = Some(parse_max_age(value).map_err(|m| err(n, Some(key), m))?),
            "mx" => {
                if !is_mx_pattern(value) {
                    let message =
                        format!("'{}' is not a host name or *.host pattern", excerpt(value));
                    return Err(err(n, Some(key), message));
                }
                policy.mx.push(value.to_string());
            }
            _ => {
                if !is_ext_name(key) {
                    return Err(err(
                        n,
                        None,
                        format!("'{}' is not a valid key", excerpt(key)),
                    ));
                }
                policy.unknown_fields.push(UnknownTag {
                    name: key.to_string(),
                    value: value.to_string(),
                });
            }
        }
    }
    let missing = |key: &str| {
        let hint = case_hint(&policy, key);
        err(
            None,
            Some(key),
            format!("required key {key} is missing{hint}"),
        )
    };
    let version = version.ok_or_else(|| missing("version"))?;
    let mode = mode.ok_or_else(|| missing("mode"))?;
    let max_age = max_age.ok_or_else(|| missing("max_age"))?;
    (policy.version, policy.mode, policy.max_age) = (version, mode, max_age);
    if policy.mx.is_empty() && policy.mode != Mode::None {
        let hint = case_hint(&policy, "mx");
        return Err(err(
            None,
            Some("mx"),
            format!("at least one mx is required unless mode is none{hint}"),
        ));
    }
    Ok(policy)
}

fn parse_mode(value: &str) -> Result<Mode, String> {
    match value {
        "enforce" => Ok(Mode::Enforce),
        "testing" => Ok(Mode::Testing),
        "none" => Ok(Mode::None),
        _ => Err(format!(
            "'{}' is not enforce, testing or none (case-sensitive)",
            excerpt(value)
        )),
    }
}

/// `max_age`: decimal digits only (at most 10), at most `MAX_AGE_LIMIT` seconds.
fn parse_max_age(value: &str) -> Result<u32, String> {
    if value.is_empty() || value.len() > 10 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("'{}' is not a number of seconds", excerpt(value)));
    }
    match value.parse::<u64>() {
        Ok(secs) if secs <= u64::from(MAX_AGE_LIMIT) => Ok(secs as u32),
        _ => Err(format!(
            "{value} is above the limit of {MAX_AGE_LIMIT} seconds"
        )),
    }
}

/// A note for a missing key that was present in other letter case.
fn case_hint(policy: &StsPolicy, key: &str) -> &'static str {
    if policy
        .unknown_fields
        .iter()
        .any(|f| f.name.eq_ignore_ascii_case(key))
    {
        " (keys are case-sensitive)"
    } else {
        ""
    }
}

/// A host name (letters, digits, hyphens; optional trailing dot), optionally prefixed by `*.`.
fn is_mx_pattern(value: &str) -> bool {
    let host = value.strip_prefix("*.").unwrap_or(value);
    let host = host.strip_suffix('.').unwrap_or(host);
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// Whether MX host `host` matches policy pattern `pattern` (RFC 8461 §4.1): equal names, or
/// `*.suffix` with exactly one more label on the left of `suffix`. ASCII case is ignored and so
/// are trailing dots. Empty names and other uses of `*` never match.
pub fn mx_matches(pattern: &str, host: &str) -> bool {
    let norm = |s: &str| {
        s.trim_matches(is_ws)
            .trim_end_matches('.')
            .to_ascii_lowercase()
    };
    let (pattern, host) = (norm(pattern), norm(host));
    if host.is_empty() || host.contains('*') || host.split('.').any(str::is_empty) {
        return false;
    }
    match pattern.strip_prefix("*.") {
        Some(suffix) => {
            if suffix.is_empty() || suffix.contains('*') {
                return false;
            }
            match host
                .strip_suffix(suffix)
                .and_then(|rest| rest.strip_suffix('.'))
            {
                Some(label) => !label.is_empty() && !label.contains('.'),
                None => false,
            }
        }
        None => !pattern.contains('*') && pattern == host,
    }
}

#[cfg(test)]
#[path = "mta_sts_tests.rs"]
mod tests;
