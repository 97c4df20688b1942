//! `config.*` from the settings alone, and the configured endpoint's live findings.

use crate::evidence::check::{CheckEvidence, ClientSettings};
use crate::evidence::{LoginAttempt, PortProbe, Protocol};
use crate::findings::Finding;
use crate::knowledge::{provider_db, provider_fixes, replies};

pub fn check(ev: &CheckEvidence, now: i64) -> Vec<Finding> {
    let mut out = Vec::new();
    let s = &ev.settings;
    if let Some(d) = &ev.discovery {
        out.extend(super::discover::findings(d));
    }
    let mut missing = Vec::new();
    if s.host.is_none() {
        missing.push("host");
    }
    if s.port.is_none() {
        missing.push("port");
    }
    if (s.password_given || s.oauth_token_given) && s.user.is_none() {
        missing.push("username");
    }
    // Discovery supplies what is missing.
    if !missing.is_empty() && ev.discovery.is_none() {
        out.push(
            Finding::new(crate::code!("config.incomplete"), "settings", format!("the settings lack: {}", missing.join(", ")))
                .evidence(format!(
                    "give them as flags (--host, --port, --user), a URL such as {}, or --env/--env-file",
                    match s.protocol {
                        Protocol::Smtp => "smtp://user@host:587",
                        Protocol::Imap => "imaps://user@host:993",
                        Protocol::Pop3 => "pop3s://user@host:995",
                    }
                )),
        );
    }
    for p in &s.problems {
        out.push(
            Finding::new(
                crate::code!("config.security-mismatch"),
                "settings",
                p.clone(),
            )
            .evidence(p.clone()),
        );
    }
    if s.password_on_command_line {
        out.push(Finding::new(
            crate::code!("config.password-on-command-line"),
            "settings",
            "the password was given inside a URL on the command line, where `ps` and the shell history can read it",
        ));
    }
    if let Some(h) = &s.host {
        let near = provider_db::near_miss_hosts(&h.value);
        if let Some(best) = near.first() {
            out.push(
                Finding::new(
                    crate::code!("config.unknown-provider-host"),
                    &h.value,
                    format!("{} looks like a typo of {best}", h.value),
                )
                .evidence(format!("host from {}", h.source))
                .fix(format!("Use {best} as the server name.")),
            );
        }
    }
    if s.protocol != Protocol::Smtp {
        super::check_mailbox::settings(s, &mut out);
    } else if let (Some(port), Some(sec)) = (&s.port, &s.security) {
        out.extend(super::check_ports::security_mismatch(
            port, sec, s.protocol, false,
        ));
    }
    super::check_knowledge::findings(ev, &mut out);
    super::check_eai::findings(ev, &mut out);
    let mut mark = out.len();
    if let Some(c) = &ev.configured {
        out.extend(crate::diagnose::server_with_controls(
            c,
            ev.alternatives.as_ref(),
            now,
        ));
        mark = out.len();
        // One address that logged in is the login done: another address that could not be
        // reached or checked has its own connection and certificate findings.
        let logged_in = c
            .probes
            .iter()
            .any(|p| p.login.as_ref().is_some_and(|l| l.logged_in()));
        for p in &c.probes {
            match (&p.login, &p.login_not_tried) {
                (Some(l), _) if s.protocol != Protocol::Smtp => {
                    out.extend(super::check_mailbox::login(p, l, s))
                }
                (Some(l), _) => out.extend(login(p, l, s)),
                (None, _) if logged_in => {}
                (None, Some(nt)) => out.extend(super::check_login::not_tried(p, nt, s)),
                // Reports saved before the reason was recorded.
                (None, None) if s.protocol != Protocol::Smtp => {
                    super::check_mailbox::not_tried(p, s, &mut out)
                }
                (None, None) => {}
            }
            if let Some(send) = &p.send {
                super::check_from::send(send, &p.endpoint(), &mut out);
            }
        }
    }
    let logins: Vec<&LoginAttempt> = ev
        .configured
        .iter()
        .flat_map(|c| c.probes.iter())
        .filter_map(|p| p.login.as_ref())
        .collect();
    super::check_username::reconcile(
        super::check_username::documented_form(s, s.protocol),
        &logins,
        &mut out,
    );
    let login_error = out
        .iter()
        .skip(mark)
        .any(|f| f.severity == crate::findings::Severity::Error);
    super::check_login::never_passes(ev, login_error, &mut out);
    if let Some(f) = &ev.from_domain {
        super::check_from::from_domain(f, &mut out);
    }
    out
}

