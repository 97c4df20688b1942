//! Fetches a domain's MTA-STS policy (RFC 8461 §3.3): `https://mta-sts.DOMAIN/.well-known/
//! mta-sts.txt`, certificate validated, no redirects, at most 64 KiB. A plain HTTP/1.1 GET is
//! written here rather than pulling in an HTTP client stack: one bounded request with
//! `Connection: close` is all the RFC asks, and every byte and second stays under mxray's bounds.

use super::conn::Stop;
use super::dns::Dns;
use super::{tls, Ctx};
use crate::evidence::domain::StsFetch;
use crate::evidence::TlsMode;
use hickory_resolver::proto::rr::RecordType;
use std::net::{IpAddr, SocketAddr};
use std::time::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// RFC 8461 §3.2: policies are at most 64 KiB; headers get a little room of their own.
const MAX_RESPONSE: usize = 64 * 1024 + 16 * 1024;

pub async fn fetch(ctx: &Ctx, dns: &Dns, domain: &str) -> StsFetch {
    let host = format!("mta-sts.{domain}");
    let started = Instant::now();
    let mut out = StsFetch {
        url: format!("https://{host}/.well-known/mta-sts.txt"),
        address: None,
        status: None,
        content_type: None,
        body: None,
        tls: None,
        error: None,
        duration_ms: 0,
    };
    let (a, aaaa) = tokio::join!(
        dns.lookup(&host, RecordType::A),
        dns.lookup(&host, RecordType::AAAA)
    );
    let Some(ip) = a
        .records
        .iter()
        .chain(&aaaa.records)
        .find_map(|r| r.parse::<IpAddr>().ok())
    else {
        out.error = Some(format!(
            "{host} has no address ({})",
            crate::diagnose::status_words(a.status)
        ));
        return out;
    };
    out.address = Some(ip);
    let result = get(ctx, &host, ip, &mut out).await;
    if let Err(e) = result {
        out.error = Some(e);
    }
    out.duration_ms = started.elapsed().as_millis() as u64;
    out
}

async fn get(ctx: &Ctx, host: &str, ip: IpAddr, out: &mut StsFetch) -> Result<(), String> {
    let tcp = super::conn::connect(SocketAddr::new(ip, 443), ctx.timeout)
        .await
        .map_err(|e| format!("cannot connect to {ip}:443: {}", stop_words(&e)))?;
    let hs = tls::handshake(
        &ctx.trust,
        tcp,
        TlsMode::Implicit,
        Some(host),
        ip,
        ctx.now,
        ctx.timeout,
    )
    .await;
    let valid = hs
        .session
        .verification
        .as_ref()
        .is_some_and(|v| v.client_error.is_none());
    let client_error = hs
        .session
        .verification
        .as_ref()
        .and_then(|v| v.client_error.clone());
    let handshake_error = hs.session.error.clone();
    out.tls = Some(hs.session);
    let Some(mut stream) = hs.stream else {
        return Err(format!(
            "TLS handshake failed: {}",
            handshake_error.unwrap_or_default()
        ));
    };
    if !valid {
        // RFC 8461 §3.3: a policy behind an invalid certificate must not be used.
        return Err(format!(
            "the certificate of {host} is not valid: {}",
            client_error.unwrap_or_default()
        ));
    }
    let request = format!(
        "GET /.well-known/mta-sts.txt HTTP/1.1\r\nHost: {host}\r\nUser-Agent: mxray/{}\r\nAccept: text/plain\r\nConnection: close\r\n\r\n",
        env!("CARGO_PKG_VERSION")
    );
    let exchange = async {
        stream.write_all(request.as_bytes()).await?;
        let mut buf = Vec::new();
        let mut chunk = [0u8; 8192];
        loop {
            let n = stream.read(&mut chunk).await?;
            if n == 0 || buf.len() + n > MAX_RESPONSE {
                buf.extend_from_slice(&chunk[..n.min(MAX_RESPONSE.saturating_sub(buf.len()))]);
                return Ok::<_, std::io::Error>((buf, n != 0));
            }
            buf.extend_from_slice(&chunk[..n]);
        }
    };
    let (raw, truncated) = match tokio::time::timeout(ctx.timeout * 2, exchange).await {
        Err(_) => return Err("no complete answer in time".into()),
        // Servers often end TLS without close_notify after `Connection: close`; keep what came.
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            return Err("connection closed before any answer".into())
        }
        Ok(Err(e)) => return Err(format!("reading the answer failed: {e}")),
        Ok(Ok(r)) => r,
    };
    if truncated {
        return Err(format!(
            "the answer is larger than {} KiB",
            MAX_RESPONSE / 1024
        ));
    }
    parse_response(&raw, out)
}

fn stop_words(s: &Stop) -> String {
    match s {
        Stop::Timeout => "timed out".into(),
        Stop::Refused => "refused".into(),
        other => format!("{:?}", other.outcome()),
    }
}

/// Status line, headers, body (Content-Length or chunked).
pub fn parse_response(raw: &[u8], out: &mut StsFetch) -> Result<(), String> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("the answer has no complete HTTP header")?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| format!("not an HTTP status line: {status_line:?}"))?;
    out.status = Some(status);
    let mut chunked = false;
    for l in lines {
        let Some((k, v)) = l.split_once(':') else {
            continue;
        };
        match k.trim().to_ascii_lowercase().as_str() {
            "content-type" => out.content_type = Some(v.trim().to_string()),
            "transfer-encoding" => chunked = v.to_ascii_lowercase().contains("chunked"),
            _ => {}
        }
    }
    let body = &raw[split + 4..];
    let body = if chunked {
        dechunk(body)?
    } else {
        body.to_vec()
    };
    out.body = Some(String::from_utf8_lossy(&body).into_owned());
    if (300..400).contains(&status) {
        return Err(format!(
            "HTTP status {status}: a redirect, which MTA-STS does not allow (RFC 8461 §3.3)"
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
        let size_text = String::from_utf8_lossy(&b[..eol]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| "broken chunk size")?;
        b = &b[eol + 2..];
        if size == 0 {
            return Ok(out);
        }
        if b.len() < size {
            return Err("truncated chunk".into());
        }
        out.extend_from_slice(&b[..size]);
        b = b.get(size + 2..).unwrap_or(&[]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blank() -> StsFetch {
        StsFetch {
            url: String::new(),
            address: None,
            status: None,
            content_type: None,
            body: None,
            tls: None,
            error: None,
            duration_ms: 0,
        }
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
        assert!(
            parse_response(b"HTTP/1.1 301 Moved\r\nLocation: x\r\n\r\n", &mut f)
                .unwrap_err()
                .contains("redirect")
        );
        assert!(
            !parse_response(b"HTTP/1.1 404 Not Found\r\n\r\n", &mut blank())
                .unwrap_err()
                .contains("redirect")
        );
        assert!(parse_response(b"garbage", &mut blank()).is_err());
        assert!(dechunk(b"zz\r\n").is_err());
    }
}
