//! The [`DeliveryLog`] trait: two-phase dedupe of webhook deliveries ([`Begin`], [`Ticket`]) and its
//! [`LogPolicy`] (lease and retention).

use std::fmt::Debug;
use std::time::Duration;

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use unibill_core::Result;

/// How long a delivery may stay in progress before it counts as abandoned: 5 minutes.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(5 * 60);

/// How long a handled delivery is remembered: 7 days (longer than Svix's and Flowglad's retry schedules; use
/// 30 days or more for Vercel, which has no replay window).
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// A delivery log's times: the lease of a delivery in progress and the retention of a handled one.
///
/// ```
/// use std::time::Duration;
/// use unibill_webhooks::LogPolicy;
/// let policy = LogPolicy::default().retention(Duration::from_secs(30 * 24 * 3600));
/// assert_eq!(policy.lease, unibill_webhooks::DEFAULT_LEASE);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct LogPolicy {
    /// A delivery in progress for longer than this counts as abandoned (its handler crashed or hung), and
    /// the next [`DeliveryLog::begin`] of it takes it over.
    pub lease: Duration,
    /// A handled delivery is forgotten this long after it completed; a re-delivery after that is handled
    /// again. Keep it longer than the provider's retry schedule.
    pub retention: Duration,
}

impl Default for LogPolicy {
    fn default() -> Self {
        LogPolicy {
            lease: DEFAULT_LEASE,
            retention: DEFAULT_RETENTION,
        }
    }
}

impl LogPolicy {
    /// With this lease.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// With this retention.
    pub fn retention(mut self, retention: Duration) -> Self {
        self.retention = retention;
        self
    }

    /// What [`DeliveryLog::begin`] answers at `now` for a delivery claimed at `started_at`: `None` once the
    /// lease ended, else [`Begin::InProgress`].
    pub fn in_progress(&self, started_at: Timestamp, now: Timestamp) -> Option<Begin> {
        let lease_ends = self.lease_end(started_at);
        (lease_ends > now).then(|| Begin::InProgress {
            lease_ends,
            remaining: Duration::try_from(lease_ends.duration_since(now))
                .unwrap_or_default()
                .max(Duration::from_millis(1)),
        })
    }

    /// When a delivery started at `started_at` stops being in progress.
    pub fn lease_end(&self, started_at: Timestamp) -> Timestamp {
        shift(started_at, self.lease, 1)
    }

    /// Handled deliveries that completed before this instant are forgotten by a prune at `now`.
    pub fn retention_cutoff(&self, now: Timestamp) -> Timestamp {
        shift(now, self.retention, -1)
    }
}

/// `t` moved by `d` forward (`sign` 1) or back (-1), stopping at jiff's range.
fn shift(t: Timestamp, d: Duration, sign: i32) -> Timestamp {
    let bound = if sign > 0 {
        Timestamp::MAX
    } else {
        Timestamp::MIN
    };
    SignedDuration::try_from(d)
        .ok()
        .and_then(|d| t.checked_add(d * sign).ok())
        .unwrap_or(bound)
}

/// The claim on a delivery that [`DeliveryLog::begin`] hands out: give it back with
/// [`complete`](DeliveryLog::complete) once the application handled the delivery, or
/// [`abandon`](DeliveryLog::abandon) when it failed.
///
/// Not `Clone`: one claim, given back once. A ticket that is dropped instead (a crash, a cancelled request)
/// leaves the delivery in progress until the lease ends.
#[derive(Debug, PartialEq, Eq)]
pub struct Ticket {
    provider: String,
    delivery_id: String,
    token: String,
    started_at: Timestamp,
}

impl Ticket {
    /// A claim on `delivery_id` of `provider`, told apart from other claims on the same delivery by `token`
    /// (for [`DeliveryLog`] implementations).
    pub fn new(
        provider: impl Into<String>,
        delivery_id: impl Into<String>,
        token: impl Into<String>,
        started_at: Timestamp,
    ) -> Self {
        Ticket {
            provider: provider.into(),
            delivery_id: delivery_id.into(),
            token: token.into(),
            started_at,
        }
    }

