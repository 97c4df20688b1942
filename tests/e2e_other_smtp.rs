//! The rig's Exim (exim, eximbad) and aiosmtpd (aiosmtpd, aiosmtpdbad) hosts: real SMTP
//! implementations other than Postfix, whose usernames are short (`alice`), whose refusals are
//! worded their own way, and whose fixes are in their own settings.

mod common;
#[path = "common/other_servers.rs"]
mod other;

use common::rig::{codes, Rig};
use mxray::evidence::PortProbe;
use mxray::report::{Body, Report};
use other::{all_of, finding, run, severity, WRONG};

fn configured(r: &Report) -> &PortProbe {
    let Body::Check(ev) = &r.body else {
        panic!("not a check report")
    };
    let c = ev.configured.as_ref().unwrap();
    c.probes.iter().find(|p| p.login.is_some()).unwrap()
}

fn auth_lines(p: &PortProbe) -> Vec<&str> {
    p.transcript
        .iter()
        .map(|l| l.text.as_str())
        .filter(|t| t.starts_with("AUTH"))
        .collect()
}

/// `mxray check` on 587 STARTTLS of the server at `ip` (its name for the certificate), user
/// `alice`. No `--from`: with an IP address as the host mxray knows no mail domain.
fn check_587(rig: &Rig, ip: &str, name: &str, pw: &str) -> (Report, i32) {
    run(
        rig,
        "check",
        &[
            "--host",
            ip,
            "--port",
            "587",
            "--security",
            "starttls",
            "--tls-name",
            name,
            "--user",
            "alice",
        ],
        Some(pw),
        5,
    )
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn a_wrong_password_for_a_short_username_is_bad_credentials_only() {
    let rig = Rig::get();
    for (ip, name, refusal) in [
        (
            "127.0.0.50",
            "exim.mxray.test",
            "535 Incorrect authentication data",
        ),
        (
            "127.0.0.52",
            "aiosmtpd.mxray.test",
            "535 5.7.8 Authentication credentials invalid",
        ),
    ] {
        // `alice` is the server's own username: the right password logs in.
        let (r, code) = check_587(&rig, ip, name, rig.var("MXRAY_RIG_PASSWORD"));
        assert_eq!(code, 0, "{name}: {:#?}", r.findings);
        assert!(codes(&r).is_empty(), "{name}: {:?}", codes(&r));
        assert!(configured(&r).login.as_ref().unwrap().accepted);

        // Only the password is wrong, and no full-address retry could be made: nothing shows
        // the username form is the problem, so it is not claimed.
        let (r, code) = check_587(&rig, ip, name, WRONG);
        assert_eq!(code, 1, "{name}");
        assert_eq!(codes(&r), vec!["auth.bad-credentials"], "{name}");
        let f = finding(&r, "auth.bad-credentials");
        assert_eq!(severity(f), "error");
        assert!(f.summary.contains(refusal), "{name}: {}", f.summary);
        assert!(
            f.evidence
                .iter()
                .any(|e| e.contains("`alice` has no @ and mxray could not retry it")),
            "{name}: {:?}",
            f.evidence
        );
        let l = configured(&r).login.clone().unwrap();
        assert!(l.retry.is_none() && !l.accepted, "{name}: {l:?}");
    }
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn exims_435_is_a_temporary_failure_not_a_rate_limit() {
    let rig = Rig::get();
    // eximbad's authenticator reads a password file that does not exist: Exim defers.
    let (r, code) = check_587(
        &rig,
        "127.0.0.51",
        "eximbad.mxray.test",
        rig.var("MXRAY_RIG_PASSWORD"),
    );
    assert_eq!(code, 1, "{:#?}", r.findings);
    let f = finding(&r, "auth.temporary-failure");
    assert_eq!(severity(f), "error");
    assert_eq!(
        f.summary,
        "the server could not check the password right now: its authentication backend is \
         failing (435 Unable to authenticate at present)"
    );
    assert!(f.fix.contains("`server_condition` lookup"), "{}", f.fix);
    assert!(
        all_of(&r, "auth.rate-limited").is_empty(),
        "{:?}",
        codes(&r)
    );
    assert!(all_of(&r, "auth.bad-credentials").is_empty());
    // One attempt: a temporary failure is not retried with another username.
    let p = configured(&r);
    assert_eq!(auth_lines(p), vec!["AUTH PLAIN ***"], "{:?}", p.transcript);
    assert!(!p.login.as_ref().unwrap().accepted);
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn exim_clean_host_passes() {
    let rig = Rig::get();
    let (r, code) = run(
        &rig,
        "server",
        &["exim.mxray.test", "--ports", "25,587,465"],
        None,
        5,
    );
    assert_eq!(code, 0, "{:#?}", r.findings);
    assert!(codes(&r).is_empty(), "{:?}", codes(&r));
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn eximbad_gets_exims_own_fixes() {
    let rig = Rig::get();
    let (r, code) = run(
        &rig,
        "server",
        &["eximbad.mxray.test", "--ports", "25,587"],
        None,
        5,
    );
    assert_eq!(code, 1);
    assert_eq!(
        codes(&r),
        vec![
            "smtp.auth-over-plaintext",
            "tls.cert-expired",
            "tls.legacy-accepted"
        ]
    );
    let expired = finding(&r, "tls.cert-expired");
    assert_eq!(severity(expired), "error");
    assert!(
        expired.subject.ends_with("on 127.0.0.51:25"),
        "{}",
        expired.subject
    );
    assert!(
        expired.fix.starts_with("Exim: point `tls_certificate`")
            && expired.fix.contains("In general: renew the certificate"),
        "{}",
        expired.fix
    );
    for f in all_of(&r, "smtp.auth-over-plaintext") {
        assert_eq!(severity(f), "warning");
        assert!(
            f.fix
                .starts_with("Exim: `auth_advertise_hosts = ${if eq{$tls_in_cipher}{}{}{*}}`"),
            "{}",
            f.fix
        );
    }
    for f in all_of(&r, "tls.legacy-accepted") {
        assert!(
            f.fix
                .contains("`tls_require_ciphers = NORMAL:-VERS-TLS1.0:-VERS-TLS1.1`"),
            "{}",
            f.fix
        );
    }
    for f in &r.findings {
        assert!(
            !f.fix.contains("smtpd_tls") && !f.fix.contains("Dovecot"),
            "{f:?}"
        );
        assert!(
            f.evidence.iter().any(|e| e.starts_with(
                "server software: Exim (from `220 eximbad.mxray.test ESMTP Exim 4.96"
            )),
            "{:?}",
            f.evidence
        );
    }
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn exim_without_starttls_gets_exims_tls_setting() {
    let rig = Rig::get();
    let (r, code) = run(
        &rig,
        "server",
        &["eximbad.mxray.test", "--ports", "2525/submission"],
        None,
        5,
    );
    assert_eq!(code, 1);
    assert_eq!(
        codes(&r),
        vec!["smtp.auth-over-plaintext", "tls.starttls-missing"]
    );
    let f = finding(&r, "tls.starttls-missing");
    assert_eq!(severity(f), "error");
    assert!(
        f.fix.starts_with("Exim: set `tls_certificate`")
            && f.fix.contains("`tls_advertise_hosts = *`")
            && f.fix.contains("In general: install a certificate"),
        "{}",
        f.fix
    );
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn aiosmtpdbad_gets_aiosmtpds_own_fixes() {
    let rig = Rig::get();
    let (r, code) = run(
        &rig,
        "server",
        &["aiosmtpdbad.mxray.test", "--ports", "587"],
        None,
        5,
    );
    assert_eq!(code, 1, "{:#?}", r.findings);
    assert_eq!(
        codes(&r),
        vec!["smtp.auth-over-plaintext", "tls.starttls-missing"]
    );
    let f = finding(&r, "tls.starttls-missing");
    assert_eq!(severity(f), "error");
    assert!(
        f.fix.starts_with("aiosmtpd: pass `tls_context=`"),
        "{}",
        f.fix
    );
    assert!(
        f.fix.contains("In general: install a certificate"),
        "{}",
        f.fix
    );
    let f = finding(&r, "smtp.auth-over-plaintext");
    assert!(
        f.fix.starts_with("aiosmtpd: keep `auth_require_tls=True`"),
        "{}",
        f.fix
    );
    assert!(f
        .evidence
        .iter()
        .any(|e| e.starts_with("server software: aiosmtpd (from `220 aiosmtpdbad.mxray.test")));

    // The clean aiosmtpd host: STARTTLS on 587, implicit TLS on 465, AUTH only inside TLS.
    let (r, code) = run(
        &rig,
        "server",
        &["aiosmtpd.mxray.test", "--ports", "587,465"],
        None,
        5,
    );
    assert_eq!(code, 0, "{:#?}", r.findings);
    assert!(codes(&r).is_empty(), "{:?}", codes(&r));
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn opensmtpds_internal_error_is_named_not_blamed_on_ciphers() {
    let rig = Rig::get();
    let (r, code) = run(
        &rig,
        "server",
        &["opensmtpd.mxray.test", "--ports", "25"],
        None,
        5,
    );
    assert_eq!(code, 1);
    let f = finding(&r, "tls.handshake-failed");
    assert!(
        f.summary
            .contains("the server sent the fatal TLS alert internal_error")
            && f.summary.contains("not a cipher or version mismatch"),
        "{}",
        f.summary
    );
    assert!(
        f.fix.starts_with("OpenSMTPD: 6.8 built against OpenSSL 3"),
        "{}",
        f.fix
    );
    // Old versions are not blamed, and a ServerHello followed by the alert is not "accepted".
    assert!(
        !codes(&r)
            .iter()
            .any(|c| c == "tls.old-protocol" || c == "tls.legacy-accepted"),
        "{:?}",
        codes(&r)
    );
    let Body::Server(ev) = &r.body else { panic!() };
    let legacy = ev.probes[0].legacy_tls.as_ref().expect("legacy probe ran");
    assert!(legacy.accepted().is_empty(), "{:?}", legacy.attempts);
    assert!(
        legacy.attempts.iter().any(|a| a.result == "incomplete"),
        "{:?}",
        legacy.attempts
    );
}
