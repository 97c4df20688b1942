//! The incoming side (`mxray check --imap` / `--pop3`): which protocol the input is about, the
//! `imap://`, `imaps://`, `pop3://`, `pop3s://` (and `pop://`, `pops://`) URLs, and the
//! `IMAP_*` / `POP3_*` variables apps use for the server they read mail from.
//!
//! With `--imap` or `--pop3` only these are read: the SMTP variables (`MAIL_*`, `SMTP_*`, …)
//! describe the sending side and would silently fill in the wrong server.

use super::env::Vars;
use super::url::{decode, parse_query, split_host_port};
use super::{parse_bool, Cand, Layer, Protocol, Secret, Security, SettingsError, Source};

/// The protocol the user asked for: `--imap`/`--pop3`, or the URL's scheme. Contradictions
/// (`--pop3 imaps://…`, `--imap smtp://…`) are errors rather than guesses.
pub(super) fn protocol(
    flag: Option<Protocol>,
    url: Option<&str>,
) -> Result<Protocol, SettingsError> {
    let from_url = url.and_then(url_protocol);
    let flag_name = |p: Protocol| match p {
        Protocol::Imap => "--imap",
        Protocol::Pop3 => "--pop3",
        Protocol::Smtp => "",
    };
    match (flag, from_url, url) {
        (Some(f), Some(u), _) if f != u => Err(SettingsError::new(format!(
            "{}: the URL is {} URL; drop {} or give {} URL ({})",
            flag_name(f),
            a(u),
            flag_name(f),
            a(f),
            schemes(f)
        ))),
        (Some(f), None, Some(_)) if f != Protocol::Smtp => Err(SettingsError::new(format!(
            "{}: the URL is not {} URL (use {})",
            flag_name(f),
            a(f),
            schemes(f)
        ))),
        (Some(f), _, _) => Ok(f),
        (None, Some(u), _) => Ok(u),
        (None, None, _) => Ok(Protocol::Smtp),
    }
}

/// "an IMAP", "a POP3".
fn a(p: Protocol) -> &'static str {
    match p {
        Protocol::Imap => "an IMAP",
        Protocol::Pop3 => "a POP3",
        Protocol::Smtp => "an SMTP",
    }
}

fn schemes(p: Protocol) -> &'static str {
    match p {
        Protocol::Imap => "imap:// or imaps://",
        _ => "pop3:// or pop3s://",
    }
}

/// The protocol a URL's scheme names, if it is an incoming one.
fn url_protocol(text: &str) -> Option<Protocol> {
    let (scheme, _) = text.trim().split_once("://")?;
    scheme_kind(&scheme.to_ascii_lowercase()).map(|(p, _)| p)
}

/// The protocol and whether TLS starts with the first byte.
fn scheme_kind(scheme: &str) -> Option<(Protocol, bool)> {
    Some(match scheme {
        "imap" => (Protocol::Imap, false),
        "imaps" => (Protocol::Imap, true),
        "pop3" | "pop" => (Protocol::Pop3, false),
        "pop3s" | "pops" => (Protocol::Pop3, true),
        _ => return None,
    })
}

