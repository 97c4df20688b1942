//! The record grammar (RFC 7208 §4.5, §4.6.1): the version, terms split on spaces, and each
//! term read as a directive or a modifier.

use super::arguments::{domain_and_cidr, ip_network, required_domain};
use super::error::SyntaxError;
use super::macro_string::{domain_spec, parse_macro_string};
use super::record::{MechKind, Mechanism, Modifier, Qualifier, Record, Term, TermKind};

const VERSION: &str = "v=spf1";

/// True when `txt` is an SPF record: it begins with `v=spf1` (any case) followed by a space or
/// the end of the text (§4.5). `v=spf10` and `v=spf1\t…` are not.
pub fn is_spf(txt: &str) -> bool {
    let b = txt.as_bytes();
    b.get(..VERSION.len())
        .is_some_and(|v| v.eq_ignore_ascii_case(VERSION.as_bytes()))
        && b.get(VERSION.len()).is_none_or(|&c| c == b' ')
}

/// Parse an SPF record (the TXT strings already joined). The first error found wins.
pub fn parse(txt: &str) -> Result<Record, SyntaxError> {
    check_version(txt)?;
    let mut terms: Vec<Term> = Vec::new();
    let mut at = VERSION.len();
    for text in txt.get(at..).unwrap_or_default().split(' ') {
        let offset = at;
        at += text.len() + 1;
        if text.is_empty() {
            continue;
        }
        let index = terms.len() + 1;
        let kind = parse_term(text, offset)
            .and_then(|kind| check_once(&terms, &kind).map(|()| kind))
            .map_err(|message| SyntaxError {
                index,
                offset,
                term: text.to_string(),
                message,
            })?;
        let text = text.to_string();
        terms.push(Term { text, offset, kind });
    }
    Ok(Record { terms })
}

fn check_version(txt: &str) -> Result<(), SyntaxError> {
    if is_spf(txt) {
        return Ok(());
    }
    let head = txt
        .get(..VERSION.len())
        .filter(|h| h.eq_ignore_ascii_case(VERSION));
    let message = match (head, txt.as_bytes().get(VERSION.len())) {
        (Some(_), Some(b'\t')) => "`v=spf1` must be followed by a space, not a tab",
        (Some(_), _) => "the version must be exactly `v=spf1`, then a space or the end",
        (None, _) if is_spf(txt.trim_start()) => "whitespace before `v=spf1`",
        (None, _) => "not an SPF record: it must begin with `v=spf1`",
    };
    let term = txt
        .split([' ', '\t'])
        .find(|s| !s.is_empty())
        .unwrap_or("")
        .to_string();
    let message = format!("{message} (RFC 7208 §4.5)");
    Err(SyntaxError {
        index: 0,
        offset: 0,
        term,
        message,
    })
}

/// §6: `redirect=` and `exp=` may each appear once.
fn check_once(before: &[Term], kind: &TermKind) -> Result<(), String> {
    let once = |kind: &TermKind| match kind {
        TermKind::Modifier(Modifier::Redirect { .. }) => Some("redirect"),
        TermKind::Modifier(Modifier::Exp { .. }) => Some("exp"),
        _ => None,
    };
    let Some(name) = once(kind) else {
        return Ok(());
    };
    match before.iter().find(|t| once(&t.kind) == Some(name)) {
        None => Ok(()),
        Some(first) => Err(format!(
            "duplicate `{name}=` (the first is at byte {}): RFC 7208 §6 allows one",
            first.offset
        )),
    }
}

fn parse_term(text: &str, offset: usize) -> Result<TermKind, String> {
    match text.char_indices().find(|(_, c)| !c.is_ascii_graphic()) {
        Some((_, '\t')) => {
            return Err(
                "tab in the term: terms are separated by spaces only (RFC 7208 §4.6.1)".into(),
            )
        }
        Some((i, c)) => {
            let c = c as u32;
            return Err(format!(
                "invalid character U+{c:04X} at byte {}: not printable ASCII",
                offset + i
            ));
        }
        None => {}
    }
    match text.split_once('=') {
        Some((name, value)) if is_modifier_name(name) => {
            parse_modifier(name, value).map(TermKind::Modifier)
        }
        _ => parse_directive(text).map(TermKind::Mechanism),
    }
}

