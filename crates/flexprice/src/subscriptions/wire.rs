//! The subscription wire format: request bodies (exact) and the subscription object (lenient).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use unibill_core::{
    Currency, IdempotencyKey, Interval, IntervalUnit, Metadata, Period, RawJson, Subscription,
    SubscriptionItem, SubscriptionStatus, Timestamp,
};

use crate::PROVIDER;
use crate::decode::{decimal, non_empty, timestamp_field};

/// The reserved metadata key holding the price a subscription was created for: Flexprice subscribes to a
/// plan, and the plan may hold several prices of one currency and period (finding 32: `unibill_` keys are
/// unibill's own and stripped from the read model's metadata).
pub(crate) const PRICE_METADATA: &str = "unibill_price_id";

/// `POST /subscriptions` (notes §3.1): always a **draft** (no invoice, no payment, review finding 2) with the
/// idempotency key as `lookup_key` (finding 11); activated afterwards.
#[derive(Debug, Serialize)]
pub(crate) struct CreateSubscription<'a> {
    pub customer_id: &'a str,
    pub plan_id: &'a str,
    /// Lower case, as the plan's prices hold it.
    pub currency: String,
    pub billing_period: &'a str,
    pub billing_period_count: u32,
    pub lookup_key: &'a str,
    pub metadata: BTreeMap<String, String>,
    pub subscription_status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trial_period_days: Option<u32>,
    /// RFC 3339; sent only for `NewSubscription::start_at` (the server's default is now).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
}

/// One `filters[]` condition of a search (`{field, operator, data_type, value:{string}}`).
#[derive(Debug, Serialize)]
pub(crate) struct Filter<'a> {
    pub field: &'static str,
    pub operator: &'static str,
    pub data_type: &'static str,
    pub value: FilterValue<'a>,
}

/// A filter's string value.
#[derive(Debug, Serialize)]
pub(crate) struct FilterValue<'a> {
    pub string: &'a str,
}

/// `POST /subscriptions/search` (every status, notes §3.3): by customer, or by `lookup_key` (filters).
#[derive(Debug, Serialize)]
pub(crate) struct SearchSubscriptions<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_customer_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filters: Option<[Filter<'a>; 1]>,
    pub limit: u32,
    pub offset: u64,
    pub sort: &'static str,
    pub order: &'static str,
}

/// `POST /subscriptions/{id}/activate`: draft → active from `start_date`.
#[derive(Debug, Serialize)]
pub(crate) struct Activate<'a> {
    pub start_date: &'a str,
}

/// `POST /subscriptions/{id}/cancel` (notes §3.4). `cancel_immediately_inovice_policy` (sic) only with
/// `immediate`; `cancel_at` only with `scheduled_date`.
#[derive(Debug, Serialize)]
pub(crate) struct Cancel {
    pub cancellation_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancel_at: Option<String>,
    pub proration_behavior: &'static str,
    #[serde(
        rename = "cancel_immediately_inovice_policy",
        skip_serializing_if = "Option::is_none"
    )]
    pub invoice_policy: Option<&'static str>,
}

/// `POST /subscriptions/schedules/cancel` (notes §3.5): revert the pending cancellation.
#[derive(Debug, Serialize)]
pub(crate) struct CancelSchedule<'a> {
    pub subscription_id: &'a str,
    pub schedule_type: &'static str,
}

/// `POST /subscriptions/{id}/change/v2/execute` (notes §3.6): the plan swapped in place, now, no proration.
#[derive(Debug, Serialize)]
pub(crate) struct ChangeV2<'a> {
    pub target_plan_id: &'a str,
    pub proration_behavior: &'static str,
    pub change_at: &'static str,
}

/// The customer a subscription answer may embed.
#[derive(Debug, Deserialize)]
struct WireCustomerRef {
    #[serde(default)]
    external_id: Option<String>,
}

/// A line item as read.
#[derive(Debug, Deserialize)]
struct WireLineItem {
    #[serde(default)]
    price_id: Option<String>,
    #[serde(default)]
    price_type: Option<String>,
    #[serde(default)]
    quantity: Option<Value>,
    #[serde(default)]
    status: Option<String>,
}

/// A subscription object (`SubscriptionResponse`), lenient: unknown fields ignored, an unknown status kept.
#[derive(Debug, Deserialize)]
pub(crate) struct WireSubscription {
    id: String,
    #[serde(default)]
    lookup_key: Option<String>,
    #[serde(default)]
    customer_id: Option<String>,
    #[serde(default)]
    customer: Option<WireCustomerRef>,
    #[serde(default)]
    plan_id: Option<String>,
    #[serde(default)]
    subscription_status: Option<String>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    billing_period: Option<String>,
    #[serde(default)]
    billing_period_count: Option<i64>,
    #[serde(default, deserialize_with = "timestamp_field")]
    current_period_start: Option<Timestamp>,
    #[serde(default, deserialize_with = "timestamp_field")]
    current_period_end: Option<Timestamp>,
    #[serde(default, deserialize_with = "timestamp_field")]
    cancel_at: Option<Timestamp>,
    #[serde(default)]
    cancel_at_period_end: Option<bool>,
    #[serde(default, deserialize_with = "timestamp_field")]
    cancelled_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "timestamp_field")]
    trial_end: Option<Timestamp>,
    #[serde(default)]
    metadata: Option<BTreeMap<String, Value>>,
    #[serde(default, deserialize_with = "timestamp_field")]
    created_at: Option<Timestamp>,
    #[serde(default)]
    line_items: Option<Vec<WireLineItem>>,
}

