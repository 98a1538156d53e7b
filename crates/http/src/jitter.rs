//! [`Jitter`]: the random source of "full jitter" backoff, injectable so tests are deterministic.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Draws a backoff delay in `0..=ceiling` ("full jitter").
pub trait Jitter: Send + Sync + fmt::Debug {
    /// A delay between zero and `ceiling`, both included.
    fn draw(&self, ceiling: Duration) -> Duration;
}

/// The default jitter: a small xorshift generator seeded from the clock. Not for cryptography.
#[derive(Debug)]
pub struct RandomJitter {
    state: AtomicU64,
}

impl RandomJitter {
    /// A generator seeded from the current time.
    pub fn new() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x9E37_79B9_7F4A_7C15);
        Self::with_seed(nanos)
    }

    /// A generator with a fixed seed (reproducible sequences).
    pub fn with_seed(seed: u64) -> Self {
        RandomJitter {
            state: AtomicU64::new(seed | 1),
        }
    }

    fn next_u64(&self) -> u64 {
        let mut current = self.state.load(Ordering::Relaxed);
        loop {
            let mut x = current;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            match self
                .state
                .compare_exchange_weak(current, x, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return x,
                Err(seen) => current = seen,
            }
        }
    }
}

impl Default for RandomJitter {
    fn default() -> Self {
        Self::new()
    }
}

impl Jitter for RandomJitter {
    fn draw(&self, ceiling: Duration) -> Duration {
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        if nanos == 0 {
            return Duration::ZERO;
        }
        Duration::from_nanos(self.next_u64() % nanos.saturating_add(1))
    }
}

/// Jitter that always answers the ceiling itself: plain exponential backoff, handy in tests.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoJitter;

impl Jitter for NoJitter {
    fn draw(&self, ceiling: Duration) -> Duration {
        ceiling
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_jitter_stays_within_the_ceiling() {
        let j = RandomJitter::with_seed(42);
        let ceiling = Duration::from_millis(300);
        for _ in 0..1000 {
            assert!(j.draw(ceiling) <= ceiling);
        }
        assert_eq!(j.draw(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn no_jitter_is_the_ceiling() {
        assert_eq!(
            NoJitter.draw(Duration::from_secs(3)),
            Duration::from_secs(3)
        );
    }
}
