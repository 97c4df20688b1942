//! URLs and DSNs: `smtp://user:pass@host:587?encryption=tls`, Symfony's `smtps://` and
//! `provider+smtp://`, dj-email-url's `submission://`, django-environ's `smtp+tls://`.
//!
//! Error messages never echo the user name, the password or the port text (which, in a URL whose
//! password has an unencoded `/`, may be a piece of the password).

use std::net::Ipv6Addr;

use super::{Cand, ConfigProblem, Layer, Secret, Security, SettingsError, Source};

/// Whose reading of the scheme applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Dialect {
    /// Symfony Mailer's: the URL given to mxray, `MAILER_DSN`, Laravel's `MAIL_URL`.
    Symfony,
    /// dj-email-url's and django-environ's: `EMAIL_URL`.
    Django,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Smtp,
    Smtps,
    Submission,
    Submissions,
    /// django-environ's `smtp+tls`.
    SmtpTls,
    /// django-environ's `smtp+ssl`.
    SmtpSsl,
}

const SCHEMES: &str = "smtp, smtps, submission, submissions or PROVIDER+smtp";

/// The URL with its user info (user name and password) replaced by `***`, for logs. The user
/// part goes too: some DSNs (`sendgrid+smtp://KEY@default`) carry the key there.
pub(super) fn redact(text: &str) -> String {
    let Some((scheme, rest)) = text.split_once("://") else {
        return "***".to_string();
    };
    // The last '@' before the query ends the user info.
    let before_query = rest.split('?').next().unwrap_or(rest);
    match before_query.rfind('@').and_then(|at| rest.get(at + 1..)) {
        Some(after) => format!("{scheme}://***@{after}"),
        None => text.to_string(),
    }
}

/// Parses a URL or DSN into the settings it gives. `source` names it in messages and settings.
pub(super) fn parse(
    text: &str,
    dialect: Dialect,
    source: Source,
    on_command_line: bool,
) -> Result<Layer, SettingsError> {
    let err = |problem: &str| SettingsError::at(&source, None, problem);
    let (scheme, rest) = split_scheme(text.trim()).map_err(err)?;
    let (kind, provider) = classify(&scheme).map_err(|problem| err(&problem))?;
    if provider.is_some() && dialect == Dialect::Django {
        return Err(err(&format!(
            "unknown scheme {} (EMAIL_URL takes smtp, smtps, submission, smtp+tls or smtp+ssl)",
            shown(&scheme)
        )));
    }
    let (authority, after) = split_authority(rest).map_err(err)?;
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((userinfo, hostport)) => (Some(userinfo), hostport),
        None => (None, authority),
    };
    let (user, password) = user_and_password(userinfo).map_err(|problem| err(&problem))?;
    let (host, port_text) = split_host_port(hostport).map_err(|problem| err(&problem))?;
    let port = parse_port(port_text).map_err(err)?;

    let before_fragment = after.split('#').next().unwrap_or("");
    let (path, query) = before_fragment
        .split_once('?')
        .unwrap_or((before_fragment, ""));
    let params = parse_query(query).map_err(|problem| err(&problem))?;

    let mut layer = Layer::default();
    if !path.is_empty() && path != "/" && dialect == Dialect::Symfony {
        layer
            .notes
            .push(format!("{source}: the path {} is ignored", shown(path)));
    }
    set_host(
        &mut layer,
        &scheme,
        provider.as_deref(),
        &host,
        &params,
        &source,
    );
    if let Some(port) = port {
        layer.port = Some(Cand::new(port, source.clone(), None));
    }
    let user_info = UserInfo {
        user,
        password,
        on_command_line,
    };
    set_credentials(&mut layer, provider.as_deref(), user_info, &source);
    layer.provider_hint = provider.clone();

    let security = match &provider {
        Some(p) => {
            layer.notes.push(format!(
                "{scheme}://: Symfony's {p} transport picks its port and TLS mode itself, \
                 whatever the DSN says; mxray infers them from the port, or give --port and \
                 --security"
            ));
            None
        }
        None => {
            let url = Url {
                scheme: &scheme,
                port,
                host: &host,
                params: &params,
            };
            Some(scheme_security(dialect, kind, &url, &mut layer, &source))
        }
    };
    let security = query_security(dialect, &params, security).map_err(|problem| err(&problem))?;
    if let Some((value, raw, note)) = security {
        layer.security = Some(Cand::new(value, source.clone(), Some(&raw)).noted(note));
    }
    set_verify_peer(&mut layer, &params, &source);
    Ok(layer)
}

