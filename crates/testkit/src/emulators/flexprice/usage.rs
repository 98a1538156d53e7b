//! Usage totals computed from the stored events with a meter's aggregation (lifecycle notes §1.5, §2.1), and
//! the `processed_events` of an event lookup. Events are counted once per (`event_id`, `timestamp`) because
//! the store already collapsed duplicates; `COUNT` counts distinct event ids.

use std::collections::BTreeSet;

use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::clock::{Precision, format_go_time};
use super::events::Event;
use super::meters::{Meter, property_text};
use super::prices::render;
use super::state::Store;
use super::status::Status;

/// A property as a number: JSON numbers and numeric strings; anything else counts as absent (inferred).
fn number(v: &Value) -> Option<Decimal> {
    match v {
        Value::Number(n) => Decimal::from_str_exact(&n.to_string()).ok(),
        Value::String(s) => Decimal::from_str_exact(s.trim()).ok(),
        _ => None,
    }
}

/// The meter's aggregate over one customer's events with `from <= timestamp < to` (either bound optional).
pub(crate) fn aggregate(
    store: &Store,
    meter: &Meter,
    external_customer_id: &str,
    from: Option<i128>,
    to: Option<i128>,
) -> Decimal {
    let events: Vec<&Event> = store
        .events
        .iter()
        .filter(|e| e.external_customer_id == external_customer_id)
        .filter(|e| e.event_name == meter.event_name && meter.matches(&e.properties))
        .filter(|e| from.is_none_or(|f| e.timestamp >= f) && to.is_none_or(|t| e.timestamp < t))
        .collect();
    let values = || {
        events
            .iter()
            .filter_map(|e| e.properties.get(&meter.field).and_then(number))
    };
    match meter.aggregation.as_str() {
        "COUNT" => Decimal::from(events.iter().map(|e| &e.id).collect::<BTreeSet<_>>().len()),
        "COUNT_UNIQUE" => Decimal::from(
            events
                .iter()
                .filter_map(|e| e.properties.get(&meter.field).map(property_text))
                .collect::<BTreeSet<_>>()
                .len(),
        ),
        "SUM" => values().sum(),
        "SUM_WITH_MULTIPLIER" => {
            values().sum::<Decimal>() * meter.multiplier.unwrap_or(Decimal::ONE)
        }
        "AVG" => {
            let all: Vec<Decimal> = values().collect();
            if all.is_empty() {
                Decimal::ZERO
            } else {
                all.iter().sum::<Decimal>() / Decimal::from(all.len())
            }
        }
        "MAX" => values().max().unwrap_or(Decimal::ZERO),
        // LATEST: the value of the event with the greatest timestamp.
        _ => events
            .iter()
            .filter_map(|e| {
                e.properties
                    .get(&meter.field)
                    .and_then(number)
                    .map(|v| (e.timestamp, v))
            })
            .max_by_key(|(t, _)| *t)
            .map_or(Decimal::ZERO, |(_, v)| v),
    }
}

/// What one event contributes under a meter (`qty_total` of a processed event).
fn quantity(meter: &Meter, event: &Event) -> Decimal {
    match meter.aggregation.as_str() {
        "COUNT" | "COUNT_UNIQUE" => Decimal::ONE,
        "SUM_WITH_MULTIPLIER" => {
            event
                .properties
                .get(&meter.field)
                .and_then(number)
                .unwrap_or_default()
                * meter.multiplier.unwrap_or(Decimal::ONE)
        }
        _ => event
            .properties
            .get(&meter.field)
            .and_then(number)
            .unwrap_or_default(),
    }
}

/// The lookup's `processed_events`, or `None` when the event failed (no published customer with its external
/// id, or no meter takes it). One entry per live subscription with a usage price on a matching meter.
pub(crate) fn processed_events(store: &Store, event: &Event) -> Option<Vec<Value>> {
    let customer = store
        .customers
        .iter()
        .find(|c| c.status == Status::Published && c.external_id == event.external_customer_id)?;
    let meters: Vec<&Meter> = store
        .meters
        .iter()
        .filter(|m| m.event_name == event.event_name && m.matches(&event.properties))
        .collect();
    if meters.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    for meter in meters {
        let feature_id = store
            .features
            .iter()
            .find(|f| f.meter_id == meter.id)
            .map(|f| f.id.clone())
            .unwrap_or_default();
        for sub in store
            .subscriptions
            .iter()
            .filter(|s| s.customer_id == customer.id && s.is_live())
        {
            for price in store.prices.iter().filter(|p| {
                p.is_live()
                    && p.entity_type == "PLAN"
                    && p.entity_id == sub.plan_id
                    && p.kind == "USAGE"
                    && p.meter_id == meter.id
            }) {
                out.push(json!({
                    "customer_id": customer.id,
                    "subscription_id": sub.id,
                    "price_id": price.id,
                    "meter_id": meter.id,
                    "feature_id": feature_id,
                    "qty_total": render(quantity(meter, event)),
                    "processed_at": format_go_time(event.ingested_at, Precision::Micros),
                }));
            }
        }
    }
    Some(out)
}
