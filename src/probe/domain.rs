//! `mxray domain`: MX hosts (each probed with the server engine, certificate checked against
//! the MX name), the SPF tree, DMARC (with the RFC 9989 walk up the tree), DKIM selectors,
//! MTA-STS and TLS-RPT records. Independent lookups run concurrently through the one cached
//! resolver.

use super::dns::Dns;
use super::{probe_server_limited, spf_walk, Ctx, Progress};
use crate::evidence::domain::{
    DaneCheck, DkimEvidence, DkimSelector, DmarcEvidence, DomainEvidence, DomainSettings,
    MxEvidence, MxHost, SpfEvidence, SpfNode,
};
use crate::evidence::{LookupStatus, ProbeSettings, ServerEvidence};
use crate::knowledge::providers;
use crate::policy::dmarc::is_dmarc;
use hickory_resolver::proto::rr::RecordType;
use std::net::IpAddr;

/// MX hosts probed at most; a domain with more is exotic and the rest add nothing.
const MAX_MX_HOSTS: usize = 10;
/// Report domains of a DMARC record whose authorization (RFC 7489 §7.1) is looked up.
const MAX_REPORT_DOMAINS: usize = 10;

pub struct DomainRequest {
    pub domain: String,
    pub probe: bool,
    pub selectors: Vec<String>,
    /// Template for each MX host's server probe (ports, families, thresholds).
    pub settings: ProbeSettings,
    pub per_address: usize,
    /// Blocklist zones to query for each server address; empty: no blocklist check.
    pub dnsbl_zones: Vec<String>,
    /// `--sending-ip` senders to evaluate the SPF policy for.
    pub senders: Vec<crate::policy::spf_macro::Sender>,
}

#[allow(
    clippy::too_many_lines,
    reason = "the domain audit's concurrent DNS and probe steps in one join; to be cut into those steps"
)]
pub async fn probe_domain(
    ctx: Ctx,
    dns: &Dns,
    req: DomainRequest,
    progress: Option<Progress>,
) -> DomainEvidence {
    // One limit per address for all MX hosts: several names often point at one server.
    let limits = super::limits::AddressLimits::new(req.per_address);
    probe_domain_limited(ctx, dns, req, &limits, progress).await
}

