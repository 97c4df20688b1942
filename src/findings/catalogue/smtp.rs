//! Catalogue entries for `smtp.*`: the SMTP dialogue.

use super::CodeInfo;
use crate::findings::Severity;

pub(super) const ENTRIES: &[CodeInfo] = &[
    CodeInfo {
        code: "smtp.message-rejected",
        severity: Severity::Error,
        title: "The server refused the test message",
        severity_rule: None,
        what: "After a successful login, `mxray check --send-to` sent one short test message, and \
            the server refused it at MAIL FROM (the sender), RCPT TO (the recipient), DATA, or \
            after the message itself. The finding quotes the step and the server's reply.",
        why: "The mail client or app will get the same refusal for real messages: the login \
            works, yet nothing is sent.",
        fix: "Read the quoted reply. At MAIL FROM: send as an address the account owns (or add \
            it as an alias / \"send as\" identity). At RCPT TO: `554 5.7.1 Relay access denied` \
            means the server did not count the login for relaying — check that the client logs \
            in before sending; `550 5.1.1` means the recipient does not exist. After the \
            message: a 5.7.x reply names a content or policy rule (spam filter, DMARC, sending \
            limit) — fix the sending domain's SPF/DKIM/DMARC or ask the provider.",
        references: &["RFC 5321 §3.3", "RFC 5321 §4.2.5", "RFC 3463"],
    },
    CodeInfo {
        code: "smtp.auth-not-offered",
        severity: Severity::Error,
        title: "The submission port offers no login (AUTH)",
        severity_rule: None,
        what: "This port is meant for mail clients to submit mail (465 or 587), but the server \
            lists no AUTH method in its EHLO reply, not even after TLS. Without AUTH the client \
            cannot log in, and the server will not pass its mail on.",
        why: "Sending fails with replies such as `530 5.7.0 Authentication required`, `503 5.5.1 \
            Error: authentication not enabled` or `554 5.7.1 Relay access denied`.",
        fix: "Server admin (Postfix): in `master.cf` enable the `submission` (587) and \
            `submissions` (465) services with `-o smtpd_sasl_auth_enable=yes`, set \
            `smtpd_sasl_type = dovecot` and `smtpd_sasl_path = private/auth`, and keep \
            `smtpd_tls_auth_only = yes`. Mail client: check host and port; port 25 is for \
            delivery between servers and usually offers no AUTH.",
        references: &[
            "RFC 4954 §3",
            "RFC 6409 §4.3",
            "https://www.postfix.org/SASL_README.html",
        ],
    },
    CodeInfo {
        code: "smtp.auth-over-plaintext",
        severity: Severity::Warning,
        title: "The server offers login before encryption",
        severity_rule: None,
        what: "The server announces AUTH PLAIN or LOGIN before STARTTLS. These methods send the \
            password merely base64-encoded, which anyone can decode, so a client that logs in \
            before TLS exposes it.",
        why: "A client set to security \"None\", or an attacker who strips STARTTLS from the \
            server's reply, makes the password cross the network in clear.",
        fix: "Postfix: `smtpd_tls_auth_only = yes` (AUTH is then announced only after STARTTLS), \
            and on port 587 `-o smtpd_tls_security_level=encrypt` in `master.cf`. Then check with \
            `nc HOST 587` and `EHLO test`: no AUTH line should appear. Clients: always use \
            STARTTLS on 587 or SSL/TLS on 465.",
        references: &["RFC 4954 §4", "RFC 8314 §4.1"],
    },
    CodeInfo {
        code: "smtp.banner-name-mismatch",
        severity: Severity::Info,
        title: "The greeting's host name differs from the DNS or certificate name",
        severity_rule: None,
        what: "The host name in the server's greeting (`220 NAME ESMTP`) does not match its \
            reverse DNS (PTR) name or the name in its TLS certificate. Often it is a default such \
            as `localhost` or an internal name.",
        why: "Mail still flows, but some spam filters score the mismatch, and differing names \
            make troubleshooting and reputation checks harder.",
        fix: "Use one name everywhere: set Postfix `myhostname = mail.example.com` (the greeting \
            comes from `smtpd_banner = $myhostname ESMTP`), make it the IP's PTR name, and \
            include it in the certificate. Behind NAT or a load balancer, use the name the \
            outside world sees.",
        references: &["RFC 5321 §3.1", "RFC 1912 §2.1"],
    },
    CodeInfo {
        code: "smtp.ehlo-rejected",
        severity: Severity::Error,
        title: "The server refused the EHLO/HELO introduction",
        severity_rule: None,
        what: "After greeting, the server answered the client's EHLO (and the HELO fallback) with \
            an error such as `421 4.7.0 Try again later, closing connection. (EHLO)` or \
            `501 5.5.4 Empty HELO/EHLO argument not allowed`, so the session ends before TLS or \
            login.",
        why: "Nothing can be sent: the client never gets to STARTTLS, AUTH or MAIL. Big providers \
            refuse an EHLO name of `localhost` or a bare word, and some refuse clients by \
            reputation at this point.",
        fix: "Make the client introduce itself with a real fully qualified name (the machine's \
            FQDN, or an address literal like `[192.0.2.1]`), never `localhost`: e.g. \
            nodemailer `name`, PHPMailer `Helo`, Python `smtplib.SMTP(local_hostname=...)`. \
            With mxray, `--helo NAME` tries another name. If the reply mentions rate limits or \
            blocks, wait or contact the provider.",
        references: &["RFC 5321 §4.1.1.1", "RFC 5321 §4.1.3"],
    },
    CodeInfo {
        code: "smtp.no-banner",
        severity: Severity::Error,
        title: "The SMTP server sent no greeting",
        severity_rule: None,
        what: "The TCP connection succeeded, but the server did not send its `220` greeting in \
            time. Either the port expects TLS first (465: the client must choose SSL/TLS), the \
            server is overloaded, or a spam defence (Postfix postscreen, tarpitting) or slow DNS \
            on the server delays it.",
        why: "SMTP clients wait for the greeting before they say anything, so nothing can be \
            sent; many clients give up after 30 to 60 seconds.",
        fix: "On port 465, set the client's security to SSL/TLS, not STARTTLS or None. Otherwise \
            check the server: is Postfix running (`postfix status`), what does `mail.log` say, \
            are process limits reached (`default_process_limit`), and does its DNS resolver \
            answer? Keep postscreen off the submission ports.",
        references: &["RFC 5321 §3.1", "RFC 5321 §4.5.3.2", "RFC 8314 §3.3"],
    },
    CodeInfo {
        code: "smtp.no-ehlo",
        severity: Severity::Warning,
        title: "The server refuses EHLO and only accepts the old HELO",
        severity_rule: None,
        what: "The server rejected EHLO, the command modern clients use to start and to learn the \
            server's features (extensions), and accepts only the old HELO. After HELO there are \
            no extensions: no STARTTLS, no AUTH, no size limits.",
        why: "Mail can travel only unencrypted and without login; clients that require TLS or \
            AUTH cannot send at all. Often a firewall is mangling the dialogue rather than the \
            mail server itself.",
        fix: "Look for a firewall that inspects SMTP (e.g. Cisco ASA `inspect esmtp`, \"SMTP \
            fixup\" or \"mail guard\" features) and turn that inspection off; then make sure the \
            mail server itself speaks ESMTP (every current Postfix, Exim and Exchange does). Test \
            with `nc HOST 25` and type `EHLO test`.",
        references: &["RFC 5321 §4.1.1.1", "RFC 5321 §3.2"],
    },
    CodeInfo {
        code: "smtp.open-relay",
        severity: Severity::Error,
        title: "The server relays mail for anyone (open relay)",
        severity_rule: None,
        what: "In the `--relay-test` check, the server accepted a recipient in a foreign domain \
            from a client that had not logged in. That means anyone on the Internet can use it to \
            send mail to anyone: it is an open relay.",
        why: "Spammers find open relays within hours. The server's IP then lands on blocklists, \
            its legitimate mail is rejected everywhere, and the hosting provider may shut it \
            down.",
        fix: "Postfix: `smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, \
            defer_unauth_destination`, and keep `mynetworks` to your own hosts (never 0.0.0.0/0). \
            Exchange: remove anonymous relay permissions from receive connectors. Re-run the \
            `--relay-test` check, then look for queued spam (`postqueue -p`) and check the \
            blocklists.",
        references: &[
            "RFC 5321 §3.6",
            "RFC 2505",
            "https://www.postfix.org/postconf.5.html#smtpd_relay_restrictions",
        ],
    },
    CodeInfo {
        code: "smtp.protocol-violation",
        severity: Severity::Error,
        title: "The server broke the SMTP protocol",
        severity_rule: None,
        what: "The server's replies did not follow the SMTP rules: a line longer than allowed, an \
            endless series of continuation lines, binary data or invalid text where plain ASCII \
            is required, or plaintext sent right after its `220` reply to STARTTLS. The evidence \
            says which.",
        why: "Strict clients abort and lenient ones may misread replies. Plaintext after STARTTLS \
            points to a buggy server or a tampering middlebox (the \"STARTTLS command injection\" \
            class of flaws).",
        fix: "Find out what really answers on the port: a proxy, a firewall's SMTP inspection or \
            a load balancer may be mangling the dialogue. Compare with a test run on the server \
            itself (`openssl s_client -starttls smtp -connect 127.0.0.1:25`). Update the mail \
            server software, and turn off SMTP inspection in firewalls.",
        references: &[
            "RFC 5321 §4.2",
            "RFC 5321 §4.5.3.1",
            "RFC 3207 §4.2",
            "CVE-2011-0411",
        ],
    },
    CodeInfo {
        code: "smtp.rejected-greeting",
        severity: Severity::Error,
        title: "The server refused the connection in its greeting",
        severity_rule: None,
        what: "The server's first reply was a refusal instead of `220`: `554` means it will not \
            talk to this client at all (often the client's IP is blocklisted or not allowed), \
            `421` means \"not now\" (overloaded, rate limit or greylisting). The evidence quotes \
            the reply.",
        why: "Nothing can be sent from this address while the refusal lasts; a 554 will not go \
            away by itself.",
        fix: "Read the quoted reply: it often names the reason or a delisting link. For 554, \
            check your IP on blocklists (see the dnsbl findings) and whether the server accepts \
            only certain networks; from a home or cloud IP, send through your provider's \
            submission server on 587 or 465 instead. For 421, wait and retry; if it persists, \
            contact the server's admin.",
        references: &["RFC 5321 §3.1", "RFC 5321 §4.2.3"],
    },
    CodeInfo {
        code: "smtp.smtputf8-missing",
        severity: Severity::Error,
        title: "The server cannot take mail from or to a non-ASCII address",
        severity_rule: None,
        what: "An address in the settings has a local part that is not ASCII (`jürgen@…`, \
            `почта@…`). Such addresses travel only through servers that announce SMTPUTF8 in \
            their EHLO reply (RFC 6531), and this one does not.",
        why: "The server refuses the message, or a client that follows the RFC does not even \
            try: mail from or to that address fails on this server however the rest is set up.",
        fix: "Send from an ASCII address (an alias such as `jurgen@…` for the same mailbox), or \
            use a server that supports SMTPUTF8. Admins: Postfix offers it with \
            `smtputf8_enable = yes` (the default since 3.0), Exim with `smtputf8_advertise_hosts \
            = *`, Exchange Online and Gmail offer it already.",
        references: &["RFC 6531 §3.4", "RFC 6530", "RFC 6532"],
    },
];
