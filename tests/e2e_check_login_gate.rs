//! `mxray check` against the rig where the login cannot happen as configured: no TLS where
//! Postfix takes AUTH only after STARTTLS, and certificates a client refuses (self-signed, for
//! another name, expired) on SMTP and IMAP/POP3. The password is never sent there, and the run
//! fails with the reason and the fix in the words of the settings' source.

mod common;

use common::check::{
    assert_no_password, check_json_as_given, check_json_env, env_file, run_env, CLEAN_FROM,
};
use common::rig::{codes, Rig};
use mxray::evidence::{Direction, NotTriedReason, PortProbe};
use mxray::report::{Body, Report};

fn configured(r: &Report) -> &PortProbe {
    let Body::Check(ev) = &r.body else {
        panic!("not a check report")
    };
    &ev.configured.as_ref().unwrap().probes[0]
}

/// No client line carried credentials: no AUTH, AUTHENTICATE, LOGIN, USER or PASS.
fn assert_nothing_sent(p: &PortProbe) {
    let sent: Vec<&str> = p
        .transcript
        .iter()
        .filter(|l| l.dir == Direction::Client)
        .map(|l| l.text.as_str())
        .collect();
    let carries = |t: &&str| {
        let verb = t.split(' ').nth(1).unwrap_or("");
        t.contains("***")
            || ["AUTH", "USER", "PASS"].iter().any(|v| t.starts_with(v))
            || ["AUTHENTICATE", "LOGIN"].contains(&verb)
    };
    assert!(!sent.iter().any(carries), "credentials were sent: {sent:?}");
}

fn finding<'a>(r: &'a Report, code: &str) -> &'a mxray::findings::Finding {
    r.findings
        .iter()
        .find(|f| f.code == code)
        .unwrap_or_else(|| panic!("no {code}: {:#?}", r.findings))
}

