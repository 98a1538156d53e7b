//! [`FailedEvent`] and [`Failures`]: every event the recorder finally gave up on, with the reason, handed to
//! the application.

use tokio::sync::mpsc;
use unibill_core::{Error, UsageEvent};

/// An event the recorder will not send again: the provider refused it (`Rejected`), a whole call failed with
/// an error that a re-send cannot fix, or its attempts or `max_age` ran out.
#[derive(Debug)]
pub struct FailedEvent {
    /// The event, unchanged (its key and time as first recorded).
    pub event: UsageEvent,
    /// The last error.
    pub error: Error,
    /// How many times it was sent.
    pub attempts: u32,
    /// The provider refused this event itself (`Rejected`: re-sending it gives the same answer); otherwise the
    /// whole call failed or the attempts or age ran out, and it may be sent again later with the same key.
    pub rejected: bool,
}

/// The receiving end of the failure channel (see [`crate::RecorderBuilder::build`]).
///
/// Unbounded so that the recorder never waits on the application; read it. If it is dropped, a failed event
/// is logged (`tracing` error, target `unibill_recorder`) and still counted in
/// [`RecorderStats::failed`](crate::RecorderStats::failed).
#[derive(Debug)]
pub struct Failures {
    pub(crate) rx: mpsc::UnboundedReceiver<FailedEvent>,
}

impl Failures {
    /// The next failed event; `None` once the recorder has stopped and every failure was read.
    pub async fn recv(&mut self) -> Option<FailedEvent> {
        self.rx.recv().await
    }

    /// A failed event already delivered, without waiting.
    pub fn try_recv(&mut self) -> Option<FailedEvent> {
        self.rx.try_recv().ok()
    }

    /// Every failed event delivered so far, without waiting.
    pub fn drain(&mut self) -> Vec<FailedEvent> {
        std::iter::from_fn(|| self.try_recv()).collect()
    }
}
