//! The human report of `mxray check`: the settings with where each came from, the endpoint as
//! configured, the alternatives, and the block of settings to copy.

use super::escape::visible as esc;
use super::RenderOptions;
use crate::advice::{Advice, SettingsAdvice};
use crate::evidence::check::{CheckEvidence, SettingValue};
use crate::evidence::Protocol;
use colored::Colorize;
use std::fmt::Write;

pub fn check(s: &mut String, ev: &CheckEvidence, advice: &Advice, opts: &RenderOptions) {
    if let Some(d) = &ev.discovery {
        return super::human_discover::discovery(s, d, advice);
    }
    let st = &ev.settings;
    let _ = writeln!(s, "\n{}", "Settings".bold());
    if st.protocol != Protocol::Smtp {
        let _ = writeln!(
            s,
            "  {:<9} {} (the incoming server)",
            "protocol",
            st.protocol.label()
        );
    }
    let row = |s: &mut String, name: &str, v: &Option<SettingValue>| {
        let _ = match v {
            Some(v) => writeln!(
                s,
                "  {name:<9} {:<32} {}",
                esc(&v.value),
                format!("({})", esc(&v.source.to_string())).dimmed()
            ),
            None => writeln!(s, "  {name:<9} {}", "(not given)".yellow()),
        };
    };
    row(s, "host", &st.host);
    row(s, "port", &st.port);
    let security = st.security.as_ref().map(|v| SettingValue {
        value: match v.value.as_str() {
            "implicit" => "SSL/TLS (implicit TLS)",
            "starttls" => "STARTTLS",
            "starttls_if_offered" => "STARTTLS if offered",
            "plain" => "none (no encryption)",
            other => other,
        }
        .to_string(),
        source: v.source.clone(),
    });
    row(s, "security", &security);
    row(s, "username", &st.user);
    if st.user.as_ref().is_some_and(|u| !u.value.is_ascii()) {
        // SASL carries UTF-8 (RFC 4616); IMAP LOGIN needs UTF8=ACCEPT (RFC 6855).
        let _ = writeln!(
            s,
            "  {:<9} {}",
            "",
            "not ASCII: a login sends it as UTF-8 bytes".dimmed()
        );
    }
    row(s, "from", &st.from);
    let _ = writeln!(
        s,
        "  {:<9} {}",
        "password",
        if st.password_given {
            "given (never shown; sent only to the configured server, to test the login)"
        } else {
            "not given"
        }
    );
    if st.oauth_token_given {
        let _ = writeln!(
            s,
            "  {:<9} given (never shown; sent only to the configured server, to test the login)",
            "token"
        );
    }
    for n in &st.notes {
        let _ = writeln!(s, "  {} {}", "note:".dimmed(), esc(n));
    }
    if let Some(p) = &ev.provider {
        provider(s, p);
    }
    if let Some(c) = &ev.configured {
        let _ = writeln!(s, "\n{}", "As configured".bold());
        super::human::server(s, c, opts);
        // A password that was given but not sent: say why, not only in the transcript.
        if st.password_given || st.oauth_token_given {
            let tried = c.probes.iter().any(|p| p.login.is_some());
            let recorded = c
                .probes
                .iter()
                .find_map(|p| p.login_not_tried.as_ref())
                .map(|n| n.detail.clone());
            // Reports saved before the reason was recorded have it in the transcript only.
            let why = recorded.or_else(|| {
                c.probes
                    .iter()
                    .flat_map(|p| p.transcript.iter())
                    .find_map(|l| l.text.strip_prefix("login not tried:"))
                    .map(|r| r.trim().to_string())
            });
            if let (false, Some(reason)) = (tried, why) {
                let _ = writeln!(s, "  {} {}", "Login not tried:".red().bold(), esc(&reason));
            }
        }
    }
    for p in ev.configured.iter().flat_map(|c| c.probes.iter()) {
        if let Some(send) = &p.send {
            test_message(s, send);
        }
    }
    if let Some(f) = &ev.from_domain {
        from_domain(s, f);
    }
    if let Some(a) = &ev.alternatives {
        if !a.probes.is_empty() {
            let _ = writeln!(s, "\n{}", "Alternatives on the same host".bold());
            super::human::server(
                s,
                a,
                &RenderOptions {
                    transcript: false,
                    ..opts.clone()
                },
            );
        }
    }
}

