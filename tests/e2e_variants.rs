//! End-to-end, second set: rig hosts that each carry one more certificate, TLS or greeting
//! flaw (soon, future, weakkey, chain/fullchain, banner, oldtls; see tests/servers/README.md),
//! and the mailbox ports over IPv6. Each test pins the exact set of codes a real server
//! produces and the evidence that makes the finding credible. Run by tests/run.sh; ignored by
//! a plain `cargo test`, which has no rig.

mod common;

use common::rig::{codes, server_json, Rig};
use mxray::evidence::{PortProbe, Role};
use mxray::findings::{Finding, Severity};
use mxray::report::{Body, Report};

const DAY: i64 = 86_400;

fn rig() -> Rig {
    Rig::get()
}

/// `mxray server HOST --ports 25 EXTRA…`: the report, its exit code and its one probe.
fn port25(host: &str, extra: &[&str]) -> (Report, i32) {
    let mut args = vec!["--ports", "25"];
    args.extend_from_slice(extra);
    let (r, code) = server_json(&rig(), host, &args);
    assert_eq!(probes(&r).len(), 1, "{host}: one address, one port");
    (r, code)
}

// `let … else` keeps compiling when the report gains other command bodies.
#[allow(irrefutable_let_patterns)]
fn probes(r: &Report) -> &[PortProbe] {
    let Body::Server(ev) = &r.body else {
        panic!("not a server report: {}", r.body.command())
    };
    &ev.probes
}

fn finding<'a>(r: &'a Report, code: &str) -> &'a Finding {
    r.findings
        .iter()
        .find(|f| f.code == code)
        .unwrap_or_else(|| panic!("no {code} in {:#?}", r.findings))
}

fn has_evidence(f: &Finding, needle: &str) -> bool {
    f.evidence.iter().any(|e| e.contains(needle))
}

