use std::path::PathBuf;

use super::*;

fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn env_file(contents: &str) -> Inputs {
    Inputs {
        env_file: Some((PathBuf::from(".env"), contents.to_string())),
        ..Inputs::default()
    }
}

fn env(pairs: &[(&str, &str)]) -> Inputs {
    Inputs {
        env: Some(vars(pairs)),
        ..Inputs::default()
    }
}

fn cli_url(url: &str) -> Inputs {
    Inputs {
        url: Some(url.to_string()),
        url_from_command_line: true,
        ..Inputs::default()
    }
}

fn flags(f: FlagValues) -> Inputs {
    Inputs {
        flags: f,
        ..Inputs::default()
    }
}

fn ok(input: Inputs) -> Settings {
    resolve(input).unwrap_or_else(|e| panic!("unexpected error: {e}"))
}

fn err(input: Inputs) -> String {
    match resolve(input) {
        Ok(s) => panic!("expected an error, got {s:?}"),
        Err(e) => e.to_string(),
    }
}

fn file_src(key: &str) -> Source {
    Source::EnvFile {
        path: PathBuf::from(".env"),
        key: key.to_string(),
    }
}

fn security(s: &Settings) -> Option<Security> {
    s.security.as_ref().map(|x| x.value)
}

fn port(s: &Settings) -> Option<u16> {
    s.port.as_ref().map(|x| x.value)
}

fn host(s: &Settings) -> Option<&str> {
    s.host.as_ref().map(|x| x.value.as_str())
}

fn password(s: &Settings) -> Option<&str> {
    s.password.as_ref().map(|x| x.value.expose())
}

fn note(s: &Settings, needle: &str) -> bool {
    s.notes.iter().any(|n| n.contains(needle))
}

// ---- mxray's own words -------------------------------------------------------------------

#[test]
fn mxray_security_words() {
    for (word, want) in [
        ("tls", Security::Implicit),
        ("ssl", Security::Implicit),
        ("implicit", Security::Implicit),
        ("starttls", Security::Starttls),
        ("STARTTLS", Security::Starttls),
        ("none", Security::Plain),
    ] {
        let s = ok(flags(FlagValues {
            security: Some(word.into()),
            ..FlagValues::default()
        }));
        let set = s.security.as_ref().unwrap();
        assert_eq!(set.value, want, "{word}");
        assert_eq!(set.source, Source::Flag("--security"));
        assert_eq!(set.raw.as_deref(), Some(word));
    }
    let s = ok(flags(FlagValues {
        security: Some("tls".into()),
        ..FlagValues::default()
    }));
    assert!(note(&s, "--security tls → implicit TLS"), "{:?}", s.notes);
    assert_eq!(
        err(flags(FlagValues {
            security: Some("tsl".into()),
            ..FlagValues::default()
        })),
        "--security tsl: unknown security (use tls, ssl, implicit, starttls or none)"
    );
}

#[test]
fn flags_give_every_field() {
    let s = ok(flags(FlagValues {
        host: Some("smtp.example.com".into()),
        port: Some("2525".into()),
        security: Some("starttls".into()),
        user: Some("me@example.com".into()),
        from: Some("app@example.com".into()),
    }));
    assert_eq!(host(&s), Some("smtp.example.com"));
    assert_eq!(s.port.as_ref().unwrap().source, Source::Flag("--port"));
    assert_eq!(port(&s), Some(2525));
    assert_eq!(s.user.as_ref().unwrap().value, "me@example.com");
    assert_eq!(s.from.as_ref().unwrap().value, "app@example.com");
    assert!(s.password.is_none());
    assert!(!s.password_on_command_line);
}

// ---- Laravel ----------------------------------------------------------------------------

#[test]
fn laravel_tls_is_starttls_and_ssl_is_implicit() {
    let s = ok(env_file(
        "MAIL_MAILER=smtp\nMAIL_HOST=smtp.example.com\nMAIL_PORT=587\nMAIL_USERNAME=me\n\
         MAIL_PASSWORD=secret\nMAIL_ENCRYPTION=tls\nMAIL_FROM_ADDRESS=app@example.com\n",
    ));
    let sec = s.security.as_ref().unwrap();
    assert_eq!(sec.value, Security::Starttls);
    assert_eq!(sec.source, file_src("MAIL_ENCRYPTION"));
    assert_eq!(sec.raw.as_deref(), Some("tls"));
    assert!(note(&s, "MAIL_ENCRYPTION=tls → STARTTLS"), "{:?}", s.notes);
    assert_eq!(host(&s), Some("smtp.example.com"));
    assert_eq!(s.port.as_ref().unwrap().source, file_src("MAIL_PORT"));
    assert_eq!(s.user.as_ref().unwrap().value, "me");
    assert_eq!(password(&s), Some("secret"));
    assert_eq!(
        s.password.as_ref().unwrap().source,
        file_src("MAIL_PASSWORD")
    );
    assert_eq!(s.from.as_ref().unwrap().value, "app@example.com");

    let s = ok(env_file(
        "MAIL_HOST=h\nMAIL_PORT=465\nMAIL_ENCRYPTION=ssl\n",
    ));
    assert_eq!(security(&s), Some(Security::Implicit));
    assert!(
        note(&s, "MAIL_ENCRYPTION=ssl → implicit TLS"),
        "{:?}",
        s.notes
    );
}

