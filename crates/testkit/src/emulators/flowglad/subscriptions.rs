//! Subscriptions (lifecycle notes §4): the flat create body, get, list, cancel, uncancel, adjust and
//! cancel-scheduled-adjustment, plus the clock-driven transitions (scheduled cancels, period rolls, scheduled
//! adjustments).

use jiff::{Span, Timestamp, tz::TimeZone};
use serde_json::{Map, Value, json};

use super::errors::{ApiError, invalid_type, received};
use super::features;
use super::pagination::ListQuery;
use super::state::{ORGANIZATION_ID, PriceType, Store};
use super::usage_meters::wrapped;
use super::zod::{Fields, coerced_int};

const INTERVALS: &[&str] = &["day", "week", "month", "year"];
const TIMINGS: &[&str] = &["at_end_of_current_billing_period", "immediately"];
const ADJUST_TIMINGS: &[&str] = &["immediately", "at_end_of_current_billing_period", "auto"];
/// Statuses a subscription never leaves.
const TERMINAL: &[&str] = &["canceled", "incomplete_expired"];
/// Statuses that count as "current" (the `/billing` and usage-balance rule, notes §5).
pub(crate) const CURRENT: &[&str] = &[
    "active",
    "past_due",
    "trialing",
    "cancellation_scheduled",
    "unpaid",
    "credit_trial",
];

/// A feature copied onto a subscription item when the item was created.
#[derive(Debug, Clone)]
pub(crate) struct FeatureItem {
    pub id: String,
    pub feature_id: String,
    pub kind: String,
    pub slug: String,
    pub name: String,
    pub amount: Option<i64>,
    pub usage_meter_id: Option<String>,
    pub renewal_frequency: Option<String>,
}

/// One item of a subscription (a price and a quantity).
#[derive(Debug, Clone)]
pub(crate) struct SubscriptionItem {
    pub id: String,
    pub created_at: i64,
    pub price_id: String,
    pub quantity: i64,
    pub unit_price: i64,
    pub name: Option<String>,
    pub expired_at: Option<i64>,
    pub features: Vec<FeatureItem>,
}

/// A stored subscription.
#[derive(Debug, Clone)]
pub(crate) struct Subscription {
    pub id: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub livemode: bool,
    pub pricing_model_id: String,
    pub customer_id: String,
    pub status: String,
    /// The status `uncancel` restores.
    pub status_before_cancel: Option<String>,
    pub start_date: i64,
    pub trial_end: Option<i64>,
    pub period_start: i64,
    pub period_end: i64,
    pub metadata: Value,
    pub canceled_at: Option<i64>,
    pub cancel_scheduled_at: Option<i64>,
    pub cancellation_reason: Option<String>,
    pub is_free_plan: bool,
    pub do_not_charge: bool,
    pub default_payment_method_id: Option<String>,
    pub backup_payment_method_id: Option<String>,
    pub price_id: String,
    pub interval: String,
    pub interval_count: i64,
    pub name: Option<String>,
    pub scheduled_adjustment_at: Option<i64>,
    /// The item set a scheduled adjustment installs at period end.
    pub scheduled_items: Vec<(usize, i64)>,
    pub items: Vec<SubscriptionItem>,
}

