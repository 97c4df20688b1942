//! Discovery verdicts and findings from hand-made evidence: the cases the rig cannot show
//! (a known provider's domain, the MX's provider, certificates and AUTH missing per candidate).

use super::*;
use crate::evidence::discovery::{
    AutoconfigFetch, ClientConfig, MxSource, ProviderMatch, ProviderSource, ServerSetting,
    SrvLookup, SrvRecord,
};
use crate::evidence::domain::StsFetch;
use crate::evidence::{Lookup, LookupStatus, ServerEvidence};
use crate::probe::discover::candidates;
use serde_json::json;

fn lookup(name: &str, records: &[&str]) -> Lookup {
    Lookup {
        name: name.into(),
        rtype: "X".into(),
        status: if records.is_empty() {
            LookupStatus::NxDomain
        } else {
            LookupStatus::Ok
        },
        records: records.iter().map(|s| s.to_string()).collect(),
        duration_ms: 1,
        error: None,
    }
}

fn setting(protocol: Protocol, host: &str, port: u16, security: Security) -> ServerSetting {
    ServerSetting {
        protocol,
        host: host.into(),
        port,
        security,
        username: None,
        auth: vec![],
    }
}

fn empty() -> DiscoveryEvidence {
    DiscoveryEvidence {
        address: "alice@example.com".into(),
        domain: "example.com".into(),
        provider_db: ProviderSource { provider: None },
        srv: vec![],
        autoconfig: vec![],
        mx: MxSource {
            lookup: lookup("example.com", &["10 mx.example.com"]),
            provider: None,
        },
        candidates: vec![],
        password_unused: false,
    }
}

/// A probe of `host`:`port` on 192.0.2.1: TLS up or not, certificate error, AUTH offered.
fn probed(
    host: &str,
    port: u16,
    tls: bool,
    cert_error: Option<&str>,
    auth: &[&str],
) -> ServerEvidence {
    let mut p = json!({
        "address": "192.0.2.1", "port": port, "role": if port == 465 { "submissions" } else { "submission" },
        "explicit": true,
        "phases": [{"phase": "connect", "start_ms": 0, "duration_ms": 1, "outcome": {"kind": "ok"}}],
        "capabilities": {"via": "ehlo", "raw": [], "starttls": true, "auth": auth},
        "duration_ms": 1, "transcript": [],
    });
    if tls {
        p["tls"] = json!({
            "mode": "implicit", "sni": host, "version": "TLSv1.3", "cipher": null, "chain": [],
            "verification": {"checked_name": host, "name_matches": cert_error.is_none(),
                "trusted": true, "client_error": cert_error},
        });
    }
    serde_json::from_value(json!({
        "host": host,
        "options": {"timeout_ms": 1000, "helo": "x", "tls_name": host, "resolvers": [],
            "ports": [], "families": ["ipv4"], "legacy_tls": false, "slow_threshold_ms": 5000,
            "expiry_warning_days": 21},
        "resolution": {"ip_literal": false, "a": null, "aaaa": null,
            "addresses": [{"ip": "192.0.2.1", "family": "ipv4",
                "ptr": {"name": "1.2.0.192.in-addr.arpa", "rtype": "PTR", "status": "nx_domain", "duration_ms": 1},
                "fcrdns": null}]},
        "probes": [p],
    }))
    .unwrap()
}

fn with_probe(mut c: Candidate, ev: ServerEvidence) -> Candidate {
    c.probe = Some(ev);
    c
}

fn codes(ev: &DiscoveryEvidence) -> Vec<String> {
    let mut c: Vec<String> = findings(ev).into_iter().map(|f| f.code).collect();
    c.sort();
    c
}

