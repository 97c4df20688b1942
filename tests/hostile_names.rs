//! A certificate for another name on an IP target: what the table marks "wrong name" is a
//! finding too — an error when `--tls-name` names what clients use, a warning when only the
//! address could be checked — and a matching `--tls-name` raises nothing.

mod common;

use common::certs::{acceptor, self_signed};
use common::hostile::*;
use mxray::evidence::Role;
use mxray::findings::Severity;
use serde_json::Value;

fn cert_for(name: &str) -> tokio_rustls::TlsAcceptor {
    let mut p = rcgen::CertificateParams::new(vec![name.to_string()]).expect("params");
    p.distinguished_name
        .push(rcgen::DnType::CommonName, name.to_string());
    acceptor(self_signed(p))
}

fn finding<'a>(report: &'a Value, code: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["code"] == code))
        .unwrap_or_else(|| panic!("no {code}: {report:#}"))
}

/// `mxray server 127.0.0.1` on a STARTTLS port serving a certificate for fake.test.
async fn ip_target(extra: &[&str]) -> (i32, Value) {
    let acc = cert_for("fake.test");
    let srv = serve(move |sock| starttls_smtp(sock, acc.clone(), GO_AHEAD)).await;
    let port = format!("{}/smtp", srv.port);
    let mut args = vec!["server", "127.0.0.1", "--ports", &port, "--timeout", "3"];
    args.extend(extra);
    cli_json(&args).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ip_target_with_other_tls_name_is_hostname_mismatch_error() {
    let (code, report) = ip_target(&["--tls-name", "other.test"]).await;
    assert_eq!(
        json_codes(&report),
        vec!["tls.cert-hostname-mismatch", "tls.cert-untrusted"]
    );
    assert_eq!(code, 1);
    let f = finding(&report, "tls.cert-hostname-mismatch");
    assert_eq!(f["severity"], "error");
    assert_eq!(
        f["summary"],
        "the certificate is not valid for other.test: clients connecting to that name reject it"
    );
    assert!(
        f["evidence"]
            .as_array()
            .expect("evidence")
            .iter()
            .any(|e| e == "certificate names: DNS:fake.test"),
        "{f:#}"
    );
    let v = &report["evidence"]["probes"][0]["tls"]["verification"];
    assert_eq!(v["checked_name"], "other.test");
    assert_eq!(v["name_matches"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ip_target_without_tls_name_is_hostname_mismatch_warning() {
    let (code, report) = ip_target(&["--ignore", "tls.cert-untrusted"]).await;
    assert_eq!(
        json_codes(&report),
        vec!["tls.cert-hostname-mismatch", "tls.cert-untrusted"]
    );
    assert_eq!(code, 0, "a warning alone does not fail by default");
    let f = finding(&report, "tls.cert-hostname-mismatch");
    assert_eq!(f["severity"], "warning");
    let summary = f["summary"].as_str().unwrap_or("");
    assert!(
        summary.contains("not valid for the address 127.0.0.1"),
        "{summary}"
    );
    assert!(summary.contains("--tls-name"), "{summary}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ip_target_with_matching_tls_name_has_no_mismatch() {
    let acc = cert_for("fake.test");
    let srv = serve(move |sock| implicit_tls_smtp(sock, acc.clone())).await;
    let r = run(
        &ctx(RELAXED, false, Some("FAKE.test.")),
        srv.port,
        Role::Submissions,
    )
    .await;
    r.assert_codes(&["smtp.auth-not-offered", "tls.cert-untrusted"]);

    let r = run(
        &ctx(RELAXED, false, Some("other.test")),
        srv.port,
        Role::Submissions,
    )
    .await;
    r.assert_codes(&[
        "smtp.auth-not-offered",
        "tls.cert-hostname-mismatch",
        "tls.cert-untrusted",
    ]);
    assert_eq!(
        r.finding("tls.cert-hostname-mismatch").severity,
        Severity::Error
    );
}