/// [`probe_domain`] within limits shared beyond this domain: a bulk run gives every domain the
/// same ones, so domains sharing an MX never open more than `--per-address` connections to it.
pub async fn probe_domain_limited(
    ctx: Ctx,
    dns: &Dns,
    req: DomainRequest,
    limits: &super::limits::AddressLimits,
    progress: Option<Progress>,
) -> DomainEvidence {
    let domain = req.domain.as_str();
    // What needs what: the MX hosts' addresses and probes (and their TLSA) need only the MX
    // answer; DKIM's provider selectors need MX and SPF; DMARC, MTA-STS (and its policy),
    // TLS-RPT and the --sending-ip evaluations need nothing. Each starts as soon as it can.
    let (mx_tx, mx_rx) = tokio::sync::oneshot::channel::<Vec<String>>();
    let mx_side = async {
        let mut mx = mx(dns, domain).await;
        let _ = mx_tx.send(mx.hosts.iter().map(|h| h.exchange.clone()).collect());
        let servers_to_probe = to_probe(&mx, domain);
        let (cnames, servers, dane) = tokio::join!(
            cnames(dns, &mx),
            servers(&ctx, dns, &req, &servers_to_probe, limits, progress.clone()),
            dane(dns, &servers_to_probe),
        );
        for (h, c) in mx.hosts.iter_mut().zip(cnames) {
            h.cname = c;
        }
        (mx, servers, dane)
    };
    let spf_side = async {
        let (spf, exchanges) = tokio::join!(spf_walk::walk(dns, domain), mx_rx);
        let provider = providers::detect(&exchanges.unwrap_or_default(), &includes(&spf));
        let selectors = selector_list(&req.selectors, provider);
        let dkim = dkim(dns, domain, selectors, !req.selectors.is_empty()).await;
        (spf, provider, dkim)
    };
    let sts_name = format!("_mta-sts.{domain}");
    let rpt_name = format!("_smtp._tls.{domain}");
    // The MTA-STS policy fetch needs only its own TXT record: it runs beside the MX probes,
    // and so do the --sending-ip evaluations.
    let sts = async {
        let record = dns.lookup(&sts_name, RecordType::TXT).await;
        let has_sts = record
            .records
            .iter()
            .any(|r| crate::policy::mta_sts::is_sts_record(r));
        let policy = if has_sts && req.probe {
            Some(super::mta_sts::fetch(&ctx, dns, domain).await)
        } else {
            None
        };
        (record, policy)
    };
    let evaluations = futures::future::join_all(
        req.senders
            .iter()
            .cloned()
            .map(|sender| super::spf_eval::evaluate(dns, domain, sender)),
    );
    let (
        (mx, servers, dane),
        (spf, provider, dkim),
        dmarc,
        (mta_sts, mta_sts_policy),
        tls_rpt,
        evaluations,
    ) = tokio::join!(
        mx_side,
        spf_side,
        dmarc(dns, domain),
        sts,
        dns.lookup(&rpt_name, RecordType::TXT),
        evaluations,
    );
    let ips: Vec<std::net::IpAddr> = servers
        .iter()
        .flat_map(|s| s.resolution.addresses.iter().map(|a| a.ip))
        .collect();
    let dnsbl = if req.dnsbl_zones.is_empty() {
        Vec::new()
    } else {
        super::dnsbl::check(dns, &ips, &req.dnsbl_zones).await
    };
    DomainEvidence {
        domain: domain.to_string(),
        dane: dane
            .into_iter()
            .filter(|d| !d.tlsa.records.is_empty() || d.tlsa.status.is_failure())
            .collect(),
        dnsbl,
        options: DomainSettings {
            probe: req.probe,
            resolvers: dns.description.clone(),
            timeout_ms: req.settings.timeout_ms,
        },
        mx,
        servers,
        spf: SpfEvidence {
            tree: spf,
            evaluations,
        },
        dmarc,
        dkim,
        mta_sts,
        mta_sts_policy,
        tls_rpt,
        provider: provider.map(|p| p.name.to_string()),
    }
}

/// The MX hosts in the recorded `preference exchange` texts, by preference then name; a text
/// that is not one is left out.
pub fn mx_hosts(records: &[String]) -> Vec<MxHost> {
    let mut hosts: Vec<MxHost> = records
        .iter()
        .filter_map(|r| {
            let (pref, exchange) = r.split_once(' ')?;
            Some(MxHost {
                preference: pref.parse().ok()?,
                // The null MX target is the root, "."; any other name loses its trailing dot.
                exchange: if exchange == "." {
                    ".".to_string()
                } else {
                    exchange.trim_end_matches('.').to_ascii_lowercase()
                },
                cname: None,
                ip_literal: exchange.trim_matches(['[', ']']).parse::<IpAddr>().is_ok(),
            })
        })
        .collect();
    hosts.sort_by(|a, b| {
        a.preference
            .cmp(&b.preference)
            .then_with(|| a.exchange.cmp(&b.exchange))
    });
    hosts
}

async fn mx(dns: &Dns, domain: &str) -> MxEvidence {
    let lookup = dns.lookup(domain, RecordType::MX).await;
    let hosts = mx_hosts(&lookup.records);
    let null_mx = matches!(hosts.as_slice(), [only] if only.exchange == ".");
    MxEvidence {
        lookup,
        hosts,
        null_mx,
    }
}

/// Whether each exchange is an alias (RFC 2181 §10.3), asked beside its address lookups.
async fn cnames(dns: &Dns, mx: &MxEvidence) -> Vec<Option<String>> {
    if mx.null_mx {
        return vec![None; mx.hosts.len()];
    }
    // Only the hosts that may be probed: a list of a thousand costs no more than ten.
    let asked = mx
        .hosts
        .iter()
        .take(MAX_MX_HOSTS)
        .map(|h| dns.lookup(&h.exchange, RecordType::CNAME));
    futures::future::join_all(asked)
        .await
        .into_iter()
        .map(|c| c.records.first().cloned())
        .collect()
}

