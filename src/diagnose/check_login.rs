//! `mxray check` with credentials: a login that was not tried, broke off or did not succeed is
//! an error, never a pass. Why nothing was sent becomes the finding that names what the client
//! would run into, with the fix in the words of the framework the settings came from.

use crate::evidence::check::{CheckEvidence, ClientSettings};
use crate::evidence::Protocol;
use crate::evidence::{LoginAttempt, LoginNotTried, NotTriedReason, Outcome, PhaseName, PortProbe};
use crate::findings::{Finding, Severity};

/// Why the credentials stayed home, as the finding a client with these settings would hit.
pub fn not_tried(p: &PortProbe, nt: &LoginNotTried, s: &ClientSettings) -> Option<Finding> {
    let subject = p.endpoint();
    let label = s.protocol.label();
    let caps = p.best_capabilities();
    let tls_up = p.tls.as_ref().is_some_and(|t| t.version.is_some());
    let seen = format!("login not tried: {}", nt.detail);
    let caps_seen = caps.map(|c| {
        format!(
            "{label} capabilities on this connection: {}",
            if c.raw.is_empty() {
                "none".to_string()
            } else {
                c.raw.join(" ")
            }
        )
    });
    // The server keeps passwords for after TLS: IMAP LOGINDISABLED, or STARTTLS on offer and
    // no login method before it (SMTP without AUTH, POP3 without USER and SASL). IMAP's LOGIN
    // is there unless LOGINDISABLED says otherwise.
    let tls_first = !tls_up
        && caps.is_some_and(|c| {
            c.login_disabled
                || (s.protocol != Protocol::Imap && c.starttls && c.auth.is_empty() && !c.user_pass)
        });
    let f = match nt.reason {
        NotTriedReason::OtherAddress => return None,
        NotTriedReason::NoTls | NotTriedReason::NoMechanism if tls_first => Finding::new(
            crate::code!("auth.tls-required"),
            &subject,
            format!(
                "the client is set up without TLS, and this {label} server takes a password only after TLS, so the login cannot happen",
            ),
        )
        .fix(tls_fix(s, p.port)),
        NotTriedReason::NoTls
            if s.security.as_ref().is_some_and(|v| v.value == "starttls") =>
        {
            Finding::new(
                crate::code!("auth.login-not-possible"),
                &subject,
                format!("the login was not tried: the client is set up for STARTTLS, but this {label} server does not offer it, so a client that insists on TLS cannot log in"),
            )
            .fix(format!(
                "Server side: offer STARTTLS on port {} (Postfix: a certificate and `smtpd_tls_security_level = may`; Dovecot: `ssl = yes`). Client side: use the server's implicit-TLS port if it has one (see Use these settings); never turn TLS off to make the login work.",
                p.port
            ))
        }
        NotTriedReason::NoTls => Finding::new(
            crate::code!("auth.login-not-possible"),
            &subject,
            "the login was not tried: the connection has no TLS, and mxray does not send a password in clear",
        )
        .fix(format!(
            "{} The server offers no TLS on this port: if that is the only way in, the password crosses the network readable by anyone on the path (test it anyway with --allow-plaintext-auth).",
            tls_fix(s, p.port)
        )),
        NotTriedReason::NoMechanism => Finding::new(
            crate::code!("auth.login-not-possible"),
            &subject,
            format!("the login was not tried: the {label} server offers no login method (AUTH) on this connection"),
        )
        .fix("Use the port where the server offers AUTH (see Use these settings), or enable SMTP AUTH on the server (Postfix: `smtpd_sasl_auth_enable = yes` on the submission service)."),
        NotTriedReason::NoMethod => Finding::new(
            crate::code!("auth.mechanism-mismatch"),
            &subject,
            format!("the login was not tried: {}", nt.detail),
        ),
        NotTriedReason::CertificateUnverified => Finding::new(
            crate::code!("auth.login-not-possible"),
            &subject,
            format!(
                "the login was not tried: {}; a mail client refuses this server too",
                nt.detail
            ),
        )
        .fix(
            "Fix the server's certificate (the tls.* finding says how): a client that checks certificates will not connect, and one that does not would hand the password to whoever answers. To test the login against a server you trust anyway (a test server), run again with --insecure.",
        ),
        NotTriedReason::Unreached => Finding::new(
            crate::code!("auth.login-not-possible"),
            &subject,
            format!("the login was not tried: {}", nt.detail),
        )
        .fix("Fix the connection first: the findings above for this endpoint say what failed, and Use these settings shows what works on this host."),
        NotTriedReason::NoSecret | NotTriedReason::UnsafeCredentials => Finding::new(
            crate::code!("auth.login-not-possible"),
            &subject,
            format!("the login was not tried: {}", nt.detail),
        ),
    };
    let mut f = f.evidence(seen);
    if let Some(c) = caps_seen {
        f = f.evidence(c);
    }
    if let Some(sec) = &s.security {
        f = f.evidence(format!("security {} (from {})", sec.value, sec.source));
    }
    Some(f)
}

