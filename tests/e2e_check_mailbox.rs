//! `mxray check --imap` / `--pop3` against the rig's real Dovecot (mail.mxray.test: 993 IMAPS,
//! 143 IMAP STARTTLS with LOGINDISABLED before TLS, 995 POP3S, 110 POP3 STLS): logins that
//! work, wrong credentials, a short username, TLS-mode mix-ups, plaintext refused, and no
//! password (nor any encoding of it) in any output.

mod common;

use common::check::{assert_no_password, check_json_as_given, env_file, run_env};
use common::rig::{codes, Rig};
use mxray::evidence::{LoginAttempt, PortProbe};
use mxray::report::{Body, Report};

/// `mxray check ARGS` with `env` on the child, as JSON (schema-checked), the password checked
/// absent from stdout and stderr.
fn check(rig: &Rig, args: &[&str], env: &[(&str, &str)]) -> (Report, i32) {
    check_json_as_given(rig, args, env)
}

/// The human report with the transcript (`-v`), password-checked.
fn human(rig: &Rig, args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let mut all: Vec<String> = vec!["check".into()];
    all.extend(args.iter().map(|s| s.to_string()));
    all.extend(rig.base_args());
    all.extend(["-4".into(), "-v".into(), "--color".into(), "never".into()]);
    let (code, stdout, stderr) = run_env(&all, env);
    assert_no_password(rig, &stdout);
    assert_no_password(rig, &stderr);
    (code, stdout)
}

fn evidence(r: &Report) -> &mxray::evidence::check::CheckEvidence {
    let Body::Check(ev) = &r.body else {
        panic!("not a check report")
    };
    ev
}

/// The one login, on the configured endpoint; the alternatives never see a login command.
fn login_of(r: &Report) -> (LoginAttempt, PortProbe) {
    let ev = evidence(r);
    for a in &ev.alternatives.as_ref().unwrap().probes {
        assert!(a.login.is_none(), "an alternative logged in: {a:?}");
        assert!(
            !client_lines(a).iter().any(|l| sends_credentials(l)),
            "credentials sent to an alternative: {:?}",
            a.transcript
        );
    }
    let c = ev.configured.as_ref().unwrap();
    let with: Vec<&PortProbe> = c.probes.iter().filter(|p| p.login.is_some()).collect();
    assert_eq!(with.len(), 1, "{:#?}", c.probes);
    (with[0].login.clone().unwrap(), with[0].clone())
}

fn sends_credentials(line: &str) -> bool {
    let upper = line.to_ascii_uppercase();
    ["AUTHENTICATE", " LOGIN ", "USER ", "PASS ", "AUTH "]
        .iter()
        .any(|w| upper.contains(w))
}

/// The client lines of the login, as the transcript shows them.
fn client_lines(p: &PortProbe) -> Vec<String> {
    p.transcript
        .iter()
        .filter(|l| l.dir == mxray::evidence::Direction::Client)
        .map(|l| l.text.clone())
        .collect()
}

const PW_VAR: &str = "MXRAY_TEST_PW";
/// Alice's IMAPS account as a URL, the password left to `--password-env`.
const ALICE_IMAPS: &str = "imaps://alice%40mxray.test@mail.mxray.test";

/// [`check`] with `pw` in PW_VAR, named by `--password-env`.
fn check_pw(rig: &Rig, pw: &str, args: &[&str]) -> (Report, i32) {
    check(rig, &with_pw(args), &[(PW_VAR, pw)])
}

/// ARGS and `--password-env PW_VAR`.
fn with_pw<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut all = args.to_vec();
    all.extend(["--password-env", PW_VAR]);
    all
}

/// The options naming the rig's mail.mxray.test: `proto` (`--imap`, `--pop3`), `port` and
/// the `rest`.
fn on_mail<'a>(proto: &'a str, port: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    let mut all = vec![proto, "--host", "mail.mxray.test", "--port", port];
    all.extend(rest);
    all
}

