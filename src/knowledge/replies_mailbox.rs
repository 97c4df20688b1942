//! IMAP and POP3 replies to a login → the `auth.*` finding they most likely mean, as data
//! (sources: /work/shared/reference/replies.md; RFC 5530 IMAP response codes, RFC 2449 / 3206
//! POP3 response codes, Google's and Microsoft's published texts, Dovecot's messages).
//!
//! Matching is tolerant: the reply's lines (the tagged status and the untagged `[ALERT]`, `NO`
//! and `BYE` lines kept with it) are joined without the tag, lower-cased and whitespace-
//! collapsed. A rule matches on a response code (`[AUTHENTICATIONFAILED]`, `[SYS/PERM]`…) or on
//! a group of key words that must all appear, in any order, so "Your account is not enabled for
//! IMAP use" and "IMAP access is disabled for this account" both match. Rules are tried in
//! order, the specific before the generic; a refusal no rule names falls back on the status
//! (IMAP `NO`, POP3 `-ERR`: bad credentials; IMAP `BAD`: a login the server did not take).

use crate::evidence::{Protocol, Reply};

pub struct Rule {
    pub finding: &'static str,
    /// Response codes in brackets, lower-case, without the brackets: `authenticationfailed`.
    pub codes: &'static [&'static str],
    /// Groups of lower-case phrases; a group matches when all its phrases appear.
    pub words: &'static [&'static [&'static str]],
}

pub static RULES: &[Rule] = &[
    Rule {
        finding: "auth.app-password-required",
        codes: &[],
        words: &[
            &["application-specific password"],
            &["application specific password"],
            &["app password", "required"],
            &["app-specific password"],
        ],
    },
    Rule {
        finding: "auth.web-login-required",
        codes: &["webalert"],
        words: &[
            &["log in via your web browser"],
            &["login via your web browser"],
            &["sign in via your web browser"],
            &["web login required"],
        ],
    },
    Rule {
        finding: "auth.tls-required",
        codes: &["privacyrequired"],
        words: &[
            &["plaintext authentication", "disallowed"],
            &["plaintext authentication", "not allowed"],
            &["plain text authentication", "not allowed"],
            &["ssl/tls required"],
            &["tls required"],
            &["encryption required"],
            &["requires", "secure connection"],
            &["must issue a starttls"],
        ],
    },
    Rule {
        finding: "auth.protocol-disabled",
        codes: &[],
        words: &[
            &["not enabled for imap"],
            &["not enabled for pop"],
            &["imap", "disabled"],
            &["pop", "disabled"],
            &["imap", "not enabled"],
            &["pop", "not enabled"],
            &["imap", "not allowed"],
            &["pop", "not allowed"],
            &["authenticated but not connected"],
        ],
    },
    Rule {
        finding: "auth.rate-limited",
        codes: &["in-use", "limit"],
        words: &[
            &["too many login"],
            &["too many failed"],
            &["too many authentication"],
            &["too many connections"],
            &["rate limit"],
        ],
    },
    // RFC 5530 UNAVAILABLE ("a subsystem is down") and RFC 3206 SYS/TEMP: the server could not
    // check the password (Dovecot: `NO [UNAVAILABLE] Temporary authentication failure.`).
    // After the rate-limit rule, so a temporary refusal that says it is throttling stays that.
    Rule {
        finding: "auth.temporary-failure",
        codes: &["unavailable", "sys/temp"],
        words: &[
            &["temporary authentication failure"],
            &["temporary failure"],
            &["temporary problem"],
            &["temporarily unavailable"],
            &["try again later"],
        ],
    },
    Rule {
        finding: "auth.bad-credentials",
        codes: &["authenticationfailed", "authorizationfailed", "auth"],
        words: &[
            &["authentication failed"],
            &["authenticate failed"],
            &["login failed"],
            &["invalid credentials"],
            &["bad credentials"],
            &["invalid login"],
            &["incorrect password"],
            &["invalid username or password"],
            &["invalid user name or password"],
        ],
    },
];

