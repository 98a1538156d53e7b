//! [`Intake`]: a delivery's bytes → size cap → verification → [`DeliveryLog`] claim → the application's
//! [`WebhookHandler`] → complete (or abandon), so each delivery reaches the application once and a failure
//! leaves it re-deliverable.

use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::FutureExt;
use jiff::Timestamp;
use unibill_core::{
    Clock, Error, ErrorKind, Result, SystemClock, WebhookEvent, WebhookHeaders, Webhooks,
};

use crate::log::{Begin, DeliveryLog};
use crate::memory::MemoryDeliveryLog;

/// The largest body an [`Intake`] takes by default: 1 MiB (provider events are a few KiB).
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;

/// The operation named by the error of a failed (or panicked) handler.
pub const HANDLER_OPERATION: &str = "webhooks.handler";

/// What a [`WebhookHandler`] fails with: any error (a [`unibill_core::Error`] from re-fetching the object
/// converts with `?`).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The application's code for a verified, not yet handled delivery.
///
/// Return `Ok` only once the event's effect is durable: the delivery is then recorded as handled and
/// acknowledged. An `Err` (or a panic) leaves it re-deliverable. Events are hints that can arrive out of order
/// and repeat under new delivery ids: re-fetch the object (or compare its update time with
/// [`crate::is_newer`]) and stay idempotent.
///
/// Any `Fn(WebhookEvent) -> impl Future<Output = Result<(), E>>` (with `E: Into<BoxError>`) is a handler.
#[async_trait]
pub trait WebhookHandler: Send + Sync {
    /// Handles one event.
    async fn handle(&self, event: WebhookEvent) -> std::result::Result<(), BoxError>;
}

#[async_trait]
impl<F, Fut, E> WebhookHandler for F
where
    F: Fn(WebhookEvent) -> Fut + Send + Sync,
    Fut: Future<Output = std::result::Result<(), E>> + Send,
    E: Into<BoxError>,
{
    async fn handle(&self, event: WebhookEvent) -> std::result::Result<(), BoxError> {
        (self)(event).await.map_err(Into::into)
    }
}

/// What [`Intake::handle`] did with a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Handled {
    /// Verified, new, and handled by the application (recorded as done).
    Processed(WebhookEvent),
    /// Verified and handled before: acknowledged without calling the application.
    Duplicate,
}

/// Verifies deliveries, dedupes them in a [`DeliveryLog`] and hands each new one to a [`WebhookHandler`].
///
/// Errors of [`handle`](Self::handle), in the order they are checked:
/// - a body over [`max_body`](Self::max_body): `InvalidInput` naming `body` (before verification);
/// - what the verifier refuses: `Unauthenticated` (signature, timestamp) or `Decode`;
/// - the delivery is being handled by another attempt: `Unavailable` with the remaining lease as
///   `retry_after` (answer so that the provider re-delivers: that attempt may still fail);
/// - the handler failed or panicked: `Unavailable`, operation [`HANDLER_OPERATION`], the handler's error as
///   the source (its `retry_after` kept when it was a unibill error); the claim is abandoned, so the next
///   delivery is handled again;
/// - the log failed: its error (`Unavailable` for a busy or full log).
///
/// Cheap to clone (shared parts).
#[derive(Clone)]
pub struct Intake {
    verifier: Arc<dyn Webhooks>,
    log: Arc<dyn DeliveryLog>,
    handler: Arc<dyn WebhookHandler>,
    clock: Arc<dyn Clock>,
    max_body: usize,
}

impl fmt::Debug for Intake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Intake")
            .field("verifier", &self.verifier)
            .field("log", &self.log)
            .field("max_body", &self.max_body)
            .finish_non_exhaustive()
    }
}

