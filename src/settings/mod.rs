//! The settings input of `mxray check`: the user's SMTP settings, from flags, a URL or DSN, a
//! `.env` file and the environment, resolved into one [`Settings`] that records where each value
//! came from and how each framework's security word was read. Pure: no network, no file or
//! environment reads — the caller reads those and hands the text over in [`Inputs`].
//!
//! Precedence, highest first: flags (`--host`, `--port`, `--security`, `--user`, `--from`,
//! `--password-env`) > URL/DSN > `--env-file` > `--env`. Within the `.env` file or the
//! environment: a DSN (`MAILER_DSN`, then `MAIL_URL`, then `EMAIL_URL`) > Laravel `MAIL_*` >
//! Django `EMAIL_*` > `SMTP_*`; a value another source or variable overrides is named in
//! [`Settings::notes`].
//!
//! Security words mean what the framework that wrote them means (see [`Security`] and the notes):
//! mxray's own `--security tls|ssl|implicit` is implicit TLS, while Laravel's and PHPMailer's
//! `tls` is STARTTLS and Django's `EMAIL_USE_TLS` is STARTTLS.
//!
//! `.env` files are read with dotenv syntax; `${VAR}` references are **not** expanded (a note
//! says so when a value we use contains one).
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

pub mod credentials;
mod env;
mod mailbox;
mod url;
pub mod username;

#[cfg(test)]
mod tests;

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

pub use crate::evidence::Protocol;
pub use env::{parse_dotenv, DotenvEntry};

pub use crate::evidence::Security;

/// Where a resolved value came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A command-line flag, e.g. `Flag("--port")`.
    Flag(&'static str),
    /// The URL/DSN given to `mxray check`.
    Url,
    /// A variable of the `--env-file` file (for a DSN variable, the part of it).
    EnvFile { path: PathBuf, key: String },
    /// A variable of the environment (`--env`).
    Env { key: String },
    /// The environment variable named by `--password-env`.
    PasswordEnv { var: String },
    /// Not given: derived from another setting, e.g. "port 465".
    Inferred { from: String },
    /// Not given: the usual value.
    Default,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag(flag) => f.write_str(flag),
            Source::Url => f.write_str("the URL"),
            Source::EnvFile { path, key } => write!(f, "{key} in {}", path.display()),
            Source::Env { key } => write!(f, "{key} in the environment"),
            Source::PasswordEnv { var } => write!(f, "--password-env {var}"),
            Source::Inferred { from } => write!(f, "inferred from {from}"),
            Source::Default => f.write_str("the default"),
        }
    }
}

impl Source {
    /// "KEY=value in .env", "--port 70000", "the URL": the source with the value the user wrote,
    /// for error messages. `raw` is `None` for values that must not be echoed or that are a part
    /// of a larger value (a DSN).
    fn with_raw(&self, raw: Option<&str>) -> String {
        match (self, raw) {
            (Source::Flag(flag), Some(raw)) => {
                format!(
                    "{flag} {}",
                    crate::escape::clip(raw, crate::escape::ECHO_CHARS)
                )
            }
            (Source::EnvFile { path, key }, Some(raw)) => {
                format!(
                    "{key}={} in {}",
                    crate::escape::clip(raw, crate::escape::ECHO_CHARS),
                    path.display()
                )
            }
            (Source::Env { key }, Some(raw)) => {
                format!(
                    "{key}={} in the environment",
                    crate::escape::clip(raw, crate::escape::ECHO_CHARS)
                )
            }
            _ => self.to_string(),
        }
    }
}

/// One resolved value and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Setting<T> {
    pub value: T,
    pub source: Source,
    /// What the user wrote, when it differs from or explains `value` (e.g. `"tls"`,
    /// `"True"`, `"default"`). Never set for the password.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw: Option<String>,
}

impl<T> Setting<T> {
    fn new(value: T, source: Source, raw: Option<&str>) -> Self {
        Setting {
            value,
            source,
            raw: raw.map(str::to_string),
        }
    }
}

