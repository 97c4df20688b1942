//! SASL mechanisms for the login test: which one a client picks, the payloads each sends, and
//! every form of the secret those payloads carry, so the recorder can mask them. The protocol
//! framing (SMTP `AUTH`, `334` challenges) is the caller's.
//!
//! - PLAIN (RFC 4616): `\0user\0password` with the AUTH command.
//! - LOGIN (draft-murchison-sasl-login): username and password each after a `334` prompt;
//!   `LOGIN-IR` sends the username with the AUTH command (an initial response, RFC 4954 §4).
//! - CRAM-MD5 (RFC 2195): `user HEX(HMAC-MD5(password, challenge))`.
//! - XOAUTH2 (Google, Microsoft): `user=U\x01auth=Bearer T\x01\x01`.
//! - OAUTHBEARER (RFC 7628): GS2 header `n,a=U,` then `\x01host=H\x01port=P\x01auth=Bearer T\x01\x01`.

use crate::secret::Secret;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};

/// A login method as `--auth-mech` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mechanism {
    Plain,
    /// LOGIN, the username sent after the first `334` prompt (what most clients do).
    Login,
    /// LOGIN with the username in the AUTH command itself.
    LoginIr,
    CramMd5,
    XOAuth2,
    OAuthBearer,
}

impl Mechanism {
    pub const ALL: [Mechanism; 6] = [
        Mechanism::Plain,
        Mechanism::Login,
        Mechanism::LoginIr,
        Mechanism::CramMd5,
        Mechanism::XOAuth2,
        Mechanism::OAuthBearer,
    ];

    /// `--auth-mech` value, any case.
    pub fn parse(s: &str) -> Option<Mechanism> {
        Mechanism::ALL
            .into_iter()
            .find(|m| m.label().eq_ignore_ascii_case(s.trim()))
    }

    /// The name on the command line: `LOGIN-IR` for LOGIN with an initial response.
    pub fn label(self) -> &'static str {
        match self {
            Mechanism::LoginIr => "LOGIN-IR",
            m => m.sasl_name(),
        }
    }

    /// The name in `AUTH` and in the server's list of mechanisms.
    pub fn sasl_name(self) -> &'static str {
        match self {
            Mechanism::Plain => "PLAIN",
            Mechanism::Login | Mechanism::LoginIr => "LOGIN",
            Mechanism::CramMd5 => "CRAM-MD5",
            Mechanism::XOAuth2 => "XOAUTH2",
            Mechanism::OAuthBearer => "OAUTHBEARER",
        }
    }

    /// Takes an OAuth access token rather than a password.
    pub fn uses_token(self) -> bool {
        matches!(self, Mechanism::XOAuth2 | Mechanism::OAuthBearer)
    }

    /// The first credentials travel with the AUTH command (RFC 4954 §4 initial response).
    pub fn initial_response(self) -> bool {
        !matches!(self, Mechanism::Login | Mechanism::CramMd5)
    }

    pub fn offered_in(self, offered: &[String]) -> bool {
        offered
            .iter()
            .any(|o| o.eq_ignore_ascii_case(self.sasl_name()))
    }
}

/// What a client picks without being told: with a token XOAUTH2 if offered, else OAUTHBEARER;
/// with a password PLAIN, else LOGIN — and PLAIN when the server offers neither (a client tries
/// its default, and the mismatch is then the finding). CRAM-MD5 only when asked for. `None`
/// when the server lists no mechanism at all.
pub fn pick(offered: &[String], token: bool) -> Option<Mechanism> {
    if offered.is_empty() {
        return None;
    }
    let candidates: &[Mechanism] = if token {
        &[Mechanism::XOAuth2, Mechanism::OAuthBearer]
    } else {
        &[Mechanism::Plain, Mechanism::Login]
    };
    let fallback = if token {
        Mechanism::OAuthBearer
    } else {
        Mechanism::Plain
    };
    Some(
        candidates
            .iter()
            .copied()
            .find(|m| m.offered_in(offered))
            .unwrap_or(fallback),
    )
}

/// Who logs in, with what, to which server (OAUTHBEARER names the server in its payload).
pub struct Login<'a> {
    pub user: &'a str,
    /// The password, or the OAuth access token for XOAUTH2 / OAUTHBEARER.
    pub secret: &'a Secret,
    pub host: &'a str,
    pub port: u16,
}

pub fn b64(data: &[u8]) -> String {
    STANDARD.encode(data)
}

