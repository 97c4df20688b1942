//! `--format html`: one self-contained page to look at and send on — the verdict in plain
//! words, the findings with their fixes, the settings to use, a per-port phase waterfall, the
//! certificate chains on a time line, the SPF tree and the domain's policy records. Inline CSS
//! and SVG only: a strict Content-Security-Policy, no script, no external request.
//!
//! Everything a server, a DNS zone or the user supplied goes through [`escape`]: banners, EHLO
//! lines, certificate subjects and TXT records are attacker-controlled.

#[path = "html_certs.rs"]
mod certs;
#[path = "html_check.rs"]
mod check;
#[path = "html_css.rs"]
mod css;
#[path = "html_policy.rs"]
mod policy;
#[path = "html_spf.rs"]
mod spf;
#[path = "html_waterfall.rs"]
mod waterfall;

use crate::evidence::ServerEvidence;
use crate::findings::{catalogue, Finding, Severity};
use crate::report::{Body, Report};
use std::fmt::Write;

/// The page's Content-Security-Policy: nothing may load or run; only the inline style and
/// `data:` images are allowed.
pub const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/// Text made safe for HTML element content and quoted attribute values. Control characters
/// (which HTML forbids and a terminal would interpret) become visible: C0 and DEL as their
/// Unicode control pictures (U+2400…), C1 as `\u{..}`; only newline and tab stay as they are.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(c),
            '\u{0}'..='\u{1f}' => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('?')),
            '\u{7f}' => out.push('\u{2421}'),
            '\u{80}'..='\u{9f}' => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// At most `max` characters of `s` (an ellipsis when cut), for labels inside SVG where text
/// cannot wrap; the full text is always in the element's `<title>` or a table.
pub(super) fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// The page; `opts.transcript` (`-v`) adds each port's dialogue, folded.
pub fn render(report: &Report, opts: &super::RenderOptions) -> String {
    let t = opts.transcript;
    let mut s = String::with_capacity(64 * 1024);
    let target = match &report.target_unicode {
        Some(u) => format!("{u} ({})", report.target),
        None => report.target.clone(),
    };
    let _ = writeln!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"color-scheme\" content=\"light dark\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <title>mxray {} {}</title>\n<style>{}</style>\n</head>\n<body>\n<main>",
        escape(CSP),
        report.body.command(),
        escape(&target),
        css::CSS
    );
    header(&mut s, report, &target);
    verdict(&mut s, report);
    if let Body::Check(ev) = &report.body {
        check::use_these(&mut s, ev, &report.advice);
    }
    findings(&mut s, report);
    let now = report.started_unix().unwrap_or(0);
    match &report.body {
        Body::Server(ev) => server(&mut s, ev, "Server", now, t),
        Body::Domain(ev) => {
            policy::domain(&mut s, ev, &report.advice);
            for sv in &ev.servers {
                server(&mut s, sv, "MX host", now, t);
            }
        }
        Body::Check(ev) => {
            check::settings(&mut s, ev, &report.advice);
            if let Some(c) = &ev.configured {
                server(&mut s, c, "As configured", now, t);
            }
            if let Some(a) = ev.alternatives.as_ref().filter(|a| !a.probes.is_empty()) {
                server(&mut s, a, "Alternatives on the same host", now, t);
            }
            for c in ev.discovery.iter().flat_map(|d| d.candidates.iter()) {
                if let Some(p) = &c.probe {
                    server(&mut s, p, "Discovered setting", now, t);
                }
            }
        }
    }
    let _ = writeln!(
        s,
        "<footer><p>Made by {} {} from the report of a run started {}, {} ms. \
         <code>mxray diagnose</code> re-creates this page from the report saved with \
         <code>--save</code>; passwords are never recorded.</p></footer>\n</main>\n</body>\n</html>",
        escape(&report.tool.name),
        escape(&report.tool.version),
        escape(&report.started_at),
        report.duration_ms
    );
    s
}

fn header(s: &mut String, report: &Report, target: &str) {
    let _ = writeln!(
        s,
        "<header><p class=\"tool\">mxray {}</p><h1>{}</h1><p class=\"meta\">run {} · {} ms</p></header>",
        report.body.command(),
        escape(target),
        escape(&report.started_at),
        report.duration_ms
    );
}

