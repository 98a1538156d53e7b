//! [`Moment`]: a time on the cache's clock, as nanoseconds since the Unix epoch.
//!
//! A check compares an answer's age with its bound on every call; a number subtracts in one instruction where
//! `SystemTime::duration_since` normalises a pair of seconds and nanoseconds and builds a `Result`.

use std::ops::Add;
use std::time::{Duration, SystemTime};

use unibill_core::{Clock, Timestamp};

/// Nanoseconds since the Unix epoch on the cache's clock (0 before it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub(crate) struct Moment(u64);

impl Moment {
    /// Now on `clock`.
    pub(crate) fn now(clock: &dyn Clock) -> Moment {
        Moment(clock.unix_nanos())
    }

    /// The time since `earlier` (zero when `earlier` is later: a clock moved back).
    pub(crate) fn since(self, earlier: Moment) -> Duration {
        Duration::from_nanos(self.0.saturating_sub(earlier.0))
    }

    /// The time until `later` (zero when it has passed).
    pub(crate) fn until(self, later: Moment) -> Duration {
        later.since(self)
    }

    /// The same moment as a [`Timestamp`].
    pub(crate) fn timestamp(self) -> Timestamp {
        Timestamp::try_from(SystemTime::UNIX_EPOCH + Duration::from_nanos(self.0))
            .unwrap_or(Timestamp::MAX)
    }

    /// Nanoseconds since the epoch (0 is never a real moment on a running clock).
    pub(crate) fn as_nanos(self) -> u64 {
        self.0
    }

    /// From nanoseconds since the epoch.
    pub(crate) fn from_nanos(nanos: u64) -> Moment {
        Moment(nanos)
    }
}

impl Add<Duration> for Moment {
    type Output = Moment;

    fn add(self, d: Duration) -> Moment {
        Moment(
            self.0
                .saturating_add(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use unibill_core::FixedClock;

    #[test]
    fn ages_saturate_and_match_the_clock() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let now = Moment::now(&FixedClock(at));
        let later = now + Duration::from_millis(1500);
        assert_eq!(later.since(now), Duration::from_millis(1500));
        assert_eq!(
            now.since(later),
            Duration::ZERO,
            "a clock moved back: age zero"
        );
        assert_eq!(now.until(later), Duration::from_millis(1500));
        assert_eq!(now.timestamp().as_second(), 1_700_000_000);
        assert_eq!(Moment::from_nanos(now.as_nanos()), now);
        assert_eq!(
            Moment::now(&FixedClock(SystemTime::UNIX_EPOCH - Duration::from_secs(1))),
            Moment::default(),
            "before the epoch reads as the epoch"
        );
        assert_eq!((now + Duration::MAX).as_nanos(), u64::MAX);
    }
}
