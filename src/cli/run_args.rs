//! The settings of `mxray run`: one struct read both from mxray.toml (serde) and from the
//! command line (clap), so a flag and a key have one name, one type and one meaning.

use crate::report::FailOn;
use clap::{Args, ValueEnum};
use serde::Deserialize;
use std::path::PathBuf;

/// A required DMARC policy, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DmarcPolicy {
    None,
    Quarantine,
    Reject,
}

/// mxray.toml's top level and `mxray run`'s flags. A flag overrides the file (for lists:
/// `ignore` adds to it, the others replace it).
#[derive(Args, Deserialize, Debug, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct RunSettings {
    /// Lowest severity that makes a target fail (error, warning, info, never; default error).
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,
    /// Leave this finding code out of the exit decision (repeatable); it is still reported.
    #[arg(long = "ignore", value_name = "CODE")]
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Fail when a certificate has fewer days left (expect.cert-days).
    #[arg(long, value_name = "DAYS")]
    pub min_cert_days: Option<u32>,
    /// Fail when a port negotiates or accepts an older TLS version: 1.0, 1.1, 1.2 or 1.3
    /// (expect.tls-version).
    #[arg(long, value_name = "VERSION")]
    pub min_tls_version: Option<String>,
    /// Fail when a domain's DMARC policy is weaker (expect.dmarc-policy).
    #[arg(long, value_enum, value_name = "POLICY")]
    pub dmarc_policy: Option<DmarcPolicy>,
    /// Fail when one of these ports does not answer (expect.port-missing), e.g. `25,587`.
    #[arg(long, value_delimiter = ',', value_name = "PORTS")]
    #[serde(default)]
    pub required_ports: Vec<u16>,
    /// Timeout of each network phase, in seconds (0.5 to 120; default 10).
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<f64>,
    /// DNS server to use instead of the system resolver, `IP` or `IP:PORT` (repeatable).
    #[arg(long = "resolver", value_name = "IP[:PORT]")]
    #[serde(default)]
    pub resolver: Vec<String>,
    /// Extra trusted CA certificates (PEM).
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    /// Name to send in EHLO.
    #[arg(long, value_name = "NAME")]
    pub helo: Option<String>,
    #[arg(skip)]
    #[serde(default)]
    pub server: Vec<ServerTarget>,
    #[arg(skip)]
    #[serde(default)]
    pub domain: Vec<DomainTarget>,
    #[arg(skip)]
    #[serde(default)]
    pub check: Vec<CheckTarget>,
}

/// A port as `25` or `"4465/smtps"`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum PortItem {
    Number(u16),
    Text(String),
}

impl PortItem {
    pub fn text(&self) -> String {
        match self {
            PortItem::Number(n) => n.to_string(),
            PortItem::Text(t) => t.clone(),
        }
    }
}

/// The per-target expectations, the same keys as at the top level; they override it.
macro_rules! target {
    ($(#[$doc:meta])* $name:ident { $($(#[$fdoc:meta])* $field:ident : $ty:ty,)* }) => {
        $(#[$doc])*
        #[derive(Deserialize, Debug, Default, Clone)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $($(#[$fdoc])* pub $field: $ty,)*
            #[serde(default)]
            pub ignore: Vec<String>,
            pub fail_on: Option<FailOn>,
            pub min_cert_days: Option<u32>,
            pub min_tls_version: Option<String>,
            pub dmarc_policy: Option<DmarcPolicy>,
            pub required_ports: Option<Vec<u16>>,
        }
    };
}

target!(
    /// `[[server]]`: a mail server and its ports.
    ServerTarget {
        host: String,
        #[serde(default)]
        ports: Vec<PortItem>,
        tls_name: Option<String>,
    }
);

target!(
    /// `[[domain]]`: a mail domain.
    DomainTarget {
        name: String,
        #[serde(default)]
        dkim_selectors: Vec<String>,
        #[serde(default)]
        sending_ips: Vec<String>,
        mail_from: Option<String>,
        #[serde(default)]
        ports: Vec<PortItem>,
        #[serde(default)]
        no_probe: bool,
    }
);

target!(
    /// `[[check]]`: a mail client's settings; the password only through `password_env`.
    CheckTarget {
        url: Option<String>,
        host: Option<String>,
        port: Option<PortItem>,
        security: Option<String>,
        user: Option<String>,
        password_env: Option<String>,
        from: Option<String>,
        send_to: Option<String>,
        #[serde(default)]
        imap: bool,
        #[serde(default)]
        pop3: bool,
        auth_mech: Option<String>,
        #[serde(default)]
        insecure: bool,
        tls_name: Option<String>,
    }
);
