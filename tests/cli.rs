//! The command line without any server: bad input is exit 2 with one clear line, `explain`,
//! and offline `diagnose` of a shipped fixture.

mod common;

use common::rig::mxray;

fn one_line_error(args: &[&str], needle: &str) {
    let run = mxray(args);
    assert_eq!(run.code, 2, "{args:?}: {}{}", run.stdout, run.stderr);
    let err = run.stderr.trim();
    assert!(err.contains(needle), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bad_input_is_exit_2_with_the_problem_named() {
    one_line_error(&["server", "bad..host"], "not a valid host name");
    one_line_error(&["server", "exa mple.com"], "not a valid host name");
    one_line_error(
        &["server", "example.com", "--ports", "0"],
        "port 0 is out of range",
    );
    one_line_error(
        &["server", "example.com", "--ports", "70000"],
        "port 70000 is out of range",
    );
    one_line_error(
        &["server", "example.com", "--ports", "25/ftp"],
        "unknown port role",
    );
    one_line_error(
        &["server", "example.com", "--ca-file", "/nonexistent/ca.pem"],
        "cannot read CA file",
    );
    one_line_error(
        &["server", "example.com", "--resolver", "dns.example"],
        "is not an IP address",
    );
    one_line_error(&["server", "example.com", "--timeout", "0"], "--timeout");
    one_line_error(&["diagnose", "/nonexistent.json"], "cannot read");
    one_line_error(&["explain", "tls.cert-expird"], "tls.cert-expired");
    one_line_error(&["frobnicate"], "unrecognized subcommand");
}

#[test]
fn a_file_that_is_not_a_report_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.json");
    std::fs::write(&p, "{\"hello\": 1}").unwrap();
    one_line_error(&["diagnose", p.to_str().unwrap()], "is not an mxray report");
    std::fs::write(&p, "-----BEGIN CERTIFICATE-----\nnope\n").unwrap();
    one_line_error(
        &["server", "example.com", "--ca-file", p.to_str().unwrap()],
        "CA file",
    );
}

#[test]
fn explain_prints_what_why_and_fix() {
    let run = mxray(&["explain", "tls.implicit-on-starttls-port"]);
    assert_eq!(run.code, 0);
    for s in [
        "What it means",
        "Why it matters",
        "How to fix it",
        "wrong version number",
    ] {
        assert!(run.stdout.contains(s), "{s}: {}", run.stdout);
    }
    let list = mxray(&["explain", "--list"]);
    assert_eq!(list.code, 0);
    for code in mxray::findings::catalogue::CATALOGUE.iter() {
        assert!(list.stdout.contains(code.code), "{}", code.code);
    }
}

#[test]
fn diagnose_a_shipped_fixture_offline() {
    let path = format!(
        "{}/fixtures/server/expired.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let run = mxray(&["diagnose", &path, "--color", "never"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.contains("tls.cert-expired"));
    assert!(run.stdout.contains("fix:"));
    let never = mxray(&["diagnose", &path, "--fail-on", "never"]);
    assert_eq!(never.code, 0);
    let ignored = mxray(&[
        "diagnose",
        &path,
        "--ignore",
        "tls.cert-expired",
        "--format",
        "json",
    ]);
    assert_eq!(ignored.code, 0);
    let v: serde_json::Value = serde_json::from_str(&ignored.stdout).unwrap();
    common::schema::assert_valid(&v);
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["ignored"] == true));
    let always = mxray(&["diagnose", &path, "--color", "always"]);
    assert!(
        always.stdout.contains('\u{1b}'),
        "--color always colours even in a pipe"
    );
}
