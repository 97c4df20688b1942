//! `smtp.*` (and the greeting/violation rules shared with IMAP and POP3): no greeting, refused
//! greeting, broken protocol, EHLO refused, AUTH missing on submission, AUTH before TLS, and a
//! greeting name that matches neither the PTR nor the certificate.

use super::{secs, subject};
use crate::evidence::{Outcome, PhaseName, PortProbe, Protocol, ServerEvidence};
use crate::findings::Finding;

/// Mechanisms that carry a reusable secret: sending them in clear gives the password away.
const CLEARTEXT_MECHS: &[&str] = &["PLAIN", "LOGIN", "XOAUTH2", "OAUTHBEARER"];

pub fn probe(ev: &ServerEvidence, p: &PortProbe, out: &mut Vec<Finding>) {
    let Some(role) = p.role else { return };
    let proto = role.protocol();
    greeting_and_violations(p, proto, out);
    if proto != Protocol::Smtp {
        return;
    }
    let subj = subject(p);
    let refused_hello = [PhaseName::Ehlo, PhaseName::Helo, PhaseName::EhloAfterTls]
        .iter()
        .filter_map(|n| p.phase(*n))
        .filter_map(|ph| match &ph.outcome {
            Outcome::Rejected { reply } => Some(reply.clone()),
            _ => None,
        })
        .collect::<Vec<_>>();
    // EHLO refused and no HELO rescued the session (4xx, or HELO refused too).
    let session_ended = !refused_hello.is_empty() && p.capabilities.is_none()
        || p.phase(PhaseName::EhloAfterTls)
            .is_some_and(|e| matches!(e.outcome, Outcome::Rejected { .. }));
    if session_ended {
        let mut f = Finding::new(
            crate::code!("smtp.ehlo-rejected"),
            &subj,
            "the server refused mxray's EHLO/HELO introduction, so the session ends before TLS or login",
        );
        for r in &refused_hello {
            f = f.evidence(format!("answered: {r}"));
        }
        out.push(f);
    }
    if p.phase(PhaseName::Helo).is_some_and(|h| h.outcome.is_ok()) {
        let ehlo = p
            .phase(PhaseName::Ehlo)
            .or(p.phase(PhaseName::EhloAfterTls));
        let mut f = Finding::new(
            crate::code!("smtp.no-ehlo"),
            &subj,
            "the server refuses EHLO and only speaks old-style HELO: no STARTTLS, no AUTH, no extensions",
        );
        if let Some(Outcome::Rejected { reply }) = ehlo.map(|e| &e.outcome) {
            f = f.evidence(format!("EHLO answered: {reply}"));
        }
        out.push(f);
    }
    if role.expects_auth() {
        // Judge AUTH where a client would log in: after TLS when TLS happened.
        let judged = if p.tls.as_ref().is_some_and(|t| t.version.is_some()) {
            p.capabilities_after_tls
                .as_ref()
                .or(if role.implicit_tls() {
                    p.capabilities.as_ref()
                } else {
                    None
                })
        } else if p.capabilities.as_ref().is_some_and(|c| !c.starttls) {
            p.capabilities.as_ref()
        } else {
            None
        };
        if let Some(c) = judged {
            if c.auth.is_empty() {
                out.push(
                    Finding::new(
                        crate::code!("smtp.auth-not-offered"),
                        &subj,
                        format!("port {} is a submission port but offers no login (AUTH), so mail clients cannot authenticate", p.port),
                    )
                    .evidence(format!("{} keywords: {}", c.via.to_uppercase(), c.raw.join(", "))),
                );
            }
        }
    }
    if !role.implicit_tls() {
        if let Some(c) = &p.capabilities {
            let exposed: Vec<&str> = c
                .auth
                .iter()
                .map(String::as_str)
                .filter(|m| CLEARTEXT_MECHS.contains(m))
                .collect();
            if !exposed.is_empty() {
                out.push(
                    Finding::new(
                        crate::code!("smtp.auth-over-plaintext"),
                        &subj,
                        "the server offers password login before TLS, so a misconfigured client can send the password unencrypted",
                    )
                    .evidence(format!("before STARTTLS, EHLO lists AUTH {}", c.auth.join(" "))),
                );
            }
        }
    }
    banner_name(ev, p, out);
    if let Some(t) = p.relay_test.as_ref().filter(|t| t.accepted) {
        let rcpt = t.rcpt_reply.as_ref().map(|r| r.text()).unwrap_or_default();
        out.push(
            Finding::new(
                crate::code!("smtp.open-relay"),
                &subj,
                "the server accepted mail for a foreign domain from an unauthenticated client: it is an open relay (spammers will find it)",
            )
            .evidence(format!("MAIL FROM:<{}> → {}", t.mail_from, t.mail_reply.text()))
            .evidence(format!("RCPT TO:<{}> → {rcpt}", t.rcpt_to))
            .evidence("caution: from a network the server trusts (its LAN, Postfix mynetworks) acceptance proves nothing; repeat from outside"),
        );
    }
}

