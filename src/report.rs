//! The JSON envelope shared by every command: schema version, command, target, timing, the
//! command's evidence, and the findings. `--save` writes it; `mxray diagnose` reads it back.
// Values from the user, the network and saved reports: a bad one is an error, never a panic.
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
    /// The longest chain of steps that depended on each other, from the evidence's timings;
    /// absent for `mxray check` and in reports from before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub critical_path: Option<crate::diagnose::critical_path::CriticalPath>,
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
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
            critical_path: None,
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

/// The largest report `mxray diagnose` reads. A run is typically 10–100 KB (the biggest fixture
/// is 75 KB) and one port probe records at most about 130 KB (400 transcript lines of 300
/// characters), so only runs of a hundred-odd ports with full transcripts come near it; the
/// bound keeps `/dev/zero`, a log file given by mistake or a hostile file from exhausting memory
/// (a report at the bound peaks near 110 MB while it is diagnosed and rendered).
pub const MAX_REPORT_BYTES: usize = 16 * 1024 * 1024;

/// The deepest nesting of objects and arrays accepted. A report nests about 30 levels at most
/// (a 12-level SPF include tree); serde_json's own limit of 128 stays as a second bound.
pub const MAX_REPORT_DEPTH: usize = 64;

/// Why a saved report could not be loaded.
#[derive(Debug)]
pub enum LoadError {
    Read(std::io::Error),
    TooLarge,
    TooDeep,
    NotReport(String),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Read(e) => write!(f, "cannot read it: {e}"),
            LoadError::TooLarge => write!(
                f,
                "larger than {}, the most `mxray diagnose` reads",
                crate::bounded_read::size_words(MAX_REPORT_BYTES)
            ),
            LoadError::TooDeep => write!(
                f,
                "nested more than {MAX_REPORT_DEPTH} levels deep, which no mxray report is"
            ),
            LoadError::NotReport(why) => write!(f, "not an mxray report: {why}"),
        }
    }
}

/// Reads at most [`MAX_REPORT_BYTES`] from `input` (a file, a pipe, a device) and decodes it.
pub fn load(input: impl std::io::Read) -> Result<Report, LoadError> {
    use crate::bounded_read::{read_at_most, ReadError};
    let bytes = read_at_most(input, MAX_REPORT_BYTES).map_err(|e| match e {
        ReadError::Io(e) => LoadError::Read(e),
        ReadError::TooLarge(_) => LoadError::TooLarge,
    })?;
    if nesting_depth(&bytes) > MAX_REPORT_DEPTH {
        return Err(LoadError::TooDeep);
    }
    decode(&bytes).map_err(|e| LoadError::NotReport(e.to_string()))
}

/// The report envelope with the evidence of one known command.
#[derive(Deserialize)]
struct Typed<E> {
    schema_version: u32,
    tool: Tool,
    evidence: E,
    target: String,
    #[serde(default)]
    target_unicode: Option<String>,
    started_at: String,
    duration_ms: u64,
    findings: Vec<Finding>,
    #[serde(default)]
    advice: crate::advice::Advice,
    #[serde(default)]
    critical_path: Option<crate::diagnose::critical_path::CriticalPath>,
    summary: Summary,
}

impl<E> Typed<E> {
    fn into_report(self, body: impl FnOnce(E) -> Body) -> Report {
        Report {
            schema_version: self.schema_version,
            tool: self.tool,
            body: body(self.evidence),
            target: self.target,
            target_unicode: self.target_unicode,
            started_at: self.started_at,
            duration_ms: self.duration_ms,
            findings: self.findings,
            advice: self.advice,
            critical_path: self.critical_path,
            summary: self.summary,
        }
    }
}

/// Decodes in two passes: the command, then the envelope with that command's evidence typed
/// directly. `Report`'s own decoding buffers the whole document first (the flattened, tagged
/// body), which takes several times the file's size in memory.
fn decode(bytes: &[u8]) -> Result<Report, serde_json::Error> {
    #[derive(Deserialize)]
    struct Head {
        command: Option<String>,
    }
    let head: Head = serde_json::from_slice(bytes)?;
    Ok(match head.command.as_deref() {
        Some("server") => serde_json::from_slice::<Typed<_>>(bytes)?.into_report(Body::Server),
        Some("domain") => serde_json::from_slice::<Typed<_>>(bytes)?.into_report(Body::Domain),
        Some("check") => serde_json::from_slice::<Typed<_>>(bytes)?.into_report(Body::Check),
        // Unknown or missing: the derived decoder names the problem.
        _ => serde_json::from_slice(bytes)?,
    })
}

/// The deepest nesting of `{` and `[` outside JSON strings, counted without parsing.
fn nesting_depth(bytes: &[u8]) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for &b in bytes {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

#[cfg(test)]
mod load_tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn nesting_is_counted_outside_strings_only() {
        assert_eq!(nesting_depth(br#"{"a": [1, {"b": "[[[{{{"}]}"#), 3);
        assert_eq!(nesting_depth(br#"{"a": "\"[[", "b": []}"#), 2);
        assert_eq!(nesting_depth(b"no json"), 0);
    }

    #[test]
    fn the_two_pass_decoder_reads_every_fixture_as_report_does() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut seen = 0;
        for dir in ["server", "domain", "check"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let bytes = std::fs::read(entry.unwrap().path()).unwrap();
                let direct: Report = serde_json::from_slice(&bytes).unwrap();
                assert_eq!(decode(&bytes).unwrap(), direct);
                seen += 1;
            }
        }
        assert!(seen >= 50, "{seen} fixtures");
        let mut doc: serde_json::Value =
            serde_json::from_slice(&std::fs::read(root.join("server/expired.json")).unwrap())
                .unwrap();
        doc["command"] = "frob".into();
        let unknown = serde_json::to_vec(&doc).unwrap();
        let err = decode(&unknown).unwrap_err().to_string();
        assert!(err.contains("unknown variant `frob`"), "{err}");
        let missing = br#"{"schema_version": 1, "command": "server"}"#;
        assert!(decode(missing)
            .unwrap_err()
            .to_string()
            .contains("missing field"));
    }

    #[test]
    fn oversized_deep_and_foreign_input_is_refused() {
        let zeros = std::io::repeat(0).take(MAX_REPORT_BYTES as u64 + 10);
        assert!(matches!(load(zeros), Err(LoadError::TooLarge)));
        let deep = "[".repeat(MAX_REPORT_DEPTH + 1);
        assert!(matches!(load(deep.as_bytes()), Err(LoadError::TooDeep)));
        let ok_depth = "[".repeat(MAX_REPORT_DEPTH);
        assert!(matches!(
            load(ok_depth.as_bytes()),
            Err(LoadError::NotReport(_))
        ));
        assert!(matches!(
            load(&b"\x7fELF\x02\x01\x01\x00\xff\xfe"[..]),
            Err(LoadError::NotReport(_))
        ));
    }
}
