//! `mxray check` against in-process SMTP and POP3 servers that break the login: one that
//! closes the connection in the middle of AUTH, one that stops reading while a large password
//! is being written, and one that never ends the SASL exchange (another `334` for every line,
//! the cancel included). None of them is bad credentials and none may pass: each is an error that
//! names what the server did. Loopback only; the certificate is the fake providers' test CA.

mod common;

use common::fake_provider::{multiline, net_args, pki, send, GOOD, USER};
use common::wire::read_line;
use mxray::evidence::{Outcome, PhaseName};
use mxray::report::{Body, Report};
use mxray::settings::credentials::MAX_CREDENTIAL_BYTES;
use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpSocket;

#[derive(Clone, Copy)]
enum Break {
    /// After the username of AUTH LOGIN, the server closes the connection.
    CloseAfterUsername,
    /// After EHLO on the TLS session, the server reads nothing more and holds the connection.
    StopReading,
    /// Every line after EHLO, the cancel included, is answered with another challenge.
    EndlessChallenge,
    /// AUTH CRAM-MD5 is answered with a challenge that is not base64.
    BadCramChallenge,
}

/// The protocol the fake speaks: SMTP with STARTTLS, or POP3 over implicit TLS.
#[derive(Clone, Copy, PartialEq)]
enum Speaks {
    Smtp,
    Pop3s,
}

struct Server {
    port: u16,
    log: Arc<Mutex<Vec<String>>>,
    _rt: tokio::runtime::Runtime,
}

fn start(how: Break) -> Server {
    start_speaking(Speaks::Smtp, how)
}

fn start_speaking(speaks: Speaks, how: Break) -> Server {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let listener = rt.block_on(async {
        let sock = TcpSocket::new_v4().unwrap();
        // A small receive buffer, so a client writing into a server that stopped reading
        // fills it quickly.
        sock.set_recv_buffer_size(4096).unwrap();
        sock.bind((Ipv4Addr::LOCALHOST, 0).into()).unwrap();
        sock.listen(8).unwrap()
    });
    let port = listener.local_addr().unwrap().port();
    let log = Arc::new(Mutex::new(Vec::new()));
    let l2 = log.clone();
    rt.spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let log = l2.clone();
            tokio::spawn(async move {
                match speaks {
                    Speaks::Smtp => session(tcp, how, log).await,
                    Speaks::Pop3s => {
                        if let Ok(tls) = pki().acceptor.accept(tcp).await {
                            pop3(tls, how, &log).await;
                        }
                    }
                }
            });
        }
    });
    Server { port, log, _rt: rt }
}

async fn line<S: AsyncRead + Unpin>(s: &mut S, log: &Mutex<Vec<String>>) -> Option<String> {
    let l = read_line(s).await?;
    log.lock().unwrap().push(l.chars().take(80).collect());
    Some(l)
}

async fn session(mut tcp: tokio::net::TcpStream, how: Break, log: Arc<Mutex<Vec<String>>>) {
    send(&mut tcp, "220 mail.cutoff.test ESMTP\r\n").await;
    loop {
        let Some(cmd) = line(&mut tcp, &log).await else {
            return;
        };
        if cmd.starts_with("EHLO") {
            send(&mut tcp, "250-mail.cutoff.test\r\n250 STARTTLS\r\n").await;
        } else if cmd == "STARTTLS" {
            send(&mut tcp, "220 2.0.0 Ready to start TLS\r\n").await;
            if let Ok(tls) = pki().acceptor.accept(tcp).await {
                after_tls(tls, how, &log).await;
            }
            return;
        } else {
            send(&mut tcp, "502 5.5.2 Command not recognized\r\n").await;
        }
    }
}

