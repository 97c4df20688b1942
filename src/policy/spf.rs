//! SPF records (RFC 7208): parse a TXT string into terms, with errors that point at the term.
//!
//! Pure text → structure, no DNS: the grammar of §4.6.1 (terms), §5 (mechanisms), §6 (modifiers)
//! and §7.1 (macros, domain-spec). Where the RFC leaves room, this parser decides (and tests):
//!
//! * Terms are separated by SP only; a tab, control character or non-ASCII byte in a term is an
//!   error that names it.
//! * A term is a modifier when a modifier name is directly followed by `=` (before any `:` or
//!   `/`, §4.6.1); anything else is a directive, so `1up=foo` and `-redirect=x.com` are errors.
//! * `redirect=`/`exp=` need a valid domain-spec and never fall back to unknown modifiers (the
//!   RFC 7208 test suite's reading): `exp=` alone is an error.
//! * A domain-spec ends in `.` + top-label (+ `.`) or in a macro-expand (§7.1): `a:localhost`
//!   and `a:192.0.2.1` are errors; empty inner labels and any visible character but `%` are not.
//! * CIDR lengths: no leading zeros, ≤ 32 / ≤ 128; `//` only in `a` and `mx`.
//! * Macro digits must be nonzero (§7.3) and saturate at `u32::MAX`. The explanation-only letters
//!   `c`, `r`, `t` (§7.2) are accepted and reported by [`DomainSpec::exp_only_macros`]; letters
//!   keep their case (uppercase = URL-escape, §7.3).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::iter::Peekable;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::{CharIndices, FromStr};

const VERSION: &str = "v=spf1";
const MACRO_LETTERS: &str = "slodiphcrtv";
const DELIMITERS: &str = ".-+,/_=";

/// True when `txt` is an SPF record: it begins with `v=spf1` (any case) followed by a space or
/// the end of the text (§4.5). `v=spf10` and `v=spf1\t…` are not.
pub fn is_spf(txt: &str) -> bool {
    let b = txt.as_bytes();
    b.len() >= VERSION.len()
        && b[..VERSION.len()].eq_ignore_ascii_case(VERSION.as_bytes())
        && b.get(VERSION.len()).is_none_or(|&c| c == b' ')
}

/// A parsed SPF record: the terms after `v=spf1`, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub terms: Vec<Term>,
}

/// One term as written, where it starts in the record, and what it means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Term {
    /// The term exactly as written.
    pub text: String,
    /// Byte offset of the term in the record text.
    pub offset: usize,
    pub kind: TermKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TermKind {
    Mechanism(Mechanism),
    Modifier(Modifier),
}

/// A directive: a qualifier (`+` when none is written) and a mechanism.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mechanism {
    pub qualifier: Qualifier,
    pub kind: MechKind,
}

/// `+` (also the default), `-`, `~`, `?`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Qualifier {
    Pass,
    Fail,
    SoftFail,
    Neutral,
}

const QUALIFIERS: [(char, Qualifier); 4] = [
    ('+', Qualifier::Pass),
    ('-', Qualifier::Fail),
    ('~', Qualifier::SoftFail),
    ('?', Qualifier::Neutral),
];

/// The mechanisms of §5. `ip4`/`ip6` without a length get the full length (32 / 128); `a` and
/// `mx` keep `None` for a length not written (the evaluator then uses 32 / 128).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mechanism", rename_all = "snake_case")]
pub enum MechKind {
    All,
    Include {
        domain: DomainSpec,
    },
    A {
        domain: Option<DomainSpec>,
        cidr4: Option<u8>,
        cidr6: Option<u8>,
    },
    Mx {
        domain: Option<DomainSpec>,
        cidr4: Option<u8>,
        cidr6: Option<u8>,
    },
    Ptr {
        domain: Option<DomainSpec>,
    },
    Ip4 {
        network: Ipv4Addr,
        prefix: u8,
    },
    Ip6 {
        network: Ipv6Addr,
        prefix: u8,
    },
    Exists {
        domain: DomainSpec,
    },
}

/// The modifiers of §6; any other well-formed `name=value` is kept as `Unknown` (§6: ignored by
/// evaluation, its value a valid macro-string).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "modifier", rename_all = "snake_case")]
pub enum Modifier {
    Redirect { domain: DomainSpec },
    Exp { domain: DomainSpec },
    Unknown { name: String, value: String },
}

