//! The human report of `mxray check ADDRESS`: what each source said, the table of discovered
//! settings with their live verdicts, and the settings to use.

use super::escape::visible as esc;
use crate::advice::{Advice, CandidateVerdict, SettingsAdvice};
use crate::diagnose::discover;
use crate::evidence::discovery::DiscoveryEvidence;
use crate::policy::autoconfig::username_words;
use colored::Colorize;
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};
use std::fmt::Write;

pub fn discovery(s: &mut String, d: &DiscoveryEvidence, advice: &Advice) {
    let _ = writeln!(
        s,
        "\n{}",
        format!("Discovery for {}", esc(&d.address)).bold()
    );
    let db = match &d.provider_db.provider {
        Some(p) => format!("{} ({})", esc(&p.name), esc(&p.source)),
        None => format!("{} is not a known provider's domain", esc(&d.domain)),
    };
    let _ = writeln!(s, "  {:<22} {db}", "provider database");
    for l in &d.srv {
        let said = if l.records.is_empty() {
            crate::diagnose::status_words(l.lookup.status).to_string()
        } else {
            l.records
                .iter()
                .map(|r| {
                    if r.target == "." {
                        "not offered (target .)".to_string()
                    } else {
                        format!(
                            "{}:{} (priority {}, weight {})",
                            esc(&r.target),
                            r.port,
                            r.priority,
                            r.weight
                        )
                    }
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(s, "  {:<22} {said}", format!("SRV {}", esc(&l.service)));
    }
    for f in &d.autoconfig {
        let said = match (&f.fetch.error, &f.parse_error, &f.config) {
            (Some(e), _, _) => esc(&discover::short(e)).yellow().to_string(),
            (None, Some(e), _) => format!("not a usable file: {}", esc(e))
                .yellow()
                .to_string(),
            (None, None, Some(c)) => format!("{} server(s)", c.servers.len()),
            (None, None, None) => "no file".into(),
        };
        let _ = writeln!(s, "  {:<22} {} — {said}", "autoconfig", esc(&f.fetch.url));
    }
    let mx_hosts: Vec<&str> =
        d.mx.lookup
            .records
            .iter()
            .filter_map(|r| r.split_whitespace().nth(1))
            .collect();
    let mx_hosts = esc(&mx_hosts.join(", ")).into_owned();
    let mx = match (&d.mx.provider, mx_hosts.is_empty()) {
        (Some(p), _) => format!("{mx_hosts} → {}", esc(&p.name)),
        (None, true) => crate::diagnose::status_words(d.mx.lookup.status).to_string(),
        (None, false) => format!("{mx_hosts} (no known provider)"),
    };
    let _ = writeln!(s, "  {:<22} {mx}", "MX");
    if d.candidates.is_empty() {
        let _ = writeln!(s, "\n{}", "No settings were found.".yellow());
        return;
    }
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(vec![
            "Protocol",
            "Server",
            "Port",
            "Security",
            "Username",
            "Found by",
            "Verified live",
        ]);
    for (i, c) in d.candidates.iter().enumerate() {
        let verdict = match advice.candidates.get(i) {
            Some(CandidateVerdict::Works) => "works".green().to_string(),
            Some(CandidateVerdict::Fails { why }) => {
                format!("fails: {}", esc(why)).red().to_string()
            }
            Some(CandidateVerdict::NotProbed { why }) => {
                format!("not probed: {}", esc(why)).dimmed().to_string()
            }
            None => String::new(),
        };
        t.add_row(vec![
            discover::protocol_name(c.setting.protocol).to_string(),
            esc(&c.setting.host).into_owned(),
            c.setting.port.to_string(),
            c.setting.security.words().to_string(),
            esc(&username_words(c.setting.username.as_deref())).into_owned(),
            c.sources
                .iter()
                .map(|k| k.words())
                .collect::<Vec<_>>()
                .join(", "),
            verdict,
        ]);
    }
    let _ = writeln!(s, "\n{t}");
    if d.password_unused {
        let _ = writeln!(
            s,
            "  {} the password was not used: discovery never logs in (test it as shown below)",
            "note:".dimmed()
        );
    }
}

/// The settings to copy, printed after the findings, and how to test the login on them.
pub fn use_these(s: &mut String, advice: &Advice) {
    match &advice.settings {
        None => {}
        Some(SettingsAdvice::NoneWorking { side, subject }) => {
            let _ = writeln!(
                s,
                "\n{}",
                format!("No working {side} setting was found for {}.", esc(subject)).yellow()
            );
        }
        Some(SettingsAdvice::Use {
            blocks, test_login, ..
        }) => {
            let _ = writeln!(
                s,
                "\n{}",
                "Use these settings (verified live, without logging in):"
                    .green()
                    .bold()
            );
            for (i, b) in blocks.iter().enumerate() {
                if i == 0 {
                    let _ = writeln!(s, "  outgoing (SMTP)");
                } else {
                    let _ = writeln!(s, "  incoming ({})", b.protocol.label());
                }
                let _ = writeln!(s, "    server:   {}", esc(&b.server));
                let _ = writeln!(s, "    port:     {}", b.port);
                let _ = writeln!(s, "    security: {}", b.security);
                let _ = writeln!(s, "    username: {}", esc(&b.username));
            }
            if let Some(cmd) = test_login {
                let _ = writeln!(s, "\nTo test the login there: {}", esc(cmd));
            }
        }
    }
}
