//! `mxray report FILE.ndjson…`: the summary of one or more bulk runs' NDJSON outputs (the
//! shards of one audit, concatenated or not), the same summary a single run prints. Read line
//! by line: a million reports cost their counters, not their text.

use super::{EXIT_FINDINGS, EXIT_OK, EXIT_UNUSABLE};
use crate::bulk::tally::Tally;
use crate::cli::{self, ReportArgs, SummaryFormat};
use crate::report::Report;
use std::io::{BufRead, Read};

/// Longest report line read; a domain report is rarely over 100 KiB.
const MAX_LINE_BYTES: u64 = 16 << 20;

pub(super) fn run(args: ReportArgs) -> anyhow::Result<u8> {
    let mut tally = Tally::default();
    let mut bad_lines = 0u64;
    for path in &args.files {
        let stdin = path.as_os_str() == "-";
        let name = if stdin {
            "the standard input".to_string()
        } else {
            cli::echo(&path.to_string_lossy())
        };
        let reader: Box<dyn BufRead> = if stdin {
            Box::new(std::io::BufReader::new(std::io::stdin()))
        } else {
            let f = std::fs::File::open(path)
                .map_err(|e| anyhow::anyhow!("cannot read {name}: {e}"))?;
            Box::new(std::io::BufReader::new(f))
        };
        bad_lines += read_one(reader, &name, &mut tally)
            .map_err(|e| anyhow::anyhow!("cannot read {name}: {e}"))?;
    }
    match args.format {
        SummaryFormat::Human => {
            print!("{}", tally.human());
            if bad_lines > 0 {
                println!("{bad_lines} line(s) were not mxray reports and were skipped");
            }
        }
        SummaryFormat::Json => {
            let doc = serde_json::json!({
                "type": "summary",
                "summary": tally,
                "skipped_lines": bad_lines,
            });
            println!("{doc}");
        }
    }
    if tally.domains == 0 {
        eprintln!("mxray: no report in the input");
        return Ok(EXIT_UNUSABLE);
    }
    Ok(if tally.failed > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
}

/// Adds every report of one file; returns how many non-blank lines were not reports.
fn read_one(mut reader: Box<dyn BufRead>, name: &str, tally: &mut Tally) -> std::io::Result<u64> {
    let mut buf = Vec::new();
    let mut line = 0u64;
    let mut bad = 0u64;
    loop {
        buf.clear();
        let n = (&mut reader)
            .take(MAX_LINE_BYTES + 1)
            .read_until(b'\n', &mut buf)?;
        if n == 0 {
            return Ok(bad);
        }
        line += 1;
        if buf.len() as u64 > MAX_LINE_BYTES {
            // Skip the rest of the overlong line, a bounded piece at a time.
            while buf.last() != Some(&b'\n') {
                buf.clear();
                if (&mut reader).take(1 << 20).read_until(b'\n', &mut buf)? == 0 {
                    break;
                }
            }
            eprintln!("mxray: {name} line {line}: longer than {MAX_LINE_BYTES} bytes; skipped");
            bad += 1;
            continue;
        }
        if buf.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<Report>(&buf) {
            Ok(r) => tally.add(&r),
            Err(e) => {
                bad += 1;
                eprintln!(
                    "mxray: {name} line {line}: not an mxray report: {}; skipped",
                    cli::clip(&e.to_string(), 160)
                );
            }
        }
    }
}
