//! One probed connection: a plain or TLS stream with bounded, timed line reads and a
//! recorder of phases and transcript. Every read has a deadline and a size cap, so a hostile
//! server can only cost `timeout` and a few kilobytes per reply.

use crate::evidence::{Direction, Outcome, Phase, PhaseName, TranscriptLine};
use std::io::ErrorKind;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

/// Longest reply line accepted. RFC 5321 §4.5.3.1.5 allows 512 octets; real servers stay far below 2 KiB.
pub const MAX_LINE: usize = 2048;
/// Longest multi-line reply, in lines: EHLO lists a dozen, IMAP CAPABILITY one.
pub const MAX_LINES: usize = 100;
/// Longest transcript line kept.
const TRANSCRIPT_LINE: usize = 300;
/// Transcript lines kept per connection; the rest are counted in a note.
const TRANSCRIPT_MAX: usize = 400;
/// Bytes that came this shortly before a deadline (or within half the timeout, if shorter)
/// were still arriving when it passed: a one-byte-a-second dribble is caught.
const STILL_ARRIVING: Duration = Duration::from_millis(2500);

/// Why a dialogue stopped. Maps one-to-one onto an evidence [`Outcome`].
#[derive(Debug, Clone, PartialEq)]
pub enum Stop {
    Timeout,
    Refused,
    Unreachable(String),
    Closed,
    Reset,
    Violation(String),
    Rejected(String),
    Io(String),
}

impl Stop {
    pub fn outcome(&self) -> Outcome {
        match self {
            Stop::Timeout => Outcome::Timeout,
            Stop::Refused => Outcome::Refused,
            Stop::Unreachable(d) => Outcome::Unreachable { detail: d.clone() },
            Stop::Closed => Outcome::Closed,
            Stop::Reset => Outcome::Reset,
            Stop::Violation(d) => Outcome::Violation { detail: d.clone() },
            Stop::Rejected(r) => Outcome::Rejected { reply: r.clone() },
            Stop::Io(d) => Outcome::Error { detail: d.clone() },
        }
    }
    pub fn from_io(e: &std::io::Error) -> Stop {
        match e.kind() {
            ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted | ErrorKind::BrokenPipe => {
                Stop::Reset
            }
            ErrorKind::UnexpectedEof => Stop::Closed,
            ErrorKind::TimedOut => Stop::Timeout,
            _ => Stop::Io(e.to_string()),
        }
    }
}

pub type StepResult<T> = Result<T, Stop>;

/// Records phases and the dialogue of one port probe.
#[derive(Debug)]
pub struct Recorder {
    start: Instant,
    pub phases: Vec<Phase>,
    pub transcript: Vec<TranscriptLine>,
    dropped: usize,
}

