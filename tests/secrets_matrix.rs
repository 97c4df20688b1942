//! One table of every command that can hold a credential, every output format and every way a
//! password or OAuth token reaches mxray. Each cell runs mxray with the transcript on (`-v`),
//! `RUST_LOG=trace` set, the human report on stdout, the format's output in `--output` and the
//! evidence in `--save`, then `mxray diagnose` of that saved evidence in the same format; none
//! of those texts may hold the secret in any form: as given, base64, percent-encoded, or inside
//! the AUTH PLAIN / LOGIN / XOAUTH2 / OAUTHBEARER payloads — computed here and, against the
//! in-process server, the very lines it received after AUTH. A cell counts only when the login
//! really happened with the right secret.
//!
//! mxray installs no logger (`log` and `tracing` are only rustls's and hickory's dependencies),
//! so `RUST_LOG=trace` must change nothing; it is set anyway, so a logger added later is covered.

mod common;

use common::fake_provider::{self as fake, Server, GOOD, TLS_NAME, USER};
use common::rig::Rig;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

const FORMATS: [&str; 6] = ["human", "json", "ndjson", "junit", "sarif", "html"];

/// What mxray is asked to do, and against which server.
#[derive(Clone, Copy, Debug)]
enum Cmd {
    /// `mxray check` against the in-process SMTP server, which logs what it received.
    CheckFake,
    /// `mxray run` with one `[[check]]` target for the in-process server.
    RunFake,
    /// `mxray server` and `mxray domain`: they take no credential, so one in the environment
    /// must stay unread.
    ServerFake,
    DomainFake,
    /// `mxray check` against the rig's Postfix submission (587) and Dovecot (993, 995).
    CheckRigSmtp,
    CheckRigImap,
    CheckRigPop3,
    RunRig,
}

/// Where the secret comes from.
#[derive(Clone, Copy, Debug)]
enum Source {
    PasswordEnv,
    /// The URL argument, percent-encoded: `smtp://user:pa%3Ass@host`.
    UrlArgument,
    /// Typed at the no-echo prompt on a pseudo-terminal.
    Prompt,
    /// `--env` with `SMTP_PASSWORD` (`IMAP_PASSWORD`, `POP3_PASSWORD`) in the environment.
    Environment,
    EnvFileGeneric,
    EnvFileDsn,
    EnvFileLaravel,
    EnvFileDjango,
    OauthTokenEnv,
    /// `password_env` of a `[[check]]` in mxray.toml.
    TomlPasswordEnv,
    /// Every variable above set in the environment of a command that must not read them.
    Ambient,
}

struct Row {
    cmd: Cmd,
    source: Source,
    /// `--auth-mech`, or the default choice.
    mech: Option<&'static str>,
}

const fn row(cmd: Cmd, source: Source, mech: Option<&'static str>) -> Row {
    Row { cmd, source, mech }
}

const IN_PROCESS: &[Row] = &[
    row(Cmd::CheckFake, Source::PasswordEnv, None),
    row(Cmd::CheckFake, Source::PasswordEnv, Some("LOGIN")),
    row(Cmd::CheckFake, Source::PasswordEnv, Some("LOGIN-IR")),
    row(Cmd::CheckFake, Source::PasswordEnv, Some("CRAM-MD5")),
    row(Cmd::CheckFake, Source::UrlArgument, None),
    row(Cmd::CheckFake, Source::Prompt, None),
    row(Cmd::CheckFake, Source::Environment, None),
    row(Cmd::CheckFake, Source::EnvFileGeneric, None),
    row(Cmd::CheckFake, Source::EnvFileDsn, None),
    row(Cmd::CheckFake, Source::EnvFileLaravel, Some("LOGIN")),
    row(Cmd::CheckFake, Source::EnvFileDjango, None),
    row(Cmd::CheckFake, Source::OauthTokenEnv, None),
    row(Cmd::CheckFake, Source::OauthTokenEnv, Some("OAUTHBEARER")),
    row(Cmd::RunFake, Source::TomlPasswordEnv, None),
    row(Cmd::ServerFake, Source::Ambient, None),
    row(Cmd::DomainFake, Source::Ambient, None),
];

