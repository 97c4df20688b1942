//! `mxray check` logging in to in-process SMTP servers that greet, offer STARTTLS and AUTH,
//! and refuse logins exactly as big providers do (Gmail, Microsoft 365, Outlook.com, Zoho) —
//! with the providers' texts and with variants whose wording, casing, line breaks and codes
//! differ — plus servers that check CRAM-MD5, LOGIN with an initial response, XOAUTH2 and
//! OAUTHBEARER for real, and one that echoes every credential back. Each runs the real binary
//! and asserts the exact `auth.*` code, the provider-specific fix and the exit status; and no
//! secret, in any encoding, in any output, for every way of giving it.
//!
//! Loopback only; certificates are made on the fly by rcgen.

mod common;

use common::fake_provider::*;
use mxray::report::Report;

/// A provider scenario: the login refused with `reply` maps to exactly `code`, whose fix
/// contains every one of `fix_words`; exit status `exit`.
fn scenario(p: Persona, reply: &[&str], user: &str, code: &str, fix_words: &[&str], exit: i32) {
    let server = Server::start(p.answering(reply));
    let (r, status) = check(&server, user, BAD, &[]);
    // A refusal that is only a warning (a rate limit) still fails the login test.
    let warning = mxray::findings::catalogue::lookup(code)
        .is_some_and(|c| c.severity == mxray::findings::Severity::Warning);
    let mut want = vec![code];
    if warning {
        want.push("auth.login-failed");
    }
    let mut got = auth_codes(&r);
    got.sort();
    want.sort();
    assert_eq!(got, want, "{reply:?}: {:#?}", r.findings);
    if warning {
        let failed = finding(&r, "auth.login-failed");
        assert_eq!(failed.severity, mxray::findings::Severity::Error);
        assert!(
            failed.summary.contains(reply.last().unwrap()),
            "{}",
            failed.summary
        );
    }
    let f = finding(&r, code);
    for w in fix_words {
        assert!(f.fix.contains(w), "{reply:?}: fix lacks {w:?}: {}", f.fix);
    }
    assert!(
        f.evidence.iter().any(|e| e.starts_with("AUTH ")),
        "{:?}",
        f.evidence
    );
    assert_eq!(status, exit, "{reply:?}: {:#?}", r.findings);
    assert!(!login(&r).accepted);
}

// ───────────────────────────── Gmail ─────────────────────────────

const GMAIL_APP_PW: &str = "https://myaccount.google.com/apppasswords";

#[test]
fn gmail_app_password_required() {
    scenario(
        gmail(),
        &[
            "534-5.7.9 Application-specific password required. For more information, go to",
            "534 5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor a640c23a62f3a-ab7.12 - gsmtp",
        ],
        USER,
        "auth.app-password-required",
        &[GMAIL_APP_PW, "2-Step Verification"],
        1,
    );
    // No enhanced code, other casing and hyphenation, one line.
    scenario(
        gmail(),
        &["534 APPLICATION SPECIFIC password Required (2SV is on)"],
        USER,
        "auth.app-password-required",
        &[GMAIL_APP_PW],
        1,
    );
}

#[test]
fn gmail_web_login_required() {
    scenario(
        gmail(),
        &[
            "534-5.7.14 <https://accounts.google.com/signin/continue?sarp=1&scc=1&plt=AKgnsbs>",
            "534-5.7.14 Please log in via your web browser and then try again.",
            "534-5.7.14  Learn more at",
            "534 5.7.14  https://support.google.com/mail/answer/78754 a640c23a62f3a-ab7.12 - gsmtp",
        ],
        USER,
        "auth.web-login-required",
        &[GMAIL_APP_PW, "2-Step Verification", "OAuth"],
        1,
    );
    // The phrase split over continuation lines differently, no enhanced code.
    scenario(
        gmail(),
        &[
            "534-Please log in",
            "534-VIA YOUR WEB",
            "534 browser, and then try again - gsmtp",
        ],
        USER,
        "auth.web-login-required",
        &[GMAIL_APP_PW],
        1,
    );
}

