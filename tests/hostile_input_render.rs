//! Terminal injection: strings a server, a DNS zone or a saved report supplies (banners, EHLO
//! lines, certificate names, TXT records, autoconfig fields, transcripts, user names) carry
//! ESC, BEL, CR/LF, C1 controls and bidi overrides. The human report must show them escaped,
//! never raw; the JSON report must keep them as data.
//!
//! The reports are the shipped fixtures with a payload appended to every string field that
//! still decodes afterwards, plus a discovery report built here. Two tests run `mxray server`
//! against in-process servers: an SMTP banner with escape sequences (the probe records it in
//! escaped form as a protocol violation), and a TLS certificate whose subject and
//! subjectAltName carry them (recorded as the certificate has them, escaped when shown).

mod common;

use common::rig::mxray;
use mxray::report::Report;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, TcpListener};
use std::path::Path;

/// A window-title OSC with BEL, a "conceal" colour nobody renders, a forged report line after
/// CR LF, a right-to-left override, a C1 CSI and DEL.
const PAYLOAD: &str = "\u{1b}]0;pwned\u{7}\u{1b}[8m\r\nFAKE-LINE\u{202e}gro.\u{9b}2J\u{7f}";
/// How [`PAYLOAD`] reads once escaped.
const SHOWN: &str = "\\e]0;pwned\\x07\\e[8m\\r\\nFAKE-LINE\\u{202e}gro.\\u{9b}2J\\x7f";

/// Characters a terminal acts on, checked independently of mxray's own list.
fn is_control(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Nothing in `out` but printable text, line breaks and (with colour) SGR colour sequences; the
/// payload appears only in its escaped form.
fn assert_terminal_safe(out: &str, colour: bool, what: &str) {
    let mut chars = out.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if c == '\n' {
            continue;
        }
        if colour && c == '\u{1b}' {
            let rest = &out[at + 1..];
            let params = rest.strip_prefix('[').map(|r| r.find('m').map(|m| &r[..m]));
            match params {
                Some(Some(p)) if p.bytes().all(|b| b.is_ascii_digit() || b == b';') => {
                    assert_ne!(p, "8", "{what}: the payload's own SGR reached the terminal");
                    for _ in 0..p.len() + 2 {
                        chars.next();
                    }
                    continue;
                }
                _ => panic!("{what}: a raw ESC that is no colour sequence at byte {at}"),
            }
        }
        assert!(
            !is_control(c),
            "{what}: raw {c:?} at byte {at}: {:?}",
            &out[at.saturating_sub(40)..(at + 40).min(out.len())]
        );
    }
    for line in out.lines() {
        if let Some(at) = line.find("FAKE-LINE") {
            assert!(
                line[..at].ends_with("\\r\\n") || line[..at].ends_with("\\e[8m"),
                "{what}: a forged line reached the report: {line:?}"
            );
        }
    }
}

/// `out` without its SGR colour sequences.
fn strip_colour(out: &str) -> String {
    let mut text = String::with_capacity(out.len());
    let mut rest = out;
    while let Some(at) = rest.find("\u{1b}[") {
        text.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        rest = after.find('m').map(|m| &after[m + 1..]).unwrap_or("");
    }
    text.push_str(rest);
    text
}

/// Appends [`PAYLOAD`] to every string of `doc` whose key still decodes as a report with it,
/// one key name at a time; returns how many strings carry it.
fn poison(doc: &mut Value) -> usize {
    let mut by_key: BTreeMap<String, Vec<String>> = BTreeMap::new();
    collect_strings(doc, "", "", &mut by_key);
    let mut poisoned = 0;
    for (key, pointers) in by_key {
        // "now" for the diagnosis; a bad one is refused before anything is shown.
        if key == "started_at" {
            continue;
        }
        // A fetched policy body is shown line by line, as a document: no forged line there.
        let payload = if key == "body" {
            PAYLOAD.replace("\r\n", "")
        } else {
            PAYLOAD.to_string()
        };
        let mut tried = doc.clone();
        for p in &pointers {
            if let Some(Value::String(s)) = tried.pointer_mut(p) {
                s.push_str(&payload);
            }
        }
        if serde_json::from_value::<Report>(tried.clone()).is_ok() {
            *doc = tried;
            poisoned += pointers.len();
        }
    }
    poisoned
}

