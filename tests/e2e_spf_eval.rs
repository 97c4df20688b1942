//! `mxray domain --sending-ip`: RFC 7208 check_host() against the rig's SPF zones.

mod common;

use common::rig::{codes, mxray, Rig};
use mxray::evidence::domain::SpfEvaluation;
use mxray::report::{Body, Report};

fn domain_json(rig: &Rig, domain: &str, extra: &[&str]) -> Report {
    let mut args: Vec<String> = vec![
        "domain".into(),
        domain.into(),
        "--no-probe".into(),
        "--format".into(),
        "json".into(),
    ];
    args.extend(rig.base_args());
    args.extend(extra.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = mxray(&refs);
    assert!(run.code <= 1, "{}", run.stderr);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    common::schema::assert_valid(&v);
    serde_json::from_value(v).unwrap()
}

fn results(r: &Report) -> Vec<(String, String)> {
    let Body::Domain(ev) = &r.body else {
        panic!("not a domain report")
    };
    ev.spf
        .evaluations
        .iter()
        .map(|e| (e.ip.to_string(), e.result.clone()))
        .collect()
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn the_mx_passes_a_stranger_fails_with_the_deciding_term() {
    let rig = Rig::get();
    let r = domain_json(
        &rig,
        "good.mxray.test",
        &["--sending-ip", "127.0.0.10", "--sending-ip", "192.0.2.1"],
    );
    assert_eq!(
        results(&r),
        vec![
            ("127.0.0.10".into(), "pass".into()),
            ("192.0.2.1".into(), "fail".into())
        ]
    );
    assert_eq!(codes(&r), vec!["spf.sender-not-permitted"]);
    let f = &r.findings[0];
    assert!(f.subject.starts_with("192.0.2.1"));
    assert!(
        f.evidence.iter().any(|e| e.contains("-all matches → fail")),
        "{:?}",
        f.evidence
    );
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn evaluation_follows_includes_and_names_the_path() {
    let rig = Rig::get();
    let r = domain_json(&rig, "spf11.mxray.test", &["--sending-ip", "127.0.0.16"]);
    let Body::Domain(ev) = &r.body else { panic!() };
    let e = &ev.spf.evaluations[0];
    assert_eq!(e.result, "pass", "{:#?}", e.path);
    assert!(
        e.path
            .iter()
            .any(|l| l.contains("include:i1.spf11.mxray.test matches")),
        "{:#?}",
        e.path
    );
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn plus_all_lets_anyone_pass_and_broken_policies_are_permerror() {
    let rig = Rig::get();
    let r = domain_json(&rig, "plusall.mxray.test", &["--sending-ip", "203.0.113.9"]);
    assert_eq!(results(&r)[0].1, "pass");
    let r = domain_json(&rig, "spf2.mxray.test", &["--sending-ip", "127.0.0.10"]);
    assert_eq!(results(&r)[0].1, "permerror");
    assert!(codes(&r).contains(&"spf.sender-not-permitted".to_string()));
}

/// The evaluations of `domain` for `ips` with `extra` arguments.
fn evaluations(domain: &str, ips: &[&str], extra: &[&str]) -> (Report, Vec<SpfEvaluation>) {
    let rig = Rig::get();
    let mut args: Vec<&str> = extra.to_vec();
    for ip in ips {
        args.extend(["--sending-ip", ip]);
    }
    let r = domain_json(&rig, domain, &args);
    let Body::Domain(ev) = &r.body else {
        panic!("not a domain report")
    };
    let evals = ev.spf.evaluations.clone();
    assert_eq!(evals.len(), ips.len());
    (r, evals)
}

fn has_line(e: &SpfEvaluation, needle: &str) -> bool {
    e.path.iter().any(|l| l.contains(needle))
}

/// §5.5: `ptr` matches only names that resolve back to the sender; a failed or missing PTR
/// matches nothing. It costs one DNS-querying term.
#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn ptr_matches_validated_names_only() {
    let (_, e) = evaluations(
        "ptrok.mxray.test",
        &["127.0.0.10", "127.0.0.19", "127.0.0.18"],
        &[],
    );
    assert_eq!(e[0].result, "pass", "{:#?}", e[0].path);
    assert_eq!(e[0].lookups, 1);
    assert!(has_line(
        &e[0],
        "ptr:mxray.test: mail.mxray.test is a validated name of 127.0.0.10 within mxray.test"
    ));
    assert!(has_line(&e[0], "ptr:mxray.test matches → pass"));
    // 127.0.0.19's PTR names elsewhere.mxray.test, whose address is .20: not validated.
    assert_eq!(e[1].result, "fail", "{:#?}", e[1].path);
    assert!(has_line(&e[1], "127.0.0.19 has no validated name"));
    assert_eq!(e[2].result, "fail", "{:#?}", e[2].path);
    let (_, e) = evaluations("ptrfail.mxray.test", &["127.0.0.10"], &[]);
    assert_eq!(e[0].result, "fail");
    assert!(
        has_line(
            &e[0],
            "ptr: no validated name of 127.0.0.10 (mail.mxray.test) is within ptrfail.mxray.test"
        ),
        "{:#?}",
        e[0].path
    );
}

/// §7.3: `%{p}` is the validated name, `unknown` without one.
#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn p_macro_expands_to_the_validated_name() {
    let (_, e) = evaluations("ptrmacro.mxray.test", &["127.0.0.10", "127.0.0.19"], &[]);
    assert_eq!(e[0].result, "pass", "{:#?}", e[0].path);
    assert!(has_line(
        &e[0],
        "exists:%{p}.ok.%{d} (mail.mxray.test.ok.ptrmacro.mxray.test) matches → pass"
    ));
    assert_eq!(e[1].result, "fail", "{:#?}", e[1].path);
}

/// Targets are asked byte for byte (`:`, `/`, `%`, space are DNS octets); a label over 63
/// octets or an empty label is no DNS name and matches nothing (§4.3), never a temperror; an
/// over-long expansion is cut from the left (§7.3).
#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn odd_target_names_are_asked_or_match_nothing_never_temperror() {
    let run = |local: &str| {
        let from = format!("{local}@badspec.mxray.test");
        evaluations(
            "badspec.mxray.test",
            &["192.0.2.1"],
            &["--mail-from", &from],
        )
        .1
        .remove(0)
    };
    let e = run("a:b/c%d e");
    assert_eq!(e.result, "pass", "{:#?}", e.path);
    assert!(has_line(
        &e,
        "(a:b/c%d e.e.badspec.mxray.test) matches → pass"
    ));
    let long = "x".repeat(64);
    let e = run(&long);
    assert_eq!(e.result, "fail", "{:#?}", e.path);
    assert!(has_line(
        &e,
        "has a label of 64 octets (at most 63), not a DNS name → no match"
    ));
    let e = run("a..b");
    assert_eq!(e.result, "fail", "{:#?}", e.path);
    assert!(has_line(
        &e,
        "`a..b.e.badspec.mxray.test` has an empty label"
    ));
    let e = run(&vec!["x".repeat(60); 5].join("."));
    assert_eq!(e.result, "pass", "{:#?}", e.path);
}

/// §5: `::ffff:a.b.c.d` is the IPv4 sender a.b.c.d.
#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn an_ipv4_mapped_sender_is_evaluated_as_ipv4() {
    let (r, e) = evaluations("good.mxray.test", &["::ffff:127.0.0.10"], &[]);
    assert_eq!(e[0].result, "pass", "{:#?}", e[0].path);
    assert_eq!(e[0].ip.to_string(), "127.0.0.10");
    assert_eq!(
        e[0].path[0],
        "::ffff:127.0.0.10 is the IPv4-mapped form of 127.0.0.10: evaluated as 127.0.0.10"
    );
    assert!(codes(&r).is_empty(), "{:#?}", r.findings);
}

