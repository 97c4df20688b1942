//! End-to-end: `mxray domain` against the rig's test domains (tests/servers/README.md, "Mail
//! domains"): each domain is clean but for one flaw, so each test asserts the exact code set.
//! Run by tests/run.sh; ignored by a plain `cargo test`, which has no rig.

mod common;

use common::rig::{codes, mxray, Rig};
use mxray::evidence::domain::DomainEvidence;
use mxray::findings::{Finding, Severity};
use mxray::report::{Body, Report};

/// `mxray domain DOMAIN --format json EXTRA…` against the rig, schema-checked and decoded.
fn domain_json(domain: &str, extra: &[&str]) -> (Report, i32) {
    let rig = Rig::get();
    let mut args: Vec<String> = vec!["domain".into(), domain.into()];
    args.extend(rig.base_args());
    args.extend(["--format".into(), "json".into()]);
    args.extend(extra.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = mxray(&refs);
    assert!(
        run.code == 0 || run.code == 1,
        "mxray {args:?} exited {}: {}",
        run.code,
        run.stderr
    );
    let value: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", run.stdout));
    common::schema::assert_valid(&value);
    let report: Report = serde_json::from_value(value).expect("decode report");
    assert_eq!(report.target, domain);
    (report, run.code)
}

fn evidence(r: &Report) -> &DomainEvidence {
    match &r.body {
        Body::Domain(ev) => ev,
        _ => panic!("not a domain report"),
    }
}

/// The one finding with `code` (panics when there is none or several).
fn finding<'a>(r: &'a Report, code: &str) -> &'a Finding {
    let all: Vec<&Finding> = r.findings.iter().filter(|f| f.code == code).collect();
    assert_eq!(all.len(), 1, "{code}: {:#?}", r.findings);
    all[0]
}

fn assert_codes(r: &Report, want: &[&str]) {
    assert_eq!(codes(r), want, "findings: {:#?}", r.findings);
}

fn has_evidence(f: &Finding, needle: &str) -> bool {
    f.evidence.iter().any(|e| e.contains(needle))
}

