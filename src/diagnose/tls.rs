//! `tls.*` about the TLS mode and handshake: mode mix-ups, STARTTLS missing or refused, failed
//! handshakes, TLS 1.0/1.1. Certificates are judged in `certs`.

use super::{secs, subject, tls_failure};
use crate::evidence::{Outcome, PhaseName, PortProbe, Protocol, Role};
use crate::findings::{Finding, Severity};

pub fn probe(p: &PortProbe, out: &mut Vec<Finding>) {
    let Some(role) = p.role else { return };
    let subj = subject(p);
    mode_mixup(p, role, &subj, out);
    if !role.implicit_tls() {
        if let Some(c) = &p.capabilities {
            if !c.starttls && p.phase(PhaseName::Starttls).is_none() {
                let cmd = match role.protocol() {
                    Protocol::Smtp => "EHLO",
                    Protocol::Imap => "CAPABILITY",
                    Protocol::Pop3 => "CAPA",
                };
                let mut f = Finding::new(
                    crate::code!("tls.starttls-missing"),
                    &subj,
                    format!("port {} does not offer STARTTLS: everything, passwords included, would travel unencrypted", p.port),
                )
                .evidence(format!("{cmd} keywords: {}", if c.raw.is_empty() { "(none)".into() } else { c.raw.join(", ") }));
                if role == Role::Smtp {
                    f = f.severity(Severity::Warning);
                    f.summary = format!(
                        "port {} does not offer STARTTLS: mail is delivered here unencrypted",
                        p.port
                    );
                }
                out.push(f);
            }
        }
        if let Some(Outcome::Rejected { reply }) = p.phase(PhaseName::Starttls).map(|s| &s.outcome)
        {
            out.push(
                Finding::new(
                    crate::code!("tls.starttls-refused"),
                    &subj,
                    "the server advertises STARTTLS but refuses it when asked",
                )
                .evidence(format!("STARTTLS answered: {reply}")),
            );
        }
    }
    handshake(p, &subj, out);
}

/// The two classic mix-ups, confirmed by trying the other mode on a fresh connection.
fn mode_mixup(p: &PortProbe, role: Role, subj: &str, out: &mut Vec<Finding>) {
    let Some(alt) = &p.alternate else { return };
    if role.implicit_tls() {
        let plaintext = p.tls.as_ref().is_some_and(|t| t.peer_spoke_plaintext);
        if plaintext || alt.works {
            out.push(
                Finding::new(
                    crate::code!("tls.implicit-on-starttls-port"),
                    subj,
                    format!("port {} speaks plaintext first (STARTTLS), but was used with SSL/TLS from the first byte — clients report OpenSSL \"wrong version number\", Java \"Unrecognized SSL message, plaintext connection?\", Go \"first record does not look like a TLS handshake\"", p.port),
                )
                .evidence(format!("TLS handshake: {}", p.tls.as_ref().and_then(|t| t.error.clone()).unwrap_or_default()))
                .evidence(format!("plaintext on a fresh connection: {}", alt.detail)),
            );
        }
    } else if alt.works {
        let g = p
            .phase(PhaseName::Greeting)
            .map(|g| g.duration_ms)
            .unwrap_or(0);
        out.push(
            Finding::new(
                crate::code!("tls.starttls-on-implicit-port"),
                subj,
                format!("port {} expects TLS from the first byte (SSL/TLS), but was used in plaintext/STARTTLS mode: no greeting ever arrives", p.port),
            )
            .evidence(format!("no plaintext greeting within {}", secs(g)))
            .evidence(format!("implicit TLS on a fresh connection: {}", alt.detail)),
        );
    }
}

