//! The [`Webhooks`] trait.

use std::fmt::Debug;

use jiff::Timestamp;

use crate::capability::WebhookCapabilities;
use crate::error::Result;
use crate::model::webhook::{WebhookEvent, WebhookHeaders};

/// Verifies a billing provider's webhook deliveries and turns them into neutral events.
///
/// Pure and synchronous (no I/O, no state): signature, timestamp and decoding only. Deduplicating deliveries
/// is the caller's (a delivery log keyed by [`WebhookEvent::delivery_id`]). A bad or missing signature is
/// `Unauthenticated`, a timestamp outside [`WebhookCapabilities::replay_window`] of `now` is `Unauthenticated`,
/// a body that cannot be decoded is `Decode`.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
pub trait Webhooks: Send + Sync + Debug {
    /// What this provider offers for webhooks.
    fn capabilities(&self) -> WebhookCapabilities;

    /// The provider's name (the same as [`WebhookCapabilities::provider`]).
    fn provider(&self) -> &'static str;

    /// Verifies one delivery received at `now` and decodes it.
    fn verify(&self, headers: &WebhookHeaders, body: &[u8], now: Timestamp)
    -> Result<WebhookEvent>;
}

forward_to_inner!(Webhooks {
    fn capabilities(&self) -> WebhookCapabilities;
    fn provider(&self) -> &'static str;
    fn verify(&self, headers: &WebhookHeaders, body: &[u8], now: Timestamp) -> Result<WebhookEvent>;
});
