//! SPF macro expansion (RFC 7208 §7) for a given sender, so `--sending-ip` can evaluate records
//! such as `exists:%{i}._spf.%{d}`. Pure: the context is given, nothing is looked up.

use super::spf::{DomainSpec, MacroPart};
use std::net::IpAddr;

/// The message context of one evaluation (§4.1).
#[derive(Debug, Clone)]
pub struct Sender {
    pub ip: IpAddr,
    /// `local@domain` of MAIL FROM (or `postmaster@HELO` when it is empty).
    pub mail_from: String,
    pub helo: String,
}

impl Sender {
    fn local_part(&self) -> &str {
        self.mail_from
            .rsplit_once('@')
            .map(|(l, _)| l)
            .unwrap_or("postmaster")
    }
    fn sender_domain(&self) -> &str {
        self.mail_from
            .rsplit_once('@')
            .map(|(_, d)| d)
            .unwrap_or(&self.helo)
    }
}

/// `i`: dotted decimal for IPv4, dotted nibbles for IPv6 (§7.3).
fn ip_text(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(a) => a.to_string(),
        IpAddr::V6(a) => a
            .octets()
            .iter()
            .flat_map(|b| [b >> 4, b & 0x0f])
            .map(|n| format!("{n:x}"))
            .collect::<Vec<_>>()
            .join("."),
    }
}

fn letter_value(letter: char, s: &Sender, domain: &str) -> String {
    match letter.to_ascii_lowercase() {
        's' => s.mail_from.clone(),
        'l' => s.local_part().to_string(),
        'o' => s.sender_domain().to_string(),
        'd' => domain.to_string(),
        'i' | 'c' => ip_text(s.ip),
        // `p` needs a validated PTR; RFC 7208 §7.3 discourages it and allows "unknown".
        'p' => "unknown".to_string(),
        'v' => if s.ip.is_ipv4() { "in-addr" } else { "ip6" }.to_string(),
        'h' => s.helo.clone(),
        'r' => "unknown".to_string(),
        't' => "0".to_string(),
        _ => String::new(),
    }
}

/// Expands a domain-spec; the result is trimmed to 253 characters by dropping labels from the
/// left (§7.3).
pub fn expand(spec: &DomainSpec, s: &Sender, domain: &str) -> String {
    let mut out = String::new();
    for part in &spec.parts {
        match part {
            MacroPart::Literal(t) => out.push_str(t),
            MacroPart::Escape('%') => out.push('%'),
            MacroPart::Escape('_') => out.push(' '),
            MacroPart::Escape('-') => out.push_str("%20"),
            MacroPart::Escape(c) => out.push(*c),
            MacroPart::Macro {
                letter,
                digits,
                reverse,
                delimiters,
            } => {
                let value = letter_value(*letter, s, domain);
                let delims: Vec<char> = if delimiters.is_empty() {
                    vec!['.']
                } else {
                    delimiters.chars().collect()
                };
                let mut parts: Vec<&str> = value.split(|c| delims.contains(&c)).collect();
                if *reverse {
                    parts.reverse();
                }
                if let Some(n) = digits {
                    let n = (*n as usize).min(parts.len());
                    parts = parts.split_off(parts.len() - n);
                }
                let joined = parts.join(".");
                if letter.is_ascii_uppercase() {
                    out.push_str(&url_escape(&joined));
                } else {
                    out.push_str(&joined);
                }
            }
        }
    }
    let mut d = out.trim_end_matches('.').to_string();
    while d.len() > 253 {
        match d.split_once('.') {
            Some((_, rest)) => d = rest.to_string(),
            None => break,
        }
    }
    d
}

fn url_escape(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::spf;

    fn spec(text: &str) -> DomainSpec {
        let rec = spf::parse(&format!("v=spf1 exists:{text}")).unwrap();
        match &rec.terms[0].kind {
            spf::TermKind::Mechanism(m) => match &m.kind {
                spf::MechKind::Exists { domain } => domain.clone(),
                _ => unreachable!(),
            },
            _ => unreachable!(),
        }
    }

    /// The examples of RFC 7208 §7.4.
    #[test]
    fn rfc_examples() {
        let s = Sender {
            ip: "192.0.2.3".parse().unwrap(),
            mail_from: "strong-bad@email.example.com".into(),
            helo: "mx.example.org".into(),
        };
        let d = "email.example.com";
        assert_eq!(
            expand(&spec("%{s}.x.example"), &s, d),
            "strong-bad@email.example.com.x.example"
        );
        assert_eq!(
            expand(&spec("%{o}.x.example"), &s, d),
            "email.example.com.x.example"
        );
        assert_eq!(
            expand(&spec("%{d4}.x.example"), &s, d),
            "email.example.com.x.example"
        );
        assert_eq!(
            expand(&spec("%{d2}.x.example"), &s, d),
            "example.com.x.example"
        );
        assert_eq!(expand(&spec("%{d1}.x.example"), &s, d), "com.x.example");
        assert_eq!(
            expand(&spec("%{dr}.x.example"), &s, d),
            "com.example.email.x.example"
        );
        assert_eq!(
            expand(&spec("%{d2r}.x.example"), &s, d),
            "example.email.x.example"
        );
        assert_eq!(
            expand(&spec("%{l}.x.example"), &s, d),
            "strong-bad.x.example"
        );
        assert_eq!(
            expand(&spec("%{l-}.x.example"), &s, d),
            "strong.bad.x.example"
        );
        assert_eq!(
            expand(&spec("%{lr}.x.example"), &s, d),
            "strong-bad.x.example"
        );
        assert_eq!(
            expand(&spec("%{lr-}.x.example"), &s, d),
            "bad.strong.x.example"
        );
        assert_eq!(
            expand(&spec("%{l1r-}.x.example"), &s, d),
            "strong.x.example"
        );
        assert_eq!(
            expand(&spec("%{ir}.%{v}._spf.%{d2}"), &s, d),
            "3.2.0.192.in-addr._spf.example.com"
        );
        let s6 = Sender {
            ip: "2001:db8::cb01".parse().unwrap(),
            ..s
        };
        assert_eq!(
            expand(&spec("%{ir}.%{v}._spf.%{d2}"), &s6, d),
            "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com"
        );
    }
}
