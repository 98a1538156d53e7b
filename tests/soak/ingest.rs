//! Usage ingestion under faults: events with fixed keys and times sent in batches, every event the report says
//! was not recorded (and every batch whose whole call failed retryably) sent again, unchanged, until each one is
//! taken or the rounds run out. What the provider then holds is counted by the caller of [`run`].

use std::collections::BTreeMap;

use unibill::{ErrorKind, IdempotencyKey, Usage, UsageEvent};

/// Rounds of re-sending before the events still not recorded are reported as left.
pub const MAX_ROUNDS: u32 = 20;

/// What the sender saw, before anything is counted on the provider's side.
#[derive(Debug, Default)]
pub struct Sent {
    /// `Usage::ingest` calls, the first sends and the re-sends.
    pub calls: u64,
    /// Rounds run (1 when no event needed a second send).
    pub rounds: u32,
    /// Calls that re-sent a batch (some events of an earlier call, unchanged).
    pub resent_batches: u64,
    /// Events sent again, summed over the re-sent batches.
    pub resent_events: u64,
    /// `NotRecorded` answers (an event can collect one per round).
    pub not_recorded: u64,
    /// Whole calls that failed: re-sent when the failure is retryable, reported otherwise.
    pub call_errors: u64,
    /// The last answer per event: `accepted`, `recorded`, `duplicate`, `rejected`, or `not_recorded` when the
    /// rounds ran out (or a whole call failed for good).
    pub last: BTreeMap<IdempotencyKey, &'static str>,
}

impl Sent {
    /// Events whose last answer is not a success.
    pub fn left(&self) -> Vec<&IdempotencyKey> {
        self.last
            .iter()
            .filter(|(_, o)| !matches!(**o, "accepted" | "recorded" | "duplicate"))
            .map(|(k, _)| k)
            .collect()
    }

    /// How many events ended with each answer.
    pub fn by_outcome(&self) -> BTreeMap<&'static str, u64> {
        let mut out = BTreeMap::new();
        for o in self.last.values() {
            *out.entry(*o).or_default() += 1;
        }
        out
    }
}

/// A whole call's error that may not have reached the provider or may have been lost on the way back.
fn worth_resending(kind: ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::OutcomeUnknown
            | ErrorKind::Unavailable
            | ErrorKind::RateLimited
            | ErrorKind::Transport
            | ErrorKind::Timeout
    )
}

/// Sends `events` in batches of `batch` (in order), then re-sends, batch by batch, what was not recorded.
pub async fn run(usage: &dyn Usage, events: &[UsageEvent], batch: usize) -> Sent {
    let mut sent = Sent::default();
    let mut pending: Vec<Vec<UsageEvent>> = events.chunks(batch).map(<[_]>::to_vec).collect();
    while !pending.is_empty() && sent.rounds < MAX_ROUNDS {
        let resend = sent.rounds > 0;
        sent.rounds += 1;
        let mut next = Vec::new();
        for events in pending {
            sent.calls += 1;
            if resend {
                sent.resent_batches += 1;
                sent.resent_events += events.len() as u64;
            }
            match usage.ingest(events.clone()).await {
                Ok(report) => {
                    let mut again = Vec::new();
                    for (e, (key, outcome)) in events.iter().zip(report.iter()) {
                        assert_eq!(e.key(), key, "the report follows the batch's order");
                        sent.last.insert(key.clone(), outcome.name());
                        if outcome.should_resend() {
                            sent.not_recorded += 1;
                            again.push(e.clone());
                        }
                    }
                    assert_eq!(report.len(), events.len(), "one answer per event");
                    if !again.is_empty() {
                        next.push(again);
                    }
                }
                Err(err) => {
                    sent.call_errors += 1;
                    for e in &events {
                        sent.last.insert(e.key().clone(), "not_recorded");
                    }
                    if worth_resending(err.kind()) {
                        next.push(events);
                    }
                }
            }
        }
        pending = next;
    }
    sent
}
