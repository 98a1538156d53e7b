//! `/v1/invoices` handlers (lifecycle notes §5): one-off create (finalised inside the call, deduplicated by
//! the body's `idempotency_key`), get, list and search, finalize and void (both answering a `{"message"}`,
//! not the invoice). Subscriptions get an opening invoice for their fixed in-advance prices when they start
//! ([`open_for_subscription`]), and an immediate cancellation asking for it gets a final invoice of the
//! period's usage so far ([`final_lines`], [`store_final`]); period-end (arrear and usage) invoices are not
//! emulated.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Map, Value, json};

use super::FlexpriceEmulator;
use super::clock::{Precision, format_go_time, format_opt, truncate_micros};
use super::customers;
use super::errors::{ApiError, ErrorCode, validator_message};
use super::ids::{ENVIRONMENT_ID, TENANT_ID, USER_ID};
use super::parse::{
    body_object, opt_int, opt_string, opt_string_list, opt_string_map, query_pairs,
    query_to_filter_object,
};
use super::prices::render;
use super::state::Store;
use super::status::Status;
use super::subscriptions::Subscription;

type Emu = State<Arc<FlexpriceEmulator>>;

const DEFAULT_LIMIT: i64 = 50;
const TYPES: [&str; 3] = ["SUBSCRIPTION", "ONE_OFF", "CREDIT"];
/// Payment statuses a void is allowed from.
const VOIDABLE_PAYMENTS: [&str; 5] = [
    "PENDING",
    "FAILED",
    "SUCCEEDED",
    "PARTIALLY_REFUNDED",
    "OVERPAID",
];

/// One invoice line.
#[derive(Debug, Clone)]
pub(crate) struct LineItem {
    pub id: String,
    pub display_name: String,
    pub amount: Decimal,
    pub quantity: Decimal,
    pub price_id: String,
    pub plan_id: String,
    pub meter_id: String,
}

/// A stored invoice. Times are nanoseconds since the epoch, truncated to microseconds.
#[derive(Debug, Clone)]
pub(crate) struct Invoice {
    pub id: String,
    pub invoice_number: Option<String>,
    pub customer_id: String,
    pub subscription_id: Option<String>,
    pub invoice_type: String,
    /// `DRAFT` | `FINALIZED` | `VOIDED` | `SKIPPED`.
    pub invoice_status: String,
    pub payment_status: String,
    pub currency: String,
    pub subtotal: Decimal,
    pub total: Decimal,
    pub amount_due: Decimal,
    pub idempotency_key: String,
    pub billing_sequence: Option<i64>,
    pub billing_reason: String,
    pub description: String,
    pub period_start: Option<i128>,
    pub period_end: Option<i128>,
    pub finalized_at: Option<i128>,
    pub voided_at: Option<i128>,
    pub line_items: Vec<LineItem>,
    pub metadata: BTreeMap<String, String>,
    pub created_at: i128,
    pub updated_at: i128,
}

