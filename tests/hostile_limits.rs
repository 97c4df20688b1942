//! `--per-address` holds across hosts that share an address: two MX names resolving to one IP
//! (here both the literal 127.0.0.1) probe its ports under one limit, never more connections
//! at once than the limit, counted by the server itself.

mod common;

use common::hostile::*;
use common::wire::read_line as read_cmd;
use mxray::evidence::{Family, Outcome, PhaseName, PortSpec, ProbeSettings, Role};
use mxray::probe::dns::Dns;
use mxray::probe::limits::AddressLimits;
use mxray::probe::probe_server_limited;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

const LIMIT: usize = 2;
const PORTS: usize = 4;

/// Connections open right now, and the most ever open at once.
#[derive(Default)]
struct Gauge {
    now: AtomicUsize,
    max: AtomicUsize,
}

/// Holds each connection a moment before greeting, so probes that are allowed to overlap do.
/// A connection counts from its accept to its QUIT — both inside the client's own use of it.
/// The most at once is read at the greeting: the client closes right after writing QUIT, so
/// the server may read that QUIT only after the next connection's accept, but long before
/// that connection's greeting, 150 ms later.
async fn counted_smtp(mut sock: tokio::net::TcpStream, gauge: Arc<Gauge>) {
    gauge.now.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(150)).await;
    gauge
        .max
        .fetch_max(gauge.now.load(Ordering::SeqCst), Ordering::SeqCst);
    let mut counted = true;
    if send(&mut sock, GREETING).await {
        while let Some(cmd) = read_cmd(&mut sock).await {
            if cmd.eq_ignore_ascii_case("QUIT") {
                gauge.now.fetch_sub(1, Ordering::SeqCst);
                counted = false;
                let _ = send(&mut sock, b"221 2.0.0 Bye\r\n").await;
                break;
            }
            if !send(&mut sock, multiline(250, EHLO_AFTER_TLS).as_bytes()).await {
                break;
            }
        }
    }
    if counted {
        gauge.now.fetch_sub(1, Ordering::SeqCst);
    }
}

