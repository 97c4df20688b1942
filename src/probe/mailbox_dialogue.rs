//! The login exchanges of IMAP and POP3, one command and its continuations at a time:
//!
//! - SASL with a one-step initial response (PLAIN, XOAUTH2, OAUTHBEARER): IMAP `AUTHENTICATE`
//!   with the response on the command line under `SASL-IR` (RFC 4959), POP3 `AUTH` with it
//!   when the line stays within 255 octets (RFC 5034 §4); else after the server's `+`.
//! - IMAP `LOGIN` (RFC 9051): strings quoted, or as a literal when they need it (CR, LF, NUL,
//!   8-bit): non-synchronising (`{n+}`) with `LITERAL+` (or `LITERAL-` up to 4096 octets,
//!   RFC 7888), else synchronising, waiting for the server's `+`.
//! - POP3 `USER` / `PASS` (RFC 1939).
//!
//! IMAP untagged lines are skipped (those that carry a message, `[ALERT]`, `NO`, `BAD`, `BYE`,
//! are kept for the diagnosis) up to [`MAX_LINES`].

use super::conn::{Conn, Recorder, StepResult, Stop, MAX_LINES};
use super::sasl::{self, Mechanism};
use crate::evidence::{Capabilities, Protocol, Reply};

/// The longest literal LITERAL- lets a client send without waiting (RFC 7888).
const LITERAL_MINUS_MAX: usize = 4096;
/// The longest POP3 command line with its CRLF (RFC 2449 §4).
const POP3_MAX_COMMAND: usize = 255;

/// What came back for a command or one of its continuations.
pub(super) enum Step {
    /// The final reply: the IMAP tagged status (or `BYE`) after the kept untagged lines, the
    /// POP3 `+OK` / `-ERR`.
    Done(Reply),
    /// A continuation request (`+ …`), with its text.
    More(String),
}

/// One login command on the connection, with the deadline of the whole exchange.
pub(super) struct Dialogue<'a> {
    conn: &'a mut Conn,
    pub rec: &'a mut Recorder,
    proto: Protocol,
    /// The IMAP tag of the command.
    tag: &'a str,
    deadline: tokio::time::Instant,
    kept: Vec<String>,
    seen: usize,
}

impl<'a> Dialogue<'a> {
    pub fn new(
        conn: &'a mut Conn,
        rec: &'a mut Recorder,
        proto: Protocol,
        tag: &'a str,
    ) -> Dialogue<'a> {
        let deadline = conn.deadline();
        Dialogue {
            conn,
            rec,
            proto,
            tag,
            deadline,
            kept: Vec::new(),
            seen: 0,
        }
    }

    async fn send(&mut self, line: &str, shown: &str) -> StepResult<()> {
        let timeout = self.conn.timeout;
        self.conn
            .send(self.rec, line, shown)
            .await
            .map_err(|e| sasl::stalled_write(e, timeout))
    }

    async fn next(&mut self) -> StepResult<Step> {
        if self.proto == Protocol::Pop3 {
            let l = self.conn.recv(self.rec, self.deadline).await?;
            return if l.starts_with("+OK") || l.starts_with("-ERR") {
                Ok(Step::Done(reply(vec![l])))
            } else if l.starts_with('+') {
                Ok(Step::More(continuation(&l)))
            } else {
                Err(Stop::Violation(format!(
                    "not a POP3 status line: {:?}",
                    l.chars().take(80).collect::<String>()
                )))
            };
        }
        loop {
            let l = self.conn.recv(self.rec, self.deadline).await?;
            // BYE is the server's last word before it closes (RFC 9051 §7.1.5): the answer.
            if l.starts_with(&format!("{} ", self.tag)) || is_bye(&l) {
                let mut lines = std::mem::take(&mut self.kept);
                lines.push(l);
                return Ok(Step::Done(reply(lines)));
            }
            if l.starts_with('+') {
                return Ok(Step::More(continuation(&l)));
            }
            self.seen += 1;
            if self.seen > MAX_LINES {
                return Err(Stop::Violation(format!(
                    "more than {MAX_LINES} lines before the tagged reply to the login"
                )));
            }
            if worth_keeping(&l) && self.kept.len() < 10 {
                self.kept.push(l);
            }
        }
    }

    /// The final reply after the login's last line; another request breaks the protocol.
    async fn done(&mut self) -> StepResult<Reply> {
        match self.next().await? {
            Step::Done(r) => Ok(r),
            Step::More(_) => Err(Stop::Violation(
                "the server kept asking for more after the login's last answer".into(),
            )),
        }
    }
}

