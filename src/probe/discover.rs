//! `mxray check ADDRESS`: finds an address's mail settings the way mail clients do, from four
//! sources queried at once — mxray's provider knowledge base, RFC 6186 SRV records, Mozilla
//! autoconfig (Thunderbird's URLs and order), and the provider behind the domain's MX hosts —
//! then probes every distinct setting live, without credentials. Discovery never logs in: a
//! password, if given, is reported as unused, and the report names the endpoint to test it on.

use super::dns::Dns;
use super::https_get::{self, Get};
use super::{probe_server_limited, Ctx};
use crate::evidence::discovery::{
    AutoconfigFetch, Candidate, DiscoveryEvidence, HttpFetch, MxSource, ProviderMatch,
    ProviderSource, Security, ServerSetting, SourceKind, SrvLookup, SrvRecord,
};
use crate::evidence::{PortSpec, ProbeSettings, Protocol, Role};
use crate::knowledge::provider_db::{self, ProviderFacts, UsernameForm};
use crate::knowledge::providers;
use crate::policy::autoconfig;
use futures::StreamExt;
use hickory_resolver::proto::rr::RecordType;

/// RFC 6186 §3.1–3.3 services, with what each one means for a client.
pub const SRV_SERVICES: &[(&str, Protocol, Security)] = &[
    ("_submissions._tcp", Protocol::Smtp, Security::Implicit),
    ("_submission._tcp", Protocol::Smtp, Security::Starttls),
    ("_imaps._tcp", Protocol::Imap, Security::Implicit),
    ("_imap._tcp", Protocol::Imap, Security::Starttls),
    ("_pop3s._tcp", Protocol::Pop3, Security::Implicit),
    ("_pop3._tcp", Protocol::Pop3, Security::Starttls),
];
/// SRV answers used per service.
const MAX_SRV_RECORDS: usize = 8;
/// Distinct settings probed; more are listed as not probed.
const MAX_PROBED: usize = 16;
/// Settings probed at once.
const PROBES_AT_ONCE: usize = 4;

pub struct DiscoverRequest {
    pub address: String,
    pub settings: ProbeSettings,
    pub per_address: usize,
    pub password_given: bool,
}

pub async fn discover(ctx: Ctx, dns: &Dns, req: DiscoverRequest) -> DiscoveryEvidence {
    // Discovery never logs in, whatever the caller's context carries.
    let ctx = Ctx {
        credentials: None,
        legacy: false,
        relay_test: false,
        ..ctx
    };
    let address = req.address.to_ascii_lowercase();
    let domain = address
        .rsplit_once('@')
        .map(|(_, d)| d.to_string())
        .unwrap_or_default();
    let provider_db = ProviderSource {
        provider: provider_db::by_email_domain(&domain).map(|p| provider_match(&p)),
    };
    let (srv, autoconfig, mx) = tokio::join!(
        srv_lookups(dns, &domain),
        autoconfig_fetches(&ctx, dns, &domain, &address),
        mx_source(dns, &domain),
    );
    let mut evidence = DiscoveryEvidence {
        address,
        domain,
        provider_db,
        srv,
        autoconfig,
        mx,
        candidates: Vec::new(),
        password_unused: req.password_given,
    };
    evidence.candidates = candidates(&evidence);
    probe_candidates(&ctx, dns, &mut evidence.candidates, &req).await;
    evidence
}

