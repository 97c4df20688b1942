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

//!
//! Layout: `record` holds the parsed shapes, `grammar` the record and term grammar, `arguments`
//! the mechanism arguments (domain-specs after `:`, CIDR lengths, networks), `macro_string`
//! domain-specs and macro-strings, `error` the positioned syntax error.

mod arguments;
mod error;
mod grammar;
mod macro_string;
mod record;

pub use error::SyntaxError;
pub use grammar::{is_spf, parse};
pub use macro_string::{parse_explain_string, DomainSpec, MacroPart};
pub use record::{MechKind, Mechanism, Modifier, Qualifier, Record, Term, TermKind};

// The tests name the address types through `super::*`.
#[cfg(test)]
use std::net::{Ipv4Addr, Ipv6Addr};

#[cfg(test)]
#[path = "spf_tests.rs"]
mod tests;
