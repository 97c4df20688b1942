//! Running mxray against the rig's servers other than Postfix and Dovecot (Exim, aiosmtpd,
//! Courier; tests/servers/up_other.sh), with a per-run timeout: Courier holds back the answer
//! to a failed login for 5 s, the rig's default --timeout. Included by the
//! tests/e2e_other_*.rs files with `#[path]`, next to `mod common;`.

#![allow(dead_code)]

use crate::common::check::{assert_no_password, run_env};
use crate::common::rig::Rig;
use mxray::findings::Finding;
use mxray::report::Report;

pub const PW_VAR: &str = "MXRAY_TEST_PW";
pub const WRONG: &str = "not-the-rig-password";

/// `mxray COMMAND ARGS` + the rig's options with `--timeout SECS`, `-4`, JSON; schema-checked,
/// the rig passwords absent from every output; `pw` (if any) in PW_VAR.
pub fn run(rig: &Rig, command: &str, args: &[&str], pw: Option<&str>, secs: u32) -> (Report, i32) {
    let mut all: Vec<String> = vec![command.into()];
    all.extend(args.iter().map(|s| s.to_string()));
    let mut base = rig.base_args();
    let t = base.iter().position(|a| a == "--timeout").unwrap();
    base[t + 1] = secs.to_string();
    all.extend(base);
    all.extend(["-4".into(), "--format".into(), "json".into()]);
    if pw.is_some() {
        all.extend(["--password-env".into(), PW_VAR.into()]);
    }
    let env: Vec<(&str, &str)> = pw.map(|p| (PW_VAR, p)).into_iter().collect();
    let (code, stdout, stderr) = run_env(&all, &env);
    assert!(code <= 1, "mxray {all:?} exited {code}: {stderr}");
    assert_no_password(rig, &stdout);
    assert_no_password(rig, &stderr);
    let v: serde_json::Value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"));
    crate::common::schema::assert_valid(&v);
    (serde_json::from_value(v).unwrap(), code)
}

pub fn finding<'a>(r: &'a Report, code: &str) -> &'a Finding {
    r.findings
        .iter()
        .find(|f| f.code == code)
        .unwrap_or_else(|| panic!("no {code} in {:#?}", r.findings))
}

/// Every finding of `code`.
pub fn all_of<'a>(r: &'a Report, code: &str) -> Vec<&'a Finding> {
    r.findings.iter().filter(|f| f.code == code).collect()
}

pub fn severity(f: &Finding) -> &'static str {
    f.severity.label()
}
