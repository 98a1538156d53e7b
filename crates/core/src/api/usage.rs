//! The [`Usage`] trait and its extension [`UsageExt`].

use std::fmt::Debug;

use async_trait::async_trait;

use crate::capability::UsageCapabilities;
use crate::error::{Error, ErrorKind, Result};
use crate::model::key::IdempotencyKey;
use crate::model::usage::{IngestOutcome, IngestReport, UsageEvent, UsageStatus};

/// Usage events sent to a billing provider.
///
/// Object safe: hold it as `Arc<dyn Usage>`. Sending is at-least-once, counting at most once per key where the
/// provider dedupes: re-send only `NotRecorded` events and whole calls whose error
/// [`is_retryable`](crate::Error::is_retryable), always with the same keys and times (the events themselves).
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait Usage: Send + Sync + Debug {
    /// What this provider offers for usage.
    fn capabilities(&self) -> UsageCapabilities;

    /// Sends a batch. The report has one entry per event, keyed by its key. `Err` only when nothing was
    /// attempted (credentials, configuration, a deadline before sending, a batch longer than
    /// [`UsageCapabilities::max_batch_events`]); an event the provider cannot take (its quantity rule, say) is
    /// its own `Rejected` entry and the rest are sent.
    async fn ingest(&self, events: Vec<UsageEvent>) -> Result<IngestReport>;

    /// Reads events back by key, one answer per key in the order asked (capability-gated:
    /// [`UsageCapabilities::status_lookup`]).
    async fn status(&self, keys: Vec<IdempotencyKey>)
    -> Result<Vec<(IdempotencyKey, UsageStatus)>>;
}

forward_to_inner!(Usage {
    fn capabilities(&self) -> UsageCapabilities;
    async fn ingest(&self, events: Vec<UsageEvent>) -> Result<IngestReport>;
    async fn status(&self, keys: Vec<IdempotencyKey>) -> Result<Vec<(IdempotencyKey, UsageStatus)>>;
});

/// Conveniences over [`Usage`], for every implementation.
#[async_trait]
pub trait UsageExt: Usage {
    /// Sends one event; the answer is its outcome (a `Rejected` event is `Ok(IngestOutcome::Rejected(_))`).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// use rust_decimal_macros::dec;
    /// use unibill_core::{IngestOutcome, IngestReport, MockUsage, UsageEvent, UsageExt};
    ///
    /// let mut usage = MockUsage::new();
    /// usage.expect_ingest().returning(|events| {
    ///     let mut report = IngestReport::new();
    ///     for e in events {
    ///         report.push(e.key().clone(), IngestOutcome::Recorded { provider_id: None });
    ///     }
    ///     Ok(report)
    /// });
    /// let event = UsageEvent::builder("ada", "api_calls", dec!(1)).build()?;
    /// assert!(usage.ingest_one(event).await?.is_success());
    /// # Ok::<(), unibill_core::Error>(()) }).unwrap();
    /// ```
    async fn ingest_one(&self, event: UsageEvent) -> Result<IngestOutcome> {
        let key = event.key().clone();
        let report = self.ingest(vec![event]).await?;
        report
            .into_entries()
            .into_iter()
            .find(|(k, _)| *k == key)
            .map(|(_, outcome)| outcome)
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Provider,
                    format!("the ingest report has no entry for the event `{key}`"),
                )
                .with_operation("usage.ingest_one")
                .with_provider(self.capabilities().provider)
            })
    }
}

impl<T: Usage + ?Sized> UsageExt for T {}
