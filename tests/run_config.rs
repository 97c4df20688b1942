//! `mxray run` without the rig: mxray.toml errors named by file, line and key; every
//! expectation raising its finding from recorded evidence; flags over the file; ignore lists
//! global and per target; the 0/1/2 exit rules.

use mxray::diagnose::expect::{self, Expect};
use mxray::findings::{Finding, Severity};
use mxray::policy::dmarc::Policy;
use mxray::report::Report;
use std::path::Path;
use std::process::Command;

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn mxray_in(dir: &Path, args: &[&str]) -> Out {
    let out = Command::new(env!("CARGO_BIN_EXE_mxray"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `mxray run --config FILE` on `text` in a fresh directory.
fn run_config(text: &str, extra: &[&str]) -> Out {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ci.toml"), text).unwrap();
    let mut args = vec!["run", "--config", "ci.toml"];
    args.extend(extra);
    mxray_in(dir.path(), &args)
}

fn fixture(path: &str) -> (Report, i64) {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(path);
    let r = mxray::report::load(std::fs::File::open(p).unwrap()).unwrap();
    let now = r.started_unix().unwrap();
    (r, now)
}

fn only(findings: &[Finding], code: &str) -> Finding {
    let hits: Vec<&Finding> = findings.iter().filter(|f| f.code == code).collect();
    assert_eq!(hits.len(), 1, "{code} once in {findings:?}");
    hits[0].clone()
}

#[test]
fn an_unknown_top_level_key_is_named_with_its_line() {
    let out = run_config("fail_on = \"warning\"\ncolour = 1\n", &[]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .starts_with("mxray: ci.toml:2: unknown field `colour`, expected one of"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
}

#[test]
fn an_unknown_key_in_a_target_is_named_with_its_line() {
    let out = run_config("[[server]]\nhost = \"mail.example.com\"\nport = 25\n", &[]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .starts_with("mxray: ci.toml:3: unknown field `port`"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_wrong_type_names_file_line_and_key() {
    let text =
        "fail_on = \"warning\"\n\n[[server]]\nhost = \"x.example\"\nmin_cert_days = \"ten\"\n";
    let out = run_config(text, &[]);
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr.trim(),
        "mxray: ci.toml:5: min_cert_days: invalid type: string \"ten\", expected u32"
    );
    let out = run_config("fail_on = \"sometimes\"\n", &[]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("ci.toml:1:"), "{}", out.stderr);
    assert!(out.stderr.contains("sometimes"), "{}", out.stderr);
}

#[test]
fn bad_values_inside_targets_are_refused_before_any_probe() {
    for (text, says) in [
        (
            "[[server]]\nhost = \"x.example\"\nports = [\"25/ftp\"]\n",
            "ci.toml: [[server]] #1 (x.example): unknown port role \"ftp\"",
        ),
        (
            "min_tls_version = \"1.5\"\n[[server]]\nhost = \"x.example\"\n",
            "min_tls_version \"1.5\" is not 1.0, 1.1, 1.2 or 1.3",
        ),
        (
            "[[domain]]\nname = \"example.com\"\nignore = [\"dkim.notfound\"]\n",
            "ignore \"dkim.notfound\" is not a finding code",
        ),
        (
            "[[domain]]\nname = \"example.com\"\nsending_ips = [\"300.1.1.1\"]\n",
            "ci.toml: [[domain]] #1 (example.com): invalid value '300.1.1.1'",
        ),
        ("[[check]]\nuser = \"a@example.com\"\n", "give url or host"),
        (
            "[[check]]\nurl = \"smtp://a%40example.com:hunter2@smtp.example.com:587\"\n",
            "ci.toml: [[check]] #1 (smtp.example.com:587): the url carries a password",
        ),
        ("fail_on = \"error\"\n", "ci.toml has no target"),
    ] {
        let out = run_config(text, &[]);
        assert_eq!(out.code, 2, "{text}: {}", out.stderr);
        assert!(out.stderr.contains(says), "{text}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "{text}: nothing probed or printed");
    }
}

#[test]
fn without_a_file_mxray_toml_is_looked_for_in_the_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    let out = mxray_in(dir.path(), &["run"]);
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr.trim(),
        "mxray: no mxray.toml in the working directory (give one with --config FILE)"
    );
    std::fs::write(dir.path().join("mxray.toml"), "bogus = true\n").unwrap();
    let out = mxray_in(dir.path(), &["run"]);
    assert_eq!(out.code, 2);
    assert!(out
        .stderr
        .starts_with("mxray: mxray.toml:1: unknown field `bogus`"));
}

#[test]
fn cert_days_below_the_minimum_is_an_error() {
    let (r, now) = fixture("server/soon.json");
    let want = |days| Expect {
        min_cert_days: Some(days),
        ..Expect::default()
    };
    let f = only(&expect::check(&r.body, now, &want(21)), "expect.cert-days");
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.subject, "soon.mxray.test 127.0.0.21:25");
    assert_eq!(
        f.summary,
        "the certificate expires in 10 days, fewer than the 21 days min_cert_days asks for"
    );
    assert!(f
        .evidence
        .contains(&"not after: 2026-12-04T08:14:26Z".to_string()));
    assert!(expect::check(&r.body, now, &want(10)).is_empty());
}

#[test]
fn tls_below_the_minimum_is_an_error() {
    let want = |minor| Expect {
        min_tls_minor: Some(minor),
        ..Expect::default()
    };
    let (r, now) = fixture("server/legacy.json");
    let f = only(&expect::check(&r.body, now, &want(2)), "expect.tls-version");
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.subject, "legacy.mxray.test 127.0.0.17:25");
    assert_eq!(
        f.summary,
        "the port accepts TLSv1.0 and accepts TLSv1.1, below the TLS 1.2 min_tls_version asks for"
    );
    // TLS 1.3 negotiated: a 1.3 minimum is met there, but the legacy versions still fail it.
    assert_eq!(expect::check(&r.body, now, &want(3)).len(), 1);
    let (clean, now) = fixture("server/clean.json");
    assert!(expect::check(&clean.body, now, &want(2)).is_empty());
}

#[test]
fn a_weaker_or_missing_dmarc_policy_is_an_error() {
    let want = |p| Expect {
        dmarc_policy: Some(p),
        ..Expect::default()
    };
    let (r, now) = fixture("domain/dnone.json");
    let f = only(
        &expect::check(&r.body, now, &want(Policy::Quarantine)),
        "expect.dmarc-policy",
    );
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.subject, "dnone.mxray.test");
    assert_eq!(
        f.summary,
        "the DMARC policy is p=none; dmarc_policy requires p=quarantine or stronger"
    );
    assert!(expect::check(&r.body, now, &want(Policy::None)).is_empty());
    let (good, now) = fixture("domain/good.json");
    assert!(expect::check(&good.body, now, &want(Policy::Reject)).is_empty());
    // A server report has no DMARC record to judge: the expectation does not apply.
    let (server, now) = fixture("server/clean.json");
    assert!(expect::check(&server.body, now, &want(Policy::Reject)).is_empty());
}

#[test]
fn a_required_port_that_does_not_answer_is_an_error() {
    let (r, now) = fixture("server/closed.json");
    let want = Expect {
        required_ports: vec![25, 587, 2525],
        ..Expect::default()
    };
    let found = expect::check(&r.body, now, &want);
    let summaries: Vec<(&str, &str)> = found
        .iter()
        .map(|f| (f.subject.as_str(), f.summary.as_str()))
        .collect();
    assert_eq!(
        summaries,
        [
            (
                "closed.mxray.test:587",
                "required port 587 did not accept a connection on any of 1 addresses"
            ),
            (
                "closed.mxray.test:2525",
                "required port 2525 was not probed"
            ),
        ]
    );
    assert!(found
        .iter()
        .all(|f| f.code == "expect.port-missing" && f.severity == Severity::Error));
}

/// A loopback port nothing listens on: connections are refused at once.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn reports(json: &str) -> Vec<Report> {
    serde_json::from_str(json).unwrap()
}

#[test]
fn flags_override_the_file_and_ignore_lists_add_up() {
    let port = closed_port();
    let text = format!(
        "fail_on = \"error\"\ntimeout = 2\nrequired_ports = [{port}]\n\n\
         [[server]]\nhost = \"127.0.0.1\"\nports = [\"{port}/smtp\"]\nignore = [\"net.port-closed\"]\n"
    );
    let out = run_config(&text, &["--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let r = &reports(&out.stdout)[0];
    let closed = only(&r.findings, "net.port-closed");
    assert!(closed.ignored, "the target's ignore list applies");
    let missing = only(&r.findings, "expect.port-missing");
    assert!(!missing.ignored);
    assert_eq!(missing.severity, Severity::Error);
    assert_eq!(missing.subject, format!("127.0.0.1:{port}"));
    assert!(r.summary.failed);

    // A flag's ignore adds to the file's; --fail-on never beats the file's fail_on.
    let out = run_config(
        &text,
        &["--format", "json", "--ignore", "expect.port-missing"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let r = &reports(&out.stdout)[0];
    assert!(only(&r.findings, "expect.port-missing").ignored);
    assert!(only(&r.findings, "net.port-closed").ignored);
    let out = run_config(&text, &["--format", "json", "--fail-on", "never"]);
    assert_eq!(out.code, 0);
    assert_eq!(reports(&out.stdout)[0].summary.fail_on, "never");

    // --required-ports replaces the file's list.
    let other = closed_port();
    let out = run_config(
        &text,
        &["--format", "json", "--required-ports", &other.to_string()],
    );
    let r = &reports(&out.stdout)[0];
    assert_eq!(
        only(&r.findings, "expect.port-missing").summary,
        format!("required port {other} was not probed")
    );
}

#[test]
fn the_global_ignore_list_and_the_human_summary() {
    let port = closed_port();
    let text = format!(
        "timeout = 2\nignore = [\"net.port-closed\"]\n\n\
         [[server]]\nhost = \"127.0.0.1\"\nports = [\"{port}/smtp\"]\n\n\
         [[server]]\nhost = \"127.0.0.1\"\nports = [\"{port}/smtp\"]\nrequired_ports = [{port}]\n"
    );
    let out = run_config(&text, &["--color", "never"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let tail: Vec<&str> = out.stdout.lines().rev().take(3).collect();
    assert_eq!(tail[0], "2 targets: 1 passed, 1 failed");
    // The PTR of 127.0.0.1 depends on the machine's resolver: warnings are not counted here.
    let line = |l: &str, start: &str| {
        assert!(l.starts_with(start), "{l}");
        assert!(l.ends_with(", 1 ignored (fail_on error)"), "{l}");
    };
    line(tail[1], "  FAIL  server 127.0.0.1  1 error, ");
    line(tail[2], "  PASS  server 127.0.0.1  0 errors, ");
    assert_eq!(out.stdout.matches("━━ server 127.0.0.1").count(), 2);
}
