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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::Severity;
    use crate::report::Body;

    /// Probe `index` of the rig's clean server (0: port 25 STARTTLS, 1: port 465 implicit), with
    /// its handshake failed as `failure` says.
    fn probe(index: usize, failure: Option<HandshakeFailure>) -> PortProbe {
        let text = include_str!("../../fixtures/server/clean.json");
        let Body::Server(ev) = crate::report::load(text.as_bytes()).expect("loads").body else {
            panic!("clean.json is a server report");
        };
        let mut p = ev.probes[index].clone();
        let tls = p.tls.as_mut().expect("the fixture's probe has TLS");
        tls.error = failure.as_ref().map(|_| "received corrupt message".into());
        tls.failure = failure;
        p
    }

    fn failed(kind: HandshakeFailureKind, alert: Option<&str>, bytes: u64) -> HandshakeFailure {
        HandshakeFailure {
            kind,
            alert: alert.map(str::to_string),
            first_bytes: "220 mail ESMTP".into(),
            bytes_received: bytes,
        }
    }

    #[test]
    fn what_ended_the_handshake() {
        use HandshakeFailureKind as K;
        // (probe, failure) → the finding that explains it (code, first evidence line) or none.
        type Explained = Option<(&'static str, &'static str)>;
        let cases: Vec<(&str, PortProbe, Explained)> = vec![
            ("no failure", probe(0, None), None),
            (
                "plaintext after STARTTLS",
                probe(0, Some(failed(K::Plaintext, None, 14))),
                Some((
                    "tls.starttls-broken",
                    "STARTTLS answered: 220 2.0.0 Ready to start TLS",
                )),
            ),
            (
                "plaintext on an implicit-TLS port: a mode mix-up, said elsewhere",
                probe(1, Some(failed(K::Plaintext, None, 14))),
                None,
            ),
            (
                "handshake larger than the bound",
                probe(1, Some(failed(K::TooLarge, None, 70_000))),
                Some((
                    "tls.handshake-too-large",
                    "70000 bytes received before the bound, starting with a TLS record: \"220 mail ESMTP\"",
                )),
            ),
            (
                "an alert: the general rules speak",
                probe(1, Some(failed(K::Alert, Some("internal_error"), 7))),
                None,
            ),
            (
                "a timeout: the general rules speak",
                probe(1, Some(failed(K::Timeout, None, 0))),
                None,
            ),
        ];
        for (case, p, want) in cases {
            let mut out = Vec::new();
            let said = explained(&p, &mut out);
            assert_eq!(said, want.is_some(), "{case}");
            let Some((code, first)) = want else {
                assert!(out.is_empty(), "{case}: {out:?}");
                continue;
            };
            assert_eq!(out.len(), 1, "{case}: {out:?}");
            assert_eq!(out[0].code, code, "{case}");
            assert_eq!(out[0].severity, Severity::Error, "{case}");
            assert_eq!(out[0].subject, subject(&p), "{case}");
            assert_eq!(out[0].evidence[0], first, "{case}");
        }
    }

    #[test]
    fn plaintext_from_an_older_report_is_explained_from_the_error() {
        let mut p = probe(0, None);
        let tls = p.tls.as_mut().unwrap();
        tls.peer_spoke_plaintext = true;
        tls.error = Some("InvalidContentType".into());
        let mut out = Vec::new();
        assert!(explained(&p, &mut out));
        assert_eq!(out[0].code, "tls.starttls-broken");
        assert_eq!(out[0].evidence[1], "handshake error: InvalidContentType");
    }

    #[test]
    fn alert_and_timeout_words() {
        use HandshakeFailureKind as K;
        let internal = probe(1, Some(failed(K::Alert, Some("internal_error"), 7)));
        assert_eq!(
            alert_words(&internal).as_deref(),
            Some("the server sent the fatal TLS alert internal_error")
        );
        assert!(!blames_negotiation(&internal));
        let nothing_in_common = probe(1, Some(failed(K::Alert, Some("handshake_failure"), 7)));
        assert!(blames_negotiation(&nothing_in_common));
        // No alert recorded (an older report): the cipher/version explanations may apply.
        assert!(blames_negotiation(&probe(1, None)));
        assert_eq!(alert_words(&probe(1, None)), None);

        let silent = probe(1, Some(failed(K::Timeout, None, 0)));
        assert_eq!(
            timeout_words(&silent).as_deref(),
            Some("the server sent nothing in answer to the ClientHello before the phase deadline")
        );
        let dribbling = probe(1, Some(failed(K::Timeout, None, 9)));
        assert_eq!(
            timeout_words(&dribbling).as_deref(),
            Some("the server sent 9 bytes of its handshake (starting \"220 mail ESMTP\") but did not finish it before the phase deadline")
        );
        assert_eq!(timeout_words(&internal), None);
    }
}
