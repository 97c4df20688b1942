//! The provider knowledge base applied to the settings alone: judged whether or not the probe
//! reached the server, so a user offline or behind a firewall still gets the provider's answer.
//! What the probe saw then confirms it or contradicts it, and a contradiction is said in the
//! finding (its severity lowered, an evidence line) rather than silently preferred.

use crate::evidence::check::{CheckEvidence, ClientSettings, PasswordShape};
use crate::evidence::{PortProbe, Protocol};
use crate::findings::{Finding, Severity};
use crate::knowledge::provider_db::{self, ProviderFacts, RuleKind, Security};

pub fn findings(ev: &CheckEvidence, out: &mut Vec<Finding>) {
    endpoint(ev, out);
    password_rules(ev, out);
}

fn security_words(s: Security) -> &'static str {
    s.described()
}

/// The stored setting as the knowledge base compares it: opportunistic STARTTLS is STARTTLS.
fn setting_security(value: &str) -> Security {
    match Security::from_name(value) {
        Some(Security::StarttlsIfOffered) | None => Security::Starttls,
        Some(s) => s,
    }
}

fn normalize(host: &str) -> String {
    host.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// "smtp.gmail.com:465 SSL/TLS, smtp.gmail.com:587 STARTTLS"
fn listing(p: &ProviderFacts, protocol: Protocol, host: Option<&str>) -> String {
    p.servers(protocol)
        .iter()
        .filter(|s| host.is_none_or(|h| s.host == h))
        .map(|s| format!("{}:{} {}", s.host, s.port, security_words(s.security)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The probes of the configured endpoint on `port`.
fn probes_on(ev: &CheckEvidence, port: u16) -> impl Iterator<Item = &PortProbe> {
    ev.configured
        .iter()
        .flat_map(|c| c.probes.iter())
        .filter(move |p| p.port == port)
}

/// What this run saw of the configured endpoint, for a knowledge-based finding: `Some(true)`
/// when a login worked there, `Some(false)` when the server answered in its protocol, `None`
/// when the probe did not get that far (offline, firewalled, no such name).
fn live_contradiction(ev: &CheckEvidence, port: u16) -> Option<bool> {
    let mut answered = None;
    for p in probes_on(ev, port) {
        if p.login.as_ref().is_some_and(|l| l.logged_in()) {
            return Some(true);
        }
        if p.greeting.as_ref().is_some_and(|g| g.code.is_some()) {
            answered = Some(false);
        }
    }
    answered
}

/// Why the probe could not confirm the knowledge base, in words, when it could not.
fn unconfirmed(ev: &CheckEvidence) -> Option<&'static str> {
    match &ev.configured {
        None => Some("nothing was probed, so this rests on the knowledge base alone"),
        Some(c) if c.probes.is_empty() => Some(
            "the server could not be reached (its name did not resolve), so this rests on the knowledge base alone",
        ),
        Some(c) if !c.probes.iter().any(PortProbe::connected) => Some(
            "the server could not be reached from here, so this rests on the knowledge base alone",
        ),
        _ => None,
    }
}

/// The configured host and port against what the provider documents for that host.
fn endpoint(ev: &CheckEvidence, out: &mut Vec<Finding>) {
    let s = &ev.settings;
    let (Some(h), Some(port)) = (&s.host, &s.port) else {
        return;
    };
    let Ok(port_n) = port.value.parse::<u16>() else {
        return;
    };
    let host = normalize(&h.value);
    let Some(p) = provider_db::by_host(&host) else {
        return;
    };
    let protocol = s.protocol;
    let name = protocol.label();
    let here: Vec<_> = p
        .servers(protocol)
        .iter()
        .filter(|f| f.host == host)
        .collect();
    if here.is_empty() {
        wrong_host(ev, &p, &host, out);
        return;
    }
    let refused = p
        .not_accepted
        .iter()
        .find(|n| n.host == host && n.port == port_n);
    let on_port: Vec<_> = here.iter().filter(|f| f.port == port_n).collect();
    if refused.is_none() && !on_port.is_empty() {
        let Some(sec) = &s.security else { return };
        let wanted = setting_security(&sec.value);
        let already = out
            .iter()
            .any(|f| f.code == "config.security-mismatch" && f.subject == format!("port {port_n}"));
        if already || on_port.iter().any(|f| f.security == wanted) {
            return;
        }
        let documented: Vec<&str> = on_port.iter().map(|f| security_words(f.security)).collect();
        out.push(
            Finding::new(
                crate::code!("config.security-mismatch"),
                format!("port {port_n}"),
                format!(
                    "{} takes {name} clients on {host}:{port_n} with {}, not {}",
                    p.name,
                    documented.join(" or "),
                    security_words(wanted)
                ),
            )
            .evidence(format!(
                "port from {}, security from {} ({})",
                port.source, sec.source, sec.value
            ))
            .evidence(format!(
                "{} documents: {}",
                p.name,
                listing(&p, protocol, Some(&host))
            )),
        );
        return;
    }
    // A port of another protocol has its own wording (check_mailbox); one finding is enough.
    if out.iter().any(|f| f.code == "config.wrong-port") {
        return;
    }
    let documented = listing(&p, protocol, Some(&host));
    let mut f = Finding::new(
        crate::code!("config.wrong-port"),
        format!("{host}:{port_n}"),
        format!("{} does not take {name} clients on port {port_n}", p.name),
    );
    if let Some(n) = refused {
        f = f.evidence(format!("{} (source: {})", n.reason, n.source));
    }
    f = f.evidence(format!(
        "{} documents: {documented} (source: {})",
        p.name,
        here.first()
            .map(|f| f.source)
            .unwrap_or("the knowledge base")
    ));
    let best = preferred(&here);
    if let Some(b) = best {
        f = f.fix(format!(
            "Set the port to {} with {} (server {}), as {} documents for mail clients.",
            b.port,
            security_words(b.security),
            b.host,
            p.name
        ));
    }
    match live_contradiction(ev, port_n) {
        Some(true) => {
            f = f.severity(Severity::Info).evidence(format!(
                "this run contradicts the knowledge base: the login worked on port {port_n}; it is \
                 not a documented port, so it may stop working without notice"
            ))
        }
        Some(false) => {
            f = f.severity(Severity::Warning).evidence(format!(
            "this run contradicts the knowledge base in part: {host} answered on port {port_n}, \
                 but {} does not document it for clients (mail may be refused or the port blocked)",
            p.name
        ))
        }
        None => {
            if let Some(why) = unconfirmed(ev) {
                f = f.evidence(why);
            }
        }
    }
    out.push(f);
}

/// The documented setting to recommend: implicit TLS first (RFC 8314 §3.3), then STARTTLS.
fn preferred<'a>(servers: &[&'a provider_db::ServerFact]) -> Option<&'a provider_db::ServerFact> {
    servers
        .iter()
        .copied()
        .min_by_key(|s| s.security.preference())
}

