//! Certificate findings, once per certificate and finding with every port that served it:
//! validity window, expiry soon, host name, trust, incomplete chain, weak key or signature.

use crate::evidence::{Certificate, PortProbe, ServerEvidence, Verification};
use crate::findings::{Finding, Severity};
use std::collections::BTreeMap;

const DAY: i64 = 86_400;
/// Intermediates webpki follows (its `MAX_SUB_CA_COUNT`); clients stop at a similar handful.
const MAX_INTERMEDIATES: usize = 6;
/// Leaf, the intermediates, and a root sent along.
const MAX_VERIFIABLE_CHAIN: usize = MAX_INTERMEDIATES + 2;
/// webpki's errors for a path it gave up on because of its length or branching.
const PATH_LIMIT_ERRORS: &[&str] = &[
    "MaximumPathDepthExceeded",
    "MaximumPathBuildCallsExceeded",
    "MaximumSignatureChecksExceeded",
];
/// Beyond this many days a count means nothing to a reader (and no certificate is that old).
const CENTURY_DAYS: i64 = 36_524;

/// Whole days from `earlier` to `later`; `None` when the subtraction overflows (dates from a
/// hand-edited or corrupt report).
fn days_between(later: i64, earlier: i64) -> Option<i64> {
    later.checked_sub(earlier).map(|s| s / DAY)
}

/// "12 days ago", "1 day ago", "more than a century ago".
fn days_words(days: Option<i64>, direction: &str) -> String {
    match days {
        Some(1) => format!("1 day {direction}"),
        Some(d) if (0..=CENTURY_DAYS).contains(&d) => format!("{d} days {direction}"),
        _ => format!("more than a century {direction}"),
    }
}

/// Certificate names quoted in a finding; the rest are counted.
const NAMES_SHOWN: usize = 20;

/// "certificate names: a, b" — or, for a certificate with many, the first few and a count.
fn names_evidence(sans: &[String]) -> String {
    if sans.is_empty() {
        return "certificate names: (no subjectAltName)".into();
    }
    if sans.len() <= NAMES_SHOWN {
        return format!("certificate names: {}", sans.join(", "));
    }
    format!(
        "certificate names ({}): {}, … and {} more",
        sans.len(),
        sans.iter()
            .take(NAMES_SHOWN)
            .cloned()
            .collect::<Vec<_>>()
            .join(", "),
        sans.len() - NAMES_SHOWN
    )
}

pub fn all(ev: &ServerEvidence, now: i64, out: &mut Vec<Finding>) {
    // (code, fingerprint) → finding, so five ports with one expired certificate make one finding.
    let mut grouped: BTreeMap<(String, String), (Finding, Vec<String>)> = BTreeMap::new();
    for p in &ev.probes {
        let (chain, verification, from_legacy) = match served_chain(p) {
            Some(c) => c,
            None => continue,
        };
        let Some(leaf) = chain.first() else { continue };
        for f in judge(ev, chain, verification, leaf, now, from_legacy) {
            let key = (f.code.clone(), leaf.sha256.clone());
            grouped
                .entry(key)
                .or_insert_with(|| (f, Vec::new()))
                .1
                .push(p.endpoint());
        }
    }
    for (_, (mut f, endpoints)) in grouped {
        f.subject = format!("certificate {} on {}", f.subject, endpoints.join(", "));
        out.push(f);
    }
}

/// The chain the server presented: from the modern handshake, or the legacy probe when rustls
/// could not get that far.
fn served_chain(p: &PortProbe) -> Option<(&[Certificate], Option<&Verification>, bool)> {
    if let Some(t) = &p.tls {
        if !t.chain.is_empty() {
            return Some((&t.chain, t.verification.as_ref(), false));
        }
    }
    let l = p.legacy_tls.as_ref()?;
    (!l.chain.is_empty()).then_some((l.chain.as_slice(), l.verification.as_ref(), true))
}

