//! Catalogue entries for `dkim.*` and `dmarc.*`: signing keys and the DMARC policy.

use super::CodeInfo;
use crate::findings::Severity;

pub(super) const ENTRIES: &[CodeInfo] = &[
    CodeInfo {
        code: "dkim.key-invalid",
        severity: Severity::Error,
        title: "The DKIM key has an impossible size",
        severity_rule: None,
        what: "The DKIM record holds an RSA key far larger than any signer makes or verifier \
            accepts (over 8192 bits), or a `p=` value longer than a DNS record can hold. Such a \
            record is usually generated junk, a test, or an attempt to make verifiers waste time.",
        why: "Verifiers refuse the key, so every signature made with this selector fails DKIM and \
            DMARC may reject or quarantine the mail. A record this large also needs TCP to be \
            fetched, which some resolvers do not do.",
        fix: "Publish the key your signer really uses, a 2048-bit RSA key (`opendkim-genkey -b \
            2048 -s SELECTOR -d example.com`, or your provider's DKIM page), in place of this \
            record. Keys above 4096 bits are not required to verify anywhere (RFC 8301).",
        references: &["RFC 8301 §3.2", "RFC 6376 §3.3.3"],
    },
    CodeInfo {
        code: "dkim.key-weak",
        severity: Severity::Warning,
        title: "The DKIM key is too short",
        severity_rule: Some("Error when the RSA key is under 1024 bits."),
        what: "The DKIM public key (the `p=` value receivers use to check your mail's signatures) \
            is an RSA key under 2048 bits. Keys under 1024 bits can be broken with modest \
            resources, and receivers ignore them.",
        why: "Receivers treat signatures made with keys under 1024 bits as invalid, so DKIM fails \
            and DMARC may reject or quarantine your mail. 1024-bit keys still pass but are below \
            current advice.",
        fix: "Generate a 2048-bit key under a new selector (e.g. `opendkim-genkey -b 2048 -s \
            s2026 -d example.com`, or your provider's DKIM page), publish it at \
            `s2026._domainkey.example.com`, switch the signer to it, and after a few days revoke \
            the old selector with an empty `p=`. Split the long value into strings of up to 255 \
            characters within one TXT record.",
        references: &["RFC 8301 §3.2", "RFC 6376 §3.3.3"],
    },
    CodeInfo {
        code: "dkim.lookup-failed",
        severity: Severity::Warning,
        title: "The DKIM key lookups failed",
        severity_rule: None,
        what: "The DNS lookups of the DKIM selectors timed out or failed (SERVFAIL, refused), so \
            mxray could not tell whether a key is published. This is not the same as no key: the \
            evidence names the lookups and how they failed.",
        why: "Receivers whose lookups fail the same way treat signatures as a temporary error \
            (\"temperror\"), and DMARC cannot pass on DKIM; the domain's name servers may be \
            down, overloaded or broken for these names.",
        fix: "Check that the domain's name servers answer: `dig +short TXT \
            SELECTOR._domainkey.example.com` against each of them (`dig NS example.com`). Fix \
            or replace a server that times out or answers SERVFAIL, then run mxray again; try \
            `--resolver` with another resolver to rule out the local one.",
        references: &["RFC 6376 §6.1.2", "RFC 6376 §3.6.2.2"],
    },
    CodeInfo {
        code: "dkim.not-found",
        severity: Severity::Info,
        title: "No DKIM key found at the checked selectors",
        severity_rule: Some(
            "Info when no --dkim-selector was given (the selectors were guessed); \
            Error when the given selector has no key.",
        ),
        what: "DKIM signs outgoing mail with a key whose public half is published at \
            SELECTOR._domainkey.DOMAIN. No key was found at the given selector, or at the common \
            ones mxray guessed (such as `default`, `google`, `selector1`). Selectors can have any \
            name, so a miss among guesses does not prove there is no DKIM.",
        why: "Without DKIM, DMARC can pass only through SPF, which breaks when mail is forwarded. \
            Gmail and Yahoo require DKIM from bulk senders, and unsigned mail is more likely to \
            go to spam.",
        fix: "Find the selector in the `DKIM-Signature:` header (`s=` tag) of a message you sent \
            and re-run with `--dkim-selector`. If there is none, enable DKIM at your provider \
            (Google Workspace: Admin console, Gmail, Authenticate email; Microsoft 365: Defender \
            portal, DKIM) or in your server (OpenDKIM, Rspamd), and publish the TXT record it \
            gives you.",
        references: &["RFC 6376 §3.1", "RFC 6376 §3.6.2.1"],
    },
    CodeInfo {
        code: "dkim.revoked",
        severity: Severity::Warning,
        title: "The DKIM key at this selector is revoked (empty p=)",
        severity_rule: Some("Info when another checked selector holds a valid key."),
        what: "The key record exists but its `p=` value is empty, which by definition means the \
            key has been revoked. Any signature made with this selector fails.",
        why: "If your servers still sign with this selector, every message fails DKIM and may \
            fail DMARC. If signing has moved to another selector, this is a harmless leftover.",
        fix: "Look at the `s=` tag in the `DKIM-Signature:` header of a fresh outgoing message. \
            If it names this selector, publish the signer's current public key here or switch the \
            signer to a selector that has one. If not, nothing is needed; the record can be \
            deleted once old mail has been delivered.",
        references: &["RFC 6376 §3.6.1"],
    },
    CodeInfo {
        code: "dkim.syntax",
        severity: Severity::Error,
        title: "The DKIM key record does not parse",
        severity_rule: None,
        what: "The TXT record at the selector is not a valid DKIM key record: a tag is malformed, \
            `v=` is not `DKIM1` or not first, the key type is unknown, or the `p=` value is not \
            valid base64, often cut off or with stray quotes or spaces from pasting. The evidence \
            points at the faulty part.",
        why: "Receivers cannot use the key, so every signature made with this selector fails \
            DKIM, and DMARC may reject or quarantine the mail.",
        fix: "Re-publish the record exactly as your signer or provider generated it: `v=DKIM1; \
            k=rsa; p=MIIBIjAN...`. Split a long key into several quoted strings of up to 255 \
            characters inside one TXT record, never into several records. Check with `dig +short \
            TXT SELECTOR._domainkey.example.com`.",
        references: &["RFC 6376 §3.6.1", "RFC 6376 §3.2"],
    },
    CodeInfo {
        code: "dkim.testing",
        severity: Severity::Warning,
        title: "The DKIM key is flagged as testing (t=y)",
        severity_rule: None,
        what: "The key record contains `t=y`, which tells receivers the domain is only testing \
            DKIM and that they should not treat signed mail differently from unsigned mail.",
        why: "Receivers may disregard DKIM results for this key, which weakens the protection \
            DMARC gets from it. Test flags are easily forgotten and stay for years.",
        fix: "Once signatures verify (received mail shows `dkim=pass` in its \
            `Authentication-Results:` header), remove `t=y` from the TXT record at \
            SELECTOR._domainkey.DOMAIN.",
        references: &["RFC 6376 §3.6.1"],
    },
    CodeInfo {
        code: "dmarc.missing",
        severity: Severity::Warning,
        title: "No DMARC record",
        severity_rule: Some(
            "Info when only the organizational domain publishes a record and it \
            applies to this domain.",
        ),
        what: "There is no DMARC record (a TXT record at `_dmarc.DOMAIN`) for the domain or its \
            organizational domain. DMARC tells receivers what to do with mail that claims to come \
            from your domain but fails SPF and DKIM, and where to send reports about it.",
        why: "Anyone can put your domain in the From line and nothing tells receivers to stop it. \
            Gmail and Yahoo require a DMARC record from bulk senders and may reject their mail \
            without one.",
        fix: "Publish a TXT record at `_dmarc.example.com`: start with `v=DMARC1; p=none; \
            rua=mailto:dmarc@example.com` to collect reports, make sure your mail passes SPF or \
            DKIM with alignment, then move to `p=quarantine` and finally `p=reject`.",
        references: &["RFC 7489 §6.1", "RFC 9989"],
    },
    CodeInfo {
        code: "dmarc.multiple-records",
        severity: Severity::Error,
        title: "More than one DMARC record",
        severity_rule: None,
        what: "The `_dmarc` name holds more than one TXT record starting with `v=DMARC1`. \
            Receivers that find more than one must ignore them all, as if there were no DMARC \
            record.",
        why: "Your DMARC policy is not applied at all: spoofed mail is not rejected and no \
            reports arrive.",
        fix: "Merge them into one TXT record at `_dmarc.example.com`, e.g. `v=DMARC1; p=reject; \
            rua=mailto:dmarc@example.com`, and delete the others. Check with `dig +short TXT \
            _dmarc.example.com`: exactly one line should start with `v=DMARC1`.",
        references: &["RFC 7489 §6.6.3"],
    },
    CodeInfo {
        code: "dmarc.no-reports",
        severity: Severity::Info,
        title: "DMARC reports are not requested (no rua)",
        severity_rule: None,
        what: "The DMARC record has no `rua=` tag, so receivers send no aggregate reports. These \
            daily reports list which servers sent mail as your domain and whether it passed SPF \
            and DKIM.",
        why: "Without reports you cannot see spoofing attempts, or your own services failing \
            authentication, before you tighten the policy to quarantine or reject.",
        fix: "Add `rua=mailto:dmarc-reports@example.com` (a mailbox you read, or a DMARC report \
            service's address) to the `_dmarc` TXT record. If the mailbox is in another domain, \
            that domain must authorize it (see dmarc.report-auth-missing).",
        references: &["RFC 7489 §6.3", "RFC 9990"],
    },
    CodeInfo {
        code: "dmarc.partial-pct",
        severity: Severity::Warning,
        title: "The DMARC policy applies only in part (pct below 100, or t=y)",
        severity_rule: None,
        what: "The DMARC record applies its policy to only part of the failing mail: `pct` is \
            below 100 (RFC 7489), or `t=y` is set, the testing mode of the newer DMARC standard \
            (RFC 9989, which removed `pct`). Receivers then apply the next weaker policy to the \
            rest, e.g. quarantine instead of reject.",
        why: "Some spoofed mail gets through although the record says quarantine or reject. \
            Receivers following RFC 9989 no longer honour `pct`, so the record behaves \
            differently from one receiver to the next.",
        fix: "When the reports show your own mail passing, remove `pct=` (or set `pct=100`) and \
            any `t=y` from the `_dmarc` TXT record, so the policy applies to all mail.",
        references: &["RFC 7489 §6.3", "RFC 9989 §4.7"],
    },
    CodeInfo {
        code: "dmarc.policy-none",
        severity: Severity::Warning,
        title: "The DMARC policy only monitors (p=none)",
        severity_rule: None,
        what: "The DMARC record says `p=none`: receivers report mail that fails SPF and DKIM but \
            deliver it as usual. This is the right first step, but it does not protect the \
            domain.",
        why: "Forged mail with your domain in the From line is delivered normally, so phishing in \
            your name is not stopped.",
        fix: "Read the aggregate (rua) reports until all your legitimate senders pass SPF or DKIM \
            with alignment, then change the `_dmarc` TXT record to `p=quarantine` and later \
            `p=reject`. Add `sp=` if subdomains need a different policy.",
        references: &["RFC 7489 §6.3", "RFC 9989 §4.7"],
    },
    CodeInfo {
        code: "dmarc.report-auth-missing",
        severity: Severity::Warning,
        title: "The DMARC report address is not authorized by its domain",
        severity_rule: None,
        what: "`rua` sends reports to a mailbox in another domain (e.g. a report service), but \
            that domain publishes no authorization record \
            `example.com._report._dmarc.REPORTDOMAIN`. Receivers must find it before they send \
            reports to another domain.",
        why: "Receivers skip that address, so no reports reach it, although the record asks for \
            them.",
        fix: "Ask the report domain's owner (or your report service) to publish a TXT record \
            `example.com._report._dmarc.reports.example.net` containing `v=DMARC1;`, or point \
            `rua` to a mailbox in your own domain that forwards the reports.",
        references: &["RFC 7489 §7.1", "RFC 9990 §4"],
    },
    CodeInfo {
        code: "dmarc.syntax",
        severity: Severity::Error,
        title: "The DMARC record does not parse",
        severity_rule: None,
        what: "The `_dmarc` TXT record is not valid DMARC: `v=DMARC1` is missing or not first, \
            `p=` is missing or has an unknown value, a tag is misspelled, or the separators are \
            wrong. The evidence points at the faulty part.",
        why: "Receivers that cannot parse the record ignore it (or fall back to the \
            organizational domain's), so your policy and reporting do not take effect.",
        fix: "Rewrite it as tags separated by semicolons, `v=DMARC1` first and a valid `p=` next: \
            `v=DMARC1; p=quarantine; rua=mailto:dmarc@example.com`. Valid `p` values are none, \
            quarantine and reject; report addresses need the `mailto:` prefix.",
        references: &["RFC 7489 §6.4", "RFC 9989 §4.7"],
    },
];