#[test]
fn laravel_null_is_no_value() {
    let s = ok(env_file(
        "MAIL_HOST=mailpit\nMAIL_PORT=1025\nMAIL_USERNAME=null\nMAIL_PASSWORD=null\n\
         MAIL_ENCRYPTION=null\n",
    ));
    assert!(s.user.is_none());
    assert!(s.password.is_none());
    assert!(
        s.security.is_none(),
        "port 1025 implies nothing: {:?}",
        s.security
    );
    assert!(
        note(
            &s,
            "MAIL_ENCRYPTION=null in .env: Laravel reads it as no value"
        ),
        "{:?}",
        s.notes
    );
    assert!(note(&s, "port 1025 doesn't imply one"));

    let s = ok(env_file(
        "MAIL_HOST=h\nMAIL_PORT=587\nMAIL_ENCRYPTION=(null)\n",
    ));
    let sec = s.security.as_ref().unwrap();
    assert_eq!(sec.value, Security::Starttls);
    assert_eq!(
        sec.source,
        Source::Inferred {
            from: "port 587".into()
        }
    );
}

#[test]
fn laravel_11_scheme() {
    let s = ok(env_file("MAIL_SCHEME=smtps\nMAIL_HOST=h\nMAIL_PORT=465\n"));
    assert_eq!(security(&s), Some(Security::Implicit));
    assert_eq!(s.security.as_ref().unwrap().source, file_src("MAIL_SCHEME"));

    let s = ok(env_file(
        "MAIL_SCHEME=smtp\nMAIL_HOST=h\nMAIL_PORT=587\nMAIL_ENCRYPTION=ssl\n",
    ));
    assert_eq!(security(&s), Some(Security::StarttlsIfOffered));
    assert!(note(&s, "MAIL_ENCRYPTION is ignored"), "{:?}", s.notes);

    let s = ok(env_file("MAIL_SCHEME=smtp\nMAIL_HOST=h\nMAIL_PORT=465\n"));
    assert_eq!(security(&s), Some(Security::Implicit));

    assert_eq!(
        err(env_file("MAIL_SCHEME=smtp+tls\n")),
        "MAIL_SCHEME=smtp+tls in .env: unknown scheme (use smtp or smtps)"
    );
    assert_eq!(
        err(env_file("MAIL_ENCRYPTION=yes\n")),
        "MAIL_ENCRYPTION=yes in .env: unknown encryption (use tls, ssl or null)"
    );
}

// ---- Django -----------------------------------------------------------------------------

#[test]
fn django_use_tls_is_starttls_and_use_ssl_is_implicit() {
    let s = ok(env(&[
        ("EMAIL_HOST", "smtp.example.com"),
        ("EMAIL_PORT", "587"),
        ("EMAIL_HOST_USER", "me"),
        ("EMAIL_HOST_PASSWORD", "secret"),
        ("EMAIL_USE_TLS", "True"),
        ("DEFAULT_FROM_EMAIL", "app@example.com"),
    ]));
    let sec = s.security.as_ref().unwrap();
    assert_eq!(sec.value, Security::Starttls);
    assert_eq!(
        sec.source,
        Source::Env {
            key: "EMAIL_USE_TLS".into()
        }
    );
    assert_eq!(sec.raw.as_deref(), Some("True"));
    assert!(note(&s, "EMAIL_USE_TLS=True → STARTTLS"));
    assert_eq!(password(&s), Some("secret"));
    assert_eq!(s.from.as_ref().unwrap().value, "app@example.com");

    let s = ok(env(&[
        ("EMAIL_HOST", "h"),
        ("EMAIL_USE_SSL", "1"),
        ("EMAIL_USE_TLS", "0"),
    ]));
    assert_eq!(security(&s), Some(Security::Implicit));
    assert_eq!(port(&s), Some(465), "the usual port for implicit TLS");
    assert_eq!(s.port.as_ref().unwrap().source, Source::Default);

    let s = ok(env(&[
        ("EMAIL_HOST", "h"),
        ("EMAIL_PORT", "25"),
        ("EMAIL_USE_TLS", "False"),
    ]));
    assert_eq!(security(&s), Some(Security::Plain));
}

