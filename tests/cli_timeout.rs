//! `--timeout` outside 0.5–120 s is refused before any probe: a sub-millisecond timeout would
//! blame every server for mxray's impatience, an enormous one would make a run last for days.

mod common;

use common::rig::mxray;

/// `value` refused, the error quoting it as `shown`.
fn refused(value: &str, shown: &str) {
    for cmd in [
        vec!["server", "127.0.0.1", "--ports", "9/smtp"],
        vec!["domain", "example.test", "--no-probe"],
        vec![
            "check",
            "--host",
            "127.0.0.1",
            "--port",
            "9",
            "--security",
            "ssl",
        ],
    ] {
        let mut args = cmd.clone();
        let flag = format!("--timeout={value}");
        args.extend([flag.as_str(), "--resolver", "127.0.0.1:9"]);
        let run = mxray(&args);
        assert_eq!(run.code, 2, "{args:?}: {}{}", run.stdout, run.stderr);
        let err = run.stderr.trim();
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        assert!(
            err.contains(&format!(
                "--timeout must be between 0.5 and 120 seconds, got {shown}"
            )),
            "{args:?}: {err}"
        );
        assert!(run.stdout.is_empty(), "no report: {}", run.stdout);
    }
}

#[test]
fn tiny_timeouts_are_refused_with_exit_2() {
    refused("0.0001", "0.0001");
    refused("0.49", "0.49");
    refused("0", "0");
    refused("-1", "-1");
}

#[test]
fn huge_and_non_finite_timeouts_are_refused_with_exit_2() {
    refused("121", "121");
    refused("1e12", "1000000000000");
    refused("inf", "inf");
    refused("NaN", "NaN");
}

#[test]
fn the_floor_itself_is_accepted() {
    // Port 9 on loopback is closed: the run ends at once with net.port-closed (exit 1).
    let run = mxray(&[
        "server",
        "127.0.0.1",
        "--ports",
        "9/smtp",
        "--timeout",
        "0.5",
        "--resolver",
        "127.0.0.1:9",
        "--no-legacy-tls",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("\"net.port-closed\""), "{}", run.stdout);
    assert!(run.stdout.contains("\"timeout_ms\": 500"), "{}", run.stdout);
}
