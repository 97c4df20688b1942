//! What `mxray check` observed: the client settings as resolved (each with its source; the
//! password never), the endpoint probed exactly as configured, and the standard submission
//! ports probed as alternatives.

use super::ServerEvidence;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CheckEvidence {
    pub settings: ClientSettings,
    /// The configured host and port, probed with the configured security mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configured: Option<ServerEvidence>,
    /// The protocol's other standard ports on the same host (465/587; 993/143; 995/110), to say
    /// what would work.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alternatives: Option<ServerEvidence>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_domain: Option<FromDomainEvidence>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<ProviderView>,
    /// Only an address was given: the settings discovered for it, each probed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discovery: Option<super::discovery::DiscoveryEvidence>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ClientSettings {
    /// smtp (the sending side, the default), or imap/pop3 (`--imap`, `--pop3`, or the URL's
    /// scheme): the server the settings are for.
    #[serde(default)]
    pub protocol: super::Protocol,
    pub host: Option<SettingValue>,
    pub port: Option<SettingValue>,
    /// implicit, starttls, starttls_if_offered, plain
    pub security: Option<SettingValue>,
    pub user: Option<SettingValue>,
    pub from: Option<SettingValue>,
    /// A password was supplied (its value is never recorded).
    pub password_given: bool,
    /// An OAuth access token was supplied with `--oauth-token-env` (never recorded either).
    #[serde(default)]
    pub oauth_token_given: bool,
    /// The given password's form, in one of three buckets (never its value or length): enough
    /// to tell that it cannot be a provider's generated app password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_shape: Option<PasswordShape>,
    pub password_on_command_line: bool,
    /// Mappings and inferences, e.g. "MAIL_ENCRYPTION=tls → STARTTLS".
    #[serde(default)]
    pub notes: Vec<String>,
    /// Contradictions in the input (e.g. Django's EMAIL_USE_TLS and EMAIL_USE_SSL both on).
    #[serde(default)]
    pub problems: Vec<String>,
}

/// The form of a password, as far as app passwords go: Gmail, Yahoo, AOL and iCloud generate
/// 16 lower-case letters (shown in groups of four, with spaces or hyphens).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PasswordShape {
    /// 16 letters, with or without spaces between groups of four.
    Letters16,
    /// Four groups of four letters joined by hyphens.
    HyphenatedLetters16,
    /// Anything else.
    Other,
}

impl PasswordShape {
    pub fn of(password: &str) -> PasswordShape {
        let p = password.trim();
        let letters = |s: &str| s.len() == 16 && s.bytes().all(|b| b.is_ascii_alphabetic());
        let groups = |sep: char| {
            let parts: Vec<&str> = p.split(sep).collect();
            parts.len() == 4
                && parts
                    .iter()
                    .all(|g| g.len() == 4 && g.bytes().all(|b| b.is_ascii_alphabetic()))
        };
        if letters(p) || groups(' ') {
            PasswordShape::Letters16
        } else if groups('-') {
            PasswordShape::HyphenatedLetters16
        } else {
            PasswordShape::Other
        }
    }

    pub fn words(self) -> &'static str {
        match self {
            PasswordShape::Letters16 => "16 letters, like a generated app password",
            PasswordShape::HyphenatedLetters16 => {
                "four hyphenated groups of four letters, like a generated app password"
            }
            PasswordShape::Other => "not 16 letters, so not a generated app password",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SettingValue {
    pub value: String,
    /// Where it came from, in words: "--port", "MAIL_PORT in .env", "inferred from port 465".
    pub source: String,
}

/// The From domain of `mxray check` (`--from`, else the username when it is an address):
/// whether its SPF lets the submission server send for it, and its DKIM and DMARC records.
/// "Accepted, then bounced" starts here.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FromDomainEvidence {
    pub domain: String,
    /// The address the domain was taken from, and where that came from.
    pub address: SettingValue,
    /// The configured submission host.
    pub submission_host: String,
    /// The provider recognised from the submission host's name, and the SPF includes that
    /// provider asks its customers to publish (e.g. `_spf.google.com`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submission_provider: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub provider_includes: Vec<String>,
    pub spf: super::domain::SpfNode,
    /// check_host() for each address of the submission host.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evaluations: Vec<super::domain::SpfEvaluation>,
    pub dmarc: super::domain::DmarcEvidence,
    pub dkim: super::domain::DkimEvidence,
    /// A test message will be sent (`--send-to`): a missing SPF record is then an error.
    pub sending: bool,
}

/// What mxray's provider knowledge base says about the provider of the configured host (else
/// of the username's or From address's domain), as it stood at the time of the run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ProviderView {
    pub id: String,
    pub name: String,
    /// How the provider was recognised: "host smtp.gmail.com", "address domain gmail.com".
    pub matched_by: String,
    /// The documented client servers of the protocol checked: "smtp.gmail.com:465 implicit
    /// (full address)".
    pub servers: Vec<String>,
    pub rules: Vec<ProviderRule>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ProviderRule {
    /// app_password_required, oauth_only, smtp_auth_off_by_default, …
    pub kind: String,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub source: String,
    /// The date the fact was last verified, or "undated".
    pub verified: String,
}