pub use crate::secret::Secret;

/// A setting the app itself would refuse, e.g. Django's `EMAIL_USE_TLS` and `EMAIL_USE_SSL` both
/// true. Resolution goes on without it; the caller reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigProblem {
    pub source: Source,
    pub message: String,
}

/// The resolved settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Settings {
    /// SMTP (sending), or IMAP/POP3 (reading) with `--imap`/`--pop3` or an `imap://`,
    /// `imaps://`, `pop3://`, `pop3s://` URL.
    pub protocol: Protocol,
    pub host: Option<Setting<String>>,
    pub port: Option<Setting<u16>>,
    pub security: Option<Setting<Security>>,
    pub user: Option<Setting<String>>,
    /// Never serialized: evidence files must not carry it, not even as `***`.
    #[serde(skip)]
    pub password: Option<Setting<Secret>>,
    pub from: Option<Setting<String>>,
    /// `Some(false)` when a DSN turns certificate verification off (`?verify_peer=0`).
    pub verify_peer: Option<Setting<bool>>,
    /// `mailjet` for a Symfony `mailjet+smtp://` DSN.
    pub provider_hint: Option<String>,
    /// How each value was read: framework word mappings, inferences, overridden values.
    pub notes: Vec<String>,
    /// Settings the app itself would refuse.
    pub config_errors: Vec<ConfigProblem>,
    /// The URL given on the command line holds a password (`config.password-on-command-line`).
    pub password_on_command_line: bool,
}

/// The flags' values, as typed (validated here so that messages name the flag).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlagValues {
    pub host: Option<String>,
    pub port: Option<String>,
    /// `tls`, `ssl`, `implicit`, `starttls` or `none`.
    pub security: Option<String>,
    pub user: Option<String>,
    pub from: Option<String>,
}

/// Everything [`resolve`] reads. The caller fills it: it reads the `.env` file and the
/// environment.
#[derive(Clone, Default)]
pub struct Inputs {
    pub flags: FlagValues,
    /// `--imap` / `--pop3`: the settings are the incoming server's. `None`: SMTP, unless the
    /// URL's scheme names IMAP or POP3.
    pub protocol: Option<Protocol>,
    /// A URL or DSN: `smtp://user@host:587`, `smtps://…`, `submission://…`, a Symfony DSN.
    pub url: Option<String>,
    /// The URL came from the command line (a password in it is then visible in `ps`).
    pub url_from_command_line: bool,
    /// `--env-file`: the path as given and the file's contents.
    pub env_file: Option<(PathBuf, String)>,
    /// `--env`: the environment's variables.
    pub env: Option<Vec<(String, String)>>,
    /// `--password-env VAR`: the name and the variable's value (`None`: not set).
    pub password_env: Option<(String, Option<String>)>,
}

/// Keeps passwords out of logs: the URL is shown with its password masked, the environment and
/// the `.env` file only by size.
impl fmt::Debug for Inputs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inputs")
            .field("flags", &self.flags)
            .field("protocol", &self.protocol)
            .field("url", &self.url.as_deref().map(url::redact))
            .field("url_from_command_line", &self.url_from_command_line)
            .field(
                "env_file",
                &self
                    .env_file
                    .as_ref()
                    .map(|(p, c)| format!("{} ({} bytes)", p.display(), c.len())),
            )
            .field(
                "env",
                &self.env.as_ref().map(|v| format!("{} variables", v.len())),
            )
            .field(
                "password_env",
                &self.password_env.as_ref().map(|(var, value)| {
                    format!(
                        "{var} ({})",
                        if value.is_some() { "set" } else { "not set" }
                    )
                }),
            )
            .finish()
    }
}

/// A setting that can't be used; the message is one line and names its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsError {
    message: String,
}

impl SettingsError {
    fn new(message: impl Into<String>) -> Self {
        SettingsError {
            message: message.into(),
        }
    }

