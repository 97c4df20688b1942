//! Finds the protocol of a port mxray has no role for. Heuristic (documented in the README):
//! 1. connect and wait up to 3 s (or the timeout, if shorter) for the server to speak first —
//!    SMTP, IMAP and POP3 servers all greet: `220` → SMTP, `* OK`/`* PREAUTH`/`* BYE` → IMAP,
//!    `+OK` → POP3;
//! 2. if it stays silent, start a TLS handshake on a fresh connection and read the greeting
//!    inside TLS the same way → submissions (implicit-TLS SMTP), IMAPS or POP3S.
//!
//! Plaintext SMTP is taken as the `smtp` role (AUTH not required); name the port
//! `PORT/submission` when clients log in there.

use super::conn::{connect, Conn, Recorder, Stream};
use super::{tls, Ctx};
use crate::evidence::{Outcome, PhaseName, Role, TlsMode};
use std::net::SocketAddr;
use std::time::Duration;

const SNIFF_WAIT: Duration = Duration::from_secs(3);

pub async fn sniff(ctx: &Ctx, addr: SocketAddr, rec: &mut Recorder) -> (Option<Role>, String) {
    let t = rec.begin();
    let tcp = match rec.record(PhaseName::Connect, t, connect(addr, ctx.timeout).await) {
        Ok(s) => s,
        Err(_) => return (None, "not sniffed: the connection failed".into()),
    };
    let t = rec.begin();
    let mut conn = Conn::new(Stream::Plain(tcp), ctx.timeout);
    let wait = SNIFF_WAIT.min(ctx.timeout);
    if let Ok(true) = conn.peek_any(wait).await {
        let deadline = tokio::time::Instant::now() + wait;
        let line = conn.read_line(deadline).await.unwrap_or_default();
        conn.shutdown().await;
        let role = classify(&line, false);
        rec.end(PhaseName::Sniff, t, Outcome::Ok);
        return match role {
            Some(r) => (
                Some(r),
                format!("plaintext greeting {:?} → {}", clip(&line), r.name()),
            ),
            None => (
                None,
                format!("unrecognised plaintext greeting {:?}", clip(&line)),
            ),
        };
    }
    drop(conn);
    let tcp = match connect(addr, ctx.timeout).await {
        Ok(s) => s,
        Err(e) => {
            rec.end(PhaseName::Sniff, t, e.outcome());
            return (
                None,
                "silent in plaintext; the second connection failed".into(),
            );
        }
    };
    let hs = tls::handshake(
        &ctx.trust,
        tcp,
        TlsMode::Implicit,
        ctx.tls_name.as_deref(),
        addr.ip(),
        ctx.now,
        ctx.timeout,
    )
    .await;
    let Some(stream) = hs.stream else {
        rec.end(
            PhaseName::Sniff,
            t,
            Outcome::Error {
                detail: "silent in plaintext and no TLS handshake".into(),
            },
        );
        return (
            None,
            format!(
                "silent for {} s in plaintext, and TLS failed: {}",
                wait.as_secs_f64(),
                hs.session.error.unwrap_or_default()
            ),
        );
    };
    let mut conn = Conn::new(Stream::Tls(Box::new(stream)), ctx.timeout);
    let line = conn.read_line(conn.deadline()).await.unwrap_or_default();
    conn.shutdown().await;
    rec.end(PhaseName::Sniff, t, Outcome::Ok);
    match classify(&line, true) {
        Some(r) => (
            Some(r),
            format!(
                "silent in plaintext; TLS handshake, then greeting {:?} → {}",
                clip(&line),
                r.name()
            ),
        ),
        None => (
            None,
            format!(
                "TLS works but the greeting {:?} is not SMTP, IMAP or POP3",
                clip(&line)
            ),
        ),
    }
}

fn clip(s: &str) -> String {
    s.chars().take(60).collect()
}

pub fn classify(greeting: &str, tls: bool) -> Option<Role> {
    let g = greeting.to_ascii_uppercase();
    let plain = if g.starts_with("220") || g.starts_with("554") || g.starts_with("421") {
        Role::Smtp
    } else if g.starts_with("* OK") || g.starts_with("* PREAUTH") || g.starts_with("* BYE") {
        Role::Imap
    } else if g.starts_with("+OK") {
        Role::Pop3
    } else {
        return None;
    };
    Some(if tls { plain.flipped_tls() } else { plain })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_greetings() {
        assert_eq!(classify("220 mx ESMTP", false), Some(Role::Smtp));
        assert_eq!(classify("220 mx ESMTP", true), Some(Role::Submissions));
        assert_eq!(
            classify("* OK [CAPABILITY IMAP4rev1] ready", true),
            Some(Role::Imaps)
        );
        assert_eq!(classify("+OK Dovecot ready.", false), Some(Role::Pop3));
        assert_eq!(classify("SSH-2.0-OpenSSH_9.2", false), None);
    }
}
