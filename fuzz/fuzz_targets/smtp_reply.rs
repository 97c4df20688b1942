//! Fuzz the SMTP reply reader and the EHLO capability parse over an in-memory server: every
//! reply read is well-formed and bounded, and reading in 1-byte pieces gives the same replies
//! as reading in large ones.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mxray::evidence::Reply;
use mxray::probe::conn::{Recorder, Stop, MAX_LINE, MAX_LINES};
use mxray::probe::smtp;
use mxray_fuzz::{block_on, conn, split};

/// The replies read until the first error, and whether that error was a protocol violation.
fn replies(server: &[u8], chunk: usize) -> (Vec<Reply>, bool) {
    block_on(async {
        let mut c = conn(server, chunk);
        let mut rec = Recorder::new();
        let mut out = Vec::new();
        loop {
            match smtp::read_reply(&mut c, &mut rec).await {
                Ok(r) => out.push(r),
                Err(e) => return (out, matches!(e, Stop::Violation(_))),
            }
            assert!(rec.transcript.len() <= 400);
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let (chunk, server) = split(data);
    let (got, violation) = replies(server, chunk);
    for r in &got {
        let code = r.code.expect("a reply has a code");
        assert!((200..600).contains(&code), "{code}");
        assert!(!r.lines.is_empty() && r.lines.len() <= MAX_LINES);
        for l in &r.lines {
            assert!(l.len() <= MAX_LINE);
            assert!(l.starts_with(&code.to_string()));
            assert!(!l.contains(['\r', '\n', '\0']));
        }
        let caps = smtp::parse_ehlo(r);
        assert_eq!(caps.raw.len(), r.lines.len() - 1);
        for (i, m) in caps.auth.iter().enumerate() {
            assert!(
                !m.is_empty() && !caps.auth[..i].contains(m),
                "{:?}",
                caps.auth
            );
        }
        for (i, e) in caps.extensions.iter().enumerate() {
            assert_eq!(e, &e.to_ascii_uppercase());
            assert!(!caps.extensions[..i].contains(e));
        }
        let _ = serde_json::to_string(&caps).expect("serializes");
    }
    if chunk != 1 {
        assert_eq!(
            replies(server, 1),
            (got, violation),
            "the read size changed the result"
        );
    }
});