impl Recorder {
    pub fn new() -> Recorder {
        Recorder {
            start: Instant::now(),
            phases: Vec::new(),
            transcript: Vec::new(),
            dropped: 0,
        }
    }
    pub fn elapsed_ms(&self) -> u64 {
        self.start.elapsed().as_millis() as u64
    }
    pub fn begin(&self) -> Instant {
        Instant::now()
    }
    pub fn end(&mut self, phase: PhaseName, began: Instant, outcome: Outcome) {
        self.phases.push(Phase {
            phase,
            start_ms: began.duration_since(self.start).as_millis() as u64,
            duration_ms: began.elapsed().as_millis() as u64,
            outcome,
        });
    }
    /// [`Recorder::end`] for a phase that ended before now (one run beside others).
    pub fn end_at(&mut self, phase: PhaseName, began: Instant, ended: Instant, outcome: Outcome) {
        self.phases.push(Phase {
            phase,
            start_ms: began.duration_since(self.start).as_millis() as u64,
            duration_ms: ended.saturating_duration_since(began).as_millis() as u64,
            outcome,
        });
    }
    /// Records a step's result as a phase and passes it on.
    pub fn record<T>(
        &mut self,
        phase: PhaseName,
        began: Instant,
        r: StepResult<T>,
    ) -> StepResult<T> {
        let outcome = match &r {
            Ok(_) => Outcome::Ok,
            Err(s) => s.outcome(),
        };
        self.end(phase, began, outcome);
        r
    }
    pub fn line(&mut self, dir: Direction, text: &str) {
        if self.transcript.len() >= TRANSCRIPT_MAX {
            self.dropped += 1;
            return;
        }
        let mut kept: String = text.chars().take(TRANSCRIPT_LINE).collect();
        if text.chars().count() > TRANSCRIPT_LINE {
            kept.push('…');
        }
        self.transcript.push(TranscriptLine {
            t_ms: self.elapsed_ms(),
            dir,
            text: kept,
        });
    }
    pub fn note(&mut self, text: &str) {
        self.line(Direction::Note, text);
    }
    pub fn finish(mut self) -> (Vec<Phase>, Vec<TranscriptLine>, u64) {
        if self.dropped > 0 {
            let n = self.dropped;
            self.dropped = 0;
            self.transcript.push(TranscriptLine {
                t_ms: self.elapsed_ms(),
                dir: Direction::Note,
                text: format!("({n} more transcript lines not kept)"),
            });
        }
        let d = self.elapsed_ms();
        (self.phases, self.transcript, d)
    }
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder::new()
    }
}

/// Plain TCP, or TLS over it after STARTTLS / implicit TLS; or an in-memory peer, for
/// fuzzing and tests of the readers.
pub enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<super::tap::Tap>>),
    Replay(super::replay::Replay),
}

impl Stream {
    /// Acknowledge at once what the next read waits for (see [`super::quickack`]).
    fn quickack(&self) {
        match self {
            Stream::Plain(s) => super::quickack::set(s),
            Stream::Tls(s) => super::quickack::set(s.get_ref().0.tcp()),
            // An in-memory peer has no ACKs to hurry.
            Stream::Replay(_) => {}
        }
    }
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
            Stream::Replay(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
            Stream::Replay(s) => Pin::new(s).poll_write(cx, buf),
        }
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
            Stream::Replay(s) => Pin::new(s).poll_flush(cx),
        }
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
            Stream::Replay(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}

/// A connection with a read buffer; lines are read with a deadline and a length cap.
pub struct Conn {
    pub stream: Stream,
    /// Our side of the connection, for the EHLO address literal.
    pub local: Option<SocketAddr>,
    buf: Vec<u8>,
    pub timeout: Duration,
    /// Texts never to record: once a login sends credentials, every line read has these
    /// replaced by `***`, so a server echoing them cannot put them in the evidence.
    secrets: Vec<String>,
}

/// Connects with a deadline and classifies the failure the way a user needs it told.
pub async fn connect(addr: SocketAddr, timeout: Duration) -> StepResult<TcpStream> {
    match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
        Err(_) => Err(Stop::Timeout),
        Ok(Ok(s)) => {
            let _ = s.set_nodelay(true);
            Ok(s)
        }
        Ok(Err(e)) => Err(match e.kind() {
            ErrorKind::ConnectionRefused => Stop::Refused,
            ErrorKind::TimedOut => Stop::Timeout,
            ErrorKind::HostUnreachable
            | ErrorKind::NetworkUnreachable
            | ErrorKind::AddrNotAvailable => Stop::Unreachable(e.to_string()),
            _ => Stop::Io(e.to_string()),
        }),
    }
}

impl Conn {
    pub fn new(stream: Stream, timeout: Duration) -> Conn {
        let local = match &stream {
            Stream::Plain(s) => s.local_addr().ok(),
            Stream::Tls(s) => s.get_ref().0.tcp().local_addr().ok(),
            Stream::Replay(_) => None,
        };
        Conn {
            stream,
            local,
            buf: Vec::new(),
            timeout,
            secrets: Vec::new(),
        }
    }

