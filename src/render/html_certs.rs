//! The certificate chains a host served, each on a time line: a bar per certificate from
//! not-before to not-after, a line at the moment of the run, so "expired", "not yet valid" and
//! "expires in 9 days" are seen at a glance; then each certificate's facts as text.

use super::{clip, escape};
use crate::evidence::{Certificate, ServerEvidence, Verification};
use std::fmt::Write;

const WIDTH: i64 = 420;
const LABEL: i64 = 150;
const ROW: i64 = 22;
const DAY: i64 = 86_400;

/// One distinct chain: its leaf's fingerprint, the endpoints that served it, the chain and how
/// it verified.
struct Served<'a> {
    leaf: String,
    endpoints: Vec<String>,
    chain: &'a [Certificate],
    verification: Option<&'a Verification>,
}

pub(super) fn chains(s: &mut String, ev: &ServerEvidence, now: i64) {
    // The same chain is usually served on every port: show each once, with its endpoints.
    let mut seen: Vec<Served> = Vec::new();
    for p in &ev.probes {
        let modern = p
            .tls
            .as_ref()
            .map(|t| (&t.chain[..], t.verification.as_ref()));
        let legacy = p
            .legacy_tls
            .as_ref()
            .map(|l| (&l.chain[..], l.verification.as_ref()));
        for (chain, verification) in modern.into_iter().chain(legacy) {
            let Some(leaf) = chain.first() else { continue };
            match seen.iter_mut().find(|c| c.leaf == leaf.sha256) {
                Some(c) => {
                    if !c.endpoints.contains(&p.endpoint()) {
                        c.endpoints.push(p.endpoint());
                    }
                }
                None => seen.push(Served {
                    leaf: leaf.sha256.clone(),
                    endpoints: vec![p.endpoint()],
                    chain,
                    verification,
                }),
            }
        }
    }
    if seen.is_empty() {
        return;
    }
    let warn_days = i64::from(ev.options.expiry_warning_days);
    for Served {
        endpoints,
        chain,
        verification,
        ..
    } in seen
    {
        let _ = writeln!(
            s,
            "<section class=\"chain\"><h3>Certificate chain <span class=\"state\">{}</span></h3>",
            escape(&endpoints.join(", "))
        );
        if let Some(v) = verification {
            let trust = match (&v.trust_error, v.trusted) {
                (_, true) => "trusted".to_string(),
                (Some(e), false) => format!("not trusted: {e}"),
                (None, false) => "not trusted".to_string(),
            };
            let name = match (v.name_matches, &v.checked_name) {
                (Some(true), Some(n)) => format!("matches {n}"),
                (Some(false), Some(n)) => format!("does not match {n}"),
                _ => "name not checked".to_string(),
            };
            let _ = writeln!(
                s,
                "<p class=\"note\">{} · {}</p>",
                escape(&trust),
                escape(&name)
            );
        }
        timeline(s, chain, now, warn_days);
        table(s, chain, now);
        s.push_str("</section>\n");
    }
}

fn timeline(s: &mut String, chain: &[Certificate], now: i64, warn_days: i64) {
    let lo = chain
        .iter()
        .map(|c| c.not_before_unix)
        .chain([now])
        .min()
        .unwrap_or(now);
    let hi = chain
        .iter()
        .map(|c| c.not_after_unix)
        .chain([now])
        .max()
        .unwrap_or(now);
    let span = (hi - lo).max(1);
    let area = WIDTH - LABEL - 8;
    let xof = |t: i64| LABEL + ((t - lo) as i128 * area as i128 / span as i128) as i64;
    let height = ROW * (chain.len() as i64 + 1) + 8;
    let _ = writeln!(
        s,
        "<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-label=\"Validity of each certificate\">"
    );
    for (i, c) in chain.iter().enumerate() {
        let y = i as i64 * ROW;
        let class = if c.not_after_unix < now || c.not_before_unix > now {
            "fail"
        } else if c.not_after_unix - now < warn_days * DAY {
            "warn"
        } else {
            "ok"
        };
        let x1 = xof(c.not_before_unix);
        let w = (xof(c.not_after_unix) - x1).max(2);
        let name = c.subject_cn.clone().unwrap_or_else(|| c.subject.clone());
        let title = format!(
            "{name}: valid {} to {} ({})",
            c.not_before,
            c.not_after,
            left_words(c, now)
        );
        let _ = writeln!(
            s,
            "<g class=\"cert\"><title>{}</title><text class=\"label\" x=\"0\" y=\"{}\">{}</text>\
             <rect class=\"bar {class}\" x=\"{x1}\" y=\"{}\" width=\"{w}\" height=\"{}\" rx=\"2\"/></g>",
            escape(&title),
            y + 15,
            escape(&clip(&name, 21)),
            y + 4,
            ROW - 8
        );
    }
    let axis = chain.len() as i64 * ROW + 2;
    let xn = xof(now);
    // The run's mark gets a word when it does not crowd the axis' end dates.
    let run = if xn - LABEL > 72 && WIDTH - 8 - xn > 72 {
        format!(
            "<text class=\"tick mid\" x=\"{xn}\" y=\"{}\">run</text>",
            axis + 14
        )
    } else {
        String::new()
    };
    let _ = writeln!(
        s,
        "<line class=\"now\" x1=\"{xn}\" y1=\"0\" x2=\"{xn}\" y2=\"{axis}\"><title>the run</title></line>\
         <text class=\"tick\" x=\"{LABEL}\" y=\"{}\">{}</text>\
         <text class=\"tick end\" x=\"{}\" y=\"{}\">{}</text>{run}\n</svg>",
        axis + 14,
        date(lo),
        WIDTH - 8,
        axis + 14,
        date(hi)
    );
}

fn date(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .map(|d| d.date().to_string())
        .unwrap_or_default()
}

fn left_words(c: &Certificate, now: i64) -> String {
    if c.not_after_unix < now {
        format!(
            "expired {} days before the run",
            (now - c.not_after_unix) / DAY
        )
    } else if c.not_before_unix > now {
        format!(
            "not valid until {} days after the run",
            (c.not_before_unix - now) / DAY
        )
    } else {
        format!("{} days left at the run", (c.not_after_unix - now) / DAY)
    }
}

fn table(s: &mut String, chain: &[Certificate], now: i64) {
    s.push_str("<div class=\"scroll\"><table class=\"certs\"><thead><tr><th>#</th><th>Subject</th><th>Issuer</th><th>Valid</th><th>Key</th></tr></thead><tbody>\n");
    for (i, c) in chain.iter().enumerate() {
        let sans = if c.sans.is_empty() {
            String::new()
        } else {
            let mut shown: Vec<&str> = c.sans.iter().take(12).map(String::as_str).collect();
            if c.sans.len() > 12 {
                shown.push("…");
            }
            format!(
                "<br><span class=\"sans\">SAN {}</span>",
                escape(&shown.join(", "))
            )
        };
        let key = match c.key_bits {
            Some(b) => format!("{} {b}-bit, {}", c.key_type, c.signature_algorithm),
            None => format!("{}, {}", c.key_type, c.signature_algorithm),
        };
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td><code>{}</code>{sans}</td><td><code>{}</code></td><td>{} → {}<br>{}</td><td>{}</td></tr>",
            i,
            escape(&c.subject),
            escape(&c.issuer),
            escape(&c.not_before),
            escape(&c.not_after),
            escape(&left_words(c, now)),
            escape(&key)
        );
    }
    s.push_str("</tbody></table></div>\n");
}
