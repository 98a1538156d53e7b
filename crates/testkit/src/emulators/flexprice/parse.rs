//! Decoding request bodies and queries with Go `encoding/json` / gin binding semantics:
//! unknown fields are ignored, `null` leaves a field at its zero value (or "unchanged" for pointer fields),
//! and a value of the wrong JSON type fails the whole request with 400 "Invalid request format".

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::errors::ApiError;

/// Parses a request body as a JSON object. An empty body, malformed JSON or a non-object fails with
/// "Invalid request format"; a literal `null` decodes to an empty object, as Go leaves the struct untouched.
pub(crate) fn body_object(bytes: &[u8]) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(Value::Null) => Ok(Map::new()),
        _ => Err(ApiError::bad_format()),
    }
}

/// A string field: absent or `null` → `None`; non-string → bad format.
pub(crate) fn opt_string(m: &Map<String, Value>, key: &str) -> Result<Option<String>, ApiError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::bad_format()),
    }
}

/// A bool field.
pub(crate) fn opt_bool(m: &Map<String, Value>, key: &str) -> Result<Option<bool>, ApiError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(ApiError::bad_format()),
    }
}

/// An integer field (Go `int`: no fractions, no strings).
pub(crate) fn opt_int(m: &Map<String, Value>, key: &str) -> Result<Option<i64>, ApiError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(ApiError::bad_format),
        Some(_) => Err(ApiError::bad_format()),
    }
}

/// A `map[string]string` field; a `null` element decodes to `""`.
pub(crate) fn opt_string_map(
    m: &Map<String, Value>,
    key: &str,
) -> Result<Option<BTreeMap<String, String>>, ApiError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(o)) => string_map_of(o).map(Some),
        Some(_) => Err(ApiError::bad_format()),
    }
}

pub(crate) fn string_map_of(o: &Map<String, Value>) -> Result<BTreeMap<String, String>, ApiError> {
    o.iter()
        .map(|(k, v)| match v {
            Value::String(s) => Ok((k.clone(), s.clone())),
            Value::Null => Ok((k.clone(), String::new())),
            _ => Err(ApiError::bad_format()),
        })
        .collect()
}

/// A `[]string` field.
pub(crate) fn opt_string_list(m: &Map<String, Value>, key: &str) -> Result<Vec<String>, ApiError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.clone()),
                Value::Null => Ok(String::new()),
                _ => Err(ApiError::bad_format()),
            })
            .collect(),
        Some(_) => Err(ApiError::bad_format()),
    }
}

/// A field that must be an array of objects (or absent / `null`); the content is not interpreted.
pub(crate) fn check_object_list(m: &Map<String, Value>, key: &str) -> Result<(), ApiError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(()),
        Some(Value::Array(items)) if items.iter().all(|v| v.is_object() || v.is_null()) => Ok(()),
        Some(_) => Err(ApiError::bad_format()),
    }
}

/// A field that must be a JSON object (or absent / `null`).
pub(crate) fn opt_object(
    m: &Map<String, Value>,
    key: &str,
) -> Result<Option<Map<String, Value>>, ApiError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(o)) => Ok(Some(o.clone())),
        Some(_) => Err(ApiError::bad_format()),
    }
}

/// Query pairs in order, percent-decoded.
pub(crate) fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    query
        .map(|q| {
            form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// The first value of a query key.
pub(crate) fn query_first<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// Builds a JSON object from query pairs for the list filters, so GET and search share one decoder.
/// Integers are parsed (a non-integer fails with bad format), repeated keys become arrays, `metadata` must be a
/// JSON-encoded object string, and `sort` / `filters` cannot be bound from a query (bad format).
pub(crate) fn query_to_filter_object(
    pairs: &[(String, String)],
    list_keys: &[&str],
) -> Result<Map<String, Value>, ApiError> {
    let mut m = Map::new();
    for (k, v) in pairs {
        match k.as_str() {
            "limit" | "offset" => {
                let n: i64 = v.trim().parse().map_err(|_| ApiError::bad_format())?;
                m.insert(k.clone(), Value::from(n));
            }
            "sort" | "filters" => return Err(ApiError::bad_format()),
            "metadata" => {
                let parsed: Value = serde_json::from_str(v).map_err(|_| ApiError::bad_format())?;
                if !parsed.is_object() {
                    return Err(ApiError::bad_format());
                }
                m.insert(k.clone(), parsed);
            }
            key if list_keys.contains(&key) => {
                let entry = m
                    .entry(k.clone())
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(items) = entry {
                    items.push(Value::String(v.clone()));
                }
            }
            _ => {
                m.entry(k.clone())
                    .or_insert_with(|| Value::String(v.clone()));
            }
        }
    }
    Ok(m)
}