/// A security reading: the mode, the text it was read from, and the note explaining it.
type Reading = (Security, String, String);

/// The parts of the URL the scheme's security reading depends on.
struct Url<'a> {
    scheme: &'a str,
    port: Option<u16>,
    host: &'a str,
    params: &'a [(String, String)],
}

/// The decoded user name and password, and whether they came from the command line.
struct UserInfo {
    user: Option<String>,
    password: Option<String>,
    on_command_line: bool,
}

/// The last value of query parameter `name` (names match case-insensitively).
fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .rev()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The lower-cased scheme and the rest after `://`; a combined DSN or a non-URL is refused.
fn split_scheme(text: &str) -> Result<(String, &str), &'static str> {
    let lower = text.to_ascii_lowercase();
    if lower.starts_with("failover(") || lower.starts_with("roundrobin(") {
        return Err("a failover()/roundrobin() DSN names several transports: give one of them");
    }
    let not_a_url = "not a URL (expected scheme://host, e.g. smtp://mail.example.com:587)";
    let Some((scheme_raw, rest)) = text.split_once("://") else {
        return Err(not_a_url);
    };
    let scheme = scheme_raw.to_ascii_lowercase();
    if scheme.is_empty()
        || !scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    {
        return Err(not_a_url);
    }
    Ok((scheme, rest))
}

/// The authority and what follows it (path, query, fragment).
fn split_authority(rest: &str) -> Result<(&str, &str), &'static str> {
    // The authority ends at the first '/', '?' or '#'. An '@' after that, before any '=', means
    // the password holds one of those characters unencoded.
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, after) = rest.split_at(authority_end);
    if after.split('=').next().unwrap_or("").contains('@') {
        return Err(
            "a '/', '?' or '#' in the user name or password must be percent-encoded \
             (%2F, %3F, %23)",
        );
    }
    Ok((authority, after))
}

/// The decoded user name and password of the user info; empty ones count as absent.
fn user_and_password(userinfo: Option<&str>) -> Result<(Option<String>, Option<String>), String> {
    let (user, password) = match userinfo {
        Some(info) => match info.split_once(':') {
            Some((user, password)) => (Some(user), Some(password)),
            None => (Some(info), None),
        },
        None => (None, None),
    };
    let user = match user.filter(|u| !u.is_empty()) {
        Some(u) => Some(decode(u, false).map_err(|e| format!("the user name {e}"))?),
        None => None,
    };
    let password = match password.filter(|p| !p.is_empty()) {
        Some(p) => Some(decode(p, false).map_err(|e| format!("the password {e}"))?),
        None => None,
    };
    Ok((user, password))
}

fn parse_port(port_text: Option<&str>) -> Result<Option<u16>, &'static str> {
    match port_text.filter(|p| !p.is_empty()) {
        Some(p) => match p.parse::<u32>() {
            Ok(n) if (1..=65535).contains(&n) && p.bytes().all(|b| b.is_ascii_digit()) => {
                Ok(Some(n as u16))
            }
            _ => Err("the port is not a port number (1-65535)"),
        },
        None => Ok(None),
    }
}

/// The host, and the provider's own host for Symfony's `…@default`.
fn set_host(
    layer: &mut Layer,
    scheme: &str,
    provider: Option<&str>,
    host: &str,
    params: &[(String, String)],
    source: &Source,
) {
    let provider_default = provider.is_some() && host.eq_ignore_ascii_case("default");
    if provider_default {
        let p = provider.unwrap_or_default();
        match provider_host(p, param(params, "region")) {
            Some(h) => {
                let note = format!("{scheme}://…@default: Symfony's {p} transport connects to {h}");
                layer.host = Some(Cand::new(h, source.clone(), Some("default")).noted(note));
            }
            None => layer.notes.push(format!(
                "{scheme}://…@default: Symfony's {p} transport picks its own host, which mxray \
                 doesn't know; give it with --host"
            )),
        }
    } else {
        layer.host = Some(Cand::new(host.to_string(), source.clone(), None));
    }
}

