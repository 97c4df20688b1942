//! The report for people: header, addresses, the port table, findings by severity with their
//! fixes, and the protocol transcript on request.

use super::escape::visible as esc;
use super::RenderOptions;
use crate::evidence::{Direction, PhaseName, PortProbe, Protocol, ServerEvidence};
use crate::findings::{Finding, Severity};
use crate::report::{Body, Report};
use colored::Colorize;
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};
use std::fmt::Write;

pub fn render(report: &Report, opts: &RenderOptions) -> String {
    colored::control::set_override(opts.color);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} {} {} — {} ({} ms)",
        "mxray".bold(),
        report.body.command(),
        match &report.target_unicode {
            Some(u) => format!("{} ({})", esc(u).bold(), esc(&report.target)),
            None => esc(&report.target).bold().to_string(),
        },
        esc(&report.started_at),
        report.duration_ms
    );
    match &report.body {
        Body::Server(ev) => server(&mut s, ev, opts),
        Body::Domain(ev) => super::human_domain::domain(&mut s, ev, report, opts),
        Body::Check(ev) => super::human_check::check(&mut s, ev, &report.advice, opts),
    }
    if let Some(c) = &report.critical_path {
        critical_path(&mut s, c, report.duration_ms);
    }
    findings(&mut s, report);
    if let Body::Check(ev) = &report.body {
        super::human_check::use_these(&mut s, ev, &report.advice);
    }
    s
}

/// Why the run took what it took: the chain of steps that had to follow each other.
fn critical_path(s: &mut String, c: &crate::diagnose::critical_path::CriticalPath, run_ms: u64) {
    let rt = |r: Option<f64>| r.map(|r| format!(" {r:.1} RTT")).unwrap_or_default();
    let per = match (c.round_trips, c.rtt_ms) {
        (Some(n), Some(r)) => format!(", {n:.1} round trips of {r} ms"),
        _ => String::new(),
    };
    let _ = writeln!(
        s,
        "\n{} {} ms{per}, of the run's {run_ms} ms:",
        "Critical path".bold(),
        c.total_ms
    );
    for step in &c.steps {
        let _ = writeln!(
            s,
            "  {:>6} ms{:<9}  {}",
            step.duration_ms,
            rt(step.round_trips),
            esc(&step.what)
        );
    }
}

pub(super) fn server(s: &mut String, ev: &ServerEvidence, opts: &RenderOptions) {
    let r = &ev.resolution;
    let _ = writeln!(s);
    if r.addresses.is_empty() {
        let _ = writeln!(s, "{}", "No address to probe.".yellow());
    }
    for a in &r.addresses {
        let ptr = if a.ptr.records.is_empty() {
            format!("no PTR ({})", crate::diagnose::status_words(a.ptr.status))
        } else {
            esc(&a.ptr.records.join(", ")).into_owned()
        };
        let fc = match a.fcrdns {
            Some(true) => "forward-confirmed".green().to_string(),
            Some(false) => "not forward-confirmed".yellow().to_string(),
            None => String::new(),
        };
        let _ = writeln!(s, "  {:<40} PTR {} {}", a.ip.to_string(), ptr, fc);
    }
    if ev.probes.is_empty() {
        return;
    }
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(vec![
            "Endpoint",
            "Role",
            "Connect",
            "Greeting",
            "TLS",
            "Certificate",
            "AUTH",
        ]);
    for p in &ev.probes {
        t.add_row(vec![
            p.endpoint(),
            role_cell(p),
            connect_cell(p),
            greeting_cell(p),
            tls_cell(p),
            cert_cell(p),
            auth_cell(p),
        ]);
    }
    let _ = writeln!(s, "\n{t}");
    for p in ev.probes.iter() {
        if let Some(r) = &p.relay_test {
            let verdict = if r.accepted {
                "ACCEPTED (open relay)".red().bold().to_string()
            } else {
                "refused".green().to_string()
            };
            let reply = r.rcpt_reply.as_ref().unwrap_or(&r.mail_reply).text();
            let reply = esc(&reply);
            let _ = writeln!(s, "  Relay test on {}: {verdict} — {reply}", p.endpoint());
            let _ = writeln!(
                s,
                "  {}",
                "(a test from a network the server trusts proves nothing: repeat it from outside)"
                    .dimmed()
            );
        }
    }
    for p in ev.probes.iter() {
        if let Some(l) = &p.login {
            login_lines(s, p, l);
        }
    }
    if opts.transcript {
        transcripts(s, ev);
    }
}

