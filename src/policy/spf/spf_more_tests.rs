//! SPF parser tests, continued: macros, explain strings, lookup counting, real-world records,
//! serde shape and random mutations.

use super::*;

#[test]
fn macro_parts() {
    let (l, t) = (lit, true);
    assert_eq!(
        parts("%{i}._spf.%{d}"),
        [
            mac('i', None, false, ""),
            l("._spf."),
            mac('d', None, false, "")
        ]
    );
    assert_eq!(
        parts("%{ir}.%{v}._spf.%{d2}"),
        [
            mac('i', None, t, ""),
            l("."),
            mac('v', None, false, ""),
            l("._spf."),
            mac('d', Some(2), false, "")
        ]
    );
    assert_eq!(parts("%{l-}"), [mac('l', None, false, "-")]);
    assert_eq!(parts("%{i6r.}"), [mac('i', Some(6), t, ".")]);
    assert_eq!(parts("%{l2r+-}"), [mac('l', Some(2), t, "+-")]);
    assert_eq!(
        parts("%{D2}"),
        [mac('D', Some(2), false, "")],
        "uppercase kept: URL-escape"
    );
    assert_eq!(parts("%{IR.-+,/_=}"), [mac('I', None, t, ".-+,/_=")]);
    assert_eq!(parts("%{d01}"), [mac('d', Some(1), false, "")]);
    assert_eq!(
        parts("%{d99999999999}"),
        [mac('d', Some(u32::MAX), false, "")]
    );
    for letter in "slodiphcrtvSLODIPHCRTV".chars() {
        assert_eq!(
            parts(&format!("%{{{letter}}}")),
            [mac(letter, None, false, "")]
        );
    }
    let spec = domain("a:macro%%percent%_%_space%-url-space.example.com");
    assert_eq!(
        spec.parts,
        [
            l("macro"),
            MacroPart::Escape('%'),
            l("percent"),
            MacroPart::Escape('_'),
            MacroPart::Escape('_'),
            l("space"),
            MacroPart::Escape('-'),
            l("url-space.example.com")
        ]
    );
    assert!(!spec.has_macros);
    assert_eq!(
        spec.literal().as_deref(),
        Some("macro%percent  space%20url-space.example.com")
    );
    assert!(domain("exists:%{i}.example.com").has_macros);
    assert_eq!(domain("exists:%{i}.example.com").literal(), None);
    assert_eq!(
        domain("include:_spf.example.com").literal().as_deref(),
        Some("_spf.example.com")
    );
}

#[test]
fn macro_errors() {
    term_err(
        "exists:%{z}.example.com",
        "unknown macro letter `z` in `%{z}`",
    );
    term_err("a:%{a}.example.com", "unknown macro letter `a`");
    term_err("exists:%(ir).sbl.example.com", "`%(` is not a macro");
    term_err("exists:foo%(ir).sbl.example.com", "`%(` is not a macro");
    term_err("exists:foo%.sbl.example.com", "`%.` is not a macro");
    term_err("exists:foo.example.com%", "lone `%` at the end");
    term_err(
        "exists:%{d0}.example.com",
        "`%{d0}`: the digit transformer must be nonzero",
    );
    term_err("exists:%{ir", "unterminated macro `%{ir`");
    term_err("exists:%{", "unterminated macro `%{`");
    term_err("exists:%{}.example.com", "empty macro `%{}`");
    term_err(
        "exists:%{dr2}.example.com",
        "unexpected `2` in macro `%{dr2}`",
    );
    term_err(
        "exists:%{i:}.example.com",
        "unexpected `:` in macro `%{i:}`",
    );
}

#[test]
fn domain_spec_must_end_in_toplabel_or_macro() {
    for ok_spec in [
        "a:foo.example.xn--zckzah",
        "a:example.com.",
        "a:%{d}",
        "a:%{H}.bar",
        "a:mail.example...com",
        "a:.com",
        "a:%{d}%%",
        "a:x.b-1",
        "a:x.1-2",
        "a:x.123a",
        "a:foo=bar.example.com",
    ] {
        mech(ok_spec);
    }
    term_err("a:foo-bar", "`foo-bar` is not a fully qualified domain");
    term_err("a:museum", "`museum` is not a fully qualified domain");
    term_err("a:museum.", "`museum.` is not a fully qualified domain");
    term_err("a:%{d}.", "`%{d}.` is not a fully qualified domain");
    term_err("a:%{d}com", "`%{d}com` is not a fully qualified domain");
    term_err(
        "a:abc.123",
        "`123` is not a valid top-level label in `abc.123`",
    );
    term_err("a:111.222.33.44", "an IP address goes in `ip4:` or `ip6:`");
    term_err("a:192.0.2.1/24", "an IP address goes in `ip4:` or `ip6:`");
    term_err("a:2001:db8::1", "an IP address goes in `ip4:` or `ip6:`");
    term_err("a:example.-com", "`-com` is not a valid top-level label");
    term_err("mx:example.com-", "`com-` is not a valid top-level label");
    term_err(
        "a:example.com:8080",
        "`com:8080` is not a valid top-level label",
    );
    term_err("mx:foo.a_b", "`a_b` is not a valid top-level label");
}

