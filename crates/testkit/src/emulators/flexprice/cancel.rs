//! `POST /v1/subscriptions/{id}/cancel` (lifecycle notes §3.4): `immediate` (optionally backdated with
//! `cancel_at`), `end_of_period` and `scheduled_date`. The scheduled forms keep the subscription active, set
//! `cancel_at` (and `cancel_at_period_end` for `end_of_period`) and store a cancellation schedule after
//! cancelling every other pending one. Not idempotent: a second attempt is a 400.
//!
//! Prorations are not emulated (`proration_behavior: "create_prorations"` answers 501) and no wallet credit is
//! made. An immediate cancel with `cancel_immediately_inovice_policy: "generate_invoice"` makes a final
//! invoice of the period's usage up to the cancellation (flat and package usage prices; anything else 501,
//! before the subscription changes); the fixed in-advance charge was billed when the period opened.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::FlexpriceEmulator;
use super::clock::{Precision, format_go_time, parse_rfc3339_nanos, truncate_micros};
use super::errors::{ApiError, ErrorCode, validator_message};
use super::invoices;
use super::parse::{body_object, opt_string};
use super::schedules::{Saved, Schedule, cancel_pending};
use super::subscriptions::position;

type Emu = State<Arc<FlexpriceEmulator>>;

const TYPES: [&str; 3] = ["immediate", "end_of_period", "scheduled_date"];

fn validation(message: &str) -> ApiError {
    ApiError::coded(ErrorCode::Validation, message)
}

/// `POST /v1/subscriptions/{id}/cancel`.
pub(crate) async fn cancel(
    State(emu): Emu,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let m = body_object(&body)?;
    let kind = opt_string(&m, "cancellation_type")?.unwrap_or_default();
    let cancel_at = match opt_string(&m, "cancel_at")? {
        Some(s) => Some(truncate_micros(
            parse_rfc3339_nanos(&s).ok_or_else(ApiError::bad_format)?,
        )),
        None => None,
    };
    let proration = opt_string(&m, "proration_behavior")?.unwrap_or_default();
    // Misspelt on the wire.
    let policy = opt_string(&m, "cancel_immediately_inovice_policy")?.unwrap_or_default();
    let reason = opt_string(&m, "reason")?.unwrap_or_default();
    if kind.is_empty() {
        let mut details = Map::new();
        details.insert(
            "CancellationType".into(),
            Value::String(validator_message(
                "CancelSubscriptionRequest",
                "CancellationType",
                "required",
            )),
        );
        return Err(ApiError::validation(details));
    }
    // Wording of the request checks UNVERIFIED.
    if !TYPES.contains(&kind.as_str()) {
        return Err(validation("invalid cancellation type").detail("cancellation_type", kind));
    }
    if kind == "scheduled_date" && cancel_at.is_none() {
        return Err(validation(
            "cancel_at is required for scheduled_date cancellation",
        ));
    }
    if !matches!(proration.as_str(), "" | "none" | "create_prorations") {
        return Err(validation("invalid proration behavior"));
    }
    if !matches!(policy.as_str(), "" | "skip" | "generate_invoice") {
        return Err(validation("invalid cancel_immediately_inovice_policy"));
    }
    if proration == "create_prorations" {
        return Err(ApiError::coded(
            ErrorCode::NotImplemented,
            "emulator: prorations are not emulated",
        ));
    }

    let mut store = emu.lock();
    let index = position(&store, &id)?;
    let sub = store.subscriptions[index].clone();
    if sub.status == "cancelled" {
        return Err(validation("subscription is already cancelled"));
    }
    if sub.status == "draft" {
        // Wording UNVERIFIED.
        return Err(validation("draft subscription cannot be cancelled"));
    }
    if kind != "immediate" && sub.cancel_at.is_some() {
        return Err(validation("subscription is already scheduled to cancel"));
    }
    if let Some(at) = cancel_at
        && at <= sub.current_period_start
    {
        // Wording UNVERIFIED.
        return Err(validation(
            "cancel_at must be after the current period start",
        ));
    }
    let now = truncate_micros(store.now_nanos());
    let effective = match kind.as_str() {
        "immediate" => cancel_at.unwrap_or(now),
        "end_of_period" => sub.current_period_end.unwrap_or(now),
        _ => cancel_at.unwrap_or(now),
    };
    let final_invoice = if kind == "immediate" && policy == "generate_invoice" {
        Some(invoices::final_lines(&mut store, &sub, effective)?)
    } else {
        None
    };
    let s = &mut store.subscriptions[index];
    if kind == "immediate" {
        s.status = "cancelled".into();
        s.cancelled_at = Some(now);
        s.cancel_at = Some(effective);
        s.end_date = Some(effective);
        if let Some(lines) = final_invoice {
            invoices::store_final(&mut store, &sub, effective, lines);
        }
    } else {
        let saved = Saved {
            cancel_at: s.cancel_at,
            cancel_at_period_end: s.cancel_at_period_end,
            end_date: s.end_date,
            current_period_end: s.current_period_end,
        };
        s.cancel_at = Some(effective);
        s.cancel_at_period_end = kind == "end_of_period";
        s.end_date = Some(effective);
        s.updated_at = now;
        cancel_pending(&mut store, &id);
        let schedule_id = store.new_id("ssch_");
        store.schedules.push(Schedule {
            id: schedule_id,
            subscription_id: id.clone(),
            kind: "cancellation".into(),
            status: "pending".into(),
            scheduled_at: Some(effective),
            target_plan_id: None,
            saved,
            created_at: now,
        });
    }
    let status = store.subscriptions[index].status.clone();
    let at = |n: i128| format_go_time(n, Precision::Micros);
    // `status` is the subscription's status after the call and `message` the emulator's wording (UNVERIFIED).
    Ok(Json(json!({
        "subscription_id": id,
        "cancellation_type": kind,
        "effective_date": at(effective),
        "status": status,
        "reason": reason,
        "proration_details": [],
        "total_credit_amount": "0",
        "message": "subscription cancelled successfully",
        "processed_at": at(now),
    }))
    .into_response())
}
