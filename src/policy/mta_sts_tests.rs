//! Tests for the MTA-STS record and policy parsers.

use super::*;
use crate::policy::mutation::{mutant, Rng};

#[test]
fn record() {
    let r = parse_record("v=STSv1; id=20240131T1200;").unwrap();
    assert_eq!(r.id, "20240131T1200");
    assert!(r.extensions.is_empty());
    for txt in [
        "v=STSv1;id=abc",
        " v = STSv1 ; id = abc ; ",
        "v=STSv1;\tid=abc;;",
        "v=STSv1; id=abc; x-ext=1.0",
    ] {
        assert_eq!(parse_record(txt).unwrap().id, "abc", "{txt:?}");
    }
    let r = parse_record("v=STSv1; id=a; foo.bar=baz").unwrap();
    assert_eq!(
        r.extensions,
        vec![UnknownTag {
            name: "foo.bar".into(),
            value: "baz".into()
        }]
    );
    assert_eq!(
        parse_record(&format!("v=STSv1; id={}", "a".repeat(32)))
            .unwrap()
            .id
            .len(),
        32
    );
}

#[test]
fn record_errors() {
    for (txt, tag) in [
        ("", Some("v")),
        ("id=abc; v=STSv1", Some("v")),
        ("v=STSv2; id=abc", Some("v")),
        ("v=stsv1; id=abc", Some("v")),
        ("V=STSv1; id=abc", Some("v")),
        ("v=STSv1", Some("id")),
        ("v=STSv1; ID=abc", Some("id")),
        ("v=STSv1; id=", Some("id")),
        ("v=STSv1; id=ab-c", Some("id")),
        ("v=STSv1; id=abc def", Some("id")),
        ("v=STSv1; id=2024.01", Some("id")),
        ("v=STSv1; id=abc; id=def", Some("id")),
        ("v=STSv1; id=abc; v=STSv1", Some("v")),
        ("v=STSv1; id=abc; ext=", Some("ext")),
        ("v=STSv1; id=abc; junk", None),
        ("v=STSv1; id=abc; _x=1", None),
    ] {
        let e = parse_record(txt).expect_err(txt);
        assert_eq!(e.tag.as_deref(), tag, "{txt}: {e}");
    }
    assert!(parse_record(&format!("v=STSv1; id={}", "a".repeat(33))).is_err());
}

#[test]
fn record_detection() {
    assert!(is_sts_record("v=STSv1; id=1"));
    assert!(is_sts_record("v=STSv1"));
    assert!(!is_sts_record("v=STSv10; id=1"));
    assert!(!is_sts_record("id=1; v=STSv1"));
    assert!(!is_sts_record("v=spf1 -all"));
}

const POLICY: &str = "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmax_age: 604800\r\n";

#[test]
fn policy() {
    let p = parse_policy(POLICY).unwrap();
    assert_eq!(p.version, "STSv1");
    assert_eq!(p.mode, Mode::Enforce);
    assert_eq!(p.max_age, 604_800);
    assert_eq!(p.mx, vec!["mail.example.com", "*.example.net"]);
    assert!(p.duplicate_keys.is_empty() && p.unknown_fields.is_empty());
    // LF endings, no final newline, blank lines, extra spaces, unknown keys, any order.
    let p = parse_policy(
        "max_age:86400\n\n  mode:   testing  \nmx:mx1.example.com\nfoo: bar baz\nversion: STSv1",
    )
    .unwrap();
    assert_eq!((p.mode, p.max_age), (Mode::Testing, 86_400));
    assert_eq!(
        p.unknown_fields,
        vec![UnknownTag {
            name: "foo".into(),
            value: "bar baz".into()
        }]
    );
    // mode none needs no mx.
    let p = parse_policy("version: STSv1\nmode: none\nmax_age: 0\n").unwrap();
    assert_eq!((p.mode, p.max_age, p.mx.len()), (Mode::None, 0, 0));
    assert_eq!(
        parse_policy("version: STSv1\nmode: none\nmax_age: 31557600")
            .unwrap()
            .max_age,
        MAX_AGE_LIMIT
    );
}

