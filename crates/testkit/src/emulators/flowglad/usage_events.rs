//! Usage events (lifecycle notes §1): `POST /api/v1/usage-events` (`{"usageEvent": …}`), `POST
//! /api/v1/usage-events/bulk` (insert-or-ignore), `GET /api/v1/usage-events/{id}`, `GET /api/v1/usage-events`.

use serde_json::{Map, Value, json};

use super::errors::{ApiError, invalid_type, received, too_small};
use super::pagination::ListQuery;
use super::state::{Aggregation, PriceType, Store};
use super::subscriptions::settle;
use super::usage_meters::{default_price, wrapped};

/// The four references, exactly one of which must be given.
const REFERENCES: [&str; 4] = ["priceId", "priceSlug", "usageMeterId", "usageMeterSlug"];

/// A stored usage event.
#[derive(Debug, Clone)]
pub(crate) struct UsageEvent {
    pub id: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub livemode: bool,
    pub pricing_model_id: String,
    pub customer_id: String,
    pub subscription_id: String,
    pub usage_meter_id: String,
    pub amount: i64,
    pub usage_date: i64,
    pub transaction_id: String,
    pub price_id: Option<String>,
    pub properties: Option<Value>,
}

impl UsageEvent {
    /// The wire record. `billingPeriodId` is always `null`: billing periods are not emulated.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "livemode": self.livemode,
            "customerId": self.customer_id,
            "subscriptionId": self.subscription_id,
            "usageMeterId": self.usage_meter_id,
            "billingPeriodId": null,
            "amount": self.amount,
            "usageDate": self.usage_date,
            "transactionId": self.transaction_id,
            "priceId": self.price_id,
            "properties": self.properties,
            "pricingModelId": self.pricing_model_id,
        })
    }
}

/// A validated event body, before it is resolved against the store.
struct Input {
    subscription_id: String,
    amount: i64,
    transaction_id: String,
    reference: (&'static str, String),
    usage_date: Option<i64>,
    properties: Option<Value>,
}

fn issue_path(mut issue: Value, prefix: &[Value]) -> Value {
    if let Some(Value::Array(path)) = issue.get_mut("path") {
        let mut full = prefix.to_vec();
        full.append(path);
        *path = full;
    }
    issue
}

/// The zod schema of one event (paths relative to the event object).
fn validate(obj: &Map<String, Value>) -> Result<Input, Vec<Value>> {
    let mut issues = Vec::new();
    let string = |issues: &mut Vec<Value>, key: &str| match obj.get(key) {
        Some(Value::String(s)) => Some(s.clone()),
        other => {
            issues.push(invalid_type(&[key], "string", received(other)));
            None
        }
    };
    let subscription_id = string(&mut issues, "subscriptionId");
    let transaction_id = string(&mut issues, "transactionId");
    // `z.number().int().positive()`: no coercion, so "5" is a type error.
    let amount = match obj.get("amount") {
        Some(Value::Number(n)) => match n.as_i64() {
            Some(a) if a > 0 => Some(a),
            Some(_) => {
                issues.push(too_small(&["amount"], 0, false));
                None
            }
            None if n.as_u64().is_some() => Some(i64::MAX),
            None => {
                let whole = n.to_string().parse::<i128>().is_ok();
                issues.push(if whole {
                    too_small(&["amount"], 0, false)
                } else {
                    invalid_type(&["amount"], "int", "number")
                });
                None
            }
        },
        other => {
            issues.push(invalid_type(&["amount"], "number", received(other)));
            None
        }
    };
    let usage_date = match obj.get("usageDate") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) if n.as_i64().is_some() => n.as_i64(),
        Some(Value::String(s)) => match s.parse::<jiff::Timestamp>() {
            Ok(t) => Some(t.as_millisecond()),
            Err(_) => {
                issues.push(invalid_type(&["usageDate"], "date", "Invalid Date"));
                None
            }
        },
        Some(_) => {
            issues.push(invalid_type(&["usageDate"], "date", "Invalid Date"));
            None
        }
    };
    let properties = match obj.get("properties") {
        None | Some(Value::Null) => None,
        Some(Value::Object(m)) => Some(Value::Object(m.clone())),
        Some(other) => {
            issues.push(invalid_type(
                &["properties"],
                "record",
                received(Some(other)),
            ));
            None
        }
    };
    for key in REFERENCES {
        match obj.get(key) {
            None | Some(Value::Null) | Some(Value::String(_)) => {}
            other => issues.push(invalid_type(&[key], "string", received(other))),
        }
    }
    let given: Vec<(&'static str, String)> = REFERENCES
        .iter()
        .filter_map(|&k| {
            obj.get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(|s| (k, s.to_owned()))
        })
        .collect();
    if given.len() != 1 {
        issues.push(json!({
            "code": "custom", "path": [],
            "message": "Exactly one of priceId, priceSlug, usageMeterId, or usageMeterSlug must be provided",
        }));
    }
    if !issues.is_empty() {
        return Err(issues);
    }
    let (Some(subscription_id), Some(transaction_id), Some(amount)) =
        (subscription_id, transaction_id, amount)
    else {
        return Err(issues);
    };
    let reference = given.into_iter().next().ok_or_else(Vec::new)?;
    Ok(Input {
        subscription_id,
        amount,
        transaction_id,
        reference,
        usage_date,
        properties,
    })
}