#[test]
fn exp_only_macros_are_recorded_not_rejected() {
    let r = ok("v=spf1 -all exp=%{r}.example.com");
    assert_eq!(r.exp().unwrap().exp_only_macros(), ['r']);
    assert_eq!(
        domain("a:%{c}.%{T}.%{d}.example.com").exp_only_macros(),
        ['c', 'T']
    );
    assert!(domain("a:%{d}.example.com").exp_only_macros().is_empty());
}

#[test]
fn explain_strings() {
    assert_eq!(
        parse_explain_string("Connections from %{c} not authorized.").unwrap(),
        [
            lit("Connections from "),
            mac('c', None, false, ""),
            lit(" not authorized.")
        ]
    );
    assert!(parse_explain_string("%{l} in implementation").is_ok());
    assert!(parse_explain_string("http://example.com/why.html?l=%{L}").is_ok());
    assert!(parse_explain_string("").unwrap().is_empty());
    assert!(parse_explain_string("The %{x}-files.")
        .unwrap_err()
        .contains("`x`"));
    assert!(parse_explain_string("100%").is_err());
    assert!(parse_explain_string("\u{feff}Explanation").is_err());
}

#[test]
fn lookup_counting_and_accessors() {
    let r = ok(
        "v=spf1 a mx ptr include:a.example.com exists:%{i}.b.example.com ip4:192.0.2.0/24 \
                ip6:2001:db8::/32 all exp=x.example.com foo=bar redirect=c.example.com",
    );
    let counts: Vec<bool> = r.terms.iter().map(Term::counts_lookup).collect();
    let want = [
        true, true, true, true, true, false, false, false, false, false, true,
    ];
    assert_eq!(counts, want);
    assert_eq!(r.lookup_terms(), 6);
    assert_eq!(r.redirect().map(|d| d.text.as_str()), Some("c.example.com"));
    assert_eq!(r.all(), Some(Pass));
    assert_eq!(
        ok("v=spf1 a mx a mx a mx a mx a ptr ip4:1.2.3.4 -all").lookup_terms(),
        10
    );
    assert_eq!(
        ok("v=spf1 a mx a mx a mx a mx a ptr a ip4:1.2.3.4 -all").lookup_terms(),
        11
    );
    let none = ok("v=spf1 ip4:192.0.2.1");
    assert_eq!(
        (none.lookup_terms(), none.redirect(), none.exp(), none.all()),
        (0, None, None, None)
    );
}

#[test]
fn real_world_shapes() {
    let google = ok("v=spf1 include:_spf.google.com ~all");
    assert_eq!(google.lookup_terms(), 1);
    assert_eq!(google.all(), Some(SoftFail));
    let includes: Vec<_> = google
        .mechanisms()
        .filter_map(|m| m.kind.domain())
        .collect();
    assert_eq!(includes.len(), 1);
    assert_eq!(includes[0].literal().as_deref(), Some("_spf.google.com"));

    let microsoft = ok("v=spf1 include:spf.protection.outlook.com -all");
    assert_eq!((microsoft.lookup_terms(), microsoft.all()), (1, Some(Fail)));

    let netblocks = ok(VALID
        .iter()
        .find(|r| r.contains("ip4:35.190.247.0/24"))
        .unwrap());
    let ip4s = netblocks
        .mechanisms()
        .filter(|m| matches!(m.kind, MechKind::Ip4 { .. }));
    assert_eq!((ip4s.count(), netblocks.lookup_terms()), (11, 0));

    let macro_rec = ok("v=spf1 exists:%{i}._spf.%{d} -all");
    let spec = macro_rec
        .mechanisms()
        .next()
        .unwrap()
        .kind
        .domain()
        .unwrap();
    assert!(spec.has_macros);
    assert_eq!(macro_rec.lookup_terms(), 1);
}

#[test]
fn serde_round_trip_and_shape() {
    let r = ok(
        "v=spf1 a:%{d}.example.com/24//64 ip4:192.0.2.0/24 ip6:2001:db8::/32 ~all \
                redirect=x.example.com foo=%%bar",
    );
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(serde_json::from_value::<Record>(v.clone()).unwrap(), r);
    assert_eq!(
        v["terms"][3]["kind"],
        json!({"type": "mechanism", "qualifier": "soft_fail", "kind": {"mechanism": "all"}})
    );
    assert_eq!(
        v["terms"][1]["kind"]["kind"],
        json!({"mechanism": "ip4", "network": "192.0.2.0", "prefix": 24})
    );
    assert_eq!(v["terms"][0]["kind"]["kind"]["cidr6"], 64);
    assert_eq!(
        v["terms"][0]["kind"]["kind"]["domain"]["parts"][0],
        json!({"macro": {"letter": "d", "digits": null, "reverse": false, "delimiters": ""}})
    );
    assert_eq!(v["terms"][4]["kind"]["modifier"], "redirect");
    assert_eq!(
        v["terms"][5]["kind"],
        json!({"type": "modifier", "modifier": "unknown", "name": "foo", "value": "%%bar"})
    );
    let e = err("v=spf1 ip4:1.2.3");
    let back: SyntaxError = serde_json::from_str(&serde_json::to_string(&e).unwrap()).unwrap();
    assert_eq!(back, e);
}

