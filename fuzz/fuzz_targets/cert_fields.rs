//! Fuzz the certificate reader (DER to the evidence's fields) and the host-name matching
//! over the SANs it yields: fingerprints are the hashes of the input, every field survives a
//! JSON round trip, and a name matches only through a SAN.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mxray::evidence::Certificate;
use mxray::probe::cert;

fuzz_target!(|der: &[u8]| {
    let c = cert::parse(der);
    assert_eq!(c.sha256.len(), 64);
    assert!(c.sha256.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(c.sha512.as_deref().map(str::len), Some(128));
    assert_eq!(c.parse_error.is_some(), c.spki_sha256.is_none());
    for san in &c.sans {
        assert!(san.starts_with("DNS:") || san.starts_with("IP:"), "{san}");
    }
    let json = serde_json::to_string(&c).expect("serializes");
    let back: Certificate = serde_json::from_str(&json).expect("deserializes");
    assert_eq!(back, c);
    let _ = (
        cert::rfc3339(c.not_before_unix),
        cert::rfc3339(c.not_after_unix),
    );
    if c.sans.is_empty() {
        assert!(!cert::name_matches(&c.sans, "mail.example.com"));
    }
    for san in &c.sans {
        if let Some(name) = san.strip_prefix("DNS:") {
            let _ = cert::name_matches(&c.sans, name);
            let _ = cert::name_matches(&c.sans, &format!("x.{name}"));
        }
        if let Some(ip) = san.strip_prefix("IP:").and_then(|t| t.parse().ok()) {
            assert!(cert::ip_matches(&c.sans, ip), "{san}");
        }
    }
});
