//! `mxray check --imap` / `--pop3` against in-process fake servers that replay what only big
//! providers (and hostile servers) say to a login: Gmail's and Microsoft's texts, variants of
//! them in other words, and servers that flood, announce absurd literals or never answer. Each
//! runs the real binary (`--format json`) and checks the exact finding codes and exit code, and
//! that the password never shows.
//!
//! The servers listen on 127.0.0.1 with a certificate from a CA made here by rcgen; DNS goes to
//! a closed local port, so nothing leaves the machine.

mod common;

use common::check::{assert_none_of, b64, password_forms};
use common::wire::read_line;
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use std::future::Future;
use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

const NAME: &str = "fake.mxray.test";
const USER: &str = "someone@example.com";
const PASSWORD: &str = "s3cret \"pass\" wörd";
const PW_VAR: &str = "MXRAY_FAKE_PW";
/// An access token as long as Google's: the POP3 `AUTH` line with it is over 255 octets.
const TOKEN: &str = "ya29.a0AfB_byC4kZt9bXq7Lw2mN8pR1sT6uV3xY0zA5bC7dE9fG2hJ4kL6mN8pQ1rS3tU5vW7xY9zA1bC3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5bC7dE9fG1hJ3kL5mN7pQ9rS1tU3vW5xY7zA9bC1dE3fG5hJ7kL9mN1pQ3rS5t";
const TOKEN_VAR: &str = "MXRAY_FAKE_TOKEN";
const BAD_TOKEN: &str = "ya29.expired-token-0123456789abcdefghijklmnopqrstuvwxyz";
const BAD_TOKEN_VAR: &str = "MXRAY_FAKE_BAD_TOKEN";

// ───────────────────────────── certificates ─────────────────────────────

struct Pki {
    acceptor: TlsAcceptor,
    ca_file: tempfile::NamedTempFile,
}

fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "mxray fake CA");
        let ca_key = KeyPair::generate().unwrap();
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca_params, ca_key);
        let mut leaf = CertificateParams::new(vec![NAME.to_string()]).unwrap();
        leaf.distinguished_name
            .push(rcgen::DnType::CommonName, NAME);
        let leaf_key = KeyPair::generate().unwrap();
        let leaf_cert = leaf.signed_by(&leaf_key, &issuer).unwrap();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
        let cfg = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![leaf_cert.der().clone(), ca_cert.der().clone()], key)
        .unwrap();
        let ca_file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(ca_file.path(), ca_cert.pem()).unwrap();
        Pki {
            acceptor: TlsAcceptor::from(Arc::new(cfg)),
            ca_file,
        }
    })
}

// ───────────────────────────── fake servers ─────────────────────────────

/// What the fake does once the client sends its credentials.
#[derive(Clone)]
enum Answer {
    /// These lines; `TAG` is replaced by the client's tag.
    Lines(Vec<String>),
    /// Untagged lines forever.
    Flood,
    /// `* 1 FETCH (BODY[] {999999999}` and then an endless run of bytes.
    HugeLiteral,
    /// Nothing at all, the connection held open.
    Silence,
}

/// A fake server's record of what the client sent.
type Seen = Arc<Mutex<Vec<String>>>;

struct Fake {
    port: u16,
    seen: Seen,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Fake {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Proto {
    /// IMAP over implicit TLS; `sasl_ir`, `literal_plus` pick the capabilities offered.
    Imap {
        sasl_ir: bool,
        literal_plus: bool,
    },
    Pop3,
}

async fn fake(proto: Proto, answer: Answer) -> Fake {
    serve(move |mut tls, record, _| {
        let answer = answer.clone();
        async move {
            match proto {
                Proto::Imap {
                    sasl_ir,
                    literal_plus,
                } => imap(&mut tls, sasl_ir, literal_plus, &answer, &record).await,
                Proto::Pop3 => pop3(&mut tls, &answer, &record).await,
            }
        }
    })
    .await
}

/// A server on a loopback port: each connection, once TLS is up, goes to `session` with the
/// record of what the client sent and the port the server listens on.
async fn serve<F, Fut>(session: F) -> Fake
where
    F: Fn(TlsStream<TcpStream>, Seen, u16) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen: Seen = Arc::default();
    let record = seen.clone();
    let session = Arc::new(session);
    let task = tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let (session, record) = (session.clone(), record.clone());
            tokio::spawn(async move {
                let Ok(tls) = pki().acceptor.accept(sock).await else {
                    return;
                };
                session(tls, record, port).await;
            });
        }
    });
    Fake { port, seen, task }
}

