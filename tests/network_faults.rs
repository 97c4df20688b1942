//! Network conditions a real server cannot be configured into on loopback: a port whose SYNs
//! are dropped (what an ISP's port-25 block looks like) next to a working 587, and a slow
//! greeting. The servers are in-process; the binary is run as users run it. Needs root (port 25,
//! listen queues) and steady timing, so the tests are ignored unless run with --include-ignored
//! (tests/run.sh does).

mod common;

use common::rig::{codes, mxray};
use mxray::findings::Finding;
use mxray::report::Report;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpSocket, TcpStream};

/// A minimal polite SMTP server: greets after `delay`, answers EHLO and QUIT.
async fn smtp_server(listener: TcpListener, delay: Duration) {
    loop {
        let Ok((sock, _)) = listener.accept().await else {
            return;
        };
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            let (r, mut w) = sock.into_split();
            let mut lines = BufReader::new(r).lines();
            let _ = w.write_all(b"220 fake.mxray.test ESMTP\r\n").await;
            while let Ok(Some(l)) = lines.next_line().await {
                let reply: &[u8] = if l.starts_with("EHLO") {
                    b"250-fake.mxray.test\r\n250 PIPELINING\r\n"
                } else if l.starts_with("QUIT") {
                    let _ = w.write_all(b"221 bye\r\n").await;
                    return;
                } else {
                    b"502 no\r\n"
                };
                let _ = w.write_all(reply).await;
            }
        });
    }
}

/// A listener whose accept queue is full: further SYNs are dropped and connects time out.
async fn black_hole(addr: SocketAddr) -> (tokio::net::TcpListener, Vec<TcpStream>) {
    let sock = TcpSocket::new_v4().unwrap();
    sock.set_reuseaddr(true).unwrap();
    sock.bind(addr).expect("bind port 25 (needs root)");
    let listener = sock.listen(0).unwrap();
    let mut fillers = Vec::new();
    for _ in 0..4 {
        if let Ok(Ok(s)) =
            tokio::time::timeout(Duration::from_millis(300), TcpStream::connect(addr)).await
        {
            fillers.push(s);
        }
    }
    (listener, fillers)
}

/// Port 25 black-holed on `ip` beside a working 587, mxray ARGS run there (with a one-second
/// timeout, no legacy TLS, a dead resolver, JSON).
async fn port_25_blocked_587_open(ip: &'static str, args: Vec<&'static str>) -> Report {
    let (_hole, _fillers) = black_hole(format!("{ip}:25").parse().unwrap()).await;
    let sub = TcpListener::bind(format!("{ip}:587")).await.unwrap();
    tokio::spawn(smtp_server(sub, Duration::ZERO));
    // The hole and its fillers stay open until mxray has run.
    tokio::task::spawn_blocking(move || {
        let mut all = args;
        all.extend([
            "--timeout",
            "1",
            "--resolver",
            "127.0.0.1:9",
            "--no-legacy-tls",
            "--format",
            "json",
        ]);
        run_json(&all)
    })
    .await
    .unwrap()
}

fn port_filtered(report: &Report) -> &Finding {
    report
        .findings
        .iter()
        .find(|f| f.code == "net.port-filtered")
        .expect("net.port-filtered")
}

fn run_json(args: &[&str]) -> Report {
    let run = mxray(args);
    assert!(run.code <= 1, "{}", run.stderr);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    common::schema::assert_valid(&v);
    serde_json::from_value(v).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs root: tests/run.sh"]
async fn port_25_timing_out_while_587_answers_is_named_an_isp_block() {
    let ip = "127.0.0.40";
    let report = port_25_blocked_587_open(ip, vec!["server", ip, "--ports", "25,587"]).await;
    let f = port_filtered(&report);
    assert!(f.subject.contains(":25"), "{}", f.subject);
    assert!(f.summary.contains("ISP"), "{}", f.summary);
    assert!(
        f.evidence.iter().any(|e| e.contains("control: port 587")),
        "{:?}",
        f.evidence
    );
    assert!(f.fix.contains("587"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs root: tests/run.sh"]
async fn check_on_port_25_names_the_isp_block_from_the_alternatives() {
    // `mxray check` probes the configured 25 and the alternatives 465/587 separately: the
    // alternatives are the control that tells a port-25 block from a dead server.
    let ip = "127.0.0.43";
    let args = vec![
        "check",
        "--host",
        ip,
        "--port",
        "25",
        "--security",
        "starttls",
    ];
    let report = port_25_blocked_587_open(ip, args).await;
    let f = port_filtered(&report);
    assert_eq!(f.subject, format!("{ip}:25 (submission)"));
    assert!(f.summary.contains("ISP"), "{}", f.summary);
    assert!(
        f.evidence
            .iter()
            .any(|e| e == "control: port 587 on the same address connected"),
        "{:?}",
        f.evidence
    );
    // The alternatives themselves are not diagnosed as if configured.
    assert!(
        !report.findings.iter().any(|f| f.subject.contains(":587")),
        "{:#?}",
        report.findings
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs root: tests/run.sh"]
async fn a_timeout_without_the_control_is_only_filtered() {
    let ip = "127.0.0.41";
    let (_hole, _fillers) = black_hole(format!("{ip}:25").parse().unwrap()).await;
    let report = tokio::task::spawn_blocking(move || {
        run_json(&[
            "server",
            ip,
            "--ports",
            "25",
            "--timeout",
            "1",
            "--resolver",
            "127.0.0.1:9",
            "--format",
            "json",
        ])
    })
    .await
    .unwrap();
    let f = port_filtered(&report);
    assert!(
        !f.summary.contains("ISP"),
        "no control port, no ISP claim: {}",
        f.summary
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs root: tests/run.sh"]
async fn a_slow_greeting_is_reported() {
    let listener = TcpListener::bind("127.0.0.42:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(smtp_server(listener, Duration::from_millis(700)));
    let ports = format!("{port}/smtp");
    let report = tokio::task::spawn_blocking(move || {
        run_json(&[
            "server",
            "127.0.0.42",
            "--ports",
            &ports,
            "--timeout",
            "3",
            "--slow",
            "0.3",
            "--resolver",
            "127.0.0.1:9",
            "--format",
            "json",
        ])
    })
    .await
    .unwrap();
    assert!(
        codes(&report).contains(&"net.slow".to_string()),
        "{:?}",
        codes(&report)
    );
    let f = report
        .findings
        .iter()
        .find(|f| f.code == "net.slow")
        .unwrap();
    assert!(f.summary.contains("greeting"), "{}", f.summary);
}