#[test]
fn gmail_bad_credentials() {
    scenario(
        gmail(),
        &[
            "535-5.7.8 Username and Password not accepted. For more information, go to",
            "535 5.7.8  https://support.google.com/mail/?p=BadCredentials a640c23a62f3a-ab7.12 - gsmtp",
        ],
        USER,
        "auth.bad-credentials",
        &[GMAIL_APP_PW, "revoked"],
        1,
    );
    scenario(
        gmail(),
        &["535 sorry, the username and password were not accepted"],
        USER,
        "auth.bad-credentials",
        &[GMAIL_APP_PW],
        1,
    );
}

/// The rate limit itself is a warning, but the login did not succeed: the check fails.
#[test]
fn gmail_rate_limit_is_a_warning() {
    scenario(
        gmail(),
        &["454 4.7.0 Too many login attempts, please try again later. a640c23a62f3a-ab7.12 - gsmtp"],
        USER,
        "auth.rate-limited",
        &["Gmail", "wait"],
        1,
    );
    scenario(
        gmail(),
        &["454-4.7.0 too many", "454 LOGIN attempts; slow down"],
        USER,
        "auth.rate-limited",
        &["Gmail"],
        1,
    );
}

// ───────────────────────────── Microsoft ─────────────────────────────

#[test]
fn microsoft_smtp_auth_disabled() {
    scenario(
        microsoft(),
        &["535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information. [SN4PR0501CA0054.namprd05.prod.outlook.com 2026-11-23T22:00:00.000Z 08DD0000000000]"],
        "alice@contoso.example",
        "auth.smtp-auth-disabled",
        &["Set-CASMailbox", "-SmtpClientAuthenticationDisabled $false", "Security Defaults", "SMTP.Send"],
        1,
    );
    scenario(
        microsoft(),
        &["535 5.7.139 Authentication unsuccessful, user is locked by your organization's security defaults policy. Contact your administrator. [SN4PR0501CA0054.namprd05.prod.outlook.com]"],
        "alice@contoso.example",
        "auth.smtp-auth-disabled",
        &["Security Defaults", "Set-CASMailbox"],
        1,
    );
    // No enhanced code, the switch's name in other casing, split over two lines.
    scenario(
        microsoft(),
        &[
            "535-Authentication unsuccessful, SMTPCLIENTAUTHENTICATION",
            "535 is disabled for the tenant.",
        ],
        "alice@contoso.example",
        "auth.smtp-auth-disabled",
        &["Set-CASMailbox"],
        1,
    );
}

#[test]
fn microsoft_recognised_from_the_5_7_139_link_alone() {
    // A server that says nothing about itself but Microsoft's link.
    scenario(
        plain_server("PLAIN LOGIN"),
        &["535 5.7.139 Authentication unsuccessful, the request did not meet the criteria to be authenticated successfully. Contact your administrator. https://aka.ms/smtp_auth_disabled"],
        "alice@contoso.example",
        "auth.smtp-auth-disabled",
        &["Set-CASMailbox"],
        1,
    );
}

#[test]
fn microsoft_5_7_3_and_basic_auth_retired() {
    scenario(
        microsoft(),
        &["535 5.7.3 Authentication unsuccessful [SN4PR0501CA0054.namprd05.prod.outlook.com]"],
        "alice@contoso.example",
        "auth.bad-credentials",
        &["5.7.3", "Set-CASMailbox", "UPN"],
        1,
    );
    scenario(
        microsoft(),
        &["550 5.7.30 Basic authentication is not supported for Client Submission."],
        "alice@contoso.example",
        "auth.smtp-auth-disabled",
        &["retired", "OAuth", "SMTP.Send"],
        1,
    );
    scenario(
        microsoft(),
        &["550 Sorry - BASIC authentication is not supported for client submission"],
        "alice@contoso.example",
        "auth.smtp-auth-disabled",
        &["retired"],
        1,
    );
}