fn settings(ports: &[u16]) -> ProbeSettings {
    ProbeSettings {
        timeout_ms: 3000,
        helo: "probe.test".into(),
        tls_name: None,
        resolvers: Vec::new(),
        ports: ports
            .iter()
            .map(|&port| PortSpec {
                port,
                role: Some(Role::Smtp),
                explicit: true,
            })
            .collect(),
        families: vec![Family::Ipv4],
        legacy_tls: false,
        slow_threshold_ms: 5_000,
        expiry_warning_days: 21,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hosts_on_one_address_share_its_limit() {
    let gauge = Arc::new(Gauge::default());
    let mut servers = Vec::new();
    for _ in 0..PORTS {
        let g = gauge.clone();
        servers.push(serve(move |sock| counted_smtp(sock, g.clone())).await);
    }
    let ports: Vec<u16> = servers.iter().map(|s| s.port).collect();
    // A closed loopback resolver: the PTR lookups fail at once, nothing leaves the machine.
    let dns = Dns::new(&["127.0.0.1:9".parse().unwrap()], Duration::from_secs(1)).expect("dns");
    let ctx = ctx(RELAXED, false, None);
    let limits = AddressLimits::new(LIMIT);
    let run = async {
        tokio::join!(
            probe_server_limited(
                ctx.clone(),
                &dns,
                "127.0.0.1",
                settings(&ports),
                &limits,
                None
            ),
            probe_server_limited(
                ctx.clone(),
                &dns,
                "127.0.0.1",
                settings(&ports),
                &limits,
                None
            ),
        )
    };
    let (a, b) = tokio::time::timeout(RELAXED * 20, run)
        .await
        .expect("probes finished");
    for ev in [&a, &b] {
        assert_eq!(ev.probes.len(), PORTS);
        for p in &ev.probes {
            assert_eq!(
                p.phase(PhaseName::Greeting).map(|g| &g.outcome),
                Some(&Outcome::Ok),
                "{p:?}"
            );
        }
    }
    let max = gauge.max.load(Ordering::SeqCst);
    assert!(
        max <= LIMIT,
        "{max} connections at once with --per-address {LIMIT}"
    );
    assert!(max >= 1);
}

/// Counts each connection as [`counted_smtp`] does, up to its STARTTLS, then gives
/// the go-ahead and closes: every TLS attempt (the main handshake and each legacy hello) ends
/// there, after the count was given back.
async fn counted_starttls(
    mut sock: tokio::net::TcpStream,
    gauge: Arc<Gauge>,
    total: Arc<AtomicUsize>,
) {
    total.fetch_add(1, Ordering::SeqCst);
    gauge.now.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(150)).await;
    gauge
        .max
        .fetch_max(gauge.now.load(Ordering::SeqCst), Ordering::SeqCst);
    let mut counted = true;
    if send(&mut sock, GREETING).await {
        while let Some(cmd) = read_cmd(&mut sock).await {
            let done = cmd.eq_ignore_ascii_case("STARTTLS") || cmd.eq_ignore_ascii_case("QUIT");
            if done {
                gauge.now.fetch_sub(1, Ordering::SeqCst);
                counted = false;
                let _ = send(&mut sock, GO_AHEAD.as_bytes()).await;
                break;
            }
            if !send(&mut sock, multiline(250, EHLO_STARTTLS).as_bytes()).await {
                break;
            }
        }
    }
    if counted {
        gauge.now.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Starts `PORTS` counting STARTTLS servers; their ports, the gauge and the accept count.
async fn starttls_servers() -> (Vec<Server>, Arc<Gauge>, Arc<AtomicUsize>) {
    let gauge = Arc::new(Gauge::default());
    let total = Arc::new(AtomicUsize::new(0));
    let mut servers = Vec::new();
    for _ in 0..PORTS {
        let (g, t) = (gauge.clone(), total.clone());
        servers.push(serve(move |sock| counted_starttls(sock, g.clone(), t.clone())).await);
    }
    (servers, gauge, total)
}

fn with_legacy(ports: &[u16]) -> ProbeSettings {
    ProbeSettings {
        legacy_tls: true,
        ..settings(ports)
    }
}

/// The legacy TLS hellos run on connections of their own beside the main dialogue, and the
/// limit still counts every one of them: two hosts on one address, legacy probes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_connections_count_against_the_limit() {
    let (servers, gauge, total) = starttls_servers().await;
    let ports: Vec<u16> = servers.iter().map(|s| s.port).collect();
    let dns = Dns::new(&["127.0.0.1:9".parse().unwrap()], Duration::from_secs(1)).expect("dns");
    let ctx = ctx(RELAXED, true, None);
    let limits = AddressLimits::new(LIMIT);
    let probe = || {
        probe_server_limited(
            ctx.clone(),
            &dns,
            "127.0.0.1",
            with_legacy(&ports),
            &limits,
            None,
        )
    };
    let (a, b) = tokio::time::timeout(RELAXED * 20, async { tokio::join!(probe(), probe()) })
        .await
        .expect("probes finished");
    for ev in [&a, &b] {
        assert_eq!(ev.probes.len(), PORTS);
        for p in &ev.probes {
            let legacy = p.legacy_tls.as_ref().expect("legacy probe ran");
            let offered: Vec<(&str, &str)> = legacy
                .attempts
                .iter()
                .map(|a| (a.offered.as_str(), a.result.as_str()))
                .collect();
            // The main handshake failed, so 1.2 was asked as well; a close is no refusal of
            // the version, so 1.0 was asked rather than inferred.
            assert_eq!(
                offered,
                [
                    ("TLSv1.0", "closed"),
                    ("TLSv1.1", "closed"),
                    ("TLSv1.2", "closed")
                ],
                "{p:?}"
            );
        }
    }
    // Per port: the main connection and three legacy hellos.
    assert_eq!(total.load(Ordering::SeqCst), 2 * PORTS * 4);
    let max = gauge.max.load(Ordering::SeqCst);
    assert!(
        max <= LIMIT,
        "{max} connections at once with --per-address {LIMIT}"
    );
}

/// With room to spare, the legacy hellos overlap the main dialogues: more connections at once
/// than there are ports, never more than two per port.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_hellos_run_beside_the_main_dialogue() {
    let (servers, gauge, total) = starttls_servers().await;
    let ports: Vec<u16> = servers.iter().map(|s| s.port).collect();
    let dns = Dns::new(&["127.0.0.1:9".parse().unwrap()], Duration::from_secs(1)).expect("dns");
    let ctx = ctx(RELAXED, true, None);
    let limits = AddressLimits::new(64);
    let ev = tokio::time::timeout(
        RELAXED * 20,
        probe_server_limited(ctx, &dns, "127.0.0.1", with_legacy(&ports), &limits, None),
    )
    .await
    .expect("probe finished");
    assert!(ev.probes.iter().all(|p| p.legacy_tls.is_some()));
    assert_eq!(total.load(Ordering::SeqCst), PORTS * 4);
    let max = gauge.max.load(Ordering::SeqCst);
    assert!(
        max > PORTS && max <= 2 * PORTS,
        "{max} at once for {PORTS} ports"
    );
}