#[test]
fn policy_duplicates_keep_the_first() {
    let p = parse_policy("version: STSv1\nmode: testing\nmode: enforce\nmode: bogus\nmx: a.example\nmax_age: 5\nmax_age: 6").unwrap();
    assert_eq!((p.mode, p.max_age), (Mode::Testing, 5));
    assert_eq!(p.duplicate_keys, vec!["mode", "max_age"]);
}

#[test]
fn policy_errors() {
    for (text, line, key) in [
        ("", None, Some("version")),
        (
            "mode: enforce\nmx: a.example\nmax_age: 1",
            None,
            Some("version"),
        ),
        (
            "version: STSv1\nmx: a.example\nmax_age: 1",
            None,
            Some("mode"),
        ),
        (
            "version: STSv1\nmode: enforce\nmx: a.example",
            None,
            Some("max_age"),
        ),
        (
            "version: STSv1\nmode: enforce\nmax_age: 1",
            None,
            Some("mx"),
        ),
        (
            "version: STSv1\nmode: testing\nmax_age: 1",
            None,
            Some("mx"),
        ),
        (
            "version: STSv2\nmode: none\nmax_age: 1",
            Some(1),
            Some("version"),
        ),
        (
            "version: STSv1\nmode: Enforce\nmax_age: 1",
            Some(2),
            Some("mode"),
        ),
        (
            "version: STSv1\nmode: report\nmax_age: 1",
            Some(2),
            Some("mode"),
        ),
        (
            "version: STSv1\nmode: none\nmax_age: 31557601",
            Some(3),
            Some("max_age"),
        ),
        (
            "version: STSv1\nmode: none\nmax_age: 99999999999",
            Some(3),
            Some("max_age"),
        ),
        (
            "version: STSv1\nmode: none\nmax_age: -1",
            Some(3),
            Some("max_age"),
        ),
        (
            "version: STSv1\nmode: none\nmax_age: 1d",
            Some(3),
            Some("max_age"),
        ),
        (
            "version: STSv1\nmode: none\nmax_age:",
            Some(3),
            Some("max_age"),
        ),
        (
            "version: STSv1\nmode: enforce\nmax_age: 1\nmx: *",
            Some(4),
            Some("mx"),
        ),
        (
            "version: STSv1\nmode: enforce\nmax_age: 1\nmx: a.*.example",
            Some(4),
            Some("mx"),
        ),
        (
            "version: STSv1\nmode: enforce\nmax_age: 1\nmx: mail example.com",
            Some(4),
            Some("mx"),
        ),
        (
            "version: STSv1\nmode: enforce\nmax_age: 1\nmx: a..example",
            Some(4),
            Some("mx"),
        ),
        (
            "version: STSv1\nmode: enforce\nmax_age: 1\nmx: -a.example",
            Some(4),
            Some("mx"),
        ),
        (
            "version: STSv1\nmode: enforce\nmax_age: 1\nmx:",
            Some(4),
            Some("mx"),
        ),
        ("version: STSv1\nmode=enforce\nmax_age: 1", Some(2), None),
        ("version: STSv1\n<html>: x\nmax_age: 1", Some(2), None),
        (
            "\u{feff}version: STSv1\nmode: none\nmax_age: 1",
            Some(1),
            None,
        ),
    ] {
        let e = parse_policy(text).expect_err(text);
        assert_eq!((e.line, e.key.as_deref()), (line, key), "{text:?}: {e}");
    }
    let e = parse_policy("Version: STSv1\nmode: none\nmax_age: 1").unwrap_err();
    assert!(e.message.contains("case-sensitive"), "{e}");
    assert_eq!(
        e.to_string(),
        "version: required key version is missing (keys are case-sensitive)"
    );
    let e = parse_policy("version: STSv1\nmode: none\nmax_age: x").unwrap_err();
    assert!(e.to_string().starts_with("line 3: max_age: "), "{e}");
}

