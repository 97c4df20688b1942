//! Mechanism arguments (RFC 7208 §5): the domain-spec after `:`, dual CIDR lengths for `a` and
//! `mx`, and the networks of `ip4` and `ip6`.

use std::net::IpAddr;
use std::str::FromStr;

use super::macro_string::{domain_spec, DomainSpec};

/// `":" domain-spec` for `include`, `exists` and `ptr`.
pub(super) fn required_domain(rest: &str, mech: &str) -> Result<DomainSpec, String> {
    let Some(spec) = rest.strip_prefix(':') else {
        return Err(format!("`{mech}` requires `:` and a domain-spec"));
    };
    match split_cidr(spec) {
        (head, Some(cidr)) if !head.is_empty() => {
            Err(format!("`{mech}` takes no CIDR length (found `{cidr}`)"))
        }
        _ => domain_spec(spec, &format!("{mech}:")),
    }
}

type DomainAndCidr = (Option<DomainSpec>, Option<u8>, Option<u8>);

/// `[ ":" domain-spec ] [ dual-cidr-length ]` for `a` and `mx`.
pub(super) fn domain_and_cidr(rest: &str, mech: &str) -> Result<DomainAndCidr, String> {
    let (head, cidr) = split_cidr(rest);
    let (cidr4, cidr6) = cidr.map_or(Ok((None, None)), dual_cidr)?;
    let domain = match head.strip_prefix(':') {
        Some(spec) => Some(domain_spec(spec, &format!("{mech}:"))?),
        None if head.is_empty() => None,
        None => return Err(format!("malformed CIDR length `{head}`")),
    };
    Ok((domain, cidr4, cidr6))
}

/// Split a trailing run of `/` and digits (starting at a `/`) off `s`: the CIDR candidate.
fn split_cidr(s: &str) -> (&str, Option<&str>) {
    let run = s
        .bytes()
        .rev()
        .take_while(|b| *b == b'/' || b.is_ascii_digit())
        .count();
    let start = s.len() - run;
    let slash = s.get(start..).and_then(|t| t.find('/')).map(|i| start + i);
    match slash.and_then(|at| s.split_at_checked(at)) {
        Some((name, cidr)) => (name, Some(cidr)),
        None => (s, None),
    }
}

/// `[ "/" ip4-len ] [ "//" ip6-len ]`, given text that starts with `/`.
fn dual_cidr(c: &str) -> Result<(Option<u8>, Option<u8>), String> {
    let after_slash = c.get(1..).unwrap_or_default();
    let (v4, v6) = match (c.strip_prefix("//"), after_slash.split_once("//")) {
        (Some(v6), _) => (None, Some(v6)),
        (None, Some((v4, v6))) => (Some(v4), Some(v6)),
        (None, None) => (Some(after_slash), None),
    };
    if v4.into_iter().chain(v6).any(|s| s.contains('/')) {
        return Err(format!(
            "malformed CIDR length `{c}`: write `/N` (IPv4), `//N` (IPv6) or `/N//M`"
        ));
    }
    Ok((
        v4.map(|d| prefix_len(d, 32, "IPv4")).transpose()?,
        v6.map(|d| prefix_len(d, 128, "IPv6")).transpose()?,
    ))
}

fn prefix_len(d: &str, max: u8, family: &str) -> Result<u8, String> {
    match d.parse::<u8>() {
        _ if d.is_empty() => Err(format!("missing {family} prefix length after `/`")),
        _ if !d.bytes().all(|b| b.is_ascii_digit()) => {
            Err(format!("invalid {family} prefix length `{d}`"))
        }
        _ if d.len() > 1 && d.starts_with('0') => {
            Err(format!("{family} prefix length `{d}` has a leading zero"))
        }
        Ok(n) if n <= max => Ok(n),
        _ => Err(format!(
            "{family} prefix length /{d} is out of range (0-{max})"
        )),
    }
}

/// `":" network [ "/" len ]` for `ip4` and `ip6`.
pub(super) fn ip_network<T: FromStr>(
    rest: &str,
    mech: &str,
    family: &str,
    max: u8,
) -> Result<(T, u8), String> {
    let Some(arg) = rest.strip_prefix(':') else {
        return Err(format!("`{mech}` requires `:` and an {family} network"));
    };
    let (addr, len) = arg
        .split_once('/')
        .map_or((arg, None), |(a, l)| (a, Some(l)));
    if addr.is_empty() {
        return Err(format!("missing {family} address after `{mech}:`"));
    }
    let network = addr.parse::<T>().map_err(|_| {
        let hint = match (addr.parse::<IpAddr>(), mech) {
            (Ok(IpAddr::V4(_)), "ip6") => " (an IPv4 address goes in `ip4:`)",
            (Ok(IpAddr::V6(_)), "ip4") => " (an IPv6 address goes in `ip6:`)",
            _ => "",
        };
        format!("invalid {family} address `{addr}`{hint}")
    })?;
    let prefix = match len {
        None => max,
        Some(l) if l.starts_with('/') => {
            return Err(format!(
                "`{mech}` takes a single `/` (`//` is for `a` and `mx`)"
            ))
        }
        Some(l) => prefix_len(l, max, family)?,
    };
    Ok((network, prefix))
}
