//! `--format sarif`: SARIF 2.1.0 (schema/sarif-schema-2.1.0.json), as code-scanning dashboards
//! read it: one rule per catalogue code with its explanation, one result per finding with its
//! evidence and fix, ignored findings kept as suppressed results.

use crate::findings::catalogue::{self, CATALOGUE};
use crate::findings::{Finding, Severity};
use crate::report::Report;
use serde_json::{json, Value};

pub fn render(report: &Report) -> String {
    let mut s =
        serde_json::to_string_pretty(&document(std::slice::from_ref(report))).unwrap_or_default();
    s.push('\n');
    s
}

/// One SARIF log with a run per report.
pub fn document(reports: &[Report]) -> Value {
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": reports.iter().map(run).collect::<Vec<_>>(),
    })
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn rules() -> Vec<Value> {
    CATALOGUE
        .iter()
        .map(|c| {
            let mut help = format!("{}\n\nWhy it matters: {}\n\nFix: {}", c.what, c.why, c.fix);
            if let Some(rule) = c.severity_rule {
                help.push_str(&format!("\n\nSeverity: {rule}"));
            }
            let markdown = format!(
                "**{}**\n\n{}\n\n**Why it matters.** {}\n\n**Fix.** {}\n\nReferences: {}",
                c.title,
                c.what,
                c.why,
                c.fix,
                c.references.join(", ")
            );
            json!({
                "id": c.code,
                "name": c.code,
                "shortDescription": {"text": c.title},
                "fullDescription": {"text": c.what},
                "help": {"text": help, "markdown": markdown},
                "defaultConfiguration": {"level": level(c.severity)},
                "properties": {
                    "tags": [catalogue::area(c.code)],
                    "references": c.references,
                },
            })
        })
        .collect()
}

fn result(f: &Finding, report: &Report) -> Value {
    let index = CATALOGUE.iter().position(|c| c.code == f.code);
    let mut message = f.summary.clone();
    if !f.fix.is_empty() {
        message.push_str(&format!("\nFix: {}", f.fix));
    }
    let mut r = json!({
        "ruleId": f.code,
        "level": level(f.severity),
        "message": {"text": message},
        "locations": [{
            "logicalLocations": [{
                "name": f.subject,
                "fullyQualifiedName": format!("{}/{}", report.target, f.subject),
                "kind": "resource",
            }],
        }],
        "properties": {
            "subject": f.subject,
            "evidence": f.evidence,
            "fix": f.fix,
        },
    });
    if let (Some(i), Some(o)) = (index, r.as_object_mut()) {
        o.insert("ruleIndex".into(), json!(i));
    }
    if let (true, Some(o)) = (f.ignored, r.as_object_mut()) {
        o.insert(
            "suppressions".into(),
            json!([{
                "kind": "external",
                "justification": "ignored with --ignore",
            }]),
        );
    }
    r
}

fn run(report: &Report) -> Value {
    json!({
        "tool": {"driver": {
            "name": "mxray",
            "version": report.tool.version,
            "semanticVersion": report.tool.version,
            "rules": rules(),
        }},
        "automationDetails": {"id": format!("mxray/{}/{}", report.body.command(), report.target)},
        "invocations": [{
            "executionSuccessful": true,
            "startTimeUtc": report.started_at,
            "properties": {
                "command": report.body.command(),
                "target": report.target,
                "duration_ms": report.duration_ms,
                "fail_on": report.summary.fail_on,
                "failed": report.summary.failed,
            },
        }],
        "results": report.findings.iter().map(|f| result(f, report)).collect::<Vec<_>>(),
    })
}
