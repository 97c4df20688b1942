//! The run's critical path: the longest chain of steps that had to happen one after another,
//! computed from the recorded durations alone. It says why a run took what it took: a run is
//! never shorter than this chain, and a run much longer than it waited on something else.
//!
//! Dependencies, as the probes run them: the phases of one connection sequence follow each
//! other (connect, greeting, EHLO, …); the legacy TLS hellos start with the main dialogue
//! (after a sniff) on their own connections; a host name's A/AAAA come before its probes and
//! its PTRs, each PTR before its forward confirmation. In `mxray domain`: the MX answer before
//! the exchanges' lookups and probes, the MTA-STS record before its policy fetch, the SPF walk
//! record by record (and term by term, a term's A and AAAA at once), the MX answer and the SPF walk before the DKIM
//! selectors, the DMARC tree walk lookup by lookup. Everything else runs beside.

use crate::evidence::domain::{DomainEvidence, SpfNode};
use crate::evidence::{Lookup, PhaseName, PortProbe, ServerEvidence};
use serde::{Deserialize, Serialize};

/// Below this round-trip time the durations are processing time, not network: no round
/// trips are counted.
const MIN_RTT_MS: u64 = 5;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CriticalPath {
    /// The sum of the steps' durations.
    pub total_ms: u64,
    /// The round-trip time the steps are counted in: the run's fastest TCP connect (one round
    /// trip); absent when under 5 ms or when nothing connected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rtt_ms: Option<u64>,
    /// `total_ms` in round trips of `rtt_ms`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round_trips: Option<f64>,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Step {
    /// What the step was: `DNS A mail.example.com`, `192.0.2.1:25 ehlo_after_tls`.
    pub what: String,
    pub duration_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round_trips: Option<f64>,
}

type Chain = Vec<Step>;

fn total(c: &Chain) -> u64 {
    c.iter().map(|s| s.duration_ms).sum()
}

fn longest(chains: impl IntoIterator<Item = Chain>) -> Chain {
    chains.into_iter().max_by_key(total).unwrap_or_default()
}

fn then(mut a: Chain, b: Chain) -> Chain {
    a.extend(b);
    a
}

fn dns(l: &Lookup) -> Step {
    Step {
        what: format!("DNS {} {}", l.rtype, l.name),
        duration_ms: l.duration_ms,
        round_trips: None,
    }
}

/// Lookups asked at once: the slowest stands for them.
fn slowest<'a>(ls: impl IntoIterator<Item = &'a Lookup>) -> Chain {
    longest(ls.into_iter().map(|l| vec![dns(l)]))
}

/// The phase as the JSON names it (`ehlo_after_tls`).
fn phase_name(p: PhaseName) -> String {
    serde_json::to_value(p)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| format!("{p:?}"))
}

/// One port: its main connection sequence, or its legacy hellos when they ended later (with
/// what came before them, a sniff).
fn port(p: &PortProbe) -> Chain {
    let end = |ph: &crate::evidence::Phase| ph.start_ms + ph.duration_ms;
    let step = |ph: &crate::evidence::Phase| Step {
        what: format!("{} {}", p.endpoint(), phase_name(ph.phase)),
        duration_ms: ph.duration_ms,
        round_trips: None,
    };
    let main: Vec<_> = p
        .phases
        .iter()
        .filter(|ph| ph.phase != PhaseName::LegacyTls)
        .collect();
    let main_end = main.iter().map(|ph| end(ph)).max().unwrap_or(0);
    match p.phases.iter().find(|ph| ph.phase == PhaseName::LegacyTls) {
        Some(l) if end(l) > main_end => main
            .iter()
            .filter(|ph| end(ph) <= l.start_ms)
            .map(|ph| step(ph))
            .chain([step(l)])
            .collect(),
        _ => main.iter().map(|ph| step(ph)).collect(),
    }
}