/// Resolves an input against the store (subscription, customer, price or meter): the event to insert, not yet
/// given an id.
fn resolve(store: &Store, input: Input, now: i64) -> Result<UsageEvent, ApiError> {
    let si = store
        .subscription_index(&input.subscription_id)
        .ok_or_else(|| ApiError::not_found("Subscription not found"))?;
    let sub = &store.subscriptions[si];
    let customer = store
        .customer_index_by_id(&sub.customer_id)
        .map(|i| &store.customers[i]);
    if customer.is_some_and(|c| c.archived) {
        return Err(ApiError::bad_request(format!(
            "Customer {} is archived",
            sub.customer_id
        )));
    }
    let (kind, value) = &input.reference;
    let (meter_id, price_id) = match *kind {
        "priceId" | "priceSlug" => {
            let pi = if *kind == "priceId" {
                store.price_index(value)
            } else {
                store.price_index_by_slug(value)
            }
            .ok_or_else(|| ApiError::not_found("Price not found"))?;
            let price = &store.prices[pi];
            if price.kind != PriceType::Usage {
                return Err(ApiError::bad_request(format!(
                    "Price {} is not a usage price",
                    price.id
                )));
            }
            (
                price.usage_meter_id.clone().unwrap_or_default(),
                Some(price.id.clone()),
            )
        }
        _ => {
            let meter = if *kind == "usageMeterId" {
                store.meter(value)
            } else {
                store.meter_by_slug(value)
            }
            .ok_or_else(|| ApiError::not_found("Usage meter not found"))?;
            // A meter reference bills at the meter's default price (none for a seeded meter: `null`).
            let price = default_price(store, &meter.id).map(|i| store.prices[i].id.clone());
            (meter.id.clone(), price)
        }
    };
    let meter = store
        .meter(&meter_id)
        .ok_or_else(|| ApiError::not_found("Usage meter not found"))?;
    let empty_props = input
        .properties
        .as_ref()
        .and_then(Value::as_object)
        .is_none_or(Map::is_empty);
    if meter.aggregation == Aggregation::CountDistinctProperties && empty_props {
        return Err(ApiError::bad_request(
            "Properties are required for count_distinct_properties usage meters",
        ));
    }
    // The column is int4: a larger amount fails at insert, unmapped *(inferred: 500)*.
    if input.amount > i64::from(i32::MAX) {
        return Err(ApiError::Internal);
    }
    Ok(UsageEvent {
        id: String::new(),
        created_at: now,
        updated_at: now,
        livemode: store.livemode,
        pricing_model_id: store.pricing_model_id.clone(),
        customer_id: sub.customer_id.clone(),
        subscription_id: sub.id.clone(),
        usage_meter_id: meter_id,
        amount: input.amount,
        usage_date: input.usage_date.unwrap_or(now),
        transaction_id: input.transaction_id,
        price_id,
        properties: input.properties,
    })
}

/// The stored event with this `(transactionId, usageMeterId)`, the unique index.
fn existing(store: &Store, transaction_id: &str, meter_id: &str) -> Option<usize> {
    store.usage_events.iter().position(|e| {
        e.transaction_id == transaction_id
            && e.usage_meter_id == meter_id
            && store.visible(&e.pricing_model_id, e.livemode)
    })
}

