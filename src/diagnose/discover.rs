//! Discovery's verdicts (which discovered setting works, and how the others fail) and its
//! findings: nothing found or nothing works, sources that disagree, an autoconfig file served
//! without authentication, published settings that do not work.

use crate::evidence::discovery::{Candidate, DiscoveryEvidence, Security, SourceKind};
use crate::evidence::{Outcome, PhaseName, PortProbe, Protocol};
use crate::findings::Finding;

#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// TLS up with a valid certificate, and (for SMTP) a login offered.
    Works,
    Fails(String),
    NotProbed(String),
}

/// How the live probe of one discovered setting went, as a mail client would see it.
pub fn verdict(c: &Candidate) -> Verdict {
    let Some(ev) = &c.probe else {
        return Verdict::NotProbed(c.not_probed.clone().unwrap_or_else(|| "not probed".into()));
    };
    if ev.resolution.addresses.is_empty() && !ev.resolution.ip_literal {
        let status = ev
            .resolution
            .a
            .as_ref()
            .map(|l| super::status_words(l.status))
            .unwrap_or("not asked");
        return Verdict::Fails(format!("{} has no address ({status})", ev.host));
    }
    let mut why = None;
    for p in &ev.probes {
        match probe_verdict(p, c.setting.security) {
            Ok(()) => return Verdict::Works,
            Err(e) => {
                why.get_or_insert(e);
            }
        }
    }
    Verdict::Fails(why.unwrap_or_else(|| "no address could be probed".into()))
}

fn probe_verdict(p: &PortProbe, security: Security) -> Result<(), String> {
    if let Some(f) = p.failure() {
        return Err(format!(
            "{}: {}",
            phase_words(f.phase),
            outcome_words(&f.outcome)
        ));
    }
    let Some(tls) = p.tls.as_ref().filter(|t| t.version.is_some()) else {
        return Err("no TLS: the password would cross the network in clear".into());
    };
    if let Some(e) = tls
        .verification
        .as_ref()
        .and_then(|v| v.client_error.as_ref())
    {
        return Err(format!("certificate not valid: {}", short(e)));
    }
    if security == Security::Plain {
        return Err("published without encryption (it offers STARTTLS: use that)".into());
    }
    let smtp = p.role.is_some_and(|r| r.protocol() == Protocol::Smtp);
    if smtp && p.best_capabilities().is_none_or(|c| c.auth.is_empty()) {
        return Err("no login (AUTH) offered after TLS".into());
    }
    if !smtp && p.best_capabilities().is_some_and(|c| c.login_disabled) {
        return Err("login disabled even after TLS".into());
    }
    Ok(())
}

fn phase_words(p: PhaseName) -> &'static str {
    match p {
        PhaseName::Sniff => "sniffing",
        PhaseName::Connect => "connect",
        PhaseName::Greeting => "greeting",
        PhaseName::Ehlo | PhaseName::Helo => "EHLO",
        PhaseName::Capability => "capabilities",
        PhaseName::Starttls => "STARTTLS",
        PhaseName::TlsHandshake => "TLS handshake",
        PhaseName::EhloAfterTls => "EHLO after TLS",
        PhaseName::CapabilityAfterTls => "capabilities after TLS",
        PhaseName::Quit => "QUIT",
        PhaseName::AlternateMode => "other TLS mode",
        PhaseName::LegacyTls => "legacy TLS",
        PhaseName::RelayTest => "relay test",
        PhaseName::Login => "login",
        PhaseName::Send => "sending",
    }
}

fn outcome_words(o: &Outcome) -> String {
    match o {
        Outcome::Ok => "ok".into(),
        Outcome::Timeout => "timed out".into(),
        Outcome::Refused => "connection refused".into(),
        Outcome::Reset => "connection reset".into(),
        Outcome::Closed => "connection closed".into(),
        Outcome::Unreachable { detail } => format!("unreachable ({detail})"),
        Outcome::Violation { detail } => format!("protocol violation ({detail})"),
        Outcome::Rejected { reply } => format!("refused: {reply}"),
        Outcome::Error { detail } => detail.clone(),
    }
}

fn is_incoming(p: Protocol) -> bool {
    matches!(p, Protocol::Imap | Protocol::Pop3)
}