/// §4.3: `@domain` is postmaster@domain; §2.4: the null sender is postmaster@HELO.
#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn empty_local_part_and_null_sender_are_postmaster() {
    let (_, e) = evaluations(
        "sender.mxray.test",
        &["192.0.2.1"],
        &["--mail-from", "@sender.mxray.test"],
    );
    assert_eq!(e[0].result, "pass", "{:#?}", e[0].path);
    assert!(has_line(
        &e[0],
        "(postmaster.sender.mxray.test.u.sender.mxray.test) matches"
    ));
    let (_, e) = evaluations("sender.mxray.test", &["192.0.2.1"], &["--mail-from", ""]);
    assert_eq!(e[0].mail_from, "postmaster@client.mxray.test");
    assert_eq!(e[0].result, "pass", "{:#?}", e[0].path);
    // Anyone else is not in the zone.
    let (_, e) = evaluations(
        "sender.mxray.test",
        &["192.0.2.1"],
        &["--mail-from", "bob@sender.mxray.test"],
    );
    assert_eq!(e[0].result, "fail");
}

/// §6.2: a fail carries the domain's explanation, macros expanded; several TXT records at
/// the exp= name mean none.
#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn a_fail_carries_the_exp_explanation() {
    let want =
        "192.0.2.1 is not a mail server of exp.mxray.test (MAIL FROM postmaster@exp.mxray.test)";
    let (r, e) = evaluations("exp.mxray.test", &["192.0.2.1", "127.0.0.10"], &[]);
    assert_eq!(e[0].result, "fail");
    assert_eq!(e[0].explanation.as_deref(), Some(want));
    assert_eq!(e[1].result, "pass");
    assert_eq!(e[1].explanation, None);
    let f = &r.findings[0];
    assert_eq!(f.code, "spf.sender-not-permitted");
    assert!(
        f.evidence
            .iter()
            .any(|l| l.ends_with(&format!("explanation \"{want}\""))),
        "{:?}",
        f.evidence
    );
    let rig = Rig::get();
    let mut args = vec![
        "domain",
        "exp.mxray.test",
        "--no-probe",
        "--sending-ip",
        "192.0.2.1",
    ];
    let base = rig.base_args();
    args.extend(base.iter().map(String::as_str));
    let run = mxray(&args);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout
            .contains(&format!("    the domain explains: \"{want}\"")),
        "{}",
        run.stdout
    );
    let (_, e) = evaluations("expbad.mxray.test", &["192.0.2.1"], &[]);
    assert_eq!(e[0].result, "fail");
    assert_eq!(e[0].explanation, None);
    assert!(has_line(
        &e[0],
        "exp=why.expbad.mxray.test: ignored (2 TXT records, one is required)"
    ));
}

