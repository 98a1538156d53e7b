//! Meters (lifecycle notes §2.1): `POST /v1/meters` (no natural key: a retried create is a second meter) and
//! `GET /v1/meters/{id}`, plus the meters tests seed with
//! [`FlexpriceEmulator::add_meter`](super::FlexpriceEmulator::add_meter) and the ones metered features create
//! inline (`features.rs`). The aggregation is what usage totals are computed with (`usage.rs`).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use super::FlexpriceEmulator;
use super::clock::{Precision, format_go_time};
use super::errors::{ApiError, ErrorCode, validator_message};
use super::ids::{ENVIRONMENT_ID, TENANT_ID, USER_ID};
use super::parse::{body_object, opt_object, opt_string};
use super::state::Store;

type Emu = State<Arc<FlexpriceEmulator>>;

/// The aggregation types the server knows (`types.AggregationType`).
pub(crate) const AGGREGATIONS: [&str; 8] = [
    "COUNT",
    "SUM",
    "AVG",
    "COUNT_UNIQUE",
    "LATEST",
    "SUM_WITH_MULTIPLIER",
    "MAX",
    "WEIGHTED_SUM",
];

/// `reset_usage` values (`types.ResetUsage`).
const RESETS: [&str; 2] = ["BILLING_PERIOD", "NEVER"];

/// One property filter: the event matches when `properties[key]` is one of `values`.
#[derive(Debug, Clone)]
pub(crate) struct MeterFilter {
    pub key: String,
    pub values: Vec<String>,
}

/// A stored meter.
#[derive(Debug, Clone)]
pub(crate) struct Meter {
    pub id: String,
    pub name: String,
    pub event_name: String,
    /// `aggregation.type`.
    pub aggregation: String,
    /// `aggregation.field` (`""` for COUNT).
    pub field: String,
    /// `aggregation.multiplier` (SUM_WITH_MULTIPLIER).
    pub multiplier: Option<Decimal>,
    pub filters: Vec<MeterFilter>,
    pub reset_usage: String,
    pub created_at: i128,
}

impl Meter {
    /// The `MeterResponse` (also what a `GET /prices/{id}` of a usage price expands).
    pub fn to_json(&self) -> Value {
        let at = format_go_time(self.created_at, Precision::Micros);
        let mut aggregation = json!({"type": self.aggregation, "field": self.field});
        if let Some(m) = self.multiplier {
            aggregation["multiplier"] = Value::String(super::prices::render(m));
        }
        let filters: Vec<Value> = self
            .filters
            .iter()
            .map(|f| json!({"key": f.key, "values": f.values}))
            .collect();
        json!({
            "id": self.id,
            "name": self.name,
            "event_name": self.event_name,
            "aggregation": aggregation,
            "filters": filters,
            "reset_usage": self.reset_usage,
            "environment_id": ENVIRONMENT_ID,
            "tenant_id": TENANT_ID,
            "status": "published",
            "created_at": at,
            "updated_at": at,
            "created_by": USER_ID,
            "updated_by": USER_ID,
        })
    }

    /// Whether an event's properties pass every filter of the meter.
    pub fn matches(&self, properties: &Map<String, Value>) -> bool {
        self.filters.iter().all(|f| {
            properties
                .get(&f.key)
                .map(property_text)
                .is_some_and(|v| f.values.contains(&v))
        })
    }
}

/// A property value as text (numbers unquoted), for filters and `COUNT_UNIQUE`.
pub(crate) fn property_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn decimal_text(v: &Value) -> Result<Decimal, ApiError> {
    let text = match v {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        _ => return Err(ApiError::bad_format()),
    };
    Decimal::from_str_exact(&text).map_err(|_| ApiError::bad_format())
}

/// A decoded, validated `CreateMeterRequest` (the body of `POST /v1/meters` or a feature's inline `meter`).
#[derive(Debug)]
pub(crate) struct NewMeter {
    name: String,
    event_name: String,
    aggregation: String,
    field: String,
    multiplier: Option<Decimal>,
    filters: Vec<MeterFilter>,
    reset_usage: String,
}