/// What a refused token means when the provider is not known.
/// The fix for a refused OAuth access token; `scope`: what the token must be issued for.
pub(super) fn token_fix(scope: &str) -> String {
    format!(
        "The server refused the OAuth access token. Access tokens expire: get a fresh one (with \
         the refresh token, or by signing in again), issued for this same account (the username \
         must be the account the token belongs to) and with the scope the provider requires for \
         {scope}."
    )
}

const SMTP_SCOPE: &str = "sending mail (Google: https://mail.google.com/, Microsoft: SMTP.Send)";

pub(super) fn is_oauth(mechanism: &str) -> bool {
    ["XOAUTH2", "OAUTHBEARER"]
        .iter()
        .any(|m| m.eq_ignore_ascii_case(mechanism))
}

/// What the evidence says about whose server this is: the configured host, the names the
/// server gave itself, and its texts.
fn clues<'a>(
    p: &'a PortProbe,
    l: &'a LoginAttempt,
    s: &'a ClientSettings,
) -> provider_fixes::Clues<'a> {
    let mut c = provider_fixes::Clues {
        host: s.host.as_ref().map(|h| h.value.as_str()),
        user: s.user.as_ref().map(|u| u.value.as_str()),
        ..Default::default()
    };
    if let Some(g) = &p.greeting {
        c.server_names.extend(
            g.lines
                .first()
                .and_then(|l| l.get(4..)?.split_whitespace().next()),
        );
        c.texts.extend(g.lines.iter().map(String::as_str));
    }
    for caps in [&p.capabilities, &p.capabilities_after_tls]
        .into_iter()
        .flatten()
    {
        c.server_names.extend(caps.server_name.as_deref());
    }
    if let Some(r) = &l.reply {
        c.texts.extend(r.lines.iter().map(String::as_str));
    }
    c
}

/// The login's reply as `auth.*` findings (the reply table is `knowledge::replies`), each with
/// the fix for the provider whose server answered when it is known.
fn login(p: &PortProbe, l: &LoginAttempt, s: &ClientSettings) -> Vec<Finding> {
    let mut out = Vec::new();
    if l.accepted {
        return out;
    }
    let subject = p.endpoint();
    if let Some(f) = super::check_username::retry_worked(l, &subject, s) {
        out.push(f);
        return out;
    }
    let offered = if l.offered.is_empty() {
        "none".to_string()
    } else {
        l.offered.join(" ")
    };
    let token = is_oauth(&l.mechanism);
    let not_offered = !l
        .offered
        .iter()
        .any(|o| o.eq_ignore_ascii_case(&l.mechanism));
    let identified = provider_fixes::identify(&clues(p, l, s));
    let (code, summary, seen) = match &l.reply {
        None if !not_offered => {
            out.extend(super::check_login::broke_off(p, l));
            return out;
        }
        None => not_offered_code(p, l, &offered, token),
        Some(reply) => {
            let code = if not_offered {
                Some("auth.mechanism-mismatch")
            } else {
                replies::classify(reply).or(match reply.code {
                    Some(c) if (400..500).contains(&c) => Some("auth.rate-limited"),
                    Some(c) if c >= 500 => Some("auth.bad-credentials"),
                    _ => None,
                })
            };
            let Some(mut code) = code else {
                return out;
            };
            // Outlook.com refuses every password, whatever the words: OAuth is the way in.
            let outlook = identified
                .as_ref()
                .is_some_and(|i| i.provider.ispdb_ids.contains(&"hotmail.com"));
            if outlook
                && !token
                && matches!(code, "auth.bad-credentials" | "auth.smtp-auth-disabled")
            {
                code = "auth.oauth-required";
            }
            (
                code,
                replies::refusal_summary(code, "server", &reply.text()),
                Some(format!("AUTH {} → {}", l.mechanism, reply.text())),
            )
        }
    };
    let mut f = Finding::new(code, &subject, summary);
    if code == "auth.tls-required" && l.reply.is_none() {
        f = f.fix(super::check_login::tls_fix(s, p.port));
    }
    if let Some(seen) = &seen {
        f = f.evidence(seen.clone());
    }
    f = f.evidence(format!("AUTH mechanisms offered: {offered}"));
    if let Some(e) = &l.oauth_error {
        f = f.evidence(format!("the server's OAuth error status: {e}"));
    }
    f = with_provider_fix(f, l, identified.as_ref(), code, token);
    if let Some(r) = &l.retry {
        f = f.evidence(super::check_username::retry_evidence(r));
    }
    out.push(f);
    // A refused full-address retry means the username form was not the problem.
    if code == "auth.bad-credentials" && !token && l.retry.is_none() {
        if let Some(u) = s.user.as_ref().filter(|u| !u.value.contains('@')) {
            let domain = s
                .from
                .as_ref()
                .and_then(|f| f.value.rsplit_once('@').map(|(_, d)| d.to_string()))
                .unwrap_or_else(|| "your-domain".into());
            if let Some(f) = out.last_mut() {
                super::check_username::unproven_short_username(f, u, &domain);
            }
        }
    }
    out
}