/// POST /api/v1/usage-events: first write wins on `(transactionId, usageMeterId)`; the same pair on another
/// subscription is 409.
pub(crate) fn create(store: &mut Store, body: &Value) -> Result<Value, ApiError> {
    let obj = wrapped(body, "usageEvent")?;
    let prefix = [json!("usageEvent")];
    let input = validate(obj).map_err(|issues| {
        ApiError::zod(issues.into_iter().map(|i| issue_path(i, &prefix)).collect())
    })?;
    settle(store);
    let now = store.current_ms();
    let mut event = resolve(store, input, now)?;
    if let Some(i) = existing(store, &event.transaction_id, &event.usage_meter_id) {
        let old = &store.usage_events[i];
        if old.subscription_id == event.subscription_id {
            return Ok(json!({"usageEvent": old.to_json()}));
        }
        return Err(ApiError::conflict(format!(
            "A usage event already exists for transactionid {}, but does not belong to subscription {}",
            event.transaction_id, event.subscription_id
        )));
    }
    let now = store.now_ms();
    event.id = store.new_id("usage_event_");
    event.created_at = now;
    event.updated_at = now;
    if obj.get("usageDate").is_none_or(Value::is_null) {
        event.usage_date = now;
    }
    let out = json!({"usageEvent": event.to_json()});
    store.usage_events.push(event);
    Ok(out)
}

/// POST /api/v1/usage-events/bulk: one transaction (any invalid item fails the batch, its index named), then
/// `ON CONFLICT (transaction_id, usage_meter_id) DO NOTHING RETURNING`: the answer holds the new rows only.
/// Duplicates are not checked against their subscription *(inferred)*.
pub(crate) fn bulk(store: &mut Store, body: &Value) -> Result<Value, ApiError> {
    let Some(outer) = body.as_object() else {
        return Err(ApiError::zod(vec![invalid_type(
            &[],
            "object",
            received(Some(body)),
        )]));
    };
    let Some(Value::Array(items)) = outer.get("usageEvents") else {
        return Err(ApiError::zod(vec![invalid_type(
            &["usageEvents"],
            "array",
            received(outer.get("usageEvents")),
        )]));
    };
    let mut inputs = Vec::new();
    let mut issues = Vec::new();
    for (n, item) in items.iter().enumerate() {
        let prefix = [json!("usageEvents"), json!(n)];
        let Some(obj) = item.as_object() else {
            issues.push(issue_path(
                invalid_type(&[], "object", received(Some(item))),
                &prefix,
            ));
            continue;
        };
        match validate(obj) {
            Ok(input) => inputs.push((n, input, obj.get("usageDate").is_none_or(Value::is_null))),
            Err(found) => issues.extend(found.into_iter().map(|i| issue_path(i, &prefix))),
        }
    }
    if !issues.is_empty() {
        return Err(ApiError::zod(issues));
    }
    settle(store);
    let now = store.now_ms();
    let mut resolved = Vec::new();
    for (n, input, dated_now) in inputs {
        // UNVERIFIED: how the message names the index; here "usageEvents[n]: <message>".
        let event = resolve(store, input, now).map_err(|e| prefix_index(e, n))?;
        resolved.push((event, dated_now));
    }
    let mut inserted = Vec::new();
    for (mut event, dated_now) in resolved {
        if existing(store, &event.transaction_id, &event.usage_meter_id).is_some() {
            continue;
        }
        event.id = store.new_id("usage_event_");
        if dated_now {
            event.usage_date = now;
        }
        inserted.push(event.to_json());
        store.usage_events.push(event);
    }
    Ok(json!({"usageEvents": inserted}))
}

fn prefix_index(e: ApiError, n: usize) -> ApiError {
    match e {
        ApiError::Trpc {
            status,
            code,
            error: Value::String(m),
        } => ApiError::Trpc {
            status,
            code,
            error: Value::String(format!("usageEvents[{n}]: {m}")),
        },
        other => other,
    }
}

/// GET /api/v1/usage-events/{id}.
pub(crate) fn get(store: &Store, id: &str) -> Result<Value, ApiError> {
    store
        .usage_events
        .iter()
        .find(|e| e.id == id && store.visible(&e.pricing_model_id, e.livemode))
        .map(|e| json!({"usageEvent": e.to_json()}))
        .ok_or_else(|| ApiError::not_found("Usage event not found"))
}

/// GET /api/v1/usage-events: only `cursor` and `limit`.
pub(crate) fn list(store: &Store, query: &ListQuery) -> Value {
    let rows = store
        .usage_events
        .iter()
        .filter(|e| store.visible(&e.pricing_model_id, e.livemode))
        .map(|e| (e.created_at, e.id.clone(), e))
        .collect();
    query.page(rows, UsageEvent::to_json)
}
