//! A TCP stream that keeps the first bytes the server sent and counts all of them, so a failed
//! TLS handshake can say what came instead of a handshake (a plaintext reply, an alert) and how
//! much arrived before a bound was hit. Reads and writes pass through unchanged.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// Bytes of the server's first flight kept for the evidence.
pub const HEAD_BYTES: usize = 256;

/// What the tap saw; shared, so it outlives a handshake future that is dropped on timeout.
#[derive(Debug, Default, Clone)]
pub struct Seen {
    /// The first bytes received (at most [`HEAD_BYTES`]).
    pub head: Vec<u8>,
    /// Every byte received.
    pub received: u64,
}

#[derive(Debug)]
pub struct Tap {
    tcp: TcpStream,
    seen: Arc<Mutex<Seen>>,
}

impl Tap {
    pub fn new(tcp: TcpStream) -> Tap {
        Tap {
            tcp,
            seen: Arc::default(),
        }
    }
    pub fn tcp(&self) -> &TcpStream {
        &self.tcp
    }
    /// A handle on what this tap records.
    pub fn log(&self) -> Arc<Mutex<Seen>> {
        self.seen.clone()
    }
}

impl AsyncRead for Tap {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let me = self.get_mut();
        let before = buf.filled().len();
        let r = Pin::new(&mut me.tcp).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = &r {
            let new = buf.filled().get(before..).unwrap_or_default();
            if let Ok(mut seen) = me.seen.lock() {
                seen.received += new.len() as u64;
                let room = HEAD_BYTES.saturating_sub(seen.head.len());
                seen.head.extend_from_slice(new.get(..room).unwrap_or(new));
            }
        }
        r
    }
}

impl AsyncWrite for Tap {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().tcp).poll_write(cx, buf)
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_flush(cx)
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_shutdown(cx)
    }
}
