//! Provider knowledge base tests: ISPDB facts as the XML states them, the overlay, lookups.

use super::*;

fn find<'a>(servers: &'a [ServerFact], host: &str, port: u16) -> &'a ServerFact {
    servers
        .iter()
        .find(|s| s.host == host && s.port == port)
        .unwrap_or_else(|| panic!("{host}:{port} not listed"))
}

fn hp(servers: &[ServerFact]) -> Vec<(&str, u16, Security)> {
    servers
        .iter()
        .map(|s| (s.host, s.port, s.security))
        .collect()
}

#[test]
fn gmail_from_ispdb_and_overlay() {
    let g = by_email_domain("gmail.com").unwrap();
    assert_eq!(g.id, "googlemail.com");
    assert_eq!(by_email_domain("googlemail.com").unwrap().id, g.id);
    assert_eq!(by_email_domain("someone@GMail.com.").unwrap().id, g.id);
    assert_eq!(by_host("smtp.gmail.com").unwrap().id, g.id);
    assert_eq!(
        by_host("IMAP.GMAIL.COM.").unwrap().id,
        g.id,
        "not umich.edu"
    );

    let ssl = find(&g.smtp, "smtp.gmail.com", 465);
    assert_eq!(ssl.security, Security::Implicit);
    assert_eq!(ssl.username, UsernameForm::Address);
    assert_eq!(ssl.auth, &["OAuth2", "password-cleartext"]);
    assert_eq!(ssl.source, "ISPDB googlemail.com.xml");
    assert_eq!(ssl.verified, ISPDB_SNAPSHOT);
    let submission = find(&g.smtp, "smtp.gmail.com", 587);
    assert_eq!(submission.security, Security::Starttls);
    assert_eq!(submission.username, UsernameForm::Address);
    assert_eq!(
        submission.source,
        "developers.google.com/gmail/imap/imap-smtp"
    );
    assert_eq!(submission.verified, UNDATED);
    assert_eq!(
        find(&g.imap, "imap.gmail.com", 993).security,
        Security::Implicit
    );
    assert_eq!(
        find(&g.pop3, "pop.gmail.com", 995).security,
        Security::Implicit
    );

    let app: Vec<_> = g.rules_of(RuleKind::AppPasswordOrOAuth).collect();
    assert_eq!(app.len(), 1);
    assert!(app[0].text.contains("app password"));
    assert!(app[0].text.contains("30 May 2022"));
    assert_eq!(app[0].source, "support.google.com/a/answer/14114704");
    assert_eq!(app[0].verified, UNDATED);
    // ISPDB's <enable> sits outside <emailProvider> in this file.
    let enable: Vec<_> = g.rules_of(RuleKind::EnableInSettings).collect();
    assert!(enable.iter().any(|r| r.source == "ISPDB googlemail.com.xml"
        && r.text == "You need to enable IMAP access"
        && r.verified == ISPDB_SNAPSHOT));

    assert_eq!(
        accepts(&g, "smtp.gmail.com", 465, Security::Implicit),
        Some(true)
    );
    assert_eq!(
        accepts(&g, "smtp.gmail.com", 587, Security::Starttls),
        Some(true)
    );
    assert_eq!(accepts(&g, "smtp.gmail.com", 25, Security::Plain), None);
    assert_eq!(accepts(&g, "smtp.gmail.com", 465, Security::Starttls), None);
}

