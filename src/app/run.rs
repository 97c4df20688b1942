//! `mxray run`: every target of mxray.toml checked concurrently through the same code paths as
//! `mxray server`, `mxray domain` and `mxray check`, each report diagnosed with the file's
//! expectations, then one document over all targets and one exit status.

use super::{
    check, diagnosed, domain_report, run_config, server_report, use_color, EXIT_FINDINGS, EXIT_OK,
};
use crate::cli::{Command, RunArgs};
use crate::diagnose::expect;
use crate::render::{self, Format, RenderOptions};
use crate::report::Report;
use std::io::Write;

/// Targets probed at once.
const MAX_PARALLEL: usize = 16;

/// One target's report, not yet diagnosed, with the diagnosis' "now".
type Probed = anyhow::Result<(Report, i64)>;

pub(super) fn run(args: RunArgs) -> anyhow::Result<u8> {
    let path = run_config::path(args.config.as_deref());
    let (file, text) = run_config::load(&path)?;
    let file_name = path.display().to_string();
    let jobs = run_config::jobs(&file_name, &text, &file, &args.settings)?;
    // Each target on a thread with its own runtime, as the single commands run it; at most
    // MAX_PARALLEL at once, so a long file does not start hundreds of runtimes.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let slots: Vec<std::sync::Mutex<Option<Probed>>> =
        jobs.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..jobs.len().min(MAX_PARALLEL) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(job) = jobs.get(i) else { break };
                let result = one(&job.command);
                if let Some(Ok(mut slot)) = slots.get(i).map(|s| s.lock()) {
                    *slot = Some(result);
                }
            });
        }
    });
    let results = slots.into_iter().map(|s| {
        s.into_inner()
            .ok()
            .flatten()
            .unwrap_or_else(|| Err(anyhow::anyhow!("internal failure")))
    });
    let mut reports = Vec::with_capacity(jobs.len());
    for (job, result) in jobs.iter().zip(results) {
        let (report, now) = result.map_err(|e| anyhow::anyhow!("{}: {e:#}", job.origin))?;
        let extra = expect::check(&report.body, now, &job.expect);
        reports.push(diagnosed(report, now, &job.ignore, job.fail_on, extra));
    }
    let labels: Vec<&str> = jobs.iter().map(|j| j.label.as_str()).collect();
    let origin = Origin {
        file: &file_name,
        lines: jobs.iter().map(|j| j.line).collect(),
    };
    let opts = RenderOptions {
        transcript: args.transcript,
        color: use_color(args.color),
    };
    let text = match &args.output {
        Some(out) => {
            let plain = RenderOptions {
                color: false,
                ..opts.clone()
            };
            std::fs::write(
                out,
                render_all(&reports, &labels, &origin, args.format, &plain),
            )
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", out.display()))?;
            render_all(&reports, &labels, &origin, Format::Human, &opts)
        }
        None => render_all(&reports, &labels, &origin, args.format, &opts),
    };
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`| head`) is not mxray's failure.
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
    Ok(if reports.iter().any(|r| r.summary.failed) {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
}

fn one(command: &Command) -> Probed {
    match command {
        Command::Server(a) => server_report(a),
        Command::Domain(a) => domain_report(a),
        Command::Check(a) => check::check_report(a.clone()),
        _ => anyhow::bail!("internal failure: not a target command"),
    }
}

/// Where each target was declared: SARIF results point there, since code scanning places
/// every result in a file.
pub struct Origin<'a> {
    pub file: &'a str,
    /// Per report, the line of its table header.
    pub lines: Vec<usize>,
}

/// One document over every target in the chosen format; for people, each report and then
/// a line per target.
pub fn render_all(
    reports: &[Report],
    labels: &[&str],
    origin: &Origin,
    format: Format,
    opts: &RenderOptions,
) -> String {
    match format {
        Format::Human => {
            let mut text = String::new();
            for (r, label) in reports.iter().zip(labels) {
                text.push_str(&format!("━━ {label}\n"));
                text.push_str(&render::render(r, Format::Human, opts));
                text.push('\n');
            }
            text.push_str(&render::escape::terminal_output(
                &summary(reports, labels),
                opts.color,
            ));
            text
        }
        Format::Json => {
            let docs: Vec<serde_json::Value> = reports
                .iter()
                .filter_map(|r| serde_json::to_value(r).ok())
                .collect();
            serde_json::to_string_pretty(&docs).unwrap_or_default() + "\n"
        }
        Format::Ndjson => reports
            .iter()
            .map(|r| render::render(r, Format::Ndjson, opts))
            .collect(),
        Format::Junit => render::junit::render_all(reports),
        Format::Html => html_all(reports, opts),
        Format::Sarif => {
            let mut doc = render::sarif::document(reports);
            located(&mut doc, origin);
            serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
        }
    }
}

/// One page over every target: the first page's head, then each target's `<main>` content
/// as an article (the renderer escapes all text, so the markers cannot occur inside it).
fn html_all(reports: &[Report], opts: &RenderOptions) -> String {
    let pages: Vec<String> = reports
        .iter()
        .map(|r| render::render(r, Format::Html, opts))
        .collect();
    let Some(first) = pages.first() else {
        return String::new();
    };
    let head = first.split("<main>").next().unwrap_or("");
    let mut out = format!("{head}<main>\n");
    for page in &pages {
        let body = page
            .split_once("<main>")
            .and_then(|(_, rest)| rest.split_once("</main>"))
            .map(|(inner, _)| inner)
            .unwrap_or("");
        out.push_str("<article class=\"target\">");
        out.push_str(body);
        out.push_str("</article>\n");
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

/// `PASS  server mail.example.com  0 errors, 1 warning` per target, then the totals.
pub fn summary(reports: &[Report], labels: &[&str]) -> String {
    let mut text = String::from("Summary\n");
    let width = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    for (r, label) in reports.iter().zip(labels) {
        let s = &r.summary;
        let verdict = if s.failed { "FAIL" } else { "PASS" };
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        let mut line = format!(
            "  {verdict}  {label:<width$}  {}, {}, {}",
            plural(s.errors, "error"),
            plural(s.warnings, "warning"),
            plural(s.infos, "info"),
        );
        if s.ignored > 0 {
            line.push_str(&format!(", {} ignored", s.ignored));
        }
        line.push_str(&format!(" (fail_on {})\n", s.fail_on));
        text.push_str(&line);
    }
    let failed = reports.iter().filter(|r| r.summary.failed).count();
    text.push_str(&format!(
        "{} targets: {} passed, {} failed\n",
        reports.len(),
        reports.len() - failed,
        failed
    ));
    text
}

/// Adds the configuration file, at the target's table, as each result's physical location.
fn located(doc: &mut serde_json::Value, origin: &Origin) {
    let Some(runs) = doc.get_mut("runs").and_then(|r| r.as_array_mut()) else {
        return;
    };
    for (run, line) in runs.iter_mut().zip(&origin.lines) {
        let physical = serde_json::json!({
            "artifactLocation": {"uri": origin.file.replace('\\', "/")},
            "region": {"startLine": line},
        });
        let results = run.get_mut("results").and_then(|r| r.as_array_mut());
        for result in results.into_iter().flatten() {
            if let Some(loc) = result
                .get_mut("locations")
                .and_then(|l| l.get_mut(0))
                .and_then(|l| l.as_object_mut())
            {
                loc.insert("physicalLocation".into(), physical.clone());
            }
        }
    }
}
