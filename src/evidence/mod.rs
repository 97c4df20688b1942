//! The recorded facts of a run. Pure data (serde), no logic: a timeout or a reset is an
//! observation recorded here, never an `Err`. Diagnosis reads only this.
// Values from the user, the network and saved reports: a bad one is an error, never a panic.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic,
        clippy::string_slice
    )
)]

use serde::{Deserialize, Serialize};
use std::net::IpAddr;

mod login;
pub mod ports;
mod security;
mod tls;
pub use login::{
    LoginAttempt, LoginNotTried, NotTriedReason, RelayTest, SendAttempt, UsernameRetry,
};
pub use security::Security;
pub use tls::{
    Certificate, HandshakeFailure, HandshakeFailureKind, LegacyAttempt, LegacyTls, TlsSession,
    Verification,
};

/// Bumped when a field changes meaning or disappears; additions keep the version.
pub const SCHEMA_VERSION: u32 = 1;

/// What `mxray server` observed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ServerEvidence {
    pub host: String,
    pub options: ProbeSettings,
    pub resolution: Resolution,
    pub probes: Vec<PortProbe>,
}

/// The settings that shaped the probe, so an offline diagnosis knows what was asked.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ProbeSettings {
    pub timeout_ms: u64,
    pub helo: String,
    pub tls_name: Option<String>,
    pub resolvers: Vec<String>,
    pub ports: Vec<PortSpec>,
    pub families: Vec<Family>,
    pub legacy_tls: bool,
    pub slow_threshold_ms: u64,
    pub expiry_warning_days: u32,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    Ipv4,
    Ipv6,
}

impl Family {
    pub fn of(ip: &IpAddr) -> Family {
        if ip.is_ipv4() {
            Family::Ipv4
        } else {
            Family::Ipv6
        }
    }
}

/// A port to probe and the protocol mxray expects there.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
pub struct PortSpec {
    pub port: u16,
    /// `None`: unknown port, the role is sniffed.
    pub role: Option<Role>,
    /// The user named this port (rather than it being a default).
    pub explicit: bool,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Relay/MX SMTP: plaintext first, STARTTLS optional, no AUTH expected.
    Smtp,
    /// Message submission: plaintext first, STARTTLS, AUTH expected (RFC 6409).
    Submission,
    /// Submission over implicit TLS (RFC 8314).
    Submissions,
    Imap,
    Imaps,
    Pop3,
    Pop3s,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    #[default]
    Smtp,
    Imap,
    Pop3,
}

impl Protocol {
    /// "SMTP", "IMAP", "POP3".
    pub fn label(self) -> &'static str {
        match self {
            Protocol::Smtp => "SMTP",
            Protocol::Imap => "IMAP",
            Protocol::Pop3 => "POP3",
        }
    }
}

impl Role {
    pub fn protocol(self) -> Protocol {
        match self {
            Role::Smtp | Role::Submission | Role::Submissions => Protocol::Smtp,
            Role::Imap | Role::Imaps => Protocol::Imap,
            Role::Pop3 | Role::Pop3s => Protocol::Pop3,
        }
    }
    pub fn implicit_tls(self) -> bool {
        matches!(self, Role::Submissions | Role::Imaps | Role::Pop3s)
    }
    /// Roles where a mail client logs in, so AUTH must be offered.
    pub fn expects_auth(self) -> bool {
        matches!(self, Role::Submission | Role::Submissions)
    }
    pub fn name(self) -> &'static str {
        match self {
            Role::Smtp => "smtp",
            Role::Submission => "submission",
            Role::Submissions => "submissions",
            Role::Imap => "imap",
            Role::Imaps => "imaps",
            Role::Pop3 => "pop3",
            Role::Pop3s => "pop3s",
        }
    }
    /// The same protocol with the other TLS mode, for "what would work" probes.
    pub fn flipped_tls(self) -> Role {
        match self {
            Role::Smtp | Role::Submission => Role::Submissions,
            Role::Submissions => Role::Submission,
            Role::Imap => Role::Imaps,
            Role::Imaps => Role::Imap,
            Role::Pop3 => Role::Pop3s,
            Role::Pop3s => Role::Pop3,
        }
    }
}

