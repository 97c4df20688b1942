//! Host names, addresses and certificate name matching, checked once where they enter mxray
//! and usable from every layer (this module imports nothing above it).
//!
//! Internationalised domain names (UTS #46, through the `idna` crate): users type U-labels
//! (`bücher.example`, `почта.рф`, `æøå.no`); DNS, TLS and SMTP without SMTPUTF8 need the
//! A-label form (`xn--bcher-kva.example`). Conversion happens once, where a name enters mxray;
//! reports show both forms.
// Values from the user, the network and saved reports: a bad one is an error, never a panic.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic,
        clippy::string_slice
    )
)]

use crate::escape::echo;
use idna::uts46::{AsciiDenyList, DnsLength, Hyphens, Uts46};
use std::net::IpAddr;

/// The A-label (ASCII) form of `name`, or why UTS #46 refuses it. ASCII names without `xn--`
/// labels pass through unchanged (underscores stay allowed: DKIM selectors, `_dmarc`).
pub fn to_ascii(name: &str) -> Result<String, String> {
    let needs = !name.is_ascii() || name.split('.').any(is_a_label);
    if !needs {
        return Ok(name.to_string());
    }
    let uts46 = Uts46::new();
    let convert = |s: &str| {
        uts46
            .to_ascii(
                s.as_bytes(),
                AsciiDenyList::EMPTY,
                Hyphens::CheckFirstLast,
                DnsLength::Ignore,
            )
            .map(|c| c.into_owned())
    };
    match convert(name) {
        Ok(a) => Ok(a),
        Err(_) => Err(refusal(name, &convert)),
    }
}

/// A label in Punycode form (`xn--…`), compared without slicing inside a UTF-8 character.
fn is_a_label(label: &str) -> bool {
    label
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("xn--"))
}

/// UTS #46's refusal in words: the first label it refuses, and the character or rule to blame.
fn refusal(name: &str, convert: &dyn Fn(&str) -> Result<String, idna::Errors>) -> String {
    let Some(label) = name
        .split(['.', '。', '．', '｡'])
        .find(|l| !l.is_empty() && convert(l).is_err())
    else {
        return "UTS #46 refuses it as a whole (its labels break the bidirectional-text rules together)"
            .into();
    };
    if is_a_label(label) {
        return format!(
            "the label {label:?} is not valid Punycode, or does not decode to a valid U-label (UTS #46)"
        );
    }
    if let Some(c) = label
        .chars()
        .find(|c| !c.is_ascii() && convert(&c.to_string()).is_err())
    {
        return format!(
            "the label {label:?} contains {c:?} (U+{:04X}), which UTS #46 does not allow in domain names",
            c as u32
        );
    }
    if label.starts_with('-') || label.ends_with('-') {
        return format!("the label {label:?} starts or ends with '-'");
    }
    format!(
        "the label {label:?} breaks UTS #46's rules (a combining mark first, joiners out of context, or mixed right-to-left and left-to-right text)"
    )
}

/// The U-label (Unicode) form of an ASCII name when it has `xn--` labels that decode cleanly,
/// else `None`: what to show the user beside the A-label.
pub fn to_unicode(ascii: &str) -> Option<String> {
    if !ascii.split('.').any(is_a_label) {
        return None;
    }
    let (u, result) =
        Uts46::new().to_unicode(ascii.as_bytes(), AsciiDenyList::EMPTY, Hyphens::Allow);
    (result.is_ok() && u != ascii).then(|| u.into_owned())
}

/// "bücher.example (xn--bcher-kva.example)" for an internationalised name, else the name.
pub fn both_forms(ascii: &str) -> String {
    match to_unicode(ascii) {
        Some(u) => format!("{u} ({ascii})"),
        None => ascii.to_string(),
    }
}

