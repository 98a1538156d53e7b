//! [`Clock`]: how unibill tells the time (the executor's HTTP-date `Retry-After`, the memory provider's periods,
//! trials, scheduled cancels and webhook timestamps), injectable so tests move time by hand.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Span, Timestamp};

/// Tells the current wall-clock time.
pub trait Clock: Send + Sync + fmt::Debug {
    /// Now.
    fn now(&self) -> SystemTime;

    /// Now, in nanoseconds since the Unix epoch (0 before it, `u64::MAX` after the year 2554).
    ///
    /// For code that only compares and subtracts times (ages, deadlines) on a hot path: a clock that keeps its
    /// time as a number (the entitlement cache's coarse clock) answers without building a `SystemTime`.
    fn unix_nanos(&self) -> u64 {
        self.now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
    }

    /// Now, as a [`Timestamp`] (a `SystemTime` outside jiff's range reads as its nearest bound).
    fn timestamp(&self) -> Timestamp {
        let now = self.now();
        Timestamp::try_from(now).unwrap_or(if now < SystemTime::UNIX_EPOCH {
            Timestamp::MIN
        } else {
            Timestamp::MAX
        })
    }
}

impl<T: Clock + ?Sized> Clock for Arc<T> {
    fn now(&self) -> SystemTime {
        (**self).now()
    }
    fn unix_nanos(&self) -> u64 {
        (**self).unix_nanos()
    }
    fn timestamp(&self) -> Timestamp {
        (**self).timestamp()
    }
}

/// The default clock: [`SystemTime::now`].
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock stopped at one instant (for tests).
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use unibill_core::{Clock, FixedClock};
/// let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// assert_eq!(FixedClock(at).timestamp().as_second(), 1_700_000_000);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub SystemTime);

impl Clock for FixedClock {
    fn now(&self) -> SystemTime {
        self.0
    }
}

/// A clock that stands still until moved by hand; clones share one time (hand one clone to the provider, keep
/// another in the test).
///
/// Calendar spans (months, days) are added in UTC, clamping to the end of a shorter month (31 January plus one
/// month is 28 or 29 February).
///
/// ```
/// use jiff::ToSpan;
/// use unibill_core::{Clock, ManualClock, Timestamp};
///
/// let clock = ManualClock::new("2026-01-31T00:00:00Z".parse()?);
/// let shared = clock.clone();
/// clock.advance(1.month());
/// assert_eq!(shared.timestamp().to_string(), "2026-02-28T00:00:00Z");
/// clock.advance_by(std::time::Duration::from_secs(90));
/// assert_eq!(shared.timestamp().to_string(), "2026-02-28T00:01:30Z");
/// clock.set("2030-01-01T00:00:00Z".parse()?);
/// assert_eq!(shared.timestamp().to_string(), "2030-01-01T00:00:00Z");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<Mutex<Timestamp>>,
}

impl ManualClock {
    /// A clock standing at `start`.
    pub fn new(start: Timestamp) -> Self {
        ManualClock {
            now: Arc::new(Mutex::new(start)),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Timestamp> {
        self.now
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Moves the clock to `t` (backwards too).
    pub fn set(&self, t: Timestamp) {
        *self.lock() = t;
    }

    /// Moves the clock forward by `span` (calendar units in UTC). A move past jiff's range stops at its end.
    pub fn advance(&self, span: Span) {
        let mut now = self.lock();
        *now = now
            .to_zoned(TimeZone::UTC)
            .checked_add(span)
            .map(|z| z.timestamp())
            .unwrap_or(Timestamp::MAX);
    }

    /// Moves the clock forward by `duration`. A move past jiff's range stops at its end.
    pub fn advance_by(&self, duration: Duration) {
        let mut now = self.lock();
        *now = SignedDuration::try_from(duration)
            .ok()
            .and_then(|d| now.checked_add(d).ok())
            .unwrap_or(Timestamp::MAX);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        SystemTime::from(*self.lock())
    }
    fn timestamp(&self) -> Timestamp {
        *self.lock()
    }
}

#[cfg(test)]
mod tests {
    use jiff::ToSpan;

    use super::*;

    #[test]
    fn system_time_and_timestamp_agree() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_millis(1_700_000_000_123);
        let fixed = FixedClock(at);
        assert_eq!(fixed.timestamp().as_millisecond(), 1_700_000_000_123);
        let manual = ManualClock::new(fixed.timestamp());
        assert_eq!(manual.now(), at);
        let shared: Arc<dyn Clock> = Arc::new(manual.clone());
        manual.advance(2.days());
        assert_eq!(shared.timestamp().to_string(), "2023-11-16T22:13:20.123Z");
        assert!(SystemClock.timestamp() > Timestamp::UNIX_EPOCH);
    }

    #[test]
    fn moves_past_the_range_stop_at_its_end() {
        let clock = ManualClock::new(Timestamp::MAX);
        clock.advance(1.year());
        assert_eq!(clock.timestamp(), Timestamp::MAX);
        clock.advance_by(Duration::from_secs(1));
        assert_eq!(clock.timestamp(), Timestamp::MAX);
    }
}
