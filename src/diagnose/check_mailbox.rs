//! `mxray check --imap` / `--pop3`: the incoming server's settings (port and security, the
//! provider's username form) and the login's reply as findings. The reply table is
//! `knowledge::replies_mailbox`.

use super::check::is_oauth;
use crate::evidence::check::{CheckEvidence, ClientSettings, SettingValue};
use crate::evidence::{LoginAttempt, Outcome, PhaseName, PortProbe, Protocol};
use crate::findings::Finding;
use crate::knowledge::provider_db::{self, RuleKind, UsernameForm};
use crate::knowledge::replies_mailbox;

/// The first standard ports: (implicit TLS, STARTTLS).
fn ports(protocol: Protocol) -> (u16, u16) {
    let (implicit, starttls) = super::check_ports::standard_ports(protocol);
    // Every mailbox protocol has both in the port table; 0 would only name a missing row.
    (
        implicit.first().copied().unwrap_or_default(),
        starttls.first().copied().unwrap_or_default(),
    )
}

/// Which protocol a standard port belongs to, when it is not `protocol`'s.
fn foreign_port(protocol: Protocol, port: u16) -> Option<Protocol> {
    let owner = crate::evidence::ports::standard(port)
        .filter(|s| s.client || s.port == 25)?
        .protocol;
    (owner != protocol).then_some(owner)
}

/// The settings alone: security against the port, and a port of another protocol. (The
/// provider's username form is `check_username`'s, for every protocol.)
pub fn settings(s: &ClientSettings, out: &mut Vec<Finding>) {
    let protocol = s.protocol;
    let (implicit_port, starttls_port) = ports(protocol);
    let name = protocol.label();
    if let (Some(port), Some(sec)) = (&s.port, &s.security) {
        let n = port.value.parse::<u16>().ok();
        if let Some(f) = super::check_ports::security_mismatch(port, sec, protocol, true) {
            out.push(f.fix(format!(
                "Use {name} on port {implicit_port} with SSL/TLS, or port {starttls_port} with STARTTLS."
            )));
        }
        if let Some(owner) = n.and_then(|n| foreign_port(protocol, n)) {
            let mut f = Finding::new(
                crate::code!("config.wrong-port"),
                format!("port {}", port.value),
                format!(
                    "port {} is a standard {} port, not an {name} one: {name} uses {implicit_port} (SSL/TLS) or {starttls_port} (STARTTLS)",
                    port.value,
                    owner.label()
                ),
            )
            .evidence(format!("port from {}", port.source))
            .fix(format!(
                "Set the incoming ({name}) port to {implicit_port} with SSL/TLS (or {starttls_port} with STARTTLS)."
            ));
            if let Some(h) = &s.host {
                if let Some(documented) = documented(&h.value, protocol) {
                    f = f.evidence(documented);
                }
            }
            out.push(f);
        }
    }
}

/// "Gmail documents: imap.gmail.com:993 SSL/TLS" for the host's provider.
fn documented(host: &str, protocol: Protocol) -> Option<String> {
    let p = provider_db::by_host(host)?;
    let good: Vec<String> = p
        .servers(protocol)
        .iter()
        .map(|s| format!("{}:{} {:?}", s.host, s.port, s.security))
        .collect();
    (!good.is_empty()).then(|| {
        format!(
            "{} documents for {}: {}",
            p.name,
            protocol.label(),
            good.join(", ")
        )
    })
}

/// The username form the provider documents for this host and protocol.
fn username_form(host: &str, protocol: Protocol) -> Option<UsernameForm> {
    let host = host.trim().trim_end_matches('.').to_ascii_lowercase();
    let p = provider_db::by_host(&host)?;
    let form = p
        .servers(protocol)
        .iter()
        .find(|s| s.host == host)?
        .username;
    Some(form)
}

