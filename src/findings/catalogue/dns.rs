//! Catalogue entries for `dns.*`: name resolution.

use super::CodeInfo;
use crate::findings::Severity;

pub(super) const ENTRIES: &[CodeInfo] = &[
    CodeInfo {
        code: "dns.lookup-failed",
        severity: Severity::Error,
        title: "The DNS lookup failed",
        severity_rule: None,
        what: "The resolver could not answer: the query timed out, or it answered SERVFAIL (the \
            domain's DNS servers are broken, or DNSSEC validation failed) or REFUSED (the \
            resolver will not serve this query). This is not the same as \"the name does not \
            exist\"; the evidence says which error and which resolver.",
        why: "Senders and clients that hit the same failure cannot find the server, so mail is \
            delayed and eventually bounces.",
        fix: "Repeat the query through other resolvers (`dig @1.1.1.1 NAME`, `dig @8.8.8.8 \
            NAME`). If it fails everywhere, the domain's name servers are down or misconfigured: \
            list them with `dig NS DOMAIN`, query each (`dig @NS NAME`), and check DNSSEC \
            (expired signatures, wrong DS) on dnsviz.net. If only your resolver fails, fix or \
            change it.",
        references: &["RFC 1035 §4.1.1", "RFC 8914"],
    },
    CodeInfo {
        code: "dns.mx-invalid-target",
        severity: Severity::Error,
        title: "An MX record points to an invalid target",
        severity_rule: None,
        what: "An MX record must name a host that has its own address (A/AAAA) record. This one \
            points to an alias (CNAME), to an IP address written as a name, or to a name that has \
            no address at all.",
        why: "Senders cannot deliver to such an MX or handle it inconsistently: an IP address is \
            looked up as a host name and fails, a name without address is unreachable, and CNAME \
            targets are forbidden.",
        fix: "Point the MX at the mail server's real host name, e.g. `example.com. MX 10 \
            mail.example.com.`, and give that name an address: `mail.example.com. A 192.0.2.10` \
            (plus AAAA for IPv6). Never put an IP address or an alias (CNAME) name in an MX \
            record.",
        references: &["RFC 5321 §5.1", "RFC 2181 §10.3"],
    },
    CodeInfo {
        code: "dns.no-address",
        severity: Severity::Error,
        title: "The name exists but has no IP address",
        severity_rule: None,
        what: "The DNS name exists but has neither an A (IPv4) nor an AAAA (IPv6) record (a \
            \"NODATA\" answer), so there is no address to connect to. It may hold only other \
            records, such as MX or TXT.",
        why: "Nothing can connect to this name: clients and sending servers fail at once.",
        fix: "Add an A record (and AAAA if the server has IPv6) for the name at your DNS host, or \
            correct the name in the settings if you meant another host. The mail server often has \
            a different name: `dig +short MX DOMAIN` shows it.",
        references: &["RFC 2308 §2.2", "RFC 1035 §3.4.1"],
    },
    CodeInfo {
        code: "dns.no-mx",
        severity: Severity::Warning,
        title: "The domain has no MX record",
        severity_rule: Some(
            "Info when the domain's own A/AAAA host accepts mail (the implicit MX \
            works).",
        ),
        what: "The domain publishes no MX record, the record that names the servers receiving its \
            mail. Senders then fall back to the domain's own address (A/AAAA), the \"implicit \
            MX\", and try to deliver there.",
        why: "If the host at that address (often a web server) does not accept mail on port 25, \
            mail to the domain is delayed and then bounces. Even when it works, it is fragile: \
            moving the website moves the mail.",
        fix: "Publish an MX record for the server that should receive mail, e.g. `example.com. MX \
            10 mail.example.com.`, or the values your mail provider gives. If the domain should \
            never receive mail, publish a null MX instead: `example.com. MX 0 .`.",
        references: &["RFC 5321 §5.1", "RFC 7505 §3"],
    },
    CodeInfo {
        code: "dns.no-such-host",
        severity: Severity::Error,
        title: "The host name does not exist",
        severity_rule: None,
        what: "DNS says this name does not exist (NXDOMAIN). It is usually a typo or a wrong \
            server name; the evidence suggests close known names, such as `smtp.gmail.com` for \
            `smtp.gmial.com`.",
        why: "Nothing can connect to a name that does not exist, so mail cannot be sent or \
            fetched.",
        fix: "Check the spelling of the server name in the account settings and use the \
            provider's documented host (see the suggestions in the evidence). If it is your own \
            server, create its A/AAAA record at your DNS host; once it has propagated, `dig \
            +short NAME` shows the address.",
        references: &["RFC 2308 §2.1", "RFC 8020"],
    },
    CodeInfo {
        code: "dns.null-mx",
        severity: Severity::Info,
        title: "The domain declares it accepts no mail (null MX)",
        severity_rule: Some("Error when the domain is checked as one you expect to receive mail."),
        what: "The domain publishes a null MX (`MX 0 .`), which states that it receives no mail \
            at all. Senders reject mail to it at once instead of trying to deliver.",
        why: "That is correct for a domain that never receives mail. If you expect mail at this \
            domain, every message to it bounces immediately.",
        fix: "If the domain should receive mail, delete the `MX 0 .` record and publish MX \
            records for your mail servers (or your provider's). If it should not, nothing to do: \
            a null MX is good practice for such domains.",
        references: &["RFC 7505 §3"],
    },
    CodeInfo {
        code: "dns.ptr-mismatch",
        severity: Severity::Warning,
        title: "The reverse DNS name does not point back to this IP",
        severity_rule: None,
        what: "The server's IP address has a reverse DNS (PTR) name, but looking that name up \
            does not return the same IP. Receivers check this round trip (\"forward-confirmed \
            reverse DNS\") to tell real mail servers from infected home computers.",
        why: "Many receivers lower the reputation of, or reject, mail from IPs whose forward and \
            reverse DNS do not match; Gmail requires it from senders.",
        fix: "Make both directions agree: set the IP's PTR (at the hosting provider or ISP that \
            owns the IP) to the server's name, e.g. `mail.example.com`, and give that name an \
            A/AAAA record with the same IP. Use the same name as the server's greeting (Postfix \
            `myhostname`) and its TLS certificate.",
        references: &["RFC 8601 §2.7.3", "RFC 1912 §2.1"],
    },
    CodeInfo {
        code: "dns.ptr-missing",
        severity: Severity::Warning,
        title: "The server's IP has no reverse DNS (PTR) name",
        severity_rule: Some(
            "Error for the IP of an MX or another server that sends mail, since \
            large receivers reject mail from it (550-5.7.25).",
        ),
        what: "Reverse DNS maps an IP address back to a host name with a PTR record. This mail \
            server's IP has none, which is typical of home connections and freshly created cloud \
            servers.",
        why: "Gmail and other large receivers reject mail from IPs without PTR (`550-5.7.25 ... \
            does not have a PTR record`), and spam filters score it heavily. For a server that \
            only receives, it matters less.",
        fix: "Ask whoever owns the IP to set the PTR: the \"reverse DNS\" setting in your cloud \
            or hosting panel (AWS Elastic IP, Hetzner, OVH; DigitalOcean uses the droplet's name) \
            or your ISP. Set it to the server's name, e.g. `mail.example.com`, which must resolve \
            back to the same IP. Your own DNS zone cannot set it.",
        references: &[
            "RFC 1912 §2.1",
            "https://support.google.com/mail/answer/81126",
        ],
    },
];
