//! [`MemoryDeliveryLog`]: a bounded delivery log in the process's memory.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use jiff::Timestamp;
use unibill_core::{Clock, Error, ErrorKind, Result, SystemClock};

use crate::log::{Begin, DeliveryLog, LogPolicy, Ticket};

/// How many deliveries a [`MemoryDeliveryLog`] holds by default: 100,000.
pub const DEFAULT_CAPACITY: usize = 100_000;

type Key = (String, String);

enum Entry {
    InProgress {
        token: String,
        started_at: Timestamp,
    },
    Done,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<Key, Entry>,
    /// Done entries by completion time (and a sequence number for ties): the order they are forgotten in.
    done: BTreeMap<(Timestamp, u64), Key>,
    seq: u64,
}

/// A delivery log in memory: for one process (each replica of a service dedupes on its own) and lost on
/// restart (a re-delivery after a restart is handled again). Use `SqliteDeliveryLog` (feature `sqlite`) to
/// keep it across restarts.
///
/// Bounded: at most [`capacity`](MemoryDeliveryLogBuilder::capacity) deliveries. When full, handled
/// deliveries past the retention go first, then the oldest handled ones; a log full of deliveries in progress
/// refuses new ones with `Unavailable` (the provider re-delivers later).
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use unibill_webhooks::{Begin, DeliveryLog, MemoryDeliveryLog};
/// let log = MemoryDeliveryLog::new();
/// let Begin::New(ticket) = log.begin("memory", "msg_1").await? else { unreachable!() };
/// assert!(matches!(log.begin("memory", "msg_1").await?, Begin::InProgress { .. }));
/// log.complete(ticket).await?;
/// assert_eq!(log.begin("memory", "msg_1").await?, Begin::Done);
/// # Ok::<(), unibill_core::Error>(()) }).unwrap();
/// ```
pub struct MemoryDeliveryLog {
    inner: Mutex<Inner>,
    clock: Arc<dyn Clock>,
    policy: LogPolicy,
    capacity: usize,
}

impl fmt::Debug for MemoryDeliveryLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryDeliveryLog")
            .field("len", &self.len())
            .field("capacity", &self.capacity)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl Default for MemoryDeliveryLog {
    fn default() -> Self {
        MemoryDeliveryLog::new()
    }
}

impl MemoryDeliveryLog {
    /// On the system clock, with the default policy and capacity.
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// Sets the clock, policy and capacity.
    pub fn builder() -> MemoryDeliveryLogBuilder {
        MemoryDeliveryLogBuilder {
            clock: Arc::new(SystemClock),
            policy: LogPolicy::default(),
            capacity: DEFAULT_CAPACITY,
        }
    }

    /// How many deliveries it holds (in progress and handled).
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Makes room for one more entry, or says why there is none.
    fn make_room(&self, inner: &mut Inner, now: Timestamp) -> Result<()> {
        if inner.entries.len() < self.capacity {
            return Ok(());
        }
        forget_done_before(inner, self.policy.retention_cutoff(now));
        while inner.entries.len() >= self.capacity {
            let Some((_, key)) = inner.done.pop_first() else {
                break;
            };
            inner.entries.remove(&key);
        }
        if inner.entries.len() >= self.capacity {
            forget_lapsed(inner, &self.policy, now);
        }
        if inner.entries.len() >= self.capacity {
            return Err(Error::new(
                ErrorKind::Unavailable,
                format!(
                    "the memory delivery log is full ({} deliveries in progress)",
                    self.capacity
                ),
            )
            .with_operation("webhooks.log.begin"));
        }
        Ok(())
    }
}

/// Forgets the done entries that completed before `cutoff`; answers how many.
fn forget_done_before(inner: &mut Inner, cutoff: Timestamp) -> u64 {
    let keep = inner.done.split_off(&(cutoff, 0));
    let old = std::mem::replace(&mut inner.done, keep);
    for key in old.values() {
        inner.entries.remove(key);
    }
    old.len() as u64
}

