//! `mxray check` on the page: the block of settings to use (right under the verdict, since it is
//! what the reader came for), the settings as given with where each came from, the provider's
//! rules, the discovered candidates and the From domain's SPF and DMARC.

use super::escape;
use crate::advice::{Advice, CandidateVerdict, SettingsAdvice};
use crate::evidence::check::{CheckEvidence, SettingValue};
use crate::evidence::Protocol;
use std::fmt::Write;

pub(super) fn use_these(s: &mut String, ev: &CheckEvidence, advice: &Advice) {
    match &advice.settings {
        None => {}
        Some(SettingsAdvice::NoneWorking { side, .. }) => {
            let _ = writeln!(
                s,
                "<section class=\"use none-working\" id=\"use\"><h2>No working {} setting was found</h2></section>",
                escape(side)
            );
        }
        Some(SettingsAdvice::Use {
            blocks,
            verified,
            queue_id,
            test_login,
        }) => {
            let (what, words) = verified.words();
            let queue = queue_id
                .as_ref()
                .map(|q| format!(", queue id {q}"))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "<section class=\"use\" id=\"use\"><h2>Use these {what}</h2><p>{}</p>",
                escape(&format!("{words}{queue}"))
            );
            for b in blocks {
                let side = match (b.protocol, ev.discovery.is_some()) {
                    (Protocol::Smtp, true) => "Outgoing (SMTP)",
                    (Protocol::Smtp, false) => "Sending (SMTP)",
                    (Protocol::Imap, _) => "Incoming (IMAP)",
                    (Protocol::Pop3, _) => "Incoming (POP3)",
                };
                let _ = writeln!(
                    s,
                    "<dl class=\"settings\"><dt>{side}</dt><dd></dd>\
                     <dt>server</dt><dd><code>{}</code></dd>\
                     <dt>port</dt><dd><code>{}</code></dd>\
                     <dt>security</dt><dd><code>{}</code></dd>\
                     <dt>username</dt><dd><code>{}</code></dd></dl>",
                    escape(&b.server),
                    b.port,
                    escape(&b.security),
                    escape(&b.username)
                );
            }
            if let Some(t) = test_login {
                let _ = writeln!(s, "<p>Test the login: <code>{}</code></p>", escape(t));
            }
            if ev.settings.password_given && ev.discovery.is_none() {
                s.push_str(
                    "<p class=\"note\">Password: the one you gave (never shown or saved).</p>\n",
                );
            }
            s.push_str("</section>\n");
        }
    }
}

pub(super) fn settings(s: &mut String, ev: &CheckEvidence, advice: &Advice) {
    let st = &ev.settings;
    s.push_str("<section id=\"settings\"><h2>Settings as given</h2>\n<div class=\"scroll\"><table class=\"settings-given\"><tbody>\n");
    if st.protocol != Protocol::Smtp {
        let _ = writeln!(
            s,
            "<tr><th>protocol</th><td>{} (the incoming server)</td><td></td></tr>",
            st.protocol.label()
        );
    }
    let row = |s: &mut String, name: &str, v: &Option<SettingValue>| {
        let _ = match v {
            Some(v) => writeln!(
                s,
                "<tr><th>{name}</th><td><code>{}</code></td><td class=\"muted\">{}</td></tr>",
                escape(&v.value),
                escape(&v.source)
            ),
            None => writeln!(
                s,
                "<tr><th>{name}</th><td class=\"warn\">not given</td><td></td></tr>"
            ),
        };
    };
    row(s, "host", &st.host);
    row(s, "port", &st.port);
    row(s, "security", &st.security);
    row(s, "username", &st.user);
    row(s, "from", &st.from);
    let _ = writeln!(
        s,
        "<tr><th>password</th><td>{}</td><td></td></tr>",
        if st.password_given {
            "given (never shown; sent only to the configured server, to test the login)"
        } else {
            "not given"
        }
    );
    if st.oauth_token_given {
        s.push_str("<tr><th>token</th><td>given (never shown; sent only to the configured server, to test the login)</td><td></td></tr>\n");
    }
    s.push_str("</tbody></table></div>\n");
    for n in &st.notes {
        let _ = writeln!(s, "<p class=\"note\">note: {}</p>", escape(n));
    }
    for p in &st.problems {
        let _ = writeln!(s, "<p class=\"warn\">problem: {}</p>", escape(p));
    }
    s.push_str("</section>\n");
    if let Some(p) = &ev.provider {
        provider(s, p);
    }
    if let Some(d) = &ev.discovery {
        candidates(s, d, advice);
    }
    for p in ev.configured.iter().flat_map(|c| c.probes.iter()) {
        if let Some(m) = &p.send {
            let last = [&m.final_reply, &m.data_reply, &m.rcpt_reply, &m.mail_reply]
                .into_iter()
                .flatten()
                .next();
            let outcome = match (m.accepted, last) {
                (true, Some(r)) => format!("accepted: {}", r.text()),
                (false, Some(r)) => format!("refused: {}", r.text()),
                (_, None) => "no reply".to_string(),
            };
            let _ = writeln!(
                s,
                "<section id=\"test-message\"><h2>Test message</h2><dl class=\"said\">\
                 <dt>from → to</dt><dd><code>{} → {}</code></dd>\
                 <dt>Message-ID</dt><dd><code>{}</code></dd>\
                 <dt>result</dt><dd><code>{}</code></dd></dl></section>",
                escape(&m.from),
                escape(&m.to),
                escape(&m.message_id),
                escape(&outcome)
            );
        }
    }
    if let Some(f) = &ev.from_domain {
        let _ = writeln!(
            s,
            "<section id=\"from-domain\"><h2>From domain {}</h2><p class=\"muted\">from {} ({}); sent through {}</p>",
            escape(&f.domain),
            escape(&f.address.value),
            escape(&f.address.source),
            escape(&f.submission_host)
        );
        super::spf::tree(s, &f.spf, super::spf::counted(&f.spf));
        for e in &f.evaluations {
            let _ = writeln!(
                s,
                "<p>SPF for <code>{}</code> (the submission server's address): <strong>{}</strong></p>",
                e.ip,
                escape(&e.result)
            );
        }
        s.push_str("<div class=\"scroll\"><table class=\"policies\"><tbody>\n");
        super::policy::dmarc_row(s, &f.dmarc);
        s.push_str("</tbody></table></div>\n</section>\n");
    }
}

