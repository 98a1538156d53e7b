//! The webhooks the Flowglad emulator sends (`flowglad-lifecycle.md` §8): Svix-signed, with Flowglad's **thin
//! body** `{"id", "object", "customer": {"id", "externalId"}, "pricingModelId"}`, which names the changed object
//! and nothing else (the event type lives only in Svix's message metadata: here [`SentWebhook::event_type`]).
//! After every write that changed one:
//!
//! | change | event type |
//! |---|---|
//! | customer created / updated (archived included) | `customer.created` / `customer.updated` |
//! | subscription created | `subscription.created` |
//! | → `canceled` (a cancel, or a paid create replacing the free default) | `subscription.canceled` |
//! | anything else (a cancel scheduled or lifted, an adjustment) | `subscription.updated` |
//!
//! Flowglad has no invoice or usage events, so none are sent for them.
//!
//! [`SentWebhook::event_type`]: crate::emulators::webhooks::SentWebhook::event_type

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::json;

use super::state::Store;
use super::{FlowgladEmulator, Shared, lock};
use crate::emulators::webhooks::{
    Announcement, Change, Tracked, WebhookEndpoint, WebhookOutbox, after_writes,
};

/// The layer that announces what a write changed.
pub(super) async fn announce(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    after_writes(request, next, || {
        if shared.webhooks.is_configured() {
            let store = lock(&shared.store);
            shared
                .webhooks
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
            json!({"archived": c.archived, "updated_at": c.updated_at}),
        )
    });
    let subscriptions = store.subscriptions.iter().map(|s| {
        Tracked::new(
            "subscription",
            &s.id,
            json!({"status": s.status, "updated_at": s.updated_at, "items": s.items.len(), "price_id": s.price_id}),
        )
    });
    customers.chain(subscriptions).collect()
}

fn event_type(change: &Change) -> &'static str {
    let created = change.before.is_none();
    match change.after.object {
        "customer" if created => "customer.created",
        "customer" => "customer.updated",
        _ if created => "subscription.created",
        _ if change.changed("status") && change.after_str("status") == Some("canceled") => {
            "subscription.canceled"
        }
        _ => "subscription.updated",
    }
}

fn events(store: &Store, change: &Change) -> Vec<Announcement> {
    let id = change.after.id.as_str();
    let customer_id = match change.after.object {
        "customer" => Some(id.to_owned()),
        _ => store
            .subscriptions
            .iter()
            .find(|s| s.id == id)
            .map(|s| s.customer_id.clone()),
    };
    let customer = customer_id.and_then(|cid| store.customers.iter().find(|c| c.id == cid));
    let mut body = json!({
        "id": id,
        "object": change.after.object,
        "pricingModelId": store.pricing_model_id,
    });
    if let (Some(map), Some(c)) = (body.as_object_mut(), customer) {
        map.insert(
            "customer".into(),
            json!({"id": c.id, "externalId": c.external_id}),
        );
    }
    vec![(event_type(change).to_owned(), Box::new(move |_: &str| body))]
}

impl FlowgladEmulator {
    /// Delivers a Svix-signed thin webhook for every change from now on to `endpoint` (see the module's
    /// table). Objects that exist already are not announced.
    ///
    /// # Panics
    /// Outside a Tokio runtime.
    pub fn deliver_webhooks(&self, endpoint: WebhookEndpoint) {
        let store = self.store();
        self.shared.webhooks.configure(endpoint, tracked(&store));
    }

    /// The outbound webhooks: every delivery made, re-delivery, and the `settled` condition tests wait on.
    pub fn webhooks(&self) -> &WebhookOutbox {
        &self.shared.webhooks
    }
}
