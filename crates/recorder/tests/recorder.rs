//! The recorder's behaviour over scripted providers and the memory provider: batching by count and on
//! flush, outcomes counted, re-sending only what was not recorded (same keys and times) after the backoff or
//! `Retry-After`, failures delivered, the full-queue policies, the counted hook, and shutdown's deadline.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use support::{NeverSleeper, Scripted, event};
use unibill_core::{
    Aggregation, Billing, Error, ErrorKind, IngestOutcome, IngestReport, NewCustomer, NewMeter,
    RecordingSleeper, UsageEvent,
};
use unibill_recorder::{Backoff, FullQueue, RecordError, RecorderBuilder};

fn all(events: &[UsageEvent], outcome: impl Fn(usize) -> IngestOutcome) -> IngestReport {
    let mut r = IngestReport::new();
    for (i, e) in events.iter().enumerate() {
        r.push(e.key().clone(), outcome(i));
    }
    r
}

fn recorded(events: &[UsageEvent]) -> IngestReport {
    all(events, |_| IngestOutcome::Recorded { provider_id: None })
}

#[tokio::test]
async fn batches_by_count_and_flush_sends_the_rest() {
    let usage = Scripted::new(10, |events, _| Ok(recorded(events)));
    let (recorder, mut failures) = RecorderBuilder::new(usage.clone())
        .sleeper(Arc::new(NeverSleeper))
        .max_in_flight(1)
        .build()
        .unwrap();
    for i in 0..25 {
        recorder.record(event(i)).await.unwrap();
    }
    let stats = recorder.flush().await;
    assert_eq!(usage.batch_sizes(), [10, 10, 5]);
    assert_eq!(
        (stats.recorded, stats.queued, stats.in_flight, stats.calls),
        (25, 0, 0, 3)
    );
    // Every event once, in order, unchanged.
    let sent: Vec<UsageEvent> = usage.calls().concat();
    assert_eq!(sent, (0..25).map(event).collect::<Vec<_>>());
    assert!(failures.try_recv().is_none());
    // A batch never exceeds a lower cap set on the builder either.
    let usage = Scripted::new(10, |events, _| Ok(recorded(events)));
    let (recorder, _f) = RecorderBuilder::new(usage.clone())
        .sleeper(Arc::new(NeverSleeper))
        .max_batch_events(4)
        .max_batch_events(400)
        .build()
        .unwrap();
    for i in 0..12 {
        recorder.record(event(i)).await.unwrap();
    }
    recorder.flush().await;
    assert_eq!(usage.batch_sizes(), [10, 2]);
}

#[tokio::test]
async fn a_batch_closes_by_bytes_within_the_limit() {
    let usage = Scripted::new(1000, |events, _| Ok(recorded(events)));
    let (recorder, _f) = RecorderBuilder::new(usage.clone())
        .sleeper(Arc::new(NeverSleeper))
        .max_batch_bytes(1000)
        .build()
        .unwrap();
    for i in 0..20 {
        recorder.record(event(i)).await.unwrap();
    }
    recorder.flush().await;
    let sizes = usage.batch_sizes();
    // Each event is estimated at about 180 bytes: five fit in 1000.
    assert_eq!(sizes, [5, 5, 5, 5], "{sizes:?}");
}

#[tokio::test]
async fn the_linger_sends_a_partial_batch() {
    let sleeper = RecordingSleeper::default();
    let usage = Scripted::new(100, |events, _| Ok(recorded(events)));
    let (recorder, _f) = RecorderBuilder::new(usage.clone())
        .sleeper(Arc::new(sleeper.clone()))
        .linger(Duration::from_millis(7))
        .build()
        .unwrap();
    recorder.record(event(0)).await.unwrap();
    // No flush: the (instant) linger alone sends it.
    let mut failures_seen = 0;
    while recorder.stats().recorded < 1 {
        tokio::task::yield_now().await;
        failures_seen += 1;
        assert!(failures_seen < 10_000, "the linger never sent the batch");
    }
    assert_eq!(usage.batch_sizes(), [1]);
    assert!(sleeper.delays().contains(&Duration::from_millis(7)));
}

