//! Running `mxray check` against the rig: JSON decoded and schema-checked, and every output
//! searched for the rig passwords and their encodings.

#![allow(dead_code)]

use super::rig::Rig;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
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
    let mut all = args.to_vec();
    if !args.contains(&"--from") {
        all.extend(["--from", CLEAN_FROM]);
    }
    check_json_as_given(rig, &all, env)
}

/// [`check_json_env`] with ARGS exactly as given: the reading side (`--imap`, `--pop3`) sends
/// nothing, so it has no From address.
pub fn check_json_as_given(rig: &Rig, args: &[&str], env: &[(&str, &str)]) -> (Report, i32) {
    let mut all: Vec<String> = vec!["check".into()];
    all.extend(args.iter().map(|s| s.to_string()));
    all.extend(rig.base_args());
    all.extend(["-4".into(), "--format".into(), "json".into()]);
    let (code, stdout, stderr) = run_env(&all, env);
    assert!(code <= 1, "exit {code}: {stderr}");
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
pub fn b64(data: impl AsRef<[u8]>) -> String {
    STANDARD.encode(data)
}

/// The forms a password leaks in: as given, its base64 (AUTH LOGIN), and the base64 of the
/// SASL PLAIN payload `\0USER\0PASSWORD` for each of `users`.
pub fn password_forms(password: &str, users: &[&str]) -> Vec<String> {
    let mut out = vec![password.to_string(), b64(password)];
    out.extend(users.iter().map(|u| b64(format!("\0{u}\0{password}"))));
    out
}

/// Fails when `text` holds any of `secrets`; `what` names the secret in the message.
pub fn assert_none_of(text: &str, secrets: &[String], what: &str) {
    for secret in secrets {
        assert!(
            !text.contains(secret.as_str()),
            "{what} or its encoding was printed: {text}"
        );
    }
}

/// Neither rig password in `text`, nor its encodings for the rig's users and the bare local
/// part `alice`.
pub fn assert_no_password(rig: &Rig, text: &str) {
    let users = [
        rig.var("MXRAY_RIG_USER"),
        "alice",
        rig.var("MXRAY_RIG_USER2"),
    ];
    for var in ["MXRAY_RIG_PASSWORD", "MXRAY_RIG_PASSWORD2"] {
        let forms = password_forms(rig.var(var), &users);
        assert_none_of(text, &forms, &format!("a password ({var})"));
    }
}

/// A `.env` file holding `contents` in a fresh temporary directory: the directory (removed when
/// dropped) and the file's path.
pub fn env_file(contents: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".env");
    std::fs::write(&path, contents).unwrap();
    (dir, path.to_str().unwrap().to_string())
}
