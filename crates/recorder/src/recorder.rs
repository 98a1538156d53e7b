//! [`UsageRecorder`]: the handle the application records through.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch};

use tokio::task::JoinHandle;
use unibill_core::{Sleeper, UsageEvent};

use crate::error::RecordError;
use crate::message::{Msg, Queued};
use crate::settings::{FullQueue, Settings};
use crate::stats::{Counters, RecorderStats};

/// Where `record` puts an event.
#[derive(Debug)]
pub(crate) enum Intake {
    /// Straight onto the queue of the background task.
    Queue(crate::queue::Queue),
    /// Into the spool, committed before `record` returns.
    #[cfg(feature = "spool")]
    Spool(crate::spool::Appender),
}

/// The background parts, taken by `shutdown`.
pub(crate) struct Running {
    pub worker: JoinHandle<Vec<UsageEvent>>,
    pub closing: watch::Sender<bool>,
    pub abort: watch::Sender<bool>,
    #[cfg(feature = "spool")]
    pub spool: Option<crate::spool::WriterHandle>,
}

pub(crate) struct Inner {
    pub intake: Intake,
    pub full_queue: FullQueue,
    pub settings: Settings,
    pub counters: Arc<Counters>,
    pub queued: Arc<dyn Fn() -> u64 + Send + Sync>,
    pub running: Mutex<Option<Running>>,
}

/// Records usage events without waiting for the provider: each event goes onto a bounded queue (and, with the
/// spool, into a SQLite file first), and a background task sends them in batches. Cheap to clone: clones share
/// one queue. Built by [`crate::RecorderBuilder`].
#[derive(Clone)]
pub struct UsageRecorder {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for UsageRecorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UsageRecorder")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

/// What [`UsageRecorder::shutdown`] could not send before its deadline: events without an outcome, unchanged
/// (re-send them later with the same keys and times; with the spool on they are also still in the spool and
/// are re-sent at the next start).
#[derive(Debug, Default)]
pub struct Unsent {
    /// The events.
    pub events: Vec<UsageEvent>,
}

impl UsageRecorder {
    /// Queues `event`. Waits only while the queue is full (with [`FullQueue::Block`], the default); with the
    /// spool on, returns once the event is committed to the spool file (a group commit shared with the other
    /// events recorded meanwhile). The event's key and time are what every send carries.
    #[allow(clippy::manual_async_fn)] // deliberately not an `async fn`, see the first comment
    pub fn record(
        &self,
        event: UsageEvent,
    ) -> impl Future<Output = Result<(), RecordError>> + Send + '_ {
        // A block, not an `async fn` (which keeps its argument twice), that tries for room before it waits for
        // it: an event is moved as few times as possible on its way into the queue.
        async move {
            let q = Queued::new(event, self.inner.settings.now_ms());
            match &self.inner.intake {
                Intake::Queue(tx) => match self.inner.full_queue {
                    FullQueue::Block => match tx.try_send(Msg::Event(q)) {
                        Ok(()) => Ok(()),
                        Err(mpsc::error::TrySendError::Full(msg)) => {
                            tx.send(msg).await.map_err(closed)
                        }
                        Err(mpsc::error::TrySendError::Closed(msg)) => Err(closed(msg)),
                    },
                    FullQueue::Reject => try_queue(tx, q),
                },
                #[cfg(feature = "spool")]
                Intake::Spool(s) => s.append(q, self.inner.full_queue).await,
            }
        }
    }

    /// Queues `event` without ever waiting: a full queue is [`RecordError::QueueFull`] with the event handed
    /// back. With the spool on, the event is committed by the next group commit, after this returns (`record`
    /// waits for it).
    pub fn try_record(&self, event: UsageEvent) -> Result<(), RecordError> {
        let q = Queued::new(event, self.inner.settings.now_ms());
        match &self.inner.intake {
            Intake::Queue(tx) => try_queue(tx, q),
            #[cfg(feature = "spool")]
            Intake::Spool(s) => s.try_append(q),
        }
    }

    /// Waits until every event recorded before this call has an outcome (`Recorded`, `Accepted`, `Duplicate`,
    /// or handed to the failure channel), sending a partly filled batch at once; answers the counters then.
    /// `Accepted` is not durable (Flexprice may still lose it). After shutdown it answers at once.
    pub async fn flush(&self) -> RecorderStats {
        let (answer, rx) = oneshot::channel();
        let sent = match &self.inner.intake {
            Intake::Queue(tx) => tx.send(Msg::Flush(answer)).await.is_ok(),
            #[cfg(feature = "spool")]
            Intake::Spool(s) => s.flush(answer).await,
        };
        if sent && let Ok(stats) = rx.await {
            return stats;
        }
        self.stats()
    }

    /// The counters now.
    pub fn stats(&self) -> RecorderStats {
        self.inner.counters.snapshot((self.inner.queued)())
    }

    /// Stops taking events, sends what is queued, and waits for it for at most `deadline` (on the recorder's
    /// sleeper). Then stops sending and answers the events that have no outcome. A second call (or one from
    /// another clone) answers nothing.
    pub async fn shutdown(&self, deadline: Duration) -> Unsent {
        let running = self
            .inner
            .running
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        let Some(running) = running else {
            return Unsent::default();
        };
        let _ = running.closing.send(true);
        let mut worker = running.worker;
        let sleeper: Arc<dyn Sleeper> = self.inner.settings.sleeper.clone();
        #[cfg_attr(not(feature = "spool"), allow(unused_mut))]
        let mut events = tokio::select! {
            done = &mut worker => done.unwrap_or_default(),
            () = sleeper.sleep(deadline) => {
                let _ = running.abort.send(true);
                worker.await.unwrap_or_default()
            }
        };
        #[cfg(feature = "spool")]
        if let Some(spool) = running.spool {
            let _ = running.abort.send(true);
            events.extend(spool.join().await);
        }
        tracing::info!(
            target: "unibill_recorder",
            unsent = events.len(),
            "usage recorder shut down"
        );
        Unsent { events }
    }
}

fn closed(msg: Msg) -> RecordError {
    match msg {
        Msg::Event(q) => RecordError::Closed(Box::new(q.event)),
        Msg::Flush(_) => unreachable!("only events are recorded"),
    }
}

fn try_queue(tx: &crate::queue::Queue, q: Queued) -> Result<(), RecordError> {
    tx.try_send(Msg::Event(q)).map_err(|e| match e {
        mpsc::error::TrySendError::Full(Msg::Event(q)) => RecordError::QueueFull(Box::new(q.event)),
        mpsc::error::TrySendError::Full(m) | mpsc::error::TrySendError::Closed(m) => closed(m),
    })
}
