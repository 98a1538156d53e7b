//! Cursor pagination as `db-core/tableUtils.ts` does it (notes §1.5).

use axum::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde_json::{Map, Value, json};

use super::errors::{ApiError, invalid_type};
use super::zod::coerced_int;

/// Default page size.
pub(crate) const DEFAULT_LIMIT: usize = 10;

/// A parsed list query: only `limit` and `cursor` matter, everything else is ignored.
#[derive(Debug)]
pub(crate) struct ListQuery {
    limit: usize,
    /// The cursor exactly as sent, and its decoded position.
    cursor: Option<(String, i64, String)>,
}

fn handler_error(issues: Vec<Value>) -> ApiError {
    ApiError::Handler {
        status: StatusCode::BAD_REQUEST,
        error: Value::String(Value::Array(issues).to_string()),
    }
}

fn invalid_cursor() -> ApiError {
    ApiError::Handler {
        status: StatusCode::BAD_REQUEST,
        error: Value::String("Invalid cursor".into()),
    }
}

/// Decodes `application/x-www-form-urlencoded` text (`+` is a space).
pub(crate) fn form_decode(s: &str) -> String {
    percent_decode(&s.replace('+', " "))
}

/// Percent-decodes (invalid escapes are kept as they are; invalid UTF-8 is replaced).
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| s.get(i + 1..i + 3))
            .flatten()
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        if let Some(b) = escaped {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Encodes a cursor for the last row of a page.
pub(crate) fn encode_cursor(created_at: i64, id: &str) -> String {
    // Written by hand to keep the server's key order (serde_json's map would sort the keys).
    let id = Value::String(id.to_owned());
    let json = format!(
        r#"{{"parameters":{{}},"createdAt":{created_at},"id":{id},"direction":"forward"}}"#
    );
    STANDARD.encode(json)
}

fn decode_cursor(raw: &str) -> Option<(i64, String)> {
    let engine = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let bytes = engine.decode(raw.trim()).ok()?;
    let value: Value = serde_json::from_slice(&bytes).ok()?;
    let obj = value.as_object()?;
    let created_at = obj.get("createdAt")?.as_i64()?;
    let id = obj.get("id")?.as_str()?.to_owned();
    match obj.get("direction") {
        None => {}
        Some(Value::String(d)) if d == "forward" => {}
        Some(_) => return None,
    }
    Some((created_at, id))
}

impl ListQuery {
    /// Parses the raw query string. Repeating `limit` or `cursor` is a 400, as is a limit outside 1..=100 or
    /// a cursor the server cannot read; other parameters are ignored.
    pub fn parse(raw: Option<&str>) -> Result<Self, ApiError> {
        let mut limits = Vec::new();
        let mut cursors = Vec::new();
        for pair in raw.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            match form_decode(k).as_str() {
                "limit" => limits.push(form_decode(v)),
                "cursor" => cursors.push(form_decode(v)),
                _ => {}
            }
        }
        for (name, values) in [("limit", &limits), ("cursor", &cursors)] {
            if values.len() > 1 {
                return Err(handler_error(vec![invalid_type(
                    &[name],
                    "string",
                    "array",
                )]));
            }
        }
        let limit = match limits.first() {
            None => DEFAULT_LIMIT,
            Some(text) => {
                let v = Value::String(text.clone());
                let n = coerced_int(Some(&v), &["limit"], 1, true, Some(100))
                    .map_err(|issue| handler_error(vec![issue]))?;
                usize::try_from(n).unwrap_or(DEFAULT_LIMIT)
            }
        };
        let cursor = match cursors.into_iter().next() {
            None => None,
            Some(raw) => {
                let (created_at, id) = decode_cursor(&raw).ok_or_else(invalid_cursor)?;
                Some((raw, created_at, id))
            }
        };
        Ok(Self { limit, cursor })
    }

    /// One page over `rows` (`(createdAt, id, record)` of every visible row); only the page's records are
    /// rendered (a listing of thousands of rows renders one page, not all of them).
    pub fn page<T>(&self, mut rows: Vec<(i64, String, T)>, render: impl Fn(T) -> Value) -> Value {
        rows.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        let total = rows.len();
        let after: Vec<_> = match &self.cursor {
            None => rows,
            Some((_, created_at, id)) => rows
                .into_iter()
                .filter(|r| (r.0, r.1.as_str()) > (*created_at, id.as_str()))
                .collect(),
        };
        let has_more = after.len() > self.limit;
        let page: Vec<_> = after.into_iter().take(self.limit).collect();
        let mut out = Map::new();
        let next = if has_more {
            page.last().map(|r| encode_cursor(r.0, &r.1))
        } else {
            None
        };
        out.insert(
            "data".into(),
            Value::Array(page.into_iter().map(|r| render(r.2)).collect()),
        );
        out.insert("hasMore".into(), Value::Bool(has_more));
        out.insert("total".into(), json!(total));
        if let Some((raw, _, _)) = &self.cursor {
            out.insert("currentCursor".into(), Value::String(raw.clone()));
        }
        if let Some(next) = next {
            out.insert("nextCursor".into(), Value::String(next));
        }
        Value::Object(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixture_cursor_decodes() {
        let raw = "eyJwYXJhbWV0ZXJzIjp7fSwiY3JlYXRlZEF0IjoxNzc0MjgyMDc1OTE4LCJpZCI6InByaWNlXzJQeEtkN1ZtUjRzTG45V3EzVGJIYyIsImRpcmVjdGlvbiI6ImZvcndhcmQifQ==";
        assert_eq!(
            decode_cursor(raw),
            Some((1_774_282_075_918, "price_2PxKd7VmR4sLn9Wq3TbHc".to_owned()))
        );
        assert_eq!(
            encode_cursor(1_774_282_075_918, "price_2PxKd7VmR4sLn9Wq3TbHc"),
            raw
        );
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%2Fb%20c"), "a/b c");
        assert_eq!(form_decode("a+b%2B"), "a b+");
        assert_eq!(percent_decode("100%"), "100%");
    }
}
