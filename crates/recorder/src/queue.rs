//! The bounded queue in front of the background task.
//!
//! Senders append under a short lock to one shared buffer; the task swaps the whole buffer out at once and
//! hands the messages back for capacity once per drain, so an event costs a permit and a push, not a
//! channel slot, a receive and a permit release each (that per-event hand-off was about 0.5 µs of the
//! recorder's cost per event). The capacity counts messages exactly like a bounded channel: a message holds
//! its permit until the task has taken it from the queue.
//!
//! Wake-ups are few: a sender wakes the task only when the queue was empty (a first event starts the
//! linger), when it holds enough to fill the batch being formed, or for a flush; otherwise the task sleeps
//! until its linger ends. One wake-up per batch instead of one per event.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::{Notify, Semaphore};

use crate::message::Msg;

/// What the senders and the task share.
#[derive(Debug)]
pub(crate) struct Signal {
    pub notify: Notify,
    /// Wake the task once the queue holds this many messages (the room left in the batch being formed).
    pub wake_at: AtomicUsize,
    /// Flushes in the queue not yet taken by the task: while any, it takes everything at once.
    pub flushes: AtomicUsize,
    /// The sending side is gone: nothing more will come.
    pub closed: AtomicBool,
}

impl Signal {
    pub fn new() -> Arc<Self> {
        Arc::new(Signal {
            notify: Notify::new(),
            wake_at: AtomicUsize::new(1),
            flushes: AtomicUsize::new(0),
            closed: AtomicBool::new(false),
        })
    }
}

/// The messages not yet taken by the task, and whether more may come.
#[derive(Debug, Default)]
struct Buffer {
    msgs: VecDeque<Msg>,
    /// The task closed the queue: senders are refused.
    receiver_closed: bool,
    /// The sending side was dropped.
    sender_gone: bool,
}

/// The queue's state, shared by its two ends.
#[derive(Debug)]
struct Shared {
    buffer: Mutex<Buffer>,
    /// One permit per message the queue may still take.
    permits: Semaphore,
    capacity: usize,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Buffer> {
        self.buffer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Messages sent and not yet taken by the task.
    fn len(&self) -> usize {
        self.capacity
            .saturating_sub(self.permits.available_permits())
    }

    /// Appends `msg`, whose permit the caller holds (and gives up here); `Err` when the task closed the
    /// queue, with the permit handed back.
    // The refused message comes back by value (never lost); boxing it would allocate on every send.
    #[allow(clippy::result_large_err)]
    fn push(&self, msg: Msg) -> Result<(), Msg> {
        let mut buffer = self.lock();
        if buffer.receiver_closed {
            drop(buffer);
            self.permits.add_permits(1);
            return Err(msg);
        }
        buffer.msgs.push_back(msg);
        Ok(())
    }
}

/// Why [`Queue::try_send`] refused a message (handed back).
#[derive(Debug)]
pub(crate) enum TrySendError {
    /// The queue holds its capacity.
    Full(Msg),
    /// The task takes no more messages.
    Closed(Msg),
}

/// Why [`QueueReceiver::try_recv`] has no message.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TryRecvError {
    /// Nothing queued now.
    Empty,
    /// Nothing queued and nothing more will come.
    Disconnected,
}

/// A bounded queue of `capacity` messages: the sending side and the task's side.
pub(crate) fn channel(capacity: usize, signal: Arc<Signal>) -> (Queue, QueueReceiver) {
    let capacity = capacity.clamp(1, Semaphore::MAX_PERMITS);
    let shared = Arc::new(Shared {
        buffer: Mutex::new(Buffer::default()),
        permits: Semaphore::new(capacity),
        capacity,
    });
    (
        Queue {
            shared: shared.clone(),
            signal,
        },
        QueueReceiver {
            shared,
            taken: VecDeque::new(),
            unreleased: 0,
        },
    )
}

/// The sending side (one per recorder, or the spool writer's).
#[derive(Debug)]
pub(crate) struct Queue {
    shared: Arc<Shared>,
    signal: Arc<Signal>,
}

