//! Flexprice webhooks: [`FlexpriceWebhooks`] (Svix for Flexprice Cloud, an opt-in shared header for self-hosted
//! native mode) and the decoding of the events (`events`).

mod events;
mod shared_header;

use std::time::Duration;

use jiff::Timestamp;
use secrecy::SecretString;
use unibill_core::svix::{self, Tolerance};
use unibill_core::{
    Error, Result, WebhookCapabilities, WebhookEvent, WebhookHeaders, WebhookScheme, Webhooks,
};

use crate::PROVIDER;
use shared_header::SharedHeader;

/// The variable holding the endpoint's `whsec_` webhook secret (`webhook_secret_env` in a TOML `[flexprice]` table).
pub const ENV_WEBHOOK_SECRET: &str = "FLEXPRICE_WEBHOOK_SECRET";

/// The default tolerance between a delivery's `svix-timestamp` and `now`, either side: 5 minutes.
pub const WEBHOOK_TOLERANCE: Duration = svix::TOLERANCE;

/// Verifies Flexprice webhook deliveries and decodes them into [`WebhookEvent`]s (sans-IO, stateless:
/// deduplicating on [`WebhookEvent::delivery_id`] is the caller's).
///
/// **Flexprice Cloud** delivers through Svix: `svix-id` (the delivery id, the same on every retry: what a
/// delivery log dedupes on), `svix-timestamp` and `svix-signature` (or the same three as `webhook-*`), an
/// HMAC-SHA256 of `{id}.{timestamp}.{raw body}` under the endpoint's `whsec_` secret. [`FlexpriceWebhooks::new`]
/// verifies that scheme (core's [`unibill_core::svix`]) with a tolerance of 5 minutes either side of the `now`
/// passed in ([`FlexpriceWebhooks::with_tolerance`] changes it); [`FlexpriceWebhooks::with_secrets`] accepts
/// several secrets during a rotation.
///
/// **Self-hosted Flexprice** in its default "native" mode signs nothing: it only sends the static headers
/// configured for the tenant. [`FlexpriceWebhooks::unsigned_with_header`] accepts such deliveries when one of
/// them carries a shared value. That is an opt-in and **not safe on the public internet**: no signature over
/// the body, no timestamp (a delivery captured once can be replayed forever), and the value travels in every
/// request. Use it only between hosts you trust, over TLS.
///
/// The body is Flexprice's event payload itself, `{"event_type", "<object>": {…}}`, with the full object. Each
/// `event_type` maps to a [`unibill_core::WebhookKind`]; an unknown type is `Other`, never an error:
///
/// | Flexprice `event_type` | `WebhookKind` |
/// | --- | --- |
/// | `subscription.created`, `subscription.activated` | `SubscriptionCreated` |
/// | `subscription.updated`, `subscription.plan_changed`, `subscription.paused`, `subscription.resumed` | `SubscriptionUpdated` |
/// | `subscription.cancelled` | `SubscriptionCanceled` |
/// | `invoice.update.finalized` | `InvoiceFinalized` |
/// | `invoice.update.payment` with the invoice's `payment_status` `SUCCEEDED` or `OVERPAID` | `InvoicePaid` |
/// | `invoice.update.voided` | `InvoiceVoided` |
/// | `payment.success` | `PaymentSucceeded` |
/// | `payment.failed` | `PaymentFailed` |
/// | `customer.created`, `customer.updated`, `customer.deleted` | `CustomerCreated`, `CustomerUpdated`, `CustomerDeleted` |
/// | `event.rejected` (a usage event matched no meter) | `UsageRejected` |
/// | anything else (`invoice.update.payment` with another status, `subscription.draft.created`, wallets, …) | `Other(event_type)` |
///
/// The object is the body's field named after the type's first segment (`subscription`, `invoice`, `event`, …),
/// or else its only object-valued field: `object_type` is that field's name, `object_id` its `id`, `object` its
/// JSON. The customer's external id is the object's `external_customer_id`, its embedded
/// `customer.external_id`, or a customer's own `external_id`. `occurred_at` is the object's `updated_at` where
/// it has one (Flexprice bodies carry no event time, and `svix-timestamp` is the attempt's).
///
/// ```
/// use secrecy::SecretString;
/// use unibill_core::{Timestamp, WebhookHeaders, WebhookKind, Webhooks, svix};
/// use unibill_flexprice::FlexpriceWebhooks;
///
/// let secret = svix::generate_secret();
/// let webhooks = FlexpriceWebhooks::new(secret.clone())?;
/// let now: Timestamp = "2026-03-01T12:00:00Z".parse().unwrap();
/// let body = br#"{"event_type":"subscription.cancelled","subscription":{"id":"subs_1","customer":{"external_id":"ada"}}}"#;
/// let headers: WebhookHeaders = [
///     ("svix-id", "msg_1".to_owned()),
///     ("svix-timestamp", now.as_second().to_string()),
///     ("svix-signature", svix::sign(&secret, "msg_1", now.as_second(), body)?),
/// ]
/// .into_iter()
/// .collect();
/// let event = webhooks.verify(&headers, body, now)?;
/// assert_eq!(event.kind, WebhookKind::SubscriptionCanceled);
/// assert_eq!((event.object_id.as_deref(), event.customer_external_id.as_deref()), (Some("subs_1"), Some("ada")));
/// # Ok::<(), unibill_core::Error>(())
/// ```
///
/// Every refusal is `Unauthenticated` and names the check that failed (missing header, malformed header, stale
/// or future timestamp, bad signature); a verified body that is not a Flexprice event is `Decode`. Its `Debug`
/// shows no secret.
#[derive(Debug, Clone)]
pub struct FlexpriceWebhooks {
    auth: Auth,
}