/// The setting to use for `protocol` (SMTP; or IMAP/POP3 for `incoming`): a working one named
/// by the most sources, the earlier (more trusted source) on ties; IMAP before POP3.
pub fn best(ev: &DiscoveryEvidence, incoming: bool) -> Option<&Candidate> {
    let working = ev
        .candidates
        .iter()
        .enumerate()
        .filter(|(_, c)| is_incoming(c.setting.protocol) == incoming)
        .filter(|(_, c)| verdict(c) == Verdict::Works);
    working
        .min_by_key(|(i, c)| {
            (
                c.setting.protocol == Protocol::Pop3,
                std::cmp::Reverse(trusted_sources(c)),
                *i,
            )
        })
        .map(|(_, c)| c)
}

fn trusted_sources(c: &Candidate) -> usize {
    c.sources
        .iter()
        .filter(|s| **s != SourceKind::AutoconfigHttp)
        .count()
}

fn setting_words(c: &Candidate) -> String {
    format!(
        "{} {}:{} {}",
        protocol_name(c.setting.protocol),
        c.setting.host,
        c.setting.port,
        c.setting.security.words()
    )
}

pub fn protocol_name(p: Protocol) -> &'static str {
    match p {
        Protocol::Smtp => "SMTP",
        Protocol::Imap => "IMAP",
        Protocol::Pop3 => "POP3",
    }
}

pub fn findings(ev: &DiscoveryEvidence) -> Vec<Finding> {
    let mut out = Vec::new();
    let domain = &ev.domain;
    let smtp: Vec<&Candidate> = ev
        .candidates
        .iter()
        .filter(|c| c.setting.protocol == Protocol::Smtp)
        .collect();
    if smtp.is_empty() {
        out.push(
            Finding::new(
                crate::code!("config.discovery-failed"),
                domain,
                format!("no outgoing mail server could be found for {}", ev.address),
            )
            .evidence_lines(source_summary(ev)),
        );
    } else if best(ev, false).is_none() {
        let mut f = Finding::new(
            crate::code!("config.discovery-failed"),
            domain,
            format!(
                "none of the {} outgoing mail settings found for {} works",
                smtp.len(),
                ev.address
            ),
        );
        for c in &smtp {
            if let Verdict::Fails(why) | Verdict::NotProbed(why) = verdict(c) {
                f = f.evidence(format!("{}: {why}", setting_words(c)));
            }
        }
        out.push(f);
    }
    conflicts(ev, &mut out);
    insecure_autoconfig(ev, &mut out);
    for c in &ev.candidates {
        let published: Vec<&str> = c
            .sources
            .iter()
            .filter(|s| matches!(s, SourceKind::Srv | SourceKind::Autoconfig))
            .map(|s| s.words())
            .collect();
        if published.is_empty() {
            continue;
        }
        if let Verdict::Fails(why) = verdict(c) {
            out.push(
                Finding::new(
                    crate::code!("config.discovery-broken"),
                    format!("{}:{}", c.setting.host, c.setting.port),
                    format!(
                        "{} published for {domain} does not work: {why}",
                        setting_words(c)
                    ),
                )
                .evidence(format!("published by: {}", published.join(", "))),
            );
        }
    }
    out
}

/// What each source said, one line each, for "nothing found".
fn source_summary(ev: &DiscoveryEvidence) -> Vec<String> {
    let mut parts = Vec::new();
    parts.push(match &ev.provider_db.provider {
        Some(p) => format!("provider database: {} (no outgoing server)", p.name),
        None => format!("provider database: {} is not a known provider", ev.domain),
    });
    let srv: Vec<String> = ev
        .srv
        .iter()
        .filter(|l| l.service.starts_with("_submission"))
        .map(|l| {
            if l.records.iter().any(|r| r.target == ".") {
                format!("{} says not offered", l.service)
            } else {
                format!("{} {}", l.service, super::status_words(l.lookup.status))
            }
        })
        .collect();
    parts.push(format!("SRV: {}", srv.join("; ")));
    for f in &ev.autoconfig {
        let what = match (&f.fetch.error, &f.parse_error) {
            (Some(e), _) | (None, Some(e)) => e.clone(),
            (None, None) => "a file without an outgoing server".into(),
        };
        parts.push(format!("{}: {what}", f.fetch.url));
    }
    parts.push(match &ev.mx.provider {
        Some(p) => format!("MX provider: {}", p.name),
        None if ev.mx.lookup.records.is_empty() => {
            format!("MX: {}", super::status_words(ev.mx.lookup.status))
        }
        None => format!("MX {}: no known provider", ev.mx.lookup.records.join(", ")),
    });
    parts
}

