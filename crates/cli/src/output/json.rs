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

/// A listing as one JSON array written item by item (`--all`): the same text as [`write_array`] of every item,
/// without holding them. The array is closed by [`ArrayWriter::finish`] only, so a listing that fails part way
/// leaves it open and never parses as a complete one.
#[derive(Debug, Default)]
pub struct ArrayWriter {
    written: usize,
}

impl ArrayWriter {
    /// Writes one more element.
    pub fn item<T: Serialize>(&mut self, out: &mut dyn Write, value: &T) -> CliResult {
        let text = serde_json::to_string_pretty(value)?;
        out.write_all(if self.written == 0 { b"[\n" } else { b",\n" })?;
        for (i, line) in text.lines().enumerate() {
            if i > 0 {
                out.write_all(b"\n")?;
            }
            write!(out, "  {line}")?;
        }
        self.written += 1;
        Ok(())
    }

    /// Closes the array (`[]` when nothing was written).
    pub fn finish(self, out: &mut dyn Write) -> CliResult {
        if self.written == 0 {
            writeln!(out, "[]")?;
        } else {
            writeln!(out, "\n]")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_streamed_array_is_write_arrays_text() {
        let items = [
            serde_json::json!({"id": "a", "nested": {"x": [1, 2]}, "s": "line\nbreak"}),
            serde_json::json!({"id": "b"}),
        ];
        for n in 0..=items.len() {
            let mut whole = Vec::new();
            write_array(&mut whole, &items[..n]).unwrap();
            let mut streamed = Vec::new();
            let mut w = ArrayWriter::default();
            for item in &items[..n] {
                w.item(&mut streamed, item).unwrap();
            }
            w.finish(&mut streamed).unwrap();
            assert_eq!(
                String::from_utf8(streamed).unwrap(),
                String::from_utf8(whole).unwrap()
            );
        }
    }
}
