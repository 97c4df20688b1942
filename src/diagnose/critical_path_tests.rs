use super::*;
use crate::evidence::{Outcome, Phase};
use crate::report::Body;

fn clean() -> ServerEvidence {
    let report = crate::report::load(&include_bytes!("../../fixtures/server/clean.json")[..])
        .expect("fixture");
    match report.body {
        Body::Server(ev) => *ev,
        _ => panic!("a server fixture"),
    }
}

fn ph(phase: PhaseName, start_ms: u64, duration_ms: u64) -> Phase {
    Phase {
        phase,
        start_ms,
        duration_ms,
        outcome: Outcome::Ok,
    }
}

/// One STARTTLS port at 50 ms RTT: connect … QUIT, and the legacy hellos from 0 ms.
fn one_port(legacy_ms: u64) -> ServerEvidence {
    let mut ev = clean();
    ev.probes.truncate(1);
    ev.probes[0].phases = vec![
        ph(PhaseName::Connect, 0, 50),
        ph(PhaseName::Greeting, 50, 50),
        ph(PhaseName::Ehlo, 100, 50),
        ph(PhaseName::Starttls, 150, 50),
        ph(PhaseName::TlsHandshake, 200, 50),
        ph(PhaseName::EhloAfterTls, 250, 100),
        ph(PhaseName::Quit, 350, 0),
        ph(PhaseName::LegacyTls, 0, legacy_ms),
    ];
    for a in &mut ev.resolution.addresses {
        a.ptr.duration_ms = 50;
        a.forward.iter_mut().for_each(|f| f.duration_ms = 50);
    }
    ev.resolution.a.as_mut().unwrap().duration_ms = 50;
    ev.resolution.aaaa.as_mut().unwrap().duration_ms = 40;
    ev
}

fn whats(c: &CriticalPath) -> Vec<&str> {
    c.steps.iter().map(|s| s.what.as_str()).collect()
}

#[test]
fn the_main_dialogue_when_the_legacy_hellos_end_first() {
    let c = server(&one_port(250));
    assert_eq!(
        whats(&c),
        [
            "DNS A mail.mxray.test",
            "127.0.0.10:25 connect",
            "127.0.0.10:25 greeting",
            "127.0.0.10:25 ehlo",
            "127.0.0.10:25 starttls",
            "127.0.0.10:25 tls_handshake",
            "127.0.0.10:25 ehlo_after_tls",
            "127.0.0.10:25 quit",
        ]
    );
    assert_eq!(c.total_ms, 400);
    assert_eq!(c.rtt_ms, Some(50));
    assert_eq!(c.round_trips, Some(8.0));
    let ehlo = c.steps.iter().find(|s| s.what.ends_with("ehlo_after_tls"));
    assert_eq!(ehlo.and_then(|s| s.round_trips), Some(2.0));
}

#[test]
fn the_legacy_hellos_when_they_end_last() {
    let c = server(&one_port(500));
    assert_eq!(
        whats(&c),
        ["DNS A mail.mxray.test", "127.0.0.10:25 legacy_tls"]
    );
    assert_eq!(c.total_ms, 550);
}

#[test]
fn reverse_dns_when_it_outlasts_the_ports() {
    let mut ev = one_port(250);
    ev.resolution.addresses[0].ptr.duration_ms = 700;
    let c = server(&ev);
    assert_eq!(c.steps[1].what, "DNS PTR 10.0.0.127.in-addr.arpa");
    assert_eq!(c.total_ms, 50 + 700 + 50);
}

#[test]
fn an_ip_literal_has_no_forward_lookup_and_loopback_no_round_trips() {
    let mut ev = one_port(250);
    ev.resolution.ip_literal = true;
    ev.probes[0].phases[0].duration_ms = 1;
    let c = server(&ev);
    assert_eq!(c.steps[0].what, "127.0.0.10:25 connect");
    assert_eq!(c.rtt_ms, None);
    assert_eq!(c.round_trips, None);
    assert!(c.steps.iter().all(|s| s.round_trips.is_none()));
}

#[test]
fn a_domain_audit_chains_mx_before_its_servers() {
    let report = crate::report::load(&include_bytes!("../../fixtures/domain/good.json")[..])
        .expect("fixture");
    let Body::Domain(mut ev) = report.body else {
        panic!("a domain fixture")
    };
    ev.mx.lookup.duration_ms = 50;
    ev.servers.truncate(1);
    ev.servers[0] = one_port(250);
    let c = domain(&ev);
    assert_eq!(c.steps[0].what, format!("DNS MX {}", ev.mx.lookup.name));
    assert_eq!(c.steps[1].what, "DNS A mail.mxray.test");
    assert_eq!(c.total_ms, 50 + 400);
}

#[test]
fn the_spf_walk_counts_a_terms_a_and_aaaa_once() {
    let report = crate::report::load(&include_bytes!("../../fixtures/domain/spf11.json")[..])
        .expect("fixture");
    let Body::Domain(ev) = report.body else {
        panic!("a domain fixture")
    };
    let mut node = ev.spf.tree.clone();
    node.lookup.duration_ms = 50;
    node.children.clear();
    let asked = |rtype: &str, ms: u64| Lookup {
        rtype: rtype.into(),
        duration_ms: ms,
        ..node.lookup.clone()
    };
    node.term_lookups = vec![
        crate::evidence::domain::TermLookup {
            term: "a".into(),
            lookups: vec![asked("A", 50), asked("AAAA", 40)],
        },
        crate::evidence::domain::TermLookup {
            term: "mx".into(),
            lookups: vec![asked("MX", 30), asked("A", 20), asked("A", 25)],
        },
    ];
    let walk = spf(&node);
    let steps: Vec<u64> = walk.iter().map(|s| s.duration_ms).collect();
    assert_eq!(steps, [50, 50, 30, 25]);
}
