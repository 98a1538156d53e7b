//! The webhooks the Flexprice emulator sends (`flexprice-lifecycle.md` §7): Svix-signed, the body the event
//! payload itself with the full object, `{"event_type", "<object>": {…}}`, after every write that changed a
//! customer, a subscription or an invoice:
//!
//! | change | `event_type` |
//! |---|---|
//! | customer created / updated / deleted (archived) | `customer.created` / `customer.updated` / `customer.deleted` |
//! | subscription created (a `draft` one) | `subscription.created` (`subscription.draft.created`) |
//! | `draft` → `active` or `trialing` | `subscription.activated` |
//! | → `cancelled` | `subscription.cancelled` |
//! | another plan (the v2 change) | `subscription.plan_changed` |
//! | anything else (a cancel scheduled or lifted, …) | `subscription.updated` |
//! | invoice → `FINALIZED` (a one-off is created finalized) | `invoice.update.finalized` |
//! | invoice → `VOIDED` | `invoice.update.voided` |
//! | the payment status changed | `invoice.update.payment` |
//!
//! A `DRAFT` invoice is not announced (`invoice.create.drafted` is documented but never sent). The subscription
//! object embeds its `customer`, as Flexprice's webhook DTO does. `event.rejected` is not emulated.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::{Value, json};

use super::FlexpriceEmulator;
use super::clock::Precision;
use super::state::Store;
use super::status::Status;
use crate::emulators::webhooks::{Announcement, Change, Tracked, WebhookEndpoint, after_writes};

/// The layer that announces what a write changed.
pub(super) async fn announce(
    State(emu): State<Arc<FlexpriceEmulator>>,
    request: Request,
    next: Next,
) -> Response {
    after_writes(request, next, || {
        if emu.webhooks.is_configured() {
            let store = emu.lock();
            emu.webhooks
                .announce(tracked(&store), |change| events(&store, change));
        }
    })
    .await
}

fn tracked(store: &Store) -> Vec<Tracked> {
    let customers = store.customers.iter().map(|c| {
        Tracked::new(
            "customer",
            &c.id,
            json!({"status": c.status.as_str(), "updated_at": c.updated_at.to_string()}),
        )
    });
    let subscriptions = store.subscriptions.iter().map(|s| {
        Tracked::new(
            "subscription",
            &s.id,
            json!({"status": s.status, "plan_id": s.plan_id, "updated_at": s.updated_at.to_string()}),
        )
    });
    let invoices = store.invoices.iter().map(|i| {
        Tracked::new(
            "invoice",
            &i.id,
            json!({
                "status": i.invoice_status,
                "payment_status": i.payment_status,
                "updated_at": i.updated_at.to_string(),
            }),
        )
    });
    customers.chain(subscriptions).chain(invoices).collect()
}

fn event_type(change: &Change) -> Option<&'static str> {
    let status = change.after_str("status").unwrap_or_default();
    let created = change.before.is_none();
    Some(match change.after.object {
        "customer" if created => "customer.created",
        "customer" if status == Status::Archived.as_str() => "customer.deleted",
        "customer" => "customer.updated",
        "subscription" if created && status == "draft" => "subscription.draft.created",
        "subscription" if created => "subscription.created",
        "subscription" if change.changed("status") && status == "cancelled" => {
            "subscription.cancelled"
        }
        "subscription"
            if change.before_str("status") == Some("draft")
                && matches!(status, "active" | "trialing") =>
        {
            "subscription.activated"
        }
        "subscription" if change.changed("plan_id") => "subscription.plan_changed",
        "subscription" => "subscription.updated",
        "invoice" if change.changed("status") && status == "FINALIZED" => {
            "invoice.update.finalized"
        }
        "invoice" if change.changed("status") && status == "VOIDED" => "invoice.update.voided",
        "invoice" if !created && change.changed("payment_status") => "invoice.update.payment",
        _ => return None,
    })
}

fn events(store: &Store, change: &Change) -> Vec<Announcement> {
    let (Some(event_type), Some(object)) = (event_type(change), object(store, change)) else {
        return Vec::new();
    };
    let field = change.after.object;
    let body = json!({"event_type": event_type, field: object});
    vec![(event_type.to_owned(), Box::new(move |_: &str| body))]
}

/// The object as the webhook carries it.
fn object(store: &Store, change: &Change) -> Option<Value> {
    let id = change.after.id.as_str();
    let customer = |id: &str| {
        store
            .customers
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.to_json(Precision::Micros))
    };
    match change.after.object {
        "customer" => customer(id),
        "subscription" => {
            let s = store.subscriptions.iter().find(|s| s.id == id)?;
            let mut json = s.to_json();
            if let (Some(map), Some(c)) = (json.as_object_mut(), customer(&s.customer_id)) {
                map.insert("customer".into(), c);
            }
            Some(json)
        }
        "invoice" => store
            .invoices
            .iter()
            .find(|i| i.id == id)
            .map(|i| i.to_json()),
        _ => None,
    }
}

impl FlexpriceEmulator {
    /// Delivers a Svix-signed webhook for every change from now on to `endpoint` (see the module's table).
    /// Objects that exist already are not announced.
    ///
    /// # Panics
    /// Outside a Tokio runtime.
    pub fn deliver_webhooks(&self, endpoint: WebhookEndpoint) {
        let store = self.lock();
        self.webhooks.configure(endpoint, tracked(&store));
    }

    /// The outbound webhooks: every delivery made, re-delivery, and the `settled` condition tests wait on.
    pub fn webhooks(&self) -> &crate::emulators::webhooks::WebhookOutbox {
        &self.webhooks
    }
}
