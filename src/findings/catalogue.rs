//! The finding catalogue: every code mxray can report, with its default severity, explanation and fix. Codes are public interface: never rename or reuse one.

use super::Severity; // enum Severity { Info, Warning, Error } defined elsewhere (Copy, Ord)

/// One catalogue entry: what `mxray explain CODE` prints, and what users read under a finding.
pub struct CodeInfo {
    /// The stable code, `area.name`, e.g. "tls.cert-expired".
    pub code: &'static str,
    /// The default severity.
    pub severity: Severity,
    /// One line in plain words, e.g. "The certificate has expired".
    pub title: &'static str,
    /// When the severity depends on context: the rule in words; otherwise `None`.
    pub severity_rule: Option<&'static str>,
    /// What it means, in words a non-expert understands.
    pub what: &'static str,
    /// Why it matters: what breaks, or what the risk is.
    pub why: &'static str,
    /// How to fix it: concrete steps for the server admin and/or the mail-client user.
    pub fix: &'static str,
    /// RFC sections or documents, e.g. "RFC 3207 §4".
    pub references: &'static [&'static str],
}

/// Every code, sorted by code (so `lookup` can binary-search).
pub static CATALOGUE: &[CodeInfo] = &[
    // ---- auth ----
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
            not accept the account password from mail apps.",
        why: "Nothing can be sent or fetched with these settings. Repeated failures can trigger \
            rate limits or lock the account for a while.",
        fix: "Re-type the password: it may have been changed on the web but not in the client. \
            Use the full e-mail address as the username unless the provider says otherwise. If \
            the account has 2-step verification (Gmail, Yahoo, iCloud, Fastmail), create an app \
            password and use it instead. Outlook.com and Hotmail accounts need OAuth sign-in: \
            passwords no longer work there.",
        references: &["RFC 4954 §6", "RFC 5530 §3", "RFC 1939 §7"],
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
        severity_rule: None,
        what: "The provider accepts only token-based sign-in for this account (OAuth 2.0, sent \
            with the XOAUTH2 or OAUTHBEARER mechanism); passwords are refused, even correct ones. \
            Outlook.com and Hotmail ended password logins on 16 September 2024, and Microsoft 365 \
            is retiring them for SMTP.",
        why: "A mail client or script that only knows username and password cannot log in at all.",
        fix: "Use a mail client that supports OAuth for this provider (current Thunderbird, \
            Outlook, Apple Mail, Thunderbird for Android) and choose OAuth2 as the authentication \
            method; sign in through the browser window it opens. For scripts and devices, \
            register an app with the provider and send an access token with XOAUTH2 (Google scope \
            `https://mail.google.com/`, Microsoft `SMTP.Send`), or send through a relay service \
            that takes an API key.",
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
        what: "The server refused the login for now with a temporary error such as `454 4.7.0 Too \
            many login attempts, please try again later` or `421 4.7.0 Try again later`. It is \
            throttling logins from this account or address, usually after several failures or \
            very frequent reconnects.",
        why: "Sending and fetching fail until the limit expires, which takes minutes to hours. A \
            client that keeps retrying with a wrong password extends the block.",
        fix: "Stop retrying: close other mail apps and scripts that use the same account, wait 15 \
            to 60 minutes, then try once with the correct password. In scripts, send several \
            messages over one logged-in connection instead of logging in for each message, and \
            back off exponentially after 4xx replies.",
        references: &["RFC 4954 §6", "RFC 5321 §4.2.1"],
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
    // ---- config ----
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
    // ---- dane ----
    CodeInfo {
        code: "dane.tlsa-mismatch",
        severity: Severity::Error,
        title: "The mail server's certificate does not match its DANE (TLSA) record",
        severity_rule: None,
        what: "The domain publishes TLSA records in signed DNS that say which certificate or key \
            its mail server uses (DANE). The certificate this MX actually presented matches none \
            of them, usually because it was renewed with a new key and the TLSA record was not \
            updated.",
        why: "Senders that check DANE (e.g. Postfix with `smtp_tls_security_level = dane`, Exim, \
            Exchange Online, many European providers) refuse to deliver to this MX and queue the \
            mail; after some days it bounces.",
        fix: "Publish a TLSA record for the current key, e.g. `_25._tcp.mx.example.com. IN TLSA 3 \
            1 1 HASH`, with HASH from `openssl x509 -in cert.pem -noout -pubkey | openssl pkey \
            -pubin -outform DER | sha256sum`. On renewal, reuse the key (certbot `--reuse-key`), \
            or publish the new key's record a few TTLs before switching and keep both during the \
            rollover.",
        references: &["RFC 7672 §3", "RFC 6698 §2.1"],
    },
    CodeInfo {
        code: "dane.unsigned",
        severity: Severity::Warning,
        title: "TLSA records exist but are not DNSSEC-validated",
        severity_rule: None,
        what: "The domain publishes TLSA (DANE) records for its mail server, but the resolver did \
            not mark the answer as DNSSEC-validated (no AD bit). DANE only counts when the \
            records are signed and validate: the zone may be unsigned, its chain of trust broken, \
            or the resolver used may not validate.",
        why: "Senders treat the domain as having no DANE, so the protection you meant to set up \
            is absent. If the chain of trust is broken (bogus answers), DANE senders may defer \
            mail altogether.",
        fix: "Sign the zone with DNSSEC at your DNS host and publish the DS record at the \
            registrar; check the chain on dnsviz.net or with `delv`. If the zone is signed, query \
            through a validating resolver, e.g. `dig +dnssec @1.1.1.1 TLSA \
            _25._tcp.mx.example.com`, which should show the `ad` flag; the local resolver may \
            simply not validate.",
        references: &["RFC 7672 §2.1", "RFC 4035 §3.2.3"],
    },
    // ---- dkim ----
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
        code: "dkim.not-found",
        severity: Severity::Info,
        title: "No DKIM key found at the checked selectors",
        severity_rule: Some("Info when no --dkim-selector was given (the selectors were guessed); \
            Error when the given selector has no key."),
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
    // ---- dmarc ----
    CodeInfo {
        code: "dmarc.missing",
        severity: Severity::Warning,
        title: "No DMARC record",
        severity_rule: Some("Info when only the organizational domain publishes a record and it \
            applies to this domain."),
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
    // ---- dns ----
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
        severity_rule: Some("Info when the domain's own A/AAAA host accepts mail (the implicit MX \
            works)."),
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
        severity_rule: Some("Error for the IP of an MX or another server that sends mail, since \
            large receivers reject mail from it (550-5.7.25)."),
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
        references: &["RFC 1912 §2.1", "https://support.google.com/mail/answer/81126"],
    },
    // ---- dnsbl ----
    CodeInfo {
        code: "dnsbl.listed",
        severity: Severity::Error,
        title: "The server's IP is on a DNS blocklist",
        severity_rule: None,
        what: "An IP address of this mail server is listed on a DNS blocklist (DNSBL), a shared \
            list that receivers consult to refuse mail from known spam sources. The evidence \
            names the list, its return code and its stated reason.",
        why: "Receivers that use the list reject or spam-folder mail from this IP. For major \
            lists such as Spamhaus, a large share of the Internet refuses it.",
        fix: "Find and stop the cause first: a hacked account or website, an open relay, a \
            spamming form or script, or a shared or dynamic IP range (check the queue with \
            `postqueue -p`, change leaked passwords). Then request delisting through the link in \
            the list's TXT answer. For policy listings of dynamic ranges (e.g. Spamhaus PBL), \
            send through your provider's relay instead.",
        references: &["RFC 5782 §2"],
    },
    // ---- imap ----
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
    // ---- mta-sts ----
    CodeInfo {
        code: "mta-sts.missing",
        severity: Severity::Info,
        title: "No MTA-STS policy",
        severity_rule: None,
        what: "The domain publishes no `_mta-sts` TXT record, so it has no MTA-STS policy. \
            MTA-STS lets a domain tell sending servers to deliver its mail only over TLS with a \
            valid certificate, and only to the MX hosts it lists.",
        why: "Without it (or DANE), an attacker on the network can strip STARTTLS or divert \
            delivery, and senders fall back to unencrypted or unverified delivery without \
            noticing.",
        fix: "Serve a policy at `https://mta-sts.example.com/.well-known/mta-sts.txt` (valid \
            certificate) with `version: STSv1`, `mode: testing`, one `mx: mail.example.com` line \
            per MX and `max_age: 86400`, then publish TXT `_mta-sts.example.com` `v=STSv1; \
            id=20260101`. Add a TLS-RPT record, and move to `mode: enforce` once the reports are \
            clean.",
        references: &["RFC 8461 §3"],
    },
    CodeInfo {
        code: "mta-sts.mx-not-covered",
        severity: Severity::Error,
        title: "An MX host is not listed in the MTA-STS policy",
        severity_rule: None,
        what: "The MTA-STS policy lists the mail servers (`mx:` lines) that senders may deliver \
            to, but one of the domain's MX hosts matches none of them. This usually happens after \
            a change of mail provider, or when an MX is added without updating the policy.",
        why: "In `enforce` mode, senders that honour MTA-STS refuse to deliver to that MX; if it \
            is the only or the preferred one, mail is delayed and then bounces. In `testing` mode \
            it shows up as failures in TLS-RPT reports.",
        fix: "Add an `mx:` line for the host (e.g. `mx: mail.example.com`, or `mx: \
            *.mail.protection.outlook.com` for Microsoft 365) to \
            `https://mta-sts.DOMAIN/.well-known/mta-sts.txt`, then change the `id=` value in the \
            `_mta-sts` TXT record so that senders fetch the policy again.",
        references: &["RFC 8461 §4.1", "RFC 8461 §3.2"],
    },
    CodeInfo {
        code: "mta-sts.policy-invalid",
        severity: Severity::Error,
        title: "The MTA-STS policy file is invalid",
        severity_rule: None,
        what: "The policy at `https://mta-sts.DOMAIN/.well-known/mta-sts.txt` was fetched but \
            does not parse, or its fields are wrong: `version` must be `STSv1`, `mode` one of \
            `enforce`, `testing` or `none`, `max_age` a number of seconds (at most 31557600), and \
            an `enforce` or `testing` policy needs `mx:` lines for its MX hosts.",
        why: "Senders ignore an invalid policy, so the domain gets no MTA-STS protection although \
            its TXT record announces it.",
        fix: "Serve a plain-text file (`text/plain`) with one `key: value` per line, e.g. \
            `version: STSv1`, `mode: enforce`, `mx: mail.example.com`, `max_age: 604800`. Then \
            change the `id=` value in the `_mta-sts` TXT record so that senders fetch it again.",
        references: &["RFC 8461 §3.2"],
    },
    CodeInfo {
        code: "mta-sts.policy-unreachable",
        severity: Severity::Error,
        title: "The MTA-STS policy cannot be fetched",
        severity_rule: None,
        what: "The `_mta-sts` TXT record says there is a policy, but \
            `https://mta-sts.DOMAIN/.well-known/mta-sts.txt` could not be fetched: the name does \
            not resolve, the web server is down or answers with an error or a redirect, or its \
            certificate is not valid for `mta-sts.DOMAIN`.",
        why: "New senders cannot learn the policy, so they get no protection. Senders that cached \
            an enforce policy keep applying it until it expires, which can block delivery after \
            an MX change.",
        fix: "Create the `mta-sts.example.com` host (A/AAAA, or CNAME to your web host), get a \
            publicly trusted certificate for exactly that name (e.g. with certbot), and serve the \
            file at `/.well-known/mta-sts.txt` with status 200 and no redirect. To retire \
            MTA-STS, publish `mode: none` for a while before removing the record.",
        references: &["RFC 8461 §3.3"],
    },
    CodeInfo {
        code: "mta-sts.testing-mode",
        severity: Severity::Info,
        title: "MTA-STS is in testing mode",
        severity_rule: None,
        what: "The MTA-STS policy says `mode: testing`: senders check TLS and the MX list and \
            report problems (via TLS-RPT), but still deliver when the checks fail.",
        why: "Delivery is not yet protected against downgrade or interception; testing mode is \
            meant as a temporary step.",
        fix: "Once TLS-RPT reports have shown no failures for a few weeks, change the policy file \
            to `mode: enforce` and change the `id=` value in the `_mta-sts` TXT record.",
        references: &["RFC 8461 §5"],
    },
    // ---- net ----
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
        severity_rule: Some("Info for a port nobody expects on this host (e.g. 995 on a send-only \
            relay) when the user did not ask for it explicitly."),
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
        references: &["RFC 5321 §4.5.3.2", "https://www.postfix.org/POSTSCREEN_README.html"],
    },
    // ---- pop3 ----
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
    // ---- smtp ----
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
        references: &["RFC 4954 §3", "RFC 6409 §4.3", "https://www.postfix.org/SASL_README.html"],
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
        references: &["RFC 5321 §4.2", "RFC 5321 §4.5.3.1", "RFC 3207 §4.2", "CVE-2011-0411"],
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
    // ---- spf ----
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
        code: "spf.missing",
        severity: Severity::Warning,
        title: "No SPF record",
        severity_rule: Some("Error when the domain is the From domain of a `check --send-to` \
            test."),
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
            `v=spf1` first.",
        references: &["RFC 7208 §4.6.1", "RFC 7208 §5"],
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
    // ---- tls-rpt ----
    CodeInfo {
        code: "tls-rpt.missing",
        severity: Severity::Info,
        title: "No TLS reporting (TLS-RPT) record",
        severity_rule: None,
        what: "The domain publishes no `_smtp._tls` TXT record. TLS-RPT asks sending servers for \
            daily reports of the TLS problems they met while delivering to you: certificate \
            errors, MTA-STS or DANE failures, missing STARTTLS.",
        why: "Without it you learn about broken TLS on your MX only when mail is delayed or lost. \
            With MTA-STS or DANE in place it is the only warning you get.",
        fix: "Publish a TXT record at `_smtp._tls.example.com`: `v=TLSRPTv1; \
            rua=mailto:tlsrpt@example.com` (or a report service's address). Reports arrive as \
            gzipped JSON from Google, Microsoft and other large senders.",
        references: &["RFC 8460 §3"],
    },
    // ---- tls ----
    CodeInfo {
        code: "tls.cert-expired",
        severity: Severity::Error,
        title: "The certificate has expired",
        severity_rule: None,
        what: "The TLS certificate the server presented is past its \"valid until\" date \
            (notAfter). Certificates last a limited time (Let's Encrypt: 90 days) and must be \
            renewed before they expire.",
        why: "Mail clients refuse to connect (\"certificate has expired\") or show a warning that \
            users learn to click away; senders that verify certificates (MTA-STS, DANE) defer \
            mail to this host.",
        fix: "Renew the certificate (`certbot renew`, or your ACME client or CA), point the \
            server at the new files (Postfix `smtpd_tls_chain_files`, Dovecot \
            `ssl_cert`/`ssl_key`) and reload (`postfix reload`, `doveadm reload`): a server keeps \
            serving the old certificate until reloaded. Automate it with a certbot \
            `--deploy-hook` that reloads both.",
        references: &["RFC 5280 §4.1.2.5", "RFC 8314 §4.4"],
    },
    CodeInfo {
        code: "tls.cert-expiring-soon",
        severity: Severity::Warning,
        title: "The certificate expires soon",
        severity_rule: None,
        what: "The certificate is still valid but expires within 21 days (the threshold is \
            configurable). With automatic renewal (certbot renews 30 days before expiry) this \
            usually means renewal is failing, or the server was not reloaded after it.",
        why: "Once it expires, clients refuse to connect and senders that verify certificates \
            defer mail.",
        fix: "Run the renewal now and read its errors (`certbot renew --dry-run`; a blocked port \
            80 or changed DNS are common causes). Make sure the mail services are reloaded \
            afterwards (certbot `--deploy-hook \"postfix reload; doveadm reload\"`), and compare \
            the served certificate with the file on disk.",
        references: &["RFC 5280 §4.1.2.5", "RFC 8555"],
    },
    CodeInfo {
        code: "tls.cert-hostname-mismatch",
        severity: Severity::Error,
        title: "The certificate is for a different host name",
        severity_rule: None,
        what: "None of the names in the certificate (its Subject Alternative Names) matches the \
            host name the client connects to. For example the client uses `mail.example.com`, but \
            the certificate is for `www.example.com` or for the hosting company's server name.",
        why: "Clients refuse the connection (\"hostname mismatch\", \"certificate is not valid \
            for this server\") or warn every time; senders that verify certificates (MTA-STS, \
            DANE) refuse or defer delivery.",
        fix: "Client: connect with a name the certificate covers (the evidence lists them), e.g. \
            the provider's documented host instead of an alias in your own domain. Server: get a \
            certificate for every name clients use (`certbot certonly -d mail.example.com -d \
            smtp.example.com -d imap.example.com`) and install it (Postfix \
            `smtpd_tls_chain_files`, Dovecot `ssl_cert`), then reload.",
        references: &["RFC 6125 §6", "RFC 7817"],
    },
    CodeInfo {
        code: "tls.cert-not-yet-valid",
        severity: Severity::Error,
        title: "The certificate is not valid yet",
        severity_rule: None,
        what: "The certificate's \"valid from\" date (notBefore) is in the future. Usually the \
            clock of the machine doing the check (the one running mxray, or the user's device) is \
            behind; otherwise the certificate was issued with a wrong start date.",
        why: "Clients refuse the certificate just as if it had expired, so they cannot connect \
            securely.",
        fix: "Check the clock where the check ran and on the client (`date -u`; turn on time \
            sync, e.g. `timedatectl set-ntp true`). If the clocks are right, reissue the \
            certificate with a correct validity period, install it (Postfix \
            `smtpd_tls_chain_files`, Dovecot `ssl_cert`) and reload.",
        references: &["RFC 5280 §4.1.2.5"],
    },
    CodeInfo {
        code: "tls.cert-untrusted",
        severity: Severity::Error,
        title: "The certificate is not from a trusted authority",
        severity_rule: None,
        what: "The certificate chain does not lead to a certificate authority (CA) that clients \
            trust: it is self-signed (the server vouches for itself) or issued by a private or \
            unknown CA.",
        why: "Mail clients refuse to connect or show a security warning, and many apps and \
            libraries offer no way past it. Users who click through cannot tell the real server \
            from an attacker's.",
        fix: "Install a certificate from a public CA; Let's Encrypt is free: `certbot certonly \
            --standalone -d mail.example.com`. Then Postfix `smtpd_tls_chain_files = \
            /etc/letsencrypt/live/mail.example.com/privkey.pem, \
            /etc/letsencrypt/live/mail.example.com/fullchain.pem`, Dovecot `ssl_cert = \
            <.../fullchain.pem` and `ssl_key = <.../privkey.pem`, and reload both.",
        references: &["RFC 5280 §6", "RFC 8314 §4.4"],
    },
    CodeInfo {
        code: "tls.chain-incomplete",
        severity: Severity::Error,
        title: "The server does not send the intermediate certificate",
        severity_rule: None,
        what: "The server sends its own certificate but not the intermediate CA certificate that \
            links it to a trusted root. Browsers often repair this on their own, so a website \
            looks fine, but mail clients and servers usually do not.",
        why: "Many mail apps and libraries (OpenSSL-based programs, Java, Python, Go, phones) \
            report an untrusted certificate and refuse to connect; senders that verify \
            certificates defer mail.",
        fix: "Configure the full chain, not just the server's certificate: with certbot use \
            `fullchain.pem`, never `cert.pem`. Postfix: `smtpd_tls_chain_files = \
            /etc/letsencrypt/live/HOST/privkey.pem, /etc/letsencrypt/live/HOST/fullchain.pem`; \
            Dovecot: `ssl_cert = </etc/letsencrypt/live/HOST/fullchain.pem`. Reload, then check \
            with `openssl s_client -connect HOST:465 -showcerts`.",
        references: &["RFC 8446 §4.4.2", "RFC 5246 §7.4.2"],
    },
    CodeInfo {
        code: "tls.handshake-failed",
        severity: Severity::Error,
        title: "The TLS handshake failed",
        severity_rule: None,
        what: "Client and server could not set up encryption: the handshake ended with an alert \
            (e.g. `handshake_failure`, `protocol_version`, `internal_error`) or the connection \
            closed midway. Common causes: no TLS version or cipher in common, a certificate and \
            key that do not match, or a middlebox interfering. The evidence names the alert.",
        why: "No encrypted connection is possible, so clients cannot send or fetch mail securely, \
            and senders that require TLS defer mail.",
        fix: "Read the server's log at that moment (Postfix: `SSL_accept error`; Dovecot: \
            `SSL_accept() failed`). Check that key and certificate belong together and that TLS \
            1.2 and 1.3 are enabled (Postfix `smtpd_tls_protocols = >=TLSv1.2`, Dovecot \
            `ssl_min_protocol = TLSv1.2`). Reproduce with `openssl s_client -connect HOST:PORT` \
            (add `-starttls smtp` on 25 and 587).",
        references: &["RFC 8446 §6", "RFC 8446 §4.1"],
    },
    CodeInfo {
        code: "tls.implicit-on-starttls-port",
        severity: Severity::Error,
        title: "TLS was started at once on a port that begins in plain text",
        severity_rule: None,
        what: "This port (25, 587 or 2525) starts in plain text and is switched to encryption by \
            the STARTTLS command, but the client began with a TLS handshake straight away \
            (security \"SSL/TLS\"). The client then reads the server's plain-text greeting as if \
            it were TLS and gives up.",
        why: "No mail can be sent with these settings. Clients report it as OpenSSL `wrong \
            version number`, Java `Unrecognized SSL message, plaintext connection?`, Go `first \
            record does not look like a TLS handshake`, .NET `The handshake failed due to an \
            unexpected packet format`, Python `WRONG_VERSION_NUMBER`, rustls \
            `InvalidContentType`.",
        fix: "In the mail client choose STARTTLS for port 587 (or 25), or keep \"SSL/TLS\" and \
            switch the port to 465. In code: Python `smtplib.SMTP(host, 587)` plus `starttls()` \
            instead of `SMTP_SSL`; nodemailer `secure: false` on 587 (`secure: true` only on \
            465); Java `mail.smtp.starttls.enable=true` instead of `mail.smtp.ssl.enable=true`.",
        references: &["RFC 3207 §4", "RFC 8314 §3.3"],
    },
    CodeInfo {
        code: "tls.legacy-accepted",
        severity: Severity::Warning,
        title: "The server still accepts TLS 1.0 or 1.1",
        severity_rule: None,
        what: "Besides the current TLS 1.2 and 1.3, the server also accepts the retired TLS 1.0 \
            or 1.1. Modern clients do not pick them, but old or misconfigured ones can.",
        why: "Outdated clients can connect with weak cryptography, and security scans and \
            compliance checks (e.g. PCI DSS) flag the server. Both versions were formally \
            deprecated in 2021.",
        fix: "Postfix: `smtpd_tls_protocols = >=TLSv1.2` and `smtpd_tls_mandatory_protocols = \
            >=TLSv1.2`; Dovecot: `ssl_min_protocol = TLSv1.2`; then reload and re-check. On an \
            MX's port 25 some admins keep them on purpose: very old senders would otherwise fall \
            back to unencrypted delivery.",
        references: &["RFC 8996", "RFC 8997"],
    },
    CodeInfo {
        code: "tls.old-protocol",
        severity: Severity::Error,
        title: "The server only speaks outdated TLS 1.0 or 1.1",
        severity_rule: None,
        what: "The server accepts only TLS 1.0 or 1.1, versions retired in 2021. A legacy \
            handshake got through, but a modern TLS 1.2 or 1.3 handshake did not.",
        why: "Current mail apps and libraries refuse these versions (e.g. OpenSSL 3 at its \
            default security level, Java since 2021, rustls), so they cannot connect securely at \
            all.",
        fix: "Update the server's software and TLS library, then enable TLS 1.2 and 1.3. Postfix: \
            `smtpd_tls_protocols = >=TLSv1.2` and `smtpd_tls_mandatory_protocols = >=TLSv1.2`; \
            Dovecot: `ssl_min_protocol = TLSv1.2`; Windows/Exchange: enable TLS 1.2 in SCHANNEL. \
            Check with `openssl s_client -tls1_2 -connect HOST:PORT` (add `-starttls smtp` on 25 \
            and 587).",
        references: &["RFC 8996", "RFC 8997", "RFC 8314 §4.1"],
    },
    CodeInfo {
        code: "tls.starttls-missing",
        severity: Severity::Error,
        title: "The server does not offer STARTTLS",
        severity_rule: Some("Warning on an MX's port 25, where delivery between servers still \
            works unencrypted."),
        what: "This plain-text port (SMTP 25 or 587, IMAP 143, POP3 110) does not announce \
            STARTTLS (STLS in POP3), the command that switches the connection to encryption. \
            Everything, including passwords and mail, would cross the network unencrypted.",
        why: "Clients set to STARTTLS refuse to continue, and clients that go on send passwords \
            in clear. On port 25, senders still deliver but unencrypted, and senders that enforce \
            MTA-STS or DANE refuse.",
        fix: "Postfix: install a certificate (`smtpd_tls_chain_files`), set \
            `smtpd_tls_security_level = may` for port 25 and `-o \
            smtpd_tls_security_level=encrypt` for 587 in `master.cf`. Dovecot: `ssl = yes` (or \
            `required`) with `ssl_cert` and `ssl_key`. Check with `openssl s_client -starttls \
            smtp -connect HOST:587`. Client: use the provider's TLS port instead (465, 993, 995).",
        references: &["RFC 3207 §4", "RFC 2595 §3", "RFC 2595 §4"],
    },
    CodeInfo {
        code: "tls.starttls-on-implicit-port",
        severity: Severity::Error,
        title: "Plain text or STARTTLS was used on a port that expects TLS at once",
        severity_rule: None,
        what: "This port (465 for SMTP, 993 for IMAP, 995 for POP3) expects the TLS handshake as \
            the very first thing (\"implicit TLS\", called SSL/TLS in mail clients). The client \
            connected in plain text and waited for a greeting, but the server says nothing until \
            the handshake starts.",
        why: "The client waits until it times out (nodemailer: `Greeting never received`), so no \
            mail is sent or fetched.",
        fix: "In the mail client set security to SSL/TLS for port 465 (993, 995), or keep \
            STARTTLS and switch to port 587 (143 for IMAP, 110 for POP3). In code: Python \
            `smtplib.SMTP_SSL(host, 465)`; nodemailer `secure: true` on 465; Java \
            `mail.smtp.ssl.enable=true`.",
        references: &["RFC 8314 §3.3", "RFC 8314 §3.2", "RFC 8314 §3.1"],
    },
    CodeInfo {
        code: "tls.starttls-refused",
        severity: Severity::Error,
        title: "The server offers STARTTLS but refuses it",
        severity_rule: None,
        what: "The server announces STARTTLS but answers the command with an error, e.g. `454 \
            4.7.0 TLS not available due to temporary reason`. Almost always its certificate or \
            key file is missing, unreadable or mismatched, so it cannot start TLS.",
        why: "Clients that require encryption cannot continue, so no mail is sent or fetched; \
            sending servers fall back to unencrypted delivery or defer.",
        fix: "Look for TLS errors in the server log (Postfix: `cannot load certificate`, `TLS \
            library problem`). Check that the files in `smtpd_tls_chain_files` (or \
            `smtpd_tls_cert_file` and `smtpd_tls_key_file`) exist, are readable and belong \
            together, then `postfix reload`. Dovecot: check `ssl_cert` and `ssl_key` (the path \
            needs a leading `<`).",
        references: &["RFC 3207 §4"],
    },
    CodeInfo {
        code: "tls.weak-key",
        severity: Severity::Warning,
        title: "The certificate uses a weak key or signature",
        severity_rule: None,
        what: "The certificate has an RSA key under 2048 bits, or a certificate in the chain \
            (other than the root) is signed with SHA-1 or MD5. Such keys can be broken, and such \
            signatures forged, with affordable computing power.",
        why: "Many clients reject these certificates (e.g. OpenSSL at security level 2, the \
            default on Debian and Ubuntu), and public CAs stopped issuing them years ago, so a \
            weak certificate is also a sign of an unmaintained setup.",
        fix: "Get a new certificate with an RSA key of 2048 bits or more or an ECDSA P-256 key, \
            signed with SHA-256 (any public CA, e.g. `certbot certonly --key-type ecdsa -d \
            mail.example.com`), and install it with its full chain (Postfix \
            `smtpd_tls_chain_files`, Dovecot `ssl_cert`/`ssl_key`). Update DANE TLSA records if \
            the key changes.",
        references: &["CA/Browser Forum Baseline Requirements §6.1.5", "NIST SP 800-131A Rev. 2"],
    },
];

