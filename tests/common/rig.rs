//! Access to the real-server rig started by tests/servers/up.sh: its variables, and running
//! the mxray binary against it with JSON output decoded into the report types.

#![allow(dead_code)]

use mxray::report::Report;
use std::collections::HashMap;
use std::process::Command;

pub struct Rig {
    pub vars: HashMap<String, String>,
}

impl Rig {
    /// Reads `$MXRAY_RIG_DIR/rig.env` (default /tmp/mxray-rig). Panics with the way to start
    /// the rig: these tests are meaningless without it.
    pub fn get() -> Rig {
        let dir = std::env::var("MXRAY_RIG_DIR").unwrap_or_else(|_| "/tmp/mxray-rig".into());
        let path = format!("{dir}/rig.env");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!("the real-server rig is not running ({path}: {e}); start it with tests/servers/up.sh or run tests/run.sh")
        });
        let vars = text
            .lines()
            .filter_map(|l| l.strip_prefix("export "))
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.trim_matches('"').to_string()))
            .collect();
        Rig { vars }
    }

    pub fn var(&self, k: &str) -> &str {
        self.vars
            .get(k)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("rig.env lacks {k}"))
    }

    /// The connection options every rig run needs.
    pub fn base_args(&self) -> Vec<String> {
        vec![
            "--resolver".into(),
            self.var("MXRAY_RIG_DNS").into(),
            "--ca-file".into(),
            self.var("MXRAY_RIG_CA").into(),
            "--timeout".into(),
            "5".into(),
            "--helo".into(),
            "client.mxray.test".into(),
        ]
    }
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn mxray(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_mxray"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run mxray");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `mxray server HOST --format json EXTRA…` against the rig, schema-checked and decoded.
pub fn server_json(rig: &Rig, host: &str, extra: &[&str]) -> (Report, i32) {
    let mut args: Vec<String> = vec!["server".into(), host.into()];
    args.extend(rig.base_args());
    args.extend(["--format".into(), "json".into()]);
    args.extend(extra.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = mxray(&refs);
    assert!(
        run.code == 0 || run.code == 1,
        "mxray {args:?} exited {}: {}",
        run.code,
        run.stderr
    );
    let value: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", run.stdout));
    super::schema::assert_valid(&value);
    let report: Report = serde_json::from_value(value).expect("decode report");
    (report, run.code)
}

/// Codes of the findings that count (not ignored), sorted and deduplicated.
pub fn codes(r: &Report) -> Vec<String> {
    let mut c: Vec<String> = r
        .findings
        .iter()
        .filter(|f| !f.ignored)
        .map(|f| f.code.clone())
        .collect();
    c.sort();
    c.dedup();
    c
}