impl Subscription {
    /// The wire record (`StandardSubscriptionRecord`).
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "livemode": self.livemode,
            "startDate": self.start_date,
            "customerId": self.customer_id,
            "organizationId": ORGANIZATION_ID,
            "status": self.status,
            "defaultPaymentMethodId": self.default_payment_method_id,
            "backupPaymentMethodId": self.backup_payment_method_id,
            "trialEnd": self.trial_end,
            "currentBillingPeriodStart": self.period_start,
            "currentBillingPeriodEnd": self.period_end,
            "metadata": self.metadata,
            "canceledAt": self.canceled_at,
            "cancelScheduledAt": self.cancel_scheduled_at,
            "cancellationReason": self.cancellation_reason,
            "replacedBySubscriptionId": null,
            "isFreePlan": self.is_free_plan,
            "doNotCharge": self.do_not_charge,
            "priceId": self.price_id,
            "runBillingAtPeriodStart": true,
            "interval": self.interval,
            "intervalCount": self.interval_count,
            "billingCycleAnchorDate": self.start_date,
            "name": self.name,
            "renews": true,
            "pricingModelId": self.pricing_model_id,
            "scheduledAdjustmentAt": self.scheduled_adjustment_at,
            "current": CURRENT.contains(&self.status.as_str()),
        })
    }

    fn is_terminal(&self) -> bool {
        TERMINAL.contains(&self.status.as_str())
    }

    /// The items in force (not expired).
    pub fn live_items(&self) -> impl Iterator<Item = &SubscriptionItem> {
        self.items.iter().filter(|i| i.expired_at.is_none())
    }
}

impl SubscriptionItem {
    /// The wire record, with the price when `store` knows it.
    pub fn to_json(&self, subscription_id: &str, store: &Store) -> Value {
        let price = store
            .price_index(&self.price_id)
            .map_or(Value::Null, |i| store.prices[i].to_json());
        json!({
            "id": self.id,
            "createdAt": self.created_at,
            "subscriptionId": subscription_id,
            "priceId": self.price_id,
            "name": self.name,
            "quantity": self.quantity,
            "unitPrice": self.unit_price,
            "addedDate": self.created_at,
            "expiredAt": self.expired_at,
            "type": "static",
            "price": price,
        })
    }
}

/// `start` + `count` × `interval`, in UTC calendar arithmetic.
pub(crate) fn add_interval(start_ms: i64, interval: &str, count: i64) -> i64 {
    let span = match interval {
        "day" => Span::new().try_days(count),
        "week" => Span::new().try_weeks(count),
        "year" => Span::new().try_years(count),
        _ => Span::new().try_months(count),
    };
    let Ok(span) = span else {
        return i64::MAX;
    };
    Timestamp::from_millisecond(start_ms)
        .ok()
        .and_then(|t| t.to_zoned(TimeZone::UTC).checked_add(span).ok())
        .map_or(i64::MAX, |z| z.timestamp().as_millisecond())
}

fn not_found() -> ApiError {
    ApiError::not_found("Subscription not found")
}

