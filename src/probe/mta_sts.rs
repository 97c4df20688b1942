//! Fetches a domain's MTA-STS policy (RFC 8461 §3.3): `https://mta-sts.DOMAIN/.well-known/
//! mta-sts.txt`, certificate validated, no redirects, at most 64 KiB, through the shared
//! bounded GET of [`super::https_get`].

use super::dns::Dns;
use super::https_get::{self, Get};
use super::Ctx;
use crate::evidence::domain::StsFetch;

/// RFC 8461 §3.2: policies are at most 64 KiB.
const MAX_POLICY: usize = 64 * 1024;

pub async fn fetch(ctx: &Ctx, dns: &Dns, domain: &str) -> StsFetch {
    let host = format!("mta-sts.{domain}");
    let req = Get {
        host: &host,
        path: "/.well-known/mta-sts.txt",
        https: true,
        accept: "text/plain",
        max_body: MAX_POLICY,
    };
    let mut out = https_get::fetch(ctx, dns, &req).await;
    if out.status.is_some_and(|s| (300..400).contains(&s)) {
        if let Some(e) = &mut out.error {
            e.push_str(" (RFC 8461 §3.3: MTA-STS does not allow redirects)");
        }
    }
    out
}
