//! Lenient decoding helpers shared by the wire modules: the raw JSON kept without a second tree, `""` as
//! absent, and offset-aware timestamps.

use std::fmt;

use serde::Deserializer;
use serde::de::{DeserializeOwned, Visitor};
use serde_json::value::RawValue;
use unibill_core::{Error, RawJson, Result, Timestamp};
use unibill_http::Response;

/// Decodes a 2xx body into `W` and keeps its text as [`RawJson`] in one parse ([`RawJson::decode`]: decoding
/// `W` validates the whole body, so the text is kept without a second scan).
pub(crate) fn with_raw<W: DeserializeOwned>(response: &Response) -> Result<(W, RawJson)> {
    RawJson::decode(&response.body).map_err(|e| bad(response, e))
}

/// Reads `W` out of one raw value (an item of a list envelope), keeping the raw value as [`RawJson`].
pub(crate) fn item_with_raw<W: DeserializeOwned>(raw: Box<RawValue>) -> Result<(W, RawJson)> {
    let wire = from_raw(&raw)
        .map_err(|e| Error::decode(format!("cannot decode a Flexprice list item: {e}")))?;
    Ok((wire, RawJson::from_raw(raw)))
}

/// Decodes a 2xx body that is an envelope (`W` holds the items as raw values).
pub(crate) fn envelope<W: DeserializeOwned>(response: &Response) -> Result<W> {
    serde_json::from_slice(&response.body).map_err(|e| bad(response, e))
}

fn from_raw<W: DeserializeOwned>(raw: &RawValue) -> serde_json::Result<W> {
    serde_json::from_str(raw.get())
}

fn bad(response: &Response, e: serde_json::Error) -> Error {
    Error::decode(format!(
        "cannot decode the Flexprice {} answer: {e}",
        response.status.as_u16()
    ))
}

/// `""` (how Flexprice spells an unset string) and absent are both `None`.
pub(crate) fn non_empty<S: std::ops::Deref<Target = str>>(s: Option<S>) -> Option<S> {
    s.filter(|s| !s.is_empty())
}

/// A decimal sent as a string (`"12.5"`, how Flexprice spells amounts and quantities) or a JSON number read
/// from its text (never through `f64`); anything else is `None`.
pub(crate) fn decimal(v: &serde_json::Value) -> Option<unibill_core::Decimal> {
    use std::str::FromStr;
    match v {
        serde_json::Value::String(s) => unibill_core::Decimal::from_str(s.trim()).ok(),
        serde_json::Value::Number(n) => {
            let text = n.to_string();
            unibill_core::Decimal::from_str(&text)
                .or_else(|_| unibill_core::Decimal::from_scientific(&text))
                .ok()
        }
        _ => None,
    }
}

/// An RFC 3339 time with any offset and 0–9 fractional digits; anything unreadable is `None` (a time is
/// informational, never a reason to fail a call).
pub(crate) fn timestamp(s: Option<&str>) -> Option<Timestamp> {
    s.and_then(|s| unibill_core::timestamp::parse_rfc3339(s).ok())
}

/// A timestamp field read without keeping its text: a string as [`timestamp`] reads it (unreadable text is
/// `None`), `null` or absent as `None`; any other JSON type is a decode error, as for a plain string field.
pub(crate) fn timestamp_field<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Timestamp>, D::Error> {
    struct TimestampVisitor;

    impl<'de> Visitor<'de> for TimestampVisitor {
        type Value = Option<Timestamp>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an RFC 3339 timestamp string")
        }

        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_str(self)
        }

        fn visit_str<E>(self, text: &str) -> Result<Self::Value, E> {
            Ok(timestamp(Some(text)))
        }
    }

    d.deserialize_option(TimestampVisitor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_of_every_precision_and_offset() {
        let ns = timestamp(Some("2026-08-22T13:01:02.123456789Z")).unwrap();
        assert_eq!(ns.subsec_nanosecond(), 123_456_789);
        let us = timestamp(Some("2026-08-22T13:01:02.123456Z")).unwrap();
        assert_eq!(us.subsec_nanosecond(), 123_456_000);
        let offset = timestamp(Some("2026-08-22T18:40:00+05:30")).unwrap();
        assert_eq!(offset, timestamp(Some("2026-08-22T13:10:00Z")).unwrap());
        assert_eq!(timestamp(Some("")), None);
        assert_eq!(timestamp(Some("yesterday")), None);
        assert_eq!(timestamp(None), None);
    }

    #[derive(serde::Deserialize)]
    struct Times {
        #[serde(default, deserialize_with = "timestamp_field")]
        at: Option<Timestamp>,
    }

    #[test]
    fn timestamp_fields_are_lenient_about_text_and_strict_about_type() {
        let read = |json: &str| serde_json::from_str::<Times>(json).map(|t| t.at);
        assert_eq!(
            read(r#"{"at":"2026-08-22T13:01:02Z"}"#).unwrap(),
            timestamp(Some("2026-08-22T13:01:02Z"))
        );
        // An escaped string reaches the visitor unescaped.
        assert!(
            read(r#"{"at":"2026-08-22T13:01:02\u005a"}"#)
                .unwrap()
                .is_some()
        );
        assert_eq!(read(r#"{"at":"yesterday"}"#).unwrap(), None);
        assert_eq!(read(r#"{"at":""}"#).unwrap(), None);
        assert_eq!(read(r#"{"at":null}"#).unwrap(), None);
        assert_eq!(read("{}").unwrap(), None);
        assert!(read(r#"{"at":17}"#).is_err());
    }
}
