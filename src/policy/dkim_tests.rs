//! Tests for the DKIM key record parser. The keys were generated with openssl when these tests
//! were written (`openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:N`, then
//! `openssl pkey -pubout -outform DER | base64`); tests never run openssl.

use super::*;
use crate::policy::mutation::{mutant, Rng};

/// RSA-1024 SubjectPublicKeyInfo.
const RSA_1024: &str = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDPsNW/TMk2DH+8p449ll91cwAkmSOo1hbNqY8qwHnzhAhN4rodRg8AgVzYGvMX/Qz91mfEmIBGf2tc3TEql/XFkbbGWdjSRoobHdJeDL2bcmkNzwL/qkBnpTYCqZSXeqcC8pZGufL7qd7nx0Q878IQpAIf7CvFhHOWs7Kfh+LkuwIDAQAB";
/// RSA-2048 SubjectPublicKeyInfo.
const RSA_2048: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAy2V6WibIbAQY2p6bf5m2t/UQX7O1ks5mEqM40Jf0vJ4wyPXUzMv50gRhCL4vaOTMT7iBpoYDACEZuin8Wr3RiU0ytxmv0DAaGYWAShPtAXJkOr2iw/TcEALGgrR0y80X9nRUlzKReWsTV8K5wrAvn5ohLj/c7yiGCtSV+y+pAPQ+Jk0oLY/iUOfzu3TMboKt384AtdGjfjN7f5Hzxbd5vpd8sIa4ppWxkCxbaALneweF9TmxZdNfmGfe6EW2Qpw070OcgifmjBi8K/Ow02KF6fhZ5FDnA+HlccszmPT8ofTrtV/kdRj2jZB5Jc+XL6TzfEhIjNnOC1tNFuR0yBNT8wIDAQAB";
/// The same 2048-bit key as a bare PKCS#1 RSAPublicKey (`openssl rsa -RSAPublicKey_out`).
const RSA_2048_PKCS1: &str = "MIIBCgKCAQEAy2V6WibIbAQY2p6bf5m2t/UQX7O1ks5mEqM40Jf0vJ4wyPXUzMv50gRhCL4vaOTMT7iBpoYDACEZuin8Wr3RiU0ytxmv0DAaGYWAShPtAXJkOr2iw/TcEALGgrR0y80X9nRUlzKReWsTV8K5wrAvn5ohLj/c7yiGCtSV+y+pAPQ+Jk0oLY/iUOfzu3TMboKt384AtdGjfjN7f5Hzxbd5vpd8sIa4ppWxkCxbaALneweF9TmxZdNfmGfe6EW2Qpw070OcgifmjBi8K/Ow02KF6fhZ5FDnA+HlccszmPT8ofTrtV/kdRj2jZB5Jc+XL6TzfEhIjNnOC1tNFuR0yBNT8wIDAQAB";
/// RSA-1023 SubjectPublicKeyInfo: the modulus's top byte is not full.
const RSA_1023: &str = "MIGeMA0GCSqGSIb3DQEBAQUAA4GMADCBiAKBgGSBWpe/RjvIIG01Mn7NVBXxPxOJYHn9k2wtBx38B++MLvJNUOEhK8UcAvTl3zkpZLSJ9OB8GKJHmAoJ/DuCov1SA1bNlhNrOfXnck7G/HOo2f4/qpFpVifQTg+DyrhlNC4qC4GyCSvPhCUSo6DE/4qYXtcTxh519oZoo/HaKsGdAgMBAAE=";
/// Raw ed25519 public key (RFC 8463 form).
const ED25519_RAW: &str = "7zHRQ/VnfH4af7sgkNxHO6suzE7ZMeGz3tyfW2Qtt3A=";
/// The same ed25519 key wrapped in a SubjectPublicKeyInfo.
const ED25519_SPKI: &str = "MCowBQYDK2VwAyEA7zHRQ/VnfH4af7sgkNxHO6suzE7ZMeGz3tyfW2Qtt3A=";
/// An EC P-256 SubjectPublicKeyInfo (not a DKIM key type).
const EC_P256: &str = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE8ymk82ml4qApXhejTckR7SJlzl0seGohxOSUzC+Cn/FENPvHIuu1YYORyHyy3h/AtxQz5Xde4uty7cSwftX/5Q==";

fn key(txt: &str) -> DkimKey {
    parse(txt).unwrap_or_else(|e| panic!("{txt}: {e}"))
}

