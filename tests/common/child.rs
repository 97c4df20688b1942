//! The real `mxray` binary as a child process against an in-process hostile server: how long
//! it took to end, its peak resident memory (the kernel's own count, from `wait4`), and the
//! JSON report it wrote.

#![allow(dead_code)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What a normal run needs is about 20 MiB (measured: a one-port probe of a well-behaved
/// STARTTLS server); the cap leaves room for allocator noise, not for a hostile peer's data.
pub const MEMORY_CAP_KIB: u64 = 64 * 1024;
/// Slack on top of a documented time bound, for a loaded 2-core CI machine.
pub const SLACK: Duration = Duration::from_secs(5);

/// One finished run of the binary.
pub struct ChildRun {
    pub code: i32,
    pub elapsed: Duration,
    /// Peak resident set (`ru_maxrss`, KiB), exact for the child alone.
    pub peak_kib: u64,
    pub report: serde_json::Value,
    pub stderr: String,
}

impl ChildRun {
    /// The report's finding codes (every report kind keeps them in `findings`).
    pub fn codes(&self) -> Vec<String> {
        let mut c: Vec<String> = self.report["findings"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|f| f["code"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        c.sort();
        c
    }

    pub fn has(&self, code: &str) -> bool {
        self.codes().iter().any(|c| c == code)
    }

    /// The whole report as text, for searching what it says about the case.
    pub fn text(&self) -> String {
        self.report.to_string()
    }

    /// The report names the case: it has `code`, and its text says `words`.
    pub fn assert_says(&self, code: &str, words: &str) {
        assert!(
            self.has(code),
            "no {code}: {:?}\n{}",
            self.codes(),
            self.text()
        );
        assert!(
            self.text().contains(words),
            "the report does not say {words:?}: {}",
            self.text()
        );
    }

    /// Ended within `bound`, under the memory cap, with a report (exit 0 or 1).
    pub fn assert_bounded(&self, case: &str, bound: Duration) {
        self.assert_within(case, bound);
        assert!(
            self.code == 0 || self.code == 1,
            "{case}: exit {} (2 is bad input, other values a crash)\nstderr: {}",
            self.code,
            self.stderr
        );
    }

    /// Ended within `bound` and under the memory cap; prints the measurement for the record.
    pub fn assert_within(&self, case: &str, bound: Duration) {
        eprintln!(
            "hostile case {case}: ended in {:.2} s, peak {:.1} MiB, exit {}, codes {:?}",
            self.elapsed.as_secs_f64(),
            self.peak_kib as f64 / 1024.0,
            self.code,
            self.codes()
        );
        assert!(
            self.elapsed <= bound,
            "{case}: took {:?}, bound {bound:?}",
            self.elapsed
        );
        assert!(
            self.peak_kib <= MEMORY_CAP_KIB,
            "{case}: peak memory {} KiB over the cap of {MEMORY_CAP_KIB} KiB",
            self.peak_kib
        );
    }
}

/// The binary under test: this build's, or the one `MXRAY_TEST_BIN` names (a release build,
/// or another revision to compare the same cases against).
fn binary() -> std::ffi::OsString {
    std::env::var_os("MXRAY_TEST_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_mxray").into())
}

/// The environment variable that turns a re-executed test binary into the spawner.
const SPAWN_DIR: &str = "MXRAY_TEST_SPAWN_DIR";
/// The name of the ignored test every memory-test file declares to call [`spawner_entry`].
pub const SPAWNER_TEST: &str = "child_spawner";

/// `mxray ARGS --format json --color never`, run from a blocking thread so the in-process
/// servers keep serving; the report is checked against the schema.
pub async fn mxray(args: &[&str]) -> ChildRun {
    let mut args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    args.extend(["--format", "json", "--color", "never"].map(String::from));
    let run = tokio::task::spawn_blocking(move || run_blocking(&args))
        .await
        .expect("join the child runner");
    if !run.report.is_null() {
        super::schema::assert_valid(&run.report);
    }
    run
}

/// Why mxray is not started from this process: the kernel's peak count (`ru_maxrss`) of a
/// child starts at the resident size of the process that forked it, and a test process that
/// serves megabyte certificates is far bigger than mxray. A freshly started copy of this test
/// binary (a few MiB, less than any mxray run) starts mxray instead and reports its count.
fn run_blocking(args: &[String]) -> ChildRun {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = |name: &str| dir.path().join(name);
    std::fs::write(path("args.json"), serde_json::to_vec(args).expect("args")).expect("args");
    let started = Instant::now();
    let status = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            SPAWNER_TEST,
            "--exact",
            "--include-ignored",
            "--test-threads",
            "1",
        ])
        .env(SPAWN_DIR, dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("start the spawner");
    let elapsed = started.elapsed();
    assert!(status.success(), "the spawner failed: {status}");
    let read = |name: &str| std::fs::read(path(name)).unwrap_or_default();
    let result = String::from_utf8(read("result")).expect("result");
    let mut nums = result
        .split_whitespace()
        .map(|n| n.parse::<i64>().expect("number"));
    let (code, peak_kib) = (nums.next().expect("code"), nums.next().expect("peak"));
    let stdout = read("stdout");
    let stderr = String::from_utf8_lossy(&read("stderr")).into_owned();
    // Bad input (exit 2) writes no report, only its one line on stderr.
    let report = if stdout.is_empty() && code == 2 {
        serde_json::Value::Null
    } else {
        serde_json::from_slice(&stdout).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {}\nstderr: {stderr}",
                String::from_utf8_lossy(&stdout[..stdout.len().min(4096)])
            )
        })
    };
    ChildRun {
        code: code as i32,
        elapsed,
        peak_kib: peak_kib as u64,
        report,
        stderr,
    }
}

/// The spawner's side, run by the ignored test [`SPAWNER_TEST`] of a re-executed test binary:
/// starts mxray with the arguments in the directory, reaps it, and writes its exit code and
/// peak memory there. Without the environment variable (a normal test run) it does nothing.
#[allow(
    clippy::zombie_processes,
    reason = "the child is reaped by wait4, which also gives its resource usage"
)]
pub fn spawner_entry() {
    let Some(dir) = std::env::var_os(SPAWN_DIR) else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    let args: Vec<String> =
        serde_json::from_slice(&std::fs::read(dir.join("args.json")).expect("args")).expect("args");
    let file = |name: &str| std::fs::File::create(dir.join(name)).expect("output file");
    let child = Command::new(binary())
        .args(&args)
        .stdin(Stdio::null())
        .stdout(file("stdout"))
        .stderr(file("stderr"))
        .spawn()
        .expect("start mxray");
    let (code, peak_kib) = wait4(child.id() as libc::pid_t);
    std::fs::write(dir.join("result"), format!("{code} {peak_kib}")).expect("result");
}
/// Reaps the child and returns its exit code (-signal when killed) and `ru_maxrss` in KiB.
fn wait4(pid: libc::pid_t) -> (i32, u64) {
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value for the kernel to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: pid is our own unreaped child; both pointers are to live locals.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            break;
        }
        let e = std::io::Error::last_os_error();
        assert_eq!(e.kind(), std::io::ErrorKind::Interrupted, "wait4: {e}");
    }
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -libc::WTERMSIG(status)
    };
    (code, usage.ru_maxrss as u64)
}
