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
    /// §4.3: a MAIL FROM without a local-part (`@example.net`) is `postmaster`'s.
    fn local_part(&self) -> &str {
        match self.mail_from.rsplit_once('@') {
            Some(("", _)) | None => "postmaster",
            Some((l, _)) => l,
        }
    }
    fn sender_domain(&self) -> &str {
        self.mail_from
            .rsplit_once('@')
            .map(|(_, d)| d)
            .unwrap_or(&self.helo)
    }
    /// `s`: the sender as evaluated, the local-part filled in.
    fn sender(&self) -> String {
        format!("{}@{}", self.local_part(), self.sender_domain())
    }
}

/// What a macro needs beyond the sender: the current `<domain>`, the validated name of the
/// address when one was looked up (`p`), and for explanation text the checking host (`r`) and
/// the time (`t`, seconds since the epoch).
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub domain: &'a str,
    pub ptr: Option<&'a str>,
    pub receiver: &'a str,
    pub now: u64,
}

impl<'a> Context<'a> {
    /// The context of a domain-spec with nothing looked up.
    pub fn of(domain: &'a str) -> Context<'a> {
        Context {
            domain,
            ptr: None,
            receiver: "unknown",
            now: 0,
        }
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

fn letter_value(letter: char, s: &Sender, cx: &Context<'_>) -> String {
    match letter.to_ascii_lowercase() {
        's' => s.sender(),
        'l' => s.local_part().to_string(),
        'o' => s.sender_domain().to_string(),
        'd' => cx.domain.to_string(),
        'i' => ip_text(s.ip),
        // `c` is the address as people read it (RFC 5952 for IPv6), not the nibbles of `i`.
        'c' => s.ip.to_string(),
        'p' => cx.ptr.unwrap_or("unknown").to_string(),
        'v' => if s.ip.is_ipv4() { "in-addr" } else { "ip6" }.to_string(),
        'h' => s.helo.clone(),
        'r' => cx.receiver.to_string(),
        't' => cx.now.to_string(),
        _ => String::new(),
    }
}

/// Whether a domain-spec uses the `p` macro, which costs PTR lookups to expand.
pub fn uses_ptr(spec: &DomainSpec) -> bool {
    spec.parts
        .iter()
        .any(|p| matches!(p, MacroPart::Macro { letter, .. } if letter.eq_ignore_ascii_case(&'p')))
}

/// Expands a domain-spec; the result is trimmed to 253 characters by dropping labels from the
/// left (§7.3).
pub fn expand(spec: &DomainSpec, s: &Sender, domain: &str) -> String {
    expand_in(spec, s, &Context::of(domain))
}

/// [`expand`] with a validated PTR name at hand for `p`.
pub fn expand_in(spec: &DomainSpec, s: &Sender, cx: &Context<'_>) -> String {
    let out = expand_parts(&spec.parts, s, cx);
    let mut d = out.trim_end_matches('.').to_string();
    while d.len() > 253 {
        match d.split_once('.') {
            Some((_, rest)) => d = rest.to_string(),
            None => break,
        }
    }
    d
}

/// Expands explanation text (§6.2), where `c`, `r` and `t` are allowed.
pub fn expand_explanation(parts: &[MacroPart], s: &Sender, cx: &Context<'_>) -> String {
    expand_parts(parts, s, cx)
}

fn expand_parts(parts: &[MacroPart], s: &Sender, cx: &Context<'_>) -> String {
    let mut out = String::new();
    for part in parts {
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
                let value = letter_value(*letter, s, cx);
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
    out
}

/// Why an expanded target cannot be a DNS name (§4.3: a label over 63 octets, an empty label
/// not at the end, or nothing at all), or `None` when it can be queried. Any other octet is
/// allowed: DNS labels are binary (RFC 2181 §11).
pub fn unusable_name(name: &str) -> Option<String> {
    let body = name.strip_suffix('.').unwrap_or(name);
    if body.is_empty() {
        return Some("the name is empty".into());
    }
    if body.split('.').any(str::is_empty) {
        return Some(format!("`{name}` has an empty label"));
    }
    if let Some(long) = body.split('.').find(|l| l.len() > 63) {
        return Some(format!(
            "`{name}` has a label of {} octets (at most 63)",
            long.len()
        ));
    }
    None
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

    fn sender(mail_from: &str, ip: &str) -> Sender {
        Sender {
            ip: ip.parse().unwrap(),
            mail_from: mail_from.into(),
            helo: "mx.example.org".into(),
        }
    }

    /// §4.3: no local-part means `postmaster`, in `l` and in `s`.
    #[test]
    fn an_empty_local_part_is_postmaster() {
        let s = sender("@example.net", "192.0.2.3");
        let d = "example.net";
        assert_eq!(
            expand(&spec("%{l}.x.example"), &s, d),
            "postmaster.x.example"
        );
        assert_eq!(
            expand(&spec("%{s}.x.example"), &s, d),
            "postmaster@example.net.x.example"
        );
        assert_eq!(
            expand(&spec("%{o}.x.example"), &s, d),
            "example.net.x.example"
        );
    }

    /// `p` takes the validated name when there is one, else `unknown`; `c` is the readable
    /// address, `r` and `t` come from the context (explanation text only).
    #[test]
    fn p_c_r_t_come_from_the_context() {
        let s = sender("a@example.net", "2001:db8::cb01");
        let mut cx = Context::of("example.net");
        assert_eq!(
            expand_in(&spec("%{p}.x.example"), &s, &cx),
            "unknown.x.example"
        );
        cx.ptr = Some("mail.example.net");
        assert_eq!(
            expand_in(&spec("%{p2}.x.example"), &s, &cx),
            "example.net.x.example"
        );
        assert!(uses_ptr(&spec("%{P}.x.example")));
        assert!(!uses_ptr(&spec("%{d}.x.example")));
        cx.receiver = "checker.example";
        cx.now = 1_700_000_000;
        let text =
            spf::parse_explain_string("%{c} is not allowed by %{r} at %{t} for %{d}").unwrap();
        assert_eq!(
            expand_explanation(&text, &s, &cx),
            "2001:db8::cb01 is not allowed by checker.example at 1700000000 for example.net"
        );
    }

    #[test]
    fn unusable_names_are_told_apart_from_odd_ones() {
        assert_eq!(unusable_name("a:b/c% d.example.com"), None);
        assert_eq!(unusable_name("example.com."), None);
        assert!(unusable_name("a..example.com")
            .unwrap()
            .contains("empty label"));
        assert!(unusable_name("").is_some());
        let long = format!("{}.example.com", "x".repeat(64));
        assert!(unusable_name(&long).unwrap().contains("64 octets"));
        assert_eq!(
            unusable_name(&format!("{}.example.com", "x".repeat(63))),
            None
        );
    }

    /// §7.3: past 253 characters, labels are dropped from the left.
    #[test]
    fn long_expansions_are_cut_from_the_left() {
        let s = sender(
            &format!("{}@example.net", vec!["x".repeat(60); 5].join(".")),
            "192.0.2.3",
        );
        let name = expand(&spec("%{l}.e.example.com"), &s, "example.net");
        assert!(name.len() <= 253, "{}", name.len());
        assert!(
            name.ends_with(".e.example.com") && name.starts_with("xxx"),
            "{name}"
        );
        assert_eq!(unusable_name(&name), None);
    }
}