fn provider_match(p: &ProviderFacts) -> ProviderMatch {
    let mut servers = Vec::new();
    for (protocol, list) in [
        (Protocol::Smtp, &p.smtp),
        (Protocol::Imap, &p.imap),
        (Protocol::Pop3, &p.pop3),
    ] {
        for s in list {
            servers.push(ServerSetting {
                protocol,
                host: s.host.to_string(),
                port: s.port,
                security: s.security,
                username: match s.username {
                    UsernameForm::Address => Some("%EMAILADDRESS%".into()),
                    UsernameForm::LocalPart => Some("%EMAILLOCALPART%".into()),
                    UsernameForm::Other(t) => Some(t.to_string()),
                    UsernameForm::Unstated => None,
                },
                auth: s.auth.iter().map(|a| a.to_string()).collect(),
            });
        }
    }
    let source = p
        .smtp
        .first()
        .or(p.imap.first())
        .map(|s| s.source.to_string())
        .unwrap_or_else(|| format!("ISPDB {}.xml", p.id));
    ProviderMatch {
        id: p.id.to_string(),
        name: p.name.to_string(),
        source,
        servers,
    }
}

async fn srv_lookups(dns: &Dns, domain: &str) -> Vec<SrvLookup> {
    futures::future::join_all(SRV_SERVICES.iter().map(|(service, _, _)| async move {
        let lookup = dns
            .lookup_owned(format!("{service}.{domain}"), RecordType::SRV)
            .await;
        let mut records: Vec<SrvRecord> = lookup
            .records
            .iter()
            .filter_map(|r| parse_srv(r))
            .take(MAX_SRV_RECORDS)
            .collect();
        // RFC 2782: lowest priority first; among equals, heavier weight first (mxray probes
        // them all, so the weighted draw only decides the order shown).
        records.sort_by_key(|r| (r.priority, std::cmp::Reverse(r.weight)));
        SrvLookup {
            service: service.to_string(),
            lookup,
            records,
        }
    }))
    .await
}

/// `PRIORITY WEIGHT PORT TARGET` as the resolver layer prints an SRV answer.
pub fn parse_srv(text: &str) -> Option<SrvRecord> {
    let mut it = text.split_whitespace();
    let priority = it.next()?.parse().ok()?;
    let weight = it.next()?.parse().ok()?;
    let port = it.next()?.parse().ok()?;
    let target = it.next()?;
    if it.next().is_some() {
        return None;
    }
    let target = if target == "." {
        ".".to_string()
    } else {
        target.trim_end_matches('.').to_ascii_lowercase()
    };
    Some(SrvRecord {
        priority,
        weight,
        port,
        target,
    })
}

/// Thunderbird's order: `autoconfig.DOMAIN`, then `DOMAIN/.well-known/autoconfig`, both over
/// HTTPS (fetched at once). Only when neither gives a file is plain HTTP tried, to say that
/// the file exists but is served without authentication.
async fn autoconfig_fetches(
    ctx: &Ctx,
    dns: &Dns,
    domain: &str,
    address: &str,
) -> Vec<AutoconfigFetch> {
    let sub = format!("autoconfig.{domain}");
    let with_address = format!(
        "/mail/config-v1.1.xml?emailaddress={}",
        https_get::query_escape(address)
    );
    let first = Get {
        host: &sub,
        path: &with_address,
        https: true,
        accept: "application/xml, text/xml",
        max_body: autoconfig::MAX_SIZE,
    };
    let second = Get {
        host: domain,
        path: "/.well-known/autoconfig/mail/config-v1.1.xml",
        ..first
    };
    let (a, b) = tokio::join!(
        autoconfig_fetch(ctx, dns, &first, domain),
        autoconfig_fetch(ctx, dns, &second, domain)
    );
    let mut out = vec![a, b];
    if out.iter().all(|f| f.config.is_none()) {
        let plain = Get {
            https: false,
            ..first
        };
        out.push(autoconfig_fetch(ctx, dns, &plain, domain).await);
    }
    out
}

