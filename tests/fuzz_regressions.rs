//! Inputs the fuzz targets (`fuzz/`) once failed on, kept in `fuzz/regressions/TARGET/` in the
//! target's own input format and replayed here through the same entry points and the property
//! that failed, so `cargo test` holds the fix without a nightly toolchain.

use mxray::evidence::domain::StsFetch;
use mxray::probe::https_get;
use mxray::settings::parse_dotenv;
use std::path::Path;

/// Every input kept for `target`, with its file name.
fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target);
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no inputs in {}", dir.display());
    out
}

/// The status line of a garbage answer may be the whole answer (64 KiB): the error, which
/// ends up in the report, quotes only its start.
#[test]
fn https_response_errors_stay_short() {
    for (name, data) in inputs("https_response") {
        let answer = &data[1..];
        let mut out = StsFetch::new("https://mta-sts.example.com/.well-known/mta-sts.txt");
        let e = https_get::parse_response(answer, &mut out).unwrap_err();
        assert!(e.len() <= 1024, "{name}: {} bytes", e.len());
    }
}

/// A lone CR ends a line: an entry or a warning never names a line past the file's last.
#[test]
fn dotenv_lines_are_real_lines() {
    for (name, data) in inputs("dotenv") {
        let text = std::str::from_utf8(&data[1..]).unwrap();
        let lines = text.replace("\r\n", "\n").split(['\n', '\r']).count();
        let (entries, warnings) = parse_dotenv(text);
        assert!(warnings.len() <= lines, "{name}: {warnings:?}");
        for e in &entries {
            assert!(e.line <= lines, "{name}: {e:?}");
        }
    }
}

/// A file of unusable server entries: the notes about them stay bounded, the rest counted.
#[test]
fn autoconfig_notes_stay_bounded() {
    for (name, data) in inputs("autoconfig_xml") {
        let text = std::str::from_utf8(&data).unwrap();
        if let Ok(c) = mxray::policy::autoconfig::parse(text, "example.com") {
            assert!(c.skipped.len() <= 26, "{name}: {} notes", c.skipped.len());
        }
    }
}

/// A record with RDLENGTH 0 is no answer: never recorded as hickory's "UPDATE" placeholder.
#[test]
fn dns_records_without_data_are_left_out() {
    use hickory_resolver::proto::rr::RecordType;
    let types = [
        RecordType::TXT,
        RecordType::MX,
        RecordType::TLSA,
        RecordType::A,
        RecordType::AAAA,
    ];
    for (name, data) in inputs("dns_answers") {
        for rtype in types {
            if let Ok(records) = mxray::probe::dns::records_from_wire(&data[1..], rtype) {
                assert!(
                    !records.iter().any(|r| r == "UPDATE"),
                    "{name}: {records:?}"
                );
            }
        }
    }
}