#[test]
fn outlook_and_microsoft_365() {
    let o = by_email_domain("outlook.com").unwrap();
    assert_eq!(o.id, "hotmail.com");
    for d in ["hotmail.com", "live.com", "msn.com"] {
        assert_eq!(by_email_domain(d).unwrap().id, "hotmail.com");
    }
    assert_eq!(
        hp(&o.smtp),
        [("smtp-mail.outlook.com", 587, Security::Starttls)]
    );
    assert_eq!(o.smtp[0].auth, &["OAuth2"]);
    assert_eq!(o.smtp[0].username, UsernameForm::Address);
    assert_eq!(
        hp(&o.imap),
        [("outlook.office365.com", 993, Security::Implicit)]
    );
    assert_eq!(
        hp(&o.pop3),
        [("outlook.office365.com", 995, Security::Implicit)]
    );
    let oauth = o.rules_of(RuleKind::OAuthOnly).next().unwrap();
    assert!(oauth.text.contains("16 Sep 2024"));
    assert!(oauth.source.starts_with("techissuestoday.com"));
    assert_eq!(by_host("smtp-mail.outlook.com").unwrap().id, "hotmail.com");

    // Exact domains, as ISPDB means them: a tenant's subdomain is not matched.
    assert!(by_email_domain("contoso.onmicrosoft.com").is_none());
    let m = by_email_domain("onmicrosoft.com").unwrap();
    assert_eq!(m.id, "office365.com");
    assert_eq!(m.name, "Microsoft 365");
    // The host Outlook.com, Microsoft 365 and mit.edu share goes to its owner.
    assert_eq!(
        by_host("outlook.office365.com").unwrap().id,
        "office365.com"
    );
    assert_eq!(
        hp(&m.smtp),
        [("smtp.office365.com", 587, Security::Starttls)]
    );
    assert_eq!(m.imap[0].auth, &["OAuth2"]);
    assert_eq!(
        accepts(&m, "smtp.office365.com", 587, Security::Starttls),
        Some(true)
    );
    assert_eq!(
        accepts(&m, "smtp.office365.com", 465, Security::Implicit),
        Some(false)
    );
    assert_eq!(m.not_accepted[0].verified, UNDATED);
    assert!(m.rules_of(RuleKind::SmtpAuthOffByDefault).next().is_some());
    let retiring = m.rules_of(RuleKind::BasicAuthRetiring).next().unwrap();
    assert!(retiring.text.contains("5.7.30"));
    assert_eq!(
        retiring.source,
        "Exchange team blog (techcommunity, ba-p/4114750)"
    );
    // ews/owa/graph/exchange entries are not carried over.
    assert!(m.imap.iter().chain(&m.pop3).all(|s| s.port != 443));
}

#[test]
fn icloud_username_differs_by_protocol() {
    let i = by_email_domain("icloud.com").unwrap();
    assert_eq!(i.id, "me.com");
    assert_eq!(by_email_domain("mac.com").unwrap().id, "me.com");
    let imap = find(&i.imap, "imap.mail.me.com", 993);
    assert_eq!(imap.username, UsernameForm::LocalPart);
    assert_eq!(imap.security, Security::Implicit);
    let smtp = find(&i.smtp, "smtp.mail.me.com", 587);
    assert_eq!(smtp.username, UsernameForm::Address);
    assert_eq!(smtp.security, Security::Starttls);
    assert_eq!(smtp.auth, &["password-cleartext"]);
    assert!(i.pop3.is_empty());
    let rule = i.rules_of(RuleKind::AppPasswordRequired).next().unwrap();
    assert_eq!(rule.source, "providers.md, iCloud row (ISPDB me.com.xml)");
}

#[test]
fn polish_providers() {
    let wp = by_email_domain("wp.pl").unwrap();
    assert_eq!(wp.name, "Poczta Wirtualna Polska");
    assert_eq!(hp(&wp.imap), [("imap.wp.pl", 993, Security::Implicit)]);
    assert_eq!(hp(&wp.pop3), [("pop3.wp.pl", 995, Security::Implicit)]);
    assert_eq!(hp(&wp.smtp), [("smtp.wp.pl", 465, Security::Implicit)]);
    assert!(wp
        .all_servers()
        .all(|s| s.username == UsernameForm::LocalPart));

    let o2 = by_email_domain("tlen.pl").unwrap();
    assert_eq!(o2.id, "o2.pl");
    assert_eq!(
        hp(&o2.smtp),
        [
            ("poczta.o2.pl", 465, Security::Implicit),
            ("poczta.o2.pl", 587, Security::Starttls)
        ]
    );
    let restricted: Vec<_> = o2.rules_of(RuleKind::ClientNetworkOnly).collect();
    assert_eq!(restricted.len(), 1);
    assert_eq!(restricted[0].host, Some("poczta.o2.pl"));
    assert_eq!(restricted[0].source, "ISPDB o2.pl.xml");
}

