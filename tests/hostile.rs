//! Hostile-server tests: small in-process tokio servers on 127.0.0.1 that misbehave in one way
//! each (silence, floods, garbage, resets, wrong TLS mode, STARTTLS injection, refusals). Every
//! scenario runs the real port probe against one, checks what was *recorded* (phase, outcome,
//! detail words, transcript bounds) and what the pure diagnosis *concludes* (exact finding codes),
//! and that the probe ended within a hard bound so a hang fails instead of stalling CI.
//!
//! Nothing here touches the network beyond loopback. Certificates are made on the fly by rcgen.

mod common;

use common::hostile::*;
use common::wire::read_line as read_cmd;
use mxray::evidence::{Direction, Outcome, PhaseName, Role};
use std::time::Duration;
use tokio::net::TcpStream;

// ───────────────────────────── scenarios ─────────────────────────────

/// 1. Accepts and never says a word.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_server_is_no_banner() {
    let srv = serve(|mut sock| async move { hold(&mut sock).await }).await;
    let ctx = ctx(SHORT, false, None);
    let r = run(&ctx, srv.port, Role::Smtp).await;

    assert_eq!(r.outcome(PhaseName::Connect), &Outcome::Ok);
    assert_eq!(r.outcome(PhaseName::Greeting), &Outcome::Timeout);
    // Silence on a plaintext-first role is also what an implicit-TLS port looks like, so the
    // other mode was tried on a fresh connection — and it is silent too.
    let alt = r.probe.alternate.as_ref().expect("other TLS mode tried");
    assert_eq!(alt.role, Role::Submissions);
    assert!(!alt.works, "{alt:?}");
    r.assert_codes(&["smtp.no-banner"]);
    assert!(r.finding("smtp.no-banner").summary.contains("no greeting"));
    assert!(
        r.elapsed >= SHORT,
        "gave up before the timeout: {:?}",
        r.elapsed
    );
}

/// 2. A 1 MB greeting line: the reader must stop at MAX_LINE, not buffer the megabyte.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn megabyte_greeting_line_is_violation_and_bounded() {
    let srv = serve(|mut sock| async move {
        if !send(&mut sock, b"220 ").await {
            return;
        }
        let chunk = vec![b'A'; 64 * 1024];
        for _ in 0..16 {
            if !send(&mut sock, &chunk).await {
                return; // the client hung up, as it should
            }
        }
        if send(&mut sock, b"\r\n").await {
            hold(&mut sock).await;
        }
    })
    .await;
    let ctx = ctx(SHORT, false, None);
    let r = run(&ctx, srv.port, Role::Smtp).await;

    match r.outcome(PhaseName::Greeting) {
        Outcome::Violation { detail } => {
            assert!(detail.contains("longer than"), "{detail}");
            assert!(detail.len() < 200, "violation detail is bounded: {detail}");
        }
        o => panic!("greeting outcome {o:?}\n{}", r.dump()),
    }
    assert!(r.probe.greeting.is_none());
    assert!(r.transcript_has(Direction::Note, "protocol violation"));
    r.assert_transcript_bounded();
    let total: usize = r.probe.transcript.iter().map(|l| l.text.len()).sum();
    assert!(total < 16 * 1024, "transcript holds {total} bytes");
    r.assert_codes(&["smtp.protocol-violation"]);
    assert!(r
        .finding("smtp.protocol-violation")
        .evidence
        .iter()
        .any(|e| e.contains("greeting") && e.contains("longer than")));
}

/// 2b. A line over MAX_LINE is a violation even when its CRLF arrives in the same read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overlong_line_with_crlf_in_one_read_is_violation() {
    let srv = serve(|mut sock| async move {
        let mut line = b"220 ".to_vec();
        line.extend(std::iter::repeat_n(b'a', 2996));
        line.extend_from_slice(b"\r\n");
        if send(&mut sock, &line).await {
            smtp_commands(&mut sock, EHLO_AFTER_TLS, "454 4.7.0 no\r\n").await;
        }
    })
    .await;
    let ctx = ctx(RELAXED, false, None);
    let r = run(&ctx, srv.port, Role::Smtp).await;
    assert!(
        matches!(r.outcome(PhaseName::Greeting), Outcome::Violation { detail } if detail.contains("longer than")),
        "{}",
        r.dump()
    );
    r.assert_codes(&["smtp.protocol-violation"]);
}

