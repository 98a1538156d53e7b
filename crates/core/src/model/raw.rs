//! [`RawJson`]: the provider's own JSON for a resource, kept as text without a second parse.

use std::fmt;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

/// The provider's JSON for a resource, exactly as received (validated JSON, never re-parsed into a tree).
///
/// ```
/// use unibill_core::RawJson;
/// let raw = RawJson::from_string(r#"{"id":"cust_1"}"#.to_owned()).unwrap();
/// assert_eq!(raw.get(), r#"{"id":"cust_1"}"#);
/// ```
#[derive(Clone)]
pub struct RawJson(
    /// Always one valid JSON value without surrounding whitespace: every constructor checks it.
    Box<str>,
);

impl RawJson {
    /// Checks that `json` is valid JSON and keeps it as is.
    pub fn from_string(json: String) -> Result<Self, serde_json::Error> {
        RawValue::from_string(json).map(Self::from_raw)
    }

    /// Wraps an already validated raw value (e.g. one borrowed out of a response by serde).
    pub fn from_raw(raw: Box<RawValue>) -> Self {
        RawJson(raw.into())
    }

    /// Decodes `T` from a whole JSON document and keeps the document's text as [`RawJson`], in **one** parse.
    ///
    /// Decoding `T` already checks the whole document's syntax (serde_json checks the values `T` ignores and
    /// rejects trailing characters), and the UTF-8 check of the text completes the validation, so the raw text
    /// is not scanned a second time (as `from_slice::<Box<RawValue>>` followed by decoding `T` from it would).
    ///
    /// ```
    /// use unibill_core::RawJson;
    /// #[derive(serde::Deserialize)]
    /// struct Wire { id: String }
    /// let (wire, raw) = RawJson::decode::<Wire>(b" {\"id\":\"cust_1\",\"extra\":[1,2]}\n").unwrap();
    /// assert_eq!((wire.id.as_str(), raw.get()), ("cust_1", r#"{"id":"cust_1","extra":[1,2]}"#));
    /// assert!(RawJson::decode::<Wire>(br#"{"id":"cust_1","extra":[1,}"#).is_err());
    /// ```
    pub fn decode<T: DeserializeOwned>(json: &[u8]) -> Result<(T, RawJson), serde_json::Error> {
        let value: T = serde_json::from_slice(json)?;
        let text =
            std::str::from_utf8(json).map_err(<serde_json::Error as serde::de::Error>::custom)?;
        let text = text.trim_matches([' ', '\t', '\n', '\r']);
        Ok((value, RawJson(text.into())))
    }

    /// The JSON text.
    pub fn get(&self) -> &str {
        &self.0
    }

    /// Parses the text into a JSON value (a copy; the kept text is unchanged).
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::from_str(&self.0).unwrap_or(serde_json::Value::Null)
    }
}

impl PartialEq for RawJson {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl Eq for RawJson {}

impl fmt::Debug for RawJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RawJson({} bytes)", self.get().len())
    }
}

impl Serialize for RawJson {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Written as raw JSON (not as a string); the text is valid by construction, so this cannot fail.
        RawValue::from_string(self.0.to_string())
            .map_err(serde::ser::Error::custom)?
            .serialize(s)
    }
}

impl<'de> Deserialize<'de> for RawJson {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Box::<RawValue>::deserialize(d).map(RawJson::from_raw)
    }
}
