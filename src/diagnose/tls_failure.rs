//! `tls.*` about what ended a failed handshake, from the bytes the server sent: STARTTLS
//! accepted and then no TLS, a handshake larger than mxray reads, a fatal alert by its name.

use super::subject;
use crate::evidence::MAX_HANDSHAKE_MESSAGE;
use crate::evidence::{HandshakeFailure, HandshakeFailureKind, PortProbe, TlsMode};
use crate::findings::Finding;

/// Alerts that mean "nothing in common" (version, cipher, security level): only these let a
/// diagnosis blame the server's ciphers or versions (RFC 8446 §6.2).
pub const NEGOTIATION_ALERTS: &[&str] = &[
    "handshake_failure",
    "protocol_version",
    "insufficient_security",
];

/// The recorded failure of the main handshake, if it failed.
pub fn failure(p: &PortProbe) -> Option<&HandshakeFailure> {
    p.tls.as_ref().and_then(|t| t.failure.as_ref())
}

/// Emits the finding that explains the failure and returns true, or false when the general
/// handshake rules should speak.
pub fn explained(p: &PortProbe, out: &mut Vec<Finding>) -> bool {
    let Some(tls) = p.tls.as_ref() else {
        return false;
    };
    // A report saved before the failure was recorded still says the peer spoke plaintext.
    let kind = match (&tls.failure, tls.peer_spoke_plaintext) {
        (Some(f), _) => f.kind,
        (None, true) => HandshakeFailureKind::Plaintext,
        (None, false) => return false,
    };
    let subj = subject(p);
    let sent = |f: Option<&HandshakeFailure>| match f {
        Some(f) => format!(
            "instead of a TLS ServerHello the server sent {} bytes, starting: \"{}\"",
            f.bytes_received, f.first_bytes
        ),
        None => format!("handshake error: {}", tls.error.clone().unwrap_or_default()),
    };
    match kind {
        HandshakeFailureKind::Plaintext if tls.mode == TlsMode::Starttls => {
            let go_ahead = p
                .starttls_reply
                .as_ref()
                .map(|r| r.text())
                .unwrap_or_default();
            out.push(
                Finding::new(
                    crate::code!("tls.starttls-broken"),
                    &subj,
                    "the server accepts STARTTLS but then does not speak TLS: it answered the TLS handshake in plaintext, so no client can secure this connection",
                )
                .evidence(format!("STARTTLS answered: {go_ahead}"))
                .evidence(sent(tls.failure.as_ref())),
            );
            true
        }
        HandshakeFailureKind::TooLarge => {
            let Some(f) = tls.failure.as_ref() else {
                return false;
            };
            out.push(
                Finding::new(
                    crate::code!("tls.handshake-too-large"),
                    &subj,
                    format!(
                        "the server speaks TLS, but its handshake (the certificate chain, usually) is larger than mxray reads ({} KiB per handshake message), so it could not be checked; most clients refuse it too",
                        (MAX_HANDSHAKE_MESSAGE + 1) / 1024
                    ),
                )
                .evidence(format!(
                    "{} bytes received before the bound, starting with a TLS record: \"{}\"",
                    f.bytes_received, f.first_bytes
                ))
                .evidence(format!(
                    "handshake error: {}",
                    tls.error.clone().unwrap_or_default()
                )),
            );
            true
        }
        _ => false,
    }
}

/// "the server sent the fatal alert internal_error" — for the handshake-failed wording.
pub fn alert_words(p: &PortProbe) -> Option<String> {
    let f = failure(p)?;
    let a = f.alert.as_ref()?;
    Some(format!("the server sent the fatal TLS alert {a}"))
}

/// True when the server's alert says "nothing in common", or when no alert was recorded (an
/// older report), so the cipher/version explanations may apply.
pub fn blames_negotiation(p: &PortProbe) -> bool {
    match failure(p).and_then(|f| f.alert.as_deref()) {
        Some(a) => NEGOTIATION_ALERTS.contains(&a),
        None => true,
    }
}

/// What the server sent when the handshake ran out of time: nothing, or a handshake begun and
/// never finished (a server dribbling bytes keeps the phase busy until its deadline).
pub fn timeout_words(p: &PortProbe) -> Option<String> {
    let f = failure(p).filter(|f| f.kind == HandshakeFailureKind::Timeout)?;
    Some(if f.bytes_received == 0 {
        "the server sent nothing in answer to the ClientHello before the phase deadline".into()
    } else {
        format!(
            "the server sent {} bytes of its handshake (starting \"{}\") but did not finish it before the phase deadline",
            f.bytes_received, f.first_bytes
        )
    })
}
