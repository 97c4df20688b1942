//! What the targets over mxray's dialogue readers share: a connection to an in-memory server
//! that sends the fuzzer's bytes, and a runtime to drive the readers on.

use mxray::probe::conn::{Conn, Stream};
use mxray::probe::replay::Replay;
use std::time::Duration;

/// The per-phase timeout the readers get. The in-memory peer never makes them wait, so it only
/// matters to code that reports it.
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// Splits the input: the first byte chooses the read size (1..=256 bytes, or 4096 for 0), the
/// rest is what the server sends.
pub fn split(data: &[u8]) -> (usize, &[u8]) {
    match data.split_first() {
        Some((0, rest)) => (4096, rest),
        Some((&c, rest)) => (c as usize, rest),
        None => (1, data),
    }
}

/// A connection whose server sends `server` in reads of at most `chunk` bytes, then closes.
pub fn conn(server: &[u8], chunk: usize) -> Conn {
    Conn::new(Stream::Replay(Replay::new(server, chunk)), TIMEOUT)
}

/// Runs a reader to completion on a single-threaded runtime.
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime")
        .block_on(f)
}

pub mod dialogue;
