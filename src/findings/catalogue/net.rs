//! Catalogue entries for `net.*`: reaching the server.

use super::CodeInfo;
use crate::findings::Severity;

pub(super) const ENTRIES: &[CodeInfo] = &[
    CodeInfo {
        code: "net.connection-reset",
        severity: Severity::Error,
        title: "The server dropped the connection mid-dialogue",
        severity_rule: None,
        what: "The server reset or closed the connection before the dialogue was finished; the \
            evidence names the phase (after connect, greeting, EHLO, TLS handshake, login). \
            Typical causes: a firewall or intrusion prevention system, a connection limit, a \
            crashed server process, or a server that rejects something the client sent.",
        why: "Sending or fetching fails at that point, often only sometimes, which makes the \
            problem hard to track down.",
        fix: "Read the server's log at the time of the test (Postfix `mail.log`: `lost \
            connection`, `too many connections`; the Dovecot log) and check any firewall or \
            fail2ban in front of it. If it happens during the TLS handshake, compare TLS versions \
            and ciphers on both sides. Raise connection limits (Postfix \
            `smtpd_client_connection_count_limit`) if they are hit.",
        references: &["RFC 5321 §3.8"],
    },
    CodeInfo {
        code: "net.ipv6-unreachable",
        severity: Severity::Warning,
        title: "The server is not reachable over IPv6",
        severity_rule: None,
        what: "The host publishes an IPv6 address (AAAA record), but connecting to it over IPv6 \
            fails while IPv4 works. The service does not listen on IPv6, a firewall blocks it, or \
            the IPv6 route is broken.",
        why: "Clients and sending servers that try IPv6 first wait for a timeout before falling \
            back to IPv4, or fail; IPv6-only networks cannot reach the server at all.",
        fix: "Make the service listen on IPv6 (Postfix `inet_protocols = all`, Dovecot `listen = \
            *, ::`), open the ports in the IPv6 firewall (ip6tables or nftables, cloud security \
            group), and test with `nc -6 -vz HOST 25`. If IPv6 cannot work, remove the AAAA \
            record.",
        references: &["RFC 3974", "RFC 8305"],
    },
    CodeInfo {
        code: "net.port-closed",
        severity: Severity::Error,
        title: "Connection refused: nothing listens on this port",
        severity_rule: Some(
            "Info for a port nobody expects on this host (e.g. 995 on a send-only \
            relay) when the user did not ask for it explicitly.",
        ),
        what: "The host answered but refused the connection on this port: no service listens \
            there, or a firewall actively rejects it. The machine is up; this particular port is \
            not in use.",
        why: "Clients set to this port cannot connect at all; if it is a port users need (587, \
            465, 993, 995), sending or fetching fails.",
        fix: "Mail client: use the port the provider documents (submission 587 or 465, IMAP 993, \
            POP3 995). Server admin: enable the service, e.g. uncomment `submission` and \
            `submissions` in Postfix `master.cf` or enable `imaps` in Dovecot, make it listen on \
            the public address (Postfix `inet_interfaces = all`), open the firewall, and check \
            with `ss -ltnp`.",
        references: &["RFC 6409 §3.1", "RFC 8314 §3"],
    },
    CodeInfo {
        code: "net.port-filtered",
        severity: Severity::Error,
        title: "The connection timed out: the port is filtered",
        severity_rule: None,
        what: "The connection attempt got no answer at all: a firewall on the way silently drops \
            the packets. When port 25 times out while 465 and 587 on the same host connect, the \
            block is almost always on your side: ISPs and clouds (AWS, Google Cloud, Azure, \
            DigitalOcean, Oracle Cloud) block outgoing port 25 against spam.",
        why: "Nothing can be sent or fetched through this port. Port 25 is for delivery between \
            mail servers; mail clients and apps are meant to use 587 or 465, which are rarely \
            blocked.",
        fix: "Mail client or app: send on port 587 (STARTTLS) or 465 (SSL/TLS) with login, not on \
            25. A cloud server that must deliver on 25: ask the provider to lift the block (AWS \
            has a request form; several clouds refuse) or relay through a smarthost on 587 or \
            2525 (SES, SendGrid, Mailgun). Otherwise check the server's firewall and security \
            group.",
        references: &["RFC 6409 §3.1", "RFC 8314 §3.3", "RFC 5068"],
    },
    CodeInfo {
        code: "net.stalled",
        severity: Severity::Error,
        title: "The server stopped answering mid-dialogue",
        severity_rule: None,
        what: "The connection opened and the server greeted, but then it did not answer a later \
            command (EHLO, CAPABILITY, STARTTLS) within the timeout. The evidence names the \
            command it stopped at.",
        why: "Clients hang and then give up with a timeout, so mail is neither sent nor fetched. \
            Typical causes are an overloaded server, slow DNS lookups on the server side, a \
            tarpit, or a middlebox that swallows some commands.",
        fix: "Server admin: check the mail server's log for the client's connection, its load and \
            process limits, and its own DNS resolver (Postfix waits on reverse lookups of the \
            client). Look for firewalls with SMTP inspection between client and server. Try \
            again with a longer `--timeout` to tell slow from stuck.",
        references: &["RFC 5321 §4.5.3.2"],
    },
    CodeInfo {
        code: "net.slow",
        severity: Severity::Warning,
        title: "The server is slow to respond",
        severity_rule: None,
        what: "A phase of the dialogue (connect, greeting, EHLO, TLS, login) took longer than the \
            slow threshold (5 s by default). Common causes: the server's own DNS lookups timing \
            out, deliberate delays against spammers (tarpitting, Postfix postscreen), or an \
            overloaded host.",
        why: "Clients with short timeouts give up, and sending servers may defer mail. Users see \
            sending hang.",
        fix: "Server admin: check the server's DNS resolver (slow reverse lookups of clients are \
            the usual cause), Postfix `postscreen_greet_wait` and `smtpd_error_sleep_time`, and \
            the load. Keep postscreen and tarpitting on port 25 only, never on the submission \
            ports 587 and 465. Client: raise the timeout if the delay is expected.",
        references: &[
            "RFC 5321 §4.5.3.2",
            "https://www.postfix.org/POSTSCREEN_README.html",
        ],
    },
];