/// `exactly one of a | b` for the create body (zod refine on the whole input: path `[]`).
fn exactly_one(
    obj: &Map<String, Value>,
    a: &str,
    b: &str,
) -> Result<(Option<String>, Option<String>), ApiError> {
    let get = |k: &str| {
        obj.get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let (x, y) = (get(a), get(b));
    if x.is_some() == y.is_some() {
        return Err(ApiError::zod(vec![json!({
            "code": "custom", "path": [],
            "message": format!("Exactly one of {a} or {b} must be provided"),
        })]));
    }
    Ok((x, y))
}

/// Resolves a `priceId | priceSlug` pair to a visible price's index.
fn resolve_price(
    store: &Store,
    id: Option<String>,
    slug: Option<String>,
) -> Result<usize, ApiError> {
    let found = match (id, slug) {
        (Some(id), _) => store.price_index(&id),
        (None, Some(slug)) => store.price_index_by_slug(&slug),
        (None, None) => None,
    };
    found.ok_or_else(|| ApiError::not_found("Price not found"))
}

/// A new item on price `pi`, with the product's features copied onto it.
fn new_item(store: &mut Store, pi: usize, quantity: i64, now: i64) -> SubscriptionItem {
    let price = store.prices[pi].clone();
    let features = price
        .product_id
        .as_deref()
        .map(|p| features::of_product(store, p))
        .unwrap_or_default();
    let id = store.new_id("si_");
    let features = features
        .into_iter()
        .map(|f| FeatureItem {
            id: store.new_id("sub_feature_"),
            feature_id: f.id,
            kind: f.kind,
            slug: f.slug,
            name: f.name,
            amount: f.amount,
            usage_meter_id: f.usage_meter_id,
            renewal_frequency: f.renewal_frequency,
        })
        .collect();
    SubscriptionItem {
        id,
        created_at: now,
        price_id: price.id,
        quantity,
        unit_price: price.unit_price,
        name: price.name,
        expired_at: None,
        features,
    }
}

/// POST /api/v1/subscriptions: a **flat** body.
pub(crate) fn create(store: &mut Store, body: &Value) -> Result<Value, ApiError> {
    let Some(obj) = body.as_object() else {
        return Err(ApiError::zod(vec![invalid_type(
            &[],
            "object",
            received(Some(body)),
        )]));
    };
    let mut issues = Vec::new();
    if let Some(v) = obj.get("startDate") {
        // *(inferred)*: `z.date()` behind the REST layer never sees a Date, so any JSON value fails.
        issues.push(invalid_type(&["startDate"], "date", received(Some(v))));
    }
    let mut f = Fields::new(obj, "");
    let interval = if f.has("interval") {
        f.one_of("interval", INTERVALS)
    } else {
        None
    };
    let metadata = match obj.get("metadata") {
        None | Some(Value::Null) => Value::Null,
        Some(Value::Object(m)) => Value::Object(m.clone()),
        Some(other) => {
            issues.push(invalid_type(&["metadata"], "record", received(Some(other))));
            Value::Null
        }
    };
    let name = f.nullable_string("name").flatten();
    let default_pm = f.nullable_string("defaultPaymentMethodId").flatten();
    let backup_pm = f.nullable_string("backupPaymentMethodId").flatten();
    let do_not_charge = f.optional_boolean("doNotCharge").unwrap_or(false);
    issues.extend(f.issues.into_iter().map(strip_empty_parent));
    let mut int_field = |key: &str, min: i64| -> Option<i64> {
        let v = obj.get(key)?;
        match coerced_int(Some(v), &[key], min, false, None) {
            Ok(n) => i64::try_from(n).ok(),
            Err(issue) => {
                issues.push(issue);
                None
            }
        }
    };
    let quantity = int_field("quantity", 0).unwrap_or(1);
    let interval_count = int_field("intervalCount", 0);
    let trial_end = int_field("trialEnd", 0);
    if !issues.is_empty() {
        return Err(ApiError::zod(issues));
    }
    let (customer_id, customer_ext) = exactly_one(obj, "customerId", "customerExternalId")?;
    let (price_id, price_slug) = exactly_one(obj, "priceId", "priceSlug")?;
    if do_not_charge && (default_pm.is_some() || backup_pm.is_some()) {
        return Err(ApiError::bad_request(
            "Payment methods cannot be set when doNotCharge is true",
        ));
    }
    let ci = match (customer_id, customer_ext) {
        (Some(id), _) => store.customer_index_by_id(&id),
        (None, Some(ext)) => store.customer_index(&ext),
        (None, None) => None,
    }
    .ok_or_else(|| ApiError::not_found("Customer not found"))?;
    if store.customers[ci].archived {
        return Err(ApiError::bad_request(
            "Cannot create a subscription for an archived customer",
        ));
    }
    let pi = resolve_price(store, price_id, price_slug)?;
    let price = store.prices[pi].clone();
    if price.kind != PriceType::Subscription {
        return Err(ApiError::bad_request(format!(
            "Price {} is not a subscription price",
            price.id
        )));
    }
    let customer_id = store.customers[ci].id.clone();
    let is_free = price.unit_price == 0;
    settle(store);
    let current: Vec<usize> = (0..store.subscriptions.len())
        .filter(|&i| {
            let s = &store.subscriptions[i];
            s.customer_id == customer_id && CURRENT.contains(&s.status.as_str())
        })
        .collect();
    let mut upgrade_from_free = Vec::new();
    if !store.allow_multiple_subscriptions && !current.is_empty() {
        let all_free = current.iter().all(|&i| store.subscriptions[i].is_free_plan);
        if !is_free && all_free {
            upgrade_from_free = current;
        } else if is_free && all_free {
            return Err(ApiError::conflict(format!(
                "Customer {customer_id} already has an active free subscription"
            )));
        } else {
            return Err(ApiError::conflict(format!(
                "Customer {customer_id} already has an active subscription"
            )));
        }
    }
    let now = store.now_ms();
    for i in upgrade_from_free {
        let s = &mut store.subscriptions[i];
        s.status = "canceled".into();
        s.canceled_at = Some(now);
        s.cancellation_reason = Some("upgraded_to_paid".into());
        s.updated_at = now;
    }
    let interval = interval
        .or(price.interval_unit.clone())
        .unwrap_or_else(|| "month".into());
    let interval_count = interval_count.or(price.interval_count).unwrap_or(1);
    let trial_end = trial_end.or_else(|| {
        price
            .trial_period_days
            .filter(|d| *d > 0)
            .map(|d| add_interval(now, "day", d))
    });
    let trialing = trial_end.is_some_and(|t| t > now);
    let period_end = match trial_end {
        Some(t) if trialing => t,
        _ => add_interval(now, &interval, interval_count),
    };
    let item = new_item(store, pi, quantity, now);
    let sub = Subscription {
        id: store.new_id("sub_"),
        created_at: now,
        updated_at: now,
        livemode: store.livemode,
        pricing_model_id: store.pricing_model_id.clone(),
        customer_id,
        status: if trialing { "trialing" } else { "active" }.into(),
        status_before_cancel: None,
        start_date: now,
        trial_end,
        period_start: now,
        period_end,
        metadata,
        canceled_at: None,
        cancel_scheduled_at: None,
        cancellation_reason: None,
        is_free_plan: is_free,
        do_not_charge,
        default_payment_method_id: default_pm,
        backup_payment_method_id: backup_pm,
        price_id: price.id,
        interval,
        interval_count,
        name,
        scheduled_adjustment_at: None,
        scheduled_items: Vec::new(),
        items: vec![item],
    };
    let out = json!({"subscription": sub.to_json()});
    store.subscriptions.push(sub);
    Ok(out)
}

/// Subscribes a new customer to the pricing model's default (free) product when it has an active price, as
/// customer create does (`flowglad.md` §3): the subscription and its items, as wire records.
pub(crate) fn subscribe_to_default_plan(
    store: &mut Store,
    customer_id: &str,
) -> Option<(Value, Vec<Value>)> {
    let default_product = store
        .products
        .iter()
        .find(|p| p.is_default && p.pricing_model_id == store.pricing_model_id)?
        .id
        .clone();
    let pi = store.prices.iter().position(|p| {
        p.active
            && p.product_id.as_deref() == Some(default_product.as_str())
            && store.visible(&p.pricing_model_id, p.livemode)
    })?;
    let price = store.prices[pi].clone();
    let now = store.now_ms();
    let interval = price
        .interval_unit
        .clone()
        .unwrap_or_else(|| "month".into());
    let interval_count = price.interval_count.unwrap_or(1);
    let item = new_item(store, pi, 1, now);
    let sub = Subscription {
        id: store.new_id("sub_"),
        created_at: now,
        updated_at: now,
        livemode: store.livemode,
        pricing_model_id: store.pricing_model_id.clone(),
        customer_id: customer_id.to_owned(),
        status: "active".into(),
        status_before_cancel: None,
        start_date: now,
        trial_end: None,
        period_start: now,
        period_end: add_interval(now, &interval, interval_count),
        metadata: Value::Null,
        canceled_at: None,
        cancel_scheduled_at: None,
        cancellation_reason: None,
        is_free_plan: price.unit_price == 0,
        do_not_charge: false,
        default_payment_method_id: None,
        backup_payment_method_id: None,
        price_id: price.id,
        interval,
        interval_count,
        name: None,
        scheduled_adjustment_at: None,
        scheduled_items: Vec::new(),
        items: vec![item],
    };
    let out = sub.to_json();
    let items = sub
        .live_items()
        .map(|i| i.to_json(&sub.id, store))
        .collect();
    store.subscriptions.push(sub);
    Some((out, items))
}

/// Issues from `Fields::new(obj, "")` carry a leading empty segment: drop it (the body is flat).
fn strip_empty_parent(mut issue: Value) -> Value {
    if let Some(Value::Array(path)) = issue.get_mut("path")
        && path.first().is_some_and(|p| p == "")
    {
        path.remove(0);
    }
    issue
}

/// GET /api/v1/subscriptions/{id}.
pub(crate) fn get(store: &mut Store, id: &str) -> Result<Value, ApiError> {
    settle(store);
    let i = store.subscription_index(id).ok_or_else(not_found)?;
    Ok(json!({"subscription": store.subscriptions[i].to_json()}))
}

/// GET /api/v1/subscriptions: no filters, only `cursor` and `limit`.
pub(crate) fn list(store: &mut Store, query: &ListQuery) -> Value {
    settle(store);
    let rows = store
        .subscriptions
        .iter()
        .filter(|s| store.visible(&s.pricing_model_id, s.livemode))
        .map(|s| (s.created_at, s.id.clone(), s))
        .collect();
    query.page(rows, Subscription::to_json)
}

/// POST /api/v1/subscriptions/{id}/cancel, `{"cancellation": {"timing": …}}`.
pub(crate) fn cancel(store: &mut Store, id: &str, body: &Value) -> Result<Value, ApiError> {
    let c = wrapped(body, "cancellation")?;
    let mut f = Fields::new(c, "cancellation");
    let timing = f.one_of("timing", TIMINGS);
    if !f.issues.is_empty() {
        return Err(ApiError::zod(f.issues));
    }
    let timing = timing.ok_or(ApiError::Internal)?;
    settle(store);
    let i = store.subscription_index(id).ok_or_else(not_found)?;
    let default_free = {
        let s = &store.subscriptions[i];
        s.is_free_plan
            && store
                .price_index(&s.price_id)
                .and_then(|p| store.prices[p].product_id.clone())
                .and_then(|p| store.product(&p).map(|p| p.is_default))
                .unwrap_or(false)
    };
    let now = store.now_ms();
    let s = &mut store.subscriptions[i];
    // Idempotent: a terminal subscription answers 200 unchanged.
    if s.is_terminal() {
        return Ok(json!({"subscription": s.to_json()}));
    }
    if default_free {
        return Err(ApiError::bad_request("Cannot cancel the default free plan"));
    }
    if s.scheduled_adjustment_at.is_some() {
        return Err(ApiError::bad_request(
            "Cancel the scheduled adjustment before canceling",
        ));
    }
    if timing == "immediately" {
        s.status = "canceled".into();
        s.canceled_at = Some(now);
        s.cancel_scheduled_at = None;
        s.cancellation_reason = Some("customer_request".into());
    } else if s.status != "cancellation_scheduled" {
        s.status_before_cancel = Some(std::mem::replace(
            &mut s.status,
            "cancellation_scheduled".into(),
        ));
        s.cancel_scheduled_at = Some(s.period_end);
    }
    s.updated_at = now;
    Ok(json!({"subscription": s.to_json()}))
}

/// POST /api/v1/subscriptions/{id}/uncancel (empty body allowed): lenient, 200 unchanged unless
/// `cancellation_scheduled`. *(The payment-method requirement for paid subscriptions is not emulated.)*
pub(crate) fn uncancel(store: &mut Store, id: &str) -> Result<Value, ApiError> {
    settle(store);
    let i = store.subscription_index(id).ok_or_else(not_found)?;
    let now = store.now_ms();
    let s = &mut store.subscriptions[i];
    if s.status == "cancellation_scheduled" {
        s.status = s
            .status_before_cancel
            .take()
            .unwrap_or_else(|| "active".into());
        s.cancel_scheduled_at = None;
        s.updated_at = now;
    }
    Ok(json!({"subscription": s.to_json()}))
}

/// The `newSubscriptionItems[]` of an adjustment, resolved to `(price index, quantity)`.
fn adjustment_items(
    store: &Store,
    adj: &Map<String, Value>,
) -> Result<Vec<(usize, i64)>, ApiError> {
    let Some(Value::Array(items)) = adj.get("newSubscriptionItems") else {
        return Err(ApiError::zod(vec![invalid_type(
            &["adjustment", "newSubscriptionItems"],
            "array",
            received(adj.get("newSubscriptionItems")),
        )]));
    };
    let mut out = Vec::new();
    for (n, item) in items.iter().enumerate() {
        let index = n.to_string();
        let Some(obj) = item.as_object() else {
            return Err(ApiError::zod(vec![invalid_type(
                &["adjustment", "newSubscriptionItems", &index],
                "object",
                received(Some(item)),
            )]));
        };
        let (id, slug) = exactly_one(obj, "priceId", "priceSlug")?;
        let quantity = match obj.get("quantity") {
            None => 1,
            Some(v) => {
                let path = [
                    "adjustment",
                    "newSubscriptionItems",
                    index.as_str(),
                    "quantity",
                ];
                let n = coerced_int(Some(v), &path, 0, false, None)
                    .map_err(|i| ApiError::zod(vec![i]))?;
                i64::try_from(n).map_err(|_| ApiError::Internal)?
            }
        };
        let pi = resolve_price(store, id, slug)?;
        if store.prices[pi].kind == PriceType::SinglePayment {
            return Err(ApiError::bad_request(format!(
                "Price {} is not a subscription price",
                store.prices[pi].id
            )));
        }
        out.push((pi, quantity));
    }
    if out.is_empty() {
        return Err(ApiError::bad_request(
            "newSubscriptionItems must not be empty",
        ));
    }
    Ok(out)
}

/// Replace the live items of subscription `si` with `items` at `now`.
fn install_items(store: &mut Store, si: usize, items: &[(usize, i64)], now: i64) {
    let fresh: Vec<SubscriptionItem> = items
        .iter()
        .map(|&(pi, q)| new_item(store, pi, q, now))
        .collect();
    let s = &mut store.subscriptions[si];
    for item in &mut s.items {
        if item.expired_at.is_none() {
            item.expired_at = Some(now);
        }
    }
    if let Some(first) = fresh.first() {
        s.price_id = first.price_id.clone();
    }
    s.is_free_plan = fresh.iter().all(|i| i.unit_price == 0);
    s.items.extend(fresh);
    s.updated_at = now;
}

/// POST /api/v1/subscriptions/{id}/adjust, `{"adjustment": {timing, newSubscriptionItems, …}}`. The retry
/// behaviour is UNVERIFIED: here an identical immediate adjustment replaces the items again (new item ids).
pub(crate) fn adjust(store: &mut Store, id: &str, body: &Value) -> Result<Value, ApiError> {
    let adj = wrapped(body, "adjustment")?;
    let mut f = Fields::new(adj, "adjustment");
    let timing = f.one_of("timing", ADJUST_TIMINGS);
    let _prorate = f.optional_boolean("prorateCurrentBillingPeriod");
    if !f.issues.is_empty() {
        return Err(ApiError::zod(f.issues));
    }
    let timing = timing.ok_or(ApiError::Internal)?;
    settle(store);
    let si = store.subscription_index(id).ok_or_else(not_found)?;
    let items = adjustment_items(store, adj)?;
    if store.subscriptions[si].is_terminal() {
        return Err(ApiError::bad_request(format!(
            "Subscription {id} is in a terminal state"
        )));
    }
    let old_total: i64 = store.subscriptions[si]
        .live_items()
        .map(|i| i.unit_price.saturating_mul(i.quantity))
        .sum();
    let new_total: i64 = items
        .iter()
        .map(|&(pi, q)| store.prices[pi].unit_price.saturating_mul(q))
        .sum();
    let is_upgrade = new_total > old_total;
    let resolved = match timing.as_str() {
        "auto" if new_total < old_total => "at_end_of_current_billing_period",
        "auto" => "immediately",
        other => {
            if other == "immediately" {
                "immediately"
            } else {
                "at_end_of_current_billing_period"
            }
        }
    };
    let now = store.now_ms();
    if resolved == "immediately" {
        install_items(store, si, &items, now);
    } else {
        let s = &mut store.subscriptions[si];
        s.scheduled_adjustment_at = Some(s.period_end);
        s.scheduled_items = items;
        s.updated_at = now;
    }
    let s = &store.subscriptions[si];
    let live: Vec<Value> = s.live_items().map(|i| i.to_json(&s.id, store)).collect();
    Ok(json!({
        "subscription": s.to_json(),
        "subscriptionItems": live,
        "resolvedTiming": resolved,
        "isUpgrade": is_upgrade,
    }))
}

/// POST /api/v1/subscriptions/{id}/cancel-scheduled-adjustment.
pub(crate) fn cancel_scheduled_adjustment(store: &mut Store, id: &str) -> Result<Value, ApiError> {
    settle(store);
    let si = store.subscription_index(id).ok_or_else(not_found)?;
    let now = store.now_ms();
    let s = &mut store.subscriptions[si];
    if s.scheduled_adjustment_at.take().is_some() {
        s.scheduled_items.clear();
        s.updated_at = now;
    }
    Ok(json!({"subscription": s.to_json()}))
}

/// Applies what the clock has reached: scheduled cancels take effect at their time, trials end (to `active`;
/// UNVERIFIED without a payment method), periods roll and scheduled adjustments install at period end.
pub(crate) fn settle(store: &mut Store) {
    let now = store.current_ms();
    for si in 0..store.subscriptions.len() {
        loop {
            let s = &store.subscriptions[si];
            if s.is_terminal() || s.period_end > now {
                break;
            }
            let end = s.period_end;
            if s.status == "cancellation_scheduled"
                && s.cancel_scheduled_at.is_some_and(|t| t <= now)
            {
                let s = &mut store.subscriptions[si];
                s.status = "canceled".into();
                s.canceled_at = s.cancel_scheduled_at;
                s.updated_at = end;
                break;
            }
            if s.scheduled_adjustment_at.is_some_and(|t| t <= now) {
                let items = std::mem::take(&mut store.subscriptions[si].scheduled_items);
                install_items(store, si, &items, end);
                store.subscriptions[si].scheduled_adjustment_at = None;
            }
            let s = &mut store.subscriptions[si];
            if s.status == "trialing" {
                s.status = "active".into();
            }
            s.period_start = end;
            s.period_end = add_interval(end, &s.interval, s.interval_count);
            s.updated_at = end;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::add_interval;

    #[test]
    fn intervals_use_utc_calendar_arithmetic() {
        // 2026-01-31T00:00:00Z + 1 month = 2026-02-28T00:00:00Z (clamped); + 1 year = 2027-01-31.
        let jan31 = 1_769_817_600_000;
        assert_eq!(add_interval(jan31, "month", 1), 1_772_236_800_000);
        assert_eq!(add_interval(jan31, "day", 1), jan31 + 86_400_000);
        assert_eq!(add_interval(jan31, "week", 2), jan31 + 14 * 86_400_000);
        assert_eq!(add_interval(jan31, "year", 1), 1_801_353_600_000);
    }
}
