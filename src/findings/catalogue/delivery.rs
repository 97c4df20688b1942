//! Catalogue entries for `dane.*`, `dnsbl.*`, `mta-sts.*`, `tls-rpt.*`: delivery security and reputation.

use super::CodeInfo;
use crate::findings::Severity;

pub(super) const ENTRIES: &[CodeInfo] = &[
    CodeInfo {
        code: "dane.tlsa-mismatch",
        severity: Severity::Error,
        title: "The mail server's certificate does not match its DANE (TLSA) record",
        severity_rule: None,
        what: "The domain publishes TLSA records in signed DNS that say which certificate or key \
            its mail server uses (DANE). The certificate this MX actually presented matches none \
            of them, usually because it was renewed with a new key and the TLSA record was not \
            updated.",
        why: "Senders that check DANE (e.g. Postfix with `smtp_tls_security_level = dane`, Exim, \
            Exchange Online, many European providers) refuse to deliver to this MX and queue the \
            mail; after some days it bounces.",
        fix: "Publish a TLSA record for the current key, e.g. `_25._tcp.mx.example.com. IN TLSA 3 \
            1 1 HASH`, with HASH from `openssl x509 -in cert.pem -noout -pubkey | openssl pkey \
            -pubin -outform DER | sha256sum`. On renewal, reuse the key (certbot `--reuse-key`), \
            or publish the new key's record a few TTLs before switching and keep both during the \
            rollover.",
        references: &["RFC 7672 §3", "RFC 6698 §2.1"],
    },
    CodeInfo {
        code: "dane.unsigned",
        severity: Severity::Warning,
        title: "TLSA records exist but are not DNSSEC-validated",
        severity_rule: None,
        what: "The domain publishes TLSA (DANE) records for its mail server, but the resolver did \
            not mark the answer as DNSSEC-validated (no AD bit). DANE only counts when the \
            records are signed and validate: the zone may be unsigned, its chain of trust broken, \
            or the resolver used may not validate.",
        why: "Senders treat the domain as having no DANE, so the protection you meant to set up \
            is absent. If the chain of trust is broken (bogus answers), DANE senders may defer \
            mail altogether.",
        fix: "Sign the zone with DNSSEC at your DNS host and publish the DS record at the \
            registrar; check the chain on dnsviz.net or with `delv`. If the zone is signed, query \
            through a validating resolver, e.g. `dig +dnssec @1.1.1.1 TLSA \
            _25._tcp.mx.example.com`, which should show the `ad` flag; the local resolver may \
            simply not validate.",
        references: &["RFC 7672 §2.1", "RFC 4035 §3.2.3"],
    },
    CodeInfo {
        code: "dnsbl.listed",
        severity: Severity::Error,
        title: "The server's IP is on a DNS blocklist",
        severity_rule: None,
        what: "An IP address of this mail server is listed on a DNS blocklist (DNSBL), a shared \
            list that receivers consult to refuse mail from known spam sources. The evidence \
            names the list, its return code and its stated reason.",
        why: "Receivers that use the list reject or spam-folder mail from this IP. For major \
            lists such as Spamhaus, a large share of the Internet refuses it.",
        fix: "Find and stop the cause first: a hacked account or website, an open relay, a \
            spamming form or script, or a shared or dynamic IP range (check the queue with \
            `postqueue -p`, change leaked passwords). Then request delisting through the link in \
            the list's TXT answer. For policy listings of dynamic ranges (e.g. Spamhaus PBL), \
            send through your provider's relay instead.",
        references: &["RFC 5782 §2"],
    },
    CodeInfo {
        code: "mta-sts.missing",
        severity: Severity::Info,
        title: "No MTA-STS policy",
        severity_rule: None,
        what: "The domain publishes no `_mta-sts` TXT record, so it has no MTA-STS policy. \
            MTA-STS lets a domain tell sending servers to deliver its mail only over TLS with a \
            valid certificate, and only to the MX hosts it lists.",
        why: "Without it (or DANE), an attacker on the network can strip STARTTLS or divert \
            delivery, and senders fall back to unencrypted or unverified delivery without \
            noticing.",
        fix: "Serve a policy at `https://mta-sts.example.com/.well-known/mta-sts.txt` (valid \
            certificate) with `version: STSv1`, `mode: testing`, one `mx: mail.example.com` line \
            per MX and `max_age: 86400`, then publish TXT `_mta-sts.example.com` `v=STSv1; \
            id=20260101`. Add a TLS-RPT record, and move to `mode: enforce` once the reports are \
            clean.",
        references: &["RFC 8461 §3"],
    },
    CodeInfo {
        code: "mta-sts.mx-not-covered",
        severity: Severity::Error,
        title: "An MX host is not listed in the MTA-STS policy",
        severity_rule: None,
        what: "The MTA-STS policy lists the mail servers (`mx:` lines) that senders may deliver \
            to, but one of the domain's MX hosts matches none of them. This usually happens after \
            a change of mail provider, or when an MX is added without updating the policy.",
        why: "In `enforce` mode, senders that honour MTA-STS refuse to deliver to that MX; if it \
            is the only or the preferred one, mail is delayed and then bounces. In `testing` mode \
            it shows up as failures in TLS-RPT reports.",
        fix: "Add an `mx:` line for the host (e.g. `mx: mail.example.com`, or `mx: \
            *.mail.protection.outlook.com` for Microsoft 365) to \
            `https://mta-sts.DOMAIN/.well-known/mta-sts.txt`, then change the `id=` value in the \
            `_mta-sts` TXT record so that senders fetch the policy again.",
        references: &["RFC 8461 §4.1", "RFC 8461 §3.2"],
    },
    CodeInfo {
        code: "mta-sts.policy-invalid",
        severity: Severity::Error,
        title: "The MTA-STS policy file is invalid",
        severity_rule: None,
        what: "The policy at `https://mta-sts.DOMAIN/.well-known/mta-sts.txt` was fetched but \
            does not parse, or its fields are wrong: `version` must be `STSv1`, `mode` one of \
            `enforce`, `testing` or `none`, `max_age` a number of seconds (at most 31557600), and \
            an `enforce` or `testing` policy needs `mx:` lines for its MX hosts.",
        why: "Senders ignore an invalid policy, so the domain gets no MTA-STS protection although \
            its TXT record announces it.",
        fix: "Serve a plain-text file (`text/plain`) with one `key: value` per line, e.g. \
            `version: STSv1`, `mode: enforce`, `mx: mail.example.com`, `max_age: 604800`. Then \
            change the `id=` value in the `_mta-sts` TXT record so that senders fetch it again.",
        references: &["RFC 8461 §3.2"],
    },
    CodeInfo {
        code: "mta-sts.policy-unreachable",
        severity: Severity::Error,
        title: "The MTA-STS policy cannot be fetched",
        severity_rule: None,
        what: "The `_mta-sts` TXT record says there is a policy, but \
            `https://mta-sts.DOMAIN/.well-known/mta-sts.txt` could not be fetched: the name does \
            not resolve, the web server is down or answers with an error or a redirect, or its \
            certificate is not valid for `mta-sts.DOMAIN`.",
        why: "New senders cannot learn the policy, so they get no protection. Senders that cached \
            an enforce policy keep applying it until it expires, which can block delivery after \
            an MX change.",
        fix: "Create the `mta-sts.example.com` host (A/AAAA, or CNAME to your web host), get a \
            publicly trusted certificate for exactly that name (e.g. with certbot), and serve the \
            file at `/.well-known/mta-sts.txt` with status 200 and no redirect. To retire \
            MTA-STS, publish `mode: none` for a while before removing the record.",
        references: &["RFC 8461 §3.3"],
    },
    CodeInfo {
        code: "mta-sts.testing-mode",
        severity: Severity::Info,
        title: "MTA-STS is in testing mode",
        severity_rule: None,
        what: "The MTA-STS policy says `mode: testing`: senders check TLS and the MX list and \
            report problems (via TLS-RPT), but still deliver when the checks fail.",
        why: "Delivery is not yet protected against downgrade or interception; testing mode is \
            meant as a temporary step.",
        fix: "Once TLS-RPT reports have shown no failures for a few weeks, change the policy file \
            to `mode: enforce` and change the `id=` value in the `_mta-sts` TXT record.",
        references: &["RFC 8461 §5"],
    },
    CodeInfo {
        code: "tls-rpt.missing",
        severity: Severity::Info,
        title: "No TLS reporting (TLS-RPT) record",
        severity_rule: None,
        what: "The domain publishes no `_smtp._tls` TXT record. TLS-RPT asks sending servers for \
            daily reports of the TLS problems they met while delivering to you: certificate \
            errors, MTA-STS or DANE failures, missing STARTTLS.",
        why: "Without it you learn about broken TLS on your MX only when mail is delayed or lost. \
            With MTA-STS or DANE in place it is the only warning you get.",
        fix: "Publish a TXT record at `_smtp._tls.example.com`: `v=TLSRPTv1; \
            rua=mailto:tlsrpt@example.com` (or a report service's address). Reports arrive as \
            gzipped JSON from Google, Microsoft and other large senders.",
        references: &["RFC 8460 §3"],
    },
];
