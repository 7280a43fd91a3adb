//! `drnfs snapshot --json`: the snapshot as one pretty-printed JSON document.

use std::io::Write;

use crate::model::Snapshot;

pub fn write(out: &mut impl Write, snapshot: &Snapshot) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, snapshot)?;
    writeln!(out)
}

/// The JSON Schema of the snapshot document, generated from the Rust types.
pub fn schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Snapshot)).unwrap_or_default()
}
