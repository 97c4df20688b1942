//! The catalogue is public interface: these tests catch renames, gaps and sloppy texts.

use super::*;

/// Every code of the published catalogue (findings.md), in its order, with its default
/// severity. Codes are public interface: this list catches a rename, a removal or a change
/// of default severity.
const PUBLISHED: &[(&str, char)] = &[
    ("dns.no-such-host", 'E'),
    ("dns.no-address", 'E'),
    ("dns.lookup-failed", 'E'),
    ("dns.no-mx", 'W'),
    ("dns.null-mx", 'I'),
    ("dns.mx-invalid-target", 'E'),
    ("dns.ptr-missing", 'W'),
    ("dns.ptr-mismatch", 'W'),
    ("net.port-filtered", 'E'),
    ("net.port-closed", 'E'),
    ("net.connection-reset", 'E'),
    ("net.ipv6-unreachable", 'W'),
    ("net.slow", 'W'),
    ("net.stalled", 'E'),
    ("tls.implicit-on-starttls-port", 'E'),
    ("tls.starttls-on-implicit-port", 'E'),
    ("tls.starttls-missing", 'E'),
    ("tls.starttls-refused", 'E'),
    ("tls.handshake-failed", 'E'),
    ("tls.old-protocol", 'E'),
    ("tls.legacy-accepted", 'W'),
    ("tls.cert-expired", 'E'),
    ("tls.cert-not-yet-valid", 'E'),
    ("tls.cert-expiring-soon", 'W'),
    ("tls.cert-hostname-mismatch", 'E'),
    ("tls.cert-untrusted", 'E'),
    ("tls.chain-incomplete", 'E'),
    ("tls.weak-key", 'W'),
    ("tls.starttls-broken", 'E'),
    ("tls.handshake-too-large", 'E'),
    ("tls.chain-too-long", 'E'),
    ("smtp.no-banner", 'E'),
    ("smtp.rejected-greeting", 'E'),
    ("smtp.no-ehlo", 'W'),
    ("smtp.ehlo-rejected", 'E'),
    ("smtp.message-rejected", 'E'),
    ("smtp.protocol-violation", 'E'),
    ("smtp.auth-not-offered", 'E'),
    ("smtp.auth-over-plaintext", 'W'),
    ("smtp.banner-name-mismatch", 'I'),
    ("smtp.open-relay", 'E'),
    ("smtp.smtputf8-missing", 'E'),
    ("imap.login-over-plaintext", 'W'),
    ("pop3.login-over-plaintext", 'W'),
    ("imap.no-banner", 'E'),
    ("pop3.no-banner", 'E'),
    ("imap.protocol-violation", 'E'),
    ("pop3.protocol-violation", 'E'),
    ("auth.bad-credentials", 'E'),
    ("auth.username-not-address", 'E'),
    ("auth.username-not-local-part", 'E'),
    ("auth.app-password-required", 'E'),
    ("auth.web-login-required", 'E'),
    ("auth.smtp-auth-disabled", 'E'),
    ("auth.oauth-required", 'E'),
    ("auth.tls-required", 'E'),
    ("auth.mechanism-mismatch", 'E'),
    ("auth.protocol-disabled", 'E'),
    ("auth.sender-not-owned", 'E'),
    ("auth.rate-limited", 'W'),
    ("auth.temporary-failure", 'E'),
    ("auth.login-not-possible", 'E'),
    ("auth.login-failed", 'E'),
    ("spf.missing", 'W'),
    ("spf.multiple-records", 'E'),
    ("spf.syntax", 'E'),
    ("spf.too-many-lookups", 'E'),
    ("spf.void-lookups", 'E'),
    ("spf.include-broken", 'E'),
    ("spf.include-loop", 'E'),
    ("spf.permissive-all", 'E'),
    ("spf.ptr-used", 'W'),
    ("spf.sender-not-permitted", 'E'),
    ("dkim.not-found", 'I'),
    ("dkim.lookup-failed", 'W'),
    ("dkim.key-invalid", 'E'),
    ("dkim.key-weak", 'W'),
    ("dkim.revoked", 'W'),
    ("dkim.testing", 'W'),
    ("dkim.syntax", 'E'),
    ("dmarc.missing", 'W'),
    ("dmarc.multiple-records", 'E'),
    ("dmarc.syntax", 'E'),
    ("dmarc.policy-none", 'W'),
    ("dmarc.partial-pct", 'W'),
    ("dmarc.no-reports", 'I'),
    ("dmarc.report-auth-missing", 'W'),
    ("mta-sts.missing", 'I'),
    ("mta-sts.policy-unreachable", 'E'),
    ("mta-sts.policy-invalid", 'E'),
    ("mta-sts.mx-not-covered", 'E'),
    ("mta-sts.testing-mode", 'I'),
    ("tls-rpt.missing", 'I'),
    ("dane.tlsa-mismatch", 'E'),
    ("dane.unsigned", 'W'),
    ("dnsbl.listed", 'E'),
    ("config.wrong-port", 'E'),
    ("config.wrong-host", 'E'),
    ("config.security-mismatch", 'E'),
    ("config.unknown-provider-host", 'E'),
    ("config.incomplete", 'E'),
    ("config.password-on-command-line", 'W'),
    ("config.discovery-failed", 'E'),
    ("config.discovery-conflict", 'W'),
    ("config.discovery-broken", 'W'),
    ("config.discovery-insecure", 'W'),
    ("expect.cert-days", 'E'),
    ("expect.tls-version", 'E'),
    ("expect.dmarc-policy", 'E'),
    ("expect.port-missing", 'E'),
];