/// The code for a login that was never tried because the client's mechanism is not offered:
/// TLS needed first, OAuth only, or a plain mismatch.
fn not_offered_code(
    p: &PortProbe,
    l: &LoginAttempt,
    offered: &str,
    token: bool,
) -> (&'static str, String, Option<String>) {
    let only_oauth = !token && !l.offered.is_empty() && l.offered.iter().all(|o| is_oauth(o));
    let tls_up = p.tls.as_ref().is_some_and(|t| t.version.is_some());
    let starttls = p.capabilities.as_ref().is_some_and(|c| c.starttls);
    if !tls_up && l.offered.is_empty() && starttls {
        (
            "auth.tls-required",
            format!(
                "the server offers AUTH only after STARTTLS, and the client is set up without TLS, so {} cannot be used",
                l.mechanism
            ),
            None,
        )
    } else if only_oauth {
        (
            "auth.oauth-required",
            format!("the server offers only OAuth sign-in ({offered}), no password login"),
            None,
        )
    } else {
        (
            "auth.mechanism-mismatch",
            format!(
                "the login method {} is not offered by the server, so no login was tried",
                l.mechanism
            ),
            None,
        )
    }
}

/// The provider the clues identify, as evidence, and its fix for `code` (or the OAuth token
/// fix for a refused token).
fn with_provider_fix(
    mut f: Finding,
    l: &LoginAttempt,
    identified: Option<&provider_fixes::Identified>,
    code: &str,
    token: bool,
) -> Finding {
    let reply_lower = l
        .reply
        .as_ref()
        .map(|r| r.text().to_ascii_lowercase())
        .unwrap_or_default();
    let fix =
        identified.and_then(|i| provider_fixes::fix_for(i.provider, code, token, &reply_lower));
    if let Some(i) = identified {
        f = f.evidence(format!(
            "provider: {} (recognised from {})",
            i.provider.name, i.how
        ));
    }
    if let Some(fix) = fix {
        f = f
            .fix(fix.text)
            .evidence(format!("provider fix from: {}", fix.source));
    } else if token && code == "auth.bad-credentials" {
        f = f.fix(token_fix(SMTP_SCOPE));
    }
    f
}

