//! Flexprice's price records and request bodies, exactly as on the wire.
//!
//! Requests are exact (absent optional fields left out; a tier's `up_to` is `null` for the last tier, as the
//! server needs). Responses are lenient: every field optional, enum values kept as strings, unknown fields
//! ignored, amounts read from a string or a number.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

/// `POST /prices` body.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub(crate) struct CreatePrice {
    pub entity_type: &'static str,
    pub entity_id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meter_id: Option<String>,
    pub billing_model: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier_mode: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tiers: Option<Vec<TierOut>>,
    pub billing_period: &'static str,
    pub billing_period_count: u32,
    pub invoice_cadence: &'static str,
    pub price_unit_type: &'static str,
    pub currency: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transform_quantity: Option<TransformQuantityOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trial_period_days: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lookup_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, String>>,
}

/// One tier of a create: `up_to` always present (`null` = the open-ended last tier).
#[derive(Debug, Serialize, PartialEq, Eq)]
pub(crate) struct TierOut {
    pub up_to: Option<u64>,
    pub unit_amount: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flat_amount: Option<String>,
}

/// `transform_quantity` of a package price.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub(crate) struct TransformQuantityOut {
    pub divide_by: u64,
    pub round: &'static str,
}

/// `PUT /prices/{id}` body: the in-place (non-critical) fields only.
#[derive(Debug, Serialize, PartialEq, Eq, Default)]
pub(crate) struct UpdatePrice {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lookup_key: Option<String>,
}

/// `POST /prices/search` body.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub(crate) struct SearchPrices {
    pub limit: u32,
    pub offset: u64,
    pub sort: &'static str,
    pub order: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_ids: Option<Vec<String>>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub allow_expired_prices: bool,
}

/// A price record (`PriceResponse`). Only what the neutral model reads; the rest stays in `raw`.
#[derive(Debug, Deserialize)]
pub(crate) struct WirePrice {
    pub id: String,
    #[serde(default)]
    pub amount: Option<Value>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub billing_period: Option<String>,
    #[serde(default)]
    pub billing_period_count: Option<i64>,
    #[serde(default)]
    pub billing_model: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub trial_period_days: Option<i64>,
    /// The name before 2026-04-23.
    #[serde(default)]
    pub trial_period: Option<i64>,
    #[serde(default)]
    pub tier_mode: Option<String>,
    #[serde(default)]
    pub tiers: Option<Vec<WireTier>>,
    #[serde(default)]
    pub meter_id: Option<String>,
    #[serde(default)]
    pub lookup_key: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub transform_quantity: Option<WireTransformQuantity>,
    #[serde(default)]
    pub metadata: Option<BTreeMap<String, Value>>,
    #[serde(default)]
    pub entity_type: Option<String>,
    #[serde(default)]
    pub entity_id: Option<String>,
    #[serde(default)]
    pub end_date: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// A tier as read.
#[derive(Debug, Deserialize)]
pub(crate) struct WireTier {
    #[serde(default)]
    pub up_to: Option<u64>,
    #[serde(default)]
    pub unit_amount: Option<Value>,
    #[serde(default)]
    pub flat_amount: Option<Value>,
}

/// `transform_quantity` as read.
#[derive(Debug, Deserialize)]
pub(crate) struct WireTransformQuantity {
    #[serde(default)]
    pub divide_by: Option<i64>,
    #[serde(default)]
    pub round: Option<String>,
}

/// `{items, pagination}` of a search, the items kept raw.
#[derive(Debug, Deserialize)]
pub(crate) struct WirePriceList {
    #[serde(default)]
    pub items: Option<Vec<Box<RawValue>>>,
    #[serde(default)]
    pub pagination: Option<WirePagination>,
}

/// The pagination of a search (`offset` there is the *next* offset and is not used).
#[derive(Debug, Deserialize)]
pub(crate) struct WirePagination {
    #[serde(default)]
    pub total: Option<u64>,
}
