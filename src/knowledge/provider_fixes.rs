//! What to do about a refused login at a given provider, as data, and how to tell which
//! provider's server answered: from the configured host (the provider knowledge base), else
//! from what the server said about itself (greeting and EHLO names, reply texts), so the
//! diagnosis works from recorded evidence alone, also for a server reached by address.
//!
//! Facts from shared/reference/providers.md (each fix names its source); the Gmail app-password
//! page and the Microsoft 365 per-mailbox switch are Google's and Microsoft's own instructions.

use super::provider_db;

pub struct ProviderFixes {
    pub name: &'static str,
    /// ISPDB provider ids ([`provider_db::ProviderFacts::id`]) this entry covers.
    pub ispdb_ids: &'static [&'static str],
    /// Names the provider's servers give themselves in the greeting and EHLO reply: a name
    /// matches when it equals one of these or ends with `.` + one.
    pub server_names: &'static [&'static str],
    /// Lower-case texts only this provider's servers put in their replies.
    pub reply_marks: &'static [&'static str],
    pub fixes: &'static [Fix],
}

/// One fix: for finding `code` (`auth.*`: any of [`CREDENTIAL_CODES`]), when `when` holds.
/// The first that applies wins.
pub struct Fix {
    pub code: &'static str,
    pub when: When,
    pub text: &'static str,
    pub source: &'static str,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum When {
    Always,
    /// The login used a password.
    Password,
    /// The login used an OAuth token (XOAUTH2, OAUTHBEARER).
    Token,
    /// The server's reply contains one of these lower-case texts (an enhanced status code, a
    /// phrase).
    Reply(&'static [&'static str]),
}

const GOOGLE_ROW: &str = "providers.md, Gmail / Google Workspace row (support.google.com/a/answer/14114704; developers.google.com/gmail/imap/xoauth2-protocol)";
const GOOGLE_APP_PASSWORDS: &str =
    "Google Account Help, app passwords (support.google.com/accounts/answer/185833)";
const M365_ROW: &str =
    "providers.md, Microsoft 365 row (Exchange team blog, techcommunity ba-p/4114750)";
const M365_DOCS: &str = "Microsoft Learn, authenticated client SMTP submission (learn.microsoft.com/exchange/clients-and-mobile-in-exchange-online/authenticated-client-smtp-submission)";
const OUTLOOK_ROW: &str = "providers.md, Outlook.com row (techissuestoday.com, \"how to update Outlook email settings to avoid losing access after September 16\")";
const YAHOO_ROW: &str = "providers.md, Yahoo / AOL row (ISPDB yahoo.com.xml)";
const ICLOUD_ROW: &str = "providers.md, iCloud row (ISPDB me.com.xml)";
const FASTMAIL_ROW: &str =
    "providers.md, Fastmail row (fastmail.com/help/technical/servernamesandports.html)";
const ZOHO_ROW: &str = "providers.md, Zoho row (ISPDB zoho.com.xml, zoho.eu.xml)";
const YANDEX_ROW: &str =
    "providers.md, Yandex row (yandex.com/support/passport/authorization/app-passwords.html)";

const GMAIL_APP_PASSWORD: &str = "Gmail: turn on 2-Step Verification for the Google account, \
    then create an app password at https://myaccount.google.com/apppasswords and enter it in \
    the client in place of the normal password (username: the full address). Or sign in with \
    OAuth instead (XOAUTH2, scope https://mail.google.com/).";
const M365_ENABLE: &str = "Microsoft 365: SMTP AUTH is off by default for tenants created after \
    January 2020 and is switched on per mailbox. An admin enables it with `Set-CASMailbox \
    -Identity USER -SmtpClientAuthenticationDisabled $false` (or admin center, Users, the user, \
    Mail, Manage email apps, Authenticated SMTP); Security Defaults block it and must be off for \
    the tenant. Better, since basic-auth SMTP AUTH is being retired (off by default at the end \
    of December 2026): move the app to OAuth with the SMTP.Send scope.";
