//! A verified Flexprice body, `{"event_type": "...", "<object>": {…}}`, as a neutral [`WebhookEvent`].
//!
//! The mapping and the fields read are documented on [`super::FlexpriceWebhooks`].

use jiff::Timestamp;
use serde_json::{Map, Value};
use unibill_core::{Error, RawJson, Result, WebhookEvent, WebhookKind};

use crate::PROVIDER;

/// The neutral kind of `event_type`; `object` is the event's object (for the invoice's `payment_status`).
fn kind(event_type: &str, object: Option<&Value>) -> WebhookKind {
    match event_type {
        "subscription.created" | "subscription.activated" => WebhookKind::SubscriptionCreated,
        "subscription.updated"
        | "subscription.plan_changed"
        | "subscription.paused"
        | "subscription.resumed" => WebhookKind::SubscriptionUpdated,
        "subscription.cancelled" => WebhookKind::SubscriptionCanceled,
        "invoice.update.finalized" => WebhookKind::InvoiceFinalized,
        "invoice.update.voided" => WebhookKind::InvoiceVoided,
        "invoice.update.payment" if paid(object) => WebhookKind::InvoicePaid,
        "payment.success" => WebhookKind::PaymentSucceeded,
        "payment.failed" => WebhookKind::PaymentFailed,
        "customer.created" => WebhookKind::CustomerCreated,
        "customer.updated" => WebhookKind::CustomerUpdated,
        "customer.deleted" => WebhookKind::CustomerDeleted,
        "event.rejected" => WebhookKind::UsageRejected,
        other => WebhookKind::Other(other.to_owned()),
    }
}

/// Whether an invoice's `payment_status` says it is paid in full.
fn paid(invoice: Option<&Value>) -> bool {
    invoice
        .and_then(|i| i.get("payment_status"))
        .and_then(Value::as_str)
        .is_some_and(|s| s.eq_ignore_ascii_case("SUCCEEDED") || s.eq_ignore_ascii_case("OVERPAID"))
}

/// The field holding the event's object, and the object.
fn object<'a>(event_type: &str, body: &'a Map<String, Value>) -> Option<(&'a str, &'a Value)> {
    let group = event_type.split('.').next().unwrap_or_default();
    if let Some((name, value)) = body.get_key_value(group).filter(|(_, v)| v.is_object()) {
        return Some((name.as_str(), value));
    }
    let mut objects = body
        .iter()
        .filter(|(name, value)| *name != "event_type" && value.is_object());
    match (objects.next(), objects.next()) {
        (Some((name, value)), None) => Some((name.as_str(), value)),
        _ => None,
    }
}

fn text<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter()
        .try_fold(value, |v, name| v.get(name))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// Decodes a verified body delivered as `delivery_id`: `Decode` if it is not a JSON object with an
/// `event_type`.
pub(super) fn decode(delivery_id: &str, body: &[u8]) -> Result<WebhookEvent> {
    let bad = |why: &str| {
        Error::decode(format!("the Flexprice webhook body {why}"))
            .with_provider(PROVIDER)
            .with_operation("webhooks.verify")
    };
    let text_body = std::str::from_utf8(body).map_err(|_| bad("is not UTF-8"))?;
    let value: Value = serde_json::from_str(text_body).map_err(|_| bad("is not JSON"))?;
    let map = value
        .as_object()
        .ok_or_else(|| bad("is not a JSON object"))?;
    let event_type = map
        .get("event_type")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| bad("has no `event_type`"))?;
    let found = object(event_type, map);
    let mut event = WebhookEvent::builder(
        PROVIDER,
        delivery_id,
        kind(event_type, found.map(|(_, o)| o)),
    );
    if let Some((name, obj)) = found {
        if let Some(id) = text(obj, &["id"]) {
            event = event.object(name, id);
        }
        let customer = text(obj, &["external_customer_id"])
            .or_else(|| text(obj, &["customer", "external_id"]))
            .or_else(|| {
                (name == "customer")
                    .then(|| text(obj, &["external_id"]))
                    .flatten()
            });
        if let Some(customer) = customer {
            event = event.customer_external_id(customer);
        }
        if let Some(at) = text(obj, &["updated_at"]).and_then(|t| t.parse::<Timestamp>().ok()) {
            event = event.occurred_at(at);
        }
        if let Ok(raw) = RawJson::from_string(obj.to_string()) {
            event = event.object_json(raw);
        }
    }
    if let Ok(raw) = RawJson::from_string(text_body.to_owned()) {
        event = event.raw(raw);
    }
    Ok(event.build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        let paid = serde_json::json!({"payment_status": "SUCCEEDED"});
        let pending = serde_json::json!({"payment_status": "PENDING"});
        assert_eq!(
            kind("invoice.update.payment", Some(&paid)),
            WebhookKind::InvoicePaid
        );
        assert_eq!(
            kind("invoice.update.payment", Some(&pending)),
            WebhookKind::Other("invoice.update.payment".into())
        );
        assert_eq!(
            kind("subscription.plan_changed", None),
            WebhookKind::SubscriptionUpdated
        );
        assert_eq!(
            kind("wallet.created", None),
            WebhookKind::Other("wallet.created".into())
        );
    }

    #[test]
    fn malformed_bodies_are_decode_errors() {
        for body in [&b"\xff"[..], b"nope", b"[]", b"{}", br#"{"event_type":""}"#] {
            let e = decode("msg_1", body).unwrap_err();
            assert_eq!(e.kind(), unibill_core::ErrorKind::Decode, "{e}");
        }
        let odd = decode("msg_1", br#"{"event_type":"x.y","a":{"id":1},"b":{}}"#).unwrap();
        assert_eq!((odd.object_type, odd.object), (None, None));
    }
}