/// `mxray server`: the host's addresses, then the slowest of its ports and its reverse DNS.
fn server_chain(ev: &ServerEvidence) -> Chain {
    let r = &ev.resolution;
    let forward = if r.ip_literal {
        Vec::new()
    } else {
        slowest(r.a.iter().chain(r.aaaa.iter()))
    };
    let reverse = r
        .addresses
        .iter()
        .map(|a| then(vec![dns(&a.ptr)], slowest(&a.forward)));
    let ports = ev.probes.iter().map(port);
    then(forward, longest(reverse.chain(ports)))
}

/// The SPF walk as it runs: the record, its terms' lookups in turn, then its includes in turn.
fn spf(node: &SpfNode) -> Chain {
    let mut c = vec![dns(&node.lookup)];
    for t in &node.term_lookups {
        // `a`: A and AAAA at once; `mx`: the MX, then its names' A at once.
        match t.lookups.split_first() {
            Some((mx, names)) if mx.rtype == "MX" => {
                c.push(dns(mx));
                c.extend(slowest(names));
            }
            _ => c.extend(slowest(&t.lookups)),
        }
    }
    for child in &node.children {
        c.extend(spf(child));
    }
    c
}

fn domain_chain(ev: &DomainEvidence) -> Chain {
    let mx = vec![dns(&ev.mx.lookup)];
    let servers = then(mx.clone(), longest(ev.servers.iter().map(server_chain)));
    let tlsa = then(mx.clone(), slowest(ev.dane.iter().map(|d| &d.tlsa)));
    let walk = spf(&ev.spf.tree);
    let before_dkim = longest([mx, walk.clone()]);
    let dkim = then(
        before_dkim,
        slowest(ev.dkim.selectors.iter().map(|s| &s.lookup)),
    );
    let dmarc = then(
        ev.dmarc.lookups.iter().map(dns).collect(),
        slowest(&ev.dmarc.report_auth),
    );
    let sts = then(
        vec![dns(&ev.mta_sts)],
        ev.mta_sts_policy
            .iter()
            .map(|f| Step {
                what: format!("HTTPS GET {}", f.url),
                duration_ms: f.duration_ms,
                round_trips: None,
            })
            .collect(),
    );
    longest([
        servers,
        tlsa,
        walk,
        dkim,
        dmarc,
        sts,
        vec![dns(&ev.tls_rpt)],
    ])
}

/// The fastest TCP connect of the run, as its round-trip time.
fn rtt<'a>(probes: impl Iterator<Item = &'a PortProbe>) -> Option<u64> {
    probes
        .flat_map(|p| &p.phases)
        .filter(|ph| ph.phase == PhaseName::Connect && ph.outcome == crate::evidence::Outcome::Ok)
        .map(|ph| ph.duration_ms)
        .min()
        .filter(|&ms| ms >= MIN_RTT_MS)
}

fn counted(steps: Chain, rtt_ms: Option<u64>) -> CriticalPath {
    let in_rtt = |ms: u64| rtt_ms.map(|r| (ms as f64 / r as f64 * 10.0).round() / 10.0);
    let steps: Chain = steps
        .into_iter()
        .map(|s| Step {
            round_trips: in_rtt(s.duration_ms),
            ..s
        })
        .collect();
    let total_ms = total(&steps);
    CriticalPath {
        total_ms,
        rtt_ms,
        round_trips: in_rtt(total_ms),
        steps,
    }
}

pub fn server(ev: &ServerEvidence) -> CriticalPath {
    counted(server_chain(ev), rtt(ev.probes.iter()))
}

pub fn domain(ev: &DomainEvidence) -> CriticalPath {
    let probes = ev.servers.iter().flat_map(|s| &s.probes);
    counted(domain_chain(ev), rtt(probes))
}

/// The critical path of a command's evidence; `None` for `mxray check`, whose steps are a
/// login's and a From domain's rather than one chain worth showing.
pub fn of(body: &crate::report::Body) -> Option<CriticalPath> {
    match body {
        crate::report::Body::Server(ev) => Some(server(ev)),
        crate::report::Body::Domain(ev) => Some(domain(ev)),
        crate::report::Body::Check(_) => None,
    }
}

#[cfg(test)]
#[path = "critical_path_tests.rs"]
mod tests;
