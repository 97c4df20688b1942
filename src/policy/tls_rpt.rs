//! SMTP TLS Reporting records (RFC 8460 §3): the `_smtp._tls` TXT record that says where sending
//! MTAs deliver their daily TLS reports.
//!
//! Choices where the RFC leaves room: `v=TLSRPTv1` must come first, tag names and the version are
//! case-sensitive (`%s` in the ABNF); whitespace around `=` and `;` is accepted (the ABNF allows it
//! only around `;`); empty segments are skipped; duplicate tags are an error; unknown tags are kept
//! in `extensions`. Each `rua` URI must be `mailto:` (with an address) or `https:` (with a host):
//! the only schemes RFC 8460 defines, so anything else is an error naming the URI.

use super::tags::{err, versioned_tags};
pub use super::tags::{SyntaxError, UnknownTag};
use super::text::{excerpt, first_tag_is, is_domain, is_ws, percent_decode};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scheme {
    Mailto,
    Https,
}

/// One `rua` destination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportUri {
    /// The URI as written.
    pub uri: String,
    pub scheme: Scheme,
    /// `mailto:` only: the address (percent-decoded, query part dropped).
    pub address: Option<String>,
    /// The lower-cased domain of the `mailto:` address, or the `https:` host.
    pub host: String,
}

/// A parsed TLS-RPT record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsRpt {
    /// At least one.
    pub rua: Vec<ReportUri>,
    pub extensions: Vec<UnknownTag>,
}

/// Whether `txt` starts with `v=TLSRPTv1` (the test for picking the record out of a TXT set).
pub fn is_tls_rpt(txt: &str) -> bool {
    first_tag_is(txt, "TLSRPTv1")
}

/// Parses the `_smtp._tls.{domain}` TXT record.
pub fn parse(txt: &str) -> Result<TlsRpt, SyntaxError> {
    let mut rua = Vec::new();
    let mut have_rua = false;
    let tags = versioned_tags(txt, "TLSRPTv1", |name, value| {
        if name != "rua" {
            return Ok(false);
        }
        for item in value.split(',') {
            let item = item.trim_matches(is_ws);
            if item.is_empty() {
                return Err(err("rua", "empty URI in comma-separated list"));
            }
            rua.push(report_uri(item)?);
        }
        have_rua = true;
        Ok(true)
    })?;
    if !have_rua {
        let hint = if tags.seen.iter().any(|n| n.eq_ignore_ascii_case("rua")) {
            " (tag names are case-sensitive)"
        } else {
            ""
        };
        return Err(err("rua", format!("required tag rua is missing{hint}")));
    }
    Ok(TlsRpt {
        rua,
        extensions: tags.extensions,
    })
}

fn report_uri(item: &str) -> Result<ReportUri, SyntaxError> {
    let Some((scheme, rest)) = item.split_once(':') else {
        let hint = if item.contains('@') {
            " (did you mean mailto:...?)"
        } else {
            ""
        };
        return Err(err(
            "rua",
            format!("'{}' is not a URI: no scheme{hint}", excerpt(item)),
        ));
    };
    let uri = item.to_string();
    if scheme.eq_ignore_ascii_case("mailto") {
        let address = percent_decode(rest.split('?').next().unwrap_or(""));
        let valid = match address.rsplit_once('@') {
            Some((local, domain)) => !local.is_empty() && is_domain(domain),
            None => false,
        };
        if !valid {
            return Err(err(
                "rua",
                format!("'{}' does not hold a valid mail address", excerpt(item)),
            ));
        }
        let host = address.rsplit_once('@').map(|(_, d)| d).unwrap_or_default();
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        Ok(ReportUri {
            uri,
            scheme: Scheme::Mailto,
            address: Some(address),
            host,
        })
    } else if scheme.eq_ignore_ascii_case("https") {
        let Some(authority) = rest.strip_prefix("//") else {
            return Err(err("rua", format!("'{}' has no //host", excerpt(item))));
        };
        let authority = authority.split(['/', '?', '#']).next().unwrap_or("");
        let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let (host, port) = match (
            hostport.starts_with('['),
            hostport.find(']'),
            hostport.find(':'),
        ) {
            (true, Some(end), _) => hostport.split_at(end + 1),
            (false, _, Some(colon)) => hostport.split_at(colon),
            _ => (hostport, ""),
        };
        if !port.is_empty()
            && !port
                .strip_prefix(':')
                .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(err("rua", format!("'{}' has a bad port", excerpt(item))));
        }
        let ip_literal = host.starts_with('[') && host.ends_with(']') && host.len() > 2;
        if !ip_literal && !is_domain(host) {
            return Err(err("rua", format!("'{}' has no valid host", excerpt(item))));
        }
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        Ok(ReportUri {
            uri,
            scheme: Scheme::Https,
            address: None,
            host,
        })
    } else {
        let message = format!(
            "'{}': unsupported scheme (TLS-RPT defines mailto: and https:)",
            excerpt(item)
        );
        Err(err("rua", message))
    }
}

#[cfg(test)]
#[path = "tls_rpt_tests.rs"]
mod tests;
