//! `--json`: the read models' own serde serialization, pretty-printed, so scripts can parse them back.

use std::io::Write;

use serde::Serialize;

use crate::error::CliResult;

/// One record as one JSON object.
pub fn write_one<T: Serialize>(out: &mut dyn Write, value: &T) -> CliResult {
    let text = serde_json::to_string_pretty(value)?;
    writeln!(out, "{text}")?;
    Ok(())
}

/// A listing as one JSON array (every page when `--all`).
pub fn write_array<T: Serialize>(out: &mut dyn Write, items: &[T]) -> CliResult {
    let text = serde_json::to_string_pretty(items)?;
    writeln!(out, "{text}")?;
    Ok(())
}
