//! `spf.*`: the record itself (missing, several, syntax) and the whole tree — DNS-querying
//! terms against RFC 7208's limit of 10, void lookups against 2, names per `mx` against 10,
//! broken includes, `+all`/`?all`, `ptr`.

use crate::evidence::domain::{SpfNode, TermLookup};
use crate::evidence::LookupStatus;
use crate::findings::{Finding, Severity};
use crate::policy::spf::{self, MechKind, Qualifier, TermKind};

pub const MAX_LOOKUPS: usize = 10;
pub const MAX_VOIDS: usize = 2;

/// Counts of one walked tree.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Count {
    pub lookups: usize,
    pub voids: Vec<String>,
    pub mx_over: Vec<String>,
}

/// DNS-querying terms of this node alone (RFC 7208 §4.6.4), for the tree display.
pub fn own_lookups(n: &SpfNode) -> Option<usize> {
    match n.records.as_slice() {
        [r] => spf::parse(r).ok().map(|rec| rec.lookup_terms()),
        _ => None,
    }
}

pub fn count(n: &SpfNode) -> Count {
    let mut c = Count::default();
    walk(n, &mut c);
    c
}

fn walk(n: &SpfNode, c: &mut Count) {
    c.lookups += own_lookups(n).unwrap_or(0);
    for t in &n.term_lookups {
        void_and_mx(t, c);
    }
    for child in &n.children {
        if child.stopped.is_none()
            && matches!(
                child.lookup.status,
                LookupStatus::NxDomain | LookupStatus::NoRecords
            )
        {
            c.voids.push(format!(
                "{}:{} → {}",
                child.via,
                child.domain,
                crate::diagnose::status_words(child.lookup.status)
            ));
        }
        walk(child, c);
    }
}

fn void_and_mx(t: &TermLookup, c: &mut Count) {
    let empty = |s: LookupStatus| matches!(s, LookupStatus::NxDomain | LookupStatus::NoRecords);
    let is_mx = t
        .term
        .to_ascii_lowercase()
        .trim_start_matches(['+', '-', '~', '?'])
        .starts_with("mx");
    let void = if is_mx {
        t.lookups.first().is_some_and(|l| empty(l.status))
    } else {
        !t.lookups.is_empty() && t.lookups.iter().all(|l| empty(l.status))
    };
    if void {
        c.voids.push(format!("{} → no records", t.term));
    }
    if is_mx {
        if let Some(mx) = t.lookups.first() {
            if mx.records.len() > MAX_LOOKUPS {
                c.mx_over
                    .push(format!("{} → {} MX names", t.term, mx.records.len()));
            }
        }
    }
}

/// `--sending-ip` results: anything but `pass` means receivers will not accept that server's
/// mail as the domain's.
pub fn evaluations(
    domain: &str,
    evals: &[crate::evidence::domain::SpfEvaluation],
    out: &mut Vec<Finding>,
) {
    for e in evals.iter().filter(|e| e.result != "pass") {
        let meaning = match e.result.as_str() {
            "fail" => "explicitly not allowed (fail): receivers reject or junk its mail",
            "softfail" => "probably not allowed (softfail): receivers usually junk its mail",
            "neutral" => "neither allowed nor denied (neutral): its mail gets no SPF credit",
            "none" => "not covered: the domain has no SPF record",
            "permerror" => "unjudgeable: the SPF policy is broken (permerror), so SPF fails",
            _ => "unjudgeable right now (temperror): a DNS lookup failed",
        };
        let mut f = Finding::new(
            crate::code!("spf.sender-not-permitted"),
            format!("{} for {domain}", e.ip),
            format!("the sending server {} is {meaning}", e.ip),
        )
        .evidence(format!(
            "check_host({}, {domain}, {}) = {} after {} DNS lookups",
            e.ip, e.mail_from, e.result, e.lookups
        ));
        for line in &e.path {
            f = f.evidence(line.clone());
        }
        out.push(f);
    }
}

