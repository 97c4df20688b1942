//! The safe defaults, judged by what the server received rather than by mxray's own account:
//! no credentials without TLS unless `--allow-plaintext-auth`; none after a certificate that
//! fails verification unless `--insecure`, and then the report says so; no message without
//! `--send-to`; the relay test only with `--relay-test`, to addresses that cannot deliver, with
//! RSET and QUIT and never DATA.

mod common;

use common::fake_provider::{self as fake, Server, GOOD, USER};
use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

/// An SMTP server without TLS that offers AUTH in the clear, accepts any login, message and
/// recipient (an open relay), and logs every line it receives.
fn plaintext_server() -> (u16, Arc<Mutex<Vec<String>>>, tokio::runtime::Runtime) {
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
        while let Ok((mut s, _)) = listener.accept().await {
            let log = l2.clone();
            tokio::spawn(async move {
                let _ = s.write_all(b"220 open.fake.test ESMTP\r\n").await;
                while let Some(line) = fake::read_line(&mut s, &log).await {
                    let verb = line.split(' ').next().unwrap_or("").to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" => b"250-open.fake.test\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n",
                        "AUTH" => b"235 2.7.0 Authentication successful\r\n",
                        "MAIL" | "RCPT" | "RSET" => b"250 2.0.0 Ok\r\n",
                        "DATA" => b"354 End data with <CR><LF>.<CR><LF>\r\n",
                        "." => b"250 2.0.0 Ok: queued as 1234\r\n",
                        "QUIT" => {
                            let _ = s.write_all(b"221 2.0.0 Bye\r\n").await;
                            return;
                        }
                        _ => continue,
                    };
                    if s.write_all(reply).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (port, log, rt)
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// `mxray ARGS --format json` with the secret in MXRAY_TEST_SECRET: the JSON report.
fn json(all: Vec<String>) -> serde_json::Value {
    let mut all = all;
    all.extend(args(&["--format", "json", "--no-legacy-tls"]));
    let run = fake::mxray(&all, &[("MXRAY_TEST_SECRET", GOOD)]);
    assert!(run.code <= 1, "{all:?}: {}", run.stderr);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    common::schema::assert_valid(&v);
    v
}

fn lines_starting(log: &Mutex<Vec<String>>, verb: &str) -> Vec<String> {
    log.lock()
        .unwrap()
        .iter()
        .filter(|l| l.to_ascii_uppercase().starts_with(verb))
        .cloned()
        .collect()
}

fn check_args(port: u16, security: &str, net: Vec<String>, extra: &[&str]) -> Vec<String> {
    let mut a = args(&["check", "--host", "127.0.0.1", "--port"]);
    a.extend([port.to_string(), "--security".into(), security.into()]);
    a.extend(args(&[
        "--user",
        USER,
        "--password-env",
        "MXRAY_TEST_SECRET",
    ]));
    a.extend(net);
    a.extend(args(extra));
    a
}

/// `--ca-file`, `--tls-name` and the rest, with the certificate authority left out on request.
fn net(trusting: bool) -> Vec<String> {
    let mut n = fake::net_args();
    if !trusting {
        let at = n.iter().position(|a| a == "--ca-file").unwrap();
        n.drain(at..at + 2);
    }
    n
}

fn codes(v: &serde_json::Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

/// The settings' notes that name a safety override.
fn override_notes(v: &serde_json::Value) -> Vec<String> {
    v["evidence"]["settings"]["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n.as_str())
        .filter(|n| n.starts_with("--"))
        .map(str::to_string)
        .collect()
}

#[test]
fn no_credentials_without_tls_unless_allowed() {
    let (port, log, _rt) = plaintext_server();
    let v = json(check_args(port, "none", net(true), &[]));
    assert!(lines_starting(&log, "AUTH").is_empty(), "{:?}", log.lock());
    assert_eq!(override_notes(&v), Vec::<String>::new());
    assert!(
        codes(&v).contains(&"auth.login-not-possible".to_string()),
        "{:?}",
        codes(&v)
    );

    let v = json(check_args(
        port,
        "none",
        net(true),
        &["--allow-plaintext-auth"],
    ));
    assert_eq!(
        override_notes(&v),
        [
            "--allow-plaintext-auth: the login goes ahead without TLS; the password then crosses \
          the network in clear"
        ]
    );
    let auth = lines_starting(&log, "AUTH");
    assert_eq!(auth.len(), 1, "{auth:?}");
    let payload = auth[0].rsplit(' ').next().unwrap();
    assert_eq!(fake::unb64(payload), format!("\0{USER}\0{GOOD}"));
}

#[test]
fn no_credentials_after_a_failed_certificate_unless_insecure() {
    let server = Server::start(fake::plain_server("PLAIN LOGIN"));
    let v = json(check_args(server.port, "starttls", net(false), &[]));
    let log = server.log();
    assert!(log.iter().any(|l| l == "STARTTLS"), "{log:?}");
    assert!(!log.iter().any(|l| l.starts_with("AUTH")), "{log:?}");
    let got = codes(&v);
    assert!(
        got.contains(&"tls.cert-untrusted".to_string())
            && got.contains(&"auth.login-not-possible".to_string()),
        "{got:?}"
    );

    let v = json(check_args(
        server.port,
        "starttls",
        net(false),
        &["--insecure"],
    ));
    assert!(
        server.log().iter().any(|l| l.starts_with("AUTH PLAIN")),
        "{:?}",
        server.log()
    );
    // Still an error, and the login is reported as one made over an unverified certificate.
    assert!(codes(&v).contains(&"tls.cert-untrusted".to_string()));
    let probe = &v["evidence"]["configured"]["probes"][0];
    assert_eq!(probe["login"]["accepted"], true);
    let noted = probe["transcript"].as_array().unwrap().iter().any(|l| {
        l["text"].as_str().is_some_and(|t| {
            t.contains("certificate failed verification")
                && t.ends_with("logging in anyway (--insecure)")
        })
    });
    assert!(noted, "{probe}");
    assert_eq!(
        override_notes(&v),
        [
            "--insecure: the login goes ahead even when the certificate fails verification; the \
          password may then reach whoever is in the middle"
        ]
    );
}

#[test]
fn no_message_without_send_to() {
    let (port, log, _rt) = plaintext_server();
    let base = check_args(port, "none", net(true), &["--allow-plaintext-auth"]);
    json(base.clone());
    assert_eq!(lines_starting(&log, "AUTH").len(), 1);
    for verb in ["MAIL", "RCPT", "DATA"] {
        assert!(
            lines_starting(&log, verb).is_empty(),
            "{verb}: {:?}",
            log.lock()
        );
    }
    let mut send = base;
    send.extend(args(&["--send-to", "bob@example.net"]));
    json(send);
    assert_eq!(lines_starting(&log, "DATA").len(), 1, "{:?}", log.lock());
    assert_eq!(
        lines_starting(&log, "RCPT"),
        ["RCPT TO:<bob@example.net>".to_string()]
    );
}

#[test]
fn the_relay_test_is_opt_in_and_never_delivers() {
    let (port, log, _rt) = plaintext_server();
    let mut base = args(&["server", "127.0.0.1", "--ports"]);
    base.push(format!("{port}/smtp"));
    base.extend(
        net(true)
            .into_iter()
            .filter(|a| a != "--no-password-prompt"),
    );
    json(base.clone());
    assert!(lines_starting(&log, "MAIL").is_empty(), "{:?}", log.lock());
    assert!(lines_starting(&log, "RCPT").is_empty());

    log.lock().unwrap().clear();
    let mut relay = base;
    relay.push("--relay-test".into());
    let v = json(relay);
    assert!(
        codes(&v).contains(&"smtp.open-relay".to_string()),
        "{:?}",
        codes(&v)
    );
    let seen: Vec<String> = log.lock().unwrap().clone();
    let at = |verb: &str| {
        seen.iter()
            .position(|l| l.to_ascii_uppercase().starts_with(verb))
    };
    let (mail, rcpt, rset, quit) = (
        at("MAIL").unwrap(),
        at("RCPT").unwrap(),
        at("RSET").unwrap(),
        at("QUIT").unwrap(),
    );
    assert!(mail < rcpt && rcpt < rset && rset < quit, "{seen:?}");
    assert!(at("DATA").is_none(), "never DATA: {seen:?}");
    // Both addresses are in reserved .invalid domains: nothing could ever be delivered.
    for line in [&seen[mail], &seen[rcpt]] {
        let addr = line.split(['<', '>']).nth(1).unwrap();
        assert!(addr.ends_with(".invalid"), "{line}");
    }
}
