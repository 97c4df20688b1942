//! `mxray check --imap` / `--pop3` with credentials: one login on the configured endpoint,
//! after TLS (or in plaintext only with `--allow-plaintext-auth`), the way a mail client would
//! log in (the exchanges are [`super::mailbox_dialogue`]'s):
//!
//! - with a password: SASL PLAIN when offered (IMAP `AUTH=PLAIN`, POP3 `SASL PLAIN`), else the
//!   protocol's own command, IMAP `LOGIN` unless `LOGINDISABLED`, POP3 `USER`/`PASS`;
//! - with an OAuth token (`--oauth-token-env`): XOAUTH2 when offered, else OAUTHBEARER, else no
//!   login.
//!
//! `--auth-mech PLAIN`, `XOAUTH2` or `OAUTHBEARER` force that SASL exchange; `--auth-mech LOGIN`
//! the protocol's own password login (recorded as IMAP `LOGIN`, POP3 `USER`). A username
//! without `@` refused with a credentials failure is tried once more as the full address, on
//! the same connection (IMAP takes another command after `NO`, POP3 starts again after `-ERR`).
//! Every form of the secret is masked as `***` by the connection.

use super::conn::{Conn, Recorder};
use super::mailbox_dialogue::{self as dialogue, Dialogue};
use super::sasl::{self, Mechanism};
use super::{not_tried, Credentials};
use crate::evidence::{
    Capabilities, LoginAttempt, LoginNotTried, NotTriedReason, PhaseName, PortProbe, Protocol,
    UsernameRetry,
};
use crate::knowledge::replies_mailbox::{self, Status};
use std::sync::atomic::Ordering;

/// The tags of the login and of its retry (the other IMAP steps use m1…m4).
const TAG: &str = "m5";
const RETRY_TAG: &str = "m6";

/// The one login of an IMAP or POP3 endpoint, or why nothing was sent (no TLS without
/// `--allow-plaintext-auth`, another address of the host already logged in, a method mxray
/// does not speak here). A method the server does not offer is an attempt without a reply.
/// `tls_name`: the server's name for OAUTHBEARER's payload.
pub async fn login(
    proto: Protocol,
    creds: &Credentials,
    tls_up: bool,
    tls_name: Option<&str>,
    conn: &mut Conn,
    rec: &mut Recorder,
    probe: &PortProbe,
) -> Result<LoginAttempt, LoginNotTried> {
    creds.may_send(tls_up, rec)?;
    let caps = probe.best_capabilities().cloned().unwrap_or_default();
    let method = choose(proto, creds.mechanism, creds.oauth_token.is_some(), &caps)
        .map_err(|why| not_tried(rec, NotTriedReason::NoMethod, &why))?;
    let secret = creds.secret_for(method.uses_token(), &method.describe(), rec)?;
    if unusable(method, &caps) {
        rec.note(&format!(
            "login not tried: {} is not offered ({})",
            method.describe(),
            capability_list(&caps)
        ));
        return Ok(LoginAttempt {
            mechanism: method.name().into(),
            initial_response: false,
            offered: caps.auth.clone(),
            reply: None,
            accepted: false,
            oauth_error: None,
            retry: None,
        });
    }
    // A line break would end the command early and smuggle in another one.
    let breaks = |t: &str| t.contains(['\r', '\n']);
    if method == Method::User && (breaks(&creds.user) || breaks(secret.expose())) {
        return Err(not_tried(
            rec,
            NotTriedReason::UnsafeCredentials,
            "USER/PASS cannot carry a username or password with a line break",
        ));
    }
    // One login per run, even when the host has several addresses.
    if creds.used.swap(true, Ordering::SeqCst) {
        return Err(not_tried(
            rec,
            NotTriedReason::OtherAddress,
            "done on another address of the host",
        ));
    }
    rec.note(&format!(
        "login as {} with {}",
        creds.user,
        method.describe()
    ));
    let host = tls_name
        .map(str::to_string)
        .unwrap_or_else(|| probe.address.to_string());
    let l = sasl::Login {
        user: &creds.user,
        secret,
        host: &host,
        port: probe.port,
    };
    let mut first = attempt(proto, method, &l, &caps, conn, rec, TAG).await;
    let retry = creds
        .retry_user
        .as_ref()
        .filter(|_| !method.uses_token() && refused_credentials(proto, &first));
    if let Some((user, domain_from)) = retry {
        // Proves whether the server wants the full address, at the cost of one more attempt.
        rec.note(&format!(
            "login refused: retrying once as {user} (domain from {domain_from})"
        ));
        let again = sasl::Login { user, ..l };
        let r = attempt(proto, method, &again, &caps, conn, rec, RETRY_TAG).await;
        first.retry = Some(UsernameRetry {
            user: user.clone(),
            domain_from: domain_from.clone(),
            accepted: r.accepted,
            reply: r.reply,
        });
    }
    Ok(first)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    /// A one-step SASL exchange: IMAP `AUTHENTICATE`, POP3 `AUTH` (PLAIN, XOAUTH2, OAUTHBEARER).
    Sasl(Mechanism),
    /// The IMAP `LOGIN` command.
    ImapLogin,
    /// POP3 `USER` / `PASS`.
    User,
}

