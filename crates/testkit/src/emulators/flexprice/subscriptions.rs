//! `/v1/subscriptions` handlers (lifecycle notes §3.1–§3.3): create (active, trialing or `draft`), activate a
//! draft, get, the list for a customer (`active` and `trialing` only, `items: null` when none) and the search
//! over every status. Cancel and uncancel live in `cancel.rs`, the in-place plan change in `plan_change.rs`.
//!
//! No idempotency: a retried create is a second subscription with its own opening invoice. Only anniversary
//! billing is emulated (`billing_cycle: "calendar"` answers 501).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::FlexpriceEmulator;
use super::clock::{Precision, format_go_time, format_opt, parse_rfc3339_nanos, truncate_micros};
use super::errors::{ApiError, ErrorCode, validator_message};
use super::ids::{ENVIRONMENT_ID, TENANT_ID, USER_ID};
use super::invoices;
use super::parse::{
    body_object, opt_int, opt_string, opt_string_list, opt_string_map, query_first, query_pairs,
    query_to_filter_object,
};
use super::periods::{PERIODS, period_end, plus_days};
use super::state::Store;
use super::status::Status;
use super::{customers, plans};

type Emu = State<Arc<FlexpriceEmulator>>;

const DEFAULT_LIMIT: i64 = 50;
const PAYMENT_BEHAVIORS: [&str; 4] = [
    "allow_incomplete",
    "default_incomplete",
    "error_if_incomplete",
    "default_active",
];
const COLLECTION_METHODS: [&str; 2] = ["charge_automatically", "send_invoice"];
const LIST_EXPANDS: [&str; 5] = [
    "subscription_line_items",
    "subscription_line_items.meters",
    "entitlements",
    "plan",
    "customer",
];
/// Fields a search `filters[]` condition may name (ent columns the emulator keeps).
const FILTER_FIELDS: [&str; 7] = [
    "id",
    "lookup_key",
    "customer_id",
    "plan_id",
    "subscription_status",
    "currency",
    "billing_period",
];

/// A stored subscription. Times are nanoseconds since the epoch, truncated to microseconds.
#[derive(Debug, Clone)]
pub(crate) struct Subscription {
    pub id: String,
    pub lookup_key: String,
    pub customer_id: String,
    pub plan_id: String,
    /// `active` | `trialing` | `draft` | `cancelled`.
    pub status: String,
    pub currency: String,
    pub billing_period: String,
    pub billing_period_count: i64,
    pub start_date: i128,
    pub end_date: Option<i128>,
    pub current_period_start: i128,
    pub current_period_end: Option<i128>,
    pub cancel_at: Option<i128>,
    pub cancel_at_period_end: bool,
    pub cancelled_at: Option<i128>,
    pub trial_start: Option<i128>,
    pub trial_end: Option<i128>,
    pub trial_days: i64,
    pub collection_method: String,
    pub metadata: BTreeMap<String, String>,
    pub version: i64,
    pub created_at: i128,
    pub updated_at: i128,
}

impl Subscription {
    /// Whether the subscription counts for entitlements and the customer list.
    pub fn is_live(&self) -> bool {
        matches!(self.status.as_str(), "active" | "trialing")
    }

    /// The `SubscriptionResponse` (unexpanded).
    pub fn to_json(&self) -> Value {
        let at = |n: i128| Value::String(format_go_time(n, Precision::Micros));
        json!({
            "id": self.id,
            "lookup_key": self.lookup_key,
            "customer_id": self.customer_id,
            "plan_id": self.plan_id,
            "subscription_status": self.status,
            "currency": self.currency,
            "billing_anchor": at(self.start_date),
            "billing_cadence": "RECURRING",
            "billing_cycle": "anniversary",
            "billing_period": self.billing_period,
            "billing_period_count": self.billing_period_count,
            "start_date": at(self.start_date),
            "end_date": format_opt(self.end_date),
            "current_period_start": at(self.current_period_start),
            "current_period_end": format_opt(self.current_period_end),
            "cancel_at": format_opt(self.cancel_at),
            "cancel_at_period_end": self.cancel_at_period_end,
            "cancelled_at": format_opt(self.cancelled_at),
            "trial_start": format_opt(self.trial_start),
            "trial_end": format_opt(self.trial_end),
            "pause_status": "none",
            "collection_method": self.collection_method,
            "timezone": "UTC",
            "subscription_type": "standalone",
            "version": self.version,
            "metadata": self.metadata,
            "environment_id": ENVIRONMENT_ID,
            "tenant_id": TENANT_ID,
            "status": "published",
            "created_at": at(self.created_at),
            "updated_at": at(self.updated_at),
            "created_by": USER_ID,
            "updated_by": USER_ID,
        })
    }

