//! Which mail server software answered, recognised from what it said about itself: the SMTP
//! greeting and EHLO lines, the IMAP greeting and CAPABILITY, the POP3 greeting and CAPA
//! (`IMPLEMENTATION`). Used to give the fix in that software's own settings.

use crate::evidence::PortProbe;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Software {
    Postfix,
    Exim,
    OpenSmtpd,
    Haraka,
    Aiosmtpd,
    Dovecot,
    Courier,
}

impl Software {
    pub fn name(self) -> &'static str {
        match self {
            Software::Postfix => "Postfix",
            Software::Exim => "Exim",
            Software::OpenSmtpd => "OpenSMTPD",
            Software::Haraka => "Haraka",
            Software::Aiosmtpd => "aiosmtpd",
            Software::Dovecot => "Dovecot",
            Software::Courier => "Courier",
        }
    }
}

/// Word sequences that name the software (lower-case, matched as whole words). aiosmtpd greets
/// with `Python SMTP 1.4.6` unless its `ident` is changed.
const MARKS: &[(&[&str], Software)] = &[
    (&["postfix"], Software::Postfix),
    (&["exim"], Software::Exim),
    (&["opensmtpd"], Software::OpenSmtpd),
    (&["haraka"], Software::Haraka),
    (&["aiosmtpd"], Software::Aiosmtpd),
    (&["python", "smtp"], Software::Aiosmtpd),
    (&["dovecot"], Software::Dovecot),
    (&["courier", "imap"], Software::Courier),
    (&["courier", "mail", "server"], Software::Courier),
    (&["courier", "pop3"], Software::Courier),
];

/// The words of a line without its host names, addresses and versions (tokens with a dot;
/// `Haraka/3.0.3` is two), so `220 exim.example.net ESMTP Postfix` is Postfix, not Exim.
fn words(line: &str) -> Vec<String> {
    line.split(|c: char| c.is_whitespace() || c == '/')
        .filter(|t| !t.contains('.'))
        .flat_map(|t| t.split(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn named(line: &str) -> Option<Software> {
    let w = words(line);
    MARKS
        .iter()
        .find(|(seq, _)| w.windows(seq.len()).any(|win| win == *seq))
        .map(|(_, s)| *s)
}

/// The software and the line that named it, from the greeting first, then the capabilities
/// before and after TLS.
pub fn recognise(p: &PortProbe) -> Option<(Software, String)> {
    let greeting = p.greeting.iter().flat_map(|g| g.lines.iter());
    let caps = [&p.capabilities, &p.capabilities_after_tls]
        .into_iter()
        .flatten()
        .flat_map(|c| c.raw.iter());
    greeting
        .chain(caps)
        .find_map(|l| named(l).map(|s| (s, l.clone())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greetings_name_the_software() {
        for (line, sw) in [
            ("220 exim.mxray.test ESMTP Exim 4.96 Thu, 03 Dec 2026 08:51:30 +0000", Software::Exim),
            ("220 mail.example.com ESMTP Postfix (Debian/GNU)", Software::Postfix),
            ("220 exim.example.net ESMTP Postfix", Software::Postfix),
            ("220 aiosmtpd.mxray.test Python SMTP 1.4.6", Software::Aiosmtpd),
            ("220 mx.example.org ESMTP OpenSMTPD", Software::OpenSmtpd),
            ("220 mx.example.org ESMTP Haraka/3.0.3 ready", Software::Haraka),
            ("* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] Courier-IMAP ready. Copyright 1998-2019 Double Precision, Inc.", Software::Courier),
            ("IMPLEMENTATION Courier Mail Server", Software::Courier),
            ("+OK Dovecot (Debian) ready.", Software::Dovecot),
            ("* OK [CAPABILITY IMAP4rev1 SASL-IR] Dovecot ready.", Software::Dovecot),
        ] {
            assert_eq!(named(line), Some(sw), "{line}");
        }
        for line in [
            "220 courier.example.com ESMTP",
            "+OK Hello there.",
            "220 smtp.gmail.com ESMTP a1-2020 - gsmtp",
        ] {
            assert_eq!(named(line), None, "{line}");
        }
    }
}
