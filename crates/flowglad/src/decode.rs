//! Lenient decoding shared by the wire modules: one raw record read once (its text kept), and Flowglad's wire
//! scalars across API versions.
//!
//! Timestamps are epoch milliseconds today and were ISO-8601 strings before October 2025; integer columns may
//! arrive as numeric strings (zod coerces them); the older generated docs wrote absent values as the string
//! `"null"`. Everything here accepts all of those.

use jiff::Timestamp;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use serde_json::value::RawValue;
use unibill_core::{Error, RawJson};

use crate::PROVIDER;

/// Reads one raw record (out of an envelope or a list page) into `W`, keeping its text as [`RawJson`]; a record
/// that does not fit is a decode error naming `what` (`"customer"`, `"price"`).
pub(crate) fn record<W: DeserializeOwned>(
    raw: Box<RawValue>,
    what: &str,
) -> unibill_core::Result<(W, RawJson)> {
    let wire = serde_json::from_str(raw.get()).map_err(|e| {
        Error::decode(format!("cannot decode a Flowglad {what}: {e}")).with_provider(PROVIDER)
    })?;
    Ok((wire, RawJson::from_raw(raw)))
}

/// A timestamp as epoch milliseconds or an ISO-8601 string; `null` or absent is `None`.
pub(crate) fn timestamp<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
    use serde::de::Error as _;
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => {
            let ms = n.as_i64().ok_or_else(|| {
                D::Error::custom(format!("timestamp {n} is not whole milliseconds"))
            })?;
            Timestamp::from_millisecond(ms)
                .map(Some)
                .map_err(|e| D::Error::custom(format!("timestamp {ms} ms: {e}")))
        }
        Some(Value::String(s)) if s == "null" || s.is_empty() => Ok(None),
        Some(Value::String(s)) => {
            if let Ok(ms) = s.parse::<i64>() {
                return Timestamp::from_millisecond(ms)
                    .map(Some)
                    .map_err(|e| D::Error::custom(format!("timestamp {ms} ms: {e}")));
            }
            unibill_core::timestamp::parse_rfc3339(&s)
                .map(Some)
                .map_err(|e| D::Error::custom(format!("timestamp `{s}`: {e}")))
        }
        Some(other) => Err(D::Error::custom(format!(
            "a timestamp must be epoch ms or an ISO-8601 string, not {other}"
        ))),
    }
}

/// An integer as a number or a numeric string; `null`, absent or `"null"` is `None`.
pub(crate) fn int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    use serde::de::Error as _;
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| D::Error::custom(format!("{n} is not a whole number"))),
        Some(Value::String(s)) if s == "null" => Ok(None),
        Some(Value::String(s)) => s
            .trim()
            .parse::<i64>()
            .map(Some)
            .map_err(|_| D::Error::custom(format!("`{s}` is not a whole number"))),
        Some(other) => Err(D::Error::custom(format!(
            "expected a whole number, got {other}"
        ))),
    }
}

/// A string; `null`, absent or the string `"null"` is `None`; a number or boolean is kept as its text.
pub(crate) fn string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    use serde::de::Error as _;
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s == "null" => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(v @ (Value::Number(_) | Value::Bool(_))) => Ok(Some(v.to_string())),
        Some(other) => Err(D::Error::custom(format!("expected a string, got {other}"))),
    }
}

/// A boolean; `null` or absent is `None`; `"true"`/`"false"` strings are accepted.
pub(crate) fn boolean<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    use serde::de::Error as _;
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(b)),
        Some(Value::String(s)) if s == "true" => Ok(Some(true)),
        Some(Value::String(s)) if s == "false" => Ok(Some(false)),
        Some(Value::String(s)) if s == "null" => Ok(None),
        Some(other) => Err(D::Error::custom(format!("expected a boolean, got {other}"))),
    }
}

/// A decimal as a JSON number or a numeric string, read from its JSON text (never through `f64`, which would
/// keep only 15–17 digits); `null` or absent is `None`. The value is taken raw, so this reads only from
/// serde_json's text deserializer (every wire record here is read with [`record`] or `Response::json`).
pub(crate) fn decimal<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<rust_decimal::Decimal>, D::Error> {
    use serde::de::Error as _;
    let Some(raw) = Option::<Box<RawValue>>::deserialize(d)? else {
        return Ok(None);
    };
    let json = raw.get().trim();
    let text = match json.as_bytes().first() {
        Some(b'"') => serde_json::from_str::<String>(json).map_err(D::Error::custom)?,
        Some(b'-' | b'0'..=b'9') => json.to_owned(),
        _ if json == "null" => return Ok(None),
        _ => return Err(D::Error::custom(format!("expected a number, got {json}"))),
    };
    let t = text.trim();
    if t.is_empty() || t == "null" {
        return Ok(None);
    }
    t.parse::<rust_decimal::Decimal>()
        .or_else(|_| rust_decimal::Decimal::from_scientific(t))
        .map(Some)
        .map_err(|_| D::Error::custom(format!("`{t}` is not a decimal number")))
}

/// A JSON object of string values (metadata); other values are kept as their JSON text, `null` is empty.
pub(crate) fn metadata<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<unibill_core::Metadata, D::Error> {
    let mut out = unibill_core::Metadata::new();
    if let Some(Value::Object(map)) = Option::<Value>::deserialize(d)? {
        for (k, v) in map {
            match v {
                Value::Null => {}
                Value::String(s) => {
                    out.insert(k, s);
                }
                other => {
                    out.insert(k, other.to_string());
                }
            }
        }
    }
    Ok(out)
}
