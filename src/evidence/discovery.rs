//! What `mxray check ADDRESS` found out about an address's mail settings: what each source
//! said (or why it said nothing), the distinct server settings they add up to, and each one
//! probed live (without logging in).

use super::domain::StsFetch;
use super::{Lookup, Protocol, ServerEvidence};
use serde::{Deserialize, Serialize};

/// The bounded GET of an autoconfig file (the MTA-STS fetch's record, reused).
pub type HttpFetch = StsFetch;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DiscoveryEvidence {
    /// The address the settings were discovered for.
    pub address: String,
    pub domain: String,
    /// mxray's provider knowledge base, by the address's domain.
    pub provider_db: ProviderSource,
    /// RFC 6186 SRV records, one lookup per service.
    pub srv: Vec<SrvLookup>,
    /// Mozilla autoconfig, in Thunderbird's order.
    pub autoconfig: Vec<AutoconfigFetch>,
    /// The domain's MX hosts, matched to a known provider.
    pub mx: MxSource,
    /// The distinct settings the sources add up to, in order of preference.
    pub candidates: Vec<Candidate>,
    /// A password was supplied; discovery never logs in with it.
    #[serde(default)]
    pub password_unused: bool,
}

pub use super::Security;

/// Where a candidate setting came from.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    ProviderDb,
    Srv,
    Autoconfig,
    /// An autoconfig file served over plain HTTP (unauthenticated).
    AutoconfigHttp,
    MxProvider,
}

impl SourceKind {
    pub fn words(self) -> &'static str {
        match self {
            SourceKind::ProviderDb => "provider database",
            SourceKind::Srv => "SRV",
            SourceKind::Autoconfig => "autoconfig",
            SourceKind::AutoconfigHttp => "autoconfig (plain HTTP)",
            SourceKind::MxProvider => "MX provider",
        }
    }
}

/// One server setting as a source states it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ServerSetting {
    pub protocol: Protocol,
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// The login name as a template: `%EMAILADDRESS%`, `%EMAILLOCALPART%`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Authentication methods in the source's words (`password-cleartext`, `OAuth2`, …).
    #[serde(default)]
    pub auth: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ProviderSource {
    /// The knowledge base's entry, when the domain is a known provider's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<ProviderMatch>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ProviderMatch {
    pub id: String,
    pub name: String,
    /// Where the facts come from (ISPDB file, provider page).
    pub source: String,
    pub servers: Vec<ServerSetting>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SrvLookup {
    /// `_submissions._tcp` …
    pub service: String,
    pub lookup: Lookup,
    /// The answers parsed, in the order a client tries them (priority, then weight).
    #[serde(default)]
    pub records: Vec<SrvRecord>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SrvRecord {
    pub priority: u16,
    pub weight: u16,
    pub port: u16,
    /// `.`: the service is decidedly not offered (RFC 2782).
    pub target: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AutoconfigFetch {
    pub fetch: HttpFetch,
    /// The clientConfig file as read, when the fetch brought one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<ClientConfig>,
    /// Why the body is not a usable clientConfig.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parse_error: Option<String>,
}

/// A Mozilla autoconfig `clientConfig` (config-v1.1.xml), as far as mail clients use it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ClientConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default)]
    pub domains: Vec<String>,
    /// IMAP, POP3 and SMTP servers in the file's order (hostnames with `%EMAILDOMAIN%`
    /// expanded).
    pub servers: Vec<ServerSetting>,
    /// Entries left out, and why (unknown type, bad port, …).
    #[serde(default)]
    pub skipped: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MxSource {
    pub lookup: Lookup,
    /// The provider recognised from the MX hosts, with its settings from the knowledge base.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<ProviderMatch>,
}

/// One distinct setting (protocol, host, port, security), who named it, and how it probed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Candidate {
    pub setting: ServerSetting,
    pub sources: Vec<SourceKind>,
    /// The live probe, without credentials; absent when not probed (see `not_probed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe: Option<ServerEvidence>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_probed: Option<String>,
}
