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

#[test]
fn submission_urls_on_the_command_line() {
    let s = ok(cli_url("submission://me@mail.example.com"));
    assert_eq!(
        (security(&s), port(&s)),
        (Some(Security::Starttls), Some(587))
    );
    assert_eq!(s.user.as_ref().unwrap().source, Source::Url);
    let s = ok(cli_url("submissions://me@mail.example.com"));
    assert_eq!(
        (security(&s), port(&s)),
        (Some(Security::Implicit), Some(465))
    );
}

#[test]
fn password_on_the_command_line_is_flagged() {
    assert!(ok(cli_url("smtp://user:secret@h:587")).password_on_command_line);
    assert!(!ok(cli_url("smtp://user@h:587")).password_on_command_line);
    assert!(
        !ok(cli_url("smtp://user:@h:587")).password_on_command_line,
        "empty password"
    );
    let from_elsewhere = Inputs {
        url: Some("smtp://user:secret@h:587".into()),
        url_from_command_line: false,
        ..Inputs::default()
    };
    assert!(!ok(from_elsewhere).password_on_command_line);
}

#[test]
fn ipv6_hosts() {
    let s = ok(cli_url("smtp://[2001:db8::1]:587"));
    assert_eq!(host(&s), Some("2001:db8::1"));
    assert_eq!(port(&s), Some(587));
    let s = ok(cli_url("smtps://u:p@[::1]"));
    assert_eq!((host(&s), port(&s)), (Some("::1"), Some(465)));
    assert!(err(cli_url("smtp://2001:db8::1:587")).contains("brackets"));
    assert!(err(cli_url("smtp://[2001:db8::zz]:587")).contains("not an IPv6 address"));
    assert!(err(cli_url("smtp://[2001:db8::1:587")).contains("without ']'"));
    let s = ok(flags(FlagValues {
        host: Some("[2001:db8::2]".into()),
        ..FlagValues::default()
    }));
    assert_eq!(host(&s), Some("2001:db8::2"));
}

#[test]
fn percent_decoding_edges() {
    let s = ok(cli_url("smtp://u:p%zz%2@h:587"));
    assert_eq!(password(&s), Some("p%zz%2"), "bad escapes stay as written");
    let s = ok(cli_url("smtp://u:a+b@h:587"));
    assert_eq!(password(&s), Some("a+b"), "'+' is not a space in user info");
    assert_eq!(
        err(cli_url("smtp://u:%ff@h:587")),
        "the URL: the password is not UTF-8 once percent-decoded"
    );
}

// ---- precedence -------------------------------------------------------------------------

#[test]
fn precedence_across_all_four_sources() {
    // Every non-empty combination of sources; the highest present must win each field.
    let flag = |i: &mut Inputs| {
        i.flags = FlagValues {
            host: Some("flag.example".into()),
            port: Some("1001".into()),
            user: Some("flag-user".into()),
            security: Some("starttls".into()),
            from: None,
        };
        i.password_env = Some(("PW".into(), Some("flag-pw".into())));
    };
    let url = |i: &mut Inputs| i.url = Some("smtps://url-user:url-pw@url.example:1002".into());
    let file = |i: &mut Inputs| {
        i.env_file = Some((
            PathBuf::from(".env"),
            "MAIL_HOST=file.example\nMAIL_PORT=1003\nMAIL_USERNAME=file-user\n\
             MAIL_PASSWORD=file-pw\nMAIL_ENCRYPTION=ssl\n"
                .into(),
        ))
    };
    let environment = |i: &mut Inputs| {
        i.env = Some(vars(&[
            ("SMTP_HOST", "env.example"),
            ("SMTP_PORT", "1004"),
            ("SMTP_USER", "env-user"),
            ("SMTP_PASSWORD", "env-pw"),
            ("SMTP_SECURE", "false"),
        ]))
    };
    type Apply = fn(&mut Inputs);
    let sources: [(&str, Apply, Source, &str, u16, Security, &str); 4] = [
        (
            "flags",
            flag,
            Source::Flag("--host"),
            "flag.example",
            1001,
            Security::Starttls,
            "flag-pw",
        ),
        (
            "url",
            url,
            Source::Url,
            "url.example",
            1002,
            Security::Implicit,
            "url-pw",
        ),
        (
            "file",
            file,
            file_src("MAIL_HOST"),
            "file.example",
            1003,
            Security::Implicit,
            "file-pw",
        ),
        (
            "env",
            environment,
            Source::Env {
                key: "SMTP_HOST".into(),
            },
            "env.example",
            1004,
            Security::StarttlsIfOffered,
            "env-pw",
        ),
    ];
    for mask in 1u8..16 {
        let mut input = Inputs::default();
        let present: Vec<usize> = (0..4).filter(|b| mask & (1 << b) != 0).collect();
        for &b in &present {
            (sources[b].1)(&mut input);
        }
        let s = ok(input);
        let (name, _, src, h, p, sec, pw) = &sources[present[0]];
        assert_eq!(host(&s), Some(*h), "{name} should win (mask {mask:04b})");
        assert_eq!(s.host.as_ref().unwrap().source, *src, "mask {mask:04b}");
        assert_eq!(port(&s), Some(*p), "mask {mask:04b}");
        assert_eq!(security(&s), Some(*sec), "mask {mask:04b}");
        assert_eq!(password(&s), Some(*pw), "mask {mask:04b}");
        // Each losing source's host is named in a note.
        for &b in &present[1..] {
            assert!(
                note(
                    &s,
                    &format!("host {} from {} overrides {}", h, src, sources[b].3)
                ),
                "mask {mask:04b}: {:?}",
                s.notes
            );
        }
    }
}