/// The first alternative that works for a mail client — TLS up and AUTH offered — as
/// (port, security words).
pub fn working_alternative(ev: &CheckEvidence) -> Option<(u16, &'static str)> {
    if ev.settings.protocol != Protocol::Smtp {
        return super::check_mailbox::working_alternative(ev);
    }
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
    use crate::diagnose::fixtures::client_settings;
    use crate::evidence::check::ClientSettings;

    fn settings(host: &str, port: &str, security: &str) -> CheckEvidence {
        let smtp = client_settings(Protocol::Smtp, host, port, security, "alice@example.com");
        CheckEvidence {
            settings: ClientSettings {
                password_given: false,
                ..smtp
            },
            configured: None,
            alternatives: None,
            from_domain: None,
            provider: None,
            discovery: None,
        }
    }

    fn codes(ev: &CheckEvidence) -> Vec<String> {
        check(ev, 0).into_iter().map(|f| f.code).collect()
    }

    fn login_findings(
        host: &str,
        user: &str,
        mech: &str,
        offered: &[&str],
        greeting: &str,
        reply: Option<&[&str]>,
    ) -> Vec<Finding> {
        let mut ev = settings(host, "587", "starttls");
        ev.settings.user.as_mut().unwrap().value = user.into();
        let mut probe: crate::evidence::PortProbe = serde_json::from_value(serde_json::json!({
            "address": "192.0.2.1", "port": 587, "role": "submission", "explicit": true,
            "phases": [], "duration_ms": 1, "transcript": [],
            "greeting": {"code": 220, "lines": [greeting]},
        }))
        .unwrap();
        probe.login = Some(LoginAttempt {
            mechanism: mech.into(),
            initial_response: true,
            offered: offered.iter().map(|s| s.to_string()).collect(),
            reply: reply.map(|l| crate::evidence::Reply {
                code: l[0][..3].parse().ok(),
                lines: l.iter().map(|s| s.to_string()).collect(),
            }),
            accepted: reply.is_some_and(|l| l[0].starts_with("235")),
            oauth_error: None,
            retry: None,
        });
        login(&probe, probe.login.as_ref().unwrap(), &ev.settings)
    }

    fn with_login(user: &str, mech: &str, offered: &[&str], reply: Option<&[&str]>) -> Vec<String> {
        login_findings(
            "mail.example.com",
            user,
            mech,
            offered,
            "220 mail.example.com ESMTP",
            reply,
        )
        .into_iter()
        .map(|f| f.code)
        .collect()
    }

    #[test]
    fn provider_fixes_follow_the_server() {
        let gmail = login_findings(
            "127.0.0.1",
            "alice@example.com",
            "PLAIN",
            &["PLAIN", "LOGIN"],
            "220 smtp.gmail.com ESMTP x1sm - gsmtp",
            Some(&[
                "534-5.7.9 Application-specific password required.",
                "534 5.7.9 Learn more",
            ]),
        );
        assert_eq!(gmail[0].code, "auth.app-password-required");
        assert!(gmail[0]
            .fix
            .contains("https://myaccount.google.com/apppasswords"));
        assert!(gmail[0].evidence.iter().any(|e| e.contains("Gmail")));
        let outlook = login_findings(
            "127.0.0.1",
            "alice@hotmail.com",
            "PLAIN",
            &["PLAIN", "LOGIN", "XOAUTH2"],
            "220 AM0PR01CA0123.outlook.office365.com Microsoft ESMTP MAIL Service ready",
            Some(&["535 5.7.3 Authentication unsuccessful"]),
        );
        assert_eq!(outlook[0].code, "auth.oauth-required");
        assert!(outlook[0].fix.contains("16 September 2024"));
        let token = login_findings(
            "mail.example.com",
            "alice@example.com",
            "XOAUTH2",
            &["XOAUTH2"],
            "220 mail.example.com ESMTP",
            Some(&["535 5.7.8 Username and Password not accepted"]),
        );
        assert_eq!(token[0].code, "auth.bad-credentials");
        assert_eq!(token[0].fix, token_fix(SMTP_SCOPE));
        assert_eq!(token.len(), 1);
        let only_oauth = login_findings(
            "mail.example.com",
            "alice@example.com",
            "PLAIN",
            &["XOAUTH2", "OAUTHBEARER"],
            "220 mail.example.com ESMTP",
            None,
        );
        assert_eq!(only_oauth[0].code, "auth.oauth-required");
        let mismatch = login_findings(
            "mail.example.com",
            "alice@example.com",
            "CRAM-MD5",
            &["PLAIN", "LOGIN"],
            "220 mail.example.com ESMTP",
            None,
        );
        assert_eq!(mismatch[0].code, "auth.mechanism-mismatch");
        assert!(mismatch[0]
            .evidence
            .contains(&"AUTH mechanisms offered: PLAIN LOGIN".to_string()));
    }

    #[test]
    fn login_replies() {
        let both = &["PLAIN", "LOGIN"];
        assert!(with_login(
            "alice@example.com",
            "PLAIN",
            both,
            Some(&["235 2.7.0 Authentication successful"])
        )
        .is_empty());
        assert_eq!(
            with_login(
                "alice@example.com",
                "PLAIN",
                both,
                Some(&["535 5.7.8 Error: authentication failed: authentication failure"])
            ),
            vec!["auth.bad-credentials"]
        );
        assert_eq!(
            with_login(
                "alice",
                "LOGIN",
                both,
                Some(&["535 5.7.8 Error: authentication failed"])
            ),
            vec!["auth.bad-credentials"],
            "no retry as a full address: the username form is not known to be wrong"
        );
        assert_eq!(
            with_login("alice@example.com", "LOGIN", &["PLAIN"], None),
            vec!["auth.mechanism-mismatch"]
        );
        assert_eq!(
            with_login(
                "alice@example.com",
                "PLAIN",
                both,
                Some(&[
                    "534-5.7.9 Application-specific password required.",
                    "534 5.7.9 Learn more"
                ])
            ),
            vec!["auth.app-password-required"]
        );
        assert_eq!(
            with_login(
                "alice@example.com",
                "PLAIN",
                both,
                Some(&["454 4.3.0 Temporary authentication failure"])
            ),
            vec!["auth.temporary-failure"]
        );
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
