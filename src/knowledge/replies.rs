//! Server replies to AUTH → the `auth.*` finding they most likely mean, as data
//! (sources: /work/shared/reference/replies.md — RFC 3207, RFC 4954, Google and Microsoft docs).
//!
//! Matching is tolerant: the reply's lines are joined without their `NNN-`/`NNN ` prefixes and
//! compared word by word, lower-cased, with punctuation ignored, so a phrase split over
//! continuation lines, other casing, other hyphenation or punctuation still match. A rule matches on an enhanced status code (RFC 3463) of the
//! reply, on a key phrase, or on the basic code; rules are tried in order, the specific before
//! the generic (Microsoft's `535 5.7.139` is not a plain wrong password).

use crate::evidence::Reply;

pub struct Rule {
    pub finding: &'static str,
    /// Enhanced status codes, e.g. "5.7.8".
    pub enhanced: &'static [&'static str],
    /// Lower-case phrases looked for in the normalised text.
    pub phrases: &'static [&'static str],
    /// Basic reply codes that alone select this rule (only in the last pass).
    pub basic: &'static [u16],
}

pub static RULES: &[Rule] = &[
    Rule {
        finding: "auth.smtp-auth-disabled",
        enhanced: &["5.7.139", "5.7.30"],
        phrases: &[
            "smtpclientauthentication is disabled",
            "smtp client authentication is disabled",
            "basic authentication is not supported",
            "basic authentication is disabled",
            "authenticated smtp is disabled",
            "security defaults policy",
            "did not meet the criteria to be authenticated",
        ],
        basic: &[],
    },
    Rule {
        finding: "auth.app-password-required",
        enhanced: &["5.7.9"],
        phrases: &[
            "application-specific password required",
            "application specific password required",
            "app password required",
        ],
        basic: &[],
    },
    Rule {
        finding: "auth.web-login-required",
        enhanced: &["5.7.14"],
        phrases: &[
            "log in via your web browser",
            "login via your web browser",
            "sign in via your web browser",
            "log in with your web browser",
            "web login required",
        ],
        basic: &[],
    },
    Rule {
        finding: "auth.tls-required",
        enhanced: &["5.7.11"],
        phrases: &[
            "must issue a starttls command first",
            "encryption required for requested authentication",
            "starttls required",
        ],
        basic: &[538],
    },
    Rule {
        finding: "auth.mechanism-mismatch",
        enhanced: &["5.7.4"],
        phrases: &[
            "unrecognized authentication type",
            "invalid authentication mechanism",
            "unsupported authentication mechanism",
            "authentication mechanism not supported",
        ],
        basic: &[504],
    },
    Rule {
        finding: "auth.rate-limited",
        enhanced: &[],
        phrases: &[
            "too many login attempts",
            "too many authentication",
            "too many failed",
            "too many login",
            "rate limit",
        ],
        basic: &[],
    },
    // RFC 4954 §6: 454 4.7.0 "Temporary authentication failure"; Exim's `435 Unable to
    // authenticate at present` when its authenticator's backend fails. Any other 4xx lands
    // here too (see `classify`): a temporary refusal that does not say it is throttling.
    Rule {
        finding: TEMPORARY,
        enhanced: &[],
        phrases: &[
            "temporary authentication failure",
            "unable to authenticate at present",
            "authentication backend",
            "temporarily unavailable",
        ],
        basic: &[],
    },
    Rule {
        finding: "auth.sender-not-owned",
        enhanced: &["5.7.60"],
        phrases: &[
            "not owned by user",
            "not owned by the user",
            "sender not owned",
            // Exchange Online's NDR 5.7.60 (SendAs permission missing).
            "permissions to send as this sender",
            "permission to send as this sender",
            "not allowed to send as",
        ],
        basic: &[],
    },
    Rule {
        finding: "auth.bad-credentials",
        enhanced: &["5.7.8"],
        phrases: &[
            "username and password not accepted",
            "authentication failed",
            "authentication unsuccessful",
            "invalid credentials",
            "bad credentials",
        ],
        basic: &[535],
    },
];

/// A login refused because the server could not check the password right now.
pub const TEMPORARY: &str = "auth.temporary-failure";

/// The summary of a refused login: `server` is how the finding names it ("server", "POP3
/// server"). A temporary failure says what it is, not that the password was refused.
pub fn refusal_summary(code: &str, server: &str, reply: &str) -> String {
    if code == TEMPORARY {
        format!(
            "the {server} could not check the password right now: its authentication backend is \
             failing ({reply})"
        )
    } else {
        format!("the {server} refused the login: {reply}")
    }
}

