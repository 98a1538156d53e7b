//! Subscription schedules (lifecycle notes §3.5): the pending cancellation or plan change of a subscription,
//! listed by `GET /v1/subscriptions/{id}/schedules` and reverted by the two schedule-cancel routes, which
//! answer errors as `{"error": "<text>"}` rather than the coded body.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::FlexpriceEmulator;
use super::clock::{Precision, format_go_time, format_opt};
use super::errors::ApiError;
use super::state::Store;
use super::subscriptions;

type Emu = State<Arc<FlexpriceEmulator>>;

/// What the subscription looked like before a cancellation was scheduled (restored on uncancel).
#[derive(Debug, Clone)]
pub(crate) struct Saved {
    pub cancel_at: Option<i128>,
    pub cancel_at_period_end: bool,
    pub end_date: Option<i128>,
    pub current_period_end: Option<i128>,
}

/// A stored schedule.
#[derive(Debug, Clone)]
pub(crate) struct Schedule {
    pub id: String,
    pub subscription_id: String,
    /// `cancellation` | `plan_change`.
    pub kind: String,
    /// `pending` | `cancelled` (nothing executes: the emulated clock never reaches `scheduled_at`).
    pub status: String,
    pub scheduled_at: Option<i128>,
    pub target_plan_id: Option<String>,
    pub saved: Saved,
    pub created_at: i128,
}

impl Schedule {
    /// The schedule as listed (field names beyond `status` UNVERIFIED).
    fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "subscription_id": self.subscription_id,
            "schedule_type": self.kind,
            "status": self.status,
            "scheduled_at": format_opt(self.scheduled_at),
            "target_plan_id": self.target_plan_id,
            "created_at": format_go_time(self.created_at, Precision::Micros),
        })
    }
}

/// Marks every pending schedule of `subscription_id` cancelled (what scheduling a cancellation does first).
pub(crate) fn cancel_pending(store: &mut Store, subscription_id: &str) {
    for s in store
        .schedules
        .iter_mut()
        .filter(|s| s.subscription_id == subscription_id && s.status == "pending")
    {
        s.status = "cancelled".into();
    }
}

/// `GET /v1/subscriptions/{id}/schedules`: pending and past schedules, oldest first (the envelope is
/// UNVERIFIED: a bare array here).
pub(crate) async fn list(State(emu): Emu, Path(id): Path<String>) -> Result<Response, ApiError> {
    let store = emu.lock();
    subscriptions::position(&store, &id)?;
    let items: Vec<Value> = store
        .schedules
        .iter()
        .filter(|s| s.subscription_id == id)
        .map(Schedule::to_json)
        .collect();
    Ok(Json(Value::Array(items)).into_response())
}

fn plain(status: StatusCode, text: impl Into<String>) -> ApiError {
    ApiError::Plain(status, text.into())
}

/// Reverts one schedule: a cancellation restores the saved fields.
fn revert(store: &mut Store, index: usize) -> Result<Response, ApiError> {
    let schedule = store.schedules[index].clone();
    if schedule.status != "pending" {
        return Err(plain(
            StatusCode::BAD_REQUEST,
            format!("schedule cannot be cancelled (status: {})", schedule.status),
        ));
    }
    let now = store.now_nanos();
    store.schedules[index].status = "cancelled".into();
    if schedule.kind == "cancellation"
        && let Some(sub) = store
            .subscriptions
            .iter_mut()
            .find(|s| s.id == schedule.subscription_id)
    {
        sub.cancel_at = schedule.saved.cancel_at;
        sub.cancel_at_period_end = schedule.saved.cancel_at_period_end;
        sub.end_date = schedule.saved.end_date;
        sub.current_period_end = schedule.saved.current_period_end;
        sub.updated_at = super::clock::truncate_micros(now);
    }
    Ok(
        Json(json!({"status": "cancelled", "message": "Schedule cancelled successfully"}))
            .into_response(),
    )
}

/// `POST /v1/subscriptions/schedules/cancel` `{"subscription_id", "schedule_type"}`.
pub(crate) async fn cancel_by_subscription(
    State(emu): Emu,
    body: Bytes,
) -> Result<Response, ApiError> {
    let m = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(m)) => m,
        _ => return Err(plain(StatusCode::BAD_REQUEST, "invalid request body")),
    };
    let text = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    let (subscription_id, kind) = (text("subscription_id"), text("schedule_type"));
    // The wording of these two checks is the emulator's (UNVERIFIED).
    if subscription_id.is_empty() {
        return Err(plain(
            StatusCode::BAD_REQUEST,
            "subscription_id is required",
        ));
    }
    if !matches!(kind.as_str(), "cancellation" | "plan_change") {
        return Err(plain(
            StatusCode::BAD_REQUEST,
            "schedule_type must be plan_change or cancellation",
        ));
    }
    let mut store = emu.lock();
    let label = if kind == "cancellation" {
        "cancellation"
    } else {
        "plan change"
    };
    let index = store
        .schedules
        .iter()
        .position(|s| {
            s.subscription_id == subscription_id && s.kind == kind && s.status == "pending"
        })
        .ok_or_else(|| {
            plain(
                StatusCode::BAD_REQUEST,
                format!("no pending {label} schedule found for subscription {subscription_id}"),
            )
        })?;
    revert(&mut store, index)
}

/// `POST /v1/subscriptions/schedules/{schedule_id}/cancel`, sent without a body: the path id is used only when
/// the body fails to bind, so a body `{}` binds and then fails validation (400).
pub(crate) async fn cancel_by_id(
    State(emu): Emu,
    Path(schedule_id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    if matches!(serde_json::from_slice::<Value>(&body), Ok(Value::Object(_))) {
        // Wording UNVERIFIED.
        return Err(plain(
            StatusCode::BAD_REQUEST,
            "subscription_id is required",
        ));
    }
    let mut store = emu.lock();
    // The service wraps the lookup error, so the handler's exact-match 404 never fires (inferred).
    let index = store
        .schedules
        .iter()
        .position(|s| s.id == schedule_id)
        .ok_or_else(|| {
            plain(
                StatusCode::BAD_REQUEST,
                format!("failed to get schedule: schedule {schedule_id} not found"),
            )
        })?;
    revert(&mut store, index)
}
