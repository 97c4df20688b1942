//! Tests for the TLS-RPT record parser.

use super::*;
use crate::policy::mutation::{mutant, Rng};

#[test]
fn records() {
    let r = parse("v=TLSRPTv1; rua=mailto:tlsrpt@example.com").unwrap();
    assert_eq!(r.rua.len(), 1);
    assert_eq!(r.rua[0].scheme, Scheme::Mailto);
    assert_eq!(r.rua[0].address.as_deref(), Some("tlsrpt@example.com"));
    assert_eq!(r.rua[0].host, "example.com");
    let r = parse(
        "v=TLSRPTv1;rua=mailto:a%2Bb@Reports.Example.NET?subject=x , https://reporting.example.com:8443/v1/tlsrpt;",
    )
    .unwrap();
    assert_eq!(r.rua[0].address.as_deref(), Some("a+b@Reports.Example.NET"));
    assert_eq!(r.rua[0].host, "reports.example.net");
    assert_eq!(
        (r.rua[1].scheme, r.rua[1].address.clone()),
        (Scheme::Https, None)
    );
    assert_eq!(r.rua[1].host, "reporting.example.com");
    assert_eq!(r.rua[1].uri, "https://reporting.example.com:8443/v1/tlsrpt");
    let r = parse("v=TLSRPTv1; rua=HTTPS://[2001:db8::1]:443/r, MAILTO:x@example.org.").unwrap();
    assert_eq!(
        (r.rua[0].host.as_str(), r.rua[1].host.as_str()),
        ("[2001:db8::1]", "example.org")
    );
}

#[test]
fn whitespace_and_separators() {
    for txt in [
        "v=TLSRPTv1;rua=mailto:a@example.com",
        "v=TLSRPTv1; rua=mailto:a@example.com;",
        " v = TLSRPTv1 ;\trua = mailto:a@example.com ;; ",
        "v=TLSRPTv1;\r\n rua=mailto:a@example.com",
    ] {
        assert_eq!(parse(txt).unwrap().rua[0].host, "example.com", "{txt:?}");
    }
}

#[test]
fn extensions_kept() {
    let r = parse("v=TLSRPTv1; rua=mailto:a@example.com; x-ext.1=foo").unwrap();
    assert_eq!(
        r.extensions,
        vec![UnknownTag {
            name: "x-ext.1".into(),
            value: "foo".into()
        }]
    );
}

#[test]
fn errors_name_the_problem() {
    for (txt, tag, needle) in [
        ("", Some("v"), "start with"),
        (
            "rua=mailto:a@example.com; v=TLSRPTv1",
            Some("v"),
            "start with",
        ),
        (
            "v=TLSRPTv2; rua=mailto:a@example.com",
            Some("v"),
            "TLSRPTv2",
        ),
        (
            "v=tlsrptv1; rua=mailto:a@example.com",
            Some("v"),
            "expected",
        ),
        (
            "V=TLSRPTv1; rua=mailto:a@example.com",
            Some("v"),
            "start with",
        ),
        ("v=TLSRPTv1", Some("rua"), "missing"),
        (
            "v=TLSRPTv1; RUA=mailto:a@example.com",
            Some("rua"),
            "case-sensitive",
        ),
        ("v=TLSRPTv1; rua=", Some("rua"), "empty"),
        (
            "v=TLSRPTv1; rua=mailto:a@example.com,",
            Some("rua"),
            "empty",
        ),
        ("v=TLSRPTv1; rua=a@example.com", Some("rua"), "mailto:"),
        (
            "v=TLSRPTv1; rua=http://example.com/r",
            Some("rua"),
            "unsupported scheme",
        ),
        (
            "v=TLSRPTv1; rua=mailto:example.com",
            Some("rua"),
            "mail address",
        ),
        (
            "v=TLSRPTv1; rua=mailto:@example.com",
            Some("rua"),
            "mail address",
        ),
        ("v=TLSRPTv1; rua=mailto:a@", Some("rua"), "mail address"),
        ("v=TLSRPTv1; rua=https:example.com", Some("rua"), "//host"),
        ("v=TLSRPTv1; rua=https:///path", Some("rua"), "host"),
        ("v=TLSRPTv1; rua=https://exa mple.com/", Some("rua"), "host"),
        (
            "v=TLSRPTv1; rua=https://example.com:x/",
            Some("rua"),
            "port",
        ),
        (
            "v=TLSRPTv1; rua=mailto:a@example.com; rua=mailto:b@example.com",
            Some("rua"),
            "duplicate",
        ),
        (
            "v=TLSRPTv1; rua=mailto:a@example.com; v=TLSRPTv1",
            Some("v"),
            "duplicate",
        ),
        (
            "v=TLSRPTv1; rua=mailto:a@example.com; ext=",
            Some("ext"),
            "empty",
        ),
        (
            "v=TLSRPTv1; rua=mailto:a@example.com; junk",
            None,
            "tag=value",
        ),
        (
            "v=TLSRPTv1; rua=mailto:a@example.com; _x=1",
            None,
            "tag name",
        ),
    ] {
        let e = parse(txt).expect_err(txt);
        assert_eq!(e.tag.as_deref(), tag, "{txt}: {e}");
        assert!(e.message.contains(needle), "{txt}: {e}");
    }
}

#[test]
fn detection() {
    assert!(is_tls_rpt("v=TLSRPTv1; rua=mailto:a@example.com"));
    assert!(is_tls_rpt("v=TLSRPTv1"));
    assert!(!is_tls_rpt("v=TLSRPTv10; rua=mailto:a@example.com"));
    assert!(!is_tls_rpt("rua=mailto:a@example.com; v=TLSRPTv1"));
    assert!(!is_tls_rpt("v=STSv1; id=1"));
}

#[test]
fn serde_round_trip() {
    let r = parse("v=TLSRPTv1; rua=mailto:a@example.com,https://r.example.com/").unwrap();
    let json = serde_json::to_string(&r).unwrap();
    assert!(
        json.contains("\"scheme\":\"mailto\"") && json.contains("\"scheme\":\"https\""),
        "{json}"
    );
    assert_eq!(serde_json::from_str::<TlsRpt>(&json).unwrap(), r);
}

/// Characters of this record's own syntax, for the mutation test.
const ALPHABET: &[char] = &[
    ';', '=', ',', ':', '/', '@', '%', '[', ']', '?', '#', '.', ' ', '\t', '\r', '\n', 'v', 'x',
    '0', '9', 'é', '€', '🦀', '\u{0}',
];

#[test]
fn random_mutations_never_panic() {
    let corpus = [
        "v=TLSRPTv1; rua=mailto:tlsrpt@example.com",
        "v=TLSRPTv1;rua=mailto:a%2Bb@example.net?subject=x,https://r.example.com:8443/x;ext=1",
        "v=TLSRPTv1; rua=https://[2001:db8::1]:443/r",
    ];
    let mut rng = Rng(0x7157_a7c0_ffee_0101);
    let mut parsed = 0;
    for _ in 0..20_000 {
        let txt = mutant(&mut rng, &corpus, ALPHABET);
        let _ = is_tls_rpt(&txt);
        match parse(&txt) {
            Ok(_) => parsed += 1,
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
    assert!(parsed > 1000, "too few valid mutants: {parsed}");
}
