//! `dns.*` for the domain's MX set: no such domain, null MX, no MX, MX targets that are
//! aliases, IP literals or names without addresses — and each MX host's probe findings.

use crate::evidence::domain::DomainEvidence;
use crate::evidence::{LookupStatus, PhaseName, ServerEvidence};
use crate::findings::{Finding, Severity};

pub fn rules(ev: &DomainEvidence, out: &mut Vec<Finding>) {
    let d = &ev.domain;
    let l = &ev.mx.lookup;
    match l.status {
        LookupStatus::NxDomain => out.push(
            Finding::new(crate::code!("dns.no-such-host"), d, format!("the domain {d} does not exist in DNS (NXDOMAIN)"))
                .evidence(format!("MX {d}: NXDOMAIN"))
                .fix("Check the spelling of the domain. If it is yours, make sure it is registered and delegated to working name servers (`dig NS DOMAIN`)."),
        ),
        s if s.is_failure() => out.push(
            Finding::new(crate::code!("dns.lookup-failed"), format!("{d} MX"), format!("the MX lookup of {d} failed: {}", crate::diagnose::status_words(s)))
                .evidence(format!("resolvers {}: {}", ev.options.resolvers.join(", "), l.error.clone().unwrap_or_default())),
        ),
        LookupStatus::NoRecords => {
            let accepts = ev.servers.first().is_some_and(|s| {
                s.probes.iter().any(|p| p.phase(PhaseName::Greeting).is_some_and(|g| g.outcome.is_ok()))
            });
            let mut f = Finding::new(
                crate::code!("dns.no-mx"),
                d,
                format!("{d} has no MX record: senders fall back to the domain's own address"),
            )
            .evidence(format!("MX {d}: no records"));
            if accepts {
                f = f
                    .severity(Severity::Info)
                    .evidence(format!("{d} itself accepts SMTP on port 25, so mail is still delivered"));
            }
            out.push(f);
        }
        _ => {}
    }
    if ev.mx.null_mx {
        out.push(
            Finding::new(
                crate::code!("dns.null-mx"),
                d,
                format!("{d} publishes a null MX (0 .): it declares that it accepts no mail"),
            )
            .evidence(format!("MX {d}: {}", l.records.join(", "))),
        );
    }
    for h in &ev.mx.hosts {
        let why = if let Some(target) = &h.cname {
            Some(format!(
                "{} is an alias (CNAME → {target}); an MX must name a host directly",
                h.exchange
            ))
        } else if h.ip_literal {
            Some(format!("{} is an IP address, not a host name", h.exchange))
        } else {
            None
        };
        if let Some(why) = why {
            out.push(
                Finding::new(
                    crate::code!("dns.mx-invalid-target"),
                    format!("MX {} {}", h.preference, h.exchange),
                    why,
                )
                .evidence(format!("MX {d}: {} {}", h.preference, h.exchange)),
            );
        }
    }
}

/// The server findings of one MX host. A host name that does not resolve is, for an MX,
/// an invalid MX target rather than a typo in a client setting.
pub fn server_findings(ev: &DomainEvidence, s: &ServerEvidence, now: i64) -> Vec<Finding> {
    let is_mx = ev.mx.hosts.iter().any(|h| h.exchange == s.host);
    crate::diagnose::server(s, now)
        .into_iter()
        .map(|f| {
            if is_mx && matches!(f.code.as_str(), "dns.no-such-host" | "dns.no-address") {
                let summary = format!("the MX host {} has no address ({})", s.host, f.summary);
                let mut m = Finding::new(
                    crate::code!("dns.mx-invalid-target"),
                    format!("MX {}", s.host),
                    summary,
                );
                m.evidence = f.evidence;
                m
            } else {
                f
            }
        })
        .collect()
}
