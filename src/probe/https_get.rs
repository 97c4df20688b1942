//! One bounded HTTP/1.1 GET, for the small documents mail setups publish over the web (the
//! MTA-STS policy, Mozilla autoconfig files). Over HTTPS the certificate is validated against
//! the trust store and a body behind an invalid one is never read; redirects are not followed;
//! the answer is cut off at a size bound and the whole exchange at a time bound. Written by
//! hand rather than pulling in an HTTP client stack: one request with `Connection: close` is
//! all these documents need, and every byte and second stays under mxray's bounds.

use super::conn::Stop;
use super::dns::Dns;
use super::{tls, Ctx};
use crate::evidence::domain::StsFetch;
use crate::evidence::TlsMode;
use hickory_resolver::proto::rr::RecordType;
use std::net::{IpAddr, SocketAddr};
use std::time::Instant;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Room for the status line and headers on top of a body bound.
const HEADER_ROOM: usize = 16 * 1024;

/// What to fetch.
pub struct Get<'a> {
    /// A validated host name (it goes into the Host header and SNI).
    pub host: &'a str,
    /// Path and query, starting with `/`, already percent-encoded.
    pub path: &'a str,
    /// HTTPS on 443 (certificate validated); `false`: plain HTTP on 80.
    pub https: bool,
    pub accept: &'a str,
    /// The largest body accepted.
    pub max_body: usize,
}

impl Get<'_> {
    pub fn url(&self) -> String {
        let scheme = if self.https { "https" } else { "http" };
        format!("{scheme}://{}{}", self.host, self.path)
    }
}

/// Resolves the host, connects, and records how the GET went. A non-200 status, a redirect,
/// an invalid certificate or an oversized answer ends up in `error`.
pub async fn fetch(ctx: &Ctx, dns: &Dns, req: &Get<'_>) -> StsFetch {
    let started = Instant::now();
    let mut out = StsFetch::new(req.url());
    let (a, aaaa) = tokio::join!(
        dns.lookup(req.host, RecordType::A),
        dns.lookup(req.host, RecordType::AAAA)
    );
    let Some(ip) = a
        .records
        .iter()
        .chain(&aaaa.records)
        .find_map(|r| r.parse::<IpAddr>().ok())
    else {
        out.error = Some(format!(
            "{} has no address ({})",
            req.host,
            a.status.words()
        ));
        out.duration_ms = started.elapsed().as_millis() as u64;
        return out;
    };
    out.address = Some(ip);
    if let Err(e) = get(ctx, req, ip, &mut out).await {
        out.error = Some(e);
    }
    out.duration_ms = started.elapsed().as_millis() as u64;
    out
}

async fn get(ctx: &Ctx, req: &Get<'_>, ip: IpAddr, out: &mut StsFetch) -> Result<(), String> {
    let port = if req.https { 443 } else { 80 };
    let tcp = super::conn::connect(SocketAddr::new(ip, port), ctx.timeout)
        .await
        .map_err(|e| {
            format!(
                "cannot connect to {}: {}",
                endpoint(ip, port),
                stop_words(&e)
            )
        })?;
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: mxray/{}\r\nAccept: {}\r\nConnection: close\r\n\r\n",
        req.path,
        req.host,
        env!("CARGO_PKG_VERSION"),
        req.accept
    );
    let limit = req.max_body + HEADER_ROOM;
    let answer = if req.https {
        let hs = tls::handshake(
            &ctx.trust,
            tcp,
            TlsMode::Implicit,
            Some(req.host),
            ip,
            ctx.now,
            ctx.timeout,
        )
        .await;
        let verification = hs.session.verification.clone();
        let handshake_error = hs.session.error.clone();
        out.tls = Some(hs.session);
        let Some(stream) = hs.stream else {
            return Err(format!(
                "TLS handshake failed: {}",
                handshake_error.unwrap_or_default()
            ));
        };
        match verification {
            Some(v) if v.client_error.is_none() => {}
            v => {
                return Err(format!(
                    "the certificate of {} is not valid: {}",
                    req.host,
                    v.and_then(|v| v.client_error)
                        .unwrap_or_else(|| "not verified".into())
                ))
            }
        }
        exchange(stream, &request, limit, ctx.timeout).await?
    } else {
        exchange(tcp, &request, limit, ctx.timeout).await?
    };
    parse_response(&answer, out)?;
    if out.body.as_ref().is_some_and(|b| b.len() > req.max_body) {
        out.body = None;
        return Err(format!(
            "the document is larger than {} KiB",
            req.max_body / 1024
        ));
    }
    Ok(())
}