impl Invoice {
    /// The `InvoiceResponse`.
    pub fn to_json(&self) -> Value {
        let d = |v: Decimal| Value::String(render(v));
        let lines: Vec<Value> = self
            .line_items
            .iter()
            .map(|l| {
                json!({
                    "id": l.id,
                    "invoice_id": self.id,
                    "customer_id": self.customer_id,
                    "subscription_id": self.subscription_id,
                    "display_name": l.display_name,
                    "amount": d(l.amount),
                    "quantity": d(l.quantity),
                    "currency": self.currency,
                    "price_id": l.price_id,
                    "plan_id": l.plan_id,
                    "meter_id": l.meter_id,
                    "period_start": format_opt(self.period_start),
                    "period_end": format_opt(self.period_end),
                })
            })
            .collect();
        let at = |n: i128| Value::String(format_go_time(n, Precision::Micros));
        json!({
            "id": self.id,
            "invoice_number": self.invoice_number,
            "customer_id": self.customer_id,
            "subscription_id": self.subscription_id,
            "invoice_type": self.invoice_type,
            "invoice_status": self.invoice_status,
            "payment_status": self.payment_status,
            "currency": self.currency,
            "subtotal": d(self.subtotal),
            "total": d(self.total),
            "total_tax": "0",
            "amount_due": d(self.amount_due),
            "amount_paid": "0",
            "amount_remaining": d(self.amount_due),
            "idempotency_key": self.idempotency_key,
            "billing_sequence": self.billing_sequence,
            "billing_reason": self.billing_reason,
            "description": self.description,
            "period_start": format_opt(self.period_start),
            "period_end": format_opt(self.period_end),
            "due_date": format_opt(self.finalized_at),
            "finalized_at": format_opt(self.finalized_at),
            "paid_at": Value::Null,
            "voided_at": format_opt(self.voided_at),
            "line_items": lines,
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
}

/// Minor-unit digits of a currency (zero-decimal currencies round to whole units).
fn precision(currency: &str) -> u32 {
    match currency {
        "jpy" | "krw" | "vnd" | "clp" | "isk" | "ugx" | "xaf" | "xof" => 0,
        "bhd" | "kwd" | "omr" | "jod" | "tnd" => 3,
        _ => 2,
    }
}

fn rounded(d: Decimal, currency: &str) -> Decimal {
    d.round_dp_with_strategy(precision(currency), RoundingStrategy::MidpointAwayFromZero)
}

/// Numbers the invoice (`INV-` + a tenant-wide sequence; the real format is UNVERIFIED) and finalises it.
fn finalize_in_place(store: &mut Store, index: usize, now: i128) {
    store.next_invoice_number += 1;
    let n = store.next_invoice_number;
    let inv = &mut store.invoices[index];
    inv.invoice_number = Some(format!("INV-{n:05}"));
    inv.invoice_status = "FINALIZED".into();
    inv.finalized_at = Some(now);
    inv.updated_at = now;
}

/// The opening invoice of a subscription that starts: its fixed in-advance prices for the first period,
/// finalised, payment `PENDING`; `SKIPPED` when the total is zero (a trial, or no such price).
pub(crate) fn open_for_subscription(store: &mut Store, sub: &Subscription) {
    let mut lines = Vec::new();
    let prices: Vec<_> = store
        .prices
        .iter()
        .filter(|p| p.is_live() && p.entity_type == "PLAN" && p.entity_id == sub.plan_id)
        .filter(|p| p.kind == "FIXED" && p.invoice_cadence == "ADVANCE")
        .filter(|p| p.currency == sub.currency && p.billing_period == sub.billing_period)
        .cloned()
        .collect();
    for p in prices {
        let amount = if sub.status == "trialing" {
            Decimal::ZERO
        } else {
            rounded(p.amount, &sub.currency)
        };
        lines.push(LineItem {
            id: store.new_id("inv_line_"),
            display_name: p.display_name.clone(),
            amount,
            quantity: Decimal::ONE,
            price_id: p.id.clone(),
            plan_id: sub.plan_id.clone(),
            meter_id: String::new(),
        });
    }
    let end = sub.current_period_end;
    store_subscription_invoice(store, sub, lines, end, "SUBSCRIPTION_CREATE", "");
}

/// The usage (arrear) lines of an immediate cancellation's final invoice
/// (`cancel_immediately_inovice_policy: "generate_invoice"`, lifecycle notes §3.4): each live `USAGE` price of
/// the subscription's plan rated over the usage of `[current_period_start, end)`. Flat fees are quantity ×
/// amount and packages round the quantity up (or `down`) to whole packages of `divide_by`; the line's
/// quantity is the metered usage (inferred). Fixed in-advance prices were billed when the period opened and
/// are not repeated. Tiered usage prices and fixed in-arrear prices are not rated by the emulator (501).
pub(crate) fn final_lines(
    store: &mut Store,
    sub: &Subscription,
    end: i128,
) -> Result<Vec<LineItem>, ApiError> {
    let external_id = store
        .customers
        .iter()
        .find(|c| c.id == sub.customer_id)
        .map(|c| c.external_id.clone())
        .unwrap_or_default();
    let prices: Vec<_> = store
        .prices
        .iter()
        .filter(|p| p.is_live() && p.entity_type == "PLAN" && p.entity_id == sub.plan_id)
        .filter(|p| p.kind == "USAGE" || p.invoice_cadence == "ARREAR")
        .cloned()
        .collect();
    let mut rated = Vec::new();
    for p in prices {
        if p.kind != "USAGE" || p.billing_model == "TIERED" {
            return Err(ApiError::coded(
                ErrorCode::NotImplemented,
                "emulator: the final invoice rates flat and package usage prices only",
            ));
        }
        let Some(meter) = store.meters.iter().find(|m| m.id == p.meter_id) else {
            continue;
        };
        let quantity = super::usage::aggregate(
            store,
            meter,
            &external_id,
            Some(sub.current_period_start),
            Some(end),
        );
        let units = if p.billing_model == "PACKAGE" {
            let packages = quantity / Decimal::from(p.divide_by.max(1));
            if p.round.as_deref() == Some("down") {
                packages.floor()
            } else {
                packages.ceil()
            }
        } else {
            quantity
        };
        let amount = rounded(units * p.amount, &sub.currency);
        rated.push((p, quantity, amount));
    }
    let mut lines = Vec::new();
    for (p, quantity, amount) in rated {
        lines.push(LineItem {
            id: store.new_id("inv_line_"),
            display_name: p.display_name.clone(),
            amount,
            quantity,
            price_id: p.id.clone(),
            plan_id: sub.plan_id.clone(),
            meter_id: p.meter_id.clone(),
        });
    }
    Ok(lines)
}

/// Stores the final invoice of a subscription cancelled now at `end` with `lines` (from [`final_lines`]):
/// a `SUBSCRIPTION` invoice for `[current_period_start, end)`, finalised, payment `PENDING`; `SKIPPED` when
/// its total is zero. The `billing_reason` (`SUBSCRIPTION_UPDATE`) is UNVERIFIED.
pub(crate) fn store_final(store: &mut Store, sub: &Subscription, end: i128, lines: Vec<LineItem>) {
    store_subscription_invoice(
        store,
        sub,
        lines,
        Some(end),
        "SUBSCRIPTION_UPDATE",
        "-final",
    );
}

/// Stores a `SUBSCRIPTION` invoice of `sub` with `lines` for `[current_period_start, period_end)`, finalised,
/// payment `PENDING`; `SKIPPED` when its total is zero. Its idempotency key is the customer and the period at
/// minute precision, then `key_suffix` (the shape of the key is the emulator's).
fn store_subscription_invoice(
    store: &mut Store,
    sub: &Subscription,
    lines: Vec<LineItem>,
    period_end: Option<i128>,
    billing_reason: &str,
    key_suffix: &str,
) {
    let total: Decimal = lines.iter().map(|l| l.amount).sum();
    let id = store.new_id("inv_");
    let now = truncate_micros(store.now_nanos());
    let sequence = store
        .invoices
        .iter()
        .filter(|i| i.subscription_id.as_deref() == Some(sub.id.as_str()))
        .count();
    store.invoices.push(Invoice {
        id,
        invoice_number: None,
        customer_id: sub.customer_id.clone(),
        subscription_id: Some(sub.id.clone()),
        invoice_type: "SUBSCRIPTION".into(),
        invoice_status: "DRAFT".into(),
        payment_status: "PENDING".into(),
        currency: sub.currency.clone(),
        subtotal: total,
        total,
        amount_due: total,
        idempotency_key: format!(
            "{}-{}-{}{key_suffix}",
            sub.customer_id,
            sub.current_period_start / 60_000_000_000,
            period_end.unwrap_or(0) / 60_000_000_000
        ),
        billing_sequence: Some(i64::try_from(sequence).unwrap_or(0) + 1),
        billing_reason: billing_reason.into(),
        description: String::new(),
        period_start: Some(sub.current_period_start),
        period_end,
        finalized_at: None,
        voided_at: None,
        line_items: lines,
        metadata: BTreeMap::new(),
        created_at: now,
        updated_at: now,
    });
    let index = store.invoices.len() - 1;
    if total.is_zero() {
        store.invoices[index].invoice_status = "SKIPPED".into();
    } else {
        finalize_in_place(store, index, now);
    }
}

fn validation(message: &str) -> ApiError {
    ApiError::coded(ErrorCode::Validation, message)
}

/// 400 "invalid request": the create route's bind failure.
fn bad_request() -> ApiError {
    validation("invalid request").internal("json: cannot unmarshal request body")
}

fn not_found(id: &str) -> ApiError {
    // Wording UNVERIFIED.
    ApiError::coded(
        ErrorCode::NotFound,
        format!("Invoice with ID {id} was not found"),
    )
    .detail("invoice_id", id)
}

fn decimal_field(m: &Map<String, Value>, key: &str) -> Result<Option<Decimal>, ApiError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Decimal::from_str_exact(s.trim())
            .map(Some)
            .map_err(|_| bad_request()),
        Some(Value::Number(n)) => Decimal::from_str_exact(&n.to_string())
            .map(Some)
            .map_err(|_| bad_request()),
        Some(_) => Err(bad_request()),
    }
}

/// A requested line: its raw object, amount and quantity.
type RequestedLine = (Map<String, Value>, Decimal, Decimal);

fn line_items_of(m: &Map<String, Value>) -> Result<Vec<RequestedLine>, ApiError> {
    let items = match m.get("line_items") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(bad_request()),
    };
    items
        .iter()
        .map(|item| {
            let Value::Object(o) = item else {
                return Err(bad_request());
            };
            let amount = decimal_field(o, "amount")?;
            let quantity = decimal_field(o, "quantity")?;
            match (amount, quantity) {
                (Some(a), Some(q)) if a >= Decimal::ZERO && q >= Decimal::ZERO => {
                    Ok((o.clone(), a, q))
                }
                // Wording UNVERIFIED.
                _ => Err(validation(
                    "line item amount and quantity are required and must be non-negative",
                )),
            }
        })
        .collect()
}

