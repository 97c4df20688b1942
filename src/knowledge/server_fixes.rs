//! Fixes in the settings of the server software that answered (recognised by
//! `server_software`), for the findings whose catalogue fix speaks Postfix and Dovecot: STARTTLS
//! missing, AUTH before TLS, plaintext logins, old TLS versions, certificate problems. Each is the
//! software's own setting followed by the software-neutral fix.

use super::server_software::{recognise, Software};
use crate::evidence::PortProbe;
use crate::findings::Finding;

/// What kind of fix a finding code needs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Topic {
    StarttlsMissing,
    AuthBeforeTls,
    PlaintextLogin,
    OldTls,
    Certificate,
    /// TLS announced but it does not start: the certificate or key does not load.
    TlsBroken,
}

fn topic(code: &str) -> Option<Topic> {
    Some(match code {
        "tls.starttls-missing" => Topic::StarttlsMissing,
        "smtp.auth-over-plaintext" => Topic::AuthBeforeTls,
        "imap.login-over-plaintext" | "pop3.login-over-plaintext" => Topic::PlaintextLogin,
        "tls.legacy-accepted" | "tls.old-protocol" => Topic::OldTls,
        "tls.cert-expired"
        | "tls.cert-expiring-soon"
        | "tls.cert-not-yet-valid"
        | "tls.cert-untrusted"
        | "tls.cert-hostname-mismatch"
        | "tls.chain-incomplete"
        | "tls.weak-key" => Topic::Certificate,
        "tls.starttls-broken" | "tls.handshake-failed" => Topic::TlsBroken,
        _ => return None,
    })
}

/// The software-neutral part, per code.
fn generic(code: &str) -> &'static str {
    match code {
        "tls.starttls-broken" | "tls.handshake-failed" => {
            "In general: make sure the certificate and key files exist, belong together and \
             are readable by the user the server runs TLS as, and reproduce with `openssl \
             s_client -connect HOST:PORT -starttls imap` (pop3, smtp)."
        }
        "tls.starttls-missing" => {
            "In general: install a certificate for the server's name and turn STARTTLS on for \
             the port, then check with `openssl s_client -starttls smtp -connect HOST:PORT` \
             (`-starttls imap` / `pop3` on 143 / 110)."
        }
        "smtp.auth-over-plaintext" => {
            "In general: announce AUTH only after STARTTLS and require TLS on port 587 \
             (RFC 8314); `EHLO` before STARTTLS must not list AUTH. Clients: STARTTLS on 587 or \
             SSL/TLS on 465."
        }
        "imap.login-over-plaintext" | "pop3.login-over-plaintext" => {
            "In general: refuse logins before STARTTLS/STLS, and prefer implicit TLS on 993 and \
             995 (RFC 8314)."
        }
        "tls.legacy-accepted" | "tls.old-protocol" => {
            "In general: accept only TLS 1.2 and 1.3 (RFC 8996 deprecates 1.0 and 1.1), then \
             re-check with `openssl s_client -tls1_1` (it must fail)."
        }
        "tls.cert-hostname-mismatch" => {
            "In general: get a certificate whose names include every name clients connect to \
             (`certbot certonly -d mail.example.com -d smtp.example.com`), or have clients use a \
             name it covers."
        }
        "tls.cert-untrusted" => {
            "In general: use a certificate from a public CA (Let's Encrypt is free) with its \
             full chain."
        }
        "tls.chain-incomplete" => {
            "In general: serve the intermediate certificates after the server's own (certbot's \
             `fullchain.pem`, never `cert.pem`)."
        }
        "tls.weak-key" => {
            "In general: a new certificate with an RSA key of 2048 bits or more or an ECDSA \
             P-256 key."
        }
        "tls.cert-not-yet-valid" => {
            "In general: check the clocks (`date -u`), else reissue the certificate with a \
             correct validity period."
        }
        _ => {
            "In general: renew the certificate (`certbot renew`, or your ACME client or CA), \
             install the new files and make the server load them: a server keeps serving the \
             old certificate until then."
        }
    }
}