fn collect_strings(v: &Value, path: &str, key: &str, out: &mut BTreeMap<String, Vec<String>>) {
    match v {
        Value::String(_) => out.entry(key.to_string()).or_default().push(path.into()),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                collect_strings(item, &format!("{path}/{i}"), key, out);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                let escaped = k.replace('~', "~0").replace('/', "~1");
                collect_strings(item, &format!("{path}/{escaped}"), k, out);
            }
        }
        _ => {}
    }
}

fn fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// `doc` with the evidence no shipped fixture has (a relay test, a sniffed role, a retried
/// login with an OAuth error, the provider's rules, a stopped SPF walk), so that those strings
/// take the payload too.
fn with_rare_fields(mut doc: Value) -> Value {
    let reply = |text: &str| serde_json::json!({"code": 250, "lines": [text]});
    let probes = match doc["command"].as_str() {
        Some("server") => doc["evidence"]["probes"].as_array_mut(),
        Some("check") => doc["evidence"]["configured"]["probes"].as_array_mut(),
        _ => None,
    };
    for p in probes.into_iter().flatten() {
        p["sniffed"] = "smtp".into();
        p["relay_test"] = serde_json::json!({"mail_from": "a@relay.invalid",
            "rcpt_to": "b@relay.invalid", "mail_reply": reply("250 2.1.0 Ok"),
            "rcpt_reply": reply("250 2.1.5 Ok"), "accepted": true});
        if p["login"].is_object() {
            p["login"]["oauth_error"] = "invalid_token".into();
            p["login"]["retry"] = serde_json::json!({"user": "alice@example.com",
                "domain_from": "the From address", "reply": reply("535 5.7.8 no"),
                "accepted": false});
        }
    }
    if doc["command"] == "check" {
        doc["evidence"]["provider"] = serde_json::json!({"id": "example", "name": "Example Mail",
            "matched_by": "the host", "servers": ["smtp.example.com:465 SSL/TLS"],
            "rules": [{"kind": "app_password", "text": "An app password is required.",
                "url": "https://example.com/help", "source": "provider help",
                "verified": "2026-01"}]});
    }
    if doc["command"] == "domain" {
        doc["evidence"]["spf"]["tree"]["stopped"] = "the include depth limit".into();
    }
    serde_json::from_value::<Report>(doc.clone()).expect("the extended report decodes");
    doc
}

/// A `check ADDRESS` report: one candidate from each source, one probed with send-ok's server.
fn discovery_report() -> Value {
    let mut doc = fixture("check/send-ok.json");
    let probe = doc["evidence"]["configured"].clone();
    let lookup = |name: &str, rtype: &str, records: Vec<&str>| {
        serde_json::json!({"name": name, "rtype": rtype, "status": "ok",
            "records": records, "duration_ms": 3})
    };
    let setting = |host: &str, port: u16, security: &str, user: &str| {
        serde_json::json!({"protocol": "smtp", "host": host, "port": port,
            "security": security, "username": user, "auth": ["PLAIN"]})
    };
    let provider = serde_json::json!({"id": "example", "name": "Example Mail",
        "source": "ISPDB", "servers": [setting("smtp.example.com", 465, "implicit", "%EMAILADDRESS%")]});
    doc["evidence"] = serde_json::json!({
        "settings": doc["evidence"]["settings"].clone(),
        "discovery": {
            "address": "alice@example.com",
            "domain": "example.com",
            "provider_db": {"provider": provider.clone()},
            "srv": [{"service": "_submissions._tcp.example.com",
                "lookup": lookup("_submissions._tcp.example.com", "SRV", vec!["0 1 465 smtp.example.com."]),
                "records": [{"priority": 0, "weight": 1, "port": 465, "target": "smtp.example.com"}]}],
            "autoconfig": [
                {"fetch": {"url": "https://autoconfig.example.com/mail/config-v1.1.xml",
                    "error": "certificate is not trusted", "duration_ms": 4}},
                {"fetch": {"url": "https://example.com/.well-known/autoconfig/mail/config-v1.1.xml",
                    "status": 200, "body": "<clientConfig/>", "duration_ms": 4},
                 "parse_error": "no outgoingServer element"},
                {"fetch": {"url": "https://example.com/autoconfig", "status": 200, "duration_ms": 4},
                 "config": {"display_name": "Example", "domains": ["example.com"],
                    "servers": [setting("mail.example.com", 587, "starttls", "%EMAILLOCALPART%")],
                    "skipped": ["exchange"]}}],
            "mx": {"lookup": lookup("example.com", "MX", vec!["10 mx.example.com."]),
                "provider": provider},
            "candidates": [
                {"setting": setting("smtp.example.com", 465, "implicit", "%EMAILADDRESS%"),
                 "sources": ["provider_db", "srv"], "probe": probe},
                {"setting": setting("mail.example.com", 587, "starttls", "alice-custom"),
                 "sources": ["autoconfig"], "not_probed": "the host has no address"},
                {"setting": setting("imap.example.com", 993, "implicit", "%EMAILADDRESS%"),
                 "sources": ["mx_provider"], "not_probed": "incoming"}],
            "password_unused": true
        }
    });
    serde_json::from_value::<Report>(doc.clone()).expect("the discovery report decodes");
    doc
}