/// The credentials. SendGrid's and Postmark's Symfony transports take the key from the user part.
fn set_credentials(layer: &mut Layer, provider: Option<&str>, userinfo: UserInfo, source: &Source) {
    let on_command_line = userinfo.on_command_line;
    match (provider, userinfo.user, userinfo.password) {
        (Some("sendgrid"), Some(key), None) => {
            layer.user = Some(Cand::new("apikey".to_string(), source.clone(), None).noted(
                "sendgrid+smtp: the DSN's user part is the API key; Symfony logs in as \"apikey\" \
                 with the key as the password",
            ));
            layer.password = Some(Cand::new(Secret::new(key), source.clone(), None));
            layer.password_on_command_line = on_command_line;
        }
        (Some("postmark"), Some(token), None) => {
            layer.notes.push(
                "postmark+smtp: the DSN's user part is the server token, which Symfony sends as \
                 both the user name and the password (held here as the password only)"
                    .to_string(),
            );
            layer.password = Some(Cand::new(Secret::new(token), source.clone(), None));
            layer.password_on_command_line = on_command_line;
        }
        (_, user, password) => {
            if let Some(user) = user {
                layer.user = Some(Cand::new(user, source.clone(), None));
            }
            if let Some(password) = password {
                layer.password = Some(Cand::new(Secret::new(password), source.clone(), None));
                layer.password_on_command_line = on_command_line;
            }
        }
    }
}

/// Security, as the dialect reads a non-provider scheme (with the port hint it implies).
fn scheme_security(
    dialect: Dialect,
    kind: Scheme,
    url: &Url<'_>,
    layer: &mut Layer,
    source: &Source,
) -> Reading {
    let scheme = url.scheme;
    let verdict = |security: Security, note: String| (security, scheme.to_string(), note);
    match (dialect, kind) {
        (Dialect::Symfony, Scheme::Smtp) => symfony_smtp_security(url, layer, source),
        (Dialect::Symfony, Scheme::Smtps) => {
            layer.port_hint = Some((465, "smtps:// without a port: 465".into()));
            verdict(Security::Implicit, "smtps:// → implicit TLS".into())
        }
        (Dialect::Django, Scheme::Smtp) => {
            layer.port_hint = Some((25, "smtp:// in EMAIL_URL without a port: 25".into()));
            verdict(
                Security::Plain,
                "smtp:// in EMAIL_URL → no TLS (dj-email-url and django-environ leave \
                 EMAIL_USE_TLS and EMAIL_USE_SSL false)"
                    .into(),
            )
        }
        (Dialect::Django, Scheme::Smtps) => verdict(
            Security::Starttls,
            "smtps:// in EMAIL_URL → STARTTLS: dj-email-url and django-environ read \
             smtps as EMAIL_USE_TLS, not as implicit TLS"
                .into(),
        ),
        (_, Scheme::Submission) => {
            layer.port_hint = Some((587, format!("{scheme}:// without a port: 587")));
            verdict(Security::Starttls, format!("{scheme}:// → STARTTLS"))
        }
        (_, Scheme::Submissions) => {
            layer.port_hint = Some((465, "submissions:// without a port: 465".into()));
            verdict(Security::Implicit, "submissions:// → implicit TLS".into())
        }
        (_, Scheme::SmtpTls) => verdict(
            Security::Starttls,
            "smtp+tls:// → STARTTLS (django-environ: EMAIL_USE_TLS)".into(),
        ),
        (_, Scheme::SmtpSsl) => verdict(
            Security::Implicit,
            "smtp+ssl:// → implicit TLS (django-environ: EMAIL_USE_SSL)".into(),
        ),
    }
}

