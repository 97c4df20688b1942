//! `mxray check` logging in to the rig's real Postfix with a forced mechanism: one it does not
//! offer is never sent, and LOGIN with an initial response works.

mod common;

use common::check::check_json_env;
use common::rig::{codes, Rig};
use mxray::evidence::Direction;
use mxray::report::{Body, Report};

/// `mxray check` of alice on the rig's 587 with `--auth-mech MECH`, the password in the
/// environment; the JSON report (schema-checked, no password in any output) and the exit status.
fn check_with(rig: &Rig, mech: &str) -> (Report, i32) {
    check_json_env(
        rig,
        &[
            "smtp://alice%40mxray.test@mail.mxray.test:587",
            "--password-env",
            "MXRAY_TEST_PW",
            "--auth-mech",
            mech,
        ],
        &[("MXRAY_TEST_PW", rig.var("MXRAY_RIG_PASSWORD"))],
    )
}

fn configured(r: &Report) -> &mxray::evidence::PortProbe {
    let Body::Check(ev) = &r.body else {
        panic!("not a check report")
    };
    &ev.configured.as_ref().unwrap().probes[0]
}

fn client_lines(p: &mxray::evidence::PortProbe) -> Vec<&str> {
    p.transcript
        .iter()
        .filter(|l| l.dir == Direction::Client)
        .map(|l| l.text.as_str())
        .collect()
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn cram_md5_asked_but_not_offered() {
    let rig = Rig::get();
    let (r, code) = check_with(&rig, "CRAM-MD5");
    assert_eq!(code, 1);
    assert_eq!(codes(&r), vec!["auth.mechanism-mismatch"]);
    let f = &r.findings[0];
    assert!(
        f.evidence
            .contains(&"AUTH mechanisms offered: PLAIN LOGIN".to_string()),
        "{:?}",
        f.evidence
    );
    let p = configured(&r);
    let l = p.login.as_ref().unwrap();
    assert_eq!(l.mechanism, "CRAM-MD5");
    assert!(l.reply.is_none() && !l.accepted);
    assert!(
        !client_lines(p).iter().any(|t| t.starts_with("AUTH")),
        "no AUTH may be sent: {:?}",
        client_lines(p)
    );
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn login_with_initial_response_is_accepted() {
    let rig = Rig::get();
    let (r, code) = check_with(&rig, "login-ir");
    assert_eq!(code, 0, "{:#?}", r.findings);
    assert!(codes(&r).is_empty(), "{:?}", codes(&r));
    let p = configured(&r);
    let l = p.login.as_ref().unwrap();
    assert!(l.accepted, "{l:?}");
    assert_eq!(l.mechanism, "LOGIN");
    assert!(l.initial_response);
    assert_eq!(l.reply.as_ref().unwrap().code, Some(235));
    let lines = client_lines(p);
    let auth = lines.iter().position(|t| t.starts_with("AUTH")).unwrap();
    assert_eq!(lines[auth..auth + 2], ["AUTH LOGIN ***", "***"]);
    // Postfix prompted once, for the password only.
    let prompts = p
        .transcript
        .iter()
        .filter(|t| t.dir == Direction::Server && t.text.starts_with("334 "))
        .count();
    assert_eq!(prompts, 1);
}