/// A provider's server for another protocol used for this one (imap.gmail.com as the SMTP
/// server).
fn wrong_host(ev: &CheckEvidence, p: &ProviderFacts, host: &str, out: &mut Vec<Finding>) {
    let protocol = ev.settings.protocol;
    let Some(other) = [Protocol::Smtp, Protocol::Imap, Protocol::Pop3]
        .into_iter()
        .find(|o| *o != protocol && p.servers(*o).iter().any(|s| s.host == host))
    else {
        return;
    };
    let documented = listing(p, protocol, None);
    if documented.is_empty() {
        return;
    }
    let mut f = Finding::new(
        crate::code!("config.wrong-host"),
        host,
        format!(
            "{host} is {}'s {} server, not its {} server",
            p.name,
            other.label(),
            protocol.label()
        ),
    )
    .evidence(format!(
        "{} documents for {}: {documented}",
        p.name,
        protocol.label()
    ));
    if let Some(b) = preferred(&p.servers(protocol).iter().collect::<Vec<_>>()) {
        f = f.fix(format!(
            "Set the {} server to {} (port {} with {}).",
            protocol.label(),
            b.host,
            b.port,
            security_words(b.security)
        ));
    }
    if let Some(why) = unconfirmed(ev) {
        f = f.evidence(why);
    }
    out.push(f);
}

