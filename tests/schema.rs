//! The report document against its JSON Schema, `schema/report.schema.json`: a report built
//! from every evidence type must validate, broken copies of it must not, and so must every
//! saved report under `fixtures/`.

mod common;

use common::schema::{assert_valid, errors, schema, schema_path};
use mxray::evidence::{
    AddressInfo, AlternateMode, Capabilities, Direction, Family, LegacyAttempt, LegacyTls, Lookup,
    LookupStatus, Outcome, Phase, PhaseName, PortProbe, PortSpec, ProbeSettings, Reply, Resolution,
    Role, ServerEvidence, TlsMode, TlsSession, TranscriptLine, Verification,
};
use mxray::findings::{catalogue, Finding, Severity};
use mxray::probe::cert;
use mxray::report::{finalize, Body, FailOn, Report};
use serde_json::{json, Value};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

const STARTED_AT: &str = "2025-06-01T09:30:00.123456789Z";

fn lookup(name: &str, rtype: &str, status: LookupStatus, records: &[&str]) -> Lookup {
    Lookup {
        name: name.into(),
        rtype: rtype.into(),
        status,
        records: records.iter().map(|r| r.to_string()).collect(),
        duration_ms: 12,
        error: None,
    }
}

fn phase(phase: PhaseName, start_ms: u64, outcome: Outcome) -> Phase {
    Phase {
        phase,
        start_ms,
        duration_ms: 7,
        outcome,
    }
}

fn line(t_ms: u64, dir: Direction, text: &str) -> TranscriptLine {
    TranscriptLine {
        t_ms,
        dir,
        text: text.into(),
    }
}

/// A CA and a leaf it signed, DER, leaf first.
fn chain() -> Vec<Vec<u8>> {
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca, ca_key);
    let key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec!["mx.example.test".to_string()]).unwrap();
    let leaf = leaf.signed_by(&key, &issuer).unwrap();
    vec![leaf.der().to_vec(), ca_cert.der().to_vec()]
}

fn ehlo_capabilities(server_name: &str) -> Capabilities {
    Capabilities {
        via: "ehlo".into(),
        raw: vec![
            "mx.example.test".into(),
            "PIPELINING".into(),
            "SIZE 52428800".into(),
            "STARTTLS".into(),
            "AUTH PLAIN LOGIN".into(),
            "8BITMIME".into(),
        ],
        starttls: true,
        auth: vec!["PLAIN".into(), "LOGIN".into()],
        extensions: vec![
            "PIPELINING".into(),
            "SIZE".into(),
            "STARTTLS".into(),
            "AUTH".into(),
            "8BITMIME".into(),
        ],
        size_limit: Some(52_428_800),
        login_disabled: false,
        user_pass: false,
        server_name: Some(server_name.into()),
    }
}

