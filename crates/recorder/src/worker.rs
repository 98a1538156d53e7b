//! The background task: fills batches from the queue by count, bytes and linger time, sends them with bounded
//! concurrency, and answers flushes once everything queued before them has an outcome.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use futures::future::BoxFuture;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinSet;
use unibill_core::{BatchFill, UsageEvent};

use crate::message::{Msg, Queued};
use crate::queue::Signal;
use crate::sender::{SendContext, aborted, send_batch};
use crate::size::estimated_bytes;
use crate::stats::{Counters, RecorderStats};

/// The most messages one drain takes from the channel at once.
const DRAIN_AT_MOST: usize = 4096;

/// A batch and the ordinal (order of arrival) of its first event.
struct Batch {
    first: u64,
    events: Vec<Queued>,
}

/// A flush waiting for every event before ordinal `barrier` to have an outcome.
struct FlushWaiter {
    barrier: u64,
    answer: oneshot::Sender<RecorderStats>,
}

/// The task's inputs.
pub(crate) struct Worker {
    pub ctx: Arc<SendContext>,
    pub rx: mpsc::Receiver<Msg>,
    /// Raised by `shutdown`: take no more events, send what is queued (`None` behind the spool, whose writer
    /// closes the queue itself once it has forwarded what it committed).
    pub closing: Option<watch::Receiver<bool>>,
    /// Raised when shutdown's deadline passed: stop sending, hand back what has no outcome.
    pub abort: watch::Receiver<bool>,
    /// How many messages the queue holds in front of this task (for `stats`).
    pub queued_in_channel: Arc<dyn Fn() -> u64 + Send + Sync>,
    /// How the senders wake this task.
    pub signal: Arc<Signal>,
}

/// The batches being filled and sent.
struct State {
    ctx: Arc<SendContext>,
    fill: BatchFill,
    forming: Vec<Queued>,
    forming_first: u64,
    sealed: Option<Batch>,
    received: u64,
    /// First ordinals of the batches being sent (a multiset: ordinal → batches).
    live: BTreeMap<u64, usize>,
    flushes: Vec<FlushWaiter>,
    linger: Option<BoxFuture<'static, ()>>,
    queued_in_channel: Arc<dyn Fn() -> u64 + Send + Sync>,
    signal: Arc<Signal>,
    /// Events placed since the `forming` counter was last brought up to date.
    placed: u64,
    /// Where a drain takes messages out of the channel (kept between drains: its room is allocated once).
    taken: Vec<Msg>,
}

impl State {
    /// Brings the `forming` counter up to date (once per drain, not per event).
    fn publish(&mut self) {
        Counters::add(&self.ctx.counters.forming, std::mem::take(&mut self.placed));
    }

    fn seal(&mut self) {
        if !self.forming.is_empty() {
            debug_assert!(self.sealed.is_none());
            let capacity = self.fill_capacity();
            let events = std::mem::replace(&mut self.forming, Vec::with_capacity(capacity));
            self.sealed = Some(Batch {
                first: self.forming_first,
                events,
            });
        }
        self.fill.clear();
        self.linger = None;
    }

    fn fill_capacity(&self) -> usize {
        self.ctx.settings.limits.max_items().min(4096)
    }

    /// Places one message; `Err(msg)` when a batch is sealed and waiting, and the message needs it gone.
    // The message comes back by value to wait in `pending`; boxing it would allocate per event.
    #[allow(clippy::result_large_err)]
    fn place(&mut self, msg: Msg) -> Result<(), Msg> {
        match msg {
            Msg::Event(q) => {
                let size = estimated_bytes(&q.event);
                if !self.fill.fits(size) {
                    if self.sealed.is_some() {
                        return Err(Msg::Event(q));
                    }
                    self.seal();
                }
                if self.forming.is_empty() {
                    self.forming_first = self.received;
                    let s = &self.ctx.settings;
                    self.linger = Some(s.sleeper.sleep(s.linger));
                }
                self.received += 1;
                self.fill.add(size);
                self.forming.push(q);
                self.placed += 1;
                if self.fill.is_full() && self.sealed.is_none() {
                    self.seal();
                }
                Ok(())
            }
            Msg::Flush(answer) => {
                if !self.forming.is_empty() {
                    if self.sealed.is_some() {
                        return Err(Msg::Flush(answer));
                    }
                    self.seal();
                }
                self.signal.flushes.fetch_sub(1, Ordering::AcqRel);
                self.flushes.push(FlushWaiter {
                    barrier: self.received,
                    answer,
                });
                Ok(())
            }
        }
    }

