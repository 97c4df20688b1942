//! The report's conclusions beyond the findings: the settings to use, the verdict on each
//! discovered setting, the per-area verdicts of a domain audit, the SPF totals and the DKIM
//! keys. `diagnose::advice` fills it from the evidence and the findings; every renderer only
//! formats it, so JSON (and any other format) carries what the human report shows.
// Evidence from servers and input from users reach this code: a surprise is a finding or an
// error, never a panic.
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

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Advice {
    /// `mxray check`: the block to copy into the mail client, or why there is none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<SettingsAdvice>,
    /// `mxray check ADDRESS`: the live verdict on each discovered setting, in the evidence's
    /// candidate order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<CandidateVerdict>,
    /// `mxray domain`: one verdict per area (MX, STARTTLS, SPF, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub areas: Vec<AreaVerdict>,
    /// `mxray domain`: the SPF tree's totals against RFC 7208's limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spf: Option<SpfTotals>,
    /// `mxray domain`: each DKIM key found, summarised.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dkim_keys: Vec<DkimKey>,
}

impl Advice {
    pub fn is_empty(&self) -> bool {
        self == &Advice::default()
    }
}

/// The settings to use, verified live, or the statement that none was found.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum SettingsAdvice {
    /// A setting that works (for discovery: the best outgoing one, and the incoming one).
    Use {
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        blocks: Vec<UseSettings>,
        /// How far the settings were verified.
        verified: Verification,
        /// The server's queue id for the accepted test message.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        queue_id: Option<String>,
        /// Discovery: the command line that tests the login on the best setting.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        test_login: Option<String>,
    },
    /// No working setting: `side` is "submission", "incoming (IMAP)", "outgoing mail"…
    NoneWorking { side: String, subject: String },
}

/// One block of settings to copy.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct UseSettings {
    /// smtp, imap or pop3.
    pub protocol: crate::evidence::Protocol,
    pub server: String,
    pub port: u16,
    /// In words, as mail clients name it: "SSL/TLS", "STARTTLS".
    pub security: String,
    /// The username to enter, in the provider's documented form where one is known.
    pub username: String,
}

/// How far "use these settings" was verified on the live server.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Verification {
    /// The login worked and the server accepted the test message.
    LoginAndMessage,
    /// The login worked; the test message was refused.
    LoginMessageRefused,
    /// The login worked.
    Login,
    /// The connection settings work; the login was refused.
    LoginRefused,
    /// Credentials were given, but the login could not be tried or did not complete.
    LoginNotCompleted,
    /// Connected with TLS as configured; no login was tried.
    Connection,
}

impl Verification {
    /// ("settings" or "connection settings", the words in parentheses).
    pub fn words(self) -> (&'static str, &'static str) {
        match self {
            Verification::LoginAndMessage => (
                "settings",
                "verified live: the login worked and the server accepted a test message",
            ),
            Verification::LoginMessageRefused => (
                "settings",
                "verified live; the login worked, the test message was refused: see the findings",
            ),
            Verification::Login => (
                "settings",
                "verified live; the login worked on the configured server",
            ),
            Verification::LoginRefused => (
                "connection settings",
                "verified live; the login was refused: see the findings",
            ),
            Verification::LoginNotCompleted => (
                "connection settings",
                "verified live; the login did not succeed: see the findings",
            ),
            Verification::Connection => ("settings", "verified live, without logging in"),
        }
    }
}

/// The live verdict on one discovered setting.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum CandidateVerdict {
    Works,
    Fails { why: String },
    NotProbed { why: String },
}

/// One area of a domain audit.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AreaVerdict {
    pub area: String,
    pub verdict: AreaState,
    /// Why the area was not judged, when it was not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum AreaState {
    Pass,
    Info,
    Warn,
    Fail,
    /// Nothing to judge (not asked for, or nothing published): never shown as a pass.
    NotChecked,
    /// The records could not be fetched (DNS failure, timeout): no pass either.
    CouldNotCheck,
}

/// The SPF tree's totals (RFC 7208 §4.6.4).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SpfTotals {
    pub lookups: usize,
    pub max_lookups: usize,
    pub void_lookups: usize,
    pub max_void_lookups: usize,
}

/// A DKIM key as published at one selector.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DkimKey {
    pub selector: String,
    /// Where the selector came from: given, a provider's, a common name.
    pub source: String,
    /// "RSA 2048-bit", "Ed25519", "revoked (empty p=)", "does not parse: …".
    pub summary: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bits: Option<u32>,
    #[serde(default)]
    pub revoked: bool,
    #[serde(default)]
    pub testing: bool,
    /// The key parses but no verifier would use it (e.g. an absurd RSA size).
    #[serde(default)]
    pub unusable: bool,
}
