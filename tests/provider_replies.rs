//! `mxray check` logging in to in-process SMTP servers that greet, offer STARTTLS and AUTH,
//! and refuse logins exactly as big providers do (Gmail, Microsoft 365, Outlook.com, Zoho) —
//! with the providers' texts and with variants whose wording, casing, line breaks and codes
//! differ — plus servers that check CRAM-MD5, LOGIN with an initial response, XOAUTH2 and
//! OAUTHBEARER for real, and one that echoes every credential back. Each runs the real binary
//! and asserts the exact `auth.*` code, the provider-specific fix and the exit status; and no
//! secret, in any encoding, in any output, for every way of giving it.
//!
//! Loopback only; certificates are made on the fly by rcgen.

mod common;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use mxray::report::{Body, Report};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// The name on the fake servers' certificate, checked with `--tls-name`.
const TLS_NAME: &str = "smtp.provider.test";
const USER: &str = "alice@example.com";
/// The secret the servers accept; the provider servers accept nothing.
const GOOD: &str = "Right:pass@w0rd";
const BAD: &str = "Wr0ng:pass@word";
const CHALLENGE: &str = "<1896.697170952@fake.provider.test>";

// ───────────────────────────── certificates ─────────────────────────────

struct Pki {
    ca_file: PathBuf,
    acceptor: TlsAcceptor,
    _dir: tempfile::TempDir,
}

/// One CA for the whole run, and a server certificate for [`TLS_NAME`] it signed.
fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(rcgen::DnType::CommonName, "mxray test CA");
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let issuer = rcgen::Issuer::new(ca, ca_key);
        let key = rcgen::KeyPair::generate().unwrap();
        let leaf = rcgen::CertificateParams::new(vec![TLS_NAME.to_string()])
            .unwrap()
            .signed_by(&key, &issuer)
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let ca_file = dir.path().join("ca.pem");
        std::fs::write(&ca_file, ca_cert.pem()).unwrap();
        let cfg = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(leaf.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .unwrap();
        Pki {
            ca_file,
            acceptor: TlsAcceptor::from(Arc::new(cfg)),
            _dir: dir,
        }
    })
}

// ───────────────────────────── the fake servers ─────────────────────────────

/// How a server greets, what it offers, and how it answers AUTH.
#[derive(Clone)]
struct Persona {
    greeting: String,
    /// EHLO lines before TLS (the first is the server's name and greeting text).
    ehlo: Vec<String>,
    /// EHLO lines after TLS.
    ehlo_tls: Vec<String>,
    auth: Answer,
    /// On a refusal, also echo what the client sent (decoded too) in the reply.
    echo: bool,
}

#[derive(Clone)]
enum Answer {
    /// Whatever the credentials: this reply (lines without CRLF), after the mechanism's steps.
    Always(Vec<String>),
    /// Check the credentials against [`GOOD`] (password or token): 235, or `refusal`.
    Check { refusal: Vec<String> },
}

fn lines(l: &[&str]) -> Vec<String> {
    l.iter().map(|s| s.to_string()).collect()
}

fn gmail() -> Persona {
    Persona {
        greeting: "220 smtp.gmail.com ESMTP a640c23a62f3a-ab7.12 - gsmtp".into(),
        ehlo: lines(&[
            "smtp.gmail.com at your service, [127.0.0.1]",
            "SIZE 35882577",
            "8BITMIME",
            "STARTTLS",
            "ENHANCEDSTATUSCODES",
            "PIPELINING",
            "CHUNKING",
            "SMTPUTF8",
        ]),
        ehlo_tls: lines(&[
            "smtp.gmail.com at your service, [127.0.0.1]",
            "SIZE 35882577",
            "8BITMIME",
            "AUTH LOGIN PLAIN XOAUTH2 PLAIN-CLIENTTOKEN OAUTHBEARER XOAUTH",
            "ENHANCEDSTATUSCODES",
            "PIPELINING",
            "CHUNKING",
            "SMTPUTF8",
        ]),
        auth: Answer::Check { refusal: vec![] },
        echo: false,
    }
}

fn microsoft() -> Persona {
    let name = "SN4PR0501CA0054.outlook.office365.com";
    Persona {
        greeting: format!(
            "220 {name} Microsoft ESMTP MAIL Service ready at Mon, 23 Nov 2026 22:00:00 +0000"
        ),
        ehlo: vec![
            format!("{name} Hello [127.0.0.1]"),
            "SIZE 157286400".into(),
            "PIPELINING".into(),
            "DSN".into(),
            "ENHANCEDSTATUSCODES".into(),
            "STARTTLS".into(),
            "8BITMIME".into(),
            "BINARYMIME".into(),
            "CHUNKING".into(),
            "SMTPUTF8".into(),
        ],
        ehlo_tls: vec![
            format!("{name} Hello [127.0.0.1]"),
            "SIZE 157286400".into(),
            "PIPELINING".into(),
            "DSN".into(),
            "ENHANCEDSTATUSCODES".into(),
            "AUTH LOGIN XOAUTH2".into(),
            "8BITMIME".into(),
            "BINARYMIME".into(),
            "CHUNKING".into(),
            "SMTPUTF8".into(),
        ],
        auth: Answer::Check { refusal: vec![] },
        echo: false,
    }
}