/// `mxray diagnose` of `doc` with the payload everywhere: human output in colour and without,
/// and JSON output that keeps the payload as data. Returns the human report without colour.
fn diagnose_poisoned(name: &str, mut doc: Value) -> String {
    let poisoned = poison(&mut doc);
    assert!(
        poisoned >= 20,
        "{name}: only {poisoned} strings took the payload"
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hostile.json");
    std::fs::write(&file, serde_json::to_vec(&doc).unwrap()).unwrap();
    let file = file.to_str().unwrap();

    let json = mxray(&["diagnose", file, "--format", "json"]);
    assert!(json.stderr.is_empty(), "{name}: {}", json.stderr);
    assert!(
        !json.stdout.contains(['\u{1b}', '\u{7}', '\r']),
        "{name}: JSON output carries raw control characters"
    );
    let back: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(back["target"], doc["target"], "{name}: JSON keeps the data");
    assert!(back["target"].as_str().unwrap().ends_with(PAYLOAD));
    let expected_code = if back["summary"]["failed"] == true {
        1
    } else {
        0
    };
    assert_eq!(json.code, expected_code, "{name}");

    let mut plain = String::new();
    for colour in ["never", "always"] {
        let run = mxray(&["diagnose", file, "--transcript", "--color", colour]);
        let what = format!("{name} --color {colour}");
        assert_eq!(run.code, expected_code, "{what}: {}", run.stderr);
        assert!(run.stderr.is_empty(), "{what}: {}", run.stderr);
        assert_terminal_safe(&run.stdout, colour == "always", &what);
        let header = run.stdout.lines().next().unwrap();
        assert!(
            header.contains(SHOWN),
            "{what}: target not shown escaped: {header}"
        );
        let shown = run.stdout.matches("\\e]0;pwned\\x07").count();
        assert!(
            shown >= 3,
            "{what}: the payload is shown only {shown} times"
        );
        if colour == "never" {
            plain = run.stdout;
        }
    }
    plain
}

/// Each of `lines` is in `text`, with the payload in its escaped form where `{}` stands.
fn assert_shown(text: &str, lines: &[&str]) {
    for line in lines {
        let line = line.replace("{}", SHOWN);
        assert!(text.contains(&line), "{line:?} not in:\n{text}");
    }
}

#[test]
fn server_reports_show_hostile_strings_escaped() {
    for name in [
        "server/clean.json",
        "server/banner.json",
        "server/legacy.json",
        "server/wrongname.json",
        "server/mailbox-plain.json",
        "server/noptr.json",
    ] {
        diagnose_poisoned(name, fixture(name));
    }
    let text = diagnose_poisoned(
        "clean + rare",
        with_rare_fields(fixture("server/clean.json")),
    );
    assert_shown(
        &text,
        &["ACCEPTED (open relay) — 250 2.1.5 Ok{}", "(sniffed)"],
    );
}

#[test]
fn domain_reports_show_hostile_strings_escaped() {
    for name in [
        "domain/good.json",
        "domain/stsbroken.json",
        "domain/dnsbl.json",
        "domain/dkim-testing.json",
        "domain/cnamemx.json",
        "domain/voids.json",
    ] {
        diagnose_poisoned(name, fixture(name));
    }
    let text = diagnose_poisoned("good + rare", with_rare_fields(fixture("domain/good.json")));
    assert_shown(&text, &[" [the include depth limit{}]"]);
}

#[test]
fn check_reports_show_hostile_strings_escaped() {
    for name in [
        "check/send-ok.json",
        "check/wrong-password.json",
        "check/spf-not-permitted.json",
        "check/ssl-on-587.json",
    ] {
        diagnose_poisoned(name, fixture(name));
    }
    let text = diagnose_poisoned(
        "wrong-password + rare",
        with_rare_fields(fixture("check/wrong-password.json")),
    );
    assert_shown(
        &text,
        &[
            "retried as alice@example.com{} (domain from the From address{}): refused — 535 5.7.8 no{}",
            "OAuth error status: invalid_token{}",
            "Provider Example Mail{} (recognised by the host{}; mxray's knowledge base)",
            "  • An app password is required.{}",
            "https://example.com/help{} — source: provider help{}, verified: 2026-01{}",
        ],
    );
    diagnose_poisoned("discovery", discovery_report());
}

/// An SMTP server on loopback whose greeting carries a window-title OSC, a clear-screen CSI
/// and a right-to-left override, then answers QUIT.
fn spawn_hostile_smtp() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            std::thread::spawn(move || {
                let _ =
                    conn.write_all(b"220 mail.test \x1b]0;owned\x07\x1b[2J ESMTP \xe2\x80\xae\r\n");
                let mut reader = BufReader::new(conn.try_clone().unwrap());
                let mut line = String::new();
                while reader.read_line(&mut line).unwrap_or(0) > 0 {
                    let quit = line.trim().eq_ignore_ascii_case("QUIT");
                    let reply: &[u8] = if quit { b"221 bye\r\n" } else { b"502 no\r\n" };
                    if conn.write_all(reply).is_err() || quit {
                        return;
                    }
                    line.clear();
                }
            });
        }
    });
    port
}

