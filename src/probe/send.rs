//! `mxray check --send-to`: one short test message on the logged-in connection (MAIL FROM,
//! RCPT TO, DATA), so "the login works" becomes "the server takes my mail". Only after a
//! successful login, only when asked, one recipient, never retried.

use super::conn::{Conn, Recorder, StepResult};
use super::smtp::{command, read_reply};
use crate::evidence::{PhaseName, Reply, SendAttempt};

/// What to send; the addresses were validated as `local@domain` without spaces or brackets.
#[derive(Clone, Debug)]
pub struct SendRequest {
    pub from: String,
    pub to: String,
    /// Unix time of the run, for the Date header and the Message-ID.
    pub now: i64,
}

/// `smtputf8_offered`: the server's EHLO listed SMTPUTF8, which a non-ASCII local part needs.
pub async fn send(
    conn: &mut Conn,
    rec: &mut Recorder,
    req: &SendRequest,
    smtputf8_offered: bool,
) -> SendAttempt {
    let message_id = message_id(&req.from, req.now);
    let mut attempt = SendAttempt {
        from: req.from.clone(),
        to: req.to.clone(),
        message_id: message_id.clone(),
        mail_reply: None,
        rcpt_reply: None,
        data_reply: None,
        final_reply: None,
        accepted: false,
        queue_id: None,
        smtputf8: None,
    };
    let utf8 =
        crate::names::local_part_is_utf8(&req.from) || crate::names::local_part_is_utf8(&req.to);
    if utf8 {
        attempt.smtputf8 = Some(smtputf8_offered);
        if !smtputf8_offered {
            // RFC 6531 §3.4: a UTF-8 address goes only to a server that offers SMTPUTF8.
            rec.note("test message not sent: a non-ASCII address needs SMTPUTF8, which the server does not offer");
            return attempt;
        }
    }
    let param = if utf8 { " SMTPUTF8" } else { "" };
    let ok = |r: &Reply, code: u16| r.code == Some(code);
    let positive = |r: &Reply| r.code.is_some_and(|c| (250..=252).contains(&c));
    attempt.mail_reply = step(conn, rec, &format!("MAIL FROM:<{}>{param}", req.from)).await;
    if !attempt.mail_reply.as_ref().is_some_and(positive) {
        return finish(conn, rec, attempt).await;
    }
    attempt.rcpt_reply = step(conn, rec, &format!("RCPT TO:<{}>", req.to)).await;
    if !attempt.rcpt_reply.as_ref().is_some_and(positive) {
        return finish(conn, rec, attempt).await;
    }
    attempt.data_reply = step(conn, rec, "DATA").await;
    if !attempt.data_reply.as_ref().is_some_and(|r| ok(r, 354)) {
        return finish(conn, rec, attempt).await;
    }
    let body = message(req, &message_id);
    let t = rec.begin();
    let r: StepResult<Reply> = async {
        let shown = format!(
            "(test message: {} lines, Message-ID {message_id}) …",
            body.len()
        );
        conn.send(rec, &stuffed(&body), &shown).await?;
        conn.send(rec, ".", ".").await?;
        read_reply(conn, rec).await
    }
    .await;
    attempt.final_reply = rec.record(PhaseName::Send, t, r).ok();
    attempt.accepted = attempt.final_reply.as_ref().is_some_and(|r| ok(r, 250));
    if attempt.accepted {
        attempt.queue_id = attempt.final_reply.as_ref().and_then(queue_id);
    }
    attempt
}

async fn step(conn: &mut Conn, rec: &mut Recorder, line: &str) -> Option<Reply> {
    command(conn, rec, PhaseName::Send, line).await.ok()
}

/// A refusal leaves a transaction half open: RSET so the QUIT that follows is clean.
async fn finish(conn: &mut Conn, rec: &mut Recorder, attempt: SendAttempt) -> SendAttempt {
    let _ = command(conn, rec, PhaseName::Send, "RSET").await;
    attempt
}

/// `<mxray.UNIXTIME.RANDOM@from-domain>`: unique per run (RFC 5322 §3.6.4), in the sender's
/// domain so receivers do not count it against the message.
pub fn message_id(from: &str, now: i64) -> String {
    use ring::rand::SecureRandom;
    let mut r = [0u8; 8];
    // SystemRandom only fails when the OS has no randomness; the time still makes the ID unique
    // enough for a test message.
    let _ = ring::rand::SystemRandom::new().fill(&mut r);
    let hex: String = r.iter().map(|b| format!("{b:02x}")).collect();
    let domain = from
        .rsplit_once('@')
        .map(|(_, d)| d)
        .unwrap_or("mxray.invalid");
    format!("<mxray.{now}.{hex}@{domain}>")
}