/// 3a. Endless `250-` continuation lines after EHLO: the probe must stop reading (bounded).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_ehlo_continuation_is_bounded() {
    let srv = serve(endless_continuation).await;
    let ctx = ctx(RELAXED, false, None);
    let r = run(&ctx, srv.port, Role::Smtp).await;

    assert_eq!(r.outcome(PhaseName::Greeting), &Outcome::Ok);
    assert!(r.transcript_has(Direction::Client, &format!("EHLO {EHLO_NAME}")));
    let server_lines = r
        .probe
        .transcript
        .iter()
        .filter(|l| l.dir == Direction::Server && l.text.starts_with("250-"))
        .count();
    // MAX_LINES (100) lines of one reply, then the probe gives up; the server never stops.
    assert!(
        (1..=mxray::probe::conn::MAX_LINES).contains(&server_lines),
        "{server_lines} continuation lines kept"
    );
    r.assert_transcript_bounded();
    assert!(r.probe.capabilities.is_none());
    // Gave up on line count, not on the clock.
    assert!(r.elapsed < RELAXED, "took {:?}", r.elapsed);
}

/// 3b. …and the endless reply must be reported.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_ehlo_continuation_is_violation() {
    let srv = serve(endless_continuation).await;
    let ctx = ctx(RELAXED, false, None);
    let r = run(&ctx, srv.port, Role::Smtp).await;
    match r.outcome(PhaseName::Ehlo) {
        Outcome::Violation { detail } => assert!(detail.contains("continuation"), "{detail}"),
        o => panic!("EHLO outcome {o:?}\n{}", r.dump()),
    }
    r.assert_codes(&["smtp.protocol-violation"]);
}

async fn endless_continuation(mut sock: TcpStream) {
    if !send(&mut sock, GREETING).await || read_cmd(&mut sock).await.is_none() {
        return;
    }
    let burst = "250-endless continuation line\r\n".repeat(64);
    while send(&mut sock, burst.as_bytes()).await {}
}

/// 3c. Endless `220-` continuation lines as the greeting: the same bound, on a recorded phase.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_greeting_continuation_is_violation() {
    let srv = serve(|mut sock| async move {
        let burst = "220-fake.test still greeting\r\n".repeat(64);
        while send(&mut sock, burst.as_bytes()).await {}
    })
    .await;
    let ctx = ctx(RELAXED, false, None);
    let r = run(&ctx, srv.port, Role::Smtp).await;
    match r.outcome(PhaseName::Greeting) {
        Outcome::Violation { detail } => assert!(detail.contains("continuation"), "{detail}"),
        o => panic!("greeting outcome {o:?}\n{}", r.dump()),
    }
    r.assert_transcript_bounded();
    assert!(r.probe.transcript.len() <= mxray::probe::conn::MAX_LINES + 10);
    r.assert_codes(&["smtp.protocol-violation"]);
    assert!(
        r.elapsed < RELAXED,
        "gave up on line count, not the clock: {:?}",
        r.elapsed
    );
}

/// 3d. The reply code changes inside one multi-line greeting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reply_code_change_inside_greeting_is_violation() {
    let srv =
        serve(|sock| plain_smtp(sock, b"220-fake.test\r\n250 surprise\r\n", EHLO_STARTTLS)).await;
    let ctx = ctx(RELAXED, false, None);
    let r = run(&ctx, srv.port, Role::Smtp).await;
    match r.outcome(PhaseName::Greeting) {
        Outcome::Violation { detail } => assert!(detail.contains("from 220 to 250"), "{detail}"),
        o => panic!("greeting outcome {o:?}\n{}", r.dump()),
    }
    r.assert_codes(&["smtp.protocol-violation"]);
}

