//! DMARC policy records (RFC 7489, with the RFC 9989 "DMARCbis" additions): parsing of the
//! `_dmarc` TXT record, the DNS tree walk candidates and the external-report authorization name.
//!
//! Syntax (RFC 9989 §4.7, same as RFC 7489 §6.4): `tag=value` pairs separated by `;`, whitespace
//! around tags, `=` and `;` allowed, trailing `;` allowed, empty segments (`;;`) skipped.
//! Choices where the RFCs leave room, all in the direction of a useful diagnosis:
//! - Tag names are matched case-insensitively (the ABNF literals are case-insensitive and
//!   receivers accept `P=reject`); the version value `DMARC1` is case-sensitive (RFC 9989 `%s`).
//! - Values of the enumerated tags (`p`, `sp`, `adkim`, ...) are case-insensitive (ABNF literals).
//! - A bad value of a known tag is an error naming the tag, although RFC 7489 §6.3 lets a
//!   receiver fall back to the default: the record does not say what its owner meant.
//! - `p` is required (RFC 7489); the error says RFC 9989 receivers would treat it as `p=none`.
//! - Duplicate tags are an error. Unknown tags are kept in `unknown_tags` (receivers ignore them);
//!   their names may hold digits, `_` and `-` (the ABNF says letters only; receivers don't care).
//! - `pct`, `rf` and `ri` are parsed (RFC 7489) and listed in `removed_in_rfc9989`.

use super::tags::{err, split_tags};
pub use super::tags::{SyntaxError, UnknownTag};
use super::text::{excerpt, is_domain, is_ws, percent_decode};
use serde::{Deserialize, Serialize};

/// `'value' is not {expected}`, blamed on `tag`.
fn bad(tag: &str, value: &str, expected: &str) -> SyntaxError {
    err(tag, format!("'{}' is not {expected}", excerpt(value)))
}

/// The requested handling of mail that fails DMARC (`p`, `sp`, `np`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    #[default]
    None,
    Quarantine,
    Reject,
}

/// Identifier alignment mode (`adkim`, `aspf`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Alignment {
    #[default]
    Relaxed,
    Strict,
}

/// The RFC 9989 `psd` flag: is the record published for a public suffix domain?
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Psd {
    /// `psd=y`: the domain is a public suffix domain.
    Yes,
    /// `psd=n`: the domain is an organizational domain.
    No,
    /// `psd=u` or absent: the tree walk decides.
    #[default]
    Unknown,
}

/// One entry of `rua` / `ruf`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportUri {
    /// The URI as written, without the `!size` suffix.
    pub uri: String,
    /// Lower-cased scheme (`mailto` in practice; others are kept and ignored by receivers).
    pub scheme: String,
    /// `mailto:` only: the address (percent-decoded, query part dropped).
    pub address: Option<String>,
    /// `mailto:` only: the lower-cased domain of the address.
    pub domain: Option<String>,
    /// RFC 7489 `!size` limit in bytes (k/m/g/t are powers of 1024). RFC 9989 dropped the suffix.
    pub max_size: Option<u64>,
}

/// A parsed DMARC record. Absent optional tags are `None` (or empty), except where a default is
/// stated, so that "absent" and "set to the default" stay distinguishable where it matters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dmarc {
    pub p: Policy,
    pub sp: Option<Policy>,
    /// RFC 9989: policy for non-existent subdomains.
    pub np: Option<Policy>,
    /// Default relaxed.
    pub adkim: Alignment,
    /// Default relaxed.
    pub aspf: Alignment,
    /// Default 100. RFC 9989 removed `pct` (see `t`); `removed_in_rfc9989` says if it was set.
    pub pct: u8,
    /// RFC 9989 `t=y`: testing, apply one level below the stated policy. Default false.
    pub t: bool,
    /// RFC 9989 `psd`. Default `Unknown`.
    pub psd: Psd,
    pub rua: Vec<ReportUri>,
    pub ruf: Vec<ReportUri>,
    /// Failure-report options (`0`, `1`, `d`, `s`), lower-cased; empty when absent (default `0`).
    pub fo: Vec<String>,
    /// Failure-report formats, lower-cased; empty when absent (default `afrf`).
    pub rf: Vec<String>,
    /// Aggregate report interval in seconds, when set (default 86400).
    pub ri: Option<u32>,
    /// Tags present in the record that RFC 9989 removed (`pct`, `rf`, `ri`).
    pub removed_in_rfc9989: Vec<String>,
    pub unknown_tags: Vec<UnknownTag>,
}

impl Dmarc {
    /// Policy for existing subdomains: `sp`, else `p`.
    pub fn subdomain_policy(&self) -> Policy {
        self.sp.unwrap_or(self.p)
    }

    /// Policy for non-existent subdomains: `np`, else `sp`, else `p` (RFC 9989).
    pub fn nonexistent_policy(&self) -> Policy {
        self.np.or(self.sp).unwrap_or(self.p)
    }
}

