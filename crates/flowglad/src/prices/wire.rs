//! Flowglad's price records and request bodies, exactly as on the wire.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::lenient;

/// `{"price": Price}`: the answer of create, get and update (the record kept raw, decoded once).
#[derive(Debug, Deserialize)]
pub(crate) struct PriceEnvelope {
    pub price: Box<RawValue>,
}

/// A price record, today's shape (epoch-ms times, `pricingModelId`) or the older one (ISO times,
/// `setupFeeAmount`, `createdByCommit`, the string `"null"`). Unknown fields are ignored.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WirePrice {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient::string")]
    pub slug: Option<String>,
    #[serde(default, deserialize_with = "lenient::int")]
    pub unit_price: Option<i64>,
    #[serde(default, deserialize_with = "lenient::string")]
    pub currency: Option<String>,
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub is_default: Option<bool>,
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub active: Option<bool>,
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub livemode: Option<bool>,
    #[serde(default, deserialize_with = "lenient::string")]
    pub interval_unit: Option<String>,
    #[serde(default, deserialize_with = "lenient::int")]
    pub interval_count: Option<i64>,
    #[serde(default, deserialize_with = "lenient::int")]
    pub trial_period_days: Option<i64>,
    #[serde(default, deserialize_with = "lenient::int")]
    pub usage_events_per_unit: Option<i64>,
    #[serde(default, deserialize_with = "lenient::string")]
    pub product_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::string")]
    pub usage_meter_id: Option<String>,
    /// Removed in October 2025; older answers carry it.
    #[serde(default, deserialize_with = "lenient::int")]
    pub setup_fee_amount: Option<i64>,
    #[serde(default, deserialize_with = "lenient::timestamp")]
    pub created_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "lenient::timestamp")]
    pub updated_at: Option<Timestamp>,
}

/// `POST /api/v1/prices` body.
#[derive(Debug, Serialize)]
pub(crate) struct CreateBody {
    pub price: NewWirePrice,
}

/// The price of a create: fields that do not apply to the type are left out, never `null`.
#[derive(Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NewWirePrice {
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage_meter_id: Option<String>,
    pub unit_price: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage_events_per_unit: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval_unit: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval_count: Option<i64>,
    pub is_default: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trial_period_days: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

/// `PUT /api/v1/prices/{id}` body.
#[derive(Debug, Serialize)]
pub(crate) struct UpdateBody {
    pub price: WirePriceUpdate,
}

/// An update: `id`, `type` and `isDefault` always; `name`/`slug` as a value, `null` to clear, or left out.
#[derive(Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WirePriceUpdate {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub is_default: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slug: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

/// The wire `type` of each price kind.
pub(crate) const SUBSCRIPTION: &str = "subscription";
/// See [`SUBSCRIPTION`].
pub(crate) const SINGLE_PAYMENT: &str = "single_payment";
/// See [`SUBSCRIPTION`].
pub(crate) const USAGE: &str = "usage";
