use super::*;
use crate::diagnose::fixtures::client_settings;
use crate::evidence::check::CheckEvidence;
use crate::evidence::ServerEvidence;

fn ev(protocol: Protocol, host: &str, port: &str, security: &str, user: &str) -> CheckEvidence {
    let mut settings = client_settings(protocol, host, port, security, user);
    settings.password_given = false;
    CheckEvidence {
        settings,
        configured: None,
        alternatives: None,
        from_domain: None,
        provider: None,
        discovery: None,
    }
}

fn smtp(host: &str, port: &str, security: &str) -> CheckEvidence {
    ev(Protocol::Smtp, host, port, security, "alice@gmail.com")
}

fn run(ev: &CheckEvidence) -> Vec<Finding> {
    let mut out = Vec::new();
    findings(ev, &mut out);
    out
}

fn codes(ev: &CheckEvidence) -> Vec<String> {
    run(ev).into_iter().map(|f| f.code).collect()
}

/// The configured endpoint as probed: no address (the name did not resolve), or one probe on
/// `port` that got a greeting and, when `login` is given, a login with that outcome.
fn probed(ev: &mut CheckEvidence, port: Option<u16>, login: Option<bool>) {
    let mut probes = Vec::new();
    if let Some(port) = port {
        let mut p: PortProbe = serde_json::from_value(serde_json::json!({
            "address": "192.0.2.1", "port": port, "role": "submission", "explicit": true,
            "phases": [{"phase": "connect", "start_ms": 0, "duration_ms": 1, "outcome": {"kind": "ok"}}],
            "duration_ms": 1, "transcript": [],
            "greeting": {"code": 220, "lines": ["220 smtp.gmail.com ESMTP"]},
        }))
        .unwrap();
        if let Some(ok) = login {
            p.login = Some(serde_json::from_value(serde_json::json!({
                "mechanism": "PLAIN", "initial_response": true, "offered": ["PLAIN"],
                "reply": {"code": if ok { 235 } else { 535 }, "lines": [if ok { "235 2.7.0 Accepted" } else { "535 5.7.8 no" }]},
                "accepted": ok,
            }))
            .unwrap());
        }
        probes.push(p);
    }
    // A real saved run's endpoint, with this test's probes.
    let saved: serde_json::Value =
        serde_json::from_str(include_str!("../../fixtures/check/wrong-password.json")).unwrap();
    let mut server: ServerEvidence =
        serde_json::from_value(saved["evidence"]["configured"].clone()).unwrap();
    server.probes = probes;
    ev.configured = Some(server);
}

#[test]
fn an_undocumented_port_is_wrong_from_the_knowledge_base_alone() {
    let e = smtp("smtp.gmail.com", "25", "starttls");
    let f = run(&e);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].code, "config.wrong-port");
    assert_eq!(f[0].severity, Severity::Error);
    assert_eq!(f[0].subject, "smtp.gmail.com:25");
    assert_eq!(
        f[0].summary,
        "Google Mail does not take SMTP clients on port 25"
    );
    assert!(f[0].evidence[0].contains("smtp.gmail.com:465 SSL/TLS, smtp.gmail.com:587 STARTTLS"));
    assert_eq!(
        f[0].fix,
        "Set the port to 465 with SSL/TLS (server smtp.gmail.com), as Google Mail documents for mail clients."
    );
    assert!(f[0]
        .evidence
        .iter()
        .any(|l| l.contains("nothing was probed")));
}

#[test]
fn an_unreachable_server_still_gets_the_provider_answer() {
    let mut e = smtp("smtp.gmail.com", "25", "starttls");
    probed(&mut e, None, None);
    let f = run(&e);
    assert_eq!(f[0].code, "config.wrong-port");
    assert_eq!(f[0].severity, Severity::Error);
    assert!(f[0]
        .evidence
        .iter()
        .any(|l| l.contains("could not be reached (its name did not resolve)")));
}

#[test]
fn a_port_that_answered_contradicts_the_knowledge_base_and_says_so() {
    let mut e = smtp("smtp.gmail.com", "25", "starttls");
    probed(&mut e, Some(25), None);
    let f = run(&e);
    assert_eq!(f[0].severity, Severity::Warning);
    assert!(f[0].evidence.iter().any(|l| l.contains("contradicts")));
    let mut e = smtp("smtp.gmail.com", "25", "starttls");
    probed(&mut e, Some(25), Some(true));
    let f = run(&e);
    assert_eq!(f[0].severity, Severity::Info);
    assert!(f[0]
        .evidence
        .iter()
        .any(|l| l.contains("the login worked on port 25")));
    // A refused login is no contradiction.
    let mut e = smtp("smtp.gmail.com", "25", "starttls");
    probed(&mut e, None, None);
    assert_eq!(run(&e)[0].severity, Severity::Error);
}