/// Splits `s` into 60-character chunks joined by `sep`, as TXT records often carry keys.
fn chunked(s: &str, sep: &str) -> String {
    s.as_bytes()
        .chunks(60)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join(sep)
}

#[test]
fn rsa_keys() {
    for (p, bits) in [(RSA_1024, 1024), (RSA_2048, 2048), (RSA_1023, 1023)] {
        let k = key(&format!("v=DKIM1; k=rsa; p={p}"));
        assert_eq!(k.key_bits, Some(bits));
        assert_eq!(k.key_format, Some(KeyFormat::RsaSpki));
        assert_eq!(k.key_error, None);
        assert!(!k.revoked && !k.testing);
    }
    // k= defaults to rsa; v= is optional.
    let k = key(&format!("p={RSA_2048}"));
    assert_eq!(
        (k.key_type, k.key_bits, k.version),
        (KeyType::Rsa, Some(2048), None)
    );
}

#[test]
fn rsa_key_with_whitespace() {
    for sep in [" ", "\t", "\r\n ", "  \n"] {
        let k = key(&format!("v=DKIM1; p= {} ;", chunked(RSA_2048, sep)));
        assert_eq!(k.key_bits, Some(2048), "{sep:?}");
        assert_eq!(k.public_key, RSA_2048);
    }
}

#[test]
fn pkcs1_rsa_key_is_detected() {
    let k = key(&format!("v=DKIM1; k=rsa; p={RSA_2048_PKCS1}"));
    assert_eq!(k.key_bits, Some(2048));
    assert_eq!(k.key_format, Some(KeyFormat::RsaPkcs1));
    assert_eq!(k.key_error, None);
}