/// Decodes a `334` challenge; `None` when it is not base64.
pub fn unb64(text: &str) -> Option<Vec<u8>> {
    STANDARD.decode(text.trim()).ok()
}

pub fn plain(l: &Login) -> String {
    format!("\0{}\0{}", l.user, l.secret.expose())
}

pub fn xoauth2(l: &Login) -> String {
    format!(
        "user={}\x01auth=Bearer {}\x01\x01",
        l.user,
        l.secret.expose()
    )
}

pub fn oauthbearer(l: &Login) -> String {
    format!(
        "n,a={},\x01host={}\x01port={}\x01auth=Bearer {}\x01\x01",
        gs2_name(l.user),
        l.host,
        l.port,
        l.secret.expose()
    )
}

/// RFC 5801 §4 `saslname`: `,` and `=` escaped as `=2C` and `=3D`.
fn gs2_name(user: &str) -> String {
    user.replace('=', "=3D").replace(',', "=2C")
}

/// RFC 2195: the username, a space, and the lower-case hex HMAC-MD5 of the challenge keyed
/// with the password.
pub fn cram_md5(user: &str, password: &Secret, challenge: &[u8]) -> String {
    #[allow(
        clippy::expect_used,
        reason = "HMAC takes a key of any length (RFC 2104 §2)"
    )]
    let mut mac = Hmac::<md5::Md5>::new_from_slice(password.expose().as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(challenge);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("{user} {hex}")
}

/// The texts to mask wherever they appear: the secret itself, its base64, and the base64 of
/// every payload that carries it. The exchange-specific ones (CRAM-MD5's response) are added
/// as they are computed.
pub fn secret_forms(l: &Login, mechanism: Mechanism) -> Vec<String> {
    let secret = l.secret.expose();
    let mut forms = vec![secret.to_string(), b64(secret.as_bytes())];
    match mechanism {
        Mechanism::Plain | Mechanism::Login | Mechanism::LoginIr => {
            forms.push(b64(plain(l).as_bytes()));
        }
        Mechanism::XOAuth2 => forms.push(b64(xoauth2(l).as_bytes())),
        Mechanism::OAuthBearer => forms.push(b64(oauthbearer(l).as_bytes())),
        Mechanism::CramMd5 => {}
    }
    forms.retain(|f| !f.is_empty());
    forms
}

/// The OAuth error a server sends as a `334` challenge after a refused token (a JSON status
/// such as `{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}`; it holds
/// no secret). `None` unless it decodes to printable text; kept short for the evidence.
pub fn oauth_error(challenge: &str) -> Option<String> {
    let bytes = unb64(challenge)?;
    let text = String::from_utf8(bytes).ok()?;
    let text = text.trim();
    if text.is_empty() || text.chars().any(|c| c.is_control()) {
        return None;
    }
    Some(text.chars().take(300).collect())
}

/// The base64 initial response of a mechanism that sends everything in one step (PLAIN,
/// XOAUTH2, OAUTHBEARER); `None` for the others.
pub fn initial_payload(l: &Login, mechanism: Mechanism) -> Option<String> {
    let payload = match mechanism {
        Mechanism::Plain => plain(l),
        Mechanism::XOAuth2 => xoauth2(l),
        Mechanism::OAuthBearer => oauthbearer(l),
        _ => return None,
    };
    Some(b64(payload.as_bytes()))
}

/// A challenge after a token: the server refused it. The challenge is a JSON status, and the
/// server gives its final reply after the client's answer — an empty line for XOAUTH2
/// (Google's protocol), a single %x01 for OAUTHBEARER (RFC 7628 §3.2.3). Returns the decoded
/// status and that answer.
pub fn oauth_refusal(mechanism: Mechanism, challenge: &str) -> (Option<String>, String) {
    let answer = if mechanism == Mechanism::XOAuth2 {
        String::new()
    } else {
        b64(b"\x01")
    };
    (oauth_error(challenge), answer)
}

/// A write of the login that did not finish in time: the server stopped reading while the
/// credentials were on their way (a read timeout is the caller's own `Stop::Timeout`).
pub fn stalled_write(stop: super::conn::Stop, timeout: std::time::Duration) -> super::conn::Stop {
    match stop {
        super::conn::Stop::Timeout => super::conn::Stop::Io(format!(
            "the server stopped reading while the login was being sent (the write did not \
             finish within {:.0} s)",
            timeout.as_secs_f64()
        )),
        other => other,
    }
}

