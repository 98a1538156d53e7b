//! Flowglad webhooks: [`FlowgladWebhooks`] (Svix) and the decoding of the thin bodies (`events`).

mod events;

use std::time::Duration;

use jiff::Timestamp;
use secrecy::{ExposeSecret, SecretString};
use unibill_core::svix::{self, Tolerance};
use unibill_core::{
    Error, Result, WebhookCapabilities, WebhookEvent, WebhookHeaders, WebhookKind, Webhooks,
};

use crate::PROVIDER;

/// The variable holding the endpoint's `whsec_` webhook secret (`webhook_secret_env` in a TOML `[flowglad]` table).
pub const ENV_WEBHOOK_SECRET: &str = "FLOWGLAD_WEBHOOK_SECRET";

/// Flowglad's own tolerance between a delivery's `svix-timestamp` and `now`: 300 s in the past, 60 s in the
/// future (its server SDK's `webhook.ts`).
pub const WEBHOOK_TOLERANCE: Tolerance =
    Tolerance::new(Duration::from_secs(300), Duration::from_secs(60));

/// Verifies Flowglad webhook deliveries and decodes them into [`WebhookEvent`]s (sans-IO, stateless:
/// deduplicating on [`WebhookEvent::delivery_id`], the `svix-id`, is the caller's).
///
/// Flowglad delivers through Svix: `svix-id`, `svix-timestamp`, `svix-signature` (or the same three as
/// `webhook-*`), an HMAC-SHA256 of `{id}.{timestamp}.{raw body}` under the endpoint's `whsec_` secret, checked
/// with core's [`unibill_core::svix`] in constant time. The signed timestamp may be up to 300 s before `now`
/// and 60 s after it ([`WEBHOOK_TOLERANCE`], Flowglad's own; [`FlowgladWebhooks::with_tolerance`] changes
/// it); [`FlowgladWebhooks::with_secrets`] accepts several secrets during a rotation.
///
/// **The body is thin and typeless**: `{"id", "object", "customer"?: {"id", "externalId"}, "pricingModelId"}`.
/// It names the changed object and nothing else (the event type lives only in Svix's message metadata), so
/// every delivery is [`WebhookKind::ObjectChanged`] with `object_type` = `object` (`customer`, `user`,
/// `purchase`, `invoice`, `payment`, `product`, `subscription`, `sync_stream`, or a newer one as sent),
/// `object_id` = `id`, `customer_external_id` = `customer.externalId` where present, no `object` and no
/// `occurred_at`. Fetch the object to learn what changed: [`unibill_core::fetch_changed`]. Where an
/// application learns the type by other means, [`FlowgladWebhooks::kind_of`] maps it.
///
/// Every refusal is `Unauthenticated` and names the check that failed (missing header, malformed header, stale
/// or future timestamp, bad signature); a verified body that is not a Flowglad event is `Decode`. Its `Debug`
/// shows no secret.
///
/// ```
/// use unibill_core::{Timestamp, WebhookHeaders, WebhookKind, Webhooks, svix};
/// use unibill_flowglad::FlowgladWebhooks;
///
/// let secret = svix::generate_secret();
/// let webhooks = FlowgladWebhooks::new(secret.clone())?;
/// let now: Timestamp = "2026-03-01T12:00:00Z".parse().unwrap();
/// let body = br#"{"id":"sub_1","object":"subscription","customer":{"id":"cust_1","externalId":"ada"},"pricingModelId":"pricing_model_1"}"#;
/// let headers: WebhookHeaders = [
///     ("svix-id", "msg_1".to_owned()),
///     ("svix-timestamp", now.as_second().to_string()),
///     ("svix-signature", svix::sign(&secret, "msg_1", now.as_second(), body)?),
/// ]
/// .into_iter()
/// .collect();
/// let event = webhooks.verify(&headers, body, now)?;
/// assert_eq!(event.kind, WebhookKind::ObjectChanged);
/// assert_eq!((event.object_type.as_deref(), event.object_id.as_deref()), (Some("subscription"), Some("sub_1")));
/// assert_eq!(event.customer_external_id.as_deref(), Some("ada"));
/// # Ok::<(), unibill_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct FlowgladWebhooks {
    secrets: Vec<SecretString>,
    tolerance: Tolerance,
}

impl FlowgladWebhooks {
    /// Verification under the endpoint's `whsec_` secret, with Flowglad's tolerance. `Config` if the secret
    /// does not start with `whsec_` or is not base64 after it (as Flowglad's SDK requires).
    pub fn new(secret: SecretString) -> Result<Self> {
        Self::with_secrets([secret])
    }

    /// Verification under any of `secrets` (during a rotation: the new one and the old one, until every
    /// delivery signed with the old one is in). `Config` if there is none or one is not a `whsec_` base64
    /// secret.
    pub fn with_secrets(secrets: impl IntoIterator<Item = SecretString>) -> Result<Self> {
        let secrets: Vec<SecretString> = secrets.into_iter().collect();
        if secrets.is_empty() {
            return Err(config("no Flowglad webhook secret was given"));
        }
        for secret in &secrets {
            if !secret.expose_secret().starts_with(svix::SECRET_PREFIX) {
                return Err(config("a Flowglad webhook secret must start with `whsec_`"));
            }
            svix::check_secret(secret).map_err(|e| e.with_provider(PROVIDER))?;
        }
        Ok(FlowgladWebhooks {
            secrets,
            tolerance: WEBHOOK_TOLERANCE,
        })
    }

    /// How far the signed timestamp may be from `now`, per side (default [`WEBHOOK_TOLERANCE`]).
    pub fn with_tolerance(mut self, tolerance: Tolerance) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// The neutral kind of a Flowglad event type (`subscription.canceled` → `SubscriptionCanceled`), for an
    /// application that learns the type outside the body (Svix's message metadata); `verify` cannot, and
    /// answers `ObjectChanged`. `purchase.completed`, `sync.events_available` and any unknown type are
    /// `Other`.
    ///
    /// ```
    /// use unibill_core::WebhookKind;
    /// use unibill_flowglad::FlowgladWebhooks;
    /// assert_eq!(FlowgladWebhooks::kind_of("payment.succeeded"), WebhookKind::PaymentSucceeded);
    /// assert_eq!(FlowgladWebhooks::kind_of("purchase.completed"), WebhookKind::Other("purchase.completed".into()));
    /// ```
    pub fn kind_of(event_type: &str) -> WebhookKind {
        events::kind_of(event_type)
    }
}

fn config(message: &'static str) -> Error {
    Error::config(message)
        .with_provider(PROVIDER)
        .with_operation("webhooks.verify")
}

impl Webhooks for FlowgladWebhooks {
    /// Svix, thin typeless bodies (`typed_kinds` and `full_object` false); the replay window is the larger side
    /// of the tolerance (300 s by default; the future side is 60 s).
    fn capabilities(&self) -> WebhookCapabilities {
        let mut caps = WebhookCapabilities::full(PROVIDER);
        caps.typed_kinds = false;
        caps.full_object = false;
        caps.replay_window = Some(self.tolerance.past.max(self.tolerance.future));
        caps
    }

    fn provider(&self) -> &'static str {
        PROVIDER
    }

    fn verify(
        &self,
        headers: &WebhookHeaders,
        body: &[u8],
        now: Timestamp,
    ) -> Result<WebhookEvent> {
        let delivery = svix::verify_with(&self.secrets, headers, body, now, self.tolerance)
            .map_err(|e| e.with_provider(PROVIDER))?;
        events::decode(&delivery.id, body)
    }
}
