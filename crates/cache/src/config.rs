//! [`CacheConfig`]: the declared staleness bounds, the fail rule, the usage overlay's pipeline lag and the
//! memory bound of a [`crate::CachedEntitlements`].

use std::collections::HashMap;
use std::time::Duration;

use unibill_core::{Error, FieldError, Result};

/// What a check answers when the provider cannot be reached (a retryable error: unavailable, timeout,
/// transport, rate limited) and the cached answer is past its staleness bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailMode {
    /// `Unavailable`: no answer is better than a wrong one (the default).
    Closed,
    /// The last known answer, marked [`unibill_core::Freshness::Stale`] with its age, while it is at most
    /// `max_age` old (`None`: however old); past that, or with no answer known, `Unavailable`.
    Open {
        /// The oldest answer still served; `None` for no limit.
        max_age: Option<Duration>,
    },
}

impl FailMode {
    /// Fail open with no age limit.
    pub const fn open() -> Self {
        FailMode::Open { max_age: None }
    }

    /// Fail open while the last known answer is at most `max_age` old.
    pub const fn open_up_to(max_age: Duration) -> Self {
        FailMode::Open {
            max_age: Some(max_age),
        }
    }
}

/// How long a usage event the provider acknowledged may still be missing from the provider's own answers.
///
/// Flexprice counts usage through a pipeline ("events still in Kafka are not yet counted"): 60 s. Flowglad and
/// memory count an event when they acknowledge it: zero. Any other provider: 60 s (counting an event twice for
/// a while denies early; not counting it allows past the limit).
pub fn default_pipeline_lag(provider: &str) -> Duration {
    match provider {
        "flowglad" | "memory" => Duration::ZERO,
        _ => Duration::from_secs(60),
    }
}

/// The configuration of a [`crate::CachedEntitlements`]. Every setting has a default; [`CacheConfig::check`]
/// is run when the cache is built.
///
/// ```
/// use std::time::Duration;
/// use unibill_cache::{CacheConfig, FailMode};
/// let config = CacheConfig::default()
///     .deny_staleness(Duration::from_secs(2))
///     .fail_mode(FailMode::open_up_to(Duration::from_secs(600)))
///     .feature_fail_mode("api_calls", FailMode::Closed)
///     .meter("api_calls", "api_requests");
/// assert_eq!(config.staleness(true), Duration::from_secs(60));
/// assert_eq!(config.fail_mode_of("sso"), FailMode::open_up_to(Duration::from_secs(600)));
/// assert_eq!(config.fail_mode_of("api_calls"), FailMode::Closed);
/// assert_eq!(config.meter_of("api_calls"), "api_requests");
/// assert_eq!(config.meter_of("storage"), "storage");
/// ```
#[derive(Debug, Clone)]
pub struct CacheConfig {
    pub(crate) allow_staleness: Duration,
    pub(crate) deny_staleness: Duration,
    pub(crate) refresh_at_percent: u32,
    pub(crate) fail_mode: FailMode,
    pub(crate) feature_fail_modes: HashMap<String, FailMode>,
    pub(crate) failure_backoff: Duration,
    pub(crate) pipeline_lag: Option<Duration>,
    pub(crate) feature_meters: HashMap<String, String>,
    pub(crate) max_customers: usize,
}

impl Default for CacheConfig {
    /// Allow answers 60 s, deny answers 5 s, refresh in the background at 80 % of the bound, fail closed, 1 s
    /// between attempts on a provider that failed, the pipeline lag of the provider's name
    /// ([`default_pipeline_lag`]), 100,000 customers.
    fn default() -> Self {
        CacheConfig {
            allow_staleness: Duration::from_secs(60),
            deny_staleness: Duration::from_secs(5),
            refresh_at_percent: 80,
            fail_mode: FailMode::Closed,
            feature_fail_modes: HashMap::new(),
            failure_backoff: Duration::from_secs(1),
            pipeline_lag: None,
            feature_meters: HashMap::new(),
            max_customers: 100_000,
        }
    }
}

impl CacheConfig {
    /// The oldest an answer giving access is served from memory (default 60 s). Zero: never from memory.
    pub fn allow_staleness(mut self, v: Duration) -> Self {
        self.allow_staleness = v;
        self
    }

    /// The oldest an answer refusing access (and an unknown customer) is served from memory (default 5 s).
    pub fn deny_staleness(mut self, v: Duration) -> Self {
        self.deny_staleness = v;
        self
    }

