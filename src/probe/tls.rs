//! TLS with rustls that records instead of refusing: the verifier keeps the chain and lets the
//! handshake finish, so a bad certificate is reported as a bad certificate, never as "no TLS".
//! Trust and name are then judged separately (webpki reports only the first error it meets).

use super::cert;
use super::tap::{Seen, Tap};
use crate::evidence::{HandshakeFailure, HandshakeFailureKind, TlsMode, TlsSession, Verification};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::net::IpAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

/// Roots and the verifier built from them, shared by every probe of a run.
#[derive(Clone)]
pub struct TrustStore {
    provider: Arc<CryptoProvider>,
    webpki: Arc<WebPkiServerVerifier>,
    custom_roots: bool,
}

impl std::fmt::Debug for TrustStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustStore")
            .field("custom_roots", &self.custom_roots)
            .finish()
    }
}

/// A CA bundle this size holds thousands of certificates (the system one is about 200 KiB); past
/// it, `--ca-file /dev/zero` or a mistaken path is refused instead of filling memory.
pub const MAX_CA_FILE: usize = 4 << 20;

impl TrustStore {
    /// webpki roots, the system store, and `--ca-file` certificates.
    pub fn load(ca_file: Option<&Path>, system: bool) -> anyhow::Result<TrustStore> {
        let mut roots = RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        if system {
            // A broken system store is not fatal: webpki roots still stand.
            for c in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(c);
            }
        }
        let custom_roots = ca_file.is_some();
        if let Some(path) = ca_file {
            let data = crate::bounded_read::file_at_most(path, MAX_CA_FILE).map_err(|e| {
                anyhow::anyhow!(
                    "cannot read CA file {}: {e}",
                    crate::escape::echo(&path.to_string_lossy())
                )
            })?;
            let mut added = 0;
            for c in rustls_pemfile::certs(&mut data.as_slice()) {
                let c = c.map_err(|e| {
                    anyhow::anyhow!("CA file {} is not valid PEM: {e}", path.display())
                })?;
                roots.add(c).map_err(|e| {
                    anyhow::anyhow!(
                        "CA file {} holds an unusable certificate: {e}",
                        path.display()
                    )
                })?;
                added += 1;
            }
            if added == 0 {
                anyhow::bail!("CA file {} holds no PEM certificate", path.display());
            }
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .build()
            .map_err(|e| anyhow::anyhow!("cannot build the certificate verifier: {e}"))?;
        Ok(TrustStore {
            provider,
            webpki,
            custom_roots,
        })
    }

    #[allow(
        clippy::expect_used,
        reason = "ring's provider supports rustls' default versions; no server input here"
    )]
    fn client_config(&self, recorder: Arc<RecordingVerifier>) -> rustls::ClientConfig {
        // builder_with_provider: the process-wide default provider may be ambiguous (stack.md pitfall 3).
        rustls::ClientConfig::builder_with_provider(self.provider.clone())
            .with_safe_default_protocol_versions()
            .expect("ring supports the default protocol versions")
            .dangerous()
            .with_custom_certificate_verifier(recorder)
            .with_no_client_auth()
    }

    /// Judges a chain: as a client sees it (`client_error`), for trust alone (name ignored and
    /// time moved inside the leaf's validity window), and for the name by SAN matching.
    pub fn verify(
        &self,
        chain: &[Vec<u8>],
        name: Option<&str>,
        ip: IpAddr,
        now: i64,
    ) -> Verification {
        let mut v = Verification {
            checked_name: name.map(str::to_string),
            name_matches: None,
            trusted: false,
            trust_error: None,
            client_error: None,
            custom_roots: self.custom_roots,
        };
        let Some((leaf, rest)) = chain.split_first() else {
            v.trust_error = Some("the server sent no certificate".into());
            return v;
        };
        let leaf_der = CertificateDer::from(leaf.as_slice());
        let inter: Vec<CertificateDer> = rest
            .iter()
            .map(|c| CertificateDer::from(c.as_slice()))
            .collect();
        let parsed = cert::parse(leaf);
        let now_ut = UnixTime::since_unix_epoch(Duration::from_secs(now.max(0) as u64));
        let client_name = match name {
            Some(n) => ServerName::try_from(n.to_string()).ok(),
            None => Some(ServerName::IpAddress(ip.into())),
        };
        if let Some(sn) = &client_name {
            if let Err(e) = self
                .webpki
                .verify_server_cert(&leaf_der, &inter, sn, &[], now_ut)
            {
                v.client_error = Some(e.to_string());
            }
        }
        v.name_matches = Some(match name {
            Some(n) => cert::name_matches(&parsed.sans, n),
            None => cert::ip_matches(&parsed.sans, ip),
        });
        // Trust alone: a name the leaf is valid for, and a moment inside its validity window.
        let trust_name = parsed
            .sans
            .iter()
            .find_map(|s| {
                s.strip_prefix("DNS:")
                    .map(|d| d.trim_start_matches("*.").to_string())
            })
            .and_then(|d| ServerName::try_from(d).ok())
            .or_else(|| {
                parsed
                    .sans
                    .iter()
                    .find_map(|s| s.strip_prefix("IP:").and_then(|i| i.parse::<IpAddr>().ok()))
                    .map(|i| ServerName::IpAddress(i.into()))
            })
            .or(client_name);
        let inside = now.clamp(
            parsed.not_before_unix.saturating_add(1),
            parsed
                .not_after_unix
                .saturating_sub(1)
                .max(parsed.not_before_unix.saturating_add(1)),
        );
        let inside = UnixTime::since_unix_epoch(Duration::from_secs(inside.max(0) as u64));
        match trust_name {
            None => v.trust_error = Some("no usable name to check the chain with".into()),
            Some(sn) => match self
                .webpki
                .verify_server_cert(&leaf_der, &inter, &sn, &[], inside)
            {
                Ok(_) => v.trusted = true,
                Err(e) => v.trust_error = Some(e.to_string()),
            },
        }
        v
    }
}

