//! Policy records: MTA-STS and TLS-RPT presence.

use crate::evidence::domain::DomainEvidence;
use crate::evidence::LookupStatus;
use crate::findings::Finding;

pub fn rules(ev: &DomainEvidence, out: &mut Vec<Finding>) {
    let d = &ev.domain;
    let has = |records: &[String], prefix: &str| {
        records.iter().any(|r| {
            r.trim_start()
                .to_ascii_lowercase()
                .starts_with(&prefix.to_ascii_lowercase())
        })
    };
    if !has(&ev.mta_sts.records, "v=STSv1") && !ev.mta_sts.status.is_failure() {
        out.push(
            Finding::new("mta-sts.missing", format!("_mta-sts.{d}"), format!("{d} publishes no MTA-STS policy: sending servers may deliver without TLS if an attacker strips STARTTLS"))
                .evidence(format!("_mta-sts.{d} TXT: {}", status_or_records(&ev.mta_sts.records, ev.mta_sts.status))),
        );
    }
    if !has(&ev.tls_rpt.records, "v=TLSRPTv1") && !ev.tls_rpt.status.is_failure() {
        out.push(
            Finding::new("tls-rpt.missing", format!("_smtp._tls.{d}"), format!("{d} asks for no TLS reports (TLS-RPT): delivery failures over TLS go unnoticed"))
                .evidence(format!("_smtp._tls.{d} TXT: {}", status_or_records(&ev.tls_rpt.records, ev.tls_rpt.status))),
        );
    }
}

fn status_or_records(records: &[String], status: LookupStatus) -> String {
    if records.is_empty() {
        crate::diagnose::status_words(status).to_string()
    } else {
        records.join(" | ")
    }
}
