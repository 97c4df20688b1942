//! Diagnosis from recorded evidence: every report in fixtures/server/ and fixtures/domain/ (real
//! `--save` runs against the rig, re-recorded by fixtures/regenerate.sh) is diagnosed again,
//! offline, and must give exactly the expected codes. The expectations are written here by hand.

mod common;

use mxray::report::Report;
use std::collections::BTreeSet;

/// fixture name → the codes its diagnosis must produce (ignoring none).
const EXPECTED: &[(&str, &[&str])] = &[
    ("clean", &[]),
    ("expired", &["tls.cert-expired"]),
    ("wrongname", &["tls.cert-hostname-mismatch"]),
    ("selfsigned", &["tls.cert-untrusted"]),
    (
        "notls",
        &["smtp.auth-over-plaintext", "tls.starttls-missing"],
    ),
    ("plainauth", &["smtp.auth-over-plaintext"]),
    ("closed", &["net.port-closed"]),
    ("closed-default", &["net.port-closed"]),
    ("legacy", &["tls.legacy-accepted"]),
    ("noptr", &["dns.ptr-missing", "net.port-closed"]),
    ("badptr", &["dns.ptr-mismatch", "net.port-closed"]),
    ("nosuch", &["dns.no-such-host"]),
    ("noaddr", &["dns.no-address"]),
    ("mailbox-plain", &[]),
    ("soon", &["tls.cert-expiring-soon"]),
    ("future", &["tls.cert-not-yet-valid"]),
    ("weakkey", &["tls.handshake-failed", "tls.weak-key"]),
    ("chain", &["tls.chain-incomplete"]),
    ("fullchain", &[]),
    ("banner", &["smtp.banner-name-mismatch"]),
    ("oldtls", &["tls.old-protocol"]),
    (
        "mailbox-plain-v6",
        &["imap.login-over-plaintext", "pop3.login-over-plaintext"],
    ),
];

/// fixtures/domain/ (`mxray domain` against the rig's test domains, tests/servers/README.md):
/// fixture name → the codes its diagnosis must produce.
const EXPECTED_DOMAIN: &[(&str, &[&str])] = &[
    ("good", &[]),
    ("good-noprobe", &[]),
    ("sub-good", &["dmarc.missing"]),
    ("spf11", &["spf.too-many-lookups"]),
    ("spf2", &["spf.multiple-records"]),
    ("plusall", &["spf.permissive-all"]),
    ("qall", &["spf.permissive-all"]),
    ("voids", &["spf.include-broken", "spf.void-lookups"]),
    ("ptr", &["spf.ptr-used"]),
    ("syntax", &["spf.syntax"]),
    ("dnone", &["dmarc.policy-none"]),
    ("dpct", &["dmarc.partial-pct"]),
    ("dext", &["dmarc.report-auth-missing"]),
    ("dextok", &[]),
    ("dnorua", &["dmarc.no-reports"]),
    ("dtwo", &["dmarc.multiple-records"]),
    ("dkim-guessed", &["dkim.not-found"]),
    ("dkim-weak", &["dkim.key-weak"]),
    ("dkim-revoked", &["dkim.revoked"]),
    ("dkim-testing", &["dkim.testing"]),
    ("dkim-missing", &["dkim.not-found"]),
    ("nullmx", &["dns.null-mx"]),
    (
        "cnamemx",
        &["dns.mx-invalid-target", "tls.cert-hostname-mismatch"],
    ),
    ("nomx", &["dns.no-mx", "tls.cert-hostname-mismatch"]),
    ("nxdomain", &["dns.no-such-host"]),
    ("stsbad", &["mta-sts.mx-not-covered"]),
    ("ststest", &["mta-sts.testing-mode"]),
    ("stsbroken", &["mta-sts.policy-invalid"]),
    ("stsdown", &["mta-sts.policy-unreachable"]),
    ("daneok", &["dane.unsigned"]),
    ("danebad", &["dane.tlsa-mismatch", "dane.unsigned"]),
    ("dnsbl", &["dnsbl.listed"]),
];