#[test]
fn verdicts_say_how_a_setting_fails() {
    let c = Candidate {
        setting: setting(Protocol::Smtp, "smtp.example.com", 465, Security::Implicit),
        sources: vec![SourceKind::Srv],
        probe: None,
        not_probed: None,
    };
    assert!(matches!(verdict(&c), Verdict::NotProbed(_)));
    let works = with_probe(
        c.clone(),
        probed("smtp.example.com", 465, true, None, &["PLAIN"]),
    );
    assert_eq!(verdict(&works), Verdict::Works);
    let no_auth = with_probe(c.clone(), probed("smtp.example.com", 465, true, None, &[]));
    assert!(matches!(verdict(&no_auth), Verdict::Fails(w) if w.contains("AUTH")));
    let bad_cert = with_probe(
        c.clone(),
        probed(
            "smtp.example.com",
            465,
            true,
            Some("certificate not valid for name \"smtp.example.com\"; certificate is only valid for DnsName(\"a\"), DnsName(\"b\")"),
            &["PLAIN"],
        ),
    );
    match verdict(&bad_cert) {
        Verdict::Fails(w) => {
            assert!(w.starts_with("certificate not valid"), "{w}");
            assert!(!w.contains("only valid for"), "{w}");
        }
        v => panic!("{v:?}"),
    }
    let no_tls = with_probe(
        c.clone(),
        probed("smtp.example.com", 465, false, None, &["PLAIN"]),
    );
    assert!(matches!(verdict(&no_tls), Verdict::Fails(w) if w.contains("no TLS")));
    let mut plain = c.clone();
    plain.setting.security = Security::Plain;
    let plain = with_probe(
        plain,
        probed("smtp.example.com", 465, true, None, &["PLAIN"]),
    );
    assert!(matches!(verdict(&plain), Verdict::Fails(w) if w.contains("without encryption")));
    let mut gone = probed("smtp.example.com", 465, true, None, &["PLAIN"]);
    gone.resolution.addresses.clear();
    gone.resolution.a = Some(Lookup {
        status: LookupStatus::NxDomain,
        ..lookup("smtp.example.com", &[])
    });
    let gone = with_probe(c, gone);
    assert!(matches!(verdict(&gone), Verdict::Fails(w) if w.contains("has no address")));
}

#[test]
fn candidates_merge_sources_in_preference_order() {
    let mut ev = empty();
    let gmail = crate::knowledge::provider_db::by_email_domain("gmail.com").unwrap();
    assert!(gmail.smtp.iter().any(|s| s.port == 587));
    // The MX's provider (as for a Google Workspace domain) and an SRV record naming one of
    // the same servers, plus an SRV "not offered".
    let mx = crate::probe::discover::mx_provider(&["aspmx.l.google.com".into()]).unwrap();
    ev.mx.provider = Some(ProviderMatch {
        id: mx.id.into(),
        name: mx.name.into(),
        source: "ISPDB".into(),
        servers: mx
            .smtp
            .iter()
            .map(|s| ServerSetting {
                username: Some("%EMAILADDRESS%".into()),
                ..setting(
                    Protocol::Smtp,
                    s.host,
                    s.port,
                    if s.port == 465 {
                        Security::Implicit
                    } else {
                        Security::Starttls
                    },
                )
            })
            .collect(),
    });
    ev.srv = vec![
        SrvLookup {
            service: "_submission._tcp".into(),
            lookup: lookup("_submission._tcp.example.com", &["0 1 587 smtp.gmail.com."]),
            records: vec![SrvRecord {
                priority: 0,
                weight: 1,
                port: 587,
                target: "smtp.gmail.com".into(),
            }],
        },
        SrvLookup {
            service: "_imap._tcp".into(),
            lookup: lookup("_imap._tcp.example.com", &["0 0 0 ."]),
            records: vec![SrvRecord {
                priority: 0,
                weight: 0,
                port: 0,
                target: ".".into(),
            }],
        },
    ];
    ev.autoconfig = vec![AutoconfigFetch {
        fetch: StsFetch {
            status: Some(200),
            duration_ms: 1,
            ..StsFetch::new("https://autoconfig.example.com/mail/config-v1.1.xml")
        },
        config: Some(ClientConfig {
            servers: vec![setting(
                Protocol::Imap,
                "imap.gmail.com",
                993,
                Security::Implicit,
            )],
            ..Default::default()
        }),
        parse_error: None,
    }];
    let list = candidates(&ev);
    let got: Vec<(Protocol, &str, u16, Vec<SourceKind>)> = list
        .iter()
        .map(|c| {
            (
                c.setting.protocol,
                c.setting.host.as_str(),
                c.setting.port,
                c.sources.clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                Protocol::Smtp,
                "smtp.gmail.com",
                587,
                vec![SourceKind::Srv, SourceKind::MxProvider]
            ),
            (
                Protocol::Smtp,
                "smtp.gmail.com",
                465,
                vec![SourceKind::MxProvider]
            ),
            (
                Protocol::Imap,
                "imap.gmail.com",
                993,
                vec![SourceKind::Autoconfig]
            ),
        ]
    );
    // SRV gave no username; the MX provider's fills it in.
    assert_eq!(list[0].setting.username.as_deref(), Some("%EMAILADDRESS%"));
    ev.candidates = list;
    // Nothing probed: nothing works, and SRV and the MX provider share 587 (no conflict).
    assert_eq!(codes(&ev), vec!["config.discovery-failed"]);
    // Probed: 587 works, 465 fails (provider facts failing are not "published" breakage).
    ev.candidates[0].probe = Some(probed("smtp.gmail.com", 587, true, None, &["PLAIN"]));
    ev.candidates[1].probe = Some(probed("smtp.gmail.com", 465, false, None, &[]));
    assert_eq!(codes(&ev), Vec::<String>::new());
    assert_eq!(best(&ev, false).unwrap().setting.port, 587);
    assert!(best(&ev, true).is_none());
}