#[test]
fn mx_matching() {
    for (pattern, host) in [
        ("mail.example.com", "mail.example.com"),
        ("mail.example.com", "MAIL.Example.COM."),
        ("mail.example.com.", "mail.example.com"),
        ("*.example.com", "mx1.example.com"),
        ("*.Example.COM", "MX1.example.com."),
        ("*.example.com.", "mx1.example.com"),
    ] {
        assert!(mx_matches(pattern, host), "{pattern} ~ {host}");
    }
    for (pattern, host) in [
        ("mail.example.com", "example.com"),
        ("mail.example.com", "a.mail.example.com"),
        ("*.example.com", "example.com"),
        ("*.example.com", "a.b.example.com"),
        ("*.example.com", "mxexample.com"),
        ("*.example.com", ".example.com"),
        ("*.example.com", "*.example.com"),
        ("*.", "a."),
        ("*", "a"),
        ("a.*.com", "a.b.com"),
        ("", ""),
        ("", "."),
        ("mail.example.com", ""),
        ("*.example.com", "a..example.com"),
    ] {
        assert!(!mx_matches(pattern, host), "{pattern} !~ {host}");
    }
    let p = parse_policy(POLICY).unwrap();
    assert!(p.allows_mx("mail.example.com") && p.allows_mx("mx2.example.net"));
    assert!(!p.allows_mx("example.net") && !p.allows_mx("mail.example.org"));
}

#[test]
fn serde_round_trip() {
    let p = parse_policy(POLICY).unwrap();
    let json = serde_json::to_string(&p).unwrap();
    assert!(json.contains("\"mode\":\"enforce\""), "{json}");
    assert_eq!(serde_json::from_str::<StsPolicy>(&json).unwrap(), p);
    let r = parse_record("v=STSv1; id=1").unwrap();
    assert_eq!(
        serde_json::from_str::<StsRecord>(&serde_json::to_string(&r).unwrap()).unwrap(),
        r
    );
}

/// Characters of this record's own syntax, for the mutation test.
const ALPHABET: &[char] = &[
    ';', '=', ':', '.', '*', ' ', '\t', '\r', '\n', 'v', 'x', 'e', '0', '9', '-', '_', 'é', '€',
    '🦀', '\u{0}', '\u{feff}',
];

#[test]
fn random_mutations_never_panic() {
    let records = ["v=STSv1; id=20240131T1200;", "v=STSv1;id=abc;ext.v=1"];
    let policies = [
        POLICY,
        "version: STSv1\nmode: testing\nmx: *.example.com\nmax_age: 86400\n",
        "version: STSv1\nmode: none\nmax_age: 0",
    ];
    let hosts = [
        "mail.example.com",
        "*.example.com",
        "a.b.example.net.",
        "*.",
        "",
    ];
    let mut rng = Rng(0x57a7_1c5e_ed00_0042);
    let (mut records_ok, mut policies_ok) = (0, 0);
    for round in 0..20_000 {
        let corpus: &[&str] = match round % 3 {
            0 => &records,
            1 => &policies,
            _ => &hosts,
        };
        let text = mutant(&mut rng, corpus, ALPHABET);
        match round % 3 {
            0 => records_ok += usize::from(parse_record(&text).is_ok()),
            1 => match parse_policy(&text) {
                Ok(p) => {
                    policies_ok += 1;
                    let _ = p.allows_mx(&text);
                }
                Err(e) => {
                    let _ = e.to_string();
                }
            },
            _ => {
                let other = hosts[rng.below(hosts.len())];
                let _ = (
                    mx_matches(&text, other),
                    mx_matches(other, &text),
                    mx_matches(&text, &text),
                );
            }
        }
    }
    assert!(
        records_ok > 300 && policies_ok > 100,
        "too few valid mutants: {records_ok} records, {policies_ok} policies"
    );
}
