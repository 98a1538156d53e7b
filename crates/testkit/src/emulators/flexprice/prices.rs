//! `/v1/prices` handlers (notes §2–§5): create in the server's validation order, get, lookup by key, search,
//! PUT of the non-critical fields, and DELETE setting an end date.
//!
//! Amounts are `numeric(25,15)`: the create answer echoes the amounts as sent (normalised), the stored and
//! later-read values are rounded to 15 fractional digits; more than 10 integer digits is a database error.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Map, Value, json};

use super::FlexpriceEmulator;
use super::clock::{Precision, format_go_time, parse_rfc3339_nanos};
use super::errors::{ApiError, ErrorCode, validator_message};
use super::ids::{ENVIRONMENT_ID, TENANT_ID, USER_ID};
use super::parse::{
    body_object, opt_bool, opt_int, opt_object, opt_string, opt_string_list, opt_string_map,
};
use super::status::Status;

type Emu = State<Arc<FlexpriceEmulator>>;

const DEFAULT_LIMIT: i64 = 50;
/// Fractional digits the `numeric(25,15)` column keeps.
const SCALE: u32 = 15;
/// Integer digits the `numeric(25,15)` column holds.
const MAX_INTEGER_DIGITS: usize = 10;
/// Published prices an entity may have.
const MAX_PRICES_PER_ENTITY: usize = 5000;

const TYPES: [&str; 2] = ["FIXED", "USAGE"];
const MODELS: [&str; 3] = ["FLAT_FEE", "PACKAGE", "TIERED"];
const PERIODS: [&str; 7] = [
    "DAILY",
    "WEEKLY",
    "MONTHLY",
    "QUARTERLY",
    "HALF_YEARLY",
    "ANNUAL",
    "ONETIME",
];
const CADENCES: [&str; 2] = ["ADVANCE", "ARREAR"];
const ENTITY_TYPES: [&str; 5] = ["PLAN", "ADDON", "SUBSCRIPTION", "COSTSHEET", "PRICE"];
const EXPANDS: [&str; 5] = ["meters", "plan", "addons", "groups", "priceunit"];

/// One tier of a tiered price.
#[derive(Debug, Clone)]
pub(crate) struct Tier {
    pub up_to: Option<u64>,
    pub unit_amount: Decimal,
    pub flat_amount: Option<Decimal>,
}

/// A stored price. Times are nanoseconds since the epoch.
#[derive(Debug, Clone)]
pub(crate) struct Price {
    pub id: String,
    pub entity_type: String,
    pub entity_id: String,
    pub kind: String,
    pub billing_model: String,
    pub billing_period: String,
    pub billing_period_count: i64,
    pub invoice_cadence: String,
    pub currency: String,
    pub amount: Decimal,
    pub tier_mode: Option<String>,
    pub tiers: Option<Vec<Tier>>,
    pub divide_by: i64,
    pub round: Option<String>,
    pub meter_id: String,
    pub trial_period_days: i64,
    pub lookup_key: String,
    pub display_name: String,
    pub description: String,
    pub metadata: BTreeMap<String, String>,
    pub start_date: i128,
    pub end_date: Option<i128>,
    pub status: Status,
    pub sequence: u64,
    pub created_at: i128,
    pub updated_at: i128,
}

/// A decimal as the server renders it: a string, trailing zeros trimmed, never an exponent.
pub(crate) fn render(d: Decimal) -> String {
    d.normalize().to_string()
}

fn round(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(SCALE, RoundingStrategy::MidpointAwayFromZero)
}

fn symbol(currency: &str) -> String {
    match currency {
        "usd" | "aud" | "cad" | "sgd" | "nzd" => "$".into(),
        "eur" => "€".into(),
        "gbp" => "£".into(),
        "inr" => "₹".into(),
        "jpy" => "¥".into(),
        other => other.to_uppercase(),
    }
}

impl Price {
    /// Whether the price is live: published and not ended (the lookup and uniqueness predicate).
    pub fn is_live(&self) -> bool {
        self.status == Status::Published && self.end_date.is_none()
    }

