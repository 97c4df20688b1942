//! Mozilla autoconfig (`config-v1.1.xml`, the `clientConfig` format Thunderbird reads from
//! `autoconfig.DOMAIN` and `DOMAIN/.well-known/autoconfig`): the IMAP, POP3 and SMTP servers of
//! the first `emailProvider`. The file comes from the network, so input is bounded (size,
//! node count, entries kept), DTDs are refused (no entity expansion), and anything odd is
//! skipped with a note rather than trusted.

use crate::evidence::discovery::{ClientConfig, Security, ServerSetting};
use crate::evidence::Protocol;

/// The largest file read (Thunderbird's own ISPDB files are a few KiB).
pub const MAX_SIZE: usize = 64 * 1024;
/// XML nodes parsed at most: a flood of tiny elements stays cheap.
const MAX_NODES: u32 = 20_000;
/// Servers kept; more are skipped with a note.
const MAX_SERVERS: usize = 24;
/// The longest text kept from any element.
const MAX_TEXT: usize = 255;

/// Parses a clientConfig document. `domain` replaces `%EMAILDOMAIN%` in host names.
pub fn parse(text: &str, domain: &str) -> Result<ClientConfig, String> {
    if text.len() > MAX_SIZE {
        return Err(format!("the file is larger than {} KiB", MAX_SIZE / 1024));
    }
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_NODES,
        ..Default::default()
    };
    let doc = roxmltree::Document::parse_with_options(text, options)
        .map_err(|e| format!("not well-formed XML: {e}"))?;
    let root = doc.root_element();
    if root.tag_name().name() != "clientConfig" {
        return Err(format!(
            "the root element is <{}>, not <clientConfig>",
            clip(root.tag_name().name())
        ));
    }
    let provider = child(root, "emailProvider").ok_or("no <emailProvider> element")?;
    let mut out = ClientConfig {
        provider_id: provider.attribute("id").map(clip),
        display_name: text_of(provider, "displayName"),
        domains: provider
            .children()
            .filter(|n| n.has_tag_name("domain"))
            .filter_map(|n| n.text())
            .map(|t| clip(t.trim()).to_ascii_lowercase())
            .take(MAX_SERVERS)
            .collect(),
        ..Default::default()
    };
    let mut uncounted = 0usize;
    for node in provider.children().filter(|n| n.is_element()) {
        let outgoing = match node.tag_name().name() {
            "incomingServer" => false,
            "outgoingServer" => true,
            _ => continue,
        };
        if out.servers.len() >= MAX_SERVERS {
            out.skipped.push(format!(
                "more than {MAX_SERVERS} servers: the rest was skipped"
            ));
            break;
        }
        match server(node, outgoing, domain) {
            Ok(s) => out.servers.push(s),
            Err(why) if out.skipped.len() < MAX_SERVERS => out.skipped.push(why),
            // A file of thousands of unusable entries must not put thousands of notes in the
            // report: past the limit they are only counted.
            Err(_) => uncounted += 1,
        }
    }
    if uncounted > 0 {
        out.skipped.push(format!(
            "{uncounted} more unusable server entries were skipped"
        ));
    }
    if out.servers.is_empty() {
        return Err(match out.skipped.first() {
            Some(why) => format!("no usable server entry ({why})"),
            None => "no <incomingServer> or <outgoingServer> entry".into(),
        });
    }
    Ok(out)
}

fn server(node: roxmltree::Node, outgoing: bool, domain: &str) -> Result<ServerSetting, String> {
    let kind = node.attribute("type").unwrap_or("").to_ascii_lowercase();
    let protocol = match (outgoing, kind.as_str()) {
        (true, "smtp") => Protocol::Smtp,
        (false, "imap") => Protocol::Imap,
        (false, "pop3") => Protocol::Pop3,
        _ => {
            let side = if outgoing { "outgoing" } else { "incoming" };
            return Err(format!(
                "{side} server of type {:?} is not used",
                clip(&kind)
            ));
        }
    };
    let host = text_of(node, "hostname").ok_or(format!("{kind} server without <hostname>"))?;
    let host = host.replace("%EMAILDOMAIN%", domain);
    let host = crate::names::validate_host(&host).map_err(|e| format!("{kind} server: {e}"))?;
    let port_text = text_of(node, "port").ok_or(format!("{kind} server {host} without <port>"))?;
    let port = port_text
        .parse::<u16>()
        .ok()
        .filter(|p| *p != 0)
        .ok_or(format!("{kind} server {host}: bad port {port_text:?}"))?;
    let socket = text_of(node, "socketType").unwrap_or_default();
    let security = match socket.to_ascii_uppercase().as_str() {
        "SSL" => Security::Implicit,
        "STARTTLS" => Security::Starttls,
        "PLAIN" => Security::Plain,
        _ => {
            return Err(format!(
                "{kind} server {host}:{port}: unknown socketType {socket:?}"
            ))
        }
    };
    let auth = node
        .children()
        .filter(|n| n.has_tag_name("authentication"))
        .filter_map(|n| n.text())
        .map(|t| clip(t.trim()))
        .filter(|t| !t.is_empty())
        .take(8)
        .collect();
    Ok(ServerSetting {
        protocol,
        host,
        port,
        security,
        username: text_of(node, "username").filter(|u| !u.is_empty()),
        auth,
    })
}

