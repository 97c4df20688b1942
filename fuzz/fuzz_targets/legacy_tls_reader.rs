//! Fuzz the legacy TLS reader (the server's first flight after a TLS 1.0-1.2 ClientHello:
//! records, alerts, ServerHello, Certificate) over an in-memory server: it never reads past
//! its byte budget, the certificates it keeps came from the input, and reading in 1-byte
//! pieces gives the same result as reading in large ones.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mxray::probe::legacy_tls::{self, LegacyHello, LegacyOutcome, LegacyVersion};
use mxray::probe::replay::Replay;
use mxray_fuzz::{block_on, split, TIMEOUT};

/// The budget of the real probe is far larger; a small one makes the fuzzer reach it.
const MAX_BYTES: usize = 6000;

fn read(server: &[u8], chunk: usize) -> LegacyHello {
    block_on(async {
        let mut peer = Replay::new(server, chunk);
        let hello = legacy_tls::probe(
            &mut peer,
            LegacyVersion::Tls12,
            Some("mail.example.com"),
            TIMEOUT,
            MAX_BYTES,
        )
        .await;
        assert_eq!(hello.bytes_read, server.len() - peer.unread());
        hello
    })
}

fuzz_target!(|data: &[u8]| {
    let (chunk, server) = split(data);
    let hello = read(server, chunk);
    assert!(hello.bytes_read <= MAX_BYTES);
    let kept: usize = hello.certificates.iter().map(|c| c.len() + 3).sum();
    assert!(kept <= hello.bytes_read);
    if let LegacyOutcome::NotTls { first_bytes } = &hello.outcome {
        assert!(first_bytes.len() <= 64 * 4);
    }
    let json = serde_json::to_string(&hello.outcome).expect("serializes");
    let back: LegacyOutcome = serde_json::from_str(&json).expect("deserializes");
    assert_eq!(back, hello.outcome);
    if chunk != 1 {
        let bytewise = read(server, 1);
        assert_eq!(
            std::mem::discriminant(&bytewise.outcome),
            std::mem::discriminant(&hello.outcome),
            "{:?} vs {:?}",
            bytewise.outcome,
            hello.outcome
        );
        assert_eq!(bytewise.certificates, hello.certificates);
    }
});