/// `POST /v1/invoices` (201): one-off and credit invoices are finalised in the call. A re-sent
/// `idempotency_key` returns a `DRAFT` / `SKIPPED` invoice (completing it) and answers 409 without an id
/// otherwise. Without a key nothing is deduplicated.
pub(crate) async fn create(State(emu): Emu, body: Bytes) -> Result<Response, ApiError> {
    let m = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(m)) => m,
        _ => return Err(bad_request()),
    };
    let text = |k: &str| -> Result<String, ApiError> {
        opt_string(&m, k)
            .map(Option::unwrap_or_default)
            .map_err(|_| bad_request())
    };
    let customer_id = text("customer_id")?;
    let currency = text("currency")?;
    let invoice_type = text("invoice_type")?;
    let key = text("idempotency_key")?;
    let description = text("description")?;
    let subscription_id = text("subscription_id")?;
    let metadata = opt_string_map(&m, "metadata")
        .map_err(|_| bad_request())?
        .unwrap_or_default();
    let amount_due = decimal_field(&m, "amount_due")?;
    let subtotal = decimal_field(&m, "subtotal")?;
    let total = decimal_field(&m, "total")?;
    let lines = line_items_of(&m)?;
    let mut details = Map::new();
    let mut tag = |field: &str| {
        details.insert(
            field.to_owned(),
            Value::String(validator_message("CreateInvoiceRequest", field, "required")),
        );
    };
    if customer_id.is_empty() {
        tag("CustomerID");
    }
    if currency.is_empty() {
        tag("Currency");
    }
    if amount_due.is_none() {
        tag("AmountDue");
    }
    if subtotal.is_none() {
        tag("Subtotal");
    }
    if total.is_none() {
        tag("Total");
    }
    if !details.is_empty() {
        return Err(ApiError::validation(details));
    }
    let invoice_type = if invoice_type.is_empty() {
        "SUBSCRIPTION".to_owned()
    } else {
        invoice_type
    };
    // Wording of the checks below UNVERIFIED.
    if !TYPES.contains(&invoice_type.as_str()) {
        return Err(validation("invalid invoice type"));
    }
    if invoice_type == "SUBSCRIPTION" {
        return Err(ApiError::coded(
            ErrorCode::NotImplemented,
            "emulator: creating SUBSCRIPTION invoices is not emulated (send ONE_OFF)",
        ));
    }
    let currency = currency.to_lowercase();
    let amount_due = amount_due.unwrap_or_default();
    if invoice_type != "CREDIT" && amount_due < Decimal::ZERO {
        return Err(validation("amount_due must be non-negative"));
    }
    if !lines.is_empty() {
        let sum: Decimal = lines.iter().map(|(_, a, _)| *a).sum();
        if rounded(sum, &currency) != rounded(amount_due, &currency) {
            return Err(validation(
                "sum of line item amounts must equal the invoice amount_due",
            ));
        }
    }

    let mut store = emu.lock();
    if !store
        .customers
        .iter()
        .any(|c| c.id == customer_id && c.status == Status::Published)
    {
        return Err(customers::not_found(&customer_id));
    }
    if !key.is_empty()
        && let Some(index) = store
            .invoices
            .iter()
            .position(|i| i.idempotency_key == key && i.invoice_status != "VOIDED")
    {
        let status = store.invoices[index].invoice_status.clone();
        if status == "DRAFT" || status == "SKIPPED" {
            // The create carries on from the half-finished invoice.
            let now = truncate_micros(store.now_nanos());
            if status == "DRAFT" {
                finalize_in_place(&mut store, index, now);
            }
            let body = store.invoices[index].to_json();
            return Ok((StatusCode::CREATED, Json(body)).into_response());
        }
        // No id in `details`.
        return Err(ApiError::coded(
            ErrorCode::AlreadyExists,
            "invoice already exists",
        ));
    }
    let id = store.new_id("inv_");
    let now = truncate_micros(store.now_nanos());
    // Without a key the server derives one that includes the time: no dedupe at all.
    let key = if key.is_empty() {
        format!("{customer_id}-{now}")
    } else {
        key
    };
    let mut line_items = Vec::new();
    for (o, amount, quantity) in &lines {
        let s = |k: &str| o.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
        line_items.push(LineItem {
            id: store.new_id("inv_line_"),
            display_name: s("display_name"),
            amount: *amount,
            quantity: *quantity,
            price_id: s("price_id"),
            plan_id: s("plan_id"),
            meter_id: s("meter_id"),
        });
    }
    store.invoices.push(Invoice {
        id,
        invoice_number: None,
        customer_id,
        subscription_id: Some(subscription_id).filter(|s| !s.is_empty()),
        invoice_type,
        invoice_status: "DRAFT".into(),
        payment_status: "PENDING".into(),
        subtotal: subtotal.unwrap_or_default(),
        total: total.unwrap_or_default(),
        amount_due,
        currency,
        idempotency_key: key,
        billing_sequence: None,
        billing_reason: "MANUAL".into(),
        description,
        period_start: None,
        period_end: None,
        finalized_at: None,
        voided_at: None,
        line_items,
        metadata,
        created_at: now,
        updated_at: now,
    });
    let index = store.invoices.len() - 1;
    finalize_in_place(&mut store, index, now);
    let body = store.invoices[index].to_json();
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// `GET /v1/invoices/{id}`.
pub(crate) async fn get(State(emu): Emu, Path(id): Path<String>) -> Result<Response, ApiError> {
    let store = emu.lock();
    let inv = store
        .invoices
        .iter()
        .find(|i| i.id == id)
        .ok_or_else(|| not_found(&id))?;
    Ok(Json(inv.to_json()).into_response())
}