    /// `source` with the value as written (if it may be echoed), then the problem.
    fn at(source: &Source, raw: Option<&str>, problem: impl fmt::Display) -> Self {
        SettingsError::new(format!("{}: {problem}", source.with_raw(raw)))
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SettingsError {}

/// Resolves the inputs into one [`Settings`]; see the module documentation for the order.
pub fn resolve(input: Inputs) -> Result<Settings, SettingsError> {
    let protocol = mailbox::protocol(input.protocol, input.url.as_deref())?;
    let mut layers = Vec::with_capacity(4);
    layers.push(flag_layer(&input.flags, input.password_env.as_ref())?);
    if let Some(text) = input.url.as_deref() {
        layers.push(match protocol {
            Protocol::Smtp => url::parse(
                text,
                url::Dialect::Symfony,
                Source::Url,
                input.url_from_command_line,
            )?,
            _ => mailbox::parse_url(text, Source::Url, input.url_from_command_line)?,
        });
    }
    if let Some((path, contents)) = &input.env_file {
        layers.push(env::env_file_layer(path, contents, protocol)?);
    }
    if let Some(vars) = &input.env {
        layers.push(env::env_layer(vars, protocol)?);
    }

    let mut merged = Layer::default();
    for layer in layers {
        merged.absorb(layer, "overrides");
    }
    credentials::checked(merged.finish(protocol))
}

/// A candidate value and the note that explains how it was read (kept only if it wins).
#[derive(Debug, Clone)]
struct Cand<T> {
    setting: Setting<T>,
    note: Option<String>,
}

impl<T> Cand<T> {
    fn new(value: T, source: Source, raw: Option<&str>) -> Self {
        Cand {
            setting: Setting::new(value, source, raw),
            note: None,
        }
    }

    fn noted(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }
}

/// What one source (or one family of variables within a source) says.
#[derive(Debug, Default)]
struct Layer {
    host: Option<Cand<String>>,
    port: Option<Cand<u16>>,
    security: Option<Cand<Security>>,
    user: Option<Cand<String>>,
    password: Option<Cand<Secret>>,
    from: Option<Cand<String>>,
    verify_peer: Option<Cand<bool>>,
    provider_hint: Option<String>,
    /// The port a scheme implies when the URL has none (`smtps://` → 465), with the reason.
    port_hint: Option<(u16, String)>,
    notes: Vec<String>,
    config_errors: Vec<ConfigProblem>,
    password_on_command_line: bool,
}

impl Layer {
    /// Adds a lower-precedence layer: its values fill the gaps, and values it loses are noted
    /// (`verb`: "overrides" between sources, "is used over" between variables of one source).
    fn absorb(&mut self, lower: Layer, verb: &str) {
        self.notes.extend(lower.notes);
        pick(&mut self.host, lower.host, "host", verb, &mut self.notes);
        pick(&mut self.port, lower.port, "port", verb, &mut self.notes);
        pick(
            &mut self.security,
            lower.security,
            "security",
            verb,
            &mut self.notes,
        );
        pick(&mut self.user, lower.user, "user", verb, &mut self.notes);
        pick(&mut self.from, lower.from, "from", verb, &mut self.notes);
        pick(
            &mut self.verify_peer,
            lower.verify_peer,
            "verify_peer",
            verb,
            &mut self.notes,
        );
        match (&self.password, lower.password) {
            (None, lower) => self.password = lower,
            (Some(kept), Some(lost)) if kept.setting.value != lost.setting.value => {
                self.notes.push(format!(
                    "the password from {} {verb} the one from {}",
                    kept.setting.source, lost.setting.source
                ));
            }
            _ => {}
        }
        if self.provider_hint.is_none() {
            self.provider_hint = lower.provider_hint;
        }
        if self.port_hint.is_none() {
            self.port_hint = lower.port_hint;
        }
        self.config_errors.extend(lower.config_errors);
        self.password_on_command_line |= lower.password_on_command_line;
    }

    /// Fills what can be inferred and turns the layer into [`Settings`].
    fn finish(mut self, protocol: Protocol) -> Settings {
        if self.security.is_none() {
            if let Some(port) = &self.port {
                let inferred = Security::implied_by(protocol, port.setting.value);
                let p = port.setting.value;
                match inferred {
                    Some(security) => {
                        self.security = Some(
                            Cand::new(
                                security,
                                Source::Inferred {
                                    from: format!("port {p}"),
                                },
                                None,
                            )
                            .noted(format!(
                                "no security setting: port {p} → {security} (inferred)"
                            )),
                        );
                    }
                    None => self.notes.push(format!(
                        "no security setting, and port {p} doesn't imply one"
                    )),
                }
            }
        }
        if self.port.is_none() {
            if let Some((port, why)) = self.port_hint.take() {
                self.port = Some(Cand::new(port, Source::Default, None).noted(why));
            } else if let Some(security) = &self.security {
                let (s, port) = (
                    security.setting.value,
                    security.setting.value.port_for(protocol),
                );
                self.port = Some(
                    Cand::new(port, Source::Default, None)
                        .noted(format!("no port given: {port}, the usual port for {s}")),
                );
            }
        }

        let mut notes = Vec::new();
        let host = settle(self.host, &mut notes);
        let port = settle(self.port, &mut notes);
        let security = settle(self.security, &mut notes);
        let user = settle(self.user, &mut notes);
        let password = settle(self.password, &mut notes);
        let from = settle(self.from, &mut notes);
        let verify_peer = settle(self.verify_peer, &mut notes);
        notes.extend(self.notes);

        Settings {
            protocol,
            host,
            port,
            security,
            user,
            password,
            from,
            verify_peer,
            provider_hint: self.provider_hint,
            notes,
            config_errors: self.config_errors,
            password_on_command_line: self.password_on_command_line,
        }
    }
}

/// The winning value, its note kept.
fn settle<T>(cand: Option<Cand<T>>, notes: &mut Vec<String>) -> Option<Setting<T>> {
    cand.map(|c| {
        notes.extend(c.note);
        c.setting
    })
}

/// Keeps `slot` if set (noting a differing `lower`), else takes `lower`.
fn pick<T: PartialEq + fmt::Display>(
    slot: &mut Option<Cand<T>>,
    lower: Option<Cand<T>>,
    what: &str,
    verb: &str,
    notes: &mut Vec<String>,
) {
    match (slot.as_ref(), lower) {
        (None, lower) => *slot = lower,
        (Some(kept), Some(lost)) if kept.setting.value != lost.setting.value => {
            notes.push(format!(
                "{what} {} from {} {verb} {} from {}",
                shown(&kept.setting),
                kept.setting.source,
                shown(&lost.setting),
                lost.setting.source
            ));
        }
        _ => {}
    }
}

/// A value for a note: what the user wrote if that says more.
fn shown<T: fmt::Display>(setting: &Setting<T>) -> String {
    match &setting.raw {
        Some(raw) if *raw != setting.value.to_string() => format!("{} ({raw})", setting.value),
        _ => setting.value.to_string(),
    }
}

/// The flags and `--password-env`.
fn flag_layer(
    flags: &FlagValues,
    password_env: Option<&(String, Option<String>)>,
) -> Result<Layer, SettingsError> {
    let mut layer = Layer::default();
    if let Some(raw) = &flags.host {
        let source = Source::Flag("--host");
        let host = parse_host(raw, &source)?;
        layer.host = Some(Cand::new(host.clone(), source, differs(raw, &host)));
    }
    if let Some(raw) = &flags.port {
        let source = Source::Flag("--port");
        let port = parse_port(raw, &source)?;
        layer.port = Some(Cand::new(port, source, differs(raw, &port)));
    }
    if let Some(raw) = &flags.security {
        let source = Source::Flag("--security");
        let security = match raw.trim().to_ascii_lowercase().as_str() {
            "tls" | "ssl" | "implicit" => Security::Implicit,
            "starttls" => Security::Starttls,
            "none" => Security::Plain,
            _ => {
                return Err(SettingsError::at(
                    &source,
                    Some(raw),
                    "unknown security (use tls, ssl, implicit, starttls or none)",
                ))
            }
        };
        let mut cand = Cand::new(security, source, Some(raw));
        if matches!(raw.trim().to_ascii_lowercase().as_str(), "tls" | "ssl") {
            cand = cand.noted(format!(
                "--security {raw} → implicit TLS (mxray's tls and ssl both mean TLS from the first \
                 byte; use starttls for STARTTLS)"
            ));
        }
        layer.security = Some(cand);
    }
    if let Some(raw) = &flags.user {
        let source = Source::Flag("--user");
        layer.user = Some(Cand::new(non_empty(raw, &source)?, source, None));
    }
    if let Some(raw) = &flags.from {
        let source = Source::Flag("--from");
        layer.from = Some(Cand::new(non_empty(raw, &source)?, source, None));
    }
    if let Some((var, value)) = password_env {
        let source = Source::PasswordEnv { var: var.clone() };
        match value.as_deref() {
            None => {
                return Err(SettingsError::at(
                    &source,
                    None,
                    format!("{var} is not set"),
                ));
            }
            Some("") => {
                return Err(SettingsError::at(&source, None, format!("{var} is empty")));
            }
            Some(password) => layer.password = Some(Cand::new(Secret::new(password), source, None)),
        }
    }
    Ok(layer)
}

fn non_empty(raw: &str, source: &Source) -> Result<String, SettingsError> {
    if raw.trim().is_empty() {
        return Err(SettingsError::at(source, None, "empty"));
    }
    Ok(raw.to_string())
}

/// `raw`, if it says more than the value it gave.
fn differs<'a>(raw: &'a str, value: &impl fmt::Display) -> Option<&'a str> {
    (raw != value.to_string()).then_some(raw)
}

