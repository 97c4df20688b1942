//! Bad input the other hostile-input tests do not cover, one table: absurd port lists and
//! ports out of range wherever a port is given, huge host names in every place a host is
//! taken, invalid UTF-8 in arguments and files, odd percent-encoding and oversized credentials
//! in URLs, and `mxray diagnose` on empty, truncated, 100 MB and schema-violating input. Each
//! is exit 2 with exactly one bounded line on stderr naming the problem, nothing on stdout,
//! and never a panic.

mod common;

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::Path;
use std::process::Command;

/// What goes into the temporary file `FILE` stands for in the arguments.
enum File {
    None,
    Bytes(Vec<u8>),
    /// A sparse file of this many bytes.
    Sparse(u64),
}

struct Case {
    args: Vec<OsString>,
    file: File,
    needle: &'static str,
}

fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

fn case(args: &[&str], needle: &'static str) -> Case {
    Case {
        args: os(args),
        file: File::None,
        needle,
    }
}

fn with_file(args: &[&str], file: File, needle: &'static str) -> Case {
    Case {
        args: os(args),
        file,
        needle,
    }
}

/// `args` with one argument of raw bytes appended.
fn raw(args: &[&str], bytes: &[u8], needle: &'static str) -> Case {
    let mut a = os(args);
    a.push(OsString::from_vec(bytes.to_vec()));
    Case {
        args: a,
        file: File::None,
        needle,
    }
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(name),
    )
    .unwrap()
}