async fn autoconfig_fetch(ctx: &Ctx, dns: &Dns, req: &Get<'_>, domain: &str) -> AutoconfigFetch {
    // Resolution, connect, handshake and the exchange each have their own bound; this one
    // caps their sum.
    let budget = ctx.timeout * 5;
    let fetch = match tokio::time::timeout(budget, https_get::fetch(ctx, dns, req)).await {
        Ok(f) => f,
        Err(_) => HttpFetch {
            error: Some(format!("no answer within {:.1} s", budget.as_secs_f64())),
            duration_ms: budget.as_millis() as u64,
            ..HttpFetch::new(req.url())
        },
    };
    let (config, parse_error) = match (&fetch.error, &fetch.body) {
        (None, Some(body)) => match autoconfig::parse(body, domain) {
            Ok(c) => (Some(c), None),
            Err(e) => (None, Some(e)),
        },
        _ => (None, None),
    };
    AutoconfigFetch {
        fetch,
        config,
        parse_error,
    }
}

async fn mx_source(dns: &Dns, domain: &str) -> MxSource {
    let lookup = dns.lookup(domain, RecordType::MX).await;
    let hosts: Vec<String> = lookup
        .records
        .iter()
        .filter_map(|r| r.split_whitespace().nth(1).map(str::to_string))
        .collect();
    let provider = mx_provider(&hosts).map(|p| provider_match(&p));
    MxSource { lookup, provider }
}

/// The knowledge base's entry for the provider the MX hosts belong to (MX at
/// `aspmx.l.google.com` → Google's client servers). Providers that host no mailboxes (sending
/// services) have none.
pub fn mx_provider(mx_hosts: &[String]) -> Option<ProviderFacts> {
    let provider = providers::detect(mx_hosts, &[])?;
    let host = match provider.name {
        "Google Workspace" => "smtp.gmail.com",
        "Microsoft 365" => "smtp.office365.com",
        "Zoho Mail" => "smtp.zoho.com",
        "Fastmail" => "smtp.fastmail.com",
        "iCloud Mail" => "smtp.mail.me.com",
        "Yandex 360" => "smtp.yandex.com",
        _ => return None,
    };
    provider_db::by_host(host)
}

/// The distinct settings, in order of preference of the first source naming each: the
/// knowledge base, autoconfig over HTTPS, SRV, the MX's provider, autoconfig over plain HTTP.
pub fn candidates(ev: &DiscoveryEvidence) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    let mut add = |s: &ServerSetting, kind: SourceKind| {
        if let Some(c) = out.iter_mut().find(|c| same(&c.setting, s)) {
            if !c.sources.contains(&kind) {
                c.sources.push(kind);
            }
            if c.setting.username.is_none() {
                c.setting.username = s.username.clone();
            }
            for a in &s.auth {
                if !c.setting.auth.contains(a) {
                    c.setting.auth.push(a.clone());
                }
            }
        } else {
            out.push(Candidate {
                setting: s.clone(),
                sources: vec![kind],
                probe: None,
                not_probed: None,
            });
        }
    };
    if let Some(p) = &ev.provider_db.provider {
        p.servers
            .iter()
            .for_each(|s| add(s, SourceKind::ProviderDb));
    }
    // Thunderbird uses the first file it gets; so does mxray.
    let mut https_files = ev
        .autoconfig
        .iter()
        .filter(|f| f.fetch.url.starts_with("https://"));
    if let Some(c) = https_files.find_map(|f| f.config.as_ref()) {
        c.servers
            .iter()
            .for_each(|s| add(s, SourceKind::Autoconfig));
    }
    for l in &ev.srv {
        let Some((_, protocol, security)) = SRV_SERVICES.iter().find(|(n, _, _)| *n == l.service)
        else {
            continue;
        };
        for r in l.records.iter().filter(|r| r.target != ".") {
            let s = ServerSetting {
                protocol: *protocol,
                host: r.target.clone(),
                port: r.port,
                security: *security,
                username: None,
                auth: Vec::new(),
            };
            add(&s, SourceKind::Srv);
        }
    }
    if let Some(p) = &ev.mx.provider {
        p.servers
            .iter()
            .for_each(|s| add(s, SourceKind::MxProvider));
    }
    if let Some(c) = ev
        .autoconfig
        .iter()
        .filter(|f| f.fetch.url.starts_with("http://"))
        .find_map(|f| f.config.as_ref())
    {
        c.servers
            .iter()
            .for_each(|s| add(s, SourceKind::AutoconfigHttp));
    }
    // Outgoing first, then IMAP, then POP3; the sources' order within each.
    out.sort_by_key(|c| match c.setting.protocol {
        Protocol::Smtp => 0,
        Protocol::Imap => 1,
        Protocol::Pop3 => 2,
    });
    out
}

