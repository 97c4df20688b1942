//! Findings: what diagnosis concludes, each tied to a stable catalogue code.
// Evidence from servers and input from users reach this code: a surprise is a finding or an
// error, never a panic.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic,
        clippy::string_slice
    )
)]

pub mod catalogue;

use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    #[default]
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Finding {
    pub code: String,
    pub severity: Severity,
    /// The host:port, record or setting the finding is about.
    pub subject: String,
    /// One line a non-expert understands.
    pub summary: String,
    /// What was observed: reply lines, timings, fingerprints.
    pub evidence: Vec<String>,
    /// What to change, concretely.
    pub fix: String,
    /// Excluded from the exit decision by `--ignore`.
    #[serde(default)]
    pub ignored: bool,
}

impl Finding {
    /// A finding with the catalogue's default severity and fix; rules override what they know better.
    pub fn new(code: &str, subject: impl Into<String>, summary: impl Into<String>) -> Finding {
        let info = catalogue::lookup(code);
        debug_assert!(info.is_some(), "unknown finding code {code}");
        Finding {
            code: code.to_string(),
            severity: info.map(|i| i.severity).unwrap_or(Severity::Warning),
            subject: subject.into(),
            summary: summary.into(),
            evidence: Vec::new(),
            fix: info.map(|i| i.fix.to_string()).unwrap_or_default(),
            ignored: false,
        }
    }
    pub fn severity(mut self, severity: Severity) -> Finding {
        self.severity = severity;
        self
    }
    pub fn evidence(mut self, line: impl Into<String>) -> Finding {
        self.evidence.push(line.into());
        self
    }
    pub fn fix(mut self, fix: impl Into<String>) -> Finding {
        self.fix = fix.into();
        self
    }
}
