//! `mxray check --send-to` with internationalised addresses (RFC 6531) against in-process
//! servers: a UTF-8 local part goes with the SMTPUTF8 parameter to a server that offers it, and
//! never to one that does not (reported as smtp.smtputf8-missing). An internationalised domain
//! alone needs nothing: its A-label form is sent.

mod common;

use common::fake_provider::*;
use mxray::findings::Severity;
use mxray::report::{Body, Report};

fn send(r: &Report) -> mxray::evidence::SendAttempt {
    let Body::Check(ev) = &r.body else { panic!() };
    ev.configured
        .as_ref()
        .unwrap()
        .probes
        .iter()
        .find_map(|p| p.send.clone())
        .expect("a send attempt")
}

#[test]
fn a_utf8_sender_goes_with_smtputf8_where_it_is_offered() {
    let server = Server::start(gmail());
    let (r, _) = check(
        &server,
        USER,
        GOOD,
        &[
            "--send-to",
            "bob@example.net",
            "--from",
            "jürgen@bücher.example",
        ],
    );
    let s = send(&r);
    assert_eq!(s.smtputf8, Some(true));
    assert_eq!(s.from, "jürgen@xn--bcher-kva.example");
    assert!(s.accepted, "{:#?}", r.findings);
    let log = server.log();
    assert!(
        log.iter()
            .any(|l| l == "MAIL FROM:<jürgen@xn--bcher-kva.example> SMTPUTF8"),
        "{log:?}"
    );
    assert!(!r.findings.iter().any(|f| f.code == "smtp.smtputf8-missing"));
}

#[test]
fn a_utf8_recipient_is_never_handed_to_a_server_without_smtputf8() {
    let server = Server::start(plain_server("PLAIN LOGIN"));
    let (r, code) = check(
        &server,
        USER,
        GOOD,
        &["--send-to", "почта@example.net", "--from", USER],
    );
    assert_eq!(code, 1);
    let s = send(&r);
    assert_eq!(s.smtputf8, Some(false));
    assert!(!s.accepted);
    let f = r
        .findings
        .iter()
        .find(|f| f.code == "smtp.smtputf8-missing")
        .expect("smtp.smtputf8-missing");
    assert_eq!(f.severity, Severity::Error);
    assert!(
        f.summary.contains("the recipient почта@example.net"),
        "{}",
        f.summary
    );
    assert!(f.evidence.iter().any(|l| l.contains("was not sent")));
    assert!(!server.log().iter().any(|l| l.starts_with("MAIL FROM")));
    // Not also blamed on the server refusing the message.
    assert!(!r.findings.iter().any(|f| f.code == "smtp.message-rejected"));
}

#[test]
fn a_utf8_sender_is_caught_without_sending_anything() {
    let server = Server::start(plain_server("PLAIN LOGIN"));
    let (r, code) = check(&server, USER, GOOD, &["--from", "jürgen@example.com"]);
    assert_eq!(code, 1);
    let f = r
        .findings
        .iter()
        .find(|f| f.code == "smtp.smtputf8-missing")
        .expect("smtp.smtputf8-missing");
    assert!(
        f.summary.contains("the sender jürgen@example.com"),
        "{}",
        f.summary
    );
}

#[test]
fn an_internationalised_domain_alone_needs_no_smtputf8() {
    let server = Server::start(plain_server("PLAIN LOGIN"));
    let (r, _) = check(
        &server,
        USER,
        GOOD,
        &["--send-to", "bob@почта.example", "--from", USER],
    );
    let s = send(&r);
    assert_eq!(s.smtputf8, None);
    assert_eq!(s.to, "bob@xn--80a1acny.example");
    assert!(server
        .log()
        .iter()
        .any(|l| l == "RCPT TO:<bob@xn--80a1acny.example>"));
    assert!(!r.findings.iter().any(|f| f.code == "smtp.smtputf8-missing"));
}