/// The provider mxray recognised, its documented servers and its rules.
fn provider(s: &mut String, p: &crate::evidence::check::ProviderView) {
    let _ = writeln!(
        s,
        "<section id=\"provider\"><h2>Provider: {}</h2><p class=\"muted\">recognised by {}</p>",
        escape(&p.name),
        escape(&p.matched_by)
    );
    if !p.servers.is_empty() {
        let _ = writeln!(
            s,
            "<p>Documented servers: <code>{}</code></p>",
            escape(&p.servers.join(", "))
        );
    }
    s.push_str("<ul class=\"rules\">");
    for r in &p.rules {
        // A provider's URL is shown as text: the page makes no request and links nowhere.
        let url = r
            .url
            .as_ref()
            .map(|u| format!(" — {u}"))
            .unwrap_or_default();
        let _ = write!(
            s,
            "<li>{}<span class=\"muted\">{} (source: {}, {})</span></li>",
            escape(&r.text),
            escape(&url),
            escape(&r.source),
            escape(&r.verified)
        );
    }
    s.push_str("</ul></section>\n");
}

/// The discovered candidates with each one's verdict.
fn candidates(s: &mut String, d: &crate::evidence::discovery::DiscoveryEvidence, advice: &Advice) {
    let _ = writeln!(
        s,
        "<section id=\"candidates\"><h2>Settings discovered for {}</h2>",
        escape(&d.address)
    );
    if d.candidates.is_empty() {
        s.push_str("<p class=\"none\">No source named a server.</p>\n");
    } else {
        s.push_str("<div class=\"scroll\"><table class=\"candidates\"><thead><tr><th>Protocol</th><th>Server</th><th>Port</th><th>Security</th><th>Found by</th><th>Verdict</th></tr></thead><tbody>\n");
        for (i, c) in d.candidates.iter().enumerate() {
            let (class, verdict) = match advice.candidates.get(i) {
                Some(CandidateVerdict::Works) => ("ok", "works".to_string()),
                Some(CandidateVerdict::Fails { why }) => ("fail", format!("fails: {why}")),
                Some(CandidateVerdict::NotProbed { why }) => {
                    ("muted", format!("not probed: {why}"))
                }
                None => ("muted", "—".to_string()),
            };
            let sources: Vec<&str> = c.sources.iter().map(|k| k.words()).collect();
            let _ = writeln!(
                s,
                "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td class=\"{class}\">{}</td></tr>",
                c.setting.protocol.label(),
                escape(&c.setting.host),
                c.setting.port,
                c.setting.security.words(),
                escape(&sources.join(", ")),
                escape(&verdict)
            );
        }
        s.push_str("</tbody></table></div>\n");
    }
    s.push_str("</section>\n");
}
