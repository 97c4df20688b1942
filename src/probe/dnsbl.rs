//! DNS blocklist lookups (RFC 5782): each mail server address reversed under each list's zone;
//! an A answer (127.0.0.x) means listed, its TXT says why.

use super::dns::Dns;
use crate::evidence::domain::DnsblCheck;
use hickory_resolver::proto::rr::RecordType;
use std::net::IpAddr;

/// Widely used lists that answer free queries at low volume. Overridable with `--dnsbl-zone`.
pub const DEFAULT_ZONES: &[&str] = &[
    "zen.spamhaus.org",
    "bl.spamcop.net",
    "b.barracudacentral.org",
    "psbl.surriel.com",
];

/// The query name for `ip` under `zone`: reversed octets for IPv4, reversed nibbles for IPv6.
pub fn query_name(ip: IpAddr, zone: &str) -> String {
    let zone = zone.trim_end_matches('.');
    match ip {
        IpAddr::V4(a) => {
            let o = a.octets();
            format!("{}.{}.{}.{}.{zone}", o[3], o[2], o[1], o[0])
        }
        IpAddr::V6(a) => {
            let nibbles: Vec<String> = a
                .octets()
                .iter()
                .rev()
                .flat_map(|b| [b & 0x0f, b >> 4])
                .map(|n| format!("{n:x}"))
                .collect();
            format!("{}.{zone}", nibbles.join("."))
        }
    }
}

pub async fn check(dns: &Dns, ips: &[IpAddr], zones: &[String]) -> Vec<DnsblCheck> {
    let pairs: Vec<(IpAddr, String)> = ips
        .iter()
        .flat_map(|ip| zones.iter().map(move |z| (*ip, z.clone())))
        .collect();
    futures::future::join_all(pairs.into_iter().map(|(ip, zone)| async move {
        let name = query_name(ip, &zone);
        let a = dns.lookup(&name, RecordType::A).await;
        let txt = if a.records.is_empty() {
            None
        } else {
            Some(dns.lookup(&name, RecordType::TXT).await)
        };
        DnsblCheck { ip, zone, a, txt }
    }))
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reversed_names() {
        assert_eq!(
            query_name("192.0.2.99".parse().unwrap(), "bl.example."),
            "99.2.0.192.bl.example"
        );
        let v6 = query_name("2001:db8::1".parse().unwrap(), "bl.example");
        assert!(v6.starts_with("1.0.0.0.0.0.0.0"));
        assert!(v6.ends_with("8.b.d.0.1.0.0.2.bl.example"));
    }
}
