//! `mxray check` against the real rig: settings from a URL, flags and a .env file, the
//! configured endpoint probed as the client would connect, and what would work instead.

mod common;

use common::rig::{codes, mxray, Rig};
use mxray::report::{Body, Report};

fn check_json(rig: &Rig, args: &[&str]) -> (Report, i32) {
    let mut all: Vec<String> = vec!["check".into()];
    all.extend(args.iter().map(|s| s.to_string()));
    all.extend(rig.base_args());
    all.extend(["-4".into(), "--format".into(), "json".into()]);
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    let run = mxray(&refs);
    assert!(run.code <= 1, "{}", run.stderr);
    assert!(
        !run.stdout.contains(rig.var("MXRAY_RIG_PASSWORD")),
        "the password must never be printed"
    );
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    common::schema::assert_valid(&v);
    (serde_json::from_value(v).unwrap(), run.code)
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
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join(".env");
    std::fs::write(
        &env,
        format!(
            "MAIL_HOST=mail.mxray.test\nMAIL_PORT=465\nMAIL_ENCRYPTION=ssl\nMAIL_USERNAME=alice@mxray.test\nMAIL_PASSWORD={}\n",
            rig.var("MXRAY_RIG_PASSWORD")
        ),
    )
    .unwrap();
    let (r, code) = check_json(&rig, &["--env-file", env.to_str().unwrap()]);
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
