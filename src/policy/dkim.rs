//! DKIM public-key records (RFC 6376 §3.6.1, RFC 8463 for ed25519): parsing of the TXT record at
//! `selector._domainkey.domain`, with the key itself decoded to report its type and size.
//!
//! Syntax (RFC 6376 §3.2): `tag=value` pairs separated by `;`, whitespace around tags, `=` and `;`
//! allowed, trailing `;` allowed, empty segments (`;;`) skipped, duplicate tags an error. Tag
//! names are case-sensitive as RFC 6376 §3.2 says (`P=` is an unknown tag; the missing-`p` error
//! then points at it). Values of `k`, `h`, `s` and `t` are compared case-insensitively (ABNF
//! literals). Problems with the key material are not syntax errors: they land in `key_error`, so
//! the rest of the record is still reported.

use super::tags::{err, split_tags};
pub use super::tags::{SyntaxError, UnknownTag};
use super::text::{excerpt, is_ws};
use serde::{Deserialize, Serialize};
use x509_parser::prelude::FromDer;
use x509_parser::public_key::RSAPublicKey;
use x509_parser::x509::SubjectPublicKeyInfo;

/// The `k=` key type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyType {
    Rsa,
    Ed25519,
    /// A type this parser does not know, as written (verifiers ignore such keys).
    Other(String),
}

/// How the `p=` bytes were laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyFormat {
    /// RSA in a SubjectPublicKeyInfo, as RFC 6376 §3.6.1 requires.
    RsaSpki,
    /// A bare PKCS#1 RSAPublicKey: not what RFC 6376 specifies, though some publishers use it and
    /// some verifiers accept it; others fail the signature.
    RsaPkcs1,
    /// The raw 32-byte ed25519 key, as RFC 8463 §4.2 requires.
    Ed25519Raw,
    /// An ed25519 key wrapped in a SubjectPublicKeyInfo: RFC 8463 verifiers reject it.
    Ed25519Spki,
}

/// A parsed DKIM key record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DkimKey {
    /// `v=`, when present (always `DKIM1`).
    pub version: Option<String>,
    /// `k=`, default `rsa`.
    pub key_type: KeyType,
    /// `h=` acceptable hash algorithms as written; empty when absent (any).
    pub hash_algorithms: Vec<String>,
    /// `s=` service types as written; empty when absent (default `*`).
    pub service_types: Vec<String>,
    /// `t=` flags as written (`y`, `s`, and unknown ones, which verifiers ignore).
    pub flags: Vec<String>,
    /// `n=` notes, as written.
    pub notes: Option<String>,
    /// `p=` with the whitespace removed; empty when the key is revoked.
    pub public_key: String,
    /// `p=` is empty: the key was revoked.
    pub revoked: bool,
    /// `t=y`: the domain is testing DKIM.
    pub testing: bool,
    /// `t=s`: the `i=` domain must equal `d=`, no subdomains.
    pub strict: bool,
    /// RSA modulus size, or 256 for ed25519; `None` when unknown.
    pub key_bits: Option<u32>,
    pub key_format: Option<KeyFormat>,
    /// Why the key cannot be used: bad base64, not a key, or not of the `k=` type.
    pub key_error: Option<String>,
    pub unknown_tags: Vec<UnknownTag>,
}

impl DkimKey {
    /// The key is larger than any verifier accepts or any TXT record holds.
    pub fn absurd_size(&self) -> bool {
        self.public_key.len() > MAX_KEY_CHARS
            || matches!(self.key_type, KeyType::Rsa)
                && self.key_bits.is_some_and(|b| b > MAX_RSA_BITS)
    }

    /// Whether the key may sign mail: `s=` absent, `*` or listing `email`.
    pub fn email_allowed(&self) -> bool {
        self.service_types.is_empty()
            || self
                .service_types
                .iter()
                .any(|s| s == "*" || s.eq_ignore_ascii_case("email"))
    }
}

