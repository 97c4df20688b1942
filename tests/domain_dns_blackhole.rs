//! `mxray domain` through a resolver that never answers (a loopback UDP socket that reads
//! nothing, a TCP listener that accepts and stays silent): lookups that time out are "could
//! not check", never "not found", and no area passes on records it never saw.

mod common;

use common::rig::mxray;
use mxray::report::Report;
use std::net::{TcpListener, UdpSocket};
use std::time::{Duration, Instant};

/// A name server address on loopback where UDP and TCP queries get no answer.
fn black_hole() -> (UdpSocket, TcpListener, String) {
    let udp = UdpSocket::bind("127.0.0.1:0").expect("bind udp");
    let port = udp.local_addr().unwrap().port();
    let tcp = TcpListener::bind(("127.0.0.1", port)).expect("bind tcp on the same port");
    (udp, tcp, format!("127.0.0.1:{port}"))
}

#[test]
fn dkim_lookups_that_time_out_are_could_not_check_not_not_found() {
    let (_udp, _tcp, resolver) = black_hole();
    let started = Instant::now();
    let base = [
        "domain",
        "blackhole.example",
        "--no-probe",
        "--resolver",
        resolver.as_str(),
        "--timeout",
        "1",
        "--dkim-selector",
        "s1",
        "--dkim-selector",
        "s2",
    ];
    let mut json = base.to_vec();
    json.extend(["--format", "json"]);
    let run = mxray(&json);
    assert!(started.elapsed() < Duration::from_secs(60), "hang guard");
    assert_eq!(run.code, 1, "{}", run.stderr);
    let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    common::schema::assert_valid(&value);
    let report: Report = serde_json::from_value(value).unwrap();
    let dkim: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.code.starts_with("dkim."))
        .collect();
    assert_eq!(dkim.len(), 1, "{:#?}", report.findings);
    let f = dkim[0];
    assert_eq!(f.code, "dkim.lookup-failed");
    assert_eq!(f.severity, mxray::findings::Severity::Warning);
    assert_eq!(
        f.summary,
        "2 of 2 DKIM selector lookups failed, so mxray could not check whether a key is published there"
    );
    assert_eq!(f.evidence.len(), 2, "{:?}", f.evidence);
    assert!(
        f.evidence[0].starts_with("s1._domainkey.blackhole.example TXT: "),
        "{:?}",
        f.evidence
    );
    assert!(!report.findings.iter().any(|x| x.code == "dkim.not-found"));

    let run = mxray(&base);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let verdict = |area: &str| {
        run.stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(area))
            .map(|l| l.trim_start()[area.len()..].trim().to_string())
            .unwrap_or_else(|| panic!("no {area} line:\n{}", run.stdout))
    };
    assert_eq!(verdict("DKIM"), "WARN", "{}", run.stdout);
    assert_eq!(verdict("SPF"), "could not check (DNS lookup failed)");
    assert_eq!(verdict("DMARC"), "could not check (DNS lookup failed)");
    assert!(
        run.stdout
            .contains("could not check 2 of 2 selector(s): the lookups failed"),
        "{}",
        run.stdout
    );
}
