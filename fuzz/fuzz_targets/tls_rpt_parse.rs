//! Fuzz the TLS-RPT record parser.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mxray::policy::tls_rpt;

fuzz_target!(|data: &[u8]| {
    let Ok(txt) = std::str::from_utf8(data) else {
        return;
    };
    let _ = tls_rpt::parse(txt);
});