    /// The lowest ordinal without an outcome yet (`received` when every event has one).
    fn lowest_unsettled(&self) -> u64 {
        let mut low = self.received;
        if let Some((&first, _)) = self.live.iter().next() {
            low = low.min(first);
        }
        if let Some(b) = &self.sealed {
            low = low.min(b.first);
        }
        if !self.forming.is_empty() {
            low = low.min(self.forming_first);
        }
        low
    }

    fn answer_flushes(&mut self) {
        if self.flushes.is_empty() {
            return;
        }
        let low = self.lowest_unsettled();
        let mut i = 0;
        while i < self.flushes.len() {
            if self.flushes[i].barrier <= low {
                let w = self.flushes.swap_remove(i);
                let _ = w
                    .answer
                    .send(self.ctx.counters.snapshot((self.queued_in_channel)()));
            } else {
                i += 1;
            }
        }
    }
}

impl Worker {
    /// Takes what the queue holds into the batches (until both are full); `false` once the queue is closed
    /// and empty.
    ///
    /// Messages come out a batch's room at a time (`poll_recv_many`, with a waker that does nothing: this task
    /// is woken by [`Signal`], not by the channel), so the channel gives its permits back once per drain rather
    /// than once per event (each give-back takes the channel's waiter lock). What does not fit waits in
    /// `pending`, in order. A poll refused because this task used up its scheduler budget (the channel still
    /// holds messages) yields once and looks again, so nothing is left behind while the task sleeps.
    async fn drain(&mut self, st: &mut State, pending: &mut VecDeque<Msg>) -> bool {
        let mut taken = std::mem::take(&mut st.taken);
        let open = self.drain_into(st, pending, &mut taken).await;
        st.taken = taken;
        open
    }

    async fn drain_into(
        &mut self,
        st: &mut State,
        pending: &mut VecDeque<Msg>,
        taken: &mut Vec<Msg>,
    ) -> bool {
        loop {
            let room = st
                .ctx
                .settings
                .limits
                .max_items()
                .saturating_sub(st.fill.items())
                .clamp(1, DRAIN_AT_MOST);
            taken.clear();
            let polled = self.rx.poll_recv_many(
                &mut std::task::Context::from_waker(std::task::Waker::noop()),
                taken,
                room,
            );
            match polled {
                // `0` only once the channel is closed and empty.
                std::task::Poll::Ready(0) => return false,
                std::task::Poll::Ready(_) => {
                    let mut msgs = taken.drain(..);
                    for msg in msgs.by_ref() {
                        if let Err(msg) = st.place(msg) {
                            pending.push_back(msg);
                            pending.extend(msgs);
                            return true;
                        }
                    }
                }
                std::task::Poll::Pending if !self.rx.is_empty() => tokio::task::yield_now().await,
                std::task::Poll::Pending => {
                    // The one sending side is gone (a clone of it may still be closing the channel).
                    return !self.signal.closed.load(Ordering::Acquire);
                }
            }
        }
    }