/// The hosts to probe: the exchanges (each once, at most [`MAX_MX_HOSTS`]), none for a null
/// MX, the domain itself when it has no MX at all (RFC 5321 §5.1).
fn to_probe(mx: &MxEvidence, domain: &str) -> Vec<String> {
    if mx.null_mx {
        return Vec::new();
    }
    if mx.hosts.is_empty() && matches!(mx.lookup.status, LookupStatus::NoRecords) {
        return vec![domain.to_string()];
    }
    let mut v: Vec<String> = Vec::new();
    for h in mx
        .hosts
        .iter()
        .filter(|h| !h.ip_literal && h.exchange != ".")
    {
        if !v.contains(&h.exchange) && v.len() < MAX_MX_HOSTS {
            v.push(h.exchange.clone());
        }
    }
    v
}

async fn servers(
    ctx: &Ctx,
    dns: &Dns,
    req: &DomainRequest,
    hosts: &[String],
    limits: &super::limits::AddressLimits,
    progress: Option<Progress>,
) -> Vec<ServerEvidence> {
    let runs = hosts.iter().map(|host| {
        let mut c = ctx.clone();
        c.tls_name = Some(host.clone());
        let mut settings = req.settings.clone();
        settings.tls_name = Some(host.clone());
        if !req.probe {
            settings.ports.clear();
        }
        let progress = progress.clone();
        async move { probe_server_limited(c, dns, host, settings, limits, progress).await }
    });
    futures::future::join_all(runs).await
}

async fn dane(dns: &Dns, hosts: &[String]) -> Vec<DaneCheck> {
    futures::future::join_all(hosts.iter().map(|mx| async move {
        let (tlsa, authentic_data) = dns
            .lookup_dnssec(&format!("_25._tcp.{mx}"), RecordType::TLSA)
            .await;
        DaneCheck {
            mx: mx.clone(),
            tlsa,
            authentic_data,
        }
    }))
    .await
}

pub(super) fn includes(tree: &SpfNode) -> Vec<String> {
    let mut out = Vec::new();
    for c in &tree.children {
        out.push(c.domain.clone());
        out.extend(includes(c));
    }
    out
}

/// Given selectors only, when there are any; otherwise the provider's, then common ones.
pub(super) fn selector_list(
    given: &[String],
    provider: Option<&providers::Provider>,
) -> Vec<(String, String)> {
    if !given.is_empty() {
        return given
            .iter()
            .map(|s| (s.clone(), "given".to_string()))
            .collect();
    }
    let mut out: Vec<(String, String)> = Vec::new();
    if let Some(p) = provider {
        for s in p.dkim_selectors {
            out.push((s.to_string(), format!("provider {}", p.name)));
        }
    }
    for s in providers::COMMON_SELECTORS {
        if !out.iter().any(|(x, _)| x == s) {
            out.push((s.to_string(), "common".to_string()));
        }
    }
    out
}

pub(super) async fn dkim(
    dns: &Dns,
    domain: &str,
    selectors: Vec<(String, String)>,
    given: bool,
) -> DkimEvidence {
    let lookups = futures::future::join_all(
        selectors
            .iter()
            .map(|(s, _)| dns.lookup_owned(format!("{s}._domainkey.{domain}"), RecordType::TXT)),
    )
    .await;
    DkimEvidence {
        given,
        selectors: selectors
            .into_iter()
            .zip(lookups)
            .map(|((selector, source), lookup)| DkimSelector {
                selector,
                source,
                lookup,
            })
            .collect(),
    }
}