#[test]
fn documented_settings_raise_nothing() {
    assert!(codes(&smtp("smtp.gmail.com", "587", "starttls")).is_empty());
    assert!(codes(&smtp("smtp.gmail.com", "465", "implicit")).is_empty());
    assert!(codes(&smtp("SMTP.Gmail.com.", "465", "implicit")).is_empty());
    assert!(codes(&smtp("mail.example.com", "25", "starttls")).is_empty());
}

#[test]
fn a_port_the_provider_refuses_names_the_reason() {
    let f = run(&smtp("smtp.office365.com", "465", "implicit"));
    assert_eq!(f[0].code, "config.wrong-port");
    assert!(f[0]
        .evidence
        .iter()
        .any(|l| l.contains("465 is not supported for client submission")));
    assert!(f[0].fix.contains("587 with STARTTLS"));
}

#[test]
fn the_reading_server_as_the_sending_server_is_the_wrong_host() {
    let f = run(&smtp("imap.gmail.com", "587", "starttls"));
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].code, "config.wrong-host");
    assert_eq!(
        f[0].summary,
        "imap.gmail.com is Google Mail's IMAP server, not its SMTP server"
    );
    assert!(f[0]
        .fix
        .starts_with("Set the SMTP server to smtp.gmail.com"));
    let f = run(&ev(
        Protocol::Imap,
        "smtp.gmail.com",
        "993",
        "implicit",
        "a@gmail.com",
    ));
    assert_eq!(f[0].code, "config.wrong-host");
    assert!(f[0].fix.contains("imap.gmail.com"));
}

#[test]
fn reading_ports_are_judged_against_the_provider_too() {
    let f = run(&ev(
        Protocol::Imap,
        "imap.gmail.com",
        "143",
        "starttls",
        "a@gmail.com",
    ));
    assert_eq!(f[0].code, "config.wrong-port");
    assert!(f[0].fix.contains("993 with SSL/TLS"));
    assert!(codes(&ev(
        Protocol::Imap,
        "imap.gmail.com",
        "993",
        "implicit",
        "a@gmail.com"
    ))
    .is_empty());
}

#[test]
fn a_password_for_an_oauth_only_provider_fails_without_a_probe() {
    let mut e = smtp("smtp-mail.outlook.com", "587", "starttls");
    e.settings.password_given = true;
    let f = run(&e);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].code, "auth.oauth-required");
    assert_eq!(f[0].severity, Severity::Error);
    // The live reply decides once a login was tried; a worked login is a contradiction.
    probed(&mut e, Some(587), Some(false));
    assert!(codes(&e).is_empty());
    probed(&mut e, Some(587), Some(true));
    let f = run(&e);
    assert_eq!(f[0].severity, Severity::Info);
    // A token is what OAuth needs.
    let mut e = smtp("smtp-mail.outlook.com", "587", "starttls");
    e.settings.password_given = true;
    e.settings.oauth_token_given = true;
    assert!(codes(&e).is_empty());
}

#[test]
fn a_password_that_cannot_be_an_app_password_is_caught_before_the_login() {
    let mut e = smtp("smtp.gmail.com", "587", "starttls");
    e.settings.password_given = true;
    e.settings.password_shape = Some(PasswordShape::of("my-account-password1"));
    let f = run(&e);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].code, "auth.app-password-required");
    assert!(f[0].evidence.iter().any(|l| l.contains("never its value")));
    for good in [
        "abcdefghijklmnop",
        "abcd efgh ijkl mnop",
        "abcd-efgh-ijkl-mnop",
    ] {
        e.settings.password_shape = Some(PasswordShape::of(good));
        assert!(codes(&e).is_empty(), "{good}");
    }
    // A provider whose app passwords have no known form: nothing to say before the login.
    let mut e = smtp("smtp.fastmail.com", "465", "implicit");
    e.settings.password_given = true;
    e.settings.password_shape = Some(PasswordShape::Other);
    assert!(codes(&e).is_empty());
}

#[test]
fn password_shapes() {
    assert_eq!(
        PasswordShape::of("abcdefghijklmnop"),
        PasswordShape::Letters16
    );
    assert_eq!(
        PasswordShape::of("ABCD efgh ijkl mnop"),
        PasswordShape::Letters16
    );
    assert_eq!(
        PasswordShape::of("abcd-efgh-ijkl-mnop"),
        PasswordShape::HyphenatedLetters16
    );
    assert_eq!(PasswordShape::of("abcdefghijklmno1"), PasswordShape::Other);
    assert_eq!(PasswordShape::of("abcdefghijklmnopq"), PasswordShape::Other);
    assert_eq!(PasswordShape::of(""), PasswordShape::Other);
}
