//! `/v1/features` handlers (lifecycle notes §2.2): create (a `metered` feature names a meter or creates one
//! inline), get, search. `lookup_key` is the natural key: unique among published features, derived from the
//! name when empty, a duplicate answers 409 `already_exists` with `details.lookup_key`.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::FlexpriceEmulator;
use super::clock::{Precision, format_go_time};
use super::errors::{ApiError, ErrorCode, validator_message};
use super::ids::{ENVIRONMENT_ID, TENANT_ID, USER_ID};
use super::meters;
use super::parse::{body_object, opt_int, opt_object, opt_string, opt_string_list, opt_string_map};
use super::status::Status;

type Emu = State<Arc<FlexpriceEmulator>>;

const TYPES: [&str; 4] = ["metered", "boolean", "static", "config"];
const DEFAULT_LIMIT: i64 = 50;

/// A stored feature.
#[derive(Debug, Clone)]
pub(crate) struct Feature {
    pub id: String,
    pub name: String,
    pub lookup_key: String,
    pub kind: String,
    pub meter_id: String,
    pub description: String,
    pub metadata: BTreeMap<String, String>,
    pub unit_singular: String,
    pub unit_plural: String,
    pub status: Status,
    pub created_at: i128,
}

impl Feature {
    /// The `FeatureResponse`.
    pub fn to_json(&self, precision: Precision) -> Value {
        let at = format_go_time(self.created_at, precision);
        json!({
            "id": self.id,
            "name": self.name,
            "lookup_key": self.lookup_key,
            "description": self.description,
            "meter_id": self.meter_id,
            "metadata": self.metadata,
            "type": self.kind,
            "unit_singular": self.unit_singular,
            "unit_plural": self.unit_plural,
            "environment_id": ENVIRONMENT_ID,
            "tenant_id": TENANT_ID,
            "status": self.status.as_str(),
            "created_at": at,
            "updated_at": at,
            "created_by": USER_ID,
            "updated_by": USER_ID,
        })
    }
}

/// The key derived from a name when `lookup_key` is empty: lower-cased, non-alphanumerics → `_`.
pub(crate) fn derived_lookup_key(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_lowercase().next().unwrap_or(c)
            } else {
                '_'
            }
        })
        .collect()
}

pub(crate) fn not_found(id: &str) -> ApiError {
    ApiError::coded(
        ErrorCode::NotFound,
        format!("Feature with ID {id} was not found"),
    )
    .detail("feature_id", id)
}