/// The catalogue entry for `code`, if it is a known code.
pub fn lookup(code: &str) -> Option<&'static CodeInfo> {
    CATALOGUE
        .binary_search_by(|info| info.code.cmp(code))
        .ok()
        .map(|i| &CATALOGUE[i])
}

/// The area of a code, the part before the dot: "tls" for "tls.cert-expired".
pub fn area(code: &str) -> &str {
    code.split_once('.').map_or(code, |(area, _)| area)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code of the published catalogue (findings.md), in its order, with its default
    /// severity. Codes are public interface: this list catches a rename, a removal or a change
    /// of default severity.
    const PUBLISHED: &[(&str, char)] = &[
        ("dns.no-such-host", 'E'),
        ("dns.no-address", 'E'),
        ("dns.lookup-failed", 'E'),
        ("dns.no-mx", 'W'),
        ("dns.null-mx", 'I'),
        ("dns.mx-invalid-target", 'E'),
        ("dns.ptr-missing", 'W'),
        ("dns.ptr-mismatch", 'W'),
        ("net.port-filtered", 'E'),
        ("net.port-closed", 'E'),
        ("net.connection-reset", 'E'),
        ("net.ipv6-unreachable", 'W'),
        ("net.slow", 'W'),
        ("tls.implicit-on-starttls-port", 'E'),
        ("tls.starttls-on-implicit-port", 'E'),
        ("tls.starttls-missing", 'E'),
        ("tls.starttls-refused", 'E'),
        ("tls.handshake-failed", 'E'),
        ("tls.old-protocol", 'E'),
        ("tls.legacy-accepted", 'W'),
        ("tls.cert-expired", 'E'),
        ("tls.cert-not-yet-valid", 'E'),
        ("tls.cert-expiring-soon", 'W'),
        ("tls.cert-hostname-mismatch", 'E'),
        ("tls.cert-untrusted", 'E'),
        ("tls.chain-incomplete", 'E'),
        ("tls.weak-key", 'W'),
        ("smtp.no-banner", 'E'),
        ("smtp.rejected-greeting", 'E'),
        ("smtp.no-ehlo", 'W'),
        ("smtp.protocol-violation", 'E'),
        ("smtp.auth-not-offered", 'E'),
        ("smtp.auth-over-plaintext", 'W'),
        ("smtp.banner-name-mismatch", 'I'),
        ("smtp.open-relay", 'E'),
        ("imap.login-over-plaintext", 'W'),
        ("pop3.login-over-plaintext", 'W'),
        ("imap.no-banner", 'E'),
        ("pop3.no-banner", 'E'),
        ("imap.protocol-violation", 'E'),
        ("pop3.protocol-violation", 'E'),
        ("auth.bad-credentials", 'E'),
        ("auth.username-not-address", 'E'),
        ("auth.username-not-local-part", 'E'),
        ("auth.app-password-required", 'E'),
        ("auth.web-login-required", 'E'),
        ("auth.smtp-auth-disabled", 'E'),
        ("auth.oauth-required", 'E'),
        ("auth.tls-required", 'E'),
        ("auth.mechanism-mismatch", 'E'),
        ("auth.protocol-disabled", 'E'),
        ("auth.sender-not-owned", 'E'),
        ("auth.rate-limited", 'W'),
        ("spf.missing", 'W'),
        ("spf.multiple-records", 'E'),
        ("spf.syntax", 'E'),
        ("spf.too-many-lookups", 'E'),
        ("spf.void-lookups", 'E'),
        ("spf.include-broken", 'E'),
        ("spf.permissive-all", 'E'),
        ("spf.ptr-used", 'W'),
        ("spf.sender-not-permitted", 'E'),
        ("dkim.not-found", 'I'),
        ("dkim.key-weak", 'W'),
        ("dkim.revoked", 'W'),
        ("dkim.testing", 'W'),
        ("dkim.syntax", 'E'),
        ("dmarc.missing", 'W'),
        ("dmarc.multiple-records", 'E'),
        ("dmarc.syntax", 'E'),
        ("dmarc.policy-none", 'W'),
        ("dmarc.partial-pct", 'W'),
        ("dmarc.no-reports", 'I'),
        ("dmarc.report-auth-missing", 'W'),
        ("mta-sts.missing", 'I'),
        ("mta-sts.policy-unreachable", 'E'),
        ("mta-sts.policy-invalid", 'E'),
        ("mta-sts.mx-not-covered", 'E'),
        ("mta-sts.testing-mode", 'I'),
        ("tls-rpt.missing", 'I'),
        ("dane.tlsa-mismatch", 'E'),
        ("dane.unsigned", 'W'),
        ("dnsbl.listed", 'E'),
        ("config.wrong-port", 'E'),
        ("config.security-mismatch", 'E'),
        ("config.unknown-provider-host", 'E'),
        ("config.incomplete", 'E'),
        ("config.password-on-command-line", 'W'),
    ];

    /// Codes whose severity depends on context (the notes in findings.md's sev column).
    const CONTEXT_DEPENDENT: &[&str] = &[
        "dkim.key-weak",
        "dkim.not-found",
        "dkim.revoked",
        "dmarc.missing",
        "dns.no-mx",
        "dns.null-mx",
        "dns.ptr-missing",
        "net.port-closed",
        "spf.missing",
        "spf.permissive-all",
        "tls.starttls-missing",
    ];

    fn letter(severity: Severity) -> char {
        match severity {
            Severity::Info => 'I',
            Severity::Warning => 'W',
            Severity::Error => 'E',
        }
    }

    fn texts(info: &CodeInfo) -> Vec<(&'static str, &'static str)> {
        let mut texts = vec![
            ("title", info.title),
            ("what", info.what),
            ("why", info.why),
            ("fix", info.fix),
        ];
        if let Some(rule) = info.severity_rule {
            texts.push(("severity_rule", rule));
        }
        for reference in info.references {
            texts.push(("references", reference));
        }
        texts
    }

    #[test]
    fn codes_are_sorted_and_unique() {
        for pair in CATALOGUE.windows(2) {
            assert!(
                pair[0].code < pair[1].code,
                "{} must come after {} (sorted, no duplicates)",
                pair[1].code,
                pair[0].code
            );
        }
    }

    #[test]
    fn codes_have_the_area_dot_name_form() {
        let part_ok = |part: &str| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        };
        for info in CATALOGUE {
            let (area_part, name) = info.code.split_once('.').unwrap_or(("", ""));
            assert!(
                part_ok(area_part) && part_ok(name),
                "{} does not match ^[a-z0-9-]+\\.[a-z0-9-]+$",
                info.code
            );
            assert_eq!(area(info.code), area_part);
        }
    }

    #[test]
    fn the_set_of_codes_is_exactly_the_published_one() {
        let mut published: Vec<&str> = PUBLISHED.iter().map(|(code, _)| *code).collect();
        published.sort_unstable();
        let catalogue: Vec<&str> = CATALOGUE.iter().map(|info| info.code).collect();
        let missing: Vec<&&str> = published
            .iter()
            .filter(|c| !catalogue.contains(c))
            .collect();
        let extra: Vec<&&str> = catalogue
            .iter()
            .filter(|c| !published.contains(c))
            .collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "missing: {missing:?}, not published: {extra:?}"
        );
        assert_eq!(catalogue, published);
    }

    #[test]
    fn default_severities_are_the_published_ones() {
        for (code, expected) in PUBLISHED {
            let info = lookup(code).unwrap_or_else(|| panic!("{code} is missing"));
            assert_eq!(
                letter(info.severity),
                *expected,
                "default severity of {code}"
            );
        }
    }

    #[test]
    fn context_dependent_severities_state_their_rule() {
        for info in CATALOGUE {
            let expected = CONTEXT_DEPENDENT.contains(&info.code);
            assert_eq!(
                info.severity_rule.is_some(),
                expected,
                "{}: severity_rule should be {}",
                info.code,
                if expected { "Some" } else { "None" }
            );
        }
    }

    #[test]
    fn every_text_is_filled_in() {
        for info in CATALOGUE {
            assert!(
                !info.references.is_empty(),
                "{} has no reference",
                info.code
            );
            for (field, text) in texts(info) {
                let code = info.code;
                assert!(!text.trim().is_empty(), "{code}: {field} is empty");
                assert!(!text.contains("TODO"), "{code}: {field} contains TODO");
                assert_eq!(text.trim(), text, "{code}: {field} has outer whitespace");
                assert!(!text.contains("  "), "{code}: {field} has a double space");
                assert!(!text.contains('\n'), "{code}: {field} has a line break");
            }
        }
    }

    #[test]
    fn texts_stay_short() {
        for info in CATALOGUE {
            let code = info.code;
            assert!(info.title.chars().count() <= 80, "{code}: title too long");
            assert!(info.what.chars().count() <= 400, "{code}: what too long");
            assert!(info.why.chars().count() <= 400, "{code}: why too long");
            assert!(info.fix.chars().count() <= 500, "{code}: fix too long");
        }
    }

    #[test]
    fn lookup_finds_every_code_and_nothing_else() {
        for info in CATALOGUE {
            let found = lookup(info.code).expect("every catalogued code is found");
            assert!(std::ptr::eq(found, info));
        }
        for unknown in [
            "",
            "tls",
            "tls.",
            "tls.cert",
            "TLS.CERT-EXPIRED",
            "zzz.none",
        ] {
            assert!(lookup(unknown).is_none(), "{unknown:?} should not be found");
        }
        assert_eq!(
            lookup("tls.cert-expired").unwrap().title,
            "The certificate has expired"
        );
    }

    #[test]
    fn area_is_the_part_before_the_dot() {
        assert_eq!(area("tls.cert-expired"), "tls");
        assert_eq!(area("tls-rpt.missing"), "tls-rpt");
        assert_eq!(area("mta-sts.policy-invalid"), "mta-sts");
        assert_eq!(area("nodot"), "nodot");
    }
}
