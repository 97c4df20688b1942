//! Certificates dated at the ends of time: year 1, year 9999 and Unix times no certificate can
//! hold (a hand-edited or corrupt report). `mxray diagnose` must neither overflow (a debug
//! build panics on it) nor print a nonsense day count; in-process rcgen certificates with
//! extreme validity are probed and judged the same way.

mod common;

use common::certs::{acceptor, dated};
use common::hostile::*;
use common::rig::mxray;
use mxray::evidence::{Outcome, PhaseName, Role};
use mxray::findings::Severity;
use serde_json::Value;

const YEAR_1: i64 = -62_135_596_800;
const YEAR_9999_END: i64 = 253_402_300_799;

/// The shipped expired-certificate report with every leaf redated, re-diagnosed offline.
fn diagnose_redated(nb: (&str, i64), na: (&str, i64)) -> (i32, Value) {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/server/expired.json"
    ))
    .expect("fixture");
    let mut report: Value = serde_json::from_str(&text).expect("fixture JSON");
    for p in report["evidence"]["probes"].as_array_mut().expect("probes") {
        if let Some(leaf) = p["tls"]["chain"].get_mut(0) {
            leaf["not_before"] = nb.0.into();
            leaf["not_before_unix"] = nb.1.into();
            leaf["not_after"] = na.0.into();
            leaf["not_after_unix"] = na.1.into();
        }
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("redated.json");
    std::fs::write(&path, report.to_string()).expect("write");
    let run = mxray(&[
        "diagnose",
        path.to_str().expect("utf-8 path"),
        "--format",
        "json",
    ]);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    let out: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", run.stdout, run.stderr));
    (run.code, out)
}

fn cert_findings(report: &Value) -> Vec<(String, String, String)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| {
            f["code"]
                .as_str()
                .is_some_and(|c| c.starts_with("tls.cert-"))
        })
        .map(|f| {
            (
                f["code"].as_str().unwrap_or("").to_string(),
                f["severity"].as_str().unwrap_or("").to_string(),
                f["summary"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn year_one_expiry_is_more_than_a_century_ago() {
    let (code, r) = diagnose_redated(
        ("0001-01-01T00:00:00Z", YEAR_1),
        ("0001-01-02T00:00:00Z", YEAR_1 + 86_400),
    );
    let f = cert_findings(&r);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(
        (f[0].0.as_str(), f[0].1.as_str()),
        ("tls.cert-expired", "error")
    );
    assert_eq!(
        f[0].2,
        "the certificate expired on 0001-01-02T00:00:00Z (more than a century ago): clients refuse the connection"
    );
    assert_eq!(code, 1);
}

#[test]
fn impossible_unix_times_do_not_overflow() {
    let (code, r) = diagnose_redated(("-", i64::MIN), ("-", i64::MIN + 1));
    let f = cert_findings(&r);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].0, "tls.cert-expired");
    assert!(f[0].2.contains("(more than a century ago)"), "{}", f[0].2);
    assert!(!f[0].2.contains("-1067"), "{}", f[0].2);
    assert_eq!(code, 1);

    // Valid "until the end of i64": no expiry finding, and no overflow counting days left.
    let (code, r) = diagnose_redated(("2021-01-01T00:00:00Z", 1_609_459_200), ("-", i64::MAX));
    assert_eq!(cert_findings(&r), Vec::new());
    assert_eq!(code, 0);
}

#[test]
fn year_9999_start_is_not_yet_valid_and_year_9999_end_is_fine() {
    let (code, r) = diagnose_redated(
        ("9999-12-30T00:00:00Z", YEAR_9999_END - 86_400),
        ("9999-12-31T23:59:59Z", YEAR_9999_END),
    );
    let f = cert_findings(&r);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(
        (f[0].0.as_str(), f[0].1.as_str()),
        ("tls.cert-not-yet-valid", "error")
    );
    assert!(
        f[0].2.contains("only valid from 9999-12-30T00:00:00Z"),
        "{}",
        f[0].2
    );
    assert_eq!(code, 1);

    let (code, r) = diagnose_redated(
        ("0001-01-01T00:00:00Z", YEAR_1),
        ("9999-12-31T23:59:59Z", YEAR_9999_END),
    );
    assert_eq!(cert_findings(&r), Vec::new());
    assert_eq!(code, 0);
}

/// rcgen certificates dated year 1 and year 9999, served and probed for real.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extreme_validity_certificates_are_probed_and_judged() {
    let acc = acceptor(dated("fake.test", (1, 1, 1), (1, 1, 2)));
    let srv = serve(move |sock| starttls_smtp(sock, acc.clone(), GO_AHEAD)).await;
    let r = run(
        &ctx(RELAXED, false, Some("fake.test")),
        srv.port,
        Role::Smtp,
    )
    .await;
    assert_eq!(
        r.outcome(PhaseName::TlsHandshake),
        &Outcome::Ok,
        "{}",
        r.dump()
    );
    let leaf = &r.probe.tls.as_ref().expect("tls").chain[0];
    assert_eq!(leaf.not_before_unix, YEAR_1);
    assert_eq!(leaf.not_after, "0001-01-02T00:00:00Z");
    r.assert_codes(&["tls.cert-expired", "tls.cert-untrusted"]);
    let f = r.finding("tls.cert-expired");
    assert_eq!(f.severity, Severity::Error);
    assert!(
        f.summary.contains("(more than a century ago)"),
        "{}",
        f.summary
    );

    let acc = acceptor(dated("fake.test", (9999, 12, 30), (9999, 12, 31)));
    let srv = serve(move |sock| starttls_smtp(sock, acc.clone(), GO_AHEAD)).await;
    let r = run(
        &ctx(RELAXED, false, Some("fake.test")),
        srv.port,
        Role::Smtp,
    )
    .await;
    r.assert_codes(&["tls.cert-not-yet-valid", "tls.cert-untrusted"]);
    assert!(r
        .finding("tls.cert-not-yet-valid")
        .summary
        .contains("9999-12-30"));
}
