//! The JSON envelope shared by every command: schema version, command, target, timing, the
//! command's evidence, and the findings. `--save` writes it; `mxray diagnose` reads it back.

use crate::evidence::domain::DomainEvidence;
use crate::evidence::{ServerEvidence, SCHEMA_VERSION};
use crate::findings::{Finding, Severity};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    #[serde(flatten)]
    pub body: Body,
    pub target: String,
    /// The target with its internationalised names in Unicode (`bücher.example` for
    /// `xn--bcher-kva.example`), when it has any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_unicode: Option<String>,
    /// RFC 3339, UTC. Diagnosis measures certificate lifetimes against this, not the clock.
    pub started_at: String,
    pub duration_ms: u64,
    pub findings: Vec<Finding>,
    /// The conclusions the findings lead to (settings to use, per-area verdicts…); absent in
    /// reports from before it existed, and filled again by `mxray diagnose`.
    #[serde(default, skip_serializing_if = "crate::advice::Advice::is_empty")]
    pub advice: crate::advice::Advice,
    pub summary: Summary,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

impl Default for Tool {
    fn default() -> Self {
        Tool {
            name: "mxray".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        }
    }
}

/// The command and its evidence, as `"command": "...", "evidence": {...}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "command", content = "evidence", rename_all = "lowercase")]
pub enum Body {
    Server(Box<ServerEvidence>),
    Domain(Box<DomainEvidence>),
    Check(Box<crate::evidence::check::CheckEvidence>),
}

impl Body {
    pub fn command(&self) -> &'static str {
        match self {
            Body::Server(_) => "server",
            Body::Domain(_) => "domain",
            Body::Check(_) => "check",
        }
    }
}

/// Counts per severity (ignored findings excluded) and the verdict under `--fail-on`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub ignored: usize,
    pub fail_on: String,
    pub failed: bool,
}

/// `--fail-on`: the lowest severity that makes the exit status 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum FailOn {
    #[default]
    Error,
    Warning,
    Info,
    Never,
}

impl FailOn {
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::Never => None,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            FailOn::Error => "error",
            FailOn::Warning => "warning",
            FailOn::Info => "info",
            FailOn::Never => "never",
        }
    }
}

/// Marks ignored findings, orders them (worst first) and computes the summary.
pub fn finalize(findings: &mut [Finding], ignore: &[String], fail_on: FailOn) -> Summary {
    for f in findings.iter_mut() {
        f.ignored = ignore.iter().any(|c| c == &f.code);
    }
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.code.cmp(&b.code))
            .then_with(|| a.subject.cmp(&b.subject))
    });
    let counted = || findings.iter().filter(|f| !f.ignored);
    let count = |s: Severity| counted().filter(|f| f.severity == s).count();
    let failed = match fail_on.threshold() {
        None => false,
        Some(t) => counted().any(|f| f.severity >= t),
    };
    Summary {
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        infos: count(Severity::Info),
        ignored: findings.iter().filter(|f| f.ignored).count(),
        fail_on: fail_on.label().into(),
        failed,
    }
}

impl Report {
    pub fn new(body: Body, target: String, started_at: String, duration_ms: u64) -> Report {
        Report {
            schema_version: SCHEMA_VERSION,
            tool: Tool::default(),
            body,
            target_unicode: crate::names::unicode_in(&target),
            target,
            started_at,
            duration_ms,
            findings: Vec::new(),
            advice: crate::advice::Advice::default(),
            summary: Summary::default(),
        }
    }

    /// Unix seconds of `started_at`, the diagnosis' notion of "now".
    pub fn started_unix(&self) -> Option<i64> {
        time::OffsetDateTime::parse(
            &self.started_at,
            &time::format_description::well_known::Rfc3339,
        )
        .ok()
        .map(|t| t.unix_timestamp())
    }
}