    /// The `PriceResponse` (without expansions). `read` adds what only rows read back carry (`sequence`).
    pub fn to_json(&self, precision: Precision, read: bool) -> Value {
        let mut m = Map::new();
        let s = |v: &str| Value::String(v.to_owned());
        m.insert("id".into(), s(&self.id));
        m.insert("amount".into(), Value::String(render(self.amount)));
        m.insert(
            "display_amount".into(),
            Value::String(format!("{}{}", symbol(&self.currency), render(self.amount))),
        );
        m.insert("currency".into(), s(&self.currency));
        m.insert("price_unit_type".into(), s("FIAT"));
        m.insert("price_unit_amount".into(), s("0"));
        m.insert("conversion_rate".into(), s("1"));
        m.insert("type".into(), s(&self.kind));
        m.insert("billing_period".into(), s(&self.billing_period));
        m.insert(
            "billing_period_count".into(),
            Value::from(self.billing_period_count),
        );
        m.insert("billing_model".into(), s(&self.billing_model));
        m.insert("display_name".into(), s(&self.display_name));
        m.insert("billing_cadence".into(), s("RECURRING"));
        m.insert("invoice_cadence".into(), s(&self.invoice_cadence));
        m.insert(
            "trial_period_days".into(),
            Value::from(self.trial_period_days),
        );
        if let Some(mode) = &self.tier_mode {
            m.insert("tier_mode".into(), s(mode));
        }
        if let Some(tiers) = &self.tiers {
            let tiers = tiers
                .iter()
                .map(|t| {
                    let mut o = json!({
                        "up_to": t.up_to,
                        "unit_amount": render(t.unit_amount),
                    });
                    if let Some(flat) = t.flat_amount {
                        o["flat_amount"] = Value::String(render(flat));
                    }
                    o
                })
                .collect();
            m.insert("tiers".into(), Value::Array(tiers));
        }
        m.insert("meter_id".into(), s(&self.meter_id));
        m.insert("lookup_key".into(), s(&self.lookup_key));
        m.insert("description".into(), s(&self.description));
        let mut tq = json!({"divide_by": self.divide_by});
        if let Some(r) = &self.round {
            tq["round"] = s(r);
        }
        m.insert("transform_quantity".into(), tq);
        m.insert("metadata".into(), json!(self.metadata));
        m.insert("environment_id".into(), s(ENVIRONMENT_ID));
        m.insert("entity_type".into(), s(&self.entity_type));
        m.insert("entity_id".into(), s(&self.entity_id));
        m.insert(
            "start_date".into(),
            Value::String(format_go_time(self.start_date, precision)),
        );
        if let Some(end) = self.end_date {
            m.insert(
                "end_date".into(),
                Value::String(format_go_time(end, precision)),
            );
        }
        if read {
            m.insert("sequence".into(), Value::from(self.sequence));
        }
        m.insert("tenant_id".into(), s(TENANT_ID));
        m.insert("status".into(), s(self.status.as_str()));
        m.insert(
            "created_at".into(),
            Value::String(format_go_time(self.created_at, precision)),
        );
        m.insert(
            "updated_at".into(),
            Value::String(format_go_time(self.updated_at, precision)),
        );
        m.insert("created_by".into(), s(USER_ID));
        m.insert("updated_by".into(), s(USER_ID));
        Value::Object(m)
    }

    /// Rounds every amount to the column's 15 fractional digits (what Postgres stores).
    fn round_amounts(&mut self) {
        self.amount = round(self.amount);
        if let Some(tiers) = &mut self.tiers {
            for t in tiers {
                t.unit_amount = round(t.unit_amount);
                t.flat_amount = t.flat_amount.map(round);
            }
        }
    }

    fn too_wide(&self) -> bool {
        let wide = |d: &Decimal| d.trunc().abs().to_string().len() > MAX_INTEGER_DIGITS;
        wide(&self.amount)
            || self
                .tiers
                .iter()
                .flatten()
                .any(|t| wide(&t.unit_amount) || t.flat_amount.as_ref().is_some_and(wide))
    }
}

