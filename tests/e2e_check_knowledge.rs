//! `mxray check` judged from the provider knowledge base when the server cannot be reached:
//! the rig's DNS knows nothing of the providers' names (it refuses them), which is what a user
//! offline or behind a filtering resolver sees. Nothing is connected to.

mod common;

use common::check::{check_json_as_given, check_json_env};
use common::rig::{codes, Rig};
use mxray::findings::{Finding, Severity};
use mxray::report::Report;

const PW: &str = "MXRAY_TEST_PW";

fn finding<'a>(r: &'a Report, code: &str) -> &'a Finding {
    r.findings
        .iter()
        .find(|f| f.code == code)
        .unwrap_or_else(|| panic!("no {code} in {:?}", codes(r)))
}

fn no_connection(r: &Report) {
    let mxray::report::Body::Check(ev) = &r.body else {
        panic!("not a check report")
    };
    for s in [&ev.configured, &ev.alternatives].into_iter().flatten() {
        assert!(s.probes.iter().all(|p| !p.connected()), "{:?}", s.probes);
    }
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn gmail_on_port_25_is_the_wrong_port_without_reaching_it() {
    let rig = Rig::get();
    let (r, code) = check_json_env(&rig, &["--host", "smtp.gmail.com", "--port", "25"], &[]);
    no_connection(&r);
    assert_eq!(code, 1);
    let f = finding(&r, "config.wrong-port");
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.subject, "smtp.gmail.com:25");
    assert!(f.fix.contains("465 with SSL/TLS"), "{}", f.fix);
    assert!(
        f.evidence
            .iter()
            .any(|l| l.contains("rests on the knowledge base alone")),
        "{:?}",
        f.evidence
    );
    // The name is right: the resolver is what fails, and no typo is suggested.
    assert!(!codes(&r).contains(&"dns.no-such-host".to_string()));
    assert!(!r
        .findings
        .iter()
        .any(|f| f.evidence.iter().any(|l| l.contains("did you mean"))));
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn the_reading_side_is_judged_from_the_knowledge_base_too() {
    let rig = Rig::get();
    let (r, code) = check_json_as_given(
        &rig,
        &[
            "--imap",
            "--host",
            "imap.gmail.com",
            "--port",
            "143",
            "--security",
            "starttls",
        ],
        &[],
    );
    no_connection(&r);
    assert_eq!(code, 1);
    assert!(finding(&r, "config.wrong-port")
        .fix
        .contains("993 with SSL/TLS"));
    let (r, _) = check_json_as_given(
        &rig,
        &["--pop3", "--host", "smtp.gmail.com", "--port", "995"],
        &[],
    );
    let f = finding(&r, "config.wrong-host");
    assert!(f.fix.contains("pop.gmail.com"), "{}", f.fix);
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn provider_password_rules_apply_before_any_login() {
    let rig = Rig::get();
    // Outlook.com takes OAuth only: a password cannot work.
    let (r, code) = check_json_env(
        &rig,
        &[
            "--host",
            "smtp-mail.outlook.com",
            "--port",
            "587",
            "--user",
            "a@outlook.com",
            "--password-env",
            PW,
        ],
        &[(PW, "correct horse battery staple")],
    );
    assert_eq!(code, 1);
    assert_eq!(finding(&r, "auth.oauth-required").severity, Severity::Error);
    // Gmail needs an app password; this one has the wrong form for it.
    let secret = "Tr0ub4dor&3-account";
    let (r, code) = check_json_env(
        &rig,
        &[
            "--host",
            "smtp.gmail.com",
            "--port",
            "587",
            "--user",
            "a@gmail.com",
            "--password-env",
            PW,
        ],
        &[(PW, secret)],
    );
    assert_eq!(code, 1);
    let f = finding(&r, "auth.app-password-required");
    assert!(f.summary.contains("16 letters"), "{}", f.summary);
    let json = serde_json::to_string(&r).unwrap();
    assert!(!json.contains(secret));
    // An app password's form raises nothing before the login.
    let (r, _) = check_json_env(
        &rig,
        &[
            "--host",
            "smtp.gmail.com",
            "--port",
            "587",
            "--user",
            "a@gmail.com",
            "--password-env",
            PW,
        ],
        &[(PW, "abcd efgh ijkl mnop")],
    );
    assert!(!codes(&r).contains(&"auth.app-password-required".to_string()));
}