/// `POST /v1/invoices/{id}/finalize`: 200 `{"message":"invoice finalized successfully"}` for a `DRAFT`, a
/// silent no-op for a `SKIPPED` one, else 400 "invoice is not in draft status".
pub(crate) async fn finalize(
    State(emu): Emu,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let mut store = emu.lock();
    let index = store
        .invoices
        .iter()
        .position(|i| i.id == id)
        .ok_or_else(|| not_found(&id))?;
    match store.invoices[index].invoice_status.as_str() {
        "DRAFT" => {
            let now = truncate_micros(store.now_nanos());
            finalize_in_place(&mut store, index, now);
        }
        "SKIPPED" => {}
        _ => return Err(validation("invoice is not in draft status")),
    }
    Ok(Json(json!({"message": "invoice finalized successfully"})).into_response())
}

/// `POST /v1/invoices/{id}/void` (optional body `{metadata}`, an empty body accepted): 200
/// `{"message":"invoice voided successfully"}`; a voided invoice answers 400 "invoice status - VOIDED is not
/// allowed". The payment status is left as it was (UNVERIFIED).
pub(crate) async fn void(
    State(emu): Emu,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let metadata = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        opt_string_map(&body_object(&body)?, "metadata")?
    };
    let mut store = emu.lock();
    let index = store
        .invoices
        .iter()
        .position(|i| i.id == id)
        .ok_or_else(|| not_found(&id))?;
    let inv = &store.invoices[index];
    if !matches!(
        inv.invoice_status.as_str(),
        "DRAFT" | "FINALIZED" | "SKIPPED"
    ) {
        return Err(validation(&format!(
            "invoice status - {} is not allowed",
            inv.invoice_status
        )));
    }
    if !VOIDABLE_PAYMENTS.contains(&inv.payment_status.as_str()) {
        return Err(validation(&format!(
            "invoice payment status - {} is not allowed",
            inv.payment_status
        )));
    }
    let now = truncate_micros(store.now_nanos());
    let inv = &mut store.invoices[index];
    inv.invoice_status = "VOIDED".into();
    inv.voided_at = Some(now);
    inv.updated_at = now;
    if let Some(md) = metadata {
        inv.metadata.extend(md);
    }
    Ok(Json(json!({"message": "invoice voided successfully"})).into_response())
}

