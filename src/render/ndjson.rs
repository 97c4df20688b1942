//! `--format ndjson`: one compact JSON report per line, so a stream of targets (bulk runs,
//! concatenated shards) can be read line by line.

use crate::report::Report;

pub fn render(report: &Report) -> String {
    let mut s = serde_json::to_string(report).unwrap_or_default();
    s.push('\n');
    s
}
