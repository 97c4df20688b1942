//! Diagnosis of `mxray domain`: the MX rules, each MX host's server findings (certificates
//! judged against the MX name), and the policy records.

pub mod auth_records;
mod dane;
mod mx;
mod records;
pub mod spf;

pub use dane::{parse as parse_tlsa, Tlsa};

use crate::evidence::domain::DomainEvidence;
use crate::findings::Finding;

pub fn domain(ev: &DomainEvidence, now: i64) -> Vec<Finding> {
    let mut out = Vec::new();
    mx::rules(ev, &mut out);
    // A domain that does not exist has no policy to judge: one finding says it all.
    if ev.mx.lookup.status == crate::evidence::LookupStatus::NxDomain {
        return out;
    }
    for s in &ev.servers {
        out.extend(mx::server_findings(ev, s, now));
    }
    spf::rules(&ev.domain, &ev.spf.tree, &mut out);
    spf::evaluations(&ev.domain, &ev.spf.evaluations, &mut out);
    auth_records::dkim_rules(&ev.domain, &ev.dkim, &mut out);
    auth_records::dmarc_rules(&ev.domain, &ev.dmarc, &mut out);
    records::rules(ev, &mut out);
    dane::rules(ev, &mut out);
    out
}