async fn after_tls<S: AsyncRead + AsyncWrite + Unpin>(
    mut s: S,
    how: Break,
    log: &Mutex<Vec<String>>,
) {
    let Some(_ehlo) = line(&mut s, log).await else {
        return;
    };
    let ehlo = ["mail.cutoff.test", "AUTH PLAIN LOGIN CRAM-MD5", "8BITMIME"].map(String::from);
    send(&mut s, &multiline("250", &ehlo)).await;
    match how {
        Break::StopReading => {
            // Hold the connection open, reading nothing, until the client gives up.
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
        Break::CloseAfterUsername => {
            if line(&mut s, log).await.is_none() {
                return;
            }
            send(&mut s, "334 VXNlcm5hbWU6\r\n").await;
            let _ = line(&mut s, log).await;
            log.lock().unwrap().push("closed".into());
        }
        Break::BadCramChallenge => {
            if line(&mut s, log).await.is_none() {
                return;
            }
            send(&mut s, "334 not-base64!\r\n").await;
            if line(&mut s, log).await.is_some() {
                send(&mut s, "501 5.7.0 Authentication cancelled\r\n").await;
            }
            let _ = line(&mut s, log).await;
        }
        Break::EndlessChallenge => {
            // Bounded so a client that never stops cannot keep the test running.
            for _ in 0..20 {
                if line(&mut s, log).await.is_none() {
                    return;
                }
                send(&mut s, "334 \r\n").await;
            }
        }
    }
}

/// POP3 (RFC 1939, SASL per RFC 5034): CAPA, then at AUTH what `how` says.
async fn pop3<S: AsyncRead + AsyncWrite + Unpin>(mut s: S, how: Break, log: &Mutex<Vec<String>>) {
    send(&mut s, "+OK fake POP3 ready\r\n").await;
    let Some(_capa) = line(&mut s, log).await else {
        return;
    };
    send(&mut s, "+OK\r\nSASL PLAIN\r\nUSER\r\n.\r\n").await;
    let Some(auth) = line(&mut s, log).await else {
        return;
    };
    match how {
        Break::StopReading => {
            // A payload too long for the command line follows the go-ahead: read none of it.
            if auth == "AUTH PLAIN" {
                send(&mut s, "+ \r\n").await;
            }
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
        Break::CloseAfterUsername | Break::BadCramChallenge => {
            log.lock().unwrap().push("closed".into())
        }
        Break::EndlessChallenge => {
            for _ in 0..20 {
                send(&mut s, "+ \r\n").await;
                if line(&mut s, log).await.is_none() {
                    return;
                }
            }
        }
    }
}

/// `mxray check` of the fake server with `args` (the password from `--password-env` unless
/// `args` give it otherwise) and a 2 s timeout; the report and the exit status.
fn check(server: &Server, args: &[&str], env: &[(&str, &str)]) -> (Report, i32, String) {
    check_as(server, "starttls", args, env)
}

fn check_as(
    server: &Server,
    security: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> (Report, i32, String) {
    let mut all: Vec<String> = [
        "check",
        "--host",
        "127.0.0.1",
        "--port",
        &server.port.to_string(),
        "--security",
        security,
        "--user",
        USER,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    all.extend(args.iter().map(|s| s.to_string()));
    // The fake providers' options, with a shorter timeout: the stalled write waits it out.
    let mut net = net_args();
    let t = net.iter().position(|a| a == "--timeout").unwrap();
    net[t + 1] = "2".into();
    all.extend(net);
    all.extend(["--format".into(), "json".into()]);
    let run = common::fake_provider::mxray(&all, env);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    let v: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", run.stdout));
    common::schema::assert_valid(&v);
    (serde_json::from_value(v).unwrap(), run.code, run.stdout)
}

fn probe(r: &Report) -> &mxray::evidence::PortProbe {
    let Body::Check(ev) = &r.body else {
        panic!("not a check report")
    };
    &ev.configured.as_ref().unwrap().probes[0]
}

fn error_codes(r: &Report) -> Vec<String> {
    r.findings
        .iter()
        .filter(|f| f.severity == mxray::findings::Severity::Error)
        .map(|f| f.code.clone())
        .collect()
}

fn finding<'a>(r: &'a Report, code: &str) -> &'a mxray::findings::Finding {
    r.findings
        .iter()
        .find(|f| f.code == code)
        .unwrap_or_else(|| panic!("no {code}: {:#?}", r.findings))
}

#[test]
fn a_connection_closed_during_the_login_is_an_error() {
    let server = start(Break::CloseAfterUsername);
    let (r, code, out) = check(
        &server,
        &["--password-env", "PW", "--auth-mech", "LOGIN"],
        &[("PW", GOOD)],
    );
    assert_eq!(code, 1, "{:#?}", r.findings);
    assert_eq!(error_codes(&r), vec!["net.connection-reset"]);
    let f = finding(&r, "net.connection-reset");
    assert_eq!(
        f.summary,
        "the server dropped the connection during the login (AUTH LOGIN), so the login never completed"
    );
    assert_eq!(
        f.evidence,
        vec!["AUTH LOGIN sent; no final reply: connection closed"]
    );
    let p = probe(&r);
    let l = p.login.as_ref().unwrap();
    assert!(l.reply.is_none() && !l.accepted);
    assert_eq!(p.phase(PhaseName::Login).unwrap().outcome, Outcome::Closed);
    assert!(!out.contains(GOOD));
    assert!(server.log.lock().unwrap().contains(&"closed".to_string()));
}

#[test]
fn a_server_that_stops_reading_during_the_login_is_an_error() {
    let server = start(Break::StopReading);
    // The longest password mxray sends (a longer one is refused before it connects): its
    // write ends in the socket buffers, and the reply the server never sends is what stalls.
    let big = "p".repeat(MAX_CREDENTIAL_BYTES);
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join(".env");
    std::fs::write(&env, format!("SMTP_PASSWORD={big}\n")).unwrap();
    let started = std::time::Instant::now();
    let (r, code, out) = check(&server, &["--env-file", env.to_str().unwrap()], &[]);
    // A hang guard, not a timing assertion: the write gives up after its timeout.
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_eq!(code, 1, "{:#?}", r.findings);
    assert_eq!(error_codes(&r), vec!["net.stalled"]);
    let p = probe(&r);
    assert!(p.login.as_ref().is_some_and(|l| l.reply.is_none()));
    assert!(!out.contains(&big[..64]));
}

#[test]
fn a_sasl_exchange_that_never_ends_is_a_protocol_violation() {
    let server = start(Break::EndlessChallenge);
    let (r, code, _) = check(&server, &["--password-env", "PW"], &[("PW", GOOD)]);
    assert_eq!(code, 1, "{:#?}", r.findings);
    let mut errors = error_codes(&r);
    errors.sort();
    assert_eq!(errors, vec!["auth.login-failed", "smtp.protocol-violation"]);
    assert!(!r.findings.iter().any(|f| f.code == "auth.bad-credentials"));
    let why = "the server sent another challenge (334) after the login's last line and never \
               ended the SASL exchange, even after the cancel (*)";
    let f = finding(&r, "auth.login-failed");
    assert_eq!(
        f.summary,
        format!("the login (AUTH PLAIN) never completed: {why}")
    );
    let v = finding(&r, "smtp.protocol-violation");
    assert!(v.evidence.iter().any(|e| e.ends_with(why)), "{v:?}");
    // PLAIN's one line, one cancel, then QUIT: nothing more was sent into the exchange.
    let log = server.log.lock().unwrap().clone();
    let auth = log
        .iter()
        .position(|l| l.starts_with("AUTH PLAIN "))
        .unwrap();
    assert_eq!(log[auth + 1..auth + 3], ["*", "QUIT"], "{log:?}");
    assert_eq!(log.iter().filter(|l| l.starts_with("AUTH")).count(), 1);
}

#[test]
fn an_unreadable_cram_md5_challenge_is_cancelled_before_anything_is_sent() {
    let server = start(Break::BadCramChallenge);
    let (r, code, _) = check(
        &server,
        &["--password-env", "PW", "--auth-mech", "CRAM-MD5"],
        &[("PW", GOOD)],
    );
    assert_eq!(code, 1, "{:#?}", r.findings);
    let mut errors = error_codes(&r);
    errors.sort();
    assert_eq!(errors, vec!["auth.login-failed", "smtp.protocol-violation"]);
    assert_eq!(
        finding(&r, "auth.login-failed").summary,
        "the login (AUTH CRAM-MD5) never completed: the CRAM-MD5 challenge is not base64 \
         (not-base64!), so mxray cancelled with * before sending anything"
    );
    let log = server.log.lock().unwrap().clone();
    let auth = log.iter().position(|l| l == "AUTH CRAM-MD5").unwrap();
    assert_eq!(log[auth + 1], "*", "{log:?}");
}

#[test]
fn pop3_logins_cut_off_are_errors() {
    let closed = start_speaking(Speaks::Pop3s, Break::CloseAfterUsername);
    let (r, code, _) = check_as(
        &closed,
        "ssl",
        &["--pop3", "--password-env", "PW"],
        &[("PW", GOOD)],
    );
    assert_eq!(code, 1, "{:#?}", r.findings);
    assert_eq!(error_codes(&r), vec!["net.connection-reset"]);
    assert_eq!(
        finding(&r, "net.connection-reset").summary,
        "the server dropped the connection during the login (AUTH PLAIN)"
    );

    let stalled = start_speaking(Speaks::Pop3s, Break::StopReading);
    let big = "p".repeat(MAX_CREDENTIAL_BYTES);
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join(".env");
    std::fs::write(&env, format!("POP3_PASSWORD={big}\n")).unwrap();
    let (r, code, out) = check_as(
        &stalled,
        "ssl",
        &["--pop3", "--env-file", env.to_str().unwrap()],
        &[],
    );
    assert_eq!(code, 1, "{:#?}", r.findings);
    assert_eq!(error_codes(&r), vec!["net.stalled"]);
    assert!(!out.contains(&big[..64]));

    let endless = start_speaking(Speaks::Pop3s, Break::EndlessChallenge);
    let (r, code, _) = check_as(
        &endless,
        "ssl",
        &["--pop3", "--password-env", "PW"],
        &[("PW", GOOD)],
    );
    assert_eq!(code, 1, "{:#?}", r.findings);
    let mut errors = error_codes(&r);
    errors.sort();
    assert_eq!(errors, vec!["auth.login-failed", "pop3.protocol-violation"]);
    assert!(!r.findings.iter().any(|f| f.code == "auth.bad-credentials"));
    assert!(
        r.findings.iter().flat_map(|f| &f.evidence).any(|e| {
            e.ends_with(
            "the server sent another challenge (+) after the login's last line and never ended \
             the SASL exchange, even after the cancel (*)"
        )
        }),
        "{:#?}",
        r.findings
    );
}
