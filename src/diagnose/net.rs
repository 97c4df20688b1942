//! `net.*`: refused, filtered, reset mid-dialogue, slow phases, IPv6-only failures.

use super::{secs, subject};
use crate::evidence::{Family, Outcome, PhaseName, PortProbe, ServerEvidence};
use crate::findings::{Finding, Severity};

pub fn probe(ev: &ServerEvidence, p: &PortProbe, out: &mut Vec<Finding>) {
    let Some(connect) = p.phase(PhaseName::Connect) else {
        return;
    };
    if ipv6_only_failure(ev, p) {
        return; // reported once as net.ipv6-unreachable
    }
    let subj = subject(p);
    match &connect.outcome {
        Outcome::Ok => {}
        Outcome::Refused if !closed_is_expected(ev, p) => out.push(
            Finding::new(
                crate::code!("net.port-closed"),
                &subj,
                format!(
                    "nothing listens on port {} of {} (connection refused)",
                    p.port, p.address
                ),
            )
            .evidence(format!(
                "TCP connect refused after {}",
                secs(connect.duration_ms)
            )),
        ),
        Outcome::Refused => {} // grouped per address by `unoffered`
        Outcome::Timeout => out.push(filtered(ev, p, connect.duration_ms)),
        Outcome::Unreachable { detail } => out.push(
            Finding::new(
                crate::code!("net.port-filtered"),
                &subj,
                format!("{} cannot be reached from here", p.address),
            )
            .evidence(format!("connect failed: {detail}")),
        ),
        Outcome::Error { detail } => out.push(
            Finding::new(
                crate::code!("net.port-filtered"),
                &subj,
                format!("connecting to port {} failed", p.port),
            )
            .evidence(format!("connect failed: {detail}")),
        ),
        Outcome::Reset | Outcome::Closed | Outcome::Violation { .. } | Outcome::Rejected { .. } => {
        }
    }
    if !p.connected() {
        return;
    }
    dialogue(ev, p, &subj, out);
}

/// After connecting: the dialogue reset or closed, stalled, or slow before the login.
fn dialogue(ev: &ServerEvidence, p: &PortProbe, subj: &str, out: &mut Vec<Finding>) {
    // A reset after connecting: the dialogue broke. QUIT may end with a close; that is fine.
    if let Some(ph) = p.phases.iter().find(|ph| {
        matches!(ph.outcome, Outcome::Reset | Outcome::Closed)
            && !matches!(
                ph.phase,
                PhaseName::Quit
                    | PhaseName::LegacyTls
                    | PhaseName::AlternateMode
                    | PhaseName::Login
            )
    }) {
        let how = if ph.outcome == Outcome::Reset {
            "reset"
        } else {
            "closed"
        };
        out.push(
            Finding::new(
                crate::code!("net.connection-reset"),
                subj,
                format!(
                    "the server {how} the connection during the {} phase",
                    phase_words(ph.phase)
                ),
            )
            .evidence(format!(
                "{} {how} after {}",
                phase_words(ph.phase),
                secs(ph.duration_ms)
            )),
        );
    }
    // Greeted, then silence: the dialogue stalled (TLS handshake timeouts are said by tls.*).
    if let Some(ph) = p.phases.iter().find(|ph| {
        ph.outcome == Outcome::Timeout
            && matches!(
                ph.phase,
                PhaseName::Ehlo
                    | PhaseName::Helo
                    | PhaseName::Capability
                    | PhaseName::Starttls
                    | PhaseName::EhloAfterTls
                    | PhaseName::CapabilityAfterTls
            )
    }) {
        out.push(
            Finding::new(
                crate::code!("net.stalled"),
                subj,
                format!(
                    "the server greeted, then stopped answering at the {}",
                    phase_words(ph.phase)
                ),
            )
            .evidence(format!(
                "no answer to the {} within {}",
                phase_words(ph.phase),
                secs(ph.duration_ms)
            )),
        );
    }
    let slow_ms = ev.options.slow_threshold_ms;
    // Servers hold back the answer to a failed login on purpose (Dovecot 0.5 s, Courier 5 s,
    // Exim and Postfix by configuration) against password guessing: slowness is judged from
    // the dialogue before the login, never from the login and what follows it.
    let before_login = p
        .phases
        .iter()
        .position(|ph| ph.phase == PhaseName::Login)
        .unwrap_or(p.phases.len());
    if let Some(ph) = p
        .phases
        .iter()
        .take(before_login)
        .filter(|ph| ph.outcome.is_ok() && ph.duration_ms >= slow_ms)
        .filter(|ph| {
            !matches!(
                ph.phase,
                PhaseName::LegacyTls | PhaseName::AlternateMode | PhaseName::Sniff
            )
        })
        .max_by_key(|ph| ph.duration_ms)
    {
        out.push(
            Finding::new(
                crate::code!("net.slow"),
                subj,
                format!(
                    "the {} took {} (slow threshold {})",
                    phase_words(ph.phase),
                    secs(ph.duration_ms),
                    secs(slow_ms)
                ),
            )
            .evidence(format!(
                "{} completed after {}",
                phase_words(ph.phase),
                secs(ph.duration_ms)
            )),
        );
    }
}

