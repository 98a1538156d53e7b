//! [`Metadata`]: a flat string → string map attached to a resource.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Key/value pairs attached to a resource, ordered by key.
///
/// ```
/// use unibill_core::Metadata;
///
/// let m = Metadata::new().with("plan", "pro").with("team", "core");
/// assert_eq!(m.get("plan"), Some("pro"));
/// assert_eq!(m.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Metadata(BTreeMap<String, String>);

impl Metadata {
    /// An empty map.
    pub fn new() -> Self {
        Metadata(BTreeMap::new())
    }

    /// Adds a pair (builder style).
    pub fn with(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.0.insert(key.into(), value.into());
        self
    }

    /// Inserts a pair, returning the previous value.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<String>) -> Option<String> {
        self.0.insert(key.into(), value.into())
    }

    /// The value of a key.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// The number of pairs.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no pairs.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The pairs in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The underlying map.
    pub fn as_map(&self) -> &BTreeMap<String, String> {
        &self.0
    }

    /// Validates keys: every key non-empty and at most 255 characters.
    pub(crate) fn validate(&self, field: &str, errors: &mut Vec<crate::FieldError>) {
        for key in self.0.keys() {
            if key.is_empty() {
                errors.push(crate::FieldError::new(field, "keys must not be empty"));
            } else if key.chars().count() > 255 {
                errors.push(crate::FieldError::new(
                    format!("{field}.{}", key.chars().take(16).collect::<String>()),
                    "keys must be at most 255 characters",
                ));
            }
        }
    }
}

impl From<BTreeMap<String, String>> for Metadata {
    fn from(map: BTreeMap<String, String>) -> Self {
        Metadata(map)
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Metadata {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Metadata(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

impl IntoIterator for Metadata {
    type Item = (String, String);
    type IntoIter = std::collections::btree_map::IntoIter<String, String>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}
