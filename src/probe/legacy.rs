//! Legacy TLS versions on fresh connections: TLS 1.0 and 1.1 always (to report servers that
//! still accept them), TLS 1.2 too when rustls failed (to tell "no shared cipher" from "no TLS").

use super::legacy_tls::{self, LegacyOutcome, LegacyVersion};
use super::{cert, prelude, Ctx};
use crate::evidence::{LegacyAttempt, LegacyTls, PortProbe, Role};
use std::net::SocketAddr;

/// Bytes read from one legacy handshake: a ServerHello and a long certificate chain fit easily.
const MAX_HELLO_BYTES: usize = 64 * 1024;

/// What one hand-built hello got: the attempt and the certificates sent in clear.
pub type Asked = (LegacyAttempt, Vec<Vec<u8>>);

/// TLS 1.0 and 1.1, asked on fresh connections that need nothing from the main dialogue, so
/// they run beside it. 1.1 first: a server that refuses a hello offering up to 1.1 with a
/// `protocol_version` alert speaks neither version, because a server must answer with the
/// highest version it supports up to the one offered (RFC 4346 and 5246, appendix E.1), so
/// 1.0 is then recorded as inferred, not asked. Any other answer to 1.1 — accepted, another
/// alert, a close, silence — and 1.0 is asked too. Each connection takes a permit of `limit`
/// and has half of three phase timeouts.
pub async fn early(ctx: &Ctx, addr: SocketAddr, role: Role, limit: &Limit) -> Vec<Asked> {
    let v11 = one_limited(ctx, addr, role, LegacyVersion::Tls11, limit).await;
    let v10 = if refuses_version(&v11.0) {
        (inferred_tls10(), Vec::new())
    } else {
        one_limited(ctx, addr, role, LegacyVersion::Tls10, limit).await
    };
    vec![v10, v11]
}

/// The legacy evidence of a port: the early attempts, then TLS 1.2 on a fresh connection when
/// the main handshake failed (to tell "no shared cipher" from "no TLS"; it needs that result,
/// so it cannot start earlier), and the first chain seen, verified.
pub async fn finish(
    ctx: &Ctx,
    addr: SocketAddr,
    role: Role,
    probe: &PortProbe,
    mut asked: Vec<Asked>,
    limit: &Limit,
) -> LegacyTls {
    let modern_ok = probe.tls.as_ref().is_some_and(|t| t.version.is_some());
    if !modern_ok {
        asked.push(one_limited(ctx, addr, role, LegacyVersion::Tls12, limit).await);
    }
    let mut out = LegacyTls::default();
    for (attempt, chain) in asked {
        out.attempts.push(attempt);
        if out.chain.is_empty() && !chain.is_empty() {
            out.chain = chain.iter().map(|c| cert::parse(c)).collect();
            let name = ctx.tls_name.as_deref();
            out.verification = Some(ctx.trust.verify(&chain, name, addr.ip(), ctx.now));
        }
    }
    out
}

/// The connection permits of one address; `None`: unlimited (a single probe in tests).
pub type Limit = Option<std::sync::Arc<tokio::sync::Semaphore>>;

/// The server said, in so many words, that it speaks no version up to the one offered.
fn refuses_version(a: &LegacyAttempt) -> bool {
    a.result == "alert"
        && a.detail
            .as_deref()
            .is_some_and(|d| d.starts_with("protocol_version "))
}

fn inferred_tls10() -> LegacyAttempt {
    LegacyAttempt {
        offered: LegacyVersion::Tls10.label().to_string(),
        result: "inferred".into(),
        version: None,
        cipher: None,
        detail: Some(
            "not asked: the TLS 1.1 hello was refused with protocol_version, and a server \
             accepting TLS 1.0 must answer it with 1.0 (RFC 4346 E.1)"
                .into(),
        ),
    }
}

fn out_of_budget(budget: std::time::Duration) -> LegacyAttempt {
    LegacyAttempt {
        offered: "-".into(),
        result: "timeout".into(),
        version: None,
        cipher: None,
        detail: Some(format!(
            "legacy probe budget of {} s exhausted",
            budget.as_secs_f64()
        )),
    }
}

async fn one_limited(
    ctx: &Ctx,
    addr: SocketAddr,
    role: Role,
    v: LegacyVersion,
    limit: &Limit,
) -> Asked {
    let _permit = super::limits::permit(limit).await;
    // Half the old three-timeout budget of all attempts each: the port's bound still holds
    // (two attempts in turn at most, beside the main dialogue), waiting for a permit aside.
    let budget = ctx.timeout * 3 / 2;
    match tokio::time::timeout(budget, one(ctx, addr, role, v)).await {
        Ok(asked) => asked,
        Err(_) => {
            let mut a = out_of_budget(budget);
            a.offered = v.label().to_string();
            (a, Vec::new())
        }
    }
}

async fn one(
    ctx: &Ctx,
    addr: SocketAddr,
    role: Role,
    v: LegacyVersion,
) -> (LegacyAttempt, Vec<Vec<u8>>) {
    let mut attempt = LegacyAttempt {
        offered: v.label().to_string(),
        result: "unreachable".into(),
        version: None,
        cipher: None,
        detail: None,
    };
    let mut tcp = match prelude::to_handshake(ctx, addr, role).await {
        Ok(t) => t,
        Err(e) => {
            attempt.detail = Some(format!("could not reach the handshake: {:?}", e.outcome()));
            return (attempt, Vec::new());
        }
    };
    let sni = ctx.tls_name.as_deref();
    let hello = legacy_tls::probe(&mut tcp, v, sni, ctx.timeout, MAX_HELLO_BYTES).await;
    let (result, version, cipher, detail) = match hello.outcome {
        LegacyOutcome::Accepted {
            version,
            cipher_suite,
            cipher_name,
        } => (
            "accepted",
            Some(version),
            Some(cipher_name.unwrap_or_else(|| format!("0x{cipher_suite:04x}"))),
            None,
        ),
        LegacyOutcome::Incomplete {
            version,
            cipher_suite,
            cipher_name,
            detail,
        } => (
            "incomplete",
            Some(version),
            Some(cipher_name.unwrap_or_else(|| format!("0x{cipher_suite:04x}"))),
            Some(detail),
        ),
        LegacyOutcome::Alert { description, name } => {
            ("alert", None, None, Some(format!("{name} ({description})")))
        }
        LegacyOutcome::Closed => ("closed", None, None, None),
        LegacyOutcome::Timeout => ("timeout", None, None, None),
        LegacyOutcome::NotTls { first_bytes } => ("not_tls", None, None, Some(first_bytes)),
        LegacyOutcome::Malformed { detail } => ("malformed", None, None, Some(detail)),
    };
    attempt.result = result.into();
    attempt.version = version;
    attempt.cipher = cipher;
    attempt.detail = detail;
    (attempt, hello.certificates)
}

pub fn summary(l: &LegacyTls) -> String {
    let parts: Vec<String> = l
        .attempts
        .iter()
        .map(|a| match (&a.version, &a.detail) {
            (Some(v), Some(d)) => format!("{} → {} ({v}: {d})", a.offered, a.result),
            (Some(v), _) => format!("{} → accepted ({v})", a.offered),
            (None, Some(d)) => format!("{} → {} ({d})", a.offered, a.result),
            (None, None) => format!("{} → {}", a.offered, a.result),
        })
        .collect();
    format!("legacy TLS probe: {}", parts.join("; "))
}
