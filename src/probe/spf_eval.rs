//! `check_host()` of RFC 7208 §4 for `--sending-ip`: evaluates the domain's SPF policy for one
//! sender through DNS, macros expanded, with the lookup limits enforced, and records the path
//! that decided the result.

use super::dns::Dns;
use crate::evidence::domain::SpfEvaluation;
use crate::evidence::LookupStatus;
use crate::policy::spf::{self, MechKind, Modifier, Qualifier, TermKind};
use crate::policy::spf_macro::{expand, Sender};
use hickory_resolver::proto::rr::RecordType;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;

const MAX_LOOKUPS: usize = 10;
const MAX_VOIDS: usize = 2;
const MAX_MX: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Res {
    Pass,
    Fail,
    SoftFail,
    Neutral,
    None,
    PermError,
    TempError,
}

impl Res {
    fn word(self) -> &'static str {
        match self {
            Res::Pass => "pass",
            Res::Fail => "fail",
            Res::SoftFail => "softfail",
            Res::Neutral => "neutral",
            Res::None => "none",
            Res::PermError => "permerror",
            Res::TempError => "temperror",
        }
    }
    fn of(q: Qualifier) -> Res {
        match q {
            Qualifier::Pass => Res::Pass,
            Qualifier::Fail => Res::Fail,
            Qualifier::SoftFail => Res::SoftFail,
            Qualifier::Neutral => Res::Neutral,
        }
    }
}

struct State {
    lookups: usize,
    voids: usize,
    path: Vec<String>,
}

pub async fn evaluate(dns: &Dns, domain: &str, sender: Sender) -> SpfEvaluation {
    let mut st = State {
        lookups: 0,
        voids: 0,
        path: Vec::new(),
    };
    let r = check_host(dns, domain.to_string(), &sender, 0, &mut st).await;
    SpfEvaluation {
        ip: sender.ip,
        mail_from: sender.mail_from.clone(),
        helo: sender.helo.clone(),
        result: r.word().to_string(),
        lookups: st.lookups,
        void_lookups: st.voids,
        path: st.path,
    }
}

/// The `a`/`mx` dual CIDR length (RFC 7208 §5.6) that applies to the sender's address family.
fn cidr_for(ip: IpAddr, cidr4: Option<u8>, cidr6: Option<u8>) -> u8 {
    if ip.is_ipv4() {
        cidr4.unwrap_or(32)
    } else {
        cidr6.unwrap_or(128)
    }
}

