//! [`RetryObserver`]: told about every retry, for metrics and tests.

use std::fmt;
use std::time::Duration;

use crate::decision::RetryReason;

/// One retry about to happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryEvent {
    /// The provider name of the executor.
    pub provider: &'static str,
    /// The operation being retried (`"customers.create"`).
    pub operation: &'static str,
    /// The attempt that just failed (1-based).
    pub attempt: u32,
    /// How long the executor waits before the next attempt.
    pub delay: Duration,
    /// Why the attempt is retried.
    pub reason: RetryReason,
}

/// Receives a [`RetryEvent`] before every retry's wait.
pub trait RetryObserver: Send + Sync + fmt::Debug {
    /// Called once per retry.
    fn on_retry(&self, event: &RetryEvent);
}

/// An observer that does nothing (the default).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoopObserver;

impl RetryObserver for NoopObserver {
    fn on_retry(&self, _event: &RetryEvent) {}
}

/// An observer that keeps every event (for tests).
#[derive(Debug, Clone, Default)]
pub struct RecordingObserver {
    events: std::sync::Arc<std::sync::Mutex<Vec<RetryEvent>>>,
}

impl RecordingObserver {
    /// Every event so far, in order.
    pub fn events(&self) -> Vec<RetryEvent> {
        self.events
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

impl RetryObserver for RecordingObserver {
    fn on_retry(&self, event: &RetryEvent) {
        self.events
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(event.clone());
    }
}