    /// Adds texts to mask in everything read from now on (empty ones are ignored).
    pub fn mask_secrets(&mut self, forms: impl IntoIterator<Item = String>) {
        for f in forms {
            if !f.is_empty() && !self.secrets.contains(&f) {
                self.secrets.push(f);
            }
        }
        // The longest first, so a payload is masked whole rather than around a shorter part.
        self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }

    /// `line` with the secrets masked. A reply code at the start stays readable, so that a
    /// secret that happens to look like one cannot break the parsing.
    fn masked(&self, line: String) -> String {
        if self.secrets.is_empty() {
            return line;
        }
        let b = line.as_bytes();
        let coded = b.get(..3).is_some_and(|c| c.iter().all(u8::is_ascii_digit))
            && matches!(b.get(3), None | Some(b' ') | Some(b'-'));
        let keep = if coded { b.len().min(4) } else { 0 };
        let (head, tail) = line.split_at(keep);
        let mut tail = tail.to_string();
        for s in &self.secrets {
            if tail.contains(s.as_str()) {
                tail = tail.replace(s.as_str(), "***");
            }
        }
        format!("{head}{tail}")
    }

    /// The RFC 5321 §4.1.3 address literal of our address: `[192.0.2.1]`, `[IPv6:2001:db8::1]`.
    pub fn address_literal(&self) -> String {
        match self.local.map(|a| a.ip()) {
            Some(std::net::IpAddr::V4(a)) => format!("[{a}]"),
            Some(std::net::IpAddr::V6(a)) => format!("[IPv6:{a}]"),
            None => "[127.0.0.1]".into(),
        }
    }

    /// Bytes already received but not yet consumed (STARTTLS injection check).
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    pub fn into_tcp(self) -> Option<TcpStream> {
        match self.stream {
            Stream::Plain(s) => Some(s),
            Stream::Tls(_) | Stream::Replay(_) => None,
        }
    }

    /// Reads one line (without CRLF) before `deadline`. Lines must be text: invalid UTF-8,
    /// NUL and other control bytes are protocol violations, as is a line over [`MAX_LINE`].
    pub async fn read_line(&mut self, deadline: tokio::time::Instant) -> StepResult<String> {
        let quote = self.secrets.is_empty();
        match self.read_raw_line(deadline, quote).await {
            Ok(line) => Ok(self.masked(line)),
            Err(Stop::Violation(d)) => Err(Stop::Violation(self.masked(d))),
            Err(e) => Err(e),
        }
    }

