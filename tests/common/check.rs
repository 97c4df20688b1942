//! Running `mxray check` against the rig: JSON decoded and schema-checked, and every output
//! searched for the rig passwords and their encodings.

#![allow(dead_code)]

use super::rig::Rig;
use mxray::report::Report;

pub fn check_json(rig: &Rig, args: &[&str]) -> (Report, i32) {
    check_json_env(rig, args, &[])
}

/// The From address the tests send as unless they give one: good.mxray.test's SPF permits the
/// rig's mail host and it has DKIM and DMARC, so no From-domain finding mixes into tests about
/// the connection and the login (the mailbox domain mxray.test has neither SPF nor DMARC).
pub const CLEAN_FROM: &str = "alice@good.mxray.test";

/// `mxray check ARGS` with `env` set on the child process; JSON, schema-checked, and with no
/// trace of either rig password (nor of its base64 forms) in stdout or stderr. Without a
/// `--from` in ARGS, `--from CLEAN_FROM` is added.
pub fn check_json_env(rig: &Rig, args: &[&str], env: &[(&str, &str)]) -> (Report, i32) {
    let mut all: Vec<String> = vec!["check".into()];
    all.extend(args.iter().map(|s| s.to_string()));
    if !args.contains(&"--from") {
        all.extend(["--from".into(), CLEAN_FROM.into()]);
    }
    all.extend(rig.base_args());
    all.extend(["-4".into(), "--format".into(), "json".into()]);
    let (code, stdout, stderr) = run_env(&all, env);
    assert!(code <= 1, "{stderr}");
    assert_no_password(rig, &stdout);
    assert_no_password(rig, &stderr);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    super::schema::assert_valid(&v);
    (serde_json::from_value(v).unwrap(), code)
}

pub fn run_env(args: &[String], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_mxray"));
    cmd.args(args).env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run mxray");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Standard base64, to look for the encoded secrets too.
pub fn b64(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            out.push(if i <= c.len() {
                A[(n >> (18 - 6 * i)) as usize & 63] as char
            } else {
                '='
            });
        }
    }
    out
}

pub fn assert_no_password(rig: &Rig, text: &str) {
    for var in ["MXRAY_RIG_PASSWORD", "MXRAY_RIG_PASSWORD2"] {
        let pw = rig.var(var);
        for secret in [
            pw.to_string(),
            b64(pw.as_bytes()),
            b64(format!("\0{}\0{pw}", rig.var("MXRAY_RIG_USER")).as_bytes()),
            b64(format!("\0alice\0{pw}").as_bytes()),
        ] {
            assert!(
                !text.contains(&secret),
                "a password ({var}) or its encoding was printed: {text}"
            );
        }
    }
}
