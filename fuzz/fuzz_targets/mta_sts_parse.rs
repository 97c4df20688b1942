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
    // Split at a character boundary near the middle: pattern and host from one input.
    let mid = (0..=txt.len() / 2)
        .rev()
        .find(|&i| txt.is_char_boundary(i))
        .unwrap_or(0);
    let (a, b) = txt.split_at(mid);
    let _ = mta_sts::mx_matches(a, b);
});
