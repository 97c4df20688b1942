//! `imap.*` and `pop3.*`: passwords accepted before TLS on the plaintext ports.

use super::subject;
use crate::evidence::{PortProbe, Role};
use crate::findings::Finding;

pub fn probe(p: &PortProbe, out: &mut Vec<Finding>) {
    let Some(c) = &p.capabilities else { return };
    match p.role {
        Some(Role::Imap) if !c.login_disabled => out.push(
            Finding::new(
                "imap.login-over-plaintext",
                subject(p),
                "the IMAP server accepts a password before TLS (no LOGINDISABLED), so a client can log in unencrypted",
            )
            .evidence(format!("CAPABILITY before STARTTLS: {}", c.raw.join(" "))),
        ),
        Some(Role::Pop3) if c.user_pass || c.auth.iter().any(|m| m == "PLAIN" || m == "LOGIN") => out.push(
            Finding::new(
                "pop3.login-over-plaintext",
                subject(p),
                "the POP3 server accepts USER/PASS before STLS, so a client can log in unencrypted",
            )
            .evidence(format!("CAPA before STLS: {}", c.raw.join(", "))),
        ),
        _ => {}
    }
}
