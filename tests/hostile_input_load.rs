//! `mxray diagnose` on input that is not a report, or is one built to exhaust memory or the
//! stack: an endless device, a file past the size bound, deep nesting, binary, the standard
//! input. Each is refused with one line and exit 2, without reading more than the bound; a
//! report padded to exactly the bound is still read.

mod common;

use common::rig::{mxray, Run};
use mxray::report::{MAX_REPORT_BYTES, MAX_REPORT_DEPTH};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

fn fixture_text(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name);
    std::fs::read_to_string(path).unwrap()
}

/// Exit 2 and exactly one line on stderr that contains `needle`, nothing on stdout.
fn refused(run: &Run, needle: &str) {
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    let err = run.stderr.trim_end();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("mxray: "), "{err}");
    assert!(err.contains(needle), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// `mxray diagnose - ARGS…` with `input` written to its standard input.
fn diagnose_stdin(input: impl std::io::Read + Send + 'static, args: &[&str]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mxray"))
        .args(["diagnose", "-"])
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // mxray stops reading at the bound and exits: the broken pipe ends the writer.
    let writer = std::thread::spawn(move || {
        let mut input = input;
        let _ = std::io::copy(&mut input, &mut stdin);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn an_endless_device_is_read_only_up_to_the_bound() {
    refused(
        &mxray(&["diagnose", "/dev/zero"]),
        "\"/dev/zero\": larger than 16 MiB, the most `mxray diagnose` reads",
    );
}

#[test]
fn the_size_bound_is_exact() {
    let report = fixture_text("server/expired.json");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("padded.json");
    // Whitespace is valid JSON: the report padded to exactly the bound is still a report.
    let mut at_bound = report.clone().into_bytes();
    at_bound.resize(MAX_REPORT_BYTES, b' ');
    std::fs::write(&file, &at_bound).unwrap();
    let run = mxray(&["diagnose", file.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.contains("tls.cert-expired"), "{}", run.stdout);

    at_bound.push(b' ');
    std::fs::write(&file, &at_bound).unwrap();
    refused(
        &mxray(&["diagnose", file.to_str().unwrap()]),
        "padded.json\": larger than 16 MiB",
    );
}

#[test]
fn deep_nesting_is_refused_before_parsing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("deep.json");
    std::fs::write(&file, "[".repeat(1_000_000)).unwrap();
    refused(
        &mxray(&["diagnose", file.to_str().unwrap()]),
        "nested more than 64 levels deep",
    );

    // Inside an otherwise well-formed report, in a field mxray does not know.
    let report = fixture_text("server/expired.json");
    let depth = MAX_REPORT_DEPTH;
    let nested = format!(
        "{{\"extra\": {}1{}, {}",
        "[".repeat(depth),
        "]".repeat(depth),
        report.trim_start().strip_prefix('{').unwrap()
    );
    std::fs::write(&file, nested).unwrap();
    refused(
        &mxray(&["diagnose", file.to_str().unwrap()]),
        "nested more than 64 levels deep",
    );
}

#[test]
fn binary_and_foreign_json_are_not_reports() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("x.bin");
    let mut binary = b"\x7fELF\x02\x01\x01\x00".to_vec();
    binary.extend((0..4096u32).map(|i| (i * 7919 % 251) as u8));
    std::fs::write(&file, &binary).unwrap();
    refused(
        &mxray(&["diagnose", file.to_str().unwrap()]),
        "x.bin\" is not an mxray report: expected value at line 1 column 1",
    );

    std::fs::write(&file, r#"{"hello": "\u001b]0;pwned\u0007"}"#).unwrap();
    let run = mxray(&["diagnose", file.to_str().unwrap()]);
    refused(&run, "is not an mxray report: missing field");
}

#[test]
fn what_serde_quotes_from_the_file_is_bounded_and_escaped() {
    let mut doc: serde_json::Value =
        serde_json::from_str(&fixture_text("server/expired.json")).unwrap();
    doc["command"] = format!("{}\u{1b}[2J", "x".repeat(100_000)).into();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("variant.json");
    std::fs::write(&file, serde_json::to_vec(&doc).unwrap()).unwrap();
    let run = mxray(&["diagnose", file.to_str().unwrap()]);
    refused(
        &run,
        "variant.json\" is not an mxray report: unknown variant `xxxx",
    );
    assert!(run.stderr.len() < 400, "{} bytes", run.stderr.len());
    assert!(run.stderr.contains("… (100"), "{}", run.stderr);
    assert!(!run.stderr.contains('\u{1b}'), "{}", run.stderr);
}

#[test]
fn the_standard_input_is_read_with_the_same_bounds() {
    let report = fixture_text("server/expired.json");
    let from_file = mxray(&[
        "diagnose",
        &format!(
            "{}/fixtures/server/expired.json",
            env!("CARGO_MANIFEST_DIR")
        ),
        "--format",
        "json",
    ]);
    let from_stdin = diagnose_stdin(std::io::Cursor::new(report), &["--format", "json"]);
    assert_eq!(from_stdin.code, 1, "{}", from_stdin.stderr);
    let a: serde_json::Value = serde_json::from_str(&from_file.stdout).unwrap();
    let b: serde_json::Value = serde_json::from_str(&from_stdin.stdout).unwrap();
    assert_eq!(a["findings"], b["findings"]);
    assert_eq!(b["findings"][0]["code"], "tls.cert-expired");

    refused(
        &diagnose_stdin(std::io::repeat(b' '), &[]),
        "the standard input: larger than 16 MiB",
    );
    refused(
        &diagnose_stdin(std::io::Cursor::new(b"not json at all".to_vec()), &[]),
        "the standard input is not an mxray report: expected",
    );
}

#[test]
fn a_missing_file_or_a_directory_is_named_on_one_line() {
    refused(
        &mxray(&["diagnose", "/nonexistent/report.json"]),
        "cannot read \"/nonexistent/report.json\": No such file or directory",
    );
    let dir = tempfile::tempdir().unwrap();
    refused(
        &mxray(&["diagnose", dir.path().to_str().unwrap()]),
        "Is a directory",
    );
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(b"").unwrap();
    refused(
        &mxray(&["diagnose", f.path().to_str().unwrap()]),
        "is not an mxray report: EOF while parsing",
    );
}

#[test]
fn an_env_file_is_read_with_a_bound_too() {
    refused(
        &mxray(&["check", "--env-file", "/dev/zero", "--no-password-prompt"]),
        "mxray: cannot read \"/dev/zero\": larger than 16 MiB",
    );
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(b"SMTP_HOST=mail.example.com\nSMTP_USER=\xff\xfe\x00\n")
        .unwrap();
    refused(
        &mxray(&[
            "check",
            "--env-file",
            f.path().to_str().unwrap(),
            "--no-password-prompt",
        ]),
        "\" is not UTF-8 text",
    );
}
