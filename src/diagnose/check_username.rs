//! The username form a provider documents (the full address, or only the part before the @),
//! judged from the settings alone, then reconciled with the login when there was one: a login
//! that worked overrules the knowledge base, a failed one carries the documented form as
//! evidence.

use crate::evidence::check::{ClientSettings, SettingValue};
use crate::evidence::{LoginAttempt, Protocol, UsernameRetry};
use crate::findings::Finding;
use crate::knowledge::provider_db::{self, UsernameForm};

const NOT_ADDRESS: &str = "auth.username-not-address";
const NOT_LOCAL: &str = "auth.username-not-local-part";

/// The static finding, when the provider of the configured host documents one username form
/// for it and the configured username has the other.
pub fn documented_form(s: &ClientSettings, protocol: Protocol) -> Option<Finding> {
    let (host, user) = (s.host.as_ref()?, s.user.as_ref()?);
    let provider = provider_db::by_host(&host.value)?;
    let wanted = host.value.trim().trim_end_matches('.').to_ascii_lowercase();
    let facts: Vec<_> = provider
        .servers(protocol)
        .iter()
        .filter(|f| f.host == wanted)
        .collect();
    let first = facts.first()?;
    let form = first.username;
    if facts.iter().any(|f| f.username != form) {
        return None;
    }
    let documented = format!(
        "{} documents {} as the username for {} (source: {}, verified: {})",
        provider.name,
        match form {
            UsernameForm::Address => "the full e-mail address",
            UsernameForm::LocalPart => "the part before the @",
            _ => return None,
        },
        host.value,
        first.source,
        first.verified
    );
    let u = user.value.trim();
    match (form, u.rsplit_once('@')) {
        (UsernameForm::Address, None) => {
            let domain = s
                .from
                .as_ref()
                .and_then(|f| f.value.rsplit_once('@').map(|(_, d)| d.to_string()))
                .or_else(|| provider.domains.first().map(|d| d.to_string()))
                .unwrap_or_else(|| "your-domain".into());
            Some(
                Finding::new(
                    NOT_ADDRESS,
                    &host.value,
                    format!(
                        "the username `{u}` is not a full e-mail address, which {} requires",
                        provider.name
                    ),
                )
                .evidence(documented)
                .evidence(format!("username from {}", user.source))
                .fix(format!(
                    "Use the full address as the username, e.g. `{u}@{domain}`."
                )),
            )
        }
        (UsernameForm::LocalPart, Some((local, _))) if !local.is_empty() => Some(
            Finding::new(
                NOT_LOCAL,
                &host.value,
                format!(
                    "the username `{u}` is a full address, but {} wants only the part before the @",
                    provider.name
                ),
            )
            .evidence(documented)
            .evidence(format!("username from {}", user.source))
            .fix(format!(
                "Use `{local}` as the username (without @ and the domain)."
            )),
        ),
        _ => None,
    }
}

/// The evidence of a full-address retry that was refused too.
pub fn retry_evidence(r: &UsernameRetry) -> String {
    format!(
        "retried as {} (domain from {}): {}",
        r.user,
        r.domain_from,
        r.reply
            .as_ref()
            .map(|x| x.text())
            .unwrap_or_else(|| "no reply".into())
    )
}

/// A short username refused and the full address accepted: the username form is proven wrong,
/// and nothing else is (the password is right).
pub fn retry_worked(l: &LoginAttempt, subject: &str, s: &ClientSettings) -> Option<Finding> {
    let r = l.retry.as_ref().filter(|r| r.accepted)?;
    let u = s.user.as_ref()?;
    let mut f = Finding::new(
        NOT_ADDRESS,
        subject,
        format!(
            "the login failed with the username `{}` and worked with the full address `{}`",
            u.value, r.user
        ),
    )
    .evidence(format!("username from {}", u.source));
    let method = l.method(s.protocol);
    if let Some(reply) = &l.reply {
        f = f.evidence(format!("{method} as {} → {}", u.value, reply.text()));
    }
    if let Some(reply) = &r.reply {
        f = f.evidence(format!(
            "{method} as {} (domain from {}) → {}",
            r.user,
            r.domain_from,
            reply.text()
        ));
    }
    Some(f.fix(format!(
        "Set the username to `{}` in the mail client or app (the full e-mail address).",
        r.user
    )))
}

