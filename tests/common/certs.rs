//! Certificates made on the fly for the hostile TLS servers: chains of any depth, oversized
//! certificates, thousands of names, extreme validity dates — and a rustls acceptor serving one.

#![allow(dead_code)]

use rcgen::{BasicConstraints, CertificateParams, CustomExtension, DnType, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::sync::Arc;
use tokio_rustls::TlsAcceptor;

/// A chain to serve (leaf first) and the leaf's key.
pub struct Served {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
}

fn key_der(k: &KeyPair) -> PrivateKeyDer<'static> {
    PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(k.serialize_der()))
}

fn leaf_params(names: Vec<String>) -> CertificateParams {
    let mut p = CertificateParams::new(names).expect("leaf params");
    p.distinguished_name.push(DnType::CommonName, "leaf.test");
    p
}

/// A self-signed leaf with these parameters.
pub fn self_signed(params: CertificateParams) -> Served {
    let key = KeyPair::generate().expect("key");
    let cert = params.self_signed(&key).expect("self-signed");
    Served {
        chain: vec![cert.der().clone()],
        key: key_der(&key),
    }
}

/// A leaf under `intermediates` CA certificates under a self-signed root; the root is not sent.
pub fn deep_chain(intermediates: usize, leaf_name: &str) -> Served {
    let mut root = CertificateParams::new(Vec::<String>::new()).expect("root params");
    root.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    root.distinguished_name
        .push(DnType::CommonName, "Deep Root");
    let root_key = KeyPair::generate().expect("key");
    let mut issuer = Issuer::new(root, root_key);
    let mut sent = Vec::new();
    for i in 0..intermediates {
        let mut p = CertificateParams::new(Vec::<String>::new()).expect("ca params");
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.distinguished_name
            .push(DnType::CommonName, format!("Deep CA {i}"));
        let k = KeyPair::generate().expect("key");
        let c = p.signed_by(&k, &issuer).expect("ca cert");
        sent.push(c.der().clone());
        issuer = Issuer::new(p, k);
    }
    let leaf_key = KeyPair::generate().expect("key");
    let leaf = leaf_params(vec![leaf_name.to_string()])
        .signed_by(&leaf_key, &issuer)
        .expect("leaf");
    sent.push(leaf.der().clone());
    sent.reverse();
    Served {
        chain: sent,
        key: key_der(&leaf_key),
    }
}

/// A self-signed certificate padded with a private extension to about `bytes` bytes.
pub fn oversized(bytes: usize, name: &str) -> Served {
    let mut p = leaf_params(vec![name.to_string()]);
    // An OCTET STRING of `bytes` zeros, in a non-critical extension under a private OID.
    let mut content = vec![0x04, 0x83];
    content.extend_from_slice(&(bytes as u32).to_be_bytes()[1..]);
    content.resize(content.len() + bytes, 0);
    p.custom_extensions.push(CustomExtension::from_oid_content(
        &[1, 3, 6, 1, 4, 1, 55555, 1],
        content,
    ));
    self_signed(p)
}

/// A self-signed certificate for `count` names `s0.t` … (the first one is `first`).
pub fn many_names(count: usize, first: &str) -> Served {
    let mut names = vec![first.to_string()];
    names.extend((1..count).map(|i| format!("s{i}.t")));
    self_signed(leaf_params(names))
}

/// A self-signed certificate for `name`, valid between the two dates (year, month, day).
pub fn dated(name: &str, from: (i32, u8, u8), to: (i32, u8, u8)) -> Served {
    let mut p = leaf_params(vec![name.to_string()]);
    p.not_before = rcgen::date_time_ymd(from.0, from.1, from.2);
    p.not_after = rcgen::date_time_ymd(to.0, to.1, to.2);
    self_signed(p)
}

/// A rustls server serving `served`. The chain is not checked against the key (webpki cannot
/// parse a certificate over 64 KiB, and serving one is the point).
pub fn acceptor(served: Served) -> TlsAcceptor {
    let key = rustls::crypto::ring::sign::any_supported_type(&served.key).expect("signing key");
    let certified = rustls::sign::CertifiedKey::new(served.chain, key);
    let cfg = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("ring supports the default versions")
    .with_no_client_auth()
    .with_cert_resolver(Arc::new(rustls::sign::SingleCertAndKey::from(certified)));
    TlsAcceptor::from(Arc::new(cfg))
}

/// A CA (its PEM, for `--ca-file`) and a leaf for `name` it signed, served without the CA.
pub fn ca_signed(name: &str) -> (String, Served) {
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "Hostile Test CA");
    let ca_key = KeyPair::generate().expect("key");
    let ca_pem = ca.self_signed(&ca_key).expect("ca").pem();
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().expect("key");
    let leaf = leaf_params(vec![name.to_string()])
        .signed_by(&key, &issuer)
        .expect("leaf");
    let served = Served {
        chain: vec![leaf.der().clone()],
        key: key_der(&key),
    };
    (ca_pem, served)
}
