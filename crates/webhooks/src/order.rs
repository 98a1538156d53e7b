//! Out-of-order deliveries: [`update_time`] and [`is_newer`].
//!
//! Providers deliver in no guaranteed order, and retry failed deliveries later still: a
//! `subscription.canceled` can arrive before the `subscription.created` of the same subscription. Dedupe by
//! delivery id does not help (both are new). Two ways to stay correct:
//!
//! 1. **Re-fetch** the object named by the event (`object_type`, `object_id`) and apply what the provider
//!    says now. Always correct; the only way for thin events ([`unibill_core::WebhookKind::ObjectChanged`]).
//! 2. **Compare update times**: keep, beside your copy of each object, the update time of the event you
//!    applied last, and apply an event only when [`is_newer`] says its object is newer. Skipping a stale event
//!    is safe because a newer one was applied already.
//!
//! ```
//! use unibill_core::{RawJson, WebhookEvent, WebhookKind};
//! use unibill_webhooks::{is_newer, update_time};
//!
//! let at = |t: &str| t.parse::<unibill_core::Timestamp>().unwrap();
//! let canceled = WebhookEvent::builder("memory", "msg_2", WebhookKind::SubscriptionCanceled)
//!     .occurred_at(at("2026-01-02T00:00:00Z"))
//!     .build();
//! let created = WebhookEvent::builder("memory", "msg_1", WebhookKind::SubscriptionCreated)
//!     .object_json(RawJson::from_string(r#"{"updated_at":"2026-01-01T00:00:00Z"}"#.into()).unwrap())
//!     .occurred_at(at("2026-01-01T00:00:00Z"))
//!     .build();
//!
//! // The cancel arrived first and was applied; the late create is stale.
//! let last_seen = update_time(&canceled);
//! assert!(is_newer(&canceled, None));
//! assert!(!is_newer(&created, last_seen));
//! ```

use jiff::Timestamp;
use serde_json::Value;
use unibill_core::WebhookEvent;

/// The names an object's update time goes by (Flexprice, memory: `updated_at`; Flowglad: `updatedAt`).
const UPDATE_FIELDS: [&str; 3] = ["updated_at", "updatedAt", "updated"];

/// Epoch numbers at or above this are milliseconds (it is 1973 in milliseconds, 5138 in seconds).
const MILLIS_FROM: i64 = 100_000_000_000;

/// The update time of the event's object: its own `updated_at` (or `updatedAt`, `updated`; RFC 3339 text or
/// epoch seconds or milliseconds) when the event carried the object, else when the event says the change
/// happened ([`WebhookEvent::occurred_at`], never the delivery attempt's time). `None` when neither is known.
pub fn update_time(event: &WebhookEvent) -> Option<Timestamp> {
    event
        .object
        .as_ref()
        .and_then(|o| object_update_time(&o.to_value()))
        .or(event.occurred_at)
}

fn object_update_time(object: &Value) -> Option<Timestamp> {
    UPDATE_FIELDS
        .iter()
        .find_map(|name| match object.get(name)? {
            Value::String(text) => text.parse::<Timestamp>().ok(),
            Value::Number(n) => {
                let n = n.as_i64()?;
                if n.abs() >= MILLIS_FROM {
                    Timestamp::from_millisecond(n).ok()
                } else {
                    Timestamp::from_second(n).ok()
                }
            }
            _ => None,
        })
}

/// Whether the event's object is newer than the one applied last (`last_seen`, the [`update_time`] stored
/// with it): `true` when nothing was seen yet or the event's update time is unknown (apply it, or better
/// re-fetch), `true` when strictly later, `false` when the same or earlier (skip it: what was applied is at
/// least as new).
pub fn is_newer(event: &WebhookEvent, last_seen: Option<Timestamp>) -> bool {
    match (update_time(event), last_seen) {
        (Some(t), Some(seen)) => t > seen,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use unibill_core::{RawJson, WebhookKind};

    use super::*;

    fn with_object(json: &str) -> WebhookEvent {
        WebhookEvent::builder("p", "d", WebhookKind::CustomerUpdated)
            .object_json(RawJson::from_string(json.into()).unwrap())
            .occurred_at("2020-01-01T00:00:00Z".parse().unwrap())
            .build()
    }

    #[test]
    fn the_object_time_wins_in_every_form() {
        let t = |s: &str| s.parse::<Timestamp>().unwrap();
        assert_eq!(
            update_time(&with_object(r#"{"updatedAt":1767225600000}"#)),
            Some(t("2026-01-01T00:00:00Z"))
        );
        assert_eq!(
            update_time(&with_object(r#"{"updated":1767225600}"#)),
            Some(t("2026-01-01T00:00:00Z"))
        );
        assert_eq!(
            update_time(&with_object(r#"{"updated_at":"2026-01-01T00:00:00Z"}"#)),
            Some(t("2026-01-01T00:00:00Z"))
        );
        // Unreadable or absent: when the change happened.
        assert_eq!(
            update_time(&with_object(r#"{"updated_at":"yesterday"}"#)),
            Some(t("2020-01-01T00:00:00Z"))
        );
        let bare = WebhookEvent::builder("p", "d", WebhookKind::ObjectChanged).build();
        assert_eq!(update_time(&bare), None);
        assert!(is_newer(&bare, Some(t("2030-01-01T00:00:00Z"))));
        let e = with_object("{}");
        assert!(!is_newer(&e, Some(t("2020-01-01T00:00:00Z"))), "same time");
        assert!(is_newer(&e, Some(t("2019-12-31T23:59:59Z"))));
    }
}
