//! `config.*` from the settings alone, and the configured endpoint's live findings.

use crate::evidence::check::CheckEvidence;
use crate::findings::Finding;
use crate::knowledge::provider_db;

pub fn check(ev: &CheckEvidence, now: i64) -> Vec<Finding> {
    let mut out = Vec::new();
    let s = &ev.settings;
    let mut missing = Vec::new();
    if s.host.is_none() {
        missing.push("host");
    }
    if s.port.is_none() {
        missing.push("port");
    }
    if s.password_given && s.user.is_none() {
        missing.push("username");
    }
    if !missing.is_empty() {
        out.push(
            Finding::new("config.incomplete", "settings", format!("the settings lack: {}", missing.join(", ")))
                .evidence("give them as flags (--host, --port, --user), a URL such as smtp://user@host:587, or --env/--env-file"),
        );
    }
    for p in &s.problems {
        out.push(
            Finding::new("config.security-mismatch", "settings", p.clone()).evidence(p.clone()),
        );
    }
    if s.password_on_command_line {
        out.push(Finding::new(
            "config.password-on-command-line",
            "settings",
            "the password was given inside a URL on the command line, where `ps` and the shell history can read it",
        ));
    }
    if let Some(h) = &s.host {
        let near = provider_db::near_miss_hosts(&h.value);
        if let Some(best) = near.first() {
            out.push(
                Finding::new(
                    "config.unknown-provider-host",
                    &h.value,
                    format!("{} looks like a typo of {best}", h.value),
                )
                .evidence(format!("host from {}", h.source))
                .fix(format!("Use {best} as the server name.")),
            );
        }
    }
    if let (Some(port), Some(sec)) = (&s.port, &s.security) {
        let implicit = sec.value == "implicit";
        let mismatch = match port.value.as_str() {
            "465" => !implicit,
            "587" | "25" => implicit,
            _ => false,
        };
        if mismatch {
            let (said, should) = if implicit {
                ("SSL/TLS", "STARTTLS")
            } else {
                ("STARTTLS or no encryption", "SSL/TLS")
            };
            out.push(
                Finding::new(
                    "config.security-mismatch",
                    format!("port {}", port.value),
                    format!(
                        "port {} is used with {said}, but that port expects {should}",
                        port.value
                    ),
                )
                .evidence(format!(
                    "port from {}, security from {} ({})",
                    port.source, sec.source, sec.value
                )),
            );
        }
    }
    if let (Some(h), Some(port), Some(sec)) = (&s.host, &s.port, &s.security) {
        if let (Some(p), Ok(port_n)) = (provider_db::by_host(&h.value), port.value.parse::<u16>()) {
            let security = match sec.value.as_str() {
                "implicit" => provider_db::Security::Implicit,
                "plain" => provider_db::Security::Plain,
                _ => provider_db::Security::Starttls,
            };
            if provider_db::accepts(&p, &h.value, port_n, security) == Some(false) {
                let why = p
                    .not_accepted
                    .iter()
                    .find(|n| n.port == port_n)
                    .map(|n| (n.reason, n.source));
                let mut f = Finding::new(
                    "config.wrong-port",
                    format!("{}:{port_n}", h.value),
                    format!("{} does not accept mail clients on port {port_n}", p.name),
                );
                if let Some((reason, source)) = why {
                    f = f.evidence(format!("{reason} (source: {source})"));
                }
                let good: Vec<String> = p
                    .smtp
                    .iter()
                    .map(|s| format!("{}:{} {:?}", s.host, s.port, s.security))
                    .collect();
                if !good.is_empty() {
                    f = f.evidence(format!("{} documents: {}", p.name, good.join(", ")));
                }
                out.push(f);
            }
        }
    }
    if let Some(c) = &ev.configured {
        out.extend(crate::diagnose::server(c, now));
    }
    out
}

/// The first alternative that works for a mail client — TLS up and AUTH offered — as
/// (port, security words).
pub fn working_alternative(ev: &CheckEvidence) -> Option<(u16, &'static str)> {
    let mut candidates: Vec<&crate::evidence::PortProbe> = Vec::new();
    for s in [&ev.configured, &ev.alternatives].into_iter().flatten() {
        candidates.extend(s.probes.iter());
    }
    candidates
        .into_iter()
        .filter(|p| p.tls.as_ref().is_some_and(|t| t.version.is_some()))
        .filter(|p| p.best_capabilities().is_some_and(|c| !c.auth.is_empty()))
        .map(|p| {
            let mode = if p.role.is_some_and(|r| r.implicit_tls()) {
                "SSL/TLS (implicit TLS)"
            } else {
                "STARTTLS"
            };
            (p.port, mode)
        })
        .min_by_key(|(port, _)| if *port == 587 { 0 } else { 1 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::check::{ClientSettings, SettingValue};

    fn settings(host: &str, port: &str, security: &str) -> CheckEvidence {
        let v = |x: &str| {
            Some(SettingValue {
                value: x.into(),
                source: "--flag".into(),
            })
        };
        CheckEvidence {
            settings: ClientSettings {
                host: v(host),
                port: v(port),
                security: v(security),
                user: v("alice@example.com"),
                from: None,
                password_given: false,
                password_on_command_line: false,
                notes: vec![],
                problems: vec![],
            },
            configured: None,
            alternatives: None,
        }
    }

    fn codes(ev: &CheckEvidence) -> Vec<String> {
        check(ev, 0).into_iter().map(|f| f.code).collect()
    }

    #[test]
    fn static_rules() {
        assert!(codes(&settings("smtp.office365.com", "465", "implicit"))
            .contains(&"config.wrong-port".to_string()));
        assert!(codes(&settings("smtp.office365.com", "587", "starttls")).is_empty());
        assert_eq!(
            codes(&settings("smtp.gmail.com", "587", "implicit")),
            vec!["config.security-mismatch"]
        );
        assert_eq!(
            codes(&settings("smtp.gmial.com", "465", "implicit")),
            vec!["config.unknown-provider-host"]
        );
    }
}
