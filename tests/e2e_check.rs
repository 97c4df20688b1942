//! `mxray check` against the real rig: settings from a URL, flags and a .env file, the
//! configured endpoint probed as the client would connect, and what would work instead.

mod common;

use common::check::{assert_no_password, check_json, check_json_env, env_file, run_env};
use common::rig::{codes, mxray, Rig};
use mxray::report::{Body, Report};

/// `--host mail.mxray.test --port 465 --security ssl --user USER --password-env MXRAY_TEST_PW`
/// followed by `extra`.
fn ssl_465<'a>(user: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![
        "--host",
        "mail.mxray.test",
        "--port",
        "465",
        "--security",
        "ssl",
        "--user",
        user,
        "--password-env",
        "MXRAY_TEST_PW",
    ];
    v.extend_from_slice(extra);
    v
}

/// The one login on the configured endpoint; the alternatives never log in.
fn login_of(r: &Report) -> mxray::evidence::LoginAttempt {
    let Body::Check(ev) = &r.body else {
        panic!("not a check report")
    };
    for a in &ev.alternatives.as_ref().unwrap().probes {
        assert!(a.login.is_none(), "an alternative logged in: {a:?}");
        assert!(
            !a.transcript.iter().any(|l| l.text.starts_with("AUTH")),
            "AUTH sent to an alternative"
        );
    }
    let c = ev.configured.as_ref().unwrap();
    let logins: Vec<_> = c.probes.iter().filter_map(|p| p.login.clone()).collect();
    assert_eq!(logins.len(), 1, "{:#?}", c.probes);
    let p = c.probes.iter().find(|p| p.login.is_some()).unwrap();
    let auth: Vec<&str> = p
        .transcript
        .iter()
        .map(|l| l.text.as_str())
        .filter(|t| t.starts_with("AUTH") || *t == "***")
        .collect();
    // One login, or two with the full-address retry of a short username.
    let once: &[&[&str]] = &[&["AUTH PLAIN ***"], &["AUTH LOGIN", "***", "***"]];
    assert!(
        once.iter()
            .any(|o| auth == *o || auth == [o.to_vec(), o.to_vec()].concat()),
        "the transcript must mask the credentials: {auth:?}"
    );
    logins[0].clone()
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn right_settings_pass() {
    let (r, code) = check_json(
        &Rig::get(),
        &["smtp://alice%40mxray.test@mail.mxray.test:587"],
    );
    assert_eq!(code, 0, "{:#?}", r.findings);
    assert!(codes(&r).is_empty(), "{:?}", codes(&r));
    let Body::Check(ev) = &r.body else {
        panic!("not a check report")
    };
    assert_eq!(ev.settings.user.as_ref().unwrap().value, "alice@mxray.test");
    let c = ev.configured.as_ref().unwrap();
    assert!(c.probes[0]
        .capabilities_after_tls
        .as_ref()
        .unwrap()
        .auth
        .contains(&"PLAIN".to_string()));
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn ssl_on_587_is_named_and_starttls_offered_instead() {
    let rig = Rig::get();
    let (r, code) = check_json(&rig, &["smtps://alice%40mxray.test@mail.mxray.test:587"]);
    assert_eq!(code, 1);
    assert_eq!(
        codes(&r),
        vec!["config.security-mismatch", "tls.implicit-on-starttls-port"]
    );
    let Body::Check(ev) = &r.body else { panic!() };
    assert_eq!(
        mxray::diagnose::check::working_alternative(ev),
        Some((587, "STARTTLS"))
    );
    let mut args: Vec<String> = vec![
        "check".into(),
        "smtps://alice%40mxray.test@mail.mxray.test:587".into(),
        "--color".into(),
        "never".into(),
    ];
    args.extend(rig.base_args());
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let human = mxray(&refs);
    assert!(
        human.stdout.contains("Use these settings"),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains("port:     587") && human.stdout.contains("security: STARTTLS"),
        "{}",
        human.stdout
    );
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn starttls_on_465_is_the_silent_wait() {
    let (r, _) = check_json(
        &Rig::get(),
        &[
            "--host",
            "mail.mxray.test",
            "--port",
            "465",
            "--security",
            "starttls",
            "--user",
            "alice@mxray.test",
        ],
    );
    assert_eq!(
        codes(&r),
        vec!["config.security-mismatch", "tls.starttls-on-implicit-port"]
    );
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn env_file_settings_with_sources_and_no_password_anywhere() {
    let rig = Rig::get();
    let (_dir, env) = env_file(&format!(
            "MAIL_HOST=mail.mxray.test\nMAIL_PORT=465\nMAIL_ENCRYPTION=ssl\nMAIL_USERNAME=alice@mxray.test\nMAIL_PASSWORD={}\n",
            rig.var("MXRAY_RIG_PASSWORD")
        ));
    let (r, code) = check_json(&rig, &["--env-file", &env]);
    assert_eq!(code, 0, "{:#?}", r.findings);
    let Body::Check(ev) = &r.body else { panic!() };
    assert!(ev.settings.password_given);
    assert!(ev
        .settings
        .port
        .as_ref()
        .unwrap()
        .source
        .contains("MAIL_PORT"));
    assert!(
        ev.settings
            .notes
            .iter()
            .any(|n| n.contains("MAIL_ENCRYPTION=ssl")),
        "{:?}",
        ev.settings.notes
    );
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn password_in_a_url_on_the_command_line_is_flagged_and_never_echoed() {
    let rig = Rig::get();
    let url = format!(
        "smtp://alice%40mxray.test:{}@mail.mxray.test:587",
        rig.var("MXRAY_RIG_PASSWORD")
    );
    let (r, _) = check_json(&rig, &[&url]);
    assert!(
        codes(&r).contains(&"config.password-on-command-line".to_string()),
        "{:?}",
        codes(&r)
    );
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn missing_settings_and_typos() {
    let rig = Rig::get();
    let (r, code) = check_json(&rig, &["--host", "mail.mxray.test"]);
    assert_eq!(code, 1);
    assert_eq!(codes(&r), vec!["config.incomplete"]);
    assert!(
        r.findings[0].summary.contains("port"),
        "{}",
        r.findings[0].summary
    );
    let Body::Check(ev) = &r.body else { panic!() };
    assert!(ev.configured.is_none(), "nothing is probed without a port");
    let (r, _) = check_json(&rig, &["--host", "smtp.gmial.com", "--port", "587"]);
    assert!(
        codes(&r).contains(&"config.unknown-provider-host".to_string()),
        "{:?}",
        codes(&r)
    );
    let f = r
        .findings
        .iter()
        .find(|f| f.code == "config.unknown-provider-host")
        .unwrap();
    assert!(f.fix.contains("smtp.gmail.com"));
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn right_password_logs_in_on_587_and_465() {
    let rig = Rig::get();
    let pw = rig.var("MXRAY_RIG_PASSWORD");
    let (r, code) = check_json_env(
        &rig,
        &[
            "smtp://alice%40mxray.test@mail.mxray.test:587",
            "--password-env",
            "MXRAY_TEST_PW",
        ],
        &[("MXRAY_TEST_PW", pw)],
    );
    assert_eq!(code, 0, "{:#?}", r.findings);
    assert!(codes(&r).is_empty(), "{:?}", codes(&r));
    let l = login_of(&r);
    assert!(l.accepted, "{l:?}");
    assert_eq!(l.mechanism, "PLAIN");
    assert_eq!(l.reply.unwrap().code, Some(235));

    let (r, code) = check_json_env(
        &rig,
        &ssl_465("alice@mxray.test", &["--auth-mech", "LOGIN"]),
        &[("MXRAY_TEST_PW", pw)],
    );
    assert_eq!(code, 0, "{:#?}", r.findings);
    let l = login_of(&r);
    assert!(l.accepted, "{l:?}");
    assert_eq!(l.mechanism, "LOGIN");
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn password_from_an_env_file_logs_in_and_is_never_shown() {
    let rig = Rig::get();
    let (_dir, env) = env_file(&format!(
        "SMTP_HOST=mail.mxray.test\nSMTP_PORT=587\nSMTP_USER=bob@mxray.test\nSMTP_PASS={}\n",
        rig.var("MXRAY_RIG_PASSWORD2")
    ));
    let (r, code) = check_json(&rig, &["--env-file", &env]);
    assert_eq!(code, 0, "{:#?}", r.findings);
    assert!(login_of(&r).accepted);
    // The human report with the transcript shows neither the password nor its encodings.
    let mut args: Vec<String> = vec![
        "check".into(),
        "--env-file".into(),
        env.clone(),
        "--transcript".into(),
        "-4".into(),
        "--color".into(),
        "never".into(),
    ];
    args.extend(rig.base_args());
    let (code, stdout, stderr) = run_env(&args, &[]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("AUTH PLAIN ***"), "{stdout}");
    assert!(
        stdout.contains("Login on 127.0.0.10:587 with AUTH PLAIN: accepted"),
        "{stdout}"
    );
    assert_no_password(&rig, &stdout);
    assert_no_password(&rig, &stderr);
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn wrong_password_and_short_username() {
    let rig = Rig::get();
    let (r, code) = check_json_env(
        &rig,
        &[
            "smtp://alice%40mxray.test@mail.mxray.test:587",
            "--password-env",
            "MXRAY_TEST_PW",
        ],
        &[("MXRAY_TEST_PW", rig.var("MXRAY_RIG_PASSWORD2"))],
    );
    assert_eq!(code, 1);
    assert_eq!(codes(&r), vec!["auth.bad-credentials"]);
    let l = login_of(&r);
    assert!(!l.accepted);
    assert_eq!(l.reply.unwrap().code, Some(535));

    let (r, code) = check_json_env(
        &rig,
        &ssl_465("alice", &[]),
        &[("MXRAY_TEST_PW", rig.var("MXRAY_RIG_PASSWORD"))],
    );
    assert_eq!(code, 1);
    // `alice` is refused; the retry takes the From domain (good.mxray.test), which is not
    // alice's either: the username form is not proven to be the problem.
    assert_eq!(codes(&r), vec!["auth.bad-credentials"]);
    let l = login_of(&r);
    assert!(!l.accepted);
    let retry = l.retry.expect("the full-address retry");
    assert_eq!(retry.user, "alice@good.mxray.test");
    assert_eq!(retry.domain_from, "the From address");
    assert!(!retry.accepted);
    let f = &r.findings[0];
    assert!(
        f.evidence.iter().any(|e| e
            .starts_with("retried as alice@good.mxray.test (domain from the From address): 535")),
        "{f:?}"
    );
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn a_short_username_retried_with_the_full_address_proves_the_form() {
    let rig = Rig::get();
    // No From address: the retry's domain is the server's (mail.mxray.test → mxray.test).
    let mut args: Vec<String> = vec![
        "check".into(),
        "--host".into(),
        "mail.mxray.test".into(),
        "--port".into(),
        "587".into(),
        "--user".into(),
        "alice".into(),
        "--password-env".into(),
        "MXRAY_TEST_PW".into(),
        "--format".into(),
        "json".into(),
        "-4".into(),
    ];
    args.extend(rig.base_args());
    let (code, stdout, stderr) =
        run_env(&args, &[("MXRAY_TEST_PW", rig.var("MXRAY_RIG_PASSWORD"))]);
    assert_eq!(code, 1, "{stderr}");
    assert_no_password(&rig, &stdout);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    common::schema::assert_valid(&v);
    let r: Report = serde_json::from_value(v).unwrap();
    assert_eq!(codes(&r), vec!["auth.username-not-address"]);
    let f = &r.findings[0];
    assert_eq!(
        f.summary,
        "the login failed with the username `alice` and worked with the full address `alice@mxray.test`"
    );
    assert_eq!(
        f.fix,
        "Set the username to `alice@mxray.test` in the mail client or app (the full e-mail address)."
    );
    let l = login_of(&r);
    assert!(!l.accepted && l.logged_in());
    assert_eq!(l.retry.unwrap().domain_from, "the server's domain");
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn no_login_without_tls_unless_allowed() {
    let rig = Rig::get();
    let pw = rig.var("MXRAY_RIG_PASSWORD");
    let args = [
        "--host",
        "notls.mxray.test",
        "--port",
        "587",
        "--security",
        "none",
        "--user",
        "alice@mxray.test",
        "--password-env",
        "MXRAY_TEST_PW",
    ];
    let (r, _) = check_json_env(&rig, &args, &[("MXRAY_TEST_PW", pw)]);
    let Body::Check(ev) = &r.body else { panic!() };
    let p = &ev.configured.as_ref().unwrap().probes[0];
    assert!(p.login.is_none());
    assert!(!p.transcript.iter().any(|l| l.text.starts_with("AUTH")));
    // The human report says why the password stayed home, outside the transcript too.
    let mut human: Vec<String> = vec!["check".into()];
    human.extend(args.iter().map(|s| s.to_string()));
    human.extend(["--color".into(), "never".into()]);
    human.extend(rig.base_args());
    let (_, stdout, _) = run_env(&human, &[("MXRAY_TEST_PW", pw)]);
    assert!(
        stdout.contains(
            "Login not tried: no TLS on this connection (--allow-plaintext-auth to send the password anyway)"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("security  none (no encryption)"),
        "{stdout}"
    );
    assert_no_password(&rig, &stdout);
    let mut allowed = args.to_vec();
    allowed.push("--allow-plaintext-auth");
    let (r, _) = check_json_env(&rig, &allowed, &[("MXRAY_TEST_PW", pw)]);
    assert!(login_of(&r).accepted);
}