async fn send<S: AsyncWrite + Unpin>(s: &mut S, data: &str) -> bool {
    s.write_all(data.as_bytes()).await.is_ok() && s.flush().await.is_ok()
}

async fn respond<S: AsyncRead + AsyncWrite + Unpin>(s: &mut S, tag: &str, answer: &Answer) {
    match answer {
        Answer::Lines(lines) => {
            for l in lines {
                if !send(s, &format!("{}\r\n", l.replace("TAG", tag))).await {
                    return;
                }
            }
        }
        Answer::Flood => {
            let mut n = 0u64;
            while send(s, &format!("* {n} EXISTS\r\n")).await {
                n += 1;
            }
        }
        Answer::HugeLiteral => {
            if send(s, "* 1 FETCH (BODY[] {999999999}\r\n").await {
                let chunk = "x".repeat(4096);
                while send(s, &chunk).await {}
            }
        }
        Answer::Silence => {
            let mut buf = [0u8; 256];
            while matches!(s.read(&mut buf).await, Ok(n) if n > 0) {}
        }
    }
}

async fn imap<S: AsyncRead + AsyncWrite + Unpin>(
    s: &mut S,
    sasl_ir: bool,
    literal_plus: bool,
    answer: &Answer,
    seen: &Seen,
) {
    let mut caps = "IMAP4rev1 AUTH=PLAIN AUTH=LOGIN".to_string();
    if sasl_ir {
        caps.push_str(" SASL-IR");
    }
    if literal_plus {
        caps.push_str(" LITERAL+");
    }
    if !send(s, "* OK fake IMAP ready\r\n").await {
        return;
    }
    while let Some(line) = read_line(s).await {
        seen.lock().unwrap().push(line.clone());
        let mut words = line.split_whitespace();
        let tag = words.next().unwrap_or("*").to_string();
        let verb = words.next().unwrap_or("").to_ascii_uppercase();
        match verb.as_str() {
            "CAPABILITY" => {
                send(s, &format!("* CAPABILITY {caps}\r\n{tag} OK done\r\n")).await;
            }
            "AUTHENTICATE" if words.nth(1).is_none() => {
                // No initial response: ask for it, then answer.
                send(s, "+ \r\n").await;
                let Some(token) = read_line(s).await else {
                    return;
                };
                seen.lock().unwrap().push(token);
                respond(s, &tag, answer).await;
            }
            "AUTHENTICATE" => respond(s, &tag, answer).await,
            "LOGIN" => {
                // Follow synchronising literals: `{n}` at the end of a line waits for `+`.
                let mut line = line.clone();
                while let Some(n) = sync_literal(&line) {
                    send(s, "+ go ahead\r\n").await;
                    let mut data = vec![0u8; n];
                    if s.read_exact(&mut data).await.is_err() {
                        return;
                    }
                    let Some(rest) = read_line(s).await else {
                        return;
                    };
                    seen.lock().unwrap().push(format!("{{literal {n}}}{rest}"));
                    line = rest;
                }
                respond(s, &tag, answer).await;
            }
            "LOGOUT" => {
                send(s, &format!("* BYE bye\r\n{tag} OK done\r\n")).await;
                return;
            }
            _ => {
                send(s, &format!("{tag} BAD what\r\n")).await;
            }
        }
    }
}

/// `n` when the line ends in a synchronising literal `{n}`.
fn sync_literal(line: &str) -> Option<usize> {
    let open = line.rfind('{')?;
    line[open + 1..].strip_suffix('}')?.parse().ok()
}

async fn pop3<S: AsyncRead + AsyncWrite + Unpin>(s: &mut S, answer: &Answer, seen: &Seen) {
    if !send(s, "+OK fake POP3 ready\r\n").await {
        return;
    }
    while let Some(line) = read_line(s).await {
        seen.lock().unwrap().push(line.clone());
        let verb = line
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        match verb.as_str() {
            "CAPA" => {
                send(s, "+OK\r\nUSER\r\nSASL PLAIN\r\nRESP-CODES\r\n.\r\n").await;
            }
            "USER" => {
                send(s, "+OK\r\n").await;
            }
            "PASS" | "AUTH" => respond(s, "", answer).await,
            "QUIT" => {
                send(s, "+OK bye\r\n").await;
                return;
            }
            _ => {
                send(s, "-ERR what\r\n").await;
            }
        }
    }
}

// ───────────────────────────── running mxray ─────────────────────────────

/// A UDP port nobody answers on: DNS questions go unanswered, never leaving the machine.
fn dead_resolver() -> String {
    static PORT: OnceLock<u16> = OnceLock::new();
    let port = *PORT.get_or_init(|| {
        let s = std::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        s.local_addr().unwrap().port()
    });
    format!("127.0.0.1:{port}")
}