fn reply(lines: Vec<String>) -> Reply {
    Reply { code: None, lines }
}

fn continuation(l: &str) -> String {
    l.strip_prefix('+').unwrap_or(l).trim().to_string()
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

/// The SASL command line carries the initial response: IMAP with SASL-IR, POP3 when it fits.
pub(super) fn response_with_command(
    proto: Protocol,
    caps: &Capabilities,
    mechanism: Mechanism,
    payload: &str,
) -> bool {
    match proto {
        Protocol::Pop3 => {
            format!("AUTH {} {payload}\r\n", mechanism.sasl_name()).len() <= POP3_MAX_COMMAND
        }
        _ => caps.raw.iter().any(|c| c == "SASL-IR"),
    }
}

/// SASL with the base64 `payload` as the one response, on the command line when
/// `with_command`. A challenge after it is a refused token's status, answered as the
/// mechanism wants ([`sasl::oauth_refusal`]); after PLAIN one mxray has no answer for,
/// cancelled with `*` (RFC 9051 §6.2.2, RFC 5034 §4).
pub(super) async fn sasl(
    d: &mut Dialogue<'_>,
    mechanism: Mechanism,
    payload: &str,
    with_command: bool,
    oauth_error: &mut Option<String>,
) -> StepResult<Reply> {
    let name = mechanism.sasl_name();
    let cmd = match d.proto {
        Protocol::Pop3 => format!("AUTH {name}"),
        _ => format!("{} AUTHENTICATE {name}", d.tag),
    };
    if with_command {
        d.send(&format!("{cmd} {payload}"), &format!("{cmd} ***"))
            .await?;
    } else {
        d.send(&cmd, &cmd).await?;
        if let Step::Done(r) = d.next().await? {
            return Ok(r);
        }
        d.send(payload, "***").await?;
    }
    let challenge = match d.next().await? {
        Step::Done(r) => return Ok(r),
        Step::More(c) => c,
    };
    if !mechanism.uses_token() {
        return Err(cancel(d, &challenge).await);
    }
    let (error, answer) = sasl::oauth_refusal(mechanism, &challenge);
    if let Some(e) = &error {
        d.rec.note(&format!("the server refused the token: {e}"));
    }
    *oauth_error = error;
    d.send(&answer, &answer).await?;
    match d.next().await? {
        Step::Done(r) => Ok(r),
        Step::More(c) => Err(cancel(d, &c).await),
    }
}

/// A challenge after the login's last line: cancel once with `*` (RFC 9051 §6.2.2, RFC 5034
/// §4). The exchange broke whatever the server answers to the cancel.
async fn cancel(d: &mut Dialogue<'_>, challenge: &str) -> Stop {
    let shown = format!("+ {challenge}");
    if let Err(e) = d.send("*", "*").await {
        return e;
    }
    let why = match d.next().await {
        Ok(Step::Done(r)) => sasl::cancelled(shown.trim_end(), Some(&r.text())),
        Ok(Step::More(_)) => sasl::cancelled(shown.trim_end(), None),
        Err(e) => sasl::cancelled(shown.trim_end(), Some(sasl::no_answer(&e))),
    };
    d.rec.note(&format!("protocol violation: {why}"));
    Stop::Violation(why)
}

/// POP3 `USER`, then `PASS` after its `+OK`.
pub(super) async fn user_pass(d: &mut Dialogue<'_>, user: &str, pass: &str) -> StepResult<Reply> {
    let cmd = format!("USER {user}");
    d.send(&cmd, &cmd).await?;
    let r = d.done().await?;
    if !r.lines.last().is_some_and(|l| l.starts_with("+OK")) {
        return Ok(r);
    }
    d.send(&format!("PASS {pass}"), "PASS ***").await?;
    d.done().await
}

/// An IMAP string as sent: `"quoted"` when it can be, else a literal.
fn needs_literal(s: &str) -> bool {
    s.bytes()
        .any(|b| b == b'\r' || b == b'\n' || b == 0 || b >= 0x80)
}

pub(super) fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// IMAP `LOGIN user password`, each as a quoted string or a literal.
pub(super) async fn imap_login(
    d: &mut Dialogue<'_>,
    user: &str,
    pass: &str,
    caps: &Capabilities,
) -> StepResult<Reply> {
    let literal_plus = caps.raw.iter().any(|c| c == "LITERAL+");
    let literal_minus = caps.raw.iter().any(|c| c == "LITERAL-");
    // The command as pieces ending where a synchronising literal makes us wait:
    // (sent, shown, wait).
    let mut pieces: Vec<(String, String, bool)> = Vec::new();
    let mut sent = format!("{} LOGIN", d.tag);
    let mut shown = sent.clone();
    for (value, secret) in [(user, false), (pass, true)] {
        sent.push(' ');
        shown.push(' ');
        if needs_literal(value) {
            let n = value.len();
            let plus = literal_plus || (literal_minus && n <= LITERAL_MINUS_MAX);
            let marker = if plus { "+" } else { "" };
            sent.push_str(&format!("{{{n}{marker}}}"));
            shown.push_str(&if secret {
                "{***}".to_string()
            } else {
                format!("{{{n}{marker}}}")
            });
            pieces.push((std::mem::take(&mut sent), std::mem::take(&mut shown), !plus));
            sent.push_str(value);
            shown.push_str(if secret { "***" } else { value });
        } else {
            sent.push_str(&quoted(value));
            shown.push_str(&if secret { "***".into() } else { quoted(value) });
        }
    }
    pieces.push((sent, shown, false));
    for (sent, shown, wait) in pieces {
        d.send(&sent, &shown).await?;
        if wait {
            // The server may refuse the literal (too long, or LOGIN not allowed).
            if let Step::Done(r) = d.next().await? {
                return Ok(r);
            }
        }
    }
    d.done().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_quoted_or_literal() {
        assert_eq!(quoted(r#"pa"ss\word"#), r#""pa\"ss\\word""#);
        assert!(!needs_literal("plain ascii \"quoted\""));
        assert!(needs_literal("pässword"));
        assert!(needs_literal("a\r\nb"));
    }

    #[test]
    fn untagged_lines_worth_keeping() {
        assert!(worth_keeping(
            "* OK [ALERT] Please log in via your web browser"
        ));
        assert!(worth_keeping("* BYE too many"));
        assert!(!worth_keeping("* CAPABILITY IMAP4rev1"));
        assert!(!worth_keeping("* 3 EXISTS"));
        assert!(is_bye("* bye now"));
        assert_eq!(
            continuation("+ eyJzdGF0dXMiOiI0MDEifQ=="),
            "eyJzdGF0dXMiOiI0MDEifQ=="
        );
        assert_eq!(continuation("+"), "");
    }

    #[test]
    fn pop3_initial_response_only_when_the_line_fits() {
        let caps = Capabilities::default();
        let short = "A".repeat(100);
        let long = "A".repeat(300);
        assert!(response_with_command(
            Protocol::Pop3,
            &caps,
            Mechanism::XOAuth2,
            &short
        ));
        assert!(!response_with_command(
            Protocol::Pop3,
            &caps,
            Mechanism::XOAuth2,
            &long
        ));
        assert!(!response_with_command(
            Protocol::Imap,
            &caps,
            Mechanism::Plain,
            &short
        ));
        let ir = crate::probe::imap::parse_capability(&["* CAPABILITY IMAP4rev1 SASL-IR".into()]);
        assert!(response_with_command(
            Protocol::Imap,
            &ir,
            Mechanism::Plain,
            &long
        ));
    }
}
