//! `/v1/events` handlers (lifecycle notes §1): single and bulk ingestion (202; the bulk answer carries no ids),
//! the 32 MiB body cap, server-stamped times, storage dedupe on (`event_id`, `timestamp`), and the lookup
//! read-back.
//!
//! The emulator collapses duplicates at once (as the `FINAL` reads of the usage queries see them); the real
//! server keeps both rows until a merge. Unknown customers and events matching no meter are accepted (202)
//! and stored; the lookup then reports them `failed`. No `event.rejected` webhook is sent.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::FlexpriceEmulator;
use super::clock::{format_millis, parse_rfc3339_nanos};
use super::errors::{ApiError, ErrorCode};
use super::ids::{ENVIRONMENT_ID, TENANT_ID};
use super::parse::{query_first, query_pairs};
use super::state::{BulkMode, Store};
use super::usage;
use crate::emulators::record::OversizedBody;

type Emu = State<Arc<FlexpriceEmulator>>;

/// The body cap of the ingestion routes (`32 << 20`).
pub(crate) const BODY_LIMIT_BYTES: usize = 32 << 20;
/// The most events one bulk request takes (`max=1000`).
const MAX_BULK_EVENTS: usize = 1000;

/// A stored event. Times are nanoseconds since the epoch, `timestamp` truncated to milliseconds
/// (ClickHouse `DateTime64(3)`).
#[derive(Debug, Clone)]
pub(crate) struct Event {
    pub id: String,
    pub event_name: String,
    pub external_customer_id: String,
    pub customer_id: String,
    pub source: String,
    pub properties: Map<String, Value>,
    pub timestamp: i128,
    pub ingested_at: i128,
}

impl Event {
    fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "event_name": self.event_name,
            "external_customer_id": self.external_customer_id,
            "customer_id": self.customer_id,
            "source": self.source,
            "properties": self.properties,
            "timestamp": format_millis(self.timestamp),
            "environment_id": ENVIRONMENT_ID,
            "tenant_id": TENANT_ID,
        })
    }
}

/// An event as decoded from the wire, before the per-event checks.
#[derive(Debug)]
struct Incoming {
    event_id: Option<String>,
    event_name: String,
    external_customer_id: String,
    customer_id: String,
    source: String,
    properties: Map<String, Value>,
    timestamp: Option<i128>,
}

/// 400 "Invalid request payload": the ingestion routes' bind failure.
fn bad_payload() -> ApiError {
    ApiError::coded(ErrorCode::Validation, "Invalid request payload")
        .internal("json: cannot unmarshal request body")
}

fn too_large() -> ApiError {
    ApiError::coded(
        ErrorCode::Validation,
        "Request body exceeds the maximum size; split the batch into smaller requests",
    )
}

fn check_size(emu: &FlexpriceEmulator, body: &Bytes, oversized: bool) -> Result<(), ApiError> {
    let limit = emu.lock().knobs.event_body_limit;
    if oversized || body.len() > limit {
        return Err(too_large());
    }
    Ok(())
}

fn string_field(m: &Map<String, Value>, key: &str) -> Result<String, ApiError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(bad_payload()),
    }
}

/// Go decoding of one `IngestEventRequest`: wrong JSON types fail the whole body.
fn decode(v: &Value) -> Result<Incoming, ApiError> {
    let Value::Object(m) = v else {
        return Err(bad_payload());
    };
    let timestamp = match m.get("timestamp") {
        None | Some(Value::Null) => None,
        // `""` and epoch numbers fail Go `time.Time` decoding (inferred).
        Some(Value::String(s)) => Some(parse_rfc3339_nanos(s).ok_or_else(bad_payload)?),
        Some(_) => return Err(bad_payload()),
    };
    let properties = match m.get("properties") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(o)) => o.clone(),
        Some(_) => return Err(bad_payload()),
    };
    let event_id = string_field(m, "event_id")?;
    Ok(Incoming {
        event_id: Some(event_id).filter(|e| !e.is_empty()),
        event_name: string_field(m, "event_name")?,
        external_customer_id: string_field(m, "external_customer_id")?,
        customer_id: string_field(m, "customer_id")?,
        source: string_field(m, "source")?,
        properties,
        timestamp,
    })
}

/// The per-event checks of the service loop. The wording is the emulator's (UNVERIFIED).
fn check(e: &Incoming) -> Result<(), ApiError> {
    if e.event_name.is_empty() {
        return Err(ApiError::coded(
            ErrorCode::Validation,
            "event_name is required",
        ));
    }
    if e.external_customer_id.is_empty() {
        return Err(ApiError::coded(
            ErrorCode::Validation,
            "external_customer_id is required",
        ));
    }
    Ok(())
}

