//! `mxray check --send-to` against in-process servers that speak like big providers after the
//! login: Gmail's and Microsoft's acceptance replies (their message references read as the queue
//! id), Exchange Online's "send as" refusal (5.7.60), a size refusal after the message, and a
//! server that goes silent after the final dot. The real binary, JSON schema-checked, no secret
//! in any output.

mod common;

use common::fake_provider::*;
use mxray::evidence::SendAttempt;
use mxray::report::{Body, Report};

const TO: &str = "bob@example.net";

fn send_check(p: Persona) -> (Report, i32, Server) {
    let server = Server::start(p);
    let (r, code) = check(&server, USER, GOOD, &["--send-to", TO, "--from", USER]);
    (r, code, server)
}

fn the_send(r: &Report) -> SendAttempt {
    let Body::Check(ev) = &r.body else { panic!() };
    let sends: Vec<_> = ev
        .configured
        .as_ref()
        .unwrap()
        .probes
        .iter()
        .filter_map(|p| p.send.clone())
        .collect();
    assert_eq!(sends.len(), 1);
    sends[0].clone()
}

/// Codes about the login and the message (the From domain, which the loopback DNS answers
/// NXDOMAIN for, and the fake server's own name have findings of their own).
fn send_codes(r: &Report) -> Vec<String> {
    r.findings
        .iter()
        .filter(|f| f.code.starts_with("auth.") || f.code == "smtp.message-rejected")
        .map(|f| f.code.clone())
        .collect()
}

#[test]
fn gmail_accepts_and_its_reference_is_the_queue_id() {
    let (r, _, server) = send_check(gmail());
    assert!(send_codes(&r).is_empty(), "{:#?}", r.findings);
    let s = the_send(&r);
    assert!(s.accepted);
    assert_eq!(s.queue_id.as_deref(), Some("a640c23a62f3a-ab7.12"));
    let log = server.log();
    assert!(
        log.iter().any(|l| l == &format!("MAIL FROM:<{USER}>")),
        "{log:?}"
    );
    assert!(log.iter().any(|l| l == &format!("RCPT TO:<{TO}>")));
    assert!(log
        .iter()
        .any(|l| l.starts_with("Message-ID: <mxray.") && l.ends_with("@example.com>")));
    assert!(log
        .iter()
        .any(|l| l.starts_with("message of ") && l.ends_with(" lines received")));
}

#[test]
fn microsoft_accepts_and_its_message_reference_is_kept() {
    let (r, _, _) = send_check(microsoft());
    let s = the_send(&r);
    assert!(s.accepted, "{s:#?}");
    assert_eq!(
        s.queue_id.as_deref(),
        Some("<SN4PR0501MB1234.namprd05.prod.outlook.com>")
    );
}

#[test]
fn exchange_send_as_refusal_is_sender_not_owned() {
    for (mail, label) in [
        (
            "550 5.7.60 SMTP; Client does not have permissions to send as this sender",
            "Microsoft's words",
        ),
        (
            "550 5.7.60 Client is not allowed to send as this sender address",
            "a variant",
        ),
    ] {
        let mut p = microsoft();
        p.sending.mail = vec![mail.into()];
        let (r, code, server) = send_check(p);
        assert_eq!(code, 1, "{label}");
        assert_eq!(
            send_codes(&r),
            vec!["auth.sender-not-owned"],
            "{label}: {:#?}",
            r.findings
        );
        let s = the_send(&r);
        assert!(!s.accepted && s.rcpt_reply.is_none(), "{label}");
        // Nothing past MAIL FROM, and the transaction reset before QUIT.
        let log = server.log();
        assert!(
            !log.iter().any(|l| l.starts_with("RCPT") || l == "DATA"),
            "{log:?}"
        );
        assert!(log.iter().any(|l| l == "RSET"), "{log:?}");
    }
}

#[test]
fn a_refusal_after_the_message_is_message_rejected() {
    let mut p = plain_server("PLAIN LOGIN");
    p.sending.after_data = Some(vec![
        "552 5.3.4 Message size exceeds fixed maximum message size".into(),
    ]);
    let (r, code, _) = send_check(p);
    assert_eq!(code, 1);
    assert_eq!(send_codes(&r), vec!["smtp.message-rejected"]);
    let f = r
        .findings
        .iter()
        .find(|f| f.code == "smtp.message-rejected")
        .unwrap();
    assert_eq!(
        f.summary,
        "the server refused the message: 552 5.3.4 Message size exceeds fixed maximum message size"
    );
    assert!(!the_send(&r).accepted);
}

#[test]
fn silence_after_the_message_ends_within_the_timeout() {
    let mut p = plain_server("PLAIN LOGIN");
    p.sending.after_data = None;
    let (r, code, _) = send_check(p);
    assert_eq!(code, 1);
    assert_eq!(send_codes(&r), vec!["smtp.message-rejected"]);
    let s = the_send(&r);
    assert_eq!(s.data_reply.as_ref().unwrap().code, Some(354));
    assert!(s.final_reply.is_none() && !s.accepted);
    let Body::Check(ev) = &r.body else { panic!() };
    let p = ev
        .configured
        .as_ref()
        .unwrap()
        .probes
        .iter()
        .find(|p| p.send.is_some())
        .unwrap();
    let send_phase = p
        .phases
        .iter()
        .rev()
        .find(|x| x.phase == mxray::evidence::PhaseName::Send)
        .unwrap();
    assert_eq!(send_phase.outcome, mxray::evidence::Outcome::Timeout);
}
