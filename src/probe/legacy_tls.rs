//! Hand-built TLS 1.0–1.2 ClientHello probe: which legacy versions a server accepts, and its certificate chain.
//!
//! rustls cannot speak TLS 1.0/1.1, and when a rustls handshake fails we still want to know what the
//! server would have said. Before TLS 1.3 the ServerHello and Certificate messages travel in clear, so a
//! raw ClientHello plus a small record parser is enough to learn the negotiated version, the cipher
//! suite and the certificate chain without ever completing a handshake.
//!
//! A server may answer with a different version than the one offered (a TLS 1.2 hello answered with
//! TLS 1.0, or vice versa from broken stacks): that is reported as `Accepted` with the version the
//! server chose, and the caller decides what it means.

use serde::{Deserialize, Serialize};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// RFC 5246 allows a ciphertext record up to 2^14 + 2048; anything larger is not TLS we can trust.
const MAX_RECORD: usize = 16384 + 2048;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LegacyVersion {
    #[serde(rename = "TLSv1.0")]
    Tls10,
    #[serde(rename = "TLSv1.1")]
    Tls11,
    #[serde(rename = "TLSv1.2")]
    Tls12,
}

impl LegacyVersion {
    pub fn label(&self) -> &'static str {
        match self {
            Self::Tls10 => "TLSv1.0",
            Self::Tls11 => "TLSv1.1",
            Self::Tls12 => "TLSv1.2",
        }
    }

    pub fn wire(&self) -> u16 {
        match self {
            Self::Tls10 => 0x0301,
            Self::Tls11 => 0x0302,
            Self::Tls12 => 0x0303,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegacyHello {
    pub offered: LegacyVersion,
    pub outcome: LegacyOutcome,
    /// DER certificates, leaf first, exactly as the server sent them (possibly empty).
    #[serde(skip)]
    pub certificates: Vec<Vec<u8>>,
    pub bytes_read: usize,
}

/// `Accepted` only once the server's whole first flight arrived (ServerHello through
/// ServerHelloDone): the server committed to the version and cipher. A ServerHello followed by an
/// alert, a close, silence or more than the byte budget is `Incomplete` — the server named a
/// version, but no client would have got a session out of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum LegacyOutcome {
    Accepted {
        version: String,
        cipher_suite: u16,
        cipher_name: Option<String>,
    },
    Incomplete {
        version: String,
        cipher_suite: u16,
        cipher_name: Option<String>,
        detail: String,
    },
    /// A fatal alert; also a warning alert if the server then went silent without a ServerHello.
    Alert {
        description: u8,
        name: String,
    },
    Closed,
    Timeout,
    NotTls {
        first_bytes: String,
    },
    Malformed {
        detail: String,
    },
}

/// (code, IANA name, only valid in TLS 1.2). 1.2-only suites are withheld from 1.0/1.1 hellos because
/// some broken servers pick them anyway, which would make the answer misleading.
const SUITES: &[(u16, &str, bool)] = &[
    (0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", true),
    (0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", true),
    (0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", true),
    (0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", true),
    (
        0xcca9,
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        true,
    ),
    (0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", true),
    (0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", true),
    (0x009f, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", true),
    (0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256", true),
    (0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384", true),
    (0xc023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", true),
    (0xc027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", true),
    (0x003c, "TLS_RSA_WITH_AES_128_CBC_SHA256", true),
    (0x003d, "TLS_RSA_WITH_AES_256_CBC_SHA256", true),
    (0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", false),
    (0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", false),
    (0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", false),
    (0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", false),
    (0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA", false),
    (0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA", false),
    (0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA", false),
    (0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA", false),
    (0xc012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", false),
    (0x0016, "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA", false),
    (0x000a, "TLS_RSA_WITH_3DES_EDE_CBC_SHA", false),
];
const RENEGOTIATION_SCSV: u16 = 0x00ff;

/// rsa_pkcs1 sha256/384/512, ecdsa p256/p384, rsa_pss_rsae 256/384/512, ed25519, then sha1 variants
/// last because old servers may hold nothing better.
const SIG_ALGS: &[u16] = &[
    0x0401, 0x0501, 0x0601, 0x0403, 0x0503, 0x0804, 0x0805, 0x0806, 0x0807, 0x0201, 0x0203,
];

fn cipher_name(code: u16) -> Option<String> {
    SUITES.iter().find(|s| s.0 == code).map(|s| s.1.to_string())
}

pub(crate) fn alert_name(d: u8) -> String {
    let n = match d {
        0 => "close_notify",
        10 => "unexpected_message",
        20 => "bad_record_mac",
        21 => "decryption_failed",
        22 => "record_overflow",
        30 => "decompression_failure",
        40 => "handshake_failure",
        41 => "no_certificate",
        42 => "bad_certificate",
        43 => "unsupported_certificate",
        44 => "certificate_revoked",
        45 => "certificate_expired",
        46 => "certificate_unknown",
        47 => "illegal_parameter",
        48 => "unknown_ca",
        49 => "access_denied",
        50 => "decode_error",
        51 => "decrypt_error",
        60 => "export_restriction",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        86 => "inappropriate_fallback",
        90 => "user_canceled",
        100 => "no_renegotiation",
        110 => "unsupported_extension",
        112 => "unrecognized_name",
        _ => return format!("unknown({d})"),
    };
    n.to_string()
}

fn version_label(v: u16) -> String {
    match v {
        0x0300 => "SSLv3".into(),
        0x0301 => "TLSv1.0".into(),
        0x0302 => "TLSv1.1".into(),
        0x0303 => "TLSv1.2".into(),
        0x0304 => "TLSv1.3".into(),
        _ => format!("0x{v:04x}"),
    }
}

/// SNI must carry a DNS name (RFC 6066: no IP literals, no trailing dot); anything else is left out.
fn sni_name(sni: Option<&str>) -> Option<&str> {
    let name = sni?.trim_end_matches('.');
    let ok = !name.is_empty()
        && name.len() <= 253
        && name.parse::<std::net::IpAddr>().is_err()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_');
    ok.then_some(name)
}

fn push_u16(out: &mut Vec<u8>, v: usize) {
    out.extend_from_slice(&(v as u16).to_be_bytes());
}

fn push_ext(out: &mut Vec<u8>, kind: u16, data: &[u8]) {
    out.extend_from_slice(&kind.to_be_bytes());
    push_u16(out, data.len());
    out.extend_from_slice(data);
}

pub fn client_hello(offered: LegacyVersion, sni: Option<&str>, random: [u8; 32]) -> Vec<u8> {
    let mut body = Vec::with_capacity(256);
    body.extend_from_slice(&offered.wire().to_be_bytes());
    body.extend_from_slice(&random);
    body.push(0); // no session id: we never resume
    let suites: Vec<u16> = SUITES
        .iter()
        .filter(|s| offered == LegacyVersion::Tls12 || !s.2)
        .map(|s| s.0)
        .chain([RENEGOTIATION_SCSV])
        .collect();
    push_u16(&mut body, suites.len() * 2);
    for s in suites {
        body.extend_from_slice(&s.to_be_bytes());
    }
    body.extend_from_slice(&[1, 0]); // compression: null only

    // Deliberately no supported_versions: its presence would switch servers to TLS 1.3 negotiation.
    let mut ext = Vec::new();
    if let Some(name) = sni_name(sni) {
        let mut sn = Vec::new();
        push_u16(&mut sn, name.len() + 3);
        sn.push(0); // host_name
        push_u16(&mut sn, name.len());
        sn.extend_from_slice(name.as_bytes());
        push_ext(&mut ext, 0x0000, &sn);
    }
    push_ext(&mut ext, 0x000a, &[0, 6, 0, 0x1d, 0, 0x17, 0, 0x18]);
    push_ext(&mut ext, 0x000b, &[1, 0]);
    let mut sig = Vec::new();
    push_u16(&mut sig, SIG_ALGS.len() * 2);
    SIG_ALGS
        .iter()
        .for_each(|a| sig.extend_from_slice(&a.to_be_bytes()));
    push_ext(&mut ext, 0x000d, &sig);
    push_ext(&mut ext, 0xff01, &[0]);
    push_u16(&mut body, ext.len());
    body.extend_from_slice(&ext);

    let mut rec = vec![22, 3, 1]; // record version 1.0: some old middleboxes drop anything higher
    push_u16(&mut rec, body.len() + 4);
    rec.push(1);
    rec.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    rec.extend_from_slice(&body);
    rec
}

fn u24(b: &[u8]) -> Option<usize> {
    Some(((*b.first()? as usize) << 16) | ((*b.get(1)? as usize) << 8) | *b.get(2)? as usize)
}

fn parse_server_hello(b: &[u8]) -> Option<(u16, u16)> {
    let version = u16::from_be_bytes([*b.first()?, *b.get(1)?]);
    let at = 35 + *b.get(34)? as usize; // after version, random, session id
    let suite = u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]);
    b.get(at + 2)?; // compression method must be there
    Some((version, suite))
}

fn parse_certificates(b: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut rest = b.get(3..)?;
    if rest.len() != u24(b)? {
        return None;
    }
    let mut certs = Vec::new();
    while !rest.is_empty() {
        let len = u24(rest)?;
        certs.push(rest.get(3..3 + len)?.to_vec());
        rest = rest.get(3 + len..)?;
    }
    Some(certs)
}

pub(crate) fn escape(bytes: &[u8]) -> String {
    let mut s = String::new();
    for &b in bytes.iter().take(64) {
        match b {
            b'\r' => s.push_str("\\r"),
            b'\n' => s.push_str("\\n"),
            b'\t' => s.push_str("\\t"),
            b'\\' => s.push_str("\\\\"),
            0x20..=0x7e => s.push(b as char),
            _ => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    s
}

fn malformed(detail: impl Into<String>) -> LegacyOutcome {
    LegacyOutcome::Malformed {
        detail: detail.into(),
    }
}

enum End {
    Eof,
    Timeout,
    Budget(usize),
}

/// Pure, incremental parser of the server's first flight, kept apart from I/O so it can be fuzzed.
#[derive(Default)]
struct Reader {
    buf: Vec<u8>,
    handshake: Vec<u8>,
    alert: Vec<u8>,
    seen_record: bool,
    hello: Option<(u16, u16)>,
    certificates: Option<Vec<Vec<u8>>>,
    warning: Option<u8>,
}

impl Reader {
    fn accepted(&self) -> Option<LegacyOutcome> {
        self.hello.map(|(v, s)| LegacyOutcome::Accepted {
            version: version_label(v),
            cipher_suite: s,
            cipher_name: cipher_name(s),
        })
    }

    /// The ServerHello without the rest of the flight, and why the rest never came.
    fn incomplete(&self, detail: String) -> Option<LegacyOutcome> {
        self.hello.map(|(v, s)| LegacyOutcome::Incomplete {
            version: version_label(v),
            cipher_suite: s,
            cipher_name: cipher_name(s),
            detail,
        })
    }

    fn end(&self, why: End) -> LegacyOutcome {
        let after_hello = match &why {
            End::Timeout => "no ServerHelloDone before the timeout".to_string(),
            End::Eof => "the connection closed before ServerHelloDone".to_string(),
            End::Budget(n) => format!("no ServerHelloDone within max_bytes ({n} bytes)"),
        };
        if let Some(incomplete) = self.incomplete(after_hello) {
            return incomplete;
        }
        match why {
            End::Timeout => LegacyOutcome::Timeout,
            End::Budget(n) => malformed(format!("no ServerHello within max_bytes ({n} bytes)")),
            End::Eof if !self.buf.is_empty() || !self.handshake.is_empty() => {
                malformed("connection closed in the middle of a record or handshake message")
            }
            End::Eof => match self.warning {
                Some(d) => LegacyOutcome::Alert {
                    description: d,
                    name: alert_name(d),
                },
                None => LegacyOutcome::Closed,
            },
        }
    }

    /// Returns the outcome as soon as the data seen so far settles it.
    fn feed(&mut self, data: &[u8]) -> Option<LegacyOutcome> {
        self.buf.extend_from_slice(data);
        loop {
            let is_tls_type = |t: u8| (20..=24).contains(&t);
            if !self.seen_record {
                // Decide on the first byte or two so a banner like "220 ..." is reported as such.
                let head_ok = self.buf.first().is_none_or(|&t| is_tls_type(t))
                    && self.buf.get(1).is_none_or(|&m| m == 3);
                if !head_ok {
                    return Some(LegacyOutcome::NotTls {
                        first_bytes: escape(&self.buf),
                    });
                }
            }
            let header: [u8; 5] = self.buf.get(..5)?.try_into().ok()?;
            let [kind, major, _, len_hi, len_lo] = header;
            let len = u16::from_be_bytes([len_hi, len_lo]) as usize;
            if !is_tls_type(kind) || major != 3 {
                return Some(malformed(format!("bad record header {header:02x?}")));
            }
            if len > MAX_RECORD {
                return Some(malformed(format!(
                    "record length {len} exceeds {MAX_RECORD}"
                )));
            }
            if self.buf.len() < 5 + len {
                return None;
            }
            let payload: Vec<u8> = self.buf.drain(..5 + len).skip(5).collect();
            self.seen_record = true;
            let done = match kind {
                22 => {
                    self.handshake.extend_from_slice(&payload);
                    self.handshake_messages()
                }
                21 => {
                    self.alert.extend_from_slice(&payload);
                    self.alerts()
                }
                20 => None, // stray ChangeCipherSpec: harmless, nothing to learn
                _ => Some(malformed(format!(
                    "record type {kind} before the handshake"
                ))),
            };
            if done.is_some() {
                return done;
            }
        }
    }

    fn alerts(&mut self) -> Option<LegacyOutcome> {
        while let [level, d, ..] = self.alert[..] {
            self.alert.drain(..2);
            if self.hello.is_some() && (level != 1 || d == 0) {
                return self.incomplete(format!(
                    "alert {} ({d}) after the ServerHello",
                    alert_name(d)
                ));
            }
            // Warnings (e.g. unrecognized_name) usually precede a normal ServerHello; keep going but
            // remember them in case the server then hangs up.
            if level != 1 || d == 0 {
                return Some(LegacyOutcome::Alert {
                    description: d,
                    name: alert_name(d),
                });
            }
            self.warning = Some(d);
        }
        None
    }

    fn handshake_messages(&mut self) -> Option<LegacyOutcome> {
        while let Some(len) = self.handshake.get(1..4).and_then(u24) {
            if self.handshake.len() < 4 + len {
                return None;
            }
            let msg: Vec<u8> = self.handshake.drain(..4 + len).collect();
            let (&[kind, ..], Some(body)) = (msg.as_slice(), msg.get(4..)) else {
                return None;
            };
            match (kind, self.hello.is_some()) {
                (0, _) => {} // HelloRequest
                (2, false) => match parse_server_hello(body) {
                    Some(h) => self.hello = Some(h),
                    None => return Some(malformed("truncated ServerHello")),
                },
                (11, true) => match parse_certificates(body) {
                    Some(c) => self.certificates = Some(c),
                    None => return Some(malformed("inconsistent Certificate message")),
                },
                (14, true) => return self.accepted(), // ServerHelloDone: no certificate coming
                (_, true) => {}                       // ServerKeyExchange, CertificateStatus, ...
                (t, false) => {
                    return Some(malformed(format!("handshake type {t} before ServerHello")))
                }
            }
        }
        None
    }
}

fn fresh_random() -> [u8; 32] {
    use ring::rand::SecureRandom;
    let mut r = [0u8; 32];
    if ring::rand::SystemRandom::new().fill(&mut r).is_err() {
        // The handshake is never completed, so uniqueness is all the random has to provide.
        let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
        r[..16].copy_from_slice(&t.map(|d| d.as_nanos()).unwrap_or(0).to_le_bytes());
    }
    r
}

/// Sends one ClientHello for `offered` and reads the server's answer. The whole exchange shares one
/// deadline, and at most `max_bytes` are read; the stream is left mid-handshake for the caller to drop.
pub async fn probe<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    offered: LegacyVersion,
    sni: Option<&str>,
    timeout: Duration,
    max_bytes: usize,
) -> LegacyHello {
    let deadline = tokio::time::Instant::now() + timeout;
    let hello = client_hello(offered, sni, fresh_random());
    // A failed write is not conclusive: the server may already have said why (a banner, an alert).
    let _ = tokio::time::timeout_at(deadline, async {
        stream.write_all(&hello).await?;
        stream.flush().await
    })
    .await;

    let mut reader = Reader::default();
    let mut bytes_read = 0;
    let mut chunk = [0u8; 4096];
    let outcome = loop {
        let room = max_bytes.saturating_sub(bytes_read).min(chunk.len());
        if room == 0 {
            break reader.end(End::Budget(max_bytes));
        }
        match tokio::time::timeout_at(
            deadline,
            stream.read(chunk.get_mut(..room).unwrap_or_default()),
        )
        .await
        {
            Err(_) => break reader.end(End::Timeout),
            Ok(Err(_)) | Ok(Ok(0)) => break reader.end(End::Eof),
            Ok(Ok(n)) => {
                bytes_read += n;
                if let Some(done) = reader.feed(chunk.get(..n).unwrap_or_default()) {
                    break done;
                }
            }
        }
    };
    LegacyHello {
        offered,
        outcome,
        certificates: reader.certificates.unwrap_or_default(),
        bytes_read,
    }
}

#[cfg(test)]
#[path = "legacy_tls_tests.rs"]
mod tests;
