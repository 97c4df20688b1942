//! The mail-provider knowledge base: which servers, ports, security, username forms and login
//! rules a provider accepts from mail clients, for judging a user's SMTP/IMAP/POP3 settings.
//!
//! Two layers, every fact carrying its source and a date:
//! - Thunderbird's ISP database (ISPDB, MPL-2.0), generated into `ispdb_data.rs` by
//!   `tools/ispdb-gen/generate.py`; its facts carry the snapshot date [`ISPDB_SNAPSHOT`].
//! - A curated overlay from `shared/reference/providers.md` (what ISPDB lacks: Gmail's port 587,
//!   app-password and OAuth rules, ports a provider refuses). That reference gives no
//!   verification dates, so those facts carry [`UNDATED`] rather than an invented one.
//!
//! Authentication methods are named as ISPDB names them: `password-cleartext` (the password,
//! or an app password, sent inside TLS), `password-encrypted` (CRAM-MD5 and the like),
//! `OAuth2`, `none`.

use std::sync::OnceLock;

use super::hosts;
use super::ispdb_data;
use crate::evidence::Protocol;

/// The date of the ISPDB snapshot the generated table comes from.
pub const ISPDB_SNAPSHOT: &str = ispdb_data::SNAPSHOT;
/// How [`ISPDB_SNAPSHOT`] was determined (commit date, or the files' modification date).
pub const ISPDB_SNAPSHOT_BASIS: &str = ispdb_data::SNAPSHOT_BASIS;
/// The `verified` value of a curated fact whose reference gives no verification date.
pub const UNDATED: &str = "undated";

/// ISPDB `socketType`: `SSL` is implicit TLS, `STARTTLS`, `plain`.
pub use crate::evidence::Security;

/// What the client must send as its login name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsernameForm {
    /// The full address (`%EMAILADDRESS%`).
    Address,
    /// The part before the @ (`%EMAILLOCALPART%`).
    LocalPart,
    /// Another ISPDB template, verbatim (e.g. `%EMAILLOCALPART%.%EMAILDOMAIN%`).
    Other(&'static str),
    /// The source does not say.
    Unstated,
}

/// One server a provider accepts clients on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerFact {
    pub host: &'static str,
    pub port: u16,
    pub security: Security,
    pub username: UsernameForm,
    /// ISPDB's method names, in order of preference.
    pub auth: &'static [&'static str],
    /// Where the fact comes from (`ISPDB googlemail.com.xml`, a provider's page, …).
    pub source: &'static str,
    /// When it was last verified: the ISPDB snapshot date, or [`UNDATED`].
    pub verified: &'static str,
}

/// The kinds of login and sending rules a provider imposes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleKind {
    /// Only an app-specific password works, never the account password.
    AppPasswordRequired,
    /// The account password is refused: use an app password or OAuth2.
    AppPasswordOrOAuth,
    /// With two-factor authentication on, clients need an app password.
    AppPasswordWith2fa,
    /// Only OAuth2 logins are accepted.
    OAuthOnly,
    /// The OAuth2 scope a client must request.
    OAuthScope,
    /// SMTP AUTH is switched off unless an administrator enables it.
    SmtpAuthOffByDefault,
    /// Password (basic) authentication is being retired.
    BasicAuthRetiring,
    /// A one-time step in the account's web settings is needed before clients can log in
    /// (switch IMAP/POP on, create a mail password…).
    EnableInSettings,
    /// The envelope sender / From must be the logged-in account (or an alias of it).
    SenderMustMatchLogin,
    /// The server accepts clients only from the provider's own network (ISPDB
    /// `restriction: client-IP-address`).
    ClientNetworkOnly,
    /// A sending quota.
    SendingLimit,
    /// Anything else worth telling the user.
    Note,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub kind: RuleKind,
    pub text: &'static str,
    /// The server the rule is about; `None` = the whole account.
    pub host: Option<&'static str>,
    /// Where to act on it or read more.
    pub url: Option<&'static str>,
    pub source: &'static str,
    pub verified: &'static str,
}

/// A host and port the provider refuses for clients (so a setting using it is wrong).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotAccepted {
    pub host: &'static str,
    pub port: u16,
    pub reason: &'static str,
    pub source: &'static str,
    pub verified: &'static str,
}

/// Everything known about one provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderFacts {
    /// The ISPDB file name without `.xml` (`googlemail.com`, `me.com`, …): stable and unique.
    pub id: &'static str,
    pub name: &'static str,
    /// Email domains the provider serves.
    pub domains: Vec<&'static str>,
    pub smtp: Vec<ServerFact>,
    pub imap: Vec<ServerFact>,
    pub pop3: Vec<ServerFact>,
    pub rules: Vec<Rule>,
    pub not_accepted: Vec<NotAccepted>,
}

