//! The usage-summary wire format (lenient): `{customer_id, features[], period}`.

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;
use unibill_core::{Decimal, Entitlement, EntitlementKind, Limit, RawJson, Timestamp};

use crate::PROVIDER;
use crate::decode::{decimal, non_empty, timestamp_field};

/// `GET /customers/usage` answer.
#[derive(Debug, Deserialize)]
pub(crate) struct WireUsageSummary {
    #[serde(default)]
    pub features: Option<Vec<Box<RawValue>>>,
}

/// The feature a summary entry is about.
#[derive(Debug, Deserialize)]
pub(crate) struct WireFeatureRef {
    #[serde(default)]
    pub lookup_key: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
}

/// One feature's entry: `total_limit` (integer | null), `is_unlimited`, `current_usage` (decimal string), …
#[derive(Debug, Deserialize)]
pub(crate) struct WireFeatureUsage {
    #[serde(default)]
    pub feature: Option<WireFeatureRef>,
    #[serde(default)]
    pub total_limit: Option<Value>,
    #[serde(default)]
    pub is_unlimited: Option<bool>,
    #[serde(default)]
    pub current_usage: Option<Value>,
    #[serde(default)]
    pub is_enabled: Option<bool>,
    #[serde(default)]
    pub is_soft_limit: Option<bool>,
    #[serde(default, deserialize_with = "timestamp_field")]
    pub next_usage_reset_at: Option<Timestamp>,
}

impl WireFeatureUsage {
    /// The feature's key (`""` when the entry names none).
    pub(crate) fn key(&self) -> &str {
        self.feature
            .as_ref()
            .and_then(|f| non_empty(f.lookup_key.as_deref()))
            .unwrap_or_default()
    }

    /// The neutral entitlement of `customer` as of `as_of`. Metered: `total_limit` `null` (or
    /// `is_unlimited`) is `Limit::Unlimited`, never zero; the balance is limit − used where both are known.
    /// Boolean: `is_enabled`. Another feature type is `Other`.
    pub(crate) fn into_entitlement(
        self,
        customer: &str,
        as_of: Timestamp,
        raw: RawJson,
    ) -> Entitlement {
        let key = self.key().to_owned();
        let kind = match self.feature.as_ref().and_then(|f| f.kind.as_deref()) {
            Some("boolean") => EntitlementKind::Boolean {
                enabled: self.is_enabled.unwrap_or(false),
            },
            Some("metered") => {
                let limit = match (self.is_unlimited, self.total_limit.as_ref()) {
                    (Some(true), _) | (_, None | Some(Value::Null)) => Limit::Unlimited,
                    (_, Some(v)) => decimal(v).map_or(Limit::Unknown, Limit::Finite),
                };
                let used = self.current_usage.as_ref().and_then(decimal);
                let balance = match (limit, used) {
                    (Limit::Finite(l), Some(u)) => Some((l - u).max(Decimal::ZERO)),
                    _ => None,
                };
                if self.is_enabled == Some(false) {
                    EntitlementKind::NotGranted
                } else {
                    EntitlementKind::Metered {
                        limit,
                        used,
                        balance,
                        soft: self.is_soft_limit.unwrap_or(false),
                        resets_at: self.next_usage_reset_at,
                    }
                }
            }
            other => EntitlementKind::Other {
                name: other.unwrap_or_default().to_owned(),
            },
        };
        Entitlement::new(customer, key, kind, as_of)
            .provider(PROVIDER)
            .raw(raw)
    }
}
