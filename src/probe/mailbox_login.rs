//! `mxray check --imap` / `--pop3` with a password: one login on the configured endpoint, after
//! TLS (or in plaintext only with `--allow-plaintext-auth`), the way a mail client would log in:
//!
//! - IMAP (RFC 9051 / 3501): `AUTHENTICATE PLAIN` when `AUTH=PLAIN` is offered (the initial
//!   response on the command line with `SASL-IR`, RFC 4959), else the `LOGIN` command unless
//!   `LOGINDISABLED`. Strings go quoted, or as a literal when they need it (CR, LF, NUL, 8-bit):
//!   non-synchronising (`{n+}`) with `LITERAL+` (or `LITERAL-` up to 4096 octets, RFC 7888),
//!   else synchronising, waiting for the server's `+`.
//! - POP3 (RFC 1939 / 5034): `AUTH PLAIN` with the initial response when `SASL PLAIN` is
//!   offered, else `USER`/`PASS`.
//!
//! `--auth-mech PLAIN` forces the SASL PLAIN exchange; `--auth-mech LOGIN` the protocol's own
//! password login (IMAP `LOGIN`, POP3 `USER`/`PASS`, recorded as `USER`). The whole exchange
//! has one deadline; untagged lines are skipped (those that carry a message, `[ALERT]`, `NO`,
//! `BAD`, `BYE`, are kept for the diagnosis) up to [`MAX_LINES`]. The password and its
//! encodings are masked as `***` in the transcript and the recorded reply.

use super::conn::{Conn, Recorder, StepResult, Stop, MAX_LINES};
use super::sasl::{self, Mechanism};
use super::Credentials;
use crate::evidence::{
    Capabilities, Direction, LoginAttempt, PhaseName, PortProbe, Protocol, Reply,
};
use std::sync::atomic::Ordering;

/// The tag of the login command (the other IMAP steps use m1…m4).
const TAG: &str = "m5";
/// The longest literal LITERAL- lets a client send without waiting (RFC 7888).
const LITERAL_MINUS_MAX: usize = 4096;