/// An SMTP login with no final reply: the server closed, stalled or broke the protocol while
/// the credentials were on their way — the server's doing, not the credentials'.
pub fn broke_off(p: &PortProbe, l: &LoginAttempt) -> Option<Finding> {
    let outcome = p
        .phase(PhaseName::Login)
        .filter(|ph| !ph.outcome.is_ok())
        .map(|ph| &ph.outcome)?;
    if l.reply.is_some() {
        return None;
    }
    let method = format!("AUTH {}", l.mechanism);
    let (code, summary, how) = match outcome {
        // The server rules report the violation itself (smtp.protocol-violation); this is
        // what it did to the login.
        Outcome::Violation { detail } => (
            "auth.login-failed",
            format!("the login ({method}) never completed: {detail}"),
            detail.clone(),
        ),
        Outcome::Timeout => (
            "net.stalled",
            format!("the server stopped answering (or stopped reading) during the login ({method}), so the login never completed"),
            "nothing within the timeout".to_string(),
        ),
        Outcome::Reset | Outcome::Closed => (
            "net.connection-reset",
            format!("the server dropped the connection during the login ({method}), so the login never completed"),
            if *outcome == Outcome::Reset { "connection reset" } else { "connection closed" }.to_string(),
        ),
        Outcome::Error { detail } | Outcome::Unreachable { detail } => (
            "auth.login-failed",
            format!("the login ({method}) failed before the server's final reply: {detail}"),
            detail.clone(),
        ),
        Outcome::Rejected { reply } => (
            "auth.login-failed",
            format!("the server refused the login ({method}): {reply}"),
            reply.clone(),
        ),
        Outcome::Ok | Outcome::Refused => return None,
    };
    Some(
        Finding::new(code, p.endpoint(), summary)
            .severity(Severity::Error)
            .evidence(format!("{method} sent; no final reply: {how}")),
    )
}