fn cases() -> Vec<Case> {
    let many_ports: String = (1..=20_000).map(|p| format!("{p},")).collect();
    let host = "h".repeat(10_000);
    let long_url = format!("smtp://u@{host}:587");
    let big_password = format!("smtp://u:{}@127.0.0.1:587", "p".repeat(100_000));
    let mut big_dsn = b"MAILER_DSN=smtp://u:".to_vec();
    big_dsn.extend(vec![b'p'; 1_000_000]);
    big_dsn.extend(b"@127.0.0.1:587\n");
    let mut binary_env = b"SMTP_HOST=127.0.0.1\nSMTP_PASSWORD=".to_vec();
    binary_env.extend((0..4096u32).map(|i| (i * 7919 % 251) as u8));
    let report = fixture("server/expired.json");
    let truncated = report[..report.len() / 2].to_vec();
    let mut wrong_type: serde_json::Value = serde_json::from_slice(&report).unwrap();
    wrong_type["duration_ms"] = "fast".into();
    let mut no_findings = wrong_type.clone();
    no_findings["duration_ms"] = 1.into();
    no_findings["findings"] = serde_json::json!({"code": "x"});
    vec![
        // Ports.
        case(
            &["server", "example.com", "--ports", &many_ports],
            "--ports names more than 64 ports",
        ),
        case(
            &["server", "example.com", "--ports", "65536"],
            "port 65536 is out of range (1–65535)",
        ),
        case(
            &["domain", "example.com", "--ports", "25,0"],
            "port 0 is out of range",
        ),
        case(
            &["server", "example.com", "--ports", "4294967296"],
            "\"4294967296\" is not a port number",
        ),
        case(
            &["check", "--host", "smtp.example.com", "--port", "65536"],
            "--port 65536: not a port number (1-65535)",
        ),
        case(
            &["check", "smtp://u@smtp.example.com:0"],
            "the URL: the port is not a port number",
        ),
        with_file(
            &["check", "--env-file", "FILE", "--no-password-prompt"],
            File::Bytes(b"SMTP_HOST=smtp.example.com\nSMTP_PORT=65536\n".to_vec()),
            "SMTP_PORT=65536 in ",
        ),
        // Host names of 10,000 characters, wherever a host is taken.
        case(
            &["check", "--host", &host, "--no-password-prompt"],
            "(10000 bytes) is not a valid host name: longer than 253 characters",
        ),
        case(
            &["check", &long_url, "--no-password-prompt"],
            "(10000 bytes) is not a valid host name",
        ),
        case(
            &["server", "example.com", "--tls-name", &host],
            "--tls-name: \"hhhh",
        ),
        case(
            &["domain", "example.com", "--dnsbl-zone", &host],
            "(10000 bytes)",
        ),
        case(
            &[
                &["domain", "example.com"][..],
                &["--dkim-selector", "s"].repeat(65),
            ]
            .concat(),
            "--dkim-selector is given 65 times; at most 64",
        ),
        case(
            &[
                &["server", "example.com"][..],
                &["--resolver", "127.0.0.1"].repeat(65),
            ]
            .concat(),
            "--resolver is given 65 times; at most 64",
        ),
        // Values clap parses, quoted cut.
        case(
            &["server", "example.com", "--per-address", &host],
            "error: invalid value 'hhhh",
        ),
        case(&[&host], "error: unrecognized subcommand 'hhhh"),
        // Credentials.
        case(
            &["check", &big_password, "--no-password-prompt"],
            "the password from the URL is 100000 bytes long, more than the 8192 a login carries",
        ),
        with_file(
            &["check", "--env-file", "FILE", "--no-password-prompt"],
            File::Bytes(big_dsn),
            "the password from MAILER_DSN in ",
        ),
        case(
            &["check", "smtp://u:%C3%28@127.0.0.1:587"],
            "the password is not UTF-8 once percent-decoded",
        ),
        case(
            &["check", "smtp://%FF@127.0.0.1:587"],
            "the user name is not UTF-8 once percent-decoded",
        ),
        case(
            &["check", "smtp://u:p%00w@127.0.0.1:587"],
            "the password from the URL contains a NUL byte",
        ),
        case(
            &["check", "smtp://u:p@exa%6dple.com:587"],
            "\"exa%6dple.com\" is not a valid host name: it contains '%'",
        ),
        // Invalid UTF-8 in arguments and files.
        raw(
            &["server"],
            b"mail.\xff\xfe.com",
            "invalid UTF-8 was detected in one or more arguments",
        ),
        raw(
            &["check", "--no-password-prompt", "--host"],
            b"\xc3",
            "invalid UTF-8",
        ),
        with_file(
            &["check", "--env-file", "FILE", "--no-password-prompt"],
            File::Bytes(binary_env),
            "is not UTF-8 text",
        ),
        with_file(
            &["check", "--env-file", "FILE", "--no-password-prompt"],
            File::Bytes(b"SMTP_HOST=127.0.0.1\nSMTP_PASSWORD=a\0b\n".to_vec()),
            "contains a NUL byte",
        ),
        case(
            &["server", "example.com", "--ca-file", "/dev/zero"],
            "cannot read CA file \"/dev/zero\": larger than 4 MiB",
        ),
        // Saved reports.
        with_file(
            &["diagnose", "FILE"],
            File::Bytes(vec![]),
            "is not an mxray report",
        ),
        with_file(
            &["diagnose", "FILE"],
            File::Bytes(truncated),
            "is not an mxray report: EOF while parsing",
        ),
        with_file(
            &["diagnose", "FILE"],
            File::Sparse(100 * 1024 * 1024),
            "larger than 16 MiB",
        ),
        with_file(
            &["diagnose", "FILE"],
            File::Bytes(wrong_type.to_string().into_bytes()),
            "is not an mxray report: invalid type: string \"fast\"",
        ),
        with_file(
            &["diagnose", "FILE"],
            File::Bytes(no_findings.to_string().into_bytes()),
            "is not an mxray report: invalid type: map",
        ),
    ]
}

#[test]
fn each_is_one_line_and_exit_2() {
    let cases = cases();
    let mut failures = Vec::new();
    for c in &cases {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("input");
        match &c.file {
            File::None => {}
            File::Bytes(b) => std::fs::write(&path, b).unwrap(),
            File::Sparse(n) => std::fs::File::create(&path).unwrap().set_len(*n).unwrap(),
        }
        let args: Vec<OsString> = c
            .args
            .iter()
            .map(|a| {
                if a == "FILE" {
                    path.clone().into()
                } else {
                    a.clone()
                }
            })
            .collect();
        let out = Command::new(env!("CARGO_BIN_EXE_mxray"))
            .args(&args)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let err = stderr.trim_end();
        let what: String = format!("{:?}", c.args).chars().take(120).collect();
        let ok = out.status.code() == Some(2)
            && out.stdout.is_empty()
            && err.lines().count() == 1
            && err.len() < 400
            && err.contains(c.needle)
            && !err.contains("panicked")
            && !err.contains(['\u{1b}', '\u{7}', '\r']);
        if !ok {
            let head: String = err.chars().take(500).collect();
            failures.push(format!(
                "{what}: exit {:?}, {} bytes on stdout, {} on stderr: {head}",
                out.status.code(),
                out.stdout.len(),
                err.len()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(cases.len(), 31);
}
