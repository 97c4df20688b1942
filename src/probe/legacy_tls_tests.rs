//! Tests of the legacy ClientHello probe: byte layout, real rustls and OpenSSL servers, and
//! hostile peers.

use super::*;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;
use tokio::net::{TcpListener, TcpStream};

const SECOND: Duration = Duration::from_secs(5);

/// Minimal ClientHello parser: (record version, client_version, suites, extensions).
type Parsed = (u16, u16, Vec<u16>, Vec<(u16, Vec<u8>)>);

fn parse_hello(b: &[u8]) -> Parsed {
    assert_eq!(b[0], 22);
    assert_eq!(u16::from_be_bytes([b[3], b[4]]) as usize, b.len() - 5);
    assert_eq!(b[5], 1);
    assert_eq!(u24(&b[6..]).unwrap(), b.len() - 9);
    let h = &b[9..];
    let mut at = 2 + 32 + 1 + h[34] as usize;
    let n = u16::from_be_bytes([h[at], h[at + 1]]) as usize;
    let suites = h[at + 2..at + 2 + n]
        .chunks(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    at += 2 + n;
    assert_eq!(&h[at..at + 2], &[1, 0]);
    at += 2;
    assert_eq!(
        u16::from_be_bytes([h[at], h[at + 1]]) as usize,
        h.len() - at - 2
    );
    at += 2;
    let mut exts = Vec::new();
    while at < h.len() {
        let len = u16::from_be_bytes([h[at + 2], h[at + 3]]) as usize;
        exts.push((
            u16::from_be_bytes([h[at], h[at + 1]]),
            h[at + 4..at + 4 + len].to_vec(),
        ));
        at += 4 + len;
    }
    assert_eq!(at, h.len());
    let rec = u16::from_be_bytes([b[1], b[2]]);
    (rec, u16::from_be_bytes([h[0], h[1]]), suites, exts)
}

#[test]
fn client_hello_is_well_formed() {
    for v in [
        LegacyVersion::Tls10,
        LegacyVersion::Tls11,
        LegacyVersion::Tls12,
    ] {
        let b = client_hello(v, Some("mx.example.test."), [7; 32]);
        let (rec, cv, suites, exts) = parse_hello(&b);
        assert_eq!((rec, cv), (0x0301, v.wire()));
        assert_eq!(&b[11..43], &[7; 32]);
        for s in [0x00ff, 0x000a, 0xc013, 0x002f] {
            assert!(suites.contains(&s), "{s:04x}");
        }
        assert_eq!(suites.contains(&0xc02f), v == LegacyVersion::Tls12);
        let kinds: Vec<u16> = exts.iter().map(|e| e.0).collect();
        assert_eq!(kinds, [0x0000, 0x000a, 0x000b, 0x000d, 0xff01]);
        assert_eq!(&exts[0].1[5..], b"mx.example.test");
        assert_eq!(exts[1].1, [0, 6, 0, 0x1d, 0, 0x17, 0, 0x18]);
    }
    for ip in ["192.0.2.1", "::1", "[::1]", ""] {
        let (.., exts) = parse_hello(&client_hello(LegacyVersion::Tls12, Some(ip), [0; 32]));
        assert!(exts.iter().all(|e| e.0 != 0 && e.0 != 0x002b), "{ip}");
    }
    let json = serde_json::to_string(&LegacyVersion::Tls11).unwrap();
    assert_eq!(json, "\"TLSv1.1\"");
    let o = serde_json::to_value(LegacyOutcome::Closed).unwrap();
    assert_eq!(o, serde_json::json!({"result": "closed"}));
}

async fn peer<F, Fut>(f: F) -> SocketAddr
where
    F: FnOnce(TcpStream) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move { f(l.accept().await.unwrap().0).await });
    addr
}

async fn run(addr: SocketAddr, v: LegacyVersion, t: Duration, max: usize) -> LegacyHello {
    let mut s = TcpStream::connect(addr).await.unwrap();
    probe(&mut s, v, Some("mx.example.test"), t, max).await
}

