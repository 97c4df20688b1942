//! `dns.*` from the host's resolution: NXDOMAIN, NODATA, resolver failure, PTR and FCrDNS.

use crate::evidence::{Lookup, LookupStatus, ServerEvidence};
use crate::findings::{Finding, Severity};
use crate::knowledge::hosts;

pub fn resolution(ev: &ServerEvidence, out: &mut Vec<Finding>) {
    let resolvers = ev.options.resolvers.join(", ");
    if !ev.resolution.ip_literal {
        forward(ev, &resolvers, out);
    }
    reverse(ev, &resolvers, out);
}

/// The host name's A and AAAA lookups: no such host, no address, failed lookups.
fn forward(ev: &ServerEvidence, resolvers: &str, out: &mut Vec<Finding>) {
    let r = &ev.resolution;
    let asked: Vec<&Lookup> = [&r.a, &r.aaaa]
        .into_iter()
        .flatten()
        .filter(|l| l.status != LookupStatus::Skipped)
        .collect();
    let host = &ev.host;
    let nxdomain = !asked.is_empty() && asked.iter().all(|l| l.status == LookupStatus::NxDomain);
    let documented = crate::knowledge::provider_db::by_host(host);
    if let (true, Some(p)) = (nxdomain, &documented) {
        // A provider's documented server does not vanish: the resolver is what is wrong.
        out.push(
            Finding::new(
                crate::code!("dns.lookup-failed"),
                format!("{host} A"),
                format!(
                    "the resolver says {host} does not exist, but it is {}'s documented server: the DNS resolver in use is filtering or failing",
                    p.name
                ),
            )
            .evidence(format!("resolver {resolvers} answered NXDOMAIN for {host}"))
            .fix(format!(
                "Keep the server name: {host} is right. Check the network's DNS: a captive portal, a \
                 filtering resolver or an offline network answers this way. Try another resolver \
                 (`mxray check ... --resolver 9.9.9.9`) or another network."
            )),
        );
    } else if nxdomain {
        let mut f = Finding::new(
            crate::code!("dns.no-such-host"),
            host,
            format!(
                "{host} does not exist in DNS (NXDOMAIN): check the spelling of the server name"
            ),
        )
        .evidence(format!("resolver {resolvers} answered NXDOMAIN for {host}"));
        let near = hosts::near_misses(host);
        if let Some(best) = near.first() {
            f = f.evidence(format!("did you mean: {}", near.join(", ")));
            f.fix = format!("Use the correct host name — probably {best}. {}", f.fix);
        }
        out.push(f);
    } else if !asked.is_empty()
        && asked
            .iter()
            .all(|l| matches!(l.status, LookupStatus::NoRecords | LookupStatus::NxDomain))
    {
        out.push(
            Finding::new(
                crate::code!("dns.no-address"),
                host,
                format!("{host} exists in DNS but has no IPv4 or IPv6 address"),
            )
            .evidence(format!(
                "A and AAAA answered with no records (resolver {resolvers})"
            )),
        );
    }
    for l in &asked {
        if l.status.is_failure() {
            let mut f = Finding::new(
                crate::code!("dns.lookup-failed"),
                format!("{} {}", l.name, l.rtype),
                format!(
                    "the DNS lookup of {} ({}) failed: {}",
                    l.name,
                    l.rtype,
                    status_words(l.status)
                ),
            )
            .evidence(format!(
                "resolver {resolvers}: {}",
                l.error
                    .clone()
                    .unwrap_or_else(|| status_words(l.status).into())
            ));
            if !r.addresses.is_empty() {
                f.summary
                    .push_str(" (the other address family resolved, so mxray went on)");
            }
            out.push(f);
        }
    }
}

/// Each address's PTR lookup and whether it resolves back (FCrDNS).
fn reverse(ev: &ServerEvidence, resolvers: &str, out: &mut Vec<Finding>) {
    let r = &ev.resolution;
    for a in &r.addresses {
        let ip = a.ip;
        match a.ptr.status {
            LookupStatus::NxDomain | LookupStatus::NoRecords => out.push(
                Finding::new(
                    crate::code!("dns.ptr-missing"),
                    ip.to_string(),
                    format!("{ip} has no reverse DNS (PTR) record"),
                )
                .evidence(format!(
                    "{} PTR: {}",
                    a.ptr.name,
                    status_words(a.ptr.status)
                )),
            ),
            s if s.is_failure() => out.push(
                Finding::new(
                    crate::code!("dns.lookup-failed"),
                    format!("{} PTR", a.ptr.name),
                    format!("the reverse DNS lookup of {ip} failed: {}", status_words(s)),
                )
                .severity(Severity::Warning)
                .evidence(format!(
                    "resolver {resolvers}: {}",
                    a.ptr.error.clone().unwrap_or_default()
                )),
            ),
            _ => {}
        }
        if a.fcrdns == Some(false) {
            let mut f = Finding::new(
                crate::code!("dns.ptr-mismatch"),
                ip.to_string(),
                format!("the reverse DNS name of {ip} does not resolve back to {ip}"),
            );
            for (name, fwd) in a.ptr.records.iter().zip(&a.forward) {
                let got = if fwd.records.is_empty() {
                    status_words(fwd.status).to_string()
                } else {
                    fwd.records.join(", ")
                };
                f = f.evidence(format!("PTR {ip} → {name}; {name} {} → {got}", fwd.rtype));
            }
            out.push(f);
        }
    }
}

/// The status in words; kept here for the rules that name it, defined with the evidence.
pub fn status_words(s: LookupStatus) -> &'static str {
    s.words()
}