pub fn rules(domain: &str, tree: &SpfNode, out: &mut Vec<Finding>) {
    let subj = domain.to_string();
    match tree.records.len() {
        0 if tree.lookup.status.is_failure() => {
            out.push(
                Finding::new(
                    crate::code!("dns.lookup-failed"),
                    format!("{domain} TXT"),
                    format!("the TXT lookup of {domain} failed, so its SPF record is unknown"),
                )
                .evidence(tree.lookup.error.clone().unwrap_or_default()),
            );
            return;
        }
        0 => {
            out.push(
                Finding::new(crate::code!("spf.missing"), &subj, format!("{domain} publishes no SPF record: receivers cannot tell its real senders from forgers"))
                    .evidence(format!("{domain} TXT: {}", if tree.lookup.records.is_empty() { crate::diagnose::status_words(tree.lookup.status).to_string() } else { format!("{} record(s), none starting with v=spf1", tree.lookup.records.len()) })),
            );
            return;
        }
        _ => {}
    }
    node_rules(tree, true, out);
    loops(tree, &mut Vec::new(), out);
    let c = count(tree);
    if c.lookups > MAX_LOOKUPS || !c.mx_over.is_empty() {
        let mut f = Finding::new(
            crate::code!("spf.too-many-lookups"),
            &subj,
            if c.lookups > MAX_LOOKUPS {
                format!("the SPF policy needs {} DNS lookups; the limit is {MAX_LOOKUPS}, so receivers return PermError and SPF fails for all mail", c.lookups)
            } else {
                "an `mx` term names more than 10 hosts, which is a PermError".to_string()
            },
        )
        .evidence(format!("DNS-querying terms after expanding includes and redirects: {}", c.lookups));
        for m in &c.mx_over {
            f = f.evidence(m.clone());
        }
        for line in tree_lines(tree) {
            f = f.evidence(line);
        }
        out.push(f);
    }
    if c.voids.len() > MAX_VOIDS {
        let mut f = Finding::new(
            crate::code!("spf.void-lookups"),
            &subj,
            format!(
                "{} lookups in the SPF policy find nothing; more than {MAX_VOIDS} is a PermError",
                c.voids.len()
            ),
        );
        for v in &c.voids {
            f = f.evidence(v.clone());
        }
        out.push(f);
    }
}

/// A record reached again below itself (the walk stops there): every evaluation would go round
/// until the lookup limit, a permerror for all mail.
fn loops(n: &SpfNode, chain: &mut Vec<String>, out: &mut Vec<Finding>) {
    chain.push(format!("{}:{}", n.via, n.domain));
    if n.stopped.as_deref().is_some_and(|w| w.starts_with("loop")) {
        out.push(
            Finding::new(
                crate::code!("spf.include-loop"),
                chain.first().map_or(n.domain.as_str(), |c| {
                    c.split_once(':').map_or(c.as_str(), |(_, d)| d)
                }),
                format!(
                    "the SPF policy loops: {} is reached again through `{}:`, so \
                     receivers return PermError for every sender",
                    n.domain, n.via
                ),
            )
            .evidence(chain.join(" → ")),
        );
    }
    for c in &n.children {
        loops(c, chain, out);
    }
    chain.pop();
}

/// The tree as indented lines with each record's own lookup count, for evidence.
pub fn tree_lines(tree: &SpfNode) -> Vec<String> {
    let mut out = Vec::new();
    fn rec(n: &SpfNode, depth: usize, out: &mut Vec<String>) {
        let own = own_lookups(n)
            .map(|l| format!("{l} lookup(s)"))
            .unwrap_or_else(|| "-".into());
        out.push(format!(
            "{}{}:{} [{own}]",
            "  ".repeat(depth),
            n.via,
            n.domain
        ));
        for c in &n.children {
            rec(c, depth + 1, out);
        }
    }
    rec(tree, 0, &mut out);
    out
}

