//! Walks a domain's SPF policy through DNS: the record, every `include:` and `redirect=`
//! target, and the lookups of `a`, `mx`, `ptr` and `exists` terms — recorded as a tree so
//! diagnosis can count lookups (RFC 7208 §4.6.4) and show the whole tree, even past the limit.
//! The walk itself is bounded: depth, nodes, names per `mx`, and time — it is sequential, and
//! forty records behind a resolver that never answers would otherwise cost eighty timeouts.

use super::dns::Dns;
use crate::evidence::domain::{SpfNode, TermLookup};
use crate::evidence::{Lookup, LookupStatus};
use crate::policy::spf::{self, MechKind, Modifier, TermKind};
use hickory_resolver::proto::rr::RecordType;
use std::time::{Duration, Instant};

/// Deeper than any sane policy; RFC 7208's 10-lookup limit is judged by diagnosis.
const MAX_DEPTH: usize = 12;
/// Records fetched in one walk: past the limit the tree is already wrong, keep it bounded.
const MAX_NODES: usize = 40;
/// RFC 7208 §4.6.4: an `mx` term may look up at most 10 names; one more shows the excess.
const MAX_MX_NAMES: usize = 11;
/// Phase timeouts after which no further record is fetched (the ones in flight finish).
pub const WALK_TIMEOUTS: u32 = 10;

/// Where the walk stands: records left to fetch, the path from the root, the time bound.
struct Budget {
    records: usize,
    seen: Vec<String>,
    until: Instant,
    limit: Duration,
}

pub async fn walk(dns: &Dns, domain: &str) -> SpfNode {
    let limit = dns.timeout() * WALK_TIMEOUTS;
    let mut budget = Budget {
        records: MAX_NODES,
        seen: Vec::new(),
        until: Instant::now() + limit,
        limit,
    };
    node(dns, domain, "root", 0, &mut budget).await
}

fn node<'a>(
    dns: &'a Dns,
    domain: &'a str,
    via: &'a str,
    depth: usize,
    budget: &'a mut Budget,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = SpfNode> + Send + 'a>> {
    Box::pin(async move {
        let lookup = dns.lookup(domain, RecordType::TXT).await;
        let records: Vec<String> = lookup
            .records
            .iter()
            .filter(|r| spf::is_spf(r))
            .cloned()
            .collect();
        let mut n = SpfNode {
            domain: domain.to_string(),
            via: via.to_string(),
            lookup,
            records,
            term_lookups: Vec::new(),
            children: Vec::new(),
            stopped: None,
        };
        budget.records = budget.records.saturating_sub(1);
        let key = domain.to_ascii_lowercase();
        if budget.seen.contains(&key) {
            n.stopped = Some("loop: this domain's record is already in the tree".into());
            return n;
        }
        // Several records are a PermError: nothing to follow.
        let [text] = n.records.as_slice() else {
            return n;
        };
        let Ok(record) = spf::parse(text) else {
            return n;
        };
        // `seen` is the path from the root: a loop is a domain that includes its own ancestor.
        // The same domain in two branches is walked (and counted) twice, as evaluation would.
        budget.seen.push(key);
        for term in &record.terms {
            // Out of time, a term's names are not looked up (as for one that uses macros).
            let late = Instant::now() >= budget.until;
            let (target, how) = match &term.kind {
                TermKind::Mechanism(m) => match &m.kind {
                    MechKind::Include { domain } => (Some(domain), "include"),
                    MechKind::A { domain: d, .. } => {
                        let d = term_domain(d.as_ref(), domain).filter(|_| !late);
                        n.term_lookups.push(addresses(dns, d, &term.text).await);
                        continue;
                    }
                    MechKind::Mx { domain: d, .. } => {
                        let d = term_domain(d.as_ref(), domain).filter(|_| !late);
                        n.term_lookups.push(mx_names(dns, d, &term.text).await);
                        continue;
                    }
                    MechKind::Exists { .. } if late => {
                        n.term_lookups.push(TermLookup {
                            term: term.text.clone(),
                            lookups: Vec::new(),
                        });
                        continue;
                    }
                    MechKind::Exists { domain: d } if !d.has_macros => {
                        let l = dns.lookup(&d.text, RecordType::A).await;
                        n.term_lookups.push(TermLookup {
                            term: term.text.clone(),
                            lookups: vec![l],
                        });
                        continue;
                    }
                    _ => continue,
                },
                TermKind::Modifier(Modifier::Redirect { domain }) => (Some(domain), "redirect"),
                TermKind::Modifier(_) => continue,
            };
            let Some(spec) = target else { continue };
            if spec.has_macros {
                n.children.push(stub(
                    &spec.text,
                    how,
                    "the target uses macros, which depend on the sender: not followed",
                ));
                continue;
            }
            if depth + 1 >= MAX_DEPTH || budget.records == 0 {
                n.children.push(stub(
                    &spec.text,
                    how,
                    "walk bounded: too deep or too many records",
                ));
                continue;
            }
            if late {
                let why = format!(
                    "walk bounded: out of time ({:.1} s)",
                    budget.limit.as_secs_f64()
                );
                n.children.push(stub(&spec.text, how, &why));
                continue;
            }
            let child = node(dns, &spec.text, how, depth + 1, budget).await;
            n.children.push(child);
        }
        budget.seen.pop();
        n
    })
}

fn term_domain<'a>(spec: Option<&'a spf::DomainSpec>, current: &'a str) -> Option<&'a str> {
    match spec {
        None => Some(current),
        Some(s) if s.has_macros => None,
        Some(s) => Some(s.text.as_str()),
    }
}

fn stub(domain: &str, via: &str, why: &str) -> SpfNode {
    SpfNode {
        domain: domain.to_string(),
        via: via.to_string(),
        lookup: Lookup {
            name: domain.to_string(),
            rtype: "TXT".into(),
            status: LookupStatus::Skipped,
            records: Vec::new(),
            duration_ms: 0,
            error: None,
        },
        records: Vec::new(),
        term_lookups: Vec::new(),
        children: Vec::new(),
        stopped: Some(why.to_string()),
    }
}

async fn addresses(dns: &Dns, domain: Option<&str>, term: &str) -> TermLookup {
    let mut lookups = Vec::new();
    if let Some(d) = domain {
        let (a, aaaa) = tokio::join!(
            dns.lookup(d, RecordType::A),
            dns.lookup(d, RecordType::AAAA)
        );
        lookups.push(a);
        lookups.push(aaaa);
    }
    TermLookup {
        term: term.to_string(),
        lookups,
    }
}

/// The MX lookup, then the addresses of each name (at most [`MAX_MX_NAMES`]).
async fn mx_names(dns: &Dns, domain: Option<&str>, term: &str) -> TermLookup {
    let mut lookups = Vec::new();
    if let Some(d) = domain {
        let mx = dns.lookup(d, RecordType::MX).await;
        let names: Vec<String> = mx
            .records
            .iter()
            .filter_map(|r| r.split_whitespace().nth(1))
            .filter(|n| *n != ".")
            .take(MAX_MX_NAMES)
            .map(str::to_string)
            .collect();
        lookups.push(mx);
        let found =
            futures::future::join_all(names.iter().map(|n| dns.lookup(n, RecordType::A))).await;
        lookups.extend(found);
    }
    TermLookup {
        term: term.to_string(),
        lookups,
    }
}
