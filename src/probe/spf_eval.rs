//! `check_host()` of RFC 7208 §4 for `--sending-ip`: evaluates the domain's SPF policy for one
//! sender through DNS, macros expanded, with the lookup limits enforced, and records the path
//! that decided the result.

use super::dns::Dns;
use crate::evidence::domain::SpfEvaluation;
use crate::evidence::{Lookup, LookupStatus};
use crate::policy::spf::{self, DomainSpec, MacroPart, MechKind, Modifier, Qualifier, TermKind};
use crate::policy::spf_macro::{
    expand, expand_explanation, expand_in, unusable_name, uses_ptr, Context, Sender,
};
use hickory_resolver::proto::rr::{Name, RecordType};
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;

const MAX_LOOKUPS: usize = 10;
const MAX_VOIDS: usize = 2;
const MAX_MX: usize = 10;
/// §4.6.4: PTR names looked at for `ptr` and `%{p}`.
const MAX_PTR: usize = 10;
/// An explanation is one line for a human; a longer one is cut.
const MAX_EXPLANATION: usize = 500;

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
    /// Names of the sender's address that resolve back to it (§5.5), looked up once.
    validated: Option<Vec<String>>,
    explanation: Option<String>,
    now: u64,
}

pub async fn evaluate(dns: &Dns, domain: &str, mut sender: Sender) -> SpfEvaluation {
    let mut st = State {
        lookups: 0,
        voids: 0,
        path: Vec::new(),
        validated: None,
        explanation: None,
        now: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    };
    // §5: an IPv4-mapped IPv6 address (what dual-stack sockets report) is the IPv4 sender.
    if let IpAddr::V6(v6) = sender.ip {
        if let Some(v4) = v6.to_ipv4_mapped() {
            st.path.push(format!(
                "{v6} is the IPv4-mapped form of {v4}: evaluated as {v4}"
            ));
            sender.ip = IpAddr::V4(v4);
        }
    }
    let r = check_host(dns, domain.to_string(), &sender, 0, false, &mut st).await;
    SpfEvaluation {
        ip: sender.ip,
        mail_from: sender.mail_from.clone(),
        helo: sender.helo.clone(),
        result: r.word().to_string(),
        lookups: st.lookups,
        void_lookups: st.voids,
        path: st.path,
        explanation: if r == Res::Fail { st.explanation } else { None },
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

fn family(ip: IpAddr) -> RecordType {
    if ip.is_ipv4() {
        RecordType::A
    } else {
        RecordType::AAAA
    }
}

/// Addresses of `name` in the sender's family; `Err` for a resolver failure.
async fn addresses(dns: &Dns, name: &str, ip: IpAddr, st: &mut State) -> Result<Vec<IpAddr>, Res> {
    let l = dns.lookup(name, family(ip)).await;
    if l.status.is_failure() {
        return Err(Res::TempError);
    }
    if empty(l.status) {
        st.voids += 1;
    }
    Ok(l.records.iter().filter_map(|r| r.parse().ok()).collect())
}

/// The sender's validated names (§5.5): of its PTR names (at most [`MAX_PTR`]), those whose
/// A/AAAA records hold the address. A failed PTR lookup validates nothing; a failed address
/// lookup skips that name.
async fn validated_names(dns: &Dns, ip: IpAddr) -> Vec<String> {
    let rev = Name::from(ip).to_ascii();
    let ptr = dns.lookup(&rev, RecordType::PTR).await;
    let names = ptr.records.get(..MAX_PTR).unwrap_or(&ptr.records);
    let forward = futures::future::join_all(names.iter().map(|n| dns.lookup(n, family(ip)))).await;
    confirmed(names, &forward, ip)
}

/// The PTR names whose forward lookup (same order) holds `ip`.
fn confirmed(names: &[String], forward: &[Lookup], ip: IpAddr) -> Vec<String> {
    names
        .iter()
        .zip(forward)
        .filter(|(_, f)| {
            f.records
                .iter()
                .any(|r| r.parse::<IpAddr>().ok() == Some(ip))
        })
        .map(|(n, _)| n.trim_end_matches('.').to_ascii_lowercase())
        .collect()
}

async fn validated<'s>(dns: &Dns, ip: IpAddr, st: &'s mut State) -> &'s [String] {
    if st.validated.is_none() {
        st.validated = Some(validated_names(dns, ip).await);
    }
    st.validated.as_deref().unwrap_or_default()
}

