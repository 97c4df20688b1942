//! Settings tests, continued: command-line URLs, precedence across sources, dotenv edge
//! cases, errors naming their source, and the password kept out of every output.

use super::*;

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
fn dotenv_lone_cr_ends_a_line() {
    // As phpdotenv, python-dotenv and Node's dotenv read it: the comment ends at the CR.
    let (entries, warnings) =
        parse_dotenv("# old Mac file\rMAIL_HOST=a.example\rbad line\rMAIL_PORT=25");
    let got: Vec<_> = entries
        .iter()
        .map(|e| (e.key.as_str(), e.value.as_str(), e.line))
        .collect();
    assert_eq!(got, [("MAIL_HOST", "a.example", 2), ("MAIL_PORT", "25", 4)]);
    assert_eq!(warnings, ["line 3 is not KEY=value and was skipped"]);
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
