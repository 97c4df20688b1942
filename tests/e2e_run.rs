//! End-to-end: `mxray run` with examples/mxray.toml against the real-server rig — its passing
//! part exits 0, the whole file (a certificate expiring within 21 days, an SPF record over the
//! lookup limit) exits 1 — every format over all targets validated, and each expectation
//! raised by a real server. Run by tests/run.sh; ignored by a plain `cargo test`.

mod common;

use common::rig::{mxray, Rig};
use mxray::findings::Severity;
use mxray::report::Report;
use std::path::{Path, PathBuf};

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/mxray.toml")
}

/// `mxray run --config FILE` with the rig's resolver and CA, the password in the environment.
fn run(config: &Path, extra: &[&str]) -> common::rig::Run {
    let rig = Rig::get();
    std::env::set_var("MXRAY_RIG_PASSWORD", rig.var("MXRAY_RIG_PASSWORD"));
    let mut args: Vec<String> = vec![
        "run".into(),
        "--config".into(),
        config.display().to_string(),
    ];
    args.extend(rig.base_args());
    args.extend(extra.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    mxray(&refs)
}

/// The JSON array of reports, each one checked against the report schema.
fn reports(json: &str) -> Vec<Report> {
    let docs: Vec<serde_json::Value> =
        serde_json::from_str(json).unwrap_or_else(|e| panic!("not JSON ({e}): {json}"));
    docs.into_iter()
        .map(|d| {
            common::schema::assert_valid(&d);
            serde_json::from_value(d).unwrap()
        })
        .collect()
}

fn by_target<'a>(rs: &'a [Report], command: &str, target: &str) -> &'a Report {
    rs.iter()
        .find(|r| r.body.command() == command && r.target == target)
        .unwrap_or_else(|| panic!("no {command} {target}"))
}

