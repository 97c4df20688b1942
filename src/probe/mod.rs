//! Probing: I/O that records facts and nothing else. Nothing here judges what it sees.
// Every byte here comes from a server that may be broken or hostile: a surprise is recorded,
// never a panic.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic,
        clippy::string_slice
    )
)]

pub mod alternate;
pub mod cert;
pub mod check;
pub mod conn;
pub mod discover;
pub mod dns;
pub mod dnsbl;
pub mod domain;
pub mod from_domain;
pub mod https_get;
pub mod imap;
pub mod legacy;
pub mod legacy_tls;
pub mod limits;
pub mod mailbox_dialogue;
pub mod mailbox_login;
pub mod mta_sts;
pub mod pop3;
pub mod port;
pub mod prelude;
pub mod quickack;
pub mod replay;
pub mod sasl;
pub mod send;
pub mod smtp;
pub mod sniff;
pub mod spf_eval;
pub mod spf_walk;
pub mod tap;
pub mod tls;

use crate::evidence::{
    Family, LoginNotTried, NotTriedReason, Outcome, Phase, PhaseName, PortProbe, PortSpec,
    ProbeSettings, ServerEvidence,
};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

/// What every probe of a run shares.
#[derive(Clone, Debug)]
pub struct Ctx {
    pub trust: tls::TrustStore,
    pub timeout: Duration,
    /// EHLO name; `None`: the address literal of the local end of each connection.
    pub helo: Option<String>,
    /// Name for SNI and the certificate check: the host name, or `--tls-name` for an IP target.
    pub tls_name: Option<String>,
    /// Unix time of the run, for certificate validity.
    pub now: i64,
    pub legacy: bool,
    /// Run the opt-in open-relay test on `smtp` ports.
    pub relay_test: bool,
    /// `mxray check` with a password: log in once. Only the configured endpoint's probes get
    /// this; every other `Ctx` has `None`. Never serialized; `Debug` shows the password as `***`.
    pub credentials: Option<Credentials>,
    /// `mxray check` with security "none": the client never starts TLS, so neither does the
    /// probe of the configured endpoint, even when STARTTLS is offered.
    pub no_starttls: bool,
}

/// What the one login of `mxray check` needs.
#[derive(Clone, Debug)]
pub struct Credentials {
    pub user: String,
    pub password: Option<crate::secret::Secret>,
    /// The OAuth access token (`--oauth-token-env`), for XOAUTH2 and OAUTHBEARER.
    pub oauth_token: Option<crate::secret::Secret>,
    /// `--auth-mech`; `None`: what a client picks from those offered ([`sasl::pick`]).
    pub mechanism: Option<sasl::Mechanism>,
    /// `--allow-plaintext-auth`: log in even without TLS.
    pub allow_plaintext: bool,
    /// `--insecure`: log in even when the certificate fails verification.
    pub insecure: bool,
    /// The username with `@` and a domain, to retry with once when the configured username has
    /// no `@` and the password login is refused; with where the domain came from.
    pub retry_user: Option<(String, String)>,
    /// `--send-to`: the test message to send after a successful login.
    pub send: Option<send::SendRequest>,
    /// Set by the first probe that logs in, so a host with several addresses gets one login.
    pub used: Arc<std::sync::atomic::AtomicBool>,
}

impl Credentials {
    /// The credentials may go on this connection: over TLS, or with `--allow-plaintext-auth`.
    pub fn may_send(&self, tls_up: bool, rec: &mut conn::Recorder) -> Result<(), LoginNotTried> {
        if tls_up || self.allow_plaintext {
            return Ok(());
        }
        Err(not_tried(
            rec,
            NotTriedReason::NoTls,
            "no TLS on this connection (--allow-plaintext-auth to send the password anyway)",
        ))
    }

    /// The certificate passed the checks a mail client makes (trust, validity, name), or
    /// `--insecure` was given: a password sent to an unproven server may be an attacker's.
    pub fn certificate_ok(
        &self,
        tls: Option<&crate::evidence::TlsSession>,
        rec: &mut conn::Recorder,
    ) -> Result<(), LoginNotTried> {
        let Some(session) = tls.filter(|t| t.version.is_some()) else {
            return Ok(());
        };
        let Some(why) = certificate_failure(session) else {
            return Ok(());
        };
        if self.insecure {
            rec.note(&format!(
                "the certificate failed verification ({why}): logging in anyway (--insecure)"
            ));
            return Ok(());
        }
        Err(not_tried(
            rec,
            NotTriedReason::CertificateUnverified,
            &format!(
                "the certificate failed verification ({why}), so the server's identity is not \
                 proven (--insecure to send the password anyway)"
            ),
        ))
    }

    /// The OAuth token for a mechanism that takes one, else the password.
    pub fn secret_for(
        &self,
        token: bool,
        method: &str,
        rec: &mut conn::Recorder,
    ) -> Result<&crate::secret::Secret, LoginNotTried> {
        let (secret, missing) = if token {
            (&self.oauth_token, "an OAuth token (--oauth-token-env)")
        } else {
            (&self.password, "a password")
        };
        secret.as_ref().ok_or_else(|| {
            not_tried(
                rec,
                NotTriedReason::NoSecret,
                &format!("{method} needs {missing}"),
            )
        })
    }
}

/// Why a client would refuse this certificate, in words; `None` when it would accept it.
fn certificate_failure(session: &crate::evidence::TlsSession) -> Option<String> {
    let Some(v) = &session.verification else {
        return Some("it could not be checked".into());
    };
    let client = v.client_error.as_deref().unwrap_or("").to_ascii_lowercase();
    if !v.trusted {
        let why = v.trust_error.as_deref().unwrap_or("no trusted issuer");
        return Some(format!("not issued by a trusted authority: {why}"));
    }
    if client.contains("expired") {
        return Some("expired".into());
    }
    if client.contains("not valid yet") || client.contains("notvalidyet") {
        return Some("not valid yet".into());
    }
    if v.name_matches == Some(false) {
        return Some(match v.checked_name.as_deref() {
            Some(name) => format!("not valid for {name}"),
            None => "not valid for the address connected to; give the server's name with \
                     --tls-name"
                .into(),
        });
    }
    v.client_error.clone()
}