// --- the clean domain -------------------------------------------------------------------------

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn good_domain_has_no_finding_at_all() {
    let (r, code) = domain_json("good.mxray.test", &[]);
    assert_codes(&r, &[]);
    assert_eq!(code, 0);
    let ev = evidence(&r);
    assert!(ev.options.probe);
    assert_eq!(ev.provider, None);
    assert!(!ev.mx.null_mx);
    assert_eq!(ev.mx.hosts.len(), 1);
    assert_eq!(ev.mx.hosts[0].exchange, "mail.mxray.test");
    assert_eq!(ev.mx.hosts[0].cname, None);
    // The MX host probed on port 25 over IPv4 and IPv6, its certificate checked against the MX name.
    assert_eq!(ev.servers.len(), 1);
    let s = &ev.servers[0];
    assert_eq!(s.host, "mail.mxray.test");
    assert_eq!(s.probes.len(), 2, "{:#?}", s.probes);
    for p in &s.probes {
        assert_eq!(p.port, 25);
        let v = p
            .tls
            .as_ref()
            .and_then(|t| t.verification.as_ref())
            .unwrap_or_else(|| panic!("{}: no TLS verification", p.endpoint()));
        assert!(v.trusted && v.name_matches == Some(true), "{v:?}");
    }
    assert_eq!(ev.spf.tree.records, vec!["v=spf1 mx -all".to_string()]);
    assert!(ev.spf.tree.children.is_empty());
    // The key is found at the first common selector, without --dkim-selector.
    assert!(!ev.dkim.given);
    let default = ev
        .dkim
        .selectors
        .iter()
        .find(|s| s.selector == "default")
        .expect("selector default tried");
    assert_eq!(default.source, "common");
    assert!(default.lookup.records[0].starts_with("v=DKIM1; k=rsa; p=MIIBIjAN"));
    assert_eq!(ev.dmarc.lookups.len(), 1, "found at the domain itself");
    assert!(ev.dmarc.report_auth.is_empty(), "rua= in the domain itself");
    assert_eq!(ev.mta_sts.records, vec!["v=STSv1; id=20261123".to_string()]);
    // The policy fetched from the rig's nginx, its certificate valid for the policy host.
    let sts = ev.mta_sts_policy.as_ref().expect("policy fetched");
    assert_eq!(
        sts.url,
        "https://mta-sts.good.mxray.test/.well-known/mta-sts.txt"
    );
    assert_eq!(sts.address, Some("127.0.0.30".parse().unwrap()));
    assert_eq!(sts.error, None);
    assert_eq!(sts.status, Some(200));
    assert_eq!(sts.content_type.as_deref(), Some("text/plain"));
    assert_eq!(
        sts.body.as_deref(),
        Some("version: STSv1\nmode: enforce\nmx: mail.mxray.test\nmx: *.mxray.test\nmax_age: 86400\n")
    );
    let v = sts
        .tls
        .as_ref()
        .and_then(|t| t.verification.as_ref())
        .expect("policy host TLS verified");
    assert!(v.trusted && v.name_matches == Some(true), "{v:?}");
    assert_eq!(
        ev.tls_rpt.records,
        vec!["v=TLSRPTv1; rua=mailto:tls@good.mxray.test".to_string()]
    );
    // No TLSA records at mail.mxray.test, no blocklist asked for.
    assert!(ev.dane.is_empty(), "{:#?}", ev.dane);
    assert!(ev.dnsbl.is_empty(), "{:#?}", ev.dnsbl);
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn good_domain_human_report_passes_every_checked_area() {
    let rig = Rig::get();
    let mut args = vec!["domain".to_string(), "good.mxray.test".into()];
    args.extend(rig.base_args());
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = mxray(&refs);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    let verdict = |area: &str| -> String {
        let line = lines
            .iter()
            .find(|l| l.split_whitespace().next() == Some(area))
            .unwrap_or_else(|| panic!("no summary line for {area}:\n{}", run.stdout));
        line.trim_start()[area.len()..].trim().to_string()
    };
    for area in [
        "MX", "STARTTLS", "SPF", "DKIM", "DMARC", "MTA-STS", "TLS-RPT",
    ] {
        assert_eq!(verdict(area), "PASS", "{area}:\n{}", run.stdout);
    }
    // Nothing to judge (no TLSA records, no blocklist asked for) is said so, never a pass.
    for area in ["DANE", "Blocklists"] {
        let v = verdict(area);
        assert!(
            !["PASS", "FAIL", "WARN", "INFO"].contains(&v.as_str()) && !v.is_empty(),
            "{area}: {v}\n{}",
            run.stdout
        );
    }
    // The SPF section: the tree (one record, its own lookup count) and the totals.
    let spf = lines
        .iter()
        .position(|l| *l == "SPF")
        .unwrap_or_else(|| panic!("no SPF section:\n{}", run.stdout));
    assert_eq!(
        lines[spf + 1],
        "  good.mxray.test (1 lookups) v=spf1 mx -all",
        "{}",
        run.stdout
    );
    assert_eq!(
        lines[spf + 2],
        "  total: 1/10 DNS lookups, 0/2 void lookups"
    );
    assert!(run.stdout.contains("\nHost mail.mxray.test\n"));
    assert!(run
        .stdout
        .contains("_dmarc.good.mxray.test: v=DMARC1; p=reject; rua=mailto:dmarc@good.mxray.test"));
    assert!(run
        .stdout
        .contains("  default._domainkey (common): RSA 2048-bit"));
    assert!(run
        .stdout
        .contains("https://mta-sts.good.mxray.test/.well-known/mta-sts.txt\n    version: STSv1\n    mode: enforce"));
    assert!(run.stdout.contains("No problems found."));
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn no_probe_looks_up_records_but_connects_nowhere() {
    let (r, code) = domain_json("good.mxray.test", &["--no-probe"]);
    assert_codes(&r, &[]);
    assert_eq!(code, 0);
    let ev = evidence(&r);
    assert!(!ev.options.probe);
    assert_eq!(ev.servers.len(), 1);
    assert_eq!(ev.servers[0].host, "mail.mxray.test");
    assert!(
        ev.servers[0].probes.is_empty(),
        "{:#?}",
        ev.servers[0].probes
    );
    // The human summary says so instead of passing STARTTLS.
    let rig = Rig::get();
    let mut args = vec!["domain".to_string(), "good.mxray.test".into()];
    args.extend(rig.base_args());
    args.push("--no-probe".into());
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = mxray(&refs);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>()
                == ["STARTTLS", "not", "checked", "(--no-probe)"]),
        "{}",
        run.stdout
    );
}