#[test]
fn ed25519_keys() {
    let k = key(&format!("v=DKIM1; k=ed25519; p={ED25519_RAW}"));
    assert_eq!(
        (k.key_type.clone(), k.key_bits, k.key_format),
        (KeyType::Ed25519, Some(256), Some(KeyFormat::Ed25519Raw))
    );
    assert_eq!(k.key_error, None);
    let k = key(&format!("v=DKIM1; k=ED25519; p={ED25519_SPKI}"));
    assert_eq!(
        (k.key_bits, k.key_format),
        (Some(256), Some(KeyFormat::Ed25519Spki))
    );
    assert!(k.key_error.unwrap().contains("raw 32 bytes"));
    // RFC 8463 §A.2's example key.
    let k = key("v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
    assert_eq!((k.key_bits, k.key_error), (Some(256), None));
}

#[test]
fn key_type_mismatches() {
    let k = key(&format!("v=DKIM1; p={ED25519_RAW}"));
    assert_eq!(k.key_bits, None);
    assert!(k.key_error.unwrap().contains("k=ed25519 is missing"));
    let k = key(&format!("v=DKIM1; p={ED25519_SPKI}"));
    assert!(k.key_error.unwrap().contains("ed25519"));
    let k = key(&format!("v=DKIM1; k=ed25519; p={RSA_2048}"));
    assert!(k.key_error.unwrap().contains("RSA"));
    let k = key(&format!("v=DKIM1; k=ed25519; p={RSA_2048_PKCS1}"));
    assert!(k.key_error.unwrap().contains("not a 32-byte"));
    let k = key(&format!("v=DKIM1; p={EC_P256}"));
    assert!(k.key_error.unwrap().contains("1.2.840.10045.2.1"));
    let k = key(&format!("v=DKIM1; k=foo; p={RSA_2048}"));
    assert_eq!(
        (k.key_type, k.key_bits, k.key_error),
        (KeyType::Other("foo".into()), None, None)
    );
}

#[test]
fn revoked_key() {
    for txt in [
        "v=DKIM1; p=",
        "v=DKIM1; k=rsa; p= ;",
        "p=",
        "v=DKIM1; k=ed25519; p=\t",
    ] {
        let k = key(txt);
        assert!(k.revoked, "{txt}");
        assert_eq!(
            (k.key_bits, k.key_error, k.public_key.as_str()),
            (None, None, "")
        );
    }
}

#[test]
fn bad_key_material() {
    for (p, needle) in [
        ("not*base64", "invalid character '*'"),
        ("QUJD-_", "invalid character '-'"),
        ("QUJDRA=", "padding"),
        ("QUJD=QUJD", "after '='"),
        ("QUJDR", "truncated"),
        ("QUJDRA===", "padding"),
        ("QUJD", "not an RSA public key"),
        (
            "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAy2V6",
            "not an RSA public key",
        ),
    ] {
        let k = key(&format!("v=DKIM1; p={p}"));
        let e = k.key_error.unwrap_or_default();
        assert!(e.contains(needle), "{p}: {e}");
        assert!(!k.revoked && k.key_bits.is_none(), "{p}");
    }
    // Unpadded but otherwise valid base64 is accepted.
    let k = key(&format!("v=DKIM1; p={}", RSA_1023.trim_end_matches('=')));
    assert_eq!(k.key_bits, Some(1023));
}

#[test]
fn base64_decoder() {
    assert_eq!(decode_base64("").unwrap(), b"");
    assert_eq!(decode_base64("Zg==").unwrap(), b"f");
    assert_eq!(decode_base64("Zm8=").unwrap(), b"fo");
    assert_eq!(decode_base64("Zm9v").unwrap(), b"foo");
    assert_eq!(decode_base64(" Zm9v\r\nYmFy ").unwrap(), b"foobar");
    assert_eq!(decode_base64("Zm8").unwrap(), b"fo");
    assert_eq!(decode_base64("Zm 8 =").unwrap(), b"fo");
    assert!(decode_base64("Zg===").is_err());
    assert!(decode_base64("Z").is_err());
    assert!(decode_base64("Zé9v").is_err());
}

#[test]
fn tags_and_flags() {
    let k = key(&format!(
        "v=DKIM1; h=sha1:sha256; s=email:*; t=y:s:x; n=Notes here; g=*; p={RSA_1024}"
    ));
    assert_eq!(k.hash_algorithms, vec!["sha1", "sha256"]);
    assert_eq!(k.service_types, vec!["email", "*"]);
    assert_eq!(k.flags, vec!["y", "s", "x"]);
    assert!(k.testing && k.strict && k.email_allowed());
    assert_eq!(k.notes.as_deref(), Some("Notes here"));
    assert!(key("p=").email_allowed());
    assert!(!key("s=tlsrpt; p=").email_allowed());
    assert_eq!(
        k.unknown_tags,
        vec![UnknownTag {
            name: "g".into(),
            value: "*".into()
        }]
    );
    let k = key(&format!("t = Y ; h = sha256 ; p={RSA_1024};"));
    assert!(k.testing && !k.strict);
    assert_eq!(k.hash_algorithms, vec!["sha256"]);
}

#[test]
fn syntax_errors_name_the_tag() {
    for (txt, tag) in [
        ("k=rsa; v=DKIM1; p=", "v"),
        ("v=DKIM2; p=", "v"),
        ("v=dkim1; p=", "v"),
        ("v=DKIM1; v=DKIM1; p=", "v"),
        ("v=DKIM1; p=; p=", "p"),
        ("v=DKIM1; k=rsa; k=rsa; p=", "k"),
        ("v=DKIM1; k=; p=", "k"),
        ("v=DKIM1; h=; p=", "h"),
        ("v=DKIM1; h=sha256:; p=", "h"),
        ("v=DKIM1; t=y::s; p=", "t"),
        ("v=DKIM1; s=; p=", "s"),
        ("v=DKIM1; k=rsa", "p"),
        ("", "p"),
    ] {
        let e = parse(txt).expect_err(txt);
        assert_eq!(e.tag.as_deref(), Some(tag), "{txt}: {e}");
    }
    let e = parse(&format!("v=DKIM1; P={RSA_1024}")).unwrap_err();
    assert!(e.message.contains("case-sensitive"), "{e}");
    let e = parse("v=DKIM1; p=abc; junk").unwrap_err();
    assert_eq!(e.tag, None);
    assert!(parse("v=DKIM1; 1x=y; p=").is_err());
}

#[test]
fn serde_round_trip() {
    let k = key(&format!("v=DKIM1; k=rsa; t=y; p={RSA_2048}"));
    let json = serde_json::to_string(&k).unwrap();
    assert!(
        json.contains("\"key_type\":\"rsa\"") && json.contains("\"key_format\":\"rsa_spki\""),
        "{json}"
    );
    assert_eq!(serde_json::from_str::<DkimKey>(&json).unwrap(), k);
    let k = key("k=x-new; p=AAAA");
    let json = serde_json::to_string(&k).unwrap();
    assert_eq!(serde_json::from_str::<DkimKey>(&json).unwrap(), k);
}

/// Characters of this record's own syntax, for the mutation test.
const ALPHABET: &[char] = &[
    ';', '=', ':', ' ', '\t', '\r', '\n', 'v', 'k', 'p', 'P', 'A', 'M', 'I', 'Q', '/', '+', '0',
    '9', 'é', '€', '🦀', '\u{0}', '*', '-', '_',
];

#[test]
fn random_mutations_never_panic() {
    let corpus = [
        format!("v=DKIM1; k=rsa; p={RSA_1024}"),
        format!("v=DKIM1; h=sha256; t=y:s; p={}", chunked(RSA_2048, " ")),
        format!("k=rsa; p={RSA_2048_PKCS1};"),
        format!("v=DKIM1; k=ed25519; p={ED25519_RAW}"),
        format!("v=DKIM1; k=ed25519; n=note; s=email; p={ED25519_SPKI}"),
        format!("v=DKIM1; p={EC_P256}"),
        "v=DKIM1; p=".to_string(),
    ];
    let mut rng = Rng(0x0dd5_eed0_f00d_cafe);
    let (mut parsed, mut with_key) = (0, 0);
    for _ in 0..20_000 {
        let txt = mutant(&mut rng, &corpus, ALPHABET);
        match parse(&txt) {
            Ok(k) => {
                parsed += 1;
                with_key += usize::from(k.key_bits.is_some());
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
    assert!(
        parsed > 1000 && with_key > 100,
        "too few valid mutants: {parsed} parsed, {with_key} with a key"
    );
}

/// DER length octets (X.690 §8.1.3).
fn der_len(n: usize) -> Vec<u8> {
    if n < 128 {
        return vec![n as u8];
    }
    let bytes: Vec<u8> = n
        .to_be_bytes()
        .into_iter()
        .skip_while(|b| *b == 0)
        .collect();
    let mut out = vec![0x80 | bytes.len() as u8];
    out.extend(bytes);
    out
}

fn der(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    out.extend(der_len(body.len()));
    out.extend_from_slice(body);
    out
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in bytes.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// An RSA SubjectPublicKeyInfo whose modulus has `bytes` octets (top bit set), exponent 65537.
fn rsa_spki(bytes: usize) -> String {
    let mut modulus = vec![0u8];
    modulus.extend(std::iter::repeat_n(0xC5u8, bytes));
    let rsa = der(0x30, &[der(0x02, &modulus), der(0x02, &[1, 0, 1])].concat());
    let alg = der(
        0x30,
        &[
            der(
                0x06,
                &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01],
            ),
            vec![0x05, 0x00],
        ]
        .concat(),
    );
    let bits = der(0x03, &[&[0u8][..], &rsa].concat());
    base64(&der(0x30, &[alg, bits].concat()))
}

#[test]
fn the_test_key_builder_matches_a_real_key_layout() {
    let k = key(&format!("v=DKIM1; p={}", rsa_spki(256)));
    assert_eq!(k.key_bits, Some(2048));
    assert_eq!(k.key_format, Some(KeyFormat::RsaSpki));
    assert_eq!(k.key_error, None);
}

/// A 64 KB record holding a ~387,000-bit modulus is parsed (bounded: one pass over the text)
/// and its key is unusable, never a fine key.
#[test]
fn absurd_rsa_keys_are_unusable() {
    let p = rsa_spki(48_400);
    assert!(p.len() > 64_000 && p.len() <= 65_535, "{}", p.len());
    let k = key(&format!("v=DKIM1; k=rsa; p={p}"));
    assert_eq!(k.key_bits, Some(387_200));
    assert_eq!(
        k.key_error.as_deref(),
        Some("the RSA key is 387200 bits: verifiers refuse keys over 8192 bits (RFC 8301 §3.2 asks them to handle 1024 to 4096)")
    );
    let k = key(&format!("v=DKIM1; p={}", rsa_spki(1024)));
    assert_eq!(k.key_bits, Some(8192));
    assert_eq!(k.key_error, None);
    assert!(key(&format!("v=DKIM1; p={}", rsa_spki(1025)))
        .key_error
        .is_some());
    let k = key(&format!("v=DKIM1; p={}", "A".repeat(70_000)));
    assert_eq!(
        k.key_error.as_deref(),
        Some("p= is 70000 characters, more than a DNS TXT record can hold")
    );
    assert_eq!(k.key_bits, None);
}
