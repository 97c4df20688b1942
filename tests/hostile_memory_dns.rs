//! Hostile DNS against the real binary (`mxray domain` through a fake name server on
//! loopback): a thousand TXT strings, alias loops, a thousand MX hosts, a truncated answer whose
//! TCP retry is never answered, SPF include loops and an include bomb. Each run ends within
//! the domain audit's bound, stays under the memory cap, and the report names what it saw.

mod common;

use common::child::{mxray, ChildRun, SLACK};
use common::fake_dns::{self, cname, is, mx, text, txt, FakeDns, Reply};
use hickory_resolver::proto::rr::{Name, RecordType};
use std::time::Duration;

const DOMAIN: &str = "hostile.test";
/// `--timeout` of the runs, in seconds.
const TIMEOUT_S: u64 = 1;

/// `mxray domain DOMAIN` through `dns`, with `extra` arguments.
async fn audit(case: &str, dns: &FakeDns, extra: &[&str]) -> ChildRun {
    let timeout = TIMEOUT_S.to_string();
    let mut args = vec![
        "domain",
        DOMAIN,
        "--resolver",
        dns.addr.as_str(),
        "--timeout",
        &timeout,
        "-4",
    ];
    args.extend_from_slice(extra);
    let run = mxray(&args).await;
    run.assert_bounded(case, domain_bound());
    eprintln!("hostile case {case}: {} DNS questions", dns.queries());
    run
}

/// The README's bound for a domain audit probing one port (its MX hosts have no address here,
/// so the SPF walk and the DNS areas set the pace).
fn domain_bound() -> Duration {
    Duration::from_secs(26 * TIMEOUT_S) + SLACK
}