    /// When a check that finds an answer this old (in percent of its bound, 1..=100; default 80) also starts a
    /// refresh in the background, so that busy customers rarely wait for the provider. 100: never ahead.
    pub fn refresh_at_percent(mut self, v: u32) -> Self {
        self.refresh_at_percent = v;
        self
    }

    /// The rule for every feature without its own ([`CacheConfig::feature_fail_mode`]); default
    /// [`FailMode::Closed`].
    pub fn fail_mode(mut self, v: FailMode) -> Self {
        self.fail_mode = v;
        self
    }

    /// The rule for one feature.
    pub fn feature_fail_mode(mut self, feature_key: impl Into<String>, v: FailMode) -> Self {
        self.feature_fail_modes.insert(feature_key.into(), v);
        self
    }

    /// After a failed request, how long checks answer by the fail rule without asking the provider again
    /// (default 1 s): a provider that is down or rate limiting is not asked once per check.
    pub fn failure_backoff(mut self, v: Duration) -> Self {
        self.failure_backoff = v;
        self
    }

    /// How long after the provider acknowledged a usage event its own answers may still miss it (default:
    /// [`default_pipeline_lag`] of the provider's name).
    pub fn pipeline_lag(mut self, v: Duration) -> Self {
        self.pipeline_lag = Some(v);
        self
    }

    /// The meter whose usage counts towards a metered feature, for the usage overlay. A feature without one is
    /// counted by the meter of its own key (how Flexprice's carrier features and the §1 flow name them).
    pub fn meter(mut self, feature_key: impl Into<String>, meter_key: impl Into<String>) -> Self {
        self.feature_meters
            .insert(feature_key.into(), meter_key.into());
        self
    }

    /// The most customers kept in memory (default 100,000); the least used go first.
    pub fn max_customers(mut self, v: usize) -> Self {
        self.max_customers = v;
        self
    }

    /// The staleness bound of an answer that gives access (`true`) or refuses it.
    pub fn staleness(&self, access: bool) -> Duration {
        if access {
            self.allow_staleness
        } else {
            self.deny_staleness
        }
    }

    /// The fail rule of a feature.
    pub fn fail_mode_of(&self, feature_key: &str) -> FailMode {
        self.feature_fail_modes
            .get(feature_key)
            .copied()
            .unwrap_or(self.fail_mode)
    }

    /// The meter that counts a feature's usage.
    pub fn meter_of<'a>(&'a self, feature_key: &'a str) -> &'a str {
        self.feature_meters
            .get(feature_key)
            .map_or(feature_key, String::as_str)
    }

    /// `InvalidInput` naming each setting out of range: `max_customers` at least 1, `refresh_at_percent`
    /// 1..=100.
    pub fn check(&self) -> Result<()> {
        let mut errors = Vec::new();
        if self.max_customers == 0 {
            errors.push(FieldError::new("max_customers", "must be at least 1"));
        }
        if !(1..=100).contains(&self.refresh_at_percent) {
            errors.push(FieldError::new(
                "refresh_at_percent",
                "must be between 1 and 100",
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Error::invalid_fields(errors))
        }
    }

    /// The age from which a hit on an answer of this bound refreshes in the background.
    pub(crate) fn refresh_at(&self, bound: Duration) -> Duration {
        bound * self.refresh_at_percent / 100
    }

    /// The longest an overlay entry can matter to an answer served within its bound.
    pub(crate) fn longest_bound(&self) -> Duration {
        self.allow_staleness.max(self.deny_staleness)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_settings_are_named() {
        let err = CacheConfig::default()
            .max_customers(0)
            .refresh_at_percent(0)
            .check()
            .unwrap_err();
        let fields: Vec<_> = err
            .field_errors()
            .iter()
            .map(|e| e.field.as_str())
            .collect();
        assert_eq!(fields, ["max_customers", "refresh_at_percent"]);
        assert!(
            CacheConfig::default()
                .refresh_at_percent(100)
                .check()
                .is_ok()
        );
        assert!(
            CacheConfig::default()
                .refresh_at_percent(101)
                .check()
                .is_err()
        );
    }

    #[test]
    fn refresh_ahead_and_lags() {
        let c = CacheConfig::default();
        assert_eq!(
            c.refresh_at(Duration::from_secs(60)),
            Duration::from_secs(48)
        );
        assert_eq!(c.longest_bound(), Duration::from_secs(60));
        assert_eq!(default_pipeline_lag("flexprice"), Duration::from_secs(60));
        assert_eq!(default_pipeline_lag("flowglad"), Duration::ZERO);
        assert_eq!(default_pipeline_lag("memory"), Duration::ZERO);
    }
}
