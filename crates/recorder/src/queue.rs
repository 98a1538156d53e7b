//! The queue in front of the background task, with few wake-ups: a sender wakes the task only when the queue
//! was empty (a first event starts the linger), when it holds enough to fill the batch being formed, or for a
//! flush; otherwise the task sleeps until its linger ends. One wake-up per batch instead of one per event.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use tokio::sync::{Notify, mpsc};

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

/// The sending side (one per recorder, or the spool writer's).
#[derive(Debug)]
pub(crate) struct Queue {
    tx: mpsc::Sender<Msg>,
    signal: Arc<Signal>,
}

impl Queue {
    pub fn new(tx: mpsc::Sender<Msg>, signal: Arc<Signal>) -> Self {
        Queue { tx, signal }
    }

    /// How many messages it holds.
    pub fn len_fn(&self) -> impl Fn() -> u64 + Send + Sync + 'static {
        let tx = self.tx.downgrade();
        move || {
            tx.upgrade()
                .map_or(0, |t| (t.max_capacity() - t.capacity()) as u64)
        }
    }

    /// Wakes the task if it should look now (after `msg` went in).
    fn sent(&self, flush: bool) {
        if flush {
            self.signal.notify.notify_one();
            return;
        }
        let len = self.tx.max_capacity() - self.tx.capacity();
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

    /// Sends, waiting for room.
    pub async fn send(&self, msg: Msg) -> Result<(), Msg> {
        let flush = self.count_flush(&msg);
        if let Err(e) = self.tx.send(msg).await {
            self.uncount_flush(flush);
            return Err(e.0);
        }
        self.sent(flush);
        Ok(())
    }

    /// Sends if there is room.
    // The refused message comes back by value (never lost); boxing it would allocate on every send.
    #[allow(clippy::result_large_err)]
    pub fn try_send(&self, msg: Msg) -> Result<(), mpsc::error::TrySendError<Msg>> {
        let flush = self.count_flush(&msg);
        if let Err(e) = self.tx.try_send(msg) {
            self.uncount_flush(flush);
            return Err(e);
        }
        self.sent(flush);
        Ok(())
    }

    /// Waits for room, then sends (`Err` with the message if the task stopped taking any).
    #[cfg(feature = "spool")]
    pub async fn reserve_and_send(
        &self,
        msg: Msg,
        abort: &mut tokio::sync::watch::Receiver<bool>,
    ) -> Result<(), Msg> {
        let flush = matches!(msg, Msg::Flush(_));
        let permit = tokio::select! {
            biased;
            () = crate::sender::aborted(abort) => None,
            p = self.tx.reserve() => p.ok(),
        };
        match permit {
            Some(p) => {
                self.count_flush(&msg);
                p.send(msg);
                self.sent(flush);
                Ok(())
            }
            None => Err(msg),
        }
    }
}

impl Drop for Queue {
    fn drop(&mut self) {
        // The task may be asleep: let it see the queue closing.
        self.signal.closed.store(true, Ordering::Release);
        self.signal.notify.notify_one();
    }
}
