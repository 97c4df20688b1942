//! `mxray domain --from` against in-process servers on loopback: a name server that sends
//! every domain's MX to one host, and an SMTP listener there that counts the connections open
//! at once — the per-address limit holds across all domains of the run. Then a resolver that
//! never answers, to interrupt a run with domains still in flight.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, TcpListener, UdpSocket};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const MX: &str = "mx.bulk.test";

fn encode_name(name: &str) -> Vec<u8> {
    let mut v = Vec::new();
    for label in name.split('.') {
        v.push(label.len() as u8);
        v.extend_from_slice(label.as_bytes());
    }
    v.push(0);
    v
}

/// A name server: MX of any name → `10 mx.bulk.test`, A of mx.bulk.test → 127.0.0.1, every
/// other question NXDOMAIN. Returns `IP:PORT`.
fn fake_dns() -> String {
    let sock = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let addr = sock.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        let mut buf = [0u8; 1500];
        while let Ok((n, peer)) = sock.recv_from(&mut buf) {
            if n < 17 {
                continue;
            }
            let mut end = 12;
            let mut labels = Vec::new();
            while end < n && buf[end] != 0 {
                let len = buf[end] as usize;
                labels.push(
                    String::from_utf8_lossy(&buf[end + 1..(end + 1 + len).min(n)]).to_lowercase(),
                );
                end += len + 1;
            }
            if end + 5 > n {
                continue;
            }
            let qtype = u16::from_be_bytes([buf[end + 1], buf[end + 2]]);
            let qname = labels.join(".");
            let qend = end + 5;
            let mut r = buf[..qend].to_vec();
            r[2] = 0x80 | (buf[2] & 0x79);
            r[6..12].fill(0);
            r[5] = 1; // one question
            let answer: Option<(u16, Vec<u8>)> = match qtype {
                15 => {
                    let mut rdata = vec![0, 10];
                    rdata.extend(encode_name(MX));
                    Some((15, rdata))
                }
                1 if qname == MX => Some((1, vec![127, 0, 0, 1])),
                _ => None,
            };
            match answer {
                Some((t, rdata)) => {
                    r[3] = 0x80;
                    r[7] = 1;
                    r.extend([0xc0, 0x0c]);
                    r.extend(t.to_be_bytes());
                    r.extend([0, 1, 0, 0, 0, 60]);
                    r.extend((rdata.len() as u16).to_be_bytes());
                    r.extend(rdata);
                }
                None if qname == MX => r[3] = 0x80, // NODATA
                None => r[3] = 0x80 | 3,            // NXDOMAIN
            }
            let _ = sock.send_to(&r, peer);
        }
    });
    addr
}

/// An SMTP server that greets, answers EHLO without STARTTLS and QUIT, and keeps each session
/// open a while so sessions of different domains would overlap if nothing held them apart.
fn counting_smtp() -> (u16, Arc<AtomicUsize>, Arc<AtomicUsize>) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    let (open, peak, total) = (
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicUsize::new(0)),
    );
    let (o, p, t) = (open.clone(), peak.clone(), total.clone());
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let (o, p) = (o.clone(), p.clone());
            t.fetch_add(1, Ordering::SeqCst);
            o.fetch_add(1, Ordering::SeqCst);
            std::thread::spawn(move || {
                let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
                std::thread::sleep(Duration::from_millis(150));
                // The peak is read at the greeting, not at the accept: the client closes right
                // after writing QUIT, so this server may read that QUIT only after the next
                // session's accept, but long before that session's greeting.
                p.fetch_max(o.load(Ordering::SeqCst), Ordering::SeqCst);
                let _ = conn.write_all(b"220 mx.bulk.test ESMTP\r\n");
                let mut reader = BufReader::new(conn.try_clone().unwrap());
                let mut line = String::new();
                loop {
                    line.clear();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        break;
                    }
                    let verb = line.trim().to_ascii_uppercase();
                    let reply: &[u8] = if verb.starts_with("EHLO") || verb.starts_with("HELO") {
                        b"250-mx.bulk.test\r\n250 PIPELINING\r\n"
                    } else if verb.starts_with("QUIT") {
                        o.fetch_sub(1, Ordering::SeqCst);
                        let _ = conn.write_all(b"221 bye\r\n");
                        return;
                    } else {
                        b"502 not here\r\n"
                    };
                    if conn.write_all(reply).is_err() {
                        break;
                    }
                }
                o.fetch_sub(1, Ordering::SeqCst);
            });
        }
    });
    (port, peak, total)
}