fn handshake(p: &PortProbe, subj: &str, out: &mut Vec<Finding>) {
    let Some(hs) = p.phase(PhaseName::TlsHandshake) else {
        return;
    };
    let tls = p.tls.as_ref();
    let legacy_ok: Vec<&str> = p
        .legacy_tls
        .as_ref()
        .map(|l| l.accepted())
        .unwrap_or_default();
    let modern_ok = hs.outcome.is_ok();
    if modern_ok {
        out.extend(legacy_accepted(&legacy_ok, subj));
        return;
    }
    if tls_failure::explained(p, out) {
        return;
    }
    if matches!(hs.outcome, Outcome::Reset | Outcome::Closed) && legacy_ok.is_empty() {
        return; // net.connection-reset says it
    }
    if p.alternate.as_ref().is_some_and(|a| a.works) || tls.is_some_and(|t| t.peer_spoke_plaintext)
    {
        return; // a mode mix-up, said by mode_mixup
    }
    let err = tls
        .and_then(|t| t.error.clone())
        .unwrap_or_else(|| format!("{:?}", hs.outcome));
    let old_only: Vec<&str> = legacy_ok
        .iter()
        .copied()
        .filter(|v| *v == "TLSv1.0" || *v == "TLSv1.1")
        .collect();
    let negotiation = tls_failure::blames_negotiation(p);
    if !old_only.is_empty() && !legacy_ok.contains(&"TLSv1.2") && negotiation {
        out.push(
            Finding::new(
                crate::code!("tls.old-protocol"),
                subj,
                format!(
                    "the server speaks only {}: current mail clients refuse to connect",
                    old_only.join(" and ")
                ),
            )
            .evidence(format!("TLS 1.2/1.3 handshake failed: {err}"))
            .evidence(format!(
                "hand-built ClientHello accepted: {}",
                old_only.join(", ")
            )),
        );
        return;
    }
    out.push(handshake_failed(p, subj, &err, negotiation));
}

/// A handshake that worked, and legacy versions also accepted: `tls.legacy-accepted`.
fn legacy_accepted(legacy_ok: &[&str], subj: &str) -> Option<Finding> {
    let old: Vec<&str> = legacy_ok
        .iter()
        .copied()
        .filter(|v| *v == "TLSv1.0" || *v == "TLSv1.1")
        .collect();
    if old.is_empty() {
        return None;
    }
    Some(
        Finding::new(
            crate::code!("tls.legacy-accepted"),
            subj,
            format!(
                "besides modern TLS, the server still accepts {}, which are deprecated (RFC 8996)",
                old.join(" and ")
            ),
        )
        .evidence(format!(
            "hand-built ClientHello accepted: {}",
            old.join(", ")
        )),
    )
}

/// `tls.handshake-failed`, with what the alert, the timeout and the legacy attempts tell.
fn handshake_failed(p: &PortProbe, subj: &str, err: &str, negotiation: bool) -> Finding {
    let tls = p.tls.as_ref();
    let mut f = Finding::new(
        crate::code!("tls.handshake-failed"),
        subj,
        "the TLS handshake failed, so no client can secure this connection",
    )
    .evidence(format!("handshake error: {err}"));
    if let Some(words) = tls_failure::timeout_words(p) {
        f = f.evidence(words);
    }
    if let Some(alert) = tls_failure::alert_words(p) {
        let why = if alert.ends_with("internal_error") {
            " (a fault on the server's side, not a cipher or version mismatch)"
        } else {
            ""
        };
        f.summary = format!(
            "the TLS handshake failed: {alert}{why}, so no client can secure this connection"
        );
        f = f.evidence(format!("{alert} during mxray's TLS 1.2/1.3 handshake"));
    }
    if let Some(l) = &p.legacy_tls {
        if let Some(a) = l
            .attempts
            .iter()
            .find(|a| a.offered == "TLSv1.2" && a.result == "accepted")
            .filter(|_| negotiation)
        {
            let weak_key = p
                .legacy_tls
                .iter()
                .flat_map(|l| &l.chain)
                .chain(tls.iter().flat_map(|t| &t.chain))
                .find(|c| c.key_type == "RSA" && c.key_bits.is_some_and(|b| b < 2048));
            f.summary = match weak_key {
                // rustls refuses signatures by RSA keys under 2048 bits: the key, not the cipher.
                Some(c) if err.contains("BadSignature") || err.to_ascii_lowercase().contains("signature") => format!(
                    "clients that verify certificates refuse the server's {}-bit RSA key, so the handshake fails (see tls.weak-key)",
                    c.key_bits.unwrap_or(0)
                ),
                _ => format!(
                    "the server accepts TLS 1.2 only with a cipher modern clients refuse ({})",
                    a.cipher.clone().unwrap_or_default()
                ),
            };
        }
        for a in &l.attempts {
            f = f.evidence(format!(
                "legacy {}: {}{}",
                a.offered,
                a.result,
                a.detail
                    .as_ref()
                    .map(|d| format!(" ({d})"))
                    .unwrap_or_default()
            ));
        }
    }
    f
}