    /// Starts (or restarts) the first period at `start`: a trial when `trial_days` > 0, else a billing period.
    fn start_at(&mut self, start: i128) {
        self.start_date = start;
        self.current_period_start = start;
        if self.trial_days > 0 {
            // The trial is the first period (inferred).
            let end = plus_days(start, self.trial_days);
            self.status = "trialing".into();
            self.trial_start = Some(start);
            self.trial_end = Some(end);
            self.current_period_end = Some(end);
        } else {
            self.status = "active".into();
            self.current_period_end =
                period_end(start, &self.billing_period, self.billing_period_count);
        }
    }
}

fn validation(message: &str) -> ApiError {
    ApiError::coded(ErrorCode::Validation, message)
}

/// 404 for an unknown subscription (wording as for the other resources, UNVERIFIED).
pub(crate) fn not_found(id: &str) -> ApiError {
    ApiError::coded(
        ErrorCode::NotFound,
        format!("Subscription with ID {id} was not found"),
    )
    .detail("subscription_id", id)
}

/// The index of a stored subscription, or 404.
pub(crate) fn position(store: &Store, id: &str) -> Result<usize, ApiError> {
    store
        .subscriptions
        .iter()
        .position(|s| s.id == id)
        .ok_or_else(|| not_found(id))
}

fn time_field(m: &Map<String, Value>, key: &str) -> Result<Option<i128>, ApiError> {
    match opt_string(m, key)? {
        None => Ok(None),
        Some(s) => parse_rfc3339_nanos(&s)
            .map(|n| Some(truncate_micros(n)))
            .ok_or_else(ApiError::bad_format),
    }
}

