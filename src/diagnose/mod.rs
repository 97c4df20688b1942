//! Diagnosis: pure functions from recorded evidence to findings. No I/O, no clock — "now" is
//! the evidence's own start time, so a saved run diagnoses the same way tomorrow.
// Evidence from servers and input from users reach this code: a surprise is a finding or an
// error, never a panic.
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

pub mod advice;
mod certs;
pub mod check;
mod check_eai;
mod check_from;
mod check_knowledge;
mod check_login;
pub mod check_mailbox;
mod check_ports;
mod check_username;
pub mod critical_path;
pub mod discover;
mod dns;
pub mod domain;
pub mod expect;
#[cfg(test)]
mod fixtures;
mod mailbox;
mod net;
mod smtp;
mod tls;
mod tls_failure;

use crate::evidence::ServerEvidence;
use crate::findings::Finding;
use crate::report::Body;

pub fn diagnose(body: &Body, now: i64) -> Vec<Finding> {
    match body {
        Body::Server(ev) => server(ev, now),
        Body::Domain(ev) => domain::domain(ev, now),
        Body::Check(ev) => check::check(ev, now),
    }
}

pub fn server(ev: &ServerEvidence, now: i64) -> Vec<Finding> {
    server_with_controls(ev, None, now)
}

/// As [`server`], with `controls` — other ports of the same host probed separately (`mxray
/// check`'s alternatives) — visible to the rules that compare ports, such as "25 times out while
/// 587 answers", but not diagnosed themselves.
pub fn server_with_controls(
    ev: &ServerEvidence,
    controls: Option<&ServerEvidence>,
    now: i64,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut seen = ev.clone();
    if let Some(c) = controls {
        seen.probes.extend(c.probes.iter().cloned());
    }
    dns::resolution(ev, &mut out);
    for p in &ev.probes {
        net::probe(&seen, p, &mut out);
        smtp::probe(ev, p, &mut out);
        mailbox::probe(p, &mut out);
        tls::probe(p, &mut out);
    }
    net::ipv6(ev, &mut out);
    net::unoffered(ev, &mut out);
    certs::all(ev, now, &mut out);
    crate::knowledge::server_fixes::apply(&seen.probes, &mut out);
    out
}

/// "127.0.0.1:25 (smtp)" — how findings name a port.
fn subject(p: &crate::evidence::PortProbe) -> String {
    match p.role {
        Some(r) => format!("{} ({})", p.endpoint(), r.name()),
        None => p.endpoint(),
    }
}

fn secs(ms: u64) -> String {
    format!("{:.1} s", ms as f64 / 1000.0)
}

pub use dns::status_words;
