//! Rendering: one match over the output format, one file per format.
// Evidence from servers and input from users reach this code: a surprise is a finding or an
// error, never a panic.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic,
        clippy::string_slice
    )
)]

mod areas;
pub use crate::escape;
pub mod html;
pub mod human;
mod human_check;
mod human_discover;
mod human_domain;
pub mod json;
pub mod junit;
pub mod ndjson;
pub mod sarif;

use crate::report::Report;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum Format {
    /// Tables and coloured findings for people.
    #[default]
    Human,
    /// One JSON document (see schema/report.schema.json).
    Json,
    /// JUnit XML: a testsuite per target, a testcase per check area (schema/junit.xsd).
    Junit,
    /// SARIF 2.1.0: a rule per finding code, a result per finding.
    Sarif,
    /// One compact JSON report per line.
    Ndjson,
    /// One self-contained HTML page (inline CSS and SVG, no script, no external request).
    Html,
}

#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    pub transcript: bool,
    pub color: bool,
}

pub fn render(report: &Report, format: Format, opts: &RenderOptions) -> String {
    match format {
        Format::Human => {
            let text = human::render(report, opts);
            escape::terminal_output(&text, opts.color).into_owned()
        }
        Format::Json => json::render(report),
        Format::Junit => junit::render(report),
        Format::Sarif => sarif::render(report),
        Format::Ndjson => ndjson::render(report),
        Format::Html => html::render(report, opts),
    }
}
