//! What a login, a relay test and a test message met.

use super::{Protocol, Reply};
use serde::{Deserialize, Serialize};

/// The opt-in open-relay test: an unauthenticated client asks to send from one foreign
/// domain to another.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RelayTest {
    pub mail_from: String,
    pub rcpt_to: String,
    pub mail_reply: Reply,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rcpt_reply: Option<Reply>,
    /// The server accepted the foreign recipient (250/251).
    pub accepted: bool,
}

/// The login of `mxray check`: SMTP AUTH (RFC 4954), or on an IMAP/POP3 endpoint (the probe's
/// role says which) IMAP `AUTHENTICATE`/`LOGIN` or POP3 `AUTH`/`USER`+`PASS`. Neither the
/// password or token nor the encoded exchange is recorded: the transcript shows them as `***`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LoginAttempt {
    /// The mechanism used (or asked for with `--auth-mech`): SMTP PLAIN, LOGIN, CRAM-MD5,
    /// XOAUTH2, OAUTHBEARER; IMAP PLAIN (`AUTHENTICATE PLAIN`) or LOGIN (the `LOGIN` command);
    /// POP3 PLAIN (`AUTH PLAIN`) or USER (`USER`/`PASS`).
    pub mechanism: String,
    /// The first credentials went with the AUTH command (RFC 4954 initial response): PLAIN,
    /// XOAUTH2, OAUTHBEARER, and LOGIN as `--auth-mech LOGIN-IR` sends it.
    #[serde(default)]
    pub initial_response: bool,
    /// The mechanisms the server offered in the EHLO reply the login followed.
    pub offered: Vec<String>,
    /// The server's final reply; absent when nothing was sent (the mechanism asked for is not
    /// offered) or the dialogue broke off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<Reply>,
    /// 235: logged in.
    pub accepted: bool,
    /// XOAUTH2 / OAUTHBEARER: the server's decoded error status after a refused token (JSON
    /// such as `{"status":"401",…}`; it holds no secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth_error: Option<String>,
    /// A username without `@` was refused: the one retry, on the same connection, with the
    /// full address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<UsernameRetry>,
}

impl LoginAttempt {
    /// Logged in, at the first attempt or with the full-address retry.
    pub fn logged_in(&self) -> bool {
        self.accepted || self.retry.as_ref().is_some_and(|r| r.accepted)
    }
}

/// Why the credentials given to `mxray check` were not sent on a connection.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LoginNotTried {
    pub reason: NotTriedReason,
    /// The reason in words, as the transcript says it.
    pub detail: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum NotTriedReason {
    /// No TLS on the connection, and no `--allow-plaintext-auth`.
    NoTls,
    /// The server offered no login method on the connection as configured (SMTP: no AUTH).
    NoMechanism,
    /// Nothing the server offers takes what was given, or mxray cannot speak the method asked
    /// for on this protocol.
    NoMethod,
    /// The method needs a secret that was not given (an OAuth token, a password).
    NoSecret,
    /// The certificate failed verification, and no `--insecure`.
    CertificateUnverified,
    /// The credentials cannot be carried by the method (a line break in USER/PASS).
    UnsafeCredentials,
    /// The dialogue stopped before the login: connect, greeting, TLS or capabilities failed.
    Unreached,
    /// Another address of the host had the one login of the run.
    OtherAddress,
}

/// The full-address retry of a refused short username.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct UsernameRetry {
    /// The username tried: the configured one with `@` and a domain.
    pub user: String,
    /// Where the domain came from: "the From address", "the provider's domain", "the server's
    /// domain".
    pub domain_from: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<Reply>,
    pub accepted: bool,
}

/// The test message of `mxray check --send-to`, on the logged-in connection.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SendAttempt {
    pub from: String,
    pub to: String,
    pub message_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail_reply: Option<Reply>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rcpt_reply: Option<Reply>,
    /// The reply to DATA (354 to go on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_reply: Option<Reply>,
    /// The reply after the message: acceptance (250) or refusal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_reply: Option<Reply>,
    /// The server took responsibility for the message (250 after the final dot).
    pub accepted: bool,
    /// The server's queue id or message reference, as its acceptance reply gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_id: Option<String>,
    /// An address has a non-ASCII local part (RFC 6531): `true` when MAIL FROM carried the
    /// SMTPUTF8 parameter, `false` when the server does not offer SMTPUTF8 and nothing was
    /// sent; absent for ASCII addresses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtputf8: Option<bool>,
}

impl LoginAttempt {
    /// The login as a client would name it on this protocol: "AUTH PLAIN", "LOGIN",
    /// "AUTHENTICATE PLAIN", "USER/PASS".
    pub fn method(&self, protocol: Protocol) -> String {
        match (protocol, self.mechanism.as_str()) {
            (Protocol::Smtp, m) => format!("AUTH {m}"),
            (Protocol::Imap, "LOGIN") => "LOGIN".into(),
            (Protocol::Imap, m) => format!("AUTHENTICATE {m}"),
            (Protocol::Pop3, "USER") => "USER/PASS".into(),
            (Protocol::Pop3, m) => format!("AUTH {m}"),
        }
    }
}