/// A refused login with `user`, a username without @, that could not be retried as a full
/// address (no domain known, e.g. the host is an IP address): nothing shows the username form
/// is wrong — a server whose real usernames are short answers a wrong password the same way —
/// so the bad-credentials finding `f` only says what is not known and what to try.
pub fn unproven_short_username(f: &mut Finding, user: &SettingValue, domain: &str) {
    f.evidence.push(format!(
        "the username `{}` has no @ and mxray could not retry it as a full address (no mail \
         domain known), so whether the server wants one is not known",
        user.value
    ));
    f.fix = format!(
        "{} If the server's usernames are full e-mail addresses, use `{}@{domain}`.",
        f.fix, user.value
    );
}

/// Reconciles the static finding with the logins: an accepted login proves the form right (the
/// static finding goes); after a refused one, a login-based finding of the same code absorbs
/// the documented form as evidence.
pub fn reconcile(statics: Option<Finding>, logins: &[&LoginAttempt], out: &mut Vec<Finding>) {
    let Some(f) = statics else { return };
    if logins.iter().any(|l| l.accepted) {
        return;
    }
    match out.iter_mut().find(|o| o.code == f.code) {
        Some(existing) => {
            for e in f.evidence {
                if !existing.evidence.contains(&e) {
                    existing.evidence.push(e);
                }
            }
        }
        None => out.push(f),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::fixtures::client_settings;
    use crate::evidence::Reply;

    fn settings(host: &str, user: &str) -> ClientSettings {
        let mut s = client_settings(Protocol::Smtp, host, "465", "implicit", user);
        s.user.as_mut().unwrap().source = "MAIL_USERNAME in .env".into();
        s
    }

    #[test]
    fn documented_forms_from_the_knowledge_base() {
        let f = documented_form(&settings("smtp.gmail.com", "alice"), Protocol::Smtp).unwrap();
        assert_eq!(f.code, NOT_ADDRESS);
        assert_eq!(
            f.fix,
            "Use the full address as the username, e.g. `alice@gmail.com`."
        );
        assert!(
            f.evidence[0].contains("the full e-mail address") && f.evidence[0].contains("ISPDB")
        );
        assert_eq!(f.evidence[1], "username from MAIL_USERNAME in .env");

        let f = documented_form(&settings("SMTP.WP.PL.", "jan@wp.pl"), Protocol::Smtp).unwrap();
        assert_eq!(f.code, NOT_LOCAL);
        assert_eq!(
            f.fix,
            "Use `jan` as the username (without @ and the domain)."
        );

        for (host, user) in [
            ("smtp.gmail.com", "alice@gmail.com"),
            ("smtp.wp.pl", "jan"),
            ("mail.example.net", "alice"),
        ] {
            assert!(
                documented_form(&settings(host, user), Protocol::Smtp).is_none(),
                "{host} {user}"
            );
        }
    }

    fn login(accepted: bool) -> LoginAttempt {
        LoginAttempt {
            mechanism: "PLAIN".into(),
            initial_response: true,
            offered: vec!["PLAIN".into()],
            reply: Some(Reply {
                code: Some(if accepted { 235 } else { 535 }),
                lines: vec![],
            }),
            accepted,
            oauth_error: None,
            retry: None,
        }
    }

    #[test]
    fn a_login_overrules_or_absorbs_the_documented_form() {
        let statics = || documented_form(&settings("smtp.gmail.com", "alice"), Protocol::Smtp);
        let mut out = Vec::new();
        reconcile(statics(), &[&login(true)], &mut out);
        assert!(
            out.is_empty(),
            "an accepted login proves the username right"
        );

        let mut out = vec![
            Finding::new(NOT_ADDRESS, "smtp.gmail.com:465", "the login failed")
                .evidence("AUTH PLAIN → 535 5.7.8"),
        ];
        reconcile(statics(), &[&login(false)], &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].evidence.len(), 3, "{:?}", out[0].evidence);

        let mut out = Vec::new();
        reconcile(statics(), &[], &mut out);
        assert_eq!(out.len(), 1, "no login: the documented form stands alone");
    }
}