fn greeting_and_violations(p: &PortProbe, proto: Protocol, out: &mut Vec<Finding>) {
    let subj = subject(p);
    let (no_banner, violation) = match proto {
        Protocol::Smtp => ("smtp.no-banner", "smtp.protocol-violation"),
        Protocol::Imap => ("imap.no-banner", "imap.protocol-violation"),
        Protocol::Pop3 => ("pop3.no-banner", "pop3.protocol-violation"),
    };
    if let Some(g) = p.phase(PhaseName::Greeting) {
        match &g.outcome {
            // When the other TLS mode works, this is a mode mix-up, reported by the TLS rules.
            Outcome::Timeout if !p.alternate.as_ref().is_some_and(|a| a.works) => {
                out.push(
                    Finding::new(
                        no_banner,
                        &subj,
                        format!(
                            "the connection opened but the server sent no greeting within {}",
                            secs(g.duration_ms)
                        ),
                    )
                    .evidence(format!(
                        "connected; waited {} for a greeting",
                        secs(g.duration_ms)
                    )),
                );
            }
            Outcome::Rejected { reply } if proto == Protocol::Smtp => out.push(
                Finding::new(
                    crate::code!("smtp.rejected-greeting"),
                    &subj,
                    greeting_words(reply),
                )
                .evidence(format!("greeting: {reply}")),
            ),
            Outcome::Rejected { reply } => out.push(
                Finding::new(
                    no_banner,
                    &subj,
                    "the server greeted with a refusal and closes the session",
                )
                .evidence(format!("greeting: {reply}")),
            ),
            _ => {}
        }
    }
    let mut violations: Vec<String> = p
        .phases
        .iter()
        .filter(|ph| ph.phase != PhaseName::TlsHandshake)
        .filter_map(|ph| match &ph.outcome {
            Outcome::Violation { detail } => {
                Some(format!("{}: {detail}", super::net::phase_words(ph.phase)))
            }
            _ => None,
        })
        .collect();
    if p.plaintext_after_starttls {
        violations.push("the server sent plaintext after its STARTTLS go-ahead, before the TLS handshake (a STARTTLS injection risk)".into());
    }
    if !violations.is_empty() {
        let mut f = Finding::new(
            violation,
            &subj,
            "the server broke the protocol; clients will fail or behave unpredictably",
        );
        for v in violations {
            f = f.evidence(v);
        }
        out.push(f);
    }
}

fn greeting_words(reply: &str) -> String {
    if reply.starts_with("554") {
        "the server refuses this client at the greeting (554): your address is blocked or not allowed".into()
    } else if reply.starts_with("421") {
        "the server is temporarily refusing connections (421): overloaded, rate-limited or greylisting".into()
    } else {
        "the server did not greet with 220 (ready)".into()
    }
}

/// Informational: the greeting's name should be the PTR name or a certificate name, since
/// receivers and humans compare them.
fn banner_name(ev: &ServerEvidence, p: &PortProbe, out: &mut Vec<Finding>) {
    let Some(g) = &p.greeting else { return };
    let Some(name) = g
        .lines
        .first()
        .and_then(|l| l.get(4..))
        .and_then(|t| t.split_whitespace().next())
    else {
        return;
    };
    if !name.contains('.') {
        return;
    }
    let name_l = name.trim_end_matches('.').to_ascii_lowercase();
    let ptrs: Vec<String> = ev
        .resolution
        .addresses
        .iter()
        .filter(|a| a.ip == p.address)
        .flat_map(|a| a.ptr.records.iter().map(|r| r.to_ascii_lowercase()))
        .collect();
    let cert_sans: Vec<String> = p
        .tls
        .as_ref()
        .and_then(|t| t.chain.first())
        .map(|c| c.sans.clone())
        .unwrap_or_default();
    let matches_ptr = ptrs.contains(&name_l);
    let matches_cert = crate::names::name_matches(&cert_sans, &name_l);
    if ptrs.is_empty() && cert_sans.is_empty() {
        return;
    }
    if !matches_ptr && !matches_cert {
        let mut f = Finding::new(
            crate::code!("smtp.banner-name-mismatch"),
            subject(p),
            format!("the server introduces itself as {name}, which matches neither its reverse DNS nor its certificate"),
        );
        if !ptrs.is_empty() {
            f = f.evidence(format!("PTR of {}: {}", p.address, ptrs.join(", ")));
        }
        if !cert_sans.is_empty() {
            f = f.evidence(format!("certificate names: {}", cert_sans.join(", ")));
        }
        out.push(f.evidence(format!("greeting: {}", g.text())));
    }
}