/// 3e. Another protocol's greeting (IMAP) on an SMTP port.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imap_greeting_on_smtp_port_is_violation() {
    let srv = serve(|mut sock| async move {
        if send(&mut sock, b"* OK [CAPABILITY IMAP4rev1] ready\r\n").await {
            hold(&mut sock).await;
        }
    })
    .await;
    let ctx = ctx(RELAXED, false, None);
    let r = run(&ctx, srv.port, Role::Smtp).await;
    match r.outcome(PhaseName::Greeting) {
        Outcome::Violation { detail } => {
            assert!(detail.contains("not an SMTP reply line"), "{detail}")
        }
        o => panic!("greeting outcome {o:?}\n{}", r.dump()),
    }
    r.assert_codes(&["smtp.protocol-violation"]);
}

/// 3f. Accept, then hang up before any greeting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_before_greeting_is_connection_reset() {
    let srv = serve(|sock| async move { drop(sock) }).await;
    let ctx = ctx(RELAXED, false, None);
    let r = run(&ctx, srv.port, Role::Smtp).await;
    assert!(
        matches!(
            r.outcome(PhaseName::Greeting),
            Outcome::Closed | Outcome::Reset
        ),
        "{}",
        r.dump()
    );
    r.assert_codes(&["net.connection-reset"]);
    assert!(r
        .finding("net.connection-reset")
        .summary
        .contains("greeting"));
}

/// 4a. Binary garbage (pseudo-random bytes with NULs and 0xff) as the greeting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_garbage_greeting_is_violation() {
    let srv = serve(|mut sock| async move {
        let mut x: u32 = 0x2545_f491;
        let mut junk: Vec<u8> = (0..512)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                match (x >> 24) as u8 {
                    b'\n' => 0,
                    b => b,
                }
            })
            .collect();
        junk[0] = 0x00;
        junk[1] = 0xff;
        junk.extend_from_slice(b"\r\n");
        if send(&mut sock, &junk).await {
            hold(&mut sock).await;
        }
    })
    .await;
    let ctx = ctx(RELAXED, false, None);
    let r = run(&ctx, srv.port, Role::Smtp).await;

    match r.outcome(PhaseName::Greeting) {
        Outcome::Violation { detail } => {
            assert!(
                detail.contains("UTF-8") || detail.contains("binary"),
                "{detail}"
            );
            // Escaped for the evidence, never raw bytes.
            assert!(!detail.contains('\0'), "{detail:?}");
        }
        o => panic!("greeting outcome {o:?}\n{}", r.dump()),
    }
    assert!(r.probe.alternate.is_none(), "not a mode mix-up");
    r.assert_transcript_bounded();
    r.assert_codes(&["smtp.protocol-violation"]);
}

/// 4b. Valid UTF-8 but with control bytes (NUL) in the greeting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nul_bytes_in_greeting_are_violation() {
    let srv = serve(|mut sock| async move {
        if send(&mut sock, b"220 fake.test \x00\x01\x02 ESMTP\r\n").await {
            hold(&mut sock).await;
        }
    })
    .await;
    let ctx = ctx(RELAXED, false, None);
    let r = run(&ctx, srv.port, Role::Smtp).await;
    match r.outcome(PhaseName::Greeting) {
        Outcome::Violation { detail } => {
            assert!(detail.contains("binary data"), "{detail}");
            assert!(detail.contains("0x00"), "{detail}");
        }
        o => panic!("greeting outcome {o:?}\n{}", r.dump()),
    }
    r.assert_codes(&["smtp.protocol-violation"]);
}

