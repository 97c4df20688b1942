use super::*;
use crate::evidence::check::SettingValue;
use crate::evidence::domain::{DkimEvidence, DkimSelector, DmarcEvidence, SpfEvaluation};
use crate::evidence::{Lookup, LookupStatus, Reply};

fn lookup(name: &str, records: &[&str]) -> Lookup {
    Lookup {
        name: name.into(),
        rtype: "TXT".into(),
        status: if records.is_empty() {
            LookupStatus::NoRecords
        } else {
            LookupStatus::Ok
        },
        records: records.iter().map(|s| s.to_string()).collect(),
        duration_ms: 1,
        error: None,
    }
}

fn node(domain: &str, via: &str, record: &str, children: Vec<SpfNode>) -> SpfNode {
    SpfNode {
        domain: domain.into(),
        via: via.into(),
        lookup: lookup(domain, &[record]),
        records: vec![record.into()],
        term_lookups: vec![],
        children,
        stopped: None,
    }
}

fn eval(ip: &str, result: &str) -> SpfEvaluation {
    SpfEvaluation {
        ip: ip.parse().unwrap(),
        mail_from: "alice@example.com".into(),
        helo: "smtp.example.net".into(),
        result: result.into(),
        lookups: 1,
        void_lookups: 0,
        path: vec![
            "example.com: v=spf1 -all".into(),
            "  -all matches → fail".into(),
        ],
        explanation: None,
    }
}

/// A From domain with DKIM and a p=reject DMARC record, so only SPF matters.
fn from(spf: SpfNode, host: &str, provider: Option<(&str, &str)>) -> FromDomainEvidence {
    FromDomainEvidence {
        domain: "example.com".into(),
        address: SettingValue {
            value: "alice@example.com".into(),
            source: "--from".into(),
        },
        submission_host: host.into(),
        submission_provider: provider.map(|(p, _)| p.to_string()),
        provider_includes: provider.map(|(_, i)| vec![i.to_string()]).unwrap_or_default(),
        spf,
        evaluations: vec![],
        dmarc: DmarcEvidence {
            lookups: vec![lookup(
                "_dmarc.example.com",
                &["v=DMARC1; p=reject; rua=mailto:d@example.com"],
            )],
            report_auth: vec![],
        },
        dkim: DkimEvidence {
            given: false,
            selectors: vec![DkimSelector {
                selector: "google".into(),
                source: "provider Google Workspace".into(),
                lookup: lookup(
                    "google._domainkey.example.com",
                    &[concat!(
                        "v=DKIM1; k=rsa; p=",
                        "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEApaSTcZBqgfzyrYOw0uioYHRvEbg32Pxrw0XupuZTIHBpvf+pBV500IYEyPGCr+aqfCc2xf//FFjN40VTuYFIJUKZJgtvDQetzx3GC7j4LCneGAfd",
                        "vwaExW3A+YxLP3eXo8tONhZkjtHCVHRwr3nVkyTqxuGEPYGsvHCGkU27etBGX3Lh9ke31mUdkUF/KQfMAQLboMP1IvVYPDRFNXJt5QDwEO4KDo69ylzZknoxCbJKiEGKJiDOp53q+pOT3Ha232Dy7sEs5GRSiKq8L+B9nL8SXd/lAlpU/SCiGCGSn5tGDYshx8GdRUiN++OEAwf54Gf39ASj0mRzG/V6Uq7cgwIDAQAB"
                    )],
                ),
            }],
        },
        sending: false,
    }
}

fn codes(ev: &FromDomainEvidence) -> Vec<(String, Severity)> {
    let mut out = Vec::new();
    from_domain(ev, &mut out);
    out.into_iter().map(|f| (f.code, f.severity)).collect()
}

#[test]
fn the_provider_include_permits_the_provider_submission_host() {
    let tree = node(
        "example.com",
        "root",
        "v=spf1 include:_spf.google.com ~all",
        vec![node(
            "_spf.google.com",
            "include",
            "v=spf1 ip4:192.0.2.0/24 ~all",
            vec![],
        )],
    );
    let mut ev = from(
        tree,
        "smtp.gmail.com",
        Some(("Google Workspace", "_spf.google.com")),
    );
    // The submission host's own address failing does not matter: Google sends from its ranges.
    ev.evaluations = vec![eval("198.51.100.7", "softfail")];
    assert!(codes(&ev).is_empty(), "{:?}", codes(&ev));
}

