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

/// Money as `29.00 USD`: the amount with its currency's minor-unit digits (core's [`unibill::Money`] display:
/// `500 JPY`, digits beyond the exponent kept, never rounded); a money object the model cannot read is shown
/// as written.
fn money_text(map: &serde_json::Map<String, Value>) -> String {
    match serde_json::from_value::<unibill::Money>(Value::Object(map.clone())) {
        Ok(money) => money.to_string(),
        Err(_) => format!("{} {}", cell(map.get("amount")), cell(map.get("currency"))),
    }
}

/// `value` with every money object in it replaced by its text, for compact JSON cells.
fn with_money_text(value: &Value) -> Value {
    match value {
        Value::Object(m) if is_money(m) => Value::String(money_text(m)),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), with_money_text(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(with_money_text).collect()),
        other => other.clone(),
    }
}

/// A value as one cell: strings bare, money as `29.00 USD`, objects and arrays as compact JSON (money inside
/// them as text too).
pub fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => NONE.to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(m)) if is_money(m) => money_text(m),
        Some(Value::Object(m)) if m.is_empty() => NONE.to_owned(),
        Some(Value::Array(a)) if a.is_empty() => NONE.to_owned(),
        Some(other) => with_money_text(other).to_string(),
    }
}

/// Whether the `raw` key of `map` (at `prefix`) is a read model's provider payload, left out of tables: the
/// record's own, or a nested read model's (one that names its `provider`, as a store's billing plan does).
fn is_raw_payload(prefix: &str, map: &serde_json::Map<String, Value>, key: &str) -> bool {
    key == "raw" && (prefix.is_empty() || map.contains_key("provider"))
}

/// Rows of a record: objects by dotted path, arrays of objects by index (`scheme.tiers[0].unit_amount`), so
/// every money in them reads as money; arrays of plain values stay one compact cell.
fn flatten(prefix: &str, value: &Value, rows: &mut Vec<(String, String)>) {
    match value {
        Value::Object(m) if !is_money(m) && !m.is_empty() => {
            for (k, v) in m {
                if is_raw_payload(prefix, m, k) {
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
        Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_object) => {
            for (i, item) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), item, rows);
            }
        }
        other => rows.push((prefix.to_owned(), cell(Some(other)))),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn record(value: &Value) -> String {
        let mut out = Vec::new();
        write_record(&mut out, value).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn row<'a>(text: &'a str, field: &str) -> Option<&'a str> {
        text.lines()
            .find_map(|l| l.strip_prefix(field)?.strip_prefix("  ").map(str::trim))
    }

    #[test]
    fn money_prints_with_the_currency_scale_everywhere() {
        let money = |a: &str, c: &str| json!({"amount": a, "currency": c});
        for (amount, currency, shown) in [
            ("29", "USD", "29.00 USD"),
            ("29.5", "USD", "29.50 USD"),
            ("0.0015", "USD", "0.0015 USD"),
            ("500", "JPY", "500 JPY"),
            ("500.00", "JPY", "500 JPY"),
            ("0.5", "BTC", "0.5 BTC"),
        ] {
            assert_eq!(cell(Some(&money(amount, currency))), shown);
        }
        let price = json!({
            "unit_amount": money("0", "USD"),
            "scheme": {"scheme": "tiered", "tiers": [
                {"up_to": 10, "unit_amount": money("1", "USD"), "flat_amount": null},
                {"up_to": null, "unit_amount": money("0.5", "USD"), "flat_amount": money("2", "USD")},
            ]},
            "setup_fee": money("500", "JPY"),
        });
        let text = record(&price);
        assert_eq!(row(&text, "unit_amount"), Some("0.00 USD"), "{text}");
        assert_eq!(
            row(&text, "scheme.tiers[0].unit_amount"),
            Some("1.00 USD"),
            "{text}"
        );
        assert_eq!(
            row(&text, "scheme.tiers[1].unit_amount"),
            Some("0.50 USD"),
            "{text}"
        );
        assert_eq!(
            row(&text, "scheme.tiers[1].flat_amount"),
            Some("2.00 USD"),
            "{text}"
        );
        assert_eq!(row(&text, "scheme.tiers[1].up_to"), Some(NONE), "{text}");
        assert_eq!(row(&text, "setup_fee"), Some("500 JPY"), "{text}");
        // In a listing's compact cell, money inside an array reads as money too.
        assert_eq!(
            cell(Some(&json!([{"unit_amount": money("1", "USD")}]))),
            r#"[{"unit_amount":"1.00 USD"}]"#
        );
    }

    #[test]
    fn no_raw_rows_for_the_record_or_a_nested_read_model() {
        let store = json!({
            "id": "store_1",
            "provider": "vercel",
            "raw": {"id": "store_1", "name": "db"},
            "billing_plan": {"id": "free", "provider": "vercel", "raw": {"id": "free", "cost": "$0"}},
            "metadata": {"raw": "kept: it is the caller's own key"},
        });
        let text = record(&store);
        assert!(!text.contains("raw."), "{text}");
        assert_eq!(row(&text, "billing_plan.id"), Some("free"), "{text}");
        assert_eq!(
            row(&text, "metadata.raw"),
            Some("kept: it is the caller's own key"),
            "{text}"
        );
    }
}
