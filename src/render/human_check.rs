//! The human report of `mxray check`: the settings with where each came from, the endpoint as
//! configured, the alternatives, and the block of settings to copy.

use super::RenderOptions;
use crate::evidence::check::{CheckEvidence, SettingValue};
use colored::Colorize;
use std::fmt::Write;

pub fn check(s: &mut String, ev: &CheckEvidence, opts: &RenderOptions) {
    let st = &ev.settings;
    let _ = writeln!(s, "\n{}", "Settings".bold());
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
    row(s, "security", &st.security);
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
    for n in &st.notes {
        let _ = writeln!(s, "  {} {n}", "note:".dimmed());
    }
    if let Some(c) = &ev.configured {
        let _ = writeln!(s, "\n{}", "As configured".bold());
        super::human::server(s, c, opts);
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
    let Some(host) = ev.settings.host.as_ref() else {
        return;
    };
    let Some((port, mode)) = crate::diagnose::check::working_alternative(ev) else {
        let _ = writeln!(
            s,
            "\n{}",
            "No working submission setting was found on this host.".yellow()
        );
        return;
    };
    let logged_in = ev
        .configured
        .iter()
        .flat_map(|c| c.probes.iter())
        .any(|p| p.login.as_ref().is_some_and(|l| l.accepted));
    let user = match &ev.settings.user {
        Some(u) if u.value.contains('@') => u.value.clone(),
        Some(u) => format!("{} (many providers want the full e-mail address)", u.value),
        None => "your full e-mail address".to_string(),
    };
    let _ = writeln!(
        s,
        "\n{}",
        if logged_in {
            "Use these settings (verified live; the login worked on the configured server):"
        } else {
            "Use these settings (verified live, without logging in):"
        }
        .green()
        .bold()
    );
    let _ = writeln!(s, "  server:   {}", host.value);
    let _ = writeln!(s, "  port:     {port}");
    let _ = writeln!(s, "  security: {mode}");
    let _ = writeln!(s, "  username: {user}");
}
