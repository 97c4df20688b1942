//! The check areas a report is split into for formats that count tests (JUnit): per command,
//! the areas that are always judged, each with the finding codes that belong to it, and the
//! time its phases took.

use crate::evidence::{PhaseName, ServerEvidence};
use crate::findings::Finding;
use crate::report::{Body, Report};

pub struct Area<'a> {
    pub name: String,
    pub findings: Vec<&'a Finding>,
    pub time_ms: u64,
}

/// The areas of `report`, in a fixed order per command; a finding outside all of them gets an
/// area of its own, so none is dropped.
pub fn split(report: &Report) -> Vec<Area<'_>> {
    let names: Vec<(String, Vec<String>)> = match &report.body {
        Body::Domain(_) => crate::diagnose::advice::AREAS
            .iter()
            .map(|(n, p)| (n.to_string(), p.iter().map(|s| s.to_string()).collect()))
            .collect(),
        Body::Server(_) => ["dns", "net", "tls", "smtp", "imap", "pop3"]
            .iter()
            .map(|a| (a.to_string(), vec![format!("{a}.")]))
            .collect(),
        Body::Check(_) => [
            "config", "dns", "net", "tls", "smtp", "auth", "imap", "pop3", "spf", "dkim", "dmarc",
        ]
        .iter()
        .map(|a| (a.to_string(), vec![format!("{a}.")]))
        .collect(),
    };
    let mut areas: Vec<Area> = names
        .iter()
        .map(|(n, prefixes)| Area {
            name: n.clone(),
            findings: report
                .findings
                .iter()
                .filter(|f| prefixes.iter().any(|p| f.code.starts_with(p.as_str())))
                .collect(),
            time_ms: 0,
        })
        .collect();
    for f in &report.findings {
        let placed = names
            .iter()
            .any(|(_, prefixes)| prefixes.iter().any(|p| f.code.starts_with(p.as_str())));
        if placed {
            continue;
        }
        let area = crate::findings::catalogue::area(&f.code).to_string();
        match areas.iter_mut().find(|a| a.name == area) {
            Some(a) => a.findings.push(f),
            None => areas.push(Area {
                name: area,
                findings: vec![f],
                time_ms: 0,
            }),
        }
    }
    for s in servers(report) {
        add_times(&mut areas, s);
    }
    areas
}

fn servers(report: &Report) -> Vec<&ServerEvidence> {
    match &report.body {
        Body::Server(s) => vec![s],
        Body::Domain(d) => d.servers.iter().collect(),
        Body::Check(c) => [&c.configured, &c.alternatives]
            .into_iter()
            .flatten()
            .collect(),
    }
}

/// Each phase's time to the area it belongs to (dns lookups to "dns", or "MX" for a domain).
fn add_times(areas: &mut [Area], s: &ServerEvidence) {
    let mut add = |names: &[&str], ms: u64| {
        if let Some(a) = areas.iter_mut().find(|a| names.contains(&a.name.as_str())) {
            a.time_ms += ms;
        }
    };
    let r = &s.resolution;
    for l in [&r.a, &r.aaaa].into_iter().flatten() {
        add(&["dns", "MX"], l.duration_ms);
    }
    for p in &s.probes {
        let mailbox = p.role.map(|r| r.name().to_string());
        for ph in &p.phases {
            let area: &[&str] = match ph.phase {
                PhaseName::Connect | PhaseName::Sniff => &["net", "MX"],
                PhaseName::Starttls | PhaseName::TlsHandshake | PhaseName::LegacyTls => {
                    &["tls", "STARTTLS"]
                }
                PhaseName::Login => &["auth"],
                PhaseName::Capability | PhaseName::CapabilityAfterTls => match mailbox.as_deref() {
                    Some(m) if m.starts_with("pop3") => &["pop3"],
                    _ => &["imap"],
                },
                _ => match mailbox.as_deref() {
                    Some(m) if m.starts_with("imap") => &["imap"],
                    Some(m) if m.starts_with("pop3") => &["pop3"],
                    _ => &["smtp", "STARTTLS"],
                },
            };
            add(area, ph.duration_ms);
        }
    }
}
