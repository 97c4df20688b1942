//! Tests for the SPF parser: RFC 7208 examples, the RFC 7208 test suite's syntax cases, real-world
//! records, every error with its exact term and offset, and a fixed-seed mutation run.

use super::*;
use serde_json::json;
use Qualifier::{Fail, Neutral, Pass, SoftFail};

fn ok(txt: &str) -> Record {
    parse(txt).unwrap_or_else(|e| panic!("{txt:?} should parse: {e}"))
}

fn err(txt: &str) -> SyntaxError {
    match parse(txt) {
        Ok(r) => panic!("{txt:?} should not parse: {r:?}"),
        Err(e) => e,
    }
}

/// The error is at term `index` (0 = version), byte `offset`, on `term`, and mentions `needle`.
fn err_at(txt: &str, index: usize, offset: usize, term: &str, needle: &str) {
    let e = err(txt);
    assert_eq!(
        (e.index, e.offset, e.term.as_str()),
        (index, offset, term),
        "{txt:?}: {e}"
    );
    assert!(
        e.message.contains(needle),
        "{txt:?}: {e}\n  wanted {needle:?}"
    );
}

/// A record with this single term is rejected, with `needle` in the message.
fn term_err(term: &str, needle: &str) {
    err_at(&format!("v=spf1 {term}"), 1, 7, term, needle);
}

/// The kind of the single term of `v=spf1 <term>`.
fn only(term: &str) -> TermKind {
    let r = ok(&format!("v=spf1 {term}"));
    assert_eq!(r.terms.len(), 1, "{term:?}");
    r.terms[0].kind.clone()
}

fn mech(term: &str) -> Mechanism {
    match only(term) {
        TermKind::Mechanism(m) => m,
        other => panic!("{term:?} is not a mechanism: {other:?}"),
    }
}

fn modifier(term: &str) -> Modifier {
    match only(term) {
        TermKind::Modifier(m) => m,
        other => panic!("{term:?} is not a modifier: {other:?}"),
    }
}

/// `(domain text, cidr4, cidr6)` of an `a` or `mx` term.
fn a_mx(term: &str) -> (Option<String>, Option<u8>, Option<u8>) {
    match mech(term).kind {
        MechKind::A {
            domain,
            cidr4,
            cidr6,
        }
        | MechKind::Mx {
            domain,
            cidr4,
            cidr6,
        } => (domain.map(|d| d.text), cidr4, cidr6),
        other => panic!("{term:?}: {other:?}"),
    }
}

/// The parts of the domain-spec of `exists:<spec>`.
fn parts(spec: &str) -> Vec<MacroPart> {
    domain(&format!("exists:{spec}")).parts
}

fn domain(term: &str) -> DomainSpec {
    match only(term) {
        TermKind::Mechanism(m) => m.kind.domain().cloned().expect("a domain"),
        TermKind::Modifier(Modifier::Redirect { domain } | Modifier::Exp { domain }) => domain,
        other => panic!("{term:?}: {other:?}"),
    }
}

fn lit(s: &str) -> MacroPart {
    MacroPart::Literal(s.to_string())
}

fn mac(letter: char, digits: Option<u32>, reverse: bool, delimiters: &str) -> MacroPart {
    MacroPart::Macro {
        letter,
        digits,
        reverse,
        delimiters: delimiters.to_string(),
    }
}

