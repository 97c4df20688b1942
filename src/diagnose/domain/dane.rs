//! `dane.*` and `dnsbl.*`: TLSA records against the certificate each MX really served
//! (RFC 7672, RFC 6698 §2.1), whether the resolver validated them, and blocklist listings.

use crate::evidence::domain::{DaneCheck, DomainEvidence};
use crate::evidence::Certificate;
use crate::findings::Finding;

/// One parsed TLSA record: `usage selector matching-type data`.
pub struct Tlsa<'a> {
    pub usage: u8,
    pub selector: u8,
    pub matching: u8,
    /// The association data, lower-cased hex.
    pub data: String,
    pub text: &'a str,
}

/// Reads a TLSA record as the lookup recorded it; `None` when the three numbers are not there.
pub fn parse(text: &str) -> Option<Tlsa<'_>> {
    let mut w = text.split_whitespace();
    let usage = w.next()?.parse().ok()?;
    let selector = w.next()?.parse().ok()?;
    let matching = w.next()?.parse().ok()?;
    let data: String = w.collect::<String>().to_ascii_lowercase();
    Some(Tlsa {
        usage,
        selector,
        matching,
        data,
        text,
    })
}

/// Does the record match this chain? `None` when it cannot be judged from the recorded hashes
/// (matching type 0, exact data, is not kept).
fn matches(t: &Tlsa<'_>, chain: &[Certificate]) -> Option<bool> {
    // Usages 1 and 3 name the server's own certificate; 0 and 2 a CA in its chain.
    let candidates: Vec<&Certificate> = match t.usage {
        1 | 3 => chain.iter().take(1).collect(),
        0 | 2 => chain.iter().skip(1).collect(),
        _ => return Some(false),
    };
    let mut judged = false;
    for c in candidates {
        let hash = match (t.selector, t.matching) {
            (0, 1) => Some(c.sha256.clone()),
            (0, 2) => c.sha512.clone(),
            (1, 1) => c.spki_sha256.clone(),
            (1, 2) => c.spki_sha512.clone(),
            _ => None,
        };
        if let Some(h) = hash {
            judged = true;
            if h == t.data {
                return Some(true);
            }
        }
    }
    judged.then_some(false)
}

fn served_chain<'a>(ev: &'a DomainEvidence, mx: &str) -> Option<&'a [Certificate]> {
    let server = ev.servers.iter().find(|s| s.host == mx)?;
    server.probes.iter().find_map(|p| {
        p.tls
            .as_ref()
            .map(|t| t.chain.as_slice())
            .filter(|c| !c.is_empty())
            .or_else(|| {
                p.legacy_tls
                    .as_ref()
                    .map(|l| l.chain.as_slice())
                    .filter(|c| !c.is_empty())
            })
    })
}

pub fn rules(ev: &DomainEvidence, out: &mut Vec<Finding>) {
    for d in &ev.dane {
        tlsa(ev, d, out);
    }
    for b in &ev.dnsbl {
        if b.a.records.is_empty() {
            continue;
        }
        // RFC 5782 §2.1: listings answer in 127.0.0.0/8; 127.255.255.0/24 is how lists (Spamhaus)
        // say "query refused" (e.g. through a public resolver); anything else is not a listing.
        let codes: Vec<std::net::Ipv4Addr> =
            b.a.records.iter().filter_map(|r| r.parse().ok()).collect();
        let refused = codes
            .iter()
            .any(|a| a.octets()[0] != 127 || (a.octets()[1] == 255 && a.octets()[2] == 255));
        if refused || codes.is_empty() {
            out.push(
                Finding::new(
                    crate::code!("dns.lookup-failed"),
                    format!("{} on {}", b.ip, b.zone),
                    format!("the blocklist {} answered with an error code instead of a listing, so {} could not be checked there", b.zone, b.ip),
                )
                .severity(crate::findings::Severity::Warning)
                .evidence(format!("{} A → {} (127.255.255.x or non-loopback: the list refuses the query, often because it came through a public resolver)", b.a.name, b.a.records.join(", ")))
                .fix("Query the list through your own resolver (not 8.8.8.8 or 1.1.1.1), or register for the list's data service, then run again with --resolver."),
            );
            continue;
        }
        let mut f = Finding::new(
            crate::code!("dnsbl.listed"),
            format!("{} on {}", b.ip, b.zone),
            format!("the mail server address {} is listed on the blocklist {}: many receivers will reject its mail", b.ip, b.zone),
        )
        .evidence(format!("{} A → {}", b.a.name, b.a.records.join(", ")));
        if let Some(txt) = b.txt.as_ref().filter(|t| !t.records.is_empty()) {
            f = f.evidence(format!("reason: {}", txt.records.join(" ")));
        }
        out.push(f);
    }
}

