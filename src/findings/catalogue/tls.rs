//! Catalogue entries for `tls.*`: TLS mode, handshake and certificates.

use super::CodeInfo;
use crate::findings::Severity;

pub(super) const ENTRIES: &[CodeInfo] = &[
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
        severity_rule: Some(
            "Warning for an IP address probed without --tls-name: the certificate was checked \
            against the address, which clients that connect by name never use.",
        ),
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
        code: "tls.chain-too-long",
        severity: Severity::Error,
        title: "The certificate chain is too long to verify",
        severity_rule: None,
        what: "The server sends a chain with more intermediate certificates than verifiers \
            follow: webpki (rustls, and so mxray) stops after 6 intermediates, browsers and \
            OpenSSL-based clients after a similar handful. Real chains have one or two \
            intermediates; a long one is a misconfigured bundle (the same file concatenated \
            over and over, or a test chain left in place).",
        why: "The chain cannot be verified however trustworthy its root is: clients refuse the \
            connection with an untrusted-certificate or path-length error, and senders that \
            verify certificates defer mail.",
        fix: "Serve the leaf and the one or two intermediates your CA issued, nothing more: with \
            certbot `fullchain.pem` (Postfix `smtpd_tls_chain_files`, Dovecot `ssl_cert`). \
            Check with `openssl s_client -connect HOST:PORT -showcerts` (add `-starttls smtp` on \
            25 and 587) and count the certificates.",
        references: &["RFC 5280 §6.1", "RFC 8446 §4.4.2"],
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
        code: "tls.handshake-too-large",
        severity: Severity::Error,
        title: "The TLS handshake is larger than clients read",
        severity_rule: None,
        what: "The server does speak TLS, but one of its handshake messages — the certificate \
            chain, in practice — is larger than mxray reads (64 KiB per handshake message, \
            rustls' bound against memory exhaustion). Ordinary chains are 2 to 6 KiB; this \
            one carries a huge certificate, thousands of names or a bundle of unrelated \
            certificates.",
        why: "Clients have similar bounds (OpenSSL refuses a chain over 100 KiB by default), so \
            they fail the handshake and cannot send or fetch mail securely; mxray could not \
            check the certificate.",
        fix: "Serve a normal certificate and chain: the leaf with the names clients use and the \
            CA's intermediates (certbot `fullchain.pem`), not a bundle of every certificate on \
            the machine. Check the size with `openssl s_client -connect HOST:PORT -showcerts | \
            wc -c` (add `-starttls smtp` on 25 and 587).",
        references: &["RFC 8446 §4.4.2", "RFC 8446 §4"],
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
        code: "tls.starttls-broken",
        severity: Severity::Error,
        title: "STARTTLS is accepted, then no TLS follows",
        severity_rule: None,
        what: "The server answers STARTTLS (STLS) with its go-ahead (`220`, `OK`, `+OK`) but then \
            does not speak TLS: it reads the client's TLS ClientHello as a plaintext command \
            and answers it in plaintext (the evidence shows what it sent). Usual causes: a \
            firewall or proxy that inspects SMTP, or a server whose TLS layer failed to load \
            but still advertises STARTTLS.",
        why: "No client can secure the connection: clients that require TLS fail (\"wrong \
            version number\", \"unexpected message\"), and a client that falls back to \
            plaintext sends mail and passwords unencrypted.",
        fix: "Check the server's log at the STARTTLS moment (Postfix: `cannot load certificate`, \
            `TLS library problem`; Dovecot: `ssl_cert` errors) and that the certificate and key \
            files load. If a firewall or proxy inspects SMTP (Cisco \"SMTP fixup\"/ESMTP \
            inspection), turn that inspection off. Test with `openssl s_client -connect \
            HOST:PORT -starttls smtp` (imap, pop3).",
        references: &["RFC 3207 §4", "RFC 2595 §3.2"],
    },
    CodeInfo {
        code: "tls.starttls-missing",
        severity: Severity::Error,
        title: "The server does not offer STARTTLS",
        severity_rule: Some(
            "Warning on an MX's port 25, where delivery between servers still \
            works unencrypted.",
        ),
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
        references: &[
            "CA/Browser Forum Baseline Requirements §6.1.5",
            "NIST SP 800-131A Rev. 2",
        ],
    },
];
