//! Credentials a login can carry, wherever they came from (a percent-decoded URL, a `.env`
//! file, the environment, a flag, the prompt): no NUL, which separates AUTH PLAIN's fields, and
//! no CR or LF, which end a command line and would smuggle in another one. The error names
//! where the value came from and the character, never the value.

use super::{Settings, SettingsError};

/// The first character a login cannot carry, in words.
fn forbidden(text: &str) -> Option<&'static str> {
    text.chars().find_map(|c| match c {
        '\0' => Some("a NUL byte"),
        '\r' => Some("a carriage return (CR)"),
        '\n' => Some("a line feed (LF)"),
        _ => None,
    })
}

/// The longest credential a login sends: its base64 in an AUTH PLAIN or XOAUTH2 initial
/// response then stays under RFC 4954's 12,288-octet AUTH line, and a megabyte pasted by
/// mistake never goes on the wire. Real passwords are far shorter, OAuth access tokens a few KB.
pub const MAX_CREDENTIAL_BYTES: usize = 8192;

/// `what` ("the password", "the username", "the OAuth token") read from `source`.
pub fn check(what: &str, source: &str, text: &str) -> Result<(), SettingsError> {
    if text.len() > MAX_CREDENTIAL_BYTES {
        return Err(SettingsError::new(format!(
            "{what} from {source} is {} bytes long, more than the {MAX_CREDENTIAL_BYTES} a login carries (RFC 4954 limits an AUTH line to 12,288 octets): check it",
            text.len()
        )));
    }
    match forbidden(text) {
        None => Ok(()),
        Some(c) => Err(SettingsError::new(format!(
            "{what} from {source} contains {c}, which no login can carry (NUL separates the \
             fields of AUTH PLAIN, CR and LF end a command): remove it"
        ))),
    }
}

/// The settings, once the username and password that won the merge are known to be sendable.
pub(super) fn checked(s: Settings) -> Result<Settings, SettingsError> {
    if let Some(u) = &s.user {
        check("the username", &u.source.to_string(), &u.value)?;
    }
    if let Some(p) = &s.password {
        check("the password", &p.source.to_string(), p.value.expose())?;
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{resolve, FlagValues, Inputs};

    fn from_url(url: &str) -> Result<Settings, SettingsError> {
        resolve(Inputs {
            url: Some(url.into()),
            url_from_command_line: true,
            ..Inputs::default()
        })
    }

    #[test]
    fn control_characters_are_refused_and_never_echoed() {
        for (url, what) in [
            ("smtp://alice:s3cr%00et@mail.example.com:587", "a NUL byte"),
            (
                "smtp://alice:s3cr%0Det@mail.example.com:587",
                "a carriage return (CR)",
            ),
            (
                "smtp://alice:s3cr%0Aet@mail.example.com:587",
                "a line feed (LF)",
            ),
        ] {
            let e = from_url(url).unwrap_err().to_string();
            assert_eq!(
                e,
                format!(
                    "the password from the URL contains {what}, which no login can carry (NUL \
                     separates the fields of AUTH PLAIN, CR and LF end a command): remove it"
                )
            );
            assert!(!e.contains("s3cr") && !e.contains("et@"), "{e}");
        }
        let e = from_url("smtp://ali%0D%0Ace:pw@mail.example.com:587").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("the username from the URL contains a carriage return"),
            "{e}"
        );
        let env = resolve(Inputs {
            env_file: Some((
                ".env".into(),
                "MAIL_HOST=h\nMAIL_PORT=587\nMAIL_USERNAME=u\nMAIL_PASSWORD=\"top\\nsecret\"\n"
                    .into(),
            )),
            ..Inputs::default()
        })
        .unwrap_err()
        .to_string();
        assert!(
            env.starts_with("the password from MAIL_PASSWORD in .env contains a line feed (LF)")
                && !env.contains("secret"),
            "{env}"
        );
        let flag = resolve(Inputs {
            flags: FlagValues {
                user: Some("a\0b".into()),
                ..FlagValues::default()
            },
            ..Inputs::default()
        })
        .unwrap_err();
        assert!(
            flag.to_string()
                .starts_with("the username from --user contains a NUL byte"),
            "{flag}"
        );
        assert!(from_url("smtp://alice:pa%20ss%09w@mail.example.com:587").is_ok());
    }

    #[test]
    fn a_credential_past_the_bound_is_refused_by_its_length() {
        let at = "p".repeat(MAX_CREDENTIAL_BYTES);
        assert!(check("the password", "the URL", &at).is_ok());
        let e = check("the password", "the URL", &format!("{at}p")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the password from the URL is 8193 bytes long, more than the 8192 a login carries \
             (RFC 4954 limits an AUTH line to 12,288 octets): check it"
        );
    }
}