impl ProviderFacts {
    pub fn servers(&self, protocol: Protocol) -> &[ServerFact] {
        match protocol {
            Protocol::Smtp => &self.smtp,
            Protocol::Imap => &self.imap,
            Protocol::Pop3 => &self.pop3,
        }
    }

    fn all_servers(&self) -> impl Iterator<Item = &ServerFact> {
        self.smtp.iter().chain(&self.imap).chain(&self.pop3)
    }

    pub fn rules_of(&self, kind: RuleKind) -> impl Iterator<Item = &Rule> {
        self.rules.iter().filter(move |r| r.kind == kind)
    }
}

/// The provider serving `domain` (`gmail.com`; a full address is accepted too).
pub fn by_email_domain(domain: &str) -> Option<ProviderFacts> {
    let domain = normalize(domain.rsplit('@').next().unwrap_or(domain));
    ispdb()
        .find(|p| p.domains.contains(&domain.as_str()))
        .map(|p| facts(p, Some(&domain)))
}

/// The provider running server `host` (`smtp.gmail.com`). A host several ISPDB entries use
/// (`outlook.office365.com`, `imap.gmail.com` for umich.edu) goes to the provider one of whose
/// own domains it lies under.
pub fn by_host(host: &str) -> Option<ProviderFacts> {
    let host = normalize(host);
    let mut best: Option<(usize, &'static IspdbProvider, Option<&'static str>)> = None;
    for p in ispdb() {
        let Some(only_for) = p
            .servers
            .iter()
            .find(|s| s.host == host)
            .map(|s| s.only_for)
            .or_else(|| {
                OVERLAY_SERVERS
                    .iter()
                    .any(|(id, _, s)| *id == p.id && s.host == host)
                    .then_some(None)
            })
        else {
            continue;
        };
        let owned = p
            .domains
            .iter()
            .chain(std::iter::once(&p.id))
            .filter(|d| host == **d || host.ends_with(&format!(".{d}")))
            .map(|d| d.len())
            .max()
            .unwrap_or(0);
        if best.is_none_or(|(score, _, _)| owned > score) {
            best = Some((owned, p, only_for));
        }
    }
    best.map(|(_, p, only_for)| facts(p, only_for))
}

/// Known server hosts within edit distance 2 of `host`, closest first — empty when `host` is
/// itself a known server. Covers every ISPDB and overlay host plus `hosts::KNOWN_HOSTS`.
pub fn near_miss_hosts(host: &str) -> Vec<&'static str> {
    let host = normalize(host);
    let known = known_hosts();
    if known.binary_search(&host.as_str()).is_ok() {
        return Vec::new();
    }
    let len = host.chars().count();
    let mut hits: Vec<(usize, &'static str)> = known
        .iter()
        .filter(|k| k.chars().count().abs_diff(len) <= 2)
        .map(|k| (hosts::distance(&host, k), *k))
        .filter(|(d, _)| *d <= 2)
        .collect();
    hits.sort();
    hits.into_iter().map(|(_, k)| k).collect()
}

/// Whether `provider` accepts clients on `host`:`port` with `security`: `Some(true)` when ISPDB
/// or the overlay lists it, `Some(false)` when the overlay says the port is refused, `None` when
/// nothing is known (which is not a "no").
pub fn accepts(
    provider: &ProviderFacts,
    host: &str,
    port: u16,
    security: Security,
) -> Option<bool> {
    let host = normalize(host);
    if provider
        .not_accepted
        .iter()
        .any(|n| n.host == host && n.port == port)
    {
        return Some(false);
    }
    provider
        .all_servers()
        .any(|s| s.host == host && s.port == port && s.security == security)
        .then_some(true)
}

/// Every ISPDB provider, sorted by id.
fn ispdb() -> impl Iterator<Item = &'static IspdbProvider> {
    ispdb_data::PARTS.iter().flat_map(|part| part.iter())
}

fn normalize(s: &str) -> String {
    s.trim().trim_end_matches('.').to_ascii_lowercase()
}

fn known_hosts() -> &'static [&'static str] {
    static KNOWN: OnceLock<Vec<&'static str>> = OnceLock::new();
    KNOWN.get_or_init(|| {
        let mut all: Vec<&'static str> = ispdb()
            .flat_map(|p| p.servers.iter().map(|s| s.host))
            .chain(OVERLAY_SERVERS.iter().map(|(_, _, s)| s.host))
            .chain(NOT_ACCEPTED.iter().map(|(_, n)| n.host))
            .chain(hosts::KNOWN_HOSTS.iter().copied())
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    })
}

