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

/// Decodes `%XX` escapes of report URIs; malformed escapes stay as written.
pub(super) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    let hex = |at: usize| bytes.get(at).and_then(|&b| (b as char).to_digit(16));
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            if let (Some(h), Some(l)) = (hex(i + 1), hex(i + 2)) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A plausible host name: dot-separated non-empty labels of letters, digits, `-` and `_`
/// (non-ASCII letters allowed for internationalized addresses), optional trailing dot.
pub(super) fn is_domain(d: &str) -> bool {
    let d = d.strip_suffix('.').unwrap_or(d);
    !d.is_empty()
        && d.len() <= 253
        && d.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars()
                    .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
        })
}
