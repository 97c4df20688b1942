//! Catalogue entries for `expect.*`: what an `mxray.toml` asks for and the target does not meet.

use super::CodeInfo;
use crate::findings::Severity;

pub(super) const ENTRIES: &[CodeInfo] = &[
    CodeInfo {
        code: "expect.cert-days",
        severity: Severity::Error,
        title: "A certificate expires sooner than the configuration allows",
        severity_rule: None,
        what: "The certificate a port served has fewer days left than `min_cert_days` in \
            mxray.toml asks for. The certificate itself may still be valid today.",
        why: "The team decided that a certificate this close to expiry must stop the \
            deployment: renewal is overdue or failing, and clients will refuse the server once \
            it expires.",
        fix: "Renew the certificate now and check that the renewal job (certbot, acme.sh, \
            the load balancer's automation) runs and reloads the mail server afterwards \
            (`postfix reload`, `doveadm reload`). Lower `min_cert_days` only if the renewal \
            schedule really is shorter.",
        references: &["RFC 5280 §4.1.2.5"],
    },
    CodeInfo {
        code: "expect.dmarc-policy",
        severity: Severity::Error,
        title: "The DMARC policy is weaker than the configuration requires",
        severity_rule: None,
        what: "The domain's DMARC record is missing or its `p=` policy is weaker (none < \
            quarantine < reject) than `dmarc_policy` in mxray.toml requires.",
        why: "A weaker policy lets receivers deliver mail that fails SPF and DKIM alignment, \
            so others can send as the domain; the team asked for at least this policy.",
        fix: "Publish `_dmarc.DOMAIN TXT \"v=DMARC1; p=reject; rua=mailto:…\"` (or quarantine) \
            once the aggregate reports show every legitimate sender aligned.",
        references: &["RFC 9989 §4.7"],
    },
    CodeInfo {
        code: "expect.port-missing",
        severity: Severity::Error,
        title: "A required port does not answer",
        severity_rule: None,
        what: "A port listed in `required_ports` in mxray.toml could not be connected to on any \
            address of the host, or was not probed at all.",
        why: "Clients or sending servers that use that port cannot reach the service, which the \
            configuration says must be there.",
        fix: "Start the service on that port (Postfix master.cf `submission`/`submissions`, \
            Dovecot `service imap-login`), open it in the firewall, or add it to the target's \
            `ports`.",
        references: &["RFC 6409 §3.1", "RFC 8314 §3"],
    },
    CodeInfo {
        code: "expect.tls-version",
        severity: Severity::Error,
        title: "TLS older than the configured minimum is used or accepted",
        severity_rule: None,
        what: "A port negotiated, or still accepts, a TLS version below `min_tls_version` in \
            mxray.toml (legacy versions are found with hand-built ClientHellos).",
        why: "Old TLS versions have known weaknesses; a policy that requires a minimum version \
            is not met while the server still agrees to an older one.",
        fix: "Raise the server's minimum: Postfix `smtpd_tls_protocols = >=TLSv1.2` (and \
            `smtpd_tls_mandatory_protocols`), Dovecot `ssl_min_protocol = TLSv1.2`, then reload.",
        references: &["RFC 8996", "RFC 8314 §4.1"],
    },
];