/// Outcome of one DNS question.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Lookup {
    pub name: String,
    pub rtype: String,
    pub status: LookupStatus,
    /// Answers in presentation form (addresses, names).
    #[serde(default)]
    pub records: Vec<String>,
    pub duration_ms: u64,
    /// Resolver error text, for `Failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum LookupStatus {
    Ok,
    /// NXDOMAIN: the name does not exist.
    NxDomain,
    /// NOERROR with no answer of this type (NODATA).
    NoRecords,
    Timeout,
    ServFail,
    Refused,
    /// Any other resolver failure; see `error`.
    Failed,
    /// Not asked (family filtered out, IP literal target).
    Skipped,
}

/// rustls' bound on one handshake message (its deframer refuses more, against memory
/// exhaustion); a certificate chain must fit in it.
pub const MAX_HANDSHAKE_MESSAGE: u64 = 0xffff;

impl LookupStatus {
    /// The status in words, as reports and error messages say it.
    pub fn words(self) -> &'static str {
        match self {
            LookupStatus::Ok => "ok",
            LookupStatus::NxDomain => "NXDOMAIN (no such name)",
            LookupStatus::NoRecords => "no records of this type (NODATA)",
            LookupStatus::Timeout => "the resolver did not answer in time",
            LookupStatus::ServFail => "SERVFAIL (the resolver could not get an answer)",
            LookupStatus::Refused => "REFUSED (the resolver will not answer this query)",
            LookupStatus::Failed => "resolver error",
            LookupStatus::Skipped => "not asked",
        }
    }

    pub fn is_failure(self) -> bool {
        matches!(
            self,
            LookupStatus::Timeout
                | LookupStatus::ServFail
                | LookupStatus::Refused
                | LookupStatus::Failed
        )
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Resolution {
    /// The target was an IP literal: no forward lookup was made.
    pub ip_literal: bool,
    pub a: Option<Lookup>,
    pub aaaa: Option<Lookup>,
    pub addresses: Vec<AddressInfo>,
}

/// Reverse DNS of one address, and whether it is forward-confirmed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AddressInfo {
    pub ip: IpAddr,
    pub family: Family,
    pub ptr: Lookup,
    /// Forward lookups of each PTR name.
    #[serde(default)]
    pub forward: Vec<Lookup>,
    /// Some PTR name resolves back to this address. `None` when no PTR was found.
    pub fcrdns: Option<bool>,
}

/// How the stream was secured.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    Implicit,
    Starttls,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PhaseName {
    Sniff,
    Connect,
    Greeting,
    Ehlo,
    Helo,
    Capability,
    Starttls,
    TlsHandshake,
    EhloAfterTls,
    CapabilityAfterTls,
    Quit,
    /// A second connection that tries the other TLS mode, to say what would work.
    AlternateMode,
    LegacyTls,
    /// The opt-in open-relay test (MAIL/RCPT/RSET).
    RelayTest,
    /// `mxray check` with a password: one AUTH on the configured endpoint.
    Login,
    /// `mxray check --send-to`: MAIL FROM, RCPT TO, DATA and the test message.
    Send,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    Ok,
    /// No answer within the phase timeout.
    Timeout,
    Refused,
    /// The peer reset or closed the connection.
    Reset,
    Closed,
    Unreachable {
        detail: String,
    },
    /// The server sent something the protocol does not allow.
    Violation {
        detail: String,
    },
    /// The server answered with a protocol-level refusal (e.g. 454 to STARTTLS).
    Rejected {
        reply: String,
    },
    Error {
        detail: String,
    },
}

impl Outcome {
    pub fn is_ok(&self) -> bool {
        matches!(self, Outcome::Ok)
    }
}

/// One timed step of a port's dialogue.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Phase {
    pub phase: PhaseName,
    /// Offset from the start of the port probe.
    pub start_ms: u64,
    pub duration_ms: u64,
    pub outcome: Outcome,
}

/// A server reply: SMTP code and lines, or the IMAP/POP3 status line(s).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Reply {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<u16>,
    pub lines: Vec<String>,
}

impl Reply {
    pub fn text(&self) -> String {
        self.lines.join(" | ")
    }
}