#[test]
fn django_both_flags_is_a_config_error() {
    let s = ok(env_file(
        "EMAIL_HOST=h\nEMAIL_PORT=465\nEMAIL_USE_TLS=True\nEMAIL_USE_SSL=True\n",
    ));
    assert_eq!(s.config_errors.len(), 1);
    assert!(s.config_errors[0].message.contains("mutually exclusive"));
    assert_eq!(s.config_errors[0].source, file_src("EMAIL_USE_TLS"));
    // Neither flag is used: the port decides.
    assert_eq!(
        s.security.as_ref().unwrap().source,
        Source::Inferred {
            from: "port 465".into()
        }
    );
    assert_eq!(
        err(env_file("EMAIL_USE_TLS=maybe\n")),
        "EMAIL_USE_TLS=maybe in .env: not a true/false value"
    );
}

// ---- nodemailer / PHPMailer SMTP_* -------------------------------------------------------

#[test]
fn smtp_secure_words() {
    for (word, want) in [
        ("true", Security::Implicit),
        ("false", Security::StarttlsIfOffered),
        ("tls", Security::Starttls),
        ("ssl", Security::Implicit),
    ] {
        let s = ok(env(&[
            ("SMTP_HOST", "h"),
            ("SMTP_PORT", "2525"),
            ("SMTP_SECURE", word),
        ]));
        assert_eq!(security(&s), Some(want), "{word}");
        assert!(note(&s, &format!("SMTP_SECURE={word} → ")), "{:?}", s.notes);
    }
    let s = ok(env(&[
        ("SMTP_HOST", "h"),
        ("SMTP_USER", "u"),
        ("SMTP_PASS", "pw"),
    ]));
    assert_eq!(password(&s), Some("pw"));
    assert_eq!(
        s.password.as_ref().unwrap().source,
        Source::Env {
            key: "SMTP_PASS".into()
        }
    );
    assert_eq!(
        err(env(&[("SMTP_SECURE", "always")])),
        "SMTP_SECURE=always in the environment: not a security setting (true, false, tls or ssl)"
    );
}

// ---- Symfony DSNs and URLs ----------------------------------------------------------------

#[test]
fn symfony_dsn_percent_decoded() {
    let s = ok(env_file(
        "MAILER_DSN=smtp://me%40example.com:p%40ss@smtp.example.com:587\n",
    ));
    assert_eq!(s.user.as_ref().unwrap().value, "me@example.com");
    assert_eq!(password(&s), Some("p@ss"));
    assert_eq!(s.password.as_ref().unwrap().source, file_src("MAILER_DSN"));
    assert_eq!(host(&s), Some("smtp.example.com"));
    assert_eq!(port(&s), Some(587));
    let sec = s.security.as_ref().unwrap();
    assert_eq!(sec.value, Security::StarttlsIfOffered);
    assert_eq!(sec.raw.as_deref(), Some("smtp"));
    assert!(note(&s, "opportunistic"), "{:?}", s.notes);
    assert!(
        !s.password_on_command_line,
        "a DSN in a file is not on the command line"
    );
}

#[test]
fn symfony_smtps_and_port_rules() {
    let s = ok(cli_url("smtps://user@smtp.example.com"));
    assert_eq!(security(&s), Some(Security::Implicit));
    assert_eq!(port(&s), Some(465));
    assert_eq!(s.port.as_ref().unwrap().source, Source::Default);

    // Symfony: smtp:// on 465, or without a port (but localhost), is implicit TLS.
    let s = ok(cli_url("smtp://user@smtp.example.com:465"));
    assert_eq!(security(&s), Some(Security::Implicit));
    let s = ok(cli_url("smtp://smtp.example.com"));
    assert_eq!(
        (security(&s), port(&s)),
        (Some(Security::Implicit), Some(465))
    );
    let s = ok(cli_url("smtp://localhost"));
    assert_eq!(
        (security(&s), port(&s)),
        (Some(Security::StarttlsIfOffered), Some(25))
    );

    let s = ok(cli_url("smtp://h:587?auto_tls=false"));
    assert_eq!(security(&s), Some(Security::Plain));
    let s = ok(cli_url("smtp://h:587?require_tls=true"));
    assert_eq!(security(&s), Some(Security::Starttls));
    let s = ok(cli_url("smtp://h:587?auto_tls=false&require_tls=true"));
    assert_eq!(s.config_errors.len(), 1);
}

