//! The finding catalogue: every code mxray can report, with its default severity, explanation and fix. Codes are public interface: never rename or reuse one.

use super::Severity;
use std::sync::LazyLock;

mod auth;
mod config;
mod delivery;
mod dkim_dmarc;
mod dns;
mod expect;
mod mailbox;
mod net;
mod smtp;
mod spf;
mod tls;

/// One catalogue entry: what `mxray explain CODE` prints, and what users read under a finding.
pub struct CodeInfo {
    /// The stable code, `area.name`, e.g. "tls.cert-expired".
    pub code: &'static str,
    /// The default severity.
    pub severity: Severity,
    /// One line in plain words, e.g. "The certificate has expired".
    pub title: &'static str,
    /// When the severity depends on context: the rule in words; otherwise `None`.
    pub severity_rule: Option<&'static str>,
    /// What it means, in words a non-expert understands.
    pub what: &'static str,
    /// Why it matters: what breaks, or what the risk is.
    pub why: &'static str,
    /// How to fix it: concrete steps for the server admin and/or the mail-client user.
    pub fix: &'static str,
    /// RFC sections or documents, e.g. "RFC 3207 §4".
    pub references: &'static [&'static str],
}

/// Every code, sorted by code (so `lookup` can binary-search). Each area keeps its entries in
/// its own file; this joins them once.
pub static CATALOGUE: LazyLock<Vec<&'static CodeInfo>> = LazyLock::new(|| {
    let mut all: Vec<&'static CodeInfo> = AREAS.iter().copied().flatten().collect();
    all.sort_by_key(|c| c.code);
    all
});

/// Every area's entries, for the compile-time check of [`known`].
const AREAS: &[&[CodeInfo]] = &[
    auth::ENTRIES,
    config::ENTRIES,
    delivery::ENTRIES,
    dkim_dmarc::ENTRIES,
    dns::ENTRIES,
    expect::ENTRIES,
    mailbox::ENTRIES,
    net::ENTRIES,
    smtp::ENTRIES,
    spf::ENTRIES,
    tls::ENTRIES,
];

/// Whether `code` is catalogued, usable in constants: [`crate::code!`] checks every code a
/// rule names when mxray is compiled, so a typo or a removed code does not build.
#[allow(
    clippy::indexing_slicing,
    reason = "const fn: slices have no const get(); every index is below the length it loops to"
)]
pub const fn known(code: &str) -> bool {
    let mut a = 0;
    while a < AREAS.len() {
        let mut i = 0;
        while i < AREAS[a].len() {
            if same(AREAS[a][i].code.as_bytes(), code.as_bytes()) {
                return true;
            }
            i += 1;
        }
        a += 1;
    }
    false
}

#[allow(
    clippy::indexing_slicing,
    reason = "const fn: slices have no const get(); the lengths are equal and i stays below them"
)]
const fn same(x: &[u8], y: &[u8]) -> bool {
    if x.len() != y.len() {
        return false;
    }
    let mut i = 0;
    while i < x.len() {
        if x[i] != y[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// A finding code, checked against the catalogue at compile time:
/// `Finding::new(code!("tls.cert-expired"), …)` does not build for an unknown code.
#[macro_export]
macro_rules! code {
    ($c:literal) => {{
        const _: () = assert!(
            $crate::findings::catalogue::known($c),
            concat!("not a catalogued finding code: ", $c)
        );
        $c
    }};
}

/// The catalogue entry for `code`, if it is a known code.
pub fn lookup(code: &str) -> Option<&'static CodeInfo> {
    CATALOGUE
        .binary_search_by(|info| info.code.cmp(code))
        .ok()
        .and_then(|i| CATALOGUE.get(i).copied())
}

/// The area of a code, the part before the dot: "tls" for "tls.cert-expired".
pub fn area(code: &str) -> &str {
    code.split_once('.').map_or(code, |(area, _)| area)
}

#[cfg(test)]
mod tests;