/// A domain-spec (§7.1): the text as written and its macro-string parts. `has_macros` is true
/// when a part needs the message context to expand (`%{…}`); the context-free escapes `%%`,
/// `%_` and `%-` do not count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainSpec {
    pub text: String,
    pub parts: Vec<MacroPart>,
    pub has_macros: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MacroPart {
    /// Literal text, consecutive characters merged.
    Literal(String),
    /// `%{letter digits r delimiters}`. `letter` is as written: uppercase means the expansion is
    /// URL-escaped (§7.3). An empty `delimiters` means the default `.`.
    Macro {
        letter: char,
        digits: Option<u32>,
        reverse: bool,
        delimiters: String,
    },
    /// `%%`, `%_` or `%-`, holding the character after the `%`.
    Escape(char),
}

/// Where and why a record does not parse. `index` is the term's position: 0 for the version,
/// then 1, 2, … for the terms after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyntaxError {
    pub index: usize,
    pub offset: usize,
    pub term: String,
    pub message: String,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.index == 0 {
            f.write_str("version `")?;
        } else {
            write!(f, "term {} `", self.index)?;
        }
        for c in self.term.chars() {
            if c.is_control() {
                write!(f, "{}", c.escape_default())?;
            } else {
                write!(f, "{c}")?;
            }
        }
        write!(f, "` at byte {}: {}", self.offset, self.message)
    }
}

impl std::error::Error for SyntaxError {}

impl Qualifier {
    pub fn from_char(c: char) -> Option<Qualifier> {
        QUALIFIERS.iter().find(|q| q.0 == c).map(|q| q.1)
    }

    pub fn symbol(self) -> char {
        QUALIFIERS.iter().find(|q| q.1 == self).map_or('+', |q| q.0)
    }
}

impl MechKind {
    /// The mechanism's name, lowercase.
    pub fn name(&self) -> &'static str {
        match self {
            MechKind::All => "all",
            MechKind::Include { .. } => "include",
            MechKind::A { .. } => "a",
            MechKind::Mx { .. } => "mx",
            MechKind::Ptr { .. } => "ptr",
            MechKind::Ip4 { .. } => "ip4",
            MechKind::Ip6 { .. } => "ip6",
            MechKind::Exists { .. } => "exists",
        }
    }

    /// The domain-spec written in the mechanism, if any.
    pub fn domain(&self) -> Option<&DomainSpec> {
        match self {
            MechKind::Include { domain } | MechKind::Exists { domain } => Some(domain),
            MechKind::A { domain, .. } | MechKind::Mx { domain, .. } | MechKind::Ptr { domain } => {
                domain.as_ref()
            }
            MechKind::All | MechKind::Ip4 { .. } | MechKind::Ip6 { .. } => None,
        }
    }
}

impl Mechanism {
    /// Whether this mechanism costs one of the 10 DNS-querying terms of §4.6.4:
    /// `include`, `a`, `mx`, `ptr` and `exists`.
    pub fn counts_lookup(&self) -> bool {
        !matches!(
            self.kind,
            MechKind::All | MechKind::Ip4 { .. } | MechKind::Ip6 { .. }
        )
    }
}

impl Modifier {
    /// `redirect=` counts toward the §4.6.4 limit; `exp=` and unknown modifiers do not.
    pub fn counts_lookup(&self) -> bool {
        matches!(self, Modifier::Redirect { .. })
    }
}

impl Term {
    /// Whether this term counts toward the 10 DNS-querying terms of §4.6.4.
    pub fn counts_lookup(&self) -> bool {
        match &self.kind {
            TermKind::Mechanism(m) => m.counts_lookup(),
            TermKind::Modifier(m) => m.counts_lookup(),
        }
    }
}

impl Record {
    /// How many terms of this record (not of its includes) count toward the §4.6.4 limit.
    pub fn lookup_terms(&self) -> usize {
        self.terms.iter().filter(|t| t.counts_lookup()).count()
    }

    /// The `redirect=` target, if any (at most one: a second is a parse error).
    pub fn redirect(&self) -> Option<&DomainSpec> {
        self.modifiers().find_map(|m| match m {
            Modifier::Redirect { domain } => Some(domain),
            _ => None,
        })
    }

