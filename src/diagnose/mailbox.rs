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