fn node_rules(n: &SpfNode, root: bool, out: &mut Vec<Finding>) {
    let subj = if root {
        n.domain.clone()
    } else {
        format!("{}:{}", n.via, n.domain)
    };
    if !root && n.stopped.is_none() && n.records.is_empty() && n.lookup.status.is_failure() {
        // Unanswered is not absent: receivers that cannot fetch it get a TempError, not PermError.
        out.push(
            Finding::new(
                crate::code!("dns.lookup-failed"),
                format!("{} TXT", n.domain),
                format!(
                    "the TXT lookup of {} ({}: in the SPF policy) failed, so that part of the policy is unknown",
                    n.domain, n.via
                ),
            )
            .evidence(format!(
                "{} TXT: {}",
                n.domain,
                crate::diagnose::status_words(n.lookup.status)
            )),
        );
    } else if !root && n.stopped.is_none() && n.records.is_empty() {
        out.push(
            Finding::new(crate::code!("spf.include-broken"), &subj, format!("the SPF policy refers to {}, which has no SPF record: receivers return PermError", n.domain))
                .evidence(format!("{} TXT: {}", n.domain, crate::diagnose::status_words(n.lookup.status))),
        );
    }
    if n.records.len() > 1 {
        let mut f = Finding::new(
            crate::code!("spf.multiple-records"),
            &subj,
            format!(
                "{} publishes {} SPF records; there must be exactly one (PermError)",
                n.domain,
                n.records.len()
            ),
        );
        for r in &n.records {
            f = f.evidence(r.clone());
        }
        out.push(f);
    }
    if let [text] = n.records.as_slice() {
        match spf::parse(text) {
            Err(e) => out.push(
                Finding::new(
                    crate::code!("spf.syntax"),
                    &subj,
                    format!(
                        "the SPF record of {} does not parse: {}",
                        n.domain, e.message
                    ),
                )
                .evidence(e.to_string())
                .evidence(text.clone()),
            ),
            Ok(rec) => {
                for t in &rec.terms {
                    let spec = match &t.kind {
                        TermKind::Mechanism(m) => m.kind.domain(),
                        TermKind::Modifier(spf::Modifier::Redirect { domain })
                        | TermKind::Modifier(spf::Modifier::Exp { domain }) => Some(domain),
                        TermKind::Modifier(_) => None,
                    };
                    let letters: String = spec
                        .map(|d| d.exp_only_macros())
                        .unwrap_or_default()
                        .into_iter()
                        .collect();
                    if !letters.is_empty() {
                        out.push(
                            Finding::new(
                                crate::code!("spf.syntax"),
                                &subj,
                                format!(
                                    "the SPF record of {} uses the macro letter(s) `{letters}` in `{}`; c, r and t are allowed only in explanation text (RFC 7208 §7.2), so receivers return PermError",
                                    n.domain, t.text
                                ),
                            )
                            .evidence(text.clone()),
                        );
                    }
                }
                for t in &rec.terms {
                    let TermKind::Mechanism(m) = &t.kind else {
                        continue;
                    };
                    match (&m.kind, m.qualifier) {
                        (MechKind::All, Qualifier::Pass) => out.push(
                            Finding::new(crate::code!("spf.permissive-all"), &subj, "the SPF record ends in `+all`: it authorises every server on the internet to send as this domain")
                                .evidence(text.clone()),
                        ),
                        (MechKind::All, Qualifier::Neutral) if root => out.push(
                            Finding::new(crate::code!("spf.permissive-all"), &subj, "the SPF record ends in `?all` (neutral): it says nothing about other senders, so forgeries are not rejected")
                                .severity(Severity::Warning)
                                .evidence(text.clone()),
                        ),
                        (MechKind::Ptr { .. }, _) => out.push(
                            Finding::new(crate::code!("spf.ptr-used"), &subj, "the SPF record uses the deprecated `ptr` mechanism, which is slow and which many receivers ignore")
                                .evidence(t.text.clone()),
                        ),
                        _ => {}
                    }
                }
            }
        }
    }
    for c in &n.children {
        node_rules(c, false, out);
    }
}