/// Replies with fixed bytes after reading the ClientHello, then keeps the connection open.
async fn scripted(reply: Vec<u8>) -> SocketAddr {
    peer(|mut s| async move {
        let _ = s.read(&mut [0u8; 1024]).await;
        let _ = s.write_all(&reply).await;
        tokio::time::sleep(Duration::from_secs(30)).await;
    })
    .await
}

fn records(kind: u8, payload: &[u8], chunk: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for c in payload.chunks(chunk) {
        out.extend_from_slice(&[kind, 3, 1]);
        push_u16(&mut out, c.len());
        out.extend_from_slice(c);
    }
    out
}

fn hs(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut m = vec![kind];
    m.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    m.extend_from_slice(body);
    m
}

fn flight(version: u16, suite: u16, certs: &[&[u8]]) -> Vec<u8> {
    let mut sh = version.to_be_bytes().to_vec();
    sh.extend_from_slice(&[9; 32]);
    sh.extend_from_slice(&[1, 0xaa]);
    sh.extend_from_slice(&suite.to_be_bytes());
    sh.push(0);
    let mut list = Vec::new();
    for c in certs {
        list.extend_from_slice(&(c.len() as u32).to_be_bytes()[1..]);
        list.extend_from_slice(c);
    }
    let mut cm = (list.len() as u32).to_be_bytes()[1..].to_vec();
    cm.extend_from_slice(&list);
    [hs(2, &sh), hs(11, &cm), hs(14, &[])].concat()
}

fn chain() -> (Vec<rcgen::Certificate>, rcgen::KeyPair) {
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca, ca_key);
    let key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec!["mx.example.test".to_string()]).unwrap();
    (vec![leaf.signed_by(&key, &issuer).unwrap(), ca_cert], key)
}

async fn rustls_server() -> (SocketAddr, Vec<Vec<u8>>) {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    let (certs, key) = chain();
    let ders: Vec<CertificateDer<'static>> = certs.iter().map(|c| c.der().clone()).collect();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(ders.clone(), key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(cfg));
    let addr = peer(move |s| async move {
        let _ = acceptor.accept(s).await;
    })
    .await;
    (addr, ders.iter().map(|d| d.to_vec()).collect())
}

#[tokio::test]
async fn rustls_tls12_accepted_with_chain() {
    let (addr, expected) = rustls_server().await;
    let r = run(addr, LegacyVersion::Tls12, SECOND, 1 << 20).await;
    let LegacyOutcome::Accepted {
        version,
        cipher_name,
        ..
    } = &r.outcome
    else {
        panic!("{r:?}")
    };
    assert_eq!(version, "TLSv1.2");
    assert_eq!(
        cipher_name.as_deref(),
        Some("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")
    );
    assert_eq!(r.certificates, expected);
    assert_eq!(expected.len(), 2);
    assert!(r.bytes_read > 0);
}

#[tokio::test]
async fn rustls_refuses_tls10() {
    let (addr, _) = rustls_server().await;
    let r = run(addr, LegacyVersion::Tls10, SECOND, 1 << 20).await;
    let want = LegacyOutcome::Alert {
        description: 70,
        name: "protocol_version".into(),
    };
    assert_eq!(r.outcome, want);
    assert!(r.certificates.is_empty());
}

#[tokio::test]
async fn immediate_close() {
    let addr = peer(|s| async move { drop(s) }).await;
    let r = run(addr, LegacyVersion::Tls12, SECOND, 4096).await;
    assert_eq!(r.outcome, LegacyOutcome::Closed);
}

