//! Legacy TLS versions on fresh connections: TLS 1.0 and 1.1 always (to report servers that
//! still accept them), TLS 1.2 too when rustls failed (to tell "no shared cipher" from "no TLS").

use super::legacy_tls::{self, LegacyOutcome, LegacyVersion};
use super::{cert, prelude, Ctx};
use crate::evidence::{LegacyAttempt, LegacyTls, PortProbe, Role};
use std::net::SocketAddr;

/// Bytes read from one legacy handshake: a ServerHello and a long certificate chain fit easily.
const MAX_HELLO_BYTES: usize = 64 * 1024;

pub async fn probe_versions(
    ctx: &Ctx,
    addr: SocketAddr,
    role: Role,
    probe: &PortProbe,
) -> LegacyTls {
    let modern_ok = probe.tls.as_ref().is_some_and(|t| t.version.is_some());
    let mut versions = vec![LegacyVersion::Tls10, LegacyVersion::Tls11];
    if !modern_ok {
        versions.push(LegacyVersion::Tls12);
    }
    let mut out = LegacyTls::default();
    let budget = ctx.timeout * 3;
    let run = async {
        for v in versions {
            let attempt = one(ctx, addr, role, v).await;
            out.attempts.push(attempt.0);
            if out.chain.is_empty() && !attempt.1.is_empty() {
                out.chain = attempt.1.iter().map(|c| cert::parse(c)).collect();
                let name = ctx.tls_name.as_deref();
                out.verification = Some(ctx.trust.verify(&attempt.1, name, addr.ip(), ctx.now));
            }
        }
    };
    if tokio::time::timeout(budget, run).await.is_err() {
        out.attempts.push(LegacyAttempt {
            offered: "-".into(),
            result: "timeout".into(),
            version: None,
            cipher: None,
            detail: Some(format!(
                "legacy probe budget of {} s exhausted",
                budget.as_secs_f64()
            )),
        });
    }
    out
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