/// `imaps://user:pass@host:993`; a `/path` (a mailbox name) and `;AUTH=…` are ignored.
pub(super) fn parse_url(
    text: &str,
    source: Source,
    on_command_line: bool,
) -> Result<Layer, SettingsError> {
    let err = |problem: &str| SettingsError::at(&source, None, problem);
    let text = text.trim();
    let Some((scheme_raw, rest)) = text.split_once("://") else {
        return Err(err("not a URL (expected imaps://host or pop3s://host)"));
    };
    let scheme = scheme_raw.to_ascii_lowercase();
    let Some((protocol, implicit)) = scheme_kind(&scheme) else {
        return Err(err(&format!(
            "unknown scheme {} (use imap, imaps, pop3 or pop3s)",
            crate::escape::clip(&scheme, crate::escape::ECHO_CHARS)
        )));
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, after) = rest.split_at(authority_end);
    if after.split('=').next().unwrap_or("").contains('@') {
        return Err(err(
            "a '/', '?' or '#' in the user name or password must be percent-encoded",
        ));
    }
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((userinfo, hostport)) => (Some(userinfo), hostport),
        None => (None, authority),
    };
    let (user, password) = match userinfo.map(|i| i.split_once(':').unwrap_or((i, ""))) {
        Some((u, p)) => (Some(u), Some(p)),
        None => (None, None),
    };
    // RFC 5092's `user;AUTH=mech`: the mechanism is not a part of the name.
    let user = user.map(|u| u.split(';').next().unwrap_or(u));
    let mut layer = Layer::default();
    if let Some(u) = user.filter(|u| !u.is_empty()) {
        let u = decode(u, false).map_err(|e| err(&format!("the user name {e}")))?;
        layer.user = Some(Cand::new(u, source.clone(), None));
    }
    if let Some(p) = password.filter(|p| !p.is_empty()) {
        let p = decode(p, false).map_err(|e| err(&format!("the password {e}")))?;
        layer.password = Some(Cand::new(Secret::new(p), source.clone(), None));
        layer.password_on_command_line = on_command_line;
    }
    let (host, port_text) = split_host_port(hostport).map_err(|problem| err(&problem))?;
    layer.host = Some(Cand::new(host, source.clone(), None));
    if let Some(p) = port_text.filter(|p| !p.is_empty()) {
        match p.parse::<u32>() {
            Ok(n) if (1..=65535).contains(&n) && p.bytes().all(|b| b.is_ascii_digit()) => {
                layer.port = Some(Cand::new(n as u16, source.clone(), None));
            }
            _ => return Err(err("the port is not a port number (1-65535)")),
        }
    }
    let query = after.split('#').next().unwrap_or("");
    let query = query.split_once('?').map(|(_, q)| q).unwrap_or("");
    if !query.is_empty() {
        let params = parse_query(query).map_err(|problem| err(&problem))?;
        if !params.is_empty() {
            layer.notes.push(format!(
                "{source}: the query parameters ({}) are ignored",
                params
                    .iter()
                    .map(|(k, _)| k.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    let security = if implicit {
        Security::Implicit
    } else {
        Security::Starttls
    };
    layer.security = Some(
        Cand::new(security, source.clone(), Some(&format!("{scheme}://"))).noted(format!(
            "{scheme}:// → {} with {security}",
            protocol.label()
        )),
    );
    layer.port_hint = Some((
        security.port_for(protocol),
        format!(
            "{scheme}:// without a port: {}",
            security.port_for(protocol)
        ),
    ));
    Ok(layer)
}

const IMAP_KEYS: &[&str] = &[
    "IMAP_HOST",
    "IMAP_PORT",
    "IMAP_USER",
    "IMAP_USERNAME",
    "IMAP_PASSWORD",
    "IMAP_PASS",
    "IMAP_SECURE",
];

const POP3_KEYS: &[&str] = &[
    "POP3_HOST",
    "POP3_PORT",
    "POP3_USER",
    "POP3_USERNAME",
    "POP3_PASSWORD",
    "POP3_PASS",
    "POP3_SECURE",
    "POP_HOST",
    "POP_PORT",
    "POP_USER",
    "POP_USERNAME",
    "POP_PASSWORD",
    "POP_PASS",
    "POP_SECURE",
];

/// The variables read for an incoming protocol.
pub(super) fn keys(protocol: Protocol) -> &'static [&'static str] {
    match protocol {
        Protocol::Pop3 => POP3_KEYS,
        _ => IMAP_KEYS,
    }
}

/// `IMAP_*` (or `POP3_*`, then `POP_*`) of one source.
pub(super) fn vars_layer(vars: &Vars<'_>, protocol: Protocol) -> Result<Layer, SettingsError> {
    let prefixes: &[&str] = match protocol {
        Protocol::Pop3 => &["POP3_", "POP_"],
        _ => &["IMAP_"],
    };
    let mut layer = Layer::default();
    for prefix in prefixes {
        layer.absorb(prefixed(vars, prefix)?, "is used over");
    }
    Ok(layer)
}

fn prefixed(vars: &Vars<'_>, prefix: &str) -> Result<Layer, SettingsError> {
    let k = |name: &str| format!("{prefix}{name}");
    let mut layer = Layer {
        host: vars.host(&k("HOST"))?,
        port: vars.port(&k("PORT"))?,
        user: vars.text(&k("USER")).or_else(|| vars.text(&k("USERNAME"))),
        password: vars
            .password(&k("PASSWORD"))
            .or_else(|| vars.password(&k("PASS"))),
        ..Layer::default()
    };
    let key = k("SECURE");
    if let Some(raw) = vars.get(&key) {
        let (value, note) = match (raw.trim().to_ascii_lowercase().as_str(), parse_bool(raw)) {
            (_, Some(true)) => (
                Security::Implicit,
                "secure=true is TLS from the first byte (imapflow, node-imap's tls)",
            ),
            (_, Some(false)) => (
                Security::StarttlsIfOffered,
                "secure=false starts in plain text and upgrades if the server offers STARTTLS \
                 (imapflow)",
            ),
            ("ssl" | "implicit", _) => (Security::Implicit, "ssl is implicit TLS"),
            ("starttls", _) => (Security::Starttls, "STARTTLS"),
            ("none", _) => (Security::Plain, "no TLS"),
            _ => {
                return Err(SettingsError::at(
                    &(vars.source)(&key),
                    Some(raw),
                    "not a security setting (true, false, ssl, starttls or none; `tls` means \
                     either, depending on the library)",
                ))
            }
        };
        layer.security =
            Some(vars.security(&key, value, raw, format!("{key}={raw} → {value} ({note})")));
    }
    Ok(layer)
}
