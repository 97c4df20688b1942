//! Internationalised domain names and addresses against the real rig: users type U-labels
//! (bücher.mxray.test, почта.mxray.test) in every input, mxray converts them with UTS #46,
//! queries and matches certificates on the A-labels, shows both forms, and refuses what UTS #46
//! refuses with its reason.

mod common;

use common::check::{check_json_as_given, env_file};
use common::rig::{codes, mxray, server_json, Rig};
use mxray::report::Body;

const BUCHER: &str = "xn--bcher-kva.mxray.test";
const POCHTA: &str = "xn--80a1acny.mxray.test";

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn an_internationalised_domain_is_audited_under_its_a_label() {
    let rig = Rig::get();
    let mut args: Vec<String> = vec!["domain".into(), "Bücher.mxray.test".into()];
    args.extend(rig.base_args());
    args.extend(["--format".into(), "json".into()]);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = mxray(&refs);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let r: mxray::report::Report = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(r.target, BUCHER);
    assert_eq!(r.target_unicode.as_deref(), Some("bücher.mxray.test"));
    assert_eq!(codes(&r), vec!["mta-sts.missing"], "{:#?}", r.findings);
    let Body::Domain(ev) = &r.body else { panic!() };
    assert_eq!(ev.mx.hosts[0].exchange, POCHTA);
    // The human report shows both forms.
    let human: Vec<String> = args
        .iter()
        .filter(|a| *a != "--format" && *a != "json")
        .cloned()
        .collect();
    let refs: Vec<&str> = human.iter().map(String::as_str).collect();
    let run = mxray(&refs);
    assert!(
        run.stdout
            .contains(&format!("bücher.mxray.test ({BUCHER})")),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains(&format!("почта.mxray.test ({POCHTA})")));
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn an_internationalised_host_name_matches_its_certificate() {
    let rig = Rig::get();
    let (r, code) = server_json(&rig, "почта.mxray.test", &["--ports", "25,587", "-4"]);
    assert_eq!(r.target, POCHTA);
    assert!(
        !codes(&r).contains(&"tls.cert-hostname-mismatch".to_string()),
        "{:#?}",
        r.findings
    );
    assert_eq!(code, 0, "{:#?}", r.findings);
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn check_takes_u_labels_from_an_env_file_and_sends_with_smtputf8() {
    let rig = Rig::get();
    let (_dir, path) = env_file(&format!(
        "MAIL_HOST=почта.mxray.test\nMAIL_PORT=587\nMAIL_ENCRYPTION=tls\nMAIL_USERNAME={}\nMAIL_PASSWORD={}\nMAIL_FROM_ADDRESS=jürgen@bücher.mxray.test\n",
        rig.var("MXRAY_RIG_USER"),
        rig.var("MXRAY_RIG_PASSWORD")
    ));
    // As given: the From address is the env file's.
    let (r, code) = check_json_as_given(
        &rig,
        &["--env-file", &path, "--send-to", "alice@mxray.test"],
        &[],
    );
    assert_eq!(code, 0, "{:#?}", r.findings);
    let Body::Check(ev) = &r.body else { panic!() };
    let probe = &ev.configured.as_ref().unwrap().probes[0];
    assert!(probe.login.as_ref().unwrap().accepted);
    let send = probe.send.as_ref().unwrap();
    assert_eq!(send.from, format!("jürgen@{BUCHER}"));
    assert_eq!(send.smtputf8, Some(true));
    assert!(send.accepted && send.queue_id.is_some());
    assert_eq!(ev.from_domain.as_ref().unwrap().domain, BUCHER);
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn the_reading_side_takes_u_labels_in_urls() {
    let rig = Rig::get();
    let url = format!(
        "imaps://{}@почта.mxray.test",
        rig.var("MXRAY_RIG_USER").replace('@', "%40")
    );
    let (r, code) = check_json_as_given(
        &rig,
        &[&url, "--password-env", "MXRAY_TEST_PW"],
        &[("MXRAY_TEST_PW", rig.var("MXRAY_RIG_PASSWORD"))],
    );
    assert_eq!(code, 0, "{:#?}", r.findings);
    assert_eq!(r.target_unicode.as_deref(), Some("почта.mxray.test:993"));
}

#[test]
fn what_uts46_refuses_is_a_clear_error() {
    for (input, why) in [
        ("xn--zz.mxray.test", "Punycode"),
        ("ab\u{202e}c.example", "U+202E"),
        ("bücher-.example", "starts or ends with '-'"),
    ] {
        let run = mxray(&["domain", input, "--no-probe"]);
        assert_eq!(run.code, 2, "{input}: {}", run.stdout);
        assert!(run.stderr.contains(why), "{input}: {}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        assert!(!run.stderr.contains('\u{202e}'), "raw bidi override echoed");
    }
    let run = mxray(&["check", "--host", "xn--zz.example", "--port", "587"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("Punycode"), "{}", run.stderr);
}