/// `name` is `target` or a subdomain of it, case-insensitively.
fn within(name: &str, target: &str) -> bool {
    let (n, t) = (
        name.to_ascii_lowercase(),
        target.trim_end_matches('.').to_ascii_lowercase(),
    );
    n == t || n.ends_with(&format!(".{t}"))
}

/// `%{p}` (§7.3): the target domain itself when validated, else a validated subdomain of it,
/// else any validated name (`None`: "unknown").
fn ptr_value<'v>(names: &'v [String], domain: &str) -> Option<&'v str> {
    let d = domain.to_ascii_lowercase();
    names
        .iter()
        .find(|n| **n == d)
        .or_else(|| names.iter().find(|n| within(n, &d)))
        .or_else(|| names.first())
        .map(String::as_str)
}

/// Expands a domain-spec, looking up the validated name first when it uses `%{p}`.
async fn target(dns: &Dns, spec: &DomainSpec, s: &Sender, domain: &str, st: &mut State) -> String {
    if !uses_ptr(spec) {
        return expand(spec, s, domain);
    }
    let names = validated(dns, s.ip, st).await.to_vec();
    let cx = Context {
        ptr: ptr_value(&names, domain),
        ..Context::of(domain)
    };
    expand_in(spec, s, &cx)
}

/// The domain-specs of a record that use a letter §7.2 allows only in explanation text.
fn exp_only_letters(rec: &spf::Record) -> Option<(String, Vec<char>)> {
    rec.terms.iter().find_map(|t| {
        let spec = match &t.kind {
            TermKind::Mechanism(m) => m.kind.domain(),
            TermKind::Modifier(Modifier::Redirect { domain } | Modifier::Exp { domain }) => {
                Some(domain)
            }
            TermKind::Modifier(Modifier::Unknown { .. }) => None,
        }?;
        let letters = spec.exp_only_macros();
        (!letters.is_empty()).then(|| (t.text.clone(), letters))
    })
}

/// §6.2: the explanation of a fail is the one TXT record at the expanded `exp=` domain,
/// itself macro-expanded; any error, no record or several mean there is none.
async fn explanation(
    dns: &Dns,
    spec: &DomainSpec,
    s: &Sender,
    domain: &str,
    indent: &str,
    st: &mut State,
) {
    let name = target(dns, spec, s, domain, st).await;
    if let Some(why) = unusable_name(&name) {
        st.path
            .push(format!("{indent}  exp={name}: ignored ({why})"));
        return;
    }
    let l = dns.lookup(&name, RecordType::TXT).await;
    let text = match l.records.as_slice() {
        [one] => one,
        [] => {
            st.path.push(format!(
                "{indent}  exp={name}: ignored ({})",
                l.status.words()
            ));
            return;
        }
        many => {
            st.path.push(format!(
                "{indent}  exp={name}: ignored ({} TXT records, one is required)",
                many.len()
            ));
            return;
        }
    };
    let parts = match spf::parse_explain_string(text) {
        Ok(p) => p,
        Err(e) => {
            st.path.push(format!("{indent}  exp={name}: ignored ({e})"));
            return;
        }
    };
    let names = if parts
        .iter()
        .any(|p| matches!(p, MacroPart::Macro { letter, .. } if letter.eq_ignore_ascii_case(&'p')))
    {
        validated(dns, s.ip, st).await.to_vec()
    } else {
        Vec::new()
    };
    let cx = Context {
        domain,
        ptr: ptr_value(&names, domain),
        receiver: "unknown",
        now: st.now,
    };
    let text: String = expand_explanation(&parts, s, &cx)
        .chars()
        .take(MAX_EXPLANATION)
        .collect();
    st.path
        .push(format!("{indent}  exp={name}: explanation \"{text}\""));
    st.explanation = Some(text);
}

