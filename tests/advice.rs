//! The JSON of every fixture carries the conclusions its human report shows: the per-area
//! verdicts of a domain audit, the SPF totals, the DKIM keys, and the "Use these settings"
//! block of a check — read from the report's `advice`, so other formats can carry them too.

use mxray::advice::{AreaState, SettingsAdvice};
use mxray::report::{Body, Report};
use std::path::Path;
use std::process::Command;

fn run(path: &Path, extra: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_mxray"))
        .arg("diagnose")
        .arg(path)
        .args(extra)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

fn each(dir: &str, f: impl Fn(&Path, &Report, &str)) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(dir);
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "json") {
            let r: Report = serde_json::from_str(&run(&p, &["--format", "json"])).unwrap();
            f(&p, &r, &run(&p, &["--color", "never"]));
            n += 1;
        }
    }
    assert!(n > 0);
}

fn word(s: AreaState) -> &'static str {
    match s {
        AreaState::Pass => "PASS",
        AreaState::Info => "INFO",
        AreaState::Warn => "WARN",
        AreaState::Fail => "FAIL",
        AreaState::NotChecked | AreaState::CouldNotCheck => "",
    }
}

#[test]
fn domain_areas_totals_and_keys_are_in_the_json() {
    each("domain", |p, r, human| {
        let a = &r.advice;
        assert_eq!(a.areas.len(), 9, "{}", p.display());
        for v in &a.areas {
            let shown = match v.verdict {
                AreaState::NotChecked | AreaState::CouldNotCheck => v.why.clone().unwrap(),
                s => word(s).to_string(),
            };
            let line = format!("  {:<11} {shown}", v.area);
            assert!(
                human.contains(&line),
                "{}: {line:?} not in\n{human}",
                p.display()
            );
        }
        let Body::Domain(ev) = &r.body else { panic!() };
        if let Some(t) = &a.spf {
            assert!(human.contains(&format!(
                "total: {}/{} DNS lookups, {}/{} void lookups",
                t.lookups, t.max_lookups, t.void_lookups, t.max_void_lookups
            )));
        } else {
            assert!(ev.spf.tree.records.is_empty());
        }
        for k in &a.dkim_keys {
            assert!(human.contains(&format!(
                "{}._domainkey ({}): {}",
                k.selector, k.source, k.summary
            )));
        }
    });
}

#[test]
fn the_settings_to_use_are_in_the_json() {
    each("check", |p, r, human| match &r.advice.settings {
        Some(SettingsAdvice::Use {
            blocks, verified, ..
        }) => {
            let (what, words) = verified.words();
            assert!(
                human.contains(&format!("Use these {what}")),
                "{}",
                p.display()
            );
            assert!(human.contains(words), "{}: {words}", p.display());
            for b in blocks {
                assert!(human.contains(&format!("  server:   {}", b.server)));
                assert!(human.contains(&format!("  port:     {}", b.port)));
                assert!(human.contains(&format!("  username: {}", b.username)));
            }
        }
        Some(SettingsAdvice::NoneWorking { side, .. }) => {
            assert!(
                human.contains(&format!("No working {side} setting")),
                "{}",
                p.display()
            );
        }
        None => assert!(!human.contains("Use these"), "{}", p.display()),
    });
}