/// `POST /v1/subscriptions` (201).
pub(crate) async fn create(State(emu): Emu, body: Bytes) -> Result<Response, ApiError> {
    let m = body_object(&body)?;
    let customer_id = opt_string(&m, "customer_id")?.unwrap_or_default();
    let external_id = opt_string(&m, "external_customer_id")?.unwrap_or_default();
    let plan_id = opt_string(&m, "plan_id")?.unwrap_or_default();
    let currency = opt_string(&m, "currency")?.unwrap_or_default();
    let billing_period = opt_string(&m, "billing_period")?.unwrap_or_default();
    let count = opt_int(&m, "billing_period_count")?.unwrap_or(1);
    let cycle = opt_string(&m, "billing_cycle")?.unwrap_or_default();
    let start = time_field(&m, "start_date")?;
    let end = time_field(&m, "end_date")?;
    let lookup_key = opt_string(&m, "lookup_key")?.unwrap_or_default();
    let metadata = opt_string_map(&m, "metadata")?.unwrap_or_default();
    let wanted_status = opt_string(&m, "subscription_status")?.unwrap_or_default();
    let payment_behavior = opt_string(&m, "payment_behavior")?.unwrap_or_default();
    let collection = opt_string(&m, "collection_method")?.unwrap_or_default();
    let trial_days = opt_int(&m, "trial_period_days")?.unwrap_or(0);
    opt_string(&m, "timezone")?;

    let mut details = Map::new();
    let mut tag = |field: &str, t: &str| {
        details.insert(
            field.to_owned(),
            Value::String(validator_message("CreateSubscriptionRequest", field, t)),
        );
    };
    if plan_id.is_empty() {
        tag("PlanID", "required");
    }
    if currency.is_empty() {
        tag("Currency", "required");
    } else if currency.chars().count() != 3 {
        tag("Currency", "len");
    }
    if billing_period.is_empty() {
        tag("BillingPeriod", "required");
    }
    if !details.is_empty() {
        return Err(ApiError::validation(details));
    }
    if customer_id.is_empty() && external_id.is_empty() {
        return Err(validation(
            "either customer_id or external_customer_id is required",
        ));
    }
    // The wording of the checks below is the emulator's (UNVERIFIED).
    if !PERIODS.contains(&billing_period.as_str()) {
        return Err(validation("invalid billing period").detail("billing_period", billing_period));
    }
    if count < 1 {
        return Err(validation("billing_period_count must be greater than 0"));
    }
    if !matches!(cycle.as_str(), "" | "anniversary" | "calendar") {
        return Err(validation("invalid billing cycle").detail("billing_cycle", cycle));
    }
    if cycle == "calendar" {
        return Err(ApiError::coded(
            ErrorCode::NotImplemented,
            "emulator: calendar billing is not emulated",
        ));
    }
    if !matches!(wanted_status.as_str(), "" | "draft" | "active") {
        return Err(validation("invalid subscription status"));
    }
    if !payment_behavior.is_empty() && !PAYMENT_BEHAVIORS.contains(&payment_behavior.as_str()) {
        return Err(validation("invalid payment behavior"));
    }
    if !collection.is_empty() && !COLLECTION_METHODS.contains(&collection.as_str()) {
        return Err(validation("invalid collection method"));
    }
    if trial_days < 0 {
        return Err(validation("trial_period_days must be non-negative"));
    }
    if let (Some(s), Some(e)) = (start, end)
        && e <= s
    {
        return Err(validation("end_date must be after start_date"));
    }

    let mut store = emu.lock();
    // `customer_id` wins when both are sent.
    let customer = if customer_id.is_empty() {
        store
            .customers
            .iter()
            .find(|c| c.status == Status::Published && c.external_id == external_id)
            .ok_or_else(|| customers::external_not_found(&external_id))?
    } else {
        store
            .customers
            .iter()
            .find(|c| c.id == customer_id)
            .ok_or_else(|| customers::not_found(&customer_id))?
    };
    if customer.status != Status::Published {
        return Err(validation("customer is not active"));
    }
    let customer_id = customer.id.clone();
    if !store
        .plans
        .iter()
        .any(|p| p.id == plan_id && p.status == Status::Published)
    {
        return Err(plans::not_found(&plan_id));
    }
    let currency = currency.to_lowercase();
    if !store.prices.iter().any(|p| {
        p.is_live()
            && p.entity_type == "PLAN"
            && p.entity_id == plan_id
            && p.currency == currency
            && p.billing_period == billing_period
            && p.billing_period_count == count
    }) {
        return Err(validation(
            "no prices found for the plan with the given currency and billing period",
        ));
    }
    let id = store.new_id("subs_");
    let now = truncate_micros(store.now_nanos());
    let mut sub = Subscription {
        id,
        lookup_key,
        customer_id,
        plan_id,
        status: "draft".into(),
        currency,
        billing_period,
        billing_period_count: count,
        start_date: start.unwrap_or(now),
        end_date: end,
        current_period_start: start.unwrap_or(now),
        current_period_end: None,
        cancel_at: None,
        cancel_at_period_end: false,
        cancelled_at: None,
        trial_start: None,
        trial_end: None,
        trial_days,
        collection_method: if collection.is_empty() {
            "charge_automatically".into()
        } else {
            collection
        },
        metadata,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    if wanted_status == "draft" {
        // A draft has no invoice and no payment until it is activated.
        sub.current_period_end = period_end(
            sub.start_date,
            &sub.billing_period,
            sub.billing_period_count,
        );
    } else {
        sub.start_at(sub.start_date);
        invoices::open_for_subscription(&mut store, &sub);
    }
    let body = sub.to_json();
    store.subscriptions.push(sub);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// `POST /v1/subscriptions/{id}/activate` `{"start_date": …}`: a draft becomes active (or trialing) and gets
/// its opening invoice.
pub(crate) async fn activate(
    State(emu): Emu,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let m = body_object(&body)?;
    let Some(start) = time_field(&m, "start_date")? else {
        let mut details = Map::new();
        details.insert(
            "StartDate".into(),
            Value::String(validator_message(
                "ActivateDraftSubscriptionRequest",
                "StartDate",
                "required",
            )),
        );
        return Err(ApiError::validation(details));
    };
    let mut store = emu.lock();
    let index = position(&store, &id)?;
    if store.subscriptions[index].status != "draft" {
        // Wording UNVERIFIED.
        return Err(validation("subscription is not in draft status"));
    }
    let now = truncate_micros(store.now_nanos());
    let mut sub = store.subscriptions[index].clone();
    sub.start_at(start);
    sub.updated_at = now;
    invoices::open_for_subscription(&mut store, &sub);
    let body = sub.to_json();
    store.subscriptions[index] = sub;
    Ok(Json(body).into_response())
}

/// `GET /v1/subscriptions/{id}`.
pub(crate) async fn get(State(emu): Emu, Path(id): Path<String>) -> Result<Response, ApiError> {
    let store = emu.lock();
    let index = position(&store, &id)?;
    Ok(Json(store.subscriptions[index].to_json()).into_response())
}

/// `GET /v1/customers/external/{external_id}/subscriptions`: `active` and `trialing` only, no paging
/// (`pagination` all zero), `items: null` when none. `expand` takes `plan` and `customer`; the line-item and
/// entitlement expansions answer 501.
pub(crate) async fn list_for_customer(
    State(emu): Emu,
    Path(external_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(query.as_deref());
    let expand: Vec<String> = query_first(&pairs, "expand")
        .unwrap_or("")
        .split(',')
        .map(|e| e.trim().to_owned())
        .filter(|e| !e.is_empty())
        .collect();
    for e in &expand {
        if !LIST_EXPANDS.contains(&e.as_str()) {
            return Err(validation(&format!("invalid expand field: {e}")));
        }
        if e != "plan" && e != "customer" {
            return Err(ApiError::coded(
                ErrorCode::NotImplemented,
                format!("emulator: expand `{e}` is not emulated"),
            ));
        }
    }
    let store = emu.lock();
    let customer = store
        .customers
        .iter()
        .find(|c| c.status == Status::Published && c.external_id == external_id)
        .ok_or_else(|| {
            ApiError::coded(
                ErrorCode::NotFound,
                format!("Customer with external ID '{external_id}' not found"),
            )
            .detail("external_id", external_id.as_str())
        })?;
    let items: Vec<Value> = store
        .subscriptions
        .iter()
        .filter(|s| s.customer_id == customer.id && s.is_live())
        .map(|s| {
            let mut v = s.to_json();
            if expand.iter().any(|e| e == "plan")
                && let Some(p) = store.plans.iter().find(|p| p.id == s.plan_id)
            {
                v["plan"] = p.to_json(Precision::Micros);
            }
            if expand.iter().any(|e| e == "customer") {
                v["customer"] = customer.to_json(Precision::Micros);
            }
            v
        })
        .collect();
    let items = if items.is_empty() {
        Value::Null
    } else {
        Value::Array(items)
    };
    Ok(Json(json!({
        "items": items,
        "pagination": {"total": 0, "limit": 0, "offset": 0},
    }))
    .into_response())
}

/// `types.SubscriptionFilter`, decoded.
#[derive(Debug)]
struct Filter {
    limit: i64,
    offset: i64,
    customer_id: Option<String>,
    external_customer_id: Option<String>,
    plan_id: Option<String>,
    ids: Vec<String>,
    statuses: Vec<String>,
    metadata: Option<BTreeMap<String, String>>,
    conditions: Vec<(String, String)>,
}

fn decode_filter(m: &Map<String, Value>) -> Result<Filter, ApiError> {
    let limit = opt_int(m, "limit")?.unwrap_or(DEFAULT_LIMIT);
    let offset = opt_int(m, "offset")?.unwrap_or(0);
    if !(1..=1000).contains(&limit) || offset < 0 {
        return Err(validation("invalid pagination"));
    }
    let mut conditions = Vec::new();
    match m.get("filters") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for item in items {
                let Value::Object(o) = item else {
                    return Err(ApiError::bad_format());
                };
                let field = opt_string(o, "field")?.unwrap_or_default();
                let operator = opt_string(o, "operator")?.unwrap_or_default();
                let value = match o.get("value") {
                    Some(Value::Object(v)) => opt_string(v, "string")?,
                    None | Some(Value::Null) => None,
                    Some(_) => return Err(ApiError::bad_format()),
                };
                if !FILTER_FIELDS.contains(&field.as_str()) {
                    return Err(validation("invalid filter field").detail("field", field));
                }
                if operator != "eq" {
                    return Err(ApiError::coded(
                        ErrorCode::NotImplemented,
                        format!("emulator: filter operator `{operator}` is not emulated"),
                    ));
                }
                conditions.push((field, value.unwrap_or_default()));
            }
        }
        Some(_) => return Err(ApiError::bad_format()),
    }
    let one = |key: &str| -> Result<Option<String>, ApiError> {
        Ok(opt_string(m, key)?.filter(|s| !s.is_empty()))
    };
    let statuses = match m.get("subscription_status") {
        Some(Value::String(s)) if !s.is_empty() => vec![s.clone()],
        Some(Value::String(_)) => Vec::new(),
        _ => opt_string_list(m, "subscription_status")?,
    };
    Ok(Filter {
        limit,
        offset,
        customer_id: one("customer_id")?,
        external_customer_id: one("external_customer_id")?,
        plan_id: one("plan_id")?,
        ids: opt_string_list(m, "subscription_ids")?,
        statuses,
        metadata: opt_string_map(m, "metadata")?,
        conditions,
    })
}

fn column(s: &Subscription, field: &str) -> String {
    match field {
        "id" => s.id.clone(),
        "lookup_key" => s.lookup_key.clone(),
        "customer_id" => s.customer_id.clone(),
        "plan_id" => s.plan_id.clone(),
        "subscription_status" => s.status.clone(),
        "currency" => s.currency.clone(),
        _ => s.billing_period.clone(),
    }
}

fn run_search(store: &Store, f: &Filter) -> Response {
    // An unknown external id matches nothing (inferred).
    let external_customer = f.external_customer_id.as_ref().map(|ext| {
        store
            .customers
            .iter()
            .find(|c| c.status == Status::Published && &c.external_id == ext)
            .map(|c| c.id.clone())
            .unwrap_or_default()
    });
    let mut matching: Vec<&Subscription> = store
        .subscriptions
        .iter()
        .filter(|s| f.customer_id.as_ref().is_none_or(|c| &s.customer_id == c))
        .filter(|s| {
            external_customer
                .as_ref()
                .is_none_or(|c| &s.customer_id == c)
        })
        .filter(|s| f.plan_id.as_ref().is_none_or(|p| &s.plan_id == p))
        .filter(|s| f.ids.is_empty() || f.ids.contains(&s.id))
        .filter(|s| f.statuses.is_empty() || f.statuses.contains(&s.status))
        .filter(|s| {
            f.metadata.as_ref().is_none_or(|want| {
                want.iter()
                    .all(|(k, v)| s.metadata.get(k).is_some_and(|have| have == v))
            })
        })
        .filter(|s| f.conditions.iter().all(|(k, v)| &column(s, k) == v))
        .collect();
    matching.sort_by_key(|s| std::cmp::Reverse(s.created_at));
    let total = matching.len();
    let items: Vec<Value> = matching
        .into_iter()
        .skip(usize::try_from(f.offset).unwrap_or(0))
        .take(usize::try_from(f.limit).unwrap_or(0))
        .map(Subscription::to_json)
        .collect();
    Json(json!({
        "items": items,
        // The next offset, as for customers.
        "pagination": {"total": total, "limit": f.limit, "offset": f.offset + f.limit},
    }))
    .into_response()
}

/// `POST /v1/subscriptions/search`: every status; `customer_id`, `external_customer_id`, `plan_id`,
/// `subscription_ids`, `subscription_status` (one or a list), `metadata` (every pair must match) and
/// `filters[]` `eq` conditions on the columns the emulator keeps (`lookup_key` among them).
pub(crate) async fn search(State(emu): Emu, body: Bytes) -> Result<Response, ApiError> {
    let m = body_object(&body)?;
    let f = decode_filter(&m)?;
    Ok(run_search(&emu.lock(), &f))
}

/// `GET /v1/subscriptions` (the same filter as query parameters; `filters` cannot be sent this way).
pub(crate) async fn list(State(emu): Emu, RawQuery(query): RawQuery) -> Result<Response, ApiError> {
    let pairs = query_pairs(query.as_deref());
    let m = query_to_filter_object(&pairs, &["subscription_ids", "subscription_status"])?;
    let f = decode_filter(&m)?;
    Ok(run_search(&emu.lock(), &f))
}
