//! Brings a fresh connection to the point where the TLS handshake starts (connect, and for
//! plaintext-first roles greeting, capabilities, STARTTLS), for the extra probes that need it.

use super::conn::{connect, Conn, Recorder, StepResult, Stop, Stream};
use super::{port, Ctx};
use crate::evidence::Role;
use std::net::SocketAddr;
use tokio::net::TcpStream;

pub async fn to_handshake(ctx: &Ctx, addr: SocketAddr, role: Role) -> StepResult<TcpStream> {
    let tcp = connect(addr, ctx.timeout).await?;
    if role.implicit_tls() {
        return Ok(tcp);
    }
    // This dialogue is scaffolding, already shown by the main probe: not kept in the transcript.
    let mut rec = Recorder::new();
    let proto = role.protocol();
    let mut conn = Conn::new(Stream::Plain(tcp), ctx.timeout);
    port::greeting(proto, &mut conn, &mut rec).await.0?;
    let caps = port::capabilities(proto, &mut conn, &mut rec, ctx, false).await?;
    if !caps.starttls {
        return Err(Stop::Rejected("STARTTLS not offered".into()));
    }
    port::starttls(proto, &mut conn, &mut rec).await.0?;
    conn.into_tcp()
        .ok_or_else(|| Stop::Io("stream already secured".into()))
}