/// Records that must parse: RFC 7208 appendix A and §7.4 examples, the RFC 7208 test suite's
/// valid records, and published real-world shapes.
const VALID: &[&str] = &[
    "v=spf1 +all",
    "v=spf1 a -all",
    "v=spf1 a:example.org -all",
    "v=spf1 mx -all",
    "v=spf1 mx:example.org -all",
    "v=spf1 mx mx:example.org -all",
    "v=spf1 mx/30 -all",
    "v=spf1 mx/30 mx:example.org/30 -all",
    "v=spf1 ptr -all",
    "v=spf1 ip4:192.0.2.128/28 -all",
    "v=spf1 include:example.com include:example.net -all",
    "v=spf1 redirect=example.org",
    "v=spf1 mx -all exp=explain._spf.%{d}",
    "v=spf1 -include:ip4._spf.%{d} -include:ptr._spf.%{d} +all",
    "v=spf1 -ip4:192.0.2.0/24 +all",
    "v=spf1 -ptr +all",
    "v=spf1 exists:%{ir}.%{v}._spf.%{d2}",
    "v=spf1 exists:%{lr-}.lp._spf.%{d2}",
    "v=spf1 exists:%{lr-}.lp.%{ir}.%{v}._spf.%{d2}",
    "v=spf1 exists:%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}",
    "v=spf1 exists:%{d2}.trusted-domains.example.net",
    "v=spf1 a:%{s} a:%{o} a:%{d4} a:%{d3} a:%{dr} a:%{d2r} a:%{l} a:%{l-} a:%{lr} a:%{l1r-}",
    "v=spf1 include:_spf.google.com ~all",
    "v=spf1 redirect=_spf.google.com",
    "v=spf1 include:_netblocks.google.com include:_netblocks2.google.com \
     include:_netblocks3.google.com ~all",
    "v=spf1 ip4:35.190.247.0/24 ip4:64.233.160.0/19 ip4:66.102.0.0/20 ip4:66.249.80.0/20 \
     ip4:72.14.192.0/18 ip4:74.125.0.0/16 ip4:108.177.8.0/21 ip4:173.194.0.0/16 \
     ip4:209.85.128.0/17 ip4:216.58.192.0/19 ip4:216.239.32.0/19 ~all",
    "v=spf1 ip6:2001:4860:4000::/36 ip6:2404:6800:4000::/36 ip6:2607:f8b0:4000::/36 \
     ip6:2800:3f0:4000::/36 ip6:2a00:1450:4000::/36 ip6:2c0f:fb50:4000::/36 ~all",
    "v=spf1 include:spf.protection.outlook.com -all",
    "v=spf1 ip4:40.92.0.0/15 ip4:40.107.0.0/16 ip4:52.100.0.0/15 ip4:52.102.0.0/16 \
     ip4:104.47.0.0/17 ip6:2a01:111:f400::/48 ip6:2a01:111:f403::/49 \
     include:spfd.protection.outlook.com -all",
    "v=spf1 include:amazonses.com ~all",
    "v=spf1 include:mailgun.org include:sendgrid.net include:servers.mcsv.net ?all",
    "v=spf1 a mx include:_spf.example.com exists:%{i}._spf.%{d} -all",
    "v=spf1 include:%{ir}.%{v}.%{d}.spf.has.pphosted.com ~all",
    "v=spf1 mx -exists:%{ir}.sbl.example.org include:example.net -all",
    "v=spf1 moo.cow-far_out=man:dog/cat ip4:1.2.3.4 -all",
    "v=spf1 a:foo.example.xn--zckzah -all",
    "v=spf1 a:mail.example...com -all",
    "v=spf1 a:%{H}.bar -all",
    "v=spf1 a:foo:bar/baz.example.com",
    "v=spf1 mx:foo.example.com/24",
    "v=spf1 a/24//64 -all",
    "v=spf1 a//33 -all",
    "v=spf1 -ip4:1.2.3.4 ip6:::FFFF:1.2.3.4",
    "v=spf1 ip6:Cafe:Babe:8000::/33",
    "v=spf1 redirect=%{d}.d.spf.example.com.",
    "v=spf1 include:o.spf.example.com. ~all",
    "v=spf1 -all exp=%{r}.example.com",
    "v=spf1 -all exp=msg8.%{D2}",
    "v=spf1 -include:_spfh.%{d2} ip4:1.2.3.0/24 -all",
    "v=spf1 exists:%{i}.%{l2r-}.user.%{d2}",
    "v=spf1 exists:%{l2r+-}.user.%{d2}",
    "v=spf1 a:macro%%percent%_%_space%-url-space.example.com -all",
    "v=spf1 ptr:fe.example.org ptr:sgp.example.com exp=_expspf.example.org -all",
    "v=spf1 a mx a mx a mx a mx a ptr ip4:1.2.3.4 -all",
    "v=spf1 default=pass",
    "v=spf1 default=+",
    "V=sPf1 +all",
    "v=SpF1 ~all",
    "v=spf1",
    "v=spf1 a  -all",
    "v=spf1 a -all ",
];

