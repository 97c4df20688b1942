//! Catalogue entries for `imap.*` and `pop3.*`: the mailbox protocols.

use super::CodeInfo;
use crate::findings::Severity;

pub(super) const ENTRIES: &[CodeInfo] = &[
    CodeInfo {
        code: "imap.login-over-plaintext",
        severity: Severity::Warning,
        title: "IMAP port 143 accepts passwords before encryption",
        severity_rule: None,
        what: "The IMAP server on port 143 allows LOGIN or AUTHENTICATE PLAIN before the \
            connection has been encrypted with STARTTLS (it does not announce LOGINDISABLED). A \
            client set to security \"None\" sends the password unencrypted.",
        why: "Anyone on the network path (public Wi-Fi, a compromised router) can read the \
            password, and with it the whole mailbox.",
        fix: "Refuse logins before TLS: Dovecot 2.3 `disable_plaintext_auth = yes` (or `ssl = \
            required`), Dovecot 2.4 `auth_allow_cleartext = no`. Better, serve IMAP on port 993 \
            with implicit TLS and have users choose SSL/TLS on port 993 in their mail clients.",
        references: &["RFC 9051 §6.2.3", "RFC 2595 §3", "RFC 8314 §3.2"],
    },
    CodeInfo {
        code: "imap.no-banner",
        severity: Severity::Error,
        title: "The IMAP server sent no greeting",
        severity_rule: None,
        what: "The TCP connection succeeded, but no `* OK` greeting arrived in time. Either the \
            port expects TLS first (993: the client must choose SSL/TLS), or the server is hung, \
            overloaded, or slowed down by its own DNS lookups.",
        why: "IMAP clients wait for the greeting before doing anything else, so mail cannot be \
            fetched.",
        fix: "On port 993, set the client's security to SSL/TLS, not STARTTLS or None. Otherwise \
            check the IMAP server: is it running and below its limits (Dovecot `process_limit`, \
            `client_limit`), what does its log say, and does `openssl s_client -connect HOST:993` \
            (or `nc HOST 143`) get `* OK` on the server itself?",
        references: &["RFC 9051 §7.1", "RFC 8314 §3.2"],
    },
    CodeInfo {
        code: "imap.protocol-violation",
        severity: Severity::Error,
        title: "The server broke the IMAP protocol",
        severity_rule: None,
        what: "The server's replies did not follow the IMAP rules: a line longer than allowed, \
            binary data or invalid text, a greeting that is not `* OK`, or plaintext sent right \
            after its OK to STARTTLS. The evidence says which.",
        why: "Mail clients abort or misread the session, so mail cannot be fetched reliably; \
            plaintext after STARTTLS is the STARTTLS command injection class of flaws.",
        fix: "Find out what really answers on the port (a proxy, load balancer or firewall \
            inspection may mangle the dialogue) and compare with `openssl s_client -connect \
            HOST:993` run on the server itself. Update the IMAP server software.",
        references: &["RFC 9051 §2.2", "RFC 2595 §3.1"],
    },
    CodeInfo {
        code: "pop3.login-over-plaintext",
        severity: Severity::Warning,
        title: "POP3 port 110 accepts passwords before encryption",
        severity_rule: None,
        what: "The POP3 server on port 110 accepts USER and PASS before the connection has been \
            encrypted with STLS (POP3's STARTTLS). A client set to security \"None\" sends the \
            password unencrypted.",
        why: "Anyone on the network path (public Wi-Fi, a compromised router) can read the \
            password, and with it the mailbox.",
        fix: "Refuse logins before TLS: Dovecot 2.3 `disable_plaintext_auth = yes` (or `ssl = \
            required`), Dovecot 2.4 `auth_allow_cleartext = no`. Better, serve POP3 on port 995 \
            with implicit TLS and have users choose SSL/TLS on port 995 in their mail clients.",
        references: &["RFC 2595 §4", "RFC 1939 §7", "RFC 8314 §3.1"],
    },
    CodeInfo {
        code: "pop3.no-banner",
        severity: Severity::Error,
        title: "The POP3 server sent no greeting",
        severity_rule: None,
        what: "The TCP connection succeeded, but no `+OK` greeting arrived in time. Either the \
            port expects TLS first (995: the client must choose SSL/TLS), or the server is hung, \
            overloaded, or slowed down by its own DNS lookups.",
        why: "POP3 clients wait for the greeting before doing anything else, so mail cannot be \
            fetched.",
        fix: "On port 995, set the client's security to SSL/TLS, not STARTTLS or None. Otherwise \
            check the POP3 server: is it running and below its limits (Dovecot `process_limit`, \
            `client_limit`), what does its log say, and does `openssl s_client -connect HOST:995` \
            (or `nc HOST 110`) get `+OK` on the server itself?",
        references: &["RFC 1939 §4", "RFC 8314 §3.1"],
    },
    CodeInfo {
        code: "pop3.protocol-violation",
        severity: Severity::Error,
        title: "The server broke the POP3 protocol",
        severity_rule: None,
        what: "The server's replies did not follow the POP3 rules: a line longer than allowed, \
            binary data or invalid text, a status line that is neither `+OK` nor `-ERR`, or \
            plaintext sent right after its +OK to STLS. The evidence says which.",
        why: "Mail clients abort or misread the session, so mail cannot be fetched reliably; \
            plaintext after STLS is the STARTTLS command injection class of flaws.",
        fix: "Find out what really answers on the port (a proxy, load balancer or firewall \
            inspection may mangle the dialogue) and compare with `openssl s_client -connect \
            HOST:995` run on the server itself. Update the POP3 server software.",
        references: &["RFC 1939 §3", "RFC 2595 §4"],
    },
];
