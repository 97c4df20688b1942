//! The environment and `.env` files: dotenv syntax, and each framework's variables.
//!
//! Dotenv syntax as phpdotenv, python-dotenv and Node's dotenv share it: `KEY=value`, an
//! optional `export ` before the key, `#` comments, blank lines, CRLF line ends, values in
//! single quotes (literal) or double quotes (`\n`, `\"`, `\\` escapes; may span lines). In an
//! unquoted value `#` starts a comment only after a space or tab. `${VAR}` is **not** expanded.
//! When a key appears twice the last one wins.

use std::collections::HashMap;
use std::path::Path;

use super::url::{self, Dialect};
use super::{
    differs, mailbox, parse_bool, parse_host, parse_port, Cand, ConfigProblem, Layer, Protocol,
    Secret, Security, SettingsError, Source,
};

/// One `KEY=value` of a `.env` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DotenvEntry {
    pub key: String,
    pub value: String,
    /// The line the key is on (1-based).
    pub line: usize,
    /// The value was in quotes.
    pub quoted: bool,
}

/// Parses dotenv text into its entries, in file order (duplicates kept), and warnings about lines
/// that were skipped. Warnings name lines, never values.
pub fn parse_dotenv(text: &str) -> (Vec<DotenvEntry>, Vec<String>) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // A lone CR ends a line as CRLF and LF do (phpdotenv, python-dotenv and Node's dotenv all
    // split on it), so comments, line numbers and values all end there.
    let chars: Vec<char> = text
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .collect();
    let mut entries = Vec::new();
    let mut warnings = Vec::new();
    let mut i = 0;
    let mut line = 1;
    let at_eol = |c: char| c == '\n' || c == '\r';

    while i < chars.len() {
        // Start of a line.
        while matches!(chars.get(i), Some(' ' | '\t')) {
            i += 1;
        }
        let Some(&c) = chars.get(i) else {
            break;
        };
        match c {
            '\n' => {
                line += 1;
                i += 1;
                continue;
            }
            '\r' => {
                i += 1;
                continue;
            }
            '#' => {
                while chars.get(i).is_some_and(|&c| c != '\n') {
                    i += 1;
                }
                continue;
            }
            _ => {}
        }

        let key_line = line;
        let start = i;
        while chars.get(i).is_some_and(|&c| c != '=' && !at_eol(c)) {
            i += 1;
        }
        if chars.get(i) != Some(&'=') {
            warnings.push(format!("line {key_line} is not KEY=value and was skipped"));
            continue;
        }
        let mut key: String = chars
            .get(start..i)
            .unwrap_or_default()
            .iter()
            .collect::<String>()
            .trim()
            .to_string();
        if let Some(rest) = key.strip_prefix("export") {
            if rest.starts_with([' ', '\t']) {
                key = rest.trim().to_string();
            }
        }
        i += 1; // '='
        if !is_variable_name(&key) {
            warnings.push(format!(
                "line {key_line}: not a variable name before '=', line skipped"
            ));
            while chars.get(i).is_some_and(|&c| c != '\n') {
                i += 1;
            }
            continue;
        }

        let mut spaced = false;
        while matches!(chars.get(i), Some(' ' | '\t')) {
            spaced = true;
            i += 1;
        }
        let quote = chars.get(i).copied().filter(|&c| c == '"' || c == '\'');
        let value = if let Some(q) = quote {
            i += 1;
            let Some(value) = quoted_value(&chars, &mut i, &mut line, q) else {
                warnings.push(format!(
                    "line {key_line}: {} has no closing quote and was skipped",
                    crate::escape::clip(&key, crate::escape::ECHO_CHARS)
                ));
                continue;
            };
            // After the closing quote: spaces, then a comment or the line's end.
            while matches!(chars.get(i), Some(' ' | '\t')) {
                i += 1;
            }
            if chars.get(i).is_some_and(|&c| !at_eol(c) && c != '#') {
                warnings.push(format!(
                    "line {line}: text after {}'s closing quote was ignored",
                    crate::escape::clip(&key, crate::escape::ECHO_CHARS)
                ));
            }
            while chars.get(i).is_some_and(|&c| c != '\n') {
                i += 1;
            }
            value
        } else {
            unquoted_value(&chars, &mut i, spaced)
        };
        entries.push(DotenvEntry {
            key,
            value,
            line: key_line,
            quoted: quote.is_some(),
        });
    }
    (entries, warnings)
}