/// Port 25 with every optional field set and every kind of phase outcome.
fn full_probe(address: IpAddr) -> PortProbe {
    let ders = chain();
    let tls_chain: Vec<_> = ders.iter().map(|d| cert::parse(d)).collect();
    let mut legacy_chain = tls_chain.clone();
    legacy_chain.push(cert::parse(b"not a certificate"));
    PortProbe {
        address,
        port: 25,
        role: Some(Role::Smtp),
        explicit: false,
        sniffed: Some("the server greeted with an SMTP 220 line".into()),
        phases: vec![
            phase(PhaseName::Sniff, 0, Outcome::Ok),
            phase(PhaseName::Connect, 0, Outcome::Ok),
            phase(
                PhaseName::Greeting,
                7,
                Outcome::Violation {
                    detail: "bare LF line ending".into(),
                },
            ),
            phase(PhaseName::Ehlo, 14, Outcome::Ok),
            phase(PhaseName::Starttls, 21, Outcome::Ok),
            phase(PhaseName::TlsHandshake, 28, Outcome::Ok),
            phase(PhaseName::EhloAfterTls, 35, Outcome::Ok),
            phase(PhaseName::Quit, 42, Outcome::Closed),
            phase(
                PhaseName::AlternateMode,
                50,
                Outcome::Unreachable {
                    detail: "no route to host".into(),
                },
            ),
            phase(PhaseName::AlternateMode, 57, Outcome::Timeout),
            phase(PhaseName::AlternateMode, 64, Outcome::Refused),
            phase(PhaseName::AlternateMode, 71, Outcome::Reset),
            phase(
                PhaseName::AlternateMode,
                78,
                Outcome::Rejected {
                    reply: "454 4.7.0 TLS not available".into(),
                },
            ),
            phase(
                PhaseName::LegacyTls,
                85,
                Outcome::Error {
                    detail: "legacy probe budget of 15 s exhausted".into(),
                },
            ),
        ],
        greeting: Some(Reply {
            code: Some(220),
            lines: vec!["mx.example.test ESMTP Postfix".into()],
        }),
        capabilities: Some(ehlo_capabilities("mx.example.test")),
        starttls_reply: Some(Reply {
            code: Some(220),
            lines: vec!["2.0.0 Ready to start TLS".into()],
        }),
        plaintext_after_starttls: true,
        tls: Some(TlsSession {
            mode: TlsMode::Starttls,
            sni: Some("mx.example.test".into()),
            version: Some("TLSv1.3".into()),
            cipher: Some("TLS13_AES_256_GCM_SHA384".into()),
            chain: tls_chain,
            verification: Some(Verification {
                checked_name: Some("mx.example.test".into()),
                name_matches: Some(true),
                trusted: false,
                trust_error: Some("invalid peer certificate: UnknownIssuer".into()),
                client_error: Some("invalid peer certificate: UnknownIssuer".into()),
                custom_roots: true,
            }),
            error: Some("received fatal alert: HandshakeFailure".into()),
            peer_spoke_plaintext: true,
        }),
        capabilities_after_tls: Some(ehlo_capabilities("mx.example.test")),
        legacy_tls: Some(LegacyTls {
            attempts: vec![
                LegacyAttempt {
                    offered: "TLSv1.0".into(),
                    result: "accepted".into(),
                    version: Some("TLSv1.0".into()),
                    cipher: Some("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA".into()),
                    detail: None,
                },
                LegacyAttempt {
                    offered: "TLSv1.1".into(),
                    result: "alert".into(),
                    version: None,
                    cipher: None,
                    detail: Some("protocol_version (70)".into()),
                },
                LegacyAttempt {
                    offered: "-".into(),
                    result: "timeout".into(),
                    version: None,
                    cipher: None,
                    detail: Some("legacy probe budget of 15 s exhausted".into()),
                },
            ],
            chain: legacy_chain,
            verification: None,
        }),
        alternate: Some(AlternateMode {
            role: Role::Submissions,
            works: false,
            detail: "the TLS handshake on a fresh connection failed".into(),
        }),
        duration_ms: 95,
        transcript: vec![
            line(0, Direction::Note, "connected to 192.0.2.25:25"),
            line(7, Direction::Server, "220 mx.example.test ESMTP Postfix"),
            line(8, Direction::Client, "EHLO client.example.test"),
            line(14, Direction::Server, "250-mx.example.test"),
            line(14, Direction::Server, "250 STARTTLS"),
            line(15, Direction::Client, "STARTTLS"),
            line(21, Direction::Server, "220 2.0.0 Ready to start TLS"),
            line(28, Direction::Note, "TLS started: TLSv1.3"),
        ],
    }
}

/// Port 465 with nothing but the mandatory fields: the connection was refused.
fn bare_probe(address: IpAddr) -> PortProbe {
    PortProbe {
        address,
        port: 465,
        role: None,
        explicit: true,
        sniffed: None,
        phases: vec![phase(PhaseName::Connect, 0, Outcome::Refused)],
        greeting: None,
        capabilities: None,
        starttls_reply: None,
        plaintext_after_starttls: false,
        tls: None,
        capabilities_after_tls: None,
        legacy_tls: None,
        alternate: None,
        duration_ms: 1,
        transcript: vec![],
    }
}

fn evidence() -> ServerEvidence {
    let ip: IpAddr = "192.0.2.25".parse().unwrap();
    let mut aaaa = lookup("mx.example.test", "AAAA", LookupStatus::Failed, &[]);
    aaaa.error = Some("io error: network unreachable".into());
    ServerEvidence {
        host: "mx.example.test".into(),
        options: ProbeSettings {
            timeout_ms: 5000,
            helo: "client.example.test".into(),
            tls_name: Some("mx.example.test".into()),
            resolvers: vec!["system (127.0.0.53:53)".into()],
            ports: vec![
                PortSpec {
                    port: 25,
                    role: Some(Role::Smtp),
                    explicit: false,
                },
                PortSpec {
                    port: 465,
                    role: None,
                    explicit: true,
                },
            ],
            families: vec![Family::Ipv4, Family::Ipv6],
            legacy_tls: true,
            slow_threshold_ms: 2000,
            expiry_warning_days: 14,
        },
        resolution: Resolution {
            ip_literal: false,
            a: Some(lookup(
                "mx.example.test",
                "A",
                LookupStatus::Ok,
                &["192.0.2.25"],
            )),
            aaaa: Some(aaaa),
            addresses: vec![AddressInfo {
                ip,
                family: Family::Ipv4,
                ptr: lookup(
                    "25.2.0.192.in-addr.arpa",
                    "PTR",
                    LookupStatus::Ok,
                    &["mx.example.test."],
                ),
                forward: vec![lookup(
                    "mx.example.test.",
                    "A",
                    LookupStatus::Ok,
                    &["192.0.2.25"],
                )],
                fcrdns: Some(true),
            }],
        },
        probes: vec![full_probe(ip), bare_probe(ip)],
    }
}

