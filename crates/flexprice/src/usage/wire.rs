//! The event wire format (notes §1.2): one ingested event (exact), and the lookup answer (lenient).

use std::fmt::Write as _;

use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use unibill_core::timestamp::format_rfc3339_millis;
use unibill_core::{CompactString, Metadata, UsageEvent};

use crate::meters::wire::QUANTITY_FIELD;

/// `IngestEventRequest`. `event_id` and `timestamp` are always sent (notes §1.5: a copy collapses only when
/// both repeat, and an omitted timestamp is the server's receive time); `timestamp` in UTC with milliseconds
/// (the stored precision). Properties are strings (the spec's `additionalProperties: string`), the quantity
/// among them as a decimal string (review finding 4).
#[derive(Debug, Serialize)]
pub(crate) struct WireEvent<'a> {
    pub event_id: &'a str,
    pub event_name: &'a str,
    pub external_customer_id: &'a str,
    pub timestamp: CompactString,
    pub properties: Properties<'a>,
}

impl<'a> From<&'a UsageEvent> for WireEvent<'a> {
    fn from(e: &'a UsageEvent) -> Self {
        let mut quantity = CompactString::default();
        // Writing a decimal into a string cannot fail.
        let _ = write!(quantity, "{}", e.quantity().normalize());
        WireEvent {
            event_id: e.key().as_str(),
            event_name: e.meter_key(),
            external_customer_id: e.customer_external_id(),
            timestamp: format_rfc3339_millis(e.occurred_at()),
            properties: Properties {
                caller: e.properties(),
                quantity,
            },
        }
    }
}

/// The caller's properties with the quantity among them under [`QUANTITY_FIELD`] (replacing a caller's
/// property of that name), in key order: the map a `BTreeMap` would give, written without building one.
#[derive(Debug)]
pub(crate) struct Properties<'a> {
    caller: &'a Metadata,
    quantity: CompactString,
}

impl Serialize for Properties<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        let mut quantity = Some(self.quantity.as_str());
        for (k, v) in self.caller.iter() {
            if let Some(q) = quantity
                && k >= QUANTITY_FIELD
            {
                map.serialize_entry(QUANTITY_FIELD, q)?;
                quantity = None;
                if k == QUANTITY_FIELD {
                    continue;
                }
            }
            map.serialize_entry(k, v)?;
        }
        if let Some(q) = quantity {
            map.serialize_entry(QUANTITY_FIELD, q)?;
        }
        map.end()
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use rust_decimal::Decimal;
    use unibill_core::IdempotencyKey;

    use super::*;

    /// The properties as the map they stand for: the caller's, with the quantity inserted (replacing theirs).
    fn as_a_map(caller: &Metadata, quantity: &str) -> String {
        let mut map: BTreeMap<&str, &str> = caller.iter().collect();
        map.insert(QUANTITY_FIELD, quantity);
        serde_json::to_string(&map).unwrap()
    }

    #[test]
    fn the_quantity_goes_among_the_properties_in_key_order() {
        // (A caller's own `quantity` property is refused by the event's builder.)
        let cases: [&[(&str, &str)]; 5] = [
            &[],
            &[("a", "1"), ("region", "eu")],
            &[("quantitx", "x"), ("quantity_unit", "ms"), ("zone", "b")],
            &[("z", "1")],
            &[("Q", "upper first"), ("quantitz", "after")],
        ];
        for pairs in cases {
            let mut caller = Metadata::new();
            for (k, v) in pairs {
                caller.insert(*k, *v);
            }
            let event = UsageEvent::builder("ada", "api_calls", Decimal::new(1250, 3))
                .key(IdempotencyKey::new("k1").unwrap())
                .properties(caller.clone())
                .build()
                .unwrap();
            assert_eq!(
                serde_json::to_string(&WireEvent::from(&event).properties).unwrap(),
                as_a_map(&caller, "1.25"),
                "{pairs:?}"
            );
        }
    }
}
