//! The usage-event wire format: the request item (exact) and the stored event (lenient).

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use unibill_core::Result;

use crate::decode::{self, record};

/// One event as Flowglad takes it; the meter is named by slug (the neutral meter key), so exactly one of
/// `priceId | priceSlug | usageMeterId | usageMeterSlug` is sent by construction.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct NewWireEvent<'a> {
    pub subscription_id: &'a str,
    pub amount: i64,
    pub transaction_id: &'a str,
    pub usage_meter_slug: &'a str,
    pub usage_date: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub properties: Option<&'a unibill_core::Metadata>,
}

/// `POST /api/v1/usage-events` body: `{"usageEvent": …}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SingleBody<'a> {
    pub usage_event: NewWireEvent<'a>,
}

/// `POST /api/v1/usage-events/bulk` body: `{"usageEvents": [...]}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct BulkBody<'a> {
    pub usage_events: Vec<NewWireEvent<'a>>,
}

/// `{"usageEvent": E}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SingleEnvelope {
    pub usage_event: Box<RawValue>,
}

/// `{"usageEvents": [E…]}` (new rows only).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct BulkEnvelope {
    #[serde(default)]
    pub usage_events: Vec<Box<RawValue>>,
}

/// A stored event; unknown fields are ignored.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredEvent {
    /// Flowglad's id of the event.
    #[serde(default, deserialize_with = "decode::string")]
    pub id: Option<String>,
    /// The caller's key.
    #[serde(default, deserialize_with = "decode::string")]
    pub transaction_id: Option<String>,
    /// The stored amount (first write wins).
    #[serde(default, deserialize_with = "decode::int")]
    pub amount: Option<i64>,
    /// The stored subscription.
    #[serde(default, deserialize_with = "decode::string")]
    pub subscription_id: Option<String>,
    /// The stored usage date.
    #[serde(default, deserialize_with = "decode::timestamp")]
    pub usage_date: Option<jiff::Timestamp>,
}

/// Decodes one raw event record.
pub(super) fn stored(raw: Box<RawValue>) -> Result<StoredEvent> {
    Ok(record::<StoredEvent>(raw, "usage event")?.0)
}