/// A port number, 1–65535.
fn parse_port(raw: &str, source: &Source) -> Result<u16, SettingsError> {
    let text = raw.trim();
    match text.parse::<u32>() {
        Ok(n) if (1..=65535).contains(&n) && text.bytes().all(|b| b.is_ascii_digit()) => {
            Ok(n as u16)
        }
        Ok(_) => Err(SettingsError::at(
            source,
            Some(raw),
            "not a port number (1-65535)",
        )),
        Err(_) => Err(SettingsError::at(source, Some(raw), "not a port number")),
    }
}

/// A host name or IP address; `[…]` around an IPv6 address is removed.
fn parse_host(raw: &str, source: &Source) -> Result<String, SettingsError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(SettingsError::at(source, Some(raw), "empty host name"));
    }
    if text.contains("://") {
        return Err(SettingsError::at(
            source,
            Some(raw),
            "a URL where a host name belongs (give the URL itself, or only the host name)",
        ));
    }
    if let Some(inner) = text.strip_prefix('[') {
        let inner = inner.strip_suffix(']').unwrap_or(inner);
        return match inner.parse::<std::net::Ipv6Addr>() {
            Ok(_) => Ok(inner.to_string()),
            Err(_) => Err(SettingsError::at(source, Some(raw), "not an IPv6 address")),
        };
    }
    if text.contains(':') && text.parse::<std::net::Ipv6Addr>().is_err() {
        return Err(SettingsError::at(
            source,
            Some(raw),
            "a host name can't hold ':' (give the port separately)",
        ));
    }
    if text
        .chars()
        .any(|c| c.is_whitespace() || matches!(c, '/' | '@' | '?' | '#'))
    {
        return Err(SettingsError::at(source, Some(raw), "not a host name"));
    }
    Ok(text.to_string())
}

/// A yes/no word as Python and PHP settings libraries read it.
fn parse_bool(raw: &str) -> Option<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "t" | "yes" | "y" | "on" => Some(true),
        "0" | "false" | "f" | "no" | "n" | "off" => Some(false),
        _ => None,
    }
}