fn report() -> Report {
    let body = Body::Server(Box::new(evidence()));
    let mut report = Report::new(body, "mx.example.test".into(), STARTED_AT.into(), 1234);
    let now = report.started_unix().unwrap();
    let mut findings = mxray::diagnose::diagnose(&report.body, now);
    findings.push(
        Finding::new(
            "tls.legacy-accepted",
            "192.0.2.25:25 (smtp)",
            "The server still accepts TLS 1.0",
        )
        .evidence("TLSv1.0 → accepted (TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA)"),
    );
    findings.push(
        Finding::new(
            "net.port-closed",
            "192.0.2.25:465",
            "Nothing listens on port 465",
        )
        .severity(Severity::Info),
    );
    findings.push(Finding::new(
        "dns.lookup-failed",
        "mx.example.test AAAA",
        "The AAAA lookup failed",
    ));
    report.summary = finalize(
        &mut findings,
        &["dns.lookup-failed".to_string()],
        FailOn::Warning,
    );
    report.findings = findings;
    report
}

/// The report as mxray writes it (`--output json`, `--save`).
fn document_of(report: &Report) -> Value {
    serde_json::from_str(&mxray::render::json::render(report)).unwrap()
}

fn document() -> Value {
    document_of(&report())
}

#[test]
fn schema_is_a_valid_draft_2020_12_schema() {
    let s = schema();
    assert_eq!(s["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert_eq!(s["$id"], "https://mxray.dev/schema/report-1.json");
    if let Err(e) = jsonschema::meta::validate(s) {
        panic!("{} fails the meta-schema: {e}", schema_path().display());
    }
}

#[test]
fn full_report_is_valid() {
    let report = report();
    let doc = document_of(&report);
    // The document really carries what the schema's optional parts describe.
    let probe = &doc["evidence"]["probes"][0];
    for key in [
        "sniffed",
        "greeting",
        "capabilities",
        "starttls_reply",
        "tls",
        "capabilities_after_tls",
        "legacy_tls",
        "alternate",
    ] {
        assert!(probe.get(key).is_some(), "the full probe lacks {key}");
    }
    assert!(doc["findings"].as_array().unwrap().len() >= 3);
    assert!(doc["summary"]["ignored"].as_u64().unwrap() >= 1);
    assert_valid(&doc);
    // And it is what `mxray diagnose` reads back, losslessly.
    let back: Report = serde_json::from_value(doc).unwrap();
    assert_eq!(back, report);
}

#[test]
fn ipv6_and_null_variants_are_valid() {
    let mut doc = document();
    let v6 = "2001:db8::25";
    doc["evidence"]["resolution"]["addresses"][0]["ip"] = json!(v6);
    doc["evidence"]["resolution"]["addresses"][0]["family"] = json!("ipv6");
    doc["evidence"]["probes"][0]["address"] = json!(v6);
    doc["evidence"]["resolution"]["a"] = Value::Null;
    let tls = &mut doc["evidence"]["probes"][0]["tls"];
    tls["verification"] = Value::Null;
    tls["version"] = Value::Null;
    tls["chain"][0]["key_bits"] = Value::Null;
    tls["chain"][0]["subject_cn"] = Value::Null;
    doc["evidence"]["resolution"]["addresses"][0]["fcrdns"] = Value::Null;
    assert_valid(&doc);
}

#[test]
fn every_catalogue_code_matches_the_code_pattern() {
    let mut doc = document();
    for info in catalogue::CATALOGUE.iter() {
        doc["findings"][0]["code"] = json!(info.code);
        assert_valid(&doc);
    }
}

/// A copy of the valid document with one change.
fn mutated(name: &str, change: impl FnOnce(&mut Value)) -> (String, Value) {
    let mut doc = document();
    change(&mut doc);
    (name.to_string(), doc)
}

fn object(v: &mut Value) -> &mut serde_json::Map<String, Value> {
    v.as_object_mut().unwrap()
}

#[test]
fn broken_reports_are_invalid() {
    let cases = vec![
        // The cases the envelope must catch.
        mutated("unknown severity", |d| {
            d["findings"][0]["severity"] = json!("critical")
        }),
        mutated("missing command", |d| {
            object(d).remove("command");
        }),
        mutated("schema_version as a string", |d| {
            d["schema_version"] = json!("1")
        }),
        mutated("finding code with upper case", |d| {
            d["findings"][0]["code"] = json!("TLS.Cert-Expired")
        }),
        mutated("extra top-level property", |d| {
            object(d).insert("hostname".into(), json!("mx.example.test"));
        }),
        // Further strictness.
        mutated("finding code without an area", |d| {
            d["findings"][0]["code"] = json!("cert-expired")
        }),
        mutated("unknown command", |d| d["command"] = json!("client")),
        mutated("missing evidence", |d| {
            object(d).remove("evidence");
        }),
        mutated("started_at not a date-time", |d| {
            d["started_at"] = json!("yesterday")
        }),
        mutated("negative duration", |d| d["duration_ms"] = json!(-1)),
        mutated("unknown fail_on", |d| {
            d["summary"]["fail_on"] = json!("sometimes")
        }),
        mutated("ignored missing from a finding", |d| {
            object(&mut d["findings"][0]).remove("ignored");
        }),
        mutated("evidence property unknown", |d| {
            object(&mut d["evidence"]).insert("mx".into(), json!([]));
        }),
        mutated("address not an IP", |d| {
            d["evidence"]["probes"][0]["address"] = json!("mx.example.test")
        }),
        mutated("IPv4 address marked ipv6", |d| {
            d["evidence"]["resolution"]["addresses"][0]["family"] = json!("ipv6")
        }),
        mutated("role not lower case", |d| {
            d["evidence"]["probes"][0]["role"] = json!("SMTP")
        }),
        mutated("port 0", |d| d["evidence"]["probes"][0]["port"] = json!(0)),
        mutated("lookup status in camel case", |d| {
            d["evidence"]["resolution"]["a"]["status"] = json!("NxDomain")
        }),
        mutated("phase name in camel case", |d| {
            d["evidence"]["probes"][0]["phases"][0]["phase"] = json!("TlsHandshake")
        }),
        mutated("outcome with unknown kind", |d| {
            d["evidence"]["probes"][0]["phases"][0]["outcome"] = json!({"kind": "fine"})
        }),
        mutated("rejected outcome without reply", |d| {
            d["evidence"]["probes"][0]["phases"][0]["outcome"] = json!({"kind": "rejected"})
        }),
        mutated("ok outcome with a detail", |d| {
            d["evidence"]["probes"][0]["phases"][0]["outcome"] =
                json!({"kind": "ok", "detail": "x"})
        }),
        mutated("transcript direction spelled out", |d| {
            d["evidence"]["probes"][0]["transcript"][0]["dir"] = json!("Client")
        }),
        mutated("required nullable field absent", |d| {
            object(&mut d["evidence"]["probes"][0]["tls"]).remove("sni");
        }),
        mutated("certificate fingerprint not hex", |d| {
            d["evidence"]["probes"][0]["tls"]["chain"][0]["sha256"] = json!("AB:CD")
        }),
        mutated("accepted legacy attempt without version", |d| {
            object(&mut d["evidence"]["probes"][0]["legacy_tls"]["attempts"][0]).remove("version");
        }),
        mutated("legacy result unknown", |d| {
            d["evidence"]["probes"][0]["legacy_tls"]["attempts"][1]["result"] = json!("maybe")
        }),
        mutated("capabilities via unknown", |d| {
            d["evidence"]["probes"][0]["capabilities"]["via"] = json!("lhlo")
        }),
    ];
    let mut passed = Vec::new();
    for (name, doc) in &cases {
        match errors(doc).as_slice() {
            [] => passed.push(name.as_str()),
            errs => println!("{name}: rejected\n  {}", errs.join("\n  ")),
        }
    }
    assert!(
        passed.is_empty(),
        "broken documents the schema accepts: {passed:?}"
    );
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

#[test]
fn saved_fixtures_are_valid() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut files = Vec::new();
    json_files(&root, &mut files);
    files.sort();
    let mut failures = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let doc: Value = match serde_json::from_str(&text) {
            Ok(doc) => doc,
            Err(e) => {
                failures.push(format!("{}: not JSON: {e}", path.display()));
                continue;
            }
        };
        let errs = errors(&doc);
        if !errs.is_empty() {
            failures.push(format!("{}:\n    {}", path.display(), errs.join("\n    ")));
        }
    }
    println!(
        "validated {} saved report(s) under {}",
        files.len(),
        root.display()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