/// Stores the presented chain and accepts it; handshake signatures are still checked.
#[derive(Debug)]
pub struct RecordingVerifier {
    inner: Arc<WebPkiServerVerifier>,
    pub chain: Mutex<Vec<Vec<u8>>>,
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let mut chain = vec![end_entity.to_vec()];
        chain.extend(intermediates.iter().map(|c| c.to_vec()));
        if let Ok(mut slot) = self.chain.lock() {
            *slot = chain;
        }
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// Outcome of a handshake: the session facts, and the stream when it succeeded.
pub struct Handshake {
    pub session: TlsSession,
    pub stream: Option<TlsStream<Tap>>,
    pub timed_out: bool,
}

/// Bytes of the server's first flight quoted in the evidence.
const QUOTED_BYTES: usize = 64;

pub use crate::evidence::MAX_HANDSHAKE_MESSAGE;

/// Runs a TLS handshake over `tcp`, recording version, cipher, chain and verification.
pub async fn handshake(
    trust: &TrustStore,
    tcp: TcpStream,
    mode: TlsMode,
    name: Option<&str>,
    ip: IpAddr,
    now: i64,
    timeout: Duration,
) -> Handshake {
    let recorder = Arc::new(RecordingVerifier {
        inner: trust.webpki.clone(),
        chain: Mutex::new(Vec::new()),
    });
    let connector = TlsConnector::from(Arc::new(trust.client_config(recorder.clone())));
    // SNI only for names; an IP literal without --tls-name sends none, as clients do.
    let server_name = name
        .and_then(|n| ServerName::try_from(n.to_string()).ok())
        .unwrap_or(ServerName::IpAddress(ip.into()));
    let mut session = TlsSession {
        mode,
        sni: name.map(str::to_string),
        version: None,
        cipher: None,
        chain: Vec::new(),
        verification: None,
        error: None,
        peer_spoke_plaintext: false,
        failure: None,
    };
    let tap = Tap::new(tcp);
    let seen = tap.log();
    let result = tokio::time::timeout(timeout, connector.connect(server_name, tap)).await;
    let chain = recorder.chain.lock().map(|c| c.clone()).unwrap_or_default();
    let seen = seen.lock().map(|s| s.clone()).unwrap_or_default();
    let mut timed_out = false;
    let stream = match result {
        Err(_) => {
            timed_out = true;
            session.error = Some(format!(
                "no TLS handshake within {:.1} s",
                timeout.as_secs_f64()
            ));
            session.failure = Some(failure(HandshakeFailureKind::Timeout, None, &seen));
            None
        }
        Ok(Err(e)) => {
            let text = e.to_string();
            let (kind, alert) = classify(&e, &seen);
            session.peer_spoke_plaintext = kind == HandshakeFailureKind::Plaintext;
            session.failure = Some(failure(kind, alert, &seen));
            session.error = Some(text);
            None
        }
        Ok(Ok(s)) => {
            let conn = s.get_ref().1;
            session.version = conn.protocol_version().map(version_label);
            session.cipher = conn
                .negotiated_cipher_suite()
                .map(|c| format!("{:?}", c.suite()));
            Some(s)
        }
    };
    if !chain.is_empty() {
        session.verification = Some(trust.verify(&chain, name, ip, now));
        session.chain = chain.iter().map(|c| cert::parse(c)).collect();
    }
    Handshake {
        session,
        stream,
        timed_out,
    }
}

fn failure(kind: HandshakeFailureKind, alert: Option<String>, seen: &Seen) -> HandshakeFailure {
    HandshakeFailure {
        kind,
        alert,
        first_bytes: super::legacy_tls::escape(seen.head.get(..QUOTED_BYTES).unwrap_or(&seen.head)),
        bytes_received: seen.received,
    }
}

/// What ended the handshake, judged from the bytes first and the error second: rustls names a
/// plaintext reply and an oversized message with the same "corrupt message" words.
fn classify(e: &std::io::Error, seen: &Seen) -> (HandshakeFailureKind, Option<String>) {
    let inner = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>());
    if let Some(rustls::Error::AlertReceived(a)) = inner {
        return (
            HandshakeFailureKind::Alert,
            Some(super::legacy_tls::alert_name(u8::from(*a))),
        );
    }
    if !seen.head.is_empty() && (!looks_like_tls(&seen.head) || plaintext_after_records(&seen.head))
    {
        return (HandshakeFailureKind::Plaintext, None);
    }
    let text = e.to_string().to_ascii_lowercase();
    if text.contains("handshakepayloadtoolarge")
        || text.contains("message buffer full")
        || text.contains("toolarge")
    {
        return (HandshakeFailureKind::TooLarge, None);
    }
    match e.kind() {
        std::io::ErrorKind::UnexpectedEof
        | std::io::ErrorKind::ConnectionReset
        | std::io::ErrorKind::ConnectionAborted
        | std::io::ErrorKind::BrokenPipe => (HandshakeFailureKind::Closed, None),
        _ if seen.head.is_empty() && looks_like_plaintext(&text) => {
            (HandshakeFailureKind::Plaintext, None)
        }
        _ => (HandshakeFailureKind::Other, None),
    }
}

