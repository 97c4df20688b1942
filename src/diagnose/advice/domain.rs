//! `mxray domain`: one verdict per area, the SPF totals and the DKIM keys found.

use crate::advice::{Advice, AreaState, AreaVerdict, DkimKey, SpfTotals};
use crate::diagnose::domain::spf;
use crate::evidence::domain::DomainEvidence;
use crate::findings::{Finding, Severity};
use crate::policy::dkim::{self, KeyType};

/// The areas of the summary and the finding codes that belong to each.
pub const AREAS: &[(&str, &[&str])] = &[
    ("MX", &["dns.", "net."]),
    ("STARTTLS", &["tls.", "smtp."]),
    ("SPF", &["spf."]),
    ("DKIM", &["dkim."]),
    ("DMARC", &["dmarc."]),
    ("MTA-STS", &["mta-sts."]),
    ("TLS-RPT", &["tls-rpt."]),
    ("DANE", &["dane."]),
    ("Blocklists", &["dnsbl."]),
];

pub fn advice(ev: &DomainEvidence, findings: &[Finding]) -> Advice {
    Advice {
        areas: AREAS
            .iter()
            .map(|(area, prefixes)| area_verdict(ev, findings, area, prefixes))
            .collect(),
        spf: (!ev.spf.tree.records.is_empty()).then(|| {
            let c = spf::count(&ev.spf.tree);
            SpfTotals {
                lookups: c.lookups,
                max_lookups: spf::MAX_LOOKUPS,
                void_lookups: c.voids.len(),
                max_void_lookups: spf::MAX_VOIDS,
            }
        }),
        dkim_keys: ev
            .dkim
            .selectors
            .iter()
            .filter(|d| !d.lookup.records.is_empty())
            .map(|d| key(&d.selector, &d.source, &d.lookup.records.join("")))
            .collect(),
        ..Advice::default()
    }
}

fn area_verdict(
    ev: &DomainEvidence,
    findings: &[Finding],
    area: &str,
    prefixes: &[&str],
) -> AreaVerdict {
    // An area with nothing to judge is said so, never shown as a pass.
    let not_checked = match area {
        "Blocklists" if ev.dnsbl.is_empty() => Some("not checked (--dnsbl)"),
        "DANE" if ev.dane.is_empty() => Some("no TLSA records"),
        "STARTTLS" if !ev.options.probe => Some("not checked (--no-probe)"),
        _ => None,
    };
    if let Some(why) = not_checked {
        return AreaVerdict {
            area: area.into(),
            verdict: AreaState::NotChecked,
            why: Some(why.into()),
        };
    }
    let worst = findings
        .iter()
        .filter(|f| !f.ignored && prefixes.iter().any(|p| f.code.starts_with(p)))
        .map(|f| f.severity)
        .max();
    if worst.is_none() && unchecked(area, ev) {
        // Records that could not be fetched are no pass.
        return AreaVerdict {
            area: area.into(),
            verdict: AreaState::CouldNotCheck,
            why: Some("could not check (DNS lookup failed)".into()),
        };
    }
    AreaVerdict {
        area: area.into(),
        verdict: match worst {
            Some(Severity::Error) => AreaState::Fail,
            Some(Severity::Warning) => AreaState::Warn,
            Some(Severity::Info) => AreaState::Info,
            None => AreaState::Pass,
        },
        why: None,
    }
}

fn unchecked(area: &str, ev: &DomainEvidence) -> bool {
    match area {
        "SPF" => ev.spf.tree.records.is_empty() && ev.spf.tree.lookup.status.is_failure(),
        "DMARC" => {
            ev.dmarc.lookups.iter().all(|l| l.records.is_empty())
                && ev.dmarc.lookups.iter().any(|l| l.status.is_failure())
        }
        _ => false,
    }
}

fn key(selector: &str, source: &str, text: &str) -> DkimKey {
    let mut k = DkimKey {
        selector: selector.into(),
        source: source.into(),
        summary: String::new(),
        key_type: None,
        bits: None,
        revoked: false,
        testing: false,
        unusable: false,
    };
    match dkim::parse(text) {
        Ok(p) if p.revoked => {
            k.revoked = true;
            k.summary = "revoked (empty p=)".into();
        }
        Ok(p) => {
            let kind = match &p.key_type {
                KeyType::Rsa => "RSA".to_string(),
                KeyType::Ed25519 => "Ed25519".to_string(),
                KeyType::Other(o) => o.clone(),
            };
            let bits = p.key_bits.map(|b| format!(" {b}-bit")).unwrap_or_default();
            let testing = if p.testing { ", testing (t=y)" } else { "" };
            let unusable = if p.key_error.is_some() {
                ", unusable"
            } else {
                ""
            };
            k.summary = format!("{kind}{bits}{testing}{unusable}");
            k.unusable = p.key_error.is_some();
            k.key_type = Some(kind);
            k.bits = p.key_bits;
            k.testing = p.testing;
        }
        Err(e) => k.summary = format!("does not parse: {}", e.message),
    }
    k
}