/// A server that names no provider, offering `mechanisms`.
fn plain_server(mechanisms: &str) -> Persona {
    Persona {
        greeting: "220 mail.fake.test ESMTP".into(),
        ehlo: lines(&["mail.fake.test", "PIPELINING", "STARTTLS", "8BITMIME"]),
        ehlo_tls: vec![
            "mail.fake.test".into(),
            "PIPELINING".into(),
            format!("AUTH {mechanisms}"),
            "8BITMIME".into(),
        ],
        auth: Answer::Check {
            refusal: lines(&["535 5.7.8 Error: authentication failed"]),
        },
        echo: false,
    }
}

impl Persona {
    fn answering(mut self, reply: &[&str]) -> Persona {
        self.auth = Answer::Always(lines(reply));
        self
    }
}

/// A fake server on 127.0.0.1 in a runtime of its own; `log` holds every line clients sent
/// and what the server concluded (`verified ...`), for the server-side assertions.
struct Server {
    port: u16,
    log: Arc<Mutex<Vec<String>>>,
    _rt: tokio::runtime::Runtime,
}

impl Server {
    fn start(persona: Persona) -> Server {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = rt
            .block_on(TcpListener::bind((Ipv4Addr::LOCALHOST, 0)))
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        let log = Arc::new(Mutex::new(Vec::new()));
        let l2 = log.clone();
        rt.spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let (p, log) = (persona.clone(), l2.clone());
                tokio::spawn(async move { session(sock, p, log).await });
            }
        });
        Server { port, log, _rt: rt }
    }

    fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

async fn send<S: AsyncWrite + Unpin>(s: &mut S, text: &str) -> Option<()> {
    s.write_all(text.as_bytes()).await.ok()?;
    s.flush().await.ok()
}

fn multiline(code: &str, l: &[String]) -> String {
    let mut out = String::new();
    for (i, t) in l.iter().enumerate() {
        let sep = if i + 1 == l.len() { ' ' } else { '-' };
        out.push_str(&format!("{code}{sep}{t}\r\n"));
    }
    out
}

/// Reply lines as written (each with its code), CRLF-terminated.
fn raw(l: &[String]) -> String {
    l.iter().map(|t| format!("{t}\r\n")).collect()
}

async fn read_line<S: AsyncRead + Unpin>(s: &mut S, log: &Mutex<Vec<String>>) -> Option<String> {
    let mut line = Vec::new();
    let mut b = [0u8; 1];
    loop {
        if s.read(&mut b).await.ok()? == 0 {
            return None;
        }
        if b[0] == b'\n' {
            break;
        }
        line.push(b[0]);
        if line.len() > 8192 {
            return None;
        }
    }
    let text = String::from_utf8_lossy(&line)
        .trim_end_matches('\r')
        .to_string();
    log.lock().unwrap().push(text.clone());
    Some(text)
}

async fn session(mut tcp: tokio::net::TcpStream, p: Persona, log: Arc<Mutex<Vec<String>>>) {
    if send(&mut tcp, &format!("{}\r\n", p.greeting))
        .await
        .is_none()
    {
        return;
    }
    loop {
        let Some(cmd) = read_line(&mut tcp, &log).await else {
            return;
        };
        let verb = cmd.split(' ').next().unwrap_or("").to_ascii_uppercase();
        let reply = match verb.as_str() {
            "EHLO" => multiline("250", &p.ehlo),
            "STARTTLS" => {
                if send(&mut tcp, "220 2.0.0 Ready to start TLS\r\n")
                    .await
                    .is_none()
                {
                    return;
                }
                if let Ok(tls) = pki().acceptor.accept(tcp).await {
                    after_tls(tls, &p, &log).await;
                }
                return;
            }
            "QUIT" => {
                let _ = send(&mut tcp, "221 2.0.0 Bye\r\n").await;
                return;
            }
            "AUTH" => "530 5.7.0 Must issue a STARTTLS command first\r\n".into(),
            _ => "502 5.5.2 Command not recognized\r\n".into(),
        };
        if send(&mut tcp, &reply).await.is_none() {
            return;
        }
    }
}

async fn after_tls<S: AsyncRead + AsyncWrite + Unpin>(
    mut s: S,
    p: &Persona,
    log: &Mutex<Vec<String>>,
) {
    loop {
        let Some(cmd) = read_line(&mut s, log).await else {
            return;
        };
        let verb = cmd.split(' ').next().unwrap_or("").to_ascii_uppercase();
        let reply = match verb.as_str() {
            "EHLO" => multiline("250", &p.ehlo_tls),
            "QUIT" => {
                let _ = send(&mut s, "221 2.0.0 Bye\r\n").await;
                return;
            }
            "AUTH" => match auth(&mut s, p, &cmd, log).await {
                Some(r) => r,
                None => return,
            },
            _ => "502 5.5.2 Command not recognized\r\n".into(),
        };
        if send(&mut s, &reply).await.is_none() {
            return;
        }
    }
}

fn unb64(s: &str) -> String {
    String::from_utf8_lossy(&STANDARD.decode(s.trim()).unwrap_or_default()).into_owned()
}

fn b64(s: impl AsRef<[u8]>) -> String {
    STANDARD.encode(s)
}