/// The block the user can copy, printed after the findings.
pub fn use_these(s: &mut String, ev: &CheckEvidence, advice: &Advice) {
    if ev.discovery.is_some() {
        return super::human_discover::use_these(s, advice);
    }
    match &advice.settings {
        None => {}
        Some(SettingsAdvice::NoneWorking { side, .. }) => {
            let _ = writeln!(
                s,
                "\n{}",
                format!("No working {side} setting was found on this host.").yellow()
            );
        }
        Some(SettingsAdvice::Use {
            blocks,
            verified,
            queue_id,
            ..
        }) => {
            let Some(b) = blocks.first() else { return };
            let (what, words) = verified.words();
            let queue = queue_id
                .as_ref()
                .map(|q| format!(", queue id {}", esc(q)))
                .unwrap_or_default();
            let side = match b.protocol {
                Protocol::Smtp => String::new(),
                p => format!(" for the incoming server ({})", p.label()),
            };
            let _ = writeln!(
                s,
                "\n{}",
                format!("Use these {what}{side} ({words}{queue}):")
                    .green()
                    .bold()
            );
            if b.protocol != Protocol::Smtp {
                let _ = writeln!(s, "  protocol: {}", b.protocol.label());
            }
            let _ = writeln!(s, "  server:   {}", esc(&b.server));
            let _ = writeln!(s, "  port:     {}", b.port);
            let _ = writeln!(s, "  security: {}", b.security);
            let _ = writeln!(s, "  username: {}", esc(&b.username));
        }
    }
}

fn test_message(s: &mut String, m: &crate::evidence::SendAttempt) {
    let _ = writeln!(s, "\n{}", "Test message".bold());
    let _ = writeln!(s, "  from → to   {} → {}", esc(&m.from), esc(&m.to));
    let _ = writeln!(s, "  Message-ID  {}", esc(&m.message_id));
    let last = [&m.final_reply, &m.data_reply, &m.rcpt_reply, &m.mail_reply]
        .into_iter()
        .flatten()
        .next();
    let outcome = match (m.accepted, last) {
        (true, Some(r)) => format!("{} {}", "accepted:".green(), esc(&r.text())),
        (false, Some(r)) => format!("{} {}", "refused:".red(), esc(&r.text())),
        (_, None) => "no reply".red().to_string(),
    };
    let _ = writeln!(s, "  result      {outcome}");
    if let Some(q) = &m.queue_id {
        let _ = writeln!(s, "  queue id    {}", esc(q));
    }
}

fn from_domain(s: &mut String, f: &crate::evidence::check::FromDomainEvidence) {
    let _ = writeln!(
        s,
        "\n{} {} {}",
        "From domain".bold(),
        esc(&crate::names::both_forms(&f.domain)),
        format!(
            "(of {}, from {})",
            esc(&f.address.value),
            esc(&f.address.source.to_string())
        )
        .dimmed()
    );
    let spf = f
        .spf
        .records
        .first()
        .map(|r| r.to_string())
        .unwrap_or_else(|| {
            if f.spf.lookup.status.is_failure() {
                "(the lookup failed)".into()
            } else {
                "(no SPF record)".into()
            }
        });
    let _ = writeln!(s, "  SPF         {}", esc(&spf));
    if let Some(p) = &f.submission_provider {
        let _ = writeln!(
            s,
            "  provider    {} via {} (expects include:{})",
            esc(p),
            esc(&f.submission_host),
            esc(&f.provider_includes.join(" or include:"))
        );
    }
    for e in &f.evaluations {
        let _ = writeln!(
            s,
            "  SPF check   {} ({}) → {} after {} DNS lookups",
            e.ip,
            esc(&f.submission_host),
            esc(&e.result.to_string()),
            e.lookups
        );
    }
    let dmarc = f
        .dmarc
        .lookups
        .iter()
        .flat_map(|l| l.records.iter())
        .find(|r| r.to_ascii_lowercase().starts_with("v=dmarc1"));
    let dmarc_failed = f.dmarc.lookups.iter().any(|l| l.status.is_failure());
    let _ = writeln!(
        s,
        "  DMARC       {}",
        esc(dmarc.map(String::as_str).unwrap_or(if dmarc_failed {
            "(the lookup failed)"
        } else {
            "(no DMARC record)"
        }))
    );
    let keys: Vec<&str> = f
        .dkim
        .selectors
        .iter()
        .filter(|k| k.lookup.records.iter().any(|r| r.contains("p=")))
        .map(|k| k.selector.as_str())
        .collect();
    let _ = writeln!(
        s,
        "  DKIM        {}",
        if keys.is_empty() {
            "no key at the selectors tried".to_string()
        } else {
            format!("keys at selector(s) {}", esc(&keys.join(", ")))
        }
    );
}

fn provider(s: &mut String, p: &crate::evidence::check::ProviderView) {
    let _ = writeln!(
        s,
        "\n{} {} {}",
        "Provider".bold(),
        esc(&p.name),
        format!(
            "(recognised by {}; mxray's knowledge base)",
            esc(&p.matched_by)
        )
        .dimmed()
    );
    if !p.servers.is_empty() {
        let _ = writeln!(s, "  documented: {}", esc(&p.servers.join(", ")));
    }
    for r in &p.rules {
        let _ = writeln!(s, "  • {}", esc(&r.text));
        let _ = writeln!(
            s,
            "    {}",
            format!(
                "{}source: {}, verified: {}",
                r.url
                    .as_ref()
                    .map(|u| format!("{} — ", esc(u)))
                    .unwrap_or_default(),
                esc(&r.source),
                esc(&r.verified)
            )
            .dimmed()
        );
    }
}
