//! End-to-end: the mxray binary against real Postfix, Dovecot and Knot started by
//! tests/servers/up.sh (see tests/servers/README.md for the topology). Run by tests/run.sh;
//! ignored by a plain `cargo test`, which has no rig.

mod common;

use common::rig::{codes, mxray, server_json, Rig};
use mxray::evidence::{PhaseName, Role};
use mxray::findings::Severity;

fn rig() -> Rig {
    Rig::get()
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn clean_host_has_no_problems_on_any_port_or_family() {
    let rig = rig();
    let (r, code) = server_json(&rig, "mail.mxray.test", &[]);
    assert_eq!(code, 0, "findings: {:#?}", r.findings);
    assert!(
        r.findings.iter().all(|f| f.severity == Severity::Info),
        "clean host must have no error or warning: {:#?}",
        r.findings
    );
    let mxray::report::Body::Server(ev) = &r.body else {
        panic!("not a server report")
    };
    // IPv4 and IPv6, five default ports each.
    assert_eq!(ev.probes.len(), 10);
    for a in &ev.resolution.addresses {
        assert_eq!(
            a.fcrdns,
            Some(true),
            "{}: PTR must be forward-confirmed",
            a.ip
        );
        assert_eq!(a.ptr.records, vec!["mail.mxray.test".to_string()]);
    }
    for p in &ev.probes {
        let tls = p
            .tls
            .as_ref()
            .unwrap_or_else(|| panic!("{}: no TLS", p.endpoint()));
        assert!(
            tls.version
                .as_deref()
                .is_some_and(|v| v == "TLSv1.3" || v == "TLSv1.2"),
            "{}: {:?}",
            p.endpoint(),
            tls.version
        );
        let v = tls.verification.as_ref().expect("verification");
        assert!(v.trusted, "{}: {:?}", p.endpoint(), v.trust_error);
        assert_eq!(v.name_matches, Some(true));
        assert!(tls.chain[0]
            .sans
            .contains(&"DNS:mail.mxray.test".to_string()));
        assert!(
            p.legacy_tls
                .as_ref()
                .is_some_and(|l| l.accepted().is_empty()),
            "{}: clean host accepts legacy TLS",
            p.endpoint()
        );
        for ph in [
            PhaseName::Connect,
            PhaseName::Greeting,
            PhaseName::TlsHandshake,
        ] {
            assert!(
                p.phase(ph).is_some_and(|x| x.outcome.is_ok()),
                "{}: {ph:?}",
                p.endpoint()
            );
        }
        match p.role {
            Some(Role::Smtp) => {
                assert!(p.capabilities.as_ref().unwrap().starttls);
                assert!(
                    p.capabilities_after_tls.as_ref().unwrap().auth.is_empty(),
                    "no AUTH on 25"
                );
            }
            Some(Role::Submission) => {
                let before = p.capabilities.as_ref().unwrap();
                assert!(
                    before.starttls && before.auth.is_empty(),
                    "587 must not offer AUTH before TLS"
                );
                let after = p.capabilities_after_tls.as_ref().unwrap();
                assert!(after.auth.contains(&"PLAIN".to_string()));
                for ext in ["PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES"] {
                    assert!(after.extensions.iter().any(|e| e == ext), "{ext}");
                }
            }
            Some(Role::Submissions) => assert!(p
                .capabilities
                .as_ref()
                .unwrap()
                .auth
                .contains(&"PLAIN".to_string())),
            Some(Role::Imaps) => assert_eq!(p.capabilities.as_ref().unwrap().via, "capability"),
            Some(Role::Pop3s) => assert_eq!(p.capabilities.as_ref().unwrap().via, "capa"),
            other => panic!("unexpected role {other:?}"),
        }
        assert!(p.greeting.as_ref().is_some_and(|g| !g.lines.is_empty()));
        assert!(p
            .transcript
            .iter()
            .any(|l| l.text.contains("TLS established")));
    }
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn clean_plaintext_mailbox_ports_use_starttls_and_hide_login() {
    let (r, code) = server_json(&rig(), "mail.mxray.test", &["--ports", "143,110", "-4"]);
    assert_eq!(code, 0, "{:#?}", r.findings);
    assert!(codes(&r).is_empty(), "{:?}", codes(&r));
    let mxray::report::Body::Server(ev) = &r.body else {
        panic!("not a server report")
    };
    let imap = &ev.probes[0];
    assert_eq!(imap.role, Some(Role::Imap));
    assert!(imap.capabilities.as_ref().unwrap().login_disabled);
    assert!(imap
        .capabilities_after_tls
        .as_ref()
        .unwrap()
        .auth
        .contains(&"PLAIN".to_string()));
    let pop = &ev.probes[1];
    assert!(pop.capabilities.as_ref().unwrap().starttls);
    assert!(pop.capabilities_after_tls.as_ref().unwrap().user_pass);
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn ip_literal_with_tls_name_is_checked_against_that_name() {
    let (r, code) = server_json(
        &rig(),
        "127.0.0.10",
        &["--tls-name", "mail.mxray.test", "--ports", "25,465"],
    );
    assert_eq!(code, 0, "{:#?}", r.findings);
    let mxray::report::Body::Server(ev) = &r.body else {
        panic!("not a server report")
    };
    assert!(ev.resolution.ip_literal);
    let v = ev.probes[0]
        .tls
        .as_ref()
        .unwrap()
        .verification
        .as_ref()
        .unwrap();
    assert_eq!(v.checked_name.as_deref(), Some("mail.mxray.test"));
    assert_eq!(v.name_matches, Some(true));
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn expired_certificate_is_one_finding_naming_every_port() {
    let (r, code) = server_json(&rig(), "expired.mxray.test", &["--ports", "25,465,587"]);
    assert_eq!(code, 1);
    assert_eq!(codes(&r), vec!["tls.cert-expired"]);
    let f = &r.findings[0];
    assert_eq!(f.severity, Severity::Error);
    for port in [":25", ":465", ":587"] {
        assert!(f.subject.contains(port), "{}", f.subject);
    }
    assert!(f.evidence.iter().any(|e| e.starts_with("SHA-256 ")));
    // The certificate is still recorded and the TLS session established: bad cert ≠ no TLS.
    let mxray::report::Body::Server(ev) = &r.body else {
        panic!("not a server report")
    };
    assert!(ev
        .probes
        .iter()
        .all(|p| p.tls.as_ref().is_some_and(|t| t.version.is_some())));
    assert!(ev.probes.iter().all(|p| p
        .tls
        .as_ref()
        .unwrap()
        .verification
        .as_ref()
        .unwrap()
        .trusted));
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn wrong_name_certificate() {
    let (r, code) = server_json(&rig(), "wrongname.mxray.test", &["--ports", "25,465,587"]);
    assert_eq!(code, 1);
    assert_eq!(codes(&r), vec!["tls.cert-hostname-mismatch"]);
    assert!(r.findings[0]
        .evidence
        .iter()
        .any(|e| e.contains("DNS:other.mxray.test")));
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn self_signed_certificate() {
    let (r, code) = server_json(&rig(), "selfsigned.mxray.test", &["--ports", "25,465,587"]);
    assert_eq!(code, 1);
    assert_eq!(codes(&r), vec!["tls.cert-untrusted"]);
    assert!(r.findings[0].summary.contains("self-signed"));
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn starttls_not_offered_and_auth_in_clear() {
    let (r, code) = server_json(&rig(), "notls.mxray.test", &["--ports", "25,587"]);
    assert_eq!(code, 1);
    assert_eq!(
        codes(&r),
        vec!["smtp.auth-over-plaintext", "tls.starttls-missing"]
    );
    let missing: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.code == "tls.starttls-missing")
        .collect();
    assert_eq!(missing.len(), 2);
    let on25 = missing.iter().find(|f| f.subject.contains(":25")).unwrap();
    let on587 = missing.iter().find(|f| f.subject.contains(":587")).unwrap();
    assert_eq!(
        on25.severity,
        Severity::Warning,
        "port 25 still delivers in clear"
    );
    assert_eq!(on587.severity, Severity::Error);
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn auth_offered_before_starttls() {
    let (r, code) = server_json(&rig(), "plainauth.mxray.test", &["--ports", "587"]);
    assert_eq!(code, 0, "a warning alone does not fail by default");
    assert_eq!(codes(&r), vec!["smtp.auth-over-plaintext"]);
    let (_, code) = server_json(
        &rig(),
        "plainauth.mxray.test",
        &["--ports", "587", "--fail-on", "warning"],
    );
    assert_eq!(code, 1);
    let (r, code) = server_json(
        &rig(),
        "plainauth.mxray.test",
        &[
            "--ports",
            "587",
            "--fail-on",
            "warning",
            "--ignore",
            "smtp.auth-over-plaintext",
        ],
    );
    assert_eq!(code, 0);
    assert!(r.findings.iter().all(|f| f.ignored));
    assert_eq!(r.summary.ignored, 1);
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn closed_ports_error_when_asked_info_when_defaulted() {
    let (r, code) = server_json(&rig(), "closed.mxray.test", &["--ports", "25,587"]);
    assert_eq!(code, 1);
    assert_eq!(codes(&r), vec!["net.port-closed"]);
    assert_eq!(r.findings[0].severity, Severity::Error);
    assert!(r.findings[0].subject.contains(":587"));
    let (r, code) = server_json(&rig(), "closed.mxray.test", &[]);
    assert_eq!(code, 0, "{:#?}", r.findings);
    let closed: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.code == "net.port-closed")
        .collect();
    assert_eq!(closed.len(), 1, "one grouped finding: {closed:#?}");
    assert_eq!(closed[0].severity, Severity::Info);
    assert_eq!(closed[0].subject, "127.0.0.16 ports 465, 587, 993, 995");
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn legacy_tls_versions_are_found_by_the_hand_built_hello() {
    let (r, _) = server_json(&rig(), "legacy.mxray.test", &["--ports", "25"]);
    assert!(
        codes(&r).contains(&"tls.legacy-accepted".to_string()),
        "{:?}",
        codes(&r)
    );
    let mxray::report::Body::Server(ev) = &r.body else {
        panic!("not a server report")
    };
    let accepted = ev.probes[0].legacy_tls.as_ref().unwrap().accepted();
    assert!(
        accepted.contains(&"TLSv1.0") && accepted.contains(&"TLSv1.1"),
        "{accepted:?}"
    );
    let (r, _) = server_json(
        &rig(),
        "legacy.mxray.test",
        &["--ports", "25", "--no-legacy-tls"],
    );
    assert!(!codes(&r).contains(&"tls.legacy-accepted".to_string()));
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn dns_problems_are_findings_not_failures() {
    let rig = rig();
    let (r, code) = server_json(&rig, "nosuch.mxray.test", &[]);
    assert_eq!((code, codes(&r)), (1, vec!["dns.no-such-host".to_string()]));
    let (r, code) = server_json(&rig, "noaddr.mxray.test", &[]);
    assert_eq!((code, codes(&r)), (1, vec!["dns.no-address".to_string()]));
    let (r, _) = server_json(&rig, "noptr.mxray.test", &["--ports", "25"]);
    assert!(
        codes(&r).contains(&"dns.ptr-missing".to_string()),
        "{:?}",
        codes(&r)
    );
    let (r, _) = server_json(&rig, "badptr.mxray.test", &["--ports", "25"]);
    assert!(
        codes(&r).contains(&"dns.ptr-mismatch".to_string()),
        "{:?}",
        codes(&r)
    );
    let f = r
        .findings
        .iter()
        .find(|f| f.code == "dns.ptr-mismatch")
        .unwrap();
    assert!(f
        .evidence
        .iter()
        .any(|e| e.contains("elsewhere.mxray.test")));
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn unknown_ports_are_sniffed() {
    let (r, code) = server_json(&rig(), "mail.mxray.test", &["--ports", "10025,10465", "-4"]);
    assert_eq!(code, 0, "{:#?}", r.findings);
    let mxray::report::Body::Server(ev) = &r.body else {
        panic!("not a server report")
    };
    assert_eq!(
        ev.probes[0].role,
        Some(Role::Smtp),
        "{:?}",
        ev.probes[0].sniffed
    );
    assert!(ev.probes[0]
        .sniffed
        .as_deref()
        .unwrap()
        .contains("plaintext greeting"));
    assert_eq!(
        ev.probes[1].role,
        Some(Role::Submissions),
        "{:?}",
        ev.probes[1].sniffed
    );
    assert!(ev.probes[1]
        .sniffed
        .as_deref()
        .unwrap()
        .contains("TLS handshake"));
    assert!(
        ev.probes[1]
            .tls
            .as_ref()
            .unwrap()
            .verification
            .as_ref()
            .unwrap()
            .trusted
    );
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn wrong_tls_mode_is_named_with_what_would_work() {
    let (r, _) = server_json(
        &rig(),
        "mail.mxray.test",
        &["--ports", "465/submission,587/submissions", "-4"],
    );
    let c = codes(&r);
    assert!(
        c.contains(&"tls.starttls-on-implicit-port".to_string()),
        "{c:?}"
    );
    assert!(
        c.contains(&"tls.implicit-on-starttls-port".to_string()),
        "{c:?}"
    );
    assert!(!c.contains(&"smtp.no-banner".to_string()), "{c:?}");
    let mxray::report::Body::Server(ev) = &r.body else {
        panic!("not a server report")
    };
    assert!(ev
        .probes
        .iter()
        .all(|p| p.alternate.as_ref().is_some_and(|a| a.works)));
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn save_then_diagnose_offline_gives_the_same_findings() {
    let rig = rig();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("expired.json");
    let path_s = path.to_str().unwrap();
    let (live, _) = server_json(
        &rig,
        "expired.mxray.test",
        &["--ports", "25", "--save", path_s],
    );
    let run = mxray(&["diagnose", path_s, "--format", "json"]);
    assert_eq!(run.code, 1);
    let offline: mxray::report::Report = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(live.findings, offline.findings);
    let human = mxray(&["diagnose", path_s, "--color", "never"]);
    assert!(human.stdout.contains("tls.cert-expired") && human.stdout.contains("fix:"));
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn human_report_and_transcript() {
    let rig = rig();
    let mut args: Vec<String> = vec![
        "server".into(),
        "mail.mxray.test".into(),
        "-4".into(),
        "-v".into(),
        "--color".into(),
        "never".into(),
    ];
    args.extend(rig.base_args());
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = mxray(&refs);
    assert_eq!(run.code, 0, "{}", run.stdout);
    for needle in [
        "Endpoint",
        "127.0.0.10:587",
        "submission",
        "STARTTLS TLSv1.3",
        "EHLO client.mxray.test",
        "QUIT",
        "No problems found",
        "PASS",
    ] {
        assert!(
            run.stdout.contains(needle),
            "missing {needle:?} in:\n{}",
            run.stdout
        );
    }
    assert!(
        !run.stdout.contains('\u{1b}'),
        "no colour codes with --color never"
    );
    assert!(
        run.stderr.is_empty(),
        "no spinner in a pipe: {}",
        run.stderr
    );
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn broken_ipv6_is_named_while_ipv4_works() {
    let (r, _) = server_json(
        &rig(),
        "v6broken.mxray.test",
        &["--ports", "25,587", "--tls-name", "mail.mxray.test"],
    );
    let c = codes(&r);
    assert!(c.contains(&"net.ipv6-unreachable".to_string()), "{c:?}");
    assert!(!c.contains(&"net.port-filtered".to_string()), "{c:?}");
    let f = r
        .findings
        .iter()
        .find(|f| f.code == "net.ipv6-unreachable")
        .unwrap();
    assert!(
        f.evidence.iter().any(|e| e.contains("25, 587")),
        "{:?}",
        f.evidence
    );
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn relay_test_is_opt_in_and_finds_a_relay_for_trusted_networks() {
    let rig = rig();
    let base = ["--ports", "25", "--tls-name", "mail.mxray.test"];
    let (r, _) = server_json(&rig, "127.0.0.28", &base);
    let mxray::report::Body::Server(ev) = &r.body else {
        panic!("not a server report")
    };
    assert!(
        ev.probes[0].relay_test.is_none(),
        "never without --relay-test"
    );
    let mut args = base.to_vec();
    args.push("--relay-test");
    let (r, code) = server_json(&rig, "127.0.0.28", &args);
    assert_eq!(code, 1);
    assert!(
        codes(&r).contains(&"smtp.open-relay".to_string()),
        "{:?}",
        codes(&r)
    );
    let f = r
        .findings
        .iter()
        .find(|f| f.code == "smtp.open-relay")
        .unwrap();
    assert!(f
        .evidence
        .iter()
        .any(|e| e.contains("RCPT TO:<mxray-relay-test@recipient.invalid> → 250")));
    assert!(f.evidence.iter().any(|e| e.contains("proves nothing")));
    let mxray::report::Body::Server(ev) = &r.body else {
        panic!("not a server report")
    };
    let t = &ev.probes[0].transcript;
    assert!(
        t.iter().any(|l| l.text == "RSET"),
        "the test ends with RSET"
    );
    assert!(!t.iter().any(|l| l.text.starts_with("DATA")), "never DATA");
    // The clean host refuses to relay for loopback.
    let (r, _) = server_json(
        &rig,
        "mail.mxray.test",
        &["--ports", "25", "-4", "--relay-test"],
    );
    assert!(!codes(&r).contains(&"smtp.open-relay".to_string()));
    let mxray::report::Body::Server(ev) = &r.body else {
        panic!("not a server report")
    };
    let test = ev.probes[0].relay_test.as_ref().unwrap();
    assert!(!test.accepted);
    assert!(test.rcpt_reply.as_ref().unwrap().text().starts_with("554"));
}