#[test]
fn dsn_encryption_and_verify_peer() {
    let s = ok(cli_url("smtp://u:p@h:465?encryption=ssl&verify_peer=0"));
    let sec = s.security.as_ref().unwrap();
    assert_eq!(sec.value, Security::Implicit);
    assert_eq!(sec.raw.as_deref(), Some("encryption=ssl"));
    let verify = s.verify_peer.as_ref().unwrap();
    assert!(!verify.value);
    assert!(note(&s, "does not verify the server's certificate"));

    let s = ok(cli_url("smtps://u:p@h:587?encryption=tls"));
    assert_eq!(security(&s), Some(Security::Starttls));
    assert!(
        note(&s, "the scheme alone would mean implicit TLS"),
        "{:?}",
        s.notes
    );

    let s = ok(cli_url("smtp://h:587?verify_peer="));
    assert!(
        s.verify_peer.is_none(),
        "empty verify_peer leaves verification on"
    );

    assert_eq!(
        err(cli_url("smtp://h:587?encryption=maybe")),
        "the URL: encryption=maybe: unknown encryption (use tls or ssl)"
    );
}

#[test]
fn symfony_provider_schemes() {
    let s = ok(env_file(
        "MAILER_DSN=mailjet+smtp://ACCESS:S%2Fecret@default\n",
    ));
    assert_eq!(s.provider_hint.as_deref(), Some("mailjet"));
    let h = s.host.as_ref().unwrap();
    assert_eq!(h.value, "in-v3.mailjet.com");
    assert_eq!(h.raw.as_deref(), Some("default"));
    assert_eq!(password(&s), Some("S/ecret"));
    assert!(s.security.is_none(), "the bridge picks TLS itself");
    assert!(note(&s, "picks its port and TLS mode itself"));

    let s = ok(cli_url("ses+smtp://AKIA:pw@default?region=us-east-1"));
    assert_eq!(host(&s), Some("email-smtp.us-east-1.amazonaws.com"));
    let s = ok(cli_url("mailgun+smtp://u:pw@default?region=eu"));
    assert_eq!(host(&s), Some("smtp.eu.mailgun.org"));

    // SendGrid's key sits in the user part: it's a secret, and the user is "apikey".
    let s = ok(cli_url("sendgrid+smtp://SG.key@default"));
    assert_eq!(s.user.as_ref().unwrap().value, "apikey");
    assert_eq!(password(&s), Some("SG.key"));
    assert!(s.password_on_command_line);
    assert!(!serde_json::to_string(&s).unwrap().contains("SG.key"));

    let s = ok(cli_url("acme+smtp://u:pw@default"));
    assert_eq!(s.provider_hint.as_deref(), Some("acme"));
    assert!(s.host.is_none());

    assert!(err(cli_url("mailjet+api://k:s@default")).contains("HTTP API, not SMTP"));
    assert!(
        err(env_file("MAILER_DSN=null://null\n")).starts_with("MAILER_DSN in .env: scheme null")
    );
    assert!(err(cli_url("failover(smtp://a smtp://b)")).contains("several transports"));
}

#[test]
fn dj_email_url_schemes() {
    let s = ok(env(&[("EMAIL_URL", "submission://u:p@smtp.example.com")]));
    assert_eq!(
        (security(&s), port(&s)),
        (Some(Security::Starttls), Some(587))
    );
    let s = ok(env(&[("EMAIL_URL", "smtps://u:p@h:587")]));
    assert_eq!(
        security(&s),
        Some(Security::Starttls),
        "dj-email-url's smtps is EMAIL_USE_TLS"
    );
    let s = ok(env(&[("EMAIL_URL", "smtp+ssl://u:p@h")]));
    assert_eq!(security(&s), Some(Security::Implicit));
    let s = ok(env(&[("EMAIL_URL", "smtp://u:p@h:2525?ssl=True")]));
    assert_eq!(security(&s), Some(Security::Implicit));
    let s = ok(env(&[("EMAIL_URL", "smtp://h")]));
    assert_eq!((security(&s), port(&s)), (Some(Security::Plain), Some(25)));
}

// URLs on the command line, precedence, dotenv, errors and secrecy.
mod mailbox;
mod more;