/// The message lines, without line ends. Short, plain ASCII, saying what it is.
fn message(req: &SendRequest, message_id: &str) -> Vec<String> {
    let date = time::OffsetDateTime::from_unix_timestamp(req.now)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc2822)
                .ok()
        })
        .unwrap_or_else(|| "Thu, 01 Jan 1970 00:00:00 +0000".into());
    vec![
        format!("From: <{}>", req.from),
        format!("To: <{}>", req.to),
        "Subject: mxray test message".into(),
        format!("Date: {date}"),
        format!("Message-ID: {message_id}"),
        "MIME-Version: 1.0".into(),
        "Content-Type: text/plain; charset=us-ascii".into(),
        "Auto-Submitted: auto-generated".into(),
        String::new(),
        "This message was sent by `mxray check --send-to` to test the mail settings:".into(),
        format!(
            "the server accepted a login and this message from {}.",
            req.from
        ),
        "Nothing needs to be done; it can be deleted.".into(),
    ]
}

/// CRLF-joined with leading dots doubled (RFC 5321 §4.5.2).
fn stuffed(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| {
            if l.starts_with('.') {
                format!(".{l}")
            } else {
                l.clone()
            }
        })
        .collect::<Vec<_>>()
        .join("\r\n")
}

/// The queue id or message reference in an acceptance reply, as the common servers word it.
pub fn queue_id(reply: &Reply) -> Option<String> {
    let text = reply.lines.last()?.get(4..)?.trim();
    let token = |s: &str| {
        s.split(|c: char| c.is_whitespace() || c == ',' || c == ';')
            .find(|t| !t.is_empty())
            .map(|t| t.trim_end_matches('.').to_string())
    };
    let lower = text.to_ascii_lowercase();
    // Postfix and many others: "Ok: queued as 4Xyz"; Exim: "OK id=1abc-000-XY".
    for marker in ["queued as ", "id="] {
        if let Some(i) = lower.find(marker) {
            return token(text.get(i + marker.len()..)?);
        }
    }
    // Gmail: "2.0.0 OK  1700000000 abc123.4 - gsmtp": the reference before "- gsmtp".
    if let Some(i) = lower.find(" - gsmtp") {
        return text.get(..i)?.split_whitespace().last().map(str::to_string);
    }
    // Microsoft: "2.0.0 OK <id@host> [Hostname=…]".
    if let (Some(a), Some(b)) = (text.find('<'), text.find('>')) {
        if a < b {
            return text.get(a..=b).map(str::to_string);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(code: u16, line: &str) -> Reply {
        Reply {
            code: Some(code),
            lines: vec![line.to_string()],
        }
    }

    #[test]
    fn queue_ids_of_common_servers() {
        let q = |l: &str| queue_id(&reply(250, l));
        assert_eq!(
            q("250 2.0.0 Ok: queued as 4bXyZ12abc").as_deref(),
            Some("4bXyZ12abc")
        );
        assert_eq!(
            q("250 OK id=1tAbcD-000Xyz-7Q").as_deref(),
            Some("1tAbcD-000Xyz-7Q")
        );
        assert_eq!(
            q("250 2.0.0 OK  1732400000 5b1f17b1804b1-43b0d9b7a1csm12345f8f.9 - gsmtp").as_deref(),
            Some("5b1f17b1804b1-43b0d9b7a1csm12345f8f.9")
        );
        assert_eq!(
            q("250 2.0.0 OK <AB12CD@EXAMPLE.PROD.OUTLOOK.COM> [Hostname=AB12]").as_deref(),
            Some("<AB12CD@EXAMPLE.PROD.OUTLOOK.COM>")
        );
        assert_eq!(q("250 2.0.0 Message accepted"), None);
        assert_eq!(q("250"), None);
    }

    #[test]
    fn message_ids_are_unique_and_in_the_sender_domain() {
        let a = message_id("alice@example.com", 1_700_000_000);
        let b = message_id("alice@example.com", 1_700_000_000);
        assert_ne!(a, b);
        assert!(
            a.starts_with("<mxray.1700000000.") && a.ends_with("@example.com>"),
            "{a}"
        );
    }

    #[test]
    fn message_is_dot_stuffed_and_dated() {
        let req = SendRequest {
            from: "a@example.com".into(),
            to: "b@example.net".into(),
            now: 0,
        };
        let lines = message(&req, "<x@example.com>");
        assert!(lines.contains(&"Date: Thu, 01 Jan 1970 00:00:00 +0000".to_string()));
        assert!(lines.iter().any(|l| l == "Message-ID: <x@example.com>"));
        assert_eq!(
            stuffed(&[".a".into(), "b".into(), "..".into()]),
            "..a\r\nb\r\n..."
        );
    }
}
