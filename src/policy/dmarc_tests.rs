//! Tests for the DMARC record parser.

use super::*;
use crate::policy::mutation::{mutant, Rng};

fn tag_of(txt: &str) -> Option<String> {
    parse(txt).expect_err(txt).tag
}

#[test]
fn full_record() {
    let d = parse(
        "v=DMARC1; p=reject; sp=quarantine; np=none; adkim=s; aspf=r; pct=50; t=y; psd=n; \
         rua=mailto:agg@example.com,mailto:dmarc@reports.example.net!10m; \
         ruf=mailto:forensic@example.com!512; fo=1:d; rf=afrf; ri=3600",
    )
    .unwrap();
    assert_eq!(d.p, Policy::Reject);
    assert_eq!(d.sp, Some(Policy::Quarantine));
    assert_eq!(d.np, Some(Policy::None));
    assert_eq!((d.adkim, d.aspf), (Alignment::Strict, Alignment::Relaxed));
    assert_eq!(d.pct, 50);
    assert!(d.t);
    assert_eq!(d.psd, Psd::No);
    assert_eq!(d.rua.len(), 2);
    assert_eq!(d.rua[0].address.as_deref(), Some("agg@example.com"));
    assert_eq!(d.rua[0].domain.as_deref(), Some("example.com"));
    assert_eq!(d.rua[0].max_size, None);
    assert_eq!(d.rua[1].uri, "mailto:dmarc@reports.example.net");
    assert_eq!(d.rua[1].domain.as_deref(), Some("reports.example.net"));
    assert_eq!(d.rua[1].max_size, Some(10 * 1024 * 1024));
    assert_eq!(d.ruf[0].max_size, Some(512));
    assert_eq!(d.fo, vec!["1", "d"]);
    assert_eq!(d.rf, vec!["afrf"]);
    assert_eq!(d.ri, Some(3600));
    assert_eq!(d.removed_in_rfc9989, vec!["pct", "rf", "ri"]);
    assert!(d.unknown_tags.is_empty());
}

#[test]
fn defaults() {
    let d = parse("v=DMARC1; p=none").unwrap();
    assert_eq!(d.p, Policy::None);
    assert_eq!((d.sp, d.np), (None, None));
    assert_eq!((d.adkim, d.aspf), (Alignment::Relaxed, Alignment::Relaxed));
    assert_eq!(d.pct, 100);
    assert!(!d.t);
    assert_eq!(d.psd, Psd::Unknown);
    assert!(d.rua.is_empty() && d.ruf.is_empty() && d.fo.is_empty() && d.rf.is_empty());
    assert_eq!(d.ri, None);
    assert!(d.removed_in_rfc9989.is_empty());
}

#[test]
fn inherited_policies() {
    let d = parse("v=DMARC1; p=reject").unwrap();
    assert_eq!(
        (d.subdomain_policy(), d.nonexistent_policy()),
        (Policy::Reject, Policy::Reject)
    );
    let d = parse("v=DMARC1; p=reject; sp=none").unwrap();
    assert_eq!(
        (d.subdomain_policy(), d.nonexistent_policy()),
        (Policy::None, Policy::None)
    );
    let d = parse("v=DMARC1; p=none; sp=none; np=reject").unwrap();
    assert_eq!(
        (d.subdomain_policy(), d.nonexistent_policy()),
        (Policy::None, Policy::Reject)
    );
}

#[test]
fn whitespace_case_and_separators() {
    for txt in [
        "v=DMARC1;p=reject",
        "v=DMARC1; p=reject;",
        "v = DMARC1 ;\tp = reject ; ",
        "  v=DMARC1;  P=REJECT  ;;",
        "v=DMARC1;\r\n p=Reject",
        "V=DMARC1; p=reject",
    ] {
        assert_eq!(parse(txt).unwrap().p, Policy::Reject, "{txt:?}");
    }
    let d = parse("v=DMARC1; p=quarantine; ADKIM=S; Aspf=s; PSD=Y; T=N").unwrap();
    assert_eq!(
        (d.adkim, d.aspf, d.psd, d.t),
        (Alignment::Strict, Alignment::Strict, Psd::Yes, false)
    );
}

#[test]
fn version_rules() {
    assert_eq!(tag_of("p=reject; v=DMARC1"), Some("v".into()));
    assert_eq!(tag_of("v=DMARC2; p=reject"), Some("v".into()));
    assert_eq!(tag_of("v=dmarc1; p=reject"), Some("v".into()));
    assert_eq!(tag_of(""), Some("v".into()));
    assert_eq!(tag_of("v=DMARC1; p=reject; v=DMARC1"), Some("v".into()));
    let e = parse("v=DMARC1 p=reject").unwrap_err();
    assert!(e.message.contains("missing ';'"), "{e}");
}

