//! The knowledge base's entry for the provider `mxray check` is talking to, flattened into the
//! report so the user sees the provider's rules (app passwords, OAuth only, SMTP AUTH off by
//! default…) with their sources and dates, and a saved report keeps what was known then.

use super::provider_db::{self, ProviderFacts, RuleKind, UsernameForm};
use crate::evidence::check::{ProviderRule, ProviderView};
use crate::evidence::Protocol;

/// The provider of `host`, else of the domain of `addresses` (username, From), in that order.
pub fn for_settings(
    host: Option<&str>,
    addresses: &[&str],
    protocol: Protocol,
) -> Option<ProviderView> {
    let by_host = host.and_then(|h| provider_db::by_host(h).map(|p| (p, format!("host {h}"))));
    let (p, matched_by) = by_host.or_else(|| {
        addresses.iter().filter(|a| a.contains('@')).find_map(|a| {
            let domain = a.rsplit_once('@')?.1.to_ascii_lowercase();
            provider_db::by_email_domain(&domain).map(|p| (p, format!("address domain {domain}")))
        })
    })?;
    Some(view(&p, matched_by, protocol))
}

fn view(p: &ProviderFacts, matched_by: String, protocol: Protocol) -> ProviderView {
    let servers = p
        .servers(protocol)
        .iter()
        .map(|s| {
            format!(
                "{}:{} {} ({})",
                s.host,
                s.port,
                s.security.described(),
                match s.username {
                    UsernameForm::Address => "username: full address".to_string(),
                    UsernameForm::LocalPart => "username: part before the @".to_string(),
                    UsernameForm::Other(t) => format!("username: {t}"),
                    UsernameForm::Unstated => "username form not stated".to_string(),
                }
            )
        })
        .collect();
    let rules = p
        .rules
        .iter()
        .filter(|r| {
            protocol != Protocol::Smtp
                || r.kind != RuleKind::EnableInSettings
                || mentions_smtp(r.text)
        })
        .map(|r| ProviderRule {
            kind: kind_name(r.kind).to_string(),
            text: r.text.to_string(),
            url: r.url.map(str::to_string),
            source: r.source.to_string(),
            verified: r.verified.to_string(),
        })
        .collect();
    ProviderView {
        id: p.id.to_string(),
        name: p.name.to_string(),
        matched_by,
        servers,
        rules,
    }
}

/// "Enable IMAP/POP in the settings" is noise for a sending check, unless it names SMTP.
fn mentions_smtp(text: &str) -> bool {
    text.to_ascii_lowercase().contains("smtp")
}

fn kind_name(k: RuleKind) -> &'static str {
    match k {
        RuleKind::AppPasswordRequired => "app_password_required",
        RuleKind::AppPasswordOrOAuth => "app_password_or_oauth",
        RuleKind::AppPasswordWith2fa => "app_password_with_2fa",
        RuleKind::OAuthOnly => "oauth_only",
        RuleKind::OAuthScope => "oauth_scope",
        RuleKind::SmtpAuthOffByDefault => "smtp_auth_off_by_default",
        RuleKind::BasicAuthRetiring => "basic_auth_retiring",
        RuleKind::EnableInSettings => "enable_in_settings",
        RuleKind::SenderMustMatchLogin => "sender_must_match_login",
        RuleKind::ClientNetworkOnly => "client_network_only",
        RuleKind::SendingLimit => "sending_limit",
        RuleKind::Note => "note",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gmail_by_host_and_outlook_by_address() {
        let g = for_settings(Some("smtp.gmail.com"), &["x@example.com"], Protocol::Smtp).unwrap();
        assert_eq!(g.matched_by, "host smtp.gmail.com");
        assert!(
            g.servers
                .iter()
                .any(|s| s == "smtp.gmail.com:587 STARTTLS (username: full address)"),
            "{:?}",
            g.servers
        );
        assert!(g
            .rules
            .iter()
            .any(|r| r.kind == "app_password_or_oauth" && r.verified == "undated"));
        assert!(
            !g.rules.iter().any(|r| r.kind == "enable_in_settings"),
            "IMAP/POP switch is not about sending"
        );
        let imap = for_settings(Some("smtp.gmail.com"), &[], Protocol::Imap).unwrap();
        assert!(imap.rules.iter().any(|r| r.kind == "enable_in_settings"));

        let o = for_settings(
            Some("mail.example.net"),
            &["alice", "bob@hotmail.com"],
            Protocol::Smtp,
        )
        .unwrap();
        assert_eq!(o.matched_by, "address domain hotmail.com");
        assert!(o.rules.iter().any(|r| r.kind == "oauth_only"));
        assert!(
            for_settings(Some("mail.example.net"), &["a@example.net"], Protocol::Smtp).is_none()
        );
    }
}
