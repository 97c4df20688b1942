//! The human report of `mxray check`: the settings with where each came from, the endpoint as
//! configured, the alternatives, and the block of settings to copy.

use super::RenderOptions;
use crate::evidence::check::{CheckEvidence, SettingValue};
use crate::evidence::Protocol;
use colored::Colorize;
use std::fmt::Write;

pub fn check(s: &mut String, ev: &CheckEvidence, opts: &RenderOptions) {
    if let Some(d) = &ev.discovery {
        return super::human_discover::discovery(s, d);
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
                v.value,
                format!("({})", v.source).dimmed()
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
        let _ = writeln!(s, "  {} {n}", "note:".dimmed());
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
                let _ = writeln!(s, "  {} {reason}", "Login not tried:".red().bold());
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
pub fn use_these(s: &mut String, ev: &CheckEvidence) {
    if let Some(d) = &ev.discovery {
        return super::human_discover::use_these(s, d);
    }
    let Some(host) = ev.settings.host.as_ref() else {
        return;
    };
    let protocol = ev.settings.protocol;
    let Some((port, mode)) = crate::diagnose::check::working_alternative(ev) else {
        let what = match protocol {
            Protocol::Smtp => "submission".to_string(),
            p => format!("incoming ({})", p.label()),
        };
        let _ = writeln!(
            s,
            "\n{}",
            format!("No working {what} setting was found on this host.").yellow()
        );
        return;
    };
    let logins: Vec<&crate::evidence::LoginAttempt> = ev
        .configured
        .iter()
        .flat_map(|c| c.probes.iter())
        .filter_map(|p| p.login.as_ref())
        .collect();
    let logged_in = logins.iter().any(|l| l.logged_in());
    let refused = !logged_in && logins.iter().any(|l| l.reply.is_some());
    let retried = logins
        .iter()
        .filter_map(|l| l.retry.as_ref())
        .find(|r| r.accepted);
    let user = match retried {
        Some(r) => r.user.clone(),
        None => username(ev, &host.value),
    };
    let side = match protocol {
        Protocol::Smtp => String::new(),
        p => format!(" for the incoming server ({})", p.label()),
    };
    let sends: Vec<&crate::evidence::SendAttempt> = ev
        .configured
        .iter()
        .flat_map(|c| c.probes.iter())
        .filter_map(|p| p.send.as_ref())
        .collect();
    let sent = sends.iter().find(|m| m.accepted);
    let (what, verified) = if let Some(m) = sent {
        (
            "settings",
            format!(
                "verified live: the login worked and the server accepted a test message{}",
                m.queue_id
                    .as_ref()
                    .map(|q| format!(", queue id {q}"))
                    .unwrap_or_default()
            ),
        )
    } else if logged_in && !sends.is_empty() {
        (
            "settings",
            "verified live; the login worked, the test message was refused: see the findings"
                .to_string(),
        )
    } else if logged_in {
        (
            "settings",
            "verified live; the login worked on the configured server".to_string(),
        )
    } else if refused {
        (
            "connection settings",
            "verified live; the login was refused: see the findings".to_string(),
        )
    } else if ev.settings.password_given || ev.settings.oauth_token_given {
        (
            "connection settings",
            "verified live; the login did not succeed: see the findings".to_string(),
        )
    } else {
        ("settings", "verified live, without logging in".to_string())
    };
    let _ = writeln!(
        s,
        "\n{}",
        format!("Use these {what}{side} ({verified}):")
            .green()
            .bold()
    );
    if protocol != Protocol::Smtp {
        let _ = writeln!(s, "  protocol: {}", protocol.label());
    }
    let _ = writeln!(s, "  server:   {}", host.value);
    let _ = writeln!(s, "  port:     {port}");
    let _ = writeln!(s, "  security: {mode}");
    let _ = writeln!(s, "  username: {user}");
}

/// The username to use: as configured when the provider documents no form or it fits, else in
/// the documented form.
fn username(ev: &CheckEvidence, host: &str) -> String {
    use crate::knowledge::provider_db::{by_host, UsernameForm};
    let documented = by_host(host).and_then(|p| {
        let h = host.trim().trim_end_matches('.').to_ascii_lowercase();
        p.servers(ev.settings.protocol)
            .iter()
            .find(|f| f.host == h)
            .map(|f| f.username)
    });
    let address = [&ev.settings.user, &ev.settings.from]
        .into_iter()
        .flatten()
        .map(|v| v.value.clone())
        .find(|v| v.contains('@'));
    match (documented, &ev.settings.user) {
        (Some(UsernameForm::Address), _) => {
            address.unwrap_or_else(|| "your full e-mail address (the provider requires it)".into())
        }
        (Some(UsernameForm::LocalPart), Some(u)) => {
            u.value.split('@').next().unwrap_or(&u.value).to_string()
        }
        (_, Some(u)) if u.value.contains('@') => u.value.clone(),
        (_, Some(u)) => format!("{} (many providers want the full e-mail address)", u.value),
        (_, None) => "your full e-mail address".to_string(),
    }
}

fn test_message(s: &mut String, m: &crate::evidence::SendAttempt) {
    let _ = writeln!(s, "\n{}", "Test message".bold());
    let _ = writeln!(s, "  from → to   {} → {}", m.from, m.to);
    let _ = writeln!(s, "  Message-ID  {}", m.message_id);
    let last = [&m.final_reply, &m.data_reply, &m.rcpt_reply, &m.mail_reply]
        .into_iter()
        .flatten()
        .next();
    let outcome = match (m.accepted, last) {
        (true, Some(r)) => format!("{} {}", "accepted:".green(), r.text()),
        (false, Some(r)) => format!("{} {}", "refused:".red(), r.text()),
        (_, None) => "no reply".red().to_string(),
    };
    let _ = writeln!(s, "  result      {outcome}");
    if let Some(q) = &m.queue_id {
        let _ = writeln!(s, "  queue id    {q}");
    }
}

fn from_domain(s: &mut String, f: &crate::evidence::check::FromDomainEvidence) {
    let _ = writeln!(
        s,
        "\n{} {} {}",
        "From domain".bold(),
        f.domain,
        format!("(of {}, from {})", f.address.value, f.address.source).dimmed()
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
    let _ = writeln!(s, "  SPF         {spf}");
    if let Some(p) = &f.submission_provider {
        let _ = writeln!(
            s,
            "  provider    {} via {} (expects include:{})",
            p,
            f.submission_host,
            f.provider_includes.join(" or include:")
        );
    }
    for e in &f.evaluations {
        let _ = writeln!(
            s,
            "  SPF check   {} ({}) → {} after {} DNS lookups",
            e.ip, f.submission_host, e.result, e.lookups
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
        dmarc.map(String::as_str).unwrap_or(if dmarc_failed {
            "(the lookup failed)"
        } else {
            "(no DMARC record)"
        })
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
            format!("keys at selector(s) {}", keys.join(", "))
        }
    );
}

fn provider(s: &mut String, p: &crate::evidence::check::ProviderView) {
    let _ = writeln!(
        s,
        "\n{} {} {}",
        "Provider".bold(),
        p.name,
        format!("(recognised by {}; mxray's knowledge base)", p.matched_by).dimmed()
    );
    if !p.servers.is_empty() {
        let _ = writeln!(s, "  documented: {}", p.servers.join(", "));
    }
    for r in &p.rules {
        let _ = writeln!(s, "  • {}", r.text);
        let _ = writeln!(
            s,
            "    {}",
            format!(
                "{}source: {}, verified: {}",
                r.url
                    .as_ref()
                    .map(|u| format!("{u} — "))
                    .unwrap_or_default(),
                r.source,
                r.verified
            )
            .dimmed()
        );
    }
}