/// The negotiated version of the modern (rustls) handshake, if it completed.
fn tls_version(p: &PortProbe) -> Option<&str> {
    p.tls.as_ref().and_then(|t| t.version.as_deref())
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn certificate_expiring_in_ten_days_is_a_warning() {
    let (r, code) = port25("soon.mxray.test", &[]);
    assert_eq!(codes(&r), vec!["tls.cert-expiring-soon"]);
    assert_eq!(code, 0, "a warning alone does not fail by default");
    let f = finding(&r, "tls.cert-expiring-soon");
    assert_eq!(f.severity, Severity::Warning);
    assert!(f.subject.contains("127.0.0.21:25"), "{}", f.subject);
    let p = &probes(&r)[0];
    let leaf = &p.tls.as_ref().unwrap().chain[0];
    // The rig issues it for 10 days and 12 hours; mxray counts whole days left.
    let left = (leaf.not_after_unix - r.started_unix().unwrap()) / DAY;
    assert!((9..=10).contains(&left), "{left} days left");
    assert!(
        f.summary.contains(&format!("expires in {left} days")),
        "{}",
        f.summary
    );
    assert!(f.summary.contains(&leaf.not_after), "{}", f.summary);
    assert!(has_evidence(f, "warning threshold: 21 days"), "{f:#?}");
    assert!(has_evidence(f, &format!("SHA-256 {}", leaf.sha256)));
    // Below the threshold nothing is said.
    let (r, code) = port25("soon.mxray.test", &["--expiry-warning", "5"]);
    assert_eq!((code, codes(&r)), (0, vec![]));
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn certificate_valid_only_from_next_month() {
    let (r, code) = port25("future.mxray.test", &[]);
    assert_eq!(codes(&r), vec!["tls.cert-not-yet-valid"]);
    assert_eq!(code, 1);
    let f = finding(&r, "tls.cert-not-yet-valid");
    assert_eq!(f.severity, Severity::Error);
    let p = &probes(&r)[0];
    let tls = p.tls.as_ref().unwrap();
    assert!(tls.version.is_some(), "the handshake itself completes");
    let leaf = &tls.chain[0];
    let ahead = (leaf.not_before_unix - r.started_unix().unwrap()) / DAY;
    assert!((29..=30).contains(&ahead), "valid from {ahead} days ahead");
    assert!(f.summary.contains(&leaf.not_before), "{}", f.summary);
    assert!(
        has_evidence(
            f,
            &format!("valid {} to {}", leaf.not_before, leaf.not_after)
        ),
        "{f:#?}"
    );
    // Issued by the trusted CA for the right name: the window is the only problem.
    let v = tls.verification.as_ref().unwrap();
    assert!(v.trusted, "{:?}", v.trust_error);
    assert_eq!(v.name_matches, Some(true));
    assert!(
        v.client_error
            .as_deref()
            .is_some_and(|e| e.contains("not valid yet")),
        "{v:?}"
    );
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn rsa_1024_certificate_is_a_weak_key() {
    let (r, _) = port25("weakkey.mxray.test", &[]);
    // rustls refuses handshake signatures by RSA keys under 2048 bits, so the modern handshake
    // fails (BadSignature) although the certificate chain itself verifies.
    assert_eq!(codes(&r), vec!["tls.handshake-failed", "tls.weak-key"]);
    let f = finding(&r, "tls.weak-key");
    assert_eq!(f.severity, Severity::Warning);
    assert!(f.summary.contains("1024-bit RSA key"), "{}", f.summary);
    assert!(
        has_evidence(f, "weak key in: CN=weakkey.mxray.test"),
        "{f:#?}"
    );
    let hs = finding(&r, "tls.handshake-failed");
    assert!(has_evidence(hs, "BadSignature"), "{hs:#?}");
    let p = &probes(&r)[0];
    let tls = p.tls.as_ref().unwrap();
    assert_eq!(tls_version(p), None);
    let leaf = &tls.chain[0];
    assert_eq!((leaf.key_type.as_str(), leaf.key_bits), ("RSA", Some(1024)));
    let v = tls.verification.as_ref().unwrap();
    assert!(v.trusted && v.name_matches == Some(true), "{v:?}");
    // TLS >= 1.2 only: not also a legacy-protocol host.
    let legacy = p.legacy_tls.as_ref().unwrap();
    assert_eq!(legacy.accepted(), vec!["TLSv1.2"]);
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn leaf_sent_without_its_intermediate_is_an_incomplete_chain() {
    let (r, code) = port25("chain.mxray.test", &[]);
    assert_eq!(codes(&r), vec!["tls.chain-incomplete"]);
    assert_eq!(code, 1);
    let f = finding(&r, "tls.chain-incomplete");
    assert_eq!(f.severity, Severity::Error);
    assert!(
        has_evidence(
            f,
            "chain sent: 1 certificate, issued by CN=mxray rig intermediate CA"
        ),
        "{f:#?}"
    );
    assert!(has_evidence(f, "UnknownIssuer"), "{f:#?}");
    let p = &probes(&r)[0];
    let tls = p.tls.as_ref().unwrap();
    assert!(tls.version.is_some());
    assert_eq!(tls.chain.len(), 1, "the intermediate is missing");
    assert!(tls.chain[0].has_ca_issuers_url);
    assert!(!tls.chain[0].self_signed);
    let v = tls.verification.as_ref().unwrap();
    assert!(!v.trusted);
    assert_eq!(v.name_matches, Some(true));
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn leaf_sent_with_its_intermediate_is_clean() {
    let (r, code) = port25("fullchain.mxray.test", &[]);
    assert_eq!((code, codes(&r)), (0, vec![]), "{:#?}", r.findings);
    let tls = probes(&r)[0].tls.as_ref().unwrap();
    assert_eq!(tls.chain.len(), 2);
    assert!(tls.chain[0].has_ca_issuers_url);
    assert_eq!(tls.chain[1].subject, "CN=mxray rig intermediate CA");
    assert!(tls.chain[1].is_ca);
    let v = tls.verification.as_ref().unwrap();
    assert!(v.trusted, "{:?}", v.trust_error);
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn greeting_name_matching_neither_ptr_nor_certificate() {
    let (r, code) = port25("banner.mxray.test", &[]);
    assert_eq!(codes(&r), vec!["smtp.banner-name-mismatch"]);
    assert_eq!(code, 0);
    let f = finding(&r, "smtp.banner-name-mismatch");
    assert_eq!(f.severity, Severity::Info);
    assert!(
        f.summary.contains("relay.internal.example"),
        "{}",
        f.summary
    );
    assert!(
        has_evidence(f, "greeting: 220 relay.internal.example ESMTP Postfix"),
        "{f:#?}"
    );
    assert!(
        has_evidence(f, "PTR of 127.0.0.26: banner.mxray.test"),
        "{f:#?}"
    );
    assert!(
        has_evidence(f, "certificate names: DNS:banner.mxray.test"),
        "{f:#?}"
    );
    // Everything else about the host is clean.
    let p = &probes(&r)[0];
    let v = p.tls.as_ref().unwrap().verification.as_ref().unwrap();
    assert!(v.trusted && v.name_matches == Some(true), "{v:?}");
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn server_speaking_only_tls_1_0_and_1_1() {
    let (r, code) = port25("oldtls.mxray.test", &[]);
    assert_eq!(codes(&r), vec!["tls.old-protocol"]);
    assert_eq!(code, 1);
    let f = finding(&r, "tls.old-protocol");
    assert_eq!(f.severity, Severity::Error);
    assert!(
        f.summary.contains("TLSv1.0") && f.summary.contains("TLSv1.1"),
        "{}",
        f.summary
    );
    assert!(has_evidence(f, "ProtocolVersion"), "{f:#?}");
    let p = &probes(&r)[0];
    assert_eq!(tls_version(p), None, "rustls (TLS 1.2/1.3) must fail");
    let legacy = p.legacy_tls.as_ref().unwrap();
    let accepted = legacy.accepted();
    assert!(
        accepted.contains(&"TLSv1.0") && accepted.contains(&"TLSv1.1"),
        "{accepted:?}"
    );
    assert!(!accepted.contains(&"TLSv1.2"), "{accepted:?}");
    // A TLS 1.2 hello is answered with TLS 1.1, not refused.
    let a12 = legacy
        .attempts
        .iter()
        .find(|a| a.offered == "TLSv1.2")
        .unwrap();
    assert_eq!(
        (a12.result.as_str(), a12.version.as_deref()),
        ("accepted", Some("TLSv1.1"))
    );
    // The legacy probe captured the certificate; it is valid, so no certificate finding.
    assert!(!legacy.chain.is_empty());
    let leaf = &legacy.chain[0];
    assert!(leaf.sans.contains(&"DNS:oldtls.mxray.test".to_string()));
    assert_eq!(leaf.key_bits, Some(2048));
    // …and certificate rules do run on it: a long enough expiry window makes one fire.
    let (r, _) = port25("oldtls.mxray.test", &["--expiry-warning", "400"]);
    assert_eq!(
        codes(&r),
        vec!["tls.cert-expiring-soon", "tls.old-protocol"]
    );
    let f = finding(&r, "tls.cert-expiring-soon");
    assert!(
        has_evidence(f, "captured by the legacy TLS probe"),
        "{f:#?}"
    );
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn mailbox_ports_over_ipv6_allow_login_before_starttls() {
    // Dovecot counts client address == server address as secure, and over [::1] both ends are
    // ::1: it offers plaintext login on 143 and 110 (tests/servers/README.md, Known quirks).
    let (r, code) = server_json(&rig(), "mail.mxray.test", &["--ports", "143,110", "-6"]);
    assert_eq!(
        codes(&r),
        vec!["imap.login-over-plaintext", "pop3.login-over-plaintext"]
    );
    assert_eq!(code, 0, "warnings only");
    let imap = finding(&r, "imap.login-over-plaintext");
    assert_eq!(imap.severity, Severity::Warning);
    assert_eq!(imap.subject, "[::1]:143 (imap)");
    assert!(has_evidence(imap, "AUTH=PLAIN"), "{imap:#?}");
    assert!(!has_evidence(imap, "LOGINDISABLED"), "{imap:#?}");
    let pop = finding(&r, "pop3.login-over-plaintext");
    assert_eq!(pop.severity, Severity::Warning);
    assert_eq!(pop.subject, "[::1]:110 (pop3)");
    assert!(has_evidence(pop, "USER"), "{pop:#?}");
    let ps = probes(&r);
    assert_eq!(ps.len(), 2);
    let imap = ps.iter().find(|p| p.role == Some(Role::Imap)).unwrap();
    assert!(imap.address.is_ipv6());
    assert!(!imap.capabilities.as_ref().unwrap().login_disabled);
    let pop = ps.iter().find(|p| p.role == Some(Role::Pop3)).unwrap();
    assert!(pop.capabilities.as_ref().unwrap().user_pass);
    // STARTTLS itself works on both: only the order is wrong.
    for p in ps {
        assert!(tls_version(p).is_some(), "{}", p.endpoint());
    }
}