const ON_THE_RIG: &[Row] = &[
    row(Cmd::CheckRigSmtp, Source::PasswordEnv, None),
    row(Cmd::CheckRigSmtp, Source::PasswordEnv, Some("LOGIN")),
    row(Cmd::CheckRigSmtp, Source::UrlArgument, None),
    row(Cmd::CheckRigSmtp, Source::EnvFileGeneric, None),
    row(Cmd::CheckRigImap, Source::PasswordEnv, None),
    row(Cmd::CheckRigImap, Source::UrlArgument, None),
    row(Cmd::CheckRigImap, Source::Environment, None),
    row(Cmd::CheckRigPop3, Source::PasswordEnv, None),
    row(Cmd::CheckRigPop3, Source::EnvFileGeneric, None),
    row(Cmd::RunRig, Source::TomlPasswordEnv, None),
];

/// The endpoint a cell talks to: its user, secret and the options naming it.
struct Endpoint {
    user: String,
    secret: String,
    host: String,
    port: u16,
    net: Vec<String>,
    /// `smtp`, `imaps` or `pop3s`, for URLs; the env-variable prefix follows from it.
    scheme: &'static str,
    /// The in-process server, whose log holds what it received.
    server: Option<Server>,
}

fn endpoint(cmd: Cmd, rig: Option<&Rig>) -> Endpoint {
    let Some(rig) = rig else {
        let server = Server::start(fake::plain_server(
            "PLAIN LOGIN CRAM-MD5 XOAUTH2 OAUTHBEARER",
        ));
        let mut net = fake::net_args();
        net.push("--no-legacy-tls".into());
        if matches!(cmd, Cmd::RunFake) {
            net.retain(|a| a != "-4" && a != "--no-password-prompt" && a != "--no-legacy-tls");
            net = strip_option(net, "--tls-name");
        }
        if matches!(cmd, Cmd::ServerFake | Cmd::DomainFake) {
            net.retain(|a| a != "--no-password-prompt");
        }
        return Endpoint {
            user: USER.into(),
            secret: GOOD.into(),
            host: "127.0.0.1".into(),
            port: server.port,
            net,
            scheme: "smtp",
            server: Some(server),
        };
    };
    let (port, scheme) = match cmd {
        Cmd::CheckRigImap => (993, "imaps"),
        Cmd::CheckRigPop3 => (995, "pop3s"),
        _ => (587, "smtp"),
    };
    let mut net = rig.base_args();
    if !matches!(cmd, Cmd::RunRig) {
        net.extend(["-4".into(), "--no-password-prompt".into()]);
    }
    Endpoint {
        user: rig.var("MXRAY_RIG_USER").into(),
        secret: rig.var("MXRAY_RIG_PASSWORD").into(),
        host: "mail.mxray.test".into(),
        port,
        net,
        scheme,
        server: None,
    }
}

fn strip_option(args: Vec<String>, name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        if a == name {
            it.next();
        } else {
            out.push(a);
        }
    }
    out
}

/// Percent-encoding of everything but unreserved characters, as a URL carries a userinfo part.
fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Every form of the secret a leak could take; base64 forms without their padding, so that a
/// copy printed unpadded or cut after the padding-free part is found too.
fn forbidden(ep: &Endpoint) -> Vec<String> {
    let local = ep.user.split('@').next().unwrap_or_default();
    let mut forms = fake::secret_forms(&ep.secret, &ep.user, ep.port);
    forms.extend(common::check::password_forms(&ep.secret, &[local]));
    forms.extend([
        percent(&ep.secret),
        percent(&ep.secret).to_lowercase(),
        fake::b64(format!(
            "n,a={},\x01auth=Bearer {}\x01\x01",
            ep.user, ep.secret
        )),
    ]);
    if let Some(server) = &ep.server {
        forms.extend(wire_payloads(&server.log()));
    }
    let mut forms: Vec<String> = forms
        .into_iter()
        .map(|f| f.trim_end_matches('=').to_string())
        .filter(|f| f.len() >= 8)
        .collect();
    forms.sort();
    forms.dedup();
    forms
}