trait EvidenceLines {
    fn evidence_lines(self, lines: Vec<String>) -> Self;
}

impl EvidenceLines for Finding {
    fn evidence_lines(self, lines: Vec<String>) -> Self {
        lines.into_iter().fold(self, |f, l| f.evidence(l))
    }
}

/// A verifier's message cut to its first clause: rustls lists every name a certificate holds.
pub fn short(e: &str) -> String {
    let e = e
        .split("; certificate is only valid for")
        .next()
        .unwrap_or(e);
    if e.chars().count() > 200 {
        format!("{}…", e.chars().take(200).collect::<String>())
    } else {
        e.to_string()
    }
}

fn conflicts(ev: &DiscoveryEvidence, out: &mut Vec<Finding>) {
    for incoming in [false, true] {
        let kinds = [
            SourceKind::ProviderDb,
            SourceKind::Autoconfig,
            SourceKind::Srv,
            SourceKind::MxProvider,
        ];
        let sets: Vec<(SourceKind, Vec<&Candidate>)> = kinds
            .iter()
            .map(|k| {
                let set = ev
                    .candidates
                    .iter()
                    .filter(|c| is_incoming(c.setting.protocol) == incoming)
                    .filter(|c| c.sources.contains(k))
                    .collect::<Vec<_>>();
                (*k, set)
            })
            .filter(|(_, set)| !set.is_empty())
            .collect();
        let mut disagree = Vec::new();
        for (i, (a, sa)) in sets.iter().enumerate() {
            for (b, sb) in sets.iter().skip(i + 1) {
                let shared = sa.iter().any(|x| sb.iter().any(|y| std::ptr::eq(*x, *y)));
                if !shared {
                    disagree.push((*a, *b));
                }
            }
        }
        if disagree.is_empty() {
            continue;
        }
        let what = if incoming { "incoming" } else { "outgoing" };
        let names: Vec<String> = disagree
            .iter()
            .map(|(a, b)| format!("{} and {}", a.words(), b.words()))
            .collect();
        let mut f = Finding::new(
            crate::code!("config.discovery-conflict"),
            &ev.domain,
            format!(
                "the sources name different {what} servers, with none in common ({})",
                names.join("; ")
            ),
        );
        for (kind, set) in &sets {
            let list: Vec<String> = set.iter().map(|c| setting_words(c)).collect();
            f = f.evidence(format!("{}: {}", kind.words(), list.join(", ")));
        }
        out.push(f);
    }
}

fn insecure_autoconfig(ev: &DiscoveryEvidence, out: &mut Vec<Finding>) {
    for f in &ev.autoconfig {
        let bad_cert = f
            .fetch
            .tls
            .as_ref()
            .and_then(|t| t.verification.as_ref())
            .and_then(|v| v.client_error.as_ref());
        if let Some(e) = bad_cert {
            out.push(
                Finding::new(
                    crate::code!("config.discovery-insecure"),
                    &f.fetch.url,
                    "the autoconfig file is served with a certificate that is not valid, so it \
                     was not used",
                )
                .evidence(format!("{}: {}", f.fetch.url, short(e))),
            );
        }
        if f.fetch.url.starts_with("http://") && f.config.is_some() {
            out.push(
                Finding::new(
                    crate::code!("config.discovery-insecure"),
                    &f.fetch.url,
                    "the autoconfig file is served only over plain HTTP, where anyone on the path \
                     can change it",
                )
                .evidence(format!(
                    "{} answered {}; the HTTPS locations gave no file",
                    f.fetch.url,
                    f.fetch.status.unwrap_or_default()
                )),
            );
        }
    }
}

#[cfg(test)]
#[path = "discover_tests.rs"]
mod tests;