/// Records in the transcript why the credentials were not sent, and returns it for the evidence.
pub fn not_tried(rec: &mut conn::Recorder, reason: NotTriedReason, detail: &str) -> LoginNotTried {
    rec.note(&format!("login not tried: {detail}"));
    LoginNotTried {
        reason,
        detail: detail.to_string(),
    }
}

/// The dialogue ended before the login step: where, in words (the first step that failed).
pub fn unreached(probe: &PortProbe) -> LoginNotTried {
    let step = probe.failure().map(|f| {
        let what = match f.phase {
            PhaseName::Connect => "the connection",
            PhaseName::Greeting => "the greeting",
            PhaseName::Ehlo | PhaseName::Helo | PhaseName::EhloAfterTls => "EHLO",
            PhaseName::Capability | PhaseName::CapabilityAfterTls => "the capabilities",
            PhaseName::Starttls => "STARTTLS",
            PhaseName::TlsHandshake => "the TLS handshake",
            _ => "the dialogue",
        };
        let how = match &f.outcome {
            Outcome::Timeout => "timed out".to_string(),
            Outcome::Refused => "was refused".to_string(),
            Outcome::Reset => "was reset".to_string(),
            Outcome::Closed => "was closed by the server".to_string(),
            Outcome::Rejected { reply } => format!("was refused: {reply}"),
            Outcome::Unreachable { detail }
            | Outcome::Violation { detail }
            | Outcome::Error { detail } => format!("failed: {detail}"),
            Outcome::Ok => "failed".to_string(),
        };
        format!("{what} {how}")
    });
    LoginNotTried {
        reason: NotTriedReason::Unreached,
        detail: format!(
            "the dialogue ended before the login ({})",
            step.unwrap_or_else(|| "it did not get that far".into())
        ),
    }
}

/// Called as each port probe finishes, for progress display.
pub type Progress = Arc<dyn Fn(&PortProbe) + Send + Sync>;

/// Resolves the host and probes every port on every address, concurrently, with at most
/// `per_address` connections at a time to any one address.
pub async fn probe_server(
    ctx: Ctx,
    dns: &dns::Dns,
    host: &str,
    settings: ProbeSettings,
    per_address: usize,
    progress: Option<Progress>,
) -> ServerEvidence {
    let limits = limits::AddressLimits::new(per_address);
    probe_server_limited(ctx, dns, host, settings, &limits, progress).await
}

/// [`probe_server`] under limits shared with other probes of the run, so hosts that resolve
/// to one address never exceed its limit together.
pub async fn probe_server_limited(
    ctx: Ctx,
    dns: &dns::Dns,
    host: &str,
    settings: ProbeSettings,
    limits: &limits::AddressLimits,
    progress: Option<Progress>,
) -> ServerEvidence {
    let (mut resolution, ips) = dns.resolve_forward(host, &settings.families).await;
    let addresses: Vec<IpAddr> = ips
        .iter()
        .copied()
        .filter(|ip| settings.families.contains(&Family::of(ip)))
        .collect();
    let mut tasks = tokio::task::JoinSet::new();
    let ctx = Arc::new(ctx);
    for ip in &addresses {
        let sem = limits.of(*ip);
        for (index, spec) in settings.ports.iter().enumerate() {
            let ctx = ctx.clone();
            let sem = sem.clone();
            let progress = progress.clone();
            let (ip, spec) = (*ip, *spec);
            tasks.spawn(async move {
                let permit = sem.clone().acquire_owned().await.ok();
                // Safety net over the per-phase bounds: a probe can never outlive its budget.
                let budget = ctx.timeout * port::PORT_BUDGET_PHASES;
                let limit = Some(sem);
                let run = port::probe_port_limited(&ctx, ip, spec, permit, &limit);
                let probe = match tokio::time::timeout(budget, run).await {
                    Ok(p) => p,
                    Err(_) => over_budget(ip, spec, budget),
                };
                if let Some(p) = &progress {
                    p(&probe);
                }
                (index, probe)
            });
        }
    }
    // Reverse DNS runs while the ports are being probed: the probes need nothing from it.
    resolution.addresses = dns.address_infos(ips).await;
    let mut probes = Vec::new();
    while let Some(done) = tasks.join_next().await {
        if let Ok(p) = done {
            probes.push(p);
        }
    }
    // Stable order for people and diffs: by address as resolved, then by port as asked.
    let order: HashMap<IpAddr, usize> =
        addresses.iter().enumerate().map(|(i, a)| (*a, i)).collect();
    probes.sort_by_key(|(index, p)| (order.get(&p.address).copied().unwrap_or(usize::MAX), *index));
    ServerEvidence {
        host: host.to_string(),
        options: settings,
        resolution,
        probes: probes.into_iter().map(|(_, p)| p).collect(),
    }
}

fn over_budget(ip: IpAddr, spec: PortSpec, budget: Duration) -> PortProbe {
    PortProbe {
        phases: vec![Phase {
            phase: PhaseName::Connect,
            start_ms: 0,
            duration_ms: budget.as_millis() as u64,
            outcome: Outcome::Error {
                detail: format!("probe exceeded its budget of {:.1} s", budget.as_secs_f64()),
            },
        }],
        duration_ms: budget.as_millis() as u64,
        ..PortProbe::empty(ip, spec)
    }
}