/// A default port (not asked for) refused while other ports of the host answer: the server
/// simply does not offer that service — worth knowing, not an error.
fn closed_is_expected(ev: &ServerEvidence, p: &PortProbe) -> bool {
    !p.explicit
        && ev
            .probes
            .iter()
            .any(|o| o.address == p.address && o.port != p.port && o.connected())
}

/// One informational finding per address for the default ports it does not offer.
pub fn unoffered(ev: &ServerEvidence, out: &mut Vec<Finding>) {
    let mut seen: Vec<std::net::IpAddr> = Vec::new();
    for p in &ev.probes {
        if seen.contains(&p.address) {
            continue;
        }
        let closed: Vec<&PortProbe> = ev
            .probes
            .iter()
            .filter(|o| o.address == p.address)
            .filter(|o| {
                matches!(
                    o.phase(PhaseName::Connect).map(|c| &c.outcome),
                    Some(Outcome::Refused)
                )
            })
            .filter(|o| closed_is_expected(ev, o))
            .collect();
        if closed.is_empty() {
            continue;
        }
        seen.push(p.address);
        let list: Vec<String> = closed
            .iter()
            .map(|o| format!("{} ({})", o.port, o.role.map(|r| r.name()).unwrap_or("?")))
            .collect();
        out.push(
            Finding::new(
                crate::code!("net.port-closed"),
                format!("{} ports {}", p.address, closed.iter().map(|o| o.port.to_string()).collect::<Vec<_>>().join(", ")),
                format!(
                    "{} does not offer {} (connection refused) — normal when the server does not provide that service",
                    p.address,
                    list.join(", ")
                ),
            )
            .severity(Severity::Info)
            .evidence(format!("refused: {}; other ports of this address answer", list.join(", ")))
            .fix("Nothing to do if this server is not meant to offer these services. Otherwise enable them: Postfix `submission`/`submissions` in `master.cf`, Dovecot `imaps`/`pop3s` listeners, and open the firewall. Mail clients should use the ports the server does offer."),
        );
    }
}

/// A timeout on 25 while 465 or 587 on the same address connect is the signature of an
/// outbound port-25 block (ISP, cloud provider); without that control it is only "filtered".
fn filtered(ev: &ServerEvidence, p: &PortProbe, ms: u64) -> Finding {
    let control: Vec<u16> = ev
        .probes
        .iter()
        .filter(|o| o.address == p.address && matches!(o.port, 465 | 587) && o.connected())
        .map(|o| o.port)
        .collect();
    let subj = subject(p);
    let f = Finding::new(
        crate::code!("net.port-filtered"),
        &subj,
        format!(
            "port {} of {} does not answer: connection attempts time out (packets dropped)",
            p.port, p.address
        ),
    )
    .evidence(format!("no answer to TCP connect within {}", secs(ms)));
    if p.port == 25 && !control.is_empty() {
        let ports: Vec<String> = control.iter().map(|c| c.to_string()).collect();
        let f = f.evidence(format!(
            "control: port {} on the same address connected",
            ports.join(" and ")
        ));
        Finding {
            summary: format!(
                "port 25 of {} times out while {} answers: your network or ISP most likely blocks outbound port 25",
                p.address,
                ports.join("/")
            ),
            fix: "Outbound port 25 is blocked on this network (common at ISPs and at AWS, GCP, Azure, DigitalOcean and Oracle Cloud). Mail clients and apps should send through port 587 (STARTTLS) or 465 (SSL/TLS) with a login instead; port 25 is only for server-to-server delivery. If this machine must deliver on port 25, ask the provider to lift the block or relay through a smarthost on 587.".into(),
            ..f
        }
    } else {
        f
    }
}