/// The login tried on `p`: how, the server's answer, the full-address retry, the OAuth status.
fn login_lines(s: &mut String, p: &PortProbe, l: &crate::evidence::LoginAttempt) {
    let protocol = p.role.map(|r| r.protocol()).unwrap_or_default();
    let how = if protocol == Protocol::Smtp && l.mechanism == "LOGIN" && l.initial_response {
        "AUTH LOGIN (username with the command)".to_string()
    } else {
        esc(&l.method(protocol)).into_owned()
    };
    let line = match (&l.reply, l.accepted) {
        (Some(r), true) => format!("{} — {}", "accepted".green().bold(), esc(&r.text())),
        (Some(r), false) => format!("{} — {}", "refused".red().bold(), esc(&r.text())),
        // IMAP/POP3: nothing sent when the method is not on offer (LOGINDISABLED…).
        (None, _) if protocol != Protocol::Smtp && p.phase(PhaseName::Login).is_none() => {
            format!(
                "{} — the server does not offer it ({})",
                "not tried".yellow().bold(),
                esc(&p
                    .best_capabilities()
                    .map(|c| c.raw.join(" "))
                    .unwrap_or_default())
            )
        }
        (None, _)
            if !l
                .offered
                .iter()
                .any(|o| o.eq_ignore_ascii_case(&l.mechanism)) =>
        {
            format!(
                "{} — the server does not offer {} (AUTH: {})",
                "not tried".yellow().bold(),
                esc(&l.mechanism),
                if l.offered.is_empty() {
                    "none".to_string()
                } else {
                    esc(&l.offered.join(" ")).into_owned()
                }
            )
        }
        (None, _) => format!("{} — no reply", "broke off".red().bold()),
    };
    let _ = writeln!(s, "  Login on {} with {how}: {line}", p.endpoint());
    if let Some(r) = &l.retry {
        let _ = writeln!(
            s,
            "    retried as {} (domain from {}): {} — {}",
            esc(&r.user),
            esc(&r.domain_from),
            if r.accepted {
                "accepted".green().bold()
            } else {
                "refused".red().bold()
            },
            esc(&r
                .reply
                .as_ref()
                .map(|x| x.text())
                .unwrap_or_else(|| "no reply".into()))
        );
    }
    if let Some(e) = &l.oauth_error {
        let _ = writeln!(s, "    {} {}", "OAuth error status:".dimmed(), esc(e));
    }
}

/// Each probe's dialogue, line by line with its time.
fn transcripts(s: &mut String, ev: &ServerEvidence) {
    for p in &ev.probes {
        let _ = writeln!(
            s,
            "\n{} {}",
            "──".dimmed(),
            format!("{} transcript", p.endpoint()).bold()
        );
        for l in &p.transcript {
            let line = esc(&l.text);
            let (mark, text) = match l.dir {
                Direction::Client => (" -> ".cyan(), line.normal()),
                Direction::Server => ("<-  ".green(), line.normal()),
                Direction::Note => (" == ".dimmed(), line.dimmed()),
            };
            let _ = writeln!(s, "{:>6} {mark}{text}", format!("{}ms", l.t_ms).dimmed());
        }
    }
}

fn role_cell(p: &PortProbe) -> String {
    let r = p.role.map(|r| r.name()).unwrap_or("?");
    if p.sniffed.is_some() {
        format!("{r} (sniffed)")
    } else {
        r.to_string()
    }
}

fn connect_cell(p: &PortProbe) -> String {
    match p.phase(PhaseName::Connect) {
        None => "-".into(),
        Some(c) if c.outcome.is_ok() => format!("{} ms", c.duration_ms),
        Some(c) => outcome_word(&c.outcome).red().to_string(),
    }
}

fn outcome_word(o: &crate::evidence::Outcome) -> String {
    use crate::evidence::Outcome::*;
    match o {
        Ok => "ok".into(),
        Timeout => "timeout".into(),
        Refused => "refused".into(),
        Reset => "reset".into(),
        Closed => "closed".into(),
        Unreachable { .. } => "unreachable".into(),
        Violation { .. } => "protocol error".into(),
        Rejected { .. } => "rejected".into(),
        Error { .. } => "error".into(),
    }
}

fn greeting_cell(p: &PortProbe) -> String {
    match (&p.greeting, p.phase(PhaseName::Greeting)) {
        (Some(g), _) => {
            let first = g.lines.first().cloned().unwrap_or_default();
            let short: String = first.chars().take(40).collect();
            if short.len() < first.len() {
                format!("{}…", esc(&short))
            } else {
                esc(&short).into_owned()
            }
        }
        (None, Some(ph)) => outcome_word(&ph.outcome).red().to_string(),
        _ => "-".into(),
    }
}