#[test]
fn a_server_banner_with_escape_sequences_is_shown_escaped() {
    let port = spawn_hostile_smtp();
    // A closed UDP port: the reverse lookup of 127.0.0.1 goes unanswered and stays on loopback.
    let resolver = {
        let s = std::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        format!("127.0.0.1:{}", s.local_addr().unwrap().port())
    };
    let ports = format!("{port}/smtp");
    for colour in ["never", "always"] {
        let run = mxray(&[
            "server",
            "127.0.0.1",
            "--ports",
            &ports,
            "--resolver",
            &resolver,
            "--timeout",
            "2",
            "--no-legacy-tls",
            "--helo",
            "probe.test",
            "--transcript",
            "--color",
            colour,
        ]);
        let what = format!("mxray server --color {colour}");
        assert_eq!(run.code, 1, "{what}: {}{}", run.stdout, run.stderr);
        assert_terminal_safe(&run.stdout, colour == "always", &what);
        let text = strip_colour(&run.stdout);
        let seen = "220 mail.test \\x1b]0;owned\\x07\\x1b[2J ESMTP \\xe2\\x80\\xae";
        let finding = text
            .split("smtp.protocol-violation")
            .nth(1)
            .unwrap_or_else(|| panic!("{what}: no smtp.protocol-violation:\n{}", run.stdout));
        assert!(
            finding.contains(&format!(
                "seen: greeting: binary data in reply (byte 0x1b): {seen}"
            )),
            "{what}: the banner is not shown escaped in the finding:\n{}",
            run.stdout
        );
        assert!(
            text.contains(&format!(
                "== protocol violation: binary data in reply (byte 0x1b): {seen}"
            )),
            "{what}: the banner is not shown escaped in the transcript:\n{}",
            run.stdout
        );
    }
}