#[test]
fn valid_records_parse_and_terms_point_into_the_text() {
    for txt in VALID {
        let r = ok(txt);
        let words: Vec<&str> = txt.split(' ').filter(|w| !w.is_empty()).skip(1).collect();
        let texts: Vec<&str> = r.terms.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(texts, words, "{txt:?}");
        for t in &r.terms {
            assert_eq!(&txt[t.offset..t.offset + t.text.len()], t.text, "{txt:?}");
        }
    }
}

#[test]
fn is_spf_follows_section_4_5() {
    for yes in [
        "v=spf1",
        "v=spf1 ",
        "V=SPF1 -all",
        "v=SpF1 ~all",
        "v=spf1  mx",
    ] {
        assert!(is_spf(yes), "{yes:?}");
    }
    let no = [
        "",
        "v=spf",
        "v=spf10",
        "v=spf1\t-all",
        " v=spf1 -all",
        "v=spf2 -all",
        "v=spf1-all",
        "spf2.0/pra -all",
        "v=spf1\u{e9}",
        "\u{e9}v=spf1",
        "v=DMARC1; p=none",
    ];
    for no in no {
        assert!(!is_spf(no), "{no:?}");
    }
}

#[test]
fn version_errors_are_term_zero() {
    err_at("v=spf10", 0, 0, "v=spf10", "exactly `v=spf1`");
    err_at("v=spf10 mx -all", 0, 0, "v=spf10", "exactly `v=spf1`");
    err_at("v=spf1\tmx -all", 0, 0, "v=spf1", "not a tab");
    err_at("  v=spf1 -all", 0, 0, "v=spf1", "whitespace before");
    err_at("", 0, 0, "", "not an SPF record");
    err_at("v=DMARC1; p=none", 0, 0, "v=DMARC1;", "not an SPF record");
    err_at("spf2.0/pra -all", 0, 0, "spf2.0/pra", "not an SPF record");
    err_at(
        "v=spf3 !a:yahoo.com -all",
        0,
        0,
        "v=spf3",
        "not an SPF record",
    );
}

#[test]
fn empty_records_spacing_and_offsets() {
    assert!(ok("v=spf1").terms.is_empty());
    assert!(ok("V=SPF1   ").terms.is_empty());
    let r = ok("v=spf1  a   mx -all ");
    let got: Vec<_> = r
        .terms
        .iter()
        .map(|t| (t.text.as_str(), t.offset))
        .collect();
    assert_eq!(got, [("a", 8), ("mx", 12), ("-all", 15)]);
    // Term numbers count terms, not spaces.
    err_at("v=spf1   a    foo", 2, 14, "foo", "unknown mechanism `foo`");
}

#[test]
fn only_spaces_separate_terms() {
    err_at(
        "v=spf1 a\t-all",
        1,
        7,
        "a\t-all",
        "separated by spaces only",
    );
    err_at("v=spf1 a -all\t", 2, 9, "-all\t", "tab in the term");
    err_at(
        "v=spf1 a:ctrl.example.com\rptr -all",
        1,
        7,
        "a:ctrl.example.com\rptr",
        "U+000D",
    );
    err_at(
        "v=spf1 a:foo.example.com\0",
        1,
        7,
        "a:foo.example.com\0",
        "U+0000 at byte 24",
    );
    let bom = "a:\u{feff}garbage.example.net";
    err_at(&format!("v=spf1 {bom} -all"), 1, 7, bom, "U+FEFF at byte 9");
    err_at(
        "v=spf1 a:example.net \u{96}all",
        2,
        21,
        "\u{96}all",
        "U+0096",
    );
    err_at(
        "v=spf1 \u{80}a:example.net -all",
        1,
        7,
        "\u{80}a:example.net",
        "printable ASCII",
    );
}

#[test]
fn display_names_term_offset_and_reason() {
    let e = err("v=spf1 mx a:mail1.com ip4:1.2.3");
    assert_eq!(
        e.to_string(),
        "term 3 `ip4:1.2.3` at byte 22: invalid IPv4 address `1.2.3`"
    );
    assert_eq!(
        err("v=spf1 a\t-all").to_string(),
        "term 1 `a\\t-all` at byte 7: tab in the term: terms are separated by spaces only \
         (RFC 7208 §4.6.1)"
    );
    assert!(err("v=spf10")
        .to_string()
        .starts_with("version `v=spf10` at byte 0: "));
}

