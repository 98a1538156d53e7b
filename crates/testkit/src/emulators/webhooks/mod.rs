//! Outbound webhooks, shared by every emulator: a [`WebhookOutbox`] that signs each event an emulator announces
//! ([`WebhookSigning`]: Svix or Vercel's HMAC-SHA1), POSTs it to the configured [`WebhookEndpoint`] from a
//! background task, retries a non-2xx answer (or a failed connection) up to a bounded number of attempts with
//! an injectable backoff (none by default), and keeps every delivery ([`SentWebhook`]) for inspection.
//! [`WebhookOutbox::redeliver`] sends a delivery again under the same id, as a provider's manual re-send does.
//!
//! Each emulator decides what it announces (its `webhooks` module): after every write request it compares its
//! store with the last look (`changes`) and turns each change into its provider's event shape.
//!
//! Tests wait on [`WebhookOutbox::settled`], never on time: it resolves once every delivery queued so far has
//! been answered 2xx or run out of attempts.

mod changes;
mod sender;
mod signing;

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use url::Url;

pub(crate) use changes::{Change, ChangeTracker, Tracked};
pub use signing::WebhookSigning;

/// The time between attempt `n` (1-based) failing and the next one.
pub type Backoff = Arc<dyn Fn(u32) -> Duration + Send + Sync>;

/// The Unix second a delivery attempt is signed at (Svix's `svix-timestamp`).
pub type SigningClock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// Runs `request`, then, when it was a write (any method but `GET`), `after` (an emulator's look for changes):
/// the body of each emulator's announcing layer.
pub(crate) async fn after_writes(
    request: axum::extract::Request,
    next: axum::middleware::Next,
    after: impl FnOnce(),
) -> axum::response::Response {
    let write = request.method() != axum::http::Method::GET;
    let response = next.run(request).await;
    if write {
        after();
    }
    response
}

/// One delivery an emulator announces: its event type and its body, built from the delivery id (Vercel's
/// envelope carries it).
pub(crate) type Announcement = (String, Box<dyn FnOnce(&str) -> serde_json::Value>);

/// Where an emulator delivers its webhooks, how they are signed, and how often a failed delivery is tried.
///
/// ```
/// use secrecy::SecretString;
/// use unibill_testkit::emulators::webhooks::{WebhookEndpoint, WebhookSigning};
///
/// let endpoint = WebhookEndpoint::new(
///     "http://127.0.0.1:9/hooks".parse().unwrap(),
///     WebhookSigning::Svix(SecretString::from("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned())),
/// )
/// .max_attempts(5);
/// assert_eq!(endpoint.attempts(), 5);
/// assert!(!format!("{endpoint:?}").contains("MfKQ"));
/// ```
#[derive(Clone)]
pub struct WebhookEndpoint {
    url: Url,
    signing: WebhookSigning,
    max_attempts: u32,
    backoff: Backoff,
    clock: SigningClock,
}

impl fmt::Debug for WebhookEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookEndpoint")
            .field("url", &self.url.as_str())
            .field("signing", &self.signing)
            .field("max_attempts", &self.max_attempts)
            .finish_non_exhaustive()
    }
}

/// Attempts per delivery unless told otherwise: 3 (Flexprice's own internal retry count).
pub const DEFAULT_ATTEMPTS: u32 = 3;

impl WebhookEndpoint {
    /// Deliveries to `url` signed by `signing`: [`DEFAULT_ATTEMPTS`] attempts, no wait between them, signed at
    /// the system clock's second.
    pub fn new(url: Url, signing: WebhookSigning) -> Self {
        WebhookEndpoint {
            url,
            signing,
            max_attempts: DEFAULT_ATTEMPTS,
            backoff: Arc::new(|_| Duration::ZERO),
            clock: Arc::new(|| jiff::Timestamp::now().as_second()),
        }
    }

    /// Tries each delivery at most `n` times (at least once).
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// Waits `backoff(n)` after attempt `n` fails before the next one (default: no wait).
    pub fn backoff(mut self, backoff: impl Fn(u32) -> Duration + Send + Sync + 'static) -> Self {
        self.backoff = Arc::new(backoff);
        self
    }

    /// Signs attempts at `clock()` (Unix seconds) instead of the system clock.
    pub fn signing_clock(mut self, clock: impl Fn() -> i64 + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The attempts per delivery.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Where deliveries go.
    pub fn url(&self) -> &Url {
        &self.url
    }
}

/// One attempt's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// The endpoint answered with this status.
    Status(u16),
    /// The request failed before an answer (connection refused, timeout, …).
    Failed(String),
}

impl Attempt {
    /// Whether the attempt was answered 2xx.
    pub fn succeeded(&self) -> bool {
        matches!(self, Attempt::Status(s) if (200..300).contains(s))
    }
}