fn spf_all(owner: &Name) -> Reply {
    Reply::Records(vec![txt(owner, vec!["v=spf1 -all".into()])])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_domain_sets_the_baseline() {
    let dns = fake_dns::start(|n, t| {
        if is((n, t), DOMAIN, RecordType::MX) {
            Reply::Records(vec![mx(n, 10, "mx.hostile.test")])
        } else if is((n, t), DOMAIN, RecordType::TXT) {
            spf_all(n)
        } else {
            Reply::NxDomain
        }
    })
    .await;
    let run = audit("baseline domain", &dns, &[]).await;
    assert!(run.has("dmarc.missing"), "{:?}", run.codes());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_txt_strings_are_read_and_named() {
    let dns = fake_dns::start(|n, t| {
        if is((n, t), DOMAIN, RecordType::TXT) {
            // A thousand records, each one SPF policy: far past UDP, whole over TCP.
            Reply::Records(
                (0..1000)
                    .map(|i| txt(n, vec![format!("v=spf1 ip4:192.0.2.{} -all", i % 256)]))
                    .collect(),
            )
        } else if is((n, t), "_dmarc.hostile.test", RecordType::TXT) {
            // One record of a thousand strings.
            let mut strings = vec!["v=DMARC1; p=reject;".to_string()];
            strings.extend((1..1000).map(|i| format!(" x{i}=y;")));
            Reply::Records(vec![txt(n, strings)])
        } else if is((n, t), DOMAIN, RecordType::MX) {
            Reply::Records(vec![mx(n, 10, "mx.hostile.test")])
        } else {
            Reply::NxDomain
        }
    })
    .await;
    let run = audit("1,000 TXT strings", &dns, &[]).await;
    run.assert_says("spf.multiple-records", "1000");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cname_loop_is_no_address_not_a_hang() {
    let dns = fake_dns::start(|n, t| {
        let name = text(n);
        if is((n, t), DOMAIN, RecordType::MX) {
            Reply::Records(vec![mx(n, 10, "loop1.hostile.test")])
        } else if is((n, t), DOMAIN, RecordType::TXT) {
            spf_all(n)
        } else if name == "loop1.hostile.test" || name == "loop2.hostile.test" {
            // The loop as a resolver would relay it: one alias to the other, a hundred times.
            let (mut from, mut to) = ("loop1.hostile.test", "loop2.hostile.test");
            let mut chain = Vec::new();
            for _ in 0..100 {
                chain.push(cname(&fake_dns::name(from), to));
                std::mem::swap(&mut from, &mut to);
            }
            Reply::Records(chain)
        } else {
            Reply::NxDomain
        }
    })
    .await;
    let run = audit("CNAME loop", &dns, &[]).await;
    assert!(run.has("dns.mx-invalid-target"), "{:?}", run.codes());
    assert!(run.text().contains("loop1.hostile.test"), "{}", run.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_mx_hosts_are_cut_at_ten() {
    let dns = fake_dns::start(|n, t| {
        if is((n, t), DOMAIN, RecordType::MX) {
            Reply::Records(
                (0..1000)
                    .map(|i| mx(n, i as u16, &format!("mx{i}.hostile.test")))
                    .collect(),
            )
        } else if is((n, t), DOMAIN, RecordType::TXT) {
            spf_all(n)
        } else {
            Reply::NxDomain
        }
    })
    .await;
    let run = audit("MX list of 1,000 hosts", &dns, &[]).await;
    assert!(run.text().contains("mx999.hostile.test"), "all recorded");
    assert!(
        dns.queries() < 400,
        "{} questions: the hosts past the tenth are not looked up",
        dns.queries()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_answer_with_a_silent_tcp_retry_is_could_not_check() {
    let dns = fake_dns::start(|_, _| Reply::TruncatedThenSilent).await;
    let run = audit("truncated UDP, silent TCP", &dns, &[]).await;
    assert!(run.has("dns.lookup-failed"), "{:?}", run.codes());
    assert!(!run.has("spf.missing"), "a timeout is not a missing record");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_spf_include_loop_is_named() {
    let dns = fake_dns::start(|n, t| {
        if is((n, t), DOMAIN, RecordType::MX) {
            return Reply::Records(vec![mx(n, 10, "mx.hostile.test")]);
        }
        let next = match text(n).as_str() {
            DOMAIN => "a.hostile.test",
            "a.hostile.test" => "b.hostile.test",
            "b.hostile.test" => DOMAIN,
            _ => return Reply::NxDomain,
        };
        if t != RecordType::TXT {
            return Reply::NxDomain;
        }
        Reply::Records(vec![txt(n, vec![format!("v=spf1 include:{next} -all")])])
    })
    .await;
    let run = audit("SPF include loop", &dns, &["--sending-ip", "192.0.2.1"]).await;
    assert!(run.has("spf.include-loop"), "{:?}", run.codes());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_spf_include_bomb_is_cut_at_the_walk_bound() {
    // Every record includes ten more, named after their path: 10^depth records if followed.
    let dns = fake_dns::start(|n, t| {
        let name = text(n);
        if is((n, t), DOMAIN, RecordType::MX) {
            return Reply::Records(vec![mx(n, 10, "mx.hostile.test")]);
        }
        let path = match name.strip_suffix("bomb.hostile.test") {
            Some(path) => path.to_string(),
            None if name == DOMAIN => String::new(),
            None => return Reply::NxDomain,
        };
        if t != RecordType::TXT || name.len() > 200 {
            return Reply::NxDomain;
        }
        // One string per term: a TXT string holds 255 octets at most.
        let mut strings = vec!["v=spf1".to_string()];
        strings.extend((0..10).map(|i| format!(" include:{i}.{path}bomb.hostile.test")));
        strings.push(" -all".into());
        Reply::Records(vec![txt(n, strings)])
    })
    .await;
    let run = audit("SPF include bomb", &dns, &["--sending-ip", "192.0.2.1"]).await;
    assert!(run.has("spf.too-many-lookups"), "{:?}", run.codes());
    assert!(
        dns.queries() < 400,
        "{} questions: the walk and the evaluation stop at their bounds",
        dns.queries()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_include_with_two_records_reached_twice_is_no_loop() {
    // The root includes `two` (two SPF records: nothing to follow) and `b`, which includes
    // `two` again: two branches, no loop.
    let dns = fake_dns::start(|n, t| {
        if is((n, t), DOMAIN, RecordType::MX) {
            return Reply::Records(vec![mx(n, 10, "mx.hostile.test")]);
        }
        if t != RecordType::TXT {
            return Reply::NxDomain;
        }
        let record = |text: &str| txt(n, vec![text.to_string()]);
        match text(n).as_str() {
            DOMAIN => Reply::Records(vec![record(
                "v=spf1 include:two.hostile.test include:b.hostile.test -all",
            )]),
            "two.hostile.test" => {
                Reply::Records(vec![record("v=spf1 -all"), record("v=spf1 ~all")])
            }
            "b.hostile.test" => {
                Reply::Records(vec![record("v=spf1 include:two.hostile.test -all")])
            }
            _ => Reply::NxDomain,
        }
    })
    .await;
    let run = audit("SPF include with two records, twice", &dns, &[]).await;
    assert!(run.has("spf.multiple-records"), "{:?}", run.codes());
    assert!(!run.has("spf.include-loop"), "{:?}", run.codes());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn includes_that_never_answer_stop_at_the_walk_time_bound() {
    // Thirty includes whose lookups time out: one after the other, thirty timeouts or more.
    let dns = fake_dns::start(|n, t| {
        let name = text(n);
        if is((n, t), DOMAIN, RecordType::MX) {
            Reply::Records(vec![mx(n, 10, "mx.hostile.test")])
        } else if is((n, t), DOMAIN, RecordType::TXT) {
            let mut strings = vec!["v=spf1".to_string()];
            strings.extend((0..30).map(|i| format!(" include:silent{i}.hostile.test")));
            strings.push(" -all".into());
            Reply::Records(vec![txt(n, strings)])
        } else if name.starts_with("silent") {
            Reply::TruncatedThenSilent
        } else {
            Reply::NxDomain
        }
    })
    .await;
    let run = audit("SPF includes that never answer", &dns, &[]).await;
    let walk = mxray::probe::spf_walk::WALK_TIMEOUTS as u64;
    // The walk's bound, plus the one lookup in flight when it passed.
    assert!(
        run.elapsed < Duration::from_secs((walk + 2) * TIMEOUT_S) + SLACK,
        "{:?}",
        run.elapsed
    );
    // Unanswered includes are lookups that failed, not records that are missing.
    assert!(!run.has("spf.include-broken"), "{:?}", run.codes());
    assert!(
        run.text()
            .contains("silent0.hostile.test (include: in the SPF policy) failed"),
        "{}",
        run.text()
    );
    assert!(
        run.text().contains("walk bounded: out of time"),
        "{}",
        run.text()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_dmarc_report_domains_that_never_answer_are_not_asked_one_by_one() {
    let dns = fake_dns::start(|n, t| {
        let name = text(n);
        if is((n, t), DOMAIN, RecordType::MX) {
            Reply::Records(vec![mx(n, 10, "mx.hostile.test")])
        } else if is((n, t), DOMAIN, RecordType::TXT) {
            spf_all(n)
        } else if is((n, t), "_dmarc.hostile.test", RecordType::TXT) {
            let mut strings = vec!["v=DMARC1; p=reject; rua=mailto:r@r0.example".to_string()];
            strings.extend((1..1000).map(|i| format!(",mailto:r@r{i}.example")));
            Reply::Records(vec![txt(n, strings)])
        } else if name.contains("._report._dmarc.") {
            Reply::TruncatedThenSilent
        } else {
            Reply::NxDomain
        }
    })
    .await;
    let run = audit("DMARC with 1,000 silent report domains", &dns, &[]).await;
    let asked = run.report["evidence"]["dmarc"]["report_auth"]
        .as_array()
        .map_or(0, Vec::len);
    assert_eq!(asked, 10, "{}", run.text());
    // Unanswered is unknown, not "has not agreed".
    assert!(!run.has("dmarc.report-auth-missing"), "{:?}", run.codes());
    assert!(
        run.text().contains(
            "hostile.test._report._dmarc.r0.example TXT: the resolver did not answer in time"
        ),
        "{}",
        run.text()
    );
}

#[test]
#[ignore = "not a test: the entry point that starts mxray for the tests above"]
fn child_spawner() {
    common::child::spawner_entry();
}