/// What the server advertised, parsed from EHLO, IMAP CAPABILITY or POP3 CAPA.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Capabilities {
    /// ehlo, helo, capability, capa
    pub via: String,
    /// Keywords as sent, without the code prefix.
    pub raw: Vec<String>,
    pub starttls: bool,
    pub auth: Vec<String>,
    /// SMTP extension keywords (PIPELINING, 8BITMIME, …), upper case.
    #[serde(default)]
    pub extensions: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_limit: Option<u64>,
    /// IMAP LOGINDISABLED.
    #[serde(default)]
    pub login_disabled: bool,
    /// POP3 USER (plaintext USER/PASS allowed).
    #[serde(default)]
    pub user_pass: bool,
    /// The EHLO name the server announced in its first 250 line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_name: Option<String>,
}

/// When the configured mode failed, what the other mode showed on a fresh connection.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AlternateMode {
    pub role: Role,
    pub works: bool,
    pub detail: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum Direction {
    #[serde(rename = "C")]
    Client,
    #[serde(rename = "S")]
    Server,
    /// A note by mxray (TLS started, timeout, …).
    #[serde(rename = "*")]
    Note,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TranscriptLine {
    pub t_ms: u64,
    pub dir: Direction,
    pub text: String,
}

/// Everything observed on one address:port.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PortProbe {
    pub address: IpAddr,
    pub port: u16,
    /// The role probed (after sniffing, for unknown ports).
    pub role: Option<Role>,
    pub explicit: bool,
    /// How an unknown port's role was found, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sniffed: Option<String>,
    pub phases: Vec<Phase>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub greeting: Option<Reply>,
    /// Capabilities before TLS (plaintext-first ports) or on the implicit-TLS session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<Capabilities>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starttls_reply: Option<Reply>,
    /// Bytes the server sent after its STARTTLS go-ahead and before the handshake.
    #[serde(default)]
    pub plaintext_after_starttls: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsSession>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capabilities_after_tls: Option<Capabilities>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legacy_tls: Option<LegacyTls>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alternate: Option<AlternateMode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relay_test: Option<RelayTest>,
    /// `mxray check` with a password: the one login on the configured endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login: Option<LoginAttempt>,
    /// `mxray check` with credentials: why this endpoint did not send them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_not_tried: Option<LoginNotTried>,
    /// `mxray check --send-to`: the one test message, sent after a successful login.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send: Option<SendAttempt>,
    pub duration_ms: u64,
    pub transcript: Vec<TranscriptLine>,
}

impl PortProbe {
    /// Nothing observed yet on `address` and the port of `spec`.
    pub fn empty(address: IpAddr, spec: PortSpec) -> PortProbe {
        PortProbe {
            address,
            port: spec.port,
            role: spec.role,
            explicit: spec.explicit,
            sniffed: None,
            phases: Vec::new(),
            greeting: None,
            capabilities: None,
            starttls_reply: None,
            plaintext_after_starttls: false,
            tls: None,
            capabilities_after_tls: None,
            legacy_tls: None,
            alternate: None,
            relay_test: None,
            login: None,
            login_not_tried: None,
            send: None,
            duration_ms: 0,
            transcript: Vec::new(),
        }
    }
    pub fn phase(&self, name: PhaseName) -> Option<&Phase> {
        self.phases.iter().find(|p| p.phase == name)
    }
    pub fn connected(&self) -> bool {
        self.phase(PhaseName::Connect)
            .is_some_and(|p| p.outcome.is_ok())
    }
    /// The first phase that did not end well: where the dialogue stopped.
    pub fn failure(&self) -> Option<&Phase> {
        self.phases.iter().find(|p| {
            !p.outcome.is_ok()
                && !matches!(
                    p.phase,
                    PhaseName::LegacyTls
                        | PhaseName::AlternateMode
                        | PhaseName::RelayTest
                        | PhaseName::Login
                        | PhaseName::Send
                )
        })
    }
    /// Capabilities after TLS when there were any, else before.
    pub fn best_capabilities(&self) -> Option<&Capabilities> {
        self.capabilities_after_tls
            .as_ref()
            .or(self.capabilities.as_ref())
    }
    pub fn endpoint(&self) -> String {
        match self.address {
            IpAddr::V4(a) => format!("{a}:{}", self.port),
            IpAddr::V6(a) => format!("[{a}]:{}", self.port),
        }
    }
}

pub mod check;
pub mod discovery;
pub mod domain;