/// `domain`: keep only the servers valid for that email domain (ISPDB hosts written as
/// `%EMAILDOMAIN%` were expanded per domain); `None` keeps all.
fn facts(p: &'static IspdbProvider, domain: Option<&str>) -> ProviderFacts {
    let mut f = ProviderFacts {
        id: p.id,
        name: p.name,
        domains: p.domains.to_vec(),
        smtp: Vec::new(),
        imap: Vec::new(),
        pop3: Vec::new(),
        rules: Vec::new(),
        not_accepted: Vec::new(),
    };
    let servers = p
        .servers
        .iter()
        .filter(|s| s.only_for.is_none() || domain.is_none() || s.only_for == domain);
    for s in servers {
        let fact = ServerFact {
            host: s.host,
            port: s.port,
            security: s.security,
            username: s.username,
            auth: s.auth,
            source: p.source,
            verified: ISPDB_SNAPSHOT,
        };
        push_server(&mut f, s.protocol, fact);
        if s.client_network_only && !f.rules.iter().any(|r| r.host == Some(s.host)) {
            f.rules.push(Rule {
                kind: RuleKind::ClientNetworkOnly,
                text: "ISPDB marks this server `restriction: client-IP-address`: it takes clients \
                       only from the provider's own network.",
                host: Some(s.host),
                url: None,
                source: p.source,
                verified: ISPDB_SNAPSHOT,
            });
        }
    }
    if let Some(e) = &p.enable {
        f.rules.push(Rule {
            kind: RuleKind::EnableInSettings,
            text: e.text,
            host: None,
            url: (!e.url.is_empty()).then_some(e.url),
            source: p.source,
            verified: ISPDB_SNAPSHOT,
        });
    }
    for (_, protocol, s) in OVERLAY_SERVERS.iter().filter(|(id, _, _)| *id == p.id) {
        push_server(&mut f, *protocol, s.clone());
    }
    f.rules.extend(
        OVERLAY_RULES
            .iter()
            .filter(|(ids, _)| ids.contains(&p.id))
            .map(|(_, r)| r.clone()),
    );
    f.not_accepted.extend(
        NOT_ACCEPTED
            .iter()
            .filter(|(id, _)| *id == p.id)
            .map(|(_, n)| n.clone()),
    );
    f
}

/// Adds a server unless the same host, port and security is already listed.
fn push_server(f: &mut ProviderFacts, protocol: Protocol, fact: ServerFact) {
    let list = match protocol {
        Protocol::Smtp => &mut f.smtp,
        Protocol::Imap => &mut f.imap,
        Protocol::Pop3 => &mut f.pop3,
    };
    if !list
        .iter()
        .any(|s| s.host == fact.host && s.port == fact.port && s.security == fact.security)
    {
        list.push(fact);
    }
}

// ---- The generated ISPDB table's row types (see tools/ispdb-gen/generate.py) ----

pub(super) struct IspdbProvider {
    pub(super) id: &'static str,
    pub(super) name: &'static str,
    /// `ISPDB <file>.xml`.
    pub(super) source: &'static str,
    pub(super) domains: &'static [&'static str],
    pub(super) enable: Option<IspdbEnable>,
    pub(super) servers: &'static [IspdbServer],
}

/// ISPDB's `<enable>`: a step the user must take in the provider's settings.
pub(super) struct IspdbEnable {
    pub(super) url: &'static str,
    pub(super) text: &'static str,
}

pub(super) struct IspdbServer {
    pub(super) protocol: Protocol,
    pub(super) host: &'static str,
    pub(super) port: u16,
    pub(super) security: Security,
    pub(super) username: UsernameForm,
    pub(super) auth: &'static [&'static str],
    /// Valid for this email domain only (expanded from a `%EMAILDOMAIN%` host).
    pub(super) only_for: Option<&'static str>,
    pub(super) client_network_only: bool,
}

impl IspdbServer {
    pub(super) const fn new(
        protocol: Protocol,
        host: &'static str,
        port: u16,
        security: Security,
        username: UsernameForm,
        auth: &'static [&'static str],
    ) -> Self {
        IspdbServer {
            protocol,
            host,
            port,
            security,
            username,
            auth,
            only_for: None,
            client_network_only: false,
        }
    }

    pub(super) const fn only_for(mut self, domain: &'static str) -> Self {
        self.only_for = Some(domain);
        self
    }

    pub(super) const fn client_network_only(mut self) -> Self {
        self.client_network_only = true;
        self
    }
}

mod overlay;
pub(crate) use overlay::ZOHO_IDS;
use overlay::{NOT_ACCEPTED, OVERLAY_RULES, OVERLAY_SERVERS};

#[cfg(test)]
mod tests;