    /// `quote`: violations may quote the offending bytes. Not once credentials were sent: a
    /// cut-off excerpt could hold the start of a secret the masking no longer recognises.
    async fn read_raw_line(
        &mut self,
        deadline: tokio::time::Instant,
        quote: bool,
    ) -> StepResult<String> {
        // When bytes last came, and how many came in this call: a reply dribbled a byte at a
        // time hits the deadline while still arriving, which is not silence.
        let mut last_arrival: Option<Instant> = None;
        let mut arrived = 0usize;
        let began = Instant::now();
        loop {
            if let Some(pos) = self.buf.iter().position(|&b| b == b'\n') {
                if pos > MAX_LINE {
                    return Err(Stop::Violation(format!(
                        "reply line longer than {MAX_LINE} bytes ({} bytes)",
                        pos + 1
                    )));
                }
                let mut line: Vec<u8> = self.buf.drain(..=pos).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return decode_line(line, quote);
            }
            if self.buf.len() > MAX_LINE {
                return Err(Stop::Violation(format!(
                    "reply line longer than {MAX_LINE} bytes"
                )));
            }
            let mut chunk = [0u8; 4096];
            self.stream.quickack();
            let read = tokio::time::timeout_at(deadline, self.stream.read(&mut chunk)).await;
            match read {
                // Bytes that never became a line are garbage, not silence.
                Err(_) if !self.buf.is_empty() => {
                    let gap = last_arrival.map(|t| t.elapsed());
                    let still_coming =
                        gap.is_some_and(|g| g < STILL_ARRIVING.min(self.timeout / 2));
                    return Err(Stop::Violation(if still_coming {
                        format!(
                            "{arrived} bytes kept arriving over {:.1} s without a line end, the last {:.1} s before the phase deadline ({:.1} s) passed: {}",
                            began.elapsed().as_secs_f64(),
                            gap.unwrap_or_default().as_secs_f64(),
                            self.timeout.as_secs_f64(),
                            excerpt(&self.buf, quote)
                        )
                    } else {
                        format!(
                            "{} bytes without a line end, then silence: {}",
                            self.buf.len(),
                            excerpt(&self.buf, quote)
                        )
                    }));
                }
                Err(_) => return Err(Stop::Timeout),
                Ok(Ok(0)) => {
                    return Err(if self.buf.is_empty() {
                        Stop::Closed
                    } else {
                        Stop::Violation("connection closed in the middle of a line".into())
                    })
                }
                Ok(Ok(n)) => {
                    self.buf
                        .extend_from_slice(chunk.get(..n).unwrap_or_default());
                    arrived += n;
                    last_arrival = Some(Instant::now());
                }
                Ok(Err(e)) => return Err(Stop::from_io(&e)),
            }
        }
    }

    /// [`Conn::read_line`], recorded in the transcript as the server's.
    pub async fn recv(
        &mut self,
        rec: &mut Recorder,
        deadline: tokio::time::Instant,
    ) -> StepResult<String> {
        let l = self.read_line(deadline).await?;
        rec.line(Direction::Server, &l);
        Ok(l)
    }

    pub fn deadline(&self) -> tokio::time::Instant {
        tokio::time::Instant::now() + self.timeout
    }

    pub async fn send(&mut self, rec: &mut Recorder, line: &str, shown: &str) -> StepResult<()> {
        rec.line(Direction::Client, shown);
        let data = format!("{line}\r\n");
        let w = async {
            self.stream.write_all(data.as_bytes()).await?;
            self.stream.flush().await
        };
        match tokio::time::timeout(self.timeout, w).await {
            Err(_) => Err(Stop::Timeout),
            Ok(Err(e)) => Err(Stop::from_io(&e)),
            Ok(Ok(())) => Ok(()),
        }
    }

    /// Waits briefly for the peer to send anything (used to sniff unknown ports).
    pub async fn peek_any(&mut self, wait: Duration) -> StepResult<bool> {
        if !self.buf.is_empty() {
            return Ok(true);
        }
        let mut chunk = [0u8; 4096];
        match tokio::time::timeout(wait, self.stream.read(&mut chunk)).await {
            Err(_) => Ok(false),
            Ok(Ok(0)) => Err(Stop::Closed),
            Ok(Ok(n)) => {
                self.buf
                    .extend_from_slice(chunk.get(..n).unwrap_or_default());
                Ok(true)
            }
            Ok(Err(e)) => Err(Stop::from_io(&e)),
        }
    }

    /// Best-effort goodbye: bounded, and its failure changes nothing.
    pub async fn shutdown(&mut self) {
        let _ = tokio::time::timeout(Duration::from_millis(500), self.stream.shutdown()).await;
    }

    /// Ends the session: sends `line` (QUIT, LOGOUT) and closes without waiting for the
    /// reply. Everything the probe learns comes before it; the reply would only cost a round
    /// trip on every port. Recorded as the phase `quit`, its outcome that of the write.
    pub async fn quit(&mut self, rec: &mut Recorder, line: &str) {
        let t = rec.begin();
        let r = self.send(rec, line, line).await;
        rec.note("closed without waiting for the reply: nothing is learned from it");
        rec.record(PhaseName::Quit, t, r).ok();
        self.shutdown().await;
    }
}