/// 4c. Garbage with no line end, then silence: bytes arrived, so this is garbage, not silence.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unterminated_garbage_then_silence_is_violation() {
    let srv = serve(|mut sock| async move {
        if send(&mut sock, b"\x00\x13\x37garbage\xff\xfe").await {
            hold(&mut sock).await;
        }
    })
    .await;
    let ctx = ctx(SHORT, false, None);
    let r = run(&ctx, srv.port, Role::Smtp).await;
    match r.outcome(PhaseName::Greeting) {
        Outcome::Violation { detail } => {
            assert!(detail.contains("without a line end"), "{detail}");
            assert!(
                detail.contains("\\x00\\x137garbage"),
                "bytes shown escaped: {detail}"
            );
        }
        o => panic!("greeting outcome {o:?}\n{}", r.dump()),
    }
    r.assert_codes(&["smtp.protocol-violation"]);
}

/// 4d. Slowloris: a greeting dribbled a byte at a time that never ends. The phase ends at its
/// one deadline (not a deadline per read), and the evidence says the bytes kept coming.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dribbled_endless_greeting_hits_the_phase_deadline_while_arriving() {
    let srv = serve(|mut sock| async move {
        if !send(&mut sock, b"220 ").await {
            return;
        }
        loop {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if !send(&mut sock, b"x").await {
                return;
            }
        }
    })
    .await;
    let ctx = ctx(RELAXED, false, None);
    let r = run(&ctx, srv.port, Role::Smtp).await;
    // One phase deadline for the whole greeting: far below the per-probe bound.
    assert!(r.elapsed < RELAXED * 3, "{:?}", r.elapsed);
    match r.outcome(PhaseName::Greeting) {
        Outcome::Violation { detail } => {
            assert!(detail.contains("kept arriving"), "{detail}");
            assert!(detail.contains("without a line end"), "{detail}");
            assert!(
                detail.contains("before the phase deadline (3.0 s) passed"),
                "{detail}"
            );
            assert!(detail.contains(": 220 xx"), "{detail}");
            assert!(!detail.contains("silence"), "{detail}");
        }
        o => panic!("greeting outcome {o:?}\n{}", r.dump()),
    }
    r.assert_codes(&["smtp.protocol-violation"]);
    let f = r.finding("smtp.protocol-violation");
    assert_eq!(f.severity, mxray::findings::Severity::Error);
    assert!(
        f.evidence
            .iter()
            .any(|e| e.starts_with("greeting: ") && e.contains("kept arriving")),
        "{:?}",
        f.evidence
    );
}

/// 5. Invalid UTF-8 in an otherwise well-formed greeting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_utf8_greeting_is_violation() {
    let srv = serve(|mut sock| async move {
        if send(&mut sock, b"220 \xff\xfe ok\r\n").await {
            hold(&mut sock).await;
        }
    })
    .await;
    let ctx = ctx(RELAXED, false, None);
    let r = run(&ctx, srv.port, Role::Smtp).await;
    match r.outcome(PhaseName::Greeting) {
        Outcome::Violation { detail } => {
            assert!(detail.contains("UTF-8"), "{detail}");
            assert!(
                detail.contains("\\xff\\xfe"),
                "bytes shown escaped: {detail}"
            );
        }
        o => panic!("greeting outcome {o:?}\n{}", r.dump()),
    }
    r.assert_codes(&["smtp.protocol-violation"]);
    assert!(r
        .finding("smtp.protocol-violation")
        .evidence
        .iter()
        .any(|e| e.contains("UTF-8")));
}

