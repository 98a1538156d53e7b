//! The feature and plan-entitlement wire formats: request bodies (exact) and answers (lenient).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use unibill_core::{
    Error, Feature, FeatureGrant, FeatureKind, FieldError, Grant, Limit, ProductId, RawJson, Reset,
    Result, Timestamp,
};

use crate::PROVIDER;
use crate::decode::{non_empty, timestamp_field};
use crate::meters::wire::{CreateMeter, WireMeter};

/// `POST /features` (notes §2.2): a boolean feature, a metered feature on an existing meter (`meter_id`), or
/// a meter's carrier (an inline `meter`).
#[derive(Debug, Serialize)]
pub(crate) struct CreateFeature<'a> {
    pub name: &'a str,
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The natural key (unique among published features: a duplicate is a 409 `already_exists`).
    pub lookup_key: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meter_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meter: Option<CreateMeter<'a>>,
}

/// `POST /features/search` (`FeatureFilter`): by `lookup_key` or a page, published features only, with their
/// meters expanded.
#[derive(Debug, Serialize)]
pub(crate) struct SearchFeatures<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lookup_key: Option<&'a str>,
    pub expand: &'static str,
    pub status: &'static str,
    pub limit: u32,
    pub offset: u64,
    pub sort: &'static str,
    pub order: &'static str,
}

impl<'a> SearchFeatures<'a> {
    /// A page of published features, oldest first, meters expanded.
    pub(crate) fn page(lookup_key: Option<&'a str>, limit: u32, offset: u64) -> Self {
        SearchFeatures {
            lookup_key,
            expand: "meters",
            status: "published",
            limit,
            offset,
            sort: "created_at",
            order: "asc",
        }
    }
}

/// A feature object (`FeatureResponse`): lenient, `meter` present when expanded (or on create).
#[derive(Debug, Deserialize)]
pub(crate) struct WireFeature {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub lookup_key: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub meter_id: Option<String>,
    #[serde(default)]
    pub meter: Option<WireMeter>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "timestamp_field")]
    pub created_at: Option<Timestamp>,
}

impl WireFeature {
    /// Whether it is metered.
    pub(crate) fn is_metered(&self) -> bool {
        self.kind.as_deref() == Some("metered")
    }

    /// The neutral feature. A metered feature's `meter_key` is its meter's `event_name` (unknown when the
    /// answer does not embed the meter: then the feature's own key, which every unibill carrier shares).
    pub(crate) fn into_feature(self, raw: RawJson) -> Feature {
        let key = non_empty(self.lookup_key).unwrap_or_default();
        let kind = match self.kind.as_deref() {
            Some("boolean") => FeatureKind::Boolean,
            Some("metered") => FeatureKind::metered(
                self.meter
                    .and_then(|m| non_empty(m.event_name))
                    .unwrap_or_else(|| key.clone()),
            ),
            other => FeatureKind::Other(other.unwrap_or_default().to_owned()),
        };
        let mut b = Feature::builder(key, non_empty(self.name).unwrap_or_default(), kind)
            .id(self.id)
            .provider(PROVIDER)
            .raw(raw);
        if let Some(d) = non_empty(self.description) {
            b = b.description(d);
        }
        if let Some(at) = self.created_at {
            b = b.created_at(at);
        }
        b.build()
    }
}

/// `POST /entitlements` (notes §4, `CreateEntitlementRequest`): a feature granted to a plan. `usage_limit` is
/// always sent for metered features, `null` meaning unlimited.
#[derive(Debug, Serialize)]
pub(crate) struct CreateEntitlement<'a> {
    pub plan_id: &'a str,
    pub feature_id: &'a str,
    pub feature_type: &'static str,
    pub is_enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage_limit: Option<Option<i64>>,
    /// Omitted for `BillingPeriod`: an empty reset period follows the subscription's billing period
    /// *(inferred: the server validates it only when set)*.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage_reset_period: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_soft_limit: Option<bool>,
}

