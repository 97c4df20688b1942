//! The curated overlay of the provider knowledge base, from shared/reference/providers.md:
//! ports ISPDB leaves out, ports refused for clients, and the providers' login rules.

use super::*;

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
/// Zoho's ISPDB provider ids, one per regional service.
pub(crate) const ZOHO_IDS: &[&str] = &[
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

pub(super) static OVERLAY_SERVERS: &[(&str, Protocol, ServerFact)] = &[(
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

pub(super) static NOT_ACCEPTED: &[(&str, NotAccepted)] = &[(
    "office365.com",
    NotAccepted {
        host: "smtp.office365.com",
        port: 465,
        reason: "port 465 is not supported for client submission: use 587 with STARTTLS",
        source: M365_ROW,
        verified: UNDATED,
    },
)];

pub(super) static OVERLAY_RULES: &[(&[&str], Rule)] = &[
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
        ZOHO_IDS,
        rule(
            RuleKind::EnableInSettings,
            "IMAP/POP access must be enabled in Zoho Mail's settings.",
            ZOHO_ROW,
        ),
    ),
    (
        ZOHO_IDS,
        rule(
            RuleKind::AppPasswordWith2fa,
            "With two-factor authentication on, use an app-specific password.",
            ZOHO_ROW,
        ),
    ),
    (
        ZOHO_IDS,
        rule(
            RuleKind::SenderMustMatchLogin,
            "The From address must be the account or one of its aliases.",
            ZOHO_ROW,
        ),
    ),
    (
        ZOHO_IDS,
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