/// `_dmarc.DOMAIN`; when it holds no DMARC record, each parent up to the organizational level
/// (RFC 9989 §4.10 tree walk, bounded at 8 labels), stopping at the first record found.
pub(super) async fn dmarc(dns: &Dns, domain: &str) -> DmarcEvidence {
    let labels: Vec<&str> = domain.split('.').collect();
    let mut names = vec![domain.to_string()];
    // After the domain itself, start at most 7 labels deep and climb to two labels.
    let first_parent = labels.len().saturating_sub(7).max(1);
    for i in first_parent..labels.len().saturating_sub(1) {
        names.push(labels.get(i..).unwrap_or_default().join("."));
    }
    let mut lookups = Vec::new();
    for name in names {
        let l = dns.lookup(&format!("_dmarc.{name}"), RecordType::TXT).await;
        let found = l.records.iter().any(|r| is_dmarc(r));
        lookups.push(l);
        if found {
            break;
        }
    }
    let mut report_auth = Vec::new();
    if let Some(record) = lookups
        .iter()
        .flat_map(|l| l.records.iter())
        .find(|r| is_dmarc(r))
    {
        // At once and at most ten: a record may list a thousand report domains.
        let names = rua_domains(record)
            .into_iter()
            .filter(|rua_domain| !same_org(rua_domain, domain))
            .take(MAX_REPORT_DOMAINS)
            .map(|rua_domain| format!("{domain}._report._dmarc.{rua_domain}"));
        report_auth =
            futures::future::join_all(names.map(|name| dns.lookup_owned(name, RecordType::TXT)))
                .await;
    }
    DmarcEvidence {
        lookups,
        report_auth,
    }
}

/// Domains of the `mailto:` addresses in `rua=`.
/// The domains of the record's `rua=` addresses, as the DMARC parser reads them (none when
/// the record does not parse: its syntax finding says why).
fn rua_domains(record: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let Ok(d) = crate::policy::dmarc::parse(record) else {
        return out;
    };
    for d in d.rua.into_iter().filter_map(|u| u.domain) {
        if !d.is_empty() && !out.contains(&d) {
            out.push(d);
        }
    }
    out
}

/// Same organizational domain (RFC 7489 §3.2), so no external authorization is needed.
/// Approximated without the Public Suffix List: the last two labels, or three under the common
/// second-level registries of country domains (`example.co.uk`, `example.com.au`).
fn same_org(a: &str, b: &str) -> bool {
    org_domain(a) == org_domain(b)
}

fn org_domain(d: &str) -> String {
    let d = d.trim_end_matches('.').to_ascii_lowercase();
    let labels: Vec<&str> = d.split('.').collect();
    let second_level = ["co", "com", "net", "org", "ac", "gov", "edu", "ne", "or"];
    let keep = match labels.as_slice() {
        [_, .., sld, tld] if tld.len() == 2 && second_level.contains(sld) => 3,
        _ => 2,
    };
    let from = labels.len().saturating_sub(keep);
    labels.get(from..).unwrap_or_default().join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mx_hosts_sorted_null_kept_and_junk_left_out() {
        let records = [
            "20 B.example.com.",
            "10 mx.example.com",
            "x y",
            "nospace",
            "5 [192.0.2.1]",
        ];
        let hosts = mx_hosts(&records.map(String::from));
        let names: Vec<_> = hosts
            .iter()
            .map(|h| (h.preference, h.exchange.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                (5, "[192.0.2.1]"),
                (10, "mx.example.com"),
                (20, "b.example.com")
            ]
        );
        assert!(hosts[0].ip_literal && !hosts[1].ip_literal);
        assert_eq!(mx_hosts(&["0 .".to_string()])[0].exchange, ".");
    }

    #[test]
    fn rua_domains_and_org() {
        let r = "v=DMARC1; p=none; rua=mailto:d@rua.example.net!10m, mailto:x@example.com";
        assert_eq!(rua_domains(r), vec!["rua.example.net", "example.com"]);
        assert!(same_org("example.com", "mail.example.com"));
        assert!(same_org("reports.example.com", "sub.example.com"));
        assert!(!same_org("example.net", "example.com"));
        assert!(!same_org("a.co.uk", "b.co.uk"));
        assert!(same_org("x.a.co.uk", "a.co.uk"));
        // One reading of DMARC for probe and diagnosis: the policy parser's.
        assert!(is_dmarc("v=DMARC1; p=reject"));
        assert!(is_dmarc("v=DMARC1"));
        assert!(!is_dmarc("v=DMARC10; p=none"));
        assert!(!is_dmarc("v=dmarc1; p=none"));
    }
}
