//! [`Entitlement`]: what one customer may use of one feature, with its [`EntitlementKind`].

use std::borrow::Cow;

use jiff::{SignedDuration, Timestamp};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::model::feature::Limit;
use crate::model::raw::RawJson;

/// What the customer has of the feature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EntitlementKind {
    /// A boolean feature.
    Boolean {
        /// Whether it is on.
        enabled: bool,
    },
    /// A metered feature.
    Metered {
        /// The limit per reset period. `Unknown` where the provider does not say (Flowglad): never read as
        /// unlimited.
        limit: Limit,
        /// Used in the current period, where the provider says (Flowglad does not).
        used: Option<Decimal>,
        /// What is left (Flexprice limit − used, Flowglad `availableBalance`), where the provider says.
        balance: Option<Decimal>,
        /// Usage beyond the limit is still allowed (and billed) (Flexprice `is_soft_limit`).
        soft: bool,
        /// When usage next resets.
        resets_at: Option<Timestamp>,
    },
    /// The feature is not granted to the customer, or does not exist (never `NotFound`).
    NotGranted,
    /// A kind this version of unibill does not know, as the provider names it.
    Other {
        /// The provider's name of the kind.
        name: String,
    },
}

impl EntitlementKind {
    /// Whether this kind gives access; the rule behind [`Entitlement::access`]:
    ///
    /// - `Boolean`: `enabled`.
    /// - `Metered`: an `Unlimited` limit or a `soft` one gives access; otherwise the `balance`, when known, must
    ///   be above zero; otherwise a `Finite` limit with a known `used` must be above it. A limit and balance both
    ///   unknown give **no** access (fail closed: a cache in front decides any fail-open rule itself).
    /// - `NotGranted` and `Other`: no access.
    ///
    /// ```
    /// use rust_decimal_macros::dec;
    /// use unibill_core::{EntitlementKind, Limit};
    /// let metered = |limit, used, balance| EntitlementKind::Metered { limit, used, balance, soft: false, resets_at: None };
    /// assert!(metered(Limit::Unlimited, Some(dec!(10)), None).grants_access());
    /// assert!(metered(Limit::Finite(dec!(10)), Some(dec!(9)), None).grants_access());
    /// assert!(!metered(Limit::Finite(dec!(10)), Some(dec!(10)), None).grants_access());
    /// assert!(metered(Limit::Unknown, None, Some(dec!(1))).grants_access());
    /// assert!(!metered(Limit::Unknown, None, None).grants_access());
    /// ```
    pub fn grants_access(&self) -> bool {
        match self {
            EntitlementKind::Boolean { enabled } => *enabled,
            EntitlementKind::Metered {
                limit,
                used,
                balance,
                soft,
                ..
            } => {
                if limit.is_unlimited() || *soft {
                    return true;
                }
                if let Some(balance) = balance {
                    return *balance > Decimal::ZERO;
                }
                match (limit, used) {
                    (Limit::Finite(limit), Some(used)) => used < limit,
                    _ => false,
                }
            }
            EntitlementKind::NotGranted | EntitlementKind::Other { .. } => false,
        }
    }
}

/// Where an [`Entitlement`] answer came from, and how old the provider's answer behind it is.
///
/// A provider's own answer is [`Freshness::Live`] (the default, and what every adapter returns). A cache in front
/// of a provider (`unibill-cache`) says whether it answered from memory and how long ago it asked the provider,
/// so an application can tell a fresh answer from a remembered one, and a remembered one from one served past its
/// staleness bound because the provider could not be reached. `age` is measured on the cache's clock from the
/// moment it asked the provider; `as_of` stays the provider's.
///
/// ```
/// use unibill_core::{Entitlement, EntitlementKind, Freshness, SignedDuration, Timestamp};
/// let e = Entitlement::new("ada", "sso", EntitlementKind::Boolean { enabled: true }, Timestamp::UNIX_EPOCH);
/// assert_eq!(e.freshness, Freshness::Live);
/// let cached = e.freshness(Freshness::Cached { age: SignedDuration::from_secs(3) });
/// assert!(cached.freshness.is_cached());
/// assert_eq!(cached.freshness.age(), SignedDuration::from_secs(3));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Freshness {
    /// The provider answered this call.
    #[default]
    Live,
    /// A cache answered from memory, within its staleness bound: it asked the provider `age` ago.
    Cached {
        /// How long ago the cache asked the provider.
        age: SignedDuration,
    },
    /// A cache answered from memory **past** its staleness bound, because the provider could not be reached
    /// and the feature's rule is to fail open (the last known answer).
    Stale {
        /// How long ago the cache last asked the provider successfully.
        age: SignedDuration,
    },
}

impl Freshness {
    /// Whether this is [`Freshness::Live`].
    pub fn is_live(&self) -> bool {
        matches!(self, Freshness::Live)
    }

    /// Whether a cache answered (within its bound or past it).
    pub fn is_cached(&self) -> bool {
        !self.is_live()
    }

    /// Whether the answer was served past its staleness bound ([`Freshness::Stale`]).
    pub fn is_stale(&self) -> bool {
        matches!(self, Freshness::Stale { .. })
    }

    /// How old the provider's answer is: zero for a live one.
    pub fn age(&self) -> SignedDuration {
        match self {
            Freshness::Live => SignedDuration::ZERO,
            Freshness::Cached { age } | Freshness::Stale { age } => *age,
        }
    }
}

