//! `/v1/plans` handlers (notes §6): create, search, get (with its prices embedded, ended ones included),
//! archive.

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
use super::parse::{body_object, opt_int, opt_string, opt_string_list, opt_string_map};
use super::query_filter;
use super::status::Status;

type Emu = State<Arc<FlexpriceEmulator>>;

/// The page size of a search without `limit` (`types.GetDefaultFilter`).
const DEFAULT_LIMIT: i64 = 50;

/// A stored plan.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub id: String,
    pub name: String,
    pub lookup_key: String,
    pub description: String,
    pub display_order: Option<i64>,
    pub metadata: BTreeMap<String, String>,
    pub status: Status,
    pub created_at: i128,
    pub updated_at: i128,
}

impl Plan {
    pub fn to_json(&self, precision: Precision) -> Value {
        let mut v = json!({
            "id": self.id,
            "name": self.name,
            "lookup_key": self.lookup_key,
            "description": self.description,
            "metadata": self.metadata,
            "environment_id": ENVIRONMENT_ID,
            "tenant_id": TENANT_ID,
            "status": self.status.as_str(),
            "created_at": format_go_time(self.created_at, precision),
            "updated_at": format_go_time(self.updated_at, precision),
            "created_by": USER_ID,
            "updated_by": USER_ID,
        });
        if let Some(order) = self.display_order {
            v["display_order"] = Value::from(order);
        }
        v
    }
}

pub(crate) fn not_found(id: &str) -> ApiError {
    ApiError::coded(
        ErrorCode::NotFound,
        format!("Plan with ID {id} was not found"),
    )
    .detail("plan_id", id)
    .internal("ent: plan not found")
}

/// `POST /v1/plans`.
pub(crate) async fn create(State(emu): Emu, body: Bytes) -> Result<Response, ApiError> {
    let m = body_object(&body)?;
    let name = opt_string(&m, "name")?.unwrap_or_default();
    let lookup_key = opt_string(&m, "lookup_key")?.unwrap_or_default();
    let description = opt_string(&m, "description")?.unwrap_or_default();
    let display_order = opt_int(&m, "display_order")?;
    let metadata = opt_string_map(&m, "metadata")?.unwrap_or_default();
    if name.is_empty() {
        let mut details = Map::new();
        details.insert(
            "Name".into(),
            Value::String(validator_message("CreatePlanRequest", "Name", "required")),
        );
        return Err(ApiError::validation(details));
    }
    let mut store = emu.lock();
    if !lookup_key.is_empty()
        && store
            .plans
            .iter()
            .any(|p| p.status == Status::Published && p.lookup_key == lookup_key)
    {
        // Misleadingly worded by the server (it is the lookup key that clashes).
        return Err(ApiError::coded(
            ErrorCode::AlreadyExists,
            "Plan with this name already exists",
        )
        .detail("lookup_key", lookup_key.as_str()));
    }
    let id = store.new_id("plan_");
    let now = store.now_nanos();
    let plan = Plan {
        id,
        name,
        lookup_key,
        description,
        display_order,
        metadata,
        status: Status::Published,
        created_at: now,
        updated_at: now,
    };
    let body = plan.to_json(Precision::Nanos);
    store.plans.push(plan);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// `GET /v1/plans/{id}`: the plan with every price hanging off it (ended ones too).
pub(crate) async fn get(State(emu): Emu, Path(id): Path<String>) -> Result<Response, ApiError> {
    let store = emu.lock();
    let plan = store
        .plans
        .iter()
        .find(|p| p.id == id)
        .ok_or_else(|| not_found(&id))?;
    let mut body = plan.to_json(Precision::Micros);
    let prices: Vec<Value> = store
        .prices
        .iter()
        .filter(|p| p.entity_type == "PLAN" && p.entity_id == id)
        .map(|p| p.to_json(Precision::Micros, true))
        .collect();
    body["prices"] = Value::Array(prices);
    body["entitlements"] = Value::Array(Vec::new());
    body["credit_grants"] = Value::Array(Vec::new());
    Ok(Json(body).into_response())
}

/// `DELETE /v1/plans/{id}`: archives the plan; its prices stay published.
pub(crate) async fn delete(State(emu): Emu, Path(id): Path<String>) -> Result<Response, ApiError> {
    let mut store = emu.lock();
    let now = store.now_nanos();
    let plan = store
        .plans
        .iter_mut()
        .find(|p| p.id == id && p.status == Status::Published)
        .ok_or_else(|| not_found(&id))?;
    plan.status = Status::Archived;
    plan.updated_at = now;
    Ok(Json(json!({"message": "plan deleted successfully"})).into_response())
}

/// `POST /v1/plans/search` (`types.PlanFilter` as a JSON body): `limit` (default 50, 1..=1000), `offset`,
/// `order` (`asc`|`desc`, default `desc`, on `created_at`), `status` (absent: every plan but deleted ones, so
/// archived plans too; else exactly that status), `plan_ids`, `lookup_key`. `pagination.offset` is the *next*
/// offset (`types.NewPaginationResponse`). `sort` conditions, `filters` and `expand` are not emulated.
pub(crate) async fn search(State(emu): Emu, body: Bytes) -> Result<Response, ApiError> {
    let m = body_object(&body)?;
    let limit = opt_int(&m, "limit")?;
    let offset = opt_int(&m, "offset")?;
    let order = opt_string(&m, "order")?;
    let status = opt_string(&m, "status")?.filter(|s| !s.is_empty());
    let lookup_key = opt_string(&m, "lookup_key")?;
    let plan_ids = opt_string_list(&m, "plan_ids")?;
    for key in ["sort", "filters"] {
        query_filter::unevaluated(&m, key, || {
            format!("emulator: plan search `{key}` conditions are not emulated")
        })?;
    }
    if opt_string(&m, "expand")?.is_some_and(|e| !e.is_empty()) {
        return Err(ApiError::coded(
            ErrorCode::NotImplemented,
            "emulator: plan search `expand` is not emulated",
        ));
    }
    let details = query_filter::details("PlanFilter", limit, offset, order.as_deref());
    if !details.is_empty() {
        return Err(ApiError::validation(details));
    }
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    let offset = offset.unwrap_or(0);
    let store = emu.lock();
    let mut matching: Vec<&Plan> = store
        .plans
        .iter()
        // Nothing is stored as `deleted`: without a status every plan matches.
        .filter(|p| status.as_deref().is_none_or(|s| p.status.as_str() == s))
        .filter(|p| plan_ids.is_empty() || plan_ids.contains(&p.id))
        .filter(|p| {
            lookup_key
                .as_deref()
                .is_none_or(|k| k.is_empty() || p.lookup_key == k)
        })
        .collect();
    matching.sort_by_key(|p| p.created_at);
    if order.as_deref() != Some("asc") {
        matching.reverse();
    }
    let total = matching.len();
    let items: Vec<Value> = matching
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(0))
        .map(|p| p.to_json(Precision::Micros))
        .collect();
    Ok(Json(json!({
        "items": items,
        "pagination": {"total": total, "limit": limit, "offset": offset + limit},
    }))
    .into_response())
}
