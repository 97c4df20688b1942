//! Catalogue entries for `config.*`: client settings judged without connecting.

use super::CodeInfo;
use crate::findings::Severity;

pub(super) const ENTRIES: &[CodeInfo] = &[
    CodeInfo {
        code: "config.discovery-broken",
        severity: Severity::Warning,
        title: "A published mail setting does not work",
        severity_rule: None,
        what: "The domain publishes a mail server setting — in an RFC 6186 SRV record or a \
            Mozilla autoconfig file — that does not work when tried: the host has no address, \
            the port does not answer, TLS fails or the certificate is not valid for the name, or \
            the server offers no login. Mail clients that discover their settings (Thunderbird, \
            Apple Mail, K-9/Thunderbird for Android) may pick exactly this setting.",
        why: "New accounts set up automatically end up with a setting that cannot send or fetch \
            mail, and users are left to guess the right one.",
        fix: "Correct or remove the record: point the SRV record at a host name that resolves and \
            serves the protocol on that port with a valid certificate for that name (target `.` \
            says the service is not offered), or fix the autoconfig file's hostname, port and \
            socketType. Until then, configure the client with a setting mxray verified (the \
            \"Use these settings\" block).",
        references: &["RFC 6186 §3", "RFC 2782", "RFC 8314 §5.1"],
    },
    CodeInfo {
        code: "config.discovery-conflict",
        severity: Severity::Warning,
        title: "The sources of mail settings disagree",
        severity_rule: None,
        what: "The places a mail client looks for settings name different servers for the same \
            job: for example the SRV records point at one submission server and the autoconfig \
            file or the provider database at another, with no setting in common. Which one a \
            client uses depends on the client.",
        why: "Users of different mail apps end up with different settings; when one of them is \
            outdated, only some users fail, which is hard to track down.",
        fix: "Make every published source name the same servers: update the SRV records, the \
            autoconfig file (autoconfig.DOMAIN and DOMAIN/.well-known/autoconfig) or both, so that \
            they agree with the servers that work (see the candidate table).",
        references: &["RFC 6186 §3", "RFC 6186 §4"],
    },
    CodeInfo {
        code: "config.discovery-failed",
        severity: Severity::Error,
        title: "No working mail settings could be discovered",
        severity_rule: None,
        what: "Given only the e-mail address, mxray looked where mail clients look — its provider \
            database (Thunderbird's ISPDB and curated facts), RFC 6186 SRV records, Mozilla \
            autoconfig files and the provider behind the domain's MX hosts — and either found no \
            outgoing (SMTP submission) server at all, or none of those found works.",
        why: "A mail client's automatic set-up fails the same way, so the user has to enter the \
            settings by hand and needs them from the provider.",
        fix: "Ask the mail provider (or the domain's administrator) for the outgoing server name, \
            port and security, then test them with `mxray check --host HOST --port PORT \
            --security tls|starttls --user ADDRESS`. Domain administrators can publish the \
            settings so clients find them: SRV records `_submissions._tcp` / `_submission._tcp` \
            (and `_imaps._tcp`) per RFC 6186, and an autoconfig file at \
            https://autoconfig.DOMAIN/mail/config-v1.1.xml.",
        references: &["RFC 6186", "RFC 8314 §5.1"],
    },
    CodeInfo {
        code: "config.discovery-insecure",
        severity: Severity::Warning,
        title: "The autoconfig file is not served securely",
        severity_rule: None,
        what: "The domain's Mozilla autoconfig file is reachable only over plain HTTP, or only \
            over HTTPS with a certificate that is not valid for the name. mxray does not use a \
            file it cannot authenticate as a trusted source (it lists its settings as \"plain \
            HTTP\" or ignores the file).",
        why: "Anyone on the network path can rewrite an unauthenticated autoconfig file and send \
            mail clients, and their passwords, to a server of their choosing.",
        fix:
            "Serve the file over HTTPS with a valid certificate for autoconfig.DOMAIN (and DOMAIN \
            for /.well-known/autoconfig/mail/config-v1.1.xml), e.g. a free ACME certificate, and \
            do not redirect it to plain HTTP.",
        references: &["RFC 6186 §6", "RFC 8314 §5.1"],
    },
    CodeInfo {
        code: "config.incomplete",
        severity: Severity::Error,
        title: "A required setting is missing",
        severity_rule: None,
        what: "The settings lack something needed to connect or log in: the server host, the \
            port, or a username where the server requires login. mxray checked what it could; the \
            evidence names the missing setting.",
        why: "A mail client or script cannot connect or log in without it, so the account does \
            not work as configured.",
        fix: "Fill in the missing setting. Usual values: outgoing SMTP on port 587 with STARTTLS \
            or 465 with SSL/TLS; incoming IMAP on 993 or POP3 on 995, both SSL/TLS; username the \
            full e-mail address. Take them from the provider's help page, or let the client \
            discover them (Thunderbird autoconfig, DNS SRV records `_submissions._tcp`, \
            `_submission._tcp`, `_imaps._tcp`).",
        references: &["RFC 6186", "RFC 8314 §3"],
    },
    CodeInfo {
        code: "config.password-on-command-line",
        severity: Severity::Warning,
        title: "The password was given on the command line",
        severity_rule: None,
        what: "The password was passed inside a URL or connection string on the command line \
            (e.g. `smtp://user:secret@host`). Command lines are visible to other users of the \
            machine in the process list (`ps`) and are saved in the shell history.",
        why: "Other local users, shell history files and logs can reveal the password, and with \
            it the mailbox.",
        fix: "Pass the password another way: the interactive prompt or an environment variable \
            (see `mxray check --help`), or a file only you can read (`chmod 600`). Remove the \
            line from the shell history (bash: `history -d N`, then `history -w`) and change the \
            password if others use the machine.",
        references: &["CWE-214"],
    },
    CodeInfo {
        code: "config.security-mismatch",
        severity: Severity::Error,
        title: "The security setting does not fit the port",
        severity_rule: None,
        what: "The chosen security mode cannot work on this port: \"SSL/TLS\" (encryption from \
            the first byte) on 587 or 25, \"STARTTLS\" (plain start, then upgrade) on 465, 993 or \
            995, or \"None\" where the server requires encryption. Ports 465, 993 and 995 speak \
            TLS at once; 25, 587, 143 and 110 start in plain text.",
        why: "The connection fails before login, with errors like `wrong version number` or a \
            timeout waiting for the greeting, or the server refuses to log in without encryption.",
        fix: "Pair port and security correctly in the mail client: outgoing 465 with SSL/TLS, or \
            587 with STARTTLS; IMAP 993 with SSL/TLS (or 143 with STARTTLS); POP3 995 with \
            SSL/TLS (or 110 with STARTTLS). Never choose \"None\" for a server that needs a \
            password.",
        references: &["RFC 8314 §3", "RFC 3207 §4", "RFC 6409 §3.1"],
    },
    CodeInfo {
        code: "config.unknown-provider-host",
        severity: Severity::Error,
        title: "The server name looks like a typo of a known provider's",
        severity_rule: None,
        what: "The host name is one or two letters away from a well-known provider's server, e.g. \
            `smtp.gmial.com` instead of `smtp.gmail.com`. Such a name may not exist at all, or it \
            may exist and belong to someone else.",
        why: "If the name does not resolve, nothing can be sent or fetched. If a look-alike \
            domain does resolve, the mail client may hand your password and mail to a stranger.",
        fix: "Correct the server name in the account settings to the provider's official host \
            shown in the evidence (e.g. smtp.gmail.com, smtp.office365.com, imap.mail.me.com). If \
            the client already connected to the misspelled host with your password, change the \
            password.",
        references: &["https://github.com/thunderbird/autoconfig"],
    },
    CodeInfo {
        code: "config.wrong-host",
        severity: Severity::Error,
        title: "The server name is the provider's server for another protocol",
        severity_rule: None,
        what: "The host is one of the provider's servers, but for another job: for example \
            `imap.gmail.com` (reading mail) set as the outgoing SMTP server, or `smtp.gmail.com` \
            set as the IMAP server. mxray judges this from its knowledge base, so it is reported \
            even when the server cannot be reached from here.",
        why: "The server either does not answer on the port, or answers a protocol the mail app \
            does not expect, and sending or fetching fails with a timeout or a protocol error.",
        fix: "Set the server name the provider documents for this protocol (shown in the \
            evidence): outgoing mail goes to the SMTP server, reading to the IMAP or POP3 server.",
        references: &["https://github.com/thunderbird/autoconfig", "RFC 6186 §3"],
    },
    CodeInfo {
        code: "config.wrong-port",
        severity: Severity::Error,
        title: "The provider does not accept mail from clients on this port",
        severity_rule: Some(
            "error from the knowledge base alone; a warning when this run reached the server on \
             that port anyway, info when a login worked there (the knowledge base is contradicted \
             and the finding says so)",
        ),
        what: "This port is not one the provider uses for mail submitted by clients, e.g. \
            `smtp.gmail.com:25` or `smtp.office365.com:465`. Port 25 is for delivery between mail \
            servers; mail apps submit on 587 (STARTTLS) or 465 (SSL/TLS), and only on the ones \
            the provider lists.",
        why: "The connection is blocked or times out, or the server refuses to pass the mail on \
            (`554 5.7.1 Relay access denied`, `503 5.5.1 Error: authentication not enabled`).",
        fix: "Use the provider's submission port shown in the evidence, with the matching \
            security: Gmail 465 (SSL/TLS) or 587 (STARTTLS); Outlook.com and Microsoft 365 587 \
            (STARTTLS); iCloud 587 (STARTTLS); Fastmail and Yandex 465 (SSL/TLS).",
        references: &["RFC 6409 §3.1", "RFC 8314 §3.3"],
    },
];