#[test]
fn outlook_com_passwords_mean_oauth() {
    scenario(
        microsoft(),
        &["535 5.7.3 Authentication unsuccessful [AM0PR01CA0123.eurprd01.prod.exchangelabs.com]"],
        "alice@hotmail.com",
        "auth.oauth-required",
        &["16 September 2024", "OAuth2"],
        1,
    );
}

#[test]
fn microsoft_logs_in_with_login_as_it_offers_no_plain() {
    let server = Server::start(microsoft().answering(&["535 5.7.3 Authentication unsuccessful"]));
    let (r, _) = check(&server, "alice@contoso.example", BAD, &[]);
    let l = login(&r);
    assert_eq!(l.mechanism, "LOGIN");
    assert!(!l.initial_response);
    assert_eq!(client_lines(&r)[3..6], ["AUTH LOGIN", "***", "***"]);
}

// ───────────────────────────── sender not owned ─────────────────────────────

#[test]
fn sender_not_owned() {
    let zoho = Persona {
        greeting: "220 mx.zoho.com SMTP Server ready November 23, 2026 10:00:00 PM PST".into(),
        ehlo: lines(&["mx.zoho.com Hello client.test", "STARTTLS", "SIZE 53477376"]),
        ehlo_tls: lines(&[
            "mx.zoho.com Hello client.test",
            "AUTH LOGIN PLAIN",
            "SIZE 53477376",
        ]),
        ..plain_server("")
    };
    scenario(
        zoho,
        &["553 5.7.1 <bob@example.org>: Sender address rejected: not owned by user alice@example.com"],
        USER,
        "auth.sender-not-owned",
        &["Zoho", "alias"],
        1,
    );
    // Unknown provider, no enhanced code, split: the catalogue's fix.
    scenario(
        plain_server("PLAIN LOGIN"),
        &[
            "553-Sender address rejected:",
            "553 NOT OWNED BY USER alice",
        ],
        USER,
        "auth.sender-not-owned",
        &["smtpd_sender_login_maps"],
        1,
    );
}

// ───────────────────────────── mechanisms, checked server-side ─────────────────────────────

#[test]
fn cram_md5_digest_checked_by_the_server() {
    let server = Server::start(plain_server("CRAM-MD5 PLAIN"));
    let (r, status) = check(&server, USER, GOOD, &["--auth-mech", "cram-md5"]);
    assert_eq!(status, 0, "{:#?}", r.findings);
    let l = login(&r);
    assert!(l.accepted, "{l:?}");
    assert_eq!(l.mechanism, "CRAM-MD5");
    assert!(server
        .log()
        .contains(&"verified CRAM-MD5 digest: true".to_string()));
    assert_eq!(client_lines(&r)[3..5], ["AUTH CRAM-MD5", "***"]);

    let server = Server::start(plain_server("CRAM-MD5 PLAIN"));
    let (r, status) = check(&server, USER, BAD, &["--auth-mech", "CRAM-MD5"]);
    assert_eq!(status, 1);
    assert_eq!(auth_codes(&r), vec!["auth.bad-credentials"]);
    assert_eq!(login(&r).reply.unwrap().code, Some(535));
    assert!(server
        .log()
        .contains(&"verified CRAM-MD5 digest: false".to_string()));
}

#[test]
fn login_with_initial_response() {
    let server = Server::start(plain_server("PLAIN LOGIN"));
    let (r, status) = check(&server, USER, GOOD, &["--auth-mech", "LOGIN-IR"]);
    assert_eq!(status, 0, "{:#?}", r.findings);
    let l = login(&r);
    assert!(
        l.accepted && l.initial_response && l.mechanism == "LOGIN",
        "{l:?}"
    );
    assert_eq!(client_lines(&r)[3..5], ["AUTH LOGIN ***", "***"]);
    let log = server.log();
    assert!(
        log.contains(&format!("AUTH LOGIN {}", b64(USER))),
        "the username goes with the command: {log:?}"
    );
    assert!(!log.iter().any(|l| l == "AUTH LOGIN"), "{log:?}");
}

