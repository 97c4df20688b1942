//! Fuzz DNS answers as mxray reads them: a response message off the wire, its records of one
//! type as a lookup records them (TXT strings joined, MX as `preference exchange`, TLSA as
//! `usage selector matching-type hex`), and then the readers of those texts: the MX host list
//! and the DANE TLSA parse. Every recorded MX and TLSA text must be readable back.
#![no_main]

use hickory_proto::rr::RecordType;
use libfuzzer_sys::fuzz_target;
use mxray::diagnose::domain::parse_tlsa;
use mxray::probe::dns;
use mxray::probe::domain::mx_hosts;

const TYPES: [RecordType; 8] = [
    RecordType::TXT,
    RecordType::MX,
    RecordType::TLSA,
    RecordType::A,
    RecordType::AAAA,
    RecordType::CNAME,
    RecordType::PTR,
    RecordType::SOA,
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, message)) = data.split_first() else {
        return;
    };
    let rtype = TYPES[pick as usize % TYPES.len()];
    let Ok(records) = dns::records_from_wire(message, rtype) else {
        return;
    };
    for r in &records {
        assert!(
            r.len() <= message.len() * 4 + 64,
            "{} from {}",
            r.len(),
            message.len()
        );
    }
    match rtype {
        RecordType::MX => {
            let hosts = mx_hosts(&records);
            assert_eq!(hosts.len(), records.len(), "{records:?}");
            assert!(hosts.windows(2).all(|w| w[0].preference <= w[1].preference));
        }
        RecordType::TLSA => {
            for r in &records {
                let t = parse_tlsa(r).unwrap_or_else(|| panic!("unreadable TLSA {r:?}"));
                assert!(t.data.bytes().all(|b| b.is_ascii_hexdigit()), "{r:?}");
                assert_eq!(t.data.len() % 2, 0, "{r:?}");
            }
        }
        RecordType::A => {
            for r in &records {
                assert!(r.parse::<std::net::Ipv4Addr>().is_ok(), "{r:?}");
            }
        }
        RecordType::AAAA => {
            for r in &records {
                assert!(r.parse::<std::net::Ipv6Addr>().is_ok(), "{r:?}");
            }
        }
        _ => {}
    }
});
