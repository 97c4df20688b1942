//! Fuzz `.env` files and the framework variables read from them (Laravel `MAIL_*`, Symfony
//! `MAILER_DSN`, django `EMAIL_*`, the generic `SMTP_*`, the IMAP/POP3 ones): the dotenv
//! syntax reader, then [`settings::resolve`] over the file and over the same variables as an
//! environment. Entries name real lines, keys are variable names, and the password a file
//! sets never shows in a message, note or the settings' Debug and JSON forms.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mxray::settings::{self, parse_dotenv, Inputs, Protocol};

const PASSWORD: &str = "Pw-91c4e6b3";

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let (entries, warnings) = parse_dotenv(text);
    // CRLF, LF and a lone CR each end a line.
    let lines = text.replace("\r\n", "\n").split(['\n', '\r']).count();
    for e in &entries {
        assert!(e.line >= 1 && e.line <= lines, "line {} of {lines}", e.line);
        let key = e.key.as_bytes();
        assert!(!key.is_empty() && !key[0].is_ascii_digit(), "{:?}", e.key);
        assert!(
            key.iter()
                .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(b)),
            "{:?}",
            e.key
        );
        assert!(e.value.chars().count() <= text.chars().count());
    }
    assert!(warnings.len() <= lines);
    let (protocol, key) = match mode & 3 {
        1 => (Some(Protocol::Imap), "IMAP_PASSWORD"),
        2 => (Some(Protocol::Pop3), "POP3_PASSWORD"),
        _ => (None, "MAIL_PASSWORD"),
    };
    let file = format!("{key}={PASSWORD}\n{text}");
    let secret = !text.contains(PASSWORD);
    let inputs = if mode & 4 == 0 {
        Inputs {
            env_file: Some((".env".into(), file)),
            protocol,
            ..Default::default()
        }
    } else {
        let vars = parse_dotenv(&file)
            .0
            .into_iter()
            .map(|e| (e.key, e.value))
            .collect();
        Inputs {
            env: Some(vars),
            protocol,
            ..Default::default()
        }
    };
    match settings::resolve(inputs) {
        Ok(s) => {
            let shown = format!("{s:?}{}", serde_json::to_string(&s).expect("serializes"));
            if secret {
                assert!(!shown.contains(PASSWORD), "{shown}");
            }
        }
        Err(e) => {
            assert!(!e.message().contains('\n'), "{:?}", e.message());
            if secret {
                assert!(!e.message().contains(PASSWORD), "{}", e.message());
            }
        }
    }
});
