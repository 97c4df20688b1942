//! SMTP client steps (RFC 5321): bounded multi-line replies, EHLO with HELO fallback,
//! STARTTLS (RFC 3207), QUIT, and for `mxray check` with a password one AUTH (RFC 4954, PLAIN
//! RFC 4616 or LOGIN) whose secrets the transcript shows as `***`. Never DATA.

use super::conn::{Conn, Recorder, StepResult, Stop, MAX_LINES};
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
    if b.len() < 3 || !b[..3].iter().all(u8::is_ascii_digit) || !(b'2'..=b'5').contains(&b[0]) {
        return Err(bad());
    }
    let code: u16 = line[..3].parse().map_err(|_| bad())?;
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

/// The mechanism a client picks from those offered: PLAIN, else LOGIN; `None` if neither.
pub fn pick_mechanism(offered: &[String]) -> Option<&'static str> {
    ["PLAIN", "LOGIN"]
        .into_iter()
        .find(|m| offered.iter().any(|o| o.eq_ignore_ascii_case(m)))
}

/// Standard base64 (RFC 4648 §4) with padding.
pub fn base64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// One login with `mechanism` (PLAIN or LOGIN). The lines carrying credentials are recorded as
/// `***`; any server line that echoes the password or its encodings is masked too. The
/// returned attempt holds the final reply (`None` if the dialogue broke off).
pub async fn login(
    conn: &mut Conn,
    rec: &mut Recorder,
    user: &str,
    password: &crate::settings::Secret,
    mechanism: &str,
    offered: Vec<String>,
) -> LoginAttempt {
    let first_line = rec.transcript.len();
    let t = rec.begin();
    let pass = password.expose();
    let r: StepResult<Reply> = async {
        match mechanism {
            "LOGIN" => {
                conn.send(rec, "AUTH LOGIN", "AUTH LOGIN").await?;
                let mut reply = read_reply(conn, rec).await?;
                if reply.code != Some(334) {
                    return Ok(reply);
                }
                conn.send(rec, &base64(user.as_bytes()), "***").await?;
                reply = read_reply(conn, rec).await?;
                if reply.code != Some(334) {
                    return Ok(reply);
                }
                conn.send(rec, &base64(pass.as_bytes()), "***").await?;
                read_reply(conn, rec).await
            }
            _ => {
                let token = base64(format!("\0{user}\0{pass}").as_bytes());
                conn.send(rec, &format!("AUTH PLAIN {token}"), "AUTH PLAIN ***")
                    .await?;
                read_reply(conn, rec).await
            }
        }
    }
    .await;
    let r = rec.record(PhaseName::Login, t, r);
    let secrets = [
        pass.to_string(),
        base64(pass.as_bytes()),
        base64(format!("\0{user}\0{pass}").as_bytes()),
    ];
    let mask = |text: &mut String| {
        for s in secrets.iter().filter(|s| !s.is_empty()) {
            if text.contains(s.as_str()) {
                *text = text.replace(s.as_str(), "***");
            }
        }
    };
    for l in rec.transcript.iter_mut().skip(first_line) {
        mask(&mut l.text);
    }
    let mut reply = r.ok();
    if let Some(reply) = reply.as_mut() {
        reply.lines.iter_mut().for_each(mask);
    }
    LoginAttempt {
        mechanism: mechanism.to_string(),
        offered,
        accepted: reply.as_ref().is_some_and(|r| r.code == Some(235)),
        reply,
    }
}

pub async fn quit(conn: &mut Conn, rec: &mut Recorder) {
    let _ = command(conn, rec, PhaseName::Quit, "QUIT").await;
    conn.shutdown().await;
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
    fn base64_and_mechanism_choice() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"\0alice\0pw"), "AGFsaWNlAHB3");
        let v = |m: &[&str]| m.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(pick_mechanism(&v(&["LOGIN", "PLAIN"])), Some("PLAIN"));
        assert_eq!(pick_mechanism(&v(&["CRAM-MD5", "LOGIN"])), Some("LOGIN"));
        assert_eq!(pick_mechanism(&v(&["XOAUTH2"])), None);
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
