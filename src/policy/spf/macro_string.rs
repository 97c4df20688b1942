//! Domain-specs and macro-strings (RFC 7208 §7.1): their parts, and the parser that checks a
//! domain-spec ends in a top-level label or a macro.

use serde::{Deserialize, Serialize};
use std::iter::Peekable;
use std::net::IpAddr;
use std::str::CharIndices;

const MACRO_LETTERS: &str = "slodiphcrtv";
const DELIMITERS: &str = ".-+,/_=";

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

/// Parse explanation text (the TXT record an `exp=` points at, §6.2): an `explain-string`, a
/// macro-string in which spaces are also allowed. The error is a message.
pub fn parse_explain_string(text: &str) -> Result<Vec<MacroPart>, String> {
    parse_macro_string(text, true)
}

/// A domain-spec (§7.1): a macro-string that ends in `.` + top-label (+ optional `.`) or in a
/// macro-expand. `label` names where it was written, for the messages.
pub(super) fn domain_spec(text: &str, label: &str) -> Result<DomainSpec, String> {
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
    match body.rsplit_once('.').map(|(_, top)| top) {
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
pub(super) fn parse_macro_string(s: &str, spaces: bool) -> Result<Vec<MacroPart>, String> {
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
    let from = s.get(start..).unwrap_or_default();
    let shown = from
        .find('}')
        .and_then(|end| from.get(..=end))
        .unwrap_or(from);
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