/// Whether `ip` is in the `prefix` network of an address of one of `name`'s MX hosts (§5.4);
/// `at` starts the path lines.
async fn mx_matches(
    dns: &Dns,
    name: &str,
    ip: IpAddr,
    prefix: u8,
    at: &str,
    st: &mut State,
) -> Result<bool, Res> {
    let mx = dns.lookup(name, RecordType::MX).await;
    if mx.status.is_failure() {
        return Err(Res::TempError);
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
            "{at}: {} MX names, more than {MAX_MX} → permerror",
            hosts.len()
        ));
        return Err(Res::PermError);
    }
    let mut hit = false;
    for h in hosts {
        match addresses(dns, &h, ip, st).await {
            Err(r) => return Err(r),
            Ok(list) => hit |= list.iter().any(|a| in_net(ip, *a, prefix)),
        }
    }
    Ok(hit)
}

/// Whether a validated name of `ip` lies within `name` (§5.5), said on the path at `at`.
async fn ptr_matches(dns: &Dns, name: &str, ip: IpAddr, at: &str, st: &mut State) -> bool {
    let names = validated(dns, ip, st).await.to_vec();
    let hit = names.iter().find(|n| within(n, name)).cloned();
    st.path.push(match &hit {
        Some(n) => format!("{at}: {n} is a validated name of {ip} within {name}"),
        None if names.is_empty() => {
            format!("{at}: {ip} has no validated name (PTR → A/AAAA back to it)")
        }
        None => format!(
            "{at}: no validated name of {ip} ({}) is within {name}",
            names.join(", ")
        ),
    });
    hit.is_some()
}

/// The one SPF record of `domain`, parsed and put on the path; the result to return when there
/// is none, several, or it does not parse.
async fn spf_record(
    dns: &Dns,
    domain: &str,
    indent: &str,
    st: &mut State,
) -> Result<spf::Record, Res> {
    let txt = dns.lookup(domain, RecordType::TXT).await;
    if txt.status.is_failure() {
        st.path
            .push(format!("{indent}{domain}: DNS failure → temperror"));
        return Err(Res::TempError);
    }
    let records: Vec<&String> = txt.records.iter().filter(|r| spf::is_spf(r)).collect();
    let record = match records.as_slice() {
        [] => {
            st.path
                .push(format!("{indent}{domain}: no SPF record → none"));
            return Err(Res::None);
        }
        [one] => (*one).clone(),
        _ => {
            st.path.push(format!(
                "{indent}{domain}: {} SPF records → permerror",
                records.len()
            ));
            return Err(Res::PermError);
        }
    };
    let rec = match spf::parse(&record) {
        Ok(r) => r,
        Err(e) => {
            st.path.push(format!("{indent}{domain}: {e} → permerror"));
            return Err(Res::PermError);
        }
    };
    st.path.push(format!("{indent}{domain}: {record}"));
    Ok(rec)
}

/// `exists:` (§5.7): whether `name` has an A record.
async fn exists(dns: &Dns, name: &str, st: &mut State) -> Result<bool, Res> {
    let l = dns.lookup(name, RecordType::A).await;
    if l.status.is_failure() {
        return Err(Res::TempError);
    }
    if empty(l.status) {
        st.voids += 1;
    }
    Ok(!l.records.is_empty())
}

/// `include:` (§5.2): whether `name`'s record passes; a missing or broken one is a permerror.
async fn include(
    dns: &Dns,
    name: &str,
    s: &Sender,
    depth: usize,
    st: &mut State,
) -> Result<bool, Res> {
    match check_host(dns, name.to_string(), s, depth + 1, true, st).await {
        Res::Pass => Ok(true),
        Res::Fail | Res::SoftFail | Res::Neutral => Ok(false),
        Res::TempError => Err(Res::TempError),
        Res::PermError | Res::None => {
            let indent = "  ".repeat(depth);
            st.path.push(format!(
                "{indent}  include:{name} has no usable SPF record → permerror"
            ));
            Err(Res::PermError)
        }
    }
}