/// How the server ended the login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    /// IMAP `NO`, POP3 `-ERR`.
    No,
    /// IMAP `BAD`: the command itself was not accepted.
    Bad,
    /// IMAP `BYE` without a tagged reply: the server hung up.
    Bye,
    Unknown,
}

/// The status of the reply's last line.
pub fn status(protocol: Protocol, reply: &Reply) -> Status {
    let Some(last) = reply.lines.last() else {
        return Status::Unknown;
    };
    if protocol == Protocol::Pop3 {
        return if last.starts_with("+OK") {
            Status::Ok
        } else if last.starts_with("-ERR") {
            Status::No
        } else {
            Status::Unknown
        };
    }
    let mut w = last.split_whitespace();
    let tag = w.next().unwrap_or("");
    match (tag, w.next().map(str::to_ascii_uppercase).as_deref()) {
        ("*", Some("BYE")) => Status::Bye,
        ("*", _) => Status::Unknown,
        (_, Some("OK")) => Status::Ok,
        (_, Some("NO")) => Status::No,
        (_, Some("BAD")) => Status::Bad,
        _ => Status::Unknown,
    }
}

/// The text without the tag (IMAP `m5`/`*`, POP3 `+OK`/`-ERR`): lower-case, single-spaced.
fn normalise(reply: &Reply) -> String {
    let mut words = Vec::new();
    for line in &reply.lines {
        words.extend(line.split_whitespace().skip(1).map(str::to_ascii_lowercase));
    }
    words.join(" ")
}

/// The bracketed response codes of the text, lower-case (`[SYS/PERM]` → `sys/perm`); only the
/// code's first word (`[WEBALERT https://…]` → `webalert`).
fn response_codes(text: &str) -> Vec<&str> {
    text.split('[')
        .skip(1)
        .filter_map(|rest| rest.split(']').next())
        .filter_map(|inside| inside.split_whitespace().next())
        .collect()
}

/// The `[ALERT]` texts, which RFC 9051 §7.1 says a client must show the user.
pub fn alerts(reply: &Reply) -> Vec<String> {
    reply
        .lines
        .iter()
        .filter_map(|l| {
            let at = l.to_ascii_uppercase().find("[ALERT]")?;
            // ASCII upper-casing keeps every byte offset, so `at` is one in `l` too.
            Some(l.get(at + "[ALERT]".len()..)?.trim().to_string())
        })
        .filter(|a| !a.is_empty())
        .collect()
}