/// The one login of an IMAP or POP3 endpoint; `None` when nothing was tried for a reason
/// that is not the server's (no TLS without `--allow-plaintext-auth`, another address of the
/// host already logged in, a method mxray does not speak here).
pub async fn login(
    proto: Protocol,
    creds: &Credentials,
    tls_up: bool,
    conn: &mut Conn,
    rec: &mut Recorder,
    probe: &PortProbe,
) -> Option<LoginAttempt> {
    if !tls_up && !creds.allow_plaintext {
        rec.note("login not tried: no TLS on this connection (--allow-plaintext-auth to send the password anyway)");
        return None;
    }
    let caps = probe.best_capabilities().cloned().unwrap_or_default();
    let offered = caps.auth.clone();
    let Some(method) = choose(proto, creds.mechanism, &caps) else {
        rec.note(&format!(
            "login not tried: --auth-mech {} is not a {} login mxray can make (PLAIN or LOGIN)",
            creds.mechanism.map(Mechanism::label).unwrap_or(""),
            proto.label()
        ));
        return None;
    };
    let Some(password) = creds.password.as_ref() else {
        rec.note(&format!(
            "login not tried: the {} login needs a password",
            proto.label()
        ));
        return None;
    };
    let unusable = match method {
        Method::Plain => !offered.iter().any(|m| m == "PLAIN"),
        Method::ImapLogin => caps.login_disabled,
        Method::User => false,
    };
    if unusable {
        rec.note(&format!(
            "login not tried: {} is not offered ({})",
            method.describe(),
            if caps.raw.is_empty() {
                "no capabilities".to_string()
            } else {
                caps.raw.join(" ")
            }
        ));
        return Some(LoginAttempt {
            mechanism: method.name().into(),
            initial_response: false,
            offered,
            reply: None,
            accepted: false,
            oauth_error: None,
            retry: None,
        });
    }
    // A line break would end the command early and smuggle in another one.
    let breaks = |t: &str| t.contains(['\r', '\n']);
    if method == Method::User && (breaks(&creds.user) || breaks(password.expose())) {
        rec.note(
            "login not tried: USER/PASS cannot carry a username or password with a line break",
        );
        return None;
    }
    // One login per run, even when the host has several addresses.
    if creds.used.swap(true, Ordering::SeqCst) {
        rec.note("login not tried on this address: done on another address of the host");
        return None;
    }
    rec.note(&format!(
        "login as {} with {}",
        creds.user,
        method.describe()
    ));
    let first_line = rec.transcript.len();
    let t = rec.begin();
    let pass = password.expose();
    let deadline = conn.deadline();
    // From here on the connection masks them in what it reads and quotes no raw bytes.
    conn.mask_secrets(secrets(&creds.user, pass));
    let r = match method {
        Method::Plain if proto == Protocol::Imap => {
            imap_authenticate(conn, rec, &creds.user, pass, &caps, deadline).await
        }
        Method::ImapLogin => imap_login(conn, rec, &creds.user, pass, &caps, deadline).await,
        Method::Plain => pop3_auth_plain(conn, rec, &creds.user, pass, deadline).await,
        Method::User => pop3_user_pass(conn, rec, &creds.user, pass, deadline).await,
    };
    let r = rec.record(PhaseName::Login, t, r);
    let secrets = secrets(&creds.user, pass);
    let mask = |text: &mut String| {
        for s in &secrets {
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
    // The credentials went with the command: POP3 AUTH PLAIN always, IMAP with SASL-IR.
    let initial_response = method == Method::Plain
        && (proto == Protocol::Pop3 || caps.raw.iter().any(|c| c == "SASL-IR"));
    Some(LoginAttempt {
        mechanism: method.name().into(),
        initial_response,
        offered,
        accepted: reply.as_ref().is_some_and(|r| accepted(proto, r)),
        reply,
        oauth_error: None,
        retry: None,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    /// SASL PLAIN: IMAP `AUTHENTICATE PLAIN`, POP3 `AUTH PLAIN`.
    Plain,
    /// The IMAP `LOGIN` command.
    ImapLogin,
    /// POP3 `USER` / `PASS`.
    User,
}

impl Method {
    /// The name recorded in the evidence.
    fn name(self) -> &'static str {
        match self {
            Method::Plain => "PLAIN",
            Method::ImapLogin => "LOGIN",
            Method::User => "USER",
        }
    }
    fn describe(self) -> &'static str {
        match self {
            Method::Plain => "SASL PLAIN",
            Method::ImapLogin => "the IMAP LOGIN command",
            Method::User => "USER/PASS",
        }
    }
}

/// What a client picks: SASL PLAIN when offered, else the protocol's plain-password command.
/// `None` for a forced mechanism that has no meaning here.
fn choose(proto: Protocol, forced: Option<Mechanism>, caps: &Capabilities) -> Option<Method> {
    let own = if proto == Protocol::Imap {
        Method::ImapLogin
    } else {
        Method::User
    };
    match forced {
        Some(Mechanism::Plain) => Some(Method::Plain),
        Some(Mechanism::Login | Mechanism::LoginIr) => Some(own),
        Some(_) => None,
        None if caps.auth.iter().any(|m| m == "PLAIN") => Some(Method::Plain),
        None => Some(own),
    }
}

/// The password and every form of it mxray sends.
fn secrets(user: &str, pass: &str) -> Vec<String> {
    let mut s = vec![
        pass.to_string(),
        quoted(pass),
        sasl::b64(pass.as_bytes()),
        sasl::b64(format!("\0{user}\0{pass}").as_bytes()),
    ];
    s.retain(|x| !x.is_empty() && x != "\"\"");
    // Longest first, so a form that contains another is masked whole.
    s.sort_by_key(|x| std::cmp::Reverse(x.len()));
    s
}

fn accepted(proto: Protocol, r: &Reply) -> bool {
    let last = r.lines.last().map(String::as_str).unwrap_or("");
    match proto {
        Protocol::Imap => last
            .strip_prefix(TAG)
            .is_some_and(|s| s.trim_start().to_ascii_uppercase().starts_with("OK")),
        _ => last.starts_with("+OK"),
    }
}

// ───────────────────────────── IMAP ─────────────────────────────

/// An IMAP string as sent: `"quoted"` when it can be, else a literal.
fn needs_literal(s: &str) -> bool {
    s.bytes()
        .any(|b| b == b'\r' || b == b'\n' || b == 0 || b >= 0x80)
}

fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// What came back for a command or one of its continuations.
enum Answer {
    /// The tagged status line (`m5 OK …`), after the kept untagged lines.
    Tagged(Vec<String>),
    /// A command continuation request (`+ …`).
    Continue,
}

/// Reads until the tagged reply or a continuation request. Untagged lines that carry a message
/// are kept in `kept`; the rest (CAPABILITY, EXISTS…) are skipped, up to [`MAX_LINES`] in all.
async fn answer(
    conn: &mut Conn,
    rec: &mut Recorder,
    deadline: tokio::time::Instant,
    kept: &mut Vec<String>,
    seen: &mut usize,
) -> StepResult<Answer> {
    loop {
        let l = conn.read_line(deadline).await?;
        rec.line(Direction::Server, &l);
        // BYE is the server's last word before it closes (RFC 9051 §7.1.5): the answer.
        if l.starts_with(&format!("{TAG} ")) || is_bye(&l) {
            let mut lines = kept.clone();
            lines.push(l);
            return Ok(Answer::Tagged(lines));
        }
        if l.starts_with('+') {
            return Ok(Answer::Continue);
        }
        *seen += 1;
        if *seen > MAX_LINES {
            return Err(Stop::Violation(format!(
                "more than {MAX_LINES} lines before the tagged reply to the login"
            )));
        }
        if worth_keeping(&l) && kept.len() < 10 {
            kept.push(l);
        }
    }
}

fn is_bye(l: &str) -> bool {
    l.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("* BYE"))
}

fn worth_keeping(l: &str) -> bool {
    let mut w = l.split_whitespace();
    if w.next() != Some("*") {
        return false;
    }
    let second = w.next().unwrap_or("").to_ascii_uppercase();
    matches!(second.as_str(), "NO" | "BAD" | "BYE") || l.to_ascii_uppercase().contains("[ALERT]")
}

/// `AUTHENTICATE PLAIN`, with the initial response on the command line under SASL-IR.
async fn imap_authenticate(
    conn: &mut Conn,
    rec: &mut Recorder,
    user: &str,
    pass: &str,
    caps: &Capabilities,
    deadline: tokio::time::Instant,
) -> StepResult<Reply> {
    let token = sasl::b64(format!("\0{user}\0{pass}").as_bytes());
    let (mut kept, mut seen) = (Vec::new(), 0);
    let sasl_ir = caps.raw.iter().any(|c| c == "SASL-IR");
    if sasl_ir {
        let cmd = format!("{TAG} AUTHENTICATE PLAIN {token}");
        conn.send(rec, &cmd, &format!("{TAG} AUTHENTICATE PLAIN ***"))
            .await?;
    } else {
        let cmd = format!("{TAG} AUTHENTICATE PLAIN");
        conn.send(rec, &cmd, &cmd).await?;
        match answer(conn, rec, deadline, &mut kept, &mut seen).await? {
            Answer::Tagged(lines) => return Ok(imap_reply(lines)),
            Answer::Continue => conn.send(rec, &token, "***").await?,
        }
    }
    finish_sasl(conn, rec, deadline, &mut kept, &mut seen).await
}

/// The tagged reply after the credentials; a further challenge is cancelled with `*`
/// (RFC 9051 §6.2.2), which the server answers with a tagged BAD or NO.
async fn finish_sasl(
    conn: &mut Conn,
    rec: &mut Recorder,
    deadline: tokio::time::Instant,
    kept: &mut Vec<String>,
    seen: &mut usize,
) -> StepResult<Reply> {
    match answer(conn, rec, deadline, kept, seen).await? {
        Answer::Tagged(lines) => Ok(imap_reply(lines)),
        Answer::Continue => {
            conn.send(rec, "*", "*").await?;
            match answer(conn, rec, deadline, kept, seen).await? {
                Answer::Tagged(lines) => Ok(imap_reply(lines)),
                Answer::Continue => Err(Stop::Violation(
                    "the server kept asking for more after the login was cancelled".into(),
                )),
            }
        }
    }
}

/// `LOGIN user password`, each as a quoted string or a literal.
async fn imap_login(
    conn: &mut Conn,
    rec: &mut Recorder,
    user: &str,
    pass: &str,
    caps: &Capabilities,
    deadline: tokio::time::Instant,
) -> StepResult<Reply> {
    let literal_plus = caps.raw.iter().any(|c| c == "LITERAL+");
    let literal_minus = caps.raw.iter().any(|c| c == "LITERAL-");
    // The command as pieces ending where a synchronising literal makes us wait: (sent, shown).
    let mut pieces: Vec<(String, String, bool)> = Vec::new();
    let mut sent = format!("{TAG} LOGIN");
    let mut shown = sent.clone();
    for (value, secret) in [(user, false), (pass, true)] {
        sent.push(' ');
        shown.push(' ');
        if needs_literal(value) {
            let n = value.len();
            let plus = literal_plus || (literal_minus && n <= LITERAL_MINUS_MAX);
            let marker = if plus { "+" } else { "" };
            sent.push_str(&format!("{{{n}{marker}}}"));
            shown.push_str(if secret { "{***}" } else { "" });
            if !secret {
                shown.push_str(&format!("{{{n}{marker}}}"));
            }
            pieces.push((std::mem::take(&mut sent), std::mem::take(&mut shown), !plus));
            sent.push_str(value);
            shown.push_str(if secret { "***" } else { value });
        } else {
            sent.push_str(&quoted(value));
            shown.push_str(&if secret { "***".into() } else { quoted(value) });
        }
    }
    pieces.push((sent, shown, false));
    let (mut kept, mut seen) = (Vec::new(), 0);
    for (sent, shown, wait) in pieces {
        conn.send(rec, &sent, &shown).await?;
        if wait {
            match answer(conn, rec, deadline, &mut kept, &mut seen).await? {
                // The server refused the literal (too long, or LOGIN not allowed).
                Answer::Tagged(lines) => return Ok(imap_reply(lines)),
                Answer::Continue => {}
            }
        }
    }
    match answer(conn, rec, deadline, &mut kept, &mut seen).await? {
        Answer::Tagged(lines) => Ok(imap_reply(lines)),
        Answer::Continue => Err(Stop::Violation(
            "a continuation request after the whole LOGIN command".into(),
        )),
    }
}

fn imap_reply(lines: Vec<String>) -> Reply {
    Reply { code: None, lines }
}

// ───────────────────────────── POP3 ─────────────────────────────

/// One POP3 status line; `+` continuations are returned as they are.
async fn status(
    conn: &mut Conn,
    rec: &mut Recorder,
    deadline: tokio::time::Instant,
) -> StepResult<String> {
    let l = conn.read_line(deadline).await?;
    rec.line(Direction::Server, &l);
    if l.starts_with("+OK") || l.starts_with("-ERR") || l.starts_with('+') {
        Ok(l)
    } else {
        Err(Stop::Violation(format!(
            "not a POP3 status line: {:?}",
            l.chars().take(80).collect::<String>()
        )))
    }
}

fn pop3_reply(line: String) -> Reply {
    Reply {
        code: None,
        lines: vec![line],
    }
}

async fn pop3_user_pass(
    conn: &mut Conn,
    rec: &mut Recorder,
    user: &str,
    pass: &str,
    deadline: tokio::time::Instant,
) -> StepResult<Reply> {
    let cmd = format!("USER {user}");
    conn.send(rec, &cmd, &cmd).await?;
    let l = status(conn, rec, deadline).await?;
    if !l.starts_with("+OK") {
        return Ok(pop3_reply(l));
    }
    conn.send(rec, &format!("PASS {pass}"), "PASS ***").await?;
    status(conn, rec, deadline).await.map(pop3_reply)
}

/// `AUTH PLAIN` with the initial response (RFC 5034); a challenge after it is cancelled.
async fn pop3_auth_plain(
    conn: &mut Conn,
    rec: &mut Recorder,
    user: &str,
    pass: &str,
    deadline: tokio::time::Instant,
) -> StepResult<Reply> {
    let token = sasl::b64(format!("\0{user}\0{pass}").as_bytes());
    conn.send(rec, &format!("AUTH PLAIN {token}"), "AUTH PLAIN ***")
        .await?;
    let l = status(conn, rec, deadline).await?;
    if l.starts_with("+OK") || l.starts_with("-ERR") {
        return Ok(pop3_reply(l));
    }
    conn.send(rec, "*", "*").await?;
    let l = status(conn, rec, deadline).await?;
    if l.starts_with("+OK") || l.starts_with("-ERR") {
        Ok(pop3_reply(l))
    } else {
        Err(Stop::Violation(
            "the server kept asking for more after the login was cancelled".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(raw: &[&str]) -> Capabilities {
        crate::probe::imap::parse_capability(&[format!("* CAPABILITY {}", raw.join(" "))])
    }

    #[test]
    fn a_client_picks_plain_when_offered() {
        let c = caps(&["IMAP4rev1", "SASL-IR", "AUTH=PLAIN", "AUTH=LOGIN"]);
        assert_eq!(choose(Protocol::Imap, None, &c), Some(Method::Plain));
        assert_eq!(
            choose(Protocol::Imap, Some(Mechanism::Login), &c),
            Some(Method::ImapLogin)
        );
        let c = caps(&["IMAP4rev1", "AUTH=XOAUTH2"]);
        assert_eq!(choose(Protocol::Imap, None, &c), Some(Method::ImapLogin));
        assert_eq!(choose(Protocol::Imap, Some(Mechanism::CramMd5), &c), None);
        let pop = crate::probe::pop3::parse_capa(&["USER".into(), "SASL PLAIN".into()]);
        assert_eq!(choose(Protocol::Pop3, None, &pop), Some(Method::Plain));
        assert_eq!(
            choose(Protocol::Pop3, Some(Mechanism::Login), &pop),
            Some(Method::User)
        );
        let pop = crate::probe::pop3::parse_capa(&["USER".into()]);
        assert_eq!(choose(Protocol::Pop3, None, &pop), Some(Method::User));
    }

    #[test]
    fn strings_are_quoted_or_literal() {
        assert_eq!(quoted(r#"pa"ss\word"#), r#""pa\"ss\\word""#);
        assert!(!needs_literal("plain ascii \"quoted\""));
        assert!(needs_literal("pässword"));
        assert!(needs_literal("a\r\nb"));
    }

    #[test]
    fn every_form_of_the_password_is_masked() {
        let s = secrets("alice", "p\"w");
        assert!(s.contains(&"p\"w".to_string()));
        assert!(s.contains(&"\"p\\\"w\"".to_string()));
        assert!(s.contains(&sasl::b64(b"\0alice\0p\"w")));
        assert!(s.windows(2).all(|w| w[0].len() >= w[1].len()));
    }

    #[test]
    fn tagged_status_decides() {
        let r = |l: &str| Reply {
            code: None,
            lines: vec!["* OK [ALERT] hi".into(), l.into()],
        };
        assert!(accepted(Protocol::Imap, &r("m5 OK Logged in")));
        assert!(accepted(
            Protocol::Imap,
            &r("m5 ok [CAPABILITY IMAP4rev1] done")
        ));
        assert!(!accepted(
            Protocol::Imap,
            &r("m5 NO [AUTHENTICATIONFAILED] x")
        ));
        assert!(!accepted(Protocol::Imap, &r("* BYE")));
        assert!(accepted(
            Protocol::Pop3,
            &pop3_reply("+OK Logged in.".into())
        ));
        assert!(!accepted(
            Protocol::Pop3,
            &pop3_reply("-ERR [AUTH] no".into())
        ));
        assert!(worth_keeping(
            "* OK [ALERT] Please log in via your web browser"
        ));
        assert!(worth_keeping("* BYE too many"));
        assert!(!worth_keeping("* CAPABILITY IMAP4rev1"));
        assert!(!worth_keeping("* 3 EXISTS"));
    }
}