/// Sends the request and reads until the server closes, at most `limit` bytes, within two
/// phase timeouts.
pub async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    request: &str,
    limit: usize,
    timeout: std::time::Duration,
) -> Result<Vec<u8>, String> {
    let work = async {
        stream.write_all(request.as_bytes()).await?;
        let mut buf = Vec::new();
        let mut chunk = [0u8; 8192];
        loop {
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Ok::<_, std::io::Error>((buf, false));
            }
            if buf.len() + n > limit {
                return Ok((buf, true));
            }
            buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
        }
    };
    match tokio::time::timeout(timeout * 2, work).await {
        Err(_) => Err("no complete answer in time".into()),
        // Servers often end TLS without close_notify after `Connection: close`; keep what came.
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            Err("connection closed before any answer".into())
        }
        Ok(Err(e)) => Err(format!("reading the answer failed: {e}")),
        Ok(Ok((_, true))) => Err(format!("the answer is larger than {} KiB", limit / 1024)),
        Ok(Ok((buf, false))) => Ok(buf),
    }
}

fn endpoint(ip: IpAddr, port: u16) -> String {
    match ip {
        IpAddr::V4(a) => format!("{a}:{port}"),
        IpAddr::V6(a) => format!("[{a}]:{port}"),
    }
}

fn stop_words(s: &Stop) -> String {
    match s {
        Stop::Timeout => "timed out".into(),
        Stop::Refused => "refused".into(),
        other => format!("{:?}", other.outcome()),
    }
}

/// Status line, headers, body (Content-Length or chunked). A redirect is an error naming its
/// target: none of the documents fetched here may be redirected.
pub fn parse_response(raw: &[u8], out: &mut StsFetch) -> Result<(), String> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("the answer has no complete HTTP header")?;
    let (head, rest) = raw.split_at_checked(split).unwrap_or((raw, &[]));
    let head = String::from_utf8_lossy(head);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .filter(|c| (100..1000).contains(c))
        // The line may be the whole answer: quote only its start.
        .ok_or_else(|| {
            let start: String = status_line.chars().take(80).collect();
            format!("not an HTTP status line: {start:?}")
        })?;
    out.status = Some(status);
    let mut chunked = false;
    let mut location = None;
    for l in lines {
        let Some((k, v)) = l.split_once(':') else {
            continue;
        };
        match k.trim().to_ascii_lowercase().as_str() {
            "content-type" => out.content_type = Some(v.trim().to_string()),
            "transfer-encoding" => chunked = v.to_ascii_lowercase().contains("chunked"),
            "location" => location = Some(v.trim().chars().take(200).collect::<String>()),
            _ => {}
        }
    }
    let body = rest.get(4..).unwrap_or_default();
    let body = if chunked {
        dechunk(body)?
    } else {
        body.to_vec()
    };
    out.body = Some(String::from_utf8_lossy(&body).into_owned());
    if (300..400).contains(&status) {
        let to = location.map(|l| format!(" to {l}")).unwrap_or_default();
        return Err(format!(
            "HTTP status {status}: a redirect{to}, which is not followed"
        ));
    }
    if status != 200 {
        return Err(format!("HTTP status {status}"));
    }
    Ok(())
}

