//! SMTP client steps (RFC 5321): bounded multi-line replies, EHLO with HELO fallback,
//! STARTTLS (RFC 3207), QUIT, and for `mxray check` with credentials one AUTH (RFC 4954, the
//! mechanisms of [`sasl`]) whose secrets the transcript shows as `***`. Never DATA.

use super::conn::{Conn, Recorder, StepResult, Stop, MAX_LINES};
use super::sasl::{self, Mechanism};
use crate::evidence::{Capabilities, Direction, LoginAttempt, PhaseName, RelayTest, Reply};

/// Reads one reply: continuation lines `NNN-` until `NNN `, all with the same code,
/// within one deadline and [`MAX_LINES`].
pub async fn read_reply(conn: &mut Conn, rec: &mut Recorder) -> StepResult<Reply> {
    let deadline = conn.deadline();
    let mut reply = Reply::default();
    loop {
        let line = match conn.read_line(deadline).await {
            Ok(l) => l,
            Err(e) => {
                if let Stop::Violation(d) = &e {
                    rec.note(&format!("protocol violation: {d}"));
                }
                return Err(e);
            }
        };
        rec.line(Direction::Server, &line);
        let (code, last) = parse_line(&line)?;
        match reply.code {
            None => reply.code = Some(code),
            Some(c) if c != code => {
                return Err(Stop::Violation(format!(
                    "reply code changed from {c} to {code} inside one reply"
                )))
            }
            _ => {}
        }
        reply.lines.push(line);
        if last {
            return Ok(reply);
        }
        if reply.lines.len() >= MAX_LINES {
            return Err(Stop::Violation(format!(
                "more than {MAX_LINES} continuation lines in one reply"
            )));
        }
    }
}

