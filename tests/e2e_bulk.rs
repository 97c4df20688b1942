//! End-to-end: `mxray domain --from FILE` over the rig's mail domains (tests/servers/README.md,
//! "Mail domains"; every one has `MX 10 mail.mxray.test`), sharding, `mxray report`, the
//! standard input and an interrupted run. Every NDJSON line is checked against the schema.

mod common;

use common::rig::{mxray, Rig};
use mxray::report::Report;
use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Rig domains with the one finding code each is known for (`None`: clean), all on one MX.
const DOMAINS: &[(&str, Option<&str>)] = &[
    ("good.mxray.test", None),
    ("spf11.mxray.test", Some("spf.too-many-lookups")),
    ("dnone.mxray.test", Some("dmarc.policy-none")),
    ("nullmx.mxray.test", Some("dns.null-mx")),
    ("plusall.mxray.test", Some("spf.permissive-all")),
    ("dpct.mxray.test", Some("dmarc.partial-pct")),
];

/// More rig domains, for runs long enough to interrupt.
const MORE: &[&str] = &[
    "spf2",
    "qall",
    "voids",
    "ptr",
    "syntax",
    "dext",
    "dextok",
    "dnorua",
    "dtwo",
    "dkim",
    "cnamemx",
    "nomx",
    "stsbad",
    "ststest",
    "stsbroken",
    "stsdown",
    "daneok",
    "danebad",
    "ptrok",
    "ptrfail",
    "ptrmacro",
    "badspec",
    "sender",
    "crt",
    "exp",
    "expbad",
    "loop",
    "dkimbig",
    "expinc",
    "redirloop",
    "mania",
];

fn args(rig: &Rig, extra: &[&str]) -> Vec<String> {
    let mut a: Vec<String> = vec!["domain".into()];
    a.extend(rig.base_args());
    a.extend(["--no-legacy-tls".into()]);
    a.extend(extra.iter().map(|s| s.to_string()));
    a
}

fn run(rig: &Rig, extra: &[&str]) -> common::rig::Run {
    let a = args(rig, extra);
    let refs: Vec<&str> = a.iter().map(String::as_str).collect();
    mxray(&refs)
}

/// Every line a complete report valid against the schema, decoded.
fn reports(ndjson: &str) -> Vec<Report> {
    assert!(
        ndjson.is_empty() || ndjson.ends_with('\n'),
        "last line cut: {ndjson:?}"
    );
    ndjson
        .lines()
        .map(|line| {
            let v: serde_json::Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
            common::schema::assert_valid(&v);
            serde_json::from_value(v).expect("decode report")
        })
        .collect()
}

fn by_target(reports: &[Report]) -> BTreeMap<String, Vec<String>> {
    reports
        .iter()
        .map(|r| {
            (
                r.target.clone(),
                r.findings.iter().map(|f| f.code.clone()).collect(),
            )
        })
        .collect()
}

fn list_file(text: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(text.as_bytes()).unwrap();
    f
}