fn tls_cell(p: &PortProbe) -> String {
    let Some(t) = &p.tls else {
        if p.capabilities.as_ref().is_some_and(|c| !c.starttls)
            && !p.role.is_some_and(|r| r.implicit_tls())
        {
            return "none offered".yellow().to_string();
        }
        return "-".into();
    };
    let mode = match t.mode {
        crate::evidence::TlsMode::Implicit => "implicit",
        crate::evidence::TlsMode::Starttls => "STARTTLS",
    };
    match &t.version {
        Some(v) => {
            let mut s = format!("{mode} {}", esc(v));
            if let Some(l) = &p.legacy_tls {
                let old: Vec<&str> = l
                    .accepted()
                    .into_iter()
                    .filter(|v| *v != "TLSv1.2")
                    .collect();
                if !old.is_empty() {
                    s.push_str(&format!("\n+{}", esc(&old.join(","))).yellow().to_string());
                }
            }
            s
        }
        None => format!("{mode} failed").red().to_string(),
    }
}

fn cert_cell(p: &PortProbe) -> String {
    let chain = p
        .tls
        .as_ref()
        .map(|t| &t.chain)
        .filter(|c| !c.is_empty())
        .or(p
            .legacy_tls
            .as_ref()
            .map(|l| &l.chain)
            .filter(|c| !c.is_empty()));
    let Some(leaf) = chain.and_then(|c| c.first()) else {
        return "-".into();
    };
    let date = esc(leaf.not_after.split('T').next().unwrap_or("")).into_owned();
    let v = p.tls.as_ref().and_then(|t| t.verification.as_ref());
    let mut marks = Vec::new();
    if let Some(v) = v {
        if !v.trusted {
            marks.push("untrusted");
        }
        if v.name_matches == Some(false) {
            marks.push("wrong name");
        }
    }
    if marks.is_empty() {
        format!("until {date}")
    } else {
        format!("until {date}\n{}", marks.join(", ").red())
    }
}

fn auth_cell(p: &PortProbe) -> String {
    esc(&auth_text(p)).into_owned()
}

fn auth_text(p: &PortProbe) -> String {
    let before = p
        .capabilities
        .as_ref()
        .map(|c| c.auth.join(" "))
        .unwrap_or_default();
    let after = p.capabilities_after_tls.as_ref().map(|c| c.auth.join(" "));
    match after {
        Some(a) if !before.is_empty() && before != a => format!(
            "{} (before TLS: {before})",
            if a.is_empty() { "none" } else { &a }
        ),
        Some(a) if a.is_empty() => "none".into(),
        Some(a) => a,
        None if before.is_empty() => "-".into(),
        None => before,
    }
}

fn findings(s: &mut String, report: &Report) {
    let _ = writeln!(s);
    if report.findings.is_empty() {
        let _ = writeln!(s, "{}\n", "No problems found.".green().bold());
    }
    for sev in [Severity::Error, Severity::Warning, Severity::Info] {
        let group: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.severity == sev)
            .collect();
        if group.is_empty() {
            continue;
        }
        let title = match sev {
            Severity::Error => format!("Errors ({})", group.len()).red().bold(),
            Severity::Warning => format!("Warnings ({})", group.len()).yellow().bold(),
            Severity::Info => format!("Info ({})", group.len()).blue().bold(),
        };
        let _ = writeln!(s, "{title}");
        for f in group {
            let mark = match sev {
                Severity::Error => "✖".red(),
                Severity::Warning => "▲".yellow(),
                Severity::Info => "●".blue(),
            };
            let ignored = if f.ignored {
                " (ignored)".dimmed().to_string()
            } else {
                String::new()
            };
            let _ = writeln!(
                s,
                "{mark} {} {}{ignored}",
                esc(&f.code).bold(),
                esc(&f.subject).dimmed()
            );
            let _ = writeln!(s, "  {}", esc(&f.summary));
            for e in &f.evidence {
                let _ = writeln!(s, "  {} {}", "seen:".dimmed(), esc(e));
            }
            let _ = writeln!(s, "  {} {}", "fix:".green(), esc(&f.fix));
        }
        let _ = writeln!(s);
    }
    let sm = &report.summary;
    let verdict = if sm.failed {
        "FAIL".red().bold()
    } else {
        "PASS".green().bold()
    };
    let _ = writeln!(
        s,
        "{verdict} — {} errors, {} warnings, {} info{} (fail on: {})",
        sm.errors,
        sm.warnings,
        sm.infos,
        if sm.ignored > 0 {
            format!(", {} ignored", sm.ignored)
        } else {
            String::new()
        },
        esc(&sm.fail_on)
    );
}
