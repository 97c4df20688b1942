//! Fuzz the DMARC parser and its tree-walk helper: no input may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mxray::policy::dmarc;

fuzz_target!(|data: &[u8]| {
    let Ok(txt) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(d) = dmarc::parse(txt) {
        assert!(d.pct <= 100);
        let json = serde_json::to_string(&d).expect("serializes");
        let _: dmarc::Dmarc = serde_json::from_str(&json).expect("deserializes");
    }
    let _ = dmarc::org_domain_candidates(txt);
});