/// One delivery an emulator made (or is making): its id, event type and exact body, and every attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SentWebhook {
    /// The delivery id (`svix-id`; for Vercel the envelope's `id`): the same on every attempt and re-delivery.
    pub id: String,
    /// The provider's event type (`subscription.created`, …). For Flowglad it is not in the body (Svix's message
    /// metadata only).
    pub event_type: String,
    /// The body, byte for byte as sent.
    pub body: Vec<u8>,
    /// Every attempt so far, re-deliveries included, oldest first.
    pub attempts: Vec<Attempt>,
}

impl SentWebhook {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_default()
    }

    /// Whether the last attempt was answered 2xx.
    pub fn delivered(&self) -> bool {
        self.attempts.last().is_some_and(Attempt::succeeded)
    }
}

/// An emulator's outbound webhooks (cheap to clone, clones share everything). Nothing is sent until
/// [`configure`](Self::configure) names an endpoint.
#[derive(Clone, Default)]
pub struct WebhookOutbox {
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    state: Mutex<OutboxState>,
    /// The number of jobs (deliveries and re-deliveries) finished: answered 2xx or out of attempts.
    finished: watch::Sender<usize>,
}

#[derive(Default)]
struct OutboxState {
    queue: Option<mpsc::UnboundedSender<usize>>,
    tracker: ChangeTracker,
    sent: Vec<SentWebhook>,
    /// Jobs queued so far.
    queued: usize,
}

impl fmt::Debug for WebhookOutbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("WebhookOutbox")
            .field("configured", &state.queue.is_some())
            .field("sent", &state.sent.len())
            .finish_non_exhaustive()
    }
}

impl WebhookOutbox {
    fn lock(&self) -> MutexGuard<'_, OutboxState> {
        self.shared
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Starts delivering to `endpoint`, from a task on the current Tokio runtime; `existing` are the objects the
    /// emulator holds now (they are not announced). A second call replaces the endpoint; deliveries queued for
    /// the old one still go to it.
    ///
    /// # Panics
    /// Outside a Tokio runtime.
    pub(crate) fn configure(&self, endpoint: WebhookEndpoint, existing: Vec<Tracked>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let mut state = self.lock();
        state.tracker = ChangeTracker::starting_at(existing);
        state.queue = Some(tx);
        drop(state);
        tokio::spawn(sender::run(self.clone(), endpoint, rx));
    }

    /// Whether an endpoint is configured (emulators skip tracking otherwise).
    pub(crate) fn is_configured(&self) -> bool {
        self.lock().queue.is_some()
    }

    /// Compares `now` with the last look and queues the deliveries `announce` makes of each change: `(event
    /// type, body built from the delivery id)`.
    pub(crate) fn announce(
        &self,
        now: Vec<Tracked>,
        mut announce: impl FnMut(&Change) -> Vec<Announcement>,
    ) {
        let mut state = self.lock();
        if state.queue.is_none() {
            return;
        }
        let changes = state.tracker.diff(now);
        for change in &changes {
            for (event_type, body) in announce(change) {
                let index = state.sent.len();
                let id = format!("msg_{:026}", index + 1);
                let body = serde_json::to_vec(&body(&id)).unwrap_or_default();
                state.sent.push(SentWebhook {
                    id,
                    event_type,
                    body,
                    attempts: Vec::new(),
                });
                Self::queue(&mut state, index);
            }
        }
    }

    fn queue(state: &mut OutboxState, index: usize) {
        if let Some(queue) = &state.queue
            && queue.send(index).is_ok()
        {
            state.queued += 1;
        }
    }

    /// Every delivery so far, oldest first.
    pub fn sent(&self) -> Vec<SentWebhook> {
        self.lock().sent.clone()
    }

    /// Sends delivery `id` again, same id and body (a new signature timestamp for Svix). `false` when there is
    /// no such delivery or no endpoint.
    pub fn redeliver(&self, id: &str) -> bool {
        let mut state = self.lock();
        let Some(index) = state.sent.iter().position(|s| s.id == id) else {
            return false;
        };
        let before = state.queued;
        Self::queue(&mut state, index);
        state.queued > before
    }

    /// Resolves once every delivery and re-delivery queued before the call has finished: answered 2xx, or out
    /// of attempts. What tests wait on.
    pub async fn settled(&self) {
        let target = self.lock().queued;
        let mut finished = self.shared.finished.subscribe();
        // `wait_for` fails only when the sender is dropped, and `self` holds it.
        let _ = finished.wait_for(|n| *n >= target).await;
    }

    pub(crate) fn record_attempt(&self, index: usize, attempt: Attempt) {
        if let Some(sent) = self.lock().sent.get_mut(index) {
            sent.attempts.push(attempt);
        }
    }

    pub(crate) fn delivery(&self, index: usize) -> Option<(String, Vec<u8>)> {
        let state = self.lock();
        let sent = state.sent.get(index)?;
        Some((sent.id.clone(), sent.body.clone()))
    }

    pub(crate) fn finish_job(&self) {
        self.shared.finished.send_modify(|n| *n += 1);
    }
}