/// `POST /v1/features` (201).
pub(crate) async fn create(State(emu): Emu, body: Bytes) -> Result<Response, ApiError> {
    let m = body_object(&body)?;
    let name = opt_string(&m, "name")?.unwrap_or_default();
    let kind = opt_string(&m, "type")?.unwrap_or_default();
    let lookup_key = opt_string(&m, "lookup_key")?.unwrap_or_default();
    let meter_id = opt_string(&m, "meter_id")?.unwrap_or_default();
    let inline = opt_object(&m, "meter")?;
    let description = opt_string(&m, "description")?.unwrap_or_default();
    let metadata = opt_string_map(&m, "metadata")?.unwrap_or_default();
    let unit_singular = opt_string(&m, "unit_singular")?.unwrap_or_default();
    let unit_plural = opt_string(&m, "unit_plural")?.unwrap_or_default();
    let mut details = Map::new();
    for (value, field) in [(&name, "Name"), (&kind, "Type")] {
        if value.is_empty() {
            details.insert(
                field.to_owned(),
                Value::String(validator_message("CreateFeatureRequest", field, "required")),
            );
        }
    }
    if !details.is_empty() {
        return Err(ApiError::validation(details));
    }
    // The messages below are the emulator's wording (UNVERIFIED).
    if !TYPES.contains(&kind.as_str()) {
        return Err(
            ApiError::coded(ErrorCode::Validation, "invalid feature type")
                .detail("type", kind.as_str()),
        );
    }
    if unit_singular.is_empty() != unit_plural.is_empty() {
        return Err(ApiError::coded(
            ErrorCode::Validation,
            "unit_singular and unit_plural must be set together",
        ));
    }
    let new_meter = match (&inline, kind.as_str()) {
        (Some(meter), "metered") if meter_id.is_empty() => Some(meters::decode_new_meter(
            meter,
            "CreateFeatureRequest.Meter",
        )?),
        (_, "metered") if meter_id.is_empty() => {
            return Err(ApiError::coded(
                ErrorCode::Validation,
                "either meter_id or meter is required for metered features",
            ));
        }
        _ => None,
    };
    let lookup_key = if lookup_key.is_empty() {
        derived_lookup_key(&name)
    } else {
        lookup_key
    };
    let mut store = emu.lock();
    // Checked before the inline meter is created, so a 409 leaves no orphan meter (inferred).
    if store
        .features
        .iter()
        .any(|f| f.status == Status::Published && f.lookup_key == lookup_key)
    {
        return Err(ApiError::coded(
            ErrorCode::AlreadyExists,
            "A feature with this lookup key already exists",
        )
        .detail("lookup_key", lookup_key.as_str()));
    }
    let meter_id = match new_meter {
        Some(new) => meters::insert(&mut store, new).id,
        None if kind == "metered" => {
            if !store.meters.iter().any(|mt| mt.id == meter_id) {
                return Err(meters::not_found(&meter_id));
            }
            meter_id
        }
        None => String::new(),
    };
    let id = store.new_id("feat_");
    let created_at = store.now_nanos();
    let feature = Feature {
        id,
        name,
        lookup_key,
        kind,
        meter_id,
        description,
        metadata,
        unit_singular,
        unit_plural,
        status: Status::Published,
        created_at,
    };
    let body = feature.to_json(Precision::Nanos);
    store.features.push(feature);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// `GET /v1/features/{id}`.
pub(crate) async fn get(State(emu): Emu, Path(id): Path<String>) -> Result<Response, ApiError> {
    let store = emu.lock();
    let feature = store
        .features
        .iter()
        .find(|f| f.id == id)
        .ok_or_else(|| not_found(&id))?;
    Ok(Json(feature.to_json(Precision::Micros)).into_response())
}

/// `POST /v1/features/search`: `feature_ids`, `lookup_key`, `lookup_keys`, `meter_ids`, `status` (default
/// `published`), `limit` / `offset`, newest first; `pagination.offset` is the next offset, as for customers.
pub(crate) async fn search(State(emu): Emu, body: Bytes) -> Result<Response, ApiError> {
    let m = body_object(&body)?;
    let limit = opt_int(&m, "limit")?
        .filter(|l| *l > 0)
        .unwrap_or(DEFAULT_LIMIT);
    let offset = opt_int(&m, "offset")?.unwrap_or(0).max(0);
    let ids = opt_string_list(&m, "feature_ids")?;
    let mut keys = opt_string_list(&m, "lookup_keys")?;
    if let Some(k) = opt_string(&m, "lookup_key")?.filter(|k| !k.is_empty()) {
        keys.push(k);
    }
    let meter_ids = opt_string_list(&m, "meter_ids")?;
    let status = opt_string(&m, "status")?
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "published".to_owned());
    let store = emu.lock();
    let mut items: Vec<&Feature> = store
        .features
        .iter()
        .filter(|f| f.status.as_str() == status)
        .filter(|f| ids.is_empty() || ids.contains(&f.id))
        .filter(|f| keys.is_empty() || keys.contains(&f.lookup_key))
        .filter(|f| meter_ids.is_empty() || meter_ids.contains(&f.meter_id))
        .collect();
    items.sort_by_key(|f| std::cmp::Reverse(f.created_at));
    let total = items.len();
    let page: Vec<Value> = items
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .map(|f| f.to_json(Precision::Micros))
        .collect();
    Ok(Json(json!({
        "items": page,
        "pagination": {"total": total, "limit": limit, "offset": offset + limit},
    }))
    .into_response())
}
