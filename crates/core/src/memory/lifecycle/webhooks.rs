//! Webhooks in memory: every change appends a [`WebhookDelivery`] signed with the Svix scheme, and
//! [`MemoryWebhooks`] verifies one and decodes it into a [`WebhookEvent`].

use std::borrow::Cow;

use jiff::Timestamp;
use secrecy::SecretString;
use serde::Serialize;
use serde_json::Value;

use super::MemoryLifecycle;
use super::state::State;
use crate::api::Webhooks;
use crate::capability::WebhookCapabilities;
use crate::error::{Error, Result};
use crate::memory::PROVIDER;
use crate::model::raw::RawJson;
use crate::model::webhook::{WebhookEvent, WebhookHeaders, WebhookKind};
use crate::svix;

/// One delivery the memory provider made: what an HTTP receiver would get (headers and body).
///
/// The body is JSON: `{"id", "type", "created_at", "object_type", "object_id", "customer_external_id",
/// "data"}`, `data` being the whole object (a [`crate::Subscription`], a [`crate::Invoice`]) as memory holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WebhookDelivery {
    /// The delivery id (`svix-id`).
    pub id: String,
    /// What happened.
    pub kind: WebhookKind,
    /// When it was signed (`svix-timestamp`): the memory clock at the change.
    pub timestamp: Timestamp,
    /// `svix-id`, `svix-timestamp` and `svix-signature`.
    pub headers: WebhookHeaders,
    /// The signed body.
    pub body: Vec<u8>,
}

impl WebhookDelivery {
    /// The body as text (it is always JSON).
    pub fn body_text(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap_or_default()
    }
}

#[derive(Serialize)]
struct Body<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    created_at: Timestamp,
    object_type: &'a str,
    object_id: &'a str,
    customer_external_id: Option<&'a str>,
    data: Value,
}

impl State {
    /// Appends a delivery of `kind` about `object` (serialized whole) that happened at `at`, signed at the
    /// call's time.
    pub fn emit(
        &mut self,
        at: Timestamp,
        kind: WebhookKind,
        object_type: &str,
        object_id: &str,
        customer_external_id: Option<&str>,
        object: &impl Serialize,
    ) {
        let Some(secret) = self.secret.clone() else {
            return;
        };
        let now = self.now.max(at);
        let id = format!("msg_{}", uuid::Uuid::now_v7().simple());
        let body = Body {
            id: &id,
            kind: kind.as_str(),
            created_at: at,
            object_type,
            object_id,
            customer_external_id,
            data: serde_json::to_value(object).unwrap_or(Value::Null),
        };
        let body = serde_json::to_vec(&body).unwrap_or_default();
        let Ok(signature) = svix::sign(&secret, &id, now.as_second(), &body) else {
            return;
        };
        let headers = WebhookHeaders::from_pairs([
            ("svix-id", id.clone()),
            ("svix-timestamp", now.as_second().to_string()),
            ("svix-signature", signature),
        ]);
        self.deliveries.push(WebhookDelivery {
            id,
            kind,
            timestamp: now,
            headers,
            body,
        });
    }
}

/// Verifies the memory provider's deliveries (the Svix scheme, a 5-minute tolerance either side of `now`) and
/// decodes them. Every refusal is `Unauthenticated` naming the check that failed (missing header, stale
/// timestamp, bad signature); a body that is not the memory shape is `Decode`. Its `Debug` shows no secret.
///
/// [`MemoryLifecycle::webhooks`] verifies under that state's own secret; [`MemoryWebhooks::new`] under a
/// configured one (a receiver in another process, given [`MemoryLifecycle::webhook_secret`]);
/// [`MemoryWebhooks::with_secrets`] under any of several, during a rotation.
///
/// ```
/// use unibill_core::{Customers, MemoryLifecycle, MemoryWebhooks, NewCustomer, WebhookKind, Webhooks};
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let memory = MemoryLifecycle::new();
/// memory.customers().create(NewCustomer::builder("ada", "Ada").build()?).await?;
/// let receiver = MemoryWebhooks::new(memory.webhook_secret().clone())?;
/// let d = &memory.deliveries()[0];
/// let event = receiver.verify(&d.headers, &d.body, d.timestamp)?;
/// assert_eq!(event.kind, WebhookKind::CustomerCreated);
/// let other = MemoryWebhooks::new(unibill_core::svix::generate_secret())?;
/// assert!(other.verify(&d.headers, &d.body, d.timestamp).is_err());
/// # Ok::<(), unibill_core::Error>(()) }).unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct MemoryWebhooks {
    secrets: Vec<SecretString>,
}

