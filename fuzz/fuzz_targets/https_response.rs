//! Fuzz the HTTPS GET reader behind the MTA-STS policy fetch (and autoconfig): the bounded read
//! over an in-memory server, then the status, header and body parse (chunked included). The
//! read keeps exactly what came or refuses it as too large; a parse that succeeds is a 200
//! with a body no larger than the input's.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mxray::evidence::domain::StsFetch;
use mxray::probe::https_get;
use mxray::probe::replay::Replay;
use mxray_fuzz::{block_on, split, TIMEOUT};

const LIMIT: usize = 4096;

fuzz_target!(|data: &[u8]| {
    let (chunk, server) = split(data);
    let read = block_on(async {
        let peer = Replay::new(server, chunk);
        https_get::exchange(peer, "GET / HTTP/1.1\r\n\r\n", LIMIT, TIMEOUT).await
    });
    match &read {
        Ok(bytes) => assert_eq!(bytes.as_slice(), server),
        Err(_) => assert!(server.len() > LIMIT, "refused {} bytes", server.len()),
    }
    let mut out = StsFetch::new("https://mta-sts.example.com/.well-known/mta-sts.txt");
    let parsed = https_get::parse_response(server, &mut out);
    if parsed.is_ok() {
        assert_eq!(out.status, Some(200));
    }
    if let Some(status) = out.status {
        assert!((100..1000).contains(&status));
    }
    if let Some(body) = &out.body {
        assert!(
            body.len() <= server.len() * 3,
            "{} from {}",
            body.len(),
            server.len()
        );
    }
    if let Err(e) = &parsed {
        assert!(e.len() <= 1024, "{} bytes: {e}", e.len());
    }
});
