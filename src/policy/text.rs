//! Small text helpers shared by the tag-value record parsers (DKIM, DMARC, MTA-STS, TLS-RPT).

/// Folding whitespace as the tag-value grammars allow it (RFC 6376 §3.2 FWS, RFC 7489 §6.4).
pub(super) fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// At most 40 characters of `s`, for error messages.
pub(super) fn excerpt(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().nth(40).is_some() {
        out.push('…');
    }
    out
}

/// Extension names of RFC 8460/8461: `(ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")`.
pub(super) fn is_ext_name(name: &str) -> bool {
    name.len() <= 32
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// Whether the record's first tag is exactly `v=VERSION` (whitespace around `=` allowed): the
/// test that picks a record out of a TXT set.
pub(super) fn first_tag_is(txt: &str, version: &str) -> bool {
    let first = txt.split(';').next().unwrap_or("");
    match first.split_once('=') {
        Some((name, value)) => {
            name.trim_matches(is_ws) == "v" && value.trim_matches(is_ws) == version
        }
        None => false,
    }
}
