//! `imap.*` and `pop3.*`: passwords accepted before TLS on the plaintext ports.
//!
//! The capabilities say what the server announces; where mxray logged in before TLS (`mxray
//! check --security none --allow-plaintext-auth`), the server's answer says what it does, and
//! that wins: Courier lists `USER` in its CAPA before STLS and still answers `-ERR TLS required
//! to log in.`, which is a server refusing plaintext logins.

use super::subject;
use crate::evidence::{PortProbe, Protocol, Role};
use crate::findings::Finding;
use crate::knowledge::replies_mailbox;

pub fn probe(p: &PortProbe, out: &mut Vec<Finding>) {
    let Some(c) = &p.capabilities else { return };
    let (code, summary, evidence) = match p.role {
        Some(Role::Imap) if !c.login_disabled => (
            "imap.login-over-plaintext",
            "the IMAP server accepts a password before TLS (no LOGINDISABLED), so a client can log in unencrypted",
            format!("CAPABILITY before STARTTLS: {}", c.raw.join(" ")),
        ),
        Some(Role::Pop3) if c.user_pass || c.auth.iter().any(|m| m == "PLAIN" || m == "LOGIN") => (
            "pop3.login-over-plaintext",
            "the POP3 server accepts USER/PASS before STLS, so a client can log in unencrypted",
            format!("CAPA before STLS: {}", c.raw.join(", ")),
        ),
        _ => return,
    };
    let protocol = if p.role == Some(Role::Imap) {
        Protocol::Imap
    } else {
        Protocol::Pop3
    };
    let mut f = Finding::new(code, subject(p), summary).evidence(evidence);
    let Some(l) = p.login.as_ref().filter(|_| p.tls.is_none()) else {
        out.push(f.evidence(
            "judged from the capabilities only: mxray did not log in before TLS here (`mxray \
             check --security none --allow-plaintext-auth` tries it)",
        ));
        return;
    };
    let refused_for_tls = !l.accepted
        && l.reply
            .as_ref()
            .is_some_and(|r| replies_mailbox::classify(protocol, r) == Some("auth.tls-required"));
    if refused_for_tls {
        return; // announced, but refused where mxray tried: auth.tls-required says it
    }
    if let Some(r) = l.reply.as_ref().filter(|_| l.accepted) {
        f = f.evidence(format!(
            "mxray's login before TLS was accepted: {}",
            r.text()
        ));
    }
    out.push(f);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::{LoginAttempt, Reply};
    use crate::findings::Severity;
    use crate::report::Body;

    /// The rig's plaintext IMAP (0, port 143) or POP3 (1, port 110) probe, which announces no
    /// plaintext login; cases edit its capabilities and login.
    fn probe(index: usize) -> PortProbe {
        let text = include_str!("../../fixtures/server/mailbox-plain.json");
        let Body::Server(ev) = crate::report::load(text.as_bytes()).expect("loads").body else {
            panic!("mailbox-plain.json is a server report");
        };
        ev.probes[index].clone()
    }

    fn login(accepted: bool, reply: &str) -> LoginAttempt {
        LoginAttempt {
            mechanism: "LOGIN".into(),
            initial_response: false,
            offered: vec![],
            reply: Some(Reply {
                code: None,
                lines: vec![reply.into()],
            }),
            accepted,
            oauth_error: None,
            retry: None,
        }
    }

    /// Logged in before TLS: no TLS session on the probe.
    fn before_tls(mut p: PortProbe, l: LoginAttempt) -> PortProbe {
        p.tls = None;
        p.login = Some(l);
        p
    }

    #[test]
    fn passwords_accepted_before_tls() {
        let imap_open = || {
            let mut p = probe(0);
            p.capabilities.as_mut().unwrap().login_disabled = false;
            p
        };
        let pop_user = || {
            let mut p = probe(1);
            p.capabilities.as_mut().unwrap().user_pass = true;
            p
        };
        let pop_plain = || {
            let mut p = probe(1);
            p.capabilities.as_mut().unwrap().auth = vec!["PLAIN".into()];
            p
        };
        let judged_from_caps = "judged from the capabilities only";
        let accepted = "mxray's login before TLS was accepted: ";
        // (probe) → (code, the last evidence line starts with) or no finding.
        type Said = Option<(&'static str, &'static str)>;
        let cases: Vec<(&str, PortProbe, Said)> = vec![
            ("IMAP with LOGINDISABLED", probe(0), None),
            ("POP3 without USER or a password SASL", probe(1), None),
            (
                "IMAP without LOGINDISABLED",
                imap_open(),
                Some(("imap.login-over-plaintext", judged_from_caps)),
            ),
            (
                "POP3 with USER",
                pop_user(),
                Some(("pop3.login-over-plaintext", judged_from_caps)),
            ),
            (
                "POP3 with SASL PLAIN",
                pop_plain(),
                Some(("pop3.login-over-plaintext", judged_from_caps)),
            ),
            (
                "IMAP login before TLS accepted",
                before_tls(imap_open(), login(true, "a1 OK Logged in")),
                Some(("imap.login-over-plaintext", accepted)),
            ),
            (
                "IMAP login before TLS refused for want of TLS: auth.tls-required says it",
                before_tls(
                    imap_open(),
                    login(false, "a1 NO [PRIVACYREQUIRED] Plaintext authentication disallowed on non-secure (SSL/TLS) connections."),
                ),
                None,
            ),
            (
                "POP3 login before TLS refused for want of TLS (Courier lists USER anyway)",
                before_tls(
                    pop_user(),
                    login(false, "-ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections."),
                ),
                None,
            ),
            (
                "POP3 login before TLS refused for a wrong password: still announced",
                before_tls(pop_user(), login(false, "-ERR [AUTH] Authentication failed.")),
                Some(("pop3.login-over-plaintext", "CAPA before STLS: ")),
            ),
            (
                "not a mailbox port",
                {
                    let mut p = imap_open();
                    p.role = Some(Role::Smtp);
                    p
                },
                None,
            ),
        ];
        for (case, p, want) in cases {
            let mut out = Vec::new();
            super::probe(&p, &mut out);
            let Some((code, last)) = want else {
                assert!(out.is_empty(), "{case}: {out:?}");
                continue;
            };
            assert_eq!(out.len(), 1, "{case}: {out:?}");
            assert_eq!(out[0].code, code, "{case}");
            assert_eq!(out[0].severity, Severity::Warning, "{case}");
            let evidence = &out[0].evidence;
            assert!(
                evidence.last().unwrap().starts_with(last),
                "{case}: {evidence:?}"
            );
        }
    }
}