fn is_variable_name(key: &str) -> bool {
    key.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

/// The value inside quote `q`, read from `chars[*i]` (just past the opening quote) to the closing
/// quote, which `*i` ends past; counts the lines it spans. None when the quote never closes.
fn quoted_value(chars: &[char], i: &mut usize, line: &mut usize, q: char) -> Option<String> {
    let mut value = String::new();
    while let Some(&c) = chars.get(*i) {
        *i += 1;
        match c {
            c if c == q => return Some(value),
            '\\' if q == '"' && *i < chars.len() => {
                let next = chars.get(*i).copied().unwrap_or('\\');
                *i += 1;
                match next {
                    'n' => value.push('\n'),
                    'r' => value.push('\r'),
                    't' => value.push('\t'),
                    '"' | '\\' | '$' => value.push(next),
                    other => {
                        value.push('\\');
                        value.push(other);
                    }
                }
            }
            '\r' if chars.get(*i) == Some(&'\n') => {}
            '\n' => {
                *line += 1;
                value.push('\n');
            }
            c => value.push(c),
        }
    }
    None
}

/// An unquoted value, from `chars[*i]` to the line's end (where `*i` stops), without its comment
/// and trailing blanks. `spaced`: blanks stood between the '=' and the value.
fn unquoted_value(chars: &[char], i: &mut usize, spaced: bool) -> String {
    let start = *i;
    while chars.get(*i).is_some_and(|&c| c != '\n' && c != '\r') {
        *i += 1;
    }
    let raw = chars.get(start..*i).unwrap_or_default();
    // '#' starts a comment at the value's start after a space, or after a space or tab.
    let mut end = raw.len();
    let mut before = None;
    for (j, &c) in raw.iter().enumerate() {
        if c == '#' && ((j == 0 && spaced) || matches!(before, Some(' ' | '\t'))) {
            end = j;
            break;
        }
        before = Some(c);
    }
    raw.get(..end)
        .unwrap_or_default()
        .iter()
        .collect::<String>()
        .trim_end()
        .to_string()
}

/// The variables mxray reads.
const KEYS: &[&str] = &[
    "MAILER_DSN",
    "MAIL_URL",
    "EMAIL_URL",
    "MAIL_HOST",
    "MAIL_PORT",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_ENCRYPTION",
    "MAIL_SCHEME",
    "MAIL_FROM_ADDRESS",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
    "DEFAULT_FROM_EMAIL",
    "SMTP_HOST",
    "SMTP_PORT",
    "SMTP_USER",
    "SMTP_USERNAME",
    "SMTP_PASSWORD",
    "SMTP_PASS",
    "SMTP_SECURE",
    "SMTP_FROM",
];

/// The variables read for `protocol`: the SMTP ones, or the incoming server's.
fn keys(protocol: Protocol) -> &'static [&'static str] {
    match protocol {
        Protocol::Smtp => KEYS,
        _ => mailbox::keys(protocol),
    }
}

/// The `--env-file` layer.
pub(super) fn env_file_layer(
    path: &Path,
    contents: &str,
    protocol: Protocol,
) -> Result<Layer, SettingsError> {
    let keys = keys(protocol);
    let shown = path.display();
    let (entries, warnings) = parse_dotenv(contents);
    let mut notes: Vec<String> = warnings
        .into_iter()
        .map(|w| format!("{shown}: {w}"))
        .collect();
    let mut first_line: HashMap<&str, usize> = HashMap::new();
    let mut vars: Vec<(String, String)> = Vec::new();
    for entry in &entries {
        let known = keys.contains(&entry.key.as_str());
        if let Some(previous) = first_line.insert(&entry.key, entry.line) {
            if known {
                notes.push(format!(
                    "{} is set twice in {shown} (lines {previous} and {}): the last one is used",
                    entry.key, entry.line
                ));
            }
        }
        vars.retain(|(k, _)| *k != entry.key);
        vars.push((entry.key.clone(), entry.value.clone()));
    }
    for (key, value) in &vars {
        if !keys.contains(&key.as_str()) {
            continue;
        }
        let entry = entries.iter().rev().find(|e| e.key == *key);
        if value.contains("${") {
            notes.push(format!(
                "{key} in {shown} holds ${{…}}: mxray does not expand variables and reads it as \
                 written (phpdotenv, dotenv-expand and Docker Compose would substitute it)"
            ));
        }
        if value.contains('#') && entry.is_some_and(|e| !e.quoted) {
            notes.push(format!(
                "{key} in {shown} holds an unquoted '#': mxray keeps it (as phpdotenv and \
                 python-dotenv do), but Node's dotenv cuts the value there; quote the value"
            ));
        }
    }
    let source = |key: &str| Source::EnvFile {
        path: path.to_path_buf(),
        key: key.to_string(),
    };
    let mut layer = vars_layer(&vars, &source, protocol)?;
    notes.append(&mut layer.notes);
    layer.notes = notes;
    Ok(layer)
}