/// `mxray check ARGS` in human form, with the password in MXRAY_TEST_PW.
fn human(rig: &Rig, args: &[&str]) -> (i32, String) {
    let mut all: Vec<String> = vec!["check".into()];
    all.extend(args.iter().map(|s| s.to_string()));
    all.extend(["--color".into(), "never".into(), "-4".into()]);
    all.extend(rig.base_args());
    let (code, stdout, stderr) = run_env(&all, &[("MXRAY_TEST_PW", rig.var("MXRAY_RIG_PASSWORD"))]);
    assert_no_password(rig, &stdout);
    assert_no_password(rig, &stderr);
    (code, stdout)
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn no_tls_on_587_where_auth_needs_starttls_fails() {
    let rig = Rig::get();
    let pw = rig.var("MXRAY_RIG_PASSWORD");
    let args = [
        "--host",
        "mail.mxray.test",
        "--port",
        "587",
        "--security",
        "none",
        "--user",
        "alice@mxray.test",
        "--password-env",
        "MXRAY_TEST_PW",
    ];
    let (r, code) = check_json_env(&rig, &args, &[("MXRAY_TEST_PW", pw)]);
    assert_eq!(code, 1, "{:#?}", r.findings);
    assert_eq!(codes(&r), vec!["auth.tls-required"]);
    let f = finding(&r, "auth.tls-required");
    assert_eq!(f.severity, mxray::findings::Severity::Error);
    assert_eq!(
        f.fix,
        "The security setting comes from --security. Run with `--security starttls --port 587`, or `--security ssl --port 465`."
    );
    let p = configured(&r);
    assert!(p.login.is_none() && p.tls.is_none());
    assert_eq!(
        p.login_not_tried.as_ref().unwrap().reason,
        NotTriedReason::NoTls
    );
    assert_nothing_sent(p);

    // Allowed to log in without TLS, there is still nothing to log in with before STARTTLS.
    for extra in [
        &["--allow-plaintext-auth"][..],
        &["--allow-plaintext-auth", "--auth-mech", "CRAM-MD5"],
    ] {
        let mut allowed = args.to_vec();
        allowed.extend_from_slice(extra);
        let (r, code) = check_json_env(&rig, &allowed, &[("MXRAY_TEST_PW", pw)]);
        assert_eq!(code, 1, "{extra:?}: {:#?}", r.findings);
        assert_eq!(codes(&r), vec!["auth.tls-required"], "{extra:?}");
        assert!(
            finding(&r, "auth.tls-required").fix.ends_with(
                "Run with `--security starttls --port 587`, or `--security ssl --port 465`."
            ),
            "{extra:?}"
        );
        assert_nothing_sent(configured(&r));
    }

    // A test message waits for a login that cannot happen: nothing is sent.
    let mut send_to = args.to_vec();
    send_to.extend(["--send-to", "alice@mxray.test"]);
    let (r, code) = check_json_env(&rig, &send_to, &[("MXRAY_TEST_PW", pw)]);
    assert_eq!(code, 1, "{:#?}", r.findings);
    assert_eq!(codes(&r), vec!["auth.tls-required"]);
    let p = configured(&r);
    assert!(p.send.is_none());
    assert!(!p
        .transcript
        .iter()
        .any(|l| l.dir == Direction::Client && l.text.starts_with("MAIL FROM")));
    assert!(p
        .transcript
        .iter()
        .any(|l| l.text == "test message not sent: the login did not succeed"));

    let mut with_from = args.to_vec();
    with_from.extend(["--from", CLEAN_FROM]);
    let (code, out) = human(&rig, &with_from);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(
            "Login not tried: no TLS on this connection (--allow-plaintext-auth to send the password anyway)"
        ),
        "{out}"
    );
    assert!(out.contains("FAIL — 1 errors"), "{out}");
    assert!(
        out.contains(
            "Use these connection settings (verified live; the login did not succeed: see the findings):"
        ),
        "{out}"
    );

    // The same settings from a Django .env: the fix names Django's variables.
    let (_dir, path) = env_file(&format!(
        "EMAIL_HOST=mail.mxray.test\nEMAIL_PORT=587\nEMAIL_USE_TLS=False\n\
         EMAIL_HOST_USER=alice@mxray.test\nEMAIL_HOST_PASSWORD={pw}\n"
    ));
    let (r, code) = check_json_env(&rig, &["--env-file", &path], &[]);
    assert_eq!(code, 1, "{:#?}", r.findings);
    assert_eq!(codes(&r), vec!["auth.tls-required"]);
    let fix = &finding(&r, "auth.tls-required").fix;
    assert!(
        fix.starts_with("The security setting comes from EMAIL_USE_TLS in ")
            && fix.ends_with(
                "Set `EMAIL_USE_TLS=True` with `EMAIL_PORT=587` (STARTTLS), or `EMAIL_USE_SSL=True` with `EMAIL_PORT=465` (never both)."
            ),
        "{fix}"
    );
    assert_nothing_sent(configured(&r));
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn no_password_after_a_failed_certificate_check() {
    let rig = Rig::get();
    let pw = rig.var("MXRAY_RIG_PASSWORD");
    for (host, tls_code, why) in [
        (
            "selfsigned.mxray.test",
            "tls.cert-untrusted",
            "not issued by a trusted authority",
        ),
        (
            "wrongname.mxray.test",
            "tls.cert-hostname-mismatch",
            "not valid for wrongname.mxray.test",
        ),
        ("expired.mxray.test", "tls.cert-expired", "expired"),
    ] {
        let args = [
            "--host",
            host,
            "--port",
            "587",
            "--security",
            "starttls",
            "--user",
            "alice@mxray.test",
            "--password-env",
            "MXRAY_TEST_PW",
        ];
        let (r, code) = check_json_env(&rig, &args, &[("MXRAY_TEST_PW", pw)]);
        assert_eq!(code, 1, "{host}: {:#?}", r.findings);
        let got = codes(&r);
        assert!(
            got.contains(&"auth.login-not-possible".to_string())
                && got.contains(&tls_code.to_string()),
            "{host}: {got:?}"
        );
        let f = finding(&r, "auth.login-not-possible");
        assert!(
            f.summary
                .contains(&format!("the certificate failed verification ({why}"))
                && f.fix.contains("--insecure"),
            "{host}: {f:?}"
        );
        let p = configured(&r);
        assert!(p.tls.as_ref().unwrap().version.is_some(), "{host}: TLS up");
        assert!(p.login.is_none(), "{host}");
        assert_eq!(
            p.login_not_tried.as_ref().unwrap().reason,
            NotTriedReason::CertificateUnverified
        );
        assert_nothing_sent(p);

        // Opted in: the login goes ahead and works; the certificate is still an error.
        let mut insecure = args.to_vec();
        insecure.push("--insecure");
        let (r, code) = check_json_env(&rig, &insecure, &[("MXRAY_TEST_PW", pw)]);
        assert_eq!(code, 1, "{host}");
        let p = configured(&r);
        assert!(
            p.login.as_ref().is_some_and(|l| l.accepted),
            "{host}: {p:?}"
        );
        let got = codes(&r);
        assert!(
            got.contains(&tls_code.to_string()) && !got.iter().any(|c| c.starts_with("auth.")),
            "{host}: {got:?}"
        );
    }
    // Not valid yet (future.mxray.test serves only port 25): refused before anything else.
    let (r, code) = check_json_env(
        &rig,
        &[
            "--host",
            "future.mxray.test",
            "--port",
            "25",
            "--security",
            "starttls",
            "--user",
            "alice@mxray.test",
            "--password-env",
            "MXRAY_TEST_PW",
        ],
        &[("MXRAY_TEST_PW", pw)],
    );
    assert_eq!(code, 1);
    assert!(codes(&r).contains(&"tls.cert-not-yet-valid".to_string()));
    assert!(finding(&r, "auth.login-not-possible")
        .summary
        .contains("the certificate failed verification (not valid yet)"));
    assert_nothing_sent(configured(&r));

    let (code, out) = human(
        &rig,
        &[
            "--host",
            "selfsigned.mxray.test",
            "--port",
            "465",
            "--security",
            "ssl",
            "--user",
            "alice@mxray.test",
            "--password-env",
            "MXRAY_TEST_PW",
            "--from",
            CLEAN_FROM,
        ],
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("Login not tried: the certificate failed verification (not issued by a trusted authority"),
        "{out}"
    );
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn imap_and_pop3_keep_the_password_from_a_certificate_for_another_name() {
    let rig = Rig::get();
    let pw = rig.var("MXRAY_RIG_PASSWORD");
    for (proto, port) in [("--imap", "993"), ("--pop3", "995"), ("--imap", "143")] {
        let security = if port == "143" { "starttls" } else { "ssl" };
        let args = [
            proto,
            "--host",
            "mail.mxray.test",
            "--port",
            port,
            "--security",
            security,
            "--user",
            "alice@mxray.test",
            "--password-env",
            "MXRAY_TEST_PW",
            // Dovecot's certificate names mail.mxray.test, not this.
            "--tls-name",
            "other.mxray.test",
        ];
        let (r, code) = check_json_as_given(&rig, &args, &[("MXRAY_TEST_PW", pw)]);
        assert_eq!(code, 1, "{proto} {port}: {:#?}", r.findings);
        let got = codes(&r);
        assert!(
            got.contains(&"auth.login-not-possible".to_string())
                && got.contains(&"tls.cert-hostname-mismatch".to_string()),
            "{proto} {port}: {got:?}"
        );
        let p = configured(&r);
        assert!(p.login.is_none());
        assert_eq!(
            p.login_not_tried.as_ref().unwrap().reason,
            NotTriedReason::CertificateUnverified
        );
        assert_nothing_sent(p);
    }
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn every_other_way_the_login_cannot_happen_fails() {
    let rig = Rig::get();
    let pw = rig.var("MXRAY_RIG_PASSWORD");
    for (host, port, security, reason, summary) in [
        (
            "closed.mxray.test",
            "587",
            "starttls",
            NotTriedReason::Unreached,
            "the login was not tried: the dialogue ended before the login (the connection was refused)",
        ),
        (
            "notls.mxray.test",
            "587",
            "starttls",
            NotTriedReason::NoTls,
            "the login was not tried: the client is set up for STARTTLS, but this SMTP server does not offer it, so a client that insists on TLS cannot log in",
        ),
        (
            "notls.mxray.test",
            "587",
            "none",
            NotTriedReason::NoTls,
            "the login was not tried: the connection has no TLS, and mxray does not send a password in clear",
        ),
        // AUTH offered before STARTTLS: a client without TLS would send the password in clear.
        (
            "plainauth.mxray.test",
            "587",
            "none",
            NotTriedReason::NoTls,
            "the login was not tried: the connection has no TLS, and mxray does not send a password in clear",
        ),
        // Port 25 takes mail from other servers: no AUTH, even after STARTTLS.
        (
            "mail.mxray.test",
            "25",
            "starttls",
            NotTriedReason::NoMechanism,
            "the login was not tried: the SMTP server offers no login method (AUTH) on this connection",
        ),
        (
            "mail.mxray.test",
            "587",
            "ssl",
            NotTriedReason::Unreached,
            "the login was not tried: the dialogue ended before the login (the TLS handshake failed: ",
        ),
    ] {
        let args = [
            "--host",
            host,
            "--port",
            port,
            "--security",
            security,
            "--user",
            "alice@mxray.test",
            "--password-env",
            "MXRAY_TEST_PW",
        ];
        let what = format!("{host}:{port} {security}");
        let (r, code) = check_json_env(&rig, &args, &[("MXRAY_TEST_PW", pw)]);
        assert_eq!(code, 1, "{what}: {:#?}", r.findings);
        let f = finding(&r, "auth.login-not-possible");
        assert_eq!(f.severity, mxray::findings::Severity::Error);
        assert!(f.summary.starts_with(summary), "{what}: {}", f.summary);
        let p = configured(&r);
        assert!(p.login.is_none(), "{what}");
        assert_eq!(p.login_not_tried.as_ref().unwrap().reason, reason, "{what}");
        assert_nothing_sent(p);
    }
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn the_reading_side_never_passes_a_login_that_did_not_happen() {
    let rig = Rig::get();
    let pw = rig.var("MXRAY_RIG_PASSWORD");
    let base = |proto: &'static str, port: &'static str, security: &'static str| {
        vec![
            proto,
            "--host",
            "mail.mxray.test",
            "--port",
            port,
            "--security",
            security,
            "--user",
            "alice@mxray.test",
        ]
    };
    let with = |mut v: Vec<&'static str>, extra: &[&'static str]| {
        v.extend_from_slice(extra);
        v
    };
    let pw_args = ["--password-env", "MXRAY_TEST_PW"];
    for (args, code, reason) in [
        (
            with(base("--pop3", "110", "none"), &pw_args),
            "auth.tls-required",
            NotTriedReason::NoTls,
        ),
        (
            with(base("--imap", "143", "none"), &pw_args),
            "auth.tls-required",
            NotTriedReason::NoTls,
        ),
        (
            with(
                base("--imap", "993", "ssl"),
                &["--password-env", "MXRAY_TEST_PW", "--auth-mech", "CRAM-MD5"],
            ),
            "auth.mechanism-mismatch",
            NotTriedReason::NoMethod,
        ),
        (
            with(
                base("--pop3", "995", "ssl"),
                &["--oauth-token-env", "MXRAY_TEST_PW"],
            ),
            "auth.mechanism-mismatch",
            NotTriedReason::NoMethod,
        ),
    ] {
        let what = args.join(" ");
        let (r, status) = check_json_as_given(&rig, &args, &[("MXRAY_TEST_PW", pw)]);
        assert_eq!(status, 1, "{what}: {:#?}", r.findings);
        let f = finding(&r, code);
        assert_eq!(f.severity, mxray::findings::Severity::Error, "{what}");
        let p = configured(&r);
        assert!(p.login.is_none(), "{what}");
        assert_eq!(p.login_not_tried.as_ref().unwrap().reason, reason, "{what}");
        assert_nothing_sent(p);
    }
}
