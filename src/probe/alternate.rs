//! "What would work": when the configured TLS mode fails in the way a mode mix-up does (no
//! greeting on a plaintext-first role, a plaintext answer to an implicit-TLS handshake), try the
//! other mode on a fresh connection. That turns "timeout" into "this is an implicit-TLS port".

use super::conn::{connect, Conn, Recorder, Stream};
use super::{port, tls, Ctx};
use crate::evidence::{AlternateMode, Outcome, PhaseName, PortProbe, Role, TlsMode};
use std::net::SocketAddr;

pub async fn check(
    ctx: &Ctx,
    addr: SocketAddr,
    role: Role,
    probe: &PortProbe,
) -> Option<AlternateMode> {
    let failed = probe.failure()?;
    let mixup = if role.implicit_tls() {
        failed.phase == PhaseName::TlsHandshake
            && (probe.tls.as_ref().is_some_and(|t| t.peer_spoke_plaintext)
                || matches!(failed.outcome, Outcome::Timeout | Outcome::Violation { .. }))
    } else {
        failed.phase == PhaseName::Greeting && failed.outcome == Outcome::Timeout
    };
    if !mixup {
        return None;
    }
    let other = role.flipped_tls();
    let budget = ctx.timeout * 2;
    let result = tokio::time::timeout(budget, try_mode(ctx, addr, other)).await;
    Some(match result {
        Err(_) => AlternateMode {
            role: other,
            works: false,
            detail: "no answer in that mode either".into(),
        },
        Ok(a) => a,
    })
}

async fn try_mode(ctx: &Ctx, addr: SocketAddr, role: Role) -> AlternateMode {
    let fail = |detail: String| AlternateMode {
        role,
        works: false,
        detail,
    };
    let tcp = match connect(addr, ctx.timeout).await {
        Ok(t) => t,
        Err(e) => return fail(format!("connect: {:?}", e.outcome())),
    };
    let mut rec = Recorder::new();
    let mut conn = if role.implicit_tls() {
        let hs = tls::handshake(
            &ctx.trust,
            tcp,
            TlsMode::Implicit,
            ctx.tls_name.as_deref(),
            addr.ip(),
            ctx.now,
            ctx.timeout,
        )
        .await;
        match hs.stream {
            Some(s) => Conn::new(Stream::Tls(Box::new(s)), ctx.timeout),
            None => {
                return fail(format!(
                    "TLS handshake failed: {}",
                    hs.session.error.unwrap_or_default()
                ))
            }
        }
    } else {
        Conn::new(Stream::Plain(tcp), ctx.timeout)
    };
    let (g, reply) = port::greeting(role.protocol(), &mut conn, &mut rec).await;
    let text = reply.map(|r| r.text()).unwrap_or_default();
    let works = g.is_ok();
    if works {
        port::quit(role.protocol(), &mut conn, &mut rec).await;
    }
    let how = if role.implicit_tls() {
        "TLS handshake completed, then greeting"
    } else {
        "plaintext greeting"
    };
    AlternateMode {
        role,
        works,
        detail: if works {
            format!("{how}: {text}")
        } else {
            format!("no valid greeting: {text}")
        },
    }
}