/// The login's outcome as `auth.*` findings.
pub fn login(p: &PortProbe, l: &LoginAttempt, s: &ClientSettings) -> Vec<Finding> {
    let mut out = Vec::new();
    if l.accepted {
        return out;
    }
    let protocol = s.protocol;
    let subject = p.endpoint();
    if let Some(f) = super::check_username::retry_worked(l, &subject, s) {
        out.push(f);
        return out;
    }
    let method = l.method(protocol);
    let caps = p.best_capabilities();
    let offered = caps
        .map(|c| c.raw.join(" "))
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| "none".into());
    let tls_up = p.tls.as_ref().is_some_and(|t| t.version.is_some());
    let token = is_oauth(&l.mechanism);
    // A password against a server whose only SASL mechanisms take a token.
    let oauth_only = !token && !l.offered.is_empty() && l.offered.iter().all(|m| is_oauth(m));
    let broke_off = p
        .phase(PhaseName::Login)
        .filter(|ph| !ph.outcome.is_ok())
        .map(|ph| ph.outcome.clone());
    if let (None, Some(outcome)) = (&l.reply, broke_off) {
        out.extend(broken_login(p, protocol, &method, &outcome));
        return out;
    }
    let Some(reply) = &l.reply else {
        // Nothing was sent: the method the client would use is not on offer.
        let (code, why) = if !tls_up {
            (
                "auth.tls-required",
                format!("the server takes no password before TLS ({method} is not offered on the unencrypted connection)"),
            )
        } else if oauth_only {
            (
                "auth.oauth-required",
                format!(
                    "the server offers only OAuth sign-in ({}), no password login",
                    l.offered.join(" ")
                ),
            )
        } else {
            (
                "auth.mechanism-mismatch",
                format!("the login method {method} is not offered by the server"),
            )
        };
        out.push(
            Finding::new(code, &subject, why)
                .evidence(format!("{} capabilities: {offered}", protocol.label())),
        );
        return out;
    };
    let Some(mut code) = replies_mailbox::classify(protocol, reply) else {
        return out;
    };
    if oauth_only && code == "auth.bad-credentials" {
        code = "auth.oauth-required";
    }
    let seen = format!("{method} → {}", reply.text());
    let mut f = Finding::new(
        code,
        &subject,
        crate::knowledge::replies::refusal_summary(
            code,
            &format!("{} server", protocol.label()),
            &reply.text(),
        ),
    )
    .evidence(seen.clone())
    .evidence(format!("{} capabilities: {offered}", protocol.label()));
    for a in replies_mailbox::alerts(reply) {
        f = f.evidence(format!("the server's alert for the user: {a}"));
    }
    if let Some(e) = &l.oauth_error {
        f = f.evidence(format!("the server's OAuth error status: {e}"));
    }
    if let Some(r) = &l.retry {
        f = f.evidence(super::check_username::retry_evidence(r));
    }
    if let Some(fix) = provider_fix(code, s.host.as_ref(), protocol) {
        let general = f.fix.clone();
        f = f.fix(format!("{fix} {general}"));
    } else if token && code == "auth.bad-credentials" {
        f = f.fix(super::check::token_fix(token_scope(protocol)));
    }
    out.push(f);
    // A refused full-address retry means the username form was not the problem.
    if code == "auth.bad-credentials" && !token && l.retry.is_none() {
        if let Some(u) = s.user.as_ref().filter(|u| !u.value.contains('@')) {
            let local_part_wanted = s
                .host
                .as_ref()
                .and_then(|h| username_form(&h.value, protocol))
                == Some(UsernameForm::LocalPart);
            if !local_part_wanted {
                if let Some(f) = out.last_mut() {
                    super::check_username::unproven_short_username(f, u, "your-domain");
                }
            }
        }
    }
    out
}

/// What a token for reading mail must be issued for.
fn token_scope(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::Pop3 => {
            "reading mail over POP3 (Google: https://mail.google.com/, Microsoft: POP.AccessAsUser.All)"
        }
        _ => "reading mail over IMAP (Google: https://mail.google.com/, Microsoft: IMAP.AccessAsUser.All)",
    }
}

/// The login dialogue broke off without a final reply: the server is at fault, not the
/// credentials.
fn broken_login(
    p: &PortProbe,
    protocol: Protocol,
    method: &str,
    outcome: &Outcome,
) -> Option<Finding> {
    let (code, summary) = match outcome {
        // The server rules report the violation itself ({imap,pop3}.protocol-violation); this
        // is what it did to the login.
        Outcome::Violation { detail } => (
            "auth.login-failed",
            format!(
                "the login ({method}) never completed: the server broke the {} protocol: {detail}",
                protocol.label()
            ),
        ),
        Outcome::Timeout => (
            "net.stalled",
            format!("the server never answered the login ({method})"),
        ),
        Outcome::Reset | Outcome::Closed => (
            "net.connection-reset",
            format!("the server dropped the connection during the login ({method})"),
        ),
        Outcome::Error { detail } => (
            "auth.login-failed",
            format!("the login ({method}) failed before the server's final reply: {detail}"),
        ),
        _ => return None,
    };
    let how = match outcome {
        Outcome::Violation { detail } | Outcome::Error { detail } => detail.as_str(),
        Outcome::Timeout => "no reply within the timeout",
        Outcome::Reset => "connection reset",
        _ => "connection closed",
    };
    Some(
        Finding::new(code, p.endpoint(), summary)
            .evidence(format!("{method} sent; no final reply: {how}")),
    )
}

