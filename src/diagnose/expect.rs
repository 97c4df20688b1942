//! Expectations from `mxray.toml` (minimum certificate days, minimum TLS version, required
//! DMARC policy, required ports) checked against recorded evidence: pure, like every rule.

use crate::evidence::{PortProbe, ServerEvidence};
use crate::findings::Finding;
use crate::policy::dmarc::{self, Policy};
use crate::report::Body;

/// What a target must meet beyond mxray's own rules; `None`/empty asks nothing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Expect {
    pub min_cert_days: Option<u32>,
    /// The lowest acceptable minor version of TLS 1.x (2 for TLS 1.2).
    pub min_tls_minor: Option<u8>,
    pub dmarc_policy: Option<Policy>,
    pub required_ports: Vec<u16>,
}

/// `TLSv1.2`, `TLS 1.2` or `1.2` as its minor version.
pub fn tls_minor(version: &str) -> Option<u8> {
    let v = version
        .trim()
        .trim_start_matches("TLSv")
        .trim_start_matches("TLS ")
        .trim();
    match v {
        "1.0" | "1" => Some(0),
        "1.1" => Some(1),
        "1.2" => Some(2),
        "1.3" => Some(3),
        _ => None,
    }
}

fn policy_rank(p: Policy) -> u8 {
    match p {
        Policy::None => 0,
        Policy::Quarantine => 1,
        Policy::Reject => 2,
    }
}

fn policy_word(p: Policy) -> &'static str {
    match p {
        Policy::None => "none",
        Policy::Quarantine => "quarantine",
        Policy::Reject => "reject",
    }
}

/// Every probed server of the report: the server itself, a domain's MX hosts, a check's
/// configured endpoint and its alternatives.
fn servers(body: &Body) -> Vec<&ServerEvidence> {
    match body {
        Body::Server(s) => vec![s.as_ref()],
        Body::Domain(d) => d.servers.iter().collect(),
        Body::Check(c) => c.configured.iter().chain(c.alternatives.iter()).collect(),
    }
}

/// The findings for every expectation the evidence does not meet.
pub fn check(body: &Body, now: i64, expect: &Expect) -> Vec<Finding> {
    let mut out = Vec::new();
    for server in servers(body) {
        for p in &server.probes {
            if let Some(min) = expect.min_cert_days {
                out.extend(cert_days(&server.host, p, now, min));
            }
            if let Some(min) = expect.min_tls_minor {
                out.extend(tls_version(&server.host, p, min));
            }
        }
    }
    out.extend(missing_ports(body, &expect.required_ports));
    if let (Some(required), Body::Domain(d)) = (expect.dmarc_policy, body) {
        out.extend(dmarc_policy(&d.domain, &d.dmarc.lookups, required));
    }
    out
}

fn cert_days(host: &str, p: &PortProbe, now: i64, min: u32) -> Option<Finding> {
    let leaf = p.tls.as_ref().and_then(|t| t.chain.first())?;
    let days = (leaf.not_after_unix - now).div_euclid(86_400);
    if days >= i64::from(min) {
        return None;
    }
    let when = if days < 0 {
        format!("expired {} days ago", -days)
    } else {
        format!("expires in {days} days")
    };
    Some(
        Finding::new(
            crate::code!("expect.cert-days"),
            format!("{host} {}", p.endpoint()),
            format!("the certificate {when}, fewer than the {min} days min_cert_days asks for"),
        )
        .evidence(format!("subject: {}", leaf.subject))
        .evidence(format!("not after: {}", leaf.not_after)),
    )
}

fn tls_version(host: &str, p: &PortProbe, min: u8) -> Option<Finding> {
    let mut below: Vec<String> = Vec::new();
    if let Some(v) = p.tls.as_ref().and_then(|t| t.version.as_deref()) {
        if tls_minor(v).is_some_and(|m| m < min) {
            below.push(format!("negotiated {v}"));
        }
    }
    for a in p.legacy_tls.iter().flat_map(|l| &l.attempts) {
        if a.result == "accepted" && tls_minor(&a.offered).is_some_and(|m| m < min) {
            below.push(format!("accepts {}", a.offered));
        }
    }
    if below.is_empty() {
        return None;
    }
    let mut f = Finding::new(
        crate::code!("expect.tls-version"),
        format!("{host} {}", p.endpoint()),
        format!(
            "the port {}, below the TLS 1.{min} min_tls_version asks for",
            below.join(" and ")
        ),
    );
    for line in below {
        f = f.evidence(line);
    }
    Some(f)
}

fn missing_ports(body: &Body, required: &[u16]) -> Vec<Finding> {
    let servers = servers(body);
    let hosts: Vec<&str> = servers.iter().map(|s| s.host.as_str()).collect();
    let subject_host = hosts.first().copied().unwrap_or("(no server probed)");
    required
        .iter()
        .filter(|port| {
            !servers
                .iter()
                .flat_map(|s| &s.probes)
                .any(|p| p.port == **port && p.connected())
        })
        .map(|port| {
            let probed = servers
                .iter()
                .flat_map(|s| &s.probes)
                .filter(|p| p.port == *port)
                .count();
            let seen = if probed == 0 {
                "was not probed".to_string()
            } else {
                format!("did not accept a connection on any of {probed} addresses")
            };
            Finding::new(
                crate::code!("expect.port-missing"),
                format!("{subject_host}:{port}"),
                format!("required port {port} {seen}"),
            )
            .evidence(format!("hosts: {}", hosts.join(", ")))
        })
        .collect()
}

fn dmarc_policy(
    domain: &str,
    lookups: &[crate::evidence::Lookup],
    required: Policy,
) -> Option<Finding> {
    let found = lookups.iter().find_map(|l| {
        l.records
            .iter()
            .find(|r| dmarc::is_dmarc(r))
            .map(|r| (l.name.clone(), r.clone()))
    });
    let (summary, evidence) = match &found {
        None => (
            format!(
                "no DMARC record; dmarc_policy requires p={}",
                policy_word(required)
            ),
            format!(
                "looked up: {}",
                lookups
                    .iter()
                    .map(|l| l.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
        Some((name, record)) => {
            let p = dmarc::parse(record).ok().map(|d| d.p);
            if p.is_some_and(|p| policy_rank(p) >= policy_rank(required)) {
                return None;
            }
            let shown = p.map_or("unreadable", policy_word);
            (
                format!(
                    "the DMARC policy is p={shown}; dmarc_policy requires p={} or stronger",
                    policy_word(required)
                ),
                format!("{name}: {record}"),
            )
        }
    };
    Some(Finding::new(crate::code!("expect.dmarc-policy"), domain, summary).evidence(evidence))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_versions_are_read_in_every_spelling() {
        assert_eq!(tls_minor("TLSv1.2"), Some(2));
        assert_eq!(tls_minor("1.3"), Some(3));
        assert_eq!(tls_minor("TLS 1.0"), Some(0));
        assert_eq!(tls_minor("SSLv3"), None);
    }
}
