//! Fuzz the client-settings URL and DSN reader (`smtp://`, `smtps://`, `submission://`,
//! Symfony's `PROVIDER+smtp://`, django's `smtp+tls://`, `imap://`, `pop3://`) through
//! [`settings::resolve`]: any text resolves or fails with a one-line message, and a password in
//! the URL never shows in the message, the notes or the settings' Debug and JSON forms.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mxray::settings::{self, Inputs, Protocol};

const PASSWORD: &str = "Pw-5e0a2d71";

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    // Half the inputs get a password the checks can look for: `scheme://user:PASSWORD@rest`.
    let url = match (mode & 1, text.split_once("://")) {
        (1, Some((scheme, after))) => format!("{scheme}://user:{PASSWORD}@{after}"),
        _ => text.to_string(),
    };
    let protocol = match mode >> 1 & 3 {
        1 => Some(Protocol::Imap),
        2 => Some(Protocol::Pop3),
        _ => None,
    };
    let inputs = Inputs {
        url: Some(url.clone()),
        url_from_command_line: mode & 8 != 0,
        protocol,
        ..Default::default()
    };
    assert!(!format!("{inputs:?}").contains(PASSWORD));
    // Only a password the fuzzer did not also write elsewhere (the host, a query value) is secret.
    let secret = url.matches(PASSWORD).count() == 1 && !text.contains(PASSWORD);
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