/// No login was tried because the client is set up without TLS: when the server refuses
/// passwords before TLS (IMAP `LOGINDISABLED`), the client's login is bound to fail.
pub fn not_tried(p: &PortProbe, s: &ClientSettings, out: &mut Vec<Finding>) {
    let tls_up = p.tls.as_ref().is_some_and(|t| t.version.is_some());
    let Some(caps) = p.best_capabilities() else {
        return;
    };
    if s.password_given && !tls_up && caps.login_disabled {
        out.push(
            Finding::new(
                crate::code!("auth.tls-required"),
                p.endpoint(),
                format!(
                    "the {} server takes no password before TLS (LOGINDISABLED), and the client is set up without TLS",
                    s.protocol.label()
                ),
            )
            .evidence(format!("{} capabilities: {}", s.protocol.label(), caps.raw.join(" ")))
            .fix(format!(
                "Turn on STARTTLS for port {} (or use SSL/TLS on port {}).",
                p.port,
                ports(s.protocol).0
            )),
        );
    }
}

/// The provider's own words and page for the fix, when the host is a known provider's.
fn provider_fix(code: &str, host: Option<&SettingValue>, protocol: Protocol) -> Option<String> {
    let p = provider_db::by_host(&host?.value)?;
    let kinds: &[RuleKind] = match code {
        "auth.app-password-required" | "auth.web-login-required" => &[
            RuleKind::AppPasswordRequired,
            RuleKind::AppPasswordOrOAuth,
            RuleKind::AppPasswordWith2fa,
        ],
        "auth.protocol-disabled" => &[RuleKind::EnableInSettings],
        _ => return None,
    };
    let rule = kinds.iter().find_map(|k| p.rules_of(*k).next())?;
    let text = rule.text.trim_end();
    let stop = if text.ends_with('.') { "" } else { "." };
    let mut fix = format!("{} ({}): {text}{stop}", p.name, protocol.label());
    if let Some(url) = rule.url {
        fix.push_str(&format!(" See {url}."));
    }
    Some(fix)
}