/// RFC 6376 §3.2 `tag-name = ALPHA *ALNUMPUNC` (`ALNUMPUNC` is letters, digits and `_`).
fn is_tag_name(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A colon-separated list (RFC 6376 `h=`, `s=`, `t=`), items trimmed; an empty item is an error.
fn colon_list(tag: &str, value: &str) -> Result<Vec<String>, SyntaxError> {
    let mut out = Vec::new();
    for item in value.split(':') {
        let item = item.trim_matches(is_ws);
        if item.is_empty() {
            return Err(err(tag, "empty item in colon-separated list"));
        }
        out.push(item.to_string());
    }
    Ok(out)
}

/// Parses a DKIM key record (the concatenated strings of one TXT record).
pub fn parse(txt: &str) -> Result<DkimKey, SyntaxError> {
    let tags = split_tags(txt, is_tag_name)?;
    let mut key = DkimKey {
        version: None,
        key_type: KeyType::Rsa,
        hash_algorithms: Vec::new(),
        service_types: Vec::new(),
        flags: Vec::new(),
        notes: None,
        public_key: String::new(),
        revoked: false,
        testing: false,
        strict: false,
        key_bits: None,
        key_format: None,
        key_error: None,
        unknown_tags: Vec::new(),
    };
    let mut seen: Vec<&str> = Vec::new();
    let mut p = None;
    for (i, &(name, value)) in tags.iter().enumerate() {
        if seen.contains(&name) {
            return Err(err(name, "duplicate tag"));
        }
        seen.push(name);
        match name {
            "v" => {
                if i != 0 {
                    return Err(err("v", "v= must be the first tag"));
                }
                if value != "DKIM1" {
                    return Err(err(
                        "v",
                        format!("version is '{}', expected DKIM1", excerpt(value)),
                    ));
                }
                key.version = Some(value.to_string());
            }
            "k" => {
                key.key_type = match value.to_ascii_lowercase().as_str() {
                    "rsa" => KeyType::Rsa,
                    "ed25519" => KeyType::Ed25519,
                    "" => return Err(err("k", "empty key type")),
                    _ => KeyType::Other(value.to_string()),
                }
            }
            "h" => key.hash_algorithms = colon_list("h", value)?,
            "s" => key.service_types = colon_list("s", value)?,
            "t" => key.flags = colon_list("t", value)?,
            "n" => key.notes = Some(value.to_string()),
            "p" => p = Some(value),
            _ => key.unknown_tags.push(UnknownTag {
                name: name.to_string(),
                value: value.to_string(),
            }),
        }
    }
    key.testing = key.flags.iter().any(|f| f.eq_ignore_ascii_case("y"));
    key.strict = key.flags.iter().any(|f| f.eq_ignore_ascii_case("s"));
    let Some(p) = p else {
        let hint = if seen.contains(&"P") {
            " (tag names are case-sensitive: 'P' is not 'p')"
        } else {
            ""
        };
        return Err(err("p", format!("required tag p is missing{hint}")));
    };
    key.public_key = p.chars().filter(|c| !is_ws(*c)).collect();
    if key.public_key.is_empty() {
        key.revoked = true;
        return Ok(key);
    }
    if key.public_key.len() > MAX_KEY_CHARS {
        // Only a saved report can carry more than one TXT record holds: not worth decoding.
        key.key_error = Some(format!(
            "p= is {} characters, more than a DNS TXT record can hold",
            key.public_key.len()
        ));
        return Ok(key);
    }
    match decode_base64(&key.public_key) {
        Err(e) => key.key_error = Some(format!("p= is not valid base64: {e}")),
        Ok(der) => {
            let facts = inspect_key(&key.key_type, &der);
            (key.key_bits, key.key_format, key.key_error) = (facts.bits, facts.format, facts.error);
        }
    }
    if let (KeyType::Rsa, Some(bits), None) = (&key.key_type, key.key_bits, &key.key_error) {
        if bits > MAX_RSA_BITS {
            key.key_error = Some(format!(
                "the RSA key is {bits} bits: verifiers refuse keys over {MAX_RSA_BITS} bits \
                 (RFC 8301 §3.2 asks them to handle 1024 to 4096)"
            ));
        }
    }
    Ok(key)
}

/// The largest RSA key any verifier is known to accept; RFC 8301 §3.2 requires only 4096.
pub const MAX_RSA_BITS: u32 = 8192;
/// A TXT record's data is at most 65,535 octets (RFC 1035 §3.2.1): no `p=` can be longer.
pub const MAX_KEY_CHARS: usize = 65_535;

const OID_RSA: &str = "1.2.840.113549.1.1.1";
const OID_ED25519: &str = "1.3.101.112";

/// What the decoded `p=` bytes turned out to be.
#[derive(Default)]
struct KeyFacts {
    bits: Option<u32>,
    format: Option<KeyFormat>,
    error: Option<String>,
}

impl KeyFacts {
    fn ok(bits: u32, format: KeyFormat) -> KeyFacts {
        KeyFacts {
            bits: Some(bits),
            format: Some(format),
            error: None,
        }
    }
    fn bad(message: impl Into<String>) -> KeyFacts {
        KeyFacts {
            error: Some(message.into()),
            ..KeyFacts::default()
        }
    }
}

/// Key size and layout of the decoded `p=` bytes, checked against the declared key type.
fn inspect_key(key_type: &KeyType, der: &[u8]) -> KeyFacts {
    let spki = match SubjectPublicKeyInfo::from_der(der) {
        Ok(([], spki)) => Some(spki),
        _ => None,
    };
    let oid = spki.as_ref().map(|s| s.algorithm.algorithm.to_id_string());
    match key_type {
        KeyType::Other(_) => KeyFacts::default(),
        KeyType::Ed25519 => match oid.as_deref() {
            None if der.len() == 32 => KeyFacts::ok(256, KeyFormat::Ed25519Raw),
            None => KeyFacts::bad(format!("k=ed25519 but p= is {} bytes, not a 32-byte ed25519 key", der.len())),
            Some(OID_ED25519) => KeyFacts {
                error: Some("ed25519 key wrapped in a SubjectPublicKeyInfo; RFC 8463 requires the raw 32 bytes".into()),
                ..KeyFacts::ok(256, KeyFormat::Ed25519Spki)
            },
            Some(OID_RSA) => KeyFacts::bad("k=ed25519 but p= holds an RSA key"),
            Some(oid) => KeyFacts::bad(format!("k=ed25519 but p= holds a key of algorithm {oid}")),
        },
        KeyType::Rsa => match (spki, oid.as_deref()) {
            (Some(spki), Some(OID_RSA)) => rsa_key(&spki.subject_public_key.data, KeyFormat::RsaSpki)
                .unwrap_or_else(|| KeyFacts::bad("the SubjectPublicKeyInfo holds a malformed RSA key")),
            (Some(_), Some(OID_ED25519)) => KeyFacts::bad("k=rsa (the default) but p= holds an ed25519 key"),
            (Some(_), Some(oid)) => KeyFacts::bad(format!("k=rsa but p= holds a key of algorithm {oid}")),
            _ => rsa_key(der, KeyFormat::RsaPkcs1).unwrap_or_else(|| {
                if der.len() == 32 {
                    KeyFacts::bad("p= is 32 bytes, like a raw ed25519 key, but k=ed25519 is missing")
                } else {
                    KeyFacts::bad(format!("p= ({} bytes) is not an RSA public key", der.len()))
                }
            }),
        },
    }
}

/// A DER RSAPublicKey (PKCS#1) filling all of `der`, with a non-zero modulus.
fn rsa_key(der: &[u8], format: KeyFormat) -> Option<KeyFacts> {
    match RSAPublicKey::from_der(der) {
        Ok(([], rsa)) => Some(KeyFacts::ok(rsa_bits(rsa.modulus)?, format)),
        _ => None,
    }
}

/// Bits in a big-endian modulus, leading zero bytes and bits not counted.
fn rsa_bits(modulus: &[u8]) -> Option<u32> {
    let start = modulus.iter().position(|&b| b != 0)?;
    let significant = u32::try_from(modulus.len() - start).ok()?;
    Some(significant * 8 - modulus.get(start)?.leading_zeros())
}

/// Standard base64 (RFC 4648 §4). Whitespace anywhere is skipped; the `=` padding may be omitted
/// but, when present, must complete the last group and end the data.
fn decode_base64(s: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut nbits, mut count, mut pad) = (0u32, 0u32, 0usize, 0usize);
    for c in s.chars() {
        if is_ws(c) {
            continue;
        }
        if c == '=' {
            pad += 1;
            continue;
        }
        if pad > 0 {
            return Err("data after '=' padding".to_string());
        }
        let v = match c {
            'A'..='Z' => c as u32 - 'A' as u32,
            'a'..='z' => c as u32 - 'a' as u32 + 26,
            '0'..='9' => c as u32 - '0' as u32 + 52,
            '+' => 62,
            '/' => 63,
            _ => return Err(format!("invalid character {c:?}")),
        };
        acc = (acc << 6) | v;
        nbits += 6;
        count += 1;
        if nbits >= 8 {
            nbits -= 8;
            out.push((acc >> nbits) as u8);
            acc &= (1 << nbits) - 1;
        }
    }
    if count % 4 == 1 {
        return Err("truncated: one character left over".to_string());
    }
    if pad > 0 && ((count + pad) % 4 != 0 || pad > 2) {
        return Err("wrong amount of '=' padding".to_string());
    }
    Ok(out)
}

#[cfg(test)]
#[path = "dkim_tests.rs"]
mod tests;
