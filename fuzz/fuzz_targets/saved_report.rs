//! Fuzz the saved-report loader of `mxray diagnose` (bounded read, nesting guard, two-pass
//! typed decode) and what diagnose then does with the report: the rules, the verdict, the
//! advice and every output format. A loaded report diagnosed and saved as JSON loads again
//! and diagnoses to the same JSON: `mxray diagnose --save` output is itself diagnosable.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mxray::render::{self, Format, RenderOptions};
use mxray::report::{self, FailOn, LoadError, MAX_REPORT_BYTES};

/// A reader that hands out at most `chunk` bytes per read, like a pipe.
struct Pieces<'a> {
    data: &'a [u8],
    chunk: usize,
}

impl std::io::Read for Pieces<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.data.len().min(self.chunk).min(buf.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

fuzz_target!(|data: &[u8]| {
    let (chunk, bytes) = mxray_fuzz::split(data);
    let loaded = report::load(Pieces { data: bytes, chunk });
    if bytes.len() > MAX_REPORT_BYTES {
        assert!(matches!(loaded, Err(LoadError::TooLarge)));
    }
    let Ok(r) = loaded else { return };
    let Some(now) = r.started_unix() else { return };
    let once = mxray::app::diagnosed(r, now, &[], FailOn::Warning, Vec::new());
    let json = render::json::render(&once);
    let plain = RenderOptions::default();
    for format in [
        Format::Human,
        Format::Junit,
        Format::Sarif,
        Format::Ndjson,
        Format::Html,
    ] {
        let _ = render::render(&once, format, &plain);
    }
    let _ = render::render(
        &once,
        Format::Human,
        &RenderOptions {
            transcript: true,
            color: true,
        },
    );
    let again = report::load(json.as_bytes())
        .unwrap_or_else(|e| panic!("the saved report does not load: {e}\n{json}"));
    let twice = mxray::app::diagnosed(again, now, &[], FailOn::Warning, Vec::new());
    assert_eq!(
        render::json::render(&twice),
        json,
        "diagnosing the saved report changed it"
    );
});
