//! `telltale report`: devices, destinations, uploads and alerts over a time range, from the local
//! database. [`model`] builds the content once; [`text`], [`csv`], JSON (serde) and [`html`]
//! render it.

pub mod csv;
pub mod fmt;
pub mod html;
pub mod model;
pub mod svg;
pub mod text;

pub use model::{build, Report};

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A table in the terminal.
    Table,
    /// One JSON document.
    Json,
    /// One row per device and destination.
    Csv,
    /// One self-contained HTML page with charts.
    Html,
}

/// Renders `report` in `format`.
pub fn render(report: &Report, format: Format) -> String {
    match format {
        Format::Table => text::render(report),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(report).expect("the report serialises");
            s.push('\n');
            s
        }
        Format::Csv => csv::render(report),
        Format::Html => html::render(report),
    }
}
