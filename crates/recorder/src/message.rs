//! What travels from `record` to the background task: an event with its bookkeeping, or a flush marker.

use tokio::sync::oneshot;
use unibill_core::UsageEvent;

use crate::stats::RecorderStats;

/// An event on its way: when it was first queued (for `max_age`), its spool row (with the spool on), and how
/// often it was sent.
#[derive(Debug)]
pub(crate) struct Queued {
    pub event: UsageEvent,
    /// Milliseconds since the Unix epoch, on the recorder's clock, when `record` first took it.
    pub queued_ms: i64,
    /// Its row in the spool, once committed there.
    pub spool_id: Option<i64>,
    /// Requests that carried it so far.
    pub attempts: u32,
}

impl Queued {
    pub fn new(event: UsageEvent, queued_ms: i64) -> Self {
        Queued {
            event,
            queued_ms,
            spool_id: None,
            attempts: 0,
        }
    }
}

/// One message of the queue.
#[derive(Debug)]
pub(crate) enum Msg {
    Event(Queued),
    /// Answer once every event queued before this marker has an outcome.
    Flush(oneshot::Sender<RecorderStats>),
}