/// What the server received after `AUTH`: the initial response on the AUTH line and every
/// line up to the next command.
fn wire_payloads(log: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_auth = false;
    for line in log {
        if let Some(rest) = line.strip_prefix("AUTH ") {
            in_auth = true;
            out.extend(rest.split(' ').skip(1).map(str::to_string));
        } else if in_auth && !line.contains(' ') && !line.is_empty() && line != "QUIT" {
            out.push(line.clone());
        } else {
            in_auth = false;
        }
    }
    out
}

/// The variables holding the secret, by dialect, for `--env` and `--env-file`.
fn env_lines(source: Source, ep: &Endpoint) -> Vec<(String, String)> {
    let prefix = match ep.scheme {
        "imaps" => "IMAP",
        "pop3s" => "POP3",
        _ => "SMTP",
    };
    let s = ep.secret.clone();
    match source {
        Source::Environment | Source::EnvFileGeneric => vec![(format!("{prefix}_PASSWORD"), s)],
        Source::EnvFileLaravel => vec![
            ("MAIL_MAILER".into(), "smtp".into()),
            ("MAIL_PASSWORD".into(), s),
        ],
        Source::EnvFileDjango => vec![("EMAIL_HOST_PASSWORD".into(), s)],
        Source::EnvFileDsn => vec![(
            "MAILER_DSN".into(),
            format!(
                "smtp://{}:{}@{}:{}",
                percent(&ep.user),
                percent(&s),
                ep.host,
                ep.port
            ),
        )],
        _ => vec![],
    }
}

/// One run of mxray: its exit status and every text it produced.
struct Outcome {
    code: i32,
    texts: Vec<(String, String)>,
}