/// xorshift64*: a fixed-seed generator so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const TRICKY: &[&str] = &[
    "v=spf1 a:%{ir}.%{l1r+-}._spf.%{d2}/24//64 -ip6:::ffff:1.2.3.4/96",
    "v=spf1 %{ %{} %{z} % %% %_ %- %{d0} %{d99999999999999999999r.-+,/_=}",
    "v=spf1 ip4:1.2.3.4/ ip4:/24 ip6:/ ip6::::: a/ a// a/// mx//x a:/ ptr:/ include:",
    "v=spf1 redirect= exp= =x 1=2 a=b -a=b redirect=x.com redirect=y.com",
    "V=SPF1\tmx \u{e9}\u{1f600} \0 a:b.c. a:.. a:x.-",
    "v=spf10",
];

const ALPHABET: &[char] = &[
    ' ',
    ' ',
    ' ',
    ':',
    '/',
    '/',
    '=',
    '%',
    '{',
    '}',
    '.',
    '-',
    '+',
    '~',
    '?',
    '_',
    ',',
    'a',
    'l',
    'r',
    'i',
    'd',
    'x',
    'z',
    '0',
    '1',
    '2',
    '3',
    '9',
    '\t',
    '\0',
    'V',
    'I',
    'P',
    '4',
    '6',
    '\u{e9}',
    '\u{feff}',
    '\u{1f600}',
];

fn mutate(rng: &mut Rng, corpus: &[&str]) -> String {
    let mut s: Vec<char> = corpus[rng.below(corpus.len())].chars().collect();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(s.len() + 1);
        match rng.below(6) {
            0 => s.insert(at, ALPHABET[rng.below(ALPHABET.len())]),
            1 => {
                let end = (at + rng.below(8)).min(s.len());
                s.drain(at..end);
            }
            2 if at < s.len() => s[at] = ALPHABET[rng.below(ALPHABET.len())],
            3 => {
                let other: Vec<char> = corpus[rng.below(corpus.len())].chars().collect();
                let from = rng.below(other.len());
                let to = (from + rng.below(16)).min(other.len());
                s.splice(at..at, other[from..to].iter().copied());
            }
            4 => {
                let to = (at + rng.below(12)).min(s.len());
                let chunk: Vec<char> = s[at..to].to_vec();
                s.splice(at..at, chunk);
            }
            _ => s.truncate(at),
        }
    }
    s.into_iter().collect()
}

/// 50,000 mutated records: no panic, and every answer is self-consistent.
#[test]
fn mutations_never_panic() {
    let corpus: Vec<&str> = VALID.iter().chain(TRICKY).copied().collect();
    let mut rng = Rng(0x5EED_5EED_0000_7208);
    let (mut parsed, mut rejected) = (0, 0);
    for i in 0..50_000 {
        let txt = mutate(&mut rng, &corpus);
        let spf = is_spf(&txt);
        let _ = parse_explain_string(&txt);
        match parse(&txt) {
            Ok(r) => {
                assert!(spf, "{txt:?}");
                for t in &r.terms {
                    assert_eq!(
                        txt.get(t.offset..t.offset + t.text.len()),
                        Some(t.text.as_str())
                    );
                    assert!(!t.text.is_empty() && !t.text.contains(' '), "{txt:?}");
                }
                let _ = (r.lookup_terms(), r.redirect(), r.exp(), r.all());
                for d in r.mechanisms().filter_map(|m| m.kind.domain()) {
                    let _ = (d.literal(), d.exp_only_macros());
                }
                parsed += 1;
                if i % 8 == 0 {
                    let json = serde_json::to_string(&r).unwrap();
                    assert_eq!(serde_json::from_str::<Record>(&json).unwrap(), r, "{txt:?}");
                }
            }
            Err(e) => {
                rejected += 1;
                assert_eq!(e.index == 0, !spf, "{txt:?}: {e}");
                if e.index > 0 {
                    let at = txt
                        .get(e.offset..)
                        .unwrap_or_else(|| panic!("{txt:?}: {e}"));
                    assert!(at.starts_with(&e.term), "{txt:?}: {e}");
                }
                assert!(!e.to_string().is_empty());
            }
        }
    }
    assert!(
        parsed > 5_000 && rejected > 5_000,
        "{parsed} parsed, {rejected} rejected"
    );
}
