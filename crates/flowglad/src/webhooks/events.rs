//! A verified Flowglad body, `{"id", "object", "customer"?: {"id", "externalId"}, "pricingModelId"}`, as a
//! neutral [`WebhookKind::ObjectChanged`] event; and the documented event types' neutral kinds.

use serde_json::Value;
use unibill_core::{Error, RawJson, Result, WebhookEvent, WebhookKind};

use crate::PROVIDER;

/// Flowglad's event types (`db-core/enums.ts`) in neutral terms.
pub(super) fn kind_of(event_type: &str) -> WebhookKind {
    match event_type {
        "customer.created" => WebhookKind::CustomerCreated,
        "customer.updated" => WebhookKind::CustomerUpdated,
        "payment.failed" => WebhookKind::PaymentFailed,
        "payment.succeeded" => WebhookKind::PaymentSucceeded,
        "subscription.created" => WebhookKind::SubscriptionCreated,
        "subscription.updated" => WebhookKind::SubscriptionUpdated,
        "subscription.canceled" => WebhookKind::SubscriptionCanceled,
        other => WebhookKind::Other(other.to_owned()),
    }
}

/// Decodes a verified body delivered as `delivery_id`: `Decode` if it is not a JSON object with a string `id`
/// and `object`.
pub(super) fn decode(delivery_id: &str, body: &[u8]) -> Result<WebhookEvent> {
    let bad = |why: &str| {
        Error::decode(format!("the Flowglad webhook body {why}"))
            .with_provider(PROVIDER)
            .with_operation("webhooks.verify")
    };
    let text = std::str::from_utf8(body).map_err(|_| bad("is not UTF-8"))?;
    let value: Value = serde_json::from_str(text).map_err(|_| bad("is not JSON"))?;
    if !value.is_object() {
        return Err(bad("is not a JSON object"));
    }
    let field = |name: &str| {
        value
            .get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| bad(&format!("has no `{name}`")))
    };
    let (object_id, object_type) = (field("id")?, field("object")?);
    let mut event = WebhookEvent::builder(PROVIDER, delivery_id, WebhookKind::ObjectChanged)
        .object(object_type, object_id);
    if let Some(external) = value
        .pointer("/customer/externalId")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    {
        event = event.customer_external_id(external);
    }
    if let Ok(raw) = RawJson::from_string(text.to_owned()) {
        event = event.raw(raw);
    }
    Ok(event.build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_bodies_are_decode_errors() {
        for body in [
            &b"\xff"[..],
            b"nope",
            b"[]",
            b"{}",
            br#"{"id":"sub_1"}"#,
            br#"{"id":1,"object":"subscription"}"#,
            br#"{"id":"sub_1","object":""}"#,
        ] {
            let e = decode("msg_1", body).unwrap_err();
            assert_eq!(e.kind(), unibill_core::ErrorKind::Decode, "{e}");
        }
    }
}
