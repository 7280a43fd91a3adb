//! `drnfs snapshot --json`: the report as one pretty-printed JSON document.

use std::io::Write;

use crate::engine::Report;

pub fn write(out: &mut impl Write, report: &Report) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)
}

/// The JSON Schema of the document, generated from the Rust types.
pub fn schema() -> serde_json::Value {
    Report::schema()
}
