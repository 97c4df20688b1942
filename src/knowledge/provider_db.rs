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

/// How a connection is secured (ISPDB `socketType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Security {
    /// TLS from the first byte (ISPDB `SSL`; ports 465, 993, 995).
    Implicit,
    /// Plaintext greeting, then STARTTLS / STLS.
    Starttls,
    /// No TLS at all.
    Plain,
}

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

// ---- The curated overlay, from shared/reference/providers.md ----
//
// Keyed by ISPDB provider id. A source naming "providers.md, … row" means the reference states
// the fact without saying which of the row's sources backs it; the row's sources follow.

const GOOGLE_SMTP_PAGE: &str = "developers.google.com/gmail/imap/imap-smtp";
const GOOGLE_ROW: &str = "providers.md, Gmail / Google Workspace row (ISPDB googlemail.com.xml; \
     developers.google.com/gmail/imap/imap-smtp; developers.google.com/gmail/imap/xoauth2-protocol; \
     support.google.com/a/answer/14114704)";
const M365_ROW: &str = "providers.md, Microsoft 365 row (ISPDB office365.com.xml; Exchange team \
     blog, techcommunity ba-p/4114750)";
const EXCHANGE_BLOG: &str = "Exchange team blog (techcommunity, ba-p/4114750)";
const YAHOO_ROW: &str = "providers.md, Yahoo / AOL row (ISPDB yahoo.com.xml)";
const ICLOUD_ROW: &str = "providers.md, iCloud row (ISPDB me.com.xml)";
const ZOHO_ROW: &str = "providers.md, Zoho row (ISPDB zoho.com.xml, zoho.eu.xml)";
const YANDEX_ROW: &str = "providers.md, Yandex row (ISPDB yandex.ru.xml; \
     yandex.com/support/passport/authorization/app-passwords.html)";
const ZOHO: &[&str] = &[
    "zoho.com",
    "zoho.com.au",
    "zoho.eu",
    "zoho.in",
    "zoho.jp",
    "zohocloud.ca",
];

const fn rule(kind: RuleKind, text: &'static str, source: &'static str) -> Rule {
    Rule {
        kind,
        text,
        host: None,
        url: None,
        source,
        verified: UNDATED,
    }
}

static OVERLAY_SERVERS: &[(&str, Protocol, ServerFact)] = &[(
    "googlemail.com",
    Protocol::Smtp,
    ServerFact {
        host: "smtp.gmail.com",
        port: 587,
        security: Security::Starttls,
        username: UsernameForm::Address,
        auth: &["OAuth2", "password-cleartext"],
        source: GOOGLE_SMTP_PAGE,
        verified: UNDATED,
    },
)];

static NOT_ACCEPTED: &[(&str, NotAccepted)] = &[(
    "office365.com",
    NotAccepted {
        host: "smtp.office365.com",
        port: 465,
        reason: "port 465 is not supported for client submission: use 587 with STARTTLS",
        source: M365_ROW,
        verified: UNDATED,
    },
)];

