//! [`RecorderBuilder`]: the recorder's settings, checked against the provider's capabilities.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use unibill_core::{
    BatchLimits, Clock, Error, Result, Sleeper, SystemClock, TokioSleeper, Usage, UsageEvent,
};

use crate::failure::Failures;
use crate::recorder::{Inner, Intake, Running, UsageRecorder};
use crate::sender::SendContext;
use crate::settings::{Backoff, CountedHook, FullQueue, Settings, SettledHook};
use crate::stats::Counters;
use crate::worker::Worker;

/// How many messages wait in front of the task.
type QueuedLen = Arc<dyn Fn() -> u64 + Send + Sync>;

/// What the queue is wired to: where `record` puts events, where settled spool rows go, the queue length,
/// and the shutdown signal the task watches itself.
#[cfg(not(feature = "spool"))]
type Wiring = (
    Intake,
    Option<mpsc::UnboundedSender<Vec<i64>>>,
    QueuedLen,
    Option<watch::Receiver<bool>>,
);

/// As `Wiring`, with the spool's writer thread.
#[cfg(feature = "spool")]
type SpoolWiring = (
    Intake,
    Option<crate::spool::WriterHandle>,
    Option<mpsc::UnboundedSender<Vec<i64>>>,
    QueuedLen,
    Option<watch::Receiver<bool>>,
);

/// Builds a [`UsageRecorder`] over any `Arc<dyn Usage>`.
///
/// Defaults: a queue of 100,000 events ([`FullQueue::Block`]), batches of the provider's
/// `max_batch_events` and `max_batch_bytes`, a linger of 5 ms, 4 batches in flight, 10 attempts per event, a
/// backoff from 100 ms to 30 s (a `Retry-After` is honoured), a `max_age` of 20 hours, the system clock and
/// tokio's sleep.
pub struct RecorderBuilder {
    usage: Arc<dyn Usage>,
    capacity: usize,
    full_queue: FullQueue,
    max_batch_events: Option<usize>,
    max_batch_bytes: Option<u64>,
    linger: Duration,
    max_in_flight: usize,
    max_attempts: u32,
    max_age: Duration,
    backoff: Backoff,
    clock: Arc<dyn Clock>,
    sleeper: Arc<dyn Sleeper>,
    on_counted: Option<CountedHook>,
    on_settled: Option<SettledHook>,
    #[cfg(feature = "spool")]
    spool: Option<crate::spool::SpoolOptions>,
}

impl std::fmt::Debug for RecorderBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecorderBuilder")
            .field("usage", &self.usage)
            .field("capacity", &self.capacity)
            .field("full_queue", &self.full_queue)
            .field("linger", &self.linger)
            .field("max_in_flight", &self.max_in_flight)
            .finish_non_exhaustive()
    }
}

impl RecorderBuilder {
    /// A recorder sending to `usage`.
    pub fn new(usage: Arc<dyn Usage>) -> Self {
        RecorderBuilder {
            usage,
            capacity: 100_000,
            full_queue: FullQueue::Block,
            max_batch_events: None,
            max_batch_bytes: None,
            linger: Duration::from_millis(5),
            max_in_flight: 4,
            max_attempts: 10,
            max_age: Duration::from_secs(20 * 3600),
            backoff: Backoff::default(),
            clock: Arc::new(SystemClock),
            sleeper: Arc::new(TokioSleeper),
            on_counted: None,
            on_settled: None,
            #[cfg(feature = "spool")]
            spool: None,
        }
    }

    /// How many events the queue holds (at least 1); memory is bounded by it.
    pub fn capacity(mut self, events: usize) -> Self {
        self.capacity = events.max(1);
        self
    }

    /// What `record` does when the queue is full (`try_record` never waits either way).
    pub fn full_queue(mut self, policy: FullQueue) -> Self {
        self.full_queue = policy;
        self
    }

    /// At most this many events per request (never above the provider's `max_batch_events`).
    pub fn max_batch_events(mut self, events: usize) -> Self {
        self.max_batch_events = Some(events);
        self
    }

    /// At most about this many body bytes per request (never above the provider's `max_batch_bytes`).
    pub fn max_batch_bytes(mut self, bytes: u64) -> Self {
        self.max_batch_bytes = Some(bytes);
        self
    }

    /// How long a batch waits for more events after its first before it is sent anyway.
    pub fn linger(mut self, linger: Duration) -> Self {
        self.linger = linger;
        self
    }

    /// How many requests may be under way at once (at least 1); a batch waiting to be re-sent holds its slot.
    pub fn max_in_flight(mut self, requests: usize) -> Self {
        self.max_in_flight = requests.max(1);
        self
    }

    /// How many requests may carry one event before it goes to the failure channel (at least 1). Each request
    /// already had the executor's own retries.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// How long after it was recorded an event may still be re-sent; then it goes to the failure channel
    /// (Flowglad bills late usage to the current period).
    pub fn max_age(mut self, age: Duration) -> Self {
        self.max_age = age;
        self
    }