const OUTLOOK_OAUTH: &str = "Outlook.com (hotmail, live, msn) takes only OAuth2 sign-in: \
    password logins ended on 16 September 2024. Choose OAuth2 as the authentication method in \
    the mail client (it opens a Microsoft sign-in window), or have the app send an access token \
    with XOAUTH2; server smtp-mail.outlook.com, port 587, STARTTLS, full address as username.";

pub static PROVIDERS: &[ProviderFixes] = &[
    ProviderFixes {
        name: "Gmail / Google Workspace",
        ispdb_ids: &["googlemail.com"],
        server_names: &["smtp.gmail.com", "google.com", "googlemail.com"],
        reply_marks: &["gsmtp", "support.google.com/mail", "accounts.google.com"],
        fixes: &[
            Fix {
                code: "auth.bad-credentials",
                when: When::Token,
                text: "Gmail refused the access token: get a fresh one for this same account \
                    with the scope https://mail.google.com/ and send it with XOAUTH2 \
                    (user=the full address).",
                source: GOOGLE_ROW,
            },
            Fix {
                code: "auth.app-password-required",
                when: When::Always,
                text: GMAIL_APP_PASSWORD,
                source: GOOGLE_APP_PASSWORDS,
            },
            Fix {
                code: "auth.web-login-required",
                when: When::Always,
                text: "Gmail no longer takes the account password from mail apps (\"less secure \
                    apps\" ended on 30 May 2022 for personal accounts and on 30 September 2024 \
                    for Workspace). Turn on 2-Step Verification, create an app password at \
                    https://myaccount.google.com/apppasswords and use it instead, or sign in \
                    with OAuth (XOAUTH2, scope https://mail.google.com/).",
                source: GOOGLE_ROW,
            },
            Fix {
                code: "auth.bad-credentials",
                when: When::Always,
                text: "Gmail refuses the account password from mail apps. If this is the normal \
                    password: turn on 2-Step Verification and create an app password at \
                    https://myaccount.google.com/apppasswords, or sign in with OAuth (XOAUTH2, \
                    scope https://mail.google.com/). If it already is an app password, it may \
                    have been revoked: create a new one. The username is the full address.",
                source: GOOGLE_APP_PASSWORDS,
            },
            Fix {
                code: "auth.rate-limited",
                when: When::Always,
                text: "Gmail is throttling this account's logins: stop other apps and scripts \
                    that log in with it, wait, then retry once with an app password or OAuth. \
                    Consumer accounts may also send only about 500 messages a day.",
                source: GOOGLE_ROW,
            },
        ],
    },
    // Before Microsoft 365: both run on *.outlook.com servers, and smtp-mail.outlook.com is
    // Outlook.com's own.
    ProviderFixes {
        name: "Outlook.com",
        ispdb_ids: &["hotmail.com"],
        server_names: &["smtp-mail.outlook.com"],
        reply_marks: &[],
        fixes: &[
            Fix {
                code: "auth.bad-credentials",
                when: When::Token,
                text: "Outlook.com refused the access token: get a fresh one for this same \
                    account with the SMTP.Send scope and send it with XOAUTH2.",
                source: OUTLOOK_ROW,
            },
            Fix {
                code: "auth.oauth-required",
                when: When::Always,
                text: OUTLOOK_OAUTH,
                source: OUTLOOK_ROW,
            },
            Fix {
                code: "auth.smtp-auth-disabled",
                when: When::Always,
                text: OUTLOOK_OAUTH,
                source: OUTLOOK_ROW,
            },
        ],
    },
    ProviderFixes {
        name: "Microsoft 365",
        ispdb_ids: &["office365.com"],
        server_names: &["outlook.com", "office365.com"],
        reply_marks: &[
            "aka.ms/smtp_auth_disabled",
            "microsoft esmtp mail service",
            ".prod.outlook.com",
        ],
        fixes: &[
            Fix {
                code: "auth.bad-credentials",
                when: When::Token,
                text: "Microsoft 365 refused the access token: get a fresh one for this same \
                    mailbox with the SMTP.Send scope and send it with XOAUTH2 (user=the \
                    mailbox's address).",
                source: M365_ROW,
            },
            Fix {
                code: "auth.smtp-auth-disabled",
                when: When::Reply(&["5.7.30", "basic authentication is not supported"]),
                text: "Microsoft 365 has retired basic authentication for this tenant (550 \
                    5.7.30): no password works for sending any more. Switch the app to OAuth \
                    (XOAUTH2 with the SMTP.Send scope) or to Microsoft Graph.",
                source: M365_ROW,
            },
            Fix {
                code: "auth.smtp-auth-disabled",
                when: When::Always,
                text: M365_ENABLE,
                source: M365_DOCS,
            },
            Fix {
                code: "auth.bad-credentials",
                when: When::Always,
                text: "Microsoft 365 answers `535 5.7.3 Authentication unsuccessful` both for a \
                    wrong password and when SMTP AUTH is off for the mailbox. Check the password \
                    and that the username is the full address (the UPN). If both are right, an \
                    admin enables SMTP AUTH for the mailbox with `Set-CASMailbox -Identity USER \
                    -SmtpClientAuthenticationDisabled $false` and checks that Security Defaults \
                    are off; or move the app to OAuth with the SMTP.Send scope.",
                source: M365_DOCS,
            },
        ],
    },
    ProviderFixes {
        name: "Yahoo / AOL",
        ispdb_ids: &["yahoo.com", "aol.com"],
        server_names: &["yahoo.com", "aol.com"],
        reply_marks: &[],
        fixes: &[Fix {
            code: "auth.*",
            when: When::Password,
            text: "Yahoo and AOL reject the normal password in mail apps: create an app \
                password in the account's security settings and use it instead (full address \
                as username), or sign in with OAuth2.",
            source: YAHOO_ROW,
        }],
    },
    ProviderFixes {
        name: "iCloud Mail",
        ispdb_ids: &["me.com"],
        server_names: &["mail.me.com", "icloud.com"],
        reply_marks: &[],
        fixes: &[Fix {
            code: "auth.*",
            when: When::Password,
            text: "iCloud Mail needs an app-specific password (there is no OAuth): create one \
                in the Apple Account's sign-in and security settings and use it instead. For \
                sending (smtp.mail.me.com, 587, STARTTLS) the username is the full address.",
            source: ICLOUD_ROW,
        }],
    },
    ProviderFixes {
        name: "Fastmail",
        ispdb_ids: &["messagingengine.com"],
        server_names: &["messagingengine.com", "fastmail.com"],
        reply_marks: &[],
        fixes: &[Fix {
            code: "auth.*",
            when: When::Password,
            text: "Fastmail always requires an app password for mail apps: create one in \
                Fastmail's settings and use it instead of the account password, with the full \
                address as username (server smtp.fastmail.com, 465, SSL/TLS).",
            source: FASTMAIL_ROW,
        }],
    },
    ProviderFixes {
        name: "Zoho Mail",
        ispdb_ids: provider_db::ZOHO_IDS,
        server_names: &["zoho.com", "zoho.eu", "zoho.in", "zoho.com.au", "zoho.jp"],
        reply_marks: &[],
        fixes: &[
            Fix {
                code: "auth.sender-not-owned",
                when: When::Always,
                text: "Zoho: the From address must be the account's own address or one of its \
                    aliases; add the address as an alias in Zoho Mail first.",
                source: ZOHO_ROW,
            },
            Fix {
                code: "auth.*",
                when: When::Password,
                text: "Zoho: with two-factor authentication on, mail apps need an app-specific \
                    password. Use the full address as username, and the right host: regional \
                    (smtp.zoho.com, smtp.zoho.eu, …) for personal accounts, smtppro.zoho.com \
                    for organisation (own-domain) accounts.",
                source: ZOHO_ROW,
            },
        ],
    },
    ProviderFixes {
        name: "Yandex",
        ispdb_ids: &["yandex.ru"],
        server_names: &["yandex.net", "yandex.ru", "yandex.com"],
        reply_marks: &[],
        fixes: &[
            Fix {
                code: "auth.sender-not-owned",
                when: When::Always,
                text: "Yandex: MAIL FROM (the From address) must be the logged-in address.",
                source: YANDEX_ROW,
            },
            Fix {
                code: "auth.*",
                when: When::Password,
                text: "Yandex: with two-factor authentication on, mail apps need an app \
                    password; the server also takes OAuth (XOAUTH2). Use the full address as \
                    username.",
                source: YANDEX_ROW,
            },
        ],
    },
];