#[test]
fn within_one_source_a_dsn_beats_single_variables() {
    let s = ok(env_file(
        "MAIL_HOST=laravel.example\nMAILER_DSN=smtp://dsn.example:587\nSMTP_HOST=generic.example\n",
    ));
    assert_eq!(host(&s), Some("dsn.example"));
    assert_eq!(s.host.as_ref().unwrap().source, file_src("MAILER_DSN"));
    assert!(
        note(
            &s,
            "host dsn.example from MAILER_DSN in .env is used over laravel.example"
        ),
        "{:?}",
        s.notes
    );
    assert!(
        note(&s, "generic.example from SMTP_HOST in .env"),
        "{:?}",
        s.notes
    );
}

#[test]
fn password_env_flag() {
    let mut input = env_file("MAIL_PASSWORD=from-file\n");
    input.password_env = Some(("SMTP_PW".into(), Some("from-var".into())));
    let s = ok(input);
    assert_eq!(password(&s), Some("from-var"));
    assert_eq!(
        s.password.as_ref().unwrap().source,
        Source::PasswordEnv {
            var: "SMTP_PW".into()
        }
    );
    assert!(note(
        &s,
        "the password from --password-env SMTP_PW overrides the one from MAIL_PASSWORD in .env"
    ));
    assert!(!s
        .notes
        .iter()
        .any(|n| n.contains("from-file") || n.contains("from-var")));

    let unset = Inputs {
        password_env: Some(("SMTP_PW".into(), None)),
        ..Inputs::default()
    };
    assert_eq!(err(unset), "--password-env SMTP_PW: SMTP_PW is not set");
    let empty = Inputs {
        password_env: Some(("SMTP_PW".into(), Some(String::new()))),
        ..Inputs::default()
    };
    assert_eq!(err(empty), "--password-env SMTP_PW: SMTP_PW is empty");
}

// ---- dotenv -----------------------------------------------------------------------------

fn dotenv(text: &str) -> Vec<(String, String)> {
    parse_dotenv(text)
        .0
        .into_iter()
        .map(|e| (e.key, e.value))
        .collect()
}

