//! `mxray domain` on the page: the per-area verdicts, the MX records, the SPF diagram, and the
//! DMARC / MTA-STS / TLS-RPT / DANE / DKIM state as one table.

use super::escape;
use crate::advice::{Advice, AreaState};
use crate::diagnose::status_words;
use crate::evidence::domain::{DmarcEvidence, DomainEvidence};
use crate::evidence::Lookup;
use std::fmt::Write;

pub(super) fn domain(s: &mut String, ev: &DomainEvidence, advice: &Advice) {
    s.push_str("<section id=\"areas\"><h2>Areas</h2>\n");
    if let Some(p) = &ev.provider {
        let _ = writeln!(s, "<p>Mail provider: <strong>{}</strong></p>", escape(p));
    }
    s.push_str("<table class=\"areas\"><tbody>\n");
    area_rows(s, advice);
    s.push_str("</tbody></table>\n");
    s.push_str("<h3>MX</h3>\n");
    if ev.mx.hosts.is_empty() {
        let _ = writeln!(
            s,
            "<p class=\"none\">No MX records{}: {}.</p>",
            if ev.mx.null_mx { " (null MX)" } else { "" },
            escape(status_words(ev.mx.lookup.status))
        );
    } else {
        s.push_str(
            "<table class=\"mx\"><thead><tr><th>Pref</th><th>Exchange</th></tr></thead><tbody>\n",
        );
        for h in &ev.mx.hosts {
            let alias = h
                .cname
                .as_ref()
                .map(|c| format!(" (CNAME → {c})"))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "<tr><td>{}</td><td><code>{}</code>{}</td></tr>",
                h.preference,
                escape(&crate::names::both_forms(&h.exchange)),
                escape(&alias)
            );
        }
        s.push_str("</tbody></table>\n");
    }
    s.push_str("</section>\n<section id=\"spf\"><h2>SPF include tree</h2>\n");
    let totals = advice
        .spf
        .as_ref()
        .map(|t| (t.lookups, t.void_lookups))
        .unwrap_or_else(|| super::spf::counted(&ev.spf.tree));
    super::spf::tree(s, &ev.spf.tree, totals);
    for e in &ev.spf.evaluations {
        let _ = write!(
            s,
            "<p>Sending IP <code>{}</code> (MAIL FROM <code>{}</code>): <strong>{}</strong></p><ul class=\"path\">",
            e.ip,
            escape(&e.mail_from),
            escape(&e.result)
        );
        for line in &e.path {
            let _ = write!(s, "<li><code>{}</code></li>", escape(line));
        }
        s.push_str("</ul>\n");
    }
    policy_table(s, ev, advice);
}

/// One table row per area: its verdict pill and the reason.
fn area_rows(s: &mut String, advice: &Advice) {
    for a in &advice.areas {
        let (class, word) = match a.verdict {
            AreaState::Pass => ("ok", "PASS"),
            AreaState::Info => ("info", "INFO"),
            AreaState::Warn => ("warn", "WARN"),
            AreaState::Fail => ("fail", "FAIL"),
            AreaState::NotChecked => ("muted", "not checked"),
            AreaState::CouldNotCheck => ("warn", "could not check"),
        };
        // A reason replaces the "not checked" pill: it already says so.
        let (pill, why) = match (&a.why, a.verdict) {
            (Some(w), AreaState::NotChecked | AreaState::CouldNotCheck) => {
                (String::new(), escape(w))
            }
            (Some(w), _) => (
                format!("<span class=\"pill {class}\">{word}</span>"),
                format!(" ({})", escape(w)),
            ),
            (None, _) => (
                format!("<span class=\"pill {class}\">{word}</span>"),
                String::new(),
            ),
        };
        let _ = writeln!(
            s,
            "<tr><th>{}</th><td>{pill}<span class=\"muted\">{why}</span></td></tr>",
            escape(&a.area)
        );
    }
}

/// The DMARC, MTA-STS, TLS-RPT, DANE, DKIM and blocklist state, one row per record.
fn policy_table(s: &mut String, ev: &DomainEvidence, advice: &Advice) {
    s.push_str("</section>\n<section id=\"policies\"><h2>Policy records</h2>\n");
    s.push_str("<div class=\"scroll\"><table class=\"policies\"><thead><tr><th>Record</th><th>Name</th><th>State</th></tr></thead><tbody>\n");
    dmarc_row(s, &ev.dmarc);
    lookup_row(s, "MTA-STS", &ev.mta_sts);
    if let Some(p) = &ev.mta_sts_policy {
        let state = match (&p.error, &p.body) {
            (Some(e), _) => format!("cannot be used: {e}"),
            (None, Some(body)) => body
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .take(12)
                .collect::<Vec<_>>()
                .join(" · "),
            (None, None) => "not fetched".to_string(),
        };
        row(s, "MTA-STS policy", &p.url, &state);
    }
    lookup_row(s, "TLS-RPT", &ev.tls_rpt);
    if ev.dane.is_empty() {
        row(s, "DANE", "—", "no TLSA records looked up");
    }
    for d in &ev.dane {
        let state = if d.tlsa.records.is_empty() {
            format!("no TLSA ({})", status_words(d.tlsa.status))
        } else {
            format!(
                "{} · {}",
                d.tlsa.records.join(" | "),
                if d.authentic_data {
                    "DNSSEC-validated"
                } else {
                    "not DNSSEC-validated by the resolver"
                }
            )
        };
        row(s, "DANE", &d.tlsa.name, &state);
    }
    if advice.dkim_keys.is_empty() {
        row(
            s,
            "DKIM",
            "—",
            &format!("no key at {} selector(s) tried", ev.dkim.selectors.len()),
        );
    }
    for k in &advice.dkim_keys {
        row(
            s,
            "DKIM",
            &format!("{}._domainkey ({})", k.selector, k.source),
            &k.summary,
        );
    }
    for b in &ev.dnsbl {
        let state = if b.a.records.is_empty() {
            "not listed".to_string()
        } else {
            let why = b
                .txt
                .as_ref()
                .map(|t| t.records.join(" "))
                .unwrap_or_default();
            format!("listed {} {why}", b.a.records.join(", "))
        };
        row(s, "Blocklist", &format!("{} in {}", b.ip, b.zone), &state);
    }
    s.push_str("</tbody></table></div>\n</section>\n");
}

fn row(s: &mut String, what: &str, name: &str, state: &str) {
    let _ = writeln!(
        s,
        "<tr><th>{}</th><td><code>{}</code></td><td><code class=\"record\">{}</code></td></tr>",
        escape(what),
        escape(name),
        escape(state)
    );
}

fn lookup_row(s: &mut String, what: &str, l: &Lookup) {
    let state = if l.records.is_empty() {
        format!("no record ({})", status_words(l.status))
    } else {
        l.records.join(" | ")
    };
    row(s, what, &l.name, &state);
}

pub(super) fn dmarc_row(s: &mut String, d: &DmarcEvidence) {
    match d.lookups.iter().find(|l| !l.records.is_empty()) {
        Some(l) => lookup_row(s, "DMARC", l),
        None => match d.lookups.first() {
            Some(l) => lookup_row(s, "DMARC", l),
            None => row(s, "DMARC", "—", "not looked up"),
        },
    }
}
