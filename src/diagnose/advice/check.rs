//! `mxray check`: the settings to use (verified how far), and the verdict on each discovered
//! setting.

use crate::advice::{Advice, CandidateVerdict, SettingsAdvice, UseSettings, Verification};
use crate::diagnose::check::working_alternative;
use crate::diagnose::discover::{self, Verdict};
use crate::evidence::check::CheckEvidence;
use crate::evidence::discovery::{Candidate, DiscoveryEvidence};
use crate::evidence::{LoginAttempt, Protocol, SendAttempt};
use crate::policy::autoconfig::username_for;

pub fn advice(ev: &CheckEvidence) -> Advice {
    match &ev.discovery {
        Some(d) => Advice {
            settings: Some(discovered(d)),
            candidates: d.candidates.iter().map(candidate).collect(),
            ..Advice::default()
        },
        None => Advice {
            settings: configured(ev),
            ..Advice::default()
        },
    }
}

fn candidate(c: &Candidate) -> CandidateVerdict {
    match discover::verdict(c) {
        Verdict::Works => CandidateVerdict::Works,
        Verdict::Fails(why) => CandidateVerdict::Fails { why },
        Verdict::NotProbed(why) => CandidateVerdict::NotProbed { why },
    }
}

/// The configured host's working setting, verified as far as the login and the message went.
fn configured(ev: &CheckEvidence) -> Option<SettingsAdvice> {
    let host = ev.settings.host.as_ref()?;
    let protocol = ev.settings.protocol;
    let Some((port, mode)) = working_alternative(ev) else {
        let side = match protocol {
            Protocol::Smtp => "submission".to_string(),
            p => format!("incoming ({})", p.label()),
        };
        return Some(SettingsAdvice::NoneWorking {
            side,
            subject: host.value.clone(),
        });
    };
    let probes = || ev.configured.iter().flat_map(|c| c.probes.iter());
    let logins: Vec<&LoginAttempt> = probes().filter_map(|p| p.login.as_ref()).collect();
    let logged_in = logins.iter().any(|l| l.logged_in());
    let refused = !logged_in && logins.iter().any(|l| l.reply.is_some());
    let retried = logins
        .iter()
        .filter_map(|l| l.retry.as_ref())
        .find(|r| r.accepted);
    let sends: Vec<&SendAttempt> = probes().filter_map(|p| p.send.as_ref()).collect();
    let sent = sends.iter().find(|m| m.accepted);
    let verified = if sent.is_some() {
        Verification::LoginAndMessage
    } else if logged_in && !sends.is_empty() {
        Verification::LoginMessageRefused
    } else if logged_in {
        Verification::Login
    } else if refused {
        Verification::LoginRefused
    } else if ev.settings.password_given || ev.settings.oauth_token_given {
        Verification::LoginNotCompleted
    } else {
        Verification::Connection
    };
    let username = match retried {
        Some(r) => r.user.clone(),
        None => username(ev, &host.value),
    };
    Some(SettingsAdvice::Use {
        blocks: vec![UseSettings {
            protocol,
            server: host.value.clone(),
            port,
            security: mode.to_string(),
            username,
        }],
        verified,
        queue_id: sent.and_then(|m| m.queue_id.clone()),
        test_login: None,
    })
}

/// The username to use: as configured when the provider documents no form or it fits, else in
/// the documented form.
fn username(ev: &CheckEvidence, host: &str) -> String {
    use crate::knowledge::provider_db::{by_host, UsernameForm};
    let documented = by_host(host).and_then(|p| {
        let h = host.trim().trim_end_matches('.').to_ascii_lowercase();
        p.servers(ev.settings.protocol)
            .iter()
            .find(|f| f.host == h)
            .map(|f| f.username)
    });
    let address = [&ev.settings.user, &ev.settings.from]
        .into_iter()
        .flatten()
        .map(|v| v.value.clone())
        .find(|v| v.contains('@'));
    match (documented, &ev.settings.user) {
        (Some(UsernameForm::Address), _) => {
            address.unwrap_or_else(|| "your full e-mail address (the provider requires it)".into())
        }
        (Some(UsernameForm::LocalPart), Some(u)) => {
            u.value.split('@').next().unwrap_or(&u.value).to_string()
        }
        (_, Some(u)) if u.value.contains('@') => u.value.clone(),
        (_, Some(u)) => format!("{} (many providers want the full e-mail address)", u.value),
        (_, None) => "your full e-mail address".to_string(),
    }
}

/// Discovery: the best outgoing setting (and incoming one), and how to test the login there.
fn discovered(d: &DiscoveryEvidence) -> SettingsAdvice {
    let Some(out) = discover::best(d, false) else {
        return SettingsAdvice::NoneWorking {
            side: "outgoing mail".into(),
            subject: d.address.clone(),
        };
    };
    let block = |c: &Candidate| UseSettings {
        protocol: c.setting.protocol,
        server: c.setting.host.clone(),
        port: c.setting.port,
        security: c.setting.security.words().to_string(),
        username: user_of(c, &d.address),
    };
    let mut blocks = vec![block(out)];
    blocks.extend(discover::best(d, true).map(block));
    let security = match out.setting.security {
        crate::evidence::discovery::Security::Implicit => "tls",
        _ => "starttls",
    };
    SettingsAdvice::Use {
        test_login: Some(format!(
            "mxray check --host {} --port {} --security {security} --user {} --password-env VAR",
            out.setting.host,
            out.setting.port,
            user_of(out, &d.address)
        )),
        blocks,
        verified: Verification::Connection,
        queue_id: None,
    }
}

fn user_of(c: &Candidate, address: &str) -> String {
    username_for(
        c.setting.username.as_deref().unwrap_or("%EMAILADDRESS%"),
        address,
    )
}
