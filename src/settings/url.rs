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
    let query_at = rest.find('?').unwrap_or(rest.len());
    match rest[..query_at].rfind('@') {
        Some(at) => format!("{scheme}://***@{}", &rest[at + 1..]),
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
    let text = text.trim();
    let lower = text.to_ascii_lowercase();
    if lower.starts_with("failover(") || lower.starts_with("roundrobin(") {
        return Err(err(
            "a failover()/roundrobin() DSN names several transports: give one of them",
        ));
    }
    let Some((scheme_raw, rest)) = text.split_once("://") else {
        return Err(err(
            "not a URL (expected scheme://host, e.g. smtp://mail.example.com:587)",
        ));
    };
    let scheme = scheme_raw.to_ascii_lowercase();
    if scheme.is_empty()
        || !scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    {
        return Err(err(
            "not a URL (expected scheme://host, e.g. smtp://mail.example.com:587)",
        ));
    }
    let (kind, provider) = classify(&scheme).map_err(|problem| err(&problem))?;
    if provider.is_some() && dialect == Dialect::Django {
        return Err(err(&format!(
            "unknown scheme {} (EMAIL_URL takes smtp, smtps, submission, smtp+tls or smtp+ssl)",
            shown(&scheme)
        )));
    }

    // The authority ends at the first '/', '?' or '#'. An '@' after that, before any '=', means
    // the password holds one of those characters unencoded.
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, after) = rest.split_at(authority_end);
    if after.split('=').next().unwrap_or("").contains('@') {
        return Err(err(
            "a '/', '?' or '#' in the user name or password must be percent-encoded \
             (%2F, %3F, %23)",
        ));
    }
    let (userinfo, hostport) = match authority.rfind('@') {
        Some(at) => (Some(&authority[..at]), &authority[at + 1..]),
        None => (None, authority),
    };
    let (user, password) = match userinfo {
        Some(info) => match info.split_once(':') {
            Some((user, password)) => (Some(user), Some(password)),
            None => (Some(info), None),
        },
        None => (None, None),
    };
    let user = match user.filter(|u| !u.is_empty()) {
        Some(u) => Some(decode(u, false).map_err(|e| err(&format!("the user name {e}")))?),
        None => None,
    };
    let password = match password.filter(|p| !p.is_empty()) {
        Some(p) => Some(decode(p, false).map_err(|e| err(&format!("the password {e}")))?),
        None => None,
    };

    let (host, port_text) = split_host_port(hostport).map_err(|problem| err(&problem))?;
    let port = match port_text.filter(|p| !p.is_empty()) {
        Some(p) => match p.parse::<u32>() {
            Ok(n) if (1..=65535).contains(&n) && p.bytes().all(|b| b.is_ascii_digit()) => {
                Some(n as u16)
            }
            _ => return Err(err("the port is not a port number (1-65535)")),
        },
        None => None,
    };

    let before_fragment = after.split('#').next().unwrap_or("");
    let (path, query) = before_fragment
        .split_once('?')
        .unwrap_or((before_fragment, ""));
    let params = parse_query(query).map_err(|problem| err(&problem))?;
    let param = |name: &str| {
        params
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };

    let mut layer = Layer::default();
    if !path.is_empty() && path != "/" && dialect == Dialect::Symfony {
        layer
            .notes
            .push(format!("{source}: the path {} is ignored", shown(path)));
    }

    // Host, and the provider's own host for Symfony's `…@default`.
    let provider_default = provider.is_some() && host.eq_ignore_ascii_case("default");
    if provider_default {
        let p = provider.as_deref().unwrap_or_default();
        match provider_host(p, param("region")) {
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
        layer.host = Some(Cand::new(host.clone(), source.clone(), None));
    }
    if let Some(port) = port {
        layer.port = Some(Cand::new(port, source.clone(), None));
    }

    // Credentials. SendGrid's and Postmark's Symfony transports take the key from the user part.
    match (provider.as_deref(), user, password) {
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
    layer.provider_hint = provider.clone();

    // Security, as the dialect reads the scheme.
    let verdict = |security: Security, note: String| Some((security, scheme.clone(), note));
    let mut security: Option<(Security, String, String)> = None;
    if let Some(p) = &provider {
        layer.notes.push(format!(
            "{scheme}://: Symfony's {p} transport picks its port and TLS mode itself, whatever \
             the DSN says; mxray infers them from the port, or give --port and --security"
        ));
    } else {
        match (dialect, kind) {
            (Dialect::Symfony, Scheme::Smtp) => {
                let auto_tls = param("auto_tls").map(php_bool);
                let require_tls = param("require_tls").map(php_bool).unwrap_or(false);
                if auto_tls == Some(false) {
                    security = verdict(
                        Security::Plain,
                        "smtp:// with auto_tls=false → no TLS: Symfony never starts TLS".into(),
                    );
                    if require_tls {
                        layer.config_errors.push(ConfigProblem {
                            source: source.clone(),
                            message: "require_tls=true with auto_tls=false: Symfony Mailer \
                                      refuses to send (TLS required but never started)"
                                .into(),
                        });
                    }
                } else if port == Some(465) {
                    security = verdict(
                        Security::Implicit,
                        "smtp:// on port 465 → implicit TLS (Symfony Mailer uses implicit TLS \
                         on port 465 whatever the scheme)"
                            .into(),
                    );
                } else if port.is_none() && host != "localhost" {
                    security = verdict(
                        Security::Implicit,
                        "smtp:// without a port → implicit TLS on port 465 (Symfony Mailer's \
                         choice for any host but localhost)"
                            .into(),
                    );
                    layer.port_hint = Some((
                        465,
                        "smtp:// without a port: Symfony Mailer uses port 465".into(),
                    ));
                } else if require_tls {
                    security = verdict(
                        Security::Starttls,
                        "smtp:// with require_tls=true → STARTTLS, required".into(),
                    );
                } else {
                    security = verdict(
                        Security::StarttlsIfOffered,
                        "smtp:// → STARTTLS when the server offers it, plain text otherwise \
                         (Symfony's opportunistic TLS)"
                            .into(),
                    );
                }
                if port.is_none() && host == "localhost" {
                    layer.port_hint = Some((
                        25,
                        "smtp://localhost without a port: Symfony Mailer uses port 25".into(),
                    ));
                }
            }
            (Dialect::Symfony, Scheme::Smtps) => {
                security = verdict(Security::Implicit, "smtps:// → implicit TLS".into());
                layer.port_hint = Some((465, "smtps:// without a port: 465".into()));
            }
            (Dialect::Django, Scheme::Smtp) => {
                security = verdict(
                    Security::Plain,
                    "smtp:// in EMAIL_URL → no TLS (dj-email-url and django-environ leave \
                     EMAIL_USE_TLS and EMAIL_USE_SSL false)"
                        .into(),
                );
                layer.port_hint = Some((25, "smtp:// in EMAIL_URL without a port: 25".into()));
            }
            (Dialect::Django, Scheme::Smtps) => {
                security = verdict(
                    Security::Starttls,
                    "smtps:// in EMAIL_URL → STARTTLS: dj-email-url and django-environ read \
                     smtps as EMAIL_USE_TLS, not as implicit TLS"
                        .into(),
                );
            }
            (_, Scheme::Submission) => {
                security = verdict(Security::Starttls, format!("{scheme}:// → STARTTLS"));
                layer.port_hint = Some((587, format!("{scheme}:// without a port: 587")));
            }
            (_, Scheme::Submissions) => {
                security = verdict(Security::Implicit, "submissions:// → implicit TLS".into());
                layer.port_hint = Some((465, "submissions:// without a port: 465".into()));
            }
            (_, Scheme::SmtpTls) => {
                security = verdict(
                    Security::Starttls,
                    "smtp+tls:// → STARTTLS (django-environ: EMAIL_USE_TLS)".into(),
                );
            }
            (_, Scheme::SmtpSsl) => {
                security = verdict(
                    Security::Implicit,
                    "smtp+ssl:// → implicit TLS (django-environ: EMAIL_USE_SSL)".into(),
                );
            }
        }
    }

    // Query parameters that override the scheme's reading.
    if dialect == Dialect::Django {
        let truthy = |v: Option<&str>| v.and_then(super::parse_bool) == Some(true);
        if truthy(param("ssl")) {
            security = Some((
                Security::Implicit,
                "ssl=true".into(),
                "ssl=true in EMAIL_URL → implicit TLS (EMAIL_USE_SSL)".into(),
            ));
        } else if truthy(param("tls")) {
            security = Some((
                Security::Starttls,
                "tls=true".into(),
                "tls=true in EMAIL_URL → STARTTLS (EMAIL_USE_TLS)".into(),
            ));
        }
    }
    if let Some(word) = param("encryption") {
        let mapped = match word.trim().to_ascii_lowercase().as_str() {
            "" | "null" | "none" => None,
            "tls" => Some((Security::Starttls, "tls is STARTTLS")),
            "starttls" => Some((Security::Starttls, "STARTTLS")),
            "ssl" => Some((Security::Implicit, "ssl is implicit TLS")),
            _ => {
                return Err(err(&format!(
                    "encryption={}: unknown encryption (use tls or ssl)",
                    shown(word)
                )))
            }
        };
        if let Some((mapped, meaning)) = mapped {
            let mut note = format!(
                "encryption={word} → {mapped} (Laravel, SwiftMailer and PHPMailer: {meaning})"
            );
            if let Some((before, _, _)) = &security {
                if *before != mapped {
                    note.push_str(&format!("; the scheme alone would mean {before}"));
                }
            }
            security = Some((mapped, format!("encryption={word}"), note));
        }
    }
    if let Some((value, raw, note)) = security {
        layer.security = Some(Cand::new(value, source.clone(), Some(&raw)).noted(note));
    }

    if let Some(v) = param("verify_peer").filter(|v| !v.is_empty()) {
        let verify = php_bool(v);
        let mut cand = Cand::new(verify, source.clone(), Some(&format!("verify_peer={v}")));
        if !verify {
            cand = cand.noted(format!(
                "verify_peer={v} in {source}: the app does not verify the server's certificate"
            ));
        }
        layer.verify_peer = Some(cand);
    }
    Ok(layer)
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
        let Some(close) = inner.find(']') else {
            return Err("'[' without ']' around the IPv6 address".into());
        };
        let (address, tail) = (&inner[..close], &inner[close + 1..]);
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
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
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