/// Codes whose severity depends on context (the notes in findings.md's sev column).
const CONTEXT_DEPENDENT: &[&str] = &[
    "auth.oauth-required",
    "config.wrong-port",
    "dkim.key-weak",
    "dkim.not-found",
    "dkim.revoked",
    "dmarc.missing",
    "dns.no-mx",
    "dns.null-mx",
    "dns.ptr-missing",
    "net.port-closed",
    "spf.missing",
    "spf.permissive-all",
    "tls.cert-hostname-mismatch",
    "tls.starttls-missing",
];

fn letter(severity: Severity) -> char {
    match severity {
        Severity::Info => 'I',
        Severity::Warning => 'W',
        Severity::Error => 'E',
    }
}

fn texts(info: &CodeInfo) -> Vec<(&'static str, &'static str)> {
    let mut texts = vec![
        ("title", info.title),
        ("what", info.what),
        ("why", info.why),
        ("fix", info.fix),
    ];
    if let Some(rule) = info.severity_rule {
        texts.push(("severity_rule", rule));
    }
    for reference in info.references {
        texts.push(("references", reference));
    }
    texts
}

#[test]
fn codes_are_sorted_and_unique() {
    for pair in CATALOGUE.windows(2) {
        assert!(
            pair[0].code < pair[1].code,
            "{} must come after {} (sorted, no duplicates)",
            pair[1].code,
            pair[0].code
        );
    }
}

#[test]
fn codes_have_the_area_dot_name_form() {
    let part_ok = |part: &str| {
        !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    for info in CATALOGUE.iter() {
        let (area_part, name) = info.code.split_once('.').unwrap_or(("", ""));
        assert!(
            part_ok(area_part) && part_ok(name),
            "{} does not match ^[a-z0-9-]+\\.[a-z0-9-]+$",
            info.code
        );
        assert_eq!(area(info.code), area_part);
    }
}

#[test]
fn the_set_of_codes_is_exactly_the_published_one() {
    let mut published: Vec<&str> = PUBLISHED.iter().map(|(code, _)| *code).collect();
    published.sort_unstable();
    let catalogue: Vec<&str> = CATALOGUE.iter().map(|info| info.code).collect();
    let missing: Vec<&&str> = published
        .iter()
        .filter(|c| !catalogue.contains(c))
        .collect();
    let extra: Vec<&&str> = catalogue
        .iter()
        .filter(|c| !published.contains(c))
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing: {missing:?}, not published: {extra:?}"
    );
    assert_eq!(catalogue, published);
}

#[test]
fn default_severities_are_the_published_ones() {
    for (code, expected) in PUBLISHED {
        let info = lookup(code).unwrap_or_else(|| panic!("{code} is missing"));
        assert_eq!(
            letter(info.severity),
            *expected,
            "default severity of {code}"
        );
    }
}

#[test]
fn context_dependent_severities_state_their_rule() {
    for info in CATALOGUE.iter() {
        let expected = CONTEXT_DEPENDENT.contains(&info.code);
        assert_eq!(
            info.severity_rule.is_some(),
            expected,
            "{}: severity_rule should be {}",
            info.code,
            if expected { "Some" } else { "None" }
        );
    }
}

#[test]
fn every_text_is_filled_in() {
    for info in CATALOGUE.iter() {
        assert!(
            !info.references.is_empty(),
            "{} has no reference",
            info.code
        );
        for (field, text) in texts(info) {
            let code = info.code;
            assert!(!text.trim().is_empty(), "{code}: {field} is empty");
            assert!(!text.contains("TODO"), "{code}: {field} contains TODO");
            assert_eq!(text.trim(), text, "{code}: {field} has outer whitespace");
            assert!(!text.contains("  "), "{code}: {field} has a double space");
            assert!(!text.contains('\n'), "{code}: {field} has a line break");
        }
    }
}

#[test]
fn texts_stay_short() {
    for info in CATALOGUE.iter() {
        let code = info.code;
        assert!(info.title.chars().count() <= 80, "{code}: title too long");
        assert!(info.what.chars().count() <= 400, "{code}: what too long");
        assert!(info.why.chars().count() <= 400, "{code}: why too long");
        assert!(info.fix.chars().count() <= 500, "{code}: fix too long");
    }
}

#[test]
fn lookup_finds_every_code_and_nothing_else() {
    for info in CATALOGUE.iter() {
        let found = lookup(info.code).expect("every catalogued code is found");
        assert!(std::ptr::eq(found, *info));
    }
    for unknown in [
        "",
        "tls",
        "tls.",
        "tls.cert",
        "TLS.CERT-EXPIRED",
        "zzz.none",
    ] {
        assert!(lookup(unknown).is_none(), "{unknown:?} should not be found");
    }
    assert_eq!(
        lookup("tls.cert-expired").unwrap().title,
        "The certificate has expired"
    );
}

#[test]
fn area_is_the_part_before_the_dot() {
    assert_eq!(area("tls.cert-expired"), "tls");
    assert_eq!(area("tls-rpt.missing"), "tls-rpt");
    assert_eq!(area("mta-sts.policy-invalid"), "mta-sts");
    assert_eq!(area("nodot"), "nodot");
}
