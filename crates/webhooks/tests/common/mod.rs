//! What the tests share: a memory provider on a manual clock that runs a subscription through create and
//! cancel, a handler that counts what it handled, temporary directories, and the contract every
//! `DeliveryLog` keeps.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use rust_decimal_macros::dec;
use unibill_core::{
    CancelOptions, Clock, Currency, CustomerRef, Customers, IdempotencyKey, Interval, ManualClock,
    MemoryLifecycle, Money, NewCustomer, NewPrice, NewSubscription, PriceKind, Prices,
    RequestCounter, Subscriptions, Timestamp, Trial, WebhookDelivery, WebhookEvent, WebhookKind,
    Webhooks,
};
use unibill_webhooks::{Begin, BoxError, DeliveryLog, LogPolicy, Ticket, WebhookHandler};

pub fn start() -> Timestamp {
    "2026-03-01T12:00:00Z".parse().unwrap()
}

/// A memory provider on its own manual clock.
pub struct World {
    pub memory: MemoryLifecycle,
    pub clock: ManualClock,
}

impl World {
    pub fn new() -> Self {
        let clock = ManualClock::new(start());
        let memory = MemoryLifecycle::on(Arc::new(clock.clone()), RequestCounter::new());
        World { memory, clock }
    }

    pub fn verifier(&self) -> Arc<dyn Webhooks> {
        Arc::new(self.memory.webhooks())
    }

    /// Customer ada subscribes to 29.00 USD a month, a minute later cancels now: the deliveries.
    pub async fn subscribe_and_cancel(&self) -> Vec<WebhookDelivery> {
        let b = self.memory.billing();
        b.customers()
            .create(NewCustomer::builder("ada", "Ada Lovelace").build().unwrap())
            .await
            .unwrap();
        let price = b
            .prices()
            .create(
                NewPrice::builder(
                    PriceKind::recurring(Interval::monthly()),
                    Money::new(dec!(29.00), Currency::USD),
                )
                .product_id("pro")
                .build()
                .unwrap(),
            )
            .await
            .unwrap();
        let sub = b
            .subscriptions()
            .create(
                NewSubscription::builder(CustomerRef::external_id("ada"), price.id)
                    .key(IdempotencyKey::new("ada-pro").unwrap())
                    .trial(Trial::None)
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap();
        self.clock.advance_by(Duration::from_secs(60));
        b.subscriptions()
            .cancel(sub.id, CancelOptions::immediately())
            .await
            .unwrap();
        let deliveries = self.memory.deliveries();
        let kinds: Vec<_> = deliveries.iter().map(|d| d.kind.clone()).collect();
        assert!(
            kinds.contains(&WebhookKind::SubscriptionCreated),
            "{kinds:?}"
        );
        assert!(
            kinds.contains(&WebhookKind::SubscriptionCanceled),
            "{kinds:?}"
        );
        deliveries
    }
}

/// Counts the events it handled, by delivery id; fails the first `fail_first` calls.
#[derive(Default)]
pub struct Recorder {
    pub handled: Mutex<HashMap<String, usize>>,
    pub order: Mutex<Vec<WebhookEvent>>,
    pub calls: AtomicUsize,
    pub fail_first: usize,
}

impl Recorder {
    pub fn failing(n: usize) -> Arc<Self> {
        Arc::new(Recorder {
            fail_first: n,
            ..Recorder::default()
        })
    }

    pub fn count(&self, delivery_id: &str) -> usize {
        self.handled
            .lock()
            .unwrap()
            .get(delivery_id)
            .copied()
            .unwrap_or(0)
    }

