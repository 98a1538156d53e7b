//! Fault test (issue #25): the recorder over the Flexprice and Flowglad emulators while ~20 % of the requests
//! get the test kit's fault mix (5xx, 429 with Retry-After, connections dropped before or after the write, a
//! delay). Every event is counted exactly once on the emulator, or handed to the failure channel: none is
//! dropped silently. Retries sleep into recording sleepers (no wall-clock backoff).
//!
//! Sized for debug runs (`UNIBILL_RECORDER_FAULT_EVENTS` sets the Flexprice count, default 20,000; Flowglad
//! takes a fifth unless `UNIBILL_RECORDER_FAULT_FLOWGLAD_EVENTS` says otherwise: its emulator scans its events
//! per insert). The 100,000-event figure, run in release: `UNIBILL_RECORDER_FAULT_EVENTS=100000
//! UNIBILL_RECORDER_FAULT_FLOWGLAD_EVENTS=100000 cargo test --release -p unibill-recorder --all-features --test
//! faults -- --nocapture`.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use unibill_core::{
    Billing, Currency, CustomerRef, IdempotencyKey, Interval, Money, NewCustomer, NewPrice,
    NewSubscription, PriceKind, Timestamp, Usage, UsageEvent,
};
use unibill_flexprice::{FlexpriceClient, FlexpriceConfig};
use unibill_flowglad::{FlowgladClient, FlowgladConfig};
use unibill_http::{NoJitter, RecordingSleeper, RetryPolicy};
use unibill_recorder::{FailedEvent, RecorderBuilder, RecorderStats};
use unibill_testkit::TestServer;
use unibill_testkit::emulators::flexprice::FlexpriceEmulator;
use unibill_testkit::emulators::flowglad::{FlowgladEmulator, seed};
use unibill_testkit::fault_mix::install_mix;

const FAULT_PER_MILLE: u64 = 200;
const SEED: u64 = 0xFA17_0025;
const FLEXPRICE_KEY: &str = "sk_faults_flexprice";
const FLOWGLAD_KEY: &str = "sk_test_faults_flowglad";

