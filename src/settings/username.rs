//! The full-address form of a username without `@`, for the one retry after a refused login:
//! many servers want `alice@example.com` where the user typed `alice`.

use crate::knowledge::provider_db;

/// `user@domain` and where the domain came from: the From address, else the provider of the
/// host, else the host's parent domain (`mail.example.com` → `example.com`). `None` when the
/// username already has an `@` or no domain can be told.
pub fn full_address(user: &str, from: Option<&str>, host: &str) -> Option<(String, String)> {
    let user = user.trim();
    if user.is_empty() || user.contains('@') {
        return None;
    }
    let from_domain = from
        .and_then(|f| f.rsplit_once('@'))
        .map(|(_, d)| d.trim().to_ascii_lowercase())
        .filter(|d| d.contains('.'));
    let (domain, why) = if let Some(d) = from_domain {
        (d, "the From address")
    } else if let Some(d) = provider_db::by_host(host).and_then(|p| p.domains.first().copied()) {
        (d.to_string(), "the provider's domain")
    } else {
        let h = host.trim().trim_end_matches('.').to_ascii_lowercase();
        if h.parse::<std::net::IpAddr>().is_ok() {
            return None;
        }
        let (_, parent) = h.split_once('.')?;
        if !parent.contains('.') {
            return None;
        }
        (parent.to_string(), "the server's domain")
    };
    Some((format!("{user}@{domain}"), why.to_string()))
}

#[cfg(test)]
mod tests {
    use super::full_address;

    #[test]
    fn domains_for_the_retry() {
        let f = |u, from, host| full_address(u, from, host);
        assert_eq!(
            f("alice", Some("alice@example.org"), "mail.example.com"),
            Some(("alice@example.org".into(), "the From address".into()))
        );
        assert_eq!(
            f("alice", None, "smtp.gmail.com"),
            Some(("alice@gmail.com".into(), "the provider's domain".into()))
        );
        assert_eq!(
            f("alice", None, "mail.example.com."),
            Some(("alice@example.com".into(), "the server's domain".into()))
        );
        assert_eq!(f("alice@example.com", None, "mail.example.com"), None);
        assert_eq!(f("alice", None, "192.0.2.1"), None);
        assert_eq!(
            f("alice", None, "example.com"),
            None,
            "no parent below the TLD"
        );
        assert_eq!(f("", None, "mail.example.com"), None);
    }
}