/// `text` with every internationalised host name in it (`alice@xn--bcher-kva.example:587`)
/// in its Unicode form, or `None` when it holds none.
pub fn unicode_in(text: &str) -> Option<String> {
    let mut out = String::new();
    let mut changed = false;
    let mut word = String::new();
    let mut flush = |word: &mut String, out: &mut String| {
        match to_unicode(word) {
            Some(u) => {
                out.push_str(&u);
                changed = true;
            }
            None => out.push_str(word),
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    changed.then_some(out)
}

/// An address's local part needs SMTPUTF8 (RFC 6531) when it is not ASCII; a non-ASCII
/// domain alone does not, as its A-label form can be sent instead.
pub fn local_part_is_utf8(address: &str) -> bool {
    address
        .rsplit_once('@')
        .is_some_and(|(local, _)| !local.is_ascii())
}

/// An e-mail address usable in MAIL FROM / RCPT TO: `local@domain`, a local part of printable
/// ASCII without spaces or angle brackets, or UTF-8 (RFC 6531: it then needs a server with
/// SMTPUTF8), and a valid domain, returned in its A-label form.
pub fn validate_address(addr: &str) -> Result<String, String> {
    let a = addr.trim();
    let bad = |why: &str| Err(format!("{} is not a usable e-mail address: {why}", echo(a)));
    let Some((local, domain)) = a.rsplit_once('@') else {
        return bad("no @");
    };
    if local.is_empty() || local.len() > 64 || a.len() > 254 {
        return bad("local part empty or too long");
    }
    if !local.chars().all(|c| {
        (c.is_ascii_graphic()
            && !matches!(
                c,
                '<' | '>' | '(' | ')' | ',' | ';' | '[' | ']' | '\\' | '"'
            ))
            || (!c.is_ascii() && !c.is_control() && !c.is_whitespace())
    }) {
        return bad("the part before @ has spaces or characters that need quoting");
    }
    if !domain.contains('.') {
        return bad("the domain has no dot");
    }
    let domain = validate_host(domain).map_err(|e| format!("{}: {e}", echo(a)))?;
    Ok(format!("{local}@{domain}"))
}

/// RFC 1123 host name or IP literal (optionally in brackets). Internationalised names are
/// taken in either form and returned as A-labels (UTS #46).
pub fn validate_host(host: &str) -> Result<String, String> {
    let h = host.trim();
    let bare = h.trim_start_matches('[').trim_end_matches(']');
    if bare.parse::<IpAddr>().is_ok() {
        return Ok(bare.to_string());
    }
    let ascii = to_ascii(h.trim_end_matches(['.', '。']))
        .map_err(|why| format!("{} is not a valid host name: {why}", echo(host)))?;
    let name = ascii.as_str();
    let bad = |why: &str| Err(format!("{} is not a valid host name: {why}", echo(host)));
    if name.is_empty() {
        return bad("it is empty");
    }
    if name.len() > 253 {
        return bad("longer than 253 characters");
    }
    for label in name.split('.') {
        if label.is_empty() {
            return bad("it has an empty label (two dots in a row)");
        }
        if label.len() > 63 {
            return bad("a label is longer than 63 characters");
        }
        if label.starts_with('-') || label.ends_with('-') {
            return bad("a label starts or ends with '-'");
        }
        if let Some(c) = label
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
        {
            return bad(&format!("it contains {c:?}"));
        }
    }
    Ok(name.to_ascii_lowercase())
}

/// An argument that is an e-mail address rather than a URL (no scheme, port or path).
pub fn looks_like_address(s: &str) -> bool {
    s.contains('@') && !s.contains("://") && !s.contains(['/', '?', ':'])
}

/// An address for discovery: [`validate_address`], and a domain that is a host name (not an IP
/// literal), lower-cased.
pub fn parse_address(s: &str) -> Result<String, String> {
    let a = validate_address(s)?;
    let (local, domain) = a.rsplit_once('@').unwrap_or(("", &a));
    let domain = validate_host(domain)?;
    if domain.parse::<IpAddr>().is_ok() {
        return Err(format!("{}: {domain} is not a mail domain", echo(&a)));
    }
    Ok(format!("{local}@{domain}"))
}

/// True when a `DNS:` SAN matches `name` (case-insensitive, trailing dot ignored, a wildcard
/// only as the whole left-most label and never matching across dots).
pub fn name_matches(sans: &[String], name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    if let Ok(ip) = name.parse::<IpAddr>() {
        return ip_matches(sans, ip);
    }
    sans.iter()
        .filter_map(|s| s.strip_prefix("DNS:"))
        .any(|pattern| {
            let p = pattern.trim_end_matches('.').to_ascii_lowercase();
            match p.strip_prefix("*.") {
                Some(suffix) => match name.split_once('.') {
                    Some((first, rest)) => {
                        !first.is_empty() && rest == suffix && suffix.contains('.')
                    }
                    None => false,
                },
                None => p == name,
            }
        })
}

pub fn ip_matches(sans: &[String], ip: IpAddr) -> bool {
    sans.iter()
        .filter_map(|s| s.strip_prefix("IP:"))
        .any(|s| s.parse::<IpAddr>().ok() == Some(ip))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn u_labels_become_a_labels() {
        assert_eq!(to_ascii("bücher.example").unwrap(), "xn--bcher-kva.example");
        assert_eq!(to_ascii("Bücher.Example").unwrap(), "xn--bcher-kva.example");
        assert_eq!(to_ascii("почта.рф").unwrap(), "xn--80a1acny.xn--p1ai");
        assert_eq!(to_ascii("æøå.no").unwrap(), "xn--5cab8c.no");
        assert_eq!(to_ascii("żółw.pl").unwrap(), "xn--w-uga1v8h.pl");
        // Ideographic full stops separate labels too.
        assert_eq!(
            to_ascii("bücher。example").unwrap(),
            "xn--bcher-kva.example"
        );
        assert_eq!(to_ascii("mail.example.com").unwrap(), "mail.example.com");
        assert_eq!(
            to_ascii("_dmarc.example.com").unwrap(),
            "_dmarc.example.com"
        );
    }

    #[test]
    fn what_uts46_refuses_is_refused_with_a_reason() {
        let e = to_ascii("xn--zz.example").unwrap_err();
        assert!(e.contains("xn--zz") && e.contains("Punycode"), "{e}");
        let e = to_ascii("a\u{0300}b.example")
            .map(|_| ())
            .and(to_ascii("\u{0300}b.example"));
        assert!(e.unwrap_err().contains("UTS #46"));
        let e = to_ascii("bü\u{fffd}cher.example").unwrap_err();
        assert!(e.contains("U+FFFD"), "{e}");
        let e = to_ascii("-bücher.example").unwrap_err();
        assert!(e.contains("starts or ends with '-'"), "{e}");
    }

    #[test]
    fn both_forms_are_shown() {
        assert_eq!(
            to_unicode("xn--bcher-kva.example").unwrap(),
            "bücher.example"
        );
        assert_eq!(
            both_forms("xn--80a1acny.xn--p1ai"),
            "почта.рф (xn--80a1acny.xn--p1ai)"
        );
        assert_eq!(both_forms("mail.example.com"), "mail.example.com");
        assert_eq!(to_unicode("xn--zz.example"), None);
    }

    #[test]
    fn names_inside_targets_are_shown_in_unicode() {
        assert_eq!(
            unicode_in("alice@xn--bcher-kva.example:587").unwrap(),
            "alice@bücher.example:587"
        );
        assert_eq!(unicode_in("mail.example.com:25"), None);
    }

    #[test]
    fn only_a_non_ascii_local_part_needs_smtputf8() {
        assert!(local_part_is_utf8("jürgen@example.de"));
        assert!(!local_part_is_utf8("jurgen@bücher.de"));
        assert!(!local_part_is_utf8("no-at-sign-ü"));
    }
}