#[tokio::test]
async fn stall_times_out() {
    let addr = scripted(Vec::new()).await;
    let start = Instant::now();
    let r = run(addr, LegacyVersion::Tls12, Duration::from_millis(300), 4096).await;
    assert_eq!(r.outcome, LegacyOutcome::Timeout);
    assert!(start.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn scripted_replies() {
    let alert = |description: u8, name: &str| LegacyOutcome::Alert {
        description,
        name: name.into(),
    };
    let cases: [(&[u8], LegacyOutcome); 5] = [
        (
            b"220 smtp ready\r\n",
            LegacyOutcome::NotTls {
                first_bytes: "220 smtp ready\\r\\n".into(),
            },
        ),
        (
            &[22, 3, 1, 0xea, 0x60],
            malformed("record length 60000 exceeds 18432"),
        ),
        (&[21, 3, 1, 0, 2, 2, 40], alert(40, "handshake_failure")),
        // A warning alone settles nothing; it only explains a hang-up, so this one waits.
        (&[21, 3, 1, 0, 2, 1, 112], LegacyOutcome::Timeout),
        (
            &[22, 3, 3, 0, 4, 14, 0, 0, 0],
            malformed("handshake type 14 before ServerHello"),
        ),
    ];
    for (reply, want) in cases {
        let addr = scripted(reply.to_vec()).await;
        let r = run(addr, LegacyVersion::Tls12, Duration::from_millis(300), 4096).await;
        assert_eq!(r.outcome, want, "{reply:02x?}");
    }
    // ...and reported once the server hangs up.
    let addr = peer(|mut s| async move {
        let _ = s.write_all(&[21, 3, 1, 0, 2, 1, 112]).await;
    })
    .await;
    let r = run(addr, LegacyVersion::Tls12, SECOND, 4096).await;
    assert_eq!(r.outcome, alert(112, "unrecognized_name"));
}

#[tokio::test]
async fn endless_records_bounded_by_max_bytes() {
    let addr = peer(|mut s| async move {
        // Each record is a complete, empty HelloRequest: valid, and never a conclusion.
        while s.write_all(&[22, 3, 1, 0, 4, 0, 0, 0, 0]).await.is_ok() {}
    })
    .await;
    let start = Instant::now();
    let r = run(addr, LegacyVersion::Tls12, Duration::from_secs(20), 10_000).await;
    assert!(
        matches!(&r.outcome, LegacyOutcome::Malformed { detail } if detail.contains("max_bytes"))
    );
    assert_eq!(r.bytes_read, 10_000);
    assert!(start.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn reassembles_one_byte_records() {
    let certs: [&[u8]; 2] = [&[0x30; 300], b"second"];
    // Offered 1.1, server picks 1.0: reported as what the server chose.
    let addr = scripted(records(22, &flight(0x0301, 0xc014, &certs), 1)).await;
    let r = run(addr, LegacyVersion::Tls11, SECOND, 1 << 20).await;
    let want = LegacyOutcome::Accepted {
        version: "TLSv1.0".into(),
        cipher_suite: 0xc014,
        cipher_name: Some("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA".into()),
    };
    assert_eq!(r.outcome, want);
    assert_eq!(r.certificates, certs.map(|c| c.to_vec()));
}

/// A ServerHello is not acceptance: an alert, a hang-up or silence before ServerHelloDone
/// leaves the handshake incomplete (certificates seen on the way are still kept).
#[tokio::test]
async fn server_hello_without_the_rest_is_incomplete() {
    let whole = flight(0x0301, 0xc014, &[&[0x30; 50]]);
    // ServerHello and Certificate, without the final 4-byte ServerHelloDone.
    let hello_and_cert = whole[..whole.len() - 4].to_vec();
    let hello_only = hs(2, &{
        let mut sh = 0x0301u16.to_be_bytes().to_vec();
        sh.extend_from_slice(&[9; 32]);
        sh.extend_from_slice(&[0, 0xc0, 0x14, 0]);
        sh
    });
    let incomplete = |detail: &str| LegacyOutcome::Incomplete {
        version: "TLSv1.0".into(),
        cipher_suite: 0xc014,
        cipher_name: Some("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA".into()),
        detail: detail.into(),
    };
    let internal_error = [
        records(22, &hello_only, 1 << 14),
        vec![21, 3, 1, 0, 2, 2, 80],
    ]
    .concat();
    let addr = scripted(internal_error).await;
    let r = run(addr, LegacyVersion::Tls10, SECOND, 1 << 16).await;
    assert_eq!(
        r.outcome,
        incomplete("alert internal_error (80) after the ServerHello")
    );

    let addr = scripted(records(22, &hello_and_cert, 1 << 14)).await;
    let r = run(
        addr,
        LegacyVersion::Tls10,
        Duration::from_millis(300),
        1 << 16,
    )
    .await;
    assert_eq!(
        r.outcome,
        incomplete("no ServerHelloDone before the timeout")
    );
    assert_eq!(r.certificates, vec![vec![0x30; 50]]);

    let hello = records(22, &hello_only, 1 << 14);
    let addr = peer(move |mut s| async move {
        let _ = s.read(&mut [0u8; 1024]).await;
        let _ = s.write_all(&hello).await;
    })
    .await;
    let r = run(addr, LegacyVersion::Tls10, SECOND, 1 << 16).await;
    assert_eq!(
        r.outcome,
        incomplete("the connection closed before ServerHelloDone")
    );
}

/// Mutated and truncated flights fed in odd chunk sizes must never panic.
#[test]
fn parser_survives_garbage() {
    let base = records(22, &flight(0x0303, 0xc02f, &[&[1; 40], &[2; 9]]), 7);
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x as usize
    };
    for _ in 0..20_000 {
        let mut data = base.clone();
        for _ in 0..next() % 4 {
            let i = next() % data.len();
            data[i] = next() as u8;
        }
        data.truncate(next() % (data.len() + 1));
        let mut reader = Reader::default();
        for c in data.chunks(1 + next() % 16) {
            if reader.feed(c).is_some() {
                break;
            }
        }
        let _ = reader.end(End::Eof);
    }
}

struct Kill(std::process::Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn openssl_tls10_server() {
    use std::io::BufRead;
    use std::process::{Command, Stdio};
    if Command::new("openssl").arg("version").output().is_err() {
        eprintln!("skipping openssl_tls10_server: openssl not on PATH");
        return;
    }
    let cert = rcgen::generate_simple_self_signed(vec!["mx.example.test".into()]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (cert_pem, key_pem) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_pem, cert.cert.pem()).unwrap();
    std::fs::write(&key_pem, cert.signing_key.serialize_pem()).unwrap();
    let mut child = Command::new("openssl")
        .args([
            "s_server",
            "-accept",
            "127.0.0.1:0",
            "-tls1",
            "-naccept",
            "2",
        ])
        .args(["-cipher", "DEFAULT@SECLEVEL=0", "-cert"])
        .args([&cert_pem, &std::path::PathBuf::from("-key"), &key_pem])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _guard = Kill(child);
    let line = tokio::task::spawn_blocking(move || {
        let mut lines = std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok);
        let found = lines.by_ref().find(|l| l.starts_with("ACCEPT "));
        // Keep draining so s_server never dies of SIGPIPE while logging later connections.
        std::thread::spawn(move || lines.for_each(drop));
        found
    });
    let line = tokio::time::timeout(SECOND, line).await.unwrap().unwrap();
    let addr: SocketAddr = line.expect("no ACCEPT line")[7..].trim().parse().unwrap();
    for offered in [LegacyVersion::Tls10, LegacyVersion::Tls12] {
        let r = run(addr, offered, SECOND, 1 << 20).await;
        let version = match &r.outcome {
            LegacyOutcome::Accepted { version, .. } => version.as_str(),
            other => panic!("{offered:?}: {other:?}"),
        };
        // A 1.2 hello to a 1.0-only server is answered with 1.0.
        assert_eq!(version, "TLSv1.0");
        assert_eq!(r.certificates, vec![cert.cert.der().to_vec()]);
    }
}
