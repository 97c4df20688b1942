//! `mxray check --send-to` and the From-domain check against the real rig: the message is
//! accepted by Postfix and lands in alice's Maildir; refusals at MAIL FROM and RCPT TO; the From
//! domain's SPF judged for the submission host; the provider's rules shown from the knowledge
//! base.

mod common;

use common::check::{assert_no_password, check_json_env, run_env};
use common::rig::{codes, Rig};
use mxray::evidence::{PortProbe, SendAttempt};
use mxray::findings::Severity;
use mxray::report::{Body, Report};
use std::time::{Duration, Instant};

const SUBMISSION: &str = "smtp://alice%40mxray.test@mail.mxray.test:587";

fn with_password(rig: &Rig, args: &[&str], password_var: &str) -> (Report, i32) {
    let mut all = args.to_vec();
    all.extend(["--password-env", "MXRAY_TEST_PW"]);
    check_json_env(rig, &all, &[("MXRAY_TEST_PW", rig.var(password_var))])
}

fn configured(r: &Report) -> Vec<PortProbe> {
    let Body::Check(ev) = &r.body else {
        panic!("not a check report")
    };
    ev.configured.as_ref().unwrap().probes.clone()
}

/// The one test message; no other connection (alternatives included) sent MAIL FROM.
fn the_send(r: &Report) -> SendAttempt {
    let Body::Check(ev) = &r.body else { panic!() };
    for p in &ev.alternatives.as_ref().unwrap().probes {
        assert!(p.send.is_none());
        assert!(!p.transcript.iter().any(|l| l.text.starts_with("MAIL")));
    }
    let sends: Vec<SendAttempt> = configured(r)
        .iter()
        .filter_map(|p| p.send.clone())
        .collect();
    assert_eq!(sends.len(), 1, "{sends:#?}");
    sends[0].clone()
}