/// Symfony's `smtp://`: the TLS mode follows auto_tls, require_tls, the port and the host.
fn symfony_smtp_security(url: &Url<'_>, layer: &mut Layer, source: &Source) -> Reading {
    let verdict = |security: Security, note: String| (security, url.scheme.to_string(), note);
    let auto_tls = param(url.params, "auto_tls").map(php_bool);
    let require_tls = param(url.params, "require_tls")
        .map(php_bool)
        .unwrap_or(false);
    if url.port.is_none() && url.host == "localhost" {
        layer.port_hint = Some((
            25,
            "smtp://localhost without a port: Symfony Mailer uses port 25".into(),
        ));
    }
    if auto_tls == Some(false) {
        if require_tls {
            layer.config_errors.push(ConfigProblem {
                source: source.clone(),
                message: "require_tls=true with auto_tls=false: Symfony Mailer \
                          refuses to send (TLS required but never started)"
                    .into(),
            });
        }
        verdict(
            Security::Plain,
            "smtp:// with auto_tls=false → no TLS: Symfony never starts TLS".into(),
        )
    } else if url.port == Some(465) {
        verdict(
            Security::Implicit,
            "smtp:// on port 465 → implicit TLS (Symfony Mailer uses implicit TLS \
             on port 465 whatever the scheme)"
                .into(),
        )
    } else if url.port.is_none() && url.host != "localhost" {
        layer.port_hint = Some((
            465,
            "smtp:// without a port: Symfony Mailer uses port 465".into(),
        ));
        verdict(
            Security::Implicit,
            "smtp:// without a port → implicit TLS on port 465 (Symfony Mailer's \
             choice for any host but localhost)"
                .into(),
        )
    } else if require_tls {
        verdict(
            Security::Starttls,
            "smtp:// with require_tls=true → STARTTLS, required".into(),
        )
    } else {
        verdict(
            Security::StarttlsIfOffered,
            "smtp:// → STARTTLS when the server offers it, plain text otherwise \
             (Symfony's opportunistic TLS)"
                .into(),
        )
    }
}

/// Query parameters that override the scheme's reading: Django's ssl=/tls=, then encryption=.
fn query_security(
    dialect: Dialect,
    params: &[(String, String)],
    mut security: Option<Reading>,
) -> Result<Option<Reading>, String> {
    if dialect == Dialect::Django {
        let truthy = |v: Option<&str>| v.and_then(super::parse_bool) == Some(true);
        if truthy(param(params, "ssl")) {
            security = Some((
                Security::Implicit,
                "ssl=true".into(),
                "ssl=true in EMAIL_URL → implicit TLS (EMAIL_USE_SSL)".into(),
            ));
        } else if truthy(param(params, "tls")) {
            security = Some((
                Security::Starttls,
                "tls=true".into(),
                "tls=true in EMAIL_URL → STARTTLS (EMAIL_USE_TLS)".into(),
            ));
        }
    }
    let Some(word) = param(params, "encryption") else {
        return Ok(security);
    };
    let (mapped, meaning) = match word.trim().to_ascii_lowercase().as_str() {
        "" | "null" | "none" => return Ok(security),
        "tls" => (Security::Starttls, "tls is STARTTLS"),
        "starttls" => (Security::Starttls, "STARTTLS"),
        "ssl" => (Security::Implicit, "ssl is implicit TLS"),
        _ => {
            return Err(format!(
                "encryption={}: unknown encryption (use tls or ssl)",
                shown(word)
            ))
        }
    };
    let mut note =
        format!("encryption={word} → {mapped} (Laravel, SwiftMailer and PHPMailer: {meaning})");
    if let Some((before, _, _)) = &security {
        if *before != mapped {
            note.push_str(&format!("; the scheme alone would mean {before}"));
        }
    }
    Ok(Some((mapped, format!("encryption={word}"), note)))
}

fn set_verify_peer(layer: &mut Layer, params: &[(String, String)], source: &Source) {
    if let Some(v) = param(params, "verify_peer").filter(|v| !v.is_empty()) {
        let verify = php_bool(v);
        let mut cand = Cand::new(verify, source.clone(), Some(&format!("verify_peer={v}")));
        if !verify {
            cand = cand.noted(format!(
                "verify_peer={v} in {source}: the app does not verify the server's certificate"
            ));
        }
        layer.verify_peer = Some(cand);
    }
}

/// The scheme's kind and, for Symfony's `provider+smtp`, the provider.
fn classify(scheme_text: &str) -> Result<(Scheme, Option<String>), String> {
    let scheme = &shown(scheme_text);
    let kind = match scheme_text {
        "smtp" => Scheme::Smtp,
        "smtps" => Scheme::Smtps,
        "submission" | "submit" => Scheme::Submission,
        "submissions" => Scheme::Submissions,
        "smtp+tls" => Scheme::SmtpTls,
        "smtp+ssl" => Scheme::SmtpSsl,
        "sendmail" | "native" | "null" | "file" | "console" | "memory" | "dummy" | "array"
        | "log" => {
            return Err(format!(
                "scheme {scheme}: not an SMTP transport, so nothing to test"
            ));
        }
        _ => {
            let Some((provider, transport)) = scheme_text.split_once('+') else {
                return Err(format!("unknown scheme {scheme} (use {SCHEMES})"));
            };
            if provider.is_empty() || provider.contains('+') {
                return Err(format!("unknown scheme {scheme} (use {SCHEMES})"));
            }
            return match transport {
                "smtp" => Ok((Scheme::Smtp, Some(provider.to_string()))),
                "smtps" => Ok((Scheme::Smtps, Some(provider.to_string()))),
                "api" | "http" | "https" => Err(format!(
                    "scheme {scheme}: the provider's HTTP API, not SMTP; mxray check tests SMTP \
                     settings ({provider}+smtp://…)"
                )),
                _ => Err(format!("unknown scheme {scheme} (use {SCHEMES})")),
            };
        }
    };
    Ok((kind, None))
}