#[tokio::test]
async fn only_not_recorded_events_are_resent_with_their_keys_after_retry_after() {
    // Call 1: event 1 not recorded (rate limited, Retry-After 3 s), event 2 rejected, the rest recorded.
    let usage = Scripted::new(100, |events, call| {
        Ok(all(events, |i| match (call, events[i].key().as_str()) {
            (1, "ev-000001") => IngestOutcome::NotRecorded(
                Error::new(ErrorKind::RateLimited, "slow down")
                    .with_retry_after(Duration::from_secs(3)),
            ),
            (1, "ev-000002") => {
                IngestOutcome::Rejected(Error::invalid_field("quantity", "too big"))
            }
            (_, _) => IngestOutcome::Recorded { provider_id: None },
        }))
    });
    let sleeper = RecordingSleeper::default();
    let counted = Arc::new(Mutex::new(Vec::new()));
    let seen = counted.clone();
    let (recorder, mut failures) = RecorderBuilder::new(usage.clone())
        .sleeper(Arc::new(sleeper.clone()))
        .linger(Duration::from_secs(3600))
        .backoff(Backoff {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(1),
        })
        .on_counted(Arc::new(move |e: &UsageEvent| {
            seen.lock().unwrap().push(e.key().clone())
        }))
        .build()
        .unwrap();
    for i in 0..4 {
        recorder.record(event(i)).await.unwrap();
    }
    let stats = recorder.flush().await;
    let calls = usage.calls();
    assert_eq!(calls.len(), 2);
    assert_eq!(
        calls[1],
        vec![event(1)],
        "only the not recorded event, unchanged"
    );
    assert!(
        sleeper.delays().contains(&Duration::from_secs(3)),
        "{:?}",
        sleeper.delays()
    );
    assert_eq!((stats.recorded, stats.failed, stats.resent), (3, 1, 1));
    let failed = failures.drain();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].event, event(2));
    assert_eq!(failed[0].error.field_errors()[0].field, "quantity");
    let mut counted = counted.lock().unwrap().clone();
    counted.sort();
    assert_eq!(
        counted,
        [event(0), event(1), event(3)].map(|e| e.key().clone())
    );
}

#[tokio::test]
async fn whole_calls_retry_when_retryable_and_fail_every_event_otherwise() {
    let usage = Scripted::new(100, |events, call| match call {
        1 => Err(Error::new(ErrorKind::Unavailable, "503")),
        2 => Err(Error::config("credentials refused")),
        _ => Ok(recorded(events)),
    });
    let (recorder, mut failures) = RecorderBuilder::new(usage.clone())
        .sleeper(Arc::new(RecordingSleeper::default()))
        .linger(Duration::from_secs(3600))
        .build()
        .unwrap();
    for i in 0..3 {
        recorder.record(event(i)).await.unwrap();
    }
    let stats = recorder.flush().await;
    assert_eq!(
        usage.calls().len(),
        2,
        "a non-retryable error is not sent again"
    );
    assert_eq!((stats.recorded, stats.failed), (0, 3));
    let failed = failures.drain();
    assert_eq!(failed.len(), 3);
    assert!(
        failed
            .iter()
            .all(|f| f.error.kind() == ErrorKind::Config && f.attempts == 2)
    );
}

#[tokio::test]
async fn attempts_and_age_run_out_into_the_failure_channel() {
    let usage = Scripted::new(100, |_, _| Err(Error::new(ErrorKind::Transport, "refused")));
    let (recorder, mut failures) = RecorderBuilder::new(usage.clone())
        .sleeper(Arc::new(RecordingSleeper::default()))
        .linger(Duration::from_secs(3600))
        .max_attempts(3)
        .build()
        .unwrap();
    recorder.record(event(0)).await.unwrap();
    let stats = recorder.flush().await;
    assert_eq!((usage.calls().len(), stats.failed), (3, 1));
    let f = failures.try_recv().unwrap();
    assert_eq!(f.error.kind(), ErrorKind::Transport);
    assert!(
        f.error.message().contains("gave up after 3 attempt(s)"),
        "{}",
        f.error
    );

    // max_age: the clock moves past it between two attempts.
    let clock = unibill_core::ManualClock::new("2026-01-01T00:00:00Z".parse().unwrap());
    let moved = clock.clone();
    let usage = Scripted::new(100, move |events, _| {
        moved.advance_by(Duration::from_secs(3600));
        Ok(all(events, |_| {
            IngestOutcome::NotRecorded(Error::new(ErrorKind::Unavailable, "later"))
        }))
    });
    let (recorder, mut failures) = RecorderBuilder::new(usage.clone())
        .sleeper(Arc::new(RecordingSleeper::default()))
        .clock(Arc::new(clock))
        .linger(Duration::from_secs(3600))
        .max_age(Duration::from_secs(2 * 3600 + 1))
        .build()
        .unwrap();
    recorder.record(event(0)).await.unwrap();
    recorder.flush().await;
    assert_eq!(
        usage.calls().len(),
        3,
        "sent at 0 h, 1 h, 2 h; at 3 h it is too old"
    );
    assert!(
        failures
            .try_recv()
            .unwrap()
            .error
            .message()
            .contains("max_age")
    );
}

