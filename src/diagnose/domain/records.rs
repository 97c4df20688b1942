//! MTA-STS (record, policy file, MX coverage) and TLS-RPT.

use crate::evidence::domain::DomainEvidence;
use crate::evidence::LookupStatus;
use crate::findings::Finding;
use crate::policy::{mta_sts, tls_rpt};

pub fn rules(ev: &DomainEvidence, out: &mut Vec<Finding>) {
    sts(ev, out);
    let d = &ev.domain;
    let rpt: Vec<&String> = ev
        .tls_rpt
        .records
        .iter()
        .filter(|r| tls_rpt::is_tls_rpt(r))
        .collect();
    let rpt_subj = format!("_smtp._tls.{d}");
    match rpt.as_slice() {
        [] if !ev.tls_rpt.status.is_failure() => out.push(
            Finding::new(crate::code!("tls-rpt.missing"), &rpt_subj, format!("{d} asks for no TLS reports (TLS-RPT): delivery failures over TLS go unnoticed"))
                .evidence(format!("{rpt_subj} TXT: {}", status_or_records(&ev.tls_rpt.records, ev.tls_rpt.status))),
        ),
        [one] => {
            if let Err(e) = tls_rpt::parse(one) {
                // No dedicated code: an unusable record is as good as none.
                out.push(
                    Finding::new(crate::code!("tls-rpt.missing"), &rpt_subj, format!("the TLS-RPT record of {d} is invalid, so no reports are sent: {e}"))
                        .evidence((*one).clone()),
                );
            }
        }
        _ => {}
    }
}

fn sts(ev: &DomainEvidence, out: &mut Vec<Finding>) {
    let d = &ev.domain;
    let subj = format!("_mta-sts.{d}");
    let records: Vec<&String> = ev
        .mta_sts
        .records
        .iter()
        .filter(|r| mta_sts::is_sts_record(r))
        .collect();
    let Some(record) = records.first() else {
        if !ev.mta_sts.status.is_failure() {
            out.push(
                Finding::new(crate::code!("mta-sts.missing"), &subj, format!("{d} publishes no MTA-STS policy: sending servers may deliver without TLS if an attacker strips STARTTLS"))
                    .evidence(format!("{subj} TXT: {}", status_or_records(&ev.mta_sts.records, ev.mta_sts.status))),
            );
        }
        return;
    };
    if let Err(e) = mta_sts::parse_record(record) {
        out.push(
            Finding::new(
                crate::code!("mta-sts.policy-invalid"),
                &subj,
                format!("the MTA-STS record does not parse: {e}"),
            )
            .evidence((*record).clone()),
        );
    }
    let Some(fetch) = &ev.mta_sts_policy else {
        return;
    };
    let url = fetch.url.clone();
    if let Some(err) = &fetch.error {
        let mut f = Finding::new(
            crate::code!("mta-sts.policy-unreachable"),
            &url,
            format!("the MTA-STS record exists but the policy cannot be fetched: {err}"),
        );
        if let Some(a) = fetch.address {
            f = f.evidence(format!("policy host address: {a}"));
        }
        if let Some(s) = fetch.status {
            f = f.evidence(format!("HTTP status {s}"));
        }
        out.push(f);
        return;
    }
    let body = fetch.body.clone().unwrap_or_default();
    let policy = match mta_sts::parse_policy(&body) {
        Ok(p) => p,
        Err(e) => {
            out.push(
                Finding::new(
                    crate::code!("mta-sts.policy-invalid"),
                    &url,
                    format!("the MTA-STS policy does not parse: {e}"),
                )
                .evidence(body.chars().take(300).collect::<String>()),
            );
            return;
        }
    };
    match policy.mode {
        mta_sts::Mode::Testing => out.push(
            Finding::new(crate::code!("mta-sts.testing-mode"), &url, "the MTA-STS policy is in testing mode: failures are reported but delivery is not protected yet")
                .evidence("mode: testing"),
        ),
        mta_sts::Mode::None => return,
        mta_sts::Mode::Enforce => {}
    }
    for h in ev.mx.hosts.iter().filter(|h| h.exchange != ".") {
        if !policy.allows_mx(&h.exchange) {
            out.push(
                Finding::new(crate::code!("mta-sts.mx-not-covered"), format!("MX {}", h.exchange), format!("the MX {} matches no `mx:` line of the MTA-STS policy: policy-honouring senders refuse to deliver to it", h.exchange))
                    .evidence(format!("policy mx: {}", policy.mx.join(", "))),
            );
        }
    }
}

fn status_or_records(records: &[String], status: LookupStatus) -> String {
    if records.is_empty() {
        crate::diagnose::status_words(status).to_string()
    } else {
        records.join(" | ")
    }
}
