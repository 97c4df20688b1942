//! `mxray check ADDRESS` against the real rig: settings discovered from RFC 6186 SRV records
//! (Knot) and Mozilla autoconfig files (nginx, HTTPS with the test CA, one over plain HTTP),
//! each probed live against Postfix and Dovecot, for the discovery domains of
//! tests/servers/conf/zones/mxray.test.zone.

mod common;

use common::rig::{codes, mxray, Rig};
use mxray::diagnose::discover::{best, verdict, Verdict};
use mxray::evidence::discovery::{Candidate, DiscoveryEvidence, Security, SourceKind};
use mxray::evidence::{Direction, Protocol};
use mxray::report::{Body, Report};

const RIG: &str = "needs the real-server rig: tests/run.sh";

fn args(rig: &Rig, extra: &[&str]) -> Vec<String> {
    let mut all: Vec<String> = vec!["check".into()];
    all.extend(extra.iter().map(|s| s.to_string()));
    all.extend(rig.base_args());
    all.push("-4".into());
    all
}

/// `mxray check EXTRA… --format json`, schema-checked and decoded, with its discovery.
fn discover(rig: &Rig, extra: &[&str]) -> (Report, DiscoveryEvidence, i32) {
    let mut all = args(rig, extra);
    all.extend(["--format".into(), "json".into()]);
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    let run = mxray(&refs);
    assert!(run.code <= 1, "mxray {all:?}: {}", run.stderr);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    common::schema::assert_valid(&v);
    let report: Report = serde_json::from_value(v).unwrap();
    let Body::Check(ev) = &report.body else {
        panic!("not a check report")
    };
    let d = ev.discovery.clone().expect("discovery evidence");
    (report, d, run.code)
}

/// (protocol, host, port, security, sources) of each candidate, in the report's order.
fn table(d: &DiscoveryEvidence) -> Vec<(Protocol, &str, u16, Security, Vec<SourceKind>)> {
    d.candidates
        .iter()
        .map(|c| {
            (
                c.setting.protocol,
                c.setting.host.as_str(),
                c.setting.port,
                c.setting.security,
                c.sources.clone(),
            )
        })
        .collect()
}