#[test]
fn qualifiers() {
    let r = ok("v=spf1 +a -a ~a ?a a");
    let got: Vec<_> = r.mechanisms().map(|m| m.qualifier).collect();
    assert_eq!(got, [Pass, Fail, SoftFail, Neutral, Pass]);
    for q in [Pass, Fail, SoftFail, Neutral] {
        assert_eq!(Qualifier::from_char(q.symbol()), Some(q));
    }
    term_err("-", "missing mechanism name");
    term_err("+:example.com", "missing mechanism name");
    term_err("!a", "unknown mechanism `!a`");
    term_err("--all", "unknown mechanism `-all`");
}

#[test]
fn mechanism_names_are_case_insensitive() {
    let r = ok(
        "v=spf1 A MX:example.com Include:_spf.example.com IP4:192.0.2.1 Ip6:2001:DB8::1 \
                PTR Exists:%{i}.x.example.com -ALL",
    );
    let names: Vec<_> = r.mechanisms().map(|m| m.kind.name()).collect();
    assert_eq!(
        names,
        ["a", "mx", "include", "ip4", "ip6", "ptr", "exists", "all"]
    );
    assert_eq!(r.all(), Some(Fail));
}

#[test]
fn all_takes_nothing() {
    assert_eq!(
        mech("?all"),
        Mechanism {
            qualifier: Neutral,
            kind: MechKind::All
        }
    );
    term_err("all.", "unknown mechanism `all.`");
    term_err("-all:foobar", "`all` takes no argument (found `:foobar`)");
    term_err("-all/8", "`all` takes no argument");
    assert_eq!(
        ok("v=spf1 all -all").all(),
        Some(Pass),
        "the first `all` decides"
    );
}

fn ip4(term: &str) -> (Ipv4Addr, u8) {
    match mech(term).kind {
        MechKind::Ip4 { network, prefix } => (network, prefix),
        other => panic!("{term:?}: {other:?}"),
    }
}

fn ip6(term: &str) -> (Ipv6Addr, u8) {
    match mech(term).kind {
        MechKind::Ip6 { network, prefix } => (network, prefix),
        other => panic!("{term:?}: {other:?}"),
    }
}

#[test]
fn ip4_networks() {
    assert_eq!(ip4("ip4:192.0.2.1"), (Ipv4Addr::new(192, 0, 2, 1), 32));
    assert_eq!(ip4("ip4:192.0.2.0/24"), (Ipv4Addr::new(192, 0, 2, 0), 24));
    assert_eq!(ip4("ip4:1.1.1.1/0"), (Ipv4Addr::new(1, 1, 1, 1), 0));
    assert_eq!(ip4("-ip4:1.2.3.4/32"), (Ipv4Addr::new(1, 2, 3, 4), 32));
    term_err(
        "ip4:1.2.3.4/33",
        "IPv4 prefix length /33 is out of range (0-32)",
    );
    term_err("ip4:1.2.3.4/999", "out of range");
    term_err(
        "ip4:1.2.3.4/032",
        "IPv4 prefix length `032` has a leading zero",
    );
    term_err("ip4:1.2.3.4/", "missing IPv4 prefix length");
    term_err("ip4:1.2.3.4/2x", "invalid IPv4 prefix length `2x`");
    term_err("ip4:1.2.3.4//32", "takes a single `/`");
    term_err("ip4", "`ip4` requires `:` and an IPv4 network");
    term_err("ip4/24", "`ip4` requires `:`");
    term_err("ip4:", "missing IPv4 address after `ip4:`");
    term_err("ip4:1.2.3", "invalid IPv4 address `1.2.3`");
    term_err("ip4:1.2.3.4:8080", "invalid IPv4 address `1.2.3.4:8080`");
    term_err("ip4:01.2.3.4", "invalid IPv4 address `01.2.3.4`");
    term_err("ip4:256.1.1.1", "invalid IPv4 address");
    term_err("ip4:2001:db8::1", "an IPv6 address goes in `ip6:`");
}