impl<'a> CreateEntitlement<'a> {
    /// The body granting `grant` on the feature `feature_id` (`metered` or boolean). What the wire cannot
    /// carry is `InvalidInput`: a boolean feature's limit, and a limit that is not a whole number of i64 range
    /// (`usage_limit` is an integer).
    pub(crate) fn new(grant: &'a Grant, feature_id: &'a str, metered: bool) -> Result<Self> {
        if !metered {
            if grant.limit() != Limit::Unlimited {
                return Err(Error::invalid_field(
                    "limit",
                    format!(
                        "`{}` is a boolean feature: it is granted without a limit",
                        grant.feature_key()
                    ),
                ));
            }
            return Ok(CreateEntitlement {
                plan_id: grant.product_id().as_str(),
                feature_id,
                feature_type: "boolean",
                is_enabled: true,
                usage_limit: None,
                usage_reset_period: None,
                is_soft_limit: None,
            });
        }
        let limit = match grant.limit() {
            Limit::Finite(d) => Some(whole(d).ok_or_else(|| {
                Error::invalid_fields(vec![FieldError::new(
                    "limit",
                    format!("Flexprice limits are whole numbers (got {d})"),
                )])
            })?),
            _ => None,
        };
        Ok(CreateEntitlement {
            plan_id: grant.product_id().as_str(),
            feature_id,
            feature_type: "metered",
            is_enabled: true,
            usage_limit: Some(limit),
            usage_reset_period: reset_out(grant.resets()),
            is_soft_limit: Some(grant.soft()),
        })
    }
}

/// A whole decimal in i64 range.
fn whole(d: unibill_core::Decimal) -> Option<i64> {
    if !d.fract().is_zero() {
        return None;
    }
    i64::try_from(d).ok()
}

/// The wire reset period; `None` (omitted) for `BillingPeriod`.
fn reset_out(r: &Reset) -> Option<&'static str> {
    Some(match r {
        Reset::Never => "NEVER",
        Reset::Daily => "DAILY",
        Reset::Weekly => "WEEKLY",
        Reset::Monthly => "MONTHLY",
        Reset::Yearly => "ANNUAL",
        Reset::BillingPeriod | Reset::Other(_) => return None,
    })
}

/// The neutral reset of a wire one: empty or absent is `BillingPeriod`, an unknown one is kept.
pub(crate) fn reset_in(s: Option<&str>) -> Reset {
    match non_empty(s) {
        None => Reset::BillingPeriod,
        Some("NEVER") => Reset::Never,
        Some("DAILY") => Reset::Daily,
        Some("WEEKLY") => Reset::Weekly,
        Some("MONTHLY") => Reset::Monthly,
        Some("ANNUAL") => Reset::Yearly,
        Some(other) => Reset::Other(other.to_owned()),
    }
}

/// `POST /entitlements/search` (`EntitlementFilter`): the plan's entitlements of one feature.
#[derive(Debug, Serialize)]
pub(crate) struct SearchEntitlements<'a> {
    pub plan_ids: [&'a str; 1],
    pub feature_ids: [&'a str; 1],
    pub status: &'static str,
    pub limit: u32,
}

/// A plan entitlement as read (`EntitlementResponse`), lenient.
#[derive(Debug, Deserialize)]
pub(crate) struct WireEntitlement {
    pub id: String,
    #[serde(default)]
    pub plan_id: Option<String>,
    #[serde(default)]
    pub feature_type: Option<String>,
    #[serde(default)]
    pub is_enabled: Option<bool>,
    #[serde(default)]
    pub usage_limit: Option<Value>,
    #[serde(default)]
    pub usage_reset_period: Option<String>,
    #[serde(default)]
    pub is_soft_limit: Option<bool>,
}

impl WireEntitlement {
    /// Whether this boolean grant is switched on (metered grants always are).
    pub(crate) fn enabled(&self) -> bool {
        self.is_enabled.unwrap_or(true)
    }

    /// The grant it is, read for the input `asked` (the answer names the feature by id only). A boolean
    /// grant is `Unlimited`; a metered `usage_limit` absent or `null` is `Unlimited`, never zero; one that is
    /// not a number is `Unknown`.
    pub(crate) fn into_grant(self, asked: &Grant, raw: RawJson) -> FeatureGrant {
        let metered = self.feature_type.as_deref() != Some("boolean");
        let mut grant = FeatureGrant::from_input(asked);
        grant.limit = match self.usage_limit.as_ref() {
            _ if !metered => Limit::Unlimited,
            None | Some(Value::Null) => Limit::Unlimited,
            Some(v) => crate::decode::decimal(v).map_or(Limit::Unknown, Limit::Finite),
        };
        if metered {
            grant.resets = reset_in(self.usage_reset_period.as_deref());
            grant.soft = self.is_soft_limit.unwrap_or(false);
        }
        if let Some(plan) = non_empty(self.plan_id) {
            grant.product_id = ProductId::new(plan);
        }
        grant.id = Some(self.id);
        grant.provider = PROVIDER.into();
        grant.raw = Some(raw);
        grant
    }
}