#[test]
fn dotenv_quotes_comments_export_crlf() {
    let text = "# a comment\r\n\
                \r\n\
                export MAIL_HOST=smtp.example.com\r\n\
                MAIL_PASSWORD=\"p#ss word\" # trailing comment\r\n\
                SINGLE='it''s'\r\n\
                LITERAL='a\\nb ${X}'\r\n\
                ESCAPED=\"a\\nb \\\"q\\\" \\\\\"\r\n\
                UNQUOTED=value # comment\r\n\
                HASH=ab#c\r\n\
                SPACED = padded value  \r\n\
                EMPTY=\r\n\
                EMPTY_QUOTED=\"\"\r\n\
                ONLY_COMMENT= # nothing\r\n\
                exporter=kept\r\n";
    let got = dotenv(text);
    let want: Vec<(String, String)> = [
        ("MAIL_HOST", "smtp.example.com"),
        ("MAIL_PASSWORD", "p#ss word"),
        ("SINGLE", "it"),
        ("LITERAL", "a\\nb ${X}"),
        ("ESCAPED", "a\nb \"q\" \\"),
        ("UNQUOTED", "value"),
        ("HASH", "ab#c"),
        ("SPACED", "padded value"),
        ("EMPTY", ""),
        ("EMPTY_QUOTED", ""),
        ("ONLY_COMMENT", ""),
        ("exporter", "kept"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(got, want);
    // SINGLE='it''s' has text after its closing quote.
    let (_, warnings) = parse_dotenv(text);
    assert_eq!(
        warnings,
        vec!["line 5: text after SINGLE's closing quote was ignored".to_string()]
    );
}

#[test]
fn dotenv_multiline_duplicates_and_bad_lines() {
    let (entries, warnings) = parse_dotenv(
        "KEY=\"line one\nline two\"\nMAIL_HOST=first\nnot a pair\n1BAD=x\nMAIL_HOST=second\nOPEN=\"never closed\n",
    );
    let keys: Vec<(&str, &str, usize)> = entries
        .iter()
        .map(|e| (e.key.as_str(), e.value.as_str(), e.line))
        .collect();
    assert_eq!(
        keys,
        vec![
            ("KEY", "line one\nline two", 1),
            ("MAIL_HOST", "first", 3),
            ("MAIL_HOST", "second", 6),
        ]
    );
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    assert!(warnings[0].contains("line 4"));
    assert!(warnings[1].contains("line 5"));
    assert!(warnings[2].contains("OPEN has no closing quote"));

    let s = ok(env_file("MAIL_HOST=first\nMAIL_HOST=second\n"));
    assert_eq!(host(&s), Some("second"), "the last one wins");
    assert!(note(
        &s,
        "MAIL_HOST is set twice in .env (lines 1 and 2): the last one is used"
    ));
}

#[test]
fn dotenv_notes_on_expansion_and_hash() {
    let s = ok(env_file("MAIL_HOST=${SMTP_SERVER}\nMAIL_PASSWORD=ab#cd\n"));
    assert_eq!(host(&s), Some("${SMTP_SERVER}"), "read as written");
    assert!(
        note(&s, "MAIL_HOST in .env holds ${…}: mxray does not expand"),
        "{:?}",
        s.notes
    );
    assert!(
        note(&s, "MAIL_PASSWORD in .env holds an unquoted '#'"),
        "{:?}",
        s.notes
    );
    assert!(
        !s.notes.iter().any(|n| n.contains("ab#cd")),
        "notes never echo a password"
    );
    assert_eq!(password(&s), Some("ab#cd"));
}

#[test]
fn empty_values_are_unset() {
    let mut input = env_file("MAIL_HOST=\nMAIL_PASSWORD=\n");
    input.env = Some(vars(&[
        ("MAIL_HOST", "from-env"),
        ("MAIL_PASSWORD", "env-pw"),
    ]));
    let s = ok(input);
    assert_eq!(host(&s), Some("from-env"));
    assert_eq!(password(&s), Some("env-pw"));
}

// ---- inference --------------------------------------------------------------------------

#[test]
fn security_inferred_from_port_and_port_from_security() {
    for (p, want) in [
        (465u16, Some(Security::Implicit)),
        (587, Some(Security::Starttls)),
        (25, Some(Security::Starttls)),
        (2525, None),
    ] {
        let s = ok(flags(FlagValues {
            host: Some("h".into()),
            port: Some(p.to_string()),
            ..FlagValues::default()
        }));
        assert_eq!(security(&s), want, "port {p}");
        if want.is_some() {
            assert_eq!(
                s.security.as_ref().unwrap().source,
                Source::Inferred {
                    from: format!("port {p}")
                }
            );
            assert!(note(&s, "(inferred)"));
        }
    }
    let s = ok(flags(FlagValues {
        security: Some("starttls".into()),
        ..FlagValues::default()
    }));
    assert_eq!(port(&s), Some(587));
    assert_eq!(s.port.as_ref().unwrap().source, Source::Default);
    let s = ok(flags(FlagValues {
        security: Some("none".into()),
        ..FlagValues::default()
    }));
    assert_eq!(port(&s), Some(25));
    let s = ok(Inputs::default());
    assert_eq!(s, Settings::default(), "nothing given, nothing made up");
}

// ---- errors -----------------------------------------------------------------------------

#[test]
fn errors_name_their_source() {
    assert_eq!(
        err(env_file("MAIL_PORT=abc\n")),
        "MAIL_PORT=abc in .env: not a port number"
    );
    assert_eq!(
        err(env(&[("SMTP_PORT", "70000")])),
        "SMTP_PORT=70000 in the environment: not a port number (1-65535)"
    );
    let port_flag = |p: &str| {
        flags(FlagValues {
            port: Some(p.into()),
            ..FlagValues::default()
        })
    };
    assert_eq!(err(port_flag("0")), "--port 0: not a port number (1-65535)");
    assert_eq!(
        err(port_flag("70000")),
        "--port 70000: not a port number (1-65535)"
    );
    assert_eq!(err(port_flag("-1")), "--port -1: not a port number");
    assert_eq!(
        err(cli_url("smtp//h")),
        "the URL: not a URL (expected scheme://host, e.g. smtp://mail.example.com:587)"
    );
    assert_eq!(
        err(cli_url("ftp://h")),
        "the URL: unknown scheme ftp (use smtp, smtps, submission, submissions or PROVIDER+smtp)"
    );
    assert_eq!(
        err(env_file("MAILER_DSN=smtp://u:p@h:0\n")),
        "MAILER_DSN in .env: the port is not a port number (1-65535)"
    );
    assert_eq!(err(cli_url("smtp://u:p@:587")), "the URL: no host name");
    assert!(err(env_file("MAIL_HOST=smtp://smtp.example.com\n"))
        .starts_with("MAIL_HOST=smtp://smtp.example.com in .env: a URL where a host name belongs"));
    let with_path = Inputs {
        env_file: Some((PathBuf::from("/srv/app/.env"), "MAIL_PORT=x\n".into())),
        ..Inputs::default()
    };
    assert_eq!(
        err(with_path),
        "MAIL_PORT=x in /srv/app/.env: not a port number"
    );
}

#[test]
fn url_errors_never_echo_the_password() {
    for url in [
        "smtp://user:hunter2@h:abc",
        "smtp://user:hunter2@h:99999",
        "smtp://user:hunt/er2@h:587",
        "smtp://user:hunt?er2@h:587",
        "smtp://user:hunt#er2@h:587",
        "smtp://user:hunter2@[::zz]:587",
        "smtp://user:hunter2@h:587?encryption=x",
    ] {
        let message = err(cli_url(url));
        assert!(
            !message.contains("hunt") && !message.contains("er2"),
            "{url}: {message}"
        );
    }
    assert!(err(cli_url("smtp://user:hunt/er2@h:587")).contains("percent-encoded"));
}

// ---- the password stays secret ----------------------------------------------------------

#[test]
fn secret_never_printed() {
    let secret = Secret::new("hunter2");
    assert_eq!(format!("{secret:?}"), "***");
    assert_eq!(format!("{secret}"), "***");
    assert_eq!(serde_json::to_string(&secret).unwrap(), "\"***\"");
    assert_eq!(secret.expose(), "hunter2");

    let mut input = cli_url("smtps://me:hunter2@smtp.example.com");
    input.env_file = Some((PathBuf::from(".env"), "MAIL_PASSWORD=filepass\n".into()));
    input.env = Some(vars(&[("SMTP_PASSWORD", "envpass")]));
    let s = ok(input.clone());
    assert_eq!(password(&s), Some("hunter2"));

    let debug = format!("{s:?}");
    assert!(debug.contains("***"), "{debug}");
    for leaked in ["hunter2", "filepass", "envpass"] {
        assert!(!debug.contains(leaked), "Debug leaks {leaked}: {debug}");
    }

    let json = serde_json::to_string(&s).unwrap();
    assert!(!json.contains("hunter2") && !json.contains("***"), "{json}");
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(
        value.get("password").is_none(),
        "password is skipped: {json}"
    );
    assert_eq!(value["host"]["value"], "smtp.example.com");
    assert_eq!(value["password_on_command_line"], true);

    let inputs_debug = format!("{input:?}");
    for leaked in ["hunter2", "filepass", "envpass"] {
        assert!(
            !inputs_debug.contains(leaked),
            "Inputs Debug leaks {leaked}: {inputs_debug}"
        );
    }
    let with_var = Inputs {
        password_env: Some(("PW".into(), Some("varpass".into()))),
        ..Inputs::default()
    };
    assert!(!format!("{with_var:?}").contains("varpass"));
}

#[test]
fn source_serializes_readably() {
    let s = ok(env_file(
        "MAIL_HOST=h\nMAIL_PORT=587\nMAIL_ENCRYPTION=tls\n",
    ));
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(json["security"]["value"], "starttls");
    assert_eq!(json["security"]["raw"], "tls");
    assert_eq!(
        json["security"]["source"]["env_file"]["key"],
        "MAIL_ENCRYPTION"
    );
    assert_eq!(json["security"]["source"]["env_file"]["path"], ".env");
    let s = ok(flags(FlagValues {
        port: Some("587".into()),
        ..FlagValues::default()
    }));
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(json["port"]["source"]["flag"], "--port");
    assert_eq!(json["security"]["source"]["inferred"]["from"], "port 587");
}