/// An implicit-TLS SMTP server on loopback whose self-signed certificate has escape sequences
/// and a right-to-left override in its subject, issuer and subjectAltName.
fn spawn_hostile_tls_smtp() -> u16 {
    use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
    use std::sync::Arc;
    let mut params =
        rcgen::CertificateParams::new(vec!["mail\u{1b}]0;owned\u{7}.test".to_string()]).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "CN\u{1b}[2J\u{202e}tset.liam");
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    let der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let config = Arc::new(
        rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.der().clone()], der)
        .unwrap(),
    );
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { return };
            let config = config.clone();
            std::thread::spawn(move || {
                let Ok(tls) = rustls::ServerConnection::new(config) else {
                    return;
                };
                let mut stream = rustls::StreamOwned::new(tls, conn);
                if stream.write_all(b"220 mail.test ESMTP\r\n").is_err() {
                    return;
                }
                let mut line = Vec::new();
                let mut byte = [0u8; 1];
                while std::io::Read::read(&mut stream, &mut byte).unwrap_or(0) == 1 {
                    line.push(byte[0]);
                    if byte[0] != b'\n' {
                        continue;
                    }
                    let verb = String::from_utf8_lossy(&line).trim().to_ascii_uppercase();
                    let reply: &[u8] = if verb.starts_with("EHLO") {
                        b"250-mail.test\r\n250 AUTH PLAIN\r\n"
                    } else if verb == "QUIT" {
                        b"221 bye\r\n"
                    } else {
                        b"502 no\r\n"
                    };
                    if stream.write_all(reply).is_err() || verb == "QUIT" {
                        return;
                    }
                    line.clear();
                }
            });
        }
    });
    port
}

#[test]
fn certificate_names_with_escape_sequences_are_shown_escaped() {
    let port = spawn_hostile_tls_smtp();
    let resolver = {
        let s = std::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        format!("127.0.0.1:{}", s.local_addr().unwrap().port())
    };
    let ports = format!("{port}/smtps");
    let args = |format: &'static str| {
        vec![
            "server",
            "127.0.0.1",
            "--ports",
            &ports,
            "--resolver",
            &resolver,
            "--tls-name",
            "mail.test",
            "--timeout",
            "2",
            "--no-legacy-tls",
            "--helo",
            "probe.test",
            "--transcript",
            "--color",
            "always",
            "--format",
            format,
        ]
    };
    let run = mxray(&args("human"));
    // Self-signed and not for mail.test: two errors.
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_terminal_safe(&run.stdout, true, "certificate names");
    let text = strip_colour(&run.stdout);
    for shown in [
        "== certificate: CN=CN\\e[2J\\u{202e}tset.liam (expires",
        &format!(
            "✖ tls.cert-hostname-mismatch certificate CN\\e[2J\\u{{202e}}tset.liam on 127.0.0.1:{port}"
        ),
        "seen: certificate names: DNS:mail\\e]0;owned\\x07.test",
        &format!("✖ tls.cert-untrusted certificate CN\\e[2J\\u{{202e}}tset.liam on 127.0.0.1:{port}"),
    ] {
        assert!(text.contains(shown), "{shown:?} not in:\n{text}");
    }

    // The evidence keeps the names as the certificate has them.
    let json = mxray(&args("json"));
    assert_eq!(json.code, 1, "{}", json.stderr);
    let doc: Value = serde_json::from_str(&json.stdout).unwrap();
    let leaf = &doc["evidence"]["probes"][0]["tls"]["chain"][0];
    assert_eq!(leaf["subject"], "CN=CN\u{1b}[2J\u{202e}tset.liam", "{leaf}");
    assert_eq!(
        leaf["sans"][0], "DNS:mail\u{1b}]0;owned\u{7}.test",
        "{leaf}"
    );
}

/// The password prompt names the user from the URL: on a terminal (a pseudo-terminal made by
/// `script`), its escape sequence is shown, not obeyed. Enter skips the login test.
#[test]
fn the_password_prompt_shows_a_hostile_user_name_escaped() {
    let command = format!(
        "{} check 'smtp://al%1B%5D0%3Bpwn%07ice@127.0.0.1:9' --timeout 1 --no-legacy-tls \
         --resolver 127.0.0.1:9 --color never",
        env!("CARGO_BIN_EXE_mxray")
    );
    let mut child = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("script (util-linux) runs mxray on a pseudo-terminal");
    child.stdin.take().unwrap().write_all(b"\n").unwrap();
    let out = child.wait_with_output().unwrap();
    let tty = String::from_utf8_lossy(&out.stdout);
    let prompt = tty
        .lines()
        .find(|l| l.contains("Password for"))
        .unwrap_or_else(|| panic!("no prompt in {tty:?}"));
    assert!(
        prompt.contains("Password for al\\e]0;pwn\\x07ice at 127.0.0.1 (not shown;"),
        "{prompt:?}"
    );
    assert!(!tty.contains("\u{1b}]0;pwn"), "{tty:?}");
    assert!(!tty.contains('\u{7}'), "{tty:?}");
}