// --- SPF --------------------------------------------------------------------------------------

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn spf_with_eleven_lookups_is_over_the_limit() {
    let (r, code) = domain_json("spf11.mxray.test", &[]);
    assert_codes(&r, &["spf.too-many-lookups"]);
    assert_eq!(code, 1);
    let f = finding(&r, "spf.too-many-lookups");
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.subject, "spf11.mxray.test");
    assert!(f.summary.contains("needs 11 DNS lookups"), "{}", f.summary);
    assert!(
        has_evidence(
            f,
            "DNS-querying terms after expanding includes and redirects: 11"
        ),
        "{:?}",
        f.evidence
    );
    // The whole tree, indented, with each record's own count: 2 + 3 + 2 + 4 + 0.
    let tree: Vec<&str> = f
        .evidence
        .iter()
        .skip_while(|e| !e.starts_with("root:"))
        .map(String::as_str)
        .collect();
    assert_eq!(
        tree,
        [
            "root:spf11.mxray.test [2 lookup(s)]",
            "  include:i1.spf11.mxray.test [3 lookup(s)]",
            "    include:i2.spf11.mxray.test [2 lookup(s)]",
            "      include:i3.spf11.mxray.test [4 lookup(s)]",
            "        include:i4.spf11.mxray.test [0 lookup(s)]",
        ]
    );
    // The walk recorded every level, and no lookup of the tree was void.
    let mut n = &evidence(&r).spf.tree;
    for name in ["i1", "i2", "i3", "i4"] {
        assert_eq!(n.children.len(), 1);
        n = &n.children[0];
        assert_eq!(n.domain, format!("{name}.spf11.mxray.test"));
        assert_eq!(n.via, "include");
        assert_eq!(n.records.len(), 1);
    }
    assert!(n.children.is_empty());
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn two_spf_records_are_a_permerror() {
    let (r, code) = domain_json("spf2.mxray.test", &[]);
    assert_codes(&r, &["spf.multiple-records"]);
    assert_eq!(code, 1);
    let f = finding(&r, "spf.multiple-records");
    assert_eq!(f.severity, Severity::Error);
    assert!(has_evidence(f, "v=spf1 mx -all") && has_evidence(f, "v=spf1 ip4:127.0.0.10 -all"));
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn plus_all_is_an_error_and_neutral_all_a_warning() {
    let (r, code) = domain_json("plusall.mxray.test", &[]);
    assert_codes(&r, &["spf.permissive-all"]);
    assert_eq!(code, 1);
    let f = finding(&r, "spf.permissive-all");
    assert_eq!(f.severity, Severity::Error);
    assert!(f.summary.contains("+all"), "{}", f.summary);

    let (r, code) = domain_json("qall.mxray.test", &[]);
    assert_codes(&r, &["spf.permissive-all"]);
    assert_eq!(code, 0, "a warning does not fail by default");
    let f = finding(&r, "spf.permissive-all");
    assert_eq!(f.severity, Severity::Warning);
    assert!(f.summary.contains("?all"), "{}", f.summary);
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn three_void_lookups_are_a_permerror() {
    // RFC 7208 §4.6.4: more than two lookups that find nothing (NXDOMAIN or NODATA) is a
    // PermError; the include of a name without SPF is one too (§5.2), hence two findings.
    let (r, code) = domain_json("voids.mxray.test", &[]);
    assert_codes(&r, &["spf.include-broken", "spf.void-lookups"]);
    assert_eq!(code, 1);
    let v = finding(&r, "spf.void-lookups");
    assert_eq!(v.severity, Severity::Error);
    assert!(v.summary.starts_with("3 lookups"), "{}", v.summary);
    assert_eq!(
        v.evidence,
        [
            "a:nx1.voids.mxray.test → no records",
            "a:noaddr.mxray.test → no records",
            "include:nx2.voids.mxray.test → NXDOMAIN (no such name)",
        ]
    );
    let b = finding(&r, "spf.include-broken");
    assert_eq!(b.severity, Severity::Error);
    assert_eq!(b.subject, "include:nx2.voids.mxray.test");
    assert!(has_evidence(b, "nx2.voids.mxray.test TXT: NXDOMAIN"));
    // The NODATA term: the name exists, with neither A nor AAAA.
    let noaddr = evidence(&r)
        .spf
        .tree
        .term_lookups
        .iter()
        .find(|t| t.term == "a:noaddr.mxray.test")
        .expect("a:noaddr looked up");
    assert_eq!(noaddr.lookups.len(), 2);
    assert!(noaddr
        .lookups
        .iter()
        .all(|l| l.status == mxray::evidence::LookupStatus::NoRecords));
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn ptr_mechanism_is_flagged() {
    let (r, code) = domain_json("ptr.mxray.test", &[]);
    assert_codes(&r, &["spf.ptr-used"]);
    assert_eq!(code, 0);
    let f = finding(&r, "spf.ptr-used");
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(f.evidence, ["ptr"]);
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn spf_syntax_error_points_at_the_term() {
    let (r, code) = domain_json("syntax.mxray.test", &[]);
    assert_codes(&r, &["spf.syntax"]);
    assert_eq!(code, 1);
    let f = finding(&r, "spf.syntax");
    assert_eq!(f.severity, Severity::Error);
    assert!(f.summary.contains("1.2.3"), "{}", f.summary);
    assert!(has_evidence(f, "`ip4:1.2.3`"), "{:?}", f.evidence);
    assert!(has_evidence(f, "v=spf1 mx ip4:1.2.3 -all"));
}

/// An include loop is a permerror for every sender: an error finding, never an SPF pass.
#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn an_include_loop_is_an_error_and_spf_does_not_pass() {
    let (r, code) = domain_json("loop.mxray.test", &["--no-probe"]);
    assert_codes(&r, &["spf.include-loop"]);
    assert_eq!(code, 1);
    let f = finding(&r, "spf.include-loop");
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.subject, "loop.mxray.test");
    assert_eq!(
        f.evidence,
        ["root:loop.mxray.test → include:a.loop.mxray.test → include:loop.mxray.test"]
    );
    let (r, _) = domain_json(
        "loop.mxray.test",
        &["--no-probe", "--sending-ip", "127.0.0.10"],
    );
    assert_eq!(evidence(&r).spf.evaluations[0].result, "permerror");
    assert_codes(&r, &["spf.include-loop", "spf.sender-not-permitted"]);
    let rig = Rig::get();
    let mut args = vec![
        "domain".to_string(),
        "loop.mxray.test".into(),
        "--no-probe".into(),
    ];
    args.extend(rig.base_args());
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = mxray(&refs);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let spf_line = run
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("SPF "));
    assert_eq!(
        spf_line.map(|l| l.split_whitespace().collect::<Vec<_>>()),
        Some(vec!["SPF", "FAIL"]),
        "{}",
        run.stdout
    );
}

/// §7.2: `c`, `r` and `t` outside explanation text make the record a permerror.
#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn explanation_only_macro_letters_in_a_mechanism_are_a_syntax_error() {
    let (r, code) = domain_json(
        "crt.mxray.test",
        &["--no-probe", "--sending-ip", "127.0.0.10"],
    );
    assert_eq!(code, 1);
    let f = finding(&r, "spf.syntax");
    assert_eq!(f.severity, Severity::Error);
    assert!(
        f.summary.contains("`c` in `a:%{c}.crt.mxray.test`"),
        "{}",
        f.summary
    );
    assert_eq!(evidence(&r).spf.evaluations[0].result, "permerror");
    let f = finding(&r, "spf.sender-not-permitted");
    assert!(
        has_evidence(f, "a:%{c}.crt.mxray.test: uses the macro letter(s) `c`, allowed only in explanation text (§7.2) → permerror"),
        "{:?}",
        f.evidence
    );
}

