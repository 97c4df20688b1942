//! The From domain of `mxray check`: a message the submission server accepts can still bounce
//! at the receiver when the From domain's SPF does not let that server send for it, or its DMARC
//! policy rejects what fails. DNS only; runs beside the probes.

use super::dns::Dns;
use super::domain::{dkim, dmarc, includes, selector_list};
use super::{spf_eval, spf_walk};
use crate::evidence::check::{FromDomainEvidence, SettingValue};
use crate::evidence::Family;
use crate::knowledge::providers;
use crate::policy::spf_macro::Sender;

/// Addresses of the submission host evaluated at most (a pool bigger than this adds nothing).
const MAX_EVALUATED: usize = 4;

pub struct FromDomainRequest {
    pub address: SettingValue,
    pub submission_host: String,
    pub families: Vec<Family>,
    pub sending: bool,
}

/// The domain part of an address, lower-cased and in A-label form (what DNS is asked);
/// `None` when it is not `local@domain`.
pub fn domain_of(address: &str) -> Option<String> {
    let (local, domain) = address.trim().rsplit_once('@')?;
    let domain = domain.trim_end_matches('.');
    if local.is_empty() || !domain.contains('.') {
        return None;
    }
    crate::names::validate_host(domain).ok()
}

pub async fn check(dns: &Dns, req: FromDomainRequest) -> Option<FromDomainEvidence> {
    let domain = domain_of(&req.address.value)?;
    let provider = providers::by_submission_host(&req.submission_host);
    let mail_from = req.address.value.trim().to_string();
    let evaluations = async {
        let (_, ips) = dns
            .resolve_forward(&req.submission_host, &req.families)
            .await;
        let senders = ips.into_iter().take(MAX_EVALUATED).map(|ip| Sender {
            ip,
            mail_from: mail_from.clone(),
            helo: req.submission_host.clone(),
        });
        futures::future::join_all(senders.map(|s| spf_eval::evaluate(dns, &domain, s))).await
    };
    let (spf, evaluations, dmarc, dkim) = tokio::join!(
        spf_walk::walk(dns, &domain),
        evaluations,
        dmarc(dns, &domain),
        dkim(dns, &domain, selector_list(&[], provider), false),
    );
    // The DKIM selectors of the provider found from the SPF tree are worth a second look when
    // the submission host did not name one.
    let dkim = match (provider, providers::detect(&[], &includes(&spf))) {
        (None, Some(p)) if !p.dkim_selectors.is_empty() => {
            self::dkim(dns, &domain, selector_list(&[], Some(p)), false).await
        }
        _ => dkim,
    };
    Some(FromDomainEvidence {
        domain,
        address: req.address,
        submission_host: req.submission_host,
        submission_provider: provider.map(|p| p.name.to_string()),
        provider_includes: provider
            .map(|p| p.spf_includes.iter().map(|s| s.to_string()).collect())
            .unwrap_or_default(),
        spf,
        evaluations,
        dmarc,
        dkim,
        sending: req.sending,
    })
}

#[cfg(test)]
mod tests {
    use super::domain_of;

    #[test]
    fn domain_of_addresses() {
        assert_eq!(
            domain_of("Alice@Example.COM").as_deref(),
            Some("example.com")
        );
        assert_eq!(domain_of("a@b.example.").as_deref(), Some("b.example"));
        assert_eq!(domain_of("alice"), None);
        assert_eq!(domain_of("@example.com"), None);
        assert_eq!(domain_of("a@localhost"), None);
        assert_eq!(domain_of("a@exa mple.com"), None);
        assert_eq!(
            domain_of("jürgen@Bücher.example").as_deref(),
            Some("xn--bcher-kva.example")
        );
    }
}
