//! [`RecorderStats`]: a snapshot of the recorder's counters, and the counters themselves.

use std::sync::atomic::{AtomicU64, Ordering};

/// What the recorder holds and what became of the events so far (a snapshot).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecorderStats {
    /// Waiting to be sent: in the queue or in the batch being filled.
    pub queued: u64,
    /// In a batch being sent, or waiting to be sent again.
    pub in_flight: u64,
    /// The provider answered `Recorded` (durable).
    pub recorded: u64,
    /// The provider answered `Accepted` (taken, not yet durable: Flexprice).
    pub accepted: u64,
    /// The provider already had them (`Duplicate`).
    pub duplicates: u64,
    /// Handed to the failure channel.
    pub failed: u64,
    /// Requests made (`Usage::ingest` calls), re-sends included.
    pub calls: u64,
    /// Events sent again after a `NotRecorded` answer or a retryable failure of the whole call.
    pub resent: u64,
}

impl RecorderStats {
    /// Events with an outcome: recorded + accepted + duplicates + failed.
    pub fn settled(&self) -> u64 {
        self.recorded + self.accepted + self.duplicates + self.failed
    }
}

/// The shared counters (updated once per batch, never per event on the hot path).
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub forming: AtomicU64,
    pub in_flight: AtomicU64,
    pub recorded: AtomicU64,
    pub accepted: AtomicU64,
    pub duplicates: AtomicU64,
    pub failed: AtomicU64,
    pub calls: AtomicU64,
    pub resent: AtomicU64,
}

impl Counters {
    pub fn add(counter: &AtomicU64, n: u64) {
        if n > 0 {
            counter.fetch_add(n, Ordering::Relaxed);
        }
    }

    pub fn sub(counter: &AtomicU64, n: u64) {
        if n > 0 {
            counter.fetch_sub(n, Ordering::Relaxed);
        }
    }

    pub fn snapshot(&self, queued_in_channel: u64) -> RecorderStats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        RecorderStats {
            queued: queued_in_channel + get(&self.forming),
            in_flight: get(&self.in_flight),
            recorded: get(&self.recorded),
            accepted: get(&self.accepted),
            duplicates: get(&self.duplicates),
            failed: get(&self.failed),
            calls: get(&self.calls),
            resent: get(&self.resent),
        }
    }
}