fn cram(secret: &str, challenge: &str) -> String {
    let mut mac = Hmac::<md5::Md5>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(challenge.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Runs one AUTH exchange server-side; the final reply, or `None` when the client left.
async fn auth<S: AsyncRead + AsyncWrite + Unpin>(
    s: &mut S,
    p: &Persona,
    cmd: &str,
    log: &Mutex<Vec<String>>,
) -> Option<String> {
    let mut words = cmd.split(' ').skip(1);
    let mech = words.next().unwrap_or("").to_ascii_uppercase();
    let ir = words.next().map(str::to_string);
    let mut sent = vec![cmd.to_string()];
    // (user, secret) as the server understood them, and whether they check out.
    let (user, secret, ok) = match mech.as_str() {
        "PLAIN" => {
            let payload = match ir {
                Some(ir) => ir,
                None => {
                    send(s, "334 \r\n").await?;
                    read_line(s, log).await?
                }
            };
            sent.push(payload.clone());
            let text = unb64(&payload);
            let parts: Vec<&str> = text.split('\0').collect();
            let (u, pw) = (
                parts.get(1).unwrap_or(&"").to_string(),
                parts.get(2).unwrap_or(&"").to_string(),
            );
            let ok = u == USER && pw == GOOD;
            (u, pw, ok)
        }
        "LOGIN" => {
            let u = match ir {
                Some(ir) => unb64(&ir),
                None => {
                    send(s, "334 VXNlcm5hbWU6\r\n").await?;
                    let l = read_line(s, log).await?;
                    sent.push(l.clone());
                    unb64(&l)
                }
            };
            send(s, "334 UGFzc3dvcmQ6\r\n").await?;
            let l = read_line(s, log).await?;
            sent.push(l.clone());
            let pw = unb64(&l);
            let ok = u == USER && pw == GOOD;
            (u, pw, ok)
        }
        "CRAM-MD5" => {
            send(s, &format!("334 {}\r\n", b64(CHALLENGE))).await?;
            let l = read_line(s, log).await?;
            sent.push(l.clone());
            let text = unb64(&l);
            let (u, digest) = text.split_once(' ').unwrap_or(("", ""));
            let ok = u == USER && digest == cram(GOOD, CHALLENGE);
            log.lock()
                .unwrap()
                .push(format!("verified CRAM-MD5 digest: {ok}"));
            (u.to_string(), digest.to_string(), ok)
        }
        "XOAUTH2" | "OAUTHBEARER" => {
            let payload = ir.unwrap_or_default();
            sent.push(payload.clone());
            let text = unb64(&payload);
            let fields: Vec<&str> = text.split('\x01').collect();
            let field = |k: &str| {
                fields
                    .iter()
                    .find_map(|f| f.strip_prefix(k))
                    .unwrap_or("")
                    .to_string()
            };
            let (u, host_ok) = if mech == "XOAUTH2" {
                (field("user="), true)
            } else {
                let gs2 = fields[0];
                let u = gs2
                    .strip_prefix("n,a=")
                    .and_then(|r| r.strip_suffix(','))
                    .unwrap_or("")
                    .to_string();
                let host_ok = field("host=") == TLS_NAME && !field("port=").is_empty();
                (u, host_ok)
            };
            let token = field("auth=Bearer ");
            let ok = u == USER && token == GOOD && host_ok;
            log.lock()
                .unwrap()
                .push(format!("verified {mech} token: {ok}"));
            if let (false, Answer::Check { .. }) = (ok, &p.auth) {
                let json =
                    r#"{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}"#;
                send(s, &format!("334 {}\r\n", b64(json))).await?;
                let answer = read_line(s, log).await?;
                log.lock()
                    .unwrap()
                    .push(format!("client answered the error with {answer:?}"));
            }
            (u, token, ok)
        }
        _ => return Some("504 5.7.4 Unrecognized authentication type\r\n".into()),
    };
    let mut reply = match &p.auth {
        Answer::Always(r) => raw(r),
        Answer::Check { .. } if ok => "235 2.7.0 Authentication successful\r\n".into(),
        Answer::Check { refusal } => raw(refusal),
    };
    if p.echo && !ok {
        let mut echoed: Vec<String> = sent.iter().map(|l| format!("you sent {l}")).collect();
        echoed.push(format!("user {user} secret {secret} b64 {}", b64(&secret)));
        reply = fix_continuations(&(multiline("535", &echoed) + &reply));
    }
    Some(reply)
}

/// Makes every line but the last a continuation line.
fn fix_continuations(reply: &str) -> String {
    let l: Vec<&str> = reply.lines().collect();
    let mut out = String::new();
    for (i, line) in l.iter().enumerate() {
        let (code, text) = (&line[..3], &line[4..]);
        let sep = if i + 1 == l.len() { ' ' } else { '-' };
        out.push_str(&format!("{code}{sep}{text}\r\n"));
    }
    out
}

// ───────────────────────────── running mxray ─────────────────────────────

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn mxray(args: &[String], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mxray"));
    cmd.args(args).env("NO_COLOR", "1");
    for k in ["MXRAY_TEST_SECRET", "SMTP_HOST", "SMTP_PASSWORD"] {
        cmd.env_remove(k);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run mxray");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

static DNS_QUERIES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// A DNS server on loopback that answers every query NXDOMAIN, so the reverse lookups of
/// 127.0.0.1 never leave the machine. Its address as `IP:PORT`.
fn dns() -> &'static str {
    static DNS: OnceLock<String> = OnceLock::new();
    DNS.get_or_init(|| {
        let sock = std::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let addr = sock.local_addr().unwrap().to_string();
        std::thread::spawn(move || {
            let mut buf = [0u8; 1500];
            while let Ok((n, peer)) = sock.recv_from(&mut buf) {
                if n < 12 {
                    continue;
                }
                // The question ends after its name's zero label, type and class.
                let mut end = 12;
                while end < n && buf[end] != 0 {
                    end += buf[end] as usize + 1;
                }
                let end = (end + 5).min(n);
                let mut r = buf[..end].to_vec();
                r[2] = 0x80 | (buf[2] & 0x79); // a response, same opcode and RD
                r[3] = 0x80 | 3; // RA, NXDOMAIN
                r[6..12].fill(0);
                let _ = sock.send_to(&r, peer);
                DNS_QUERIES.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        });
        addr
    })
}

/// The connection options for a fake server on 127.0.0.1.
fn net_args() -> Vec<String> {
    [
        "--resolver",
        dns(),
        "--ca-file",
        pki().ca_file.to_str().unwrap(),
        "--tls-name",
        TLS_NAME,
        "--timeout",
        "5",
        "--helo",
        "client.test",
        "-4",
        "--no-password-prompt",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn endpoint_args(port: u16, user: &str) -> Vec<String> {
    [
        "--host",
        "127.0.0.1",
        "--port",
        &port.to_string(),
        "--security",
        "starttls",
        "--user",
        user,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// `mxray check` against `server` as `user` with `secret` in MXRAY_TEST_SECRET (`--password-env`
/// unless `extra` says otherwise); the JSON report, schema-checked, and the exit status.
fn check(server: &Server, user: &str, secret: &str, extra: &[&str]) -> (Report, i32) {
    let mut args = vec!["check".to_string()];
    args.extend(endpoint_args(server.port, user));
    if !extra.contains(&"--oauth-token-env") {
        args.extend(["--password-env".into(), "MXRAY_TEST_SECRET".into()]);
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    args.extend(net_args());
    args.extend(["--format".into(), "json".into()]);
    let run = mxray(&args, &[("MXRAY_TEST_SECRET", secret)]);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    for text in [&run.stdout, &run.stderr] {
        assert_no_secret(secret, USER, server.port, text);
    }
    let v: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", run.stdout));
    common::schema::assert_valid(&v);
    (serde_json::from_value(v).unwrap(), run.code)
}

fn login(r: &Report) -> mxray::evidence::LoginAttempt {
    let Body::Check(ev) = &r.body else {
        panic!("not a check report")
    };
    let logins: Vec<_> = ev
        .configured
        .as_ref()
        .unwrap()
        .probes
        .iter()
        .filter_map(|p| p.login.clone())
        .collect();
    assert_eq!(logins.len(), 1, "{:#?}", ev.configured);
    logins[0].clone()
}

fn client_lines(r: &Report) -> Vec<String> {
    let Body::Check(ev) = &r.body else { panic!() };
    ev.configured.as_ref().unwrap().probes[0]
        .transcript
        .iter()
        .filter(|l| l.dir == mxray::evidence::Direction::Client)
        .map(|l| l.text.clone())
        .collect()
}

fn auth_codes(r: &Report) -> Vec<String> {
    r.findings
        .iter()
        .filter(|f| f.code.starts_with("auth."))
        .map(|f| f.code.clone())
        .collect()
}

fn finding<'a>(r: &'a Report, code: &str) -> &'a mxray::findings::Finding {
    r.findings
        .iter()
        .find(|f| f.code == code)
        .unwrap_or_else(|| panic!("no {code}: {:#?}", r.findings))
}

/// Every form of the secret a leak could take.
fn secret_forms(secret: &str, user: &str, port: u16) -> Vec<String> {
    vec![
        secret.to_string(),
        b64(secret),
        b64(format!("\0{user}\0{secret}")),
        b64(format!("user={user}\x01auth=Bearer {secret}\x01\x01")),
        b64(format!(
            "n,a={user},\x01host={TLS_NAME}\x01port={port}\x01auth=Bearer {secret}\x01\x01"
        )),
        b64(format!("{user} {}", cram(secret, CHALLENGE))),
        cram(secret, CHALLENGE),
        secret.replace(':', "%3A").replace('@', "%40"),
    ]
}

fn assert_no_secret(secret: &str, user: &str, port: u16, text: &str) {
    for f in secret_forms(secret, user, port) {
        assert!(
            !text.contains(&f),
            "the secret or an encoding of it ({f}) was printed:\n{text}"
        );
    }
}

/// A provider scenario: the login refused with `reply` maps to exactly `code`, whose fix
/// contains every one of `fix_words`; exit status `exit`.
fn scenario(p: Persona, reply: &[&str], user: &str, code: &str, fix_words: &[&str], exit: i32) {
    let server = Server::start(p.answering(reply));
    let (r, status) = check(&server, user, BAD, &[]);
    assert_eq!(auth_codes(&r), vec![code], "{reply:?}: {:#?}", r.findings);
    let f = finding(&r, code);
    for w in fix_words {
        assert!(f.fix.contains(w), "{reply:?}: fix lacks {w:?}: {}", f.fix);
    }
    assert!(
        f.evidence.iter().any(|e| e.starts_with("AUTH ")),
        "{:?}",
        f.evidence
    );
    assert_eq!(status, exit, "{reply:?}: {:#?}", r.findings);
    assert!(!login(&r).accepted);
}

// ───────────────────────────── Gmail ─────────────────────────────

const GMAIL_APP_PW: &str = "https://myaccount.google.com/apppasswords";

#[test]
fn gmail_app_password_required() {
    scenario(
        gmail(),
        &[
            "534-5.7.9 Application-specific password required. For more information, go to",
            "534 5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor a640c23a62f3a-ab7.12 - gsmtp",
        ],
        USER,
        "auth.app-password-required",
        &[GMAIL_APP_PW, "2-Step Verification"],
        1,
    );
    // No enhanced code, other casing and hyphenation, one line.
    scenario(
        gmail(),
        &["534 APPLICATION SPECIFIC password Required (2SV is on)"],
        USER,
        "auth.app-password-required",
        &[GMAIL_APP_PW],
        1,
    );
}

#[test]
fn gmail_web_login_required() {
    scenario(
        gmail(),
        &[
            "534-5.7.14 <https://accounts.google.com/signin/continue?sarp=1&scc=1&plt=AKgnsbs>",
            "534-5.7.14 Please log in via your web browser and then try again.",
            "534-5.7.14  Learn more at",
            "534 5.7.14  https://support.google.com/mail/answer/78754 a640c23a62f3a-ab7.12 - gsmtp",
        ],
        USER,
        "auth.web-login-required",
        &[GMAIL_APP_PW, "2-Step Verification", "OAuth"],
        1,
    );
    // The phrase split over continuation lines differently, no enhanced code.
    scenario(
        gmail(),
        &[
            "534-Please log in",
            "534-VIA YOUR WEB",
            "534 browser, and then try again - gsmtp",
        ],
        USER,
        "auth.web-login-required",
        &[GMAIL_APP_PW],
        1,
    );
}

#[test]
fn gmail_bad_credentials() {
    scenario(
        gmail(),
        &[
            "535-5.7.8 Username and Password not accepted. For more information, go to",
            "535 5.7.8  https://support.google.com/mail/?p=BadCredentials a640c23a62f3a-ab7.12 - gsmtp",
        ],
        USER,
        "auth.bad-credentials",
        &[GMAIL_APP_PW, "revoked"],
        1,
    );
    scenario(
        gmail(),
        &["535 sorry, the username and password were not accepted"],
        USER,
        "auth.bad-credentials",
        &[GMAIL_APP_PW],
        1,
    );
}

#[test]
fn gmail_rate_limit_is_a_warning() {
    scenario(
        gmail(),
        &["454 4.7.0 Too many login attempts, please try again later. a640c23a62f3a-ab7.12 - gsmtp"],
        USER,
        "auth.rate-limited",
        &["Gmail", "wait"],
        0,
    );
    scenario(
        gmail(),
        &["454-4.7.0 too many", "454 LOGIN attempts; slow down"],
        USER,
        "auth.rate-limited",
        &["Gmail"],
        0,
    );
}

// ───────────────────────────── Microsoft ─────────────────────────────

#[test]
fn microsoft_smtp_auth_disabled() {
    scenario(
        microsoft(),
        &["535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information. [SN4PR0501CA0054.namprd05.prod.outlook.com 2026-11-23T22:00:00.000Z 08DD0000000000]"],
        "alice@contoso.example",
        "auth.smtp-auth-disabled",
        &["Set-CASMailbox", "-SmtpClientAuthenticationDisabled $false", "Security Defaults", "SMTP.Send"],
        1,
    );
    scenario(
        microsoft(),
        &["535 5.7.139 Authentication unsuccessful, user is locked by your organization's security defaults policy. Contact your administrator. [SN4PR0501CA0054.namprd05.prod.outlook.com]"],
        "alice@contoso.example",
        "auth.smtp-auth-disabled",
        &["Security Defaults", "Set-CASMailbox"],
        1,
    );
    // No enhanced code, the switch's name in other casing, split over two lines.
    scenario(
        microsoft(),
        &[
            "535-Authentication unsuccessful, SMTPCLIENTAUTHENTICATION",
            "535 is disabled for the tenant.",
        ],
        "alice@contoso.example",
        "auth.smtp-auth-disabled",
        &["Set-CASMailbox"],
        1,
    );
}

#[test]
fn microsoft_recognised_from_the_5_7_139_link_alone() {
    // A server that says nothing about itself but Microsoft's link.
    scenario(
        plain_server("PLAIN LOGIN"),
        &["535 5.7.139 Authentication unsuccessful, the request did not meet the criteria to be authenticated successfully. Contact your administrator. https://aka.ms/smtp_auth_disabled"],
        "alice@contoso.example",
        "auth.smtp-auth-disabled",
        &["Set-CASMailbox"],
        1,
    );
}

#[test]
fn microsoft_5_7_3_and_basic_auth_retired() {
    scenario(
        microsoft(),
        &["535 5.7.3 Authentication unsuccessful [SN4PR0501CA0054.namprd05.prod.outlook.com]"],
        "alice@contoso.example",
        "auth.bad-credentials",
        &["5.7.3", "Set-CASMailbox", "UPN"],
        1,
    );
    scenario(
        microsoft(),
        &["550 5.7.30 Basic authentication is not supported for Client Submission."],
        "alice@contoso.example",
        "auth.smtp-auth-disabled",
        &["retired", "OAuth", "SMTP.Send"],
        1,
    );
    scenario(
        microsoft(),
        &["550 Sorry - BASIC authentication is not supported for client submission"],
        "alice@contoso.example",
        "auth.smtp-auth-disabled",
        &["retired"],
        1,
    );
}

#[test]
fn outlook_com_passwords_mean_oauth() {
    scenario(
        microsoft(),
        &["535 5.7.3 Authentication unsuccessful [AM0PR01CA0123.eurprd01.prod.exchangelabs.com]"],
        "alice@hotmail.com",
        "auth.oauth-required",
        &["16 September 2024", "OAuth2"],
        1,
    );
}

#[test]
fn microsoft_logs_in_with_login_as_it_offers_no_plain() {
    let server = Server::start(microsoft().answering(&["535 5.7.3 Authentication unsuccessful"]));
    let (r, _) = check(&server, "alice@contoso.example", BAD, &[]);
    let l = login(&r);
    assert_eq!(l.mechanism, "LOGIN");
    assert!(!l.initial_response);
    assert_eq!(client_lines(&r)[3..6], ["AUTH LOGIN", "***", "***"]);
}

// ───────────────────────────── sender not owned ─────────────────────────────

#[test]
fn sender_not_owned() {
    let zoho = Persona {
        greeting: "220 mx.zoho.com SMTP Server ready November 23, 2026 10:00:00 PM PST".into(),
        ehlo: lines(&["mx.zoho.com Hello client.test", "STARTTLS", "SIZE 53477376"]),
        ehlo_tls: lines(&[
            "mx.zoho.com Hello client.test",
            "AUTH LOGIN PLAIN",
            "SIZE 53477376",
        ]),
        ..plain_server("")
    };
    scenario(
        zoho,
        &["553 5.7.1 <bob@example.org>: Sender address rejected: not owned by user alice@example.com"],
        USER,
        "auth.sender-not-owned",
        &["Zoho", "alias"],
        1,
    );
    // Unknown provider, no enhanced code, split: the catalogue's fix.
    scenario(
        plain_server("PLAIN LOGIN"),
        &[
            "553-Sender address rejected:",
            "553 NOT OWNED BY USER alice",
        ],
        USER,
        "auth.sender-not-owned",
        &["smtpd_sender_login_maps"],
        1,
    );
}

// ───────────────────────────── mechanisms, checked server-side ─────────────────────────────

#[test]
fn cram_md5_digest_checked_by_the_server() {
    let server = Server::start(plain_server("CRAM-MD5 PLAIN"));
    let (r, status) = check(&server, USER, GOOD, &["--auth-mech", "cram-md5"]);
    assert_eq!(status, 0, "{:#?}", r.findings);
    let l = login(&r);
    assert!(l.accepted, "{l:?}");
    assert_eq!(l.mechanism, "CRAM-MD5");
    assert!(server
        .log()
        .contains(&"verified CRAM-MD5 digest: true".to_string()));
    assert_eq!(client_lines(&r)[3..5], ["AUTH CRAM-MD5", "***"]);

    let server = Server::start(plain_server("CRAM-MD5 PLAIN"));
    let (r, status) = check(&server, USER, BAD, &["--auth-mech", "CRAM-MD5"]);
    assert_eq!(status, 1);
    assert_eq!(auth_codes(&r), vec!["auth.bad-credentials"]);
    assert_eq!(login(&r).reply.unwrap().code, Some(535));
    assert!(server
        .log()
        .contains(&"verified CRAM-MD5 digest: false".to_string()));
}

#[test]
fn login_with_initial_response() {
    let server = Server::start(plain_server("PLAIN LOGIN"));
    let (r, status) = check(&server, USER, GOOD, &["--auth-mech", "LOGIN-IR"]);
    assert_eq!(status, 0, "{:#?}", r.findings);
    let l = login(&r);
    assert!(
        l.accepted && l.initial_response && l.mechanism == "LOGIN",
        "{l:?}"
    );
    assert_eq!(client_lines(&r)[3..5], ["AUTH LOGIN ***", "***"]);
    let log = server.log();
    assert!(
        log.contains(&format!("AUTH LOGIN {}", b64(USER))),
        "the username goes with the command: {log:?}"
    );
    assert!(!log.iter().any(|l| l == "AUTH LOGIN"), "{log:?}");
}

#[test]
fn xoauth2_token_accepted_and_refused() {
    let server = Server::start(plain_server("PLAIN LOGIN XOAUTH2 OAUTHBEARER"));
    let (r, status) = check(
        &server,
        USER,
        GOOD,
        &["--oauth-token-env", "MXRAY_TEST_SECRET"],
    );
    assert_eq!(status, 0, "{:#?}", r.findings);
    let l = login(&r);
    assert!(l.accepted, "{l:?}");
    assert_eq!(l.mechanism, "XOAUTH2", "XOAUTH2 is picked when offered");
    assert!(server
        .log()
        .contains(&"verified XOAUTH2 token: true".to_string()));

    let server = Server::start(plain_server("PLAIN LOGIN XOAUTH2"));
    let (r, status) = check(
        &server,
        USER,
        BAD,
        &["--oauth-token-env", "MXRAY_TEST_SECRET"],
    );
    assert_eq!(status, 1);
    assert_eq!(auth_codes(&r), vec!["auth.bad-credentials"]);
    let l = login(&r);
    assert_eq!(l.reply.as_ref().unwrap().code, Some(535));
    assert_eq!(
        l.oauth_error.as_deref(),
        Some(r#"{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}"#)
    );
    let f = finding(&r, "auth.bad-credentials");
    assert!(f.fix.contains("access token"), "{}", f.fix);
    assert!(f.evidence.iter().any(|e| e.contains(r#""status":"401""#)));
    assert!(server
        .log()
        .contains(&"client answered the error with \"\"".to_string()));
    assert_eq!(client_lines(&r)[3..5], ["AUTH XOAUTH2 ***", ""]);
}

#[test]
fn oauthbearer_token_accepted_and_refused() {
    let server = Server::start(plain_server("PLAIN OAUTHBEARER"));
    let (r, status) = check(
        &server,
        USER,
        GOOD,
        &["--oauth-token-env", "MXRAY_TEST_SECRET"],
    );
    assert_eq!(status, 0, "{:#?}", r.findings);
    let l = login(&r);
    assert!(l.accepted, "{l:?}");
    assert_eq!(
        l.mechanism, "OAUTHBEARER",
        "OAUTHBEARER when XOAUTH2 is not offered"
    );
    assert!(
        server
            .log()
            .contains(&"verified OAUTHBEARER token: true".to_string()),
        "the server checks user, host and token: {:?}",
        server.log()
    );

    let server = Server::start(plain_server("PLAIN XOAUTH2 OAUTHBEARER"));
    let (r, status) = check(
        &server,
        USER,
        BAD,
        &[
            "--oauth-token-env",
            "MXRAY_TEST_SECRET",
            "--auth-mech",
            "oauthbearer",
        ],
    );
    assert_eq!(status, 1);
    assert_eq!(auth_codes(&r), vec!["auth.bad-credentials"]);
    let l = login(&r);
    assert!(l.oauth_error.as_deref().unwrap().contains("401"));
    assert_eq!(l.reply.unwrap().code, Some(535));
    // RFC 7628 §3.2.3: the client answers the error challenge with a single %x01.
    assert!(server
        .log()
        .contains(&"client answered the error with \"AQ==\"".to_string()));
}

#[test]
fn a_mechanism_not_offered_is_never_sent() {
    let server = Server::start(plain_server("PLAIN LOGIN"));
    let (r, status) = check(&server, USER, GOOD, &["--auth-mech", "CRAM-MD5"]);
    assert_eq!(status, 1);
    assert_eq!(auth_codes(&r), vec!["auth.mechanism-mismatch"]);
    let f = finding(&r, "auth.mechanism-mismatch");
    assert!(f
        .evidence
        .contains(&"AUTH mechanisms offered: PLAIN LOGIN".to_string()));
    assert!(!server.log().iter().any(|l| l.starts_with("AUTH")));
    let l = login(&r);
    assert!(l.reply.is_none() && l.mechanism == "CRAM-MD5");
}

#[test]
fn token_mechanism_without_a_token_is_a_usage_error() {
    let mut args = vec!["check".to_string()];
    args.extend(endpoint_args(9, USER));
    args.extend(["--auth-mech".into(), "XOAUTH2".into()]);
    args.extend(net_args());
    let run = mxray(&args, &[]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--oauth-token-env"), "{}", run.stderr);
    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
    let mut args = vec!["check".to_string()];
    args.extend(endpoint_args(9, USER));
    args.extend(["--oauth-token-env".into(), "MXRAY_TEST_UNSET_VAR".into()]);
    args.extend(net_args());
    let run = mxray(&args, &[]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("MXRAY_TEST_UNSET_VAR"),
        "{}",
        run.stderr
    );
}

// ───────────────────────────── no secret anywhere ─────────────────────────────

/// A server that refuses every login and echoes back what it received, raw and decoded.
fn echoing(mechanisms: &str) -> Server {
    Server::start(Persona {
        echo: true,
        ..plain_server(mechanisms)
    })
}

/// Runs `mxray check` with the settings from `how`, in JSON with --save, and in human form
/// with the transcript; nothing printed or saved shows the secret in any form.
fn assert_secret_never_shown(how: &str, secret: &str, mechanisms: &str, auth_mech: Option<&str>) {
    let server = echoing(mechanisms);
    let dir = tempfile::tempdir().unwrap();
    let port = server.port.to_string();
    let mut env: Vec<(&str, String)> = Vec::new();
    let mut settings: Vec<String> = Vec::new();
    match how {
        "--password-env" => {
            settings.extend(endpoint_args(server.port, USER));
            settings.extend(["--password-env".into(), "MXRAY_TEST_SECRET".into()]);
            env.push(("MXRAY_TEST_SECRET", secret.into()));
        }
        "--oauth-token-env" => {
            settings.extend(endpoint_args(server.port, USER));
            settings.extend(["--oauth-token-env".into(), "MXRAY_TEST_SECRET".into()]);
            env.push(("MXRAY_TEST_SECRET", secret.into()));
        }
        "--env" => {
            settings.push("--env".into());
            env.extend([
                ("SMTP_HOST", "127.0.0.1".to_string()),
                ("SMTP_PORT", port.clone()),
                ("SMTP_USER", USER.to_string()),
                ("SMTP_PASSWORD", secret.to_string()),
            ]);
        }
        "--env-file" => {
            let file = dir.path().join(".env");
            std::fs::write(
                &file,
                format!(
                    "MAIL_HOST=127.0.0.1\nMAIL_PORT={port}\nMAIL_ENCRYPTION=tls\nMAIL_USERNAME={USER}\nMAIL_PASSWORD=\"{secret}\"\n"
                ),
            )
            .unwrap();
            settings.extend(["--env-file".into(), file.to_str().unwrap().into()]);
        }
        "url" => {
            let enc = |s: &str| {
                s.replace('%', "%25")
                    .replace(':', "%3A")
                    .replace('@', "%40")
            };
            settings.push(format!(
                "smtp://{}:{}@127.0.0.1:{port}?encryption=tls",
                enc(USER),
                enc(secret)
            ));
        }
        _ => unreachable!(),
    }
    if let Some(m) = auth_mech {
        settings.extend(["--auth-mech".into(), m.into()]);
    }
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let saved = dir.path().join("report.json");
    let mut outputs = Vec::new();
    for format in [
        vec!["--format", "json", "--save", saved.to_str().unwrap()],
        vec!["--transcript", "--color", "never"],
        vec!["--format", "json", "-v"],
    ] {
        let mut args = vec!["check".to_string()];
        args.extend(settings.iter().cloned());
        args.extend(net_args());
        args.extend(format.iter().map(|s| s.to_string()));
        let run = mxray(&args, &env);
        assert_eq!(run.code, 1, "{how}: {}{}", run.stdout, run.stderr);
        outputs.push(run.stdout);
        outputs.push(run.stderr);
    }
    outputs.push(std::fs::read_to_string(&saved).unwrap());
    let report: Report = serde_json::from_str(&outputs[0]).unwrap();
    let l = login(&report);
    let reply = l.reply.as_ref().expect("the login was tried");
    // The server did echo: the masks are what kept the secret out.
    assert!(
        reply
            .lines
            .iter()
            .any(|t| t.contains("you sent") && t.contains("***")),
        "{how}: {reply:?}"
    );
    let human = &outputs[2];
    assert!(human.contains("you sent"), "{how}: {human}");
    for text in &outputs {
        assert_no_secret(secret, USER, server.port, text);
    }
    let log = server.log().join("\n");
    assert!(
        secret_forms(secret, USER, server.port)
            .iter()
            .any(|f| log.contains(f)),
        "{how}: the server did not receive the secret: {log}"
    );
}

const SECRET: &str = "Sec:ret@Pw-91x";

#[test]
fn no_secret_from_password_env() {
    assert_secret_never_shown("--password-env", SECRET, "PLAIN LOGIN", None);
    assert_secret_never_shown("--password-env", SECRET, "PLAIN LOGIN", Some("LOGIN"));
    assert_secret_never_shown("--password-env", SECRET, "PLAIN LOGIN", Some("LOGIN-IR"));
    assert_secret_never_shown("--password-env", SECRET, "CRAM-MD5", Some("CRAM-MD5"));
}

#[test]
fn no_secret_from_the_environment() {
    assert_secret_never_shown("--env", SECRET, "PLAIN LOGIN", None);
}

#[test]
fn no_secret_from_an_env_file() {
    assert_secret_never_shown("--env-file", SECRET, "PLAIN LOGIN", None);
}

#[test]
fn no_secret_from_a_url_on_the_command_line() {
    assert_secret_never_shown("url", SECRET, "PLAIN LOGIN", None);
}

#[test]
fn no_token_from_oauth_token_env() {
    assert_secret_never_shown("--oauth-token-env", SECRET, "XOAUTH2", None);
    assert_secret_never_shown("--oauth-token-env", SECRET, "OAUTHBEARER", None);
}

#[test]
fn saved_evidence_gives_the_same_provider_fix_offline() {
    let server = Server::start(gmail().answering(&[
        "534-5.7.9 Application-specific password required.",
        "534 5.7.9 Learn more - gsmtp",
    ]));
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("check.json");
    let (live, _) = check(&server, USER, BAD, &["--save", saved.to_str().unwrap()]);
    drop(server);
    let run = mxray(
        &[
            "diagnose".into(),
            saved.to_str().unwrap().into(),
            "--format".into(),
            "json".into(),
        ],
        &[],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let offline: Report = serde_json::from_str(&run.stdout).unwrap();
    let (a, b) = (
        finding(&live, "auth.app-password-required"),
        finding(&offline, "auth.app-password-required"),
    );
    assert_eq!(a.fix, b.fix);
    // The reverse lookup was answered by the loopback DNS server, not the system's.
    assert!(DNS_QUERIES.load(std::sync::atomic::Ordering::SeqCst) > 0);
    assert!(finding(&live, "dns.ptr-missing")
        .evidence
        .iter()
        .any(|e| e.contains("NXDOMAIN")));
    assert!(b.fix.contains(GMAIL_APP_PW));
    assert!(
        b.evidence
            .iter()
            .any(|e| e.contains("Gmail") && e.contains("smtp.gmail.com")),
        "{:?}",
        b.evidence
    );
}

#[test]
fn an_unexpected_prompt_is_cancelled() {
    // The server prompts again after PLAIN's initial response: mxray cancels with `*`
    // (RFC 4954 §4) and takes the next reply as final, instead of sending anything more.
    let server = Server::start(plain_server("PLAIN LOGIN").answering(&["334 "]));
    let (r, status) = check(&server, USER, GOOD, &[]);
    assert_eq!(status, 1);
    let log = server.log();
    let auth = log
        .iter()
        .position(|l| l.starts_with("AUTH PLAIN "))
        .unwrap();
    assert_eq!(log[auth + 1], "*", "{log:?}");
    assert_eq!(log[auth + 2], "QUIT", "{log:?}");
    let l = login(&r);
    assert_eq!(l.reply.unwrap().code, Some(502));
    assert_eq!(client_lines(&r)[3..5], ["AUTH PLAIN ***", "*"]);
}