/// Forgets the claims whose lease ended; answers how many.
fn forget_lapsed(inner: &mut Inner, policy: &LogPolicy, now: Timestamp) -> u64 {
    let before = inner.entries.len();
    inner.entries.retain(|_, e| match e {
        Entry::InProgress { started_at, .. } => policy.lease_end(*started_at) > now,
        Entry::Done => true,
    });
    (before - inner.entries.len()) as u64
}

/// Sets up a [`MemoryDeliveryLog`].
#[derive(Debug)]
pub struct MemoryDeliveryLogBuilder {
    clock: Arc<dyn Clock>,
    policy: LogPolicy,
    capacity: usize,
}

impl MemoryDeliveryLogBuilder {
    /// The clock leases and retention are measured on.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The lease and retention.
    pub fn policy(mut self, policy: LogPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// At most this many deliveries (at least 1).
    pub fn capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity.max(1);
        self
    }

    /// The log.
    pub fn build(self) -> MemoryDeliveryLog {
        MemoryDeliveryLog {
            inner: Mutex::new(Inner::default()),
            clock: self.clock,
            policy: self.policy,
            capacity: self.capacity,
        }
    }
}

#[async_trait]
impl DeliveryLog for MemoryDeliveryLog {
    async fn begin(&self, provider: &str, delivery_id: &str) -> Result<Begin> {
        let now = self.clock.timestamp();
        let key = (provider.to_owned(), delivery_id.to_owned());
        let mut inner = self.lock();
        match inner.entries.get(&key) {
            Some(Entry::Done) => return Ok(Begin::Done),
            Some(Entry::InProgress { started_at, .. }) => {
                if let Some(held) = self.policy.in_progress(*started_at, now) {
                    return Ok(held);
                }
            }
            None => self.make_room(&mut inner, now)?,
        }
        let ticket = Ticket::fresh(provider, delivery_id, now);
        inner.entries.insert(
            key,
            Entry::InProgress {
                token: ticket.token().to_owned(),
                started_at: now,
            },
        );
        Ok(Begin::New(ticket))
    }

    async fn complete(&self, ticket: Ticket) -> Result<()> {
        let now = self.clock.timestamp();
        let key = (
            ticket.provider().to_owned(),
            ticket.delivery_id().to_owned(),
        );
        let mut inner = self.lock();
        match inner.entries.get(&key) {
            Some(Entry::Done) => return Ok(()),
            Some(Entry::InProgress { .. }) => {}
            // Forgotten meanwhile (a lapsed claim pruned, or evicted): record it if there is room, else a
            // re-delivery is handled again, which handlers tolerate.
            None => {
                if self.make_room(&mut inner, now).is_err() {
                    return Ok(());
                }
            }
        }
        inner.seq += 1;
        let seq = inner.seq;
        inner.done.insert((now, seq), key.clone());
        inner.entries.insert(key, Entry::Done);
        Ok(())
    }

    async fn abandon(&self, ticket: Ticket) -> Result<()> {
        let key = (
            ticket.provider().to_owned(),
            ticket.delivery_id().to_owned(),
        );
        let mut inner = self.lock();
        if matches!(inner.entries.get(&key), Some(Entry::InProgress { token, .. }) if token == ticket.token())
        {
            inner.entries.remove(&key);
        }
        Ok(())
    }

    async fn prune(&self) -> Result<u64> {
        let now = self.clock.timestamp();
        let mut inner = self.lock();
        let done = forget_done_before(&mut inner, self.policy.retention_cutoff(now));
        Ok(done + forget_lapsed(&mut inner, &self.policy, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn completing_twice_keeps_the_first_time() {
        let clock = unibill_core::ManualClock::new("2026-01-01T00:00:00Z".parse().unwrap());
        let log = MemoryDeliveryLog::builder()
            .clock(Arc::new(clock.clone()))
            .build();
        let Begin::New(t) = log.begin("p", "d").await.unwrap() else {
            panic!("new")
        };
        let again = Ticket::new("p", "d", "other", t.started_at());
        log.complete(t).await.unwrap();
        clock.advance_by(std::time::Duration::from_secs(60));
        log.complete(again).await.unwrap();
        let inner = log.lock();
        let times: Vec<_> = inner.done.keys().map(|(at, _)| at.to_string()).collect();
        assert_eq!(times, ["2026-01-01T00:00:00Z"]);
    }
}
