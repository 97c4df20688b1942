//! Catalogue entries for `config.*`: client settings judged without connecting.

use super::CodeInfo;
use crate::findings::Severity;

pub(super) static ENTRIES: &[CodeInfo] = &[
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
        code: "config.wrong-port",
        severity: Severity::Error,
        title: "The provider does not accept mail from clients on this port",
        severity_rule: None,
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