/// `program` with `env` and `RUST_LOG=trace`, without the variables a developer's shell may hold.
fn command(program: &str, env: &[(String, String)]) -> Command {
    let mut cmd = Command::new(program);
    cmd.env("NO_COLOR", "1").env("RUST_LOG", "trace");
    for k in [
        "MXRAY_TEST_SECRET",
        "SMTP_HOST",
        "SMTP_PASSWORD",
        "MAILER_DSN",
    ] {
        cmd.env_remove(k);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

fn run(args: &[String], env: &[(String, String)]) -> (i32, String, String) {
    let out = command(env!("CARGO_BIN_EXE_mxray"), env)
        .args(args)
        .output()
        .expect("run mxray");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// mxray on a pseudo-terminal (util-linux `script`): the secret is typed only once the prompt
/// is shown, so that the terminal's echo is already off and what comes back is mxray's alone.
fn run_on_terminal(args: &[String], env: &[(String, String)], secret: &str) -> (i32, String) {
    let line: Vec<String> = std::iter::once(env!("CARGO_BIN_EXE_mxray").to_string())
        .chain(args.iter().map(|a| format!("'{a}'")))
        .collect();
    let mut child = command("script", env)
        .args(["-qec", &line.join(" "), "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("script (util-linux) runs mxray on a pseudo-terminal");
    let mut stdout = child.stdout.take().unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&seen).contains("Password for") {
        let n = stdout.read(&mut buf).unwrap();
        assert!(n > 0, "no prompt: {}", String::from_utf8_lossy(&seen));
        seen.extend_from_slice(&buf[..n]);
    }
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(format!("{secret}\n").as_bytes()).unwrap();
    stdout.read_to_end(&mut seen).unwrap();
    let status = child.wait().unwrap();
    (
        status.code().unwrap_or(-1),
        String::from_utf8_lossy(&seen).into_owned(),
    )
}

/// The arguments and environment of `cmd` with the secret from `source`.
fn invocation(r: &Row, ep: &Endpoint, dir: &Path) -> (Vec<String>, Vec<(String, String)>) {
    let mut env: Vec<(String, String)> = vec![];
    let secret_var = || ("MXRAY_TEST_SECRET".to_string(), ep.secret.clone());
    let mut args: Vec<String> = match r.cmd {
        Cmd::ServerFake => vec![
            "server".into(),
            ep.host.clone(),
            "--ports".into(),
            format!("{}/submission", ep.port),
        ],
        Cmd::DomainFake => vec!["domain".into(), "example.com".into(), "--no-probe".into()],
        Cmd::RunFake | Cmd::RunRig => {
            let toml = format!(
                "[[check]]\nhost = \"{}\"\nport = {}\nsecurity = \"starttls\"\nuser = \"{}\"\n\
                 password_env = \"MXRAY_TEST_SECRET\"\n{}",
                ep.host,
                ep.port,
                ep.user,
                if ep.server.is_some() {
                    format!("tls_name = \"{TLS_NAME}\"\n")
                } else {
                    String::new()
                }
            );
            let path = dir.join("mxray.toml");
            std::fs::write(&path, toml).unwrap();
            env.push(secret_var());
            vec!["run".into(), "--config".into(), path.display().to_string()]
        }
        _ => check_args(r, ep),
    };
    match r.source {
        Source::PasswordEnv => {
            args.extend(["--password-env".into(), "MXRAY_TEST_SECRET".into()]);
            env.push(secret_var());
        }
        Source::OauthTokenEnv => {
            args.extend(["--oauth-token-env".into(), "MXRAY_TEST_SECRET".into()]);
            env.push(secret_var());
        }
        Source::Environment => {
            args.push("--env".into());
            env.extend(env_lines(r.source, ep));
        }
        Source::EnvFileGeneric
        | Source::EnvFileDsn
        | Source::EnvFileLaravel
        | Source::EnvFileDjango => {
            let path = dir.join(".env");
            let text: String = env_lines(r.source, ep)
                .iter()
                .map(|(k, v)| format!("{k}={v}\n"))
                .collect();
            std::fs::write(&path, text).unwrap();
            args.extend(["--env-file".into(), path.display().to_string()]);
        }
        Source::Ambient => {
            env.push(secret_var());
            for s in [
                Source::EnvFileGeneric,
                Source::EnvFileDsn,
                Source::EnvFileDjango,
            ] {
                env.extend(env_lines(s, ep));
            }
            env.push(("MAIL_PASSWORD".into(), ep.secret.clone()));
        }
        Source::UrlArgument | Source::Prompt | Source::TomlPasswordEnv => {}
    }
    if let Some(m) = r.mech {
        args.extend(["--auth-mech".into(), m.into()]);
    }
    args.extend(ep.net.iter().cloned());
    if matches!(r.source, Source::Prompt) {
        args.retain(|a| a != "--no-password-prompt");
    }
    (args, env)
}

/// `mxray check` naming the endpoint: a URL (with the password when that is the source), then
/// the flags the URL cannot carry.
fn check_args(r: &Row, ep: &Endpoint) -> Vec<String> {
    let userinfo = match r.source {
        Source::UrlArgument => format!("{}:{}", percent(&ep.user), percent(&ep.secret)),
        _ => percent(&ep.user),
    };
    let mut args = vec!["check".to_string()];
    if ep.server.is_some() {
        args.extend(fake::endpoint_args(ep.port, &ep.user));
        if matches!(r.source, Source::UrlArgument) {
            args.push(format!("smtp://{userinfo}@{}:{}", ep.host, ep.port));
        }
    } else {
        args.push(format!(
            "{}://{userinfo}@{}:{}",
            ep.scheme, ep.host, ep.port
        ));
        if ep.scheme == "smtp" {
            args.extend(["--from".into(), common::check::CLEAN_FROM.into()]);
        }
    }
    args
}

/// Runs one cell: the command in `format`, then `diagnose` of what it saved.
fn cell(r: &Row, format: &str, rig: Option<&Rig>) -> Result<(), String> {
    let ep = endpoint(r.cmd, rig);
    let dir = tempfile::tempdir().unwrap();
    let (mut args, env) = invocation(r, &ep, dir.path());
    let output = dir.path().join(format!("out.{format}"));
    let save = dir.path().join("saved.json");
    args.extend(["-v".into(), "--format".into(), format.into()]);
    args.extend(["--output".into(), output.display().to_string()]);
    let saves = !matches!(r.cmd, Cmd::RunFake | Cmd::RunRig);
    if saves {
        args.extend(["--save".into(), save.display().to_string()]);
    }
    let mut o = Outcome {
        code: 0,
        texts: vec![],
    };
    if matches!(r.source, Source::Prompt) {
        let (code, tty) = run_on_terminal(&args, &env, &ep.secret);
        o.code = code;
        o.texts.push(("terminal".into(), tty));
    } else {
        let (code, stdout, stderr) = run(&args, &env);
        o.code = code;
        o.texts.push(("stdout".into(), stdout));
        o.texts.push(("stderr".into(), stderr));
    }
    let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    o.texts.push(("--output".into(), read(&output)));
    if o.code > 1 {
        return Err(format!("exit {}: {:?}", o.code, o.texts));
    }
    if saves {
        let saved = read(&save);
        assert_logged_in(r, &ep, &saved)?;
        let diag = [
            &["diagnose".to_string(), save.display().to_string()][..],
            &["-v".into(), "--format".into(), format.into()],
        ]
        .concat();
        let (code, stdout, stderr) = run(&diag, &[]);
        if code > 1 {
            return Err(format!("diagnose exit {code}: {stderr}"));
        }
        o.texts.extend([
            ("--save".into(), saved),
            ("diagnose stdout".into(), stdout),
            ("diagnose stderr".into(), stderr),
        ]);
    } else if format == "json" {
        // `run` saves nothing; its JSON array shows whether the login happened.
        let accepted = serde_json::from_str::<serde_json::Value>(&read(&output))
            .ok()
            .and_then(|v| v.as_array().cloned())
            .into_iter()
            .flatten()
            .any(|r| login_accepted(&r));
        if !accepted {
            return Err(format!("the login was not accepted: {}", read(&output)));
        }
    }
    if let (false, Some(server)) = (saves, &ep.server) {
        if wire_payloads(&server.log()).is_empty() {
            return Err(format!("no login reached the server: {:?}", server.log()));
        }
    }
    let forms = forbidden(&ep);
    for (what, text) in &o.texts {
        if let Some(f) = forms.iter().find(|f| text.contains(f.as_str())) {
            return Err(format!("{what} holds the secret as {f:?}:\n{text}"));
        }
    }
    Ok(())
}

/// A cell that should log in proves something only when the login happened: the saved report
/// has it accepted, and the in-process server received the secret itself.
fn assert_logged_in(r: &Row, ep: &Endpoint, saved: &str) -> Result<(), String> {
    if matches!(r.source, Source::Ambient) {
        return match &ep.server {
            Some(s) if !wire_payloads(&s.log()).is_empty() => Err("AUTH was sent".into()),
            _ => Ok(()),
        };
    }
    let v: serde_json::Value = serde_json::from_str(saved).map_err(|e| format!("{e}: {saved}"))?;
    common::schema::assert_valid(&v);
    if !login_accepted(&v) {
        return Err(format!("the login was not accepted: {saved}"));
    }
    if let Some(server) = &ep.server {
        let wire = wire_payloads(&server.log()).join(" ");
        let decoded: String = wire.split(' ').map(fake::unb64).collect();
        // CRAM-MD5 sends only a digest of the secret, which the server verified.
        let verified = server
            .log()
            .iter()
            .any(|l| l == "verified CRAM-MD5 digest: true");
        if !decoded.contains(&ep.secret) && !verified {
            return Err(format!("the secret never reached the server: {wire}"));
        }
    }
    Ok(())
}

fn login_accepted(report: &serde_json::Value) -> bool {
    report["evidence"]["configured"]["probes"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|p| p["login"]["accepted"] == true)
}

/// Runs every row in every format on a few threads; the failures, one per line.
fn matrix(rows: &[Row], rig: Option<&Rig>) -> usize {
    let cells: Vec<(&Row, &str)> = rows
        .iter()
        .flat_map(|r| FORMATS.iter().map(move |f| (r, *f)))
        .collect();
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                while let Some((r, f)) = cells.get(next.fetch_add(1, Ordering::SeqCst)) {
                    if let Err(e) = cell(r, f, rig) {
                        let head: String = e.chars().take(3000).collect();
                        let what = format!("{:?} {:?} {:?} {f}: {head}", r.cmd, r.source, r.mech);
                        failures.lock().unwrap().push(what);
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    cells.len()
}

#[test]
fn no_secret_in_any_output_in_process() {
    let n = matrix(IN_PROCESS, None);
    assert_eq!(n, IN_PROCESS.len() * FORMATS.len());
    eprintln!("secrets matrix (in process): {n} cells");
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn no_secret_in_any_output_on_the_rig() {
    let rig = Rig::get();
    let n = matrix(ON_THE_RIG, Some(&rig));
    eprintln!("secrets matrix (rig): {n} cells");
}