fn in_net(ip: IpAddr, net: IpAddr, prefix: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let p = u32::from(prefix.min(32));
            let mask = if p == 0 { 0 } else { u32::MAX << (32 - p) };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let p = u32::from(prefix.min(128));
            let mask = if p == 0 { 0 } else { u128::MAX << (128 - p) };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

fn empty(s: LookupStatus) -> bool {
    matches!(s, LookupStatus::NxDomain | LookupStatus::NoRecords)
}

/// Addresses of `name` in the sender's family; `Err` for a resolver failure.
async fn addresses(dns: &Dns, name: &str, ip: IpAddr, st: &mut State) -> Result<Vec<IpAddr>, Res> {
    let rtype = if ip.is_ipv4() {
        RecordType::A
    } else {
        RecordType::AAAA
    };
    let l = dns.lookup(name, rtype).await;
    if l.status.is_failure() {
        return Err(Res::TempError);
    }
    if empty(l.status) {
        st.voids += 1;
    }
    Ok(l.records.iter().filter_map(|r| r.parse().ok()).collect())
}

fn check_host<'a>(
    dns: &'a Dns,
    domain: String,
    s: &'a Sender,
    depth: usize,
    st: &'a mut State,
) -> Pin<Box<dyn Future<Output = Res> + Send + 'a>> {
    Box::pin(async move {
        let indent = "  ".repeat(depth);
        let txt = dns.lookup(&domain, RecordType::TXT).await;
        if txt.status.is_failure() {
            st.path
                .push(format!("{indent}{domain}: DNS failure → temperror"));
            return Res::TempError;
        }
        let records: Vec<&String> = txt.records.iter().filter(|r| spf::is_spf(r)).collect();
        let record = match records.as_slice() {
            [] => {
                st.path
                    .push(format!("{indent}{domain}: no SPF record → none"));
                return Res::None;
            }
            [one] => (*one).clone(),
            _ => {
                st.path.push(format!(
                    "{indent}{domain}: {} SPF records → permerror",
                    records.len()
                ));
                return Res::PermError;
            }
        };
        let rec = match spf::parse(&record) {
            Ok(r) => r,
            Err(e) => {
                st.path.push(format!("{indent}{domain}: {e} → permerror"));
                return Res::PermError;
            }
        };
        st.path.push(format!("{indent}{domain}: {record}"));
        for term in &rec.terms {
            let TermKind::Mechanism(m) = &term.kind else {
                continue;
            };
            if m.counts_lookup() {
                st.lookups += 1;
                if st.lookups > MAX_LOOKUPS {
                    st.path.push(format!(
                        "{indent}  {}: lookup {} exceeds the limit of {MAX_LOOKUPS} → permerror",
                        term.text, st.lookups
                    ));
                    return Res::PermError;
                }
            }
            let target = |d: &Option<spf::DomainSpec>| {
                d.as_ref()
                    .map(|d| expand(d, s, &domain))
                    .unwrap_or_else(|| domain.clone())
            };
            let matched = match &m.kind {
                MechKind::All => true,
                MechKind::Ip4 { network, prefix } => in_net(s.ip, IpAddr::V4(*network), *prefix),
                MechKind::Ip6 { network, prefix } => in_net(s.ip, IpAddr::V6(*network), *prefix),
                MechKind::A {
                    domain: d,
                    cidr4,
                    cidr6,
                } => {
                    let name = target(d);
                    let prefix = cidr_for(s.ip, *cidr4, *cidr6);
                    match addresses(dns, &name, s.ip, st).await {
                        Err(r) => return r,
                        Ok(list) => list.iter().any(|a| in_net(s.ip, *a, prefix)),
                    }
                }
                MechKind::Mx {
                    domain: d,
                    cidr4,
                    cidr6,
                } => {
                    let name = target(d);
                    let prefix = cidr_for(s.ip, *cidr4, *cidr6);
                    let mx = dns.lookup(&name, RecordType::MX).await;
                    if mx.status.is_failure() {
                        return Res::TempError;
                    }
                    if empty(mx.status) {
                        st.voids += 1;
                    }
                    let hosts: Vec<String> = mx
                        .records
                        .iter()
                        .filter_map(|r| r.split_whitespace().nth(1))
                        .filter(|h| *h != ".")
                        .map(str::to_string)
                        .collect();
                    if hosts.len() > MAX_MX {
                        st.path.push(format!(
                            "{indent}  {}: {} MX names, more than {MAX_MX} → permerror",
                            term.text,
                            hosts.len()
                        ));
                        return Res::PermError;
                    }
                    let mut hit = false;
                    for h in hosts {
                        match addresses(dns, &h, s.ip, st).await {
                            Err(r) => return r,
                            Ok(list) => hit |= list.iter().any(|a| in_net(s.ip, *a, prefix)),
                        }
                    }
                    hit
                }
                MechKind::Exists { domain: d } => {
                    let name = expand(d, s, &domain);
                    let l = dns.lookup(&name, RecordType::A).await;
                    if l.status.is_failure() {
                        return Res::TempError;
                    }
                    if empty(l.status) {
                        st.voids += 1;
                    }
                    !l.records.is_empty()
                }
                MechKind::Ptr { .. } => {
                    // Deprecated (§5.5) and costly; evaluated as no match, and said so.
                    st.path.push(format!(
                        "{indent}  {}: not evaluated (deprecated), treated as no match",
                        term.text
                    ));
                    false
                }
                MechKind::Include { domain: d } => {
                    let name = expand(d, s, &domain);
                    match check_host(dns, name.clone(), s, depth + 1, st).await {
                        Res::Pass => true,
                        Res::Fail | Res::SoftFail | Res::Neutral => false,
                        Res::TempError => return Res::TempError,
                        Res::PermError | Res::None => {
                            st.path.push(format!(
                                "{indent}  include:{name} has no usable SPF record → permerror"
                            ));
                            return Res::PermError;
                        }
                    }
                }
            };
            if st.voids > MAX_VOIDS {
                st.path.push(format!(
                    "{indent}  more than {MAX_VOIDS} void lookups → permerror"
                ));
                return Res::PermError;
            }
            if matched {
                let r = Res::of(m.qualifier);
                st.path
                    .push(format!("{indent}  {} matches → {}", term.text, r.word()));
                return r;
            }
        }
        if let Some(target) = rec.terms.iter().find_map(|t| match &t.kind {
            TermKind::Modifier(Modifier::Redirect { domain: d }) => Some(expand(d, s, &domain)),
            _ => None,
        }) {
            st.lookups += 1;
            if st.lookups > MAX_LOOKUPS {
                return Res::PermError;
            }
            st.path
                .push(format!("{indent}  no mechanism matched; redirect={target}"));
            return match check_host(dns, target, s, depth + 1, st).await {
                Res::None => Res::PermError,
                r => r,
            };
        }
        st.path
            .push(format!("{indent}  no mechanism matched → neutral"));
        Res::Neutral
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks() {
        let ip: IpAddr = "192.0.2.77".parse().unwrap();
        assert!(in_net(ip, "192.0.2.0".parse().unwrap(), 24));
        assert!(!in_net(ip, "192.0.3.0".parse().unwrap(), 24));
        assert!(in_net(ip, "0.0.0.0".parse().unwrap(), 0));
        assert!(!in_net(ip, "::".parse().unwrap(), 0));
        let v6: IpAddr = "2001:db8::5".parse().unwrap();
        assert!(in_net(v6, "2001:db8::".parse().unwrap(), 32));
        assert!(!in_net(v6, "2001:db9::".parse().unwrap(), 32));
    }
}