    pub fn total(&self) -> usize {
        self.handled.lock().unwrap().values().sum()
    }
}

#[async_trait]
impl WebhookHandler for Recorder {
    async fn handle(&self, event: WebhookEvent) -> Result<(), BoxError> {
        if self.calls.fetch_add(1, Ordering::SeqCst) < self.fail_first {
            return Err("the application's database is down".into());
        }
        *self
            .handled
            .lock()
            .unwrap()
            .entry(event.delivery_id.clone())
            .or_default() += 1;
        self.order.lock().unwrap().push(event);
        Ok(())
    }
}

/// Lets the test hold a handler's `Arc` and hand the intake a handler over it.
pub struct Shared<H>(pub Arc<H>);

#[async_trait]
impl<H: WebhookHandler> WebhookHandler for Shared<H> {
    async fn handle(&self, event: WebhookEvent) -> Result<(), BoxError> {
        self.0.handle(event).await
    }
}

/// A directory of its own under the system's temporary directory, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "unibill-webhooks-{tag}-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn new_ticket(begin: Begin) -> Ticket {
    match begin {
        Begin::New(t) => t,
        other => panic!("expected a new claim, got {other:?}"),
    }
}

/// The policy the contract runs with.
pub fn policy() -> LogPolicy {
    LogPolicy::default()
        .lease(Duration::from_secs(300))
        .retention(Duration::from_secs(7 * 24 * 3600))
}

/// Two phases, abandon, lease expiry, stale tickets and retention, on `log` whose clock is `clock` (at
/// `start()`), with `policy()`.
pub async fn contract(log: &dyn DeliveryLog, clock: &ManualClock) {
    // Claim, in progress while claimed, done once completed.
    let t = new_ticket(log.begin("memory", "msg_a").await.unwrap());
    assert_eq!((t.provider(), t.delivery_id()), ("memory", "msg_a"));
    assert_eq!(t.started_at(), clock.timestamp());
    let lease_ends: Timestamp = "2026-03-01T12:05:00Z".parse().unwrap();
    assert_eq!(
        log.begin("memory", "msg_a").await.unwrap(),
        Begin::InProgress {
            lease_ends,
            remaining: Duration::from_secs(300)
        }
    );
    // Keyed by provider too.
    let other = new_ticket(log.begin("flowglad", "msg_a").await.unwrap());
    log.complete(t).await.unwrap();
    assert_eq!(log.begin("memory", "msg_a").await.unwrap(), Begin::Done);

    // Abandoned: claimable again.
    log.abandon(other).await.unwrap();
    let other = new_ticket(log.begin("flowglad", "msg_a").await.unwrap());

    // A crashed handler's claim (the ticket is dropped) lapses with its lease, not before.
    drop(other);
    clock.advance_by(Duration::from_secs(299));
    assert!(matches!(
        log.begin("flowglad", "msg_a").await.unwrap(),
        Begin::InProgress { .. }
    ));
    clock.advance_by(Duration::from_secs(1));
    let first = new_ticket(log.begin("flowglad", "msg_a").await.unwrap());

    // The first claim lapses and a second attempt takes over: the first one's abandon leaves it alone...
    clock.advance_by(Duration::from_secs(301));
    let second = new_ticket(log.begin("flowglad", "msg_a").await.unwrap());
    assert_ne!(first.token(), second.token());
    log.abandon(first).await.unwrap();
    assert!(matches!(
        log.begin("flowglad", "msg_a").await.unwrap(),
        Begin::InProgress { .. }
    ));
    // ...and a failure after a completion does not undo it.
    let late = Ticket::new("flowglad", "msg_a", second.token(), second.started_at());
    log.complete(second).await.unwrap();
    log.abandon(late).await.unwrap();
    assert_eq!(log.begin("flowglad", "msg_a").await.unwrap(), Begin::Done);

    // Retention: done deliveries are forgotten a week after they completed, lapsed claims by any prune.
    let lapsing = new_ticket(log.begin("memory", "msg_lapsing").await.unwrap());
    drop(lapsing);
    clock.advance_by(Duration::from_secs(6 * 24 * 3600));
    assert_eq!(log.prune().await.unwrap(), 1, "only the lapsed claim");
    assert_eq!(log.begin("memory", "msg_a").await.unwrap(), Begin::Done);
    clock.advance_by(Duration::from_secs(24 * 3600 + 1));
    assert_eq!(log.prune().await.unwrap(), 2);
    let again = new_ticket(log.begin("memory", "msg_a").await.unwrap());
    log.complete(again).await.unwrap();
    assert_eq!(log.prune().await.unwrap(), 0);
}