/// The list filter: `customer_id`, `external_customer_id`, `subscription_id`, `invoice_type`,
/// `invoice_status[]`, `payment_status[]`, `limit` / `offset`, newest first.
fn run_list(store: &Store, m: &Map<String, Value>) -> Result<Response, ApiError> {
    let limit = opt_int(m, "limit")?
        .filter(|l| *l > 0)
        .unwrap_or(DEFAULT_LIMIT);
    let offset = opt_int(m, "offset")?.unwrap_or(0).max(0);
    let one = |k: &str| -> Result<Option<String>, ApiError> {
        Ok(opt_string(m, k)?.filter(|s| !s.is_empty()))
    };
    let customer_id = one("customer_id")?;
    let external = one("external_customer_id")?;
    let subscription_id = one("subscription_id")?;
    let invoice_type = one("invoice_type")?;
    let statuses = opt_string_list(m, "invoice_status")?;
    let payments = opt_string_list(m, "payment_status")?;
    let external_customer = external.map(|ext| {
        store
            .customers
            .iter()
            .find(|c| c.status == Status::Published && c.external_id == ext)
            .map(|c| c.id.clone())
            .unwrap_or_default()
    });
    let mut items: Vec<&Invoice> = store
        .invoices
        .iter()
        .filter(|i| customer_id.as_ref().is_none_or(|c| &i.customer_id == c))
        .filter(|i| {
            external_customer
                .as_ref()
                .is_none_or(|c| &i.customer_id == c)
        })
        .filter(|i| {
            subscription_id
                .as_ref()
                .is_none_or(|s| i.subscription_id.as_ref() == Some(s))
        })
        .filter(|i| invoice_type.as_ref().is_none_or(|t| &i.invoice_type == t))
        .filter(|i| statuses.is_empty() || statuses.contains(&i.invoice_status))
        .filter(|i| payments.is_empty() || payments.contains(&i.payment_status))
        .collect();
    items.sort_by_key(|i| std::cmp::Reverse(i.created_at));
    let total = items.len();
    let page: Vec<Value> = items
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .map(Invoice::to_json)
        .collect();
    Ok(Json(json!({
        "items": page,
        "pagination": {"total": total, "limit": limit, "offset": offset + limit},
    }))
    .into_response())
}

/// `GET /v1/invoices` (query parameters).
pub(crate) async fn list(State(emu): Emu, RawQuery(query): RawQuery) -> Result<Response, ApiError> {
    let pairs = query_pairs(query.as_deref());
    let m = query_to_filter_object(&pairs, &["invoice_status", "payment_status"])?;
    run_list(&emu.lock(), &m)
}

/// `POST /v1/invoices/search` (JSON body), the same filter.
pub(crate) async fn search(State(emu): Emu, body: Bytes) -> Result<Response, ApiError> {
    let m = body_object(&body)?;
    run_list(&emu.lock(), &m)
}