fn counted(r: &Report) -> Vec<(&str, Severity)> {
    let mut c: Vec<(&str, Severity)> = r
        .findings
        .iter()
        .filter(|f| !f.ignored && f.severity == Severity::Error)
        .map(|f| (f.code.as_str(), f.severity))
        .collect();
    c.dedup();
    c
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn the_sample_fails_on_the_expiring_certificate_and_the_spf_limit() {
    let out = run(&example(), &["--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let rs = reports(&out.stdout);
    assert_eq!(rs.len(), 5);
    let soon = by_target(&rs, "server", "soon.mxray.test");
    assert!(soon.summary.failed);
    assert_eq!(counted(soon), [("expect.cert-days", Severity::Error)]);
    let f = soon
        .findings
        .iter()
        .find(|f| f.code == "expect.cert-days")
        .unwrap();
    assert_eq!(f.subject, "soon.mxray.test 127.0.0.21:25");
    assert!(
        f.summary
            .starts_with("the certificate expires in 10 days, fewer than the 21 days"),
        "{}",
        f.summary
    );
    let spf = by_target(&rs, "domain", "spf11.mxray.test");
    assert!(spf.summary.failed);
    assert_eq!(counted(spf), [("spf.too-many-lookups", Severity::Error)]);
    for (command, target) in [
        ("server", "mail.mxray.test"),
        ("domain", "good.mxray.test"),
        ("check", "mail.mxray.test:587"),
    ] {
        let r = by_target(&rs, command, target);
        assert!(!r.summary.failed, "{command} {target}: {:?}", r.findings);
        assert!(r.findings.iter().all(|f| !f.code.starts_with("expect.")));
    }
    // The global ignore list reached the check, whose From domain has no DKIM key.
    let check = by_target(&rs, "check", "mail.mxray.test:587");
    assert!(check
        .findings
        .iter()
        .any(|f| f.code == "dkim.not-found" && f.ignored));
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn the_passing_part_of_the_sample_exits_0() {
    let text = std::fs::read_to_string(example()).unwrap();
    let (passing, _) = text
        .split_once("# The failing case")
        .expect("the sample marks its failing case");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mxray.toml");
    std::fs::write(&file, passing).unwrap();
    let out = run(&file, &["--color", "never"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let tail: Vec<&str> = out.stdout.lines().rev().take(4).collect();
    assert_eq!(tail[0], "3 targets: 3 passed, 0 failed");
    assert!(
        tail[1].starts_with("  PASS  check mail.mxray.test"),
        "{}",
        tail[1]
    );
    assert!(
        tail[2].starts_with("  PASS  domain good.mxray.test"),
        "{}",
        tail[2]
    );
    assert!(
        tail[3].starts_with("  PASS  server mail.mxray.test"),
        "{}",
        tail[3]
    );
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn junit_has_a_testsuite_per_target_and_sarif_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let xml = dir.path().join("mxray.xml");
    let out = run(
        &example(),
        &[
            "--format",
            "junit",
            "--output",
            xml.to_str().unwrap(),
            "--color",
            "never",
        ],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stdout.contains("5 targets: 3 passed, 2 failed"),
        "the terminal gets the human report"
    );
    let lint = std::process::Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/junit.xsd"))
        .arg(&xml)
        .output()
        .expect("xmllint");
    assert!(
        lint.status.success(),
        "{}",
        String::from_utf8_lossy(&lint.stderr)
    );
    let text = std::fs::read_to_string(&xml).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let suites: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    assert_eq!(suites.len(), 5);
    let failing: Vec<&str> = suites
        .iter()
        .filter(|s| s.attribute("failures") != Some("0"))
        .filter_map(|s| s.attribute("name"))
        .collect();
    assert_eq!(failing.len(), 2, "{failing:?}");
    assert!(text.contains("expect.cert-days"));
    assert!(text.contains("spf.too-many-lookups"));

    let out = run(&example(), &["--format", "sarif"]);
    assert_eq!(out.code, 1);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/sarif-schema-2.1.0.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&v).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(v["runs"].as_array().unwrap().len(), 5);
    // Code scanning places results in a file: the configuration, at the target's table.
    let soon = v["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["invocations"][0]["properties"]["target"] == "soon.mxray.test")
        .unwrap();
    let result = soon["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "expect.cert-days")
        .unwrap();
    let physical = &result["locations"][0]["physicalLocation"];
    assert_eq!(
        physical["artifactLocation"]["uri"],
        example().display().to_string()
    );
    let header = std::fs::read_to_string(example())
        .unwrap()
        .lines()
        .position(|l| l.contains("host = \"soon.mxray.test\""))
        .unwrap();
    assert_eq!(
        physical["region"]["startLine"], header,
        "the line above the host key"
    );

    let out = run(&example(), &["--format", "ndjson"]);
    assert_eq!(out.stdout.lines().count(), 5);
    for line in out.stdout.lines() {
        common::schema::assert_valid(&serde_json::from_str(line).unwrap());
    }
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn each_expectation_is_raised_by_a_real_server() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mxray.toml");
    std::fs::write(
        &file,
        "[[server]]\nhost = \"legacy.mxray.test\"\nports = [25]\nmin_tls_version = \"1.2\"\n\n\
         [[server]]\nhost = \"closed.mxray.test\"\nports = [25, 587]\nrequired_ports = [25, 587]\n\n\
         [[domain]]\nname = \"dnone.mxray.test\"\nno_probe = true\ndmarc_policy = \"quarantine\"\n\
         ignore = [\"dmarc.policy-none\"]\n",
    )
    .unwrap();
    let out = run(&file, &["--format", "json"]);
    let _ = out.code;
    let rs = reports(&out.stdout);
    let codes = |r: &Report| -> Vec<String> {
        r.findings
            .iter()
            .filter(|f| f.code.starts_with("expect."))
            .map(|f| format!("{} {} {}", f.code, f.severity.label(), f.summary))
            .collect()
    };
    assert_eq!(
        codes(by_target(&rs, "server", "legacy.mxray.test")),
        ["expect.tls-version error the port accepts TLSv1.0 and accepts TLSv1.1, below the TLS 1.2 min_tls_version asks for"]
    );
    assert_eq!(
        codes(by_target(&rs, "server", "closed.mxray.test")),
        ["expect.port-missing error required port 587 did not accept a connection on any of 1 addresses"]
    );
    assert_eq!(
        codes(by_target(&rs, "domain", "dnone.mxray.test")),
        ["expect.dmarc-policy error the DMARC policy is p=none; dmarc_policy requires p=quarantine or stronger"]
    );
    assert_eq!(out.code, 1);
    assert!(rs.iter().all(|r| r.summary.failed));
}