#[derive(Debug, Clone)]
enum Auth {
    /// Flexprice Cloud: Svix, under any of these secrets.
    Svix {
        secrets: Vec<SecretString>,
        tolerance: Duration,
    },
    /// Self-hosted native mode: a static header holding a shared value.
    Unsigned(SharedHeader),
}

impl FlexpriceWebhooks {
    /// Svix verification under the endpoint's `whsec_` secret (Flexprice Cloud), 5 minutes' tolerance.
    /// `Config` if the secret is not `whsec_` and base64.
    pub fn new(secret: SecretString) -> Result<Self> {
        Self::with_secrets([secret])
    }

    /// Svix verification under any of `secrets` (during a rotation: the new one and the old one, until every
    /// delivery signed with the old one is in), 5 minutes' tolerance. `Config` if there is none or one is not
    /// `whsec_` and base64.
    pub fn with_secrets(secrets: impl IntoIterator<Item = SecretString>) -> Result<Self> {
        let secrets: Vec<SecretString> = secrets.into_iter().collect();
        if secrets.is_empty() {
            return Err(config("no Flexprice webhook secret was given"));
        }
        for secret in &secrets {
            svix::check_secret(secret).map_err(|e| e.with_provider(PROVIDER))?;
        }
        Ok(FlexpriceWebhooks {
            auth: Auth::Svix {
                secrets,
                tolerance: WEBHOOK_TOLERANCE,
            },
        })
    }

    /// The tolerance between a delivery's `svix-timestamp` and `now`, either side (default [`WEBHOOK_TOLERANCE`]).
    /// Has no effect on [`FlexpriceWebhooks::unsigned_with_header`], which has no timestamp.
    pub fn with_tolerance(mut self, tolerance: Duration) -> Self {
        if let Auth::Svix { tolerance: t, .. } = &mut self.auth {
            *t = tolerance;
        }
        self
    }

    /// **Unsafe on the public internet.** Accepts self-hosted Flexprice's unsigned "native" deliveries when
    /// header `name` (one of the static headers configured for the tenant) holds `value`, compared in constant
    /// time. Nothing signs the body and nothing dates it, so a captured delivery can be replayed or altered;
    /// keep it to trusted networks over TLS. The delivery id is the hex SHA-256 of the body (native mode sends
    /// none), so a re-sent identical body dedupes. `Config` if `name` is not a header name or `value` is empty.
    pub fn unsigned_with_header(name: impl Into<String>, value: SecretString) -> Result<Self> {
        Ok(FlexpriceWebhooks {
            auth: Auth::Unsigned(SharedHeader::new(name.into(), value)?),
        })
    }
}

fn config(message: &'static str) -> Error {
    Error::config(message)
        .with_provider(PROVIDER)
        .with_operation("webhooks.verify")
}

impl Webhooks for FlexpriceWebhooks {
    /// Svix: typed kinds, full objects, the tolerance as the replay window. Unsigned: no replay window.
    fn capabilities(&self) -> WebhookCapabilities {
        let mut caps = WebhookCapabilities::full(PROVIDER);
        match &self.auth {
            Auth::Svix { tolerance, .. } => caps.replay_window = Some(*tolerance),
            Auth::Unsigned(_) => {
                caps.scheme = WebhookScheme::Unsigned;
                caps.replay_window = None;
            }
        }
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
        let delivery_id = match &self.auth {
            Auth::Svix { secrets, tolerance } => {
                svix::verify_with(
                    secrets,
                    headers,
                    body,
                    now,
                    Tolerance::symmetric(*tolerance),
                )
                .map_err(|e| e.with_provider(PROVIDER))?
                .id
            }
            Auth::Unsigned(shared) => {
                shared.check(headers)?;
                shared_header::body_digest(body)
            }
        };
        events::decode(&delivery_id, body)
    }
}