/// Host and port text; `[…]` holds an IPv6 address (returned without the brackets).
pub(super) fn split_host_port(hostport: &str) -> Result<(String, Option<&str>), String> {
    let (host, port) = if let Some(inner) = hostport.strip_prefix('[') {
        let Some((address, tail)) = inner.split_once(']') else {
            return Err("'[' without ']' around the IPv6 address".into());
        };
        if address.parse::<Ipv6Addr>().is_err() {
            return Err(format!("[{}] is not an IPv6 address", shown(address)));
        }
        let port = match tail {
            "" => None,
            _ => match tail.strip_prefix(':') {
                Some(port) => Some(port),
                None => return Err("unexpected text after the ']' of the IPv6 address".into()),
            },
        };
        (address.to_string(), port)
    } else {
        match hostport.matches(':').count() {
            0 => (hostport.to_string(), None),
            1 => {
                let (host, port) = hostport.split_once(':').unwrap_or((hostport, ""));
                (host.to_string(), Some(port))
            }
            _ => {
                return Err(
                    "an IPv6 address goes in brackets, e.g. smtp://[2001:db8::1]:587".into(),
                )
            }
        }
    };
    if host.is_empty() {
        return Err("no host name".into());
    }
    if host.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("the host name holds a space or a control character".into());
    }
    Ok((host, port))
}

/// `a=1&b=2`, form-decoded (`+` is a space, as PHP and Python read query strings).
pub(super) fn parse_query(query: &str) -> Result<Vec<(String, String)>, String> {
    let mut params = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = decode(key, true).map_err(|e| format!("a query parameter's name {e}"))?;
        let value =
            decode(value, true).map_err(|e| format!("query parameter {} {e}", shown(&key)))?;
        params.push((key, value));
    }
    Ok(params)
}

/// Percent-decoding; a `%` not followed by two hex digits stays as it is (as PHP's
/// `rawurldecode` and Python's `unquote` leave it). `plus`: `+` is a space.
pub(super) fn decode(text: &str, plus: bool) -> Result<String, &'static str> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let digit = |at: usize| bytes.get(at).copied().and_then(hex);
        match b {
            b'%' => match (digit(i + 1), digit(i + 2)) {
                (Some(high), Some(low)) => {
                    out.push(high * 16 + low);
                    i += 3;
                }
                _ => {
                    out.push(b'%');
                    i += 1;
                }
            },
            b'+' if plus => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| "is not UTF-8 once percent-decoded")
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// PHP's `filter_var($v, FILTER_VALIDATE_BOOL)` as Symfony uses it: only 1/true/on/yes are true.
fn php_bool(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "1" | "true" | "on" | "yes"
    )
}

/// The host of a Symfony provider SMTP transport, for `provider+smtp://…@default`.
fn provider_host(provider: &str, region: Option<&str>) -> Option<String> {
    let region = region
        .filter(|r| !r.is_empty() && r.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    Some(match provider {
        "gmail" => "smtp.gmail.com".into(),
        "mailjet" => "in-v3.mailjet.com".into(),
        "sendgrid" => "smtp.sendgrid.net".into(),
        "postmark" => "smtp.postmarkapp.com".into(),
        "mandrill" => "smtp.mandrillapp.com".into(),
        "mailgun" => match region {
            None | Some("us") => "smtp.mailgun.org".into(),
            Some(r) => format!("smtp.{r}.mailgun.org"),
        },
        "ses" => format!("email-smtp.{}.amazonaws.com", region.unwrap_or("eu-west-1")),
        _ => return None,
    })
}

/// Part of the URL as an error or note quotes it: escaped and bounded.
fn shown(text: &str) -> String {
    crate::escape::clip(text, crate::escape::ECHO_CHARS)
}
