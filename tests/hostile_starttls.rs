//! Hostile servers that say yes to STARTTLS (SMTP `220`, IMAP `OK`, POP3 `+OK`) and then keep
//! talking plaintext: the handshake's failure is an error finding with the server's own bytes.

mod common;

use common::hostile::*;
use common::wire::read_line as read_cmd;
use mxray::evidence::{HandshakeFailureKind, Outcome, PhaseName, Role, TlsMode};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

/// After the go-ahead: reads whatever the client sends (its ClientHello) and answers `reply`
/// in plaintext, as a server that never switched to TLS does.
async fn answer_hello_in_plaintext(sock: &mut TcpStream, reply: &[u8]) {
    let mut buf = [0u8; 4096];
    if matches!(sock.read(&mut buf).await, Ok(n) if n > 0) && send(sock, reply).await {
        hold(sock).await;
    }
}

async fn smtp_fake_starttls(mut sock: TcpStream) {
    if !send(&mut sock, GREETING).await {
        return;
    }
    if matches!(
        smtp_commands(&mut sock, EHLO_STARTTLS, GO_AHEAD).await,
        End::StartTls
    ) {
        answer_hello_in_plaintext(&mut sock, b"500 5.5.2 Error: command not recognized\r\n").await;
    }
}

async fn imap_fake_starttls(mut sock: TcpStream) {
    if !send(
        &mut sock,
        b"* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n",
    )
    .await
    {
        return;
    }
    while let Some(line) = read_cmd(&mut sock).await {
        let (tag, cmd) = line.split_once(' ').unwrap_or((&line, ""));
        let reply = match cmd.to_ascii_uppercase().as_str() {
            "CAPABILITY" => {
                format!("* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\n{tag} OK done\r\n")
            }
            "STARTTLS" => {
                let go = format!("{tag} OK Begin TLS negotiation now\r\n");
                if send(&mut sock, go.as_bytes()).await {
                    answer_hello_in_plaintext(&mut sock, b"* BAD Error in IMAP command\r\n").await;
                }
                return;
            }
            "LOGOUT" => format!("* BYE\r\n{tag} OK bye\r\n"),
            _ => format!("{tag} BAD unknown\r\n"),
        };
        if !send(&mut sock, reply.as_bytes()).await {
            return;
        }
    }
}

async fn pop3_fake_stls(mut sock: TcpStream) {
    if !send(&mut sock, b"+OK POP3 ready\r\n").await {
        return;
    }
    while let Some(line) = read_cmd(&mut sock).await {
        let reply: &[u8] = match line.to_ascii_uppercase().as_str() {
            "CAPA" => b"+OK\r\nSTLS\r\nUIDL\r\n.\r\n",
            "STLS" => {
                if send(&mut sock, b"+OK Begin TLS negotiation\r\n").await {
                    answer_hello_in_plaintext(&mut sock, b"-ERR Unknown command\r\n").await;
                }
                return;
            }
            "QUIT" => b"+OK bye\r\n",
            _ => b"-ERR unknown\r\n",
        };
        if !send(&mut sock, reply).await {
            return;
        }
    }
}

/// The recorded failure and the finding, the same for every protocol.
fn assert_starttls_broken(r: &Run, go_ahead: &str, plaintext: &str, violation: Option<&str>) {
    assert_eq!(r.outcome(PhaseName::Starttls), &Outcome::Ok, "{}", r.dump());
    assert!(
        matches!(
            r.outcome(PhaseName::TlsHandshake),
            Outcome::Violation { .. }
        ),
        "{}",
        r.dump()
    );
    let tls = r.probe.tls.as_ref().expect("TLS session recorded");
    assert_eq!(tls.mode, TlsMode::Starttls);
    let f = tls.failure.as_ref().expect("handshake failure recorded");
    assert_eq!(f.kind, HandshakeFailureKind::Plaintext);
    assert!(f.first_bytes.starts_with(plaintext), "{}", f.first_bytes);
    assert!(
        f.first_bytes.ends_with("\\r\\n"),
        "escaped: {}",
        f.first_bytes
    );
    assert_eq!(f.bytes_received, plaintext.len() as u64 + 2);
    assert!(
        r.probe.legacy_tls.is_none(),
        "no legacy probe of a plaintext peer"
    );
    let mut want = vec!["tls.starttls-broken"];
    want.extend(violation);
    r.assert_codes(&want);
    let finding = r.finding("tls.starttls-broken");
    assert_eq!(finding.severity, mxray::findings::Severity::Error);
    assert!(
        finding
            .summary
            .contains("accepts STARTTLS but then does not speak TLS"),
        "{}",
        finding.summary
    );
    assert!(
        finding.evidence.iter().any(|e| e.contains(go_ahead)),
        "{:?}",
        finding.evidence
    );
    assert!(
        finding.evidence.iter().any(|e| e.contains(plaintext)),
        "{:?}",
        finding.evidence
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtp_starttls_220_then_plaintext_is_starttls_broken() {
    let srv = serve(smtp_fake_starttls).await;
    let r = run(&ctx(RELAXED, true, None), srv.port, Role::Smtp).await;
    assert_starttls_broken(
        &r,
        "220 2.0.0 Ready to start TLS",
        "500 5.5.2 Error: command not recognized",
        None,
    );
}

/// The same through the command line: the finding in the JSON report, and exit status 1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtp_starttls_broken_exits_1() {
    let srv = serve(smtp_fake_starttls).await;
    let port = format!("{}/smtp", srv.port);
    let (code, report) = cli_json(&[
        "server",
        "127.0.0.1",
        "--ports",
        &port,
        "--timeout",
        "3",
        "--no-legacy-tls",
    ])
    .await;
    assert_eq!(
        json_codes(&report),
        vec!["tls.starttls-broken"],
        "{report:#}"
    );
    assert_eq!(code, 1);
    let f = report["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["code"] == "tls.starttls-broken"))
        .expect("finding");
    assert_eq!(f["severity"], "error");
    let failure = &report["evidence"]["probes"][0]["tls"]["failure"];
    assert_eq!(failure["kind"], "plaintext", "{report:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imap_starttls_ok_then_plaintext_is_starttls_broken() {
    let srv = serve(imap_fake_starttls).await;
    let r = run(&ctx(RELAXED, true, None), srv.port, Role::Imap).await;
    assert_starttls_broken(
        &r,
        "Begin TLS negotiation now",
        "* BAD Error in IMAP command",
        None,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pop3_stls_ok_then_plaintext_is_starttls_broken() {
    let srv = serve(pop3_fake_stls).await;
    let r = run(&ctx(RELAXED, true, None), srv.port, Role::Pop3).await;
    assert_starttls_broken(&r, "Begin TLS negotiation", "-ERR Unknown command", None);
}