/// Where in the evaluation a record is: its domain, its depth, and whether below an include.
struct Place<'d> {
    domain: &'d str,
    depth: usize,
    in_include: bool,
}

/// `redirect=` (§6.1) when no mechanism matched: the target's result, "none" being a permerror.
async fn redirect(dns: &Dns, spec: &DomainSpec, s: &Sender, at: &Place<'_>, st: &mut State) -> Res {
    let indent = "  ".repeat(at.depth);
    let target = target(dns, spec, s, at.domain, st).await;
    st.lookups += 1;
    if st.lookups > MAX_LOOKUPS {
        st.path.push(format!(
            "{indent}  redirect={target}: lookup {} exceeds the limit of {MAX_LOOKUPS} → permerror",
            st.lookups
        ));
        return Res::PermError;
    }
    st.path
        .push(format!("{indent}  no mechanism matched; redirect={target}"));
    match check_host(dns, target, s, at.depth + 1, at.in_include, st).await {
        Res::None => Res::PermError,
        r => r,
    }
}

/// Evaluates one record. `in_include` is set below an `include:`, whose `exp=` never explains
/// the outer result (§6.2).
fn check_host<'a>(
    dns: &'a Dns,
    domain: String,
    s: &'a Sender,
    depth: usize,
    in_include: bool,
    st: &'a mut State,
) -> Pin<Box<dyn Future<Output = Res> + Send + 'a>> {
    Box::pin(async move {
        let indent = "  ".repeat(depth);
        // §4.3: a name no DNS query can be built from is "none", not a DNS error.
        if let Some(why) = unusable_name(&domain) {
            st.path.push(format!(
                "{indent}{domain}: not a valid domain name ({why}) → none"
            ));
            return Res::None;
        }
        let rec = match spf_record(dns, &domain, &indent, st).await {
            Ok(rec) => rec,
            Err(r) => return r,
        };
        if let Some((term, letters)) = exp_only_letters(&rec) {
            let letters: String = letters.iter().collect();
            st.path.push(format!(
                "{indent}  {term}: uses the macro letter(s) `{letters}`, allowed only in explanation text (§7.2) → permerror"
            ));
            return Res::PermError;
        }
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
            let name = match m.kind.domain() {
                Some(spec) => target(dns, spec, s, &domain, st).await,
                None => domain.clone(),
            };
            // §4.3, §4.8: an expanded target that is no usable DNS name matches nothing.
            let unusable = match m.kind {
                MechKind::All | MechKind::Ip4 { .. } | MechKind::Ip6 { .. } => None,
                _ => unusable_name(&name),
            };
            if let Some(why) = &unusable {
                st.path.push(format!(
                    "{indent}  {}: {why}, not a DNS name → no match",
                    term.text
                ));
            }
            let matched = match &m.kind {
                _ if unusable.is_some() => false,
                MechKind::All => true,
                MechKind::Ip4 { network, prefix } => in_net(s.ip, IpAddr::V4(*network), *prefix),
                MechKind::Ip6 { network, prefix } => in_net(s.ip, IpAddr::V6(*network), *prefix),
                MechKind::A { cidr4, cidr6, .. } => {
                    let prefix = cidr_for(s.ip, *cidr4, *cidr6);
                    match addresses(dns, &name, s.ip, st).await {
                        Err(r) => return r,
                        Ok(list) => list.iter().any(|a| in_net(s.ip, *a, prefix)),
                    }
                }
                MechKind::Mx { cidr4, cidr6, .. } => {
                    let prefix = cidr_for(s.ip, *cidr4, *cidr6);
                    let at = format!("{indent}  {}", term.text);
                    match mx_matches(dns, &name, s.ip, prefix, &at, st).await {
                        Err(r) => return r,
                        Ok(hit) => hit,
                    }
                }
                MechKind::Exists { .. } => match exists(dns, &name, st).await {
                    Err(r) => return r,
                    Ok(hit) => hit,
                },
                MechKind::Ptr { .. } => {
                    let at = format!("{indent}  {}", term.text);
                    ptr_matches(dns, &name, s.ip, &at, st).await
                }
                MechKind::Include { .. } => match include(dns, &name, s, depth, st).await {
                    Err(r) => return r,
                    Ok(hit) => hit,
                },
            };
            if st.voids > MAX_VOIDS {
                st.path.push(format!(
                    "{indent}  more than {MAX_VOIDS} void lookups → permerror"
                ));
                return Res::PermError;
            }
            if matched {
                let r = Res::of(m.qualifier);
                let asked = match m.kind.domain() {
                    Some(spec) if spec.has_macros => format!(" ({name})"),
                    _ => String::new(),
                };
                st.path.push(format!(
                    "{indent}  {}{asked} matches → {}",
                    term.text,
                    r.word()
                ));
                if let (Res::Fail, false, Some(spec)) = (r, in_include, rec.exp()) {
                    explanation(dns, spec, s, &domain, &indent, st).await;
                }
                return r;
            }
        }
        if let Some(spec) = rec.redirect() {
            let at = Place {
                domain: &domain,
                depth,
                in_include,
            };
            return redirect(dns, spec, s, &at, st).await;
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

    fn answer(name: &str, status: LookupStatus, records: &[&str]) -> Lookup {
        Lookup {
            name: name.into(),
            rtype: "A".into(),
            status,
            records: records.iter().map(|r| r.to_string()).collect(),
            duration_ms: 0,
            error: None,
        }
    }

    /// §5.5: a name is validated when its addresses hold the sender; a failed forward lookup
    /// skips the name.
    #[test]
    fn only_forward_confirmed_names_are_validated() {
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        let names: Vec<String> = ["Mail.Example.com.", "other.example", "down.example"]
            .map(String::from)
            .to_vec();
        let forward = [
            answer(
                "mail.example.com",
                LookupStatus::Ok,
                &["192.0.2.9", "192.0.2.7"],
            ),
            answer("other.example", LookupStatus::Ok, &["192.0.2.8"]),
            answer("down.example", LookupStatus::Timeout, &[]),
        ];
        assert_eq!(confirmed(&names, &forward, ip), ["mail.example.com"]);
        assert!(confirmed(&names, &[], ip).is_empty());
    }

    /// §7.3: `%{p}` prefers the domain itself, then a subdomain of it, then any validated name.
    #[test]
    fn p_prefers_names_within_the_domain() {
        let names: Vec<String> = ["mail.other.example", "mx.example.com", "example.com"]
            .map(String::from)
            .to_vec();
        assert_eq!(ptr_value(&names, "example.com"), Some("example.com"));
        assert_eq!(
            ptr_value(&names[..2], "Example.COM"),
            Some("mx.example.com")
        );
        assert_eq!(
            ptr_value(&names[..1], "example.com"),
            Some("mail.other.example")
        );
        assert_eq!(ptr_value(&[], "example.com"), None);
        assert!(within("MX.example.com", "example.com."));
        assert!(!within("notexample.com", "example.com"));
    }

    #[test]
    fn explanation_only_letters_are_found_in_any_domain_spec() {
        let found = |r: &str| exp_only_letters(&spf::parse(r).unwrap());
        assert_eq!(
            found("v=spf1 a:%{c}.example.com -all"),
            Some(("a:%{c}.example.com".to_string(), vec!['c']))
        );
        assert_eq!(
            found("v=spf1 -all exp=%{r}.example.com").map(|f| f.1),
            Some(vec!['r'])
        );
        assert_eq!(
            found("v=spf1 redirect=%{d}.%{T}.example.com").map(|f| f.1),
            Some(vec!['T'])
        );
        assert_eq!(found("v=spf1 exists:%{i}.%{d} -all exp=why.%{d}"), None);
    }
}
