//! Catalogue entries for `spf.*`: the SPF record (RFC 7208).

use super::CodeInfo;
use crate::findings::Severity;

pub(super) const ENTRIES: &[CodeInfo] = &[
    CodeInfo {
        code: "spf.include-broken",
        severity: Severity::Error,
        title: "An SPF include or redirect points to nothing",
        severity_rule: None,
        what: "The SPF record includes or redirects to another domain (`include:`, `redirect=`) \
            that has no SPF record or does not exist. This is usually a typo, or a provider that \
            changed its SPF host name.",
        why: "Receivers get a permanent error (\"permerror\") for the whole record and treat your \
            SPF as broken, so DMARC can fail and mail may be rejected or sent to spam.",
        fix: "Correct the domain to the one your provider documents (e.g. \
            `include:_spf.google.com`, `include:spf.protection.outlook.com`, \
            `include:sendgrid.net`), or remove the include if you no longer use that service. \
            Check with `dig +short TXT TARGET`: it must return a `v=spf1` record.",
        references: &["RFC 7208 §5.2", "RFC 7208 §6.1"],
    },
    CodeInfo {
        code: "spf.include-loop",
        severity: Severity::Error,
        title: "The SPF policy includes itself",
        severity_rule: None,
        what: "Following the `include:` and `redirect=` terms of the SPF record leads back to a \
            record already being evaluated (`a.example` includes `b.example`, which includes \
            `a.example`). The evidence shows the chain.",
        why: "Evaluation never ends: receivers stop at the 10-lookup limit or on the loop and \
            return a permanent error (\"permerror\") for every sender, so SPF fails for all your \
            mail.",
        fix: "Remove the include or redirect that points back up the chain, usually one left \
            over from moving a shared record. Each record should include only the providers' \
            records, never the domain that includes it.",
        references: &["RFC 7208 §5.2", "RFC 7208 §4.6.4"],
    },
    CodeInfo {
        code: "spf.missing",
        severity: Severity::Warning,
        title: "No SPF record",
        severity_rule: Some(
            "Error when the domain is the From domain of a `check --send-to` \
            test.",
        ),
        what: "The domain publishes no SPF record (a TXT record starting with `v=spf1`). SPF \
            lists the servers that may send mail with this domain as the envelope sender.",
        why: "Receivers cannot confirm that mail really comes from you. Gmail and Yahoo require \
            SPF or DKIM from every sender (both from bulk senders), so such mail goes to spam or \
            is rejected, and spoofing is easier.",
        fix: "Publish one TXT record at the domain that lists your senders, e.g. `v=spf1 mx \
            include:_spf.google.com ~all` (use the include values of your providers). For a \
            domain that never sends mail: `v=spf1 -all`.",
        references: &["RFC 7208 §3", "RFC 7208 §4.5"],
    },
    CodeInfo {
        code: "spf.multiple-records",
        severity: Severity::Error,
        title: "More than one SPF record",
        severity_rule: None,
        what: "The domain has more than one TXT record starting with `v=spf1`. SPF allows exactly \
            one; with two or more, receivers stop with a permanent error (\"permerror\") instead \
            of checking either.",
        why: "SPF fails for all your mail, so DMARC has to rely on DKIM alone, and mail may be \
            rejected or spam-foldered.",
        fix: "Merge them into one record: a single `v=spf1`, all mechanisms combined, one `~all` \
            or `-all` at the end, e.g. `v=spf1 mx include:_spf.google.com include:sendgrid.net \
            ~all`; delete the other record. This often happens when a second provider's guide \
            says \"add this SPF record\".",
        references: &["RFC 7208 §3.2", "RFC 7208 §4.5"],
    },
    CodeInfo {
        code: "spf.permissive-all",
        severity: Severity::Error,
        title: "SPF allows anyone to send as the domain",
        severity_rule: Some("Warning for `?all` (neutral) instead of `+all`."),
        what: "The SPF record ends with `+all` (or a bare `all`), which says every server on the \
            Internet may send mail for this domain. With `?all` (neutral) it says nothing at all \
            about servers it does not list.",
        why: "SPF gives no protection: with `+all` forged mail passes SPF, which can even help it \
            through DMARC and spam filters. With `?all` receivers are left to guess.",
        fix: "End the record with `~all` (soft fail) while you confirm that all your senders are \
            listed, then with `-all` (fail), e.g. `v=spf1 mx include:_spf.google.com -all`.",
        references: &["RFC 7208 §5.1", "RFC 7208 §2.6"],
    },
    CodeInfo {
        code: "spf.ptr-used",
        severity: Severity::Warning,
        title: "SPF uses the deprecated ptr mechanism",
        severity_rule: None,
        what: "The SPF record uses `ptr`, which approves a sender by looking up the reverse DNS \
            name of its IP. The SPF standard says it should not be used: it is slow, unreliable \
            and loads DNS servers.",
        why: "Receivers may skip `ptr` or treat it as not matching, so mail from the servers it \
            was meant to approve can fail SPF; it also counts against the limit of 10 lookups.",
        fix: "Replace `ptr` with explicit mechanisms for your sending servers: `ip4:192.0.2.10`, \
            `ip6:2001:db8::10`, `a:mail.example.com`, `mx`, or your provider's `include:`.",
        references: &["RFC 7208 §5.5"],
    },
    CodeInfo {
        code: "spf.sender-not-permitted",
        severity: Severity::Error,
        title: "The sending server is not allowed by SPF",
        severity_rule: None,
        what: "The IP address of the server that sends the mail (from `--sending-ip`, or the \
            submission server of a `check` with a From address) is not allowed by the domain's \
            SPF record, so SPF gives \"fail\" or \"softfail\" for it.",
        why: "Receivers mark the mail as unauthenticated. Unless DKIM passes with alignment, \
            DMARC fails and the mail is rejected or spam-foldered according to the domain's DMARC \
            policy.",
        fix: "Add the sender to the SPF record: your provider's documented include (e.g. \
            `include:_spf.google.com`, `include:spf.protection.outlook.com`) or the server's \
            address (`ip4:203.0.113.5`). If mail should not leave through this server, send it \
            through the domain's real mail provider instead.",
        references: &["RFC 7208 §2.6", "RFC 7208 §8.4"],
    },
    CodeInfo {
        code: "spf.syntax",
        severity: Severity::Error,
        title: "The SPF record does not parse",
        severity_rule: None,
        what: "A term of the SPF record is not valid: a misspelled mechanism (`inlcude:`), a \
            missing colon, a wrong IP range (`ip4:192.0.2.0/33`), a stray character or quote. The \
            evidence points at the faulty term.",
        why: "Receivers return a permanent error (\"permerror\") for the whole record, so SPF \
            fails for all your mail.",
        fix: "Correct the term shown in the evidence. Valid terms are `all`, `include:`, `a`, \
            `mx`, `ptr`, `ip4:`, `ip6:` and `exists:` (optionally prefixed with `+`, `-`, `~` or \
            `?`) and the modifiers `redirect=` and `exp=`, separated by single spaces, with \
            `v=spf1` first. The macro letters `c`, `r` and `t` belong only in the explanation \
            text an `exp=` points at.",
        references: &["RFC 7208 §4.6.1", "RFC 7208 §5", "RFC 7208 §7.2"],
    },
    CodeInfo {
        code: "spf.too-many-lookups",
        severity: Severity::Error,
        title: "SPF needs more than 10 DNS lookups",
        severity_rule: None,
        what: "Evaluating the SPF record takes more than 10 DNS-querying terms (`include`, `a`, \
            `mx`, `ptr`, `exists`, `redirect`) once all includes are expanded, or one `mx` or \
            `ptr` term yields more than 10 names. SPF caps this to protect DNS; the evidence \
            shows the count and the include tree.",
        why: "Receivers stop at the limit with a permanent error (\"permerror\"), so SPF fails \
            for all your mail, often only after a provider quietly grew its own include.",
        fix: "Remove includes of services you no longer use; replace `a` and `mx` with \
            `ip4:`/`ip6:` for your own servers; drop `ptr`; give services their own subdomain as \
            envelope sender (e.g. `bounce.example.com`) with its own SPF record. Do not flatten \
            providers' includes into IP lists: their ranges change.",
        references: &["RFC 7208 §4.6.4"],
    },
    CodeInfo {
        code: "spf.void-lookups",
        severity: Severity::Error,
        title: "Too many SPF lookups return nothing",
        severity_rule: None,
        what: "More than two of the SPF record's lookups returned \"does not exist\" (NXDOMAIN) \
            or no records. SPF limits such void lookups to two, against abuse; they are usually \
            includes or `a:`/`mx:` names left behind after a service was dropped.",
        why: "Receivers that enforce the limit return a permanent error (\"permerror\"), so SPF \
            fails for your mail.",
        fix: "Look up each name the evidence lists (`dig +short TXT NAME`, `dig +short A NAME`) \
            and remove or correct the ones that return nothing.",
        references: &["RFC 7208 §4.6.4"],
    },
];
