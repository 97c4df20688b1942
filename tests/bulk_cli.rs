//! `mxray domain --from` and `mxray report` given unusable input: one line on stderr and exit
//! status 2, nothing on stdout; and `mxray report` over lines that are not reports.

mod common;

use common::rig::mxray;
use std::io::Write;

fn file(text: &[u8]) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(text).unwrap();
    f
}

fn unusable(args: &[&str], want: &str) {
    let r = mxray(args);
    assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
    assert!(r.stdout.is_empty(), "{args:?}: {}", r.stdout);
    assert!(r.stderr.contains(want), "{args:?}: {}", r.stderr);
}

#[test]
fn unusable_lists_and_flags_exit_2() {
    unusable(
        &["domain", "--from", "/nonexistent/list.txt"],
        "mxray: cannot read \"/nonexistent/list.txt\": ",
    );
    let only_comments = file(b"# nothing yet\n\nbad..name\n");
    let p = only_comments.path().to_str().unwrap();
    unusable(&["domain", "--from", p, "--no-probe"], "names no domain");
    let r = mxray(&["domain", "--from", p, "--no-probe"]);
    assert!(r
        .stderr
        .contains("mxray: line 3: \"bad..name\" is not a valid host name"));
    assert!(r
        .stderr
        .contains("input: 0 domain(s), 1 bad line(s) skipped"));
    let list = file(b"example.test\n");
    let p = list.path().to_str().unwrap();
    unusable(
        &["domain", "--from", p, "--format", "json"],
        "--format must be ndjson",
    );
    unusable(
        &["domain", "--from", p, "--save", "x.json"],
        "--save keeps one report",
    );
    unusable(
        &["domain", "--from", p, "--shard", "0/3"],
        "--shard 0/3: K must be between 1 and 3",
    );
    unusable(&["domain", "--from", p, "--shard", "two"], "is not K/N");
    unusable(
        &["domain", "--from", p, "--concurrency", "0"],
        "--concurrency must be between 1 and 1024",
    );
    unusable(
        &["domain", "example.test", "--from", p],
        "cannot be used with",
    );
    unusable(&["domain"], "required");
    unusable(
        &["domain", "example.test", "--shard", "1/2"],
        "it needs --from FILE",
    );
}

#[test]
fn shard_auto_reads_the_job_completion_index() {
    let list = file(b"example.test\n");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mxray"))
        .args(["domain", "--from", list.path().to_str().unwrap()])
        .args(["--shard", "auto/2"])
        .env("JOB_COMPLETION_INDEX", "2")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--shard 3/2: K must be between 1 and 2"));
}

#[test]
fn report_skips_lines_that_are_not_reports_and_needs_one_report() {
    let good = include_str!("../fixtures/domain/good.json");
    let compact: serde_json::Value = serde_json::from_str(good).unwrap();
    let mut text = format!("{compact}\n\nnot json\n{{\"a\":1}}\n");
    text.push_str(&format!("{compact}\n"));
    let f = file(text.as_bytes());
    let r = mxray(&["report", f.path().to_str().unwrap(), "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["type"], "summary");
    assert_eq!(v["summary"]["domains"], 2);
    assert_eq!(v["summary"]["failed"], 0);
    assert_eq!(v["skipped_lines"], 2);
    assert!(
        r.stderr.contains("line 3: not an mxray report: "),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("line 4: not an mxray report: "),
        "{}",
        r.stderr
    );
    let human = mxray(&["report", f.path().to_str().unwrap()]);
    assert!(
        human
            .stdout
            .starts_with("2 domain(s), 0 failed; findings: 0 error(s)"),
        "{}",
        human.stdout
    );
    assert!(human
        .stdout
        .contains("2 line(s) were not mxray reports and were skipped"));

    let empty = file(b"garbage\n");
    let r = mxray(&["report", empty.path().to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no report in the input"), "{}", r.stderr);
    unusable(
        &["report", "/nonexistent.ndjson"],
        "cannot read \"/nonexistent.ndjson\"",
    );
}