/// The first bytes of a bad reply, for the evidence, or a note that they are withheld.
fn excerpt(bytes: &[u8], quote: bool) -> String {
    if quote {
        printable(bytes, 60)
    } else {
        "(not quoted: credentials were sent on this connection)".into()
    }
}

fn decode_line(line: Vec<u8>, quote: bool) -> StepResult<String> {
    match String::from_utf8(line) {
        Err(e) => {
            let bytes = e.into_bytes();
            Err(Stop::Violation(format!(
                "invalid UTF-8 in reply: {}",
                excerpt(&bytes, quote)
            )))
        }
        Ok(s) => {
            if let Some(c) = s.chars().find(|c| c.is_control() && *c != '\t') {
                return Err(Stop::Violation(format!(
                    "binary data in reply (byte 0x{:02x}): {}",
                    c as u32,
                    excerpt(s.as_bytes(), quote)
                )));
            }
            Ok(s)
        }
    }
}

/// Escapes bytes for evidence: printable ASCII kept, the rest as \xNN.
pub fn printable(bytes: &[u8], max: usize) -> String {
    let mut out = String::new();
    for &b in bytes.iter().take(max) {
        if (0x20..0x7f).contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    if bytes.len() > max {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_rejects_control_and_bad_utf8() {
        assert!(decode_line(b"220 ok".to_vec(), true).is_ok());
        assert!(matches!(
            decode_line(vec![0xff, 0xfe], true),
            Err(Stop::Violation(d)) if d.contains("UTF-8")
        ));
        assert!(matches!(
            decode_line(b"220 \x00x".to_vec(), true),
            Err(Stop::Violation(d)) if d.contains("binary")
        ));
    }

    #[tokio::test]
    async fn bad_bytes_after_a_login_are_not_quoted() {
        // A secret cut off by the 60-byte excerpt would escape the masking: no excerpt at all.
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (mut s, _) = l.accept().await.unwrap();
            let mut junk = vec![b'x'; 50];
            junk.extend_from_slice(b"hunter2-is-the-password\x00\r\n");
            s.write_all(&junk).await.unwrap();
        });
        let tcp = TcpStream::connect(addr).await.unwrap();
        let mut c = Conn::new(Stream::Plain(tcp), Duration::from_secs(5));
        c.mask_secrets(["hunter2-is-the-password".to_string()]);
        let d = c.deadline();
        match c.read_line(d).await {
            Err(Stop::Violation(d)) => {
                assert!(!d.contains("hunter"), "{d}");
                assert!(d.contains("not quoted"), "{d}");
            }
            other => panic!("{other:?}"),
        }
        server.await.unwrap();
    }

    #[tokio::test]
    async fn secrets_are_masked_in_lines_read() {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (mut s, _) = l.accept().await.unwrap();
            s.write_all(b"535 5.7.8 bad: hunter2 and aHVudGVyMg==\r\nhunter2 alone\r\n")
                .await
                .unwrap();
        });
        let tcp = TcpStream::connect(addr).await.unwrap();
        let mut c = Conn::new(Stream::Plain(tcp), Duration::from_secs(5));
        c.mask_secrets([
            "hunter2".to_string(),
            "aHVudGVyMg==".to_string(),
            String::new(),
        ]);
        let d = c.deadline();
        assert_eq!(c.read_line(d).await.unwrap(), "535 5.7.8 bad: *** and ***");
        assert_eq!(c.read_line(d).await.unwrap(), "*** alone");
        server.await.unwrap();
        let code = Conn {
            secrets: vec!["250".into()],
            ..c
        };
        assert_eq!(code.masked("250 x 250".into()), "250 x ***");
    }

    #[test]
    fn printable_escapes_and_truncates() {
        assert_eq!(printable(b"a\x01b", 10), "a\\x01b");
        assert_eq!(printable(b"abcdef", 3), "abc…");
    }
}