/// Waits (bounded) for a message with this Message-ID in the Maildir's new/ and returns it.
fn delivered(rig: &Rig, message_id: &str) -> Option<String> {
    let dir = std::path::Path::new(rig.var("MXRAY_RIG_MAILDIR")).join("new");
    let until = Instant::now() + Duration::from_secs(30);
    while Instant::now() < until {
        for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let text = std::fs::read_to_string(e.path()).unwrap_or_default();
            if text.contains(&format!("Message-ID: {message_id}")) {
                return Some(text);
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    None
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn right_settings_send_and_the_message_lands_in_the_mailbox() {
    let rig = Rig::get();
    let (r, code) = with_password(
        &rig,
        &[SUBMISSION, "--send-to", "alice@mxray.test"],
        "MXRAY_RIG_PASSWORD",
    );
    assert_eq!(code, 0, "{:#?}", r.findings);
    assert!(codes(&r).is_empty(), "{:?}", codes(&r));
    let s = the_send(&r);
    assert!(s.accepted, "{s:#?}");
    assert_eq!(s.from, "alice@good.mxray.test");
    assert_eq!(s.to, "alice@mxray.test");
    assert_eq!(s.final_reply.as_ref().unwrap().code, Some(250));
    let queue_id = s.queue_id.clone().expect("Postfix names its queue id");
    assert!(
        s.final_reply.as_ref().unwrap().text().contains(&queue_id),
        "{s:#?}"
    );
    assert!(
        s.message_id.starts_with("<mxray.") && s.message_id.ends_with("@good.mxray.test>"),
        "{}",
        s.message_id
    );
    let msg = delivered(&rig, &s.message_id).expect("the test message reached alice's Maildir");
    assert!(msg.contains("Subject: mxray test message"), "{msg}");
    assert!(msg.contains("From: <alice@good.mxray.test>"), "{msg}");
    // Postfix's Received header names the queue id it reported.
    assert!(msg.contains(&queue_id), "{msg}");
    // Login, then exactly one transaction; the transcript never shows the message body.
    let p = configured(&r)
        .into_iter()
        .find(|p| p.send.is_some())
        .unwrap();
    let commands: Vec<&str> = p
        .transcript
        .iter()
        .filter(|l| l.dir == mxray::evidence::Direction::Client)
        .map(|l| l.text.as_str())
        .collect();
    let from = commands
        .iter()
        .position(|c| c.starts_with("MAIL FROM:"))
        .unwrap();
    assert_eq!(
        &commands[from..from + 3],
        &[
            "MAIL FROM:<alice@good.mxray.test>",
            "RCPT TO:<alice@mxray.test>",
            "DATA"
        ]
    );
    assert!(commands.iter().any(|c| c.starts_with("(test message: ")));
    assert!(!commands.iter().any(|c| c.contains("This message was sent")));
    // Two runs, two Message-IDs.
    let (again, _) = with_password(
        &rig,
        &[SUBMISSION, "--send-to", "alice@mxray.test"],
        "MXRAY_RIG_PASSWORD",
    );
    assert_ne!(the_send(&again).message_id, s.message_id);
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn without_send_to_nothing_is_sent() {
    let rig = Rig::get();
    let (r, code) = with_password(&rig, &[SUBMISSION], "MXRAY_RIG_PASSWORD");
    assert_eq!(code, 0, "{:#?}", r.findings);
    for p in configured(&r) {
        assert!(p.send.is_none());
        assert!(!p
            .transcript
            .iter()
            .any(|l| l.text.starts_with("MAIL") || l.text == "DATA"));
    }
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn a_wrong_password_sends_nothing() {
    let rig = Rig::get();
    let (r, code) = with_password(
        &rig,
        &[SUBMISSION, "--send-to", "alice@mxray.test"],
        "MXRAY_RIG_PASSWORD2",
    );
    assert_eq!(code, 1);
    assert_eq!(codes(&r), vec!["auth.bad-credentials"]);
    let p = configured(&r)
        .into_iter()
        .find(|p| p.login.is_some())
        .unwrap();
    assert!(p.send.is_none());
    assert!(p.transcript.iter().any(|l| l
        .text
        .contains("test message not sent: the login did not succeed")));
    assert!(!p.transcript.iter().any(|l| l.text.starts_with("MAIL")));
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn sending_as_another_users_address_is_sender_not_owned() {
    let rig = Rig::get();
    // bob logs in and sends as alice: Postfix's reject_known_sender_login_mismatch.
    let (r, code) = with_password(
        &rig,
        &[
            "smtp://bob%40mxray.test@mail.mxray.test:587",
            "--from",
            "alice@mxray.test",
            "--send-to",
            "bob@mxray.test",
        ],
        "MXRAY_RIG_PASSWORD2",
    );
    assert_eq!(code, 1);
    let s = the_send(&r);
    assert!(!s.accepted);
    // Postfix judges the sender at RCPT TO (smtpd_delay_reject): 553 5.7.1 there.
    assert_eq!(s.mail_reply.as_ref().unwrap().code, Some(250));
    let rcpt = s.rcpt_reply.as_ref().unwrap();
    assert_eq!(rcpt.code, Some(553), "{rcpt:?}");
    assert!(
        rcpt.text().contains("not owned by user bob@mxray.test"),
        "{rcpt:?}"
    );
    assert!(s.data_reply.is_none());
    let f = r
        .findings
        .iter()
        .find(|f| f.code == "auth.sender-not-owned")
        .expect("auth.sender-not-owned");
    assert!(
        f.evidence
            .iter()
            .any(|e| e.starts_with("RCPT TO:<bob@mxray.test> → 553")),
        "{f:?}"
    );
    assert!(!codes(&r).contains(&"smtp.message-rejected".to_string()));
    // RSET before QUIT after the refusal.
    let p = configured(&r)
        .into_iter()
        .find(|p| p.send.is_some())
        .unwrap();
    assert!(p.transcript.iter().any(|l| l.text == "RSET"));
    // The From domain mxray.test has no SPF: an error when a message is sent.
    let spf = r.findings.iter().find(|f| f.code == "spf.missing").unwrap();
    assert_eq!(spf.severity, Severity::Error);
    // The human report does not call a refused message verified.
    let mut args: Vec<String> = vec![
        "check".into(),
        "smtp://bob%40mxray.test@mail.mxray.test:587".into(),
        "--from".into(),
        "alice@mxray.test".into(),
        "--send-to".into(),
        "bob@mxray.test".into(),
        "--password-env".into(),
        "MXRAY_TEST_PW".into(),
        "--color".into(),
        "never".into(),
    ];
    args.extend(rig.base_args());
    let (_, stdout, _) = run_env(&args, &[("MXRAY_TEST_PW", rig.var("MXRAY_RIG_PASSWORD2"))]);
    assert!(
        stdout.contains(
            "(verified live; the login worked, the test message was refused: see the findings)"
        ),
        "{stdout}"
    );
    assert_no_password(&rig, &stdout);
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn an_unknown_recipient_is_message_rejected_at_rcpt() {
    let rig = Rig::get();
    let (r, code) = with_password(
        &rig,
        &[SUBMISSION, "--send-to", "nobody@mxray.test"],
        "MXRAY_RIG_PASSWORD",
    );
    assert_eq!(code, 1);
    assert_eq!(codes(&r), vec!["smtp.message-rejected"]);
    let s = the_send(&r);
    assert_eq!(s.rcpt_reply.as_ref().unwrap().code, Some(550));
    assert!(s.data_reply.is_none() && !s.accepted);
    let f = &r.findings[0];
    assert!(f.summary.contains("RCPT TO:<nobody@mxray.test>"), "{f:?}");
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn from_domain_whose_spf_excludes_the_submission_server() {
    let rig = Rig::get();
    // daneok.mxray.test: `v=spf1 mx -all` with its MX at 127.0.0.31, not the mail host.
    let (r, code) = check_json_env(&rig, &[SUBMISSION, "--from", "news@daneok.mxray.test"], &[]);
    assert_eq!(code, 1);
    assert_eq!(codes(&r), vec!["spf.sender-not-permitted"]);
    let f = &r.findings[0];
    assert_eq!(f.subject, "daneok.mxray.test");
    assert!(f.summary.contains("mail.mxray.test (127.0.0.10)"), "{f:?}");
    assert!(f
        .evidence
        .iter()
        .any(|e| e == "check_host(127.0.0.10, daneok.mxray.test, news@daneok.mxray.test) = fail after 1 DNS lookups"));
    let Body::Check(ev) = &r.body else { panic!() };
    let fd = ev.from_domain.as_ref().unwrap();
    assert_eq!(fd.address.source, "--from");
    assert_eq!(fd.evaluations[0].result, "fail");
    // No password: nothing logged in, nothing sent.
    assert!(configured(&r)
        .iter()
        .all(|p| p.login.is_none() && p.send.is_none()));
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn from_domain_without_spf_or_dmarc_is_reported_from_the_username() {
    let rig = Rig::get();
    // The username alice@mxray.test is the From address when --from is not given.
    let mut args: Vec<String> = vec!["check".into(), SUBMISSION.into()];
    args.extend(rig.base_args());
    args.extend(["-4".into(), "--format".into(), "json".into()]);
    let (code, stdout, stderr) = run_env(&args, &[]);
    assert_eq!(code, 0, "{stderr}");
    let r: Report = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        codes(&r),
        vec!["dkim.not-found", "dmarc.missing", "spf.missing"]
    );
    let spf = r.findings.iter().find(|f| f.code == "spf.missing").unwrap();
    assert_eq!(spf.severity, Severity::Warning);
    // The fix names the user's own domain, not a placeholder.
    let dmarc = r
        .findings
        .iter()
        .find(|f| f.code == "dmarc.missing")
        .unwrap();
    assert!(
        dmarc.fix.contains("`_dmarc.mxray.test`") && dmarc.fix.contains("mailto:dmarc@mxray.test"),
        "{}",
        dmarc.fix
    );
    assert!(spf
        .evidence
        .iter()
        .any(|e| e.contains("From domain mxray.test, of alice@mxray.test (from")));
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn send_to_needs_a_login_and_a_valid_address() {
    let rig = Rig::get();
    let run = |extra: &[&str]| {
        let mut args: Vec<String> = vec!["check".into(), SUBMISSION.into()];
        args.extend(extra.iter().map(|s| s.to_string()));
        args.extend(rig.base_args());
        run_env(&args, &[("MXRAY_TEST_PW", rig.var("MXRAY_RIG_PASSWORD"))])
    };
    let (code, _, stderr) = run(&["--send-to", "alice@mxray.test"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--send-to needs a login"), "{stderr}");
    let (code, _, stderr) = run(&[
        "--send-to",
        "alice@mxray.test>\r\nRCPT TO:<x@y.z",
        "--password-env",
        "MXRAY_TEST_PW",
    ]);
    assert_eq!(code, 2);
    assert!(stderr.contains("not a usable e-mail address"), "{stderr}");
    assert_no_password(&rig, &stderr);
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn the_provider_of_the_username_brings_its_rules() {
    let rig = Rig::get();
    // A gmail.com username on a host the knowledge base does not know: matched by the domain.
    let (r, _) = check_json_env(&rig, &["smtp://alice%40gmail.com@mail.mxray.test:587"], &[]);
    let Body::Check(ev) = &r.body else { panic!() };
    let p = ev.provider.as_ref().expect("provider view");
    assert_eq!(p.matched_by, "address domain gmail.com");
    assert!(
        p.servers
            .iter()
            .any(|s| s.starts_with("smtp.gmail.com:465")),
        "{:?}",
        p.servers
    );
    let rule = p
        .rules
        .iter()
        .find(|r| r.kind == "app_password_or_oauth")
        .expect("Google's app-password rule");
    assert!(rule.text.contains("app password"), "{}", rule.text);
    assert!(!rule.source.is_empty() && !rule.verified.is_empty());
    // The human report lists them under the provider's name.
    let mut args: Vec<String> = vec![
        "check".into(),
        "smtp://alice%40gmail.com@mail.mxray.test:587".into(),
        "--from".into(),
        common::check::CLEAN_FROM.into(),
        "--color".into(),
        "never".into(),
    ];
    args.extend(rig.base_args());
    let (_, stdout, _) = run_env(&args, &[]);
    assert!(
        stdout.contains("Provider Google Mail (recognised by address domain gmail.com"),
        "{stdout}"
    );
    assert!(stdout.contains("verified: undated"), "{stdout}");
}