/// 6a/6b. STARTTLS go-ahead, then the server reads the ClientHello and closes (FIN) or resets (RST).
async fn tls_cut(reset: bool) -> Run {
    let srv = serve(move |mut sock| async move {
        if !send(&mut sock, GREETING).await {
            return;
        }
        if !matches!(
            smtp_commands(&mut sock, EHLO_STARTTLS, GO_AHEAD).await,
            End::StartTls
        ) {
            return;
        }
        if read_tls_record(&mut sock).await && reset {
            let _ = sock.set_zero_linger();
        }
        drop(sock);
    })
    .await;
    let ctx = ctx(RELAXED, true, None);
    run(&ctx, srv.port, Role::Smtp).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_during_tls_handshake_is_connection_reset() {
    let r = tls_cut(false).await;
    assert_eq!(r.outcome(PhaseName::Starttls), &Outcome::Ok);
    assert_eq!(
        r.outcome(PhaseName::TlsHandshake),
        &Outcome::Closed,
        "{}",
        r.dump()
    );
    let tls = r.probe.tls.as_ref().expect("TLS attempt recorded");
    assert!(tls.version.is_none() && tls.chain.is_empty());
    // The legacy probe ran too (TLS was attempted) and got no further.
    let legacy = r.probe.legacy_tls.as_ref().expect("legacy probe ran");
    assert!(legacy.accepted().is_empty(), "{legacy:?}");
    r.assert_codes(&["net.connection-reset"]);
    let f = r.finding("net.connection-reset");
    assert!(
        f.summary.contains("closed") && f.summary.contains("TLS handshake"),
        "{}",
        f.summary
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_during_tls_handshake_is_connection_reset() {
    let r = tls_cut(true).await;
    assert_eq!(
        r.outcome(PhaseName::TlsHandshake),
        &Outcome::Reset,
        "{}",
        r.dump()
    );
    r.assert_codes(&["net.connection-reset"]);
    let f = r.finding("net.connection-reset");
    assert!(
        f.summary.contains("reset") && f.summary.contains("TLS handshake"),
        "{}",
        f.summary
    );
}

/// 7. STARTTLS advertised, then refused with 454.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_454_is_starttls_refused() {
    let srv = serve(|sock| plain_smtp(sock, GREETING, EHLO_STARTTLS)).await;
    let ctx = ctx(RELAXED, false, None);
    let r = run(&ctx, srv.port, Role::Smtp).await;

    assert!(r.probe.capabilities.as_ref().is_some_and(|c| c.starttls));
    match r.outcome(PhaseName::Starttls) {
        Outcome::Rejected { reply } => {
            assert!(reply.contains("454 4.7.0 TLS not available"), "{reply}")
        }
        o => panic!("STARTTLS outcome {o:?}\n{}", r.dump()),
    }
    assert_eq!(
        r.probe.starttls_reply.as_ref().and_then(|x| x.code),
        Some(454)
    );
    assert!(r.probe.tls.is_none(), "no handshake after a refusal");
    assert_eq!(
        r.outcome(PhaseName::Quit),
        &Outcome::Ok,
        "polite QUIT after the refusal"
    );
    r.assert_codes(&["tls.starttls-refused"]);
}

/// 8a. Greeting, then silence after EHLO: the probe must give up after one phase timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ehlo_stall_is_bounded() {
    let srv = serve(ehlo_stall).await;
    let ctx = ctx(SHORT, false, None);
    let r = run(&ctx, srv.port, Role::Smtp).await;
    assert_eq!(r.outcome(PhaseName::Greeting), &Outcome::Ok);
    assert!(r.transcript_has(Direction::Client, &format!("EHLO {EHLO_NAME}")));
    assert!(r.probe.capabilities.is_none());
    assert!(
        r.probe.alternate.is_none(),
        "greeting worked: no mode mix-up"
    );
    assert!(
        r.elapsed >= SHORT,
        "gave up before the timeout: {:?}",
        r.elapsed
    );
}

/// 8b. …and the stall must be recorded as an Ehlo timeout and reported.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ehlo_stall_is_recorded_and_reported() {
    let srv = serve(ehlo_stall).await;
    let ctx = ctx(SHORT, false, None);
    let r = run(&ctx, srv.port, Role::Smtp).await;
    assert_eq!(r.outcome(PhaseName::Ehlo), &Outcome::Timeout);
    assert_eq!(r.probe.failure().map(|p| p.phase), Some(PhaseName::Ehlo));
    r.assert_codes(&["net.stalled"]);
    assert!(r.finding("net.stalled").summary.contains("EHLO"));
}

async fn ehlo_stall(mut sock: TcpStream) {
    if send(&mut sock, GREETING).await {
        hold(&mut sock).await;
    }
}