impl Method {
    /// The name recorded in the evidence.
    fn name(self) -> &'static str {
        match self {
            Method::Sasl(m) => m.sasl_name(),
            Method::ImapLogin => "LOGIN",
            Method::User => "USER",
        }
    }
    fn describe(self) -> String {
        match self {
            Method::Sasl(m) => format!("SASL {}", m.sasl_name()),
            Method::ImapLogin => "the IMAP LOGIN command".into(),
            Method::User => "USER/PASS".into(),
        }
    }
    fn uses_token(self) -> bool {
        matches!(self, Method::Sasl(m) if m.uses_token())
    }
}

/// What a client picks: with a token XOAUTH2, else OAUTHBEARER, when offered; with a password
/// SASL PLAIN when offered, else the protocol's plain-password command. An error for a forced
/// mechanism that has no meaning here, or a token the server has no login for.
fn choose(
    proto: Protocol,
    forced: Option<Mechanism>,
    token: bool,
    caps: &Capabilities,
) -> Result<Method, String> {
    let own = if proto == Protocol::Imap {
        Method::ImapLogin
    } else {
        Method::User
    };
    match forced {
        Some(m @ (Mechanism::Plain | Mechanism::XOAuth2 | Mechanism::OAuthBearer)) => {
            Ok(Method::Sasl(m))
        }
        Some(Mechanism::Login | Mechanism::LoginIr) => Ok(own),
        Some(m) => Err(format!(
            "--auth-mech {} is not a {} login mxray can make (PLAIN, LOGIN, XOAUTH2 or OAUTHBEARER)",
            m.label(),
            proto.label()
        )),
        None if token => [Mechanism::XOAuth2, Mechanism::OAuthBearer]
            .into_iter()
            .find(|m| m.offered_in(&caps.auth))
            .map(Method::Sasl)
            .ok_or_else(|| {
                format!(
                    "the server offers no OAuth login (XOAUTH2 or OAUTHBEARER) for the token ({})",
                    capability_list(caps)
                )
            }),
        None if Mechanism::Plain.offered_in(&caps.auth) => Ok(Method::Sasl(Mechanism::Plain)),
        None => Ok(own),
    }
}

/// The method cannot be used on this server: a SASL mechanism not offered, IMAP `LOGIN` under
/// `LOGINDISABLED`, POP3 `USER` missing from a CAPA that offers only OAuth.
fn unusable(method: Method, caps: &Capabilities) -> bool {
    match method {
        Method::Sasl(m) => !m.offered_in(&caps.auth),
        Method::ImapLogin => caps.login_disabled,
        Method::User => {
            !caps.raw.is_empty()
                && !caps.user_pass
                && !caps.auth.is_empty()
                && caps
                    .auth
                    .iter()
                    .all(|m| Mechanism::parse(m).is_some_and(Mechanism::uses_token))
        }
    }
}

fn capability_list(caps: &Capabilities) -> String {
    if caps.raw.is_empty() {
        "no capabilities".to_string()
    } else {
        caps.raw.join(" ")
    }
}

/// One login exchange, recorded as a login phase.
async fn attempt(
    proto: Protocol,
    method: Method,
    l: &sasl::Login<'_>,
    caps: &Capabilities,
    conn: &mut Conn,
    rec: &mut Recorder,
    tag: &str,
) -> LoginAttempt {
    conn.mask_secrets(secrets(method, l));
    let t = rec.begin();
    let mut oauth_error = None;
    let mut initial_response = false;
    let r = {
        let mut d = Dialogue::new(conn, rec, proto, tag);
        let pass = l.secret.expose();
        match method {
            Method::Sasl(m) => {
                let payload = sasl::initial_payload(l, m).unwrap_or_default();
                initial_response = dialogue::response_with_command(proto, caps, m, &payload);
                dialogue::sasl(&mut d, m, &payload, initial_response, &mut oauth_error).await
            }
            Method::ImapLogin => dialogue::imap_login(&mut d, l.user, pass, caps).await,
            Method::User => dialogue::user_pass(&mut d, l.user, pass).await,
        }
    };
    let reply = rec.record(PhaseName::Login, t, r).ok();
    LoginAttempt {
        mechanism: method.name().into(),
        initial_response,
        offered: caps.auth.clone(),
        accepted: reply
            .as_ref()
            .is_some_and(|r| replies_mailbox::status(proto, r) == Status::Ok),
        reply,
        oauth_error,
        retry: None,
    }
}

/// The secret and every form of it the method sends: its base64, the base64 of the SASL
/// payload, the IMAP quoted string.
fn secrets(method: Method, l: &sasl::Login) -> Vec<String> {
    let mechanism = match method {
        Method::Sasl(m) => m,
        _ => Mechanism::Plain,
    };
    let mut forms = sasl::secret_forms(l, mechanism);
    if !l.secret.expose().is_empty() {
        forms.push(dialogue::quoted(l.secret.expose()));
    }
    forms
}

