//! What `mxray domain` observed: the domain's MX hosts (each a full server probe), and the raw
//! policy records (SPF tree, DMARC, DKIM keys, MTA-STS, TLS-RPT). Records are kept as text;
//! diagnosis parses them.

use super::{Lookup, ServerEvidence};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DomainEvidence {
    pub domain: String,
    pub options: DomainSettings,
    pub mx: MxEvidence,
    /// One server probe per MX host (or the domain itself when it has no MX), port 25 by default.
    pub servers: Vec<ServerEvidence>,
    pub spf: SpfEvidence,
    pub dmarc: DmarcEvidence,
    pub dkim: DkimEvidence,
    pub mta_sts: Lookup,
    /// The policy file, fetched when the record exists and probing is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mta_sts_policy: Option<StsFetch>,
    pub tls_rpt: Lookup,
    /// TLSA records of each MX host's port 25 (RFC 7672).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dane: Vec<DaneCheck>,
    /// Blocklist lookups of the mail servers' addresses (with `--dnsbl`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dnsbl: Vec<DnsblCheck>,
    /// Who runs the domain's mail, as recognised from MX and SPF.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DomainSettings {
    pub probe: bool,
    pub resolvers: Vec<String>,
    pub timeout_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MxEvidence {
    pub lookup: Lookup,
    /// In preference order.
    pub hosts: Vec<MxHost>,
    /// `0 .` (RFC 7505).
    pub null_mx: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MxHost {
    pub preference: u16,
    pub exchange: String,
    /// The exchange is an alias (RFC 5321 §5.1 forbids it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cname: Option<String>,
    /// The exchange is written as an IP address, which is not a host name.
    pub ip_literal: bool,
}

/// One SPF record and, recursively, the records its `include:` and `redirect=` name.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SpfNode {
    pub domain: String,
    /// root, include, redirect
    pub via: String,
    pub lookup: Lookup,
    /// The TXT strings that start with `v=spf1`.
    pub records: Vec<String>,
    /// DNS lookups made for this record's `a`, `mx`, `ptr` and `exists` terms.
    #[serde(default)]
    pub term_lookups: Vec<TermLookup>,
    #[serde(default)]
    pub children: Vec<SpfNode>,
    /// Why the walk stopped here (depth, loop, macro).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TermLookup {
    pub term: String,
    pub lookups: Vec<Lookup>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SpfEvidence {
    pub tree: SpfNode,
    /// `--sending-ip` evaluations (RFC 7208 check_host), one per address.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evaluations: Vec<SpfEvaluation>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SpfEvaluation {
    pub ip: std::net::IpAddr,
    pub mail_from: String,
    pub helo: String,
    /// pass, fail, softfail, neutral, none, permerror, temperror
    pub result: String,
    pub lookups: usize,
    pub void_lookups: usize,
    /// The records and terms that decided the result, indented by include depth.
    pub path: Vec<String>,
    /// For a fail: the domain's `exp=` explanation, macros expanded (RFC 7208 §6.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DmarcEvidence {
    /// `_dmarc.DOMAIN`, then the parents of the RFC 9989 tree walk until a record is found.
    pub lookups: Vec<Lookup>,
    /// `DOMAIN._report._dmarc.RUA-DOMAIN` for report addresses in other domains.
    #[serde(default)]
    pub report_auth: Vec<Lookup>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DkimEvidence {
    /// The user named the selectors (`--dkim-selector`); otherwise they were guessed.
    pub given: bool,
    pub selectors: Vec<DkimSelector>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DkimSelector {
    pub selector: String,
    /// Why this selector was tried: given, provider NAME, common.
    pub source: String,
    pub lookup: Lookup,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DaneCheck {
    pub mx: String,
    /// `_25._tcp.MX` TLSA, records as `usage selector matching-type hex`.
    pub tlsa: Lookup,
    /// The resolver set the AD bit: it validated the answer with DNSSEC.
    pub authentic_data: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DnsblCheck {
    pub ip: std::net::IpAddr,
    pub zone: String,
    /// The listing itself: any A record (127.0.0.x return code) means listed.
    pub a: Lookup,
    /// The list's reason, asked only when listed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub txt: Option<Lookup>,
}

/// `GET https://mta-sts.DOMAIN/.well-known/mta-sts.txt`, as it went.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StsFetch {
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<std::net::IpAddr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<super::TlsSession>,
    /// Why the policy could not be used, when it could not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub duration_ms: u64,
}

impl StsFetch {
    /// A GET of `url` with nothing recorded yet.
    pub fn new(url: impl Into<String>) -> StsFetch {
        StsFetch {
            url: url.into(),
            address: None,
            status: None,
            content_type: None,
            body: None,
            tls: None,
            error: None,
            duration_ms: 0,
        }
    }
}