/// The list of [`DOMAINS`] with comments, blanks, bad lines and duplicates among them.
fn messy_list() -> String {
    let mut s = String::from("# customers of the week\n\n");
    for (i, (d, _)) in DOMAINS.iter().enumerate() {
        s.push_str(d);
        if i == 1 {
            s.push_str("   # over the SPF limit");
        }
        s.push('\n');
    }
    // Lines 9–13: two bad names, an IP address, and two duplicates (one in capitals).
    s.push_str("bad..name\nGOOD.MXRAY.TEST.\n192.0.2.1\nnot a domain\ndnone.mxray.test\n");
    s
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn list_with_bad_lines_comments_and_duplicates_streams_one_report_per_domain() {
    let rig = Rig::get();
    let list = list_file(&messy_list());
    let r = run(
        &rig,
        &[
            "--from",
            list.path().to_str().unwrap(),
            "--concurrency",
            "4",
        ],
    );
    assert_eq!(r.code, 1, "spf11 and plusall fail the run: {}", r.stderr);
    let reports = reports(&r.stdout);
    let got = by_target(&reports);
    assert_eq!(got.len(), DOMAINS.len(), "one report per domain: {got:?}");
    assert_eq!(reports.len(), DOMAINS.len(), "duplicates audited once");
    for (d, code) in DOMAINS {
        let codes = &got[*d];
        match code {
            None => assert!(codes.is_empty(), "{d}: {codes:?}"),
            Some(c) => assert_eq!(codes, &vec![c.to_string()], "{d}"),
        }
    }
    let spf11 = reports
        .iter()
        .find(|r| r.target == "spf11.mxray.test")
        .unwrap();
    assert_eq!(spf11.findings[0].severity, mxray::findings::Severity::Error);
    assert!(spf11.summary.failed);
    for (line, what) in [
        (9, "line 9: \"bad..name\" is not a valid host name"),
        (
            11,
            "line 11: \"192.0.2.1\" is an IP address, not a mail domain",
        ),
        (12, "line 12: \"not a domain\" holds more than one name"),
    ] {
        assert!(r.stderr.contains(what), "line {line}: {}", r.stderr);
    }
    assert!(r.stderr.contains("mxray: summary\n6 domain(s), 2 failed; findings: 2 error(s), 2 warning(s), 1 info, 0 ignored\n"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("  spf.too-many-lookups               error          1        1\n"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains(
            "input: 8 domain(s), 3 bad line(s) skipped, 2 duplicate(s) skipped, 0 in other shards"
        ),
        "{}",
        r.stderr
    );
    // Every domain was probed on the one shared MX, each with its own port-25 session.
    for rep in &reports {
        if let mxray::report::Body::Domain(ev) = &rep.body {
            if rep.target != "nullmx.mxray.test" {
                assert_eq!(ev.servers.len(), 1, "{}", rep.target);
                assert_eq!(ev.servers[0].host, "mail.mxray.test");
                assert!(!ev.servers[0].probes.is_empty(), "{}", rep.target);
            }
        }
    }
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn shards_concatenate_to_the_whole_audit_and_report_merges_them() {
    let rig = Rig::get();
    let mut text = messy_list();
    for m in MORE.iter().take(10) {
        text.push_str(&format!("{m}.mxray.test\n"));
    }
    let list = list_file(&text);
    let path = list.path().to_str().unwrap();
    let whole = run(&rig, &["--from", path, "--no-probe"]);
    assert_eq!(whole.code, 1, "{}", whole.stderr);
    let whole_set = by_target(&reports(&whole.stdout));
    assert_eq!(whole_set.len(), DOMAINS.len() + 10);

    let dir = tempfile::tempdir().unwrap();
    let mut concatenated = String::new();
    let mut files = Vec::new();
    let mut shard_sizes = Vec::new();
    for k in 1..=3 {
        let out = dir.path().join(format!("shard{k}.ndjson"));
        let shard = format!("{k}/3");
        let r = if k == 2 {
            // Shard 2 reads the list from the standard input.
            let mut a = args(&rig, &["--from", "-", "--no-probe", "--shard", &shard]);
            a.extend(["--output".into(), out.to_str().unwrap().into()]);
            let mut child = Command::new(env!("CARGO_BIN_EXE_mxray"))
                .args(&a)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            child
                .stdin
                .take()
                .unwrap()
                .write_all(text.as_bytes())
                .unwrap();
            let o = child.wait_with_output().unwrap();
            assert!(o.stdout.is_empty(), "--output takes the NDJSON");
            common::rig::Run {
                code: o.status.code().unwrap_or(-1),
                stdout: String::new(),
                stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
            }
        } else {
            run(
                &rig,
                &[
                    "--from",
                    path,
                    "--no-probe",
                    "--shard",
                    &shard,
                    "--output",
                    out.to_str().unwrap(),
                ],
            )
        };
        assert!(r.code == 0 || r.code == 1, "shard {k}: {}", r.stderr);
        let text = std::fs::read_to_string(&out).unwrap();
        shard_sizes.push(reports(&text).len());
        assert!(r.stderr.contains(" in other shards"), "{}", r.stderr);
        concatenated.push_str(&text);
        files.push(out);
    }
    assert_eq!(shard_sizes.iter().sum::<usize>(), whole_set.len());
    assert!(
        shard_sizes.iter().filter(|n| **n > 0).count() >= 2,
        "{shard_sizes:?}"
    );
    assert_eq!(by_target(&reports(&concatenated)), whole_set);

    // One summary from the shards, equal to the summary of the single run.
    let whole_file = dir.path().join("whole.ndjson");
    std::fs::write(&whole_file, &whole.stdout).unwrap();
    let summary = |paths: &[&str]| {
        let mut a = vec!["report", "--format", "json"];
        a.extend(paths);
        let r = mxray(&a);
        assert_eq!(r.code, 1, "{}", r.stderr);
        let mut v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(v["type"], "summary");
        // Timings differ between runs; everything else must not.
        v["summary"]
            .as_object_mut()
            .unwrap()
            .remove("slowest")
            .unwrap();
        v
    };
    let shard_paths: Vec<&str> = files.iter().map(|p| p.to_str().unwrap()).collect();
    let merged = summary(&shard_paths);
    assert_eq!(merged, summary(&[whole_file.to_str().unwrap()]));
    assert_eq!(merged["summary"]["domains"], whole_set.len());
    assert_eq!(
        merged["summary"]["codes"]["spf.too-many-lookups"],
        serde_json::json!({"severity": "error", "domains": 1, "findings": 1})
    );
    let human = mxray(&["report", shard_paths[0], shard_paths[1], shard_paths[2]]);
    assert_eq!(human.code, 1);
    let first = whole
        .stderr
        .lines()
        .skip_while(|l| *l != "mxray: summary")
        .nth(1)
        .unwrap();
    assert_eq!(human.stdout.lines().next(), Some(first), "{}", human.stdout);
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn an_interrupted_run_ends_with_complete_lines_and_a_summary() {
    let rig = Rig::get();
    let text: String = MORE
        .iter()
        .map(|m| format!("{m}.mxray.test\n"))
        .chain(DOMAINS.iter().map(|(d, _)| format!("{d}\n")))
        .collect();
    let list = list_file(&text);
    let a = args(
        &rig,
        &[
            "--from",
            list.path().to_str().unwrap(),
            "--concurrency",
            "1",
        ],
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_mxray"))
        .args(&a)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert!(first.ends_with('\n'), "a first report: {first:?}");
    let started = Instant::now();
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(started.elapsed() < Duration::from_secs(30), "hang guard");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    let all = format!("{first}{rest}");
    let done = reports(&all);
    let total = MORE.len() + DOMAINS.len();
    assert!(
        !done.is_empty() && done.len() < total,
        "{} of {total}",
        done.len()
    );
    assert!(
        stderr.contains("mxray: interrupted; waiting up to 2 s"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("mxray: summary\n{} domain(s), ", done.len())),
        "{stderr}"
    );
    assert!(stderr.contains("interrupted: "), "{stderr}");
}
