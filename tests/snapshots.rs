//! Snapshots of the human report and the JSON diagnosis (findings, advice, summary) of every saved run in fixtures/, re-diagnosed
//! offline: any change in wording, findings or advice shows up as a snapshot diff to review
//! (`INSTA_UPDATE=always cargo test --test snapshots` rewrites them; `git diff` shows what
//! changed).

mod common;

use std::path::Path;
use std::process::Command;

fn diagnose(path: &Path, extra: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_mxray"))
        .arg("diagnose")
        .arg(path)
        .args(extra)
        .env("NO_COLOR", "1")
        .output()
        .expect("run mxray");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

fn name(p: &Path) -> String {
    let dir = p.parent().unwrap().file_name().unwrap().to_string_lossy();
    format!("{dir}__{}", p.file_stem().unwrap().to_string_lossy())
}

#[test]
fn human_reports_of_every_fixture() {
    for p in common::fixtures::all() {
        insta::assert_snapshot!(
            format!("{}__human", name(&p)),
            diagnose(&p, &["--color", "never"])
        );
    }
}

#[test]
fn json_reports_of_every_fixture() {
    for p in common::fixtures::all() {
        let text = diagnose(&p, &["--format", "json"]);
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        common::schema::assert_valid(&v);
        // The evidence is the fixture itself; what diagnosis adds is the rest.
        let diagnosis = serde_json::json!({
            "findings": v["findings"],
            "advice": v["advice"],
            "summary": v["summary"],
        });
        insta::assert_snapshot!(
            format!("{}__json", name(&p)),
            serde_json::to_string_pretty(&diagnosis).unwrap()
        );
    }
}