/// What the diagnosis knows about the login, to recognise the provider.
#[derive(Default)]
pub struct Clues<'a> {
    /// The host as configured.
    pub host: Option<&'a str>,
    /// The username (an address tells Outlook.com from Microsoft 365).
    pub user: Option<&'a str>,
    /// Names the server gave itself (greeting, EHLO).
    pub server_names: Vec<&'a str>,
    /// Greeting and reply lines.
    pub texts: Vec<&'a str>,
}

pub struct Identified {
    pub provider: &'static ProviderFixes,
    /// How it was recognised, for the evidence.
    pub how: String,
}

/// The findings that mean "these credentials are not accepted here".
pub const CREDENTIAL_CODES: &[&str] = &[
    "auth.bad-credentials",
    "auth.app-password-required",
    "auth.web-login-required",
    "auth.oauth-required",
    "auth.smtp-auth-disabled",
];

fn by_id(id: &str) -> Option<&'static ProviderFixes> {
    PROVIDERS.iter().find(|p| p.ispdb_ids.contains(&id))
}

fn name_matches(name: &str, pattern: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == pattern || name.ends_with(&format!(".{pattern}"))
}

/// The provider whose server answered, if it is one this table knows.
pub fn identify(c: &Clues) -> Option<Identified> {
    if let Some(host) = c.host {
        let known = provider_db::by_host(host)
            .and_then(|f| by_id(f.id))
            .or_else(|| {
                PROVIDERS
                    .iter()
                    .find(|p| p.server_names.iter().any(|n| name_matches(host, n)))
            });
        if let Some(p) = known {
            return Some(Identified {
                provider: p,
                how: format!("the configured host {host}"),
            });
        }
    }
    let seen = c.server_names.iter().find_map(|name| {
        PROVIDERS
            .iter()
            .find(|p| p.server_names.iter().any(|n| name_matches(name, n)))
            .map(|p| (p, format!("the server's name {name}")))
    });
    let seen = seen.or_else(|| {
        c.texts.iter().find_map(|t| {
            let lower = t.to_ascii_lowercase();
            PROVIDERS.iter().find_map(|p| {
                p.reply_marks
                    .iter()
                    .find(|m| lower.contains(*m))
                    .map(|m| (p, format!("`{m}` in the server's reply")))
            })
        })
    });
    let (mut provider, mut how) = seen?;
    // Outlook.com runs on Microsoft 365's servers; the account's domain tells them apart.
    if provider.name == "Microsoft 365" {
        let consumer = c
            .user
            .filter(|u| u.contains('@'))
            .and_then(provider_db::by_email_domain)
            .is_some_and(|f| f.id == "hotmail.com");
        if consumer {
            provider = by_id("hotmail.com")?;
            how.push_str(", and an Outlook.com address");
        }
    }
    Some(Identified { provider, how })
}