#[test]
fn russian_providers() {
    let y = by_email_domain("ya.ru").unwrap();
    assert_eq!(y.id, "yandex.ru");
    assert_eq!(hp(&y.smtp), [("smtp.yandex.com", 465, Security::Implicit)]);
    assert_eq!(hp(&y.imap), [("imap.yandex.com", 993, Security::Implicit)]);
    assert_eq!(y.smtp[0].username, UsernameForm::Address);
    let enable = y.rules_of(RuleKind::EnableInSettings).next().unwrap();
    assert_eq!(enable.url, Some("http://mail.yandex.ru/neo/setup_client"));
    assert!(y.rules_of(RuleKind::SenderMustMatchLogin).next().is_some());

    let m = by_email_domain("bk.ru").unwrap();
    assert_eq!(m.id, "mail.ru");
    assert_eq!(
        hp(&m.imap),
        [
            ("imap.mail.ru", 993, Security::Implicit),
            ("imap.mail.ru", 143, Security::Starttls)
        ]
    );
    assert_eq!(
        hp(&m.pop3),
        [
            ("pop.mail.ru", 995, Security::Implicit),
            ("pop.mail.ru", 110, Security::Starttls)
        ]
    );
    assert_eq!(
        hp(&m.smtp),
        [
            ("smtp.mail.ru", 465, Security::Implicit),
            ("smtp.mail.ru", 587, Security::Starttls)
        ]
    );
    assert_eq!(m.smtp[0].auth, &["password-cleartext"]);
    assert_eq!(m.imap[0].auth, &["OAuth2", "password-cleartext"]);
}

#[test]
fn norwegian_provider() {
    let w = by_email_domain("webhuset.no").unwrap();
    assert_eq!(w.name, "Webhuset");
    assert_eq!(hp(&w.imap), [("imap.webhuset.no", 993, Security::Implicit)]);
    assert_eq!(hp(&w.pop3), [("mail.webhuset.no", 995, Security::Implicit)]);
    assert_eq!(
        hp(&w.smtp),
        [
            ("smtp.webhuset.no", 465, Security::Implicit),
            ("smtp.webhuset.no", 587, Security::Starttls)
        ]
    );
    assert!(w.all_servers().all(|s| s.username == UsernameForm::Address));
}

#[test]
fn german_providers() {
    let web = by_email_domain("web.de").unwrap();
    assert_eq!(
        find(&web.imap, "imap.web.de", 143).security,
        Security::Starttls
    );
    assert_eq!(
        find(&web.smtp, "smtp.web.de", 587).security,
        Security::Starttls
    );
    assert!(web
        .all_servers()
        .all(|s| s.username == UsernameForm::LocalPart));
    assert!(web.rules_of(RuleKind::EnableInSettings).next().is_some());

    let t = by_email_domain("magenta.de").unwrap();
    assert_eq!(t.id, "t-online.de");
    assert_eq!(
        hp(&t.smtp),
        [
            ("securesmtp.t-online.de", 465, Security::Implicit),
            ("securesmtp.t-online.de", 587, Security::Starttls)
        ]
    );
    assert_eq!(t.smtp[0].username, UsernameForm::Address);
    let step = t.rules_of(RuleKind::EnableInSettings).next().unwrap();
    assert!(step
        .text
        .starts_with("You need to set up an E-Mail-Password."));

    let gmx = by_email_domain("gmx.de").unwrap();
    assert_eq!(gmx.id, "gmx.net");
    assert_eq!(
        find(&gmx.smtp, "mail.gmx.net", 587).security,
        Security::Starttls
    );
    assert_eq!(
        find(&gmx.smtp, "mail.gmx.net", 465).security,
        Security::Implicit
    );
}