/// A server offering `mechanisms`, and `mxray check` against it with `token` as the OAuth
/// access token (in MXRAY_TEST_SECRET) and `extra`.
fn check_token(mechanisms: &str, token: &str, extra: &[&str]) -> (Server, Report, i32) {
    let server = Server::start(plain_server(mechanisms));
    let mut args = vec!["--oauth-token-env", "MXRAY_TEST_SECRET"];
    args.extend(extra);
    let (r, status) = check(&server, USER, token, &args);
    (server, r, status)
}

#[test]
fn xoauth2_token_accepted_and_refused() {
    let (server, r, status) = check_token("PLAIN LOGIN XOAUTH2 OAUTHBEARER", GOOD, &[]);
    assert_eq!(status, 0, "{:#?}", r.findings);
    let l = login(&r);
    assert!(l.accepted, "{l:?}");
    assert_eq!(l.mechanism, "XOAUTH2", "XOAUTH2 is picked when offered");
    assert!(server
        .log()
        .contains(&"verified XOAUTH2 token: true".to_string()));

    let (server, r, status) = check_token("PLAIN LOGIN XOAUTH2", BAD, &[]);
    assert_eq!(status, 1);
    assert_eq!(auth_codes(&r), vec!["auth.bad-credentials"]);
    let l = login(&r);
    assert_eq!(l.reply.as_ref().unwrap().code, Some(535));
    assert_eq!(
        l.oauth_error.as_deref(),
        Some(r#"{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}"#)
    );
    let f = finding(&r, "auth.bad-credentials");
    assert!(f.fix.contains("access token"), "{}", f.fix);
    assert!(f.evidence.iter().any(|e| e.contains(r#""status":"401""#)));
    assert!(server
        .log()
        .contains(&"client answered the error with \"\"".to_string()));
    assert_eq!(client_lines(&r)[3..5], ["AUTH XOAUTH2 ***", ""]);
}

#[test]
fn oauthbearer_token_accepted_and_refused() {
    let (server, r, status) = check_token("PLAIN OAUTHBEARER", GOOD, &[]);
    assert_eq!(status, 0, "{:#?}", r.findings);
    let l = login(&r);
    assert!(l.accepted, "{l:?}");
    assert_eq!(
        l.mechanism, "OAUTHBEARER",
        "OAUTHBEARER when XOAUTH2 is not offered"
    );
    assert!(
        server
            .log()
            .contains(&"verified OAUTHBEARER token: true".to_string()),
        "the server checks user, host and token: {:?}",
        server.log()
    );

    let (server, r, status) = check_token(
        "PLAIN XOAUTH2 OAUTHBEARER",
        BAD,
        &["--auth-mech", "oauthbearer"],
    );
    assert_eq!(status, 1);
    assert_eq!(auth_codes(&r), vec!["auth.bad-credentials"]);
    let l = login(&r);
    assert!(l.oauth_error.as_deref().unwrap().contains("401"));
    assert_eq!(l.reply.unwrap().code, Some(535));
    // RFC 7628 §3.2.3: the client answers the error challenge with a single %x01.
    assert!(server
        .log()
        .contains(&"client answered the error with \"AQ==\"".to_string()));
}

#[test]
fn a_mechanism_not_offered_is_never_sent() {
    let server = Server::start(plain_server("PLAIN LOGIN"));
    let (r, status) = check(&server, USER, GOOD, &["--auth-mech", "CRAM-MD5"]);
    assert_eq!(status, 1);
    assert_eq!(auth_codes(&r), vec!["auth.mechanism-mismatch"]);
    let f = finding(&r, "auth.mechanism-mismatch");
    assert!(f
        .evidence
        .contains(&"AUTH mechanisms offered: PLAIN LOGIN".to_string()));
    assert!(!server.log().iter().any(|l| l.starts_with("AUTH")));
    let l = login(&r);
    assert!(l.reply.is_none() && l.mechanism == "CRAM-MD5");
}

#[test]
fn token_mechanism_without_a_token_is_a_usage_error() {
    let mut args = vec!["check".to_string()];
    args.extend(endpoint_args(9, USER));
    args.extend(["--auth-mech".into(), "XOAUTH2".into()]);
    args.extend(net_args());
    let run = mxray(&args, &[]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--oauth-token-env"), "{}", run.stderr);
    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
    let mut args = vec!["check".to_string()];
    args.extend(endpoint_args(9, USER));
    args.extend(["--oauth-token-env".into(), "MXRAY_TEST_UNSET_VAR".into()]);
    args.extend(net_args());
    let run = mxray(&args, &[]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("MXRAY_TEST_UNSET_VAR"),
        "{}",
        run.stderr
    );
}

// ───────────────────────────── no secret anywhere ─────────────────────────────

/// A server that refuses every login and echoes back what it received, raw and decoded.
fn echoing(mechanisms: &str) -> Server {
    Server::start(Persona {
        echo: true,
        sending: Sending::accepting("250 2.0.0 Ok"),
        ..plain_server(mechanisms)
    })
}

/// Runs `mxray check` with the settings from `how`, in JSON with --save, and in human form
/// with the transcript; nothing printed or saved shows the secret in any form.
fn assert_secret_never_shown(how: &str, secret: &str, mechanisms: &str, auth_mech: Option<&str>) {
    let server = echoing(mechanisms);
    let dir = tempfile::tempdir().unwrap();
    let port = server.port.to_string();
    let mut env: Vec<(&str, String)> = Vec::new();
    let mut settings: Vec<String> = Vec::new();
    match how {
        "--password-env" => {
            settings.extend(endpoint_args(server.port, USER));
            settings.extend(["--password-env".into(), "MXRAY_TEST_SECRET".into()]);
            env.push(("MXRAY_TEST_SECRET", secret.into()));
        }
        "--oauth-token-env" => {
            settings.extend(endpoint_args(server.port, USER));
            settings.extend(["--oauth-token-env".into(), "MXRAY_TEST_SECRET".into()]);
            env.push(("MXRAY_TEST_SECRET", secret.into()));
        }
        "--env" => {
            settings.push("--env".into());
            env.extend([
                ("SMTP_HOST", "127.0.0.1".to_string()),
                ("SMTP_PORT", port.clone()),
                ("SMTP_USER", USER.to_string()),
                ("SMTP_PASSWORD", secret.to_string()),
            ]);
        }
        "--env-file" => {
            let file = dir.path().join(".env");
            std::fs::write(
                &file,
                format!(
                    "MAIL_HOST=127.0.0.1\nMAIL_PORT={port}\nMAIL_ENCRYPTION=tls\nMAIL_USERNAME={USER}\nMAIL_PASSWORD=\"{secret}\"\n"
                ),
            )
            .unwrap();
            settings.extend(["--env-file".into(), file.to_str().unwrap().into()]);
        }
        "url" => {
            let enc = |s: &str| {
                s.replace('%', "%25")
                    .replace(':', "%3A")
                    .replace('@', "%40")
            };
            settings.push(format!(
                "smtp://{}:{}@127.0.0.1:{port}?encryption=tls",
                enc(USER),
                enc(secret)
            ));
        }
        _ => unreachable!(),
    }
    if let Some(m) = auth_mech {
        settings.extend(["--auth-mech".into(), m.into()]);
    }
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let saved = dir.path().join("report.json");
    let mut outputs = Vec::new();
    for format in [
        vec!["--format", "json", "--save", saved.to_str().unwrap()],
        vec!["--transcript", "--color", "never"],
        vec!["--format", "json", "-v"],
    ] {
        let mut args = vec!["check".to_string()];
        args.extend(settings.iter().cloned());
        args.extend(net_args());
        args.extend(format.iter().map(|s| s.to_string()));
        let run = mxray(&args, &env);
        assert_eq!(run.code, 1, "{how}: {}{}", run.stdout, run.stderr);
        outputs.push(run.stdout);
        outputs.push(run.stderr);
    }
    outputs.push(std::fs::read_to_string(&saved).unwrap());
    let report: Report = serde_json::from_str(&outputs[0]).unwrap();
    let l = login(&report);
    let reply = l.reply.as_ref().expect("the login was tried");
    // The server did echo: the masks are what kept the secret out.
    assert!(
        reply
            .lines
            .iter()
            .any(|t| t.contains("you sent") && t.contains("***")),
        "{how}: {reply:?}"
    );
    let human = &outputs[2];
    assert!(human.contains("you sent"), "{how}: {human}");
    for text in &outputs {
        assert_no_secret(secret, USER, server.port, text);
    }
    let log = server.log().join("\n");
    assert!(
        secret_forms(secret, USER, server.port)
            .iter()
            .any(|f| log.contains(f)),
        "{how}: the server did not receive the secret: {log}"
    );
}

const SECRET: &str = "Sec:ret@Pw-91x";

#[test]
fn no_secret_from_password_env() {
    assert_secret_never_shown("--password-env", SECRET, "PLAIN LOGIN", None);
    assert_secret_never_shown("--password-env", SECRET, "PLAIN LOGIN", Some("LOGIN"));
    assert_secret_never_shown("--password-env", SECRET, "PLAIN LOGIN", Some("LOGIN-IR"));
    assert_secret_never_shown("--password-env", SECRET, "CRAM-MD5", Some("CRAM-MD5"));
}

#[test]
fn no_secret_from_the_environment() {
    assert_secret_never_shown("--env", SECRET, "PLAIN LOGIN", None);
}

#[test]
fn no_secret_from_an_env_file() {
    assert_secret_never_shown("--env-file", SECRET, "PLAIN LOGIN", None);
}

#[test]
fn no_secret_from_a_url_on_the_command_line() {
    assert_secret_never_shown("url", SECRET, "PLAIN LOGIN", None);
}

#[test]
fn no_token_from_oauth_token_env() {
    assert_secret_never_shown("--oauth-token-env", SECRET, "XOAUTH2", None);
    assert_secret_never_shown("--oauth-token-env", SECRET, "OAUTHBEARER", None);
}

#[test]
fn saved_evidence_gives_the_same_provider_fix_offline() {
    let server = Server::start(gmail().answering(&[
        "534-5.7.9 Application-specific password required.",
        "534 5.7.9 Learn more - gsmtp",
    ]));
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("check.json");
    let (live, _) = check(&server, USER, BAD, &["--save", saved.to_str().unwrap()]);
    drop(server);
    let run = mxray(
        &[
            "diagnose".into(),
            saved.to_str().unwrap().into(),
            "--format".into(),
            "json".into(),
        ],
        &[],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let offline: Report = serde_json::from_str(&run.stdout).unwrap();
    let (a, b) = (
        finding(&live, "auth.app-password-required"),
        finding(&offline, "auth.app-password-required"),
    );
    assert_eq!(a.fix, b.fix);
    // The reverse lookup was answered by the loopback DNS server, not the system's.
    assert!(DNS_QUERIES.load(std::sync::atomic::Ordering::SeqCst) > 0);
    assert!(finding(&live, "dns.ptr-missing")
        .evidence
        .iter()
        .any(|e| e.contains("NXDOMAIN")));
    assert!(b.fix.contains(GMAIL_APP_PW));
    assert!(
        b.evidence
            .iter()
            .any(|e| e.contains("Gmail") && e.contains("smtp.gmail.com")),
        "{:?}",
        b.evidence
    );
}

#[test]
fn an_unexpected_prompt_is_cancelled() {
    // The server prompts again after PLAIN's initial response: mxray cancels with `*`
    // (RFC 4954 §4) instead of sending anything more. The reply to the cancel (here 502)
    // says nothing of the credentials: the login never completed.
    let server = Server::start(plain_server("PLAIN LOGIN").answering(&["334 "]));
    let (r, status) = check(&server, USER, GOOD, &[]);
    assert_eq!(status, 1);
    assert_eq!(auth_codes(&r), vec!["auth.login-failed"]);
    assert_eq!(
        finding(&r, "auth.login-failed").summary,
        "the login (AUTH PLAIN) never completed: the server sent another challenge (334) after \
         the login's last line, so mxray cancelled with * (the server answered: 502 5.5.2 \
         Command not recognized)"
    );
    let log = server.log();
    let auth = log
        .iter()
        .position(|l| l.starts_with("AUTH PLAIN "))
        .unwrap();
    assert_eq!(log[auth + 1], "*", "{log:?}");
    assert_eq!(log[auth + 2], "QUIT", "{log:?}");
    let l = login(&r);
    assert!(l.reply.is_none() && !l.accepted);
    assert_eq!(client_lines(&r)[3..5], ["AUTH PLAIN ***", "*"]);
}

/// Arguments, environment and the words the error must hold.
type Case<'a> = (Vec<String>, Vec<(&'a str, &'a str)>, &'a str);

/// NUL (AUTH PLAIN's separator), CR and LF (line ends) in a username, password or token are
/// refused before anything is sent, with one line naming where the value came from and never
/// the value; exit 2.
#[test]
fn control_characters_in_credentials_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let env_file = dir.path().join(".env");
    std::fs::write(
        &env_file,
        "SMTP_HOST=127.0.0.1\nSMTP_PORT=587\nSMTP_USER=alice@example.com\nSMTP_PASSWORD=Qz7k\0Xw9j\n",
    )
    .unwrap();
    let env_path = env_file.to_str().unwrap().to_string();
    let cases: Vec<Case> = vec![
        (
            vec!["smtp://alice:Qz7k%0AXw9j@127.0.0.1:587".into()],
            vec![],
            "the password from the URL contains a line feed (LF)",
        ),
        (
            vec!["smtp://ali%0Dce:Qz7kXw9j@127.0.0.1:587".into()],
            vec![],
            "the username from the URL contains a carriage return (CR)",
        ),
        (
            endpoint_args(587, USER)
                .into_iter()
                .chain(["--password-env".into(), "PW".into()])
                .collect(),
            vec![("PW", "Qz7k\r\nXw9j")],
            "the password from --password-env PW contains a carriage return (CR)",
        ),
        (
            endpoint_args(587, USER)
                .into_iter()
                .chain(["--oauth-token-env".into(), "TOKEN".into()])
                .collect(),
            vec![("TOKEN", "ya29.Qz7k\nXw9j")],
            "the OAuth token from --oauth-token-env TOKEN contains a line feed (LF)",
        ),
        (
            vec!["--env-file".into(), env_path.clone()],
            vec![],
            "the password from SMTP_PASSWORD in ",
        ),
    ];
    for (args, env, words) in cases {
        let mut all = vec!["check".to_string()];
        all.extend(args);
        all.extend(net_args());
        let run = mxray(&all, &env);
        assert_eq!(run.code, 2, "{words}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{}", run.stdout);
        let err = run.stderr.trim_end();
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(words), "{words}: {err}");
        assert!(
            err.contains("which no login can carry (NUL separates the fields of AUTH PLAIN, CR and LF end a command): remove it"),
            "{err}"
        );
        for part in ["Qz7k", "Xw9j"] {
            assert!(!err.contains(part), "the secret was echoed: {err}");
        }
    }
}
