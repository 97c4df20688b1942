//! A TLS server that answers every ClientHello with a standard ECDHE-ECDSA-AES-GCM ServerHello
//! in the version offered, then its own fatal `internal_error` alert: the alert is named as
//! the server's, not blamed on a cipher or a version, and no version counts as accepted. And
//! one that dribbles its handshake until the deadline: said so, with the bytes it sent.

mod common;

use common::hostile::*;
use mxray::evidence::{HandshakeFailureKind, Outcome, PhaseName, Role};
use mxray::findings::Severity;
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

/// TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: a suite every modern client offers.
const SUITE: [u8; 2] = [0xc0, 0x2b];
const INTERNAL_ERROR: u8 = 80;

/// Reads the ClientHello record and returns the version it offers (client_version).
async fn client_version(s: &mut TcpStream) -> Option<[u8; 2]> {
    let mut head = [0u8; 5];
    s.read_exact(&mut head).await.ok()?;
    let mut body = vec![0u8; u16::from_be_bytes([head[3], head[4]]) as usize];
    s.read_exact(&mut body).await.ok()?;
    Some([*body.get(4)?, *body.get(5)?])
}

fn server_hello(version: [u8; 2]) -> Vec<u8> {
    let mut body = version.to_vec();
    body.extend_from_slice(&[0x42; 32]); // random (no downgrade sentinel)
    body.push(0); // empty session id
    body.extend_from_slice(&SUITE);
    body.push(0); // null compression
    let mut hs = vec![2];
    hs.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    hs.extend_from_slice(&body);
    let mut rec = vec![22, 3, version[1].min(3)];
    rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    rec.extend_from_slice(&hs);
    rec
}

async fn hello_then_internal_error(mut sock: TcpStream) {
    let Some(version) = client_version(&mut sock).await else {
        return;
    };
    let mut reply = server_hello(version);
    reply.extend_from_slice(&[21, 3, 3, 0, 2, 2, INTERNAL_ERROR]);
    if send(&mut sock, &reply).await {
        hold(&mut sock).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_internal_error_alert_is_named_not_blamed_on_ciphers() {
    let srv = serve(hello_then_internal_error).await;
    let r = run(&ctx(RELAXED, true, None), srv.port, Role::Submissions).await;

    let tls = r.probe.tls.as_ref().expect("TLS session");
    let f = tls.failure.as_ref().expect("failure recorded");
    assert_eq!(f.kind, HandshakeFailureKind::Alert, "{}", r.dump());
    assert_eq!(f.alert.as_deref(), Some("internal_error"));
    assert!(
        f.first_bytes.starts_with("\\x16\\x03\\x03"),
        "{}",
        f.first_bytes
    );

    // Every legacy hello got a ServerHello and then the alert: none of them is "accepted".
    let legacy = r.probe.legacy_tls.as_ref().expect("legacy probe");
    assert!(legacy.accepted().is_empty(), "{legacy:?}");
    assert_eq!(legacy.attempts.len(), 3, "{legacy:?}");
    for a in &legacy.attempts {
        assert_eq!(a.result, "incomplete", "{a:?}");
        assert_eq!(
            a.detail.as_deref(),
            Some("alert internal_error (80) after the ServerHello")
        );
    }

    r.assert_codes(&["tls.handshake-failed"]);
    let finding = r.finding("tls.handshake-failed");
    assert_eq!(finding.severity, Severity::Error);
    assert!(
        finding
            .summary
            .contains("the server sent the fatal TLS alert internal_error"),
        "{}",
        finding.summary
    );
    assert!(!finding.summary.contains("cipher modern clients refuse"));
    assert!(
        finding
            .evidence
            .iter()
            .any(|e| e.contains("legacy TLSv1.2: incomplete")),
        "{:?}",
        finding.evidence
    );
}

/// The same server through the command line: exit status 1, the alert in the JSON evidence.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_internal_error_alert_exits_1() {
    let srv = serve(hello_then_internal_error).await;
    let port = format!("{}/smtps", srv.port);
    let (code, report) =
        cli_json(&["server", "127.0.0.1", "--ports", &port, "--timeout", "3"]).await;
    assert_eq!(
        json_codes(&report),
        vec!["tls.handshake-failed"],
        "{report:#}"
    );
    assert_eq!(code, 1);
    let probe = &report["evidence"]["probes"][0];
    assert_eq!(
        probe["tls"]["failure"]["alert"], "internal_error",
        "{report:#}"
    );
    assert_eq!(probe["legacy_tls"]["attempts"][0]["result"], "incomplete");
}

/// A TLS record header, then one byte of its body every 200 ms: never a whole record.
async fn dribbled_handshake(mut sock: TcpStream) {
    if client_version(&mut sock).await.is_none() || !send(&mut sock, &[22, 3, 3, 0, 64]).await {
        return;
    }
    loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        if !send(&mut sock, &[2]).await {
            return;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dribbled_handshake_ends_at_the_deadline_with_the_bytes_said() {
    let srv = serve(dribbled_handshake).await;
    let r = run(&ctx(SHORT, false, None), srv.port, Role::Submissions).await;
    assert_eq!(
        r.outcome(PhaseName::TlsHandshake),
        &Outcome::Timeout,
        "{}",
        r.dump()
    );
    let f = r
        .probe
        .tls
        .as_ref()
        .and_then(|t| t.failure.as_ref())
        .expect("failure");
    assert_eq!(f.kind, HandshakeFailureKind::Timeout);
    assert!(f.bytes_received >= 5, "{}", f.bytes_received);
    assert!(
        f.first_bytes.starts_with("\\x16\\x03\\x03\\x00@"),
        "{}",
        f.first_bytes
    );
    r.assert_codes(&["tls.handshake-failed"]);
    let finding = r.finding("tls.handshake-failed");
    assert!(
        finding
            .evidence
            .iter()
            .any(|e| e.contains("bytes of its handshake")
                && e.contains("did not finish it before the phase deadline")),
        "{:?}",
        finding.evidence
    );
}