/// The `--env` layer.
pub(super) fn env_layer(
    vars: &[(String, String)],
    protocol: Protocol,
) -> Result<Layer, SettingsError> {
    vars_layer(
        vars,
        &|key: &str| Source::Env {
            key: key.to_string(),
        },
        protocol,
    )
}

/// The variables of one source, read by each framework's names.
pub(super) struct Vars<'a> {
    pub(super) vars: &'a [(String, String)],
    pub(super) source: &'a dyn Fn(&str) -> Source,
}

impl Vars<'_> {
    /// The value, if set and not blank.
    pub(super) fn get(&self, key: &str) -> Option<&str> {
        self.vars
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.trim().is_empty())
    }

    pub(super) fn port(&self, key: &str) -> Result<Option<Cand<u16>>, SettingsError> {
        let Some(raw) = self.get(key) else {
            return Ok(None);
        };
        let source = (self.source)(key);
        let value = parse_port(raw, &source)?;
        let raw = differs(raw, &value);
        Ok(Some(Cand::new(value, source, raw)))
    }

    pub(super) fn host(&self, key: &str) -> Result<Option<Cand<String>>, SettingsError> {
        let Some(raw) = self.get(key) else {
            return Ok(None);
        };
        let source = (self.source)(key);
        let value = parse_host(raw, &source)?;
        let raw = differs(raw, &value);
        Ok(Some(Cand::new(value, source, raw)))
    }

    pub(super) fn text(&self, key: &str) -> Option<Cand<String>> {
        self.get(key)
            .map(|v| Cand::new(v.to_string(), (self.source)(key), None))
    }

    pub(super) fn password(&self, key: &str) -> Option<Cand<Secret>> {
        self.get(key)
            .map(|v| Cand::new(Secret::new(v), (self.source)(key), None))
    }

    pub(super) fn bool(&self, key: &str) -> Result<Option<(bool, &str)>, SettingsError> {
        let Some(raw) = self.get(key) else {
            return Ok(None);
        };
        match parse_bool(raw) {
            Some(b) => Ok(Some((b, raw))),
            None => Err(SettingsError::at(
                &(self.source)(key),
                Some(raw),
                "not a true/false value",
            )),
        }
    }

    pub(super) fn security(
        &self,
        key: &str,
        value: Security,
        raw: &str,
        note: String,
    ) -> Cand<Security> {
        Cand::new(value, (self.source)(key), Some(raw)).noted(note)
    }
}

fn vars_layer(
    vars: &[(String, String)],
    source: &dyn Fn(&str) -> Source,
    protocol: Protocol,
) -> Result<Layer, SettingsError> {
    let vars = Vars { vars, source };
    if protocol != Protocol::Smtp {
        return mailbox::vars_layer(&vars, protocol);
    }
    let mut layer = Layer::default();
    for (key, dialect) in [
        ("MAILER_DSN", Dialect::Symfony),
        ("MAIL_URL", Dialect::Symfony),
        ("EMAIL_URL", Dialect::Django),
    ] {
        let Some(text) = vars.get(key) else { continue };
        if key == "MAIL_URL" && is_laravel_null(text) {
            continue;
        }
        layer.absorb(
            url::parse(text, dialect, (vars.source)(key), false)?,
            "is used over",
        );
    }
    layer.absorb(laravel(&vars)?, "is used over");
    layer.absorb(django(&vars)?, "is used over");
    layer.absorb(generic(&vars)?, "is used over");
    Ok(layer)
}

