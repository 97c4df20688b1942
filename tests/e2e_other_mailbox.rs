//! The rig's Courier IMAP/POP3 hosts: courier (TLS required: LOGINDISABLED on 143, `-ERR TLS
//! required to log in.` to USER on 110 although CAPA lists USER) and courierbad (plaintext
//! logins allowed, self-signed certificate, TLS 1.0/1.1). Courier answers a failed login after
//! 5 s, on purpose.

mod common;
#[path = "common/other_servers.rs"]
mod other;

use common::rig::{codes, Rig};
use mxray::evidence::{PhaseName, PortProbe};
use mxray::report::{Body, Report};
use other::{all_of, finding, run, severity, WRONG};

fn configured(r: &Report) -> &PortProbe {
    let Body::Check(ev) = &r.body else {
        panic!("not a check report")
    };
    let c = ev.configured.as_ref().unwrap();
    c.probes.iter().find(|p| p.login.is_some()).unwrap()
}

/// `mxray check --pop3` on HOST:110 without TLS, logging in anyway (`--allow-plaintext-auth`).
fn pop3_plaintext(rig: &Rig, host: &str) -> (Report, i32) {
    run(
        rig,
        "check",
        &[
            "--pop3",
            "--host",
            host,
            "--port",
            "110",
            "--security",
            "none",
            "--allow-plaintext-auth",
            "--user",
            "alice",
        ],
        Some(rig.var("MXRAY_RIG_PASSWORD")),
        5,
    )
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn pop3_user_refused_before_tls_is_not_a_plaintext_login() {
    let rig = Rig::get();
    let (r, code) = pop3_plaintext(&rig, "courier.mxray.test");
    assert_eq!(code, 1);
    // CAPA lists USER, but where mxray tried the server refused it for lack of TLS.
    let caps = configured(&r).capabilities.as_ref().unwrap();
    assert!(caps.user_pass, "{caps:?}");
    assert_eq!(codes(&r), vec!["auth.tls-required"]);
    let f = finding(&r, "auth.tls-required");
    assert_eq!(
        f.summary,
        "the POP3 server refused the login: -ERR TLS required to log in."
    );

    // courierbad takes the same login before TLS: that is a plaintext login, proven.
    let (r, _) = pop3_plaintext(&rig, "courierbad.mxray.test");
    assert!(configured(&r).login.as_ref().unwrap().accepted);
    let f = finding(&r, "pop3.login-over-plaintext");
    assert_eq!(severity(f), "warning");
    assert!(
        f.evidence
            .iter()
            .any(|e| e.starts_with("mxray's login before TLS was accepted: +OK")),
        "{:?}",
        f.evidence
    );
    assert!(
        f.fix.starts_with("Courier: `IMAP_TLS_REQUIRED=1`"),
        "{}",
        f.fix
    );
    assert!(all_of(&r, "auth.tls-required").is_empty());
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn couriers_delay_after_a_wrong_password_is_not_slowness() {
    let rig = Rig::get();
    let args = [
        "--pop3",
        "--host",
        "courier.mxray.test",
        "--port",
        "995",
        "--security",
        "ssl",
        "--user",
        "alice",
        // Well under Courier's 5 s, so its delay would count as slow if the login were judged.
        "--slow",
        "1",
    ];
    let (r, code) = run(&rig, "check", &args, Some(WRONG), 12);
    assert_eq!(code, 1);
    assert_eq!(codes(&r), vec!["auth.bad-credentials"], "{:#?}", r.findings);
    // The login phase holds Courier's deliberate delay; the phases before it are what
    // slowness is judged from.
    let p = configured(&r);
    assert!(p.phases.iter().any(|ph| ph.phase == PhaseName::Login));
    assert!(all_of(&r, "net.slow").is_empty());
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn courier_logins_work_inside_tls() {
    let rig = Rig::get();
    for (proto, port, security) in [
        ("--imap", "143", "starttls"),
        ("--imap", "993", "ssl"),
        ("--pop3", "995", "ssl"),
    ] {
        let args = [
            proto,
            "--host",
            "courier.mxray.test",
            "--port",
            port,
            "--security",
            security,
            "--user",
            "alice",
        ];
        let (r, code) = run(&rig, "check", &args, Some(rig.var("MXRAY_RIG_PASSWORD")), 5);
        assert_eq!(code, 0, "{proto} {port}: {:#?}", r.findings);
        assert!(codes(&r).is_empty(), "{proto} {port}: {:?}", codes(&r));
        assert!(configured(&r).login.as_ref().unwrap().accepted);
    }
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn courierbad_gets_couriers_own_fixes() {
    let rig = Rig::get();
    let (r, code) = run(
        &rig,
        "server",
        &["courierbad.mxray.test", "--ports", "143,110,993"],
        None,
        5,
    );
    assert_eq!(code, 1);
    assert_eq!(
        codes(&r),
        vec![
            "imap.login-over-plaintext",
            "pop3.login-over-plaintext",
            "tls.cert-untrusted",
            "tls.legacy-accepted"
        ]
    );
    let f = finding(&r, "imap.login-over-plaintext");
    assert!(
        f.fix.starts_with("Courier: `IMAP_TLS_REQUIRED=1`"),
        "{}",
        f.fix
    );
    assert!(f
        .fix
        .contains("In general: refuse logins before STARTTLS/STLS"));
    // `mxray server` never logs in: it says the judgement rests on CAPA alone.
    let f = finding(&r, "pop3.login-over-plaintext");
    assert!(
        f.evidence
            .iter()
            .any(|e| e.starts_with("judged from the capabilities only")),
        "{:?}",
        f.evidence
    );
    let f = finding(&r, "tls.cert-untrusted");
    assert_eq!(severity(f), "error");
    assert!(
        f.fix
            .starts_with("Courier: put the key and the certificate chain"),
        "{}",
        f.fix
    );
    for f in all_of(&r, "tls.legacy-accepted") {
        assert!(
            f.fix
                .contains("`TLS_PRIORITY=\"NORMAL:-VERS-TLS1.0:-VERS-TLS1.1\"`"),
            "{}",
            f.fix
        );
    }
    for f in &r.findings {
        assert!(
            !f.fix.contains("Dovecot") && !f.fix.contains("Postfix"),
            "{f:?}"
        );
        assert!(
            f.evidence
                .iter()
                .any(|e| e.starts_with("server software: Courier (from `")),
            "{:?}",
            f.evidence
        );
    }
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn a_wrong_password_for_couriers_short_username_is_bad_credentials_only() {
    let rig = Rig::get();
    // By address: no mail domain to retry `alice` with, and `alice` is Courier's own user.
    let args = [
        "--imap",
        "--host",
        "127.0.0.55",
        "--tls-name",
        "courier.mxray.test",
        "--port",
        "993",
        "--security",
        "ssl",
        "--user",
        "alice",
    ];
    let (r, code) = run(&rig, "check", &args, Some(WRONG), 12);
    assert_eq!(code, 1);
    assert_eq!(codes(&r), vec!["auth.bad-credentials"], "{:#?}", r.findings);
    let f = finding(&r, "auth.bad-credentials");
    assert!(f.summary.ends_with("NO Login failed."), "{}", f.summary);
    assert!(
        f.evidence
            .iter()
            .any(|e| e.contains("`alice` has no @ and mxray could not retry it")),
        "{:?}",
        f.evidence
    );
    let l = configured(&r).login.clone().unwrap();
    assert!(l.retry.is_none() && !l.accepted, "{l:?}");
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn couriers_temporary_problem_is_a_temporary_failure() {
    let rig = Rig::get();
    // courierdown's authdaemond is not running: Courier cannot check any password.
    for (proto, port, reply) in [
        (
            "--imap",
            "993",
            "* BYE Temporary problem, please try again later",
        ),
        (
            "--pop3",
            "995",
            "-ERR Temporary problem, please try again later",
        ),
    ] {
        let args = [
            proto,
            "--host",
            "courierdown.mxray.test",
            "--port",
            port,
            "--security",
            "ssl",
            "--user",
            "alice",
        ];
        let (r, code) = run(&rig, "check", &args, Some(rig.var("MXRAY_RIG_PASSWORD")), 5);
        assert_eq!(code, 1, "{proto}");
        assert_eq!(codes(&r), vec!["auth.temporary-failure"], "{proto}");
        let f = finding(&r, "auth.temporary-failure");
        assert_eq!(severity(f), "error");
        assert!(
            f.summary.starts_with(
                "the IMAP server could not check the password right now: its authentication \
                 backend is failing"
            ) || f
                .summary
                .starts_with("the POP3 server could not check the password right now"),
            "{}",
            f.summary
        );
        assert!(f.summary.ends_with(&format!("({reply})")), "{}", f.summary);
        let l = configured(&r).login.clone().unwrap();
        assert!(!l.accepted && l.retry.is_none(), "{proto}: {l:?}");
    }
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn couriers_starttls_answered_in_plain_text_is_starttls_broken() {
    let rig = Rig::get();
    let (r, code) = run(
        &rig,
        "server",
        &["couriernotls.mxray.test", "--ports", "143,110"],
        None,
        5,
    );
    assert_eq!(code, 1);
    let broken = all_of(&r, "tls.starttls-broken");
    assert_eq!(broken.len(), 2, "{:#?}", r.findings);
    for f in &broken {
        assert_eq!(severity(f), "error");
        assert!(
            f.evidence
                .iter()
                .any(|l| l.contains("STARTTLS failed") && l.contains("couriertls")),
            "{:?}",
            f.evidence
        );
        assert!(
            f.fix
                .starts_with("Courier: the PEM file named by `TLS_CERTFILE`"),
            "{}",
            f.fix
        );
    }
    // A client configured for STARTTLS with a password gets the error, and nothing is sent.
    let (r, code) = run(
        &rig,
        "check",
        &[
            "--imap",
            "--host",
            "couriernotls.mxray.test",
            "--port",
            "143",
            "--security",
            "starttls",
            "--user",
            "alice",
        ],
        Some(rig.var("MXRAY_RIG_PASSWORD")),
        5,
    );
    assert_eq!(code, 1);
    assert!(
        codes(&r).contains(&"tls.starttls-broken".to_string()),
        "{:?}",
        codes(&r)
    );
    let Body::Check(ev) = &r.body else { panic!() };
    assert!(ev
        .configured
        .as_ref()
        .unwrap()
        .probes
        .iter()
        .all(|p| p.login.is_none()));
}