/// The incoming setting that works — TLS up and the server's capabilities read over it: the
/// configured endpoint if it does, else implicit TLS, else STARTTLS — as (port, security words).
pub fn working_alternative(ev: &CheckEvidence) -> Option<(u16, &'static str)> {
    let works = |p: &&PortProbe| {
        p.tls.as_ref().is_some_and(|t| t.version.is_some())
            && p.best_capabilities().is_some()
            && p.failure().is_none()
    };
    let mode = |p: &PortProbe| {
        if p.role.is_some_and(|r| r.implicit_tls()) {
            "SSL/TLS (implicit TLS)"
        } else {
            "STARTTLS"
        }
    };
    let configured = ev.configured.iter().flat_map(|c| c.probes.iter());
    if let Some(p) = configured.clone().find(works) {
        return Some((p.port, mode(p)));
    }
    ev.alternatives
        .iter()
        .flat_map(|a| a.probes.iter())
        .filter(works)
        .min_by_key(|p| !p.role.is_some_and(|r| r.implicit_tls()))
        .map(|p| (p.port, mode(p)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::fixtures::client_settings as settings_of;
    use crate::evidence::Reply;

    fn static_codes(s: &ClientSettings) -> Vec<String> {
        let mut out = Vec::new();
        settings(s, &mut out);
        out.into_iter().map(|f| f.code).collect()
    }

    #[test]
    fn ports_and_modes() {
        let imap = |port, sec| {
            static_codes(&settings_of(
                Protocol::Imap,
                "imap.example.com",
                port,
                sec,
                "a@example.com",
            ))
        };
        assert!(imap("993", "implicit").is_empty());
        assert!(imap("143", "starttls").is_empty());
        assert_eq!(imap("143", "implicit"), vec!["config.security-mismatch"]);
        assert_eq!(imap("993", "starttls"), vec!["config.security-mismatch"]);
        assert_eq!(imap("993", "plain"), vec!["config.security-mismatch"]);
        assert_eq!(imap("995", "implicit"), vec!["config.wrong-port"]);
        assert_eq!(imap("587", "starttls"), vec!["config.wrong-port"]);
        let pop = |port, sec| {
            static_codes(&settings_of(
                Protocol::Pop3,
                "pop.example.com",
                port,
                sec,
                "a@example.com",
            ))
        };
        assert_eq!(pop("110", "implicit"), vec!["config.security-mismatch"]);
        assert_eq!(pop("993", "implicit"), vec!["config.wrong-port"]);
        assert!(pop("995", "implicit").is_empty());
    }

    #[test]
    fn provider_username_form_and_documented_servers() {
        let s = settings_of(
            Protocol::Imap,
            "imap.mail.me.com",
            "993",
            "implicit",
            "emily@icloud.com",
        );
        // The username form is check_username's, run for the incoming protocol.
        let out = crate::diagnose::check::check(&static_evidence(s), 0);
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].code, "auth.username-not-local-part");
        assert!(out[0].fix.contains("`emily`"), "{}", out[0].fix);
        let short = settings_of(
            Protocol::Imap,
            "imap.mail.me.com",
            "993",
            "implicit",
            "emily",
        );
        assert!(crate::diagnose::check::check(&static_evidence(short), 0).is_empty());
        let mut out = Vec::new();
        settings(
            &settings_of(
                Protocol::Imap,
                "imap.gmail.com",
                "995",
                "implicit",
                "a@gmail.com",
            ),
            &mut out,
        );
        assert!(
            out[0]
                .evidence
                .iter()
                .any(|e| e.contains("imap.gmail.com:993")),
            "{:?}",
            out[0].evidence
        );
    }

    fn static_evidence(settings: ClientSettings) -> CheckEvidence {
        CheckEvidence {
            settings,
            configured: None,
            alternatives: None,
            from_domain: None,
            provider: None,
            discovery: None,
        }
    }

    #[test]
    fn near_miss_incoming_hosts() {
        let ev = CheckEvidence {
            from_domain: None,
            provider: None,
            discovery: None,
            settings: settings_of(
                Protocol::Imap,
                "imap.gmial.com",
                "993",
                "implicit",
                "a@gmail.com",
            ),
            configured: None,
            alternatives: None,
        };
        let f = crate::diagnose::check::check(&ev, 0);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].code, "config.unknown-provider-host");
        assert!(f[0].fix.contains("imap.gmail.com"), "{}", f[0].fix);
    }

    fn probe_with(reply: Option<&[&str]>, mechanism: &str, tls: bool) -> PortProbe {
        let mut p: PortProbe = serde_json::from_value(serde_json::json!({
            "address": "192.0.2.1", "port": 993, "role": "imaps", "explicit": true,
            "phases": [], "duration_ms": 1, "transcript": [],
            "capabilities": {"via": "capability", "raw": ["IMAP4REV1", "LOGINDISABLED"],
                              "starttls": false, "auth": []},
        }))
        .unwrap();
        if tls {
            p.tls = serde_json::from_value(serde_json::json!({
                "mode": "implicit", "version": "TLSv1.3", "cipher": "x", "chain": [],
                "verified": true, "name_matches": true, "peer_spoke_plaintext": false
            }))
            .ok();
        }
        p.login = Some(LoginAttempt {
            mechanism: mechanism.into(),
            initial_response: false,
            offered: vec!["PLAIN".into()],
            reply: reply.map(|l| Reply {
                code: None,
                lines: l.iter().map(|s| s.to_string()).collect(),
            }),
            accepted: false,
            oauth_error: None,
            retry: None,
        });
        p
    }

    #[test]
    fn login_replies_with_provider_fixes() {
        let s = settings_of(
            Protocol::Imap,
            "imap.gmail.com",
            "993",
            "implicit",
            "a@gmail.com",
        );
        let p = probe_with(Some(&["m5 NO [ALERT] Application-specific password required: https://support.google.com/accounts/answer/185833 (Failure)"]), "PLAIN", true);
        let f = login(&p, p.login.as_ref().unwrap(), &s);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code, "auth.app-password-required");
        assert!(
            f[0].fix
                .starts_with("Google Mail (IMAP): Log in with OAuth2"),
            "{}",
            f[0].fix
        );
        assert!(f[0]
            .evidence
            .iter()
            .any(|e| e.starts_with("the server's alert for the user: Application-specific")));
        let p = probe_with(
            Some(&["m5 NO [ALERT] Your account is not enabled for IMAP use."]),
            "PLAIN",
            true,
        );
        let f = login(&p, p.login.as_ref().unwrap(), &s);
        assert_eq!(f[0].code, "auth.protocol-disabled");
        assert!(
            f[0].fix
                .starts_with("Google Mail (IMAP): You need to enable IMAP access. See https://"),
            "{}",
            f[0].fix
        );
        // Nothing sent: LOGINDISABLED before TLS, or no common method after it.
        let p = probe_with(None, "LOGIN", false);
        assert_eq!(
            login(&p, p.login.as_ref().unwrap(), &s)[0].code,
            "auth.tls-required"
        );
        let p = probe_with(None, "LOGIN", true);
        assert_eq!(
            login(&p, p.login.as_ref().unwrap(), &s)[0].code,
            "auth.mechanism-mismatch"
        );
        // A short username on a provider that wants the address.
        let s = settings_of(
            Protocol::Imap,
            "imap.example.com",
            "993",
            "implicit",
            "alice",
        );
        let p = probe_with(
            Some(&["m5 NO [AUTHENTICATIONFAILED] Authentication failed."]),
            "PLAIN",
            true,
        );
        let found = login(&p, p.login.as_ref().unwrap(), &s);
        let codes: Vec<&str> = found.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(codes, vec!["auth.bad-credentials"]);
        assert!(
            found[0]
                .evidence
                .iter()
                .any(|e| e.contains("mxray could not retry it as a full address")),
            "{:?}",
            found[0].evidence
        );
        assert!(found[0].fix.ends_with("use `alice@your-domain`."));
    }

    fn codes_of(p: &PortProbe, s: &ClientSettings) -> Vec<Finding> {
        login(p, p.login.as_ref().unwrap(), s)
    }

    #[test]
    fn retries_tokens_and_oauth_only_servers() {
        let s = settings_of(
            Protocol::Imap,
            "mail.example.com",
            "993",
            "implicit",
            "alice",
        );
        let refused = "m5 NO [AUTHENTICATIONFAILED] Authentication failed.";
        let retried = |accepted: bool, line: &str| {
            let mut p = probe_with(Some(&[refused]), "PLAIN", true);
            p.login.as_mut().unwrap().retry = Some(crate::evidence::UsernameRetry {
                user: "alice@example.com".into(),
                domain_from: "the server's domain".into(),
                reply: Some(Reply {
                    code: None,
                    lines: vec![line.into()],
                }),
                accepted,
            });
            codes_of(&p, &s)
        };
        // The full address worked: only the username form is wrong.
        let f = retried(true, "m6 OK Logged in");
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].code, "auth.username-not-address");
        assert!(f[0].fix.contains("`alice@example.com`"), "{}", f[0].fix);
        assert!(f[0].evidence.iter().any(|e| {
            e == "AUTHENTICATE PLAIN as alice → m5 NO [AUTHENTICATIONFAILED] Authentication failed."
        }));
        // Refused as well: the password is wrong, the retry is the evidence.
        let f = retried(false, "m6 NO [AUTHENTICATIONFAILED] Authentication failed.");
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].code, "auth.bad-credentials");
        assert!(f[0].evidence.iter().any(|e| e
            .starts_with("retried as alice@example.com (domain from the server's domain): m6 NO")));

        // A refused token: the token's fix, its OAuth status as evidence, no username advice.
        let mut p = probe_with(Some(&[refused]), "XOAUTH2", true);
        p.login.as_mut().unwrap().oauth_error = Some(r#"{"status":"401"}"#.into());
        let f = codes_of(&p, &s);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].code, "auth.bad-credentials");
        assert!(f[0].fix.contains("IMAP.AccessAsUser.All"), "{}", f[0].fix);
        assert!(f[0]
            .evidence
            .iter()
            .any(|e| e == r#"the server's OAuth error status: {"status":"401"}"#));

        // A password against a server that offers only OAuth: not tried, or refused.
        let s = settings_of(
            Protocol::Imap,
            "mail.example.com",
            "993",
            "implicit",
            "a@example.com",
        );
        let mut p = probe_with(None, "LOGIN", true);
        p.login.as_mut().unwrap().offered = vec!["XOAUTH2".into(), "OAUTHBEARER".into()];
        assert_eq!(codes_of(&p, &s)[0].code, "auth.oauth-required");
        let mut p = probe_with(Some(&[refused]), "LOGIN", true);
        p.login.as_mut().unwrap().offered = vec!["XOAUTH2".into()];
        let f = codes_of(&p, &s);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].code, "auth.oauth-required");
    }
}