/// The reply's text: lines without their code prefix, joined, lower-case, single-spaced.
fn normalise(reply: &Reply) -> String {
    let mut words = Vec::new();
    for line in &reply.lines {
        let b = line.as_bytes();
        let rest = if b.get(..3).is_some_and(|c| c.iter().all(u8::is_ascii_digit)) {
            line.get(4..).unwrap_or("")
        } else {
            line.as_str()
        };
        words.extend(rest.split_whitespace().map(str::to_ascii_lowercase));
    }
    words.join(" ")
}

/// The text as words of letters and digits, lower-case, each with a space either side, so a
/// phrase matches whole words only and whatever the punctuation between them.
fn words(text: &str) -> String {
    let mut out = String::from(" ");
    for w in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        out.push_str(&w.to_lowercase());
        out.push(' ');
    }
    out
}

/// Enhanced status codes (`class.subject.detail`) anywhere in the text, as words.
fn enhanced_codes(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .map(|w| w.trim_matches('.'))
        .filter(|w| {
            let parts: Vec<&str> = w.split('.').collect();
            parts.len() == 3
                && matches!(parts.first(), Some(&("2" | "4" | "5")))
                && parts
                    .iter()
                    .skip(1)
                    .all(|p| (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
        })
        .map(str::to_string)
        .collect()
}

/// The `auth.*` finding an AUTH reply means; `None` for success (2xx) or an unknown reply.
pub fn classify(reply: &Reply) -> Option<&'static str> {
    let code = reply.code.or_else(|| {
        reply
            .lines
            .first()
            .and_then(|l| l.get(..3))
            .and_then(|c| c.parse().ok())
    });
    if code.is_some_and(|c| (200..300).contains(&c)) {
        return None;
    }
    let text = normalise(reply);
    let enhanced = enhanced_codes(&text);
    let text = words(&text);
    RULES
        .iter()
        .find(|r| {
            r.enhanced.iter().any(|e| enhanced.iter().any(|x| x == e))
                || r.phrases.iter().any(|p| text.contains(&words(p)))
        })
        .or_else(|| {
            RULES
                .iter()
                .find(|r| code.is_some_and(|c| r.basic.contains(&c)))
        })
        .map(|r| r.finding)
        .or(match code {
            // A 4xx is temporary, but only its words can say the cause is throttling.
            Some(c) if (400..500).contains(&c) => Some(TEMPORARY),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(lines: &[&str]) -> Reply {
        Reply {
            code: lines.first().and_then(|l| l[..3].parse().ok()),
            lines: lines.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn c(lines: &[&str]) -> Option<&'static str> {
        classify(&reply(lines))
    }

    #[test]
    fn success_is_no_finding() {
        assert_eq!(c(&["235 2.7.0 Authentication successful"]), None);
        assert_eq!(c(&["235 Accepted"]), None);
    }

    #[test]
    fn gmail_replies_split_over_lines() {
        assert_eq!(
            c(&[
                "535-5.7.8 Username and Password not accepted. For more information, go to",
                "535 5.7.8  https://support.google.com/mail/?p=BadCredentials x1-20020a.1 - gsmtp",
            ]),
            Some("auth.bad-credentials")
        );
        assert_eq!(
            c(&[
                "534-5.7.9 Application-specific password required. Learn more at",
                "534 5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor - gsmtp",
            ]),
            Some("auth.app-password-required")
        );
        assert_eq!(
            c(&[
                "534-5.7.14 <https://accounts.google.com/signin/continue?sarp=1&scc=1>",
                "534-5.7.14 Please log in via your web browser and then try again.",
                "534 5.7.14  Learn more at https://support.google.com/mail/answer/78754 - gsmtp",
            ]),
            Some("auth.web-login-required")
        );
        // The phrase split across two continuation lines.
        assert_eq!(
            c(&["535-Username and", "535 PASSWORD NOT ACCEPTED, sorry"]),
            Some("auth.bad-credentials")
        );
    }

    #[test]
    fn microsoft_replies() {
        assert_eq!(
            c(&["535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information. [SN4PR0501CA0054.namprd05.prod.outlook.com]"]),
            Some("auth.smtp-auth-disabled")
        );
        assert_eq!(
            c(&["535 5.7.139 Authentication unsuccessful, the user credentials were incorrect."]),
            Some("auth.smtp-auth-disabled"),
            "5.7.139 is the switch, whatever the words"
        );
        assert_eq!(
            c(&["550 5.7.30 Basic authentication is not supported for Client Submission."]),
            Some("auth.smtp-auth-disabled")
        );
        assert_eq!(
            c(&["535 smtpclientauthentication IS DISABLED for this mailbox"]),
            Some("auth.smtp-auth-disabled")
        );
        assert_eq!(
            c(&["535 5.7.3 Authentication unsuccessful [AM0PR01CA0123.eurprd01.prod]"]),
            Some("auth.bad-credentials")
        );
    }

    #[test]
    fn other_causes_and_variants() {
        assert_eq!(
            c(&["535 5.7.8 Error: authentication failed: UGFzc3dvcmQ6"]),
            Some("auth.bad-credentials")
        );
        assert_eq!(
            c(&["535 Authentication Failed for user"]),
            Some("auth.bad-credentials")
        );
        assert_eq!(
            c(&["535 go away"]),
            Some("auth.bad-credentials"),
            "535 alone"
        );
        assert_eq!(
            c(&["530 5.7.0 must issue a STARTTLS command first, please"]),
            Some("auth.tls-required")
        );
        assert_eq!(
            c(&["538 5.7.11 Encryption required for requested authentication mechanism"]),
            Some("auth.tls-required")
        );
        assert_eq!(
            c(&["504 5.7.4 unrecognized Authentication Type (CRAM-MD5)"]),
            Some("auth.mechanism-mismatch")
        );
        assert_eq!(
            c(&["454 4.7.0 Too many login attempts, please try again later. - gsmtp"]),
            Some("auth.rate-limited")
        );
        // Temporary, but nothing in the words says throttling.
        assert_eq!(
            c(&["421 4.7.0 Try again later, closing connection. (AUTH) - gsmtp"]),
            Some(TEMPORARY)
        );
        assert_eq!(
            c(&["550 5.7.1 too many failed logins from your address"]),
            Some("auth.rate-limited")
        );
        assert_eq!(
            c(&["553 5.7.1 <bob@example.com>: Sender address rejected: not owned by user alice@example.com"]),
            Some("auth.sender-not-owned")
        );
        assert_eq!(c(&["500 5.5.2 what?"]), None);
    }

    #[test]
    fn wording_variants_without_codes() {
        assert_eq!(
            c(&["534 APPLICATION SPECIFIC PASSWORD REQUIRED for this account"]),
            Some("auth.app-password-required")
        );
        assert_eq!(
            c(&[
                "534-Please",
                "534-log in via your",
                "534 web browser, then try again"
            ]),
            Some("auth.web-login-required")
        );
        assert_eq!(
            c(&[
                "535 Authentication unsuccessful, user is locked by your organization's",
                "535 security defaults policy. Contact your administrator."
            ]),
            Some("auth.smtp-auth-disabled")
        );
        assert_eq!(
            c(&["535 Authentication unsuccessful, the request did not meet the criteria to be authenticated successfully."]),
            Some("auth.smtp-auth-disabled")
        );
        assert_eq!(
            c(&["550 Sorry: basic authentication is NOT supported (client submission)"]),
            Some("auth.smtp-auth-disabled")
        );
        assert_eq!(
            c(&["553-Sender address rejected:", "553 not owned by user bob"]),
            Some("auth.sender-not-owned")
        );
        assert_eq!(
            c(&["454 Too many login attempts; please try again later"]),
            Some("auth.rate-limited")
        );
        // Whole words: "unsuccessfully" is not "unsuccessful".
        assert_eq!(c(&["500 authentication unsuccessfully parsed"]), None);
    }

    #[test]
    fn temporary_failures_are_not_rate_limits() {
        for r in [
            &["435 Unable to authenticate at present"][..],
            &["454 4.7.0 Temporary authentication failure"],
            &["454 4.3.0 Temporary authentication failure"],
            &["454 4.7.0 no"],
            &["421 4.3.2 Service not available"],
            &["432 4.7.12 A password transition is needed"],
        ] {
            assert_eq!(c(r), Some(TEMPORARY), "{r:?}");
        }
        assert_eq!(
            c(&["451 4.7.0 Too many authentication failures, slow down"]),
            Some("auth.rate-limited")
        );
        assert_eq!(
            c(&["535 5.7.8 Authentication failed"]),
            Some("auth.bad-credentials")
        );
    }

    #[test]
    fn enhanced_codes_are_whole_words() {
        assert_eq!(enhanced_codes("5.7.139 x 5.7.8."), vec!["5.7.139", "5.7.8"]);
        // 5.7.80 is not 5.7.8, nor an IP address a code.
        assert_eq!(c(&["535 5.7.80 something"]), Some("auth.bad-credentials"));
        assert!(enhanced_codes("from 10.1.2.3").is_empty());
    }
}
