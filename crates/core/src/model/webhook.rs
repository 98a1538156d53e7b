//! Webhooks: the verified, neutral [`WebhookEvent`] with its [`WebhookKind`], and the [`WebhookHeaders`] a
//! delivery is verified with.
//!
//! Events are hints: they can repeat, under new delivery ids too, and a thin one ([`WebhookKind::ObjectChanged`])
//! says only which object changed. Handlers re-fetch and stay idempotent.

use std::borrow::Cow;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::model::connection::open_enum;
use crate::model::raw::RawJson;

open_enum!(
    /// What a delivery says happened, in neutral terms (each adapter maps its own event types; the rest are
    /// `Other` with the provider's type).
    ///
    /// ```
    /// use unibill_core::WebhookKind;
    /// assert_eq!(WebhookKind::from("invoice.paid"), WebhookKind::InvoicePaid);
    /// assert_eq!(WebhookKind::from("subscription.plan_changed").as_str(), "subscription.plan_changed");
    /// ```
    WebhookKind {
        /// A subscription was created (or activated).
        SubscriptionCreated = "subscription.created",
        /// A subscription changed (price, pause, resume, schedule).
        SubscriptionUpdated = "subscription.updated",
        /// A subscription was canceled.
        SubscriptionCanceled = "subscription.canceled",
        /// An invoice was finalized (issued).
        InvoiceFinalized = "invoice.finalized",
        /// An invoice was paid.
        InvoicePaid = "invoice.paid",
        /// An invoice was voided.
        InvoiceVoided = "invoice.voided",
        /// A payment succeeded.
        PaymentSucceeded = "payment.succeeded",
        /// A payment failed.
        PaymentFailed = "payment.failed",
        /// A customer was created.
        CustomerCreated = "customer.created",
        /// A customer changed.
        CustomerUpdated = "customer.updated",
        /// A customer was deleted.
        CustomerDeleted = "customer.deleted",
        /// A usage event was dropped after it was accepted (Flexprice `event.rejected`; `object_id` is the
        /// event key).
        UsageRejected = "usage.rejected",
        /// A thin event: only which object changed (`object_type`, `object_id`): fetch it (every Flowglad
        /// delivery).
        ObjectChanged = "object.changed",
    }
);

/// One verified delivery, in neutral terms.
///
/// ```
/// use unibill_core::{WebhookEvent, WebhookKind};
/// let e = WebhookEvent::builder("memory", "msg_1", WebhookKind::InvoicePaid).object("invoice", "inv_1").build();
/// assert_eq!(e.object_id.as_deref(), Some("inv_1"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WebhookEvent {
    /// Which provider sent it.
    pub provider: Cow<'static, str>,
    /// The delivery's id (Svix `webhook-id`, Vercel envelope `id`; SHA-256 of the body where none is sent):
    /// what a delivery log dedupes on.
    pub delivery_id: String,
    /// What happened.
    pub kind: WebhookKind,
    /// The changed object's type (`subscription`, `invoice`, …), where the delivery says.
    pub object_type: Option<String>,
    /// The changed object's id, where the delivery says.
    pub object_id: Option<String>,
    /// The customer's external id, where the delivery says.
    pub customer_external_id: Option<String>,
    /// The object as the delivery carried it (the provider's JSON), where it did.
    pub object: Option<RawJson>,
    /// When it happened, where the delivery says (never the attempt's time).
    pub occurred_at: Option<Timestamp>,
    /// The whole body, where it was JSON.
    pub raw: Option<RawJson>,
}

impl WebhookEvent {
    /// A builder with the required fields.
    pub fn builder(
        provider: impl Into<Cow<'static, str>>,
        delivery_id: impl Into<String>,
        kind: WebhookKind,
    ) -> WebhookEventBuilder {
        WebhookEventBuilder {
            event: WebhookEvent {
                provider: provider.into(),
                delivery_id: delivery_id.into(),
                kind,
                object_type: None,
                object_id: None,
                customer_external_id: None,
                object: None,
                occurred_at: None,
                raw: None,
            },
        }
    }
}