/// 8c. The server hangs up as soon as it reads EHLO: a drop mid-dialogue.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_after_ehlo_is_connection_reset() {
    let srv = serve(|mut sock| async move {
        if send(&mut sock, GREETING).await {
            let _ = read_cmd(&mut sock).await;
        }
    })
    .await;
    let ctx = ctx(RELAXED, false, None);
    let r = run(&ctx, srv.port, Role::Smtp).await;
    assert_eq!(r.outcome(PhaseName::Ehlo), &Outcome::Closed);
    r.assert_codes(&["net.connection-reset"]);
    assert!(r.finding("net.connection-reset").summary.contains("EHLO"));
}

/// 8d. EHLO answered with 421 (a temporary refusal; RFC 5321 says no HELO retry).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ehlo_421_is_reported() {
    let srv = serve(|mut sock| async move {
        if send(&mut sock, GREETING).await && read_cmd(&mut sock).await.is_some() {
            let _ = send(&mut sock, b"421 4.7.0 fake.test closing connection\r\n").await;
        }
    })
    .await;
    let ctx = ctx(RELAXED, false, None);
    let r = run(&ctx, srv.port, Role::Smtp).await;
    assert!(
        matches!(r.outcome(PhaseName::Ehlo), Outcome::Rejected { reply } if reply.starts_with("421")),
        "{}",
        r.dump()
    );
    assert!(
        r.probe.phase(PhaseName::Helo).is_none(),
        "no HELO retry after 4xx"
    );
    r.assert_codes(&["smtp.ehlo-rejected"]);
    assert!(r
        .finding("smtp.ehlo-rejected")
        .evidence
        .iter()
        .any(|e| e.contains("421 4.7.0")));
}

/// 9. Nothing listens.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_connect_is_port_closed() {
    let port = closed_port().await;
    let ctx = ctx(RELAXED, false, None);
    let r = run(&ctx, port, Role::Smtp).await;
    assert_eq!(r.outcome(PhaseName::Connect), &Outcome::Refused);
    assert_eq!(r.probe.phases.len(), 1, "nothing after a refused connect");
    assert!(r.probe.alternate.is_none());
    r.assert_codes(&["net.port-closed"]);
    assert!(r.finding("net.port-closed").summary.contains("refused"));
    assert!(r.elapsed < RELAXED, "refusal is immediate: {:?}", r.elapsed);
}

/// 10. Plaintext pipelined after the STARTTLS 220 (the CVE-2011-0411 pattern), then real TLS.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plaintext_after_starttls_is_violation() {
    let acceptor = tls_acceptor(&["fake.test"]);
    let srv = serve(move |sock| {
        starttls_smtp(sock, acceptor.clone(), "220 go ahead\r\n250 injected\r\n")
    })
    .await;
    let ctx = ctx(RELAXED, true, Some("fake.test"));
    let r = run(&ctx, srv.port, Role::Smtp).await;

    assert!(r.probe.plaintext_after_starttls, "{}", r.dump());
    assert!(r.transcript_has(Direction::Note, "plaintext after the STARTTLS go-ahead"));
    // The injected line was discarded, never parsed as a reply inside TLS.
    assert!(!r.transcript_has(Direction::Server, "injected"));
    assert_eq!(r.outcome(PhaseName::TlsHandshake), &Outcome::Ok);
    assert!(r.probe.capabilities_after_tls.is_some());
    r.assert_codes(&["smtp.protocol-violation", "tls.cert-untrusted"]);
    assert!(r
        .finding("smtp.protocol-violation")
        .evidence
        .iter()
        .any(|e| e.contains("STARTTLS")));
}

