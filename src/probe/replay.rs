//! An in-memory peer: the server's bytes are replayed in chunks of a chosen size, and what the
//! client writes is kept. The dialogue readers run over it unchanged, so they can be fuzzed
//! and tested on exact byte sequences (a reply split mid-line, a literal cut short) without a
//! socket or a clock.

use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Bytes the client may write before further writes are dropped (still reported as written,
/// so a long dialogue never stalls on an in-memory peer).
const KEEP_WRITTEN: usize = 64 * 1024;

/// A peer that sends `input` and then closes its side.
#[derive(Debug, Default)]
pub struct Replay {
    input: Vec<u8>,
    pos: usize,
    chunk: usize,
    /// What the client wrote, up to 64 KiB.
    pub written: Vec<u8>,
}

impl Replay {
    /// `chunk`: the most bytes one read returns (0 is taken as 1).
    pub fn new(input: &[u8], chunk: usize) -> Replay {
        Replay {
            input: input.to_vec(),
            pos: 0,
            chunk: chunk.max(1),
            written: Vec::new(),
        }
    }

    /// Bytes of the input not read yet.
    pub fn unread(&self) -> usize {
        self.input.len() - self.pos
    }
}

impl AsyncRead for Replay {
    fn poll_read(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let me = self.get_mut();
        let n = me.unread().min(me.chunk).min(buf.remaining());
        buf.put_slice(me.input.get(me.pos..me.pos + n).unwrap_or_default());
        me.pos += n;
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Replay {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let me = self.get_mut();
        let room = KEEP_WRITTEN.saturating_sub(me.written.len());
        me.written
            .extend_from_slice(data.get(..room).unwrap_or(data));
        Poll::Ready(Ok(data.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn replays_in_chunks_then_closes_and_keeps_writes() {
        let mut r = Replay::new(b"abcde", 2);
        let mut buf = [0u8; 8];
        assert_eq!(r.read(&mut buf).await.unwrap(), 2);
        assert_eq!(&buf[..2], b"ab");
        let mut rest = Vec::new();
        r.read_to_end(&mut rest).await.unwrap();
        assert_eq!(rest, b"cde");
        assert_eq!(r.read(&mut buf).await.unwrap(), 0);
        r.write_all(b"EHLO x\r\n").await.unwrap();
        assert_eq!(r.written, b"EHLO x\r\n");
    }
}
