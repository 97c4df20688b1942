//! Recognising who runs a domain's mail from its MX hosts and SPF includes, and the DKIM
//! selectors that provider publishes. Patterns from the providers' own setup documentation.

pub struct Provider {
    pub name: &'static str,
    /// Suffixes of MX host names.
    pub mx_suffixes: &'static [&'static str],
    /// SPF `include:` targets.
    pub spf_includes: &'static [&'static str],
    pub dkim_selectors: &'static [&'static str],
    /// Suffixes of the SMTP submission hosts customers send through.
    pub submission_suffixes: &'static [&'static str],
}

pub const PROVIDERS: &[Provider] = &[
    Provider {
        name: "Google Workspace",
        mx_suffixes: &["google.com", "googlemail.com"],
        spf_includes: &["_spf.google.com"],
        dkim_selectors: &["google"],
        submission_suffixes: &[
            "smtp.gmail.com",
            "smtp-relay.gmail.com",
            "smtp.googlemail.com",
        ],
    },
    Provider {
        name: "Microsoft 365",
        mx_suffixes: &["mail.protection.outlook.com", "mx.microsoft"],
        spf_includes: &["spf.protection.outlook.com"],
        dkim_selectors: &["selector1", "selector2"],
        submission_suffixes: &[
            "smtp.office365.com",
            "smtp-mail.outlook.com",
            "smtp.outlook.com",
        ],
    },
    Provider {
        name: "Zoho Mail",
        mx_suffixes: &["zoho.com", "zoho.eu", "zoho.in", "zoho.com.au"],
        spf_includes: &["zoho.com", "zoho.eu", "zoho.in"],
        dkim_selectors: &["zmail", "zoho"],
        submission_suffixes: &[
            "smtp.zoho.com",
            "smtp.zoho.eu",
            "smtp.zoho.in",
            "smtp.zoho.com.au",
            "smtppro.zoho.com",
            "smtppro.zoho.eu",
        ],
    },
    Provider {
        name: "Fastmail",
        mx_suffixes: &["messagingengine.com"],
        spf_includes: &["spf.messagingengine.com"],
        dkim_selectors: &["fm1", "fm2", "fm3"],
        submission_suffixes: &["smtp.fastmail.com"],
    },
    Provider {
        name: "iCloud Mail",
        mx_suffixes: &["mail.icloud.com"],
        spf_includes: &["icloud.com"],
        dkim_selectors: &["sig1"],
        submission_suffixes: &["smtp.mail.me.com"],
    },
    Provider {
        name: "Yandex 360",
        mx_suffixes: &["yandex.net", "yandex.ru"],
        spf_includes: &["_spf.yandex.net"],
        dkim_selectors: &["mail"],
        submission_suffixes: &["smtp.yandex.com", "smtp.yandex.ru"],
    },
    Provider {
        name: "Proton Mail",
        mx_suffixes: &["protonmail.ch"],
        spf_includes: &["_spf.protonmail.ch"],
        dkim_selectors: &["protonmail", "protonmail2", "protonmail3"],
        submission_suffixes: &["smtp.protonmail.ch"],
    },
    Provider {
        name: "Amazon SES",
        mx_suffixes: &["amazonaws.com"],
        spf_includes: &["amazonses.com"],
        dkim_selectors: &[],
        submission_suffixes: &["amazonaws.com"],
    },
    Provider {
        name: "SendGrid",
        mx_suffixes: &[],
        spf_includes: &["sendgrid.net"],
        dkim_selectors: &["s1", "s2", "smtpapi"],
        submission_suffixes: &["smtp.sendgrid.net"],
    },
    Provider {
        name: "Mailgun",
        mx_suffixes: &["mailgun.org"],
        spf_includes: &["mailgun.org"],
        dkim_selectors: &["mx", "smtp", "k1", "pic"],
        submission_suffixes: &["smtp.mailgun.org", "smtp.eu.mailgun.org"],
    },
];

/// Selectors worth trying on any domain (common defaults of mail servers and ESPs).
pub const COMMON_SELECTORS: &[&str] = &[
    "default",
    "dkim",
    "mail",
    "s1",
    "s2",
    "selector1",
    "selector2",
    "google",
    "k1",
    "key1",
    "mx",
    "smtp",
    "20230601",
    "20221208",
    "dkim1",
    "x",
];

fn host_matches(host: &str, suffix: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host == suffix || host.ends_with(&format!(".{suffix}"))
}

/// The provider whose submission host this is (`smtp.gmail.com` → Google Workspace).
pub fn by_submission_host(host: &str) -> Option<&'static Provider> {
    PROVIDERS
        .iter()
        .find(|p| p.submission_suffixes.iter().any(|s| host_matches(host, s)))
}

/// The provider whose MX suffixes match the MX hosts, else whose include the SPF names.
pub fn detect(mx_hosts: &[String], spf_includes: &[String]) -> Option<&'static Provider> {
    PROVIDERS
        .iter()
        .find(|p| {
            mx_hosts
                .iter()
                .any(|h| p.mx_suffixes.iter().any(|s| host_matches(h, s)))
        })
        .or_else(|| {
            PROVIDERS.iter().find(|p| {
                spf_includes
                    .iter()
                    .any(|i| p.spf_includes.iter().any(|s| host_matches(i, s)))
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_mx_then_spf() {
        let g = detect(&["aspmx.l.google.com".into()], &[]).unwrap();
        assert_eq!(g.name, "Google Workspace");
        let m = detect(&["contoso-com.mail.protection.outlook.com.".into()], &[]).unwrap();
        assert_eq!(m.dkim_selectors, &["selector1", "selector2"]);
        let f = detect(
            &["mx.example.org".into()],
            &["spf.messagingengine.com".into()],
        )
        .unwrap();
        assert_eq!(f.name, "Fastmail");
        assert!(detect(&["mail.mxray.test".into()], &[]).is_none());
        assert!(detect(&["notgoogle.com".into()], &[]).is_none());
    }
}