    /// A fresh claim with a random token.
    pub(crate) fn fresh(provider: &str, delivery_id: &str, started_at: Timestamp) -> Self {
        Ticket::new(
            provider,
            delivery_id,
            uuid::Uuid::new_v4().simple().to_string(),
            started_at,
        )
    }

    /// The provider the delivery came from.
    pub fn provider(&self) -> &str {
        &self.provider
    }

    /// The delivery's id.
    pub fn delivery_id(&self) -> &str {
        &self.delivery_id
    }

    /// What tells this claim from an earlier one that lost its lease.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// When the claim was made.
    pub fn started_at(&self) -> Timestamp {
        self.started_at
    }
}

/// What [`DeliveryLog::begin`] found.
#[derive(Debug, PartialEq, Eq)]
#[must_use]
pub enum Begin {
    /// Not seen yet (or its earlier attempt was abandoned or lost its lease): handle it, then give the ticket
    /// back.
    New(Ticket),
    /// Another attempt is handling it now: answer so that the provider re-delivers later (it may fail).
    InProgress {
        /// When that attempt's lease ends (on the log's clock).
        lease_ends: Timestamp,
        /// How long until then (at least a millisecond): when a re-delivery may be taken over.
        remaining: Duration,
    },
    /// Handled already: acknowledge it without handling it again.
    Done,
}

/// Which webhook deliveries were handled, so that each one reaches the application once.
///
/// Two-phase: [`begin`](Self::begin) claims a delivery before the application handles it, and
/// [`complete`](Self::complete) records it as done only once the handler succeeded; on failure
/// [`abandon`](Self::abandon) forgets the claim, so the provider's re-delivery is handled again. A claim that is
/// never given back counts as abandoned once its [`LogPolicy::lease`] ends. Handled deliveries are remembered for
/// [`LogPolicy::retention`] ([`prune`](Self::prune) forgets older ones).
///
/// Keyed by the provider's name and the delivery id ([`unibill_core::WebhookEvent::delivery_id`]). Events
/// can still repeat under new delivery ids (a provider re-emitting an event): handlers stay idempotent.
///
/// Implementations: [`crate::MemoryDeliveryLog`] and, with the `sqlite` feature, `SqliteDeliveryLog`.
#[async_trait]
pub trait DeliveryLog: Send + Sync + Debug {
    /// Claims `delivery_id` of `provider`, unless it is done or in progress under a live lease.
    async fn begin(&self, provider: &str, delivery_id: &str) -> Result<Begin>;

    /// Records the ticket's delivery as handled. The delivery is done whether this claim still held the lease
    /// or not (the work was done); completing a done delivery changes nothing.
    async fn complete(&self, ticket: Ticket) -> Result<()>;

    /// Forgets the ticket's claim so a re-delivery is handled again; nothing happens if the claim lost its
    /// lease to a newer one, or the delivery is done.
    async fn abandon(&self, ticket: Ticket) -> Result<()>;

    /// Forgets handled deliveries older than the retention and claims whose lease ended; answers how many.
    async fn prune(&self) -> Result<u64>;
}

#[async_trait]
impl<T: DeliveryLog + ?Sized> DeliveryLog for std::sync::Arc<T> {
    async fn begin(&self, provider: &str, delivery_id: &str) -> Result<Begin> {
        (**self).begin(provider, delivery_id).await
    }
    async fn complete(&self, ticket: Ticket) -> Result<()> {
        (**self).complete(ticket).await
    }
    async fn abandon(&self, ticket: Ticket) -> Result<()> {
        (**self).abandon(ticket).await
    }
    async fn prune(&self) -> Result<u64> {
        (**self).prune().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_saturate_at_the_range() {
        let policy = LogPolicy::default();
        assert_eq!(policy.lease_end(Timestamp::MAX), Timestamp::MAX);
        assert_eq!(policy.retention_cutoff(Timestamp::MIN), Timestamp::MIN);
        let t: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        assert_eq!(policy.lease_end(t).to_string(), "2026-01-01T00:05:00Z");
        assert_eq!(
            policy.retention_cutoff(t).to_string(),
            "2025-12-25T00:00:00Z"
        );
    }
}