/// What one customer may use of one feature, as of `as_of`.
///
/// `access` is computed once, by [`Entitlement::new`], from `kind` ([`EntitlementKind::grants_access`]); reading
/// one back (deserializing) computes it again, so it always agrees with `kind`.
///
/// ```
/// use unibill_core::{Entitlement, EntitlementKind, Timestamp};
/// let e = Entitlement::new("ada", "sso", EntitlementKind::Boolean { enabled: true }, Timestamp::UNIX_EPOCH);
/// assert!(e.access);
/// let none = Entitlement::new("ada", "sso", EntitlementKind::NotGranted, Timestamp::UNIX_EPOCH);
/// assert!(!none.access);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "EntitlementParts")]
#[non_exhaustive]
pub struct Entitlement {
    /// The feature's key.
    pub feature_key: String,
    /// The customer's external id.
    pub customer_external_id: String,
    /// Whether the customer may use the feature now (computed from `kind`).
    pub access: bool,
    /// What the customer has.
    pub kind: EntitlementKind,
    /// When the provider's answer was true.
    pub as_of: Timestamp,
    /// Which provider answered.
    pub provider: Cow<'static, str>,
    /// The provider's own JSON for it.
    pub raw: Option<RawJson>,
    /// Where the answer came from: [`Freshness::Live`] from a provider, cached or stale from a cache in front of
    /// it. Left out of the JSON when live, so a provider's answer reads as it always did.
    #[serde(default, skip_serializing_if = "Freshness::is_live")]
    pub freshness: Freshness,
}

#[derive(Deserialize)]
struct EntitlementParts {
    feature_key: String,
    customer_external_id: String,
    kind: EntitlementKind,
    as_of: Timestamp,
    provider: Cow<'static, str>,
    raw: Option<RawJson>,
    #[serde(default)]
    freshness: Freshness,
}

impl From<EntitlementParts> for Entitlement {
    fn from(p: EntitlementParts) -> Self {
        Entitlement::new(p.customer_external_id, p.feature_key, p.kind, p.as_of)
            .provider(p.provider)
            .with_raw(p.raw)
            .freshness(p.freshness)
    }
}

impl Entitlement {
    /// The entitlement of `customer_external_id` to `feature_key`, `access` computed from `kind`; provider
    /// `"mock"`.
    pub fn new(
        customer_external_id: impl Into<String>,
        feature_key: impl Into<String>,
        kind: EntitlementKind,
        as_of: Timestamp,
    ) -> Self {
        Entitlement {
            feature_key: feature_key.into(),
            customer_external_id: customer_external_id.into(),
            access: kind.grants_access(),
            kind,
            as_of,
            provider: Cow::Borrowed("mock"),
            raw: None,
            freshness: Freshness::Live,
        }
    }

    /// Sets the provider name.
    pub fn provider(mut self, v: impl Into<Cow<'static, str>>) -> Self {
        self.provider = v.into();
        self
    }

    /// Sets the provider JSON.
    pub fn raw(self, v: RawJson) -> Self {
        self.with_raw(Some(v))
    }

    fn with_raw(mut self, v: Option<RawJson>) -> Self {
        self.raw = v;
        self
    }

    /// Sets where the answer came from (a cache marks its answers; see [`Freshness`]).
    pub fn freshness(mut self, v: Freshness) -> Self {
        self.freshness = v;
        self
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    fn metered(limit: Limit, used: Option<Decimal>, balance: Option<Decimal>, soft: bool) -> bool {
        Entitlement::new(
            "ada",
            "api_calls",
            EntitlementKind::Metered {
                limit,
                used,
                balance,
                soft,
                resets_at: None,
            },
            Timestamp::UNIX_EPOCH,
        )
        .access
    }

    #[test]
    fn access_is_computed_from_the_kind() {
        assert!(metered(Limit::Unlimited, None, None, false));
        assert!(metered(
            Limit::Finite(dec!(100)),
            Some(dec!(99.5)),
            None,
            false
        ));
        assert!(!metered(
            Limit::Finite(dec!(100)),
            Some(dec!(100)),
            None,
            false
        ));
        assert!(!metered(Limit::Finite(dec!(100)), None, None, false));
        assert!(metered(
            Limit::Finite(dec!(100)),
            Some(dec!(150)),
            None,
            true
        ));
        assert!(!metered(
            Limit::Finite(dec!(100)),
            Some(dec!(1)),
            Some(dec!(0)),
            false
        ));
        assert!(metered(Limit::Unknown, None, Some(dec!(0.1)), false));
        assert!(!metered(Limit::Unknown, None, None, false));
        assert!(!metered(Limit::Unknown, None, Some(dec!(-1)), false));
        let other = EntitlementKind::Other {
            name: "static".into(),
        };
        assert!(!other.grants_access());
        assert!(!EntitlementKind::Boolean { enabled: false }.grants_access());
    }

    #[test]
    fn reading_back_recomputes_access() {
        let e = Entitlement::new(
            "ada",
            "sso",
            EntitlementKind::Boolean { enabled: true },
            Timestamp::UNIX_EPOCH,
        )
        .provider("memory");
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(serde_json::from_str::<Entitlement>(&json).unwrap(), e);
        assert!(
            !json.contains("freshness") && !json.contains("source"),
            "{json}"
        );
        let cached = e.clone().freshness(Freshness::Stale {
            age: SignedDuration::from_secs(90),
        });
        let cached_json = serde_json::to_string(&cached).unwrap();
        assert!(
            cached_json.contains(r#""freshness":{"source":"stale","age":"PT1M30S"}"#),
            "{cached_json}"
        );
        assert_eq!(
            serde_json::from_str::<Entitlement>(&cached_json).unwrap(),
            cached
        );
        let lying = json.replace("\"access\":true", "\"access\":false");
        assert_ne!(lying, json);
        assert!(serde_json::from_str::<Entitlement>(&lying).unwrap().access);
    }
}
