//! Fuzz the SPF parser: any text must parse or fail without panicking, and whatever comes back
//! must point into the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mxray::policy::spf;

fuzz_target!(|data: &[u8]| {
    let Ok(txt) = std::str::from_utf8(data) else {
        return;
    };
    let _ = spf::parse_explain_string(txt);
    match spf::parse(txt) {
        Ok(record) => {
            assert!(spf::is_spf(txt));
            for term in &record.terms {
                let end = term.offset + term.text.len();
                assert_eq!(txt.get(term.offset..end), Some(term.text.as_str()));
            }
            let _ = (record.lookup_terms(), record.redirect(), record.all());
            let json = serde_json::to_string(&record).expect("serializes");
            let back: spf::Record = serde_json::from_str(&json).expect("deserializes");
            assert_eq!(back, record);
        }
        Err(e) => {
            assert_eq!(e.index == 0, !spf::is_spf(txt));
            if e.index > 0 {
                assert!(txt
                    .get(e.offset..)
                    .is_some_and(|rest| rest.starts_with(&e.term)));
            }
            let _ = e.to_string();
        }
    }
});
