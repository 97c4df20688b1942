//! Fuzz the MTA-STS record and policy parsers and the MX pattern matcher.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mxray::policy::mta_sts;

fuzz_target!(|data: &[u8]| {
    let Ok(txt) = std::str::from_utf8(data) else {
        return;
    };
    let _ = mta_sts::parse_record(txt);
    if let Ok(p) = mta_sts::parse_policy(txt) {
        for pattern in &p.mx {
            let _ = mta_sts::mx_matches(pattern, "mail.example.com");
        }
    }
    let (a, b) = txt.split_at(txt.len() / 2);
    let _ = mta_sts::mx_matches(a, b);
});