/// Saved `mxray check` runs (fixtures/regenerate.sh check): the password went to the rig's
/// Postfix through --password-env and must be nowhere in the saved file.
const EXPECTED_CHECK: &[(&str, &[&str])] = &[
    ("send-ok", &[]),
    (
        "sender-not-owned",
        &[
            "auth.sender-not-owned",
            "dkim.not-found",
            "dmarc.missing",
            "spf.missing",
        ],
    ),
    ("recipient-unknown", &["smtp.message-rejected"]),
    ("wrong-password", &["auth.bad-credentials"]),
    ("spf-not-permitted", &["spf.sender-not-permitted"]),
    (
        "ssl-on-587",
        &[
            "auth.login-not-possible",
            "config.security-mismatch",
            "tls.implicit-on-starttls-port",
        ],
    ),
    // No TLS where Postfix takes AUTH only after STARTTLS: the password stayed home.
    ("no-tls-587", &["auth.tls-required"]),
];

/// Fixture names with the finding codes each must diagnose to.
type Expected = &'static [(&'static str, &'static [&'static str])];

/// Each fixtures/ directory with the expected finding codes of each of its files.
const SUITES: &[(&str, Expected)] = &[
    ("server", EXPECTED),
    ("domain", EXPECTED_DOMAIN),
    ("check", EXPECTED_CHECK),
];

fn load_from(dir: &str, name: &str) -> (serde_json::Value, Report) {
    let path = format!("{}/fixtures/{dir}/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let report: Report = serde_json::from_value(value.clone()).unwrap();
    (value, report)
}

#[test]
fn every_fixture_diagnoses_to_its_expected_codes() {
    for (dir, expected) in SUITES {
        for (name, want) in *expected {
            let (value, report) = load_from(dir, name);
            common::schema::assert_valid(&value);
            let kind = match report.body {
                mxray::report::Body::Server(_) => "server",
                mxray::report::Body::Domain(_) => "domain",
                mxray::report::Body::Check(_) => "check",
            };
            assert_eq!(kind, *dir, "fixtures/{dir}/{name}.json is a {kind} report");
            let now = report.started_unix().expect("started_at");
            let got: BTreeSet<String> = mxray::diagnose::diagnose(&report.body, now)
                .into_iter()
                .map(|f| f.code)
                .collect();
            let want: BTreeSet<String> = want.iter().map(|s| s.to_string()).collect();
            assert_eq!(got, want, "fixture {dir}/{name}");
        }
    }
}

#[test]
fn every_fixture_file_has_an_expectation() {
    for (dir, expected) in SUITES {
        let path = format!("{}/fixtures/{dir}", env!("CARGO_MANIFEST_DIR"));
        for entry in std::fs::read_dir(path).unwrap() {
            let name = entry
                .unwrap()
                .file_name()
                .to_string_lossy()
                .trim_end_matches(".json")
                .to_string();
            assert!(
                expected.iter().any(|(n, _)| *n == name),
                "fixtures/{dir}/{name}.json has no expectation"
            );
        }
    }
}

#[test]
fn saved_findings_match_a_fresh_diagnosis() {
    // A diagnosis that drifted from what the fixture recorded means the rules changed:
    // regenerate the fixtures on purpose, or fix the rule.
    for (dir, expected) in SUITES {
        for (name, _) in *expected {
            let (_, report) = load_from(dir, name);
            let now = report.started_unix().unwrap();
            let mut fresh = mxray::diagnose::diagnose(&report.body, now);
            mxray::report::finalize(&mut fresh, &[], mxray::report::FailOn::Error);
            let key = |v: &[mxray::findings::Finding]| {
                v.iter()
                    .map(|f| (f.code.clone(), f.subject.clone(), f.severity))
                    .collect::<Vec<_>>()
            };
            assert_eq!(key(&fresh), key(&report.findings), "fixture {dir}/{name}");
        }
    }
}

#[test]
fn saved_check_runs_hold_no_password() {
    // The rig's fixed passwords, and the base64 forms AUTH PLAIN and LOGIN would carry.
    let secrets = [
        "mxray-rig-alice",
        "mxray-rig-bob",
        "bXhyYXktcmlnLWFsaWNl",
        "bXhyYXktcmlnLWJvYg",
        "AGFsaWNlQG14cmF5LnRlc3QAbXhyYXktcmlnLWFsaWNl",
        "AGJvYkBteHJheS50ZXN0AG14cmF5LXJpZy1ib2",
    ];
    for (name, _) in EXPECTED_CHECK {
        let path = format!("{}/fixtures/check/{name}.json", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap();
        for s in secrets {
            assert!(
                !text.contains(s),
                "{path} holds a password or its encoding ({s})"
            );
        }
        let never_sent = ["spf-not-permitted", "ssl-on-587", "no-tls-587"];
        assert!(text.contains("***") || never_sent.contains(name));
    }
}
