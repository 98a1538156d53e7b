//! The in-place plan change (lifecycle notes §3.6, v2): `POST /v1/subscriptions/{id}/change/v2/execute` and its
//! `/preview` twin. The subscription keeps its id; `change_at: "end_of_period"` stores a `plan_change`
//! schedule instead (reverted through the schedule-cancel routes). Prorations are not emulated
//! (`proration_behavior: "create_prorations"` with an immediate change answers 501).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use super::FlexpriceEmulator;
use super::clock::{Precision, format_go_time, truncate_micros};
use super::errors::{ApiError, ErrorCode, validator_message};
use super::parse::{body_object, opt_object, opt_string, opt_string_map};
use super::plans;
use super::schedules::{Saved, Schedule};
use super::state::Store;
use super::status::Status;
use super::subscriptions::position;

type Emu = State<Arc<FlexpriceEmulator>>;

fn validation(message: &str) -> ApiError {
    ApiError::coded(ErrorCode::Validation, message)
}

/// The recurring fixed charge of a plan in a currency and period: what upgrade / downgrade compares.
fn fixed_total(store: &Store, plan_id: &str, currency: &str, period: &str) -> Decimal {
    store
        .prices
        .iter()
        .filter(|p| p.is_live() && p.entity_type == "PLAN" && p.entity_id == plan_id)
        .filter(|p| p.kind == "FIXED" && p.currency == currency && p.billing_period == period)
        .map(|p| p.amount)
        .sum()
}

fn plan_summary(store: &Store, plan_id: &str) -> Value {
    store
        .plans
        .iter()
        .find(|p| p.id == plan_id)
        .map_or(Value::Null, |p| {
            json!({"id": p.id, "name": p.name, "lookup_key": p.lookup_key, "description": p.description})
        })
}

/// `POST /v1/subscriptions/{id}/change/v2/execute`.
pub(crate) async fn execute(
    State(emu): Emu,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    change(&emu, &id, &body, true)
}

/// `POST /v1/subscriptions/{id}/change/v2/preview`: the same checks and answer, nothing written.
pub(crate) async fn preview(
    State(emu): Emu,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    change(&emu, &id, &body, false)
}

fn change(
    emu: &FlexpriceEmulator,
    id: &str,
    body: &[u8],
    write: bool,
) -> Result<Response, ApiError> {
    // Bind failures here say "Invalid request format" (the common message).
    let m = body_object(body)?;
    let target = opt_string(&m, "target_plan_id")?.unwrap_or_default();
    let proration = opt_string(&m, "proration_behavior")?.unwrap_or_default();
    let change_at = opt_string(&m, "change_at")?.unwrap_or_default();
    opt_string(&m, "idempotency_key")?;
    opt_object(&m, "entity_policies")?;
    let metadata = opt_string_map(&m, "metadata")?.unwrap_or_default();
    let mut details = Map::new();
    for (value, field) in [(&target, "TargetPlanID"), (&proration, "ProrationBehavior")] {
        if value.is_empty() {
            details.insert(
                field.to_owned(),
                Value::String(validator_message(
                    "SubscriptionChangeV2Request",
                    field,
                    "required",
                )),
            );
        }
    }
    if !details.is_empty() {
        return Err(ApiError::validation(details));
    }
    // Wording of the request checks UNVERIFIED.
    if !matches!(proration.as_str(), "none" | "create_prorations") {
        return Err(validation("invalid proration behavior"));
    }
    if !matches!(change_at.as_str(), "" | "immediate" | "end_of_period") {
        return Err(validation("invalid change_at"));
    }
    let at_period_end = change_at == "end_of_period";
    if at_period_end && proration == "create_prorations" {
        return Err(validation(
            "create_prorations cannot be used with change_at end_of_period",
        ));
    }

    let mut store = emu.lock();
    let index = position(&store, id)?;
    let sub = store.subscriptions[index].clone();
    if !store
        .plans
        .iter()
        .any(|p| p.id == target && p.status == Status::Published)
    {
        return Err(plans::not_found(&target));
    }
    if sub.plan_id == target {
        return Err(validation("subscription is already on the target plan"));
    }
    if !sub.is_live() {
        return Err(validation(
            "subscription must be active or trialing to change plan",
        ));
    }
    if sub.cancel_at.is_some() {
        return Err(validation(
            "subscription has a pending cancellation. Clear the pending cancellation before changing plan",
        ));
    }
    if let Some(pending) = store
        .schedules
        .iter()
        .find(|s| s.subscription_id == id && s.kind == "plan_change" && s.status == "pending")
    {
        return Err(
            validation("a plan change is already scheduled for this subscription")
                .detail("schedule_id", pending.id.as_str()),
        );
    }
    if proration == "create_prorations" {
        return Err(ApiError::coded(
            ErrorCode::NotImplemented,
            "emulator: prorations are not emulated",
        ));
    }
    let old = fixed_total(&store, &sub.plan_id, &sub.currency, &sub.billing_period);
    let new = fixed_total(&store, &target, &sub.currency, &sub.billing_period);
    let change_type = match new.cmp(&old) {
        std::cmp::Ordering::Greater => "upgrade",
        std::cmp::Ordering::Less => "downgrade",
        std::cmp::Ordering::Equal => "lateral",
    };
    let from_plan = plan_summary(&store, &sub.plan_id);
    let to_plan = plan_summary(&store, &target);
    let now = truncate_micros(if write {
        store.now_nanos()
    } else {
        store.current_nanos()
    });
    let effective = if at_period_end {
        sub.current_period_end.unwrap_or(now)
    } else {
        now
    };
    let mut answer = json!({
        "changed_resources": {"line_items": [], "invoices": []},
        "change_type": change_type,
        "effective_at": format_go_time(effective, Precision::Micros),
        "from_plan": from_plan,
        "to_plan": to_plan,
        "entity_changes": [],
        "is_scheduled": at_period_end,
        "warnings": [],
        "metadata": metadata,
    });
    if at_period_end {
        let schedule_id = if write {
            store.new_id("ssch_")
        } else {
            String::new()
        };
        if write {
            store.schedules.push(Schedule {
                id: schedule_id.clone(),
                subscription_id: id.to_owned(),
                kind: "plan_change".into(),
                status: "pending".into(),
                scheduled_at: Some(effective),
                target_plan_id: Some(target),
                saved: Saved {
                    cancel_at: sub.cancel_at,
                    cancel_at_period_end: sub.cancel_at_period_end,
                    end_date: sub.end_date,
                    current_period_end: sub.current_period_end,
                },
                created_at: now,
            });
        }
        // A preview stores nothing, so it has no schedule id.
        answer["schedule_id"] = if write {
            json!(schedule_id)
        } else {
            Value::Null
        };
        answer["scheduled_at"] = json!(format_go_time(effective, Precision::Micros));
        answer["subscription"] = sub.to_json();
    } else {
        let mut changed = sub;
        changed.plan_id = target;
        changed.version += 1;
        changed.updated_at = now;
        answer["subscription"] = changed.to_json();
        if write {
            store.subscriptions[index] = changed;
        }
    }
    Ok(Json(answer).into_response())
}
