//! The billing aggregate's wire format (lenient; the `experimental` block may be absent).

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::decode;

/// `{customer, subscriptions, currentSubscriptions, …}`; only what the adapter reads.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct WireBilling {
    #[serde(default)]
    pub subscriptions: Vec<Box<RawValue>>,
    #[serde(default)]
    pub current_subscriptions: Vec<Box<RawValue>>,
}

/// The experimental block of a subscription detail.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct WireDetail {
    #[serde(default)]
    pub experimental: Option<WireExperimental>,
}

/// `{featureItems, usageMeterBalances}`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct WireExperimental {
    #[serde(default)]
    pub feature_items: Vec<WireFeatureItem>,
    #[serde(default)]
    pub usage_meter_balances: Vec<WireBalance>,
}

/// A feature item.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct WireFeatureItem {
    #[serde(default, deserialize_with = "decode::string")]
    pub r#type: Option<String>,
    #[serde(default, deserialize_with = "decode::string")]
    pub slug: Option<String>,
    #[serde(default, deserialize_with = "decode::string")]
    pub usage_meter_id: Option<String>,
    #[serde(default, deserialize_with = "decode::timestamp")]
    pub expired_at: Option<jiff::Timestamp>,
    #[serde(default, deserialize_with = "decode::timestamp")]
    pub detached_at: Option<jiff::Timestamp>,
}

/// A meter balance: the meter's fields and `availableBalance`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct WireBalance {
    #[serde(default, deserialize_with = "decode::string")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "decode::string")]
    pub slug: Option<String>,
    #[serde(default, deserialize_with = "decode::decimal")]
    pub available_balance: Option<rust_decimal::Decimal>,
}
