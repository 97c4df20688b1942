//! In-process SMTP servers that greet, offer STARTTLS and AUTH and answer like big providers
//! (personas), with the certificate authority, a loopback DNS responder and the helpers that
//! run `mxray check` against them and search every output for the secret.

#![allow(dead_code)]

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use mxray::report::{Body, Report};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// The name on the fake servers' certificate, checked with `--tls-name`.
pub const TLS_NAME: &str = "smtp.provider.test";
pub const USER: &str = "alice@example.com";
/// The secret the servers accept; the provider servers accept nothing.
pub const GOOD: &str = "Right:pass@w0rd";
pub const BAD: &str = "Wr0ng:pass@word";
pub const CHALLENGE: &str = "<1896.697170952@fake.provider.test>";

// ───────────────────────────── certificates ─────────────────────────────

pub struct Pki {
    pub ca_file: PathBuf,
    pub acceptor: TlsAcceptor,
    pub _dir: tempfile::TempDir,
}

/// One CA for the whole run, and a server certificate for [`TLS_NAME`] it signed.
pub fn pki() -> &'static Pki {
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
pub struct Persona {
    pub greeting: String,
    /// EHLO lines before TLS (the first is the server's name and greeting text).
    pub ehlo: Vec<String>,
    /// EHLO lines after TLS.
    pub ehlo_tls: Vec<String>,
    pub auth: Answer,
    /// On a refusal, also echo what the client sent (decoded too) in the reply.
    pub echo: bool,
    pub sending: Sending,
}

/// How the persona answers a logged-in client that sends a message.
#[derive(Clone)]
pub struct Sending {
    /// The reply to MAIL FROM, lines with their codes.
    pub mail: Vec<String>,
    /// The reply after the message's final dot; `None`: silence until the client leaves.
    pub after_data: Option<Vec<String>>,
}

impl Sending {
    pub fn accepting(reply: &str) -> Sending {
        Sending {
            mail: vec!["250 2.1.0 Sender OK".into()],
            after_data: Some(vec![reply.into()]),
        }
    }
}

#[derive(Clone)]
pub enum Answer {
    /// Whatever the credentials: this reply (lines without CRLF), after the mechanism's steps.
    Always(Vec<String>),
    /// Check the credentials against [`GOOD`] (password or token): 235, or `refusal`.
    Check { refusal: Vec<String> },
}

pub fn lines(l: &[&str]) -> Vec<String> {
    l.iter().map(|s| s.to_string()).collect()
}

pub fn gmail() -> Persona {
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
        sending: Sending::accepting("250 2.0.0 OK  1795470000 a640c23a62f3a-ab7.12 - gsmtp"),
    }
}

pub fn microsoft() -> Persona {
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
        sending: Sending::accepting(
            "250 2.0.0 OK <SN4PR0501MB1234.namprd05.prod.outlook.com> [Hostname=SN4PR0501MB1234.namprd05.prod.outlook.com]",
        ),
    }
}

/// A server that names no provider, offering `mechanisms`.
pub fn plain_server(mechanisms: &str) -> Persona {
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
        sending: Sending::accepting("250 2.0.0 Ok: queued as 4AbC12"),
    }
}

impl Persona {
    pub fn answering(mut self, reply: &[&str]) -> Persona {
        self.auth = Answer::Always(lines(reply));
        self
    }
}

/// A fake server on 127.0.0.1 in a runtime of its own; `log` holds every line clients sent
/// and what the server concluded (`verified ...`), for the server-side assertions.
pub struct Server {
    pub port: u16,
    pub log: Arc<Mutex<Vec<String>>>,
    pub _rt: tokio::runtime::Runtime,
}

