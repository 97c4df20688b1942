//! What TLS showed: the certificate chain as read, its verification, the negotiated session,
//! a failed handshake, and the legacy-version attempts.

use super::TlsMode;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Certificate {
    pub subject: String,
    pub issuer: String,
    #[serde(default)]
    pub subject_cn: Option<String>,
    pub sans: Vec<String>,
    pub serial: String,
    pub not_before: String,
    pub not_after: String,
    /// Unix seconds, for arithmetic without re-parsing.
    pub not_before_unix: i64,
    pub not_after_unix: i64,
    pub key_type: String,
    pub key_bits: Option<u32>,
    pub signature_algorithm: String,
    pub sha256: String,
    /// Hashes for DANE TLSA matching (RFC 6698 §2.1): whole certificate SHA-512, and the
    /// SubjectPublicKeyInfo's SHA-256 and SHA-512.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha512: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spki_sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spki_sha512: Option<String>,
    pub self_signed: bool,
    pub is_ca: bool,
    /// Has an Authority Information Access caIssuers URL (public CAs set one).
    #[serde(default)]
    pub has_ca_issuers_url: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parse_error: Option<String>,
}

/// Result of checking the chain against the trust store, independently of the name.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Verification {
    /// The name the certificate was checked against (host name, or `--tls-name`).
    pub checked_name: Option<String>,
    /// Any SAN (or, for an IP target, an IP SAN) matches `checked_name`.
    pub name_matches: Option<bool>,
    /// The chain reaches a trusted root (judged inside the validity window, so an expired
    /// certificate from a trusted CA still counts as trusted).
    pub trusted: bool,
    /// The verifier's error for the chain, or `None` when trusted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust_error: Option<String>,
    /// The verifier's verdict as a client would see it (all checks at once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_error: Option<String>,
    /// Extra roots were supplied with `--ca-file`.
    #[serde(default)]
    pub custom_roots: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TlsSession {
    pub mode: TlsMode,
    pub sni: Option<String>,
    pub version: Option<String>,
    pub cipher: Option<String>,
    pub chain: Vec<Certificate>,
    pub verification: Option<Verification>,
    /// The handshake error, when it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The failure looks like the peer answered in plaintext (wrong TLS mode).
    #[serde(default)]
    pub peer_spoke_plaintext: bool,
    /// What the server sent instead of completing the handshake, when it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<HandshakeFailure>,
}

/// How a TLS handshake ended without a session, as seen on the wire.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum HandshakeFailureKind {
    /// The server's first bytes are not a TLS record: it answered in plaintext.
    Plaintext,
    /// The server sent a fatal TLS alert.
    Alert,
    /// A handshake message (the certificate chain, usually) exceeded the size mxray reads.
    TooLarge,
    /// The handshake did not complete within the phase timeout.
    Timeout,
    /// The server closed or reset the connection.
    Closed,
    /// Anything else: the error says what.
    Other,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct HandshakeFailure {
    pub kind: HandshakeFailureKind,
    /// The alert's RFC 8446 name (`internal_error`) when the server sent one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert: Option<String>,
    /// The server's first bytes, escaped (printable ASCII kept, the rest as `\xNN`), bounded.
    pub first_bytes: String,
    /// Bytes received from the server during the handshake.
    pub bytes_received: u64,
}

/// One hand-built legacy ClientHello and what the server answered.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LegacyAttempt {
    pub offered: String,
    /// accepted (the whole first flight, through ServerHelloDone), incomplete (a ServerHello,
    /// then an alert, a close, silence or too many bytes), alert, closed, timeout, not_tls,
    /// malformed, unreachable; inferred (not asked: TLS 1.0 after the server refused the 1.1
    /// hello with protocol_version, which a server that speaks 1.0 must answer with 1.0)
    pub result: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cipher: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct LegacyTls {
    pub attempts: Vec<LegacyAttempt>,
    /// The certificate chain as sent in clear during a legacy handshake.
    #[serde(default)]
    pub chain: Vec<Certificate>,
    /// Trust and name of that chain, judged as for a modern handshake.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<Verification>,
}

impl LegacyTls {
    /// Versions the server agreed to, each once (a TLS 1.2 hello answered with 1.1 is 1.1).
    pub fn accepted(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self
            .attempts
            .iter()
            .filter(|a| a.result == "accepted")
            .filter_map(|a| a.version.as_deref())
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}