/// The provider whose rules apply: the host's, else the username's or From address's domain.
fn provider_of(s: &ClientSettings) -> Option<ProviderFacts> {
    s.host
        .as_ref()
        .and_then(|h| provider_db::by_host(&h.value))
        .or_else(|| {
            [&s.user, &s.from]
                .into_iter()
                .flatten()
                .filter_map(|v| v.value.rsplit_once('@').map(|(_, d)| d.to_string()))
                .find_map(|d| provider_db::by_email_domain(&d))
        })
}

/// Whether a login was attempted on the configured endpoint, and whether one worked.
fn logins(ev: &CheckEvidence) -> (bool, bool) {
    let attempts: Vec<_> = ev
        .configured
        .iter()
        .flat_map(|c| c.probes.iter())
        .filter_map(|p| p.login.as_ref())
        .filter(|l| l.reply.is_some())
        .collect();
    (!attempts.is_empty(), attempts.iter().any(|l| l.logged_in()))
}

/// The provider's password rules against what was given: a password where only OAuth works,
/// and a password that cannot be the app password the provider requires. The live login's
/// reply, when there is one, is judged by the reply table instead; an accepted login
/// contradicts the knowledge base and says so.
fn password_rules(ev: &CheckEvidence, out: &mut Vec<Finding>) {
    let s = &ev.settings;
    if !s.password_given || s.oauth_token_given {
        return;
    }
    let Some(p) = provider_of(s) else { return };
    let (attempted, worked) = logins(ev);
    let subject = s
        .host
        .as_ref()
        .map(|h| normalize(&h.value))
        .unwrap_or_else(|| p.name.to_string());
    if let Some(rule) = p.rules_of(RuleKind::OAuthOnly).next() {
        if worked {
            out.push(
                Finding::new(
                    crate::code!("auth.oauth-required"),
                    &subject,
                    format!(
                        "{} documents OAuth-only sign-in, yet the password login worked in this run",
                        p.name
                    ),
                )
                .severity(Severity::Info)
                .evidence(format!("knowledge base: {} (source: {})", rule.text, rule.source))
                .evidence("this run contradicts the knowledge base: expect the password to stop working"),
            );
        } else if !attempted {
            let mut f = Finding::new(
                crate::code!("auth.oauth-required"),
                &subject,
                format!(
                    "{} accepts only OAuth sign-in for mail apps: a password login will be refused",
                    p.name
                ),
            )
            .evidence(format!(
                "knowledge base: {} (source: {})",
                rule.text, rule.source
            ));
            if let Some(why) = unconfirmed(ev) {
                f = f.evidence(why);
            }
            out.push(f);
        }
        return;
    }
    let app_rule = p
        .rules_of(RuleKind::AppPasswordRequired)
        .chain(p.rules_of(RuleKind::AppPasswordOrOAuth))
        .next();
    let (Some(rule), Some(shape)) = (app_rule, s.password_shape) else {
        return;
    };
    if attempted || app_password_fits(&p, shape) != Some(false) {
        return;
    }
    let mut f = Finding::new(
        crate::code!("auth.app-password-required"),
        &subject,
        format!(
            "{} needs an app password here, and the password given is not one: {} app passwords are {}",
            p.name,
            p.name,
            app_password_form(&p).unwrap_or("generated by the provider")
        ),
    )
    .evidence(format!("knowledge base: {} (source: {})", rule.text, rule.source))
    .evidence(format!(
        "the password's form (never its value): {}",
        shape.words()
    ));
    if let Some(why) = unconfirmed(ev) {
        f = f.evidence(why);
    }
    out.push(f);
}

/// The documented form of the provider's generated app passwords.
fn app_password_form(p: &ProviderFacts) -> Option<&'static str> {
    match p.id {
        "googlemail.com" | "yahoo.com" | "aol.com" => {
            Some("16 letters (shown in four groups of four; the spaces may be kept or left out)")
        }
        "me.com" => {
            Some("four groups of four lower-case letters joined by hyphens (xxxx-xxxx-xxxx-xxxx)")
        }
        _ => None,
    }
}

/// Whether a password of `shape` can be the provider's app password: `None` when the
/// provider's form is not known.
fn app_password_fits(p: &ProviderFacts, shape: PasswordShape) -> Option<bool> {
    app_password_form(p)?;
    Some(matches!(
        shape,
        PasswordShape::Letters16 | PasswordShape::HyphenatedLetters16
    ))
}

#[cfg(test)]
#[path = "check_knowledge_tests.rs"]
mod tests;