    /// The `exp=` target, if any (at most one: a second is a parse error).
    pub fn exp(&self) -> Option<&DomainSpec> {
        self.modifiers().find_map(|m| match m {
            Modifier::Exp { domain } => Some(domain),
            _ => None,
        })
    }

    /// The qualifier of the first `all` mechanism, if any (terms after it are never reached).
    pub fn all(&self) -> Option<Qualifier> {
        self.mechanisms()
            .find(|m| m.kind == MechKind::All)
            .map(|m| m.qualifier)
    }

    /// The directives, in order.
    pub fn mechanisms(&self) -> impl Iterator<Item = &Mechanism> {
        self.terms.iter().filter_map(|t| match &t.kind {
            TermKind::Mechanism(m) => Some(m),
            TermKind::Modifier(_) => None,
        })
    }

    /// The modifiers, in order.
    pub fn modifiers(&self) -> impl Iterator<Item = &Modifier> {
        self.terms.iter().filter_map(|t| match &t.kind {
            TermKind::Modifier(m) => Some(m),
            TermKind::Mechanism(_) => None,
        })
    }
}

impl DomainSpec {
    /// The name to look up when no part needs the message context: the text with `%%`, `%_` and
    /// `%-` expanded. `None` when there are macros.
    pub fn literal(&self) -> Option<String> {
        let expanded = self.parts.iter().map(|p| match p {
            MacroPart::Literal(s) => s.as_str(),
            MacroPart::Escape('%') => "%",
            MacroPart::Escape('_') => " ",
            MacroPart::Escape(_) => "%20",
            MacroPart::Macro { .. } => "",
        });
        (!self.has_macros).then(|| expanded.collect())
    }

    /// The macro letters used here that §7.2 allows only in explanation text (`c`, `r`, `t`, any
    /// case), as written. A caller checking a domain-spec (even `exp=`'s) can report them.
    pub fn exp_only_macros(&self) -> Vec<char> {
        self.parts
            .iter()
            .filter_map(|p| match p {
                MacroPart::Macro { letter, .. } if "crtCRT".contains(*letter) => Some(*letter),
                _ => None,
            })
            .collect()
    }
}

