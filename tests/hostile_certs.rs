//! Hostile certificates over real rustls servers: a megabyte certificate, thousands of names,
//! a chain fifty certificates deep, a wrong name on an IP target. Each is bounded, and
//! described as what it is (too big, too long, wrong name), never as plaintext or a cipher.

mod common;

use common::certs::{acceptor, deep_chain, many_names, oversized};
use common::hostile::*;
use mxray::evidence::{HandshakeFailureKind, Outcome, PhaseName, Role};
use mxray::findings::Severity;

/// A certificate of about 1 MiB: 16 times what rustls (and so mxray) reads in one message.
const HUGE: usize = 1 << 20;

fn assert_too_large(r: &Run) {
    let tls = r.probe.tls.as_ref().expect("TLS session");
    let f = tls.failure.as_ref().expect("failure recorded");
    assert_eq!(f.kind, HandshakeFailureKind::TooLarge, "{}", r.dump());
    assert!(!tls.peer_spoke_plaintext, "TLS was spoken: {}", r.dump());
    // A TLS handshake record (0x16, version 3.x) came first.
    assert!(f.first_bytes.starts_with("\\x16\\x03"), "{}", f.first_bytes);
    // Bounded: rustls stops once a message announces more than 64 KiB, whatever the server
    // still has to send (a ServerHello and part of the megabyte came in).
    assert!(f.bytes_received > 1_000, "{}", f.bytes_received);
    assert!(f.bytes_received <= 65_536 + 16_384, "{}", f.bytes_received);
    r.assert_codes(&["tls.handshake-too-large"]);
    let finding = r.finding("tls.handshake-too-large");
    assert_eq!(finding.severity, Severity::Error);
    assert!(
        finding.summary.contains("larger than mxray reads (64 KiB"),
        "{}",
        finding.summary
    );
    assert!(
        finding
            .evidence
            .iter()
            .any(|e| e.contains("bytes received before the bound")),
        "{:?}",
        finding.evidence
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn megabyte_certificate_after_starttls_is_too_large_not_plaintext() {
    let acc = acceptor(oversized(HUGE, "fake.test"));
    let srv = serve(move |sock| starttls_smtp(sock, acc.clone(), GO_AHEAD)).await;
    let r = run(&ctx(RELAXED, true, Some("fake.test")), srv.port, Role::Smtp).await;
    assert!(matches!(
        r.outcome(PhaseName::TlsHandshake),
        Outcome::Error { .. }
    ));
    assert_too_large(&r);
    // The legacy TLS 1.2 hello sees the ServerHello, then more than its 64 KiB: not "accepted".
    let legacy = r.probe.legacy_tls.as_ref().expect("legacy probe");
    assert!(legacy.accepted().is_empty(), "{legacy:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn megabyte_certificate_on_implicit_tls_is_not_a_mode_mixup() {
    let acc = acceptor(oversized(HUGE, "fake.test"));
    let srv = serve(move |sock| implicit_tls_smtp(sock, acc.clone())).await;
    let r = run(
        &ctx(RELAXED, true, Some("fake.test")),
        srv.port,
        Role::Submissions,
    )
    .await;
    assert!(
        r.probe.alternate.is_none(),
        "no other-mode retry: {}",
        r.dump()
    );
    assert_too_large(&r);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_thousand_names_are_recorded_and_listed_bounded() {
    let acc = acceptor(many_names(5000, "fake.test"));
    let srv = serve(move |sock| starttls_smtp(sock, acc.clone(), GO_AHEAD)).await;
    let r = run(
        &ctx(RELAXED, false, Some("other.test")),
        srv.port,
        Role::Smtp,
    )
    .await;
    assert_eq!(
        r.outcome(PhaseName::TlsHandshake),
        &Outcome::Ok,
        "{}",
        r.dump()
    );
    let leaf = &r.probe.tls.as_ref().expect("tls").chain[0];
    assert_eq!(leaf.sans.len(), 5000);
    r.assert_codes(&["tls.cert-hostname-mismatch", "tls.cert-untrusted"]);
    let names = r
        .finding("tls.cert-hostname-mismatch")
        .evidence
        .iter()
        .find(|e| e.starts_with("certificate names"))
        .expect("names evidence")
        .clone();
    assert!(
        names.starts_with("certificate names (5000): DNS:fake.test, DNS:s1.t,"),
        "{names}"
    );
    assert!(names.ends_with("and 4980 more"), "{names}");
    assert!(names.len() < 400, "{} chars", names.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_deep_chain_is_too_long_not_only_untrusted() {
    let acc = acceptor(deep_chain(49, "fake.test"));
    let srv = serve(move |sock| starttls_smtp(sock, acc.clone(), GO_AHEAD)).await;
    let r = run(
        &ctx(RELAXED, false, Some("fake.test")),
        srv.port,
        Role::Smtp,
    )
    .await;
    assert_eq!(
        r.outcome(PhaseName::TlsHandshake),
        &Outcome::Ok,
        "{}",
        r.dump()
    );
    let tls = r.probe.tls.as_ref().expect("tls");
    assert_eq!(tls.chain.len(), 50);
    r.assert_codes(&["tls.chain-too-long"]);
    let f = r.finding("tls.chain-too-long");
    assert_eq!(f.severity, Severity::Error);
    assert!(
        f.summary.contains("50 certificates (49 intermediates)"),
        "{}",
        f.summary
    );
    assert!(
        f.evidence.iter().any(|e| e.contains("verifier:")),
        "{:?}",
        f.evidence
    );
}
