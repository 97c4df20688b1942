//! An IMAP or POP3 session up to and including the login, against the fuzzer's server.

use crate::{block_on, conn, split};
use mxray::evidence::{Capabilities, PortProbe, PortSpec, Protocol};
use mxray::probe::conn::{Conn, Recorder, MAX_LINES};
use mxray::probe::sasl::Mechanism;
use mxray::probe::{imap, mailbox_login, pop3, Credentials};
use mxray::secret::Secret;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// Secrets no server text can contain by chance, in every form a login sends them.
const PASSWORD: &str = "Pw-7c1e9f0b";
/// Needs an IMAP literal: 8-bit and a line end.
const LITERAL_PASSWORD: &str = "Pw-7c1e\u{e9}\r\n9f0b";
const TOKEN: &str = "Tk-3b8d24aa";

/// Byte 0: read size (see [`split`]); byte 1: the login's options; the rest: the server.
pub fn session(proto: Protocol, data: &[u8]) {
    let Some((&options, rest)) = data.split_first() else {
        return;
    };
    let (chunk, server) = split(rest);
    let password = if options & 1 == 0 {
        PASSWORD
    } else {
        LITERAL_PASSWORD
    };
    let user = if options & 2 == 0 {
        "alice"
    } else {
        "\u{e4}lice"
    };
    let mechanism = match (options >> 2) & 7 {
        1 => Some(Mechanism::Plain),
        2 => Some(Mechanism::Login),
        3 => Some(Mechanism::XOAuth2),
        4 => Some(Mechanism::OAuthBearer),
        _ => None,
    };
    let creds = Credentials {
        user: user.into(),
        password: Some(Secret::new(password)),
        oauth_token: (options & 32 != 0).then(|| Secret::new(TOKEN)),
        mechanism,
        allow_plaintext: true,
        insecure: true,
        retry_user: (options & 64 != 0).then(|| {
            (
                "alice@example.com".to_string(),
                "the From address".to_string(),
            )
        }),
        send: None,
        used: Arc::new(AtomicBool::new(false)),
    };
    block_on(async {
        let mut c = conn(server, chunk);
        let mut rec = Recorder::new();
        let Some(caps) = opening(proto, &mut c, &mut rec).await else {
            return;
        };
        let probe = probe_with(caps);
        let before = rec.transcript.len();
        let r = mailbox_login::login(
            proto,
            &creds,
            true,
            Some("mail.example.com"),
            &mut c,
            &mut rec,
            &probe,
        )
        .await;
        let evidence = match &r {
            Ok(attempt) => serde_json::to_string(attempt),
            Err(not_tried) => serde_json::to_string(not_tried),
        }
        .expect("serializes");
        let (_, transcript, _) = rec.finish();
        assert!(transcript.len() <= 401);
        let mut texts: Vec<&str> = transcript[before..]
            .iter()
            .map(|l| l.text.as_str())
            .collect();
        texts.push(&evidence);
        // A server that sends the secret itself (the fuzzer learns it from these very
        // comparisons) may see it quoted back; one that never did must not.
        let said = String::from_utf8_lossy(server);
        for secret in [
            PASSWORD,
            LITERAL_PASSWORD,
            TOKEN,
            "Pw-7c1e",
            "9f0b",
            "Tk-3b8d",
        ] {
            if said.contains(secret) {
                continue;
            }
            for t in &texts {
                assert!(!t.contains(secret), "secret in {t:?}");
            }
        }
    });
}

/// Greeting and capabilities; `None` when the session ends there.
async fn opening(proto: Protocol, c: &mut Conn, rec: &mut Recorder) -> Option<Capabilities> {
    let caps = match proto {
        Protocol::Pop3 => {
            pop3::greeting(c, rec).await.0.ok()?;
            pop3::capabilities(c, rec, false).await.ok()?
        }
        _ => {
            imap::greeting(c, rec).await.0.ok()?;
            imap::capabilities(c, rec, false).await.ok()?
        }
    };
    assert!(caps.raw.len() <= MAX_LINES * 64);
    assert!(caps.auth.iter().all(|m| *m == m.to_ascii_uppercase()));
    Some(caps)
}

fn probe_with(caps: Capabilities) -> PortProbe {
    let spec = PortSpec {
        port: 143,
        role: None,
        explicit: false,
    };
    PortProbe {
        capabilities: Some(caps),
        ..PortProbe::empty(std::net::Ipv4Addr::LOCALHOST.into(), spec)
    }
}
