//! Hostile MTA-STS policy servers against the real binary (`mxray domain`, the policy host
//! resolved by a fake name server to a loopback address where a rustls server listens on
//! 443): an answer that streams forever, a huge Content-Length dribbled a byte at a time, a
//! redirect to itself. Each run ends within the audit's bound, stays under the memory cap, and
//! the report says why the policy could not be used. Port 443 needs root.

mod common;

use common::certs::{acceptor, ca_signed};
use common::child::{mxray, ChildRun, SLACK};
use common::fake_dns::{self, a, is, mx, txt, Reply};
use common::hostile::send;
use common::wire::read_line;
use hickory_resolver::proto::rr::RecordType;
use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::server::TlsStream;

const DOMAIN: &str = "hostile.test";
const POLICY_HOST: &str = "mta-sts.hostile.test";
/// `--timeout` of the runs, in seconds.
const TIMEOUT_S: u64 = 1;

/// A loopback address of its own for each server: every test listens on port 443.
fn address() -> Ipv4Addr {
    static NEXT: AtomicU8 = AtomicU8::new(1);
    let pid = std::process::id();
    Ipv4Addr::new(
        127,
        44,
        (pid % 250) as u8,
        NEXT.fetch_add(1, Ordering::SeqCst),
    )
}

/// Reads the request's head, so the answer never races the request.
async fn request(tls: &mut TlsStream<TcpStream>) -> bool {
    while let Some(line) = read_line(tls).await {
        if line.is_empty() {
            return true;
        }
    }
    false
}

/// The policy server behind `answer`, its domain's DNS, and the audit of the domain.
async fn audit<F, Fut>(case: &str, answer: F) -> ChildRun
where
    F: Fn(TlsStream<TcpStream>) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let ip = address();
    let (ca_pem, served) = ca_signed(POLICY_HOST);
    let acc = acceptor(served);
    let listener = TcpListener::bind((ip, 443))
        .await
        .expect("bind port 443 on loopback (needs root)");
    let answer = std::sync::Arc::new(answer);
    let server = tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let (acc, answer) = (acc.clone(), answer.clone());
            tokio::spawn(async move {
                if let Ok(mut tls) = acc.accept(sock).await {
                    if request(&mut tls).await {
                        answer(tls).await;
                    }
                }
            });
        }
    });
    let dns = fake_dns::start(move |n, t| {
        if is((n, t), DOMAIN, RecordType::MX) {
            Reply::Records(vec![mx(n, 10, "mx.hostile.test")])
        } else if is((n, t), DOMAIN, RecordType::TXT) {
            Reply::Records(vec![txt(n, vec!["v=spf1 -all".into()])])
        } else if is((n, t), "_mta-sts.hostile.test", RecordType::TXT) {
            Reply::Records(vec![txt(n, vec!["v=STSv1; id=20260101".into()])])
        } else if is((n, t), POLICY_HOST, RecordType::A) {
            Reply::Records(vec![a(n, ip)])
        } else {
            Reply::NxDomain
        }
    })
    .await;
    let dir = tempfile::tempdir().expect("temporary directory");
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, ca_pem).expect("write the CA");
    let timeout = TIMEOUT_S.to_string();
    let run = mxray(&[
        "domain",
        DOMAIN,
        "--resolver",
        &dns.addr,
        "--timeout",
        &timeout,
        "-4",
        "--ca-file",
        ca_file.to_str().expect("a UTF-8 path"),
    ])
    .await;
    server.abort();
    // The README's bound for a domain audit probing one port.
    run.assert_bounded(case, Duration::from_secs(26 * TIMEOUT_S) + SLACK);
    run
}

fn policy_error(run: &ChildRun) -> String {
    run.report["evidence"]["mta_sts_policy"]["error"]
        .as_str()
        .unwrap_or_else(|| panic!("no policy fetch error: {}", run.text()))
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs root (port 443): tests/run.sh"]
async fn a_valid_policy_sets_the_baseline() {
    let run = audit("baseline MTA-STS", |mut tls| async move {
        let body = "version: STSv1\r\nmode: enforce\r\nmx: mx.hostile.test\r\nmax_age: 86400\r\n";
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        let _ = send(&mut tls, format!("{head}{body}").as_bytes()).await;
        let _ = tls.shutdown().await;
    })
    .await;
    assert!(!run.has("mta-sts.policy-unreachable"), "{}", run.text());
    assert_eq!(run.report["evidence"]["mta_sts_policy"]["status"], 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs root (port 443): tests/run.sh"]
async fn a_policy_that_streams_forever_is_cut_at_the_size_bound() {
    let run = audit("MTA-STS streams forever", |mut tls| async move {
        if !send(
            &mut tls,
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n",
        )
        .await
        {
            return;
        }
        let chunk = b"mx: mx.hostile.test\r\n".repeat(1000);
        while send(&mut tls, &chunk).await {}
    })
    .await;
    assert!(run.has("mta-sts.policy-unreachable"), "{:?}", run.codes());
    assert!(
        policy_error(&run).contains("larger than 80 KiB"),
        "{}",
        policy_error(&run)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs root (port 443): tests/run.sh"]
async fn a_huge_content_length_dribbled_ends_at_the_time_bound() {
    let run = audit("MTA-STS dribbled 10 GB Content-Length", |mut tls| async move {
        let head = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 10000000000\r\n\r\n";
        if !send(&mut tls, head).await {
            return;
        }
        while send(&mut tls, b"x").await {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    assert!(run.has("mta-sts.policy-unreachable"), "{:?}", run.codes());
    assert!(
        policy_error(&run).contains("no complete answer in time"),
        "{}",
        policy_error(&run)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs root (port 443): tests/run.sh"]
async fn a_redirect_loop_is_not_followed() {
    let run = audit("MTA-STS redirect loop", |mut tls| async move {
        let answer = format!(
            "HTTP/1.1 301 Moved Permanently\r\nLocation: https://{POLICY_HOST}/.well-known/mta-sts.txt\r\nContent-Length: 0\r\n\r\n"
        );
        let _ = send(&mut tls, answer.as_bytes()).await;
        let _ = tls.shutdown().await;
    })
    .await;
    assert!(run.has("mta-sts.policy-unreachable"), "{:?}", run.codes());
    let error = policy_error(&run);
    assert!(
        error.contains("a redirect to https://mta-sts.hostile.test/"),
        "{error}"
    );
    assert!(error.contains("does not allow redirects"), "{error}");
}

#[test]
#[ignore = "not a test: the entry point that starts mxray for the tests above"]
fn child_spawner() {
    common::child::spawner_entry();
}