/// Decodes and validates a `CreateMeterRequest`. `struct_path` names the struct in validator messages.
pub(crate) fn decode_new_meter(
    m: &Map<String, Value>,
    struct_path: &str,
) -> Result<NewMeter, ApiError> {
    let name = opt_string(m, "name")?.unwrap_or_default();
    let event_name = opt_string(m, "event_name")?.unwrap_or_default();
    let reset_usage = opt_string(m, "reset_usage")?.unwrap_or_default();
    let aggregation = opt_object(m, "aggregation")?;
    let filters = match m.get("filters") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|f| {
                let Value::Object(o) = f else {
                    return Err(ApiError::bad_format());
                };
                Ok(MeterFilter {
                    key: opt_string(o, "key")?.unwrap_or_default(),
                    values: super::parse::opt_string_list(o, "values")?,
                })
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(ApiError::bad_format()),
    };
    let (kind, field, multiplier) = match &aggregation {
        Some(a) => (
            opt_string(a, "type")?.unwrap_or_default(),
            opt_string(a, "field")?.unwrap_or_default(),
            match a.get("multiplier") {
                None | Some(Value::Null) => None,
                Some(v) => Some(decimal_text(v)?),
            },
        ),
        None => (String::new(), String::new(), None),
    };
    let mut details = Map::new();
    let mut fail = |field: &str, tag: &str| {
        details.insert(
            field.to_owned(),
            Value::String(validator_message(struct_path, field, tag)),
        );
    };
    if name.is_empty() {
        fail("Name", "required");
    }
    if event_name.is_empty() {
        fail("EventName", "required");
    }
    if aggregation.is_none() {
        fail("Aggregation", "required");
    }
    if reset_usage.is_empty() {
        fail("ResetUsage", "required");
    }
    if !details.is_empty() {
        return Err(ApiError::validation(details));
    }
    // The messages of the model's `Validate` below are the emulator's wording (UNVERIFIED).
    if !AGGREGATIONS.contains(&kind.as_str()) {
        return Err(
            ApiError::coded(ErrorCode::Validation, "invalid aggregation type")
                .detail("aggregation_type", kind.as_str()),
        );
    }
    if kind == "WEIGHTED_SUM" {
        return Err(ApiError::coded(
            ErrorCode::NotImplemented,
            "emulator: WEIGHTED_SUM meters are not emulated",
        ));
    }
    if kind != "COUNT" && field.is_empty() {
        return Err(ApiError::coded(
            ErrorCode::Validation,
            "field is required for this aggregation type",
        )
        .detail("aggregation_type", kind.as_str()));
    }
    if kind == "SUM_WITH_MULTIPLIER" && multiplier.is_none_or(|m| m <= Decimal::ZERO) {
        return Err(ApiError::coded(
            ErrorCode::Validation,
            "multiplier must be greater than zero for SUM_WITH_MULTIPLIER",
        ));
    }
    if !RESETS.contains(&reset_usage.as_str()) {
        return Err(
            ApiError::coded(ErrorCode::Validation, "invalid reset_usage")
                .detail("reset_usage", reset_usage.as_str()),
        );
    }
    Ok(NewMeter {
        name,
        event_name: event_name.trim().to_owned(),
        aggregation: kind,
        field,
        multiplier,
        filters,
        reset_usage,
    })
}

/// Stores a validated meter and returns it.
pub(crate) fn insert(store: &mut Store, new: NewMeter) -> Meter {
    let id = store.new_id("meter_");
    let created_at = store.now_nanos();
    let meter = Meter {
        id,
        name: new.name,
        event_name: new.event_name,
        aggregation: new.aggregation,
        field: new.field,
        multiplier: new.multiplier,
        filters: new.filters,
        reset_usage: new.reset_usage,
        created_at,
    };
    store.meters.push(meter.clone());
    meter
}

pub(crate) fn not_found(id: &str) -> ApiError {
    ApiError::coded(ErrorCode::NotFound, "Meter not found")
        .detail("meter_id", id)
        .detail("tenant_id", TENANT_ID)
}

/// `POST /v1/meters` (201). No natural key: every create makes a meter.
pub(crate) async fn create(State(emu): Emu, body: Bytes) -> Result<Response, ApiError> {
    let m = body_object(&body)?;
    let new = decode_new_meter(&m, "CreateMeterRequest")?;
    let meter = insert(&mut emu.lock(), new);
    Ok((StatusCode::CREATED, Json(meter.to_json())).into_response())
}

/// `GET /v1/meters/{id}`.
pub(crate) async fn get(State(emu): Emu, Path(id): Path<String>) -> Result<Response, ApiError> {
    let store = emu.lock();
    let meter = store
        .meters
        .iter()
        .find(|m| m.id == id)
        .ok_or_else(|| not_found(&id))?;
    Ok(Json(meter.to_json()).into_response())
}