    /// Runs until the queue is closed and drained (or aborted); answers the events never settled.
    pub async fn run(mut self) -> Vec<UsageEvent> {
        let limits = self.ctx.settings.limits;
        let max_in_flight = self.ctx.settings.max_in_flight.max(1);
        let mut st = State {
            ctx: self.ctx.clone(),
            fill: limits.fill(),
            forming: Vec::with_capacity(limits.max_items().min(4096)),
            forming_first: 0,
            sealed: None,
            received: 0,
            live: BTreeMap::new(),
            flushes: Vec::new(),
            linger: None,
            queued_in_channel: self.queued_in_channel.clone(),
            signal: self.signal.clone(),
            placed: 0,
            taken: Vec::new(),
        };
        let mut tasks: JoinSet<(u64, Result<(), Vec<Queued>>)> = JoinSet::new();
        let mut unsent: Vec<UsageEvent> = Vec::new();
        let mut pending: VecDeque<Msg> = VecDeque::new();
        let mut open = true;
        let mut aborting = false;
        let mut closing = self.closing.take();

        loop {
            // Send the sealed batch when a slot is free.
            st.publish();
            if st.sealed.is_some() && tasks.len() < max_in_flight {
                let batch = st.sealed.take().expect("checked");
                let n = batch.events.len() as u64;
                Counters::sub(&self.ctx.counters.forming, n);
                Counters::add(&self.ctx.counters.in_flight, n);
                *st.live.entry(batch.first).or_default() += 1;
                let (ctx, abort, first) = (self.ctx.clone(), self.abort.clone(), batch.first);
                tasks.spawn(async move { (first, send_batch(ctx, batch.events, abort).await) });
                continue;
            }
            // Messages already taken from the channel go first, in order.
            while st.sealed.is_none()
                && let Some(msg) = pending.pop_front()
            {
                if let Err(msg) = st.place(msg) {
                    pending.push_front(msg);
                    break;
                }
            }
            if st.sealed.is_some() && tasks.len() < max_in_flight {
                continue;
            }
            st.answer_flushes();
            if !open && pending.is_empty() {
                if !st.forming.is_empty() && st.sealed.is_none() {
                    st.seal();
                    continue;
                }
                if st.sealed.is_none() && tasks.is_empty() {
                    break;
                }
            }
            let can_take = st.sealed.is_none() && pending.is_empty() && open;
            if can_take {
                let room = limits.max_items().saturating_sub(st.fill.items()).max(1);
                let flush = self.signal.flushes.load(Ordering::Acquire) > 0;
                let queued = (self.queued_in_channel)();
                // Look now for a first event (it starts the linger), a full batch's worth, a flush, or the end.
                if st.forming.is_empty() || queued as usize >= room || flush || self.rx.is_closed()
                {
                    open = self.drain(&mut st, &mut pending).await;
                    if st.sealed.is_some() || !pending.is_empty() || !open {
                        continue;
                    }
                }
                let room = limits.max_items().saturating_sub(st.fill.items()).max(1);
                self.signal.wake_at.store(room, Ordering::Relaxed);
            }
            tokio::select! {
                biased;
                Some(done) = tasks.join_next(), if !tasks.is_empty() => {
                    let (first, result) = match done {
                        Ok(d) => d,
                        Err(e) => {
                            // A send task panicked (a panicking provider or observer): its events have no
                            // outcome this run; with the spool on they are re-sent at the next start.
                            tracing::error!(target: "unibill_recorder", error = %e, "a usage send task failed");
                            continue;
                        }
                    };
                    if let Some(n) = st.live.get_mut(&first) {
                        *n -= 1;
                        if *n == 0 {
                            st.live.remove(&first);
                        }
                    }
                    if let Err(rest) = result {
                        Counters::sub(&self.ctx.counters.in_flight, rest.len() as u64);
                        unsent.extend(rest.into_iter().map(|q| q.event));
                    }
                }
                () = aborted(&mut self.abort), if !aborting => {
                    // Shutdown's deadline: hand back what is queued; the send tasks return theirs.
                    aborting = true;
                    open = false;
                    st.publish();
                    self.rx.close();
                    while let Ok(msg) = self.rx.try_recv() {
                        pending.push_back(msg);
                    }
                    let held: Vec<Queued> = st.sealed.take().map(|b| b.events).unwrap_or_default()
                        .into_iter().chain(st.forming.drain(..)).collect();
                    Counters::sub(&self.ctx.counters.forming, held.len() as u64);
                    unsent.extend(held.into_iter().map(|q| q.event));
                    for msg in pending.drain(..) {
                        if let Msg::Event(q) = msg {
                            unsent.push(q.event);
                        }
                    }
                    st.fill.clear();
                    st.linger = None;
                }
                () = async { st.linger.as_mut().expect("guarded").await }, if st.linger.is_some() && st.sealed.is_none() => {
                    // Take what arrived meanwhile (up to a full batch), then send it.
                    st.linger = None;
                    if pending.is_empty() && open {
                        open = self.drain(&mut st, &mut pending).await;
                    }
                    if st.sealed.is_none() {
                        st.seal();
                    }
                }
                () = self.signal.notify.notified(), if can_take => {}
                _ = async { closing.as_mut().expect("guarded").wait_for(|c| *c).await.ok(); }, if open && closing.is_some() => {
                    // Take nothing new (or every handle is gone); what the channel holds is still drained.
                    closing = None;
                    self.rx.close();
                }
            }
        }
        st.answer_flushes();
        unsent
    }
}