#[test]
fn is_dmarc_detection() {
    assert!(is_dmarc("v=DMARC1; p=none"));
    assert!(is_dmarc("v=DMARC1"));
    assert!(is_dmarc(" v = DMARC1 ;"));
    assert!(!is_dmarc("v=spf1 -all"));
    assert!(!is_dmarc("p=none; v=DMARC1"));
    assert!(!is_dmarc("v=DMARC10; p=none"));
    assert!(!is_dmarc("v=dmarc1; p=none"));
    assert!(!is_dmarc(""));
}

#[test]
fn missing_and_duplicate_tags() {
    let e = parse("v=DMARC1; rua=mailto:a@example.com").unwrap_err();
    assert_eq!(e.tag.as_deref(), Some("p"));
    assert!(e.message.contains("p=none"));
    assert_eq!(tag_of("v=DMARC1; p=none; p=reject"), Some("p".into()));
    assert_eq!(tag_of("v=DMARC1; p=none; P=none"), Some("p".into()));
    assert_eq!(
        tag_of("v=DMARC1; p=none; rua=mailto:a@b.c; rua=mailto:a@b.c"),
        Some("rua".into())
    );
}

#[test]
fn bad_values_name_the_tag() {
    for (txt, tag) in [
        ("v=DMARC1; p=rejected", "p"),
        ("v=DMARC1; p=", "p"),
        ("v=DMARC1; p=none; sp=block", "sp"),
        ("v=DMARC1; p=none; np=yes", "np"),
        ("v=DMARC1; p=none; adkim=strict", "adkim"),
        ("v=DMARC1; p=none; aspf=", "aspf"),
        ("v=DMARC1; p=none; pct=101", "pct"),
        ("v=DMARC1; p=none; pct=-1", "pct"),
        ("v=DMARC1; p=none; pct=50%", "pct"),
        ("v=DMARC1; p=none; pct=+5", "pct"),
        ("v=DMARC1; p=none; t=true", "t"),
        ("v=DMARC1; p=none; psd=x", "psd"),
        ("v=DMARC1; p=none; fo=2", "fo"),
        ("v=DMARC1; p=none; fo=1::d", "fo"),
        ("v=DMARC1; p=none; rf=", "rf"),
        ("v=DMARC1; p=none; ri=1d", "ri"),
        ("v=DMARC1; p=none; ri=99999999999", "ri"),
        ("v=DMARC1; p=none; rua=", "rua"),
        ("v=DMARC1; p=none; rua=mailto:a@example.com,", "rua"),
        ("v=DMARC1; p=none; ruf=agg@example.com", "ruf"),
        ("v=DMARC1; p=none; rua=mailto:example.com", "rua"),
        ("v=DMARC1; p=none; rua=mailto:@example.com", "rua"),
        ("v=DMARC1; p=none; rua=mailto:a@exa mple.com", "rua"),
        ("v=DMARC1; p=none; rua=mailto:a@example..com", "rua"),
        ("v=DMARC1; p=none; rua=mailto:a@example.com!10x", "rua"),
        ("v=DMARC1; p=none; rua=mailto:a@example.com!", "rua"),
        ("v=DMARC1; p=none; rua=mailto:a@example.com!k", "rua"),
        (
            "v=DMARC1; p=none; rua=mailto:a@example.com!99999999999999999999",
            "rua",
        ),
        (
            "v=DMARC1; p=none; rua=mailto:a@example.com!9999999999999t",
            "rua",
        ),
        ("v=DMARC1; p=none; rua=1mailto:a@example.com", "rua"),
    ] {
        let e = parse(txt).expect_err(txt);
        assert_eq!(e.tag.as_deref(), Some(tag), "{txt}: {e}");
        assert!(e.to_string().starts_with(tag), "{e}");
    }
    let e = parse("v=DMARC1; p=none; rua=dmarc@example.com").unwrap_err();
    assert!(e.message.contains("mailto:"), "{e}");
}

#[test]
fn malformed_segments() {
    let e = parse("v=DMARC1; p=none; reject").unwrap_err();
    assert_eq!(e.tag, None);
    assert!(e.message.contains("reject"));
    assert!(parse("v=DMARC1; p=none; =x").is_err());
    assert!(parse("v=DMARC1; p=none; _ra=x").is_err());
    assert!(parse("v=DMARC1; p=none; r a=x").is_err());
    let d = parse("v=DMARC1; p=none; rua2=x; x_y-z=1").unwrap();
    assert_eq!(d.unknown_tags.len(), 2);
}

#[test]
fn report_uris() {
    let d = parse(
        "v=DMARC1; p=none; rua=mailto:Agg@Example.COM. , mailto:a%2Bb@example.org?subject=x , \
         https://reports.example.com/dmarc, mailto:x@example.net!1G",
    )
    .unwrap();
    assert_eq!(d.rua[0].address.as_deref(), Some("Agg@Example.COM."));
    assert_eq!(d.rua[0].domain.as_deref(), Some("example.com"));
    assert_eq!(d.rua[1].address.as_deref(), Some("a+b@example.org"));
    assert_eq!(d.rua[1].domain.as_deref(), Some("example.org"));
    assert_eq!(d.rua[2].scheme, "https");
    assert_eq!(
        (d.rua[2].address.clone(), d.rua[2].domain.clone()),
        (None, None)
    );
    assert_eq!(d.rua[3].max_size, Some(1 << 30));
    let d = parse("v=DMARC1; p=none; rua=MAILTO:a@example.com!0").unwrap();
    assert_eq!(
        (d.rua[0].scheme.as_str(), d.rua[0].max_size),
        ("mailto", Some(0))
    );
}