static OVERLAY_RULES: &[(&[&str], Rule)] = &[
    (
        &["googlemail.com"],
        rule(
            RuleKind::AppPasswordOrOAuth,
            "Log in with OAuth2 (XOAUTH2) or an app password, which needs 2-Step Verification; \
             the account password alone is refused. \"Less secure apps\" ended for personal \
             accounts on 30 May 2022; Workspace password-only access ended 30 Sep 2024 (app \
             passwords excepted).",
            "support.google.com/a/answer/14114704",
        ),
    ),
    (
        &["googlemail.com"],
        rule(
            RuleKind::OAuthScope,
            "OAuth2 scope: https://mail.google.com/",
            "developers.google.com/gmail/imap/xoauth2-protocol",
        ),
    ),
    (
        &["googlemail.com"],
        rule(
            RuleKind::EnableInSettings,
            "IMAP/POP access must be enabled in Gmail's settings.",
            GOOGLE_ROW,
        ),
    ),
    (
        &["googlemail.com"],
        rule(
            RuleKind::SendingLimit,
            "About 500 messages a day for consumer accounts.",
            GOOGLE_ROW,
        ),
    ),
    (
        &["hotmail.com"],
        rule(
            RuleKind::OAuthOnly,
            "OAuth2 only: password (basic) login ended on 16 Sep 2024.",
            "techissuestoday.com (\"how to update Outlook email settings to avoid losing \
             access after September 16\")",
        ),
    ),
    (
        &["office365.com"],
        rule(
            RuleKind::SmtpAuthOffByDefault,
            "SMTP AUTH is off by default for tenants created after January 2020 and is \
             switched on per mailbox; Security Defaults block it.",
            M365_ROW,
        ),
    ),
    (
        &["office365.com"],
        rule(RuleKind::OAuthScope, "OAuth2 scope: SMTP.Send", M365_ROW),
    ),
    (
        &["office365.com"],
        rule(
            RuleKind::BasicAuthRetiring,
            "Basic-auth SMTP AUTH is being retired: off by default at the end of December \
             2026; after removal the server replies 550 5.7.30.",
            EXCHANGE_BLOG,
        ),
    ),
    (
        &["yahoo.com", "aol.com"],
        rule(
            RuleKind::AppPasswordOrOAuth,
            "Use an app password or OAuth2: the normal password is rejected.",
            YAHOO_ROW,
        ),
    ),
    (
        &["me.com"],
        rule(
            RuleKind::AppPasswordRequired,
            "An app-specific password is required; there is no OAuth.",
            ICLOUD_ROW,
        ),
    ),
    (
        &["messagingengine.com"],
        rule(
            RuleKind::AppPasswordRequired,
            "An app password is always required.",
            "fastmail.com/help/technical/servernamesandports.html",
        ),
    ),
    (
        ZOHO,
        rule(
            RuleKind::EnableInSettings,
            "IMAP/POP access must be enabled in Zoho Mail's settings.",
            ZOHO_ROW,
        ),
    ),
    (
        ZOHO,
        rule(
            RuleKind::AppPasswordWith2fa,
            "With two-factor authentication on, use an app-specific password.",
            ZOHO_ROW,
        ),
    ),
    (
        ZOHO,
        rule(
            RuleKind::SenderMustMatchLogin,
            "The From address must be the account or one of its aliases.",
            ZOHO_ROW,
        ),
    ),
    (
        ZOHO,
        rule(
            RuleKind::Note,
            "Hosts are regional (smtp.zoho.com, smtp.zoho.eu, …); organisation (own-domain) \
             accounts send through smtppro.zoho.com.",
            ZOHO_ROW,
        ),
    ),
    (
        &["yandex.ru"],
        rule(
            RuleKind::AppPasswordWith2fa,
            "With two-factor authentication on, use an app password.",
            "yandex.com/support/passport/authorization/app-passwords.html",
        ),
    ),
    (
        &["yandex.ru"],
        rule(
            RuleKind::SenderMustMatchLogin,
            "MAIL FROM must be the logged-in address.",
            YANDEX_ROW,
        ),
    ),
    (
        &["yandex.ru"],
        rule(
            RuleKind::Note,
            "The SMTP server offers AUTH LOGIN, PLAIN and XOAUTH2.",
            YANDEX_ROW,
        ),
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn find<'a>(servers: &'a [ServerFact], host: &str, port: u16) -> &'a ServerFact {
        servers
            .iter()
            .find(|s| s.host == host && s.port == port)
            .unwrap_or_else(|| panic!("{host}:{port} not listed"))
    }

    fn hp(servers: &[ServerFact]) -> Vec<(&str, u16, Security)> {
        servers
            .iter()
            .map(|s| (s.host, s.port, s.security))
            .collect()
    }

    #[test]
    fn gmail_from_ispdb_and_overlay() {
        let g = by_email_domain("gmail.com").unwrap();
        assert_eq!(g.id, "googlemail.com");
        assert_eq!(by_email_domain("googlemail.com").unwrap().id, g.id);
        assert_eq!(by_email_domain("someone@GMail.com.").unwrap().id, g.id);
        assert_eq!(by_host("smtp.gmail.com").unwrap().id, g.id);
        assert_eq!(
            by_host("IMAP.GMAIL.COM.").unwrap().id,
            g.id,
            "not umich.edu"
        );

        let ssl = find(&g.smtp, "smtp.gmail.com", 465);
        assert_eq!(ssl.security, Security::Implicit);
        assert_eq!(ssl.username, UsernameForm::Address);
        assert_eq!(ssl.auth, &["OAuth2", "password-cleartext"]);
        assert_eq!(ssl.source, "ISPDB googlemail.com.xml");
        assert_eq!(ssl.verified, ISPDB_SNAPSHOT);
        let submission = find(&g.smtp, "smtp.gmail.com", 587);
        assert_eq!(submission.security, Security::Starttls);
        assert_eq!(submission.username, UsernameForm::Address);
        assert_eq!(
            submission.source,
            "developers.google.com/gmail/imap/imap-smtp"
        );
        assert_eq!(submission.verified, UNDATED);
        assert_eq!(
            find(&g.imap, "imap.gmail.com", 993).security,
            Security::Implicit
        );
        assert_eq!(
            find(&g.pop3, "pop.gmail.com", 995).security,
            Security::Implicit
        );

        let app: Vec<_> = g.rules_of(RuleKind::AppPasswordOrOAuth).collect();
        assert_eq!(app.len(), 1);
        assert!(app[0].text.contains("app password"));
        assert!(app[0].text.contains("30 May 2022"));
        assert_eq!(app[0].source, "support.google.com/a/answer/14114704");
        assert_eq!(app[0].verified, UNDATED);
        // ISPDB's <enable> sits outside <emailProvider> in this file.
        let enable: Vec<_> = g.rules_of(RuleKind::EnableInSettings).collect();
        assert!(enable.iter().any(|r| r.source == "ISPDB googlemail.com.xml"
            && r.text == "You need to enable IMAP access"
            && r.verified == ISPDB_SNAPSHOT));

        assert_eq!(
            accepts(&g, "smtp.gmail.com", 465, Security::Implicit),
            Some(true)
        );
        assert_eq!(
            accepts(&g, "smtp.gmail.com", 587, Security::Starttls),
            Some(true)
        );
        assert_eq!(accepts(&g, "smtp.gmail.com", 25, Security::Plain), None);
        assert_eq!(accepts(&g, "smtp.gmail.com", 465, Security::Starttls), None);
    }

    #[test]
    fn outlook_and_microsoft_365() {
        let o = by_email_domain("outlook.com").unwrap();
        assert_eq!(o.id, "hotmail.com");
        for d in ["hotmail.com", "live.com", "msn.com"] {
            assert_eq!(by_email_domain(d).unwrap().id, "hotmail.com");
        }
        assert_eq!(
            hp(&o.smtp),
            [("smtp-mail.outlook.com", 587, Security::Starttls)]
        );
        assert_eq!(o.smtp[0].auth, &["OAuth2"]);
        assert_eq!(o.smtp[0].username, UsernameForm::Address);
        assert_eq!(
            hp(&o.imap),
            [("outlook.office365.com", 993, Security::Implicit)]
        );
        assert_eq!(
            hp(&o.pop3),
            [("outlook.office365.com", 995, Security::Implicit)]
        );
        let oauth = o.rules_of(RuleKind::OAuthOnly).next().unwrap();
        assert!(oauth.text.contains("16 Sep 2024"));
        assert!(oauth.source.starts_with("techissuestoday.com"));
        assert_eq!(by_host("smtp-mail.outlook.com").unwrap().id, "hotmail.com");

        // Exact domains, as ISPDB means them: a tenant's subdomain is not matched.
        assert!(by_email_domain("contoso.onmicrosoft.com").is_none());
        let m = by_email_domain("onmicrosoft.com").unwrap();
        assert_eq!(m.id, "office365.com");
        assert_eq!(m.name, "Microsoft 365");
        // The host Outlook.com, Microsoft 365 and mit.edu share goes to its owner.
        assert_eq!(
            by_host("outlook.office365.com").unwrap().id,
            "office365.com"
        );
        assert_eq!(
            hp(&m.smtp),
            [("smtp.office365.com", 587, Security::Starttls)]
        );
        assert_eq!(m.imap[0].auth, &["OAuth2"]);
        assert_eq!(
            accepts(&m, "smtp.office365.com", 587, Security::Starttls),
            Some(true)
        );
        assert_eq!(
            accepts(&m, "smtp.office365.com", 465, Security::Implicit),
            Some(false)
        );
        assert_eq!(m.not_accepted[0].verified, UNDATED);
        assert!(m.rules_of(RuleKind::SmtpAuthOffByDefault).next().is_some());
        let retiring = m.rules_of(RuleKind::BasicAuthRetiring).next().unwrap();
        assert!(retiring.text.contains("5.7.30"));
        assert_eq!(
            retiring.source,
            "Exchange team blog (techcommunity, ba-p/4114750)"
        );
        // ews/owa/graph/exchange entries are not carried over.
        assert!(m.imap.iter().chain(&m.pop3).all(|s| s.port != 443));
    }

    #[test]
    fn icloud_username_differs_by_protocol() {
        let i = by_email_domain("icloud.com").unwrap();
        assert_eq!(i.id, "me.com");
        assert_eq!(by_email_domain("mac.com").unwrap().id, "me.com");
        let imap = find(&i.imap, "imap.mail.me.com", 993);
        assert_eq!(imap.username, UsernameForm::LocalPart);
        assert_eq!(imap.security, Security::Implicit);
        let smtp = find(&i.smtp, "smtp.mail.me.com", 587);
        assert_eq!(smtp.username, UsernameForm::Address);
        assert_eq!(smtp.security, Security::Starttls);
        assert_eq!(smtp.auth, &["password-cleartext"]);
        assert!(i.pop3.is_empty());
        let rule = i.rules_of(RuleKind::AppPasswordRequired).next().unwrap();
        assert_eq!(rule.source, "providers.md, iCloud row (ISPDB me.com.xml)");
    }

    #[test]
    fn polish_providers() {
        let wp = by_email_domain("wp.pl").unwrap();
        assert_eq!(wp.name, "Poczta Wirtualna Polska");
        assert_eq!(hp(&wp.imap), [("imap.wp.pl", 993, Security::Implicit)]);
        assert_eq!(hp(&wp.pop3), [("pop3.wp.pl", 995, Security::Implicit)]);
        assert_eq!(hp(&wp.smtp), [("smtp.wp.pl", 465, Security::Implicit)]);
        assert!(wp
            .all_servers()
            .all(|s| s.username == UsernameForm::LocalPart));

        let o2 = by_email_domain("tlen.pl").unwrap();
        assert_eq!(o2.id, "o2.pl");
        assert_eq!(
            hp(&o2.smtp),
            [
                ("poczta.o2.pl", 465, Security::Implicit),
                ("poczta.o2.pl", 587, Security::Starttls)
            ]
        );
        let restricted: Vec<_> = o2.rules_of(RuleKind::ClientNetworkOnly).collect();
        assert_eq!(restricted.len(), 1);
        assert_eq!(restricted[0].host, Some("poczta.o2.pl"));
        assert_eq!(restricted[0].source, "ISPDB o2.pl.xml");
    }

    #[test]
    fn russian_providers() {
        let y = by_email_domain("ya.ru").unwrap();
        assert_eq!(y.id, "yandex.ru");
        assert_eq!(hp(&y.smtp), [("smtp.yandex.com", 465, Security::Implicit)]);
        assert_eq!(hp(&y.imap), [("imap.yandex.com", 993, Security::Implicit)]);
        assert_eq!(y.smtp[0].username, UsernameForm::Address);
        let enable = y.rules_of(RuleKind::EnableInSettings).next().unwrap();
        assert_eq!(enable.url, Some("http://mail.yandex.ru/neo/setup_client"));
        assert!(y.rules_of(RuleKind::SenderMustMatchLogin).next().is_some());

        let m = by_email_domain("bk.ru").unwrap();
        assert_eq!(m.id, "mail.ru");
        assert_eq!(
            hp(&m.imap),
            [
                ("imap.mail.ru", 993, Security::Implicit),
                ("imap.mail.ru", 143, Security::Starttls)
            ]
        );
        assert_eq!(
            hp(&m.pop3),
            [
                ("pop.mail.ru", 995, Security::Implicit),
                ("pop.mail.ru", 110, Security::Starttls)
            ]
        );
        assert_eq!(
            hp(&m.smtp),
            [
                ("smtp.mail.ru", 465, Security::Implicit),
                ("smtp.mail.ru", 587, Security::Starttls)
            ]
        );
        assert_eq!(m.smtp[0].auth, &["password-cleartext"]);
        assert_eq!(m.imap[0].auth, &["OAuth2", "password-cleartext"]);
    }

    #[test]
    fn norwegian_provider() {
        let w = by_email_domain("webhuset.no").unwrap();
        assert_eq!(w.name, "Webhuset");
        assert_eq!(hp(&w.imap), [("imap.webhuset.no", 993, Security::Implicit)]);
        assert_eq!(hp(&w.pop3), [("mail.webhuset.no", 995, Security::Implicit)]);
        assert_eq!(
            hp(&w.smtp),
            [
                ("smtp.webhuset.no", 465, Security::Implicit),
                ("smtp.webhuset.no", 587, Security::Starttls)
            ]
        );
        assert!(w.all_servers().all(|s| s.username == UsernameForm::Address));
    }

    #[test]
    fn german_providers() {
        let web = by_email_domain("web.de").unwrap();
        assert_eq!(
            find(&web.imap, "imap.web.de", 143).security,
            Security::Starttls
        );
        assert_eq!(
            find(&web.smtp, "smtp.web.de", 587).security,
            Security::Starttls
        );
        assert!(web
            .all_servers()
            .all(|s| s.username == UsernameForm::LocalPart));
        assert!(web.rules_of(RuleKind::EnableInSettings).next().is_some());

        let t = by_email_domain("magenta.de").unwrap();
        assert_eq!(t.id, "t-online.de");
        assert_eq!(
            hp(&t.smtp),
            [
                ("securesmtp.t-online.de", 465, Security::Implicit),
                ("securesmtp.t-online.de", 587, Security::Starttls)
            ]
        );
        assert_eq!(t.smtp[0].username, UsernameForm::Address);
        let step = t.rules_of(RuleKind::EnableInSettings).next().unwrap();
        assert!(step
            .text
            .starts_with("You need to set up an E-Mail-Password."));

        let gmx = by_email_domain("gmx.de").unwrap();
        assert_eq!(gmx.id, "gmx.net");
        assert_eq!(
            find(&gmx.smtp, "mail.gmx.net", 587).security,
            Security::Starttls
        );
        assert_eq!(
            find(&gmx.smtp, "mail.gmx.net", 465).security,
            Security::Implicit
        );
    }

    #[test]
    fn domain_templates_are_expanded_per_domain() {
        let lt = by_email_domain("inbox.lt").unwrap();
        assert_eq!(lt.id, "inbox.lv");
        assert_eq!(hp(&lt.smtp), [("mail.inbox.lt", 465, Security::Implicit)]);
        let by = by_host("mail.inbox.eu").unwrap();
        assert_eq!(hp(&by.imap), [("mail.inbox.eu", 993, Security::Implicit)]);
        assert_eq!(
            hp(&by_email_domain("mail.ee").unwrap().pop3),
            [("mail.ee", 995, Security::Implicit)]
        );
    }

    #[test]
    fn near_misses_cover_the_whole_table() {
        assert_eq!(
            near_miss_hosts("smtp.gmial.com").first(),
            Some(&"smtp.gmail.com")
        );
        assert_eq!(
            near_miss_hosts("SMTP.GMAIL.CO.").first(),
            Some(&"smtp.gmail.com")
        );
        // Hosts only ISPDB knows.
        assert_eq!(near_miss_hosts("smtp.wp.pll").first(), Some(&"smtp.wp.pl"));
        assert_eq!(
            near_miss_hosts("securesmtp.t-onlne.de").first(),
            Some(&"securesmtp.t-online.de")
        );
        // hosts::KNOWN_HOSTS is part of the set.
        assert_eq!(
            near_miss_hosts("smtp.sendgird.net").first(),
            Some(&"smtp.sendgrid.net")
        );
        assert!(near_miss_hosts("smtp.gmail.com").is_empty());
        assert!(near_miss_hosts("mail.mxray.test").is_empty());
    }

    #[test]
    fn unknown_domain_and_host() {
        assert!(by_email_domain("mxray.test").is_none());
        assert!(by_email_domain("").is_none());
        assert!(by_email_domain("mail.gmail.com").is_none());
        assert!(by_host("mail.mxray.test").is_none());
    }

    #[test]
    fn table_invariants() {
        let providers: Vec<_> = ispdb().collect();
        assert!(providers.len() > 150, "{} providers", providers.len());
        assert!(
            providers.windows(2).all(|w| w[0].id < w[1].id),
            "sorted, unique ids"
        );
        assert!(ISPDB_SNAPSHOT.len() == 10 && ISPDB_SNAPSHOT.as_bytes()[4] == b'-');
        for p in &providers {
            assert!(!p.domains.is_empty(), "{}", p.id);
            assert_eq!(p.source, format!("ISPDB {}.xml", p.id));
            for s in p.servers {
                assert!(!s.host.is_empty() && !s.host.contains('%'), "{}", s.host);
                assert_eq!(s.host, s.host.to_ascii_lowercase());
                assert!(s.port > 0);
            }
        }
        // Every overlay entry lands on an ISPDB provider (a regeneration must not orphan one),
        // carries a source and a date, and no refusal contradicts a listed server.
        let ids: Vec<&str> = providers.iter().map(|p| p.id).collect();
        let overlay_ids = OVERLAY_SERVERS
            .iter()
            .map(|(id, _, _)| *id)
            .chain(NOT_ACCEPTED.iter().map(|(id, _)| *id))
            .chain(
                OVERLAY_RULES
                    .iter()
                    .flat_map(|(ids, _)| ids.iter().copied()),
            );
        for id in overlay_ids {
            assert!(ids.contains(&id), "overlay names unknown provider {id}");
            let f = facts(providers.iter().find(|p| p.id == id).unwrap(), None);
            for r in &f.rules {
                assert!(!r.source.is_empty() && !r.verified.is_empty());
            }
            for n in &f.not_accepted {
                assert!(f
                    .all_servers()
                    .all(|s| (s.host, s.port) != (n.host, n.port)));
            }
        }
    }
}