struct Outcome {
    code: i32,
    report: serde_json::Value,
    codes: Vec<String>,
}

impl Outcome {
    fn login(&self) -> &serde_json::Value {
        &self.report["evidence"]["configured"]["probes"][0]["login"]
    }
    fn login_phase(&self) -> Option<&serde_json::Value> {
        self.report["evidence"]["configured"]["probes"][0]["phases"]
            .as_array()?
            .iter()
            .find(|p| p["phase"] == "login")
    }
}

/// `mxray check` on the fake's port over implicit TLS, as JSON, then `extra`.
fn check_args(proto: Proto, port: u16, extra: &[&str]) -> Vec<String> {
    let flag = match proto {
        Proto::Imap { .. } => "--imap",
        Proto::Pop3 => "--pop3",
    };
    let port_s = port.to_string();
    let ca = pki().ca_file.path().to_str().unwrap().to_string();
    let resolver = dead_resolver();
    let mut args = vec![
        "check",
        flag,
        "--host",
        "127.0.0.1",
        "--port",
        &port_s,
        "--security",
        "tls",
        "--user",
        USER,
        "--password-env",
        PW_VAR,
        "--tls-name",
        NAME,
        "--timeout",
        "2",
        "--no-legacy-tls",
        "--format",
        "json",
        "--ca-file",
        &ca,
        "--resolver",
        &resolver,
        // The reverse lookup of 127.0.0.1 goes unanswered: not what these tests are about.
        "--ignore",
        "dns.lookup-failed",
    ];
    args.extend(extra);
    args.iter().map(|s| s.to_string()).collect()
}

/// Runs `mxray check` on the fake's port over implicit TLS, with a hard bound on the run as a
/// hang detector (not a timing assertion).
async fn check(proto: Proto, port: u16, extra: &[&str]) -> Outcome {
    let args = check_args(proto, port, extra);
    let out = tokio::task::spawn_blocking(move || run_bounded(&args))
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_no_password(&stdout);
    assert_no_password(&stderr);
    let report: serde_json::Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}\n{stderr}"));
    let mut codes: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["ignored"] != true)
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect();
    codes.sort();
    codes.dedup();
    Outcome {
        code: out.status.code().unwrap_or(-1),
        report,
        codes,
    }
}

/// Runs the binary; a run past two minutes is a hang: killed, and the test fails.
fn run_bounded(args: &[String]) -> std::process::Output {
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_mxray"))
        .args(args)
        .env(PW_VAR, PASSWORD)
        .env(TOKEN_VAR, TOKEN)
        .env(BAD_TOKEN_VAR, BAD_TOKEN)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run mxray");
    let started = std::time::Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("mxray hung: {args:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn assert_no_password(text: &str) {
    let mut secrets = password_forms(PASSWORD, &[USER]);
    // Its start alone: a password cut off mid-way must not escape either.
    secrets.push("s3cret".into());
    for token in [TOKEN, BAD_TOKEN] {
        secrets.extend([token.to_string(), b64(token), b64(xoauth2(token))]);
    }
    assert_none_of(text, &secrets, "the password");
}

fn lines(l: &[&str]) -> Answer {
    Answer::Lines(l.iter().map(|s| s.to_string()).collect())
}

const IMAP: Proto = Proto::Imap {
    sasl_ir: true,
    literal_plus: true,
};

/// One login reply → the one `auth.*` code expected, and exit 1 (2 for none: success).
async fn assert_maps(proto: Proto, reply: &[&str], want: &str) -> Outcome {
    let f = fake(proto, lines(reply)).await;
    let o = check(proto, f.port, &[]).await;
    let severity = &o.report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == want)
        .unwrap_or_else(|| panic!("no {want}: {:#}", o.report))["severity"];
    // A refusal that is only a warning (a rate limit) still fails the login test.
    let mut codes = vec![want.to_string()];
    if severity != "error" {
        codes.push("auth.login-failed".into());
        codes.sort();
    }
    assert_eq!(o.codes, codes, "{reply:?}\n{:#}", o.report);
    assert_eq!(o.code, 1, "{reply:?}");
    assert_eq!(o.login()["accepted"], false);
    o
}

