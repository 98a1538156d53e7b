//! The billing aggregate as values: the request and its decoding. No I/O here.

use jiff::Timestamp;
use rust_decimal::Decimal;
use unibill_core::{Error, Result, Subscription, SubscriptionStatus};
use unibill_http::{Request, Response};

use super::wire::{WireBilling, WireDetail};

/// The operation name.
pub const BILLING: &str = "customers.billing";

/// `GET /api/v1/customers/{externalId}/billing`.
pub fn billing_request(external_id: &str) -> Result<Request> {
    if external_id.is_empty() {
        return Err(Error::invalid_field(
            "customer_external_id",
            "must not be empty",
        ));
    }
    Ok(
        Request::get(BILLING, "/api/v1/customers/{externalId}/billing").path([
            "api",
            "v1",
            "customers",
            external_id,
            "billing",
        ]),
    )
}

/// A feature item of a current subscription (not expired or detached).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureItem {
    /// `toggle`, `usage_credit_grant`, `resource`, or another kind.
    pub kind: String,
    /// The feature's slug.
    pub slug: String,
    /// The meter of a credit grant.
    pub usage_meter_id: Option<String>,
}

/// A meter balance of a current subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Balance {
    /// The meter's id.
    pub meter_id: Option<String>,
    /// The meter's slug.
    pub meter_slug: Option<String>,
    /// `availableBalance`.
    pub available: Decimal,
}

/// What the adapter reads of a customer's billing aggregate.
#[derive(Debug, Clone)]
pub struct CustomerBilling {
    /// Every subscription of the customer, every status.
    pub subscriptions: Vec<Subscription>,
    /// The current ones, in Flowglad's order.
    pub current: Vec<Subscription>,
    /// Feature items over the current subscriptions.
    pub features: Vec<FeatureItem>,
    /// Meter balances over the current subscriptions.
    pub balances: Vec<Balance>,
}

/// Decodes the aggregate; subscriptions are filled with the customer's external id.
pub fn decode_billing(external_id: &str, response: Response) -> Result<CustomerBilling> {
    let w: WireBilling = response.json()?;
    let fill = |mut s: Subscription| {
        s.customer_id = Some(external_id.into());
        s.customer_external_id = Some(external_id.to_owned());
        s
    };
    let mut subscriptions = Vec::with_capacity(w.subscriptions.len());
    for raw in w.subscriptions {
        subscriptions.push(fill(crate::subscriptions::wire::subscription(raw)?));
    }
    let mut current = Vec::with_capacity(w.current_subscriptions.len());
    let mut features = Vec::new();
    let mut balances = Vec::new();
    let now = Timestamp::now();
    for raw in w.current_subscriptions {
        // An experimental block that does not fit is read as absent ("may change without notice").
        let detail: WireDetail = serde_json::from_str(raw.get()).unwrap_or_default();
        let sub = fill(crate::subscriptions::wire::subscription(raw)?);
        if matches!(
            sub.status,
            SubscriptionStatus::Canceled | SubscriptionStatus::IncompleteExpired
        ) {
            continue;
        }
        current.push(sub);
        let Some(x) = detail.experimental else {
            continue;
        };
        for f in x.feature_items {
            let gone = |t: Option<Timestamp>| t.is_some_and(|t| t <= now);
            if gone(f.expired_at) || gone(f.detached_at) {
                continue;
            }
            if let (Some(kind), Some(slug)) = (f.r#type, f.slug) {
                features.push(FeatureItem {
                    kind,
                    slug,
                    usage_meter_id: f.usage_meter_id,
                });
            }
        }
        for b in x.usage_meter_balances {
            balances.push(Balance {
                meter_id: b.id,
                meter_slug: b.slug,
                available: b.available_balance.unwrap_or_default(),
            });
        }
    }
    Ok(CustomerBilling {
        subscriptions,
        current,
        features,
        balances,
    })
}
