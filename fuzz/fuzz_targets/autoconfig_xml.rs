//! Fuzz the autoconfig (`clientConfig` XML) reader: whatever the file holds, what is kept is
//! bounded (servers, notes, text lengths), free of control characters, and a success has at
//! least one server with a valid host and a non-zero port.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mxray::policy::autoconfig;

const MAX_SERVERS: usize = 24;
const MAX_TEXT: usize = 255;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(c) = autoconfig::parse(text, "example.com") else {
        return;
    };
    assert!(!c.servers.is_empty() && c.servers.len() <= MAX_SERVERS);
    assert!(c.domains.len() <= MAX_SERVERS);
    assert!(
        c.skipped.len() <= MAX_SERVERS + 2,
        "{} notes kept",
        c.skipped.len()
    );
    let texts = c
        .provider_id
        .iter()
        .chain(&c.display_name)
        .chain(&c.domains)
        .chain(
            c.servers
                .iter()
                .flat_map(|s| s.username.iter().chain(&s.auth)),
        );
    for t in texts {
        assert!(
            t.chars().count() <= MAX_TEXT && !t.chars().any(char::is_control),
            "{t:?}"
        );
    }
    for s in &c.servers {
        assert!(s.port != 0);
        assert_eq!(mxray::names::validate_host(&s.host).as_ref(), Ok(&s.host));
        assert!(s.auth.len() <= 8);
    }
    for note in &c.skipped {
        assert!(note.len() <= 4 * MAX_TEXT * 4, "{} bytes", note.len());
    }
});