fn events_n() -> usize {
    std::env::var("UNIBILL_RECORDER_FAULT_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000)
}

fn fault_event(customer: &str, meter: &str, i: usize) -> UsageEvent {
    UsageEvent::builder(customer, meter, Decimal::from(1 + i % 5))
        .key(IdempotencyKey::new(format!("fault-{i:06}")).unwrap())
        .occurred_at(Timestamp::from_millisecond(1_787_403_600_000 + i as i64).unwrap())
        .build()
        .unwrap()
}

/// Records `events` through a recorder over `usage` (batches of 100, 4 in flight, up to 30 sends per event,
/// recording sleepers), then flushes; answers the stats and every failure delivered.
async fn record_all(
    usage: Arc<dyn Usage>,
    events: &[UsageEvent],
) -> (RecorderStats, Vec<FailedEvent>) {
    let (recorder, mut failures) = RecorderBuilder::new(usage)
        .sleeper(Arc::new(RecordingSleeper::default()))
        .max_attempts(30)
        .max_batch_events(100)
        .build()
        .unwrap();
    for e in events {
        recorder.record(e.clone()).await.unwrap();
    }
    let stats = recorder.flush().await;
    let unsent = recorder.shutdown(std::time::Duration::from_secs(60)).await;
    assert!(unsent.events.is_empty(), "{} unsent", unsent.events.len());
    (stats, failures.drain())
}

/// Every event is stored exactly once (`stored`: how many rows per key), or delivered as failed.
fn check(
    name: &str,
    events: &[UsageEvent],
    stored: &BTreeMap<String, usize>,
    stats: RecorderStats,
    failed: &[FailedEvent],
) {
    let failed_keys: BTreeSet<&str> = failed.iter().map(|f| f.event.key().as_str()).collect();
    let twice: Vec<_> = stored.iter().filter(|(_, n)| **n > 1).take(5).collect();
    assert!(twice.is_empty(), "{name}: keys stored twice: {twice:?}");
    let lost: Vec<&str> = events
        .iter()
        .map(|e| e.key().as_str())
        .filter(|k| !stored.contains_key(*k) && !failed_keys.contains(k))
        .take(5)
        .collect();
    assert!(
        lost.is_empty(),
        "{name}: events neither stored nor delivered as failed: {lost:?}"
    );
    assert_eq!(
        stats.failed as usize,
        failed.len(),
        "{name}: every failure is delivered"
    );
    assert_eq!(
        stats.settled() as usize,
        events.len(),
        "{name}: every event has an outcome"
    );
    assert_eq!((stats.queued, stats.in_flight), (0, 0));
    eprintln!(
        "{name}: {} events, {} stored once, {} failed (delivered), {} calls, {} re-sent; {stats:?}",
        events.len(),
        stored.len(),
        failed.len(),
        stats.calls,
        stats.resent
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flexprice_under_faults_counts_each_event_once() {
    let emulator = FlexpriceEmulator::new(FLEXPRICE_KEY);
    let server = TestServer::router(emulator.router()).await;
    let config = FlexpriceConfig::builder(FLEXPRICE_KEY)
        .base_url(server.url().join("v1").unwrap())
        .build()
        .unwrap();
    let client = FlexpriceClient::builder(config)
        .executor(|b| {
            b.retry_policy(RetryPolicy::default().with_max_attempts(2))
                .sleeper(RecordingSleeper::default())
                .jitter(NoJitter)
        })
        .build()
        .unwrap();
    let events: Vec<UsageEvent> = (0..events_n())
        .map(|i| fault_event("fault-customer", "api_calls", i))
        .collect();
    let faults = install_mix(&server, SEED, FAULT_PER_MILLE);
    let (stats, failed) = record_all(Arc::new(client), &events).await;
    server.clear_fault_source();
    let injected: u64 = faults.lock().unwrap().values().sum();
    assert!(injected > 0, "no fault was injected");
    eprintln!(
        "flexprice: {} requests, {injected} faults injected: {:?}",
        server.request_count(),
        faults.lock().unwrap()
    );
    check(
        "flexprice",
        &events,
        &emulator.event_id_counts(),
        stats,
        &failed,
    );
    assert!(emulator.event_count() <= events.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flowglad_under_faults_counts_each_event_once() {
    let emulator = FlowgladEmulator::new(FLOWGLAD_KEY);
    let server = TestServer::router(emulator.router()).await;
    let config = FlowgladConfig::builder(FLOWGLAD_KEY)
        .base_url(server.url().as_str())
        .currency(Currency::USD)
        .build()
        .unwrap();
    let client = Arc::new(
        FlowgladClient::builder(config)
            .executor(|b| {
                b.retry_policy(RetryPolicy::default().with_max_attempts(2))
                    .sleeper(RecordingSleeper::default())
                    .jitter(NoJitter)
            })
            .build()
            .unwrap(),
    );
    // Set-up, before any fault: a customer subscribed to a monthly price of the seeded product.
    let billing = Billing::builder()
        .customers(client.clone())
        .prices(client.clone())
        .subscriptions(client.clone())
        .build();
    billing
        .customers()
        .create(
            NewCustomer::builder("fault-customer", "Faults")
                .email("faults@example.com")
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let price = billing
        .prices()
        .create(
            NewPrice::builder(
                PriceKind::recurring(Interval::monthly()),
                Money::new(dec!(29), Currency::USD),
            )
            .product_id(seed::PRO_PRODUCT_ID)
            .slug("pro_monthly")
            .build()
            .unwrap(),
        )
        .await
        .unwrap();
    billing
        .subscriptions()
        .create(
            NewSubscription::builder(CustomerRef::external_id("fault-customer"), price.id)
                .build()
                .unwrap(),
        )
        .await
        .unwrap();

    let n = std::env::var("UNIBILL_RECORDER_FAULT_FLOWGLAD_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or((events_n() / 5).max(1));
    let events: Vec<UsageEvent> = (0..n)
        .map(|i| fault_event("fault-customer", seed::USAGE_METER_SLUG, i))
        .collect();
    let faults = install_mix(&server, SEED, FAULT_PER_MILLE);
    let (stats, failed) = record_all(client, &events).await;
    server.clear_fault_source();
    let injected: u64 = faults.lock().unwrap().values().sum();
    assert!(injected > 0, "no fault was injected");
    eprintln!(
        "flowglad: {} requests, {injected} faults injected: {:?}",
        server.request_count(),
        faults.lock().unwrap()
    );
    let mut stored: BTreeMap<String, usize> = BTreeMap::new();
    for e in emulator.usage_events() {
        *stored
            .entry(e["transactionId"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    check("flowglad", &events, &stored, stats, &failed);
}
