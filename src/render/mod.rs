//! Rendering: one match over the output format, one file per format.

pub mod html;
pub mod human;
mod human_check;
mod human_discover;
mod human_domain;
pub mod json;

use crate::report::Report;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum Format {
    /// Tables and coloured findings for people.
    #[default]
    Human,
    /// One JSON document (see schema/report.schema.json).
    Json,
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
        Format::Human => human::render(report, opts),
        Format::Json => json::render(report),
        Format::Html => html::render(report, opts),
    }
}