/// The rule over every other: credentials were given for the configured endpoint and nothing
/// logged in, yet no error says why (an unrecognised or temporary reply, a record missing from
/// an older report, a host that did not resolve) — the run must not pass.
/// `login_error`: the login's own findings already hold an error.
pub fn never_passes(ev: &CheckEvidence, login_error: bool, out: &mut Vec<Finding>) {
    let s = &ev.settings;
    let Some(c) = &ev.configured else {
        return;
    };
    if !(s.password_given || s.oauth_token_given) || s.user.is_none() {
        return;
    }
    let logins: Vec<&LoginAttempt> = c.probes.iter().filter_map(|p| p.login.as_ref()).collect();
    if logins.iter().any(|l| l.logged_in()) {
        return;
    }
    if login_error {
        return;
    }
    let subject = c
        .probes
        .iter()
        .find(|p| p.login.is_some())
        .or(c.probes.first())
        .map(|p| p.endpoint())
        .unwrap_or_else(|| {
            let port = s.port.as_ref().map(|p| p.value.as_str()).unwrap_or("?");
            format!("{}:{port}", c.host)
        });
    let f = match logins.first() {
        Some(l) => {
            let reply = l
                .reply
                .as_ref()
                .map(|r| r.text())
                .unwrap_or_else(|| "no final reply".into());
            let method = l.method(s.protocol);
            Finding::new(
                crate::code!("auth.login-failed"),
                &subject,
                format!("the login ({method}) did not succeed: {reply}"),
            )
            .evidence(format!("{method} → {reply}"))
        }
        None => {
            // Reports saved before the reason was recorded have it in the transcript only.
            let noted = || {
                c.probes
                    .iter()
                    .flat_map(|p| p.transcript.iter())
                    .find_map(|l| l.text.strip_prefix("login not tried: "))
                    .map(str::to_string)
            };
            let why = c
                .probes
                .iter()
                .find_map(|p| p.login_not_tried.as_ref())
                .map(|n| n.detail.clone())
                .or_else(noted)
                .unwrap_or_else(|| match c.probes.is_empty() {
                    true => format!("{} has no address to connect to", c.host),
                    false => "no connection reached the login".into(),
                });
            Finding::new(
                crate::code!("auth.login-not-possible"),
                &subject,
                format!("the login was not tried: {why}"),
            )
            .evidence(format!("login not tried: {why}"))
        }
    };
    out.push(f);
}

