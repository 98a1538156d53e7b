//! The durable spool (feature `spool`): every event is committed to a SQLite file before `record` returns,
//! and deleted once it has an outcome, so a process killed at any point re-sends, at its next start, exactly
//! the events without one, with their original keys and times (the provider counts each once).
//!
//! The file is in WAL mode with `synchronous=NORMAL` (survives `kill -9`, not a power loss; `FULL` on request),
//! held exclusively by one recorder, and carries its schema version in a `unibill_schema` table. Commits are
//! grouped: one writer thread commits everything recorded while the previous commit ran, up to
//! [`SpoolOptions::max_commit_events`] per transaction, and settles (deletes) in the same transactions.

mod file;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot, watch};
use unibill_core::{Result, UsageEvent};

use crate::error::RecordError;
use crate::message::Queued;
use crate::settings::FullQueue;
use crate::stats::RecorderStats;

pub use file::SCHEMA_VERSION;

/// Where and how the spool keeps events.
#[derive(Debug, Clone)]
pub struct SpoolOptions {
    path: PathBuf,
    synchronous_full: bool,
    max_commit_events: usize,
}

impl SpoolOptions {
    /// A spool in the file at `path` (created if missing). Give it a file of its own: a file of anything else
    /// is refused.
    pub fn new(path: impl AsRef<Path>) -> Self {
        SpoolOptions {
            path: path.as_ref().to_owned(),
            synchronous_full: false,
            max_commit_events: 1000,
        }
    }

    /// `synchronous=FULL`: each commit also survives a power loss (slower); the default `NORMAL` survives the
    /// process being killed.
    pub fn synchronous_full(mut self, full: bool) -> Self {
        self.synchronous_full = full;
        self
    }

    /// The most events one transaction commits (default 1000, at least 1).
    pub fn max_commit_events(mut self, events: usize) -> Self {
        self.max_commit_events = events.max(1);
        self
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// An event to commit (answering `record` once committed), or a flush to pass on after the events before it.
pub(crate) enum SpoolMsg {
    Append(
        Queued,
        Option<oneshot::Sender<std::result::Result<(), RecordError>>>,
    ),
    Flush(oneshot::Sender<RecorderStats>),
}

/// The recording side of the spool.
#[derive(Debug, Clone)]
pub(crate) struct Appender {
    tx: mpsc::Sender<SpoolMsg>,
}

impl std::fmt::Debug for SpoolMsg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SpoolMsg::Append(q, _) => write!(f, "Append({})", q.event.key()),
            SpoolMsg::Flush(_) => f.write_str("Flush"),
        }
    }
}

fn unqueued(msg: SpoolMsg, full: bool) -> RecordError {
    match msg {
        SpoolMsg::Append(q, _) if full => RecordError::QueueFull(Box::new(q.event)),
        SpoolMsg::Append(q, _) => RecordError::Closed(Box::new(q.event)),
        SpoolMsg::Flush(_) => unreachable!("only events are appended"),
    }
}

impl Appender {
    pub async fn append(
        &self,
        q: Queued,
        policy: FullQueue,
    ) -> std::result::Result<(), RecordError> {
        let (ack, committed) = oneshot::channel();
        let msg = SpoolMsg::Append(q, Some(ack));
        match policy {
            FullQueue::Block => self.tx.send(msg).await.map_err(|e| unqueued(e.0, false))?,
            FullQueue::Reject => self.tx.try_send(msg).map_err(|e| match e {
                mpsc::error::TrySendError::Full(m) => unqueued(m, true),
                mpsc::error::TrySendError::Closed(m) => unqueued(m, false),
            })?,
        }
        match committed.await {
            Ok(answer) => answer,
            // The writer thread died (a panic) holding the event: whether it was committed is unknown.
            Err(_) => Err(RecordError::SpoolStopped),
        }
    }

    pub fn try_append(&self, q: Queued) -> std::result::Result<(), RecordError> {
        self.tx
            .try_send(SpoolMsg::Append(q, None))
            .map_err(|e| match e {
                mpsc::error::TrySendError::Full(m) => unqueued(m, true),
                mpsc::error::TrySendError::Closed(m) => unqueued(m, false),
            })
    }

    pub async fn flush(&self, answer: oneshot::Sender<RecorderStats>) -> bool {
        self.tx.send(SpoolMsg::Flush(answer)).await.is_ok()
    }

    pub fn queued_fn(&self) -> impl Fn() -> u64 + Send + Sync + 'static {
        let tx = self.tx.downgrade();
        move || {
            tx.upgrade()
                .map_or(0, |t| (t.max_capacity() - t.capacity()) as u64)
        }
    }
}

/// The writer thread, joined by `shutdown`.
pub(crate) struct WriterHandle {
    thread: std::thread::JoinHandle<Vec<UsageEvent>>,
}

impl WriterHandle {
    /// Waits for the writer to finish its last transaction; answers the events it had committed but could
    /// not pass on (they stay in the file for the next start).
    pub async fn join(self) -> Vec<UsageEvent> {
        tokio::task::spawn_blocking(move || self.thread.join().unwrap_or_default())
            .await
            .unwrap_or_default()
    }
}

/// Opens the file and starts the writer thread, which first queues the events a previous run left.
pub(crate) fn start(
    options: SpoolOptions,
    capacity: usize,
    worker: crate::queue::Queue,
    settled: mpsc::UnboundedReceiver<Vec<i64>>,
    closing: watch::Receiver<bool>,
    abort: watch::Receiver<bool>,
) -> Result<(Appender, WriterHandle)> {
    let conn = file::open(&options.path, options.synchronous_full)?;
    let (tx, rx) = mpsc::channel(capacity);
    let writer = writer::Writer {
        conn,
        path: Arc::from(options.path.as_path()),
        max_commit: options.max_commit_events,
        rx,
        worker: Some(worker),
        settled,
        closing,
        abort,
    };
    let thread = std::thread::Builder::new()
        .name("unibill-spool".into())
        .spawn(move || writer.run())
        .map_err(|e| {
            unibill_core::Error::new(
                unibill_core::ErrorKind::Unavailable,
                format!("cannot start the spool writer thread: {e}"),
            )
        })?;
    Ok((Appender { tx }, WriterHandle { thread }))
}
