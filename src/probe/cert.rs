//! X.509 facts for the evidence (subject, SANs, validity, key, fingerprint) and host-name
//! matching by RFC 6125 rules: SANs only (clients ignore the CN), one left-most wildcard label.

use crate::evidence::Certificate;
use std::net::IpAddr;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::oid_registry::OID_PKIX_ACCESS_DESCRIPTOR_CA_ISSUERS;
use x509_parser::prelude::*;
use x509_parser::public_key::PublicKey;

/// Parses a DER certificate; an unparsable one still yields its fingerprint and the error.
pub fn parse(der: &[u8]) -> Certificate {
    let sha256 = hex(ring::digest::digest(&ring::digest::SHA256, der).as_ref());
    match X509Certificate::from_der(der) {
        Ok((_, c)) => from_parsed(&c, sha256, der),
        Err(e) => Certificate {
            sha512: Some(hex(
                ring::digest::digest(&ring::digest::SHA512, der).as_ref()
            )),
            spki_sha256: None,
            spki_sha512: None,
            subject: String::new(),
            issuer: String::new(),
            subject_cn: None,
            sans: Vec::new(),
            serial: String::new(),
            not_before: String::new(),
            not_after: String::new(),
            not_before_unix: 0,
            not_after_unix: 0,
            key_type: "unknown".into(),
            key_bits: None,
            signature_algorithm: String::new(),
            sha256,
            self_signed: false,
            is_ca: false,
            has_ca_issuers_url: false,
            parse_error: Some(e.to_string()),
        },
    }
}

fn from_parsed(c: &X509Certificate<'_>, sha256: String, der: &[u8]) -> Certificate {
    let mut sans = Vec::new();
    if let Ok(Some(ext)) = c.subject_alternative_name() {
        for n in &ext.value.general_names {
            match n {
                GeneralName::DNSName(d) => sans.push(format!("DNS:{d}")),
                GeneralName::IPAddress(b) => {
                    if let Some(ip) = ip_from_bytes(b) {
                        sans.push(format!("IP:{ip}"));
                    }
                }
                _ => {}
            }
        }
    }
    let has_ca_issuers_url = c.extensions().iter().any(|e| match e.parsed_extension() {
        ParsedExtension::AuthorityInfoAccess(aia) => aia
            .accessdescs
            .iter()
            .any(|d| d.access_method == OID_PKIX_ACCESS_DESCRIPTOR_CA_ISSUERS),
        _ => false,
    });
    let (key_type, key_bits) = match c.public_key().parsed() {
        Ok(PublicKey::RSA(rsa)) => ("RSA".to_string(), Some(rsa.key_size() as u32)),
        Ok(PublicKey::EC(ec)) => ("EC".to_string(), Some(ec.key_size() as u32)),
        Ok(PublicKey::DSA(_)) => ("DSA".to_string(), None),
        _ => {
            let oid = &c.public_key().algorithm.algorithm;
            let name = oid_name(oid);
            let bits = if name.eq_ignore_ascii_case("ed25519") {
                Some(256)
            } else {
                None
            };
            (name, bits)
        }
    };
    let subject_cn = c
        .subject()
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .map(str::to_string);
    let nb = c.validity().not_before;
    let na = c.validity().not_after;
    Certificate {
        subject: c.subject().to_string(),
        issuer: c.issuer().to_string(),
        subject_cn,
        sans,
        serial: c.raw_serial_as_string(),
        not_before: rfc3339(nb.timestamp()),
        not_after: rfc3339(na.timestamp()),
        not_before_unix: nb.timestamp(),
        not_after_unix: na.timestamp(),
        key_type,
        key_bits,
        signature_algorithm: oid_name(&c.signature_algorithm.algorithm),
        sha256,
        sha512: Some(hex(
            ring::digest::digest(&ring::digest::SHA512, der).as_ref()
        )),
        spki_sha256: Some(hex(ring::digest::digest(
            &ring::digest::SHA256,
            c.public_key().raw,
        )
        .as_ref())),
        spki_sha512: Some(hex(ring::digest::digest(
            &ring::digest::SHA512,
            c.public_key().raw,
        )
        .as_ref())),
        self_signed: c.subject().as_raw() == c.issuer().as_raw(),
        is_ca: c.is_ca(),
        has_ca_issuers_url,
        parse_error: None,
    }
}

fn oid_name(oid: &x509_parser::der_parser::oid::Oid<'_>) -> String {
    x509_parser::objects::oid2sn(oid, x509_parser::objects::oid_registry())
        .map(str::to_string)
        .unwrap_or_else(|_| oid.to_id_string())
}

fn ip_from_bytes(b: &[u8]) -> Option<IpAddr> {
    match b.len() {
        4 => Some(IpAddr::from(<[u8; 4]>::try_from(b).ok()?)),
        16 => Some(IpAddr::from(<[u8; 16]>::try_from(b).ok()?)),
        _ => None,
    }
}

pub fn rfc3339(unix: i64) -> String {
    ::time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&::time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| unix.to_string())
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub use crate::names::{ip_matches, name_matches};

#[cfg(test)]
mod tests {
    use super::*;

    fn sans(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn wildcard_matches_one_label_only() {
        let s = sans(&["DNS:*.example.com", "DNS:mail.test"]);
        assert!(name_matches(&s, "smtp.example.com"));
        assert!(name_matches(&s, "SMTP.Example.com."));
        assert!(!name_matches(&s, "a.b.example.com"));
        assert!(!name_matches(&s, "example.com"));
        assert!(name_matches(&s, "mail.test"));
        assert!(!name_matches(&s, "other.test"));
    }

    #[test]
    fn wildcard_needs_two_labels_after_it() {
        assert!(!name_matches(&sans(&["DNS:*.com"]), "example.com"));
    }

    #[test]
    fn ip_sans() {
        let s = sans(&["IP:127.0.0.1", "DNS:x.test"]);
        assert!(ip_matches(&s, "127.0.0.1".parse().unwrap()));
        assert!(name_matches(&s, "127.0.0.1"));
        assert!(!ip_matches(&s, "::1".parse().unwrap()));
    }

    #[test]
    fn garbage_der_is_recorded_not_fatal() {
        let c = parse(b"not a certificate");
        assert!(c.parse_error.is_some());
        assert_eq!(c.sha256.len(), 64);
    }

    #[test]
    fn parses_generated_certificate() {
        let key = rcgen::KeyPair::generate().unwrap();
        let params = rcgen::CertificateParams::new(vec!["mx.example.test".into()]).unwrap();
        let cert = params.self_signed(&key).unwrap();
        let c = parse(cert.der());
        assert_eq!(c.sans, vec!["DNS:mx.example.test".to_string()]);
        assert!(c.self_signed);
        assert_eq!(c.key_type, "EC");
        assert_eq!(c.key_bits, Some(256));
        assert!(c.not_after_unix > c.not_before_unix);
    }
}