fn find<'a>(d: &'a DiscoveryEvidence, host: &str, port: u16) -> &'a Candidate {
    d.candidates
        .iter()
        .find(|c| c.setting.host == host && c.setting.port == port)
        .unwrap_or_else(|| panic!("no candidate {host}:{port}"))
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn srv_and_autoconfig_agree() {
    let _ = RIG;
    let rig = Rig::get();
    let (r, d, code) = discover(&rig, &["alice@disco.mxray.test"]);
    use Protocol::*;
    use Security::*;
    use SourceKind::*;
    assert_eq!(
        table(&d),
        vec![
            (
                Smtp,
                "mail.mxray.test",
                465,
                Implicit,
                vec![Autoconfig, Srv]
            ),
            (Smtp, "mail.mxray.test", 587, Starttls, vec![Srv]),
            (
                Imap,
                "mail.mxray.test",
                993,
                Implicit,
                vec![Autoconfig, Srv]
            ),
            (Pop3, "mail.mxray.test", 995, Implicit, vec![Srv]),
        ]
    );
    for c in &d.candidates {
        assert_eq!(verdict(c), Verdict::Works, "{c:?}");
        // Probed as the protocol it was published for, without a login.
        let p = &c.probe.as_ref().unwrap().probes[0];
        assert_eq!(
            p.role,
            Some(mxray::probe::discover::role_of(&c.setting)),
            "{c:?}"
        );
        assert!(p.login.is_none());
    }
    // `_imap._tcp` and `_pop3._tcp` say "not offered": no candidate on 143 or 110.
    let imap = d.srv.iter().find(|l| l.service == "_imap._tcp").unwrap();
    assert_eq!(imap.records[0].target, ".");
    let submission = d
        .srv
        .iter()
        .find(|l| l.service == "_submission._tcp")
        .unwrap();
    assert_eq!(
        (submission.records[0].priority, submission.records[0].port),
        (10, 587)
    );
    assert!(d.autoconfig[0].config.is_some(), "{:?}", d.autoconfig[0]);
    assert!(d.autoconfig[1].fetch.error.is_some());
    assert_eq!(
        d.autoconfig.len(),
        2,
        "no plain-HTTP try once HTTPS gave a file"
    );
    assert!(d.provider_db.provider.is_none() && d.mx.provider.is_none());
    assert_eq!(codes(&r), Vec::<String>::new());
    assert_eq!(code, 0);
    let out = best(&d, false).unwrap();
    assert_eq!((out.setting.port, out.setting.security), (465, Implicit));
    let inc = best(&d, true).unwrap();
    assert_eq!((inc.setting.protocol, inc.setting.port), (Imap, 993));

    // The human report: the table and the block to copy.
    let all = args(&rig, &["alice@disco.mxray.test"]);
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    let run = mxray(&refs);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = &run.stdout;
    assert!(text.contains("Verified live"), "{text}");
    assert!(text.contains("Use these settings (verified live, without logging in):"));
    let block = text.split("Use these settings").nth(1).unwrap();
    assert!(block.contains("server:   mail.mxray.test"), "{block}");
    assert!(block.contains("port:     465"), "{block}");
    assert!(block.contains("security: SSL/TLS"), "{block}");
    assert!(
        block.contains("username: alice@disco.mxray.test"),
        "{block}"
    );
    assert!(block.contains("incoming (IMAP)"), "{block}");
    assert!(
        block.contains("mxray check --host mail.mxray.test --port 465 --security tls"),
        "{block}"
    );
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn autoconfig_only_with_a_broken_entry() {
    let rig = Rig::get();
    let (r, d, code) = discover(&rig, &["alice@acdisco.mxray.test"]);
    use Protocol::*;
    use Security::*;
    use SourceKind::*;
    assert_eq!(
        table(&d),
        vec![
            (Smtp, "mail.mxray.test", 587, Starttls, vec![Autoconfig]),
            (Smtp, "closed.mxray.test", 465, Implicit, vec![Autoconfig]),
            (Imap, "mail.mxray.test", 143, Starttls, vec![Autoconfig]),
        ]
    );
    // Found at the second URL, DOMAIN/.well-known/autoconfig; the first has no address.
    assert!(d.autoconfig[0]
        .fetch
        .error
        .as_ref()
        .unwrap()
        .contains("no address"));
    assert!(d.autoconfig[1]
        .fetch
        .url
        .starts_with("https://acdisco.mxray.test/.well-known/autoconfig/"));
    let c = d.autoconfig[1].config.as_ref().unwrap();
    assert_eq!(c.provider_id.as_deref(), Some("acdisco.mxray.test"));
    assert!(d.srv.iter().all(|l| l.records.is_empty()));
    assert_eq!(
        find(&d, "mail.mxray.test", 587).setting.username.as_deref(),
        Some("%EMAILLOCALPART%")
    );
    assert_eq!(verdict(find(&d, "mail.mxray.test", 587)), Verdict::Works);
    assert_eq!(verdict(find(&d, "mail.mxray.test", 143)), Verdict::Works);
    match verdict(find(&d, "closed.mxray.test", 465)) {
        Verdict::Fails(why) => assert!(why.contains("refused"), "{why}"),
        v => panic!("closed:465 should fail: {v:?}"),
    }
    assert_eq!(codes(&r), vec!["config.discovery-broken"]);
    assert_eq!(r.findings[0].subject, "closed.mxray.test:465");
    assert_eq!(code, 0);
    assert_eq!(best(&d, false).unwrap().setting.port, 587);
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn nothing_published_is_a_failure() {
    let rig = Rig::get();
    let (r, d, code) = discover(&rig, &["alice@nodisco.mxray.test"]);
    assert!(d.candidates.is_empty());
    assert_eq!(
        d.autoconfig.len(),
        3,
        "plain HTTP is tried when HTTPS gave nothing"
    );
    assert!(d.autoconfig[2].fetch.url.starts_with("http://autoconfig."));
    assert_eq!(d.mx.lookup.records, vec!["10 mail.mxray.test"]);
    assert_eq!(codes(&r), vec!["config.discovery-failed"]);
    let f = &r.findings[0];
    assert!(f.summary.contains("no outgoing mail server"), "{f:?}");
    assert!(
        f.evidence
            .iter()
            .any(|e| e.contains("_submission._tcp NXDOMAIN")),
        "{f:?}"
    );
    assert_eq!(code, 1);
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn srv_and_autoconfig_disagree() {
    let rig = Rig::get();
    let (r, d, code) = discover(&rig, &["alice@discoconflict.mxray.test"]);
    use Protocol::*;
    use Security::*;
    use SourceKind::*;
    assert_eq!(
        table(&d),
        vec![
            (
                Smtp,
                "plainauth.mxray.test",
                465,
                Implicit,
                vec![Autoconfig]
            ),
            (Smtp, "mail.mxray.test", 587, Starttls, vec![Srv]),
        ]
    );
    assert!(d.candidates.iter().all(|c| verdict(c) == Verdict::Works));
    assert_eq!(codes(&r), vec!["config.discovery-conflict"]);
    let f = &r.findings[0];
    assert!(f.summary.contains("autoconfig and SRV"), "{f:?}");
    assert!(f
        .evidence
        .iter()
        .any(|e| e == "SRV: SMTP mail.mxray.test:587 STARTTLS"));
    assert_eq!(code, 0);
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn plain_http_autoconfig_and_srv_without_address() {
    let rig = Rig::get();
    let (r, d, _) = discover(&rig, &["alice@discohttp.mxray.test"]);
    use Protocol::*;
    use Security::*;
    use SourceKind::*;
    assert_eq!(
        table(&d),
        vec![
            (Smtp, "noaddr.mxray.test", 465, Implicit, vec![Srv]),
            (Smtp, "mail.mxray.test", 587, Starttls, vec![AutoconfigHttp]),
        ]
    );
    assert_eq!(d.autoconfig[0].fetch.status, Some(404));
    assert!(d.autoconfig[2].config.is_some());
    match verdict(find(&d, "noaddr.mxray.test", 465)) {
        Verdict::Fails(why) => assert!(why.contains("has no address"), "{why}"),
        v => panic!("{v:?}"),
    }
    assert_eq!(verdict(find(&d, "mail.mxray.test", 587)), Verdict::Works);
    assert_eq!(
        codes(&r),
        vec!["config.discovery-broken", "config.discovery-insecure"]
    );
    let insecure = r
        .findings
        .iter()
        .find(|f| f.code == "config.discovery-insecure")
        .unwrap();
    assert!(insecure.summary.contains("plain HTTP"), "{insecure:?}");
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn autoconfig_behind_a_bad_certificate_is_not_used() {
    let rig = Rig::get();
    let (r, d, _) = discover(&rig, &["alice@discobadcert.mxray.test"]);
    let first = &d.autoconfig[0];
    assert!(first.config.is_none() && first.fetch.body.is_none());
    let v = first
        .fetch
        .tls
        .as_ref()
        .unwrap()
        .verification
        .as_ref()
        .unwrap();
    assert_eq!(v.name_matches, Some(false));
    // Only SRV's setting: the file behind the bad certificate was never read.
    assert_eq!(d.candidates.len(), 1);
    assert_eq!(d.candidates[0].sources, vec![SourceKind::Srv]);
    assert_eq!(verdict(&d.candidates[0]), Verdict::Works);
    assert_eq!(codes(&r), vec!["config.discovery-insecure"]);
    assert!(r.findings[0].summary.contains("certificate"));
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn a_password_is_never_used_during_discovery() {
    let rig = Rig::get();
    let pw = rig.var("MXRAY_RIG_PASSWORD").to_string();
    let mut all = args(
        &rig,
        &[
            "--user",
            "alice@disco.mxray.test",
            "--password-env",
            "DISCO_PW",
            "--format",
            "json",
        ],
    );
    all.push("--transcript".into());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mxray"))
        .args(&all)
        .env("DISCO_PW", &pw)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains(&pw) && !String::from_utf8_lossy(&out.stderr).contains(&pw));
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    common::schema::assert_valid(&v);
    let r: Report = serde_json::from_value(v).unwrap();
    let Body::Check(ev) = &r.body else { panic!() };
    // An address in --user and no host: discovery, not "settings incomplete".
    let d = ev.discovery.as_ref().expect("discovery from --user");
    assert!(d.password_unused);
    assert!(ev.configured.is_none());
    for c in &d.candidates {
        for p in &c.probe.as_ref().unwrap().probes {
            assert!(p.login.is_none(), "discovery logged in on {}", p.endpoint());
            // SMTP AUTH, POP3 USER/PASS/AUTH, IMAP `tag LOGIN` / `tag AUTHENTICATE`.
            let is_login = |t: &str| {
                let t = t.to_ascii_uppercase();
                ["AUTH", "USER", "PASS"].iter().any(|c| t.starts_with(c))
                    || t.contains(" LOGIN")
                    || t.contains(" AUTHENTICATE")
            };
            assert!(
                !p.transcript
                    .iter()
                    .any(|l| l.dir == Direction::Client && is_login(&l.text)),
                "a login command was sent on {}",
                p.endpoint()
            );
        }
    }
    assert!(!codes(&r).contains(&"config.incomplete".to_string()));
}

#[test]
#[ignore = "needs the real-server rig: tests/run.sh"]
fn saved_discovery_diagnoses_the_same_offline() {
    let rig = Rig::get();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("disco.json");
    let save = path.to_str().unwrap();
    let (live, _, _) = discover(&rig, &["alice@discohttp.mxray.test", "--save", save]);
    let run = mxray(&["diagnose", save, "--format", "json"]);
    assert_eq!(run.code, live.summary.failed as i32, "{}", run.stderr);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    common::schema::assert_valid(&v);
    let offline: Report = serde_json::from_value(v).unwrap();
    assert_eq!(offline.findings, live.findings);
    let text = mxray(&["diagnose", save]).stdout;
    assert!(text.contains("autoconfig (plain HTTP)"), "{text}");
}

/// Bad addresses are one clear error line and exit 2, before any network step.
#[test]
fn bad_addresses_are_refused() {
    for (arg, says) in [
        ("a b@example.com", "spaces"),
        ("alice@127.0.0.1", "not a mail domain"),
        ("alice@ex..com", "empty label"),
    ] {
        let run = mxray(&["check", arg, "--resolver", "127.0.0.1:9"]);
        assert_eq!(run.code, 2, "{arg}: {}", run.stderr);
        assert!(run.stderr.contains(says), "{arg}: {}", run.stderr);
        assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
        assert!(run.stdout.is_empty());
    }
}