#[test]
fn ip6_networks() {
    let v6 = |s: &str| s.parse::<Ipv6Addr>().unwrap();
    assert_eq!(ip6("ip6:2001:db8::/32"), (v6("2001:db8::"), 32));
    assert_eq!(ip6("ip6:2001:DB8::1"), (v6("2001:db8::1"), 128));
    assert_eq!(ip6("ip6:::FFFF:1.2.3.4"), (v6("::ffff:1.2.3.4"), 128));
    assert_eq!(ip6("ip6:::1.1.1.1/0"), (v6("::1.1.1.1"), 0));
    assert_eq!(ip6("ip6:Cafe:Babe:8000::/33"), (v6("cafe:babe:8000::"), 33));
    term_err(
        "ip6:::1.1.1.1/129",
        "IPv6 prefix length /129 is out of range (0-128)",
    );
    term_err("ip6:::1.1.1.1//33", "takes a single `/`");
    term_err("ip6::CAFE::BABE", "invalid IPv6 address `:CAFE::BABE`");
    term_err("ip6:192.0.2.1", "an IPv4 address goes in `ip4:`");
    term_err("ip6:fe80::1%eth0", "invalid IPv6 address");
    err_at(
        "v=spf1 -all ip6",
        2,
        12,
        "ip6",
        "`ip6` requires `:` and an IPv6 network",
    );
}

#[test]
fn a_and_mx_domains_and_dual_cidr() {
    let s = |d: &str| Some(d.to_string());
    assert_eq!(a_mx("a"), (None, None, None));
    assert_eq!(a_mx("a/24"), (None, Some(24), None));
    assert_eq!(a_mx("a//64"), (None, None, Some(64)));
    assert_eq!(a_mx("a/24//64"), (None, Some(24), Some(64)));
    assert_eq!(a_mx("a/0"), (None, Some(0), None));
    assert_eq!(a_mx("a//0"), (None, None, Some(0)));
    assert_eq!(a_mx("a//33"), (None, None, Some(33)));
    assert_eq!(a_mx("a:example.com"), (s("example.com"), None, None));
    assert_eq!(
        a_mx("a:example.com/24//64"),
        (s("example.com"), Some(24), Some(64))
    );
    assert_eq!(
        a_mx("a:foo.123.example.com/24"),
        (s("foo.123.example.com"), Some(24), None)
    );
    assert_eq!(a_mx("a:%{d}/1"), (s("%{d}"), Some(1), None));
    assert_eq!(
        a_mx("a:foo:bar/baz.example.com"),
        (s("foo:bar/baz.example.com"), None, None)
    );
    assert_eq!(a_mx("mx//64"), (None, None, Some(64)));
    assert_eq!(
        a_mx("MX:Example.ORG/30"),
        (s("Example.ORG"), Some(30), None)
    );
    assert!(matches!(mech("mx").kind, MechKind::Mx { .. }));
    term_err("a/33", "IPv4 prefix length /33 is out of range");
    term_err("mx/33", "IPv4 prefix length /33 is out of range");
    term_err("a//129", "IPv6 prefix length /129 is out of range");
    term_err("a/24/64", "malformed CIDR length `/24/64`");
    term_err("mx:example.com/24/64", "malformed CIDR length `/24/64`");
    term_err("a///64", "malformed CIDR length");
    term_err("a/", "missing IPv4 prefix length");
    term_err("a//", "missing IPv6 prefix length");
    term_err("a/024", "leading zero");
    term_err("a/24x", "malformed CIDR length `/24x`");
    term_err("a:", "`a:` needs a domain-spec");
    term_err("a:/24", "`a:` needs a domain-spec");
    term_err("mx:", "`mx:` needs a domain-spec");
    err_at("v=spf1 mx: -all", 1, 7, "mx:", "`mx:` needs a domain-spec");
}

#[test]
fn include_exists_ptr() {
    assert_eq!(domain("include:_spf.google.com").text, "_spf.google.com");
    assert_eq!(domain("exists:mail.example.com").text, "mail.example.com");
    assert_eq!(domain("ptr:example.Com").text, "example.Com");
    assert_eq!(mech("ptr").kind, MechKind::Ptr { domain: None });
    err_at(
        "v=spf1 include +all",
        1,
        7,
        "include",
        "`include` requires `:` and a domain-spec",
    );
    err_at(
        "v=spf1 include: -all",
        1,
        7,
        "include:",
        "`include:` needs a domain-spec",
    );
    term_err("include/24", "`include` requires `:`");
    term_err(
        "include:ip5.example.com/24",
        "`include` takes no CIDR length (found `/24`)",
    );
    term_err("exists", "`exists` requires `:` and a domain-spec");
    term_err("exists:", "`exists:` needs a domain-spec");
    term_err(
        "exists:mail.example.com/24",
        "`exists` takes no CIDR length",
    );
    term_err("ptr/0", "`ptr` takes no CIDR length");
    term_err("ptr:", "`ptr:` needs a domain-spec");
}

