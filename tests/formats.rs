//! The machine formats over every saved run in fixtures/: JUnit parsed and validated against
//! schema/junit.xsd (xmllint), SARIF against the SARIF 2.1.0 schema shipped in schema/,
//! NDJSON line by line against the report schema; no finding dropped (ignored ones included);
//! `--output` writes the format while the terminal gets the human report.

mod common;

use mxray::report::Report;
use std::path::Path;
use std::process::Command;

fn mxray(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mxray"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn report(p: &Path, extra: &[&str]) -> Report {
    let mut args = vec!["diagnose", p.to_str().unwrap(), "--format", "json"];
    args.extend(extra);
    serde_json::from_str(&mxray(&args).1).unwrap()
}

/// Every fixture with its first finding ignored, so ignored findings are covered too.
fn with_ignore(p: &Path) -> Vec<String> {
    let first = report(p, &[]).findings.first().map(|f| f.code.clone());
    first
        .map(|c| vec!["--ignore".into(), c])
        .unwrap_or_default()
}

#[test]
fn junit_is_valid_and_drops_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for p in common::fixtures::all() {
        let ignore = with_ignore(&p);
        let mut args = vec!["diagnose", p.to_str().unwrap(), "--format", "junit"];
        args.extend(ignore.iter().map(String::as_str));
        let (_, xml, err) = mxray(&args);
        let file = dir.path().join("report.xml");
        std::fs::write(&file, &xml).unwrap();
        let lint = Command::new("xmllint")
            .args(["--noout", "--schema"])
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/junit.xsd"))
            .arg(&file)
            .output()
            .expect("xmllint (Debian libxml2-utils; tests/servers/install.sh installs it)");
        assert!(
            lint.status.success(),
            "{}: {}{err}",
            p.display(),
            String::from_utf8_lossy(&lint.stderr)
        );
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let suites: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name("testsuite"))
            .collect();
        assert_eq!(suites.len(), 1);
        let cases: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .collect();
        assert_eq!(
            suites[0].attribute("tests").unwrap(),
            cases.len().to_string()
        );
        let failing = cases
            .iter()
            .filter(|c| c.children().any(|n| n.has_tag_name("failure")))
            .count();
        assert_eq!(
            suites[0].attribute("failures").unwrap(),
            failing.to_string()
        );
        let mut extra: Vec<&str> = ignore.iter().map(String::as_str).collect();
        extra.retain(|_| true);
        let r = report(&p, &extra);
        let all_text: String = doc
            .descendants()
            .filter_map(|n| n.text())
            .collect::<Vec<_>>()
            .join("\n");
        for f in &r.findings {
            assert!(
                all_text.contains(&format!("{} {}", f.code, f.subject)),
                "{}: {} missing from the JUnit report",
                p.display(),
                f.code
            );
            if f.ignored {
                assert!(all_text.contains(&format!("ignored [{}] {}", f.severity.label(), f.code)));
            }
        }
        // A run that fails has a failing testcase, and one that passes has none.
        assert_eq!(r.summary.failed, failing > 0, "{}", p.display());
    }
}

#[test]
fn sarif_is_valid_and_has_a_result_per_finding() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/sarif-schema-2.1.0.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for p in common::fixtures::all() {
        let ignore = with_ignore(&p);
        let mut args = vec!["diagnose", p.to_str().unwrap(), "--format", "sarif"];
        args.extend(ignore.iter().map(String::as_str));
        let v: serde_json::Value = serde_json::from_str(&mxray(&args).1).unwrap();
        let errors: Vec<String> = validator.iter_errors(&v).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{}: {errors:?}", p.display());
        let run = &v["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        let results = run["results"].as_array().unwrap();
        let ignore_args: Vec<&str> = ignore.iter().map(String::as_str).collect();
        let r = report(&p, &ignore_args);
        assert_eq!(results.len(), r.findings.len(), "{}", p.display());
        for (res, f) in results.iter().zip(&r.findings) {
            assert_eq!(res["ruleId"], f.code.as_str());
            let i = res["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[i]["id"], f.code.as_str());
            assert_eq!(res["suppressions"].is_array(), f.ignored);
            assert!(!rules[i]["help"]["text"].as_str().unwrap().is_empty());
        }
    }
}

#[test]
fn ndjson_is_one_valid_report_per_line() {
    for p in common::fixtures::all() {
        let (_, out, _) = mxray(&["diagnose", p.to_str().unwrap(), "--format", "ndjson"]);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 1, "{}", p.display());
        let v: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
        common::schema::assert_valid(&v);
    }
}

#[test]
fn output_writes_the_format_and_the_terminal_gets_the_human_report() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("r.xml");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/server/expired.json");
    let (code, out, err) = mxray(&[
        "diagnose",
        fixture.to_str().unwrap(),
        "--format",
        "junit",
        "--output",
        file.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(
        out.contains("tls.cert-expired") && out.contains("FAIL —"),
        "{out}"
    );
    let xml = std::fs::read_to_string(&file).unwrap();
    assert!(
        xml.starts_with("<?xml") && xml.contains("<failure"),
        "{xml}"
    );
    let (code, _, err) = mxray(&[
        "diagnose",
        fixture.to_str().unwrap(),
        "--output",
        "/nonexistent-dir/r.xml",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot write /nonexistent-dir/r.xml"), "{err}");
}