/// Arguments and environment variables of one way of giving the settings.
type Source<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>);

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn imaps_993_logs_in_with_authenticate_plain() {
    let rig = Rig::get();
    let pw = rig.var("MXRAY_RIG_PASSWORD");
    let (r, code) = check_pw(&rig, pw, &[ALICE_IMAPS]);
    assert_eq!(code, 0, "{:#?}", r.findings);
    assert!(codes(&r).is_empty(), "{:?}", codes(&r));
    let ev = evidence(&r);
    assert_eq!(ev.settings.protocol, mxray::evidence::Protocol::Imap);
    assert_eq!(ev.settings.port.as_ref().unwrap().value, "993");
    let (l, p) = login_of(&r);
    assert!(l.accepted, "{l:?}");
    assert_eq!(l.mechanism, "PLAIN");
    assert_eq!(p.port, 993);
    assert!(
        client_lines(&p).contains(&"m5 AUTHENTICATE PLAIN ***".to_string()),
        "{:?}",
        client_lines(&p)
    );
    // The alternative is STARTTLS on 143, probed without credentials.
    let alt = &ev.alternatives.as_ref().unwrap().probes;
    assert_eq!(alt.iter().map(|p| p.port).collect::<Vec<_>>(), vec![143]);
    assert!(alt[0].capabilities_after_tls.is_some());
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn imap_143_starttls_logs_in_with_the_login_command() {
    let rig = Rig::get();
    let pw = rig.var("MXRAY_RIG_PASSWORD");
    let args = with_pw(&on_mail(
        "--imap",
        "143",
        &["--user", "alice@mxray.test", "--auth-mech", "LOGIN"],
    ));
    let (r, code) = check(&rig, &args, &[(PW_VAR, pw)]);
    assert_eq!(code, 0, "{:#?}", r.findings);
    let ev = evidence(&r);
    assert_eq!(ev.settings.security.as_ref().unwrap().value, "starttls");
    let (l, p) = login_of(&r);
    assert!(l.accepted, "{l:?}");
    assert_eq!(l.mechanism, "LOGIN");
    let lines = client_lines(&p);
    // STARTTLS first, LOGIN only on the TLS session, the password masked.
    let starttls = lines.iter().position(|l| l == "m2 STARTTLS").unwrap();
    let login = lines
        .iter()
        .position(|l| l == "m5 LOGIN \"alice@mxray.test\" ***")
        .unwrap_or_else(|| panic!("{lines:?}"));
    assert!(starttls < login);
    let (code, text) = human(&rig, &args, &[(PW_VAR, pw)]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("Login on 127.0.0.10:143 with LOGIN: accepted"),
        "{text}"
    );
    assert!(
        text.contains("Use these settings for the incoming server (IMAP)")
            && text.contains("protocol: IMAP")
            && text.contains("port:     143")
            && text.contains("security: STARTTLS"),
        "{text}"
    );
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn pop3_995_and_110_starttls_log_in() {
    let rig = Rig::get();
    let pw = rig.var("MXRAY_RIG_PASSWORD2");
    let (r, code) = check_pw(&rig, pw, &["pop3s://bob%40mxray.test@mail.mxray.test"]);
    assert_eq!(code, 0, "{:#?}", r.findings);
    let (l, p) = login_of(&r);
    assert!(l.accepted && l.mechanism == "PLAIN", "{l:?}");
    assert_eq!(p.port, 995);
    assert!(client_lines(&p).contains(&"AUTH PLAIN ***".to_string()));
    let alt = &evidence(&r).alternatives.as_ref().unwrap().probes;
    assert_eq!(alt.iter().map(|p| p.port).collect::<Vec<_>>(), vec![110]);

    let (r, code) = check_pw(
        &rig,
        pw,
        &on_mail(
            "--pop3",
            "110",
            &[
                "--security",
                "starttls",
                "--user",
                "bob@mxray.test",
                "--auth-mech",
                "LOGIN",
            ],
        ),
    );
    assert_eq!(code, 0, "{:#?}", r.findings);
    let (l, p) = login_of(&r);
    assert!(l.accepted && l.mechanism == "USER", "{l:?}");
    let lines = client_lines(&p);
    let stls = lines.iter().position(|l| l == "STLS").unwrap();
    let user = lines
        .iter()
        .position(|l| l == "USER bob@mxray.test")
        .unwrap();
    assert!(stls < user, "{lines:?}");
    assert!(lines.contains(&"PASS ***".to_string()), "{lines:?}");
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn wrong_password_and_username_without_domain() {
    let rig = Rig::get();
    let (r, code) = check_pw(&rig, rig.var("MXRAY_RIG_PASSWORD2"), &[ALICE_IMAPS]);
    assert_eq!(code, 1);
    assert_eq!(codes(&r), vec!["auth.bad-credentials"]);
    let (l, _) = login_of(&r);
    assert!(!l.accepted);
    assert!(
        l.reply
            .as_ref()
            .unwrap()
            .text()
            .contains("[AUTHENTICATIONFAILED]"),
        "{l:?}"
    );

    for (proto, port) in [("--imap", "993"), ("--pop3", "995")] {
        let args = on_mail(proto, port, &["--security", "ssl", "--user", "alice"]);
        // The right password: `alice` is refused, the retry as alice@mxray.test (the server's
        // parent domain) on the same connection is accepted.
        let (r, code) = check_pw(&rig, rig.var("MXRAY_RIG_PASSWORD"), &args);
        assert_eq!(code, 1, "{args:?}");
        assert_eq!(codes(&r), vec!["auth.username-not-address"], "{args:?}");
        let f = r.findings.iter().find(|f| !f.ignored).unwrap();
        assert!(f.fix.contains("`alice@mxray.test`"), "{}", f.fix);
        let (l, p) = login_of(&r);
        assert!(!l.accepted && l.logged_in(), "{l:?}");
        let retry = l.retry.as_ref().unwrap();
        assert_eq!(retry.user, "alice@mxray.test");
        assert_eq!(retry.domain_from, "the server's domain");
        let sent = client_lines(&p);
        let logins: Vec<&String> = sent.iter().filter(|l| sends_credentials(l)).collect();
        if args[0] == "--imap" {
            assert_eq!(
                logins,
                vec!["m5 AUTHENTICATE PLAIN ***", "m6 AUTHENTICATE PLAIN ***"],
                "{sent:?}"
            );
        } else {
            assert_eq!(logins, vec!["AUTH PLAIN ***", "AUTH PLAIN ***"], "{sent:?}");
        }

        // A wrong password: both refused, the password is the problem and the retry the
        // evidence.
        let (r, code) = check_pw(&rig, rig.var("MXRAY_RIG_PASSWORD2"), &args);
        assert_eq!(code, 1, "{args:?}");
        assert_eq!(codes(&r), vec!["auth.bad-credentials"], "{args:?}");
        let f = r.findings.iter().find(|f| !f.ignored).unwrap();
        assert!(
            f.evidence
                .iter()
                .any(|e| e
                    .starts_with("retried as alice@mxray.test (domain from the server's domain)")),
            "{:?}",
            f.evidence
        );
        let (l, _) = login_of(&r);
        assert!(!l.logged_in());
        assert!(!l.retry.unwrap().accepted);
    }

    // USER/PASS starts again with USER after the refused PASS.
    let (r, _) = check_pw(
        &rig,
        rig.var("MXRAY_RIG_PASSWORD"),
        &on_mail(
            "--pop3",
            "995",
            &[
                "--security",
                "ssl",
                "--user",
                "alice",
                "--auth-mech",
                "LOGIN",
            ],
        ),
    );
    assert_eq!(codes(&r), vec!["auth.username-not-address"]);
    let (_, p) = login_of(&r);
    let sent = client_lines(&p);
    let logins: Vec<&String> = sent.iter().filter(|l| sends_credentials(l)).collect();
    assert_eq!(
        logins,
        vec![
            "USER alice",
            "PASS ***",
            "USER alice@mxray.test",
            "PASS ***"
        ],
        "{sent:?}"
    );
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn implicit_tls_on_143_is_named_and_993_offered() {
    let rig = Rig::get();
    let args = on_mail(
        "--imap",
        "143",
        &["--security", "tls", "--user", "alice@mxray.test"],
    );
    let (r, code) = check(&rig, &args, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        codes(&r),
        vec!["config.security-mismatch", "tls.implicit-on-starttls-port"]
    );
    let ev = evidence(&r);
    assert_eq!(
        mxray::diagnose::check::working_alternative(ev),
        Some((993, "SSL/TLS (implicit TLS)"))
    );
    let (_, text) = human(&rig, &args, &[]);
    assert!(
        text.contains("Use these settings for the incoming server (IMAP)")
            && text.contains("port:     993"),
        "{text}"
    );

    // STARTTLS on POP3S's port: the silent wait, and 995 with SSL/TLS named.
    let (r, _) = check(
        &rig,
        &on_mail("--pop3", "995", &["--security", "starttls"]),
        &[],
    );
    assert_eq!(
        codes(&r),
        vec!["config.security-mismatch", "tls.starttls-on-implicit-port"]
    );
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn plaintext_login_only_when_allowed_and_then_refused() {
    let rig = Rig::get();
    let pw = rig.var("MXRAY_RIG_PASSWORD");
    let imap = on_mail(
        "--imap",
        "143",
        &["--security", "none", "--user", "alice@mxray.test"],
    );
    // Without --allow-plaintext-auth nothing is sent; LOGINDISABLED says the client will fail.
    let (r, _) = check_pw(&rig, pw, &imap);
    let p = &evidence(&r).configured.as_ref().unwrap().probes[0];
    assert!(p.login.is_none());
    assert!(p.tls.is_none(), "security none must not start TLS");
    assert!(!client_lines(p).iter().any(|l| sends_credentials(l)));
    assert_eq!(codes(&r), vec!["auth.tls-required"]);
    // With it, LOGINDISABLED is still honoured: no LOGIN is sent either.
    let mut allowed = imap.clone();
    allowed.push("--allow-plaintext-auth");
    let (r, _) = check_pw(&rig, pw, &allowed);
    let (l, p) = login_of(&r);
    assert!(l.reply.is_none() && !l.accepted, "{l:?}");
    assert!(!client_lines(&p).iter().any(|l| sends_credentials(l)));
    assert_eq!(codes(&r), vec!["auth.tls-required"]);

    // POP3 on 110 without STLS: Dovecot refuses USER in plaintext, PASS is never sent.
    let (r, _) = check_pw(
        &rig,
        pw,
        &on_mail(
            "--pop3",
            "110",
            &[
                "--security",
                "none",
                "--user",
                "alice@mxray.test",
                "--allow-plaintext-auth",
            ],
        ),
    );
    let (l, p) = login_of(&r);
    assert!(!l.accepted);
    assert!(
        l.reply
            .unwrap()
            .text()
            .contains("Plaintext authentication disallowed"),
        "{p:?}"
    );
    assert!(!client_lines(&p).iter().any(|l| l.starts_with("PASS")));
    assert_eq!(codes(&r), vec!["auth.tls-required"]);
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn a_username_sent_as_a_literal() {
    // An 8-bit username cannot be a quoted string: Dovecot offers LITERAL+, so it goes as
    // {n+} without waiting, and the (unknown) user is refused.
    let rig = Rig::get();
    let (r, code) = check_pw(
        &rig,
        rig.var("MXRAY_RIG_PASSWORD"),
        &on_mail(
            "--imap",
            "993",
            &["--user", "älice@mxray.test", "--auth-mech", "LOGIN"],
        ),
    );
    assert_eq!(code, 1);
    assert_eq!(codes(&r), vec!["auth.bad-credentials"]);
    let (l, p) = login_of(&r);
    assert!(l.reply.unwrap().text().starts_with("m5 NO"), "{p:?}");
    let lines = client_lines(&p);
    assert!(lines.contains(&"m5 LOGIN {17+}".to_string()), "{lines:?}");
    assert!(
        lines.contains(&"älice@mxray.test ***".to_string()),
        "{lines:?}"
    );
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn no_password_in_json_transcript_or_saved_evidence_from_every_source() {
    let rig = Rig::get();
    let pw = rig.var("MXRAY_RIG_PASSWORD");
    let (dir, env) = env_file(&format!(
            "SMTP_HOST=wrong.example\nIMAP_HOST=mail.mxray.test\nIMAP_PORT=993\nIMAP_SECURE=true\nIMAP_USER=alice@mxray.test\nIMAP_PASSWORD={pw}\n"
        ));
    let url = format!("imaps://alice%40mxray.test:{pw}@mail.mxray.test");
    let env_s = env;
    let sources: [Source; 4] = [
        (vec!["--imap", "--env-file", &env_s], vec![]),
        (vec![&url], vec![]),
        (
            vec!["--imap", "--env"],
            vec![
                ("IMAP_HOST", "mail.mxray.test"),
                ("IMAP_PORT", "993"),
                ("IMAP_USER", "alice@mxray.test"),
                ("IMAP_PASSWORD", pw),
            ],
        ),
        (with_pw(&[ALICE_IMAPS]), vec![(PW_VAR, pw)]),
    ];
    for (i, (args, vars)) in sources.iter().enumerate() {
        let saved = dir.path().join(format!("saved-{i}.json"));
        let mut all = args.clone();
        let saved_s = saved.to_str().unwrap().to_string();
        all.extend(["--save", &saved_s]);
        let (r, _) = check(&rig, &all, vars);
        let (l, p) = login_of(&r);
        assert!(l.accepted, "source {i}: {l:?}");
        assert!(client_lines(&p).contains(&"m5 AUTHENTICATE PLAIN ***".to_string()));
        let text = std::fs::read_to_string(&saved).unwrap();
        assert_no_password(&rig, &text);
        assert!(
            text.contains("AUTHENTICATE PLAIN ***"),
            "the saved transcript"
        );
        let (code, text) = human(&rig, args, vars);
        assert!(code <= 1, "{text}");
        assert!(text.contains("m5 AUTHENTICATE PLAIN ***"), "{text}");
        // The saved evidence is diagnosed the same offline.
        let again = common::rig::mxray(&["diagnose", &saved_s, "--format", "json"]);
        assert_no_password(&rig, &again.stdout);
        let v: serde_json::Value = serde_json::from_str(&again.stdout).unwrap();
        let codes_again: Report = serde_json::from_value(v).unwrap();
        assert_eq!(codes(&codes_again), codes(&r), "source {i}");
    }
}