/// What the server did after the login's last line, when it asked for more and mxray
/// cancelled with `*`: the exchange broke, whatever the reply to the cancel (it says nothing
/// of the credentials).
pub fn cancelled(challenge: &str, after_cancel: Option<&str>) -> String {
    match after_cancel {
        None => format!(
            "the server sent another challenge ({challenge}) after the login's last line and \
             never ended the SASL exchange, even after the cancel (*)"
        ),
        Some(reply) => format!(
            "the server sent another challenge ({challenge}) after the login's last line, so \
             mxray cancelled with * (the server answered: {reply})"
        ),
    }
}

/// What a server that did not answer the cancel did instead, for [`cancelled`].
pub fn no_answer(stop: &super::conn::Stop) -> &'static str {
    use super::conn::Stop;
    match stop {
        Stop::Timeout => "nothing within the timeout",
        Stop::Closed | Stop::Reset => "it closed the connection",
        _ => "nothing readable",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(m: &[&str]) -> Vec<String> {
        m.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn rfc_2195_example() {
        let pw = Secret::new("tanstaaftanstaaf");
        let r = cram_md5("tim", &pw, b"<1896.697170952@postoffice.reston.mci.net>");
        assert_eq!(r, "tim b913a602c7eda7a495b4e6e7334d3890");
        assert_eq!(
            b64(r.as_bytes()),
            "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw"
        );
        assert_eq!(
            unb64("PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+").unwrap(),
            b"<1896.697170952@postoffice.reston.mci.net>"
        );
    }

    #[test]
    fn payloads() {
        let s = Secret::new("tok");
        let l = Login {
            user: "a,b=c@example.com",
            secret: &s,
            host: "smtp.example.com",
            port: 587,
        };
        assert_eq!(plain(&l), "\0a,b=c@example.com\0tok");
        assert_eq!(
            xoauth2(&l),
            "user=a,b=c@example.com\x01auth=Bearer tok\x01\x01"
        );
        assert_eq!(
            oauthbearer(&l),
            "n,a=a=2Cb=3Dc@example.com,\x01host=smtp.example.com\x01port=587\x01auth=Bearer tok\x01\x01"
        );
        // Google's documented example.
        let t = Secret::new("ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg");
        let g = Login {
            user: "someuser@example.com",
            secret: &t,
            host: "",
            port: 0,
        };
        assert_eq!(
            b64(xoauth2(&g).as_bytes()),
            "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ=="
        );
        let forms = secret_forms(&l, Mechanism::XOAuth2);
        assert!(forms.contains(&"tok".to_string()));
        assert!(forms.contains(&b64(b"tok")));
        assert!(forms.contains(&b64(xoauth2(&l).as_bytes())));
    }

    #[test]
    fn names_and_choice() {
        assert_eq!(Mechanism::parse("login-ir"), Some(Mechanism::LoginIr));
        assert_eq!(Mechanism::parse("Cram-Md5"), Some(Mechanism::CramMd5));
        assert_eq!(Mechanism::parse("NTLM"), None);
        assert_eq!(Mechanism::LoginIr.sasl_name(), "LOGIN");
        for m in Mechanism::ALL {
            assert_eq!(Mechanism::parse(m.label()), Some(m));
        }
        assert_eq!(pick(&v(&["LOGIN", "PLAIN"]), false), Some(Mechanism::Plain));
        assert_eq!(
            pick(&v(&["CRAM-MD5", "LOGIN"]), false),
            Some(Mechanism::Login)
        );
        assert_eq!(pick(&v(&["CRAM-MD5"]), false), Some(Mechanism::Plain));
        assert_eq!(pick(&v(&[]), false), None);
        assert_eq!(
            pick(&v(&["PLAIN", "OAUTHBEARER", "XOAUTH2"]), true),
            Some(Mechanism::XOAuth2)
        );
        assert_eq!(
            pick(&v(&["PLAIN", "OAUTHBEARER"]), true),
            Some(Mechanism::OAuthBearer)
        );
        assert_eq!(pick(&v(&["PLAIN"]), true), Some(Mechanism::OAuthBearer));
    }

    #[test]
    fn oauth_error_challenge() {
        let json = r#"{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}"#;
        assert_eq!(oauth_error(&b64(json.as_bytes())).as_deref(), Some(json));
        assert_eq!(oauth_error("not base64!"), None);
        assert_eq!(oauth_error(&b64(b"\x00\x01")), None);
    }
}
