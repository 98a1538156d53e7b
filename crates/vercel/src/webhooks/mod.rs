//! Vercel integration webhooks: [`VercelWebhooks`] (hex HMAC-SHA1 of the body) and the decoding of the envelope
//! (`events`).

mod events;
mod signature;

use std::time::Duration;

use jiff::Timestamp;
use secrecy::{ExposeSecret, SecretString};
use unibill_core::{
    Error, ErrorKind, Result, WebhookCapabilities, WebhookEvent, WebhookHeaders, WebhookScheme,
    Webhooks,
};

use crate::PROVIDER;

pub use signature::HEADER as SIGNATURE_HEADER;

/// The variable holding the integration's client secret, which signs its webhooks (`webhook_secret_env` in a TOML
/// `[vercel]` table).
pub const ENV_WEBHOOK_SECRET: &str = "VERCEL_WEBHOOK_SECRET";

/// Verifies the webhooks Vercel sends to an integration and decodes them into [`WebhookEvent`]s (sans-IO,
/// stateless: deduplicating on [`WebhookEvent::delivery_id`], the envelope's `id`, is the caller's).
///
/// `x-vercel-signature` is the lower-case hex HMAC-SHA1 of the raw body keyed with the integration's client
/// secret; it is compared in constant time. [`VercelWebhooks::with_secrets`] accepts several client secrets
/// during a rotation.
///
/// **The scheme has no timestamp**, so it has no replay window: a captured delivery verifies forever. The
/// defence is the delivery log (dedupe on the envelope `id`, kept at least 30 days), and, optionally,
/// [`VercelWebhooks::with_max_age`]: a limit on the age of the envelope's `createdAt` (inside the signed body).
/// Without it, [`WebhookCapabilities::replay_window`] is `None`.
///
/// The envelope is `{"id", "type", "createdAt" (epoch ms), "payload": {…}}`: `object` is the payload,
/// `occurred_at` is `createdAt`, and no customer external id is given (Vercel names installations, not the
/// application's customers).
///
/// | Vercel `type` | `WebhookKind` | object |
/// | --- | --- | --- |
/// | `marketplace.invoice.created` | `InvoiceFinalized` | `invoice`, `payload.invoiceId` |
/// | `marketplace.invoice.paid` | `InvoicePaid` | `invoice`, `payload.invoiceId` |
/// | `marketplace.invoice.notpaid` | `PaymentFailed` | `invoice`, `payload.invoiceId` |
/// | anything else (`integration-configuration.removed`, `deployment.created`, …) | `Other(type)` | none |
///
/// Every refusal is `Unauthenticated` naming the check that failed (missing header, malformed header, bad
/// signature, stale timestamp with a maximum age); a verified body that is not an envelope is `Decode`. Its
/// `Debug` shows no secret.
///
/// ```
/// use secrecy::SecretString;
/// use unibill_core::{Timestamp, WebhookHeaders, WebhookKind, Webhooks};
/// use unibill_vercel::VercelWebhooks;
///
/// let secret = SecretString::from("integration-client-secret".to_owned());
/// let webhooks = VercelWebhooks::new(secret.clone())?;
/// let body = br#"{"id":"evt_1","type":"marketplace.invoice.paid","createdAt":1772366400000,"payload":{"installationId":"icfg_1","invoiceId":"inv_1","invoiceTotal":"32.00"}}"#;
/// let headers: WebhookHeaders =
///     [("x-vercel-signature", VercelWebhooks::sign(&secret, body))].into_iter().collect();
/// let event = webhooks.verify(&headers, body, Timestamp::now())?;
/// assert_eq!(event.kind, WebhookKind::InvoicePaid);
/// assert_eq!((event.delivery_id.as_str(), event.object_id.as_deref()), ("evt_1", Some("inv_1")));
/// assert!(webhooks.capabilities().replay_window.is_none());
/// # Ok::<(), unibill_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct VercelWebhooks {
    secrets: Vec<SecretString>,
    max_age: Option<Duration>,
}

impl VercelWebhooks {
    /// Verification under the integration's client secret. `Config` if it is empty.
    pub fn new(client_secret: SecretString) -> Result<Self> {
        Self::with_secrets([client_secret])
    }

    /// Verification under any of `client_secrets` (during a rotation: the new one and the old one). `Config` if
    /// there is none or one is empty.
    pub fn with_secrets(client_secrets: impl IntoIterator<Item = SecretString>) -> Result<Self> {
        let secrets: Vec<SecretString> = client_secrets.into_iter().collect();
        if secrets.is_empty() || secrets.iter().any(|s| s.expose_secret().is_empty()) {
            return Err(
                Error::config("a Vercel integration client secret is missing or empty")
                    .with_provider(PROVIDER)
                    .with_operation("webhooks.verify"),
            );
        }
        Ok(VercelWebhooks {
            secrets,
            max_age: None,
        })
    }

    /// Refuses a delivery whose envelope `createdAt` is further than `max_age` from `now` (either side), or
    /// that has none: the only replay bound this scheme allows, since `createdAt` is inside the signed body.
    /// Vercel retries failed deliveries, so leave room for its retries (hours, not minutes).
    pub fn with_max_age(mut self, max_age: Duration) -> Self {
        self.max_age = Some(max_age);
        self
    }

    /// The `x-vercel-signature` value for `body` under `client_secret`: lower-case hex HMAC-SHA1 (for tests and
    /// emulators that play Vercel).
    pub fn sign(client_secret: &SecretString, body: &[u8]) -> String {
        signature::sign(client_secret, body)
    }
}

fn unauthenticated(message: String) -> Error {
    Error::new(ErrorKind::Unauthenticated, message)
        .with_provider(PROVIDER)
        .with_operation("webhooks.verify")
}

impl Webhooks for VercelWebhooks {
    /// Hex HMAC-SHA1, typed kinds, the payload carried; no replay window unless a maximum age is set.
    fn capabilities(&self) -> WebhookCapabilities {
        let mut caps = WebhookCapabilities::full(PROVIDER);
        caps.scheme = WebhookScheme::HmacSha1Hex;
        caps.replay_window = self.max_age;
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
        signature::check(&self.secrets, headers, body)?;
        let envelope = events::parse(body)?;
        if let Some(max_age) = self.max_age {
            let created = events::created_at(&envelope).ok_or_else(|| {
                unauthenticated(
                    "missing timestamp: the envelope has no `createdAt` to check its age with"
                        .into(),
                )
            })?;
            let age = now
                .as_millisecond()
                .saturating_sub(created.as_millisecond());
            let limit = i64::try_from(max_age.as_millis()).unwrap_or(i64::MAX);
            if age > limit {
                return Err(unauthenticated(format!(
                    "stale timestamp: the envelope was created {} s before now, beyond the {} s maximum age",
                    age / 1000,
                    max_age.as_secs()
                )));
            }
            if age.saturating_neg() > limit {
                return Err(unauthenticated(format!(
                    "future timestamp: the envelope was created {} s after now, beyond the {} s maximum age",
                    age.saturating_neg() / 1000,
                    max_age.as_secs()
                )));
            }
        }
        events::decode(&envelope, body)
    }
}