/// 11. Implicit TLS (465 role) against a server that greets in plaintext at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn implicit_tls_against_plaintext_server_is_mode_mixup() {
    let srv = serve(|sock| plain_smtp(sock, b"220 x ESMTP\r\n", EHLO_STARTTLS)).await;
    let ctx = ctx(RELAXED, true, None);
    let r = run(&ctx, srv.port, Role::Submissions).await;

    let tls = r.probe.tls.as_ref().expect("TLS attempt recorded");
    assert!(tls.peer_spoke_plaintext, "{:?}", tls.error);
    assert!(
        matches!(r.outcome(PhaseName::TlsHandshake), Outcome::Violation { detail } if detail.contains("plaintext")),
        "{}",
        r.dump()
    );
    assert!(r.probe.greeting.is_none());
    // Whether or not the legacy probe bothers with a plaintext peer, it must accept nothing.
    if let Some(legacy) = &r.probe.legacy_tls {
        assert!(legacy.accepted().is_empty(), "{legacy:?}");
    }
    let alt = r.probe.alternate.as_ref().expect("other mode tried");
    assert_eq!(alt.role, Role::Submission);
    assert!(alt.works, "{alt:?}");
    assert!(alt.detail.contains("220 x ESMTP"), "{}", alt.detail);
    r.assert_codes(&["tls.implicit-on-starttls-port"]);
}

/// 12. Plaintext role (587) against an implicit-TLS server: silence, then the other mode works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plaintext_against_implicit_tls_server_is_mode_mixup() {
    let acceptor = tls_acceptor(&["fake.test"]);
    let srv = serve(move |sock| implicit_tls_smtp(sock, acceptor.clone())).await;
    let ctx = ctx(SHORT, true, Some("fake.test"));
    let r = run(&ctx, srv.port, Role::Submission).await;

    assert_eq!(
        r.outcome(PhaseName::Greeting),
        &Outcome::Timeout,
        "{}",
        r.dump()
    );
    assert!(r.probe.tls.is_none(), "the main dialogue never reached TLS");
    assert!(
        r.elapsed >= SHORT,
        "gave up before the timeout: {:?}",
        r.elapsed
    );
    let alt = r.probe.alternate.as_ref().expect("other mode tried");
    assert_eq!(alt.role, Role::Submissions);
    assert!(alt.works, "{alt:?}");
    assert!(alt.detail.contains("220 fake.test"), "{}", alt.detail);
    r.assert_codes(&["tls.starttls-on-implicit-port"]);
    assert!(!r.codes().contains(&"smtp.no-banner"));
}

/// 12c. Implicit TLS against a server that accepts and says nothing, not even to a ClientHello.
async fn silent_implicit(timeout: Duration) -> Run {
    let srv = serve(|mut sock| async move { hold(&mut sock).await }).await;
    let ctx = ctx(timeout, true, None);
    let r = run(&ctx, srv.port, Role::Submissions).await;
    assert_eq!(
        r.outcome(PhaseName::TlsHandshake),
        &Outcome::Timeout,
        "{}",
        r.dump()
    );
    let tls = r.probe.tls.as_ref().expect("TLS attempt recorded");
    assert!(!tls.peer_spoke_plaintext && tls.chain.is_empty());
    let alt = r.probe.alternate.as_ref().expect("other mode tried");
    assert_eq!(alt.role, Role::Submission);
    assert!(!alt.works, "{alt:?}");
    if let Some(legacy) = &r.probe.legacy_tls {
        assert!(legacy.accepted().is_empty(), "{legacy:?}");
    }
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_server_on_implicit_tls_port_is_handshake_failed() {
    let r = silent_implicit(SHORT).await;
    r.assert_codes(&["tls.handshake-failed"]);
    assert!(
        r.elapsed >= SHORT,
        "gave up before the timeout: {:?}",
        r.elapsed
    );
}

/// 12d. The same with a sub-second timeout (`--timeout 0.5` is accepted by the CLI).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sub_second_handshake_timeout_is_worded_truthfully() {
    let r = silent_implicit(Duration::from_millis(500)).await;
    let err = r
        .probe
        .tls
        .as_ref()
        .and_then(|t| t.error.clone())
        .unwrap_or_default();
    assert!(!err.contains("within 0 s"), "{err}");
    let f = r.finding("tls.handshake-failed");
    assert!(
        f.evidence.iter().all(|e| !e.contains("within 0 s")),
        "{:?}",
        f.evidence
    );
}

