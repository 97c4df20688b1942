//! The incoming side: `--imap`/`--pop3`, imap(s)://, pop3(s):// URLs, IMAP_*/POP3_* variables.

use super::*;

fn mailbox(protocol: Protocol, mut input: Inputs) -> Settings {
    input.protocol = Some(protocol);
    ok(input)
}

#[test]
fn url_schemes_select_the_protocol_and_default_port() {
    let s = ok(cli_url("imaps://alice%40example.com@imap.example.com"));
    assert_eq!(s.protocol, Protocol::Imap);
    assert_eq!(security(&s), Some(Security::Implicit));
    assert_eq!(port(&s), Some(993));
    assert_eq!(s.user.as_ref().unwrap().value, "alice@example.com");
    assert!(
        note(&s, "imaps:// → IMAP with implicit TLS"),
        "{:?}",
        s.notes
    );
    for (url, protocol, sec, p) in [
        (
            "imap://imap.example.com",
            Protocol::Imap,
            Security::Starttls,
            143,
        ),
        (
            "pop3s://pop.example.com",
            Protocol::Pop3,
            Security::Implicit,
            995,
        ),
        (
            "pop3://pop.example.com",
            Protocol::Pop3,
            Security::Starttls,
            110,
        ),
        (
            "pop://pop.example.com",
            Protocol::Pop3,
            Security::Starttls,
            110,
        ),
        (
            "POPS://pop.example.com:1995",
            Protocol::Pop3,
            Security::Implicit,
            1995,
        ),
    ] {
        let s = ok(cli_url(url));
        assert_eq!(
            (s.protocol, security(&s), port(&s)),
            (protocol, Some(sec), Some(p)),
            "{url}"
        );
    }
    // The URL's port is kept with the scheme's mode, so "imap:// on 993" can be named.
    let s = ok(cli_url("imap://imap.example.com:993"));
    assert_eq!(
        (security(&s), port(&s)),
        (Some(Security::Starttls), Some(993))
    );
    // RFC 5092's ;AUTH= is not part of the user name; a password in it is flagged.
    let s = ok(cli_url("imap://bob;AUTH=*:secret@imap.example.com/INBOX"));
    assert_eq!(s.user.as_ref().unwrap().value, "bob");
    assert_eq!(password(&s), Some("secret"));
    assert!(s.password_on_command_line);
}

#[test]
fn flags_and_protocol_contradictions() {
    let s = mailbox(
        Protocol::Imap,
        flags(FlagValues {
            host: Some("imap.example.com".into()),
            security: Some("starttls".into()),
            ..FlagValues::default()
        }),
    );
    assert_eq!((s.protocol, port(&s)), (Protocol::Imap, Some(143)));
    let s = mailbox(
        Protocol::Pop3,
        flags(FlagValues {
            port: Some("995".into()),
            ..FlagValues::default()
        }),
    );
    assert_eq!(security(&s), Some(Security::Implicit));
    assert!(note(&s, "port 995 → implicit TLS"), "{:?}", s.notes);
    let mut input = cli_url("imaps://imap.example.com");
    input.protocol = Some(Protocol::Pop3);
    assert_eq!(
        err(input),
        "--pop3: the URL is an IMAP URL; drop --pop3 or give a POP3 URL (pop3:// or pop3s://)"
    );
    let mut input = cli_url("smtp://smtp.example.com:587");
    input.protocol = Some(Protocol::Imap);
    assert_eq!(
        err(input),
        "--imap: the URL is not an IMAP URL (use imap:// or imaps://)"
    );
    // SMTP stays the default, and its ports keep their meaning.
    let s = ok(cli_url("smtp://smtp.example.com:587"));
    assert_eq!(s.protocol, Protocol::Smtp);
}

#[test]
fn incoming_variables_with_their_sources() {
    let s = mailbox(
        Protocol::Imap,
        env_file(
            "SMTP_HOST=smtp.example.com\nSMTP_PORT=587\nIMAP_HOST=imap.example.com\n\
             IMAP_PORT=993\nIMAP_USERNAME=me@example.com\nIMAP_PASS=pw\nIMAP_SECURE=true\n",
        ),
    );
    assert_eq!(host(&s), Some("imap.example.com"));
    assert_eq!(s.host.as_ref().unwrap().source, file_src("IMAP_HOST"));
    assert_eq!(port(&s), Some(993));
    assert_eq!(s.user.as_ref().unwrap().source, file_src("IMAP_USERNAME"));
    assert_eq!(password(&s), Some("pw"));
    assert_eq!(security(&s), Some(Security::Implicit));
    assert!(note(&s, "IMAP_SECURE=true → implicit TLS"), "{:?}", s.notes);

    let s = mailbox(
        Protocol::Pop3,
        env(&[
            ("POP_HOST", "old.example.com"),
            ("POP3_HOST", "pop.example.com"),
            ("POP3_SECURE", "starttls"),
            ("POP3_USER", "me"),
        ]),
    );
    assert_eq!(host(&s), Some("pop.example.com"));
    assert_eq!(
        s.host.as_ref().unwrap().source,
        Source::Env {
            key: "POP3_HOST".into()
        }
    );
    assert!(note(&s, "is used over"), "{:?}", s.notes);
    assert_eq!(
        (security(&s), port(&s)),
        (Some(Security::Starttls), Some(110))
    );

    // The sending side's variables are not read for the incoming server.
    let s = mailbox(Protocol::Imap, env(&[("SMTP_HOST", "smtp.example.com")]));
    assert!(s.host.is_none());
    assert!(err({
        let mut i = env(&[("IMAP_SECURE", "tls")]);
        i.protocol = Some(Protocol::Imap);
        i
    })
    .starts_with("IMAP_SECURE=tls in the environment: not a security setting"));
}