/// Parse an SPF record (the TXT strings already joined). The first error found wins.
pub fn parse(txt: &str) -> Result<Record, SyntaxError> {
    check_version(txt)?;
    let mut terms: Vec<Term> = Vec::new();
    let mut at = VERSION.len();
    for text in txt[at..].split(' ') {
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

/// Parse explanation text (the TXT record an `exp=` points at, §6.2): an `explain-string`, a
/// macro-string in which spaces are also allowed. The error is a message.
pub fn parse_explain_string(text: &str) -> Result<Vec<MacroPart>, String> {
    parse_macro_string(text, true)
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
        Some(q) => (q, &text[1..]),
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

/// `":" domain-spec` for `include`, `exists` and `ptr`.
fn required_domain(rest: &str, mech: &str) -> Result<DomainSpec, String> {
    let Some(spec) = rest.strip_prefix(':') else {
        return Err(format!("`{mech}` requires `:` and a domain-spec"));
    };
    match split_cidr(spec) {
        (head, Some(cidr)) if !head.is_empty() => {
            Err(format!("`{mech}` takes no CIDR length (found `{cidr}`)"))
        }
        _ => domain_spec(spec, &format!("{mech}:")),
    }
}

type DomainAndCidr = (Option<DomainSpec>, Option<u8>, Option<u8>);

/// `[ ":" domain-spec ] [ dual-cidr-length ]` for `a` and `mx`.
fn domain_and_cidr(rest: &str, mech: &str) -> Result<DomainAndCidr, String> {
    let (head, cidr) = split_cidr(rest);
    let (cidr4, cidr6) = cidr.map_or(Ok((None, None)), dual_cidr)?;
    let domain = match head.strip_prefix(':') {
        Some(spec) => Some(domain_spec(spec, &format!("{mech}:"))?),
        None if head.is_empty() => None,
        None => return Err(format!("malformed CIDR length `{head}`")),
    };
    Ok((domain, cidr4, cidr6))
}

/// Split a trailing run of `/` and digits (starting at a `/`) off `s`: the CIDR candidate.
fn split_cidr(s: &str) -> (&str, Option<&str>) {
    let b = s.as_bytes();
    let mut start = b.len();
    while start > 0 && (b[start - 1] == b'/' || b[start - 1].is_ascii_digit()) {
        start -= 1;
    }
    match s[start..].find('/') {
        Some(i) => (&s[..start + i], Some(&s[start + i..])),
        None => (s, None),
    }
}

/// `[ "/" ip4-len ] [ "//" ip6-len ]`, given text that starts with `/`.
fn dual_cidr(c: &str) -> Result<(Option<u8>, Option<u8>), String> {
    let (v4, v6) = match (c.strip_prefix("//"), c[1..].split_once("//")) {
        (Some(v6), _) => (None, Some(v6)),
        (None, Some((v4, v6))) => (Some(v4), Some(v6)),
        (None, None) => (Some(&c[1..]), None),
    };
    if v4.into_iter().chain(v6).any(|s| s.contains('/')) {
        return Err(format!(
            "malformed CIDR length `{c}`: write `/N` (IPv4), `//N` (IPv6) or `/N//M`"
        ));
    }
    Ok((
        v4.map(|d| prefix_len(d, 32, "IPv4")).transpose()?,
        v6.map(|d| prefix_len(d, 128, "IPv6")).transpose()?,
    ))
}

fn prefix_len(d: &str, max: u8, family: &str) -> Result<u8, String> {
    match d.parse::<u8>() {
        _ if d.is_empty() => Err(format!("missing {family} prefix length after `/`")),
        _ if !d.bytes().all(|b| b.is_ascii_digit()) => {
            Err(format!("invalid {family} prefix length `{d}`"))
        }
        _ if d.len() > 1 && d.starts_with('0') => {
            Err(format!("{family} prefix length `{d}` has a leading zero"))
        }
        Ok(n) if n <= max => Ok(n),
        _ => Err(format!(
            "{family} prefix length /{d} is out of range (0-{max})"
        )),
    }
}

/// `":" network [ "/" len ]` for `ip4` and `ip6`.
fn ip_network<T: FromStr>(
    rest: &str,
    mech: &str,
    family: &str,
    max: u8,
) -> Result<(T, u8), String> {
    let Some(arg) = rest.strip_prefix(':') else {
        return Err(format!("`{mech}` requires `:` and an {family} network"));
    };
    let (addr, len) = arg
        .split_once('/')
        .map_or((arg, None), |(a, l)| (a, Some(l)));
    if addr.is_empty() {
        return Err(format!("missing {family} address after `{mech}:`"));
    }
    let network = addr.parse::<T>().map_err(|_| {
        let hint = match (addr.parse::<IpAddr>(), mech) {
            (Ok(IpAddr::V4(_)), "ip6") => " (an IPv4 address goes in `ip4:`)",
            (Ok(IpAddr::V6(_)), "ip4") => " (an IPv6 address goes in `ip6:`)",
            _ => "",
        };
        format!("invalid {family} address `{addr}`{hint}")
    })?;
    let prefix = match len {
        None => max,
        Some(l) if l.starts_with('/') => {
            return Err(format!(
                "`{mech}` takes a single `/` (`//` is for `a` and `mx`)"
            ))
        }
        Some(l) => prefix_len(l, max, family)?,
    };
    Ok((network, prefix))
}

/// A domain-spec (§7.1): a macro-string that ends in `.` + top-label (+ optional `.`) or in a
/// macro-expand. `label` names where it was written, for the messages.
fn domain_spec(text: &str, label: &str) -> Result<DomainSpec, String> {
    if text.is_empty() {
        return Err(format!("`{label}` needs a domain-spec"));
    }
    let parts = parse_macro_string(text, false)?;
    if let Some(MacroPart::Literal(last)) = parts.last() {
        check_domain_end(text, last)?;
    }
    let has_macros = parts.iter().any(|p| matches!(p, MacroPart::Macro { .. }));
    Ok(DomainSpec {
        text: text.to_string(),
        parts,
        has_macros,
    })
}

/// A domain-spec whose last part is the literal `last` must end in `.` + top-label (+ `.`).
fn check_domain_end(text: &str, last: &str) -> Result<(), String> {
    let ip = text.parse::<IpAddr>().is_ok();
    let hint = if ip {
        ": an IP address goes in `ip4:` or `ip6:`"
    } else {
        ""
    };
    let body = last.strip_suffix('.').unwrap_or(last);
    match body.rfind('.').map(|dot| &body[dot + 1..]) {
        Some(top) if is_toplabel(top) => Ok(()),
        Some(top) => Err(format!(
            "`{top}` is not a valid top-level label in `{text}`: letters, digits and inner \
             hyphens, not all digits (RFC 7208 §7.1){hint}"
        )),
        None => Err(format!(
            "`{text}` is not a fully qualified domain: a domain-spec ends in `.` and a top-level \
             label, or in a macro (RFC 7208 §7.1){hint}"
        )),
    }
}

/// `toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum )`
fn is_toplabel(t: &str) -> bool {
    let b = t.as_bytes();
    let ldh = b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-');
    let ends = |c: Option<&u8>| c.is_some_and(u8::is_ascii_alphanumeric);
    ldh && if b.contains(&b'-') {
        ends(b.first()) && ends(b.last())
    } else {
        b.iter().any(u8::is_ascii_alphabetic)
    }
}

type Chars<'a> = Peekable<CharIndices<'a>>;

/// `macro-string = *( macro-expand / macro-literal )`; with `spaces`, an `explain-string`.
fn parse_macro_string(s: &str, spaces: bool) -> Result<Vec<MacroPart>, String> {
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut chars = s.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        let part = match (c, chars.next_if(|_| c == '%')) {
            (_, None) if c.is_ascii_graphic() && c != '%' || spaces && c == ' ' => {
                literal.push(c);
                continue;
            }
            (_, None) if c == '%' => return Err("lone `%` at the end: write `%%` for a `%`".into()),
            (_, None) => return Err(format!("invalid character U+{:04X}", c as u32)),
            (_, Some((_, e @ ('%' | '_' | '-')))) => MacroPart::Escape(e),
            (_, Some((_, '{'))) => parse_macro(s, start, &mut chars)?,
            (_, Some((_, e))) => {
                return Err(format!("`%{e}` is not a macro: write `%%` for a `%`"))
            }
        };
        if !literal.is_empty() {
            parts.push(MacroPart::Literal(std::mem::take(&mut literal)));
        }
        parts.push(part);
    }
    if !literal.is_empty() {
        parts.push(MacroPart::Literal(literal));
    }
    Ok(parts)
}

/// The rest of a `%{…}` whose `%` is at byte `start` of `s`.
fn parse_macro(s: &str, start: usize, chars: &mut Chars<'_>) -> Result<MacroPart, String> {
    let shown = &s[start..s[start..].find('}').map_or(s.len(), |end| start + end + 1)];
    let letter = match chars.next() {
        Some((_, c)) if MACRO_LETTERS.contains(c.to_ascii_lowercase()) => c,
        Some((_, '}')) => return Err("empty macro `%{}`".into()),
        Some((_, c)) => {
            return Err(format!(
                "unknown macro letter `{c}` in `{shown}` (RFC 7208 §7.2)"
            ));
        }
        None => return Err(format!("unterminated macro `{shown}`")),
    };
    let mut digits: Option<u32> = None;
    while let Some((_, c)) = chars.next_if(|(_, c)| c.is_ascii_digit()) {
        let d = c as u32 - '0' as u32;
        digits = Some(digits.unwrap_or(0).saturating_mul(10).saturating_add(d));
    }
    if digits == Some(0) {
        return Err(format!(
            "`{shown}`: the digit transformer must be nonzero (RFC 7208 §7.3)"
        ));
    }
    let reverse = chars
        .next_if(|(_, c)| c.eq_ignore_ascii_case(&'r'))
        .is_some();
    let mut delimiters = String::new();
    while let Some((_, c)) = chars.next_if(|(_, c)| DELIMITERS.contains(*c)) {
        delimiters.push(c);
    }
    match chars.next() {
        Some((_, '}')) => Ok(MacroPart::Macro {
            letter,
            digits,
            reverse,
            delimiters,
        }),
        Some((_, c)) => Err(format!(
            "unexpected `{c}` in macro `{shown}`: the letter, digits, `r`, then `.-+,/_=`"
        )),
        None => Err(format!("unterminated macro `{shown}`")),
    }
}

#[cfg(test)]
#[path = "spf_tests.rs"]
mod tests;