/// The provider's fix for finding `code`, or `None` to keep the catalogue's.
pub fn fix_for(
    p: &ProviderFixes,
    code: &str,
    token: bool,
    reply_lower: &str,
) -> Option<&'static Fix> {
    p.fixes.iter().find(|f| {
        (f.code == code || (f.code == "auth.*" && CREDENTIAL_CODES.contains(&code)))
            && match f.when {
                When::Always => true,
                When::Password => !token,
                When::Token => token,
                When::Reply(t) => t.iter().any(|t| reply_lower.contains(t)),
            }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(c: Clues) -> Option<&'static str> {
        identify(&c).map(|i| i.provider.name)
    }

    #[test]
    fn recognised_from_the_configured_host() {
        for (host, name) in [
            ("smtp.gmail.com", "Gmail / Google Workspace"),
            ("smtp.office365.com", "Microsoft 365"),
            ("smtp-mail.outlook.com", "Outlook.com"),
            ("smtp.mail.me.com", "iCloud Mail"),
            ("smtp.mail.yahoo.com", "Yahoo / AOL"),
            ("smtp.fastmail.com", "Fastmail"),
            ("smtp.zoho.eu", "Zoho Mail"),
            ("smtp.yandex.com", "Yandex"),
        ] {
            assert_eq!(
                who(Clues {
                    host: Some(host),
                    ..Default::default()
                }),
                Some(name),
                "{host}"
            );
        }
        assert_eq!(
            who(Clues {
                host: Some("mail.example.com"),
                ..Default::default()
            }),
            None
        );
    }

    #[test]
    fn recognised_from_what_the_server_said() {
        let m365 = Clues {
            host: Some("127.0.0.1"),
            user: Some("alice@contoso.example"),
            server_names: vec!["SN4PR0501CA0054.namprd05.prod.OUTLOOK.com"],
            ..Default::default()
        };
        assert_eq!(who(m365), Some("Microsoft 365"));
        let consumer = Clues {
            host: Some("127.0.0.1"),
            user: Some("alice@hotmail.com"),
            server_names: vec!["AM0PR01CA0123.outlook.office365.com"],
            ..Default::default()
        };
        assert_eq!(who(consumer), Some("Outlook.com"));
        let link = Clues {
            texts: vec![
                "535 5.7.139 Authentication unsuccessful. Visit https://aka.ms/smtp_auth_disabled",
            ],
            ..Default::default()
        };
        assert_eq!(who(link), Some("Microsoft 365"));
        let gmail = Clues {
            server_names: vec!["smtp.gmail.com"],
            ..Default::default()
        };
        assert_eq!(who(gmail), Some("Gmail / Google Workspace"));
        let gsmtp = Clues {
            texts: vec!["220 mx.example ESMTP x1-20020a - gsmtp"],
            ..Default::default()
        };
        assert_eq!(who(gsmtp), Some("Gmail / Google Workspace"));
        // A look-alike name is not the provider.
        let fake = Clues {
            server_names: vec!["notgoogle.com"],
            ..Default::default()
        };
        assert_eq!(who(fake), None);
    }

    #[test]
    fn fixes_by_code_and_credential() {
        let gmail = by_id("googlemail.com").unwrap();
        let f = fix_for(gmail, "auth.app-password-required", false, "").unwrap();
        assert!(f.text.contains("https://myaccount.google.com/apppasswords"));
        let t = fix_for(gmail, "auth.bad-credentials", true, "").unwrap();
        assert!(t.text.contains("access token"));
        let m = by_id("office365.com").unwrap();
        assert!(
            fix_for(m, "auth.smtp-auth-disabled", false, "550 5.7.30 basic")
                .unwrap()
                .text
                .contains("retired")
        );
        assert!(fix_for(m, "auth.smtp-auth-disabled", false, "535 5.7.139")
            .unwrap()
            .text
            .contains("Set-CASMailbox"));
        let icloud = by_id("me.com").unwrap();
        assert!(fix_for(icloud, "auth.bad-credentials", false, "").is_some());
        assert!(fix_for(icloud, "auth.bad-credentials", true, "").is_none());
        assert!(fix_for(icloud, "auth.tls-required", false, "").is_none());
        for p in PROVIDERS {
            for f in p.fixes {
                assert!(
                    f.code == "auth.*" || crate::findings::catalogue::lookup(f.code).is_some(),
                    "{}",
                    f.code
                );
                assert!(!f.source.is_empty());
            }
        }
    }
}
