//! The report document against its JSON Schema, `schema/report.schema.json`: a `server` and a
//! `domain` report built from every evidence type (findings from the real diagnosis) must
//! validate and read back unchanged, broken copies of them must not validate, and every saved
//! report under `fixtures/` (recursively) must.

mod common;

use common::schema::{assert_valid, errors, schema, schema_path};
use mxray::evidence::domain::{
    DkimEvidence, DkimSelector, DmarcEvidence, DomainEvidence, DomainSettings, MxEvidence, MxHost,
    SpfEvidence, SpfNode, TermLookup,
};
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

/// A CA and a leaf for `host` it signed, DER, leaf first.
fn chain(host: &str) -> Vec<Vec<u8>> {
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca, ca_key);
    let key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec![host.to_string()]).unwrap();
    let leaf = leaf.signed_by(&key, &issuer).unwrap();
    vec![leaf.der().to_vec(), ca_cert.der().to_vec()]
}

fn ehlo_capabilities(server_name: &str) -> Capabilities {
    Capabilities {
        via: "ehlo".into(),
        raw: vec![
            server_name.into(),
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

/// Port 25 of `host` with every optional field set and every kind of phase outcome.
/// One phase of every kind of outcome, in dialogue order.
fn every_outcome() -> Vec<Phase> {
    vec![
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
    ]
}

/// Legacy attempts accepted, refused by an alert and cut off by the budget.
fn legacy_tls(chain: Vec<mxray::evidence::Certificate>) -> LegacyTls {
    LegacyTls {
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
        chain,
        verification: None,
    }
}

/// A refused XOAUTH2 login with its OAuth error and an accepted full-address retry.
fn refused_token_login() -> mxray::evidence::LoginAttempt {
    mxray::evidence::LoginAttempt {
        mechanism: "XOAUTH2".into(),
        initial_response: true,
        offered: vec!["PLAIN".into(), "LOGIN".into(), "XOAUTH2".into()],
        reply: Some(Reply {
            code: Some(535),
            lines: vec!["535 5.7.8 Error: authentication failed".into()],
        }),
        accepted: false,
        oauth_error: Some(r#"{"status":"401","schemes":"bearer"}"#.into()),
        retry: Some(mxray::evidence::UsernameRetry {
            user: "alice@example.com".into(),
            domain_from: "the From address".into(),
            reply: Some(Reply {
                code: Some(235),
                lines: vec!["235 2.7.0 Authentication successful".into()],
            }),
            accepted: true,
        }),
    }
}

fn full_probe(host: &str, address: IpAddr) -> PortProbe {
    let ders = chain(host);
    let tls_chain: Vec<_> = ders.iter().map(|d| cert::parse(d)).collect();
    let mut legacy_chain = tls_chain.clone();
    legacy_chain.push(cert::parse(b"not a certificate"));
    PortProbe {
        address,
        port: 25,
        role: Some(Role::Smtp),
        explicit: false,
        sniffed: Some("the server greeted with an SMTP 220 line".into()),
        phases: every_outcome(),
        greeting: Some(Reply {
            code: Some(220),
            lines: vec![format!("{host} ESMTP Postfix")],
        }),
        capabilities: Some(ehlo_capabilities(host)),
        starttls_reply: Some(Reply {
            code: Some(220),
            lines: vec!["2.0.0 Ready to start TLS".into()],
        }),
        plaintext_after_starttls: true,
        tls: Some(TlsSession {
            mode: TlsMode::Starttls,
            sni: Some(host.into()),
            version: Some("TLSv1.3".into()),
            cipher: Some("TLS13_AES_256_GCM_SHA384".into()),
            chain: tls_chain,
            verification: Some(Verification {
                checked_name: Some(host.into()),
                name_matches: Some(true),
                trusted: false,
                trust_error: Some("invalid peer certificate: UnknownIssuer".into()),
                client_error: Some("invalid peer certificate: UnknownIssuer".into()),
                custom_roots: true,
            }),
            error: Some("received fatal alert: HandshakeFailure".into()),
            peer_spoke_plaintext: true,
            failure: Some(mxray::evidence::HandshakeFailure {
                kind: mxray::evidence::HandshakeFailureKind::Alert,
                alert: Some("handshake_failure".into()),
                first_bytes: "\\x15\\x03\\x03\\x00\\x02\\x02(".into(),
                bytes_received: 7,
            }),
        }),
        capabilities_after_tls: Some(ehlo_capabilities(host)),
        legacy_tls: Some(legacy_tls(legacy_chain)),
        alternate: Some(AlternateMode {
            role: Role::Submissions,
            works: false,
            detail: "the TLS handshake on a fresh connection failed".into(),
        }),
        relay_test: Some(mxray::evidence::RelayTest {
            mail_from: "mxray-relay-test@sender.invalid".into(),
            rcpt_to: "mxray-relay-test@recipient.invalid".into(),
            mail_reply: Reply {
                code: Some(250),
                lines: vec!["250 2.1.0 Ok".into()],
            },
            rcpt_reply: Some(Reply {
                code: Some(554),
                lines: vec!["554 5.7.1 Relay access denied".into()],
            }),
            accepted: false,
        }),
        login: Some(refused_token_login()),
        login_not_tried: Some(mxray::evidence::LoginNotTried {
            reason: mxray::evidence::NotTriedReason::CertificateUnverified,
            detail: "the certificate failed verification (self-signed)".into(),
        }),
        send: Some(mxray::evidence::SendAttempt {
            from: "alice@example.com".into(),
            to: "bob@example.net".into(),
            message_id: "<mxray.1.00@example.com>".into(),
            mail_reply: Some(Reply {
                code: Some(250),
                lines: vec!["250 2.1.0 Ok".into()],
            }),
            rcpt_reply: Some(Reply {
                code: Some(250),
                lines: vec!["250 2.1.5 Ok".into()],
            }),
            data_reply: Some(Reply {
                code: Some(354),
                lines: vec!["354 End data with <CR><LF>.<CR><LF>".into()],
            }),
            final_reply: Some(Reply {
                code: Some(250),
                lines: vec!["250 2.0.0 Ok: queued as 4AbC".into()],
            }),
            accepted: true,
            queue_id: Some("4AbC".into()),
            smtputf8: None,
        }),
        duration_ms: 95,
        transcript: vec![
            line(0, Direction::Note, &format!("connected to {address}:25")),
            line(7, Direction::Server, &format!("220 {host} ESMTP Postfix")),
            line(8, Direction::Client, "EHLO client.example.test"),
            line(14, Direction::Server, &format!("250-{host}")),
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
        relay_test: None,
        login: None,
        login_not_tried: None,
        send: None,
        duration_ms: 1,
        transcript: vec![],
    }
}

/// What `mxray server HOST` records when HOST resolves to `ip` alone: port 25 in full
/// ([`full_probe`]) and port 465 refused ([`bare_probe`]).
fn server_evidence(host: &str, ip: &str) -> ServerEvidence {
    let ip: IpAddr = ip.parse().unwrap();
    let reverse = match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, d] = v4.octets();
            format!("{d}.{c}.{b}.{a}.in-addr.arpa")
        }
        IpAddr::V6(_) => unreachable!("the builder is for IPv4 addresses"),
    };
    let mut aaaa = lookup(host, "AAAA", LookupStatus::Failed, &[]);
    aaaa.error = Some("io error: network unreachable".into());
    ServerEvidence {
        host: host.into(),
        options: ProbeSettings {
            timeout_ms: 5000,
            helo: "client.example.test".into(),
            tls_name: Some(host.into()),
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
            a: Some(lookup(host, "A", LookupStatus::Ok, &[&ip.to_string()])),
            aaaa: Some(aaaa),
            addresses: vec![AddressInfo {
                ip,
                family: Family::Ipv4,
                ptr: lookup(&reverse, "PTR", LookupStatus::Ok, &[host]),
                forward: vec![lookup(host, "A", LookupStatus::Ok, &[&ip.to_string()])],
                fcrdns: Some(true),
            }],
        },
        probes: vec![full_probe(host, ip), bare_probe(ip)],
    }
}

fn evidence() -> ServerEvidence {
    server_evidence("mx.example.test", "192.0.2.25")
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
        // fixtures/server/ holds `server` reports, fixtures/domain/ `domain` ones.
        let dir = path
            .parent()
            .and_then(|p| p.file_name())
            .and_then(|n| n.to_str());
        if let Some(command) = dir.filter(|d| ["server", "domain"].contains(d)) {
            if doc["command"] != command {
                failures.push(format!(
                    "{}: command {} under fixtures/{command}/",
                    path.display(),
                    doc["command"]
                ));
            }
        }
    }
    println!(
        "validated {} saved report(s) under {}",
        files.len(),
        root.display()
    );
    assert!(
        !files.is_empty(),
        "no saved report under {}",
        root.display()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// `mxray domain`

const DOMAIN: &str = "eu.example.test";

/// A 1024-bit RSA public key (SubjectPublicKeyInfo, base64), as a DKIM `p=`.
const RSA_1024_SPKI: &str = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQD2v2NwbHnceZ8EKjs8iBCJLstZTUmh8yiA7fUvViVbhvjBu0l5o7Wj9//DaduhW3WNxLTgOMaFkn0MvDUnOw8lCtGaywlwCGM3vYvD+4Mw+0oAQ+PQYBWWtjYkGhJ6oHAWxh3aQ3gDMaZ0OeC42ivDVs+wTuT9o3eLXykDXOkZlQIDAQAB";

/// A raw ed25519 public key (RFC 8463), base64.
const ED25519_RAW: &str = "wwfXLP/zmHZgXBO6pZVPO5W5b+/wCEZfMw7sprfqb00=";

/// An SPF node as the walk records it: the TXT lookup of `domain`, and its `v=spf1` strings.
fn spf_node(domain: &str, via: &str, status: LookupStatus, txt: &[&str]) -> SpfNode {
    SpfNode {
        domain: domain.into(),
        via: via.into(),
        lookup: lookup(domain, "TXT", status, txt),
        records: txt
            .iter()
            .filter(|t| t.to_ascii_lowercase().starts_with("v=spf1"))
            .map(|t| t.to_string())
            .collect(),
        term_lookups: vec![],
        children: vec![],
        stopped: None,
    }
}

fn term(term: &str, lookups: Vec<Lookup>) -> TermLookup {
    TermLookup {
        term: term.into(),
        lookups,
    }
}

/// root → mx, a:…, include:_spf.google.com (→ two includes), include:spf.mailer… (→ redirect,
/// whose `exists` finds nothing), include with a macro (not followed).
fn spf_tree() -> SpfNode {
    let mut root = spf_node(
        DOMAIN,
        "root",
        LookupStatus::Ok,
        &[
            "google-site-verification=4f1c0ffee",
            "v=spf1 mx a:out.example.test include:_spf.google.com include:spf.mailer.example.net include:%{i}._ip.example.net -all",
        ],
    );
    root.term_lookups = vec![
        term(
            "mx",
            vec![
                lookup(
                    DOMAIN,
                    "MX",
                    LookupStatus::Ok,
                    &["10 mx1.example.test", "20 mx2.example.test"],
                ),
                lookup("mx1.example.test", "A", LookupStatus::Ok, &["192.0.2.25"]),
                lookup(
                    "mx2.example.test",
                    "A",
                    LookupStatus::Ok,
                    &["198.51.100.25"],
                ),
            ],
        ),
        term(
            "a:out.example.test",
            vec![
                lookup("out.example.test", "A", LookupStatus::Ok, &["192.0.2.80"]),
                lookup("out.example.test", "AAAA", LookupStatus::NoRecords, &[]),
            ],
        ),
    ];
    let mut google = spf_node(
        "_spf.google.com",
        "include",
        LookupStatus::Ok,
        &["v=spf1 include:_netblocks.google.com include:_netblocks2.google.com ~all"],
    );
    google.children = vec![
        spf_node(
            "_netblocks.google.com",
            "include",
            LookupStatus::Ok,
            &["v=spf1 ip4:35.190.247.0/24 ip4:64.233.160.0/19 ~all"],
        ),
        spf_node(
            "_netblocks2.google.com",
            "include",
            LookupStatus::Ok,
            &["v=spf1 ip6:2001:4860:4000::/36 ~all"],
        ),
    ];
    let mut mailer = spf_node(
        "spf.mailer.example.net",
        "include",
        LookupStatus::Ok,
        &["v=spf1 redirect=_spf.mailer.example.net"],
    );
    let mut redirect = spf_node(
        "_spf.mailer.example.net",
        "redirect",
        LookupStatus::Ok,
        &["v=spf1 exists:relay.mailer.example.net ip4:198.51.100.0/24 -all"],
    );
    redirect.term_lookups = vec![term(
        "exists:relay.mailer.example.net",
        vec![lookup(
            "relay.mailer.example.net",
            "A",
            LookupStatus::NxDomain,
            &[],
        )],
    )];
    mailer.children = vec![redirect];
    // Exactly what the walk records for a target it does not follow.
    let mut stub = spf_node(
        "%{i}._ip.example.net",
        "include",
        LookupStatus::Skipped,
        &[],
    );
    stub.lookup.duration_ms = 0;
    stub.stopped = Some("the target uses macros, which depend on the sender: not followed".into());
    root.children = vec![google, mailer, stub];
    root
}

/// Every selector mxray guesses for a Google Workspace domain, three of them holding keys.
fn dkim() -> DkimEvidence {
    let found = |selector: &str, source: &str, txt: &str| DkimSelector {
        selector: selector.into(),
        source: source.into(),
        lookup: lookup(
            &format!("{selector}._domainkey.{DOMAIN}"),
            "TXT",
            LookupStatus::Ok,
            &[txt],
        ),
    };
    let rsa = format!("v=DKIM1; k=rsa; p={RSA_1024_SPKI}");
    let ed = format!("v=DKIM1; k=ed25519; p={ED25519_RAW}");
    let mut selectors = vec![found("google", "provider Google Workspace", &rsa)];
    for s in [
        "default",
        "dkim",
        "mail",
        "s1",
        "s2",
        "selector1",
        "selector2",
    ] {
        selectors.push(match s {
            "s1" => found(s, "common", &ed),
            "s2" => found(s, "common", "v=DKIM1; k=rsa; p="),
            _ => DkimSelector {
                selector: s.into(),
                source: "common".into(),
                lookup: lookup(
                    &format!("{s}._domainkey.{DOMAIN}"),
                    "TXT",
                    LookupStatus::NxDomain,
                    &[],
                ),
            },
        });
    }
    DkimEvidence {
        given: false,
        selectors,
    }
}

/// Two MX hosts (the second an alias), each probed; the full SPF tree; DMARC found one level
/// up with an external report address that has not authorised the reports; DKIM keys at
/// guessed selectors; MTA-STS but no TLS-RPT.
fn domain_evidence() -> DomainEvidence {
    let mx_records = ["10 mx1.example.test", "20 mx2.example.test"];
    let servers = [
        ("mx1.example.test", "192.0.2.25"),
        ("mx2.example.test", "198.51.100.25"),
    ]
    .into_iter()
    .map(|(host, ip)| {
        // `mxray domain` probes port 25 only, by default.
        let mut s = server_evidence(host, ip);
        s.options.ports.truncate(1);
        s.probes.truncate(1);
        s
    })
    .collect();
    DomainEvidence {
        dane: vec![mxray::evidence::domain::DaneCheck {
            mx: "mx1.example.test".into(),
            tlsa: lookup_records("_25._tcp.mx1.example.test", "TLSA", &["3 1 1 0c72ac70b745ac19998811b131d662c9ac69dbdbe7cb23e5b514b56664c5d3d6"]),
            authentic_data: true,
        }],
        dnsbl: vec![mxray::evidence::domain::DnsblCheck {
            ip: "192.0.2.10".parse().unwrap(),
            zone: "bl.example.test".into(),
            a: lookup_records("10.2.0.192.bl.example.test", "A", &["127.0.0.2"]),
            txt: Some(lookup_records("10.2.0.192.bl.example.test", "TXT", &["listed for testing"])),
        }],
        domain: DOMAIN.into(),
        options: DomainSettings {
            probe: true,
            resolvers: vec!["system (127.0.0.53:53)".into()],
            timeout_ms: 5000,
        },
        mx: MxEvidence {
            lookup: lookup(DOMAIN, "MX", LookupStatus::Ok, &mx_records),
            hosts: vec![
                MxHost {
                    preference: 10,
                    exchange: "mx1.example.test".into(),
                    cname: None,
                    ip_literal: false,
                },
                MxHost {
                    preference: 20,
                    exchange: "mx2.example.test".into(),
                    cname: Some("relay.hosting.example.net".into()),
                    ip_literal: false,
                },
            ],
            null_mx: false,
        },
        servers,
        spf: SpfEvidence {
            tree: spf_tree(),
            evaluations: vec![mxray::evidence::domain::SpfEvaluation {
                ip: "198.51.100.7".parse().unwrap(),
                mail_from: format!("postmaster@{DOMAIN}"),
                helo: "client.example.test".into(),
                result: "softfail".into(),
                lookups: 3,
                void_lookups: 0,
                path: vec![format!("{DOMAIN}: v=spf1 mx ~all"), "  ~all matches → softfail".into()],
                explanation: None,
            }],
        },
        dmarc: DmarcEvidence {
            lookups: vec![
                lookup(
                    &format!("_dmarc.{DOMAIN}"),
                    "TXT",
                    LookupStatus::NxDomain,
                    &[],
                ),
                lookup(
                    "_dmarc.example.test",
                    "TXT",
                    LookupStatus::Ok,
                    &["v=DMARC1; p=quarantine; pct=50; rua=mailto:dmarc@example.test,mailto:reports@dmarc.example.net; adkim=s"],
                ),
            ],
            report_auth: vec![lookup(
                &format!("{DOMAIN}._report._dmarc.dmarc.example.net"),
                "TXT",
                LookupStatus::NoRecords,
                &[],
            )],
        },
        dkim: dkim(),
        mta_sts: lookup(
            &format!("_mta-sts.{DOMAIN}"),
            "TXT",
            LookupStatus::Ok,
            &["v=STSv1; id=20250601T000000Z"],
        ),
        mta_sts_policy: Some(mxray::evidence::domain::StsFetch {
            url: format!("https://mta-sts.{DOMAIN}/.well-known/mta-sts.txt"),
            address: Some("192.0.2.80".parse().unwrap()),
            status: Some(200),
            content_type: Some("text/plain".into()),
            body: Some("version: STSv1\r\nmode: enforce\r\nmx: mx1.example.test\r\nmax_age: 86400\r\n".into()),
            tls: None,
            error: None,
            duration_ms: 12,
        }),
        tls_rpt: lookup(
            &format!("_smtp._tls.{DOMAIN}"),
            "TXT",
            LookupStatus::NoRecords,
            &[],
        ),
        provider: Some("Google Workspace".into()),
    }
}

/// A report the way `mxray domain` makes one, minus the network: the evidence, then the
/// diagnosis and the summary exactly as the CLI computes them (`app::emit`).
fn diagnosed(evidence: DomainEvidence, ignore: &[&str], fail_on: FailOn) -> Report {
    let target = evidence.domain.clone();
    let body = Body::Domain(Box::new(evidence));
    let mut report = Report::new(body, target, STARTED_AT.into(), 4321);
    let now = report.started_unix().unwrap();
    let mut findings = mxray::diagnose::diagnose(&report.body, now);
    let ignore: Vec<String> = ignore.iter().map(|c| c.to_string()).collect();
    report.summary = finalize(&mut findings, &ignore, fail_on);
    report.findings = findings;
    report
}

fn domain_report() -> Report {
    diagnosed(domain_evidence(), &["tls-rpt.missing"], FailOn::Warning)
}

fn domain_document() -> Value {
    document_of(&domain_report())
}

#[test]
fn full_domain_report_is_valid() {
    let report = domain_report();
    let doc = document_of(&report);
    assert_eq!(doc["command"], "domain");
    let ev = &doc["evidence"];
    // The optional parts are really there.
    assert_eq!(ev["provider"], "Google Workspace");
    assert!(ev["mx"]["hosts"][1].get("cname").is_some());
    assert!(ev["mx"]["hosts"][0].get("cname").is_none());
    let stub = &ev["spf"]["tree"]["children"][2];
    assert!(stub.get("stopped").is_some(), "{stub}");
    assert_eq!(
        ev["spf"]["tree"]["children"][0]["children"][1]["via"],
        "include"
    );
    assert_eq!(
        ev["spf"]["tree"]["children"][1]["children"][0]["via"],
        "redirect"
    );
    assert_eq!(ev["servers"].as_array().unwrap().len(), 2);
    assert!(ev["servers"][0]["probes"][0].get("tls").is_some());
    // Empty `#[serde(default)]` lists are still written.
    assert_eq!(
        ev["spf"]["tree"]["children"][0]["children"][0]["term_lookups"],
        json!([])
    );
    // The diagnosis found things in several areas, server ones included.
    let codes: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    println!("findings: {codes:?}");
    let areas: std::collections::BTreeSet<&str> =
        codes.iter().filter_map(|c| c.split('.').next()).collect();
    assert!(areas.len() >= 4, "findings from too few areas: {codes:?}");
    assert!(
        codes
            .iter()
            .any(|c| c.starts_with("tls.") || c.starts_with("smtp.")),
        "no finding from the MX hosts' probes: {codes:?}"
    );
    assert!(doc["summary"]["ignored"].as_u64().unwrap() >= 1);
    assert_valid(&doc);
    let back: Report = serde_json::from_value(doc).unwrap();
    assert_eq!(back, report);
}

/// A parked domain: null MX, so no server; `-all`; DMARC reject; a given selector that holds
/// no key; no MTA-STS or TLS-RPT; no provider. Every optional field is absent.
fn parked_evidence() -> DomainEvidence {
    let domain = "parked.example.test";
    DomainEvidence {
        dane: Vec::new(),
        dnsbl: Vec::new(),
        domain: domain.into(),
        options: DomainSettings {
            probe: false,
            resolvers: vec!["192.0.2.53".into(), "198.51.100.53".into()],
            timeout_ms: 3000,
        },
        mx: MxEvidence {
            lookup: lookup(domain, "MX", LookupStatus::Ok, &["0 ."]),
            hosts: vec![MxHost {
                preference: 0,
                exchange: ".".into(),
                cname: None,
                ip_literal: false,
            }],
            null_mx: true,
        },
        servers: vec![],
        spf: SpfEvidence {
            tree: spf_node(domain, "root", LookupStatus::Ok, &["v=spf1 -all"]),
            evaluations: Vec::new(),
        },
        dmarc: DmarcEvidence {
            lookups: vec![lookup(
                &format!("_dmarc.{domain}"),
                "TXT",
                LookupStatus::Ok,
                &["v=DMARC1; p=reject;"],
            )],
            report_auth: vec![],
        },
        dkim: DkimEvidence {
            given: true,
            selectors: vec![DkimSelector {
                selector: "mail".into(),
                source: "given".into(),
                lookup: lookup(
                    &format!("mail._domainkey.{domain}"),
                    "TXT",
                    LookupStatus::NxDomain,
                    &[],
                ),
            }],
        },
        mta_sts: lookup(
            &format!("_mta-sts.{domain}"),
            "TXT",
            LookupStatus::NxDomain,
            &[],
        ),
        mta_sts_policy: None,
        tls_rpt: lookup(
            &format!("_smtp._tls.{domain}"),
            "TXT",
            LookupStatus::NxDomain,
            &[],
        ),
        provider: None,
    }
}

#[test]
fn minimal_domain_report_is_valid() {
    let report = diagnosed(parked_evidence(), &[], FailOn::Error);
    let doc = document_of(&report);
    let ev = &doc["evidence"];
    assert!(ev.get("provider").is_none());
    assert!(ev["mx"]["hosts"][0].get("cname").is_none());
    assert!(ev["spf"]["tree"].get("stopped").is_none());
    assert_eq!(ev["servers"], json!([]));
    assert_eq!(ev["dmarc"]["report_auth"], json!([]));
    assert_valid(&doc);
    let back: Report = serde_json::from_value(doc).unwrap();
    assert_eq!(back, report);
}

#[test]
fn domain_variants_are_valid() {
    let mut doc = domain_document();
    let ev = &mut doc["evidence"];
    // An MX host written as an IP literal, and a probe of an IPv6 address.
    ev["mx"]["hosts"][0]["exchange"] = json!("192.0.2.25");
    ev["mx"]["hosts"][0]["ip_literal"] = json!(true);
    ev["servers"][1]["resolution"]["addresses"][0]["ip"] = json!("2001:db8::25");
    ev["servers"][1]["resolution"]["addresses"][0]["family"] = json!("ipv6");
    ev["servers"][1]["probes"][0]["address"] = json!("2001:db8::25");
    // A loop node: looked up, then not followed.
    let looped = json!({
        "domain": DOMAIN,
        "via": "include",
        "lookup": {"name": DOMAIN, "rtype": "TXT", "status": "ok", "records": ["v=spf1 -all"], "duration_ms": 0},
        "records": ["v=spf1 -all"],
        "term_lookups": [],
        "children": [],
        "stopped": "loop: this domain's record is already in the tree"
    });
    ev["spf"]["tree"]["children"][1]["children"][0]["children"] = json!([looped]);
    // A TXT lookup that failed; an upper-case SPF version tag.
    ev["tls_rpt"]["status"] = json!("timeout");
    ev["tls_rpt"]["error"] = json!("request timed out");
    ev["spf"]["tree"]["children"][0]["children"][1]["records"] = json!(["V=SPF1 ~all"]);
    assert_valid(&doc);
}

/// A copy of the valid domain document with one change.
fn domain_mutated(name: &str, change: impl FnOnce(&mut Value)) -> (String, Value) {
    let mut doc = domain_document();
    change(&mut doc);
    (name.to_string(), doc)
}

fn at<'a>(doc: &'a mut Value, pointer: &str) -> &'a mut Value {
    doc.pointer_mut(pointer)
        .unwrap_or_else(|| panic!("no {pointer} in the document"))
}

#[test]
fn broken_domain_reports_are_invalid() {
    let cases = vec![
        domain_mutated("unknown via", |d| {
            *at(d, "/evidence/spf/tree/children/0/via") = json!("exists")
        }),
        domain_mutated("missing mx", |d| {
            object(&mut d["evidence"]).remove("mx");
        }),
        domain_mutated("servers not an array", |d| {
            let first = d["evidence"]["servers"][0].clone();
            d["evidence"]["servers"] = first;
        }),
        domain_mutated("SpfNode child missing domain", |d| {
            object(at(d, "/evidence/spf/tree/children/1")).remove("domain");
        }),
        // Further strictness.
        domain_mutated("SpfNode grandchild missing domain", |d| {
            object(at(d, "/evidence/spf/tree/children/0/children/1")).remove("domain");
        }),
        domain_mutated("SpfNode root via unknown", |d| {
            d["evidence"]["spf"]["tree"]["via"] = json!("Root")
        }),
        domain_mutated("SpfNode without term_lookups", |d| {
            object(&mut d["evidence"]["spf"]["tree"]).remove("term_lookups");
        }),
        domain_mutated("SpfNode children not an array", |d| {
            d["evidence"]["spf"]["tree"]["children"] = json!({});
        }),
        domain_mutated("SpfNode with an unknown property", |d| {
            object(at(d, "/evidence/spf/tree/children/2")).insert("depth".into(), json!(1));
        }),
        domain_mutated("SPF record without v=spf1", |d| {
            d["evidence"]["spf"]["tree"]["records"] = json!(["google-site-verification=x"])
        }),
        domain_mutated("stopped empty", |d| {
            *at(d, "/evidence/spf/tree/children/2/stopped") = json!("")
        }),
        domain_mutated("term lookup without lookups", |d| {
            object(&mut d["evidence"]["spf"]["tree"]["term_lookups"][0]).remove("lookups");
        }),
        domain_mutated("provider null", |d| d["evidence"]["provider"] = Value::Null),
        domain_mutated("cname null", |d| {
            d["evidence"]["mx"]["hosts"][0]["cname"] = Value::Null
        }),
        domain_mutated("MX preference beyond u16", |d| {
            d["evidence"]["mx"]["hosts"][0]["preference"] = json!(70000)
        }),
        domain_mutated("null_mx missing", |d| {
            object(&mut d["evidence"]["mx"]).remove("null_mx");
        }),
        domain_mutated("options without probe", |d| {
            object(&mut d["evidence"]["options"]).remove("probe");
        }),
        domain_mutated("server evidence inside servers broken", |d| {
            d["evidence"]["servers"][0]["probes"][0]["port"] = json!(0)
        }),
        domain_mutated("server evidence inside servers with extra property", |d| {
            object(&mut d["evidence"]["servers"][1]).insert("preference".into(), json!(20));
        }),
        domain_mutated("dmarc without lookups", |d| {
            d["evidence"]["dmarc"]["lookups"] = json!([])
        }),
        domain_mutated("dmarc report_auth missing", |d| {
            object(&mut d["evidence"]["dmarc"]).remove("report_auth");
        }),
        domain_mutated("dkim source unknown", |d| {
            d["evidence"]["dkim"]["selectors"][0]["source"] = json!("guessed")
        }),
        domain_mutated("dkim guessed selector marked given", |d| {
            d["evidence"]["dkim"]["selectors"][1]["source"] = json!("given")
        }),
        domain_mutated("dkim given but a selector guessed", |d| {
            d["evidence"]["dkim"]["given"] = json!(true)
        }),
        domain_mutated("mta_sts not a lookup", |d| {
            d["evidence"]["mta_sts"] = json!("v=STSv1; id=1")
        }),
        domain_mutated("tls_rpt missing", |d| {
            object(&mut d["evidence"]).remove("tls_rpt");
        }),
        domain_mutated("domain evidence under command server", |d| {
            d["command"] = json!("server")
        }),
        domain_mutated("server evidence under command domain", |d| {
            d["evidence"] = d["evidence"]["servers"][0].clone()
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
        "broken domain documents the schema accepts: {passed:?}"
    );
}

/// Every `$defs` entry is used: a type added but never wired in validates nothing.
#[test]
fn every_definition_is_referenced() {
    fn refs(v: &Value, out: &mut std::collections::BTreeSet<String>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    match (k.as_str(), v) {
                        ("$ref", Value::String(r)) => {
                            out.insert(r.trim_start_matches("#/$defs/").to_string());
                        }
                        _ => refs(v, out),
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut used = std::collections::BTreeSet::new();
    refs(schema(), &mut used);
    let unused: Vec<&String> = schema()["$defs"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| !used.contains(*k))
        .collect();
    assert!(unused.is_empty(), "$defs never referenced: {unused:?}");
    let missing: Vec<&String> = used
        .iter()
        .filter(|r| schema()["$defs"].get(r.as_str()).is_none())
        .collect();
    assert!(missing.is_empty(), "$refs to no definition: {missing:?}");
}

fn lookup_records(name: &str, rtype: &str, records: &[&str]) -> mxray::evidence::Lookup {
    mxray::evidence::Lookup {
        name: name.into(),
        rtype: rtype.into(),
        status: mxray::evidence::LookupStatus::Ok,
        records: records.iter().map(|r| r.to_string()).collect(),
        duration_ms: 3,
        error: None,
    }
}