/// Builds a [`WebhookEvent`] (for adapters and mocks). No validation.
#[derive(Debug, Clone)]
pub struct WebhookEventBuilder {
    event: WebhookEvent,
}

impl WebhookEventBuilder {
    /// The changed object's type and id.
    pub fn object(mut self, object_type: impl Into<String>, object_id: impl Into<String>) -> Self {
        self.event.object_type = Some(object_type.into());
        self.event.object_id = Some(object_id.into());
        self
    }
    /// The customer's external id.
    pub fn customer_external_id(mut self, v: impl Into<String>) -> Self {
        self.event.customer_external_id = Some(v.into());
        self
    }
    /// The object's JSON.
    pub fn object_json(mut self, v: RawJson) -> Self {
        self.event.object = Some(v);
        self
    }
    /// When it happened.
    pub fn occurred_at(mut self, v: Timestamp) -> Self {
        self.event.occurred_at = Some(v);
        self
    }
    /// The whole body.
    pub fn raw(mut self, v: RawJson) -> Self {
        self.event.raw = Some(v);
        self
    }
    /// The event.
    pub fn build(self) -> WebhookEvent {
        self.event
    }
}

/// A delivery's HTTP headers, looked up by name without regard to ASCII case. Values that were not text are the
/// caller's to drop (no scheme signs with them).
///
/// ```
/// use unibill_core::WebhookHeaders;
/// let h: WebhookHeaders = [("Webhook-Id", "msg_1"), ("webhook-signature", "v1,a"), ("Webhook-Signature", "v1,b")]
///     .into_iter()
///     .collect();
/// assert_eq!(h.get("WEBHOOK-ID"), Some("msg_1"));
/// assert_eq!(h.get_all("webhook-signature").collect::<Vec<_>>(), ["v1,a", "v1,b"]);
/// assert_eq!(h.get("svix-id"), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WebhookHeaders {
    /// Names in ASCII lower case, in the order received.
    pairs: Vec<(String, String)>,
}

impl WebhookHeaders {
    /// No headers.
    pub fn new() -> Self {
        Self::default()
    }

    /// From `(name, value)` pairs.
    pub fn from_pairs<N: AsRef<str>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (N, V)>,
    ) -> Self {
        let mut headers = WebhookHeaders::new();
        for (name, value) in pairs {
            headers.append(name, value);
        }
        headers
    }

    /// Adds a header (a name may repeat).
    pub fn append(&mut self, name: impl AsRef<str>, value: impl Into<String>) {
        self.pairs
            .push((name.as_ref().to_ascii_lowercase(), value.into()));
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, in the order received.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.pairs
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every header, names in lower case.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// How many headers.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }
}

impl<N: AsRef<str>, V: Into<String>> FromIterator<(N, V)> for WebhookHeaders {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> Self {
        WebhookHeaders::from_pairs(iter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_case_insensitive() {
        let mut h = WebhookHeaders::new();
        h.append("Svix-Timestamp", "1700000000");
        assert_eq!(h.get("svix-timestamp"), Some("1700000000"));
        assert_eq!(h.iter().next(), Some(("svix-timestamp", "1700000000")));
        assert_eq!(h.len(), 1);
    }

    #[test]
    fn events_round_trip() {
        let e = WebhookEvent::builder("flexprice", "msg_1", WebhookKind::from("event.rejected"))
            .object_json(RawJson::from_string(r#"{"id":"e-1"}"#.into()).unwrap())
            .build();
        assert_eq!(e.kind, WebhookKind::Other("event.rejected".into()));
        let back: WebhookEvent = serde_json::from_str(&serde_json::to_string(&e).unwrap()).unwrap();
        assert_eq!(back, e);
    }
}