/// A TLS record header: content type 20–24, major version 3.
fn looks_like_tls(head: &[u8]) -> bool {
    head.first().is_some_and(|t| (20..=24).contains(t)) && head.get(1).is_none_or(|&m| m == 3)
}

/// Whole TLS records followed by bytes that are not one: a server that sent an alert (Courier's
/// couriertls, failing to start, sends close_notify) and then went on in plaintext
/// (`m2 NO STARTTLS failed: …`) is answering the handshake in plain text too.
fn plaintext_after_records(head: &[u8]) -> bool {
    let mut at = 0;
    while let Some(rest) = head.get(at..).filter(|r| looks_like_tls(r)) {
        let Some(&[_, _, _, hi, lo]) = rest.get(..5) else {
            break;
        };
        at += 5 + usize::from(u16::from_be_bytes([hi, lo]));
    }
    at > 0
        && head
            .get(at..)
            .is_some_and(|r| !r.is_empty() && !looks_like_tls(r))
}

/// rustls' words when the first bytes are not a TLS record — the peer talks plaintext.
fn looks_like_plaintext(err: &str) -> bool {
    let e = err.to_ascii_lowercase();
    e.contains("invalidcontenttype")
        || e.contains("corrupt message")
        || e.contains("invalid content type")
}

pub fn version_label(v: rustls::ProtocolVersion) -> String {
    match v {
        rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3".into(),
        rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2".into(),
        rustls::ProtocolVersion::TLSv1_1 => "TLSv1.1".into(),
        rustls::ProtocolVersion::TLSv1_0 => "TLSv1.0".into(),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plaintext_after_an_alert_record_is_plaintext() {
        let mut head = vec![0x15, 0x03, 0x03, 0x00, 0x02, 0x01, 0x00];
        assert!(!plaintext_after_records(&head));
        head.extend_from_slice(b"m2 NO STARTTLS failed\r\n");
        assert!(plaintext_after_records(&head));
        // A record cut off by the read bound is no evidence of plaintext.
        assert!(!plaintext_after_records(&[
            0x16, 0x03, 0x03, 0x40, 0x00, 0x02
        ]));
        assert!(!plaintext_after_records(b"220 hello"));
    }
}