// --- DMARC ------------------------------------------------------------------------------------

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn dmarc_policy_none() {
    let (r, code) = domain_json("dnone.mxray.test", &[]);
    assert_codes(&r, &["dmarc.policy-none"]);
    assert_eq!(code, 0);
    let f = finding(&r, "dmarc.policy-none");
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(f.subject, "_dmarc.dnone.mxray.test");
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn dmarc_partial_pct() {
    let (r, code) = domain_json("dpct.mxray.test", &[]);
    assert_codes(&r, &["dmarc.partial-pct"]);
    assert_eq!(code, 0);
    let f = finding(&r, "dmarc.partial-pct");
    assert_eq!(f.severity, Severity::Warning);
    assert!(f.summary.contains("50%"), "{}", f.summary);
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn dmarc_reports_to_another_domain_need_its_authorization() {
    let (r, code) = domain_json("dext.mxray.test", &[]);
    assert_codes(&r, &["dmarc.report-auth-missing"]);
    assert_eq!(code, 0);
    let f = finding(&r, "dmarc.report-auth-missing");
    assert_eq!(f.severity, Severity::Warning);
    assert!(
        f.summary
            .contains("dext.mxray.test._report._dmarc.rua.test"),
        "{}",
        f.summary
    );
    assert!(has_evidence(
        f,
        "dext.mxray.test._report._dmarc.rua.test TXT: NXDOMAIN"
    ));

    // The same destination, which has published the authorization record.
    let (r, code) = domain_json("dextok.mxray.test", &[]);
    assert_codes(&r, &[]);
    assert_eq!(code, 0);
    let auth = &evidence(&r).dmarc.report_auth;
    assert_eq!(auth.len(), 1);
    assert_eq!(auth[0].name, "dextok.mxray.test._report._dmarc.rua.test");
    assert_eq!(auth[0].records, ["v=DMARC1"]);
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn dmarc_without_rua_asks_for_no_reports() {
    let (r, code) = domain_json("dnorua.mxray.test", &[]);
    assert_codes(&r, &["dmarc.no-reports"]);
    assert_eq!(code, 0);
    assert_eq!(finding(&r, "dmarc.no-reports").severity, Severity::Info);
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn two_dmarc_records() {
    let (r, code) = domain_json("dtwo.mxray.test", &[]);
    // Receivers ignore DMARC altogether: the policies inside (one is p=none) are not judged.
    assert_codes(&r, &["dmarc.multiple-records"]);
    assert_eq!(code, 1);
    let f = finding(&r, "dmarc.multiple-records");
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.evidence.len(), 2);
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn dmarc_tree_walk_finds_the_parent_policy() {
    // sub.good has no _dmarc record; the walk climbs to good.mxray.test (and would go on to
    // mxray.test, which deliberately has none).
    let (r, code) = domain_json("sub.good.mxray.test", &[]);
    assert_codes(&r, &["dmarc.missing"]);
    assert_eq!(code, 0);
    let f = finding(&r, "dmarc.missing");
    assert_eq!(f.severity, Severity::Info);
    assert_eq!(f.evidence, ["found at _dmarc.good.mxray.test"]);
    let names: Vec<&str> = evidence(&r)
        .dmarc
        .lookups
        .iter()
        .map(|l| l.name.as_str())
        .collect();
    assert_eq!(
        names,
        ["_dmarc.sub.good.mxray.test", "_dmarc.good.mxray.test"]
    );
    // The DKIM key reached through a CNAME counts as found.
    assert!(evidence(&r)
        .dkim
        .selectors
        .iter()
        .any(|s| s.selector == "default" && !s.lookup.records.is_empty()));
}

// --- DKIM -------------------------------------------------------------------------------------

fn dkim(selectors: &[&str]) -> (Report, i32) {
    let extra: Vec<&str> = selectors
        .iter()
        .flat_map(|s| ["--dkim-selector", s])
        .collect();
    domain_json("dkim.mxray.test", &extra)
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn dkim_rsa_1024_is_weak() {
    let (r, code) = dkim(&["k1024"]);
    assert_codes(&r, &["dkim.key-weak"]);
    assert_eq!(code, 0);
    let f = finding(&r, "dkim.key-weak");
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(f.subject, "k1024._domainkey.dkim.mxray.test");
    assert!(f.summary.contains("1024-bit"), "{}", f.summary);
    assert_eq!(f.evidence, ["RSA modulus: 1024 bits"]);
    let ev = evidence(&r);
    assert!(ev.dkim.given);
    assert_eq!(
        ev.dkim.selectors.len(),
        1,
        "only the given selector is tried"
    );
    assert_eq!(ev.dkim.selectors[0].source, "given");
}

/// A 64 KB record with a 384,000-bit modulus is fetched (over TCP) and judged unusable: DKIM
/// fails, never passes.
#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn dkim_absurd_key_size_is_invalid_not_a_pass() {
    let (r, code) = domain_json(
        "dkimbig.mxray.test",
        &["--no-probe", "--dkim-selector", "big"],
    );
    assert_codes(&r, &["dkim.key-invalid"]);
    assert_eq!(code, 1);
    let f = finding(&r, "dkim.key-invalid");
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.subject, "big._domainkey.dkimbig.mxray.test");
    assert!(
        f.summary.contains("the RSA key is 384000 bits"),
        "{}",
        f.summary
    );
    assert_eq!(
        f.evidence,
        ["RSA modulus: 384000 bits", "record: 64070 characters"]
    );
    let rig = Rig::get();
    let mut args: Vec<String> = [
        "domain",
        "dkimbig.mxray.test",
        "--no-probe",
        "--dkim-selector",
        "big",
    ]
    .map(String::from)
    .to_vec();
    args.extend(rig.base_args());
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = mxray(&refs);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let line = |p: &str| {
        run.stdout
            .lines()
            .find(|l| l.trim_start().starts_with(p))
            .map(str::trim)
    };
    assert_eq!(line("DKIM "), Some("DKIM        FAIL"), "{}", run.stdout);
    assert_eq!(
        line("big._domainkey"),
        Some("big._domainkey (given): RSA 384000-bit, unusable")
    );
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn dkim_rsa_2048_is_fine() {
    let (r, code) = dkim(&["k2048"]);
    assert_codes(&r, &[]);
    assert_eq!(code, 0);
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn dkim_revoked_key() {
    let (r, code) = dkim(&["revoked"]);
    assert_codes(&r, &["dkim.revoked"]);
    assert_eq!(code, 0);
    let f = finding(&r, "dkim.revoked");
    assert_eq!(f.severity, Severity::Warning, "no valid key beside it");
    assert_eq!(f.subject, "revoked._domainkey.dkim.mxray.test");
    // Next to a valid key, a revoked one is a rotated-out key: information only.
    let (r, _) = dkim(&["k2048", "revoked"]);
    assert_codes(&r, &["dkim.revoked"]);
    assert_eq!(finding(&r, "dkim.revoked").severity, Severity::Info);
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn dkim_testing_flag() {
    let (r, code) = dkim(&["testing"]);
    assert_codes(&r, &["dkim.testing"]);
    assert_eq!(code, 0);
    let f = finding(&r, "dkim.testing");
    assert_eq!(f.severity, Severity::Warning);
    assert!(has_evidence(f, "t=y"));
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn dkim_given_selector_without_key_is_an_error() {
    let (r, code) = dkim(&["nosuch"]);
    assert_codes(&r, &["dkim.not-found"]);
    assert_eq!(code, 1);
    let f = finding(&r, "dkim.not-found");
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.subject, "nosuch._domainkey.dkim.mxray.test");
    assert!(has_evidence(
        f,
        "nosuch._domainkey.dkim.mxray.test TXT: NXDOMAIN"
    ));
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn dkim_nothing_at_the_guessed_selectors_is_information() {
    // dkim.mxray.test's keys sit at selectors no guess tries.
    let (r, code) = domain_json("dkim.mxray.test", &[]);
    assert_codes(&r, &["dkim.not-found"]);
    assert_eq!(code, 0);
    let f = finding(&r, "dkim.not-found");
    assert_eq!(f.severity, Severity::Info);
    assert_eq!(f.subject, "dkim.mxray.test");
    let ev = evidence(&r);
    assert!(!ev.dkim.given);
    assert_eq!(
        ev.dkim.selectors.len(),
        mxray::knowledge::providers::COMMON_SELECTORS.len()
    );
    assert!(has_evidence(f, "selectors tried: default, dkim, mail"));
}

// --- MTA-STS ---------------------------------------------------------------------------------
// The policies come from the rig's nginx on 127.0.0.30:443 (tests/servers/conf/mta-sts/).

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn mta_sts_policy_not_covering_the_mx() {
    // `mx: *.test` stands for exactly one label: it does not cover mail.mxray.test.
    let (r, code) = domain_json("stsbad.mxray.test", &[]);
    assert_codes(&r, &["mta-sts.mx-not-covered"]);
    assert_eq!(code, 1);
    let f = finding(&r, "mta-sts.mx-not-covered");
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.subject, "MX mail.mxray.test");
    assert_eq!(f.evidence, ["policy mx: *.test"]);
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn mta_sts_policy_in_testing_mode() {
    let (r, code) = domain_json("ststest.mxray.test", &[]);
    assert_codes(&r, &["mta-sts.testing-mode"]);
    assert_eq!(code, 0);
    let f = finding(&r, "mta-sts.testing-mode");
    assert_eq!(
        f.subject,
        "https://mta-sts.ststest.mxray.test/.well-known/mta-sts.txt"
    );
    assert_eq!(f.evidence, ["mode: testing"]);
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn mta_sts_policy_without_max_age_is_invalid() {
    let (r, code) = domain_json("stsbroken.mxray.test", &[]);
    assert_codes(&r, &["mta-sts.policy-invalid"]);
    assert_eq!(code, 1);
    let f = finding(&r, "mta-sts.policy-invalid");
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(
        f.subject,
        "https://mta-sts.stsbroken.mxray.test/.well-known/mta-sts.txt"
    );
    assert!(
        f.summary.contains("required key max_age is missing"),
        "{}",
        f.summary
    );
    assert!(has_evidence(f, "mode: enforce"), "{:?}", f.evidence);
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn mta_sts_policy_that_is_not_served() {
    // The policy host answers, over valid TLS, with 404.
    let (r, code) = domain_json("stsdown.mxray.test", &[]);
    assert_codes(&r, &["mta-sts.policy-unreachable"]);
    assert_eq!(code, 1);
    let f = finding(&r, "mta-sts.policy-unreachable");
    assert_eq!(f.severity, Severity::Error);
    assert!(f.summary.contains("HTTP status 404"), "{}", f.summary);
    assert_eq!(
        f.evidence,
        ["policy host address: 127.0.0.30", "HTTP status 404"]
    );
    let sts = evidence(&r).mta_sts_policy.as_ref().expect("fetched");
    assert_eq!(sts.status, Some(404));
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn mta_sts_policy_is_not_fetched_without_probing() {
    let (r, _) = domain_json("stsdown.mxray.test", &["--no-probe"]);
    assert_codes(&r, &[]);
    assert!(evidence(&r).mta_sts_policy.is_none());
}

// --- DANE -------------------------------------------------------------------------------------
// TLSA records at _25._tcp.tlsaok / tlsabad.mxray.test. Knot is authoritative for an unsigned
// zone, not a validating resolver: no answer carries the AD bit, hence dane.unsigned always.

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn dane_tlsa_matching_the_served_key() {
    let (r, code) = domain_json("daneok.mxray.test", &[]);
    assert_codes(&r, &["dane.unsigned"]);
    assert_eq!(code, 0, "a warning does not fail by default");
    let f = finding(&r, "dane.unsigned");
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(f.subject, "_25._tcp.tlsaok.mxray.test");
    let ev = evidence(&r);
    assert_eq!(ev.dane.len(), 1);
    let d = &ev.dane[0];
    assert_eq!(d.mx, "tlsaok.mxray.test");
    assert!(!d.authentic_data);
    // up.sh put the SPKI SHA-256 of the freshly made certificate into the zone: it is the
    // hash mxray computed of the key the server really served.
    let served = ev.servers[0].probes[0]
        .tls
        .as_ref()
        .and_then(|t| t.chain.first())
        .and_then(|c| c.spki_sha256.clone())
        .expect("served leaf with SPKI hash");
    assert_eq!(d.tlsa.records, [format!("3 1 1 {served}")]);
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn dane_tlsa_matching_nothing_served() {
    let (r, code) = domain_json("danebad.mxray.test", &[]);
    assert_codes(&r, &["dane.tlsa-mismatch", "dane.unsigned"]);
    // Unvalidated TLSA records are ignored by senders (RFC 7672 §2.2): the mismatch is a
    // warning until the zone is signed, and nothing here is an error.
    assert_eq!(code, 0);
    let f = finding(&r, "dane.tlsa-mismatch");
    assert_eq!(f.severity, Severity::Warning);
    assert!(f.summary.contains("once they are"), "{}", f.summary);
    assert_eq!(f.subject, "_25._tcp.tlsabad.mxray.test");
    assert!(has_evidence(
        f,
        "TLSA 3 1 1 10bcedc6e099c095cfc7f341e8981d5ecac3891477d8d73609d76735c4b5c581"
    ));
    assert!(has_evidence(f, "served public key (SPKI) SHA-256 "));
}

// --- DNS blocklists ---------------------------------------------------------------------------
// bl.mxray.test lists 127.0.0.10 (mail.mxray.test's IPv4 address) with a TXT reason.

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn dnsbl_listing_of_the_mx_address() {
    let (r, code) = domain_json("good.mxray.test", &["--dnsbl-zone", "bl.mxray.test"]);
    assert_codes(&r, &["dnsbl.listed"]);
    assert_eq!(code, 1);
    let f = finding(&r, "dnsbl.listed");
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.subject, "127.0.0.10 on bl.mxray.test");
    assert_eq!(
        f.evidence,
        [
            "10.0.0.127.bl.mxray.test A → 127.0.0.2",
            "reason: listed for testing"
        ]
    );
    // Both addresses of mail.mxray.test were looked up; ::1 is not listed.
    let checks = &evidence(&r).dnsbl;
    assert_eq!(checks.len(), 2, "{checks:#?}");
    let v6 = checks
        .iter()
        .find(|c| c.ip == "::1".parse::<std::net::IpAddr>().unwrap())
        .expect("::1 checked");
    assert!(v6.a.records.is_empty());
    assert_eq!(v6.a.status, mxray::evidence::LookupStatus::NxDomain);
    assert!(v6.txt.is_none(), "the reason is asked only when listed");
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn dnsbl_address_not_listed() {
    // daneok's MX, tlsaok.mxray.test (127.0.0.31), is not on the list: only its DANE warning.
    let (r, code) = domain_json("daneok.mxray.test", &["--dnsbl-zone", "bl.mxray.test"]);
    assert_codes(&r, &["dane.unsigned"]);
    assert_eq!(code, 0);
    let checks = &evidence(&r).dnsbl;
    assert_eq!(checks.len(), 1, "{checks:#?}");
    assert_eq!(checks[0].a.name, "31.0.0.127.bl.mxray.test");
    assert!(checks[0].a.records.is_empty());
}

// --- MX ---------------------------------------------------------------------------------------

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn null_mx_declares_no_mail() {
    let (r, code) = domain_json("nullmx.mxray.test", &[]);
    assert_codes(&r, &["dns.null-mx"]);
    assert_eq!(code, 0, "information only");
    let ev = evidence(&r);
    assert_eq!(ev.mx.lookup.records, ["0 ."]);
    assert!(ev.mx.null_mx);
    assert_eq!(ev.mx.hosts.len(), 1);
    assert_eq!(ev.mx.hosts[0].exchange, ".");
    assert_eq!(finding(&r, "dns.null-mx").severity, Severity::Info);
    assert!(ev.servers.is_empty(), "nothing to probe: {:#?}", ev.servers);
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn mx_naming_an_alias_is_invalid() {
    let (r, code) = domain_json("cnamemx.mxray.test", &[]);
    // The host is still probed under the MX name, which the certificate does not carry.
    assert_codes(&r, &["dns.mx-invalid-target", "tls.cert-hostname-mismatch"]);
    assert_eq!(code, 1);
    let f = finding(&r, "dns.mx-invalid-target");
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.subject, "MX 10 mx.cnamemx.mxray.test");
    assert!(
        f.summary.contains("CNAME → mail.mxray.test"),
        "{}",
        f.summary
    );
    let ev = evidence(&r);
    assert_eq!(ev.mx.hosts[0].cname.as_deref(), Some("mail.mxray.test"));
    assert_eq!(ev.servers.len(), 1);
    assert_eq!(ev.servers[0].host, "mx.cnamemx.mxray.test");
    let m = finding(&r, "tls.cert-hostname-mismatch");
    assert!(m.summary.contains("mx.cnamemx.mxray.test"), "{}", m.summary);
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn no_mx_falls_back_to_the_address() {
    let (r, code) = domain_json("nomx.mxray.test", &[]);
    // The domain's own address is probed under the domain name, which the certificate of
    // mail.mxray.test (listening there) does not carry.
    assert_codes(&r, &["dns.no-mx", "tls.cert-hostname-mismatch"]);
    assert_eq!(code, 1);
    let f = finding(&r, "dns.no-mx");
    assert_eq!(f.severity, Severity::Info, "the address accepts mail on 25");
    assert!(has_evidence(f, "accepts SMTP on port 25"));
    let ev = evidence(&r);
    assert!(ev.mx.hosts.is_empty());
    assert_eq!(ev.servers.len(), 1);
    assert_eq!(ev.servers[0].host, "nomx.mxray.test");
    assert!(!ev.servers[0].probes.is_empty());
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn domain_that_does_not_exist() {
    let (r, code) = domain_json("nxdomain.mxray.test", &[]);
    // One finding: the missing policies of a domain that does not exist are not listed.
    assert_codes(&r, &["dns.no-such-host"]);
    assert_eq!(code, 1);
    assert_eq!(finding(&r, "dns.no-such-host").severity, Severity::Error);
    assert!(evidence(&r).servers.is_empty());
}
