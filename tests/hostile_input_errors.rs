//! Error messages quote what the user gave, but never all of it: a 10,000-character host name,
//! a 10 MB `.env` value or garbage in `--ports` gives one short line with the value cut, its
//! length, and control characters escaped. A password is never quoted, not even in part.

mod common;

use common::rig::{mxray, Run};
use std::process::Command;

const SECRET: &str = "hunter2-Zq8xK";

/// Exit 2 and one bounded line on stderr containing `needle`.
fn short_error(run: &Run, needle: &str) {
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    let err = run.stderr.trim_end();
    assert_eq!(err.lines().count(), 1, "{err}");
    let head: String = err.chars().take(400).collect();
    assert!(err.len() < 400, "{} bytes: {head}", err.len());
    assert!(err.contains(needle), "{err}");
    assert!(!err.contains(['\u{1b}', '\u{7}', '\r']), "{err:?}");
    assert!(!err.contains(SECRET), "{err}");
    assert!(!run.stdout.contains(SECRET), "{}", run.stdout);
}

fn check_env_file(contents: &str, extra: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("app.env");
    std::fs::write(&file, contents).unwrap();
    let mut args = vec![
        "check",
        "--env-file",
        file.to_str().unwrap(),
        "--no-password-prompt",
    ];
    args.extend(extra);
    mxray(&args)
}

#[test]
fn a_huge_host_name_is_cut_in_the_error() {
    let host = "a".repeat(10_000);
    for command in ["server", "domain"] {
        short_error(
            &mxray(&[command, &host]),
            &format!(
                "mxray: \"{}…\" (10000 bytes) is not a valid host name: longer than 253 characters",
                "a".repeat(64)
            ),
        );
    }
    short_error(
        &mxray(&["server", "example.com", "--helo", &host]),
        "--helo: \"aaaa",
    );
}

#[test]
fn control_characters_in_an_argument_are_escaped() {
    short_error(
        &mxray(&["server", "ex\u{1b}]0;pwned\u{7}.com"]),
        "\"ex\\e]0;pwned\\x07.com\" is not a valid host name",
    );
    short_error(
        &mxray(&["server", "example.com", "--ports", "25,\u{1b}[2J"]),
        "\"\\e[2J\" is not a port number",
    );
}

#[test]
fn garbage_in_ports_and_resolvers_is_cut() {
    let junk = "x".repeat(5_000);
    short_error(
        &mxray(&["server", "example.com", "--ports", &junk]),
        &format!("\"{}…\" (5000 bytes) is not a port number", "x".repeat(64)),
    );
    short_error(
        &mxray(&["server", "example.com", "--ports", &format!("25/{junk}")]),
        "(5000 bytes) in \"25/xxx",
    );
    short_error(
        &mxray(&["server", "example.com", "--resolver", &junk]),
        "resolver \"xxxx",
    );
    short_error(
        &mxray(&["domain", "example.com", "--mail-from", &junk]),
        "--mail-from \"xxxx",
    );
    short_error(
        &mxray(&["explain", &"q".repeat(100_000)]),
        "unknown finding code \"qqqq",
    );
}

#[test]
fn a_huge_env_file_value_is_cut_and_the_password_never_shown() {
    let run = check_env_file(
        &format!(
            "SMTP_HOST=smtp.example.com\nSMTP_USER=alice@example.com\nSMTP_PASSWORD={SECRET}\nSMTP_PORT={}\n",
            "9".repeat(10_000_000)
        ),
        &[],
    );
    short_error(
        &run,
        &format!("SMTP_PORT={}… (10000000 bytes) in ", "9".repeat(64)),
    );
    assert!(
        run.stderr.contains("app.env: not a port number"),
        "{}",
        run.stderr
    );

    let run = check_env_file(
        &format!(
            "SMTP_HOST=smtp.example.com\nSMTP_PORT=587\nSMTP_PASSWORD={SECRET}\nSMTP_SECURE=\"\u{1b}[2J{}\"\n",
            "s".repeat(100_000)
        ),
        &[],
    );
    short_error(&run, "SMTP_SECURE=\\e[2Jsss");
    assert!(
        run.stderr.contains("not a security setting"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_huge_environment_value_is_cut() {
    let out = Command::new(env!("CARGO_BIN_EXE_mxray"))
        .args(["check", "--env", "--no-password-prompt"])
        .env_clear()
        .env("SMTP_HOST", "smtp.example.com")
        .env("SMTP_PASSWORD", SECRET)
        .env("SMTP_PORT", "7".repeat(100_000))
        .output()
        .unwrap();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    short_error(
        &run,
        "… (100000 bytes) in the environment: not a port number",
    );
}

#[test]
fn a_dsn_with_a_password_is_never_quoted_whole() {
    let long_password = format!("{SECRET}{}", "p".repeat(3_000));
    for (dsn, needle) in [
        (
            format!("smtp://u:{SECRET}@bad host:587"),
            "the host name holds a space",
        ),
        (
            format!("smtp://u:{SECRET}@host:99999999"),
            "the port is not a port number",
        ),
        (
            format!(
                "smtp://u:{SECRET}@host:587?encryption={}",
                "e".repeat(5_000)
            ),
            "encryption=eeee",
        ),
        (
            format!("{}://u:{SECRET}@host", "f".repeat(5_000)),
            "unknown scheme ffff",
        ),
        (
            format!("smtp://u:{SECRET}@[{}]:587", "z".repeat(5_000)),
            "(5000 bytes)] is not an IPv6 address",
        ),
        (
            format!("smtp://u:{long_password}@host:587?encryption=x"),
            "encryption=x: unknown encryption",
        ),
    ] {
        let run = check_env_file(&format!("MAILER_DSN={dsn}\n"), &[]);
        short_error(&run, needle);
        assert!(run.stderr.contains("MAILER_DSN in "), "{}", run.stderr);
        // The same URL on the command line.
        short_error(&mxray(&["check", &dsn, "--no-password-prompt"]), needle);
    }
}

#[test]
fn a_huge_variable_name_in_an_env_file_note_is_cut() {
    let run = check_env_file(
        &format!(
            "SMTP_HOST=127.0.0.1\nSMTP_PORT=9\n{}=\"{SECRET} without its closing quote\n",
            "K".repeat(1_000_000)
        ),
        &[
            "--timeout",
            "1",
            "--resolver",
            "127.0.0.1:9",
            "--no-legacy-tls",
            "--color",
            "never",
        ],
    );
    // Nothing listens on port 9: the configured endpoint fails.
    assert_eq!(run.code, 1, "{}", run.stderr);
    let note = run
        .stdout
        .lines()
        .find(|l| l.contains("has no closing quote"))
        .unwrap_or_else(|| panic!("no note in:\n{}", run.stdout));
    assert!(
        note.ends_with(&format!(
            "line 3: {}… (1000000 bytes) has no closing quote and was skipped",
            "K".repeat(64)
        )),
        "{note}"
    );
    assert!(note.len() < 400, "{} bytes", note.len());
    assert!(!run.stdout.contains(SECRET), "{}", run.stdout);
}
