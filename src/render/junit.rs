//! `--format junit`: one testsuite per target, one testcase per check area; the findings at or
//! above `--fail-on` are the testcase's failure (with each one's evidence and fix), the others
//! and the ignored ones its system-out, so nothing is dropped. The shape is the one CI servers
//! read (Jenkins, GitLab, GitHub test reporters); schema/junit.xsd describes it.

use super::areas::{split, Area};
use crate::findings::{Finding, Severity};
use crate::report::Report;
use std::fmt::Write;

pub fn render(report: &Report) -> String {
    render_all(std::slice::from_ref(report))
}

/// Several reports in one document (one testsuite each).
pub fn render_all(reports: &[Report]) -> String {
    let suites: Vec<(String, usize, usize, u64)> = reports.iter().map(suite).collect();
    let tests: usize = suites.iter().map(|s| s.1).sum();
    let failures: usize = suites.iter().map(|s| s.2).sum();
    let time: u64 = suites.iter().map(|s| s.3).sum();
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<testsuites name=\"mxray\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" time=\"{}\">",
        secs(time)
    );
    for (s, ..) in &suites {
        x.push_str(s);
    }
    x.push_str("</testsuites>\n");
    x
}

fn fails(f: &Finding, report: &Report) -> bool {
    !f.ignored && f.severity >= threshold(report)
}

fn threshold(report: &Report) -> Severity {
    match report.summary.fail_on.as_str() {
        "warning" => Severity::Warning,
        "info" => Severity::Info,
        _ => Severity::Error,
    }
}

/// (the testsuite element, tests, failures, time in ms)
fn suite(report: &Report) -> (String, usize, usize, u64) {
    let areas = split(report);
    let failures = areas
        .iter()
        .filter(|a| a.findings.iter().any(|f| fails(f, report)))
        .count();
    let name = format!("{} {}", report.body.command(), report.target);
    let mut x = String::new();
    let _ = writeln!(
        x,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\" time=\"{}\" timestamp=\"{}\" hostname=\"{}\">",
        attr(&name),
        areas.len(),
        secs(report.duration_ms),
        attr(report.started_at.trim_end_matches('Z').split('.').next().unwrap_or("")),
        attr(&report.target),
    );
    let _ = writeln!(x, "    <properties>");
    for (k, v) in [
        ("mxray.version", report.tool.version.as_str()),
        ("mxray.command", report.body.command()),
        ("mxray.fail_on", report.summary.fail_on.as_str()),
        ("mxray.started_at", report.started_at.as_str()),
    ] {
        let _ = writeln!(
            x,
            "      <property name=\"{}\" value=\"{}\"/>",
            attr(k),
            attr(v)
        );
    }
    let _ = writeln!(x, "    </properties>");
    let class = format!("mxray.{}.{}", report.body.command(), report.target);
    for a in &areas {
        testcase(&mut x, a, &class, report);
    }
    x.push_str("  </testsuite>\n");
    (x, areas.len(), failures, report.duration_ms)
}

fn testcase(x: &mut String, a: &Area, class: &str, report: &Report) {
    let (failing, rest): (Vec<&Finding>, Vec<&Finding>) =
        a.findings.iter().partition(|f| fails(f, report));
    let _ = write!(
        x,
        "    <testcase name=\"{}\" classname=\"{}\" time=\"{}\"",
        attr(&a.name),
        attr(class),
        secs(a.time_ms)
    );
    if failing.is_empty() && rest.is_empty() {
        x.push_str("/>\n");
        return;
    }
    x.push_str(">\n");
    if let Some(first) = failing.first() {
        let codes: Vec<&str> = failing.iter().map(|f| f.code.as_str()).collect();
        let worst = failing
            .iter()
            .map(|f| f.severity)
            .max()
            .unwrap_or(Severity::Error);
        let _ = write!(
            x,
            "      <failure message=\"{}\" type=\"{}\">",
            attr(&format!("{}: {}", codes.join(", "), first.summary)),
            worst.label()
        );
        for f in &failing {
            x.push_str(&text(&describe(f)));
        }
        x.push_str("</failure>\n");
    }
    if !rest.is_empty() {
        x.push_str("      <system-out>");
        for f in &rest {
            let mark = if f.ignored { "ignored " } else { "" };
            x.push_str(&text(&format!("{mark}{}", describe(f))));
        }
        x.push_str("</system-out>\n");
    }
    x.push_str("    </testcase>\n");
}

fn describe(f: &Finding) -> String {
    let mut s = format!(
        "[{}] {} {}: {}\n",
        f.severity.label(),
        f.code,
        f.subject,
        f.summary
    );
    for e in &f.evidence {
        let _ = writeln!(s, "  seen: {e}");
    }
    if !f.fix.is_empty() {
        let _ = writeln!(s, "  fix: {}", f.fix);
    }
    s
}

fn secs(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// XML text: the five special characters escaped, and characters XML 1.0 cannot carry
/// (C0 controls but tab and newline, lone surrogates cannot occur in a `str`, U+FFFE/FFFF)
/// written as `\u{..}` so hostile server text stays visible and the document stays valid.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' || c == '\u{7f}' => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// An attribute value: as [`text`], with newlines and tabs escaped too (an attribute would
/// normalise them to spaces).
fn attr(s: &str) -> String {
    text(s).replace('\n', "&#10;").replace('\t', "&#9;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_stays_well_formed() {
        assert_eq!(text("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
        assert_eq!(text("x\u{1b}[31m\u{0}y"), "x\\u{1b}[31m\\u{0}y");
        assert_eq!(attr("a\nb"), "a&#10;b");
        assert_eq!(secs(1234), "1.234");
        assert_eq!(secs(5), "0.005");
    }
}