/// The worst counted finding's summary, in the words a person reads first.
fn verdict(s: &mut String, report: &Report) {
    let worst = report
        .findings
        .iter()
        .filter(|f| !f.ignored)
        .max_by_key(|f| f.severity);
    let sum = &report.summary;
    let counts = format!(
        "{} error{}, {} warning{}, {} info{}",
        sum.errors,
        plural(sum.errors),
        sum.warnings,
        plural(sum.warnings),
        sum.infos,
        plural(sum.infos)
    );
    let ignored = if sum.ignored > 0 {
        format!(", {} ignored", sum.ignored)
    } else {
        String::new()
    };
    let (class, text) = match worst {
        Some(f) if f.severity > Severity::Info => (f.severity.label(), f.summary.as_str()),
        _ => ("ok", "No problems found"),
    };
    let outcome = if sum.failed {
        format!("fails under --fail-on {}", sum.fail_on)
    } else {
        format!("passes under --fail-on {}", sum.fail_on)
    };
    let _ = writeln!(
        s,
        "<section class=\"verdict v-{class}\" id=\"verdict\"><h2>{}</h2><p>{counts}{ignored} · {}</p></section>",
        escape(text),
        escape(&outcome)
    );
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn findings(s: &mut String, report: &Report) {
    let _ = writeln!(s, "<section id=\"findings\"><h2>Findings</h2>");
    if report.findings.is_empty() {
        let _ = writeln!(
            s,
            "<p class=\"none\">None: nothing mxray checks is wrong.</p>"
        );
    }
    let mut n = 0;
    for (sev, title) in [
        (Severity::Error, "Errors"),
        (Severity::Warning, "Warnings"),
        (Severity::Info, "Information"),
    ] {
        let group: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.severity == sev)
            .collect();
        if group.is_empty() {
            continue;
        }
        let _ = writeln!(
            s,
            "<div class=\"group g-{}\"><h3>{title} ({})</h3>",
            sev.label(),
            group.len()
        );
        for f in group {
            n += 1;
            finding(s, f, n);
        }
        s.push_str("</div>\n");
    }
    s.push_str("</section>\n");
}

fn finding(s: &mut String, f: &Finding, n: usize) {
    let info = catalogue::lookup(&f.code);
    let ignored = if f.ignored {
        " <span class=\"ignored\">ignored (--ignore)</span>"
    } else {
        ""
    };
    let _ = writeln!(
        s,
        "<section class=\"finding sev-{sev}\" id=\"finding-{n}\" data-code=\"{code}\" data-severity=\"{sev}\">\n\
         <h4><span class=\"badge\">{sev}</span> <code class=\"code\">{code}</code>{ignored}</h4>\n\
         <p class=\"summary\">{}</p>\n<p class=\"subject\">{}</p>",
        escape(&f.summary),
        escape(&f.subject),
        sev = f.severity.label(),
        code = escape(&f.code),
    );
    if !f.evidence.is_empty() {
        s.push_str("<h5>What was seen</h5><ul class=\"evidence\">");
        for e in &f.evidence {
            let _ = write!(s, "<li><code>{}</code></li>", escape(e));
        }
        s.push_str("</ul>\n");
    }
    if let Some(i) = info {
        let _ = writeln!(
            s,
            "<h5>What it means</h5><p class=\"what\">{}</p>\n<h5>Why it matters</h5><p class=\"why\">{}</p>",
            escape(i.what),
            escape(i.why)
        );
    }
    let _ = writeln!(s, "<h5>Fix</h5><p class=\"fix\">{}</p>", escape(&f.fix));
    if let Some(i) = info.filter(|i| !i.references.is_empty()) {
        let _ = writeln!(
            s,
            "<p class=\"refs\">References: {}</p>",
            escape(&i.references.join("; "))
        );
    }
    s.push_str("</section>\n");
}

/// One probed host: its addresses, then each port with its waterfall, then the certificates.
fn server(s: &mut String, ev: &ServerEvidence, role: &str, now: i64, transcript: bool) {
    let host = crate::names::both_forms(&ev.host);
    let _ = writeln!(
        s,
        "<section class=\"server\" data-host=\"{}\"><h2>{} <span class=\"host\">{}</span></h2>",
        escape(&ev.host),
        escape(role),
        escape(&host)
    );
    let r = &ev.resolution;
    if r.addresses.is_empty() {
        s.push_str("<p class=\"none\">No address to probe.</p>\n");
    } else {
        s.push_str(
            "<div class=\"scroll\"><table class=\"addresses\"><thead><tr><th>Address</th><th>PTR</th><th>Forward-confirmed</th></tr></thead><tbody>\n",
        );
        for a in &r.addresses {
            let ptr = if a.ptr.records.is_empty() {
                format!("none ({})", crate::diagnose::status_words(a.ptr.status))
            } else {
                a.ptr.records.join(", ")
            };
            let fc = match a.fcrdns {
                Some(true) => "yes",
                Some(false) => "no",
                None => "—",
            };
            let _ = writeln!(
                s,
                "<tr><td><code>{}</code></td><td>{}</td><td>{fc}</td></tr>",
                a.ip,
                escape(&ptr)
            );
        }
        s.push_str("</tbody></table></div>\n");
    }
    for p in &ev.probes {
        waterfall::port(s, p, transcript);
    }
    certs::chains(s, ev, now);
    s.push_str("</section>\n");
}