impl Server {
    pub fn start(persona: Persona) -> Server {
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

    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

pub async fn send<S: AsyncWrite + Unpin>(s: &mut S, text: &str) -> Option<()> {
    s.write_all(text.as_bytes()).await.ok()?;
    s.flush().await.ok()
}

pub fn multiline(code: &str, l: &[String]) -> String {
    let mut out = String::new();
    for (i, t) in l.iter().enumerate() {
        let sep = if i + 1 == l.len() { ' ' } else { '-' };
        out.push_str(&format!("{code}{sep}{t}\r\n"));
    }
    out
}

/// Reply lines as written (each with its code), CRLF-terminated.
pub fn raw(l: &[String]) -> String {
    l.iter().map(|t| format!("{t}\r\n")).collect()
}

pub async fn read_line<S: AsyncRead + Unpin>(
    s: &mut S,
    log: &Mutex<Vec<String>>,
) -> Option<String> {
    let text = super::wire::read_line(s).await?;
    log.lock().unwrap().push(text.clone());
    Some(text)
}

pub async fn session(mut tcp: tokio::net::TcpStream, p: Persona, log: Arc<Mutex<Vec<String>>>) {
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

pub async fn after_tls<S: AsyncRead + AsyncWrite + Unpin>(
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
            "MAIL" => raw(&p.sending.mail),
            "RCPT" => "250 2.1.5 Recipient OK\r\n".into(),
            "RSET" => "250 2.0.0 Reset\r\n".into(),
            "DATA" => {
                send(&mut s, "354 Start mail input; end with <CRLF>.<CRLF>\r\n").await;
                let mut n = 0;
                loop {
                    match read_line(&mut s, log).await.as_deref() {
                        Some(".") => break,
                        Some(_) if n < 10_000 => n += 1,
                        _ => return,
                    }
                }
                log.lock()
                    .unwrap()
                    .push(format!("message of {n} lines received"));
                match &p.sending.after_data {
                    Some(r) => raw(r),
                    // Silence: hold the connection until the client gives up.
                    None => {
                        while read_line(&mut s, log).await.is_some() {}
                        return;
                    }
                }
            }
            _ => "502 5.5.2 Command not recognized\r\n".into(),
        };
        if send(&mut s, &reply).await.is_none() {
            return;
        }
    }
}

pub use super::check::b64;

pub fn unb64(s: &str) -> String {
    String::from_utf8_lossy(&STANDARD.decode(s.trim()).unwrap_or_default()).into_owned()
}

pub fn cram(secret: &str, challenge: &str) -> String {
    let mut mac = Hmac::<md5::Md5>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(challenge.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Runs one AUTH exchange server-side; the final reply, or `None` when the client left.
pub async fn auth<S: AsyncRead + AsyncWrite + Unpin>(
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
pub fn fix_continuations(reply: &str) -> String {
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

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn mxray(args: &[String], env: &[(&str, &str)]) -> Run {
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

pub static DNS_QUERIES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// A DNS server on loopback that answers every query NXDOMAIN, so the reverse lookups of
/// 127.0.0.1 never leave the machine. Its address as `IP:PORT`.
pub fn dns() -> &'static str {
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
pub fn net_args() -> Vec<String> {
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

pub fn endpoint_args(port: u16, user: &str) -> Vec<String> {
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
pub fn check(server: &Server, user: &str, secret: &str, extra: &[&str]) -> (Report, i32) {
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
    super::schema::assert_valid(&v);
    (serde_json::from_value(v).unwrap(), run.code)
}

pub fn login(r: &Report) -> mxray::evidence::LoginAttempt {
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

pub fn client_lines(r: &Report) -> Vec<String> {
    let Body::Check(ev) = &r.body else { panic!() };
    ev.configured.as_ref().unwrap().probes[0]
        .transcript
        .iter()
        .filter(|l| l.dir == mxray::evidence::Direction::Client)
        .map(|l| l.text.clone())
        .collect()
}

pub fn auth_codes(r: &Report) -> Vec<String> {
    r.findings
        .iter()
        .filter(|f| f.code.starts_with("auth."))
        .map(|f| f.code.clone())
        .collect()
}

pub fn finding<'a>(r: &'a Report, code: &str) -> &'a mxray::findings::Finding {
    r.findings
        .iter()
        .find(|f| f.code == code)
        .unwrap_or_else(|| panic!("no {code}: {:#?}", r.findings))
}

/// Every form of the secret a leak could take.
pub fn secret_forms(secret: &str, user: &str, port: u16) -> Vec<String> {
    let mut forms = super::check::password_forms(secret, &[user]);
    forms.extend([
        b64(format!("user={user}\x01auth=Bearer {secret}\x01\x01")),
        b64(format!(
            "n,a={user},\x01host={TLS_NAME}\x01port={port}\x01auth=Bearer {secret}\x01\x01"
        )),
        b64(format!("{user} {}", cram(secret, CHALLENGE))),
        cram(secret, CHALLENGE),
        secret.replace(':', "%3A").replace('@', "%40"),
    ]);
    forms
}

pub fn assert_no_secret(secret: &str, user: &str, port: u16, text: &str) {
    for f in secret_forms(secret, user, port) {
        assert!(
            !text.contains(&f),
            "the secret or an encoding of it ({f}) was printed:\n{text}"
        );
    }
}