/// 13. A well-behaved STARTTLS server with a self-signed certificate for fake.test.
async fn good_starttls(tls_name: &str) -> Run {
    let acceptor = tls_acceptor(&["fake.test"]);
    let srv = serve(move |sock| starttls_smtp(sock, acceptor.clone(), GO_AHEAD)).await;
    let ctx = ctx(RELAXED, true, Some(tls_name));
    let r = run(&ctx, srv.port, Role::Smtp).await;

    for ph in [
        PhaseName::Connect,
        PhaseName::Greeting,
        PhaseName::Ehlo,
        PhaseName::Starttls,
        PhaseName::TlsHandshake,
        PhaseName::EhloAfterTls,
        PhaseName::Quit,
    ] {
        assert_eq!(r.outcome(ph), &Outcome::Ok, "{ph:?}\n{}", r.dump());
    }
    assert!(!r.probe.plaintext_after_starttls);
    let tls = r.probe.tls.as_ref().expect("TLS session");
    assert!(
        matches!(tls.version.as_deref(), Some("TLSv1.3" | "TLSv1.2")),
        "{:?}",
        tls.version
    );
    assert_eq!(tls.sni.as_deref(), Some(tls_name));
    assert_eq!(tls.chain.len(), 1);
    assert!(tls.chain[0].self_signed);
    assert!(
        tls.chain[0].sans.iter().any(|s| s == "DNS:fake.test"),
        "{:?}",
        tls.chain[0].sans
    );
    let v = tls.verification.as_ref().expect("verification");
    assert!(!v.trusted);
    assert_eq!(v.checked_name.as_deref(), Some(tls_name));
    let legacy = r.probe.legacy_tls.as_ref().expect("legacy probe ran");
    assert!(
        legacy.accepted().is_empty(),
        "rustls accepts no TLS 1.0/1.1: {legacy:?}"
    );
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn self_signed_starttls_is_untrusted_only() {
    let r = good_starttls("fake.test").await;
    let v = r
        .probe
        .tls
        .as_ref()
        .and_then(|t| t.verification.as_ref())
        .expect("verification");
    assert_eq!(v.name_matches, Some(true));
    r.assert_codes(&["tls.cert-untrusted"]);
    assert!(r
        .finding("tls.cert-untrusted")
        .summary
        .contains("self-signed"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn self_signed_starttls_with_other_name_is_also_mismatch() {
    let r = good_starttls("other.test").await;
    let v = r
        .probe
        .tls
        .as_ref()
        .and_then(|t| t.verification.as_ref())
        .expect("verification");
    assert_eq!(v.name_matches, Some(false));
    r.assert_codes(&["tls.cert-hostname-mismatch", "tls.cert-untrusted"]);
    assert!(r
        .finding("tls.cert-hostname-mismatch")
        .summary
        .contains("other.test"));
}

/// 14. The greeting itself is a refusal.
async fn refused_greeting(greeting: &'static [u8], code: &str) {
    let srv = serve(move |sock| plain_smtp(sock, greeting, EHLO_STARTTLS)).await;
    let ctx = ctx(RELAXED, false, None);
    let r = run(&ctx, srv.port, Role::Smtp).await;

    match r.outcome(PhaseName::Greeting) {
        Outcome::Rejected { reply } => assert!(reply.starts_with(code), "{reply}"),
        o => panic!("greeting outcome {o:?}\n{}", r.dump()),
    }
    assert!(
        r.probe.phase(PhaseName::Ehlo).is_none(),
        "no EHLO after a refusal"
    );
    assert!(r.probe.alternate.is_none());
    r.assert_codes(&["smtp.rejected-greeting"]);
    let f = r.finding("smtp.rejected-greeting");
    assert!(f.summary.contains(&format!("({code})")), "{}", f.summary);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn greeting_554_is_rejected_greeting() {
    refused_greeting(b"554 5.7.1 go away\r\n", "554").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn greeting_421_is_rejected_greeting() {
    refused_greeting(b"421 4.3.2 too busy, try later\r\n", "421").await;
}