/// Refused for the credentials (IMAP `NO`, POP3 `-ERR`, worded as such), on a connection
/// that stays open: worth one retry with the full address.
fn refused_credentials(proto: Protocol, a: &LoginAttempt) -> bool {
    a.reply.as_ref().is_some_and(|r| {
        replies_mailbox::status(proto, r) == Status::No
            && replies_mailbox::classify(proto, r) == Some("auth.bad-credentials")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::Reply;
    use crate::secret::Secret;

    fn caps(raw: &[&str]) -> Capabilities {
        crate::probe::imap::parse_capability(&[format!("* CAPABILITY {}", raw.join(" "))])
    }

    #[test]
    fn a_client_picks_plain_when_offered() {
        let imap = |forced, token, c: &Capabilities| choose(Protocol::Imap, forced, token, c).ok();
        let c = caps(&["IMAP4rev1", "SASL-IR", "AUTH=PLAIN", "AUTH=LOGIN"]);
        assert_eq!(imap(None, false, &c), Some(Method::Sasl(Mechanism::Plain)));
        assert_eq!(
            imap(Some(Mechanism::Login), false, &c),
            Some(Method::ImapLogin)
        );
        let c = caps(&["IMAP4rev1", "AUTH=XOAUTH2"]);
        assert_eq!(imap(None, false, &c), Some(Method::ImapLogin));
        assert_eq!(imap(Some(Mechanism::CramMd5), false, &c), None);
        let pop = crate::probe::pop3::parse_capa(&["USER".into(), "SASL PLAIN".into()]);
        let pop3 = |forced, token| choose(Protocol::Pop3, forced, token, &pop).ok();
        assert_eq!(pop3(None, false), Some(Method::Sasl(Mechanism::Plain)));
        assert_eq!(pop3(Some(Mechanism::Login), false), Some(Method::User));
        let pop = crate::probe::pop3::parse_capa(&["USER".into()]);
        assert_eq!(
            choose(Protocol::Pop3, None, false, &pop).ok(),
            Some(Method::User)
        );
    }

    #[test]
    fn a_token_goes_to_xoauth2_then_oauthbearer_else_nowhere() {
        let imap = |raw: &[&str]| choose(Protocol::Imap, None, true, &caps(raw));
        assert_eq!(
            imap(&["AUTH=PLAIN", "AUTH=OAUTHBEARER", "AUTH=XOAUTH2"]),
            Ok(Method::Sasl(Mechanism::XOAuth2))
        );
        assert_eq!(
            imap(&["AUTH=PLAIN", "AUTH=OAUTHBEARER"]),
            Ok(Method::Sasl(Mechanism::OAuthBearer))
        );
        assert!(imap(&["AUTH=PLAIN"])
            .unwrap_err()
            .contains("no OAuth login"));
        let pop = crate::probe::pop3::parse_capa(&["SASL XOAUTH2".into()]);
        assert_eq!(
            choose(Protocol::Pop3, None, true, &pop),
            Ok(Method::Sasl(Mechanism::XOAuth2))
        );
        // A password against a POP3 server that lists only OAuth and no USER.
        assert!(unusable(Method::User, &pop));
        let pop = crate::probe::pop3::parse_capa(&["USER".into(), "SASL XOAUTH2".into()]);
        assert!(!unusable(Method::User, &pop));
        assert!(unusable(
            Method::Sasl(Mechanism::XOAuth2),
            &caps(&["AUTH=PLAIN"])
        ));
    }

    #[test]
    fn every_form_of_the_secret_is_masked() {
        let pw = Secret::new("p\"w");
        let l = sasl::Login {
            user: "alice",
            secret: &pw,
            host: "mail.example.com",
            port: 993,
        };
        let s = secrets(Method::ImapLogin, &l);
        assert!(s.contains(&"p\"w".to_string()));
        assert!(s.contains(&"\"p\\\"w\"".to_string()));
        assert!(s.contains(&sasl::b64(b"\0alice\0p\"w")));
        let s = secrets(Method::Sasl(Mechanism::OAuthBearer), &l);
        assert!(s.contains(&sasl::initial_payload(&l, Mechanism::OAuthBearer).unwrap()));
    }

    #[test]
    fn only_a_credentials_refusal_is_retried() {
        let attempt = |line: &str| LoginAttempt {
            mechanism: "PLAIN".into(),
            initial_response: true,
            offered: vec![],
            reply: Some(Reply {
                code: None,
                lines: vec![line.into()],
            }),
            accepted: false,
            oauth_error: None,
            retry: None,
        };
        let imap = |l: &str| refused_credentials(Protocol::Imap, &attempt(l));
        assert!(imap("m5 NO [AUTHENTICATIONFAILED] Authentication failed."));
        assert!(!imap(
            "m5 NO [ALERT] Application-specific password required"
        ));
        assert!(!imap("* BYE Too many invalid commands"));
        assert!(!imap("m5 OK Logged in"));
        let pop3 = |l: &str| refused_credentials(Protocol::Pop3, &attempt(l));
        assert!(pop3("-ERR [AUTH] Authentication failed."));
        assert!(!pop3(
            "-ERR [SYS/PERM] Your account is not enabled for POP access"
        ));
    }
}