fn child<'a, 'i>(node: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    node.children().find(|n| n.has_tag_name(name))
}

fn text_of(node: roxmltree::Node, name: &str) -> Option<String> {
    child(node, name)
        .and_then(|n| n.text())
        .map(|t| clip(t.trim()))
}

/// At most [`MAX_TEXT`] characters, control characters dropped (the text ends up in reports).
fn clip(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control())
        .take(MAX_TEXT)
        .collect()
}

/// The login name a template gives for `address` (`%EMAILADDRESS%`, `%EMAILLOCALPART%`,
/// `%EMAILDOMAIN%`).
pub fn username_for(template: &str, address: &str) -> String {
    let (local, domain) = address.rsplit_once('@').unwrap_or((address, ""));
    template
        .replace("%EMAILADDRESS%", address)
        .replace("%EMAILLOCALPART%", local)
        .replace("%EMAILDOMAIN%", domain)
}

/// The template in words: "full address", "local part", or the template itself.
pub fn username_words(template: Option<&str>) -> String {
    match template {
        Some("%EMAILADDRESS%") => "full address".into(),
        Some("%EMAILLOCALPART%") => "local part".into(),
        Some(t) => t.to_string(),
        None => "(not stated)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="example.com">
    <domain>example.com</domain>
    <displayName>Example Mail</displayName>
    <incomingServer type="imap">
      <hostname>imap.%EMAILDOMAIN%</hostname>
      <port>993</port>
      <socketType>SSL</socketType>
      <username>%EMAILADDRESS%</username>
      <authentication>password-cleartext</authentication>
    </incomingServer>
    <incomingServer type="pop3">
      <hostname>pop.example.com</hostname>
      <port>110</port>
      <socketType>STARTTLS</socketType>
      <username>%EMAILLOCALPART%</username>
      <authentication>password-cleartext</authentication>
    </incomingServer>
    <incomingServer type="exchange">
      <hostname>owa.example.com</hostname>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.example.com</hostname>
      <port>465</port>
      <socketType>SSL</socketType>
      <username>%EMAILADDRESS%</username>
      <authentication>OAuth2</authentication>
      <authentication>password-cleartext</authentication>
    </outgoingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.example.com</hostname>
      <port>25</port>
      <socketType>plain</socketType>
    </outgoingServer>
  </emailProvider>
</clientConfig>"#;

    #[test]
    fn reads_servers_in_order() {
        let c = parse(GOOD, "example.com").unwrap();
        assert_eq!(c.provider_id.as_deref(), Some("example.com"));
        assert_eq!(c.display_name.as_deref(), Some("Example Mail"));
        assert_eq!(c.domains, vec!["example.com"]);
        let got: Vec<(Protocol, &str, u16, Security)> = c
            .servers
            .iter()
            .map(|s| (s.protocol, s.host.as_str(), s.port, s.security))
            .collect();
        assert_eq!(
            got,
            vec![
                (Protocol::Imap, "imap.example.com", 993, Security::Implicit),
                (Protocol::Pop3, "pop.example.com", 110, Security::Starttls),
                (Protocol::Smtp, "smtp.example.com", 465, Security::Implicit),
                (Protocol::Smtp, "smtp.example.com", 25, Security::Plain),
            ]
        );
        assert_eq!(c.servers[2].auth, vec!["OAuth2", "password-cleartext"]);
        assert_eq!(c.servers[1].username.as_deref(), Some("%EMAILLOCALPART%"));
        assert_eq!(c.servers[3].username, None);
        assert_eq!(c.skipped.len(), 1);
        assert!(c.skipped[0].contains("exchange"), "{:?}", c.skipped);
    }

    #[test]
    fn usernames() {
        assert_eq!(
            username_for("%EMAILADDRESS%", "alice@example.com"),
            "alice@example.com"
        );
        assert_eq!(
            username_for("%EMAILLOCALPART%", "alice@example.com"),
            "alice"
        );
        assert_eq!(
            username_for("%EMAILLOCALPART%.%EMAILDOMAIN%", "a@b.c"),
            "a.b.c"
        );
        assert_eq!(username_words(Some("%EMAILADDRESS%")), "full address");
        assert_eq!(username_words(None), "(not stated)");
    }

    #[test]
    fn malformed_and_wrong_documents_are_errors() {
        for (doc, why) in [
            ("", "not well-formed"),
            ("<clientConfig>", "not well-formed"),
            ("<html><body>Not here</body></html>", "<html>"),
            ("<clientConfig/>", "emailProvider"),
            (
                "<clientConfig><emailProvider id='x'/></clientConfig>",
                "no <incomingServer>",
            ),
            (
                "<clientConfig><emailProvider><outgoingServer type='smtp'><hostname>a b</hostname><port>25</port><socketType>SSL</socketType></outgoingServer></emailProvider></clientConfig>",
                "not a valid host name",
            ),
            (
                "<clientConfig><emailProvider><outgoingServer type='smtp'><hostname>h.example</hostname><port>99999</port><socketType>SSL</socketType></outgoingServer></emailProvider></clientConfig>",
                "bad port",
            ),
            (
                "<clientConfig><emailProvider><outgoingServer type='smtp'><hostname>h.example</hostname><port>465</port><socketType>TLS1</socketType></outgoingServer></emailProvider></clientConfig>",
                "unknown socketType",
            ),
            (
                "<clientConfig><emailProvider><incomingServer type='smtp'><hostname>h.example</hostname><port>25</port><socketType>SSL</socketType></incomingServer></emailProvider></clientConfig>",
                "not used",
            ),
        ] {
            let e = parse(doc, "example.com").unwrap_err();
            assert!(e.contains(why), "{doc:?}: {e}");
        }
    }

    #[test]
    fn hostile_documents_are_refused_cheaply() {
        // Billion laughs: DTDs are refused outright.
        let laughs = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><clientConfig>&lol2;</clientConfig>"#;
        assert!(parse(laughs, "x").is_err());
        // External entities never get fetched or read.
        let xxe = r#"<!DOCTYPE c [<!ENTITY x SYSTEM "file:///etc/passwd">]><clientConfig><emailProvider><outgoingServer type="smtp"><hostname>&x;</hostname></outgoingServer></emailProvider></clientConfig>"#;
        assert!(parse(xxe, "x").is_err());
        // Over the size bound.
        let huge = format!("<clientConfig>{}</clientConfig>", " ".repeat(MAX_SIZE));
        assert!(parse(&huge, "x").unwrap_err().contains("larger"));
        // A flood of nodes within the size bound.
        let flood = format!("<clientConfig>{}</clientConfig>", "<a/>".repeat(15_000));
        assert!(parse(&flood, "x").is_err());
        // Deep nesting.
        let deep = format!("{}{}", "<a>".repeat(5000), "</a>".repeat(5000));
        assert!(parse(&deep, "x").is_err());
        // Many servers: a bounded number kept, the rest noted.
        let one = "<outgoingServer type='smtp'><hostname>s.example</hostname><port>587</port><socketType>STARTTLS</socketType></outgoingServer>";
        let many = format!(
            "<clientConfig><emailProvider>{}</emailProvider></clientConfig>",
            one.repeat(100)
        );
        let c = parse(&many, "x").unwrap();
        assert_eq!(c.servers.len(), MAX_SERVERS);
        assert!(c.skipped.iter().any(|s| s.contains("more than")));
        // Control characters and overlong text are cleaned, never passed on.
        let long = format!(
            "<clientConfig><emailProvider id='{}'><displayName>a&#9;b&#10;c</displayName>{one}</emailProvider></clientConfig>",
            "x".repeat(1000)
        );
        let c = parse(&long, "x").unwrap();
        assert_eq!(c.provider_id.unwrap().len(), MAX_TEXT);
        assert_eq!(c.display_name.as_deref(), Some("abc"));
    }

    #[test]
    fn unusable_entries_are_noted_up_to_the_limit() {
        let ok = "<outgoingServer type='smtp'><hostname>s.example</hostname><port>587</port><socketType>STARTTLS</socketType></outgoingServer>";
        let doc = format!(
            "<clientConfig><emailProvider>{}{ok}</emailProvider></clientConfig>",
            "<incomingServer type='x'/>".repeat(2000)
        );
        let c = parse(&doc, "x").unwrap();
        assert_eq!(c.servers.len(), 1);
        assert_eq!(c.skipped.len(), MAX_SERVERS + 1);
        assert_eq!(
            c.skipped.last().unwrap(),
            "1976 more unusable server entries were skipped"
        );
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let alphabet = b"<>/='\" &;#%!?-[]clientConfigemailProviderhostnameport0123456789SSL\n";
        for _ in 0..2000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 300) as usize;
            let mut doc = String::from(&GOOD[..(seed as usize / 7) % GOOD.len()]);
            for i in 0..len {
                let k = (seed.rotate_left(i as u32) as usize) % alphabet.len();
                doc.push(alphabet[k] as char);
            }
            let _ = parse(&doc, "example.com");
        }
    }
}
