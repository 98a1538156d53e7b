//! The subscription wire format: request bodies (exact) and the subscription record (lenient).

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use unibill_core::{
    IdempotencyKey, Metadata, Period, RawJson, Result, SUBSCRIPTION_KEY_METADATA, Subscription,
    SubscriptionStatus,
};

use crate::PROVIDER;
use crate::decode::{self, record};

/// `POST /api/v1/subscriptions` body: **flat** (no envelope); `startDate` is never sent.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CreateBody<'a> {
    pub customer_external_id: &'a str,
    pub price_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trial_end: Option<i64>,
    pub metadata: BTreeMap<&'a str, &'a str>,
}

/// `{"cancellation": {"timing": …}}`.
#[derive(Debug, Serialize)]
pub(super) struct CancelBody {
    pub cancellation: Timing,
}

/// A timing.
#[derive(Debug, Serialize)]
pub(super) struct Timing {
    pub timing: &'static str,
}

/// `{"adjustment": {"timing": "immediately", "newSubscriptionItems": [{"priceId", "quantity"}]}}`.
#[derive(Debug, Serialize)]
pub(super) struct AdjustBody<'a> {
    pub adjustment: Adjustment<'a>,
}

/// The adjustment.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Adjustment<'a> {
    pub timing: &'static str,
    pub new_subscription_items: Vec<TerseItem<'a>>,
}

/// The terse item form.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct TerseItem<'a> {
    pub price_id: &'a str,
    pub quantity: u32,
}

/// `{"subscription": S, …}`: the answer of create, get, cancel, uncancel and adjust.
#[derive(Debug, Deserialize)]
pub(super) struct SubscriptionEnvelope {
    pub subscription: Box<RawValue>,
}

/// A subscription record; unknown fields are ignored, unknown statuses kept.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireSubscription {
    #[serde(default, deserialize_with = "decode::string")]
    id: Option<String>,
    #[serde(default, deserialize_with = "decode::string")]
    status: Option<String>,
    #[serde(default, deserialize_with = "decode::string")]
    customer_id: Option<String>,
    #[serde(default, deserialize_with = "decode::string")]
    price_id: Option<String>,
    #[serde(default, deserialize_with = "decode::timestamp")]
    current_billing_period_start: Option<Timestamp>,
    #[serde(default, deserialize_with = "decode::timestamp")]
    current_billing_period_end: Option<Timestamp>,
    #[serde(default, deserialize_with = "decode::timestamp")]
    canceled_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "decode::timestamp")]
    cancel_scheduled_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "decode::timestamp")]
    trial_end: Option<Timestamp>,
    #[serde(default, deserialize_with = "decode::timestamp")]
    created_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "decode::metadata")]
    metadata: Metadata,
}

/// Decodes one raw subscription record; the `cust_` id goes to `provider_customer_id` (finding 18).
pub(crate) fn subscription(raw: Box<RawValue>) -> Result<Subscription> {
    let (w, raw) = record::<WireSubscription>(raw, "subscription")?;
    w.into_subscription(raw)
}

impl WireSubscription {
    fn into_subscription(self, raw: RawJson) -> Result<Subscription> {
        let id = self.id.filter(|x| !x.is_empty()).ok_or_else(|| {
            unibill_core::Error::decode("a Flowglad subscription has no id").with_provider(PROVIDER)
        })?;
        let status = SubscriptionStatus::from(self.status.unwrap_or_default().as_str());
        let mut b = Subscription::builder(id, status.clone())
            .cancel_at_period_end(status == SubscriptionStatus::CancelScheduled)
            .provider(PROVIDER);
        if let Some(c) = self.customer_id {
            b = b.provider_customer_id(c);
        }
        if let Some(p) = self.price_id {
            b = b.price_id(p);
        }
        if let (Some(s), Some(e)) = (
            self.current_billing_period_start,
            self.current_billing_period_end,
        ) && let Ok(p) = Period::new(s, e)
        {
            b = b.current_period(p);
        }
        if let Some(t) = self.cancel_scheduled_at {
            b = b.cancel_at(t);
        }
        if let Some(t) = self.canceled_at {
            b = b.canceled_at(t);
        }
        if let Some(t) = self.trial_end {
            b = b.trial_end(t);
        }
        if let Some(t) = self.created_at {
            b = b.created_at(t);
        }
        if let Some(k) = self
            .metadata
            .get(SUBSCRIPTION_KEY_METADATA)
            .and_then(|k| IdempotencyKey::new(k).ok())
        {
            b = b.key(k);
        }
        Ok(b.metadata(self.metadata).raw(raw).build())
    }
}
