//! The summary of many domain reports, kept as counters and a bounded list of the slowest
//! domains, so it costs the same for ten domains as for a million. `mxray domain --from`
//! prints it at the end of a run; `mxray report` builds the same one from saved NDJSON.

use crate::findings::Severity;
use crate::report::Report;
use serde::Serialize;
use std::collections::BTreeMap;

/// Slowest domains listed.
pub const SLOWEST: usize = 10;

#[derive(Debug, Default, Clone, PartialEq, Serialize)]
pub struct Tally {
    /// Domains reported.
    pub domains: u64,
    /// Domains whose findings reached `--fail-on`.
    pub failed: u64,
    /// Findings per severity (ignored findings excluded, as in each report's summary).
    pub findings: SeverityCounts,
    /// Per finding code: its severity, the domains that have it and how often it was found.
    pub codes: BTreeMap<String, CodeCount>,
    /// The slowest domains, slowest first.
    pub slowest: Vec<Timing>,
}

#[derive(Debug, Default, Clone, PartialEq, Serialize)]
pub struct SeverityCounts {
    pub error: u64,
    pub warning: u64,
    pub info: u64,
    pub ignored: u64,
}

fn rank(label: &str) -> u8 {
    match label {
        "error" => 2,
        "warning" => 1,
        _ => 0,
    }
}

#[derive(Debug, Default, Clone, PartialEq, Serialize)]
pub struct CodeCount {
    /// The worst severity the code had in any domain.
    pub severity: &'static str,
    pub domains: u64,
    pub findings: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Timing {
    pub target: String,
    pub duration_ms: u64,
}

impl Tally {
    pub fn add(&mut self, report: &Report) {
        self.domains += 1;
        if report.summary.failed {
            self.failed += 1;
        }
        let mut seen_here: Vec<&str> = Vec::new();
        for f in &report.findings {
            if f.ignored {
                self.findings.ignored += 1;
                continue;
            }
            match f.severity {
                Severity::Error => self.findings.error += 1,
                Severity::Warning => self.findings.warning += 1,
                Severity::Info => self.findings.info += 1,
            }
            let c = self.codes.entry(f.code.clone()).or_default();
            // A code whose severity depends on the case (+all, ?all) shows its worst.
            if c.findings == 0 || rank(c.severity) < rank(f.severity.label()) {
                c.severity = f.severity.label();
            }
            c.findings += 1;
            if !seen_here.contains(&f.code.as_str()) {
                seen_here.push(&f.code);
                c.domains += 1;
            }
        }
        let t = Timing {
            target: report.target.clone(),
            duration_ms: report.duration_ms,
        };
        let at = self
            .slowest
            .iter()
            .position(|s| (s.duration_ms, &s.target) < (t.duration_ms, &t.target))
            .unwrap_or(self.slowest.len());
        if at < SLOWEST {
            self.slowest.insert(at, t);
            self.slowest.truncate(SLOWEST);
        }
    }

    /// The summary for people: totals, then codes by how many domains have them.
    pub fn human(&self) -> String {
        let mut s = format!(
            "{} domain(s), {} failed; findings: {} error(s), {} warning(s), {} info, {} ignored\n",
            self.domains,
            self.failed,
            self.findings.error,
            self.findings.warning,
            self.findings.info,
            self.findings.ignored
        );
        if !self.codes.is_empty() {
            let mut codes: Vec<(&String, &CodeCount)> = self.codes.iter().collect();
            codes.sort_by(|a, b| b.1.domains.cmp(&a.1.domains).then(a.0.cmp(b.0)));
            s.push_str("by code (domains, findings):\n");
            for (code, c) in codes {
                s.push_str(&format!(
                    "  {:<34} {:<8} {:>7} {:>8}\n",
                    code, c.severity, c.domains, c.findings
                ));
            }
        }
        if !self.slowest.is_empty() {
            s.push_str("slowest:\n");
            for t in &self.slowest {
                s.push_str(&format!(
                    "  {:>8} ms  {}\n",
                    t.duration_ms,
                    crate::escape::clip(&t.target, 253)
                ));
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::Finding;

    fn report(target: &str, ms: u64, findings: &[(&str, Severity, bool)]) -> Report {
        let mut r: Report =
            serde_json::from_str(include_str!("../../fixtures/domain/good.json")).expect("fixture");
        r.target = target.into();
        r.duration_ms = ms;
        r.findings = findings
            .iter()
            .map(|(code, severity, ignored)| Finding {
                code: code.to_string(),
                severity: *severity,
                ignored: *ignored,
                subject: String::new(),
                summary: String::new(),
                evidence: Vec::new(),
                fix: String::new(),
            })
            .collect();
        r.summary.failed = findings.iter().any(|(_, s, i)| *s == Severity::Error && !i);
        r
    }

    #[test]
    fn counts_per_code_severity_and_domain() {
        let mut t = Tally::default();
        t.add(&report(
            "a.test",
            10,
            &[
                ("mx.none", Severity::Error, false),
                ("dkim.key-weak", Severity::Warning, false),
                ("dkim.key-weak", Severity::Warning, false),
            ],
        ));
        t.add(&report(
            "b.test",
            30,
            &[
                ("dkim.key-weak", Severity::Error, false),
                ("mx.none", Severity::Error, true),
            ],
        ));
        t.add(&report("c.test", 20, &[]));
        assert_eq!((t.domains, t.failed), (3, 2));
        assert_eq!(
            t.findings,
            SeverityCounts {
                error: 2,
                warning: 2,
                info: 0,
                ignored: 1
            }
        );
        assert_eq!(
            t.codes["dkim.key-weak"],
            CodeCount {
                severity: "error",
                domains: 2,
                findings: 3
            }
        );
        assert_eq!(t.codes["mx.none"].domains, 1);
        let order: Vec<&str> = t.slowest.iter().map(|s| s.target.as_str()).collect();
        assert_eq!(order, ["b.test", "c.test", "a.test"]);
        let text = t.human();
        assert!(text.starts_with("3 domain(s), 2 failed; findings: 2 error(s), 2 warning(s)"));
        assert!(text.contains("dkim.key-weak"), "{text}");
    }

    #[test]
    fn only_the_slowest_are_kept() {
        let mut t = Tally::default();
        for i in 0..100 {
            t.add(&report(&format!("d{i}.test"), i, &[]));
        }
        assert_eq!(t.slowest.len(), SLOWEST);
        assert_eq!(t.slowest[0].duration_ms, 99);
        assert_eq!(t.slowest[SLOWEST - 1].duration_ms, 90);
    }
}