    /// The wait between two sends of the same events.
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// The clock for `max_age` (tests move it by hand).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// How the recorder waits: linger, backoff, shutdown's deadline (tests use one that returns at once, or
    /// never).
    pub fn sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.sleeper = sleeper;
        self
    }

    /// Called once for every event the provider acknowledged as newly counted (`Recorded` or `Accepted`, not
    /// `Duplicate`), from the recorder's task: keep it short and never block. For a local overlay of usage
    /// not yet visible in the provider's answers (the entitlement cache, review finding 34).
    pub fn on_counted(mut self, hook: Arc<dyn Fn(&UsageEvent) + Send + Sync>) -> Self {
        self.on_counted = Some(hook);
        self
    }

    /// Called once for every event that succeeded, with its outcome (`Recorded`, `Accepted` or `Duplicate`),
    /// from the recorder's task (a report per event, as `unibill usage ingest` prints). Failures go to the
    /// failure channel instead.
    pub fn on_settled(mut self, hook: SettledHook) -> Self {
        self.on_settled = Some(hook);
        self
    }

    /// Keeps every event in a SQLite spool file until it has an outcome (see [`crate::SpoolOptions`]).
    #[cfg(feature = "spool")]
    #[cfg_attr(docsrs, doc(cfg(feature = "spool")))]
    pub fn spool(mut self, options: crate::spool::SpoolOptions) -> Self {
        self.spool = Some(options);
        self
    }

    /// Starts the recorder's task (on the current Tokio runtime) and answers it with the failure channel.
    /// With the spool on, opens the file (a foreign or corrupt file is an error) and queues the events a
    /// previous run left unsettled, with their original keys and times.
    pub fn build(self) -> Result<(UsageRecorder, Failures)> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            Error::config("RecorderBuilder::build must be called within a Tokio runtime")
                .with_operation("usage.recorder")
        })?;
        let caps = self.usage.capabilities();
        if !caps.ingest {
            return Err(Error::unsupported(caps.provider, "usage ingest"));
        }
        let mut limits = BatchLimits::for_usage(&caps);
        if let Some(n) = self.max_batch_events {
            limits = limits.capped_items(n);
        }
        if let Some(b) = self.max_batch_bytes {
            limits = limits.capped_bytes(b);
        }
        let settings = Settings {
            limits,
            linger: self.linger,
            max_in_flight: self.max_in_flight,
            max_attempts: self.max_attempts,
            max_age: self.max_age,
            backoff: self.backoff,
            clock: self.clock,
            sleeper: self.sleeper,
            on_counted: self.on_counted,
            on_settled: self.on_settled,
        };
        let counters = Arc::new(Counters::default());
        let (failures_tx, failures_rx) = mpsc::unbounded_channel();
        let (tx, rx) = mpsc::channel(self.capacity);
        let (closing_tx, closing_rx) = watch::channel(false);
        let (abort_tx, abort_rx) = watch::channel(false);
        let signal = crate::queue::Signal::new();
        let tx = crate::queue::Queue::new(tx, signal.clone());
        let channel_len = tx.len_fn();

        #[cfg(feature = "spool")]
        let (intake, spool_handle, settled, queued, worker_closing): SpoolWiring = match self.spool
        {
            Some(options) => {
                let (settled_tx, settled_rx) = mpsc::unbounded_channel();
                let (appender, handle) = crate::spool::start(
                    options,
                    self.capacity,
                    tx,
                    settled_rx,
                    closing_rx,
                    abort_rx.clone(),
                )?;
                let spooled = appender.queued_fn();
                let queued = Arc::new(move || channel_len() + spooled());
                (
                    Intake::Spool(appender),
                    Some(handle),
                    Some(settled_tx),
                    queued,
                    None,
                )
            }
            None => (
                Intake::Queue(tx),
                None,
                None,
                Arc::new(channel_len),
                Some(closing_rx),
            ),
        };
        #[cfg(not(feature = "spool"))]
        let (intake, settled, queued, worker_closing): Wiring = (
            Intake::Queue(tx),
            None,
            Arc::new(channel_len),
            Some(closing_rx),
        );

        let ctx = Arc::new(SendContext {
            usage: self.usage,
            settings: settings.clone(),
            counters: counters.clone(),
            failures: failures_tx,
            settled,
        });
        let worker = Worker {
            ctx,
            rx,
            closing: worker_closing,
            abort: abort_rx,
            queued_in_channel: queued.clone(),
            signal,
        };
        let worker = runtime.spawn(worker.run());
        let running = Running {
            worker,
            closing: closing_tx,
            abort: abort_tx,
            #[cfg(feature = "spool")]
            spool: spool_handle,
        };
        let inner = Inner {
            intake,
            full_queue: self.full_queue,
            settings,
            counters,
            queued,
            running: Mutex::new(Some(running)),
        };
        Ok((
            UsageRecorder {
                inner: Arc::new(inner),
            },
            Failures { rx: failures_rx },
        ))
    }
}
