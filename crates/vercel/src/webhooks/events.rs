//! A verified Vercel envelope, `{"id", "type", "createdAt" (epoch ms), "payload"}`, as a neutral
//! [`WebhookEvent`].

use jiff::Timestamp;
use serde_json::Value;
use unibill_core::{Error, RawJson, Result, WebhookEvent, WebhookKind};

use crate::PROVIDER;

/// The neutral kind of a Vercel event type.
fn kind(event_type: &str) -> WebhookKind {
    match event_type {
        "marketplace.invoice.created" => WebhookKind::InvoiceFinalized,
        "marketplace.invoice.paid" => WebhookKind::InvoicePaid,
        "marketplace.invoice.notpaid" => WebhookKind::PaymentFailed,
        other => WebhookKind::Other(other.to_owned()),
    }
}

/// The envelope's `createdAt` (epoch milliseconds), when it is one.
pub(super) fn created_at(envelope: &Value) -> Option<Timestamp> {
    envelope
        .get("createdAt")
        .and_then(Value::as_i64)
        .and_then(|ms| Timestamp::from_millisecond(ms).ok())
}

/// The envelope as JSON: `Decode` if it is not a JSON object.
pub(super) fn parse(body: &[u8]) -> Result<Value> {
    let value: Value = serde_json::from_slice(body).map_err(|_| bad("is not JSON"))?;
    if value.is_object() {
        Ok(value)
    } else {
        Err(bad("is not a JSON object"))
    }
}

fn bad(why: &str) -> Error {
    Error::decode(format!("the Vercel webhook body {why}"))
        .with_provider(PROVIDER)
        .with_operation("webhooks.verify")
}

/// The event of a verified envelope (`body` its text): `Decode` without a string `id` and `type`.
pub(super) fn decode(envelope: &Value, body: &[u8]) -> Result<WebhookEvent> {
    let field = |name: &str| {
        envelope
            .get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| bad(&format!("has no `{name}`")))
    };
    let (id, event_type) = (field("id")?, field("type")?);
    let mut event = WebhookEvent::builder(PROVIDER, id, kind(event_type));
    let payload = envelope.get("payload").filter(|p| p.is_object());
    if let Some(payload) = payload {
        if event_type.starts_with("marketplace.invoice.")
            && let Some(invoice) = payload
                .get("invoiceId")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        {
            event = event.object("invoice", invoice);
        }
        if let Ok(raw) = RawJson::from_string(payload.to_string()) {
            event = event.object_json(raw);
        }
    }
    if let Some(at) = created_at(envelope) {
        event = event.occurred_at(at);
    }
    if let Some(raw) = std::str::from_utf8(body)
        .ok()
        .and_then(|t| RawJson::from_string(t.to_owned()).ok())
    {
        event = event.raw(raw);
    }
    Ok(event.build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_envelopes_are_decode_errors() {
        for body in [&b"nope"[..], b"[]"] {
            assert_eq!(
                parse(body).unwrap_err().kind(),
                unibill_core::ErrorKind::Decode
            );
        }
        for body in [
            &b"{}"[..],
            br#"{"id":"evt_1"}"#,
            br#"{"type":"x"}"#,
            br#"{"id":1,"type":"x"}"#,
        ] {
            let value = parse(body).unwrap();
            assert_eq!(
                decode(&value, body).unwrap_err().kind(),
                unibill_core::ErrorKind::Decode
            );
        }
        let odd = br#"{"id":"evt_1","type":"x","createdAt":"yesterday","payload":[]}"#;
        let e = decode(&parse(odd).unwrap(), odd).unwrap();
        assert_eq!((e.occurred_at, e.object), (None, None));
    }
}
