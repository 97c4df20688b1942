//! The security setting judged against the standard port it is used with, for SMTP and the
//! reading side alike.

use crate::evidence::check::SettingValue;
use crate::evidence::Protocol;
use crate::findings::Finding;

/// The standard ports of `protocol`: (implicit TLS, STARTTLS or no encryption).
pub fn standard_ports(protocol: Protocol) -> (Vec<u16>, Vec<u16>) {
    let ports = crate::evidence::ports::STANDARD_PORTS
        .iter()
        .filter(|s| s.protocol == protocol && (s.client || s.port == 25));
    let (implicit, starttls): (Vec<_>, Vec<_>) = ports.partition(|s| s.security.is_implicit());
    (
        implicit.iter().map(|s| s.port).collect(),
        starttls.iter().map(|s| s.port).collect(),
    )
}

/// `config.security-mismatch` when `sec` contradicts what the standard port expects: SSL/TLS
/// on a STARTTLS port, STARTTLS or no encryption on an implicit-TLS port of `protocol`.
/// `named` puts the protocol's name in the summary.
pub fn security_mismatch(
    port: &SettingValue,
    sec: &SettingValue,
    protocol: Protocol,
    named: bool,
) -> Option<Finding> {
    let implicit = sec.value == "implicit";
    let (implicit_ports, starttls_ports) = standard_ports(protocol);
    let expects_other = if implicit {
        starttls_ports
    } else {
        implicit_ports
    };
    if !expects_other.contains(&port.value.parse::<u16>().ok()?) {
        return None;
    }
    let (said, should) = if implicit {
        ("SSL/TLS", "STARTTLS")
    } else {
        ("STARTTLS or no encryption", "SSL/TLS")
    };
    let name = if named {
        format!("{} ", protocol.label())
    } else {
        String::new()
    };
    Some(
        Finding::new(
            crate::code!("config.security-mismatch"),
            format!("port {}", port.value),
            format!(
                "{name}port {} is used with {said}, but that port expects {should}",
                port.value
            ),
        )
        .evidence(format!(
            "port from {}, security from {} ({})",
            port.source, sec.source, sec.value
        )),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::Severity;

    fn value(value: &str, source: &str) -> SettingValue {
        SettingValue {
            value: value.into(),
            source: source.into(),
        }
    }

    #[test]
    fn security_against_the_standard_port() {
        // (protocol, port, security, named) → the summary of config.security-mismatch, if any.
        let cases: &[(Protocol, &str, &str, bool, Option<&str>)] = &[
            (Protocol::Smtp, "587", "implicit", false, Some("port 587 is used with SSL/TLS, but that port expects STARTTLS")),
            (Protocol::Smtp, "25", "implicit", false, Some("port 25 is used with SSL/TLS, but that port expects STARTTLS")),
            (Protocol::Smtp, "465", "starttls", false, Some("port 465 is used with STARTTLS or no encryption, but that port expects SSL/TLS")),
            (Protocol::Smtp, "465", "none", false, Some("port 465 is used with STARTTLS or no encryption, but that port expects SSL/TLS")),
            (Protocol::Imap, "143", "implicit", true, Some("IMAP port 143 is used with SSL/TLS, but that port expects STARTTLS")),
            (Protocol::Imap, "993", "starttls", true, Some("IMAP port 993 is used with STARTTLS or no encryption, but that port expects SSL/TLS")),
            (Protocol::Pop3, "995", "none", true, Some("POP3 port 995 is used with STARTTLS or no encryption, but that port expects SSL/TLS")),
            // The setting fits the port.
            (Protocol::Smtp, "465", "implicit", false, None),
            (Protocol::Smtp, "587", "starttls", false, None),
            (Protocol::Imap, "993", "implicit", true, None),
            (Protocol::Pop3, "110", "starttls", true, None),
            // Another protocol's port, a non-standard port, a relay alternate, not a number.
            (Protocol::Imap, "587", "implicit", true, None),
            (Protocol::Smtp, "993", "starttls", false, None),
            (Protocol::Smtp, "2525", "implicit", false, None),
            (Protocol::Smtp, "2465", "starttls", false, None),
            (Protocol::Smtp, "8025", "implicit", false, None),
            (Protocol::Smtp, "smtp", "implicit", false, None),
        ];
        for &(protocol, port, security, named, want) in cases {
            let case = format!("{protocol:?} {port} {security}");
            let got = security_mismatch(
                &value(port, "--port"),
                &value(security, "MAIL_ENCRYPTION in .env"),
                protocol,
                named,
            );
            match (got, want) {
                (None, None) => {}
                (Some(f), Some(summary)) => {
                    assert_eq!(f.code, "config.security-mismatch", "{case}");
                    assert_eq!(f.severity, Severity::Error, "{case}");
                    assert_eq!(f.subject, format!("port {port}"), "{case}");
                    assert_eq!(f.summary, summary, "{case}");
                    assert_eq!(
                        f.evidence,
                        [format!(
                            "port from --port, security from MAIL_ENCRYPTION in .env ({security})"
                        )],
                        "{case}"
                    );
                }
                (got, want) => panic!("{case}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn standard_ports_split_by_tls_mode() {
        assert_eq!(standard_ports(Protocol::Smtp), (vec![465], vec![587, 25]));
        assert_eq!(standard_ports(Protocol::Imap), (vec![993], vec![143]));
        assert_eq!(standard_ports(Protocol::Pop3), (vec![995], vec![110]));
    }
}