fn dechunk(mut b: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let eol = b
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("broken chunked encoding")?;
        let (line, rest) = b.split_at_checked(eol).unwrap_or((b, &[]));
        let size_text = String::from_utf8_lossy(line);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| "broken chunk size")?;
        b = rest.get(2..).unwrap_or_default();
        if size == 0 {
            return Ok(out);
        }
        let data = b.get(..size).ok_or("truncated chunk")?;
        out.extend_from_slice(data);
        b = b.get(size + 2..).unwrap_or(&[]);
    }
}

/// `application/x-www-form-urlencoded`-safe query value: everything but RFC 3986's unreserved
/// characters percent-encoded.
pub fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blank() -> StsFetch {
        StsFetch::new("")
    }

    #[test]
    fn plain_and_chunked_bodies() {
        let mut f = blank();
        parse_response(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello",
            &mut f,
        )
        .unwrap();
        assert_eq!(
            (f.status, f.body.as_deref(), f.content_type.as_deref()),
            (Some(200), Some("hello"), Some("text/plain"))
        );
        let mut f = blank();
        parse_response(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", &mut f).unwrap();
        assert_eq!(f.body.as_deref(), Some("abcde"));
        let mut f = blank();
        let e = parse_response(
            b"HTTP/1.1 301 Moved\r\nLocation: http://evil.example/x\r\n\r\n",
            &mut f,
        )
        .unwrap_err();
        assert!(e.contains("redirect to http://evil.example/x"), "{e}");
        assert!(
            !parse_response(b"HTTP/1.1 404 Not Found\r\n\r\n", &mut blank())
                .unwrap_err()
                .contains("redirect")
        );
        assert!(parse_response(b"garbage", &mut blank()).is_err());
        assert!(parse_response(b"HTTP/1.1 99999999999 X\r\n\r\n", &mut blank()).is_err());
        assert!(dechunk(b"zz\r\n").is_err());
        assert!(dechunk(b"ffffffffffffffff\r\nab").is_err());
    }

    use std::time::Duration;
    use tokio::io::AsyncWriteExt;

    #[tokio::test]
    async fn hostile_peers_are_bounded() {
        // An endless answer is cut at the bound.
        let (client, mut server) = tokio::io::duplex(64 * 1024);
        tokio::spawn(async move {
            let chunk = vec![b'x'; 4096];
            while server.write_all(&chunk).await.is_ok() {}
        });
        let e = exchange(
            client,
            "GET / HTTP/1.1\r\n\r\n",
            32 * 1024,
            Duration::from_secs(30),
        )
        .await
        .unwrap_err();
        assert!(e.contains("larger than 32 KiB"), "{e}");
        // A peer that never answers nor closes runs into the time bound.
        let (client, server) = tokio::io::duplex(1024);
        let e = exchange(
            client,
            "GET / HTTP/1.1\r\n\r\n",
            1024,
            Duration::from_millis(50),
        )
        .await
        .unwrap_err();
        assert!(e.contains("in time"), "{e}");
        drop(server);
        // A complete answer, then close: kept whole.
        let (client, mut server) = tokio::io::duplex(1024);
        tokio::spawn(async move {
            let _ = server.write_all(b"HTTP/1.1 200 OK\r\n\r\nbody").await;
        });
        let raw = exchange(
            client,
            "GET / HTTP/1.1\r\n\r\n",
            1024,
            Duration::from_secs(30),
        )
        .await
        .unwrap();
        assert_eq!(raw, b"HTTP/1.1 200 OK\r\n\r\nbody");
    }

    #[test]
    fn query_values_are_escaped() {
        assert_eq!(
            query_escape("alice+x@example.com"),
            "alice%2Bx%40example.com"
        );
        assert_eq!(query_escape("a b&c=d\r\n"), "a%20b%26c%3Dd%0D%0A");
    }
}
