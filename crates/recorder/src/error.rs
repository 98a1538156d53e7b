//! [`RecordError`]: why `record` or `try_record` did not take an event (the event comes back with it).

use std::fmt;

use unibill_core::{Error, UsageEvent};

/// Why an event was not taken; it comes back, unchanged, so nothing is lost silently.
#[derive(Debug)]
#[non_exhaustive]
pub enum RecordError {
    /// The queue is full (`try_record`, or `record` with [`FullQueue::Reject`](crate::FullQueue::Reject)).
    QueueFull(Box<UsageEvent>),
    /// The recorder is shutting down or has stopped.
    Closed(Box<UsageEvent>),
    /// The spool could not store the event (the disk, the file).
    Spool {
        /// The event not stored.
        event: Box<UsageEvent>,
        /// What went wrong.
        error: Error,
    },
    /// The spool's writer thread stopped (it panicked) while holding the event: whether the event was
    /// committed is unknown; a restart re-sends it if it was.
    SpoolStopped,
}

impl RecordError {
    /// The event that was not taken (`None` for [`RecordError::SpoolStopped`]).
    pub fn into_event(self) -> Option<UsageEvent> {
        match self {
            RecordError::QueueFull(e) | RecordError::Closed(e) => Some(*e),
            RecordError::Spool { event, .. } => Some(*event),
            RecordError::SpoolStopped => None,
        }
    }

    /// `queue_full`, `closed`, `spool` or `spool_stopped`.
    pub fn name(&self) -> &'static str {
        match self {
            RecordError::QueueFull(_) => "queue_full",
            RecordError::Closed(_) => "closed",
            RecordError::Spool { .. } => "spool",
            RecordError::SpoolStopped => "spool_stopped",
        }
    }
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordError::QueueFull(e) => write!(
                f,
                "the usage recorder's queue is full; event `{}` was not taken",
                e.key()
            ),
            RecordError::Closed(e) => write!(
                f,
                "the usage recorder is shut down; event `{}` was not taken",
                e.key()
            ),
            RecordError::Spool { event, error } => write!(
                f,
                "the usage spool could not store event `{}`: {error}",
                event.key()
            ),
            RecordError::SpoolStopped => f.write_str(
                "the usage spool's writer stopped; whether the event was committed is unknown",
            ),
        }
    }
}

impl std::error::Error for RecordError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RecordError::Spool { error, .. } => Some(error),
            _ => None,
        }
    }
}
