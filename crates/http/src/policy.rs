//! [`RetryPolicy`]: how many attempts, how long to back off, how long a `Retry-After` may ask us to wait.

use std::time::Duration;

/// How often and how patiently a call is retried.
///
/// Which failures are retried at all is decided by the retry table ([`crate::decide`]) from the request's
/// [`Safety`](crate::Safety); the policy only bounds it.
///
/// ```
/// use std::time::Duration;
/// use unibill_http::RetryPolicy;
///
/// let policy = RetryPolicy::default().with_max_attempts(5);
/// assert_eq!(policy.max_attempts, 5);
/// assert_eq!(RetryPolicy::never().max_attempts, 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per call, counting the first (so `1` never retries). `0` is treated as `1`.
    pub max_attempts: u32,
    /// The backoff ceiling of the first retry; it doubles with every further retry.
    pub backoff_base: Duration,
    /// The largest backoff ceiling.
    pub backoff_cap: Duration,
    /// The longest `Retry-After` we honour; a longer one ends the call in `RateLimited`.
    pub max_retry_after: Duration,
}

impl RetryPolicy {
    /// A policy that sends every request exactly once.
    pub const fn never() -> Self {
        RetryPolicy {
            max_attempts: 1,
            backoff_base: Duration::ZERO,
            backoff_cap: Duration::ZERO,
            max_retry_after: Duration::ZERO,
        }
    }

    /// Sets [`RetryPolicy::max_attempts`].
    pub const fn with_max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts;
        self
    }

    /// Sets [`RetryPolicy::backoff_base`] and [`RetryPolicy::backoff_cap`].
    pub const fn with_backoff(mut self, base: Duration, cap: Duration) -> Self {
        self.backoff_base = base;
        self.backoff_cap = cap;
        self
    }

    /// Sets [`RetryPolicy::max_retry_after`].
    pub const fn with_max_retry_after(mut self, max_retry_after: Duration) -> Self {
        self.max_retry_after = max_retry_after;
        self
    }

    /// The backoff ceiling after `attempt` (1-based) failed: `min(cap, base * 2^(attempt-1))`.
    pub fn backoff_ceiling(&self, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1).min(31);
        self.backoff_base
            .checked_mul(1u32 << exponent)
            .unwrap_or(self.backoff_cap)
            .min(self.backoff_cap)
    }
}

impl Default for RetryPolicy {
    /// 4 attempts, backoff 200 ms doubling up to 10 s, `Retry-After` honoured up to 60 s.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            backoff_base: Duration::from_millis(200),
            backoff_cap: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = RetryPolicy::default();
        assert_eq!(p.backoff_ceiling(1), Duration::from_millis(200));
        assert_eq!(p.backoff_ceiling(2), Duration::from_millis(400));
        assert_eq!(p.backoff_ceiling(3), Duration::from_millis(800));
        assert_eq!(p.backoff_ceiling(10), Duration::from_secs(10));
        assert_eq!(p.backoff_ceiling(u32::MAX), Duration::from_secs(10));
    }
}