#[test]
fn disagreeing_sources_and_insecure_files() {
    let mut ev = empty();
    ev.candidates = vec![
        Candidate {
            setting: setting(Protocol::Smtp, "smtp.a.example", 465, Security::Implicit),
            sources: vec![SourceKind::ProviderDb],
            probe: Some(probed("smtp.a.example", 465, true, None, &["PLAIN"])),
            not_probed: None,
        },
        Candidate {
            setting: setting(Protocol::Smtp, "mail.b.example", 587, Security::Starttls),
            sources: vec![SourceKind::Srv],
            probe: Some(probed(
                "mail.b.example",
                587,
                true,
                Some("expired"),
                &["PLAIN"],
            )),
            not_probed: None,
        },
    ];
    let f = findings(&ev);
    let conflict = f
        .iter()
        .find(|f| f.code == "config.discovery-conflict")
        .unwrap();
    assert!(
        conflict.summary.contains("provider database and SRV"),
        "{conflict:?}"
    );
    let broken = f
        .iter()
        .find(|f| f.code == "config.discovery-broken")
        .unwrap();
    assert_eq!(broken.subject, "mail.b.example:587");
    // The best setting is the working one, whatever the order.
    assert_eq!(best(&ev, false).unwrap().setting.host, "smtp.a.example");

    let mut tls: crate::evidence::TlsSession = serde_json::from_value(json!({
        "mode": "implicit", "sni": "autoconfig.example.com", "version": "TLSv1.3", "cipher": null,
        "chain": [], "verification": {"checked_name": "autoconfig.example.com",
            "name_matches": false, "trusted": true, "client_error": "certificate not valid for name"},
    }))
    .unwrap();
    let fetch = |url: &str, tls: Option<crate::evidence::TlsSession>| AutoconfigFetch {
        fetch: StsFetch {
            status: Some(200),
            tls,
            error: Some("x".into()),
            duration_ms: 1,
            ..StsFetch::new(url)
        },
        config: None,
        parse_error: None,
    };
    let mut plain = fetch("http://autoconfig.example.com/mail/config-v1.1.xml", None);
    plain.fetch.error = None;
    plain.config = Some(ClientConfig::default());
    ev.autoconfig = vec![
        fetch("https://autoconfig.example.com/x", Some(tls.clone())),
        plain,
    ];
    let insecure: Vec<Finding> = findings(&ev)
        .into_iter()
        .filter(|f| f.code == "config.discovery-insecure")
        .collect();
    assert_eq!(insecure.len(), 2, "{insecure:?}");
    // A valid certificate is no finding.
    tls.verification.as_mut().unwrap().client_error = None;
    ev.autoconfig = vec![fetch("https://autoconfig.example.com/x", Some(tls))];
    assert!(!codes(&ev).contains(&"config.discovery-insecure".to_string()));
}
