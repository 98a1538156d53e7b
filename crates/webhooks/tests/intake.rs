//! `Intake` over the memory provider's signed deliveries of a subscription's create and cancel: each delivery
//! handled once under concurrent re-delivery, a failed or panicked handler leaving it re-deliverable, a claim
//! held by another attempt, a crashed attempt's lease on a manual clock, the size cap and verification first,
//! and out-of-order deliveries with `is_newer`.

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{Recorder, Shared, World};
use tokio::sync::{mpsc, oneshot};
use unibill_core::{
    Clock, ErrorKind, ManualClock, Timestamp, WebhookEvent, WebhookHeaders, WebhookKind,
};
use unibill_webhooks::{
    BoxError, DEFAULT_MAX_BODY, HANDLER_OPERATION, Handled, Intake, MemoryDeliveryLog, is_newer,
    update_time,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_delivery_is_handled_once_when_delivered_three_times_concurrently() {
    let world = World::new();
    let deliveries = world.subscribe_and_cancel().await;
    let recorder = Arc::new(Recorder::default());
    let intake = Intake::new(world.verifier(), Shared(Arc::clone(&recorder)));
    let now = world.clock.timestamp();

    let mut tasks = Vec::new();
    for delivery in &deliveries {
        for _ in 0..3 {
            let (intake, delivery) = (intake.clone(), delivery.clone());
            tasks.push(tokio::spawn(async move {
                let outcome = intake.handle(&delivery.headers, &delivery.body, now).await;
                (delivery.id, outcome)
            }));
        }
    }
    let mut processed: HashMap<String, usize> = HashMap::new();
    for task in tasks {
        let (id, outcome) = task.await.unwrap();
        match outcome {
            Ok(Handled::Processed(event)) => {
                assert_eq!(event.delivery_id, id);
                *processed.entry(id).or_default() += 1;
            }
            Ok(Handled::Duplicate) => {}
            Ok(other) => panic!("{other:?}"),
            // Another attempt held the claim: the provider is told to come back later.
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::Unavailable, "{e}");
                assert!(e.retry_after().is_some());
            }
        }
    }
    for d in &deliveries {
        assert_eq!(processed.get(&d.id), Some(&1), "{}", d.id);
        assert_eq!(recorder.count(&d.id), 1, "{}", d.id);
    }
    // Every later re-delivery is a duplicate.
    for d in &deliveries {
        assert_eq!(
            intake.handle(&d.headers, &d.body, now).await.unwrap(),
            Handled::Duplicate
        );
    }
    assert_eq!(recorder.total(), deliveries.len());
}

#[tokio::test]
async fn a_failed_handler_leaves_the_delivery_re_deliverable() {
    let world = World::new();
    let deliveries = world.subscribe_and_cancel().await;
    let recorder = Recorder::failing(1);
    let intake = Intake::new(world.verifier(), Shared(Arc::clone(&recorder)));
    let now = world.clock.timestamp();
    let d = &deliveries[0];

    let err = intake.handle(&d.headers, &d.body, now).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    assert_eq!(err.operation(), Some(HANDLER_OPERATION));
    assert_eq!(err.provider(), Some("memory"));
    assert!(err.message().contains("database is down"), "{err}");
    assert_eq!(recorder.count(&d.id), 0);

    assert!(matches!(
        intake.handle(&d.headers, &d.body, now).await.unwrap(),
        Handled::Processed(_)
    ));
    assert_eq!(
        intake.handle(&d.headers, &d.body, now).await.unwrap(),
        Handled::Duplicate
    );
    assert_eq!(recorder.count(&d.id), 1);
}

#[tokio::test]
async fn a_panicking_handler_leaves_the_delivery_re_deliverable() {
    let world = World::new();
    let deliveries = world.subscribe_and_cancel().await;
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let intake = Intake::new(world.verifier(), move |_event: WebhookEvent| {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        async move {
            assert!(n > 0, "the first call panics");
            Ok::<(), BoxError>(())
        }
    });
    let now = world.clock.timestamp();
    let d = &deliveries[0];
    let err = intake.handle(&d.headers, &d.body, now).await.unwrap_err();
    assert_eq!(err.operation(), Some(HANDLER_OPERATION));
    assert!(err.message().contains("panicked"), "{err}");
    assert!(matches!(
        intake.handle(&d.headers, &d.body, now).await.unwrap(),
        Handled::Processed(_)
    ));
}

