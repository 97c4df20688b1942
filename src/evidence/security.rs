//! How a connection is secured, in one enum for every layer.

use super::Protocol;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How the connection to the server is secured: the one vocabulary of the settings, the
/// knowledge base (ISPDB `socketType`), discovery and the diagnosis.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Security {
    /// TLS from the first byte ("SMTPS", "SSL", usually port 465).
    Implicit,
    /// Plain connection upgraded with STARTTLS; sending fails if the server doesn't offer it.
    Starttls,
    /// STARTTLS when the server offers it, plain text otherwise ("opportunistic": Symfony's
    /// `smtp://`, nodemailer's `secure: false`).
    StarttlsIfOffered,
    /// No TLS at all.
    Plain,
}

impl Security {
    /// The port a client uses for this mode when none is given.
    pub fn default_port(self) -> u16 {
        self.port_for(Protocol::Smtp)
    }

    /// The standard client port of `protocol` in this mode (RFC 8314 for the implicit-TLS
    /// ones); SMTP without TLS is the relay port 25.
    pub fn port_for(self, protocol: Protocol) -> u16 {
        if protocol == Protocol::Smtp && self == Security::Plain {
            return 25;
        }
        super::ports::client_ports(protocol)
            .find(|s| s.security.is_implicit() == self.is_implicit())
            .map(|s| s.port)
            .unwrap_or(587)
    }

    /// The mode a standard port of `protocol` implies, if any.
    pub fn implied_by(protocol: Protocol, port: u16) -> Option<Security> {
        super::ports::standard(port)
            .filter(|s| s.protocol == protocol && (s.client || s.port == 25))
            .map(|s| s.security)
    }
}

impl Security {
    /// As mail clients name the setting: "SSL/TLS", "STARTTLS", "none".
    pub fn words(self) -> &'static str {
        match self {
            Security::Implicit => "SSL/TLS",
            Security::Starttls => "STARTTLS",
            Security::StarttlsIfOffered => "STARTTLS if offered",
            Security::Plain => "none",
        }
    }

    /// In a sentence: "SSL/TLS", "STARTTLS", "STARTTLS if offered", "no encryption".
    pub fn described(self) -> &'static str {
        match self {
            Security::Plain => "no encryption",
            s => s.words(),
        }
    }

    pub fn is_implicit(self) -> bool {
        self == Security::Implicit
    }

    /// The name a report stores (`ClientSettings.security`): implicit, starttls,
    /// starttls_if_offered, plain.
    pub fn name(self) -> &'static str {
        match self {
            Security::Implicit => "implicit",
            Security::Starttls => "starttls",
            Security::StarttlsIfOffered => "starttls_if_offered",
            Security::Plain => "plain",
        }
    }

    /// The mode a report's stored name stands for.
    pub fn from_name(name: &str) -> Option<Security> {
        [
            Security::Implicit,
            Security::Starttls,
            Security::StarttlsIfOffered,
            Security::Plain,
        ]
        .into_iter()
        .find(|s| s.name() == name)
    }

    /// The order to recommend modes in: implicit TLS first (RFC 8314 §3.3), plain last.
    pub fn preference(self) -> u8 {
        match self {
            Security::Implicit => 0,
            Security::Starttls => 1,
            Security::StarttlsIfOffered => 2,
            Security::Plain => 3,
        }
    }
}

impl fmt::Display for Security {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Security::Implicit => "implicit TLS",
            Security::Starttls => "STARTTLS",
            Security::StarttlsIfOffered => "opportunistic STARTTLS",
            Security::Plain => "no TLS",
        })
    }
}