/// The software's own setting for a topic; `None` where the catalogue's fix (Postfix,
/// Dovecot) already is the software's, or the software has nothing to say on it.
#[allow(
    clippy::too_many_lines,
    reason = "a table of texts: one arm per software and topic reads best as one match"
)]
fn specific(sw: Software, t: Topic) -> Option<&'static str> {
    use Software::*;
    use Topic::*;
    Some(match (sw, t) {
        (Postfix | Dovecot, _) => return None,
        (Exim, StarttlsMissing) => {
            "Exim: set `tls_certificate` (the full chain, server certificate first) and \
             `tls_privatekey` in the main configuration and `tls_advertise_hosts = *` (Debian: \
             `MAIN_TLS_ENABLE = yes` in /etc/exim4/exim4.conf.localmacros, then \
             `update-exim4.conf`), and restart Exim."
        }
        (Exim, AuthBeforeTls) => {
            "Exim: `auth_advertise_hosts = ${if eq{$tls_in_cipher}{}{}{*}}` in the main \
             configuration, or `server_advertise_condition = ${if def:tls_in_cipher}` in each \
             authenticator (Debian's template does this unless \
             `AUTH_SERVER_ALLOW_NOTLS_PASSWORDS` is set)."
        }
        (Exim, OldTls) => {
            "Exim: with GnuTLS (Debian's build) `tls_require_ciphers = \
             NORMAL:-VERS-TLS1.0:-VERS-TLS1.1`; with OpenSSL `openssl_options = +no_tlsv1 \
             +no_tlsv1_1`; then restart Exim."
        }
        (Exim, Certificate) => {
            "Exim: point `tls_certificate` (full chain, server certificate first) and \
             `tls_privatekey` at the new files, readable by the Exim user, and restart Exim."
        }
        (OpenSmtpd, StarttlsMissing) => {
            "OpenSMTPD: declare the certificate (`pki mail.example.com cert \
             \"/etc/ssl/mail.example.com.fullchain.pem\"` and `pki mail.example.com key \
             \"/etc/ssl/private/mail.example.com.key\"`) and add `tls pki mail.example.com` \
             (`tls-require` on 587) to the `listen on` line in smtpd.conf, then restart smtpd."
        }
        (OpenSmtpd, AuthBeforeTls) => {
            "OpenSMTPD: put `tls-require` on the `listen on` line that has `auth`, so AUTH \
             comes only after STARTTLS (or use `smtps` on 465)."
        }
        (OpenSmtpd, OldTls) => {
            "OpenSMTPD: `protocols \"tlsv1.2,tlsv1.3\"` on the `listen on` lines in smtpd.conf, \
             then restart smtpd."
        }
        (OpenSmtpd, Certificate) => {
            "OpenSMTPD: replace the files named by the `pki ... cert` and `pki ... key` lines \
             in smtpd.conf and restart smtpd: it reads them only at start."
        }
        (Haraka, StarttlsMissing) => {
            "Haraka: enable the `tls` plugin (config/plugins) with the key and certificate \
             chain in config/tls_key.pem and config/tls_cert.pem (or `key=` / `cert=` in \
             config/tls.ini), then restart Haraka."
        }
        (Haraka, AuthBeforeTls) => {
            "Haraka: let the auth plugin (e.g. `auth/flat_file`) offer AUTH only on TLS \
             connections: keep the `tls` plugin loaded before it and do not allow cleartext \
             AUTH."
        }
        (Haraka, OldTls) => {
            "Haraka: `minVersion=TLSv1.2` in the `[main]` section of config/tls.ini, then \
             restart Haraka."
        }
        (Haraka, Certificate) => {
            "Haraka: replace config/tls_cert.pem (full chain) and config/tls_key.pem, or the \
             files config/tls.ini names, and restart Haraka."
        }
        (Aiosmtpd, StarttlsMissing) => {
            "aiosmtpd: pass `tls_context=` (an `ssl.SSLContext` with `load_cert_chain(fullchain, \
             key)`) to `SMTP` / `Controller`, and `require_starttls=True` on 587."
        }
        (Aiosmtpd, AuthBeforeTls) => {
            "aiosmtpd: keep `auth_require_tls=True` (its default) and give the server a \
             `tls_context`, so AUTH is offered only after STARTTLS."
        }
        (Aiosmtpd, OldTls) => {
            "aiosmtpd: `context.minimum_version = ssl.TLSVersion.TLSv1_2` on the context given \
             as `tls_context` (and as `ssl=` for implicit TLS)."
        }
        (Aiosmtpd, Certificate) => {
            "aiosmtpd: load the new files with `context.load_cert_chain(fullchain, key)` and \
             restart the process: the context is built once at start."
        }
        (Courier, StarttlsMissing) => {
            "Courier: `IMAPDSTARTTLS=YES` in /etc/courier/imapd-ssl (POP3: `POP3_STARTTLS=YES` \
             in pop3d-ssl) and `TLS_CERTFILE` naming a PEM with the key and the certificate \
             chain, then restart courier-imap / courier-pop."
        }
        (Courier, PlaintextLogin) => {
            "Courier: `IMAP_TLS_REQUIRED=1` in /etc/courier/imapd-ssl and `POP3_TLS_REQUIRED=1` \
             in /etc/courier/pop3d-ssl (IMAP then announces LOGINDISABLED until STARTTLS), then \
             restart courier-imap and courier-pop."
        }
        (Courier, OldTls) => {
            "Courier: with GnuTLS (Debian's build) `TLS_PRIORITY=\"NORMAL:-VERS-TLS1.0:-VERS-TLS1.1\"`, \
             with OpenSSL `TLS_PROTOCOL=TLSv1.2`, in /etc/courier/imapd-ssl and pop3d-ssl, then \
             restart courier-imap and courier-pop."
        }
        (Courier, Certificate) => {
            "Courier: put the key and the certificate chain into the PEM file named by \
             `TLS_CERTFILE` in /etc/courier/imapd-ssl and pop3d-ssl (readable by the `courier` \
             user), then restart courier-imap and courier-pop."
        }
        (Courier, TlsBroken) => {
            "Courier: the PEM file named by `TLS_CERTFILE` in /etc/courier/imapd-ssl and \
             pop3d-ssl must exist and hold the key and the certificate chain, readable by the \
             `courier` user, and `COURIERTLS` must name couriertls; Courier's log shows \
             `couriertls:` errors. Restart courier-imap and courier-pop."
        }
        (Exim, TlsBroken) => {
            "Exim: check that the files named by `tls_certificate` and `tls_privatekey` load \
             (the panic log and `exim -bd -d+tls` show why), readable by the Exim user, and \
             restart Exim."
        }
        (Aiosmtpd, TlsBroken) => {
            "aiosmtpd: build the `tls_context` with `load_cert_chain(fullchain, key)` at start \
             and check the process log for the SSL error."
        }
        (Haraka, TlsBroken) => {
            "Haraka: check config/tls_key.pem and config/tls_cert.pem (or the files \
             config/tls.ini names) load: Haraka's log names the TLS error."
        }
        (OpenSmtpd, TlsBroken) => {
            "OpenSMTPD: 6.8 built against OpenSSL 3 (Debian 12's package) answers every \
             handshake with internal_error: upgrade to OpenSMTPD 7 (Debian 13, or a backport). \
             Otherwise check the `pki` cert and key files load (`smtpd -n`) and restart smtpd."
        }
        _ => return None,
    })
}