#[tokio::test]
async fn a_handler_error_keeps_its_retry_after() {
    let world = World::new();
    let deliveries = world.subscribe_and_cancel().await;
    let intake = Intake::new(world.verifier(), |_event: WebhookEvent| async {
        Err::<(), _>(
            unibill_core::Error::new(ErrorKind::RateLimited, "slow down")
                .with_retry_after(Duration::from_secs(7)),
        )
    });
    let d = &deliveries[0];
    let err = intake
        .handle(&d.headers, &d.body, world.clock.timestamp())
        .await
        .unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
}

/// Waits for the test's go-ahead before it succeeds, after saying it started.
struct Gated {
    started: mpsc::UnboundedSender<String>,
    release: std::sync::Mutex<Option<oneshot::Receiver<()>>>,
}

#[async_trait::async_trait]
impl unibill_webhooks::WebhookHandler for Gated {
    async fn handle(&self, event: WebhookEvent) -> Result<(), BoxError> {
        let release = self.release.lock().unwrap().take();
        self.started.send(event.delivery_id).unwrap();
        if let Some(release) = release {
            release.await?;
        }
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_in_progress_is_put_off_not_acknowledged() {
    let world = World::new();
    let deliveries = world.subscribe_and_cancel().await;
    let (started_tx, mut started) = mpsc::unbounded_channel();
    let (release, release_rx) = oneshot::channel();
    let log_clock = ManualClock::new(common::start());
    let intake = Intake::new(
        world.verifier(),
        Gated {
            started: started_tx,
            release: std::sync::Mutex::new(Some(release_rx)),
        },
    )
    .log(
        MemoryDeliveryLog::builder()
            .clock(Arc::new(log_clock.clone()))
            .build(),
    );
    let now = world.clock.timestamp();
    let d = deliveries[0].clone();

    let first = {
        let (intake, d) = (intake.clone(), d.clone());
        tokio::spawn(async move { intake.handle(&d.headers, &d.body, now).await })
    };
    assert_eq!(started.recv().await.unwrap(), d.id);
    log_clock.advance_by(Duration::from_secs(60));
    let err = intake.handle(&d.headers, &d.body, now).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    assert_eq!(
        err.retry_after(),
        Some(Duration::from_secs(240)),
        "the rest of the lease"
    );
    assert!(err.message().contains("another attempt"), "{err}");

    release.send(()).unwrap();
    assert!(matches!(
        first.await.unwrap().unwrap(),
        Handled::Processed(_)
    ));
    assert_eq!(
        intake.handle(&d.headers, &d.body, now).await.unwrap(),
        Handled::Duplicate
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_attempt_blocks_the_delivery_only_until_its_lease_ends() {
    let world = World::new();
    let deliveries = world.subscribe_and_cancel().await;
    let (started_tx, mut started) = mpsc::unbounded_channel();
    // The first attempt never gets its go-ahead: it hangs until the task is aborted.
    let (_never, release_rx) = oneshot::channel::<()>();
    let log_clock = ManualClock::new(common::start());
    let intake = Intake::new(
        world.verifier(),
        Gated {
            started: started_tx,
            release: std::sync::Mutex::new(Some(release_rx)),
        },
    )
    .log(
        MemoryDeliveryLog::builder()
            .clock(Arc::new(log_clock.clone()))
            .build(),
    );
    let now = world.clock.timestamp();
    let d = deliveries[1].clone();
    let hung = {
        let (intake, d) = (intake.clone(), d.clone());
        tokio::spawn(async move { intake.handle(&d.headers, &d.body, now).await })
    };
    started.recv().await.unwrap();
    hung.abort();
    assert!(hung.await.unwrap_err().is_cancelled());

    log_clock.advance_by(Duration::from_secs(299));
    let err = intake.handle(&d.headers, &d.body, now).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    log_clock.advance_by(Duration::from_secs(1));
    assert!(matches!(
        intake.handle(&d.headers, &d.body, now).await.unwrap(),
        Handled::Processed(_)
    ));
}

#[tokio::test]
async fn an_oversized_body_is_refused_before_verification() {
    let world = World::new();
    let recorder = Arc::new(Recorder::default());
    let intake = Intake::new(world.verifier(), Shared(Arc::clone(&recorder)));
    assert_eq!(intake.body_limit(), DEFAULT_MAX_BODY);
    let body = vec![b'{'; 10 * 1024 * 1024];
    // No headers at all: a verification first would say `Unauthenticated`.
    let err = intake
        .handle(&WebhookHeaders::new(), &body, world.clock.timestamp())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    assert_eq!(err.field_errors()[0].field, "body");
    assert!(err.field_errors()[0].message.contains("10485760 bytes"));

    let small = intake.clone().max_body(8);
    let err = small
        .handle(
            &WebhookHeaders::new(),
            b"123456789",
            world.clock.timestamp(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(recorder.total(), 0);
}

#[tokio::test]
async fn a_tampered_or_stale_delivery_is_unauthenticated_and_claims_nothing() {
    let world = World::new();
    let deliveries = world.subscribe_and_cancel().await;
    let recorder = Arc::new(Recorder::default());
    let log = Arc::new(MemoryDeliveryLog::new());
    let intake = Intake::new(world.verifier(), Shared(Arc::clone(&recorder)))
        .log(Arc::clone(&log))
        .clock(Arc::new(world.clock.clone()));
    let d = &deliveries[0];
    let mut tampered = d.body.clone();
    tampered[d.body.len() / 2] ^= 1;
    let err = intake.handle_now(&d.headers, &tampered).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthenticated);
    assert!(err.message().contains("bad signature"), "{err}");

    let later: Timestamp = world.clock.timestamp() + jiff::SignedDuration::from_secs(3600);
    let err = intake.handle(&d.headers, &d.body, later).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthenticated);
    assert!(err.message().contains("stale timestamp"), "{err}");
    assert!(log.is_empty(), "no claim for a refused delivery");
    assert_eq!(recorder.total(), 0);

    // The genuine delivery is handled afterwards.
    assert!(matches!(
        intake.handle_now(&d.headers, &d.body).await.unwrap(),
        Handled::Processed(_)
    ));
    assert!(format!("{intake:?}").contains("max_body"));
}

#[tokio::test]
async fn out_of_order_deliveries_are_told_apart_by_update_time() {
    let world = World::new();
    let deliveries = world.subscribe_and_cancel().await;
    let recorder = Arc::new(Recorder::default());
    let intake = Intake::new(world.verifier(), Shared(Arc::clone(&recorder)));
    let now = world.clock.timestamp();
    let sub = |kind: WebhookKind| deliveries.iter().find(|d| d.kind == kind).unwrap().clone();
    // The provider sends the cancel before the create.
    for d in [
        sub(WebhookKind::SubscriptionCanceled),
        sub(WebhookKind::SubscriptionCreated),
    ] {
        intake.handle(&d.headers, &d.body, now).await.unwrap();
    }
    let events = recorder.order.lock().unwrap().clone();
    let (canceled, created) = (&events[0], &events[1]);
    assert_eq!(canceled.kind, WebhookKind::SubscriptionCanceled);
    assert_eq!(canceled.object_id, created.object_id);

    // The application applies the cancel and keeps its update time; the late create is stale.
    let applied = update_time(canceled);
    assert_eq!(
        applied,
        Some(common::start() + jiff::SignedDuration::from_secs(60))
    );
    assert!(is_newer(canceled, None));
    assert!(!is_newer(created, applied));
    assert!(is_newer(canceled, update_time(created)));
}

/// The memory provider's re-delivery (same id and body, signed afresh) is a duplicate to the intake.
#[tokio::test]
async fn a_memory_redelivery_is_a_duplicate() {
    use unibill_core::{Customers, NewCustomer};
    let memory = unibill_core::MemoryLifecycle::new();
    memory
        .customers()
        .create(NewCustomer::builder("ada", "Ada").build().unwrap())
        .await
        .unwrap();
    let handled = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = std::sync::Arc::clone(&handled);
    let intake = unibill_webhooks::Intake::new(
        std::sync::Arc::new(memory.webhooks()),
        move |_e: unibill_core::WebhookEvent| {
            let count = std::sync::Arc::clone(&count);
            async move {
                count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Ok::<(), unibill_webhooks::BoxError>(())
            }
        },
    );
    let first = memory.deliveries().remove(0);
    let now = memory.clock().timestamp();
    assert!(matches!(
        intake
            .handle(&first.headers, &first.body, now)
            .await
            .unwrap(),
        unibill_webhooks::Handled::Processed(_)
    ));
    let again = memory.redeliver(&first.id).unwrap();
    assert_eq!(
        intake
            .handle(&again.headers, &again.body, now)
            .await
            .unwrap(),
        unibill_webhooks::Handled::Duplicate
    );
    assert_eq!(handled.load(std::sync::atomic::Ordering::SeqCst), 1);
}
