//! Usage operations as values: the requests, the decoding of their answers, and what each answer means for
//! an event. No I/O here; the client sends.
//!
//! | operation | request | safety |
//! |---|---|---|
//! | ingest (many) | `POST /api/v1/usage-events/bulk` `{"usageEvents": [...]}` | `Safe` (`transactionId` per meter) |
//! | ingest (a duplicate's check) | `POST /api/v1/usage-events` `{"usageEvent": …}`: answers the stored event | `Safe` |
//!
//! Matching is by `transactionId`, never by index: the bulk answer omits duplicates.

use std::collections::HashMap;

use rust_decimal::prelude::ToPrimitive;
use unibill_core::{Error, ErrorKind, IngestOutcome, Result, UsageEvent};
use unibill_http::{Request, Response};

pub use super::wire::StoredEvent;
use super::wire::{self, BulkBody, BulkEnvelope, NewWireEvent, SingleBody, SingleEnvelope};
use crate::PROVIDER;

/// The operation name of ingest.
pub const INGEST: &str = "usage.ingest";
/// The most events per bulk request: Flowglad has no documented ceiling, and one request is one database
/// transaction, so batches stay modest.
pub const MAX_BATCH_EVENTS: u32 = 500;
/// The largest amount Flowglad stores (a Postgres `integer`).
pub const MAX_AMOUNT: u64 = 2_147_483_647;

/// The wire item of `event` on `subscription_id`; a quantity that is not a whole number in 1..=int32 is
/// `InvalidInput` on `quantity` (the guard refuses it first under the declared rule).
fn item<'a>(event: &'a UsageEvent, subscription_id: &'a str) -> Result<NewWireEvent<'a>> {
    let q = event.quantity();
    let amount = q
        .fract()
        .is_zero()
        .then(|| q.to_i64())
        .flatten()
        .filter(|a| *a >= 1 && *a as u64 <= MAX_AMOUNT)
        .ok_or_else(|| {
            Error::invalid_field(
                "quantity",
                format!("{q} is not a whole number from 1 to {MAX_AMOUNT}"),
            )
            .with_provider(PROVIDER)
            .with_operation(INGEST)
        })?;
    if subscription_id.is_empty() {
        return Err(
            Error::invalid_field("subscription_id", "is required by Flowglad")
                .with_provider(PROVIDER)
                .with_operation(INGEST),
        );
    }
    Ok(NewWireEvent {
        subscription_id,
        amount,
        transaction_id: event.key().as_str(),
        usage_meter_slug: event.meter_key(),
        usage_date: event.occurred_at().as_millisecond(),
        properties: (!event.properties().is_empty()).then(|| event.properties()),
    })
}

/// Checks that `event` can be sent on `subscription_id` (the same check the requests make).
pub fn check(event: &UsageEvent, subscription_id: &str) -> Result<()> {
    item(event, subscription_id).map(|_| ())
}

/// `POST /api/v1/usage-events/bulk` for `(event, subscription id)` pairs.
pub fn bulk_request(events: &[(&UsageEvent, &str)]) -> Result<Request> {
    let usage_events = events
        .iter()
        .map(|(e, s)| item(e, s))
        .collect::<Result<Vec<_>>>()?;
    Request::post(INGEST, "/api/v1/usage-events/bulk")
        .path(["api", "v1", "usage-events", "bulk"])
        .json(&BulkBody { usage_events })
}

/// `POST /api/v1/usage-events` for one event: a duplicate answers the stored event.
pub fn single_request(event: &UsageEvent, subscription_id: &str) -> Result<Request> {
    Request::post(INGEST, "/api/v1/usage-events")
        .path(["api", "v1", "usage-events"])
        .json(&SingleBody {
            usage_event: item(event, subscription_id)?,
        })
}

/// The bulk answer: the new rows by `transactionId` (duplicates are absent).
pub fn decode_bulk(response: Response) -> Result<HashMap<String, StoredEvent>> {
    let envelope: BulkEnvelope = response.json()?;
    let mut out = HashMap::with_capacity(envelope.usage_events.len());
    for raw in envelope.usage_events {
        let e = wire::stored(raw)?;
        if let Some(t) = e.transaction_id.clone() {
            out.insert(t, e);
        }
    }
    Ok(out)
}

/// The single answer: `{"usageEvent": …}`.
pub fn decode_single(response: Response) -> Result<StoredEvent> {
    let envelope: SingleEnvelope = response.json()?;
    wire::stored(envelope.usage_event)
}

/// What a stored event means for the event sent: its own row (`Recorded` when `fresh`, else `Duplicate`), or
/// a first write with another amount, time or subscription (`Rejected` with a `Conflict`: Flowglad keeps the
/// first write and answers 200).
pub fn outcome(
    event: &UsageEvent,
    subscription_id: &str,
    stored: StoredEvent,
    fresh: bool,
) -> IngestOutcome {
    let sent_amount = event.quantity().to_i64();
    let differs = |what: &str| {
        IngestOutcome::Rejected(
            Error::new(
                ErrorKind::Conflict,
                format!(
                    "Flowglad already holds an event with key `{}` and another {what}: the first write stands",
                    event.key()
                ),
            )
            .with_provider(PROVIDER)
            .with_operation(INGEST),
        )
    };
    if stored.amount.is_some() && stored.amount != sent_amount {
        return differs("amount");
    }
    if stored
        .usage_date
        .is_some_and(|t| t.as_millisecond() != event.occurred_at().as_millisecond())
    {
        return differs("usage date");
    }
    if stored
        .subscription_id
        .as_deref()
        .is_some_and(|s| s != subscription_id)
    {
        return differs("subscription");
    }
    if fresh {
        IngestOutcome::Recorded {
            provider_id: stored.id,
        }
    } else {
        IngestOutcome::Duplicate {
            provider_id: stored.id,
        }
    }
}

/// Flowglad's 409 on the single route ("… does not belong to subscription …") is a per-event conflict.
pub fn conflict(e: Error) -> IngestOutcome {
    let message = e.message().to_owned();
    IngestOutcome::Rejected(
        Error::new(ErrorKind::Conflict, message)
            .with_provider(PROVIDER)
            .with_operation(INGEST)
            .with_source(e),
    )
}