fn same(a: &ServerSetting, b: &ServerSetting) -> bool {
    a.protocol == b.protocol
        && a.host.eq_ignore_ascii_case(&b.host)
        && a.port == b.port
        && a.security == b.security
}

pub fn role_of(s: &ServerSetting) -> Role {
    match (s.protocol, s.security) {
        (Protocol::Smtp, Security::Implicit) => Role::Submissions,
        (Protocol::Smtp, _) => Role::Submission,
        (Protocol::Imap, Security::Implicit) => Role::Imaps,
        (Protocol::Imap, _) => Role::Imap,
        (Protocol::Pop3, Security::Implicit) => Role::Pop3s,
        (Protocol::Pop3, _) => Role::Pop3,
    }
}

async fn probe_candidates(ctx: &Ctx, dns: &Dns, list: &mut [Candidate], req: &DiscoverRequest) {
    for c in list.iter_mut().skip(MAX_PROBED) {
        c.not_probed = Some(format!(
            "more than {MAX_PROBED} settings were found; the first {MAX_PROBED} were probed"
        ));
    }
    // Settings found for one provider usually share addresses: one limit per address for all.
    let limits = super::limits::AddressLimits::new(req.per_address);
    let limits = &limits;
    let jobs = list.iter().take(MAX_PROBED).enumerate().map(|(i, c)| {
        let mut settings = req.settings.clone();
        settings.legacy_tls = false;
        settings.tls_name = Some(c.setting.host.clone());
        settings.ports = vec![PortSpec {
            port: c.setting.port,
            role: Some(role_of(&c.setting)),
            explicit: true,
        }];
        let ctx = Ctx {
            tls_name: Some(c.setting.host.clone()),
            ..ctx.clone()
        };
        let host = c.setting.host.clone();
        async move {
            let ev = probe_server_limited(ctx, dns, &host, settings, limits, None).await;
            (i, ev)
        }
    });
    let done: Vec<_> = futures::stream::iter(jobs)
        .buffer_unordered(PROBES_AT_ONCE)
        .collect()
        .await;
    for (i, ev) in done {
        if let Some(entry) = list.get_mut(i) {
            entry.probe = Some(ev);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn srv_answers() {
        let r = parse_srv("10 20 587 mail.example.com.").unwrap();
        assert_eq!(
            (r.priority, r.weight, r.port, r.target.as_str()),
            (10, 20, 587, "mail.example.com")
        );
        assert_eq!(parse_srv("0 0 0 .").unwrap().target, ".");
        assert!(parse_srv("0 0 99999 x.").is_none());
        assert!(parse_srv("0 0 25").is_none());
        assert!(parse_srv("a b c d").is_none());
        assert!(parse_srv("0 0 25 x. y.").is_none());
    }

    #[test]
    fn mx_hosts_map_to_the_provider_servers() {
        let g = mx_provider(&["aspmx.l.google.com".into()]).unwrap();
        assert!(g.smtp.iter().any(|s| s.host == "smtp.gmail.com"));
        let m = mx_provider(&["contoso-com.mail.protection.outlook.com".into()]).unwrap();
        assert!(m
            .smtp
            .iter()
            .any(|s| s.host == "smtp.office365.com" && s.port == 587));
        assert!(mx_provider(&["mail.mxray.test".into()]).is_none());
        assert!(mx_provider(&["mx.mailgun.org".into()]).is_none());
    }
}