/// How to turn TLS on, in the words of where the security setting came from: the flag, the
/// framework's variable (Laravel `MAIL_ENCRYPTION`, Django `EMAIL_USE_TLS`, `SMTP_SECURE`) or
/// the URL's scheme.
pub fn tls_fix(s: &ClientSettings, port: u16) -> String {
    let (implicit, starttls) = match s.protocol {
        Protocol::Smtp => (465, 587),
        Protocol::Imap => (993, 143),
        Protocol::Pop3 => (995, 110),
    };
    let source = s
        .security
        .as_ref()
        .map(|v| v.source.clone())
        .or_else(|| s.host.as_ref().map(|h| h.source.clone()))
        .unwrap_or_default();
    let starttls_port = if port == implicit { starttls } else { port };
    let has = |k: &str| source.contains(k);
    let how = if has("MAIL_ENCRYPTION") || has("MAIL_SCHEME") {
        format!(
            "Set `MAIL_ENCRYPTION=tls` with `MAIL_PORT={starttls_port}` (STARTTLS), or `MAIL_ENCRYPTION=ssl` with `MAIL_PORT={implicit}` (Laravel 11 and later: `MAIL_SCHEME=smtps` for {implicit})."
        )
    } else if has("EMAIL_USE_TLS") || has("EMAIL_USE_SSL") {
        format!(
            "Set `EMAIL_USE_TLS=True` with `EMAIL_PORT={starttls_port}` (STARTTLS), or `EMAIL_USE_SSL=True` with `EMAIL_PORT={implicit}` (never both)."
        )
    } else if let Some(var) = ["SMTP_SECURE", "IMAP_SECURE", "POP3_SECURE", "POP_SECURE"]
        .into_iter()
        .find(|k| has(k))
    {
        format!(
            "Set `{var}=true` with port {implicit} (implicit TLS); on port {starttls_port} keep it false and make the app require STARTTLS (nodemailer: `requireTLS: true`)."
        )
    } else if has("URL") || has("DSN") {
        let (plain, secure) = match s.protocol {
            Protocol::Smtp => ("smtp", "smtps"),
            Protocol::Imap => ("imap", "imaps"),
            Protocol::Pop3 => ("pop3", "pop3s"),
        };
        match s.protocol {
            Protocol::Smtp => format!(
                "In the URL use `{secure}://…:{implicit}` (implicit TLS), or `{plain}://…:{starttls_port}?encryption=tls` (STARTTLS)."
            ),
            _ => format!(
                "In the URL use `{secure}://…:{implicit}` (SSL/TLS), or `{plain}://…:{starttls_port}` with STARTTLS on."
            ),
        }
    } else if source.starts_with("--") {
        format!(
            "Run with `--security starttls --port {starttls_port}`, or `--security ssl --port {implicit}`."
        )
    } else {
        format!(
            "Turn TLS on in the client: STARTTLS on port {starttls_port}, or SSL/TLS on port {implicit}."
        )
    };
    match s.security.as_ref() {
        Some(v) => format!("The security setting comes from {}. {how}", v.source),
        None => how,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::fixtures::client_settings;
    use crate::evidence::check::SettingValue;
    use crate::evidence::Reply;

    fn with_security(protocol: Protocol, value: &str, source: &str) -> ClientSettings {
        let mut s = client_settings(protocol, "mail.example.com", "587", value, "a@example.com");
        s.security = Some(SettingValue {
            value: value.into(),
            source: source.into(),
        });
        s
    }

    #[test]
    fn the_tls_fix_speaks_the_settings_framework() {
        let fix = |source: &str| tls_fix(&with_security(Protocol::Smtp, "plain", source), 587);
        assert_eq!(
            fix("MAIL_ENCRYPTION in .env"),
            "The security setting comes from MAIL_ENCRYPTION in .env. Set `MAIL_ENCRYPTION=tls` \
             with `MAIL_PORT=587` (STARTTLS), or `MAIL_ENCRYPTION=ssl` with `MAIL_PORT=465` \
             (Laravel 11 and later: `MAIL_SCHEME=smtps` for 465)."
        );
        assert!(fix("EMAIL_USE_TLS in the environment")
            .ends_with("Set `EMAIL_USE_TLS=True` with `EMAIL_PORT=587` (STARTTLS), or `EMAIL_USE_SSL=True` with `EMAIL_PORT=465` (never both)."));
        assert!(fix("SMTP_SECURE in .env").contains("`SMTP_SECURE=true` with port 465"));
        assert!(fix("the URL").ends_with(
            "In the URL use `smtps://…:465` (implicit TLS), or `smtp://…:587?encryption=tls` (STARTTLS)."
        ));
        assert!(fix("MAILER_DSN in .env").contains("`smtps://…:465`"));
        assert!(fix("--security").ends_with(
            "Run with `--security starttls --port 587`, or `--security ssl --port 465`."
        ));
        let imap = tls_fix(&with_security(Protocol::Imap, "plain", "the URL"), 143);
        assert!(
            imap.contains("`imaps://…:993`") && imap.contains("`imap://…:143`"),
            "{imap}"
        );
    }

    /// The saved run of a refused login, with its reply replaced.
    fn refused_run(reply: Option<Reply>) -> CheckEvidence {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/check/wrong-password.json"
        );
        let report: crate::report::Report =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let crate::report::Body::Check(mut ev) = report.body else {
            panic!("not a check report")
        };
        let login = ev.configured.as_mut().unwrap().probes[0].login.as_mut();
        login.unwrap().reply = reply;
        *ev
    }

    fn codes(ev: &CheckEvidence) -> Vec<(String, Severity)> {
        crate::diagnose::check::check(ev, 0)
            .into_iter()
            .filter(|f| f.code.starts_with("auth.") || f.code.starts_with("net."))
            .map(|f| (f.code, f.severity))
            .collect()
    }

    #[test]
    fn a_login_that_did_not_succeed_never_passes() {
        // A reply no rule knows (a 2xx other than 235): still a failed login, as an error.
        let odd = refused_run(Some(Reply {
            code: Some(250),
            lines: vec!["250 2.0.0 whatever".into()],
        }));
        assert_eq!(
            codes(&odd),
            vec![("auth.login-failed".to_string(), Severity::Error)]
        );
        let f = crate::diagnose::check::check(&odd, 0)
            .into_iter()
            .find(|f| f.code == "auth.login-failed")
            .unwrap();
        assert_eq!(
            f.summary,
            "the login (AUTH PLAIN) did not succeed: 250 2.0.0 whatever"
        );
        // No final reply and no failed phase recorded (an older report): still an error.
        assert_eq!(
            codes(&refused_run(None)),
            vec![("auth.login-failed".to_string(), Severity::Error)]
        );
        // A known refusal is its own error, with no catch-all beside it.
        let known = refused_run(Some(Reply {
            code: Some(535),
            lines: vec!["535 5.7.8 Error: authentication failed".into()],
        }));
        assert_eq!(
            codes(&known),
            vec![("auth.bad-credentials".to_string(), Severity::Error)]
        );
        // A report saved before the reason was recorded: the transcript's note says it.
        let mut older = refused_run(None);
        let p = &mut older.configured.as_mut().unwrap().probes[0];
        p.login = None;
        p.transcript.push(crate::evidence::TranscriptLine {
            t_ms: 1,
            dir: crate::evidence::Direction::Note,
            text: "login not tried: no TLS on this connection".into(),
        });
        let got: Vec<Finding> = crate::diagnose::check::check(&older, 0)
            .into_iter()
            .filter(|f| f.code.starts_with("auth."))
            .collect();
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(
            (got[0].code.as_str(), got[0].summary.as_str()),
            (
                "auth.login-not-possible",
                "the login was not tried: no TLS on this connection"
            )
        );
        // The host had no address to connect to: nothing was tried, and that is an error too.
        let mut nowhere = refused_run(None);
        nowhere.configured.as_mut().unwrap().probes.clear();
        let got: Vec<Finding> = crate::diagnose::check::check(&nowhere, 0)
            .into_iter()
            .filter(|f| f.code.starts_with("auth."))
            .collect();
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].code, "auth.login-not-possible");
        assert_eq!(
            got[0].summary,
            "the login was not tried: mail.mxray.test has no address to connect to"
        );
    }

    #[test]
    fn an_address_that_logged_in_is_the_login_done() {
        let mut ev = refused_run(Some(Reply {
            code: Some(235),
            lines: vec!["235 2.7.0 Authentication successful".into()],
        }));
        let probes = &mut ev.configured.as_mut().unwrap().probes;
        probes[0].login.as_mut().unwrap().accepted = true;
        let mut v6 = probes[0].clone();
        v6.address = "::1".parse().unwrap();
        v6.login = None;
        v6.login_not_tried = Some(LoginNotTried {
            reason: NotTriedReason::Unreached,
            detail: "the dialogue ended before the login (the connection timed out)".into(),
        });
        probes.push(v6);
        assert_eq!(codes(&ev), vec![]);
        // Without the address that logged in, the unreachable one is the login's fate.
        ev.configured.as_mut().unwrap().probes.remove(0);
        assert_eq!(
            codes(&ev),
            vec![("auth.login-not-possible".to_string(), Severity::Error)]
        );
    }

    #[test]
    fn every_reason_but_another_address_is_an_error() {
        let ev = refused_run(None);
        let mut p = ev.configured.as_ref().unwrap().probes[0].clone();
        p.login = None;
        let s = &ev.settings;
        for (reason, code) in [
            (NotTriedReason::NoTls, "auth.login-not-possible"),
            (NotTriedReason::NoMechanism, "auth.login-not-possible"),
            (NotTriedReason::NoMethod, "auth.mechanism-mismatch"),
            (NotTriedReason::NoSecret, "auth.login-not-possible"),
            (
                NotTriedReason::CertificateUnverified,
                "auth.login-not-possible",
            ),
            (NotTriedReason::UnsafeCredentials, "auth.login-not-possible"),
            (NotTriedReason::Unreached, "auth.login-not-possible"),
        ] {
            let nt = LoginNotTried {
                reason,
                detail: "why".into(),
            };
            let f = not_tried(&p, &nt, s).unwrap_or_else(|| panic!("{reason:?}"));
            assert_eq!((f.code.as_str(), f.severity), (code, Severity::Error));
            assert!(f.evidence.contains(&"login not tried: why".to_string()));
        }
        let other = LoginNotTried {
            reason: NotTriedReason::OtherAddress,
            detail: "done on another address of the host".into(),
        };
        assert!(not_tried(&p, &other, s).is_none());
    }
}