impl Intake {
    /// Deliveries verified by `verifier` and handled by `handler`, deduped in a fresh [`MemoryDeliveryLog`],
    /// received on the system clock, bodies up to [`DEFAULT_MAX_BODY`].
    pub fn new(verifier: Arc<dyn Webhooks>, handler: impl WebhookHandler + 'static) -> Self {
        Intake {
            verifier,
            log: Arc::new(MemoryDeliveryLog::new()),
            handler: Arc::new(handler),
            clock: Arc::new(SystemClock),
            max_body: DEFAULT_MAX_BODY,
        }
    }

    /// Dedupes in `log` instead (an `SqliteDeliveryLog` to survive restarts and share it between processes).
    pub fn log(mut self, log: impl DeliveryLog + 'static) -> Self {
        self.log = Arc::new(log);
        self
    }

    /// Takes bodies of at most `bytes` bytes.
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// Tells the time of receipt with `clock` (what [`handle_now`](Self::handle_now) and the axum handler
    /// verify timestamps against).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The largest body taken.
    pub fn body_limit(&self) -> usize {
        self.max_body
    }

    /// [`handle`](Self::handle) at the clock's now.
    pub async fn handle_now(&self, headers: &WebhookHeaders, body: &[u8]) -> Result<Handled> {
        self.handle(headers, body, self.clock.timestamp()).await
    }

    /// Takes one delivery received at `now`: checks its size, verifies it, claims it, hands it to the handler
    /// and records the outcome (see the type's documentation for the errors).
    pub async fn handle(
        &self,
        headers: &WebhookHeaders,
        body: &[u8],
        now: Timestamp,
    ) -> Result<Handled> {
        if body.len() > self.max_body {
            return Err(too_large(body.len(), self.max_body));
        }
        let event = self.verifier.verify(headers, body, now)?;
        if event.delivery_id.is_empty() {
            return Err(Error::decode("the verified delivery has no delivery id")
                .with_provider(self.verifier.provider())
                .with_operation("webhooks.intake"));
        }
        let ticket = match self
            .log
            .begin(self.verifier.provider(), &event.delivery_id)
            .await?
        {
            Begin::Done => return Ok(Handled::Duplicate),
            Begin::InProgress { remaining, .. } => return Err(in_progress(&event, remaining)),
            Begin::New(ticket) => ticket,
        };
        let outcome = AssertUnwindSafe(self.handler.handle(event.clone()))
            .catch_unwind()
            .await;
        let failure = match outcome {
            Ok(Ok(())) => {
                self.log.complete(ticket).await?;
                return Ok(Handled::Processed(event));
            }
            Ok(Err(e)) => handler_failed(e),
            Err(_) => Error::new(
                ErrorKind::Unavailable,
                "the webhook handler panicked; the delivery stays re-deliverable",
            )
            .with_operation(HANDLER_OPERATION),
        };
        if let Err(e) = self.log.abandon(ticket).await {
            // The lease ends the claim all the same.
            tracing::warn!(error = %e, "could not abandon a failed webhook delivery's claim");
        }
        Err(failure.with_provider(self.verifier.provider()))
    }
}

fn too_large(len: usize, max: usize) -> Error {
    Error::invalid_field(
        "body",
        format!("the body is {len} bytes, over the {max}-byte limit"),
    )
    .with_operation("webhooks.intake")
}

fn in_progress(event: &WebhookEvent, remaining: Duration) -> Error {
    Error::new(
        ErrorKind::Unavailable,
        format!(
            "delivery {} is being handled by another attempt; re-deliver it later",
            event.delivery_id
        ),
    )
    .with_operation("webhooks.intake")
    .with_retry_after(Duration::from_secs(remaining.as_secs_f64().ceil() as u64))
}

fn handler_failed(e: BoxError) -> Error {
    let retry_after = e
        .downcast_ref::<Error>()
        .and_then(unibill_core::Error::retry_after);
    let mut err = Error::new(
        ErrorKind::Unavailable,
        format!("the webhook handler failed ({e}); the delivery stays re-deliverable"),
    )
    .with_operation(HANDLER_OPERATION)
    .with_source(e);
    if let Some(after) = retry_after {
        err = err.with_retry_after(after);
    }
    err
}