/// The fix for `code` on a server recognised as `sw`: its own setting, then the general fix.
pub fn fix_for(sw: Software, code: &str) -> Option<String> {
    let s = specific(sw, topic(code)?)?;
    Some(format!("{s} {}", generic(code)))
}

/// Whether `subject` is about `endpoint` (`127.0.0.51:25 (smtp)`, `certificate NAME on
/// 127.0.0.51:25`): a whole word of it, so :25 is not :255.
fn about(subject: &str, endpoint: &str) -> bool {
    subject
        .split_whitespace()
        .any(|w| w.trim_matches(|c| c == '(' || c == ')' || c == ',') == endpoint)
}

/// Rewrites the fix of every finding about an endpoint whose software was recognised, and says
/// how it was recognised.
pub fn apply(probes: &[PortProbe], out: &mut [Finding]) {
    for f in out.iter_mut() {
        if topic(&f.code).is_none() {
            continue;
        }
        let Some((sw, seen)) = probes
            .iter()
            .filter(|p| about(&f.subject, &p.endpoint()))
            .find_map(recognise)
        else {
            continue;
        };
        if let Some(fix) = fix_for(sw, &f.code) {
            f.fix = fix;
            let seen: String = seen.chars().take(100).collect();
            f.evidence
                .push(format!("server software: {} (from `{seen}`)", sw.name()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_topic_has_the_softwares_setting_and_the_general_fix() {
        let f = fix_for(Software::Exim, "smtp.auth-over-plaintext").unwrap();
        assert!(f.starts_with("Exim: `auth_advertise_hosts"), "{f}");
        assert!(
            f.contains("In general: announce AUTH only after STARTTLS"),
            "{f}"
        );
        assert!(!f.contains("Postfix") && !f.contains("smtpd_"), "{f}");
        let f = fix_for(Software::Courier, "pop3.login-over-plaintext").unwrap();
        assert!(
            f.contains("`POP3_TLS_REQUIRED=1`") && !f.contains("Dovecot"),
            "{f}"
        );
        let f = fix_for(Software::Aiosmtpd, "tls.legacy-accepted").unwrap();
        assert!(
            f.contains("TLSVersion.TLSv1_2") && f.contains("RFC 8996"),
            "{f}"
        );
        for code in [
            "tls.cert-expired",
            "tls.chain-incomplete",
            "tls.cert-untrusted",
        ] {
            for sw in [
                Software::Exim,
                Software::OpenSmtpd,
                Software::Haraka,
                Software::Aiosmtpd,
                Software::Courier,
            ] {
                let f = fix_for(sw, code).unwrap();
                assert!(f.starts_with(sw.name()), "{f}");
                assert!(!f.contains("smtpd_tls") && !f.contains("ssl_cert"), "{f}");
            }
        }
        // Postfix's and Dovecot's are the catalogue's own; SMTP settings are not Courier's.
        assert!(fix_for(Software::Postfix, "tls.cert-expired").is_none());
        assert!(fix_for(Software::Courier, "smtp.auth-over-plaintext").is_none());
        assert!(fix_for(Software::Exim, "auth.bad-credentials").is_none());
    }

    #[test]
    fn subjects_name_whole_endpoints() {
        assert!(about("127.0.0.51:25 (smtp)", "127.0.0.51:25"));
        assert!(about(
            "certificate eximbad.mxray.test on 127.0.0.51:25",
            "127.0.0.51:25"
        ));
        assert!(!about("127.0.0.51:255 (smtp)", "127.0.0.51:25"));
        assert!(about("[::1]:587 (submission)", "[::1]:587"));
    }
}
