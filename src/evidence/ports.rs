//! The one table of standard mail ports: which protocol, security mode and role each stands
//! for (RFC 8314 for the implicit-TLS ports, RFC 6409 for submission, RFC 5321 for relay).
//! Every "which port is which" question in mxray is answered from here.

use super::{Protocol, Role, Security};

pub struct StandardPort {
    pub port: u16,
    pub protocol: Protocol,
    pub security: Security,
    pub role: Role,
    /// A port mail clients use (the relay port 25 is not one; its 2525 twin neither).
    pub client: bool,
}

const fn p(
    port: u16,
    protocol: Protocol,
    security: Security,
    role: Role,
    client: bool,
) -> StandardPort {
    StandardPort {
        port,
        protocol,
        security,
        role,
        client,
    }
}

/// Implicit TLS before STARTTLS within each protocol: the order clients are advised in.
pub const STANDARD_PORTS: &[StandardPort] = &[
    p(
        465,
        Protocol::Smtp,
        Security::Implicit,
        Role::Submissions,
        true,
    ),
    p(
        587,
        Protocol::Smtp,
        Security::Starttls,
        Role::Submission,
        true,
    ),
    p(25, Protocol::Smtp, Security::Starttls, Role::Smtp, false),
    p(993, Protocol::Imap, Security::Implicit, Role::Imaps, true),
    p(143, Protocol::Imap, Security::Starttls, Role::Imap, true),
    p(995, Protocol::Pop3, Security::Implicit, Role::Pop3s, true),
    p(110, Protocol::Pop3, Security::Starttls, Role::Pop3, true),
    // The alternates transactional relays listen on where 25/465/587 are blocked.
    p(
        2465,
        Protocol::Smtp,
        Security::Implicit,
        Role::Submissions,
        false,
    ),
    p(
        2587,
        Protocol::Smtp,
        Security::Starttls,
        Role::Submission,
        false,
    ),
    p(2525, Protocol::Smtp, Security::Starttls, Role::Smtp, false),
];

/// The table's entry for `port`.
pub fn standard(port: u16) -> Option<&'static StandardPort> {
    STANDARD_PORTS.iter().find(|s| s.port == port)
}

/// The protocol's client ports in advised order (465, 587; 993, 143; 995, 110).
pub fn client_ports(protocol: Protocol) -> impl Iterator<Item = &'static StandardPort> {
    STANDARD_PORTS
        .iter()
        .filter(move |s| s.protocol == protocol && s.client)
}

/// The role a client configured with `security` speaks: implicit TLS or not.
pub fn role_for(protocol: Protocol, security: Security) -> Role {
    let implicit = security.is_implicit();
    client_ports(protocol)
        .find(|s| s.security.is_implicit() == implicit)
        .map(|s| s.role)
        .unwrap_or(Role::Submission)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_protocol_has_one_implicit_and_one_starttls_client_port() {
        for proto in [Protocol::Smtp, Protocol::Imap, Protocol::Pop3] {
            let ports: Vec<_> = client_ports(proto).collect();
            assert_eq!(ports.len(), 2);
            assert!(ports[0].security.is_implicit() && !ports[1].security.is_implicit());
        }
        assert_eq!(role_for(Protocol::Imap, Security::Implicit), Role::Imaps);
        assert_eq!(
            role_for(Protocol::Pop3, Security::StarttlsIfOffered),
            Role::Pop3
        );
        assert_eq!(standard(25).map(|s| s.role), Some(Role::Smtp));
        assert!(standard(8025).is_none());
    }
}
