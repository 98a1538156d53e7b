//! [`CoarseClock`]: a [`Clock`] read from memory, moved forward by a ticker thread.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, SystemTime};

use unibill_core::{Clock, Error, ErrorKind, Result};

/// The longest resolution [`CoarseClock::start`] accepts.
const LONGEST_RESOLUTION: Duration = Duration::from_secs(1);

struct Shared {
    /// Nanoseconds since the epoch at the ticker's last tick.
    nanos: AtomicU64,
    resolution: Duration,
}

fn nanos_now() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// A [`Clock`] whose `now` is one atomic load: a ticker thread stores [`SystemTime::now`] every
/// `resolution`.
///
/// Reading the system clock costs about 25 ns (the vDSO's `clock_gettime`), as much as the rest of a cached
/// check; this one costs a load. The price: `now` lags the system clock by up to the resolution, plus
/// however long the ticker thread waits for a CPU on a busy machine, so an age measured on it (and so a
/// staleness bound) is short by that much. Pick a resolution far below the shortest bound (the default
/// bounds are seconds; 1 ms is a good choice). Hand it to [`crate::CachedEntitlementsBuilder::clock`];
/// tests keep injecting a manual clock instead.
///
/// Clones share one ticker; it stops within one resolution once the last clone is dropped.
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use unibill_cache::{CachedEntitlements, CoarseClock};
/// use unibill_core::{Clock, MemoryLifecycle};
///
/// let clock = CoarseClock::start(Duration::from_millis(1))?;
/// let cache = CachedEntitlements::builder(Arc::new(MemoryLifecycle::new().entitlements()))
///     .clock(Arc::new(clock.clone()))
///     .build()?;
/// assert!(clock.now() > std::time::SystemTime::UNIX_EPOCH);
/// # drop(cache);
/// # Ok::<(), unibill_core::Error>(())
/// ```
#[derive(Clone)]
pub struct CoarseClock {
    shared: Arc<Shared>,
}

impl fmt::Debug for CoarseClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CoarseClock")
            .field("resolution", &self.shared.resolution)
            .field("now", &self.now())
            .finish()
    }
}

impl CoarseClock {
    /// Starts the ticker. `InvalidInput` naming `resolution` when it is zero or longer than a second;
    /// `Config` when the thread cannot be started.
    pub fn start(resolution: Duration) -> Result<CoarseClock> {
        if resolution.is_zero() || resolution > LONGEST_RESOLUTION {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                format!(
                    "resolution: {resolution:?} is out of range (more than zero, at most {LONGEST_RESOLUTION:?})"
                ),
            ));
        }
        let shared = Arc::new(Shared {
            nanos: AtomicU64::new(nanos_now()),
            resolution,
        });
        let weak: Weak<Shared> = Arc::downgrade(&shared);
        std::thread::Builder::new()
            .name("unibill-coarse-clock".to_owned())
            .spawn(move || {
                // Ends once every clone is dropped.
                loop {
                    std::thread::sleep(resolution);
                    let Some(shared) = weak.upgrade() else {
                        break;
                    };
                    shared.nanos.store(nanos_now(), Ordering::Relaxed);
                }
            })
            .map_err(|e| {
                Error::new(
                    ErrorKind::Config,
                    format!("the coarse clock's ticker thread could not be started: {e}"),
                )
            })?;
        Ok(CoarseClock { shared })
    }

    /// How often the ticker moves the time forward.
    pub fn resolution(&self) -> Duration {
        self.shared.resolution
    }
}

impl Clock for CoarseClock {
    fn now(&self) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_nanos(self.unix_nanos())
    }

    fn unix_nanos(&self) -> u64 {
        self.shared.nanos.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolution_out_of_range_is_invalid_input() {
        for bad in [Duration::ZERO, Duration::from_millis(1001)] {
            let e = CoarseClock::start(bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput);
            assert!(e.message().contains("resolution"), "{e}");
        }
        let clock = CoarseClock::start(Duration::from_millis(5)).unwrap();
        assert_eq!(clock.resolution(), Duration::from_millis(5));
        assert!(clock.now() > SystemTime::UNIX_EPOCH);
    }
}