fn judge(
    ev: &ServerEvidence,
    chain: &[Certificate],
    v: Option<&Verification>,
    leaf: &Certificate,
    now: i64,
    from_legacy: bool,
) -> Vec<Finding> {
    let name = leaf
        .subject_cn
        .clone()
        .unwrap_or_else(|| leaf.subject.clone());
    let fp = format!("SHA-256 {}", leaf.sha256);
    let mut out = Vec::new();
    let mk = |code: &str, summary: String| {
        let mut f = Finding::new(code, name.clone(), summary).evidence(fp.clone());
        if from_legacy {
            f = f
                .evidence("certificate captured by the legacy TLS probe (modern handshake failed)");
        }
        f
    };
    if leaf.parse_error.is_none() {
        if now > leaf.not_after_unix {
            let ago = days_words(days_between(now, leaf.not_after_unix), "ago");
            out.push(
                mk(
                    "tls.cert-expired",
                    format!(
                        "the certificate expired on {} ({ago}): clients refuse the connection",
                        leaf.not_after
                    ),
                )
                .evidence(format!("valid {} to {}", leaf.not_before, leaf.not_after)),
            );
        } else if now < leaf.not_before_unix {
            out.push(
                mk(
                    "tls.cert-not-yet-valid",
                    format!(
                        "the certificate is only valid from {}: clients refuse it until then",
                        leaf.not_before
                    ),
                )
                .evidence(format!("valid {} to {}", leaf.not_before, leaf.not_after)),
            );
        } else {
            let left = days_between(leaf.not_after_unix, now)
                .filter(|d| *d < i64::from(ev.options.expiry_warning_days));
            if let Some(left) = left {
                out.push(
                    mk(
                        "tls.cert-expiring-soon",
                        format!(
                            "the certificate expires in {left} days, on {}",
                            leaf.not_after
                        ),
                    )
                    .evidence(format!(
                        "warning threshold: {} days",
                        ev.options.expiry_warning_days
                    )),
                );
            }
        }
    }
    if let Some(v) = v {
        match (&v.checked_name, v.name_matches) {
            (Some(checked), Some(false)) => out.push(
                mk("tls.cert-hostname-mismatch", format!("the certificate is not valid for {checked}: clients connecting to that name reject it"))
                    .evidence(names_evidence(&leaf.sans)),
            ),
            // An IP target without --tls-name: checked against the address, as the table shows.
            (None, Some(false)) => out.push(
                mk("tls.cert-hostname-mismatch", format!("the certificate is not valid for the address {}: clients that connect by address reject it; give the name clients use with --tls-name to check that instead", ev.host))
                    .severity(Severity::Warning)
                    .evidence(names_evidence(&leaf.sans))
                    .evidence(format!("checked against {} (no --tls-name given)", ev.host)),
            ),
            _ => {}
        }
        if !v.trusted {
            let err = v.trust_error.clone().unwrap_or_default();
            let incomplete = !leaf.self_signed
                && chain.len() == 1
                && leaf.has_ca_issuers_url
                && err.to_ascii_lowercase().contains("unknownissuer");
            let too_long = !leaf.self_signed
                && (chain.len() > MAX_VERIFIABLE_CHAIN
                    || PATH_LIMIT_ERRORS.iter().any(|e| err.contains(e)));
            if too_long {
                out.push(
                    mk("tls.chain-too-long", format!("the server sends a chain of {} certificates ({} intermediates): verifiers follow at most {MAX_INTERMEDIATES}, so the chain cannot be verified because of its length, whoever issued it", chain.len(), chain.len() - 1))
                        .evidence(format!("chain sent: {} certificates, the last issued by {}", chain.len(), chain.last().map(|c| c.issuer.as_str()).unwrap_or("?")))
                        .evidence(format!("verifier: {err}")),
                );
            } else if incomplete {
                out.push(
                    mk("tls.chain-incomplete", "the server sends its certificate without the intermediate certificate that links it to a trusted authority".into())
                        .evidence(format!("chain sent: 1 certificate, issued by {}", leaf.issuer))
                        .evidence(format!("verifier: {err}")),
                );
            } else {
                let what = if leaf.self_signed {
                    "the certificate is self-signed: no client trusts it unless told to".to_string()
                } else {
                    format!(
                        "the certificate is issued by an authority clients do not trust ({})",
                        leaf.issuer
                    )
                };
                let mut f = mk("tls.cert-untrusted", what).evidence(format!("verifier: {err}"));
                if !v.custom_roots {
                    f = f.evidence("checked against the public roots and the system store; a private CA can be given with --ca-file");
                }
                out.push(f);
            }
        }
    }
    out.extend(weak_key(chain, &mk));
    out
}

/// `tls.weak-key` for the first RSA key under 2048 bits in the chain, else the first SHA-1 or
/// MD5 signature.
fn weak_key(chain: &[Certificate], mk: &impl Fn(&str, String) -> Finding) -> Option<Finding> {
    let weak_rsa = chain
        .iter()
        .find(|c| c.key_type == "RSA" && c.key_bits.is_some_and(|b| b < 2048));
    let weak_sig = chain.iter().find(|c| {
        !c.self_signed && {
            let s = c.signature_algorithm.to_ascii_lowercase();
            s.contains("sha1") || s.contains("md5")
        }
    });
    if let Some(c) = weak_rsa {
        Some(mk("tls.weak-key", format!("a certificate in the chain uses a {}-bit RSA key; 2048 bits is the minimum today", c.key_bits.unwrap_or(0))).evidence(format!("weak key in: {}", c.subject)))
    } else {
        weak_sig.map(|c| {
            mk(
                "tls.weak-key",
                format!(
                    "a certificate in the chain is signed with {}, which is broken",
                    c.signature_algorithm
                ),
            )
            .evidence(format!("weak signature on: {}", c.subject))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_counts_never_overflow() {
        assert_eq!(days_between(i64::MAX, i64::MIN), None);
        assert_eq!(days_between(0, i64::MIN), None);
        assert_eq!(days_between(10 * DAY + 5, 0), Some(10));
        assert_eq!(days_words(Some(1), "ago"), "1 day ago");
        assert_eq!(days_words(Some(12), "ago"), "12 days ago");
        assert_eq!(days_words(Some(0), "ago"), "0 days ago");
        assert_eq!(days_words(Some(739_000), "ago"), "more than a century ago");
        assert_eq!(days_words(None, "ago"), "more than a century ago");
    }
}