/// Splits `250-TEXT` / `250 TEXT` / `250`: the code, and whether this is the last line.
fn parse_line(line: &str) -> StepResult<(u16, bool)> {
    let b = line.as_bytes();
    let bad = || Stop::Violation(format!("not an SMTP reply line: {:?}", truncate(line, 80)));
    let Some(digits @ &[first, _, _]) = b.get(..3) else {
        return Err(bad());
    };
    if !digits.iter().all(u8::is_ascii_digit) || !(b'2'..=b'5').contains(&first) {
        return Err(bad());
    }
    let code: u16 = line.get(..3).ok_or_else(bad)?.parse().map_err(|_| bad())?;
    match b.get(3) {
        None | Some(b' ') => Ok((code, true)),
        Some(b'-') => Ok((code, false)),
        _ => Err(bad()),
    }
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// The text after the code of each line.
fn texts(reply: &Reply) -> impl Iterator<Item = &str> {
    reply.lines.iter().map(|l| l.get(4..).unwrap_or("").trim())
}

/// Parses an EHLO reply's keywords (RFC 5321 §4.1.1.1; AUTH per RFC 4954).
pub fn parse_ehlo(reply: &Reply) -> Capabilities {
    let mut caps = Capabilities {
        via: "ehlo".into(),
        ..Default::default()
    };
    let mut lines = texts(reply);
    caps.server_name = lines
        .next()
        .and_then(|first| first.split_whitespace().next())
        .map(str::to_string);
    for text in lines {
        caps.raw.push(text.to_string());
        let mut words = text.split_whitespace();
        let Some(keyword) = words.next() else {
            continue;
        };
        let keyword = keyword.to_ascii_uppercase();
        match keyword.as_str() {
            "STARTTLS" => caps.starttls = true,
            // Some old servers still send the pre-standard `AUTH=` form.
            "AUTH" | "AUTH=LOGIN" => {
                for m in words {
                    let m = m.to_ascii_uppercase();
                    if !caps.auth.contains(&m) {
                        caps.auth.push(m);
                    }
                }
            }
            "SIZE" => caps.size_limit = words.next().and_then(|w| w.parse().ok()),
            _ => {}
        }
        if let Some(rest) = keyword.strip_prefix("AUTH=") {
            for m in rest.split([' ', ',']).filter(|m| !m.is_empty()) {
                if !caps.auth.contains(&m.to_string()) {
                    caps.auth.push(m.to_string());
                }
            }
            continue;
        }
        if !caps.extensions.contains(&keyword) {
            caps.extensions.push(keyword);
        }
    }
    caps
}

/// Sends a command, reads its reply, records both as one phase.
pub(super) async fn command(
    conn: &mut Conn,
    rec: &mut Recorder,
    phase: PhaseName,
    line: &str,
) -> StepResult<Reply> {
    let t = rec.begin();
    let r = async {
        conn.send(rec, line, line).await?;
        read_reply(conn, rec).await
    }
    .await;
    rec.record(phase, t, r)
}

/// Reads the greeting; anything but 220 is a rejection (554 blocked, 421 busy).
pub async fn greeting(conn: &mut Conn, rec: &mut Recorder) -> (StepResult<()>, Option<Reply>) {
    let t = rec.begin();
    let r = read_reply(conn, rec).await;
    match r {
        Ok(reply) if reply.code == Some(220) => {
            rec.end(PhaseName::Greeting, t, crate::evidence::Outcome::Ok);
            (Ok(()), Some(reply))
        }
        Ok(reply) => {
            let stop = Stop::Rejected(reply.text());
            let _ = rec.record::<()>(PhaseName::Greeting, t, Err(stop.clone()));
            (Err(stop), Some(reply))
        }
        Err(e) => (rec.record(PhaseName::Greeting, t, Err(e)), None),
    }
}

/// EHLO, falling back to HELO when EHLO is refused with 5xx (RFC 5321 §3.2).
pub async fn hello(
    conn: &mut Conn,
    rec: &mut Recorder,
    helo: &str,
    after_tls: bool,
) -> StepResult<Capabilities> {
    let phase = if after_tls {
        PhaseName::EhloAfterTls
    } else {
        PhaseName::Ehlo
    };
    let t = rec.begin();
    let r = async {
        conn.send(rec, &format!("EHLO {helo}"), &format!("EHLO {helo}"))
            .await?;
        read_reply(conn, rec).await
    }
    .await;
    let r = rec.record(phase, t, r)?;
    if r.code == Some(250) {
        return Ok(parse_ehlo(&r));
    }
    // The reply arrived but refuses: the phase is a rejection, not the Ok recorded above.
    let refused = Stop::Rejected(r.text());
    if let Some(last) = rec.phases.last_mut() {
        last.outcome = refused.outcome();
    }
    if !r.code.is_some_and(|c| (500..600).contains(&c)) {
        return Err(refused);
    }
    let helo_reply = command(conn, rec, PhaseName::Helo, &format!("HELO {helo}")).await?;
    if helo_reply.code != Some(250) {
        let refused = Stop::Rejected(helo_reply.text());
        if let Some(last) = rec.phases.last_mut() {
            last.outcome = refused.outcome();
        }
        return Err(refused);
    }
    let server_name = texts(&helo_reply)
        .next()
        .and_then(|t| t.split_whitespace().next())
        .map(str::to_string);
    Ok(Capabilities {
        via: "helo".into(),
        server_name,
        ..Default::default()
    })
}

/// STARTTLS; `Ok` only for 220. The caller must check nothing is buffered before the handshake.
pub async fn starttls(conn: &mut Conn, rec: &mut Recorder) -> (StepResult<()>, Option<Reply>) {
    let t = rec.begin();
    let r = async {
        conn.send(rec, "STARTTLS", "STARTTLS").await?;
        read_reply(conn, rec).await
    }
    .await;
    match r {
        Ok(reply) if reply.code == Some(220) => {
            rec.end(PhaseName::Starttls, t, crate::evidence::Outcome::Ok);
            (Ok(()), Some(reply))
        }
        Ok(reply) => {
            let stop = Stop::Rejected(reply.text());
            let _ = rec.record::<()>(PhaseName::Starttls, t, Err(stop.clone()));
            (Err(stop), Some(reply))
        }
        Err(e) => (rec.record(PhaseName::Starttls, t, Err(e)), None),
    }
}

/// Sender and recipient of the relay test: reserved `.invalid` domains (RFC 2606), which no
/// server can own, so accepting the recipient means relaying for strangers.
pub const RELAY_FROM: &str = "mxray-relay-test@sender.invalid";
pub const RELAY_TO: &str = "mxray-relay-test@recipient.invalid";

/// `MAIL FROM`, `RCPT TO` to a foreign domain, then `RSET` — never DATA, so nothing is sent.
pub async fn relay_test(conn: &mut Conn, rec: &mut Recorder) -> Option<RelayTest> {
    rec.note("relay test (opt-in): MAIL FROM and RCPT TO in reserved .invalid domains, no DATA");
    let mail = command(
        conn,
        rec,
        PhaseName::RelayTest,
        &format!("MAIL FROM:<{RELAY_FROM}>"),
    )
    .await
    .ok()?;
    let mut test = RelayTest {
        mail_from: RELAY_FROM.into(),
        rcpt_to: RELAY_TO.into(),
        mail_reply: mail.clone(),
        rcpt_reply: None,
        accepted: false,
    };
    if mail.code.is_some_and(|c| (200..300).contains(&c)) {
        if let Ok(rcpt) = command(
            conn,
            rec,
            PhaseName::RelayTest,
            &format!("RCPT TO:<{RELAY_TO}>"),
        )
        .await
        {
            test.accepted = rcpt.code.is_some_and(|c| c == 250 || c == 251);
            test.rcpt_reply = Some(rcpt);
        }
    }
    let _ = command(conn, rec, PhaseName::RelayTest, "RSET").await;
    Some(test)
}

/// Sends one line of the AUTH exchange (shown in the transcript as `shown`) and reads the reply.
async fn step(conn: &mut Conn, rec: &mut Recorder, line: &str, shown: &str) -> StepResult<Reply> {
    let timeout = conn.timeout;
    conn.send(rec, line, shown)
        .await
        .map_err(|e| sasl::stalled_write(e, timeout))?;
    read_reply(conn, rec).await
}

/// The text of a `334` challenge.
fn challenge(reply: &Reply) -> &str {
    texts(reply).next().unwrap_or("")
}

/// One login (RFC 4954) with `mechanism`. Every line carrying credentials is recorded as `***`,
/// and from the first one on, every server line that echoes the secret or an encoding of it
/// is masked too. The attempt holds the final reply (`None` if the dialogue broke off).
pub async fn login(
    conn: &mut Conn,
    rec: &mut Recorder,
    login: &sasl::Login<'_>,
    mechanism: Mechanism,
    offered: Vec<String>,
) -> LoginAttempt {
    conn.mask_secrets(sasl::secret_forms(login, mechanism));
    let t = rec.begin();
    let mut oauth_error = None;
    let r = exchange(conn, rec, login, mechanism, &mut oauth_error).await;
    let reply = rec.record(PhaseName::Login, t, r).ok();
    LoginAttempt {
        mechanism: mechanism.sasl_name().to_string(),
        initial_response: mechanism.initial_response(),
        offered,
        accepted: reply.as_ref().is_some_and(|r| r.code == Some(235)),
        reply,
        oauth_error,
        retry: None,
    }
}

async fn exchange(
    conn: &mut Conn,
    rec: &mut Recorder,
    l: &sasl::Login<'_>,
    mechanism: Mechanism,
    oauth_error: &mut Option<String>,
) -> StepResult<Reply> {
    let user = sasl::b64(l.user.as_bytes());
    let secret = sasl::b64(l.secret.expose().as_bytes());
    let reply = match mechanism {
        Mechanism::Plain => {
            let payload = sasl::b64(sasl::plain(l).as_bytes());
            step(
                conn,
                rec,
                &format!("AUTH PLAIN {payload}"),
                "AUTH PLAIN ***",
            )
            .await?
        }
        Mechanism::Login => {
            let r = step(conn, rec, "AUTH LOGIN", "AUTH LOGIN").await?;
            if r.code != Some(334) {
                return Ok(r);
            }
            let r = step(conn, rec, &user, "***").await?;
            if r.code != Some(334) {
                return Ok(r);
            }
            step(conn, rec, &secret, "***").await?
        }
        Mechanism::LoginIr => {
            let r = step(conn, rec, &format!("AUTH LOGIN {user}"), "AUTH LOGIN ***").await?;
            if r.code != Some(334) {
                return Ok(r);
            }
            step(conn, rec, &secret, "***").await?
        }
        Mechanism::CramMd5 => {
            let r = step(conn, rec, "AUTH CRAM-MD5", "AUTH CRAM-MD5").await?;
            match sasl::unb64(challenge(&r)).filter(|_| r.code == Some(334)) {
                None if r.code == Some(334) => {
                    // Nothing to compute the digest from: cancel before anything is sent.
                    let _ = step(conn, rec, "*", "*").await;
                    let why = format!(
                        "the CRAM-MD5 challenge is not base64 ({}), so mxray cancelled with * before sending anything",
                        challenge(&r)
                    );
                    rec.note(&format!("protocol violation: {why}"));
                    return Err(Stop::Violation(why));
                }
                None => r,
                Some(ch) => {
                    let response = sasl::cram_md5(l.user, l.secret, &ch);
                    let encoded = sasl::b64(response.as_bytes());
                    let digest = response.rsplit(' ').next().unwrap_or_default().to_string();
                    conn.mask_secrets([encoded.clone(), response, digest]);
                    step(conn, rec, &encoded, "***").await?
                }
            }
        }
        Mechanism::XOAuth2 | Mechanism::OAuthBearer => {
            let name = mechanism.sasl_name();
            let payload = sasl::initial_payload(l, mechanism).unwrap_or_default();
            let r = step(
                conn,
                rec,
                &format!("AUTH {name} {payload}"),
                &format!("AUTH {name} ***"),
            )
            .await?;
            if r.code == Some(334) {
                let (error, answer) = sasl::oauth_refusal(mechanism, challenge(&r));
                if let Some(e) = error.as_deref() {
                    rec.note(&format!("the server refused the token: {e}"));
                }
                *oauth_error = error;
                step(conn, rec, &answer, &answer).await?
            } else {
                r
            }
        }
    };
    // A prompt the mechanism has no answer for: cancel (RFC 4954 §4), once. The exchange is
    // bounded: the mechanism's own steps (three at most), then this.
    if reply.code == Some(334) {
        let shown = format!("334 {}", challenge(&reply)).trim_end().to_string();
        let why = match step(conn, rec, "*", "*").await {
            Ok(after) if after.code == Some(334) => sasl::cancelled(&shown, None),
            Ok(after) => sasl::cancelled(&shown, Some(&after.text())),
            Err(e) => sasl::cancelled(&shown, Some(sasl::no_answer(&e))),
        };
        rec.note(&format!("protocol violation: {why}"));
        return Err(Stop::Violation(why));
    }
    Ok(reply)
}

pub async fn quit(conn: &mut Conn, rec: &mut Recorder) {
    conn.quit(rec, "QUIT").await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(lines: &[&str]) -> Reply {
        Reply {
            code: Some(250),
            lines: lines.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn parses_postfix_ehlo() {
        let c = parse_ehlo(&reply(&[
            "250-mail.example.test",
            "250-PIPELINING",
            "250-SIZE 10240000",
            "250-STARTTLS",
            "250-AUTH PLAIN LOGIN",
            "250-AUTH=PLAIN LOGIN",
            "250-ENHANCEDSTATUSCODES",
            "250-8BITMIME",
            "250-DSN",
            "250-SMTPUTF8",
            "250 CHUNKING",
        ]));
        assert_eq!(c.server_name.as_deref(), Some("mail.example.test"));
        assert!(c.starttls);
        assert_eq!(c.auth, vec!["PLAIN", "LOGIN"]);
        assert_eq!(c.size_limit, Some(10_240_000));
        for e in [
            "PIPELINING",
            "8BITMIME",
            "DSN",
            "SMTPUTF8",
            "CHUNKING",
            "ENHANCEDSTATUSCODES",
        ] {
            assert!(c.extensions.iter().any(|x| x == e), "{e}");
        }
        assert!(!c.extensions.iter().any(|x| x.starts_with("AUTH=")));
    }

    #[test]
    fn reply_lines_are_validated() {
        assert_eq!(parse_line("250-x").unwrap(), (250, false));
        assert_eq!(parse_line("220 ok").unwrap(), (220, true));
        assert_eq!(parse_line("221").unwrap(), (221, true));
        assert!(parse_line("* OK imap").is_err());
        assert!(parse_line("25").is_err());
        assert!(parse_line("250xyz").is_err());
        assert!(parse_line("999 nope").is_err());
    }
}