fn is_modifier_name(name: &str) -> bool {
    let name_char = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.');
    name.as_bytes().first().is_some_and(u8::is_ascii_alphabetic) && name.bytes().all(name_char)
}

fn parse_modifier(name: &str, value: &str) -> Result<Modifier, String> {
    match name.to_ascii_lowercase().as_str() {
        "redirect" => domain_spec(value, "redirect=").map(|domain| Modifier::Redirect { domain }),
        "exp" => domain_spec(value, "exp=").map(|domain| Modifier::Exp { domain }),
        _ => match parse_macro_string(value, false) {
            Err(e) => Err(format!("in the value of `{name}=`: {e}")),
            Ok(_) => Ok(Modifier::Unknown {
                name: name.into(),
                value: value.into(),
            }),
        },
    }
}

fn parse_directive(text: &str) -> Result<Mechanism, String> {
    let (qualifier, body) = match text.chars().next().and_then(Qualifier::from_char) {
        Some(q) => (q, text.get(1..).unwrap_or_default()),
        None => (Qualifier::Pass, text),
    };
    let (name, rest) = body.split_at(body.find([':', '/']).unwrap_or(body.len()));
    let kind = match name.to_ascii_lowercase().as_str() {
        "all" if rest.is_empty() => MechKind::All,
        "all" => return Err(format!("`all` takes no argument (found `{rest}`)")),
        "include" => required_domain(rest, "include").map(|domain| MechKind::Include { domain })?,
        "exists" => required_domain(rest, "exists").map(|domain| MechKind::Exists { domain })?,
        "ptr" if rest.starts_with('/') => return Err("`ptr` takes no CIDR length".into()),
        "ptr" if rest.is_empty() => MechKind::Ptr { domain: None },
        "ptr" => MechKind::Ptr {
            domain: Some(required_domain(rest, "ptr")?),
        },
        "a" => {
            let (domain, cidr4, cidr6) = domain_and_cidr(rest, "a")?;
            MechKind::A {
                domain,
                cidr4,
                cidr6,
            }
        }
        "mx" => {
            let (domain, cidr4, cidr6) = domain_and_cidr(rest, "mx")?;
            MechKind::Mx {
                domain,
                cidr4,
                cidr6,
            }
        }
        "ip4" => {
            let (network, prefix) = ip_network(rest, "ip4", "IPv4", 32)?;
            MechKind::Ip4 { network, prefix }
        }
        "ip6" => {
            let (network, prefix) = ip_network(rest, "ip6", "IPv6", 128)?;
            MechKind::Ip6 { network, prefix }
        }
        _ => return Err(unknown_mechanism(name, body.len() != text.len())),
    };
    Ok(Mechanism { qualifier, kind })
}

fn unknown_mechanism(name: &str, qualified: bool) -> String {
    match name.split_once('=') {
        _ if name.is_empty() => "missing mechanism name".into(),
        Some(("", _)) => "missing modifier name before `=`".into(),
        Some((m, _)) if qualified && is_modifier_name(m) => {
            format!("a qualifier cannot precede the modifier `{m}=`")
        }
        Some((m, _)) => format!("invalid modifier name `{m}`: a letter, then letters, digits, -_."),
        None if ["redirect", "exp"]
            .iter()
            .any(|m| name.eq_ignore_ascii_case(m)) =>
        {
            format!("`{name}` is a modifier, written `{name}=domain`")
        }
        None => {
            format!("unknown mechanism `{name}` (RFC 7208 §5: all include a mx ptr ip4 ip6 exists)")
        }
    }
}