/// A shopspring `Decimal` from JSON: a string or a number, plain or scientific; anything else is bad format.
fn decimal_of(v: &Value) -> Result<Decimal, ApiError> {
    let text = match v {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        _ => return Err(ApiError::bad_format()),
    };
    if text.contains(['e', 'E']) {
        Decimal::from_scientific(&text).map_err(|_| ApiError::bad_format())
    } else {
        Decimal::from_str_exact(&text).map_err(|_| ApiError::bad_format())
    }
}

fn opt_decimal(m: &Map<String, Value>, key: &str) -> Result<Option<Decimal>, ApiError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => decimal_of(v).map(Some),
    }
}

fn tiers_of(m: &Map<String, Value>) -> Result<Option<Vec<Tier>>, ApiError> {
    let items = match m.get("tiers") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(ApiError::bad_format()),
    };
    items
        .iter()
        .map(|t| {
            let Value::Object(o) = t else {
                return Err(ApiError::bad_format());
            };
            let up_to = match o.get("up_to") {
                None | Some(Value::Null) => None,
                Some(Value::Number(n)) => Some(n.as_u64().ok_or_else(ApiError::bad_format)?),
                Some(_) => return Err(ApiError::bad_format()),
            };
            Ok(Tier {
                up_to,
                unit_amount: opt_decimal(o, "unit_amount")?.unwrap_or_default(),
                flat_amount: opt_decimal(o, "flat_amount")?,
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn validation(message: &str) -> ApiError {
    ApiError::coded(ErrorCode::Validation, message)
}

fn not_found(id: &str) -> ApiError {
    ApiError::coded(
        ErrorCode::NotFound,
        format!("Price with ID {id} was not found"),
    )
    .detail("price_id", id)
    .internal("ent: price not found")
}

fn invalid_enum(message: &str, field: &str, allowed: &[&str]) -> ApiError {
    validation(message).detail(field, "").detail(
        "allowed",
        Value::Array(allowed.iter().map(|a| Value::from(*a)).collect()),
    )
}

/// `POST /v1/prices`.
pub(crate) async fn create(State(emu): Emu, body: Bytes) -> Result<Response, ApiError> {
    // 1. Decoding (Go types): a wrong JSON type or a bad decimal fails the whole body.
    let m = body_object(&body)?;
    let entity_type = opt_string(&m, "entity_type")?.unwrap_or_default();
    let entity_id = opt_string(&m, "entity_id")?.unwrap_or_default();
    let kind = opt_string(&m, "type")?.unwrap_or_default();
    let billing_model = opt_string(&m, "billing_model")?.unwrap_or_default();
    let billing_period = opt_string(&m, "billing_period")?.unwrap_or_default();
    let count = opt_int(&m, "billing_period_count")?.unwrap_or(0);
    let cadence = opt_string(&m, "invoice_cadence")?.unwrap_or_default();
    let currency = opt_string(&m, "currency")?.unwrap_or_default();
    opt_string(&m, "price_unit_type")?;
    let amount = opt_decimal(&m, "amount")?;
    let tiers = tiers_of(&m)?;
    let tier_mode = opt_string(&m, "tier_mode")?.filter(|s| !s.is_empty());
    let transform = opt_object(&m, "transform_quantity")?;
    let meter_id = opt_string(&m, "meter_id")?.unwrap_or_default();
    let trial = opt_int(&m, "trial_period_days")?.unwrap_or(0);
    let lookup_key = opt_string(&m, "lookup_key")?.unwrap_or_default();
    let display_name = opt_string(&m, "display_name")?.unwrap_or_default();
    let description = opt_string(&m, "description")?.unwrap_or_default();
    let metadata = opt_string_map(&m, "metadata")?.unwrap_or_default();
    let start_date = opt_string(&m, "start_date")?;
    let end_date = opt_string(&m, "end_date")?;
    let (divide_by, round_mode) = match &transform {
        Some(t) => (
            opt_int(t, "divide_by")?.unwrap_or(0),
            opt_string(t, "round")?.filter(|r| !r.is_empty()),
        ),
        None => (1, None),
    };
    let start = match start_date.as_deref() {
        Some(s) => Some(parse_rfc3339_nanos(s).ok_or_else(ApiError::bad_format)?),
        None => None,
    };
    let end = match end_date.as_deref() {
        Some(s) => Some(parse_rfc3339_nanos(s).ok_or_else(ApiError::bad_format)?),
        None => None,
    };

    // 2. Struct tags, keyed by Go field name.
    let mut details = Map::new();
    let mut tag = |field: &str, t: &str| {
        details.insert(
            field.to_owned(),
            Value::String(validator_message("CreatePriceRequest", field, t)),
        );
    };
    for (value, field) in [
        (&entity_type, "EntityType"),
        (&entity_id, "EntityID"),
        (&kind, "Type"),
        (&billing_model, "BillingModel"),
        (&billing_period, "BillingPeriod"),
        (&cadence, "InvoiceCadence"),
    ] {
        if value.is_empty() {
            tag(field, "required");
        }
    }
    if currency.is_empty() {
        tag("Currency", "required");
    } else if currency.chars().count() != 3 {
        tag("Currency", "len");
    }
    if lookup_key.chars().count() > 255 {
        tag("LookupKey", "max");
    }
    if display_name.chars().count() > 255 {
        tag("DisplayName", "max");
    }
    if trial < 0 {
        tag("TrialPeriodDays", "min");
    }
    if !details.is_empty() {
        return Err(ApiError::validation(details));
    }

    // 3. The period count (optional in the spec, required in the code).
    if count < 1 {
        return Err(validation("Billing period count must be greater than 0")
            .detail("billing_period_count", count));
    }

    // 4. Enums (case-sensitive).
    if !TYPES.contains(&kind.as_str()) {
        return Err(invalid_enum("Invalid price type", "type", &TYPES));
    }
    if !MODELS.contains(&billing_model.as_str()) {
        return Err(invalid_enum(
            "Invalid billing model",
            "billing_model",
            &MODELS,
        ));
    }
    if !PERIODS.contains(&billing_period.as_str()) {
        return Err(invalid_enum(
            "Invalid billing period",
            "billing_period",
            &PERIODS,
        ));
    }
    if !CADENCES.contains(&cadence.as_str()) {
        return Err(invalid_enum(
            "Please provide a valid invoice cadence",
            "invoice_cadence",
            &CADENCES,
        ));
    }
    if !ENTITY_TYPES.contains(&entity_type.as_str()) {
        return Err(invalid_enum(
            "Invalid price entity type",
            "entity_type",
            &ENTITY_TYPES,
        ));
    }

    // 5. Per model. `tier_mode` is never validated (a bad one rates to 0).
    match billing_model.as_str() {
        "TIERED" => {
            let Some(tiers) = tiers.as_ref().filter(|t| !t.is_empty()) else {
                return Err(validation(
                    "Price tiers are required to set up tiered pricing",
                ));
            };
            if tiers.iter().any(|t| {
                t.unit_amount.is_sign_negative() && !t.unit_amount.is_zero()
                    || t.flat_amount
                        .is_some_and(|f| f.is_sign_negative() && !f.is_zero())
            }) {
                return Err(validation("Unit amount cannot be negative"));
            }
        }
        "PACKAGE" => {
            if transform.is_none() {
                return Err(validation(
                    "Please provide the number of units to set up package pricing",
                ));
            }
            if divide_by < 1 {
                return Err(
                    validation("divide_by must be greater than 0").detail("divide_by", divide_by)
                );
            }
            if amount.is_none() {
                return Err(validation(
                    "Amount is required to set up flat fee pricing with fiat pricing units",
                ));
            }
        }
        _ => {
            if amount.is_none() {
                return Err(validation(
                    "Amount is required to set up flat fee pricing with fiat pricing units",
                ));
            }
        }
    }

    // 6. Kind rules.
    if kind == "USAGE" && meter_id.is_empty() {
        return Err(validation(
            "Please select a metered feature to set up usage pricing",
        ));
    }
    if billing_period == "ONETIME" && cadence == "ARREAR" {
        return Err(validation("One-time charges are always billed in advance"));
    }
    if trial > 0 && (kind != "FIXED" || billing_period == "ONETIME") {
        return Err(validation(
            "trial_period_days can only be set for recurring fixed prices",
        ));
    }
    if let (Some(s), Some(e)) = (start, end)
        && s > e
    {
        return Err(validation("Start date must be before end date"));
    }

    // 7. The entity.
    let mut store = emu.lock();
    let parent_name = match entity_type.as_str() {
        "PLAN" => store
            .plans
            .iter()
            .find(|p| p.id == entity_id)
            .map(|p| p.name.clone())
            .ok_or_else(|| {
                ApiError::coded(ErrorCode::NotFound, "The specified plan does not exist")
                    .detail("plan_id", entity_id.as_str())
            })?,
        "PRICE" => {
            return Err(validation("The specified entity type is not supported"));
        }
        other => {
            let what = other.to_lowercase();
            return Err(ApiError::coded(
                ErrorCode::NotFound,
                format!("The specified {what} does not exist"),
            )
            .detail(&format!("{what}_id"), entity_id.as_str()));
        }
    };
    let live_on_entity = store
        .prices
        .iter()
        .filter(|p| p.entity_id == entity_id && p.status == Status::Published)
        .count();
    if live_on_entity >= MAX_PRICES_PER_ENTITY {
        return Err(validation(
            "The specified entity has too many active prices",
        ));
    }

    // 8. Amount sign, usage cadence, the meter.
    if amount.is_some_and(|a| a.is_sign_negative() && !a.is_zero()) {
        return Err(validation("Please provide a non-negative amount value"));
    }
    if kind == "USAGE" && cadence == "ADVANCE" {
        return Err(validation(
            "Please use ARREAR invoice cadence for USAGE price type",
        ));
    }
    let meter_id = if kind == "USAGE" {
        meter_id
    } else {
        // Dropped for FIXED prices.
        String::new()
    };
    let meter_name = if kind == "USAGE" {
        Some(
            store
                .meters
                .iter()
                .find(|mt| mt.id == meter_id)
                .map(|mt| mt.name.clone())
                .ok_or_else(|| {
                    ApiError::coded(ErrorCode::NotFound, "Meter not found")
                        .detail("meter_id", meter_id.as_str())
                        .detail("tenant_id", TENANT_ID)
                })?,
        )
    } else {
        None
    };

    // 9. Insert.
    let id = store.new_id("price_");
    if !lookup_key.is_empty()
        && store
            .prices
            .iter()
            .any(|p| p.is_live() && p.lookup_key == lookup_key)
    {
        return Err(ApiError::coded(
            ErrorCode::AlreadyExists,
            "A price with this identifier already exists",
        )
        .detail("price_id", id.as_str())
        .detail("lookup_key", lookup_key.as_str())
        .internal("ent: constraint failed: duplicate key value violates unique constraint"));
    }
    let now = store.now_nanos();
    store.next_sequence += 1;
    let mut price = Price {
        id,
        entity_type,
        entity_id,
        kind,
        billing_model: billing_model.clone(),
        billing_period,
        billing_period_count: count,
        invoice_cadence: cadence,
        currency: currency.to_lowercase(),
        amount: amount.unwrap_or_default(),
        tier_mode: if billing_model == "TIERED" {
            tier_mode
        } else {
            None
        },
        tiers: if billing_model == "TIERED" {
            tiers
        } else {
            None
        },
        divide_by: divide_by.max(1),
        round: round_mode,
        meter_id,
        trial_period_days: trial,
        lookup_key,
        display_name: if display_name.is_empty() {
            meter_name.unwrap_or(parent_name)
        } else {
            display_name
        },
        description,
        metadata,
        start_date: start.unwrap_or(now),
        end_date: end,
        status: Status::Published,
        sequence: store.next_sequence,
        created_at: now,
        updated_at: now,
    };
    if price.too_wide() {
        return Err(ApiError::database(
            "Failed to create price",
            "pq: numeric field overflow",
        ));
    }
    // The answer echoes what was sent; the row keeps 15 fractional digits.
    let body = price.to_json(Precision::Nanos, false);
    price.round_amounts();
    store.prices.push(price);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// `GET /v1/prices/{id}`: ended prices too; usage prices with their meter expanded.
pub(crate) async fn get(State(emu): Emu, Path(id): Path<String>) -> Result<Response, ApiError> {
    let store = emu.lock();
    let price = store
        .prices
        .iter()
        .find(|p| p.id == id)
        .ok_or_else(|| not_found(&id))?;
    let mut body = price.to_json(Precision::Micros, true);
    if price.kind == "USAGE"
        && let Some(meter) = store.meters.iter().find(|m| m.id == price.meter_id)
    {
        body["meter"] = meter.to_json();
    }
    Ok(Json(body).into_response())
}

/// `GET /v1/prices/lookup/{lookup_key}`: published prices without an end date only; no expansion.
pub(crate) async fn lookup(State(emu): Emu, Path(key): Path<String>) -> Result<Response, ApiError> {
    let store = emu.lock();
    let price = store
        .prices
        .iter()
        .find(|p| p.is_live() && p.lookup_key == key)
        .ok_or_else(|| {
            ApiError::coded(
                ErrorCode::NotFound,
                format!("Price with lookup key {key} was not found"),
            )
            .detail("lookup_key", key.as_str())
        })?;
    Ok(Json(price.to_json(Precision::Micros, true)).into_response())
}

/// `POST /v1/prices/search`.
pub(crate) async fn search(State(emu): Emu, body: Bytes) -> Result<Response, ApiError> {
    let m = body_object(&body)?;
    let limit = opt_int(&m, "limit")?
        .filter(|l| *l > 0)
        .unwrap_or(DEFAULT_LIMIT);
    let offset = opt_int(&m, "offset")?.unwrap_or(0).max(0);
    let sort = opt_string(&m, "sort")?.filter(|s| !s.is_empty());
    let order = opt_string(&m, "order")?.filter(|s| !s.is_empty());
    let status = opt_string(&m, "status")?.filter(|s| !s.is_empty());
    let expand = opt_string(&m, "expand")?.unwrap_or_default();
    let price_ids = opt_string_list(&m, "price_ids")?;
    let entity_type = opt_string(&m, "entity_type")?.filter(|s| !s.is_empty());
    let entity_ids = opt_string_list(&m, "entity_ids")?;
    let meter_ids = opt_string_list(&m, "meter_ids")?;
    let periods = opt_string_list(&m, "billing_periods")?;
    let allow_expired = opt_bool(&m, "allow_expired_prices")?.unwrap_or(false);
    // Parsed and ignored by the repository (surprise 3).
    opt_string_list(&m, "plan_ids")?;
    opt_string(&m, "subscription_id")?;
    opt_string(&m, "parent_price_id")?;
    for e in expand.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        if !EXPANDS.contains(&e) {
            return Err(validation(&format!("invalid expand field: {e}")));
        }
    }
    let desc = match order.as_deref() {
        None | Some("desc") => true,
        Some("asc") => false,
        Some(_) => return Err(validation("invalid order")),
    };
    if sort
        .as_deref()
        .is_some_and(|s| s != "created_at" && s != "updated_at")
    {
        return Err(validation("invalid sort field"));
    }
    let status = status.unwrap_or_else(|| "published".to_owned());

    let store = emu.lock();
    let now = store.current_nanos();
    let mut items: Vec<&Price> = store
        .prices
        .iter()
        .filter(|p| p.status.as_str() == status)
        .filter(|p| allow_expired || p.end_date.is_none_or(|e| e > now))
        .filter(|p| price_ids.is_empty() || price_ids.contains(&p.id))
        .filter(|p| entity_type.as_deref().is_none_or(|t| p.entity_type == t))
        .filter(|p| entity_ids.is_empty() || entity_ids.contains(&p.entity_id))
        .filter(|p| meter_ids.is_empty() || meter_ids.contains(&p.meter_id))
        .filter(|p| periods.is_empty() || periods.contains(&p.billing_period))
        .collect();
    let by_updated = sort.as_deref() == Some("updated_at");
    items.sort_by(|a, b| {
        let key = |p: &Price| {
            (
                if by_updated {
                    p.updated_at
                } else {
                    p.created_at
                },
                p.sequence,
            )
        };
        if desc {
            key(b).cmp(&key(a))
        } else {
            key(a).cmp(&key(b))
        }
    });
    let total = items.len();
    let page: Vec<Value> = items
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .map(|p| p.to_json(Precision::Micros, true))
        .collect();
    Ok(Json(json!({
        "items": page,
        // `offset` is the next offset, not the one sent (surprise 11).
        "pagination": {"total": total, "limit": limit, "offset": offset + limit},
    }))
    .into_response())
}

/// `PUT /v1/prices/{id}`: the non-critical fields in place (`""` = no change, metadata replaced whole). A
/// critical field would make a new version; the emulator answers 501 for those.
pub(crate) async fn update(
    State(emu): Emu,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let m = body_object(&body)?;
    let lookup_key = opt_string(&m, "lookup_key")?.filter(|s| !s.is_empty());
    let description = opt_string(&m, "description")?.filter(|s| !s.is_empty());
    let display_name = opt_string(&m, "display_name")?.filter(|s| !s.is_empty());
    let metadata = opt_string_map(&m, "metadata")?;
    opt_string(&m, "group_id")?;
    let critical = [
        "amount",
        "tiers",
        "tier_mode",
        "billing_model",
        "transform_quantity",
        "price_unit_amount",
        "price_unit_tiers",
    ]
    .iter()
    .any(|k| m.get(*k).is_some_and(|v| !v.is_null()));
    if opt_string(&m, "effective_from")?.is_some() && !critical {
        return Err(validation(
            "effective_from requires a critical field: you must also provide one of: amount, billing_model, tier_mode, tiers, transform_quantity, price_unit_amount, price_unit_tiers",
        ));
    }
    let mut store = emu.lock();
    let index = store
        .prices
        .iter()
        .position(|p| p.id == id)
        .ok_or_else(|| not_found(&id))?;
    if critical {
        return Err(ApiError::coded(
            ErrorCode::NotImplemented,
            "price versioning (a new price for a critical change) is not emulated",
        ));
    }
    if let Some(key) = &lookup_key
        && store
            .prices
            .iter()
            .any(|p| p.id != id && p.is_live() && &p.lookup_key == key)
    {
        // Surprise 7: a clash on update is a database error, not a 409.
        return Err(ApiError::database(
            "Failed to update price",
            "ent: constraint failed: duplicate key value violates unique constraint",
        ));
    }
    let now = store.now_nanos();
    let price = &mut store.prices[index];
    if let Some(v) = lookup_key {
        price.lookup_key = v;
    }
    if let Some(v) = description {
        price.description = v;
    }
    if let Some(v) = display_name {
        price.display_name = v;
    }
    if let Some(v) = metadata {
        price.metadata = v;
    }
    price.updated_at = now;
    Ok(Json(price.to_json(Precision::Micros, true)).into_response())
}

/// `DELETE /v1/prices/{id}` with a JSON body (`{}` or `{"end_date": …}`): sets the end date; the status stays
/// `published`. Irreversible.
pub(crate) async fn delete(
    State(emu): Emu,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    // No body: gin's bind fails on EOF.
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_format());
    }
    let m = body_object(&body)?;
    let end = match opt_string(&m, "end_date")? {
        Some(s) => Some(parse_rfc3339_nanos(&s).ok_or_else(ApiError::bad_format)?),
        None => None,
    };
    let mut store = emu.lock();
    let index = store
        .prices
        .iter()
        .position(|p| p.id == id)
        .ok_or_else(|| not_found(&id))?;
    if store.prices[index].end_date.is_some() {
        return Err(validation(
            "Cannot terminate a price that has already been terminated",
        ));
    }
    let now = store.now_nanos();
    let end = end.unwrap_or(now);
    let price = &mut store.prices[index];
    if end < price.start_date {
        return Err(validation("End date must be after the start date"));
    }
    price.end_date = Some(end);
    price.updated_at = now;
    Ok(Json(json!({"message": "price deleted successfully"})).into_response())
}