#[test]
fn unknown_mechanisms_and_malformed_modifiers() {
    term_err("foo:bar", "unknown mechanism `foo`");
    term_err("foo", "unknown mechanism `foo`");
    term_err("a-foo", "unknown mechanism `a-foo`");
    term_err("moo.cow/far_out=man:dog/cat", "unknown mechanism `moo.cow`");
    term_err("moo.cow:far_out=man:dog/cat", "unknown mechanism `moo.cow`");
    term_err(
        "redirect:t2.example.com",
        "`redirect` is a modifier, written `redirect=domain`",
    );
    term_err("1up=foo", "invalid modifier name `1up`");
    term_err("=all", "missing modifier name before `=`");
    term_err(
        "-redirect=example.com",
        "a qualifier cannot precede the modifier `redirect=`",
    );
    term_err("~foo=bar", "a qualifier cannot precede the modifier `foo=`");
    err_at(
        "v=spf1 ip4:1.2.3.4 -all moo",
        3,
        24,
        "moo",
        "unknown mechanism `moo`",
    );
}

#[test]
fn modifiers() {
    let redirect = |d: &str| Modifier::Redirect {
        domain: domain(&format!("redirect={d}")),
    };
    assert_eq!(
        modifier("redirect=_spf.example.com"),
        redirect("_spf.example.com")
    );
    assert!(matches!(
        modifier("REDIRECT=%{d}.d.spf.example.com."),
        Modifier::Redirect { .. }
    ));
    assert!(matches!(
        modifier("Exp=explain._spf.%{d}"),
        Modifier::Exp { .. }
    ));
    let unknown = |name: &str, value: &str| Modifier::Unknown {
        name: name.to_string(),
        value: value.to_string(),
    };
    assert_eq!(
        modifier("moo.cow-far_out=man:dog/cat"),
        unknown("moo.cow-far_out", "man:dog/cat")
    );
    assert_eq!(modifier("default=+"), unknown("default", "+"));
    assert_eq!(modifier("foo="), unknown("foo", ""));
    assert_eq!(modifier("x=%{d}%%"), unknown("x", "%{d}%%"));
    assert_eq!(
        modifier("v=spf1"),
        unknown("v", "spf1"),
        "a second version is a modifier"
    );
    assert_eq!(
        modifier("ip4=192.0.2.1"),
        unknown("ip4", "192.0.2.1"),
        "as the ABNF says"
    );
    term_err("exp=", "`exp=` needs a domain-spec");
    term_err("redirect=", "`redirect=` needs a domain-spec");
    term_err("redirect=-all", "`-all` is not a fully qualified domain");
    term_err("exp=-all", "`-all` is not a fully qualified domain");
    term_err("foo=%abc", "in the value of `foo=`: `%a` is not a macro");
    term_err("foo=%{z}", "unknown macro letter `z`");
}

#[test]
fn redirect_and_exp_at_most_once() {
    err_at(
        "v=spf1 redirect=e12.example.com -all redirect=e12.example.com",
        3,
        37,
        "redirect=e12.example.com",
        "duplicate `redirect=` (the first is at byte 7)",
    );
    err_at(
        "v=spf1 exp=e13msg.example.com -all exp=e11msg.example.com",
        3,
        35,
        "exp=e11msg.example.com",
        "duplicate `exp=`",
    );
    err_at(
        "v=spf1 redirect=a.example.com REDIRECT=b.example.com",
        2,
        30,
        "REDIRECT=b.example.com",
        "duplicate `redirect=`",
    );
    err_at(
        "v=spf1 REDIRECT=a.example.com redirect=b.example.com",
        2,
        30,
        "redirect=b.example.com",
        "duplicate `redirect=` (the first is at byte 7)",
    );
    let r = ok("v=spf1 exp=x.example.com redirect=y.example.com foo=1 foo=2");
    assert_eq!(r.exp().map(|d| d.text.as_str()), Some("x.example.com"));
    assert_eq!(r.redirect().map(|d| d.text.as_str()), Some("y.example.com"));
}

// Macros, real-world records, serde and mutation tests.
#[path = "spf_more_tests.rs"]
mod more;
