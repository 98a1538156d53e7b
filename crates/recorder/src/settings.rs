//! The recorder's settings, as the builder leaves them for the background task.

use std::sync::Arc;
use std::time::Duration;

use unibill_core::{BatchLimits, Clock, IngestOutcome, Sleeper, UsageEvent};

/// What `record` does when the queue is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FullQueue {
    /// Wait for room (the default): the application slows down to the provider's pace.
    #[default]
    Block,
    /// Answer [`RecordError::QueueFull`](crate::RecordError::QueueFull) at once, handing the event back.
    Reject,
}

/// How long to wait before sending again: `initial`, doubled per attempt up to `max`; a provider's
/// `Retry-After` is waited for when it is longer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The first delay.
    pub initial: Duration,
    /// The longest delay (a `Retry-After` may ask for more and is honoured).
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(30),
        }
    }
}

impl Backoff {
    /// The delay after `attempt` (1-based) attempts, at least `retry_after` when the provider gave one.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let doubled = self
            .initial
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
        doubled.min(self.max).max(retry_after.unwrap_or_default())
    }
}

/// The observer called for each event the provider newly counted.
pub type CountedHook = Arc<dyn Fn(&UsageEvent) + Send + Sync>;

/// The observer called for each event that succeeded, with its outcome (`Recorded`, `Accepted` or
/// `Duplicate`).
pub type SettledHook = Arc<dyn Fn(&UsageEvent, &IngestOutcome) + Send + Sync>;

/// Everything the background task needs to know.
#[derive(Clone)]
pub(crate) struct Settings {
    pub limits: BatchLimits,
    pub linger: Duration,
    pub max_in_flight: usize,
    pub max_attempts: u32,
    pub max_age: Duration,
    pub backoff: Backoff,
    pub clock: Arc<dyn Clock>,
    pub sleeper: Arc<dyn Sleeper>,
    pub on_counted: Option<CountedHook>,
    pub on_settled: Option<SettledHook>,
}

impl Settings {
    /// Now on the recorder's clock, in milliseconds since the epoch.
    pub fn now_ms(&self) -> i64 {
        // Read once per event: the clock's number, not a `Timestamp` built from a `SystemTime`.
        i64::try_from(self.clock.unix_nanos() / 1_000_000).unwrap_or(i64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_cap_and_honours_retry_after() {
        let b = Backoff {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(1),
        };
        let ms = |n| Duration::from_millis(n);
        assert_eq!(
            [1, 2, 3, 4, 5, 60].map(|a| b.delay(a, None)),
            [ms(100), ms(200), ms(400), ms(800), ms(1000), ms(1000)]
        );
        assert_eq!(
            b.delay(1, Some(Duration::from_secs(7))),
            Duration::from_secs(7)
        );
        assert_eq!(b.delay(3, Some(ms(10))), ms(400));
    }
}