/// Stores one event: a row with the same id and timestamp (to the millisecond) is replaced (the newest
/// `ingested_at` wins); anything else is a new row. Returns the event id.
fn ingest(store: &mut Store, e: Incoming) -> String {
    let ingested_at = store.now_nanos();
    let id = match e.event_id {
        Some(id) => id,
        None => {
            store.next_event += 1;
            let n = store.next_event;
            format!(
                "event_{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
                n,
                n & 0xffff,
                n & 0xfff,
                n & 0xfff,
                n
            )
        }
    };
    // Without a timestamp the server's receive time is stored.
    let timestamp = truncate_millis(e.timestamp.unwrap_or(ingested_at));
    let event = Event {
        id: id.clone(),
        event_name: e.event_name.trim().to_owned(),
        external_customer_id: e.external_customer_id,
        customer_id: e.customer_id,
        source: e.source,
        properties: e.properties,
        timestamp,
        ingested_at,
    };
    match store
        .event_index
        .get(&(event.id.clone(), event.timestamp))
        .copied()
    {
        Some(at) => store.events[at] = event,
        None => {
            store
                .event_index
                .insert((event.id.clone(), event.timestamp), store.events.len());
            store.events.push(event);
        }
    }
    id
}

fn truncate_millis(nanos: i128) -> i128 {
    nanos - nanos.rem_euclid(1_000_000)
}

/// `POST /v1/events`: 202 `{"message":"Event accepted for processing","event_id":…}`.
pub(crate) async fn create(
    State(emu): Emu,
    oversized: Option<Extension<OversizedBody>>,
    body: Bytes,
) -> Result<Response, ApiError> {
    check_size(&emu, &body, oversized.is_some())?;
    let v: Value = serde_json::from_slice(&body).map_err(|_| bad_payload())?;
    let e = decode(&v)?;
    // Required by the binding tags, so answered like a bind failure.
    if e.event_name.is_empty() || e.external_customer_id.is_empty() {
        return Err(bad_payload());
    }
    let id = ingest(&mut emu.lock(), e);
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"message": "Event accepted for processing", "event_id": id})),
    )
        .into_response())
}

/// `POST /v1/events/bulk` `{"events":[…]}` (1 to 1000): 202 `{"message":"Events accepted for processing"}`,
/// no ids. In [`BulkMode::PerEvent`] a bad event at index k answers 400 after events 0..k−1 were stored; in
/// [`BulkMode::Batched`] nothing is stored.
pub(crate) async fn bulk(
    State(emu): Emu,
    oversized: Option<Extension<OversizedBody>>,
    body: Bytes,
) -> Result<Response, ApiError> {
    check_size(&emu, &body, oversized.is_some())?;
    let v: Value = serde_json::from_slice(&body).map_err(|_| bad_payload())?;
    let Value::Object(m) = v else {
        return Err(bad_payload());
    };
    let items = match m.get("events") {
        Some(Value::Array(items)) => items,
        None | Some(Value::Null) => return Err(bad_payload()),
        Some(_) => return Err(bad_payload()),
    };
    if items.is_empty() || items.len() > MAX_BULK_EVENTS {
        return Err(bad_payload());
    }
    let events = items.iter().map(decode).collect::<Result<Vec<_>, _>>()?;
    let mut store = emu.lock();
    if store.knobs.bulk_mode == BulkMode::Batched {
        events.iter().try_for_each(check)?;
    }
    for e in events {
        check(&e)?;
        ingest(&mut store, e);
    }
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"message": "Events accepted for processing"})),
    )
        .into_response())
}

fn lookup_answer(store: &Store, id: &str) -> Result<Response, ApiError> {
    // Several rows may share an id (different timestamps); the newest ingested is shown.
    let event = store
        .events
        .iter()
        .filter(|e| e.id == id)
        .max_by_key(|e| e.ingested_at)
        .ok_or_else(|| {
            // Wording UNVERIFIED.
            ApiError::coded(ErrorCode::NotFound, "event not found").detail("event_id", id)
        })?;
    let processed = usage::processed_events(store, event);
    let mut body = json!({"event": event.to_json()});
    match processed {
        Some(items) => {
            body["status"] = json!("processed");
            body["processed_events"] = Value::Array(items);
        }
        None => body["status"] = json!("failed"),
    }
    Ok(Json(body).into_response())
}

/// `GET /v1/events/lookup?id=…`: `{event, status, processed_events?}`. `status` is `processed` when the
/// customer exists and a meter takes the event, else `failed` (the `debug_tracker` is not emulated).
pub(crate) async fn lookup(
    State(emu): Emu,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(query.as_deref());
    let Some(id) = query_first(&pairs, "id").filter(|s| !s.is_empty()) else {
        // Wording UNVERIFIED.
        return Err(ApiError::coded(ErrorCode::Validation, "id is required"));
    };
    lookup_answer(&emu.lock(), id)
}

/// `GET /v1/events/{id}`: the legacy alias of the lookup.
pub(crate) async fn get(State(emu): Emu, Path(id): Path<String>) -> Result<Response, ApiError> {
    lookup_answer(&emu.lock(), &id)
}