/// The neutral status: `cancelled` → `Canceled`; `active`/`trialing` with `cancel_at` set → `CancelScheduled`
/// (review finding 17); an unknown one kept as `Other`.
fn status(s: Option<&str>, cancel_at: Option<Timestamp>) -> SubscriptionStatus {
    let status = SubscriptionStatus::from(s.unwrap_or_default());
    match status {
        SubscriptionStatus::Active | SubscriptionStatus::Trialing if cancel_at.is_some() => {
            SubscriptionStatus::CancelScheduled
        }
        other => other,
    }
}

/// A Flexprice billing period (and count) as a neutral interval.
pub(crate) fn interval(period: Option<&str>, count: Option<i64>) -> Option<Interval> {
    let count = count
        .and_then(|c| u32::try_from(c).ok())
        .filter(|c| *c >= 1)
        .unwrap_or(1);
    let (unit, factor) = match period? {
        "DAILY" => (IntervalUnit::Day, 1),
        "WEEKLY" => (IntervalUnit::Week, 1),
        "MONTHLY" => (IntervalUnit::Month, 1),
        "QUARTERLY" => (IntervalUnit::Month, 3),
        "HALF_YEARLY" => (IntervalUnit::Month, 6),
        "ANNUAL" => (IntervalUnit::Year, 1),
        _ => return None,
    };
    Some(Interval::new(unit, count.checked_mul(factor)?))
}

impl WireSubscription {
    /// The neutral subscription. `price_id`: the only live `FIXED` line item's price, else the price it was
    /// created for (`metadata.unibill_price_id`); `key`: `lookup_key` when it is a valid key.
    pub(crate) fn into_subscription(self, raw: RawJson) -> Subscription {
        let st = status(self.subscription_status.as_deref(), self.cancel_at);
        let mut metadata = Metadata::new();
        let mut created_for = None;
        for (k, v) in self.metadata.unwrap_or_default() {
            let Value::String(v) = v else { continue };
            if k == PRICE_METADATA {
                created_for = Some(v);
            } else {
                metadata.insert(k, v);
            }
        }
        let live: Vec<&WireLineItem> = self
            .line_items
            .as_deref()
            .unwrap_or_default()
            .iter()
            .filter(|l| l.status.as_deref().is_none_or(|s| s == "published"))
            .collect();
        let mut fixed = live
            .iter()
            .filter(|l| l.price_type.as_deref() == Some("FIXED"))
            .filter_map(|l| non_empty(l.price_id.as_deref()));
        let price_id = match (fixed.next(), fixed.next()) {
            (Some(only), None) => Some(only.to_owned()),
            _ => created_for,
        };
        let items = live
            .iter()
            .filter_map(|l| {
                let price = non_empty(l.price_id.as_deref())?;
                let item = SubscriptionItem::new(price);
                Some(match l.quantity.as_ref().and_then(decimal) {
                    Some(q) => item.quantity(q),
                    None => item,
                })
            })
            .collect();
        let mut b = Subscription::builder(self.id, st)
            .provider(PROVIDER)
            .metadata(metadata)
            .items(items)
            .cancel_at_period_end(self.cancel_at_period_end.unwrap_or(false))
            .raw(raw);
        if let Some(c) = non_empty(self.customer_id) {
            b = b.customer_id(c);
        }
        if let Some(e) = self.customer.and_then(|c| non_empty(c.external_id)) {
            b = b.customer_external_id(e);
        }
        if let Some(p) = price_id {
            b = b.price_id(p);
        }
        if let Some(p) = non_empty(self.plan_id) {
            b = b.product_id(p);
        }
        if let (Some(start), Some(end)) = (self.current_period_start, self.current_period_end)
            && let Ok(p) = Period::new(start, end)
        {
            b = b.current_period(p);
        }
        if let Some(i) = interval(self.billing_period.as_deref(), self.billing_period_count) {
            b = b.interval(i);
        }
        if let Some(c) = non_empty(self.currency).and_then(|c| Currency::decode(&c).ok()) {
            b = b.currency(c);
        }
        if let Some(t) = self.cancel_at {
            b = b.cancel_at(t);
        }
        if let Some(t) = self.cancelled_at {
            b = b.canceled_at(t);
        }
        if let Some(t) = self.trial_end {
            b = b.trial_end(t);
        }
        if let Some(k) = non_empty(self.lookup_key).and_then(|k| IdempotencyKey::new(k).ok()) {
            b = b.key(k);
        }
        if let Some(t) = self.created_at {
            b = b.created_at(t);
        }
        b.build()
    }
}