#[tokio::test]
async fn the_memory_provider_counts_each_once_and_the_hook_sees_only_new_ones() {
    let billing = Billing::memory();
    billing
        .meters()
        .create(
            NewMeter::builder("api_calls", "API calls", Aggregation::Sum)
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    billing
        .customers()
        .create(NewCustomer::builder("ada", "Ada").build().unwrap())
        .await
        .unwrap();
    let counted = Arc::new(AtomicUsize::new(0));
    let c = counted.clone();
    let (recorder, _f) = RecorderBuilder::new(billing.usage())
        .on_counted(Arc::new(move |_: &UsageEvent| {
            c.fetch_add(1, Ordering::Relaxed);
        }))
        .build()
        .unwrap();
    for i in 0..3000 {
        recorder.record(event(i)).await.unwrap();
    }
    for i in 0..3000 {
        recorder.record(event(i)).await.unwrap();
    }
    let stats = recorder.flush().await;
    assert_eq!((stats.recorded, stats.duplicates), (3000, 3000));
    assert_eq!(counted.load(Ordering::Relaxed), 3000);
    assert!(
        recorder
            .shutdown(Duration::from_secs(1))
            .await
            .events
            .is_empty()
    );
    let late = recorder.record(event(1)).await.unwrap_err();
    assert!(matches!(late, RecordError::Closed(_)), "{late}");
}

#[tokio::test]
async fn a_full_queue_is_an_answer_and_shutdown_hands_back_what_has_no_outcome() {
    let (recorder, _f) = RecorderBuilder::new(Arc::new(support::Silent))
        .sleeper(Arc::new(RecordingSleeper::default()))
        .capacity(8)
        .max_batch_events(4)
        .max_in_flight(1)
        .full_queue(FullQueue::Reject)
        .build()
        .unwrap();
    let mut taken = 0;
    let full = loop {
        match recorder.try_record(event(taken)) {
            Ok(()) => taken += 1,
            Err(e) => break e,
        }
        assert!(taken < 1000, "the queue never filled");
        // Let the task take what it can (one batch in flight, one sealed, one forming).
        tokio::task::yield_now().await;
    };
    assert!(matches!(&full, RecordError::QueueFull(e) if *e.key() == event(taken).key().clone()));
    // `record` with the Reject policy answers the same instead of waiting.
    assert_eq!(
        recorder.record(event(taken)).await.unwrap_err().name(),
        "queue_full"
    );
    let stats = recorder.stats();
    assert_eq!(stats.queued + stats.in_flight, taken as u64, "{stats:?}");
    // Nothing ever answers: the deadline passes (at once, on the recording sleeper) and every event comes back.
    let unsent = recorder.shutdown(Duration::from_secs(5)).await;
    let mut keys: Vec<_> = unsent.events.iter().map(|e| e.key().clone()).collect();
    keys.sort();
    assert_eq!(
        keys,
        (0..taken)
            .map(|i| event(i).key().clone())
            .collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn building_needs_a_provider_that_ingests() {
    let mut caps = unibill_core::UsageCapabilities::full("none");
    caps.ingest = false;
    let usage = Arc::new(Scripted {
        caps,
        script: Box::new(|events, _| Ok(recorded(events))),
        calls: Mutex::new(Vec::new()),
    });
    let e = RecorderBuilder::new(usage).build().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
}