#[test]
fn domain_templates_are_expanded_per_domain() {
    let lt = by_email_domain("inbox.lt").unwrap();
    assert_eq!(lt.id, "inbox.lv");
    assert_eq!(hp(&lt.smtp), [("mail.inbox.lt", 465, Security::Implicit)]);
    let by = by_host("mail.inbox.eu").unwrap();
    assert_eq!(hp(&by.imap), [("mail.inbox.eu", 993, Security::Implicit)]);
    assert_eq!(
        hp(&by_email_domain("mail.ee").unwrap().pop3),
        [("mail.ee", 995, Security::Implicit)]
    );
}

#[test]
fn near_misses_cover_the_whole_table() {
    assert_eq!(
        near_miss_hosts("smtp.gmial.com").first(),
        Some(&"smtp.gmail.com")
    );
    assert_eq!(
        near_miss_hosts("SMTP.GMAIL.CO.").first(),
        Some(&"smtp.gmail.com")
    );
    // Hosts only ISPDB knows.
    assert_eq!(near_miss_hosts("smtp.wp.pll").first(), Some(&"smtp.wp.pl"));
    assert_eq!(
        near_miss_hosts("securesmtp.t-onlne.de").first(),
        Some(&"securesmtp.t-online.de")
    );
    // hosts::KNOWN_HOSTS is part of the set.
    assert_eq!(
        near_miss_hosts("smtp.sendgird.net").first(),
        Some(&"smtp.sendgrid.net")
    );
    assert!(near_miss_hosts("smtp.gmail.com").is_empty());
    assert!(near_miss_hosts("mail.mxray.test").is_empty());
}

#[test]
fn unknown_domain_and_host() {
    assert!(by_email_domain("mxray.test").is_none());
    assert!(by_email_domain("").is_none());
    assert!(by_email_domain("mail.gmail.com").is_none());
    assert!(by_host("mail.mxray.test").is_none());
}

#[test]
fn table_invariants() {
    let providers: Vec<_> = ispdb().collect();
    assert!(providers.len() > 150, "{} providers", providers.len());
    assert!(
        providers.windows(2).all(|w| w[0].id < w[1].id),
        "sorted, unique ids"
    );
    assert!(ISPDB_SNAPSHOT.len() == 10 && ISPDB_SNAPSHOT.as_bytes()[4] == b'-');
    for p in &providers {
        assert!(!p.domains.is_empty(), "{}", p.id);
        assert_eq!(p.source, format!("ISPDB {}.xml", p.id));
        for s in p.servers {
            assert!(!s.host.is_empty() && !s.host.contains('%'), "{}", s.host);
            assert_eq!(s.host, s.host.to_ascii_lowercase());
            assert!(s.port > 0);
        }
    }
    // Every overlay entry lands on an ISPDB provider (a regeneration must not orphan one),
    // carries a source and a date, and no refusal contradicts a listed server.
    let ids: Vec<&str> = providers.iter().map(|p| p.id).collect();
    let overlay_ids = OVERLAY_SERVERS
        .iter()
        .map(|(id, _, _)| *id)
        .chain(NOT_ACCEPTED.iter().map(|(id, _)| *id))
        .chain(
            OVERLAY_RULES
                .iter()
                .flat_map(|(ids, _)| ids.iter().copied()),
        );
    for id in overlay_ids {
        assert!(ids.contains(&id), "overlay names unknown provider {id}");
        let f = facts(providers.iter().find(|p| p.id == id).unwrap(), None);
        for r in &f.rules {
            assert!(!r.source.is_empty() && !r.verified.is_empty());
        }
        for n in &f.not_accepted {
            assert!(f
                .all_servers()
                .all(|s| (s.host, s.port) != (n.host, n.port)));
        }
    }
}
