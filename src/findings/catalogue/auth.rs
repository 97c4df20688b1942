//! Catalogue entries for `auth.*`: logging in (mxray check with credentials).

use super::CodeInfo;
use crate::findings::Severity;

pub(super) const ENTRIES: &[CodeInfo] = &[
    CodeInfo {
        code: "auth.app-password-required",
        severity: Severity::Error,
        title: "The provider wants an app password, not your normal password",
        severity_rule: None,
        what: "The server refused the login and said an application-specific password is \
            required, e.g. Gmail's `534-5.7.9 Application-specific password required`. This \
            happens when 2-step verification is on for the account: the normal password then \
            works only for signing in on the web, not in mail apps.",
        why: "The mail client cannot send or fetch mail until it uses an app password (or OAuth \
            sign-in). Retrying with the normal password keeps failing and can get logins from \
            this address throttled.",
        fix: "Create an app password in the account's security settings (Google: \
            myaccount.google.com, Security, 2-Step Verification, App passwords; Yahoo, iCloud, \
            Fastmail, Zoho and Yandex have similar pages) and enter it in the mail client in \
            place of the normal password, for both incoming and outgoing servers. Or switch the \
            client to OAuth sign-in if it offers it. Keep the full address as the username.",
        references: &["RFC 4954 §6", "https://support.google.com/accounts/answer/185833"],
    },
    CodeInfo {
        code: "auth.bad-credentials",
        severity: Severity::Error,
        title: "The server rejected the username or password",
        severity_rule: None,
        what: "The login was refused as wrong credentials: SMTP `535` (e.g. Gmail `535-5.7.8 \
            Username and Password not accepted`), IMAP `NO [AUTHENTICATIONFAILED]` or POP3 \
            `-ERR`. The password is wrong, the username has the wrong form, or the provider does \
            not accept the account password from mail apps. With OAuth (XOAUTH2, OAUTHBEARER): \
            the token was refused.",
        why: "Nothing can be sent or fetched with these settings. Repeated failures can trigger \
            rate limits or lock the account for a while.",
        fix: "Re-type the password: it may have been changed on the web but not in the client. \
            Use the full e-mail address as the username unless the provider says otherwise. If \
            the account has 2-step verification (Gmail, Yahoo, iCloud, Fastmail), create an app \
            password and use it instead. Outlook.com and Hotmail accounts need OAuth sign-in: \
            passwords no longer work there.",
        references: &["RFC 4954 §6", "RFC 5530 §3", "RFC 1939 §7", "RFC 7628 §3.2.2"],
    },
    CodeInfo {
        code: "auth.login-failed",
        severity: Severity::Error,
        title: "The login test did not succeed",
        severity_rule: None,
        what: "mxray sent the credentials, but the server did not confirm the login, and its \
            answer is none of the known refusals: a temporary or unrecognised reply, or the \
            exchange failed before a final reply. The evidence shows what the server said.",
        why: "Until a login succeeds with these settings, the client cannot send or fetch mail; \
            a check that passed anyway would hide it.",
        fix: "Read the server's reply in the evidence (and the transcript with -v). For a \
            temporary refusal (4xx) wait and run the check again; otherwise ask the provider or \
            the server's admin what the reply means, and check the server's log for the login.",
        references: &["RFC 4954 §6", "RFC 5321 §4.2"],
    },
    CodeInfo {
        code: "auth.login-not-possible",
        severity: Severity::Error,
        title: "The login cannot happen with these settings",
        severity_rule: None,
        what: "Credentials were given, but the login could not be tried as configured: no TLS \
            where a password needs it, no login method offered, a certificate that fails \
            verification, or a connection that failed before the login. The evidence says which.",
        why: "A mail client with these settings fails at the same point, so it cannot send or \
            fetch mail; mxray never sends a password where it would be exposed.",
        fix: "Follow the finding's fix: usually turn TLS on (STARTTLS on 587, 143, 110 or SSL/TLS \
            on 465, 993, 995), fix the certificate, or use the port that Use these settings \
            shows. `--insecure` tests the login despite a bad certificate, and \
            `--allow-plaintext-auth` without TLS.",
        references: &["RFC 8314 §3", "RFC 3207 §4", "RFC 4954 §4"],
    },
    CodeInfo {
        code: "auth.mechanism-mismatch",
        severity: Severity::Error,
        title: "The client and server share no login method",
        severity_rule: None,
        what: "The client insisted on a login method (SASL mechanism) the server does not offer, \
            or the server answered `504 5.7.4 Unrecognized authentication type`. The usual cause \
            is a client option such as \"Require secure password authentication (SPA)\" or \
            \"Encrypted password\", which asks for NTLM or CRAM-MD5 while the server offers only \
            PLAIN/LOGIN (protected by TLS) or XOAUTH2.",
        why: "No login can take place, so the client cannot send or fetch mail, even though the \
            username and password may well be right.",
        fix: "In the mail client untick \"Require secure password authentication (SPA)\" and \
            choose \"Normal password\" (Thunderbird) or a method the server lists, with SSL/TLS \
            or STARTTLS on so the password is still encrypted in transit. In scripts, pick a \
            mechanism from the server's AUTH list (shown in the evidence). Server side: offer \
            what your clients need, e.g. Dovecot `auth_mechanisms = plain login`.",
        references: &["RFC 4954 §4", "RFC 4954 §6", "RFC 4616"],
    },
    CodeInfo {
        code: "auth.oauth-required",
        severity: Severity::Error,
        title: "This account accepts only OAuth sign-in",
        severity_rule: Some(
            "info when a password login worked in this run although the knowledge base documents \
             OAuth-only sign-in (the contradiction is reported)",
        ),
        what: "The provider accepts only token-based sign-in for this account (OAuth 2.0, sent \
            with the XOAUTH2 or OAUTHBEARER mechanism); passwords are refused, even correct ones. \
            Outlook.com and Hotmail ended password logins on 16 September 2024, and Microsoft 365 \
            is retiring them for SMTP. mxray also reports it when the server lists only OAuth \
            mechanisms in its AUTH line, so a password cannot even be sent.",
        why: "A mail client or script that only knows username and password cannot log in at all.",
        fix: "Use a mail client that supports OAuth for this provider (current Thunderbird, \
            Outlook, Apple Mail) and choose OAuth2 as the authentication method; sign in \
            through the browser window it opens. For scripts and devices, \
            register an app with the provider and send an access token with XOAUTH2 (Google scope \
            `https://mail.google.com/`; Microsoft `SMTP.Send` for sending, \
            `IMAP.AccessAsUser.All` / `POP.AccessAsUser.All` for reading), or send through a \
            relay service that takes an API key.",
        references: &["RFC 7628", "https://developers.google.com/gmail/imap/xoauth2-protocol"],
    },
    CodeInfo {
        code: "auth.protocol-disabled",
        severity: Severity::Error,
        title: "IMAP, POP or SMTP access is switched off for this account",
        severity_rule: None,
        what: "The server says this kind of access is disabled for the account: IMAP or POP \
            access has not been enabled in the webmail settings, or sending from mail apps (SMTP \
            AUTH) is turned off. The password may be right; the account simply does not allow \
            this protocol yet.",
        why: "The mail client cannot fetch (IMAP, POP3) or send (SMTP) mail until the access is \
            enabled.",
        fix: "Sign in to the webmail and enable the protocol: in Gmail, Settings, Forwarding and \
            POP/IMAP; Zoho, Yandex and GMX have a similar IMAP/POP switch in their settings. In \
            Microsoft 365 an admin enables Authenticated SMTP, IMAP or POP for the mailbox (admin \
            center, Users, the user, Mail, Manage email apps). Then retry; some providers take a \
            few minutes to apply it.",
        references: &["RFC 5530 §3", "RFC 4954 §6"],
    },
    CodeInfo {
        code: "auth.rate-limited",
        severity: Severity::Warning,
        title: "Too many login attempts: the server asks to wait",
        severity_rule: None,
        what: "The server refused the login for now with a temporary error that says it is \
            throttling, such as `454 4.7.0 Too many login attempts, please try again later`. It \
            limits logins from this account or address, usually after several failures or very \
            frequent reconnects. (A temporary error without such words is \
            auth.temporary-failure.)",
        why: "Sending and fetching fail until the limit expires, which takes minutes to hours. A \
            client that keeps retrying with a wrong password extends the block.",
        fix: "Stop retrying: close other mail apps and scripts that use the same account, wait 15 \
            to 60 minutes, then try once with the correct password. In scripts, send several \
            messages over one logged-in connection instead of logging in for each message, and \
            back off exponentially after 4xx replies.",
        references: &["RFC 4954 §6", "RFC 5321 §4.2.1"],
    },
    CodeInfo {
        code: "auth.temporary-failure",
        severity: Severity::Error,
        title: "The server could not check the password right now",
        severity_rule: None,
        what: "The login did not succeed: the server gave a temporary error that does not say it \
            is throttling, e.g. Exim's `435 Unable to authenticate at present`, `454 4.7.0 \
            Temporary authentication failure` or IMAP `NO [UNAVAILABLE]`. Its authentication \
            backend (password file, database, LDAP, SASL daemon) is failing.",
        why: "No client can log in while it lasts, with the right password or not, so no mail is \
            sent or fetched. Whether the password is right is not known yet.",
        fix: "Server admin: find the authenticator's error in the mail server's log at the time \
            of the login and repair the backend it names. Exim: the `server_condition` lookup \
            (its file or database must exist and be readable by the Exim user). Dovecot SASL: \
            `doveadm auth test USER`. Cyrus SASL: `testsaslauthd`. Courier: `authtest USER`. \
            Users: try again later.",
        references: &["RFC 4954 §6", "RFC 5530 §3", "RFC 3206"],
    },
    CodeInfo {
        code: "auth.sender-not-owned",
        severity: Severity::Error,
        title: "This login may not send as this sender address",
        severity_rule: None,
        what: "The server accepted the login but refused the sender: `553 5.7.1 Sender address \
            rejected: not owned by user`. The sender address (MAIL FROM, usually the From \
            address) is not one this account may use, e.g. another mailbox, another domain, or an \
            alias that was never set up.",
        why: "Every message with this sender is refused. Providers enforce this so that a \
            logged-in user cannot impersonate someone else.",
        fix: "Set the client's From address to the account's own address or a configured alias, \
            or log in as the account that owns the address. To send as another address, first add \
            it as an alias or \"send as\" identity in the provider's settings. Postfix admins: \
            list which login may use which sender in `smtpd_sender_login_maps`, enforced by \
            `reject_sender_login_mismatch`.",
        references: &[
            "RFC 6409",
            "https://www.postfix.org/postconf.5.html#smtpd_sender_login_maps",
        ],
    },
    CodeInfo {
        code: "auth.smtp-auth-disabled",
        severity: Severity::Error,
        title: "Sending with a password (SMTP AUTH) is disabled for this account",
        severity_rule: None,
        what: "Microsoft 365 refused the login because authenticated SMTP is switched off: `535 \
            5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the \
            Tenant` (or \"...security defaults policy\"), or `550 5.7.30 Basic authentication is \
            not supported for Client Submission`. It is off by default for newer tenants.",
        why: "Apps, printers and scripts that send through smtp.office365.com with a username and \
            password cannot send at all, even with the right password.",
        fix: "Best: switch the app to OAuth (scope `SMTP.Send`) or to Microsoft Graph. Otherwise \
            an admin enables it per mailbox: admin center, Users, the user, Mail, Manage email \
            apps, tick Authenticated SMTP, or `Set-CASMailbox -Identity USER \
            -SmtpClientAuthenticationDisabled $false`; Security Defaults must be off. After `550 \
            5.7.30` basic auth is gone for the tenant: only OAuth works.",
        references: &[
            "https://learn.microsoft.com/exchange/clients-and-mobile-in-exchange-online/authenticated-client-smtp-submission",
        ],
    },
    CodeInfo {
        code: "auth.tls-required",
        severity: Severity::Error,
        title: "The server requires encryption before login",
        severity_rule: None,
        what: "The server refused a login over an unencrypted connection: `530 5.7.0 Must issue a \
            STARTTLS command first`, `538 5.7.11 Encryption required for requested authentication \
            mechanism`, or it offers AUTH only after TLS and the client did not start TLS. The \
            client's security setting is probably \"None\".",
        why: "The client cannot log in, so it cannot send or fetch. Servers do this on purpose so \
            that passwords never cross the network in clear.",
        fix: "In the mail client set security to STARTTLS for port 587 (143 for IMAP, 110 for \
            POP3), or to SSL/TLS for port 465 (993, 995). In scripts, upgrade the connection \
            before logging in: Python `smtplib.SMTP(host, 587)` then `starttls()`, nodemailer \
            `requireTLS: true`, Java `mail.smtp.starttls.required=true`; or connect with implicit \
            TLS to 465.",
        references: &["RFC 3207 §4", "RFC 4954 §6", "RFC 8314 §3"],
    },
    CodeInfo {
        code: "auth.username-not-address",
        severity: Severity::Error,
        title: "The username should be the full e-mail address",
        severity_rule: None,
        what: "The login failed with a username that is not a full e-mail address (e.g. `alice` \
            instead of `alice@example.com`), and this provider is known to want the full address, \
            or a retry with the full address got further. Most providers (Gmail, Outlook.com, \
            Microsoft 365, Yahoo, Fastmail) use the whole address as the login name.",
        why: "With the short name the server cannot find the account, so every login fails as if \
            the password were wrong.",
        fix: "In the account settings set the username to the full e-mail address, including the \
            part after the @. Check both the incoming (IMAP/POP) and the outgoing (SMTP) server: \
            mail clients keep a separate username for each.",
        references: &["RFC 4616 §2", "https://github.com/thunderbird/autoconfig"],
    },
    CodeInfo {
        code: "auth.username-not-local-part",
        severity: Severity::Error,
        title: "The username should be only the part before the @",
        severity_rule: None,
        what: "The login failed with a full e-mail address as the username, but for this protocol \
            the provider wants only the part before the @ (the \"local part\"): e.g. iCloud IMAP \
            expects `alice`, not `alice@icloud.com`; wp.pl likewise. Thunderbird's provider \
            database (ISPDB) marks such providers with `%EMAILLOCALPART%`.",
        why: "The server looks for an account named after the full address, finds none, and \
            refuses the login as if the password were wrong.",
        fix: "Set the username for this server to the part before the @ (for `alice@icloud.com` \
            enter `alice`). Leave the other server alone if it differs: iCloud's SMTP server \
            (smtp.mail.me.com) takes the full address while its IMAP server (imap.mail.me.com) \
            takes only the local part.",
        references: &["RFC 4616 §2", "https://github.com/thunderbird/autoconfig"],
    },
    CodeInfo {
        code: "auth.web-login-required",
        severity: Severity::Error,
        title: "The provider blocked this app's sign-in",
        severity_rule: None,
        what: "The provider refused the login and asked for a sign-in in a web browser, e.g. \
            Gmail `534-5.7.14 <...> Please log in via your web browser`. It treats the app as a \
            \"less secure app\" (sign-in with just a password) or flagged the sign-in as \
            suspicious.",
        why: "The app cannot send or fetch mail. Google ended password-only access for personal \
            accounts on 30 May 2022 and for Workspace on 30 September 2024, so the plain password \
            will not start working again.",
        fix: "Use an app password (turn on 2-Step Verification, then create one under Google \
            Account, Security, App passwords) or choose OAuth sign-in in the mail client. If you \
            already do, sign in once on the web from the same network and confirm the security \
            alert, then retry.",
        references: &["RFC 4954 §6", "https://support.google.com/accounts/answer/185833"],
    },
];
