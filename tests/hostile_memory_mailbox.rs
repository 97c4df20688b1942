//! Hostile IMAP and POP3 servers against the real binary: untagged responses without end, a
//! literal announcing 4 GiB, capability lists of a million items. Each run ends within the
//! documented bound, stays under the memory cap, and the report names the violation.

mod common;

use common::child::{mxray, ChildRun, SLACK};
use common::hostile::{hold, send, serve};
use common::wire::read_line;
use std::time::Duration;
use tokio::net::TcpStream;

/// `--timeout` of the runs, in seconds.
const TIMEOUT_S: u64 = 1;

async fn probe(case: &str, port: u16, role: &str) -> ChildRun {
    let ports = format!("{port}/{role}");
    let timeout = TIMEOUT_S.to_string();
    let run = mxray(&[
        "server",
        "127.0.0.1",
        "--ports",
        &ports,
        "--timeout",
        &timeout,
        "--resolver",
        "127.0.0.1:9",
    ])
    .await;
    // The README's bound for one port on an IP literal: 6 + 16 timeouts.
    run.assert_bounded(case, Duration::from_secs(22 * TIMEOUT_S) + SLACK);
    run
}

/// An IMAP greeting, then `answer` (written until the client goes away when `endless`) to the
/// first command.
async fn imap(mut sock: TcpStream, answer: Vec<u8>, endless: bool) {
    if !send(&mut sock, b"* OK IMAP4rev1 ready\r\n").await || read_line(&mut sock).await.is_none() {
        return;
    }
    while send(&mut sock, &answer).await && endless {}
    hold(&mut sock).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imap_untagged_responses_without_end_stop_at_the_line_count() {
    let burst = "* 1 EXISTS\r\n".repeat(512).into_bytes();
    let srv = serve(move |sock| imap(sock, burst.clone(), true)).await;
    let run = probe("IMAP endless untagged", srv.port, "imap").await;
    run.assert_says(
        "imap.protocol-violation",
        "more than 100 lines before the tagged reply",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imap_four_gigabyte_literal_is_never_allocated() {
    // The literal announces 2^32 - 1 octets; what follows is an endless run of them.
    let srv = serve(|mut sock: TcpStream| async move {
        if !send(&mut sock, b"* OK IMAP4rev1 ready\r\n").await
            || read_line(&mut sock).await.is_none()
            || !send(&mut sock, b"* CAPABILITY {4294967295}\r\n").await
        {
            return;
        }
        let chunk = vec![b'A'; 64 * 1024];
        while send(&mut sock, &chunk).await {}
    })
    .await;
    let run = probe("IMAP {4294967295} literal", srv.port, "imap").await;
    run.assert_says(
        "imap.protocol-violation",
        "reply line longer than 2048 bytes",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imap_capability_of_a_million_items_is_cut_at_the_line_bound() {
    let mut line = b"* CAPABILITY IMAP4rev1".to_vec();
    for i in 0..1_000_000 {
        line.extend_from_slice(format!(" X-{i}").as_bytes());
    }
    line.extend_from_slice(b"\r\nm1 OK done\r\n");
    let srv = serve(move |sock| imap(sock, line.clone(), false)).await;
    let run = probe("IMAP CAPABILITY of 1,000,000 items", srv.port, "imap").await;
    run.assert_says(
        "imap.protocol-violation",
        "reply line longer than 2048 bytes",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pop3_capa_of_a_million_items_stops_at_the_line_count() {
    let srv = serve(|mut sock: TcpStream| async move {
        if !send(&mut sock, b"+OK POP3 ready\r\n").await || read_line(&mut sock).await.is_none() {
            return;
        }
        let _ = send(&mut sock, b"+OK capabilities follow\r\n").await;
        for chunk in 0..1000 {
            let lines: String = (0..1000)
                .map(|i| format!("X-ITEM-{chunk}-{i}\r\n"))
                .collect();
            if !send(&mut sock, lines.as_bytes()).await {
                return;
            }
        }
        let _ = send(&mut sock, b".\r\n").await;
        hold(&mut sock).await;
    })
    .await;
    let run = probe("POP3 CAPA of 1,000,000 items", srv.port, "pop3").await;
    run.assert_says("pop3.protocol-violation", "CAPA list longer than 100 lines");
}

#[test]
#[ignore = "not a test: the entry point that starts mxray for the tests above"]
fn child_spawner() {
    common::child::spawner_entry();
}