fn list(n: usize) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    for i in 0..n {
        writeln!(f, "d{i}.bulk.test").unwrap();
    }
    f
}

#[test]
fn domains_sharing_one_mx_never_exceed_the_per_address_limit() {
    let dns = fake_dns();
    let (port, peak, total) = counting_smtp();
    let domains = 16;
    let f = list(domains);
    let started = Instant::now();
    let run = common::rig::mxray(&[
        "domain",
        "--from",
        f.path().to_str().unwrap(),
        "--concurrency",
        "16",
        "--per-address",
        "2",
        "--resolver",
        &dns,
        "--ports",
        &format!("{port}/smtp"),
        "--timeout",
        "5",
        "--no-legacy-tls",
        "-4",
        "--helo",
        "client.bulk.test",
    ]);
    assert!(started.elapsed() < Duration::from_secs(120), "hang guard");
    assert_eq!(run.code, 0, "warnings only: {}", run.stderr);
    let lines: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), domains);
    for v in &lines {
        common::schema::assert_valid(v);
        let codes = common::hostile::json_codes(v);
        assert!(
            codes.iter().any(|c| c == "tls.starttls-missing"),
            "{}: {codes:?}",
            v["target"]
        );
        assert_eq!(v["evidence"]["servers"][0]["host"], MX);
    }
    assert_eq!(
        total.load(Ordering::SeqCst),
        domains,
        "one session per domain"
    );
    assert_eq!(
        peak.load(Ordering::SeqCst),
        2,
        "at most --per-address sessions at once, and the run used them"
    );
    assert!(
        run.stderr.contains(&format!(
            "{domains} domain(s), 0 failed; findings: 0 error(s), {} warning(s)",
            domains * 4
        )),
        "{}",
        run.stderr
    );
}

/// A name server that reads queries and never answers.
fn silent_dns() -> (UdpSocket, TcpListener, String) {
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = udp.local_addr().unwrap().port();
    let tcp = TcpListener::bind(("127.0.0.1", port)).unwrap();
    (udp, tcp, format!("127.0.0.1:{port}"))
}

/// Starts a run whose every domain waits on the silent resolver, and returns once a query
/// has arrived (a domain is in flight, the Ctrl-C handler is in place).
fn stuck_run(udp: &UdpSocket, resolver: &str) -> std::process::Child {
    let f = list(8);
    let child = Command::new(env!("CARGO_BIN_EXE_mxray"))
        .args([
            "domain",
            "--from",
            f.path().to_str().unwrap(),
            "--concurrency",
            "4",
            "--no-probe",
            "--resolver",
            resolver,
            "--timeout",
            "20",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut buf = [0u8; 1500];
    udp.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    udp.recv_from(&mut buf).expect("a query arrives");
    // The file must outlive the child's opening of it; the child has read it by now.
    std::mem::forget(f);
    child
}

fn sigint(child: &std::process::Child) {
    let ok = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

#[test]
fn ctrl_c_abandons_domains_in_flight_and_still_prints_the_summary() {
    let (udp, _tcp, resolver) = silent_dns();
    let child = stuck_run(&udp, &resolver);
    let started = Instant::now();
    sigint(&child);
    let out = child.wait_with_output().unwrap();
    assert!(started.elapsed() < Duration::from_secs(15), "hang guard");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(out.stdout.is_empty(), "no domain finished");
    assert!(
        stderr.contains("mxray: interrupted; waiting up to 2 s for 4 domain(s) in flight"),
        "{stderr}"
    );
    assert!(
        stderr.contains("mxray: summary\n0 domain(s), 0 failed;"),
        "{stderr}"
    );
    assert!(
        stderr.contains("interrupted: 4 domain(s) in flight abandoned"),
        "{stderr}"
    );
}

#[test]
fn a_second_ctrl_c_exits_at_once() {
    let (udp, _tcp, resolver) = silent_dns();
    let mut child = stuck_run(&udp, &resolver);
    sigint(&child);
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    err.read_line(&mut first).unwrap();
    assert!(first.starts_with("mxray: interrupted; waiting"), "{first}");
    sigint(&child);
    let mut rest = String::new();
    err.read_to_string(&mut rest).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert_eq!(rest, "mxray: interrupted again; exiting\n");
}