fn tlsa(ev: &DomainEvidence, d: &DaneCheck, out: &mut Vec<Finding>) {
    if d.tlsa.records.is_empty() {
        return;
    }
    let subj = format!("_25._tcp.{}", d.mx);
    if !d.authentic_data {
        out.push(
            Finding::new(crate::code!("dane.unsigned"), &subj, format!("{} publishes TLSA records, but the resolver did not mark the answer DNSSEC-validated, so DANE senders ignore them", d.mx))
                .evidence(format!("TLSA answer without the AD bit from resolver {}", ev.options.resolvers.join(", "))),
        );
    }
    let Some(chain) = served_chain(ev, &d.mx) else {
        return;
    };
    let records: Vec<Tlsa<'_>> = d.tlsa.records.iter().filter_map(|r| parse(r)).collect();
    let verdicts: Vec<Option<bool>> = records.iter().map(|t| matches(t, chain)).collect();
    if verdicts.contains(&Some(true)) || verdicts.iter().all(|v| v.is_none()) {
        return;
    }
    let mut f = Finding::new(
        crate::code!("dane.tlsa-mismatch"),
        &subj,
        format!("none of the TLSA records of {} matches the certificate it serves: DANE-enabled senders will not deliver", d.mx),
    );
    if !d.authentic_data {
        // RFC 7672 §2.2: senders use only validated TLSA records; the mismatch bites once the
        // zone is signed (or through a validating resolver that mxray was not given).
        f = f.severity(crate::findings::Severity::Warning);
        f.summary = format!(
            "none of the TLSA records of {} matches the certificate it serves; senders ignore them while they are not DNSSEC-validated, and will refuse delivery once they are",
            d.mx
        );
    }
    for t in &records {
        f = f.evidence(format!("TLSA {}", t.text));
    }
    if let Some(leaf) = chain.first() {
        f = f
            .evidence(format!("served certificate SHA-256 {}", leaf.sha256))
            .evidence(format!(
                "served public key (SPKI) SHA-256 {}",
                leaf.spki_sha256.clone().unwrap_or_default()
            ));
    }
    out.push(f);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert(spki: &str, sha: &str) -> Certificate {
        let mut c = crate::probe::cert::parse(b"x");
        c.spki_sha256 = Some(spki.into());
        c.sha256 = sha.into();
        c
    }

    #[test]
    fn usage_selector_and_type_pick_the_right_hash() {
        let chain = vec![cert("aa", "bb"), cert("cc", "dd")];
        assert_eq!(matches(&parse("3 1 1 AA").unwrap(), &chain), Some(true));
        assert_eq!(matches(&parse("3 0 1 bb").unwrap(), &chain), Some(true));
        assert_eq!(matches(&parse("3 1 1 cc").unwrap(), &chain), Some(false));
        assert_eq!(matches(&parse("2 1 1 cc").unwrap(), &chain), Some(true));
        assert_eq!(matches(&parse("3 1 0 3082").unwrap(), &chain), None);
    }
}

#[cfg(test)]
mod dnsbl_tests {
    use crate::evidence::domain::DnsblCheck;
    use crate::evidence::{Lookup, LookupStatus};

    fn check(answer: &str) -> DnsblCheck {
        DnsblCheck {
            ip: "192.0.2.1".parse().unwrap(),
            zone: "bl.example".into(),
            a: Lookup {
                name: "1.2.0.192.bl.example".into(),
                rtype: "A".into(),
                status: LookupStatus::Ok,
                records: vec![answer.into()],
                duration_ms: 1,
                error: None,
            },
            txt: None,
        }
    }

    fn codes(answer: &str) -> Vec<(String, crate::findings::Severity)> {
        let mut ev: crate::evidence::domain::DomainEvidence =
            serde_json::from_str(include_str!("../../../fixtures/domain/good.json"))
                .map(|r: serde_json::Value| serde_json::from_value(r["evidence"].clone()).unwrap())
                .unwrap();
        ev.dane.clear();
        ev.dnsbl = vec![check(answer)];
        let mut out = Vec::new();
        super::rules(&ev, &mut out);
        out.into_iter().map(|f| (f.code, f.severity)).collect()
    }

    #[test]
    fn listing_versus_error_codes() {
        use crate::findings::Severity::*;
        assert_eq!(
            codes("127.0.0.2"),
            vec![("dnsbl.listed".to_string(), Error)]
        );
        assert_eq!(
            codes("127.255.255.254"),
            vec![("dns.lookup-failed".to_string(), Warning)]
        );
        assert_eq!(
            codes("10.1.2.3"),
            vec![("dns.lookup-failed".to_string(), Warning)]
        );
    }
}