/// Laravel's `env()` reads `null` and `(null)` as null, `empty` and `(empty)` as "".
fn is_laravel_null(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "null" | "(null)" | "empty" | "(empty)"
    )
}

/// Laravel: `MAIL_*`.
fn laravel(all: &Vars<'_>) -> Result<Layer, SettingsError> {
    let mut layer = Layer::default();
    // Laravel's null words: the variable is as good as unset.
    let mut nulls = Vec::new();
    let kept: Vec<(String, String)> = all
        .vars
        .iter()
        .filter(|(k, v)| {
            let null = k.starts_with("MAIL_") && KEYS.contains(&k.as_str()) && is_laravel_null(v);
            if null {
                nulls.push((all.source)(k).with_raw(Some(v.trim())));
            }
            !null
        })
        .cloned()
        .collect();
    let vars = Vars {
        vars: &kept,
        source: all.source,
    };
    nulls.sort();
    nulls.dedup();
    for null in nulls {
        layer
            .notes
            .push(format!("{null}: Laravel reads it as no value"));
    }

    layer.host = vars.host("MAIL_HOST")?;
    layer.port = vars.port("MAIL_PORT")?;
    layer.user = vars.text("MAIL_USERNAME");
    layer.password = vars.password("MAIL_PASSWORD");
    layer.from = vars.text("MAIL_FROM_ADDRESS");

    let port = layer.port.as_ref().map(|p| p.setting.value);
    if let Some(raw) = vars.get("MAIL_SCHEME") {
        let security = match raw.trim().to_ascii_lowercase().as_str() {
            "smtps" => vars.security(
                "MAIL_SCHEME",
                Security::Implicit,
                raw,
                format!("MAIL_SCHEME={raw} → implicit TLS (Laravel 11: smtps)"),
            ),
            "smtp" if port == Some(465) => vars.security(
                "MAIL_SCHEME",
                Security::Implicit,
                raw,
                format!(
                    "MAIL_SCHEME={raw} with MAIL_PORT=465 → implicit TLS (Symfony Mailer uses \
                     implicit TLS on port 465)"
                ),
            ),
            "smtp" => vars.security(
                "MAIL_SCHEME",
                Security::StarttlsIfOffered,
                raw,
                format!(
                    "MAIL_SCHEME={raw} → STARTTLS when the server offers it (opportunistic, \
                     Symfony Mailer)"
                ),
            ),
            _ => {
                return Err(SettingsError::at(
                    &(vars.source)("MAIL_SCHEME"),
                    Some(raw),
                    "unknown scheme (use smtp or smtps)",
                ))
            }
        };
        layer.security = Some(security);
        if vars.get("MAIL_ENCRYPTION").is_some() {
            layer.notes.push(
                "MAIL_ENCRYPTION is ignored: MAIL_SCHEME is set, and Laravel reads the scheme first"
                    .to_string(),
            );
        }
    } else if let Some(raw) = vars.get("MAIL_ENCRYPTION") {
        const LATER: &str = "Laravel 9 and later go by the port instead: implicit TLS on 465, \
                             STARTTLS when offered elsewhere";
        let (value, meaning) = match raw.trim().to_ascii_lowercase().as_str() {
            "tls" => (Security::Starttls, "tls is STARTTLS"),
            "starttls" => (Security::Starttls, "STARTTLS"),
            "ssl" => (Security::Implicit, "ssl is implicit TLS"),
            _ => {
                return Err(SettingsError::at(
                    &(vars.source)("MAIL_ENCRYPTION"),
                    Some(raw),
                    "unknown encryption (use tls, ssl or null)",
                ))
            }
        };
        layer.security = Some(vars.security(
            "MAIL_ENCRYPTION",
            value,
            raw,
            format!("MAIL_ENCRYPTION={raw} → {value} (Laravel/SwiftMailer: {meaning}; {LATER})"),
        ));
    }
    Ok(layer)
}