impl MemoryWebhooks {
    /// The variable holding the `whsec_` secret a receiver verifies memory deliveries with
    /// (`webhook_secret_env` in a TOML `[memory]` table).
    pub const ENV_SECRET: &'static str = "MEMORY_WEBHOOK_SECRET";

    /// Verification under one `whsec_` secret. `Config` if it is not `whsec_` and base64.
    pub fn new(secret: SecretString) -> Result<Self> {
        Self::with_secrets([secret])
    }

    /// Verification under any of `secrets` (the new and the old one during a rotation). `Config` if there is
    /// none or one is not `whsec_` and base64.
    pub fn with_secrets(secrets: impl IntoIterator<Item = SecretString>) -> Result<Self> {
        let secrets: Vec<SecretString> = secrets.into_iter().collect();
        if secrets.is_empty() {
            return Err(Error::config("no memory webhook secret was given").with_provider(PROVIDER));
        }
        for secret in &secrets {
            svix::check_secret(secret).map_err(|e| e.with_provider(PROVIDER))?;
        }
        Ok(MemoryWebhooks { secrets })
    }

    /// A state's own verifier (its secret was generated or checked when it was built).
    pub(super) fn of(lifecycle: &MemoryLifecycle) -> Self {
        MemoryWebhooks {
            secrets: vec![lifecycle.webhook_secret().clone()],
        }
    }
}

impl Webhooks for MemoryWebhooks {
    fn capabilities(&self) -> WebhookCapabilities {
        WebhookCapabilities::full(PROVIDER)
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
        let tolerance = self.capabilities().replay_window.unwrap_or(svix::TOLERANCE);
        let delivery = svix::verify_with(
            &self.secrets,
            headers,
            body,
            now,
            svix::Tolerance::symmetric(tolerance),
        )
        .map_err(|e| e.with_provider(PROVIDER))?;
        decode(&delivery.id, body)
    }
}

fn decode(delivery_id: &str, body: &[u8]) -> Result<WebhookEvent> {
    let bad = |why: &str| {
        Error::decode(format!("the memory webhook body {why}"))
            .with_provider(PROVIDER)
            .with_operation("webhooks.verify")
    };
    let value: Value = serde_json::from_slice(body).map_err(|_| bad("is not JSON"))?;
    let text = |name: &str| value.get(name).and_then(Value::as_str);
    let kind = text("type").ok_or_else(|| bad("has no `type`"))?;
    let mut event = WebhookEvent::builder(PROVIDER, delivery_id, WebhookKind::from(kind));
    if let (Some(t), Some(id)) = (text("object_type"), text("object_id")) {
        event = event.object(t, id);
    }
    if let Some(c) = text("customer_external_id") {
        event = event.customer_external_id(c);
    }
    if let Some(at) = text("created_at").and_then(|t| t.parse::<Timestamp>().ok()) {
        event = event.occurred_at(at);
    }
    if let Some(data) = value.get("data").filter(|d| !d.is_null())
        && let Ok(raw) = RawJson::from_string(data.to_string())
    {
        event = event.object_json(raw);
    }
    let raw = std::str::from_utf8(body)
        .ok()
        .and_then(|b| RawJson::from_string(b.to_owned()).ok());
    if let Some(raw) = raw {
        event = event.raw(raw);
    }
    Ok(event.build())
}

/// The provider name, for read models.
pub(super) const fn provider() -> Cow<'static, str> {
    Cow::Borrowed(PROVIDER)
}
