//! The human report of `mxray domain`: a one-screen verdict per area, then the MX hosts
//! (each with its server table), the SPF tree with lookup counts, and the records found.

use super::escape::visible as esc;
use super::RenderOptions;
use crate::diagnose::domain::spf;
use crate::evidence::domain::{DomainEvidence, SpfNode};
use crate::findings::Severity;
use crate::report::Report;
use colored::Colorize;
use std::fmt::Write;

/// The areas of the summary and the finding codes that belong to each.
const AREAS: &[(&str, &[&str])] = &[
    ("MX", &["dns.", "net."]),
    ("STARTTLS", &["tls.", "smtp."]),
    ("SPF", &["spf."]),
    ("DKIM", &["dkim."]),
    ("DMARC", &["dmarc."]),
    ("MTA-STS", &["mta-sts."]),
    ("TLS-RPT", &["tls-rpt."]),
    ("DANE", &["dane."]),
    ("Blocklists", &["dnsbl."]),
];

pub fn domain(s: &mut String, ev: &DomainEvidence, report: &Report, opts: &RenderOptions) {
    let _ = writeln!(s);
    if let Some(p) = &ev.provider {
        let _ = writeln!(s, "  Mail provider: {}", esc(p).bold());
    }
    for (area, prefixes) in AREAS {
        let worst = report
            .findings
            .iter()
            .filter(|f| !f.ignored && prefixes.iter().any(|p| f.code.starts_with(p)))
            .map(|f| f.severity)
            .max();
        // An area with nothing to judge is said so, never shown as a pass.
        let verdict = if *area == "Blocklists" && ev.dnsbl.is_empty() {
            "not checked (--dnsbl)".dimmed().to_string()
        } else if *area == "DANE" && ev.dane.is_empty() {
            "no TLSA records".dimmed().to_string()
        } else if *area == "STARTTLS" && !ev.options.probe {
            "not checked (--no-probe)".dimmed().to_string()
        } else {
            match worst {
                Some(Severity::Error) => "FAIL".red().bold().to_string(),
                Some(Severity::Warning) => "WARN".yellow().bold().to_string(),
                Some(Severity::Info) => "INFO".blue().bold().to_string(),
                None => "PASS".green().bold().to_string(),
            }
        };
        let _ = writeln!(s, "  {:<11} {verdict}", area);
    }
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
        let _ = writeln!(s, "  {:>5}  {}{alias}", h.preference, esc(&h.exchange));
    }
    for server in &ev.servers {
        let _ = writeln!(s, "\n{} {}", "Host".bold(), esc(&server.host).bold());
        super::human::server(s, server, opts);
    }
    let _ = writeln!(s, "\n{}", "SPF".bold());
    spf_tree(s, &ev.spf.tree, "  ", true);
    if !ev.spf.tree.records.is_empty() {
        let c = spf::count(&ev.spf.tree);
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
            over(c.lookups, spf::MAX_LOOKUPS),
            over(c.voids.len(), spf::MAX_VOIDS)
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
        for line in &e.path {
            let _ = writeln!(s, "    {}", esc(line).dimmed());
        }
    }
    let _ = writeln!(s, "\n{}", "DMARC".bold());
    match ev.dmarc.lookups.iter().find(|l| !l.records.is_empty()) {
        Some(l) => {
            let _ = writeln!(s, "  {}: {}", esc(&l.name), esc(&l.records.join(" | ")));
        }
        None => {
            let _ = writeln!(s, "  (no record)");
        }
    }
    let _ = writeln!(s, "\n{}", "DKIM".bold());
    let found: Vec<_> = ev
        .dkim
        .selectors
        .iter()
        .filter(|d| !d.lookup.records.is_empty())
        .collect();
    if found.is_empty() {
        let _ = writeln!(
            s,
            "  no key at {} selector(s) tried",
            ev.dkim.selectors.len()
        );
    }
    for d in found {
        let text = d.lookup.records.join("");
        let what = match crate::policy::dkim::parse(&text) {
            Ok(k) if k.revoked => "revoked (empty p=)".to_string(),
            Ok(k) => {
                let kind = match &k.key_type {
                    crate::policy::dkim::KeyType::Rsa => "RSA".to_string(),
                    crate::policy::dkim::KeyType::Ed25519 => "Ed25519".to_string(),
                    crate::policy::dkim::KeyType::Other(o) => o.clone(),
                };
                let bits = k.key_bits.map(|b| format!(" {b}-bit")).unwrap_or_default();
                let testing = if k.testing { ", testing (t=y)" } else { "" };
                format!("{kind}{bits}{testing}")
            }
            Err(e) => format!("does not parse: {}", e.message),
        };
        let _ = writeln!(
            s,
            "  {}._domainkey ({}): {}",
            esc(&d.selector),
            esc(&d.source),
            esc(&what)
        );
    }
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