#[test]
fn unknown_tags_kept() {
    let d = parse("v=DMARC1; p=none; foo=bar; x=").unwrap();
    assert_eq!(
        d.unknown_tags,
        vec![
            UnknownTag {
                name: "foo".into(),
                value: "bar".into()
            },
            UnknownTag {
                name: "x".into(),
                value: "".into()
            }
        ]
    );
}

#[test]
fn serde_round_trip() {
    let d = parse("v=DMARC1; p=quarantine; psd=y; rua=mailto:a@example.com!5k").unwrap();
    let json = serde_json::to_string(&d).unwrap();
    assert!(
        json.contains("\"p\":\"quarantine\"") && json.contains("\"psd\":\"yes\""),
        "{json}"
    );
    assert_eq!(serde_json::from_str::<Dmarc>(&json).unwrap(), d);
}

#[test]
fn tree_walk_candidates() {
    assert_eq!(org_domain_candidates("example.com"), vec!["example.com"]);
    assert_eq!(
        org_domain_candidates("Mail.Example.COM."),
        vec!["mail.example.com", "example.com"]
    );
    assert_eq!(
        org_domain_candidates("a.b.example.co.uk"),
        vec![
            "a.b.example.co.uk",
            "b.example.co.uk",
            "example.co.uk",
            "co.uk"
        ]
    );
    // RFC 9989 §4.10's example: eight queries, the last of which (_dmarc.com) is left out here.
    assert_eq!(
        org_domain_candidates("a.b.c.d.e.f.g.h.i.j.mail.example.com"),
        vec![
            "a.b.c.d.e.f.g.h.i.j.mail.example.com",
            "g.h.i.j.mail.example.com",
            "h.i.j.mail.example.com",
            "i.j.mail.example.com",
            "j.mail.example.com",
            "mail.example.com",
            "example.com",
        ]
    );
    // Exactly eight labels: shortened to seven.
    let c = org_domain_candidates("1.2.3.4.5.6.example.com");
    assert_eq!(c[1], "2.3.4.5.6.example.com");
    assert_eq!(c.len(), 7);
    // Seven labels: one at a time.
    let c = org_domain_candidates("2.3.4.5.6.example.com");
    assert_eq!(c[1], "3.4.5.6.example.com");
    assert_eq!(org_domain_candidates("com"), vec!["com"]);
    assert!(org_domain_candidates("").is_empty());
    assert!(org_domain_candidates(".").is_empty());
}

#[test]
fn report_authorization_name() {
    assert_eq!(
        report_auth_name("example.com", "thirdparty.example.net"),
        "example.com._report._dmarc.thirdparty.example.net"
    );
    assert_eq!(
        report_auth_name("Example.COM.", "Reports.Example.NET."),
        "example.com._report._dmarc.reports.example.net"
    );
}

/// Characters of this record's own syntax, for the mutation test.
const ALPHABET: &[char] = &[
    ';', '=', ',', ':', '!', '.', '@', ' ', '\t', '\r', '\n', '%', 'v', 'V', 'p', 'k', 'm', 'g',
    't', '0', '1', '9', 'é', '€', '🦀', '\u{0}', '\u{7f}', '*', '-', '_', '/', '?', '+',
];

#[test]
fn random_mutations_never_panic() {
    let corpus = [
        "v=DMARC1; p=reject; sp=quarantine; np=none; adkim=s; aspf=r; pct=50; t=y; psd=n",
        "v=DMARC1; p=none; rua=mailto:agg@example.com,mailto:x@example.net!10m; ruf=mailto:f@example.com!5k",
        "v=DMARC1;p=quarantine;fo=1:d:s;rf=afrf;ri=86400;",
        "v=DMARC1; p=none; rua=mailto:a%2Bb@example.org?subject=x, https://r.example.com/",
        "V = DMARC1 ; P = Reject ; foo = bar ;;",
    ];
    let mut rng = Rng(0x5eed_d3a7_c0ff_ee01);
    let mut parsed = 0;
    for _ in 0..20_000 {
        let txt = mutant(&mut rng, &corpus, ALPHABET);
        let _ = is_dmarc(&txt);
        match parse(&txt) {
            Ok(d) => {
                parsed += 1;
                let _ = (d.subdomain_policy(), d.nonexistent_policy());
                for uri in d.rua.iter().chain(&d.ruf) {
                    if let Some(domain) = &uri.domain {
                        let _ = report_auth_name("example.com", domain);
                    }
                }
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
        let _ = org_domain_candidates(&txt);
    }
    assert!(
        parsed > 1000,
        "the mutations should leave many records valid, got {parsed}"
    );
}
