//! IMAP client steps (RFC 9051 / 3501): greeting, CAPABILITY, STARTTLS, LOGOUT. Never LOGIN.

use super::conn::{Conn, Recorder, StepResult, Stop, MAX_LINES};
use crate::evidence::{Capabilities, PhaseName, Reply};

/// `* OK` or `* PREAUTH` is a greeting; `* BYE` is a refusal; anything else breaks the protocol.
pub async fn greeting(conn: &mut Conn, rec: &mut Recorder) -> (StepResult<()>, Option<Reply>) {
    let t = rec.begin();
    let deadline = conn.deadline();
    let r = conn.recv(rec, deadline).await;
    let (res, reply) = match r {
        Err(e) => (Err(e), None),
        Ok(l) => {
            let reply = Reply {
                code: None,
                lines: vec![l.clone()],
            };
            let upper = l.to_ascii_uppercase();
            if upper.starts_with("* OK") || upper.starts_with("* PREAUTH") {
                (Ok(()), Some(reply))
            } else if upper.starts_with("* BYE") {
                (Err(Stop::Rejected(l)), Some(reply))
            } else {
                (
                    Err(Stop::Violation(format!(
                        "not an IMAP greeting: {:?}",
                        l.chars().take(80).collect::<String>()
                    ))),
                    Some(reply),
                )
            }
        }
    };
    (rec.record(PhaseName::Greeting, t, res), reply)
}

/// Sends `tag command`, collects untagged lines until the tagged status.
async fn command(
    conn: &mut Conn,
    rec: &mut Recorder,
    tag: &str,
    cmd: &str,
) -> StepResult<(Vec<String>, String)> {
    conn.send(rec, &format!("{tag} {cmd}"), &format!("{tag} {cmd}"))
        .await?;
    let deadline = conn.deadline();
    let mut untagged = Vec::new();
    loop {
        let l = conn.recv(rec, deadline).await?;
        if let Some(status) = l.strip_prefix(&format!("{tag} ")) {
            return Ok((untagged, status.to_string()));
        }
        untagged.push(l);
        if untagged.len() > MAX_LINES {
            return Err(Stop::Violation(format!(
                "more than {MAX_LINES} lines before the tagged reply"
            )));
        }
    }
}

pub fn parse_capability(lines: &[String]) -> Capabilities {
    let mut caps = Capabilities {
        via: "capability".into(),
        ..Default::default()
    };
    for l in lines {
        let Some(rest) = l
            .strip_prefix("* CAPABILITY ")
            .or_else(|| l.strip_prefix("* capability "))
        else {
            continue;
        };
        for word in rest.split_whitespace() {
            let w = word.to_ascii_uppercase();
            caps.raw.push(w.clone());
            match w.as_str() {
                "STARTTLS" => caps.starttls = true,
                "LOGINDISABLED" => caps.login_disabled = true,
                _ => {
                    if let Some(m) = w.strip_prefix("AUTH=") {
                        caps.auth.push(m.to_string());
                    }
                }
            }
        }
    }
    caps
}

pub async fn capabilities(
    conn: &mut Conn,
    rec: &mut Recorder,
    after_tls: bool,
) -> StepResult<Capabilities> {
    let phase = if after_tls {
        PhaseName::CapabilityAfterTls
    } else {
        PhaseName::Capability
    };
    let t = rec.begin();
    let tag = if after_tls { "m3" } else { "m1" };
    let r = async {
        let (untagged, status) = command(conn, rec, tag, "CAPABILITY").await?;
        if !status.to_ascii_uppercase().starts_with("OK") {
            return Err(Stop::Rejected(status));
        }
        Ok(parse_capability(&untagged))
    }
    .await;
    rec.record(phase, t, r)
}

pub async fn starttls(conn: &mut Conn, rec: &mut Recorder) -> (StepResult<()>, Option<Reply>) {
    let t = rec.begin();
    let r = command(conn, rec, "m2", "STARTTLS").await;
    let (res, reply) = match r {
        Err(e) => (Err(e), None),
        Ok((_, status)) => {
            let reply = Reply {
                code: None,
                lines: vec![format!("m2 {status}")],
            };
            if status.to_ascii_uppercase().starts_with("OK") {
                (Ok(()), Some(reply))
            } else {
                (Err(Stop::Rejected(status)), Some(reply))
            }
        }
    };
    (rec.record(PhaseName::Starttls, t, res), reply)
}

pub async fn quit(conn: &mut Conn, rec: &mut Recorder) {
    conn.quit(rec, "m4 LOGOUT").await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dovecot_capability() {
        let c = parse_capability(&["* CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS LOGINDISABLED".into()]);
        assert!(c.starttls && c.login_disabled);
        assert!(c.auth.is_empty());
        let c = parse_capability(&["* CAPABILITY IMAP4rev1 AUTH=PLAIN AUTH=LOGIN".into()]);
        assert_eq!(c.auth, vec!["PLAIN", "LOGIN"]);
        assert!(!c.login_disabled);
    }
}