/// §6.2: the exp= of an included record never explains the outer result.
#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn an_included_records_exp_is_not_used() {
    let (_, e) = evaluations("expinc.mxray.test", &["192.0.2.9"], &[]);
    assert_eq!(e[0].result, "fail", "{:#?}", e[0].path);
    assert_eq!(
        e[0].explanation.as_deref(),
        Some("the outer record's explanation")
    );
    assert!(
        !has_line(&e[0], "the included record's explanation"),
        "{:#?}",
        e[0].path
    );
}

/// A redirect to itself is a loop: the walk says so and evaluation stops at the lookup limit.
#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn a_redirect_loop_is_a_loop_and_a_permerror() {
    let (r, e) = evaluations("redirloop.mxray.test", &["192.0.2.9"], &[]);
    assert_eq!(e[0].result, "permerror");
    assert_eq!(e[0].lookups, 11);
    assert!(has_line(
        &e[0],
        "redirect=redirloop.mxray.test: lookup 11 exceeds the limit of 10 → permerror"
    ));
    let f = r
        .findings
        .iter()
        .find(|f| f.code == "spf.include-loop")
        .expect("spf.include-loop");
    assert_eq!(
        f.evidence,
        ["root:redirloop.mxray.test → redirect:redirloop.mxray.test"]
    );
}

/// §7.1: `%%`, `%_` and `%-` expand to `%`, a space and `%20`, asked as they are.
#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn escapes_in_a_target_are_asked_byte_for_byte() {
    let (_, e) = evaluations("mania.mxray.test", &["127.0.0.10"], &[]);
    assert_eq!(e[0].result, "pass", "{:#?}", e[0].path);
}
