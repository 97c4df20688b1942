//! Hostile SMTP servers against the real binary: each run ends within mxray's documented
//! bound for `mxray server` (6 × timeout for DNS + 16 × timeout for one port), its peak memory
//! stays under the cap, and the JSON report names what the server did.

mod common;

use common::certs::{acceptor, deep_chain, many_names, oversized};
use common::child::{mxray, ChildRun, SLACK};
use common::hostile::*;
use common::wire::read_line;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// `--timeout` of the runs: the slow cases end at it, so it sets their length.
const TIMEOUT_S: u64 = 1;

/// The README's bound for one port on an IP literal, plus slack.
fn bound(timeout_s: u64) -> Duration {
    Duration::from_secs((6 + 16) * timeout_s) + SLACK
}

async fn probe(case: &str, port: u16, role: &str) -> ChildRun {
    probe_with(case, port, role, TIMEOUT_S).await
}

async fn probe_with(case: &str, port: u16, role: &str, timeout_s: u64) -> ChildRun {
    let ports = format!("{port}/{role}");
    let timeout = timeout_s.to_string();
    let run = mxray(&[
        "server",
        "127.0.0.1",
        "--ports",
        &ports,
        "--timeout",
        &timeout,
        "--tls-name",
        "fake.test",
        "--resolver",
        "127.0.0.1:9",
    ])
    .await;
    run.assert_bounded(case, bound(timeout_s));
    run
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_well_behaved_starttls_server_sets_the_baseline() {
    let acc = tls_acceptor(&["fake.test"]);
    let srv = serve(move |sock| starttls_smtp(sock, acc.clone(), GO_AHEAD)).await;
    let run = probe("baseline STARTTLS", srv.port, "smtp").await;
    assert!(run.has("tls.cert-untrusted"), "{:?}", run.codes());
    assert!(!run.has("smtp.protocol-violation"), "{:?}", run.codes());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_greeting_at_one_byte_a_second_ends_at_the_phase_deadline() {
    let srv = serve(|mut sock| async move {
        for b in b"220 ".iter().copied().chain(std::iter::repeat(b'x')) {
            if !send(&mut sock, &[b]).await {
                return;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    })
    .await;
    // A phase deadline of 3 s sees several bytes come in: it is one deadline, not one per read.
    let run = probe_with("greeting 1 byte/s", srv.port, "smtp", 3).await;
    run.assert_says("smtp.protocol-violation", "kept arriving");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ten_megabyte_reply_line_is_cut_at_the_line_bound() {
    let srv = serve(|mut sock| async move {
        if !send(&mut sock, GREETING).await || read_line(&mut sock).await.is_none() {
            return;
        }
        let chunk = vec![b'A'; 64 * 1024];
        let _ = send(&mut sock, b"250-").await;
        for _ in 0..160 {
            if !send(&mut sock, &chunk).await {
                return;
            }
        }
        let _ = send(&mut sock, b"\r\n250 OK\r\n").await;
        hold(&mut sock).await;
    })
    .await;
    let run = probe("10 MB reply line", srv.port, "smtp").await;
    run.assert_says(
        "smtp.protocol-violation",
        "reply line longer than 2048 bytes",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_thousand_continuation_lines_stop_at_the_line_count() {
    let srv = serve(|mut sock| async move {
        if !send(&mut sock, GREETING).await || read_line(&mut sock).await.is_none() {
            return;
        }
        let burst = "250-X-CONTINUED\r\n".repeat(1000);
        for _ in 0..100 {
            if !send(&mut sock, burst.as_bytes()).await {
                return;
            }
        }
        let _ = send(&mut sock, b"250 OK\r\n").await;
        hold(&mut sock).await;
    })
    .await;
    let run = probe("100,000 continuation lines", srv.port, "smtp").await;
    run.assert_says(
        "smtp.protocol-violation",
        "more than 100 continuation lines",
    );
}

/// After STARTTLS's 220, a rustls server serving `served`.
async fn starttls_then(case: &str, served: common::certs::Served) -> ChildRun {
    let acc = acceptor(served);
    let srv = serve(move |sock| starttls_smtp(sock, acc.clone(), GO_AHEAD)).await;
    probe(case, srv.port, "smtp").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_then_a_megabyte_certificate_is_too_large() {
    let run = starttls_then(
        "STARTTLS + 1 MB certificate",
        oversized(1 << 20, "fake.test"),
    )
    .await;
    run.assert_says("tls.handshake-too-large", "larger than mxray reads");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_then_a_fifty_deep_chain_is_too_long() {
    let run = starttls_then("STARTTLS + 50-deep chain", deep_chain(50, "fake.test")).await;
    assert!(run.has("tls.chain-too-long"), "{:?}", run.codes());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_then_five_thousand_names_is_listed_bounded() {
    let run = starttls_then("STARTTLS + 5,000 SANs", many_names(5000, "fake.test")).await;
    assert!(run.has("tls.cert-untrusted"), "{:?}", run.codes());
    let sans = &run.report["probes"][0]["tls"]["chain"][0]["sans"];
    assert!(
        run.text().contains("s4999.t"),
        "every name is recorded: {sans}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_in_the_middle_of_a_reply_is_a_reset() {
    let srv = serve(|mut sock: TcpStream| async move {
        if !send(&mut sock, GREETING).await || read_line(&mut sock).await.is_none() {
            return;
        }
        let _ = send(&mut sock, b"250-fake.test\r\n250-PIPEL").await;
        let _ = sock.set_zero_linger();
    })
    .await;
    let run = probe("reset mid-reply", srv.port, "smtp").await;
    assert!(run.has("net.connection-reset"), "{:?}", run.codes());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_never_reads_ends_at_the_phase_deadline() {
    let srv = serve(|mut sock: TcpStream| async move {
        let _ = send(&mut sock, GREETING).await;
        // Holds the connection open and never reads what mxray sends.
        tokio::time::sleep(Duration::from_secs(120)).await;
        let _ = sock.shutdown().await;
    })
    .await;
    let run = probe("peer never reads", srv.port, "smtp").await;
    assert!(run.has("net.stalled"), "{:?}", run.codes());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tls_alert_in_the_middle_of_the_handshake_is_named() {
    let srv = serve(|mut sock: TcpStream| async move {
        if !send(&mut sock, GREETING).await {
            return;
        }
        if !matches!(
            smtp_commands(&mut sock, EHLO_STARTTLS, GO_AHEAD).await,
            End::StartTls
        ) || !read_tls_record(&mut sock).await
        {
            return;
        }
        // A fatal handshake_failure alert where the ServerHello should be.
        let _ = send(&mut sock, &[21, 3, 3, 0, 2, 2, 40]).await;
        hold(&mut sock).await;
    })
    .await;
    let run = probe("TLS alert mid-handshake", srv.port, "smtp").await;
    run.assert_says("tls.handshake-failed", "HandshakeFailure");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ca_file_without_end_is_refused_at_its_bound() {
    let run = mxray(&["server", "127.0.0.1", "--ca-file", "/dev/zero"]).await;
    run.assert_within("--ca-file /dev/zero", SLACK);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("cannot read CA file \"/dev/zero\": larger than 4 MiB"),
        "{}",
        run.stderr
    );
}

#[test]
#[ignore = "not a test: the entry point that starts mxray for the tests above"]
fn child_spawner() {
    common::child::spawner_entry();
}
