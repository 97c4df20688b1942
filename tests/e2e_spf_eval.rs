//! `mxray domain --sending-ip`: RFC 7208 check_host() against the rig's SPF zones.

mod common;

use common::rig::{codes, mxray, Rig};
use mxray::report::{Body, Report};

fn domain_json(rig: &Rig, domain: &str, extra: &[&str]) -> Report {
    let mut args: Vec<String> = vec![
        "domain".into(),
        domain.into(),
        "--no-probe".into(),
        "--format".into(),
        "json".into(),
    ];
    args.extend(rig.base_args());
    args.extend(extra.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = mxray(&refs);
    assert!(run.code <= 1, "{}", run.stderr);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    common::schema::assert_valid(&v);
    serde_json::from_value(v).unwrap()
}

fn results(r: &Report) -> Vec<(String, String)> {
    let Body::Domain(ev) = &r.body else {
        panic!("not a domain report")
    };
    ev.spf
        .evaluations
        .iter()
        .map(|e| (e.ip.to_string(), e.result.clone()))
        .collect()
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn the_mx_passes_a_stranger_fails_with_the_deciding_term() {
    let rig = Rig::get();
    let r = domain_json(
        &rig,
        "good.mxray.test",
        &["--sending-ip", "127.0.0.10", "--sending-ip", "192.0.2.1"],
    );
    assert_eq!(
        results(&r),
        vec![
            ("127.0.0.10".into(), "pass".into()),
            ("192.0.2.1".into(), "fail".into())
        ]
    );
    assert_eq!(codes(&r), vec!["spf.sender-not-permitted"]);
    let f = &r.findings[0];
    assert!(f.subject.starts_with("192.0.2.1"));
    assert!(
        f.evidence.iter().any(|e| e.contains("-all matches → fail")),
        "{:?}",
        f.evidence
    );
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn evaluation_follows_includes_and_names_the_path() {
    let rig = Rig::get();
    let r = domain_json(&rig, "spf11.mxray.test", &["--sending-ip", "127.0.0.16"]);
    let Body::Domain(ev) = &r.body else { panic!() };
    let e = &ev.spf.evaluations[0];
    assert_eq!(e.result, "pass", "{:#?}", e.path);
    assert!(
        e.path
            .iter()
            .any(|l| l.contains("include:i1.spf11.mxray.test matches")),
        "{:#?}",
        e.path
    );
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn plus_all_lets_anyone_pass_and_broken_policies_are_permerror() {
    let rig = Rig::get();
    let r = domain_json(&rig, "plusall.mxray.test", &["--sending-ip", "203.0.113.9"]);
    assert_eq!(results(&r)[0].1, "pass");
    let r = domain_json(&rig, "spf2.mxray.test", &["--sending-ip", "127.0.0.10"]);
    assert_eq!(results(&r)[0].1, "permerror");
    assert!(codes(&r).contains(&"spf.sender-not-permitted".to_string()));
}