/// True when this IPv6 probe failed to connect while the same port over IPv4 worked.
fn ipv6_only_failure(ev: &ServerEvidence, p: &PortProbe) -> bool {
    Family::of(&p.address) == Family::Ipv6
        && !p.connected()
        && !matches!(
            p.phase(PhaseName::Connect).map(|c| &c.outcome),
            Some(Outcome::Refused)
        )
        && ev
            .probes
            .iter()
            .any(|o| o.port == p.port && Family::of(&o.address) == Family::Ipv4 && o.connected())
}

pub fn ipv6(ev: &ServerEvidence, out: &mut Vec<Finding>) {
    let failed: Vec<&PortProbe> = ev
        .probes
        .iter()
        .filter(|p| ipv6_only_failure(ev, p))
        .collect();
    let Some(first) = failed.first() else { return };
    let ports: Vec<String> = failed.iter().map(|p| p.port.to_string()).collect();
    out.push(
        Finding::new(
            crate::code!("net.ipv6-unreachable"),
            first.address.to_string(),
            format!(
                "{} has an IPv6 address but it does not answer, while IPv4 works",
                ev.host
            ),
        )
        .evidence(format!(
            "ports {} fail over IPv6 ({}) and connect over IPv4",
            ports.join(", "),
            first.address
        )),
    );
}

pub fn phase_words(p: PhaseName) -> &'static str {
    match p {
        PhaseName::Sniff => "protocol detection",
        PhaseName::Connect => "TCP connect",
        PhaseName::Greeting => "greeting",
        PhaseName::Ehlo => "EHLO",
        PhaseName::Helo => "HELO",
        PhaseName::Capability => "capability query",
        PhaseName::Starttls => "STARTTLS command",
        PhaseName::TlsHandshake => "TLS handshake",
        PhaseName::EhloAfterTls => "EHLO after TLS",
        PhaseName::CapabilityAfterTls => "capability query after TLS",
        PhaseName::Quit => "QUIT",
        PhaseName::AlternateMode => "other-TLS-mode check",
        PhaseName::LegacyTls => "legacy TLS probe",
        PhaseName::RelayTest => "relay test",
        PhaseName::Login => "login (AUTH)",
        PhaseName::Send => "test message (MAIL, RCPT, DATA)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// One probe with phases of (name, milliseconds), all answered.
    fn evidence(phases: &[(&str, u64)]) -> ServerEvidence {
        let phases: Vec<_> = phases
            .iter()
            .map(|(n, ms)| json!({"phase": n, "start_ms": 0, "duration_ms": ms, "outcome": {"kind": "ok"}}))
            .collect();
        serde_json::from_value(json!({
            "host": "mail.example.com",
            "options": {"timeout_ms": 10000, "helo": "x", "tls_name": null, "resolvers": [],
                "ports": [], "families": ["ipv4"], "legacy_tls": false, "slow_threshold_ms": 1000,
                "expiry_warning_days": 21},
            "resolution": {"ip_literal": false, "a": null, "aaaa": null, "addresses": []},
            "probes": [{"address": "192.0.2.1", "port": 995, "role": "pop3s", "explicit": true,
                "phases": phases, "duration_ms": 1, "transcript": []}],
        }))
        .unwrap()
    }

    fn slow(phases: &[(&str, u64)]) -> Vec<String> {
        let ev = evidence(phases);
        let mut out = Vec::new();
        probe(&ev, &ev.probes[0], &mut out);
        out.into_iter()
            .filter(|f| f.code == "net.slow")
            .map(|f| f.summary)
            .collect()
    }

    #[test]
    fn a_held_back_login_refusal_is_not_slowness() {
        // Courier's 5 s after a wrong password, twice (the full-address retry), then QUIT.
        let after_login = [
            ("connect", 1),
            ("tls_handshake", 20),
            ("greeting", 5),
            ("capability", 1),
            ("login", 5006),
            ("login", 5000),
            ("quit", 1),
        ];
        assert!(slow(&after_login).is_empty());
        // A slow phase before the login still counts.
        let before = [("connect", 1), ("greeting", 3000), ("login", 5006)];
        assert_eq!(
            slow(&before),
            vec!["the greeting took 3.0 s (slow threshold 1.0 s)"]
        );
    }
}
