//! [`IdempotencyKey`]: the key that makes a re-sent write harmless (a subscription create, a usage event).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::validation::Checks;

/// The longest key: 64 characters (safe as a Flexprice path segment and `lookup_key`).
pub const IDEMPOTENCY_KEY_MAX: usize = 64;

/// The key of a write that may be sent more than once: a subscription create ([`crate::NewSubscription`]) or a
/// usage event ([`crate::UsageEvent`]). Every attempt made with one key counts once.
///
/// Rules: 1..=64 characters of `[A-Za-z0-9._:-]` (checked by [`IdempotencyKey::new`] and when deserialized).
///
/// Three ways to get one:
/// - [`IdempotencyKey::new`]: your own key (an order id, a request id).
/// - [`IdempotencyKey::generate`]: a fresh UUID v7. It protects only the attempts made with that value and its
///   clones: an application that rebuilds the input after a restart gets another key.
/// - [`IdempotencyKey::derive`]: a UUID v5 computed from a namespace and parts of your own record, the same on
///   every run and every machine (a migration derives keys from the source ids, an application from its row).
///
/// ```
/// use unibill_core::IdempotencyKey;
///
/// let mine = IdempotencyKey::new("order-42:subscribe")?;
/// assert_eq!(mine.as_str(), "order-42:subscribe");
///
/// let a = IdempotencyKey::derive("migrate", &["flexprice", "subs_123"]);
/// assert_eq!(a, IdempotencyKey::derive("migrate", &["flexprice", "subs_123"]));
/// assert_ne!(a, IdempotencyKey::derive("migrate", &["flexprices", "ubs_123"]));
///
/// assert_ne!(IdempotencyKey::generate(), IdempotencyKey::generate());
/// assert_eq!(IdempotencyKey::new("").unwrap_err().field_errors()[0].field, "key");
/// # Ok::<(), unibill_core::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// Your own key; `InvalidInput` on field `key` unless it is 1..=64 characters of `[A-Za-z0-9._:-]`.
    pub fn new(key: impl Into<String>) -> Result<Self> {
        let key = key.into();
        let mut checks = Checks::new();
        check(&mut checks, "key", &key);
        checks.finish()?;
        Ok(IdempotencyKey(key))
    }

    /// A fresh key: a UUID v7 (time-ordered), hyphenated (36 characters).
    pub fn generate() -> Self {
        IdempotencyKey(uuid::Uuid::now_v7().hyphenated().to_string())
    }

    /// A key computed from `namespace` and `parts`: a UUID v5, hyphenated, the same for the same arguments on
    /// every run, machine and version of unibill (a test pins the algorithm).
    ///
    /// The UUID namespace is the v5 UUID of `unibill.idempotency-key.<namespace>` in the OID namespace; the name
    /// is every part as its length (8 bytes, big-endian) then its UTF-8 bytes, so `["ab", "c"]` and
    /// `["a", "bc"]` give different keys.
    pub fn derive(namespace: &str, parts: &[&str]) -> Self {
        let scope = uuid::Uuid::new_v5(
            &uuid::Uuid::NAMESPACE_OID,
            format!("unibill.idempotency-key.{namespace}").as_bytes(),
        );
        let mut name = Vec::with_capacity(parts.iter().map(|p| p.len() + 8).sum());
        for part in parts {
            name.extend_from_slice(&(part.len() as u64).to_be_bytes());
            name.extend_from_slice(part.as_bytes());
        }
        IdempotencyKey(uuid::Uuid::new_v5(&scope, &name).hyphenated().to_string())
    }

    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The inner string.
    pub fn into_string(self) -> String {
        self.0
    }
}

/// Checks `value` by the key rules, recording a broken one under `field`.
pub(crate) fn check(checks: &mut Checks, field: &str, value: &str) -> bool {
    if !checks.length(field, value, 1, IDEMPOTENCY_KEY_MAX) {
        return false;
    }
    let ok = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-'));
    if !ok {
        checks.fail(
            field,
            "an idempotency key holds only ASCII letters, digits, `.`, `_`, `:` and `-`",
        );
    }
    ok
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdempotencyKey({:?})", self.0)
    }
}

impl AsRef<str> for IdempotencyKey {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for IdempotencyKey {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        IdempotencyKey::new(s)
    }
}

impl TryFrom<String> for IdempotencyKey {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        IdempotencyKey::new(s)
    }
}

impl From<IdempotencyKey> for String {
    fn from(key: IdempotencyKey) -> String {
        key.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        for good in ["a", "order-42:subscribe", "A.b_c:d-e", &"k".repeat(64)] {
            assert!(IdempotencyKey::new(good).is_ok(), "{good}");
        }
        for bad in ["", "a b", "a/b", "é", "a\n", &"k".repeat(65)] {
            let err = IdempotencyKey::new(bad).unwrap_err();
            assert_eq!(err.field_errors()[0].field, "key", "{bad}");
        }
    }

    #[test]
    fn generated_keys_are_valid_uuid_v7() {
        let k = IdempotencyKey::generate();
        assert!(IdempotencyKey::new(k.as_str()).is_ok());
        let u = uuid::Uuid::parse_str(k.as_str()).unwrap();
        assert_eq!(u.get_version_num(), 7);
    }

    #[test]
    fn derived_keys_are_pinned() {
        // A derived key is stored by providers and ledgers: the algorithm must never change.
        let k = IdempotencyKey::derive("migrate", &["flexprice", "subs_123"]);
        assert_eq!(
            uuid::Uuid::parse_str(k.as_str()).unwrap().get_version_num(),
            5
        );
        assert_eq!(k.as_str(), PINNED);
        assert_ne!(
            k,
            IdempotencyKey::derive("other", &["flexprice", "subs_123"])
        );
        assert_ne!(
            IdempotencyKey::derive("n", &["ab", "c"]),
            IdempotencyKey::derive("n", &["a", "bc"])
        );
        assert_ne!(
            IdempotencyKey::derive("n", &[]),
            IdempotencyKey::derive("n", &[""])
        );
    }

    // Computed independently (RFC 4122 v5 by hand in Python: SHA-1 of the namespace and the same name bytes).
    const PINNED: &str = "22cc4233-13a2-5476-b794-f36454231a04";

    #[test]
    fn serde_is_the_string_and_validates() {
        let k = IdempotencyKey::new("k-1").unwrap();
        assert_eq!(serde_json::to_string(&k).unwrap(), r#""k-1""#);
        assert_eq!(
            serde_json::from_str::<IdempotencyKey>(r#""k-1""#).unwrap(),
            k
        );
        assert!(serde_json::from_str::<IdempotencyKey>(r#""a b""#).is_err());
    }
}
