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