/// Django: `EMAIL_*` as settings files commonly read them from the environment.
fn django(vars: &Vars<'_>) -> Result<Layer, SettingsError> {
    let mut layer = Layer {
        host: vars.host("EMAIL_HOST")?,
        port: vars.port("EMAIL_PORT")?,
        user: vars.text("EMAIL_HOST_USER"),
        password: vars.password("EMAIL_HOST_PASSWORD"),
        from: vars.text("DEFAULT_FROM_EMAIL"),
        ..Layer::default()
    };
    let tls = vars.bool("EMAIL_USE_TLS")?;
    let ssl = vars.bool("EMAIL_USE_SSL")?;
    match (tls, ssl) {
        (Some((true, _)), Some((true, _))) => {
            layer.config_errors.push(ConfigProblem {
                source: (vars.source)("EMAIL_USE_TLS"),
                message: "EMAIL_USE_TLS and EMAIL_USE_SSL are both true: Django refuses to send \
                          (\"EMAIL_USE_TLS/EMAIL_USE_SSL are mutually exclusive, so only set one \
                          of those settings to True.\")"
                    .to_string(),
            });
            layer.notes.push(
                "EMAIL_USE_TLS and EMAIL_USE_SSL are both true, so neither is used".to_string(),
            );
        }
        (Some((true, raw)), _) => {
            layer.security = Some(vars.security(
                "EMAIL_USE_TLS",
                Security::Starttls,
                raw,
                format!("EMAIL_USE_TLS={raw} → STARTTLS (Django: EMAIL_USE_TLS is STARTTLS)"),
            ));
        }
        (_, Some((true, raw))) => {
            layer.security = Some(vars.security(
                "EMAIL_USE_SSL",
                Security::Implicit,
                raw,
                format!(
                    "EMAIL_USE_SSL={raw} → implicit TLS (Django: EMAIL_USE_SSL is implicit TLS)"
                ),
            ));
        }
        (Some((false, raw)), _) => {
            layer.security = Some(vars.security(
                "EMAIL_USE_TLS",
                Security::Plain,
                raw,
                format!(
                    "EMAIL_USE_TLS={raw} → no TLS (Django sends in plain text unless \
                     EMAIL_USE_TLS or EMAIL_USE_SSL is true)"
                ),
            ));
        }
        _ => {}
    }
    Ok(layer)
}

/// `SMTP_*`: nodemailer-style apps (`SMTP_SECURE=true|false`) and PHPMailer-style ones
/// (`SMTP_SECURE=tls|ssl`).
fn generic(vars: &Vars<'_>) -> Result<Layer, SettingsError> {
    let mut layer = Layer {
        host: vars.host("SMTP_HOST")?,
        port: vars.port("SMTP_PORT")?,
        user: vars
            .text("SMTP_USER")
            .or_else(|| vars.text("SMTP_USERNAME")),
        password: vars
            .password("SMTP_PASSWORD")
            .or_else(|| vars.password("SMTP_PASS")),
        from: vars.text("SMTP_FROM"),
        ..Layer::default()
    };
    if let Some(raw) = vars.get("SMTP_SECURE") {
        let (value, note) = match (raw.trim().to_ascii_lowercase().as_str(), parse_bool(raw)) {
            (_, Some(true)) => (
                Security::Implicit,
                "nodemailer: secure=true is TLS from the first byte",
            ),
            (_, Some(false)) => (
                Security::StarttlsIfOffered,
                "nodemailer: secure=false starts in plain text and upgrades if the server offers \
                 STARTTLS",
            ),
            ("tls", _) => (Security::Starttls, "PHPMailer: SMTPSecure tls is STARTTLS"),
            ("starttls", _) => (Security::Starttls, "STARTTLS"),
            ("ssl", _) => (
                Security::Implicit,
                "PHPMailer: SMTPSecure ssl is implicit TLS",
            ),
            _ => {
                return Err(SettingsError::at(
                    &(vars.source)("SMTP_SECURE"),
                    Some(raw),
                    "not a security setting (true, false, tls or ssl)",
                ))
            }
        };
        layer.security = Some(vars.security(
            "SMTP_SECURE",
            value,
            raw,
            format!("SMTP_SECURE={raw} → {value} ({note})"),
        ));
    }
    Ok(layer)
}
