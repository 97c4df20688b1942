//! Reading the client's lines in the in-process servers.

#![allow(dead_code)]

use tokio::io::{AsyncRead, AsyncReadExt};

/// One line from the client, without its CRLF; `None` at EOF, on an error, or when the line
/// runs past 8 KiB (an absurd line ends the session rather than the test's memory).
pub async fn read_line<S: AsyncRead + Unpin>(s: &mut S) -> Option<String> {
    let mut line = Vec::new();
    let mut b = [0u8; 1];
    loop {
        if s.read(&mut b).await.ok()? == 0 {
            return None;
        }
        if b[0] == b'\n' {
            break;
        }
        line.push(b[0]);
        if line.len() > 8192 {
            return None;
        }
    }
    Some(
        String::from_utf8_lossy(&line)
            .trim_end_matches('\r')
            .to_string(),
    )
}