#[test]
fn a_missing_provider_include_is_named_with_the_fix() {
    let tree = node("example.com", "root", "v=spf1 mx -all", vec![]);
    let mut ev = from(
        tree,
        "smtp.gmail.com",
        Some(("Google Workspace", "_spf.google.com")),
    );
    ev.evaluations = vec![eval("198.51.100.7", "fail")];
    let mut out = Vec::new();
    from_domain(&ev, &mut out);
    assert_eq!(out.len(), 1, "{out:#?}");
    let f = &out[0];
    assert_eq!(f.code, "spf.sender-not-permitted");
    assert_eq!(f.subject, "example.com");
    assert!(
        f.summary.contains("does not include _spf.google.com"),
        "{}",
        f.summary
    );
    assert!(f.fix.contains("include:_spf.google.com"), "{}", f.fix);
    assert!(f
        .evidence
        .iter()
        .any(|e| e == "check_host(198.51.100.7, example.com) = fail"));
    assert!(f
        .evidence
        .iter()
        .any(|e| e == "From domain example.com, of alice@example.com (from --from)"));
}

#[test]
fn own_servers_are_judged_by_check_host_once_for_all_addresses() {
    let tree = node("example.com", "root", "v=spf1 ip4:192.0.2.1 -all", vec![]);
    let mut ev = from(tree, "mail.example.net", None);
    ev.evaluations = vec![eval("192.0.2.1", "pass")];
    assert!(codes(&ev).is_empty());
    ev.evaluations = vec![eval("192.0.2.9", "fail"), eval("2001:db8::9", "fail")];
    let mut out = Vec::new();
    from_domain(&ev, &mut out);
    assert_eq!(out.len(), 1);
    assert!(out[0].summary.starts_with(
        "the submission server mail.example.net (192.0.2.9, 2001:db8::9) is explicitly not allowed"
    ));
    assert!(out[0].evidence.iter().any(|e| e == "  -all matches → fail"));
}

#[test]
fn a_missing_spf_record_is_an_error_only_when_sending() {
    let mut tree = node("example.com", "root", "v=spf1 -all", vec![]);
    tree.records.clear();
    tree.lookup = lookup("example.com", &[]);
    let mut ev = from(tree, "mail.example.net", None);
    ev.evaluations = vec![eval("192.0.2.9", "none")];
    assert_eq!(
        codes(&ev),
        vec![("spf.missing".to_string(), Severity::Warning)]
    );
    ev.sending = true;
    assert_eq!(
        codes(&ev),
        vec![("spf.missing".to_string(), Severity::Error)]
    );
}

fn reply(code: u16, text: &str) -> Option<Reply> {
    Some(Reply {
        code: Some(code),
        lines: vec![format!("{code} {text}")],
    })
}

fn attempt() -> SendAttempt {
    SendAttempt {
        from: "alice@example.com".into(),
        to: "bob@example.net".into(),
        message_id: "<mxray.1.ab@example.com>".into(),
        mail_reply: reply(250, "2.1.0 Ok"),
        rcpt_reply: reply(250, "2.1.5 Ok"),
        data_reply: reply(354, "End data with <CR><LF>.<CR><LF>"),
        final_reply: reply(250, "2.0.0 Ok: queued as 4AbC"),
        accepted: true,
        queue_id: Some("4AbC".into()),
        smtputf8: None,
    }
}

fn send_codes(s: &SendAttempt) -> Vec<Finding> {
    let mut out = Vec::new();
    send(s, "smtp.example.net:587", &mut out);
    out
}

#[test]
fn test_message_refusals_name_the_step() {
    assert!(send_codes(&attempt()).is_empty());
    // Refused after the message: a content or policy rule.
    let mut s = attempt();
    s.accepted = false;
    s.queue_id = None;
    s.final_reply = reply(550, "5.7.1 Message rejected as spam");
    let f = send_codes(&s);
    assert_eq!(f[0].code, "smtp.message-rejected");
    assert_eq!(
        f[0].summary,
        "the server refused the message: 550 5.7.1 Message rejected as spam"
    );
    // Sender not owned at MAIL FROM (other servers than Postfix answer there), wording varied.
    let mut s = attempt();
    s.accepted = false;
    s.mail_reply = reply(
        553,
        "5.7.1 <alice@example.com>: Sender address rejected: not owned by user bob",
    );
    s.rcpt_reply = None;
    s.data_reply = None;
    s.final_reply = None;
    let f = send_codes(&s);
    assert_eq!(f[0].code, "auth.sender-not-owned");
    assert!(f[0]
        .evidence
        .iter()
        .any(|e| e.starts_with("MAIL FROM:<alice@example.com> → 553")));
    // Nothing answered at all.
    s.mail_reply = None;
    let f = send_codes(&s);
    assert_eq!(f[0].code, "smtp.message-rejected");
    assert!(f[0].summary.contains("broke off"));
    // A 354 and then silence after the message.
    let mut s = attempt();
    s.accepted = false;
    s.final_reply = None;
    let f = send_codes(&s);
    assert_eq!(
        f[0].summary,
        "the server answered DATA (354 End data with <CR><LF>.<CR><LF>) but not the message: no reply in time, or the connection broke off"
    );
}
