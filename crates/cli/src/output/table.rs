//! Human-readable tables: a field/value table for one record, a column table for listings.
//!
//! Values come from the read model's JSON, so tables show exactly what `--json` would, minus the provider's raw
//! payload. Money prints as `29.00 USD`; absent values as `—`.

use std::io::Write;

use serde::Serialize;
use serde_json::Value;

use super::Tabular;
use crate::error::CliResult;

/// Shown for an absent value.
pub const NONE: &str = "—";

/// One record: a row per (flattened) field, `raw` left out.
pub fn write_record<T: Serialize>(out: &mut dyn Write, value: &T) -> CliResult {
    let json = serde_json::to_value(value)?;
    let mut rows = Vec::new();
    flatten("", &json, &mut rows);
    let rows: Vec<Vec<String>> = rows.into_iter().map(|(k, v)| vec![k, v]).collect();
    write_table(out, &["field", "value"], &rows)
}

/// A listing: a row per item, a column per [`Tabular::COLUMNS`].
pub fn write_list<T: Tabular>(out: &mut dyn Write, items: &[T]) -> CliResult {
    let mut rows = Vec::with_capacity(items.len());
    for item in items {
        rows.push(row(item)?);
    }
    write_table(out, T::COLUMNS, &rows)?;
    write_count(out, items.len())
}

/// One item's cells, a column per [`Tabular::COLUMNS`].
fn row<T: Tabular>(item: &T) -> CliResult<Vec<String>> {
    let json = serde_json::to_value(item)?;
    Ok(T::COLUMNS.iter().map(|c| cell(lookup(&json, c))).collect())
}

fn write_count(out: &mut dyn Write, n: usize) -> CliResult {
    writeln!(out, "({} item{})", n, if n == 1 { "" } else { "s" })?;
    Ok(())
}

/// Writes `rows` under `headers`, columns padded to their widest cell.
pub fn write_table(out: &mut dyn Write, headers: &[&str], rows: &[Vec<String>]) -> CliResult {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    widen(&mut widths, rows);
    write_head(out, headers, &widths)?;
    for row in rows {
        writeln!(
            out,
            "{}",
            line(&mut row.iter().map(String::as_str), &widths)
        )?;
    }
    Ok(())
}

/// A listing written a batch (a page) at a time (`--all`): the header and the column widths come from the
/// first batch; a later, wider cell widens its column from there on. Holds no items, only the widths.
#[derive(Debug)]
pub struct ListWriter<T> {
    widths: Option<Vec<usize>>,
    count: usize,
    item: std::marker::PhantomData<fn(&T)>,
}

impl<T: Tabular> Default for ListWriter<T> {
    fn default() -> Self {
        ListWriter {
            widths: None,
            count: 0,
            item: std::marker::PhantomData,
        }
    }
}

impl<T: Tabular> ListWriter<T> {
    /// Writes a batch of items (the header first, with the first batch).
    pub fn batch(&mut self, out: &mut dyn Write, items: &[T]) -> CliResult {
        let mut rows = Vec::with_capacity(items.len());
        for item in items {
            rows.push(row(item)?);
        }
        let widths = match &mut self.widths {
            Some(w) => {
                widen(w, &rows);
                w
            }
            None => {
                let mut w: Vec<usize> = T::COLUMNS.iter().map(|h| h.chars().count()).collect();
                widen(&mut w, &rows);
                write_head(out, T::COLUMNS, &w)?;
                self.widths.insert(w)
            }
        };
        for row in &rows {
            writeln!(out, "{}", line(&mut row.iter().map(String::as_str), widths))?;
        }
        self.count += rows.len();
        Ok(())
    }

    /// Ends the listing: the header if no batch came, and the item count.
    pub fn finish(mut self, out: &mut dyn Write) -> CliResult {
        if self.widths.is_none() {
            self.batch(out, &[])?;
        }
        write_count(out, self.count)
    }
}

fn widen(widths: &mut [usize], rows: &[Vec<String>]) {
    for row in rows {
        for (i, c) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(c.chars().count());
            }
        }
    }
}

fn line(cells: &mut dyn Iterator<Item = &str>, widths: &[usize]) -> String {
    cells
        .zip(widths)
        .map(|(c, w)| format!("{c:<w$}"))
        .collect::<Vec<_>>()
        .join("  ")
        .trim_end()
        .to_owned()
}

fn write_head(out: &mut dyn Write, headers: &[&str], widths: &[usize]) -> CliResult {
    writeln!(out, "{}", line(&mut headers.iter().copied(), widths))?;
    writeln!(
        out,
        "{}",
        widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .join("  ")
    )?;
    Ok(())
}

fn lookup<'a>(json: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(json, |v, key| v.get(key))
}

fn is_money(map: &serde_json::Map<String, Value>) -> bool {
    map.len() == 2 && map.contains_key("amount") && map.contains_key("currency")
}

/// A value as one cell: strings bare, money as `amount currency`, objects and arrays as compact JSON.
pub fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => NONE.to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(m)) if is_money(m) => {
            format!("{} {}", cell(m.get("amount")), cell(m.get("currency")))
        }
        Some(Value::Object(m)) if m.is_empty() => NONE.to_owned(),
        Some(Value::Array(a)) if a.is_empty() => NONE.to_owned(),
        Some(other) => other.to_string(),
    }
}

fn flatten(prefix: &str, value: &Value, rows: &mut Vec<(String, String)>) {
    match value {
        Value::Object(m) if !is_money(m) && !m.is_empty() => {
            for (k, v) in m {
                if prefix.is_empty() && k == "raw" {
                    continue;
                }
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, rows);
            }
        }
        other => rows.push((prefix.to_owned(), cell(Some(other)))),
    }
}
