//! The human report of `mxray domain`: a one-screen verdict per area, then the MX hosts
//! (each with its server table), the SPF tree with lookup counts, and the records found.

use super::escape::visible as esc;
use super::RenderOptions;
use crate::advice::AreaState;
use crate::diagnose::domain::spf;
use crate::evidence::domain::{DomainEvidence, SpfNode};
use crate::report::Report;
use colored::Colorize;
use std::fmt::Write;

pub fn domain(s: &mut String, ev: &DomainEvidence, report: &Report, opts: &RenderOptions) {
    let _ = writeln!(s);
    if let Some(p) = &ev.provider {
        let _ = writeln!(s, "  Mail provider: {}", esc(p).bold());
    }
    area_verdicts(s, report);
    let _ = writeln!(s, "\n{}", "MX".bold());
    if ev.mx.hosts.is_empty() {
        let _ = writeln!(
            s,
            "  (none: {})",
            crate::diagnose::status_words(ev.mx.lookup.status)
        );
    }
    for h in &ev.mx.hosts {
        let alias = h
            .cname
            .as_ref()
            .map(|c| format!(" (CNAME → {})", esc(c)))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "  {:>5}  {}{alias}",
            h.preference,
            esc(&crate::names::both_forms(&h.exchange))
        );
    }
    for server in &ev.servers {
        let _ = writeln!(
            s,
            "\n{} {}",
            "Host".bold(),
            esc(&crate::names::both_forms(&server.host)).bold()
        );
        super::human::server(s, server, opts);
    }
    spf_section(s, ev, report);
    let _ = writeln!(s, "\n{}", "DMARC".bold());
    match ev.dmarc.lookups.iter().find(|l| !l.records.is_empty()) {
        Some(l) => {
            let _ = writeln!(s, "  {}: {}", esc(&l.name), esc(&l.records.join(" | ")));
        }
        None => {
            let _ = writeln!(s, "  (no record)");
        }
    }
    dkim_section(s, ev, report);
    if let Some(p) = &ev.mta_sts_policy {
        let _ = writeln!(s, "\n{}", "MTA-STS".bold());
        match (&p.error, &p.body) {
            (Some(e), _) => {
                let _ = writeln!(s, "  {}: {}", esc(&p.url), esc(e).red());
            }
            (None, Some(body)) => {
                let _ = writeln!(s, "  {}", esc(&p.url));
                for line in body.lines().filter(|l| !l.trim().is_empty()).take(12) {
                    let _ = writeln!(s, "    {}", esc(line.trim()).dimmed());
                }
            }
            _ => {}
        }
    }
}

/// One line per area with its verdict (or why it was not checked).
fn area_verdicts(s: &mut String, report: &Report) {
    for a in &report.advice.areas {
        let verdict = match a.verdict {
            AreaState::NotChecked => a
                .why
                .as_deref()
                .unwrap_or("not checked")
                .dimmed()
                .to_string(),
            AreaState::CouldNotCheck => a
                .why
                .as_deref()
                .unwrap_or("could not check")
                .yellow()
                .to_string(),
            AreaState::Fail => "FAIL".red().bold().to_string(),
            AreaState::Warn => "WARN".yellow().bold().to_string(),
            AreaState::Info => "INFO".blue().bold().to_string(),
            AreaState::Pass => "PASS".green().bold().to_string(),
        };
        let _ = writeln!(s, "  {:<11} {verdict}", a.area);
    }
}

/// The SPF include tree, the lookup totals and each evaluated sending IP with its path.
fn spf_section(s: &mut String, ev: &DomainEvidence, report: &Report) {
    let _ = writeln!(s, "\n{}", "SPF".bold());
    spf_tree(s, &ev.spf.tree, "  ", true);
    if let Some(t) = &report.advice.spf {
        let over = |n: usize, max: usize| {
            if n > max {
                format!("{n}/{max}").red().bold().to_string()
            } else {
                format!("{n}/{max}")
            }
        };
        let _ = writeln!(
            s,
            "  total: {} DNS lookups, {} void lookups",
            over(t.lookups, t.max_lookups),
            over(t.void_lookups, t.max_void_lookups)
        );
    }
    for e in &ev.spf.evaluations {
        let result = esc(&e.result);
        let verdict = if e.result == "pass" {
            result.green().bold().to_string()
        } else {
            result.red().bold().to_string()
        };
        let _ = writeln!(
            s,
            "  sending IP {} (MAIL FROM {}): {verdict}",
            e.ip,
            esc(&e.mail_from)
        );
        if let Some(x) = &e.explanation {
            let _ = writeln!(s, "    the domain explains: \"{}\"", esc(x));
        }
        for line in &e.path {
            let _ = writeln!(s, "    {}", esc(line).dimmed());
        }
    }
}

/// The DKIM keys found, or how many selectors were tried or could not be checked.
fn dkim_section(s: &mut String, ev: &DomainEvidence, report: &Report) {
    let _ = writeln!(s, "\n{}", "DKIM".bold());
    let failed = ev
        .dkim
        .selectors
        .iter()
        .filter(|d| d.lookup.records.is_empty() && d.lookup.status.is_failure())
        .count();
    if failed > 0 {
        let _ = writeln!(
            s,
            "  could not check {failed} of {} selector(s): the lookups failed",
            ev.dkim.selectors.len()
        );
    } else if report.advice.dkim_keys.is_empty() {
        let _ = writeln!(
            s,
            "  no key at {} selector(s) tried",
            ev.dkim.selectors.len()
        );
    }
    for k in &report.advice.dkim_keys {
        let _ = writeln!(
            s,
            "  {}._domainkey ({}): {}",
            esc(&k.selector),
            esc(&k.source),
            esc(&k.summary)
        );
    }
}

fn spf_tree(s: &mut String, n: &SpfNode, indent: &str, root: bool) {
    let label = if root {
        esc(&n.domain).into_owned()
    } else {
        esc(&format!("{}:{}", n.via, n.domain)).into_owned()
    };
    let record = match n.records.as_slice() {
        [] => format!(
            "(no SPF record: {})",
            crate::diagnose::status_words(n.lookup.status)
        ),
        [r] => esc(r).into_owned(),
        many => format!("({} SPF records)", many.len()),
    };
    let stopped = n
        .stopped
        .as_ref()
        .map(|w| format!(" [{}]", esc(w)))
        .unwrap_or_default();
    let own = spf::own_lookups(n)
        .map(|l| format!(" ({l} lookups)"))
        .unwrap_or_default();
    let _ = writeln!(
        s,
        "{indent}{}{own} {}{stopped}",
        label.bold(),
        record.dimmed()
    );
    let child_indent = format!("{indent}  ");
    for c in &n.children {
        spf_tree(s, c, &child_indent, false);
    }
}
