//! The event wire format (notes §1.2): one ingested event (exact), and the lookup answer (lenient).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use unibill_core::UsageEvent;

use crate::meters::wire::QUANTITY_FIELD;
use crate::subscriptions::ops::rfc3339;

/// `IngestEventRequest`. `event_id` and `timestamp` are always sent (notes §1.5: a copy collapses only when
/// both repeat, and an omitted timestamp is the server's receive time); `timestamp` in UTC with milliseconds
/// (the stored precision). Properties are strings (the spec's `additionalProperties: string`), the quantity
/// among them as a decimal string (review finding 4).
#[derive(Debug, Serialize)]
pub(crate) struct WireEvent<'a> {
    pub event_id: &'a str,
    pub event_name: &'a str,
    pub external_customer_id: &'a str,
    pub timestamp: String,
    pub properties: BTreeMap<&'a str, String>,
}

impl<'a> From<&'a UsageEvent> for WireEvent<'a> {
    fn from(e: &'a UsageEvent) -> Self {
        let mut properties: BTreeMap<&str, String> = e
            .properties()
            .iter()
            .map(|(k, v)| (k, v.to_owned()))
            .collect();
        properties.insert(QUANTITY_FIELD, e.quantity().normalize().to_string());
        WireEvent {
            event_id: e.key().as_str(),
            event_name: e.meter_key(),
            external_customer_id: e.customer_external_id(),
            timestamp: rfc3339(e.occurred_at()),
            properties,
        }
    }
}

/// `GET /events/lookup` answer: `{event, status, processed_events?, debug_tracker?}`.
#[derive(Debug, Deserialize)]
pub(crate) struct WireLookup {
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub debug_tracker: Option<serde_json::Value>,
}