impl Queue {
    /// How many messages it holds.
    pub fn len_fn(&self) -> impl Fn() -> u64 + Send + Sync + 'static {
        let shared = self.shared.clone();
        move || shared.len() as u64
    }

    /// Wakes the task if it should look now (after `msg` went in).
    fn sent(&self, flush: bool) {
        if flush {
            self.signal.notify.notify_one();
            return;
        }
        let len = self.shared.len();
        if len <= 1 || len >= self.signal.wake_at.load(Ordering::Relaxed) {
            self.signal.notify.notify_one();
        }
    }

    fn count_flush(&self, msg: &Msg) -> bool {
        let flush = matches!(msg, Msg::Flush(_));
        if flush {
            self.signal.flushes.fetch_add(1, Ordering::AcqRel);
        }
        flush
    }

    fn uncount_flush(&self, flush: bool) {
        if flush {
            self.signal.flushes.fetch_sub(1, Ordering::AcqRel);
        }
    }

    /// Appends `msg` with a permit already taken.
    #[allow(clippy::result_large_err)]
    fn push(&self, msg: Msg) -> Result<(), Msg> {
        let flush = self.count_flush(&msg);
        if let Err(msg) = self.shared.push(msg) {
            self.uncount_flush(flush);
            return Err(msg);
        }
        self.sent(flush);
        Ok(())
    }

    /// Sends, waiting for room.
    pub async fn send(&self, msg: Msg) -> Result<(), Msg> {
        match self.shared.permits.acquire().await {
            Ok(permit) => permit.forget(),
            Err(_) => return Err(msg),
        }
        self.push(msg)
    }

    /// Sends if there is room.
    // The refused message comes back by value (never lost); boxing it would allocate on every send.
    #[allow(clippy::result_large_err)]
    pub fn try_send(&self, msg: Msg) -> Result<(), TrySendError> {
        match self.shared.permits.try_acquire() {
            Ok(permit) => permit.forget(),
            Err(tokio::sync::TryAcquireError::NoPermits) => return Err(TrySendError::Full(msg)),
            Err(tokio::sync::TryAcquireError::Closed) => return Err(TrySendError::Closed(msg)),
        }
        self.push(msg).map_err(TrySendError::Closed)
    }

    /// Waits for room, then sends (`Err` with the message if the task stopped taking any).
    #[cfg(feature = "spool")]
    pub async fn reserve_and_send(
        &self,
        msg: Msg,
        abort: &mut tokio::sync::watch::Receiver<bool>,
    ) -> Result<(), Msg> {
        let permit = tokio::select! {
            biased;
            () = crate::sender::aborted(abort) => None,
            p = self.shared.permits.acquire() => p.ok(),
        };
        match permit {
            Some(p) => {
                p.forget();
                self.push(msg)
            }
            None => Err(msg),
        }
    }
}

impl Drop for Queue {
    fn drop(&mut self) {
        self.shared.lock().sender_gone = true;
        // The task may be asleep: let it see the queue closing.
        self.signal.closed.store(true, Ordering::Release);
        self.signal.notify.notify_one();
    }
}

/// The task's side: takes the whole shared buffer at once and answers its messages one by one.
#[derive(Debug)]
pub(crate) struct QueueReceiver {
    shared: Arc<Shared>,
    /// Messages taken from the shared buffer, not yet answered by `try_recv`.
    taken: VecDeque<Msg>,
    /// Messages answered whose permits are not handed back yet (see [`QueueReceiver::release`]).
    unreleased: usize,
}

impl QueueReceiver {
    /// The next message, in the order they were sent.
    pub fn try_recv(&mut self) -> Result<Msg, TryRecvError> {
        if self.taken.is_empty() {
            let mut buffer = self.shared.lock();
            if buffer.msgs.is_empty() {
                let gone = buffer.sender_gone || buffer.receiver_closed;
                drop(buffer);
                // Room for the senders before the task waits.
                self.release();
                return Err(if gone {
                    TryRecvError::Disconnected
                } else {
                    TryRecvError::Empty
                });
            }
            // The emptied buffer (with its allocation) goes back to the senders.
            std::mem::swap(&mut buffer.msgs, &mut self.taken);
        }
        let msg = self.taken.pop_front().expect("not empty");
        self.unreleased += 1;
        Ok(msg)
    }

    /// Hands the permits of the messages answered so far back to the senders (once per drain rather than
    /// once per message; the task calls it before it waits).
    pub fn release(&mut self) {
        if self.unreleased > 0 {
            self.shared
                .permits
                .add_permits(std::mem::take(&mut self.unreleased));
        }
    }

    /// Whether nothing more can be sent (the task closed the queue or the sending side is gone).
    pub fn is_closed(&self) -> bool {
        let buffer = self.shared.lock();
        buffer.receiver_closed || buffer.sender_gone
    }

    /// Refuses further messages; those already queued can still be taken.
    pub fn close(&mut self) {
        self.shared.lock().receiver_closed = true;
        self.shared.permits.close();
    }
}