// ───────────────────────────── provider texts ─────────────────────────────

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_good_login_is_no_finding() {
    let f = fake(
        IMAP,
        lines(&["* CAPABILITY IMAP4rev1 IDLE", "TAG OK Logged in"]),
    )
    .await;
    let o = check(IMAP, f.port, &[]).await;
    assert!(o.codes.is_empty(), "{:#}", o.report);
    assert_eq!(o.code, 0);
    assert_eq!(o.login()["accepted"], true);
    assert_eq!(o.login()["mechanism"], "PLAIN");
    // SASL-IR: the credentials on the command line, one base64 token.
    let sent = f.seen.lock().unwrap().clone();
    let auth = sent
        .iter()
        .find(|l| l.contains("AUTHENTICATE"))
        .expect("AUTHENTICATE sent");
    assert_eq!(
        auth,
        &format!(
            "m5 AUTHENTICATE PLAIN {}",
            b64(format!("\0{USER}\0{PASSWORD}").as_bytes())
        )
    );
    let transcript = o.report["evidence"]["configured"]["probes"][0]["transcript"].to_string();
    assert!(
        transcript.contains("m5 AUTHENTICATE PLAIN ***"),
        "{transcript}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gmail_imap_texts() {
    assert_maps(
        IMAP,
        &["TAG NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)"],
        "auth.bad-credentials",
    )
    .await;
    let o = assert_maps(
        IMAP,
        &["TAG NO [ALERT] Application-specific password required: https://support.google.com/accounts/answer/185833 (Failure)"],
        "auth.app-password-required",
    )
    .await;
    let evidence = o.report["findings"].to_string();
    assert!(
        evidence.contains("the server's alert for the user: Application-specific"),
        "{evidence}"
    );
    assert_maps(
        IMAP,
        &["TAG NO [ALERT] Please log in via your web browser: https://support.google.com/mail/accounts/answer/78754 (Failure)"],
        "auth.web-login-required",
    )
    .await;
    assert_maps(
        IMAP,
        &["TAG NO [ALERT] Your account is not enabled for IMAP use. Please visit your Gmail settings page and enable your account for IMAP access. (Failure)"],
        "auth.protocol-disabled",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn variants_in_other_words() {
    // The alert untagged, the tagged line saying nothing useful.
    assert_maps(
        IMAP,
        &[
            "* OK [ALERT] IMAP access is disabled for this mailbox by your administrator",
            "TAG NO Login refused",
        ],
        "auth.protocol-disabled",
    )
    .await;
    assert_maps(
        IMAP,
        &["TAG NO [ALERT] An app password is REQUIRED to sign in from mail apps"],
        "auth.app-password-required",
    )
    .await;
    assert_maps(
        IMAP,
        &["TAG NO [WEBALERT https://accounts.example/continue] Web login required"],
        "auth.web-login-required",
    )
    .await;
    assert_maps(
        IMAP,
        &["TAG NO [UNAVAILABLE] Too many login attempts from your address, try again later"],
        "auth.rate-limited",
    )
    .await;
    assert_maps(
        IMAP,
        &["TAG NO bad password, sorry"],
        "auth.bad-credentials",
    )
    .await;
    // A server that says BYE and hangs up instead of a tagged NO.
    assert_maps(
        IMAP,
        &["* BYE [ALERT] Please log in via your web browser first"],
        "auth.web-login-required",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn microsoft_imap_texts() {
    assert_maps(
        IMAP,
        &["TAG NO AUTHENTICATE failed."],
        "auth.bad-credentials",
    )
    .await;
    assert_maps(
        IMAP,
        &["TAG NO User is authenticated but not connected."],
        "auth.protocol-disabled",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pop3_texts() {
    assert_maps(
        Proto::Pop3,
        &["-ERR [AUTH] Authentication failed."],
        "auth.bad-credentials",
    )
    .await;
    assert_maps(
        Proto::Pop3,
        &["-ERR [SYS/PERM] Your account is not enabled for POP access. Please visit your Gmail settings page and enable your account for POP access."],
        "auth.protocol-disabled",
    )
    .await;
    assert_maps(
        Proto::Pop3,
        &["-ERR [SYS/PERM] pop3 ACCESS for this account has been disabled"],
        "auth.protocol-disabled",
    )
    .await;
    assert_maps(
        Proto::Pop3,
        &["-ERR [IN-USE] Mailbox locked by another session"],
        "auth.rate-limited",
    )
    .await;
    assert_maps(
        Proto::Pop3,
        &["-ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections."],
        "auth.tls-required",
    )
    .await;
    assert_maps(
        Proto::Pop3,
        &["-ERR [AUTH] Application-specific password required"],
        "auth.app-password-required",
    )
    .await;
}

// ───────────────────────────── literals and continuations ─────────────────────────────

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_with_synchronising_literal_and_authenticate_without_sasl_ir() {
    let proto = Proto::Imap {
        sasl_ir: false,
        literal_plus: false,
    };
    // The password holds 8-bit text: LOGIN sends it as a literal and waits for the `+`.
    let f = fake(proto, lines(&["TAG OK Logged in"])).await;
    let o = check(proto, f.port, &["--auth-mech", "LOGIN"]).await;
    assert!(o.codes.is_empty(), "{:#}", o.report);
    assert_eq!(o.login()["accepted"], true);
    assert_eq!(o.login()["mechanism"], "LOGIN");
    let sent = f.seen.lock().unwrap().clone();
    let n = PASSWORD.len();
    assert!(
        sent.contains(&format!("m5 LOGIN \"{USER}\" {{{n}}}")),
        "{sent:?}"
    );
    assert!(sent.contains(&format!("{{literal {n}}}")), "{sent:?}");
    let transcript = o.report["evidence"]["configured"]["probes"][0]["transcript"].to_string();
    assert!(
        transcript.contains(&format!("m5 LOGIN \\\"{USER}\\\" {{***}}")),
        "{transcript}"
    );

    // Without SASL-IR the credentials follow the server's `+`.
    let f = fake(proto, lines(&["TAG OK Logged in"])).await;
    let o = check(proto, f.port, &[]).await;
    assert_eq!(o.login()["accepted"], true, "{:#}", o.report);
    let sent = f.seen.lock().unwrap().clone();
    let at = sent
        .iter()
        .position(|l| l == "m5 AUTHENTICATE PLAIN")
        .expect("no SASL-IR");
    assert_eq!(
        sent[at + 1],
        b64(format!("\0{USER}\0{PASSWORD}").as_bytes())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_literal_refused_before_the_password_is_sent() {
    // A server that refuses the synchronising literal: the password is never sent.
    let proto = Proto::Imap {
        sasl_ir: false,
        literal_plus: false,
    };
    let f = serve(|mut s, record, _| async move {
        send(&mut s, "* OK ready\r\n").await;
        while let Some(line) = read_line(&mut s).await {
            record.lock().unwrap().push(line.clone());
            let tag = line.split_whitespace().next().unwrap_or("*").to_string();
            let reply = if line.contains("CAPABILITY") {
                format!("* CAPABILITY IMAP4rev1 AUTH=LOGIN\r\n{tag} OK done\r\n")
            } else if line.contains("LOGIN") {
                format!("{tag} NO [AUTHENTICATIONFAILED] Literal too long\r\n")
            } else {
                format!("{tag} OK bye\r\n")
            };
            send(&mut s, &reply).await;
        }
    })
    .await;
    let o = check(proto, f.port, &[]).await;
    f.task.abort();
    assert_eq!(o.codes, vec!["auth.bad-credentials"], "{:#}", o.report);
    let sent = f.seen.lock().unwrap().clone();
    assert!(
        !sent
            .iter()
            .any(|l| l.contains("literal") || l.contains("w\u{f6}rd")),
        "{sent:?}"
    );
}

// ───────────────────────────── hostile servers ─────────────────────────────

/// An IMAP server answering the login with `answer`: `imap.protocol-violation`, and the login
/// that never completed; its login phase's outcome saying `words`.
async fn assert_violation(answer: Answer, words: &str) -> Outcome {
    let f = fake(IMAP, answer).await;
    let o = check(IMAP, f.port, &[]).await;
    assert_eq!(
        o.codes,
        vec!["auth.login-failed", "imap.protocol-violation"],
        "{:#}",
        o.report
    );
    let phase = o.login_phase().expect("a login phase");
    assert!(phase["outcome"].to_string().contains(words), "{phase}");
    o
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_untagged_lines_end_in_a_protocol_violation() {
    let o = assert_violation(Answer::Flood, "more than 100 lines").await;
    assert_eq!(o.code, 1);
    assert!(o.login()["reply"].is_null());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_challenge_after_the_credentials_is_cancelled_and_no_verdict() {
    // Whatever the server answers to the cancel, it is not a verdict on the password.
    let o = assert_violation(
        lines(&["+ "]),
        "another challenge (+) after the login's last line, so mxray cancelled with *",
    )
    .await;
    assert_eq!(o.code, 1);
    assert!(o.login()["reply"].is_null());
    let sent = o.report["evidence"]["configured"]["probes"][0]["transcript"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["dir"] == "C")
        .map(|l| l["text"].as_str().unwrap().to_string())
        .collect::<Vec<_>>();
    let auth = sent
        .iter()
        .position(|l| l.contains("AUTHENTICATE"))
        .unwrap();
    assert_eq!(sent[auth + 1], "*", "{sent:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_literal_announcement_is_not_believed() {
    assert_violation(Answer::HugeLiteral, "longer than").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_tagged_reply_is_a_stall() {
    let f = fake(IMAP, Answer::Silence).await;
    let o = check(IMAP, f.port, &[]).await;
    assert_eq!(o.codes, vec!["net.stalled"], "{:#}", o.report);
    assert_eq!(o.login_phase().unwrap()["outcome"]["kind"], "timeout");
    let f = fake(Proto::Pop3, Answer::Silence).await;
    let o = check(Proto::Pop3, f.port, &[]).await;
    assert_eq!(o.codes, vec!["net.stalled"], "{:#}", o.report);
}

// ───────────────────────────── OAuth ─────────────────────────────

fn xoauth2(token: &str) -> String {
    format!("user={USER}\x01auth=Bearer {token}\x01\x01")
}

/// RFC 7628's payload as the fake expects it: the TLS name and the port it listens on.
fn oauthbearer(token: &str, port: u16) -> String {
    format!("n,a={USER},\x01host={NAME}\x01port={port}\x01auth=Bearer {token}\x01\x01")
}

/// Google's status for a refused token, sent base64-encoded as a continuation.
const OAUTH_STATUS: &str =
    r#"{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}"#;

/// A server for tokens: it checks the SASL payload against [`TOKEN`] itself. Right: OK. Wrong:
/// a `+` continuation with the JSON status, the client's answer recorded as `answer:…`, then
/// a refusal. `mechs`: the OAuth mechanisms offered; POP3 offers no USER, IMAP `LOGINDISABLED`.
struct OAuthFake {
    proto: Proto,
    mechs: &'static [&'static str],
}

async fn oauth_fake(o: OAuthFake) -> Fake {
    let OAuthFake { proto, mechs } = o;
    serve(move |mut s, record, port| async move {
        oauth_session(&mut s, proto, mechs, port, &record).await;
    })
    .await
}

async fn oauth_session<S: AsyncRead + AsyncWrite + Unpin>(
    s: &mut S,
    proto: Proto,
    mechs: &[&str],
    port: u16,
    seen: &Seen,
) {
    let imap = matches!(proto, Proto::Imap { .. });
    let greeting = if imap { "* OK ready" } else { "+OK ready" };
    if !send(s, &format!("{greeting}\r\n")).await {
        return;
    }
    while let Some(line) = read_line(s).await {
        seen.lock().unwrap().push(line.clone());
        let mut words = line.split_whitespace();
        let tag = if imap {
            words.next().unwrap_or("*")
        } else {
            ""
        };
        let verb = words.next().unwrap_or("").to_ascii_uppercase();
        let (ok, no) = if imap {
            (
                format!("{tag} OK Logged in"),
                format!("{tag} NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)"),
            )
        } else {
            (
                "+OK Welcome.".into(),
                "-ERR [AUTH] Invalid credentials.".into(),
            )
        };
        let reply = match verb.as_str() {
            "CAPABILITY" => {
                let mut caps = "IMAP4rev1 LOGINDISABLED".to_string();
                for m in mechs {
                    caps.push_str(&format!(" AUTH={m}"));
                }
                if let Proto::Imap { sasl_ir: true, .. } = proto {
                    caps.push_str(" SASL-IR");
                }
                format!("* CAPABILITY {caps}\r\n{tag} OK done")
            }
            "CAPA" => format!("+OK\r\nSASL {}\r\nRESP-CODES\r\n.", mechs.join(" ")),
            "AUTHENTICATE" | "AUTH" => {
                let mech = words.next().unwrap_or("").to_ascii_uppercase();
                let payload = match words.next() {
                    Some(p) => p.to_string(),
                    None => {
                        send(s, "+ \r\n").await;
                        let Some(p) = read_line(s).await else {
                            return;
                        };
                        seen.lock().unwrap().push(p.clone());
                        p
                    }
                };
                let want = match mech.as_str() {
                    "XOAUTH2" => b64(xoauth2(TOKEN).as_bytes()),
                    _ => b64(oauthbearer(TOKEN, port).as_bytes()),
                };
                if payload == want {
                    ok
                } else {
                    send(s, &format!("+ {}\r\n", b64(OAUTH_STATUS.as_bytes()))).await;
                    let Some(answer) = read_line(s).await else {
                        return;
                    };
                    seen.lock().unwrap().push(format!("answer:{answer}"));
                    no
                }
            }
            "LOGOUT" | "QUIT" => {
                let bye = if imap {
                    format!("* BYE bye\r\n{tag} OK done")
                } else {
                    "+OK bye".into()
                };
                send(s, &format!("{bye}\r\n")).await;
                return;
            }
            _ if imap => format!("{tag} BAD what"),
            _ => "-ERR what".into(),
        };
        if !send(s, &format!("{reply}\r\n")).await {
            return;
        }
    }
}

/// The client's answers to the fake's OAuth status.
fn answers(sent: &[String]) -> Vec<&str> {
    sent.iter()
        .filter(|l| l.starts_with("answer:"))
        .map(String::as_str)
        .collect()
}

/// The payload lines the fake received (base64, each carrying a token) must not show in
/// `text`.
fn assert_no_payload(f: &Fake, text: &str) {
    for l in f.seen.lock().unwrap().iter() {
        let payload = l.rsplit(' ').next().unwrap_or("");
        if payload.len() > 40 {
            assert!(!text.contains(payload), "a SASL payload leaked: {text}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imap_xoauth2_with_sasl_ir_right_and_wrong_token() {
    let o = OAuthFake {
        proto: IMAP,
        mechs: &["OAUTHBEARER", "XOAUTH2"],
    };
    let f = oauth_fake(o).await;
    let good = check(IMAP, f.port, &["--oauth-token-env", TOKEN_VAR]).await;
    assert!(good.codes.is_empty(), "{:#}", good.report);
    assert_eq!(good.code, 0);
    assert_eq!(good.login()["mechanism"], "XOAUTH2");
    assert_eq!(good.login()["initial_response"], true);
    assert_eq!(good.login()["accepted"], true);
    let sent = f.seen.lock().unwrap().clone();
    assert!(
        sent.contains(&format!(
            "m5 AUTHENTICATE XOAUTH2 {}",
            b64(xoauth2(TOKEN).as_bytes())
        )),
        "{sent:?}"
    );
    assert_no_payload(&f, &good.report.to_string());

    let f = oauth_fake(OAuthFake {
        proto: IMAP,
        mechs: &["XOAUTH2"],
    })
    .await;
    let bad = check(IMAP, f.port, &["--oauth-token-env", BAD_TOKEN_VAR]).await;
    assert_eq!(bad.codes, vec!["auth.bad-credentials"], "{:#}", bad.report);
    assert_eq!(bad.code, 1);
    assert_eq!(bad.login()["oauth_error"], OAUTH_STATUS);
    assert!(bad.login()["retry"].is_null(), "a token is never retried");
    // Gmail's protocol: an empty line answers the status, then the tagged NO.
    let sent = f.seen.lock().unwrap().clone();
    assert_eq!(answers(&sent), vec!["answer:"], "{sent:?}");
    let finding = &bad.report["findings"][0];
    assert!(
        finding["fix"]
            .as_str()
            .unwrap()
            .contains("refused the OAuth access token"),
        "{finding}"
    );
    assert!(
        finding
            .to_string()
            .contains("the server's OAuth error status"),
        "{finding}"
    );
    assert_no_payload(&f, &bad.report.to_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imap_oauthbearer_after_the_continuation() {
    let proto = Proto::Imap {
        sasl_ir: false,
        literal_plus: false,
    };
    let mechs: &[&str] = &["OAUTHBEARER"];
    let f = oauth_fake(OAuthFake { proto, mechs }).await;
    let good = check(proto, f.port, &["--oauth-token-env", TOKEN_VAR]).await;
    assert!(good.codes.is_empty(), "{:#}", good.report);
    assert_eq!(good.login()["mechanism"], "OAUTHBEARER");
    assert_eq!(good.login()["initial_response"], false);
    let sent = f.seen.lock().unwrap().clone();
    let at = sent
        .iter()
        .position(|l| l == "m5 AUTHENTICATE OAUTHBEARER")
        .expect("no initial response without SASL-IR");
    assert_eq!(sent[at + 1], b64(oauthbearer(TOKEN, f.port).as_bytes()));

    let f = oauth_fake(OAuthFake { proto, mechs }).await;
    let bad = check(proto, f.port, &["--oauth-token-env", BAD_TOKEN_VAR]).await;
    assert_eq!(bad.codes, vec!["auth.bad-credentials"], "{:#}", bad.report);
    assert_eq!(bad.login()["oauth_error"], OAUTH_STATUS);
    // RFC 7628 §3.2.3: a single %x01 answers the error.
    let sent = f.seen.lock().unwrap().clone();
    assert_eq!(answers(&sent), vec!["answer:AQ=="], "{sent:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pop3_xoauth2_waits_for_the_continuation_with_a_long_token() {
    let mechs: &[&str] = &["XOAUTH2", "OAUTHBEARER"];
    let f = oauth_fake(OAuthFake {
        proto: Proto::Pop3,
        mechs,
    })
    .await;
    let good = check(Proto::Pop3, f.port, &["--oauth-token-env", TOKEN_VAR]).await;
    assert!(good.codes.is_empty(), "{:#}", good.report);
    assert_eq!(good.login()["mechanism"], "XOAUTH2");
    // Over 255 octets with the token: the payload follows the server's `+`.
    assert_eq!(good.login()["initial_response"], false);
    let sent = f.seen.lock().unwrap().clone();
    let at = sent
        .iter()
        .position(|l| l == "AUTH XOAUTH2")
        .expect("AUTH without the response");
    assert_eq!(sent[at + 1], b64(xoauth2(TOKEN).as_bytes()));

    let f = oauth_fake(OAuthFake {
        proto: Proto::Pop3,
        mechs,
    })
    .await;
    let bad = check(Proto::Pop3, f.port, &["--oauth-token-env", BAD_TOKEN_VAR]).await;
    assert_eq!(bad.codes, vec!["auth.bad-credentials"], "{:#}", bad.report);
    assert_eq!(bad.login()["oauth_error"], OAUTH_STATUS);
    // The short token fits: the response goes with AUTH.
    assert_eq!(bad.login()["initial_response"], true);
    let sent = f.seen.lock().unwrap().clone();
    assert!(
        sent.contains(&format!(
            "AUTH XOAUTH2 {}",
            b64(xoauth2(BAD_TOKEN).as_bytes())
        )),
        "{sent:?}"
    );
    assert_eq!(answers(&sent), vec!["answer:"], "{sent:?}");
    assert!(
        bad.report["findings"][0]["fix"]
            .as_str()
            .unwrap()
            .contains("POP.AccessAsUser.All"),
        "{:#}",
        bad.report
    );

    // The -v transcript, the saved evidence and stderr hold neither token nor payload.
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("report.json");
    let saved_s = saved.to_str().unwrap().to_string();
    let mut args = check_args(
        Proto::Pop3,
        f.port,
        &["--oauth-token-env", BAD_TOKEN_VAR, "--save", &saved_s, "-v"],
    );
    let at = args.iter().position(|a| a == "json").unwrap();
    args[at] = "human".into();
    let out = tokio::task::spawn_blocking(move || run_bounded(&args))
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let file = std::fs::read_to_string(&saved).unwrap();
    assert!(stdout.contains("AUTH XOAUTH2 ***"), "{stdout}");
    assert!(file.contains("AUTH XOAUTH2 ***"), "{file}");
    for text in [&stdout, &stderr, &file] {
        assert_no_password(text);
        assert_no_payload(&f, text);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_against_oauth_only_and_token_against_password_only() {
    // A password for a POP3 server whose CAPA offers only XOAUTH2 and no USER: no login sent.
    let f = oauth_fake(OAuthFake {
        proto: Proto::Pop3,
        mechs: &["XOAUTH2"],
    })
    .await;
    let o = check(Proto::Pop3, f.port, &[]).await;
    assert_eq!(o.codes, vec!["auth.oauth-required"], "{:#}", o.report);
    assert!(o.login()["reply"].is_null());
    let sent = f.seen.lock().unwrap().clone();
    assert!(
        !sent
            .iter()
            .any(|l| l.starts_with("AUTH") || l.starts_with("USER")),
        "{sent:?}"
    );
    // A token for a server with password logins only: a note, no login.
    let f = fake(IMAP, lines(&["TAG OK Logged in"])).await;
    let o = check(IMAP, f.port, &["--oauth-token-env", TOKEN_VAR]).await;
    assert!(o.login().is_null(), "{:#}", o.report);
    let transcript = o.report["evidence"]["configured"]["probes"][0]["transcript"].to_string();
    assert!(
        transcript.contains("login not tried: the server offers no OAuth login"),
        "{transcript}"
    );
    let sent = f.seen.lock().unwrap().clone();
    assert!(!sent.iter().any(|l| l.contains("AUTHENTICATE")), "{sent:?}");
}

// ───────────────────────────── bad input ─────────────────────────────

#[test]
fn contradictory_input_is_one_error_line() {
    for (args, words) in [
        (
            vec!["check", "--imap", "smtp://a@mail.example.com:587"],
            "--imap: the URL is not an IMAP URL",
        ),
        (
            vec!["check", "--pop3", "imaps://mail.example.com"],
            "--pop3: the URL is an IMAP URL",
        ),
        (
            vec![
                "check",
                "imaps://mail.example.com",
                "--send-to",
                "bob@example.com",
            ],
            "--send-to sends a test message through SMTP",
        ),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_mxray"))
            .args(&args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(stderr.contains(words), "{stderr}");
        assert!(out.stdout.is_empty());
    }
}