/// A letter, then letters, digits, `_` and `-` (wider than the ABNF's letters: see above).
fn is_tag_name(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Whether `txt` starts with `v=DMARC1` (the test for picking DMARC records out of a TXT set).
pub fn is_dmarc(txt: &str) -> bool {
    let first = txt.split(';').next().unwrap_or("");
    match first.split_once('=') {
        Some((name, value)) => {
            name.trim_matches(is_ws).eq_ignore_ascii_case("v")
                && value.trim_matches(is_ws) == "DMARC1"
        }
        None => false,
    }
}

/// Parses a DMARC record (the concatenated strings of one TXT record).
pub fn parse(txt: &str) -> Result<Dmarc, SyntaxError> {
    let tags = split_tags(txt, is_tag_name)?;
    match tags.first() {
        Some((name, value)) if name.eq_ignore_ascii_case("v") => {
            if *value != "DMARC1" {
                let hint = if value.starts_with("DMARC1") {
                    " (missing ';' after it?)"
                } else {
                    ""
                };
                let msg = format!("version is '{}', expected DMARC1{hint}", excerpt(value));
                return Err(err("v", msg));
            }
        }
        _ => return Err(err("v", "the record must start with v=DMARC1")),
    }
    let mut record = Dmarc {
        pct: 100,
        ..Dmarc::default()
    };
    let mut seen: Vec<String> = vec!["v".to_string()];
    let mut have_p = false;
    for &(name, value) in tags.iter().skip(1) {
        let key = name.to_ascii_lowercase();
        if seen.contains(&key) {
            return Err(err(&key, "duplicate tag"));
        }
        seen.push(key.clone());
        let tag = key.as_str();
        match tag {
            "p" => {
                record.p = policy(tag, value)?;
                have_p = true;
            }
            "sp" => record.sp = Some(policy(tag, value)?),
            "np" => record.np = Some(policy(tag, value)?),
            "adkim" => record.adkim = alignment(tag, value)?,
            "aspf" => record.aspf = alignment(tag, value)?,
            "pct" => {
                record.pct = match value.parse::<u8>() {
                    Ok(n) if n <= 100 && value.bytes().all(|b| b.is_ascii_digit()) => n,
                    _ => return Err(bad(tag, value, "0-100")),
                };
                record.removed_in_rfc9989.push(key.clone());
            }
            "t" => record.t = yes_no(tag, value)?,
            "psd" => {
                record.psd = match value.to_ascii_lowercase().as_str() {
                    "y" => Psd::Yes,
                    "n" => Psd::No,
                    "u" => Psd::Unknown,
                    _ => return Err(bad(tag, value, "y, n or u")),
                }
            }
            "rua" => record.rua = uri_list(tag, value)?,
            "ruf" => record.ruf = uri_list(tag, value)?,
            "fo" => record.fo = fo_list(value)?,
            "rf" => {
                record.rf = colon_list(tag, value)?;
                record.removed_in_rfc9989.push(key.clone());
            }
            "ri" => {
                if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(bad(tag, value, "a number of seconds"));
                }
                let n = value
                    .parse::<u32>()
                    .map_err(|_| err(tag, "interval out of range"))?;
                record.ri = Some(n);
                record.removed_in_rfc9989.push(key.clone());
            }
            _ => record.unknown_tags.push(UnknownTag {
                name: name.to_string(),
                value: value.to_string(),
            }),
        }
    }
    if !have_p {
        return Err(err(
            "p",
            "required tag p is missing (RFC 7489 requires it; RFC 9989 receivers treat the record as p=none)",
        ));
    }
    Ok(record)
}

fn policy(tag: &str, value: &str) -> Result<Policy, SyntaxError> {
    match value.to_ascii_lowercase().as_str() {
        "none" => Ok(Policy::None),
        "quarantine" => Ok(Policy::Quarantine),
        "reject" => Ok(Policy::Reject),
        "" => Err(err(tag, "empty value, expected none, quarantine or reject")),
        _ => Err(bad(tag, value, "none, quarantine or reject")),
    }
}

fn alignment(tag: &str, value: &str) -> Result<Alignment, SyntaxError> {
    match value.to_ascii_lowercase().as_str() {
        "r" => Ok(Alignment::Relaxed),
        "s" => Ok(Alignment::Strict),
        _ => Err(bad(tag, value, "r (relaxed) or s (strict)")),
    }
}

fn yes_no(tag: &str, value: &str) -> Result<bool, SyntaxError> {
    match value.to_ascii_lowercase().as_str() {
        "y" => Ok(true),
        "n" => Ok(false),
        _ => Err(bad(tag, value, "y or n")),
    }
}

fn colon_list(tag: &str, value: &str) -> Result<Vec<String>, SyntaxError> {
    let mut out = Vec::new();
    for item in value.split(':') {
        let item = item.trim_matches(is_ws);
        if item.is_empty() {
            return Err(err(tag, "empty item in colon-separated list"));
        }
        out.push(item.to_ascii_lowercase());
    }
    Ok(out)
}

