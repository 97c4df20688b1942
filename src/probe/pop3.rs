//! POP3 client steps (RFC 1939, CAPA and STLS from RFC 2449 / 2595): greeting, CAPA, STLS, QUIT.

use super::conn::{Conn, Recorder, StepResult, Stop, MAX_LINES};
use crate::evidence::{Capabilities, PhaseName, Reply};

fn status(l: &str) -> StepResult<bool> {
    if l.starts_with("+OK") {
        Ok(true)
    } else if l.starts_with("-ERR") {
        Ok(false)
    } else {
        Err(Stop::Violation(format!(
            "not a POP3 status line: {:?}",
            l.chars().take(80).collect::<String>()
        )))
    }
}

pub async fn greeting(conn: &mut Conn, rec: &mut Recorder) -> (StepResult<()>, Option<Reply>) {
    let t = rec.begin();
    let deadline = conn.deadline();
    let (res, reply) = match conn.recv(rec, deadline).await {
        Err(e) => (Err(e), None),
        Ok(l) => {
            let reply = Reply {
                code: None,
                lines: vec![l.clone()],
            };
            match status(&l) {
                Ok(true) => (Ok(()), Some(reply)),
                Ok(false) => (Err(Stop::Rejected(l)), Some(reply)),
                Err(e) => (Err(e), Some(reply)),
            }
        }
    };
    (rec.record(PhaseName::Greeting, t, res), reply)
}

pub fn parse_capa(lines: &[String]) -> Capabilities {
    let mut caps = Capabilities {
        via: "capa".into(),
        ..Default::default()
    };
    for l in lines {
        caps.raw.push(l.clone());
        let mut words = l.split_whitespace();
        match words.next().map(|w| w.to_ascii_uppercase()).as_deref() {
            Some("STLS") => caps.starttls = true,
            Some("USER") => caps.user_pass = true,
            Some("SASL") => caps.auth.extend(words.map(|w| w.to_ascii_uppercase())),
            _ => {}
        }
    }
    caps
}

/// CAPA; a server without CAPA (`-ERR`) is recorded as advertising nothing.
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
    let r = async {
        conn.send(rec, "CAPA", "CAPA").await?;
        let deadline = conn.deadline();
        let first = conn.recv(rec, deadline).await?;
        if !status(&first)? {
            return Ok(Capabilities {
                via: "capa".into(),
                ..Default::default()
            });
        }
        let mut lines = Vec::new();
        loop {
            let l = conn.recv(rec, deadline).await?;
            if l == "." {
                return Ok(parse_capa(&lines));
            }
            lines.push(l);
            if lines.len() > MAX_LINES {
                return Err(Stop::Violation(format!(
                    "CAPA list longer than {MAX_LINES} lines"
                )));
            }
        }
    }
    .await;
    rec.record(phase, t, r)
}

pub async fn starttls(conn: &mut Conn, rec: &mut Recorder) -> (StepResult<()>, Option<Reply>) {
    let t = rec.begin();
    let r = async {
        conn.send(rec, "STLS", "STLS").await?;
        let deadline = conn.deadline();
        conn.recv(rec, deadline).await
    }
    .await;
    let (res, reply) = match r {
        Err(e) => (Err(e), None),
        Ok(l) => {
            let reply = Reply {
                code: None,
                lines: vec![l.clone()],
            };
            match status(&l) {
                Ok(true) => (Ok(()), Some(reply)),
                Ok(false) => (Err(Stop::Rejected(l)), Some(reply)),
                Err(e) => (Err(e), Some(reply)),
            }
        }
    };
    (rec.record(PhaseName::Starttls, t, res), reply)
}

pub async fn quit(conn: &mut Conn, rec: &mut Recorder) {
    conn.quit(rec, "QUIT").await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_capa() {
        let c = parse_capa(&[
            "TOP".into(),
            "UIDL".into(),
            "RESP-CODES".into(),
            "USER".into(),
            "SASL PLAIN LOGIN".into(),
            "STLS".into(),
        ]);
        assert!(c.starttls && c.user_pass);
        assert_eq!(c.auth, vec!["PLAIN", "LOGIN"]);
        assert!(status("+OK Dovecot ready.").unwrap());
        assert!(!status("-ERR no").unwrap());
        assert!(status("220 smtp").is_err());
    }
}