/// The `auth.*` finding a login reply means; `None` for success or a reply that is no answer.
pub fn classify(protocol: Protocol, reply: &Reply) -> Option<&'static str> {
    let status = status(protocol, reply);
    if matches!(status, Status::Ok | Status::Unknown) {
        return None;
    }
    let text = normalise(reply);
    let codes = response_codes(&text);
    let hit = RULES.iter().find(|r| {
        r.codes.iter().any(|c| codes.contains(c))
            || r.words
                .iter()
                .any(|group| group.iter().all(|p| text.contains(p)))
    });
    if let Some(r) = hit {
        return Some(r.finding);
    }
    Some(match status {
        Status::Bad => "auth.mechanism-mismatch",
        _ => "auth.bad-credentials",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(lines: &[&str]) -> Reply {
        Reply {
            code: None,
            lines: lines.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn imap(lines: &[&str]) -> Option<&'static str> {
        classify(Protocol::Imap, &reply(lines))
    }

    fn pop(line: &str) -> Option<&'static str> {
        classify(Protocol::Pop3, &reply(&[line]))
    }

    #[test]
    fn success_is_no_finding() {
        assert_eq!(imap(&["m5 OK [CAPABILITY IMAP4rev1] Logged in"]), None);
        assert_eq!(pop("+OK Logged in."), None);
        assert_eq!(imap(&["* OK still going"]), None);
    }

    #[test]
    fn gmail_imap_texts_and_variants() {
        assert_eq!(
            imap(&["m5 NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)"]),
            Some("auth.bad-credentials")
        );
        assert_eq!(
            imap(&["m5 NO [ALERT] Application-specific password required: https://support.google.com/accounts/answer/185833 (Failure)"]),
            Some("auth.app-password-required")
        );
        assert_eq!(
            imap(&["m5 NO [ALERT] Please log in via your web browser: https://support.google.com/mail/accounts/answer/78754 (Failure)"]),
            Some("auth.web-login-required")
        );
        assert_eq!(
            imap(&["m5 NO [WEBALERT https://accounts.google.com/ContinueSignIn?x=1] Web login required."]),
            Some("auth.web-login-required")
        );
        assert_eq!(
            imap(&["m5 NO [ALERT] Your account is not enabled for IMAP use. Please visit your Gmail settings page and enable your account for IMAP access. (Failure)"]),
            Some("auth.protocol-disabled")
        );
        // Wording the patterns were not written from.
        assert_eq!(
            imap(&[
                "* OK [ALERT] IMAP access is disabled for this account",
                "m5 NO login refused"
            ]),
            Some("auth.protocol-disabled")
        );
        assert_eq!(
            imap(&["m5 NO [ALERT] An APP PASSWORD is required for this account"]),
            Some("auth.app-password-required")
        );
        assert_eq!(
            imap(&["m5 NO please   LOG IN via your Web Browser first"]),
            Some("auth.web-login-required")
        );
    }

    #[test]
    fn microsoft_and_dovecot() {
        assert_eq!(
            imap(&["m5 NO AUTHENTICATE failed."]),
            Some("auth.bad-credentials")
        );
        assert_eq!(imap(&["m5 NO LOGIN failed."]), Some("auth.bad-credentials"));
        assert_eq!(
            imap(&["m5 NO User is authenticated but not connected."]),
            Some("auth.protocol-disabled")
        );
        assert_eq!(
            imap(&["m5 NO [PRIVACYREQUIRED] Plaintext authentication disallowed on non-secure (SSL/TLS) connections."]),
            Some("auth.tls-required")
        );
        assert_eq!(
            pop("-ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections."),
            Some("auth.tls-required")
        );
        assert_eq!(
            pop("-ERR [AUTH] Authentication failed."),
            Some("auth.bad-credentials")
        );
        assert_eq!(
            imap(&["m5 NO [UNAVAILABLE] Temporary authentication failure. [host:2026-11-23]"]),
            Some("auth.temporary-failure")
        );
    }

    #[test]
    fn pop3_texts() {
        assert_eq!(
            pop("-ERR [SYS/PERM] Your account is not enabled for POP access. Please visit your Gmail settings page and enable your account for POP access."),
            Some("auth.protocol-disabled")
        );
        assert_eq!(
            pop("-ERR [SYS/PERM] POP3 access for this mailbox has been DISABLED by the administrator"),
            Some("auth.protocol-disabled")
        );
        assert_eq!(
            pop("-ERR [IN-USE] Unable to lock maildrop: another session holds it"),
            Some("auth.rate-limited")
        );
        assert_eq!(
            pop("-ERR [SYS/TEMP] Too many login attempts, slow down"),
            Some("auth.rate-limited")
        );
        assert_eq!(
            pop("-ERR [SYS/TEMP] Authentication backend unavailable"),
            Some("auth.temporary-failure")
        );
        assert_eq!(
            imap(&["m5 NO [UNAVAILABLE] Too many login attempts, try again later"]),
            Some("auth.rate-limited")
        );
        assert_eq!(pop("-ERR nope"), Some("auth.bad-credentials"));
        assert_eq!(pop("220 what"), None);
    }

    #[test]
    fn status_fallbacks_and_alerts() {
        assert_eq!(imap(&["m5 NO"]), Some("auth.bad-credentials"));
        assert_eq!(
            imap(&["m5 BAD Unknown command AUTHENTICATE"]),
            Some("auth.mechanism-mismatch")
        );
        assert_eq!(imap(&["* BYE go away"]), Some("auth.bad-credentials"));
        let r = reply(&[
            "* OK [ALERT] Your password expires soon",
            "m5 NO [ALERT]  Second one ",
        ]);
        assert_eq!(alerts(&r), vec!["Your password expires soon", "Second one"]);
        assert_eq!(
            response_codes("no [sys/perm] x [webalert https://a] y"),
            vec!["sys/perm", "webalert"]
        );
    }
}
