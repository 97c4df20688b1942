//! Fuzz the DKIM key-record parser, base64 and key-size decoding included.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mxray::policy::dkim;

fuzz_target!(|data: &[u8]| {
    let Ok(txt) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(k) = dkim::parse(txt) {
        let json = serde_json::to_string(&k).expect("serializes");
        let _: dkim::DkimKey = serde_json::from_str(&json).expect("deserializes");
    }
});
