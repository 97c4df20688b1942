//! `mxray check`: probes the endpoint exactly as the client is configured, and the protocol's
//! other standard ports of the same host concurrently (465/587 for SMTP, 993/143 for IMAP,
//! 995/110 for POP3), to say what would work, and beside them the From domain's SPF/DKIM/DMARC
//! (DNS only). With a password, the configured endpoint — and only it — logs in once (and
//! sends the `--send-to` test message); the alternatives never get the password.

use super::dns::Dns;
use super::{probe_server_limited, Credentials, Ctx};
use crate::evidence::check::CheckEvidence;
use crate::evidence::Security;
use crate::evidence::{PortSpec, ProbeSettings, Protocol, Role};

pub use crate::evidence::ports::role_for;

/// The protocol's standard client ports, implicit TLS first.
pub fn standard_ports(protocol: Protocol) -> Vec<(u16, Role)> {
    crate::evidence::ports::client_ports(protocol)
        .map(|s| (s.port, s.role))
        .collect()
}

/// What `mxray check` probes: the configured endpoint (host, port, security), the probe
/// template, the credentials for its one login, and the From domain to check.
pub struct CheckRequest {
    pub endpoint: Option<(String, u16, Security)>,
    pub settings: ProbeSettings,
    pub per_address: usize,
    pub credentials: Option<Credentials>,
    pub from: Option<super::from_domain::FromDomainRequest>,
}

pub async fn probe_check(
    ctx: Ctx,
    dns: &Dns,
    mut evidence: CheckEvidence,
    req: CheckRequest,
) -> CheckEvidence {
    let CheckRequest {
        endpoint,
        settings,
        per_address,
        credentials,
        from,
    } = req;
    let Some((host, port, security)) = endpoint else {
        return evidence;
    };
    let protocol = evidence.settings.protocol;
    let role = role_for(protocol, security);
    let mut configured = settings.clone();
    configured.ports = vec![PortSpec {
        port,
        role: Some(role),
        explicit: true,
    }];
    let mut alternatives = settings;
    // The same port in the other mode is an alternative too: 587 with STARTTLS fixes "SSL on 587".
    alternatives.ports = standard_ports(protocol)
        .into_iter()
        .filter(|(p, r)| (*p, *r) != (port, role))
        .map(|(p, r)| PortSpec {
            port: p,
            role: Some(r),
            explicit: false,
        })
        .collect();
    let alternatives_ctx = Ctx {
        credentials: None,
        no_starttls: false,
        ..ctx.clone()
    };
    let configured_ctx = Ctx {
        credentials,
        no_starttls: security == Security::Plain,
        ..ctx
    };
    let from_domain = async {
        match from {
            Some(req) => super::from_domain::check(dns, req).await,
            None => None,
        }
    };
    // The configured port and its alternatives are the same addresses: one limit for both.
    let limits = super::limits::AddressLimits::new(per_address);
    let (c, a, f) = tokio::join!(
        probe_server_limited(configured_ctx, dns, &host, configured, &limits, None),
        probe_server_limited(alternatives_ctx, dns, &host, alternatives, &limits, None),
        from_domain,
    );
    evidence.from_domain = f;
    evidence.configured = Some(c);
    evidence.alternatives = Some(a);
    evidence
}