fn fo_list(value: &str) -> Result<Vec<String>, SyntaxError> {
    let items = colon_list("fo", value)?;
    for item in &items {
        if !matches!(item.as_str(), "0" | "1" | "d" | "s") {
            return Err(bad("fo", item, "one of 0, 1, d, s"));
        }
    }
    Ok(items)
}

fn uri_list(tag: &str, value: &str) -> Result<Vec<ReportUri>, SyntaxError> {
    let mut out = Vec::new();
    for item in value.split(',') {
        let item = item.trim_matches(is_ws);
        if item.is_empty() {
            return Err(err(tag, "empty URI in comma-separated list"));
        }
        out.push(report_uri(tag, item)?);
    }
    Ok(out)
}

/// `mailto:addr[!size]` or another URI. The size suffix follows the last `!` (a literal `!` in
/// the URI must be percent-encoded, RFC 7489 §6.4).
fn report_uri(tag: &str, item: &str) -> Result<ReportUri, SyntaxError> {
    let (uri, max_size) = match item.rsplit_once('!') {
        Some((uri, size)) => (uri, Some(size_limit(tag, size)?)),
        None => (item, None),
    };
    let Some((scheme, rest)) = uri.split_once(':') else {
        let hint = if uri.contains('@') {
            " (did you mean mailto:...?)"
        } else {
            ""
        };
        return Err(err(
            tag,
            format!("'{}' is not a URI: no scheme{hint}", excerpt(uri)),
        ));
    };
    let scheme_ok = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok {
        return Err(err(
            tag,
            format!("'{}' is not a URI: bad scheme", excerpt(uri)),
        ));
    }
    let scheme = scheme.to_ascii_lowercase();
    let (mut address, mut domain) = (None, None);
    if scheme == "mailto" {
        let addr = percent_decode(rest.split('?').next().unwrap_or(""));
        let Some((local, dom)) = addr.rsplit_once('@') else {
            return Err(err(tag, format!("'{}' has no @domain", excerpt(uri))));
        };
        if local.is_empty() || !is_domain(dom) {
            return Err(bad(tag, &addr, "a valid mail address"));
        }
        domain = Some(dom.trim_end_matches('.').to_ascii_lowercase());
        address = Some(addr);
    }
    Ok(ReportUri {
        uri: uri.to_string(),
        scheme,
        address,
        domain,
        max_size,
    })
}

fn size_limit(tag: &str, size: &str) -> Result<u64, SyntaxError> {
    let bad = || {
        err(
            tag,
            format!(
                "'!{}' is not a size limit (digits, then k, m, g or t)",
                excerpt(size)
            ),
        )
    };
    let (digits, shift) = match size.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let shift = match c.to_ascii_lowercase() {
                'k' => 10,
                'm' => 20,
                'g' => 30,
                't' => 40,
                _ => return Err(bad()),
            };
            (size.get(..i).unwrap_or(size), shift)
        }
        _ => (size, 0),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n: u64 = digits.parse().map_err(|_| bad())?;
    n.checked_mul(1u64 << shift)
        .ok_or_else(|| err(tag, "size limit out of range"))
}

/// The names to query for a DMARC record, in order, for the RFC 9989 §4.10 DNS tree walk: the
/// domain itself, then parents. A name of 8 or more labels jumps to its last 7 labels, then the
/// walk drops one label at a time, which bounds the walk at eight queries. The RFC's walk ends at
/// the TLD; this list stops before it (a TLD-level record is a public-suffix operator's record,
/// not the domain's). Lower-cased, trailing dot removed; empty labels are ignored.
pub fn org_domain_candidates(domain: &str) -> Vec<String> {
    let lower = domain.trim_matches(is_ws).to_ascii_lowercase();
    let labels: Vec<&str> = lower.split('.').filter(|l| !l.is_empty()).collect();
    let n = labels.len();
    if n == 0 {
        return Vec::new();
    }
    let mut out = vec![labels.join(".")];
    let mut x = if n >= 8 { 7 } else { n - 1 };
    while x >= 2 {
        out.push(labels.get(n - x..).unwrap_or_default().join("."));
        x -= 1;
    }
    out
}

/// The name at which `rua_domain` authorizes reports about `domain_of_record` (RFC 7489 §7.1):
/// `{domain}._report._dmarc.{rua_domain}`. Both lower-cased, trailing dots removed.
pub fn report_auth_name(domain_of_record: &str, rua_domain: &str) -> String {
    let norm = |s: &str| {
        s.trim_matches(is_ws)
            .trim_end_matches('.')
            .to_ascii_lowercase()
    };
    format!(
        "{}._report._dmarc.{}",
        norm(domain_of_record),
        norm(rua_domain)
    )
}

#[cfg(test)]
#[path = "dmarc_tests.rs"]
mod tests;
