//! The measured reliability run (issue #11): the soak under faults on every adapter's emulator. It writes a JSON
//! summary (`UNIBILL_RELIABILITY_SUMMARY`, default `target/reliability-summary.json`), prints it, and checks that
//! `docs/reliability.md` is the rendering of this very summary (`UNIBILL_BLESS=1` rewrites it).
//!
//! `UNIBILL_SOAK_N` (default 2000) sets the creates per scenario; a run with another N writes its summary but
//! compares no document. Issue #22's and #23's scenarios keep their own sizes whatever N is: 500 subscription
//! creates and 10,000 usage events (re-sent after every failure until taken, then counted key by key on the
//! emulator), once with the executor's 10 attempts and once with 1 (the caller re-sends), on Flexprice and on
//! Flowglad (its scenarios take about 20 s of the run in debug). Reproduce: `cargo nextest run -p unibill --test reliability`.

#![cfg(all(feature = "flexprice", feature = "flowglad", feature = "vercel"))]

mod soak;

use std::collections::HashMap;
use std::time::{Duration, UNIX_EPOCH};

use futures::StreamExt;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use soak::{Class, Instruments, Scenario};
use unibill::{
    Aggregation, Currency, CustomerListQuery, CustomerRef, Customers, CustomersExt, IdempotencyKey,
    Interval, Meters, Money, NewCustomer, NewMeter, NewPrice, NewStore, NewSubscription, PriceKind,
    Prices, Stores, SubscriptionListQuery, Subscriptions, Timestamp, UsageEvent,
};
use unibill_flexprice::{FlexpriceClient, FlexpriceConfig, NewPlan};
use unibill_flowglad::{FlowgladClient, FlowgladConfig};
use unibill_http::FixedClock;
use unibill_testkit::TestServer;
use unibill_testkit::emulators::{flexprice, flowglad, vercel};
use unibill_vercel::{VercelClient, VercelConfig};

const DEFAULT_N: usize = 2000;
/// Subscription creates, as issue #22 states.
const SUBSCRIPTIONS: usize = 500;
const SEED: u64 = 0x5EED_0011;
const FLEXPRICE_KEY: &str = "sk_soak_flexprice_PLANTED";
const FLOWGLAD_KEY: &str = "sk_test_soak_flowglad_PLANTED";
const VERCEL_TOKEN: &str = "vercel_soak_PLANTED";

fn soak_n() -> usize {
    std::env::var("UNIBILL_SOAK_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_N)
}

async fn flexprice_customers(n: usize, seed: u64) -> Value {
    let emulator = flexprice::FlexpriceEmulator::new(FLEXPRICE_KEY);
    let server = TestServer::router(emulator.router()).await;
    let instruments = Instruments::default();
    let config = FlexpriceConfig::builder(FLEXPRICE_KEY)
        .base_url(server.url().join("v1").unwrap())
        .build()
        .unwrap();
    let client = FlexpriceClient::builder(config)
        .executor(|b| instruments.apply(b))
        .build()
        .unwrap();
    let key = |i: usize| format!("soak-fx-{i:05}");
    let scenario = Scenario {
        adapter: "flexprice",
        operation: "customers.create",
        class: Class::NaturalKey,
        server: &server,
        instruments: &instruments,
    };
    scenario
        .run(
            n,
            seed,
            key,
            |i| {
                let client = client.clone();
                async move {
                    let input = NewCustomer::builder(key(i), format!("Soak {i}"))
                        .email(format!("soak{i}@example.com"))
                        .build()
                        .unwrap();
                    Customers::create(&client, input)
                        .await
                        .map(|c| c.external_id)
                }
            },
            || async {
                // The emulator enforces one live customer per external id; list them all (no faults now) and
                // check the listing against its own count.
                let mut held = HashMap::new();
                let mut all = client.list_all(CustomerListQuery::new().limit(100));
                while let Some(c) = all.next().await {
                    *held.entry(c.unwrap().external_id).or_insert(0) += 1;
                }
                assert_eq!(
                    held.values().sum::<usize>(),
                    emulator.published_customer_count()
                );
                held
            },
        )
        .await
}

/// The Flexprice emulator behind a fault-injecting server, and a client for it whose executor makes `attempts`
/// attempts per call.
async fn flexprice_rig(
    instruments: &Instruments,
    attempts: u32,
) -> (
    std::sync::Arc<flexprice::FlexpriceEmulator>,
    TestServer,
    FlexpriceClient,
) {
    let emulator = flexprice::FlexpriceEmulator::new(FLEXPRICE_KEY);
    let server = TestServer::router(emulator.router()).await;
    let config = FlexpriceConfig::builder(FLEXPRICE_KEY)
        .base_url(server.url().join("v1").unwrap())
        .build()
        .unwrap();
    let instruments = instruments.clone();
    let client = FlexpriceClient::builder(config)
        .executor(move |b| instruments.apply_attempts(b, attempts))
        .build()
        .unwrap();
    (emulator, server, client)
}

/// Events in the usage scenarios, as issue #22 states.
const USAGE_EVENTS: usize = 10_000;
/// Events per `Usage::ingest` call (the adapter sends a call's events as one bulk request up to 1000).
const USAGE_BATCH: usize = 100;
const USAGE_CUSTOMER: &str = "soak-usage-customer";
const USAGE_METER: &str = "soak_api_calls";
/// The first event's time (the emulator's clock start, 2026-08-22T13:00:00Z), in milliseconds.
const USAGE_START_MS: i64 = 1_787_403_600_000;

/// Event `i`: a fixed key, a fixed time (250 ms apart) and a quantity of 1 to 5.
fn usage_event(i: usize) -> UsageEvent {
    UsageEvent::builder(USAGE_CUSTOMER, USAGE_METER, Decimal::from(1 + i % 5))
        .key(IdempotencyKey::new(format!("soak-ev-{i:05}")).unwrap())
        .occurred_at(Timestamp::from_millisecond(USAGE_START_MS + 250 * i as i64).unwrap())
        .build()
        .unwrap()
}

/// Usage ingestion under the fault mix: `USAGE_EVENTS` events in batches of `USAGE_BATCH`, every event not
/// recorded re-sent unchanged (same key, same time) until taken; the executor makes `attempts` attempts per
/// request (1: every ambiguous failure comes back to the caller, who re-sends). Then counted on the emulator:
/// its stored rows (copies with the same id and timestamp collapsed, as Flexprice's storage does) and, per
/// key, the event's lookup (its stored time, quantity and status).
async fn flexprice_usage(seed: u64, attempts: u32) -> Value {
    let instruments = Instruments::default();
    let (emulator, server, client) = flexprice_rig(&instruments, attempts).await;
    // Set-up, before any fault: the customer and a SUM meter on the events' name.
    Customers::create(
        &client,
        NewCustomer::builder(USAGE_CUSTOMER, "Usage soak")
            .build()
            .unwrap(),
    )
    .await
    .unwrap();
    Meters::create(
        &client,
        NewMeter::builder(USAGE_METER, "API calls", Aggregation::Sum)
            .build()
            .unwrap(),
    )
    .await
    .unwrap();
    let events: Vec<UsageEvent> = (0..USAGE_EVENTS).map(usage_event).collect();
    let expected_total: Decimal = events.iter().map(UsageEvent::quantity).sum();

    let before = server.request_count();
    let faults = soak::install_mix(&server, seed);
    let started = std::time::Instant::now();
    let sent = soak::ingest::run(&client, &events, USAGE_BATCH).await;
    eprintln!(
        "usage ingest ({attempts} attempts): sent in {:?}",
        started.elapsed()
    );
    server.clear_fault_source();
    let requests = server.request_count() - before;
    let retries = instruments.observer.events();

    // Counted on the emulator, no faults now.
    let rows = emulator.event_count();
    let started = std::time::Instant::now();
    let answers = lookups(&server, &events).await;
    eprintln!("usage lookups: {:?}", started.elapsed());
    let (mut found, mut counted, mut wrong_time) = (0u64, 0u64, 0u64);
    let mut total = Decimal::ZERO;
    let mut missing = Vec::new();
    for (e, body) in events.iter().zip(answers) {
        let Some(body) = body else {
            missing.push(e.key().as_str().to_owned());
            continue;
        };
        found += 1;
        let stored_at = body["event"]["timestamp"]
            .as_str()
            .and_then(|t| t.parse::<Timestamp>().ok());
        if stored_at != Some(e.occurred_at()) {
            wrong_time += 1;
        }
        if body["status"] == "processed" {
            counted += 1;
        }
        total += body["event"]["properties"]["quantity"]
            .as_str()
            .and_then(|q| q.parse::<Decimal>().ok())
            .unwrap_or_default();
    }
    let mut reasons: std::collections::BTreeMap<String, u64> = Default::default();
    for r in &retries {
        *reasons.entry(format!("{:?}", r.reason)).or_default() += 1;
    }
    let faults = faults.lock().unwrap().clone();
    let left = sent.left().len();
    let summary = json!({
        "adapter": "flexprice",
        "operation": if attempts == 1 { "usage.ingest (1 attempt)" } else { "usage.ingest" },
        "attempts_per_request": attempts,
        "events": USAGE_EVENTS,
        "batch": USAGE_BATCH,
        "calls": sent.calls,
        "rounds": sent.rounds,
        "resent_batches": sent.resent_batches,
        "resent_events": sent.resent_events,
        "not_recorded_answers": sent.not_recorded,
        "call_errors": sent.call_errors,
        "last_outcomes": sent.by_outcome(),
        "left": left,
        "requests_received": requests,
        "faults_injected": faults.values().sum::<u64>(),
        "faults_by_kind": faults,
        "retries": retries.len(),
        "retries_by_reason": reasons,
        "stored_rows": rows,
        "events_found": found,
        "events_counted": counted,
        "events_missing": missing.len(),
        "duplicates": rows.saturating_sub(found as usize),
        "stored_time_differs": wrong_time,
        "usage_total": total.normalize().to_string(),
        "usage_expected": expected_total.normalize().to_string(),
    });
    println!("{}", serde_json::to_string(&summary).unwrap());
    assert_eq!(
        left,
        0,
        "events never recorded: {:?}",
        &sent.left()[..left.min(10)]
    );
    assert!(
        missing.is_empty(),
        "events the emulator does not hold: {:?}",
        &missing[..missing.len().min(10)]
    );
    // 10,000 keys each found, 10,000 rows in all: every event is held exactly once.
    assert_eq!(rows, USAGE_EVENTS, "stored rows");
    assert_eq!(found, USAGE_EVENTS as u64);
    assert_eq!(counted, USAGE_EVENTS as u64, "events the emulator counts");
    assert_eq!(wrong_time, 0, "events stored at another time than sent");
    assert_eq!(total, expected_total, "usage total");
    summary
}

/// Each event's `GET /v1/events/lookup?id=<key>` answer (`None` for a 404), a few at a time, in order.
async fn lookups(server: &TestServer, events: &[UsageEvent]) -> Vec<Option<Value>> {
    let http = reqwest::Client::new();
    let url = server.url().join("v1/events/lookup").unwrap();
    futures::stream::iter(events)
        .map(|e| {
            let request = http
                .get(url.clone())
                .query(&[("id", e.key().as_str())])
                .header("x-api-key", FLEXPRICE_KEY);
            async move {
                let answer = request.send().await.unwrap();
                if answer.status() == reqwest::StatusCode::NOT_FOUND {
                    return None;
                }
                assert!(answer.status().is_success(), "lookup of {}", e.key());
                Some(serde_json::from_str::<Value>(&answer.text().await.unwrap()).unwrap())
            }
        })
        .buffered(8)
        .collect()
        .await
}

/// Subscriptions under the fault mix: `n` creates with distinct keys for one customer on one price (the
/// adapter's `Reconcile`: the key is searched before the first attempt and after every ambiguous one), then the
/// emulator's subscriptions counted per key.
async fn flexprice_subscriptions(n: usize, seed: u64) -> Value {
    let instruments = Instruments::default();
    let (emulator, server, client) = flexprice_rig(&instruments, soak::MAX_ATTEMPTS).await;
    const CUSTOMER: &str = "soak-sub-customer";
    // Set-up, before any fault: a plan, its monthly price, the customer.
    let plan = client
        .create_plan(NewPlan::builder("Soak").build().unwrap())
        .await
        .unwrap();
    let price = Prices::create(
        &client,
        NewPrice::builder(
            PriceKind::recurring(Interval::monthly()),
            Money::new(Decimal::new(2900, 2), Currency::USD),
        )
        .product_id(plan.id.as_str())
        .build()
        .unwrap(),
    )
    .await
    .unwrap();
    Customers::create(
        &client,
        NewCustomer::builder(CUSTOMER, "Subscription soak")
            .build()
            .unwrap(),
    )
    .await
    .unwrap();
    let key = |i: usize| format!("soak-sub-{i:04}");
    let listed = || async {
        let mut all = unibill::SubscriptionsExt::list_all(
            &client,
            SubscriptionListQuery::new()
                .customer(CustomerRef::external_id(CUSTOMER))
                .limit(100),
        );
        let mut subs = Vec::new();
        while let Some(s) = all.next().await {
            subs.push(s.unwrap());
        }
        assert_eq!(subs.len(), emulator.subscription_count());
        subs
    };
    let mut summary = Scenario {
        adapter: "flexprice",
        operation: "subscriptions.create",
        class: Class::Reconcile,
        server: &server,
        instruments: &instruments,
    }
    .run(
        n,
        seed,
        key,
        |i| {
            let client = client.clone();
            let price_id = price.id.clone();
            async move {
                let input = NewSubscription::builder(CustomerRef::external_id(CUSTOMER), price_id)
                    .key(IdempotencyKey::new(key(i)).unwrap())
                    .build()
                    .unwrap();
                let sub = Subscriptions::create(&client, input).await?;
                Ok(sub.key.map(|k| k.as_str().to_owned()).unwrap_or_default())
            }
        },
        || async {
            let mut held = HashMap::new();
            for s in listed().await {
                if let Some(k) = s.key {
                    *held.entry(k.as_str().to_owned()).or_insert(0) += 1;
                }
            }
            held
        },
    )
    .await;
    let mut statuses: std::collections::BTreeMap<String, u64> = Default::default();
    for s in listed().await {
        *statuses.entry(format!("{:?}", s.status)).or_default() += 1;
    }
    summary["statuses"] = json!(statuses);
    summary
}

fn flowglad_client(server: &TestServer, instruments: &Instruments) -> FlowgladClient {
    let config = FlowgladConfig::builder(FLOWGLAD_KEY)
        .base_url(server.url().as_str())
        .currency(Currency::USD)
        .build()
        .unwrap();
    FlowgladClient::builder(config)
        .executor(|b| instruments.apply(b))
        .build()
        .unwrap()
}

async fn flowglad_customers(n: usize, seed: u64) -> Value {
    let emulator = flowglad::FlowgladEmulator::new(FLOWGLAD_KEY);
    let server = TestServer::router(emulator.router()).await;
    let instruments = Instruments::default();
    let client = flowglad_client(&server, &instruments);
    let key = |i: usize| format!("soak-fg-{i:05}");
    Scenario {
        adapter: "flowglad",
        operation: "customers.create",
        class: Class::NaturalKey,
        server: &server,
        instruments: &instruments,
    }
    .run(
        n,
        seed,
        key,
        |i| {
            let client = client.clone();
            async move {
                let input = NewCustomer::builder(key(i), format!("Soak {i}"))
                    .email(format!("soak{i}@example.com"))
                    .build()
                    .unwrap();
                Customers::create(&client, input)
                    .await
                    .map(|c| c.external_id)
            }
        },
        || async { count_by(emulator.customers(), "externalId") },
    )
    .await
}

fn usage_price(i: usize) -> unibill::NewPriceBuilder {
    NewPrice::builder(
        PriceKind::usage(Interval::monthly(), flowglad::seed::USAGE_METER_ID),
        Money::new(Decimal::new(25 + i as i64 % 7, 2), Currency::USD),
    )
}

async fn flowglad_prices(n: usize, slugged: bool, seed: u64) -> Value {
    let emulator = flowglad::FlowgladEmulator::new(FLOWGLAD_KEY);
    let server = TestServer::router(emulator.router()).await;
    let instruments = Instruments::default();
    let client = flowglad_client(&server, &instruments);
    let key = move |i: usize| {
        if slugged {
            format!("soak-slug-{i:05}")
        } else {
            format!("soak-unslugged-{i:05}")
        }
    };
    Scenario {
        adapter: "flowglad",
        operation: if slugged {
            "prices.create (slug)"
        } else {
            "prices.create (no slug)"
        },
        class: if slugged {
            Class::Reconcile
        } else {
            Class::Unsafe
        },
        server: &server,
        instruments: &instruments,
    }
    .run(
        n,
        seed,
        key,
        |i| {
            let client = client.clone();
            async move {
                let b = if slugged {
                    usage_price(i).slug(key(i))
                } else {
                    usage_price(i).name(key(i))
                };
                let p = Prices::create(&client, b.build().unwrap()).await?;
                Ok(if slugged { p.slug } else { p.name }.unwrap_or_default())
            }
        },
        || async {
            let field = if slugged { "slug" } else { "name" };
            let prices = emulator
                .prices()
                .into_iter()
                .filter(|p| p[field].as_str().is_some_and(|s| s.starts_with("soak-")))
                .collect();
            count_by(prices, field)
        },
    )
    .await
}

/// A Flowglad emulator on a logical clock starting at the usage events' first time (so every run hands out the
/// same times), behind a fault-injecting server, and a client making `attempts` attempts per call.
async fn flowglad_rig(
    instruments: &Instruments,
    attempts: u32,
    allow_multiple_subscriptions: bool,
) -> (flowglad::FlowgladEmulator, TestServer, FlowgladClient) {
    let emulator = flowglad::FlowgladEmulator::builder(FLOWGLAD_KEY)
        .clock_start_ms(USAGE_START_MS)
        .allow_multiple_subscriptions_per_customer(allow_multiple_subscriptions)
        .build();
    let server = TestServer::router(emulator.router()).await;
    let config = FlowgladConfig::builder(FLOWGLAD_KEY)
        .base_url(server.url().as_str())
        .currency(Currency::USD)
        .build()
        .unwrap();
    let instruments = instruments.clone();
    let client = FlowgladClient::builder(config)
        .executor(move |b| instruments.apply_attempts(b, attempts))
        .build()
        .unwrap();
    (emulator, server, client)
}

/// A monthly 29.00 USD price on the seeded Pro product.
async fn flowglad_monthly_price(client: &FlowgladClient) -> unibill::Price {
    Prices::create(
        client,
        NewPrice::builder(
            PriceKind::recurring(Interval::monthly()),
            Money::new(Decimal::new(2900, 2), Currency::USD),
        )
        .product_id(flowglad::seed::PRO_PRODUCT_ID)
        .build()
        .unwrap(),
    )
    .await
    .unwrap()
}

/// Usage ingestion on Flowglad under the fault mix, as [`flexprice_usage`]: `USAGE_EVENTS` events in batches of
/// `USAGE_BATCH` for one customer's subscription, every event not recorded re-sent unchanged until taken. Then
/// counted on the emulator: its stored events (one per `(transactionId, meter)`: the first write wins), each
/// key's event with its amount and `usageDate`.
async fn flowglad_usage(seed: u64, attempts: u32) -> Value {
    let instruments = Instruments::default();
    let (emulator, server, client) = flowglad_rig(&instruments, attempts, false).await;
    // Set-up, before any fault: the customer, a sum meter on the events' key, a subscription to attach to.
    Customers::create(
        &client,
        NewCustomer::builder(USAGE_CUSTOMER, "Usage soak")
            .email("usage-soak@example.com")
            .build()
            .unwrap(),
    )
    .await
    .unwrap();
    Meters::create(
        &client,
        NewMeter::builder(USAGE_METER, "API calls", Aggregation::Sum)
            .build()
            .unwrap(),
    )
    .await
    .unwrap();
    let price = flowglad_monthly_price(&client).await;
    Subscriptions::create(
        &client,
        NewSubscription::builder(CustomerRef::external_id(USAGE_CUSTOMER), price.id)
            .build()
            .unwrap(),
    )
    .await
    .unwrap();
    let events: Vec<UsageEvent> = (0..USAGE_EVENTS).map(usage_event).collect();
    let expected_total: Decimal = events.iter().map(UsageEvent::quantity).sum();

    let before = server.request_count();
    let faults = soak::install_mix(&server, seed);
    let started = std::time::Instant::now();
    let sent = soak::ingest::run(&client, &events, USAGE_BATCH).await;
    eprintln!(
        "flowglad usage ingest ({attempts} attempts): sent in {:?}",
        started.elapsed()
    );
    server.clear_fault_source();
    let requests = server.request_count() - before;
    let retries = instruments.observer.events();

    // Counted on the emulator, no faults now.
    let stored = emulator.usage_events();
    let rows = stored.len();
    let mut by_key: HashMap<&str, Vec<&Value>> = HashMap::new();
    for row in &stored {
        if let Some(k) = row["transactionId"].as_str() {
            by_key.entry(k).or_default().push(row);
        }
    }
    let (mut found, mut wrong_time, mut wrong_amount) = (0u64, 0u64, 0u64);
    let mut total = Decimal::ZERO;
    let mut missing = Vec::new();
    for e in &events {
        let Some(held) = by_key.get(e.key().as_str()) else {
            missing.push(e.key().as_str().to_owned());
            continue;
        };
        found += 1;
        for row in held {
            let amount = row["amount"]
                .as_i64()
                .map(Decimal::from)
                .unwrap_or_default();
            if amount != e.quantity() {
                wrong_amount += 1;
            }
            if row["usageDate"].as_i64() != Some(e.occurred_at().as_millisecond()) {
                wrong_time += 1;
            }
            total += amount;
        }
    }
    let mut reasons: std::collections::BTreeMap<String, u64> = Default::default();
    for r in &retries {
        *reasons.entry(format!("{:?}", r.reason)).or_default() += 1;
    }
    let faults = faults.lock().unwrap().clone();
    let left = sent.left().len();
    let summary = json!({
        "adapter": "flowglad",
        "operation": if attempts == 1 { "usage.ingest (1 attempt)" } else { "usage.ingest" },
        "attempts_per_request": attempts,
        "events": USAGE_EVENTS,
        "batch": USAGE_BATCH,
        "calls": sent.calls,
        "rounds": sent.rounds,
        "resent_batches": sent.resent_batches,
        "resent_events": sent.resent_events,
        "not_recorded_answers": sent.not_recorded,
        "call_errors": sent.call_errors,
        "last_outcomes": sent.by_outcome(),
        "left": left,
        "requests_received": requests,
        "faults_injected": faults.values().sum::<u64>(),
        "faults_by_kind": faults,
        "retries": retries.len(),
        "retries_by_reason": reasons,
        "stored_rows": rows,
        "events_found": found,
        // Flowglad counts every stored event (no processing state): a key found is a key counted.
        "events_counted": found,
        "events_missing": missing.len(),
        "duplicates": rows.saturating_sub(found as usize),
        "stored_time_differs": wrong_time,
        "stored_amount_differs": wrong_amount,
        "usage_total": total.normalize().to_string(),
        "usage_expected": expected_total.normalize().to_string(),
    });
    println!("{}", serde_json::to_string(&summary).unwrap());
    assert_eq!(
        left,
        0,
        "events never recorded: {:?}",
        &sent.left()[..left.min(10)]
    );
    assert!(
        missing.is_empty(),
        "events the emulator does not hold: {:?}",
        &missing[..missing.len().min(10)]
    );
    // 10,000 keys each found, 10,000 rows in all: every event is held exactly once, as sent.
    assert_eq!(rows, USAGE_EVENTS, "stored events");
    assert_eq!(found, USAGE_EVENTS as u64);
    assert_eq!(
        wrong_amount, 0,
        "events stored with another amount than sent"
    );
    assert_eq!(wrong_time, 0, "events stored at another time than sent");
    assert_eq!(total, expected_total, "usage total");
    summary
}

/// Subscriptions on Flowglad under the fault mix: `n` creates with distinct keys, each for its own customer
/// (the organisation's default: one current subscription per customer, so a re-sent create that meets its own
/// first attempt answers 409 and is looked up), on one price; the emulator's subscriptions counted per key.
async fn flowglad_subscriptions(n: usize, seed: u64) -> Value {
    let instruments = Instruments::default();
    let (emulator, server, client) = flowglad_rig(&instruments, soak::MAX_ATTEMPTS, false).await;
    let key = |i: usize| format!("soak-fg-sub-{i:04}");
    let customer = |i: usize| format!("soak-fg-sub-customer-{i:04}");
    // Set-up, before any fault: the price and the customers.
    let price = flowglad_monthly_price(&client).await;
    for i in 0..n {
        Customers::create(
            &client,
            NewCustomer::builder(customer(i), format!("Subscription soak {i}"))
                .email(format!("sub-soak{i}@example.com"))
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    }
    let held_keys = || {
        emulator
            .subscriptions()
            .into_iter()
            .filter_map(|s| s["metadata"]["unibill_key"].as_str().map(str::to_owned))
            .collect::<Vec<_>>()
    };
    let mut summary = Scenario {
        adapter: "flowglad",
        operation: "subscriptions.create",
        class: Class::Reconcile,
        server: &server,
        instruments: &instruments,
    }
    .run(
        n,
        seed,
        key,
        |i| {
            let client = client.clone();
            let price_id = price.id.clone();
            async move {
                let input =
                    NewSubscription::builder(CustomerRef::external_id(customer(i)), price_id)
                        .key(IdempotencyKey::new(key(i)).unwrap())
                        .build()
                        .unwrap();
                let sub = Subscriptions::create(&client, input).await?;
                Ok(sub.key.map(|k| k.as_str().to_owned()).unwrap_or_default())
            }
        },
        || async {
            let mut held = HashMap::new();
            for k in held_keys() {
                *held.entry(k).or_insert(0) += 1;
            }
            held
        },
    )
    .await;
    assert_eq!(
        held_keys().len(),
        emulator.subscription_count(),
        "every subscription carries a key"
    );
    // By neutral status, as the adapter reads them back (every page of the unfiltered list).
    let mut all =
        unibill::SubscriptionsExt::list_all(&client, SubscriptionListQuery::new().limit(100));
    let mut statuses: std::collections::BTreeMap<String, u64> = Default::default();
    let mut listed = 0;
    while let Some(s) = all.next().await {
        listed += 1;
        *statuses
            .entry(format!("{:?}", s.unwrap().status))
            .or_default() += 1;
    }
    assert_eq!(listed, emulator.subscription_count());
    summary["statuses"] = json!(statuses);
    summary
}

async fn vercel_stores(n: usize, seed: u64) -> Value {
    let emulator = vercel::VercelEmulator::new(VERCEL_TOKEN);
    let server = TestServer::router(emulator.router()).await;
    let instruments = Instruments::default();
    let config = VercelConfig::builder(VERCEL_TOKEN)
        .team_id(vercel::seed::TEAM_ID)
        .base_url(server.url().as_str())
        .build()
        .unwrap();
    let client = VercelClient::builder(config)
        .clock(FixedClock(
            UNIX_EPOCH + Duration::from_millis(vercel::seed::NOW_MS),
        ))
        .executor({
            let instruments = instruments.clone();
            move |b| instruments.apply(b)
        })
        .build()
        .unwrap();
    let key = |i: usize| format!("soak-store-{i:05}");
    Scenario {
        adapter: "vercel",
        operation: "stores.create",
        class: Class::Unsafe,
        server: &server,
        instruments: &instruments,
    }
    .run(
        n,
        seed,
        key,
        |i| {
            let client = client.clone();
            async move {
                let input = NewStore::builder(key(i), vercel::seed::CONFIGURATION_ID, "neon")
                    .build()
                    .unwrap();
                let store = Stores::create(&client, input).await?;
                Ok(store.name.unwrap_or_default())
            }
        },
        || async {
            let records = emulator
                .store_ids()
                .iter()
                .filter_map(|id| emulator.store_record(id))
                .collect();
            count_by(records, "name")
        },
    )
    .await
}

fn count_by(items: Vec<Value>, field: &str) -> HashMap<String, usize> {
    let mut held = HashMap::new();
    for item in items {
        if let Some(k) = item[field].as_str() {
            *held.entry(k.to_owned()).or_insert(0) += 1;
        }
    }
    held
}

#[tokio::test]
async fn measured_run() {
    let n = soak_n();
    let mut soak = Vec::new();
    let started = std::time::Instant::now();
    soak.push(flexprice_customers(n, SEED).await);
    eprintln!("flexprice customers: {:?}", started.elapsed());
    soak.push(flowglad_customers(n, SEED + 1).await);
    eprintln!("flowglad customers: {:?}", started.elapsed());
    // The slugged-price lookup lists every price (Flowglad's list ignores filters), so its cost grows with N²:
    // a larger run keeps this scenario at the default N.
    soak.push(flowglad_prices(n.min(DEFAULT_N), true, SEED + 2).await);
    eprintln!("flowglad prices slug: {:?}", started.elapsed());
    soak.push(flowglad_prices(n, false, SEED + 3).await);
    eprintln!("flowglad prices: {:?}", started.elapsed());
    soak.push(vercel_stores(n, SEED + 4).await);
    eprintln!("vercel stores: {:?}", started.elapsed());
    // Issue #22: 500 subscription creates and 10,000 usage events, whatever N is.
    soak.push(flexprice_subscriptions(SUBSCRIPTIONS, SEED + 5).await);
    eprintln!("flexprice subscriptions: {:?}", started.elapsed());
    soak.push(flowglad_subscriptions(SUBSCRIPTIONS, SEED + 8).await);
    eprintln!("flowglad subscriptions: {:?}", started.elapsed());
    let mut ingest = vec![
        flexprice_usage(SEED + 6, soak::MAX_ATTEMPTS).await,
        flexprice_usage(SEED + 7, 1).await,
    ];
    eprintln!("flexprice usage: {:?}", started.elapsed());
    ingest.push(flowglad_usage(SEED + 9, soak::MAX_ATTEMPTS).await);
    ingest.push(flowglad_usage(SEED + 10, 1).await);
    eprintln!("flowglad usage: {:?}", started.elapsed());
    let summary = json!({
        "seed": format!("{SEED:#x}"),
        "fault_rate_per_mille": soak::FAULT_PER_MILLE,
        "soak": soak,
        "ingest": ingest,
    });
    let text = serde_json::to_string_pretty(&summary).unwrap();
    println!("{text}");
    let path = std::env::var("UNIBILL_RELIABILITY_SUMMARY").unwrap_or_else(|_| {
        format!(
            "{}/target/reliability-summary.json",
            env!("CARGO_MANIFEST_DIR")
        )
    });
    if let Some(dir) = std::path::Path::new(&path).parent() {
        std::fs::create_dir_all(dir).unwrap();
    }
    std::fs::write(&path, &text).unwrap();

    let doc_path = format!("{}/docs/reliability.md", env!("CARGO_MANIFEST_DIR"));
    let rendered = render(&summary);
    let current = std::fs::read_to_string(&doc_path).unwrap_or_default();
    // Below the marker the document is written by hand (what each regression test proves); only the part above
    // it is this run's rendering.
    let (generated, written) = match current.find(HAND_WRITTEN) {
        Some(at) => current.split_at(at),
        None => (current.as_str(), ""),
    };
    if std::env::var_os("UNIBILL_BLESS").is_some() {
        std::fs::write(&doc_path, format!("{rendered}{written}")).unwrap();
    } else if n == DEFAULT_N {
        assert!(
            generated == rendered,
            "docs/reliability.md is stale: it is not the rendering of this run's summary ({path}). \
             Regenerate it with `UNIBILL_BLESS=1 cargo nextest run -p unibill --test reliability`."
        );
    }
}

/// Where `docs/reliability.md` stops being generated.
const HAND_WRITTEN: &str = "\n<!-- Written by hand below this line";

/// `docs/reliability.md` down to [`HAND_WRITTEN`]: the summary as a document (a pure function of the summary).
fn render(summary: &Value) -> String {
    let mut out = String::from(
        "# Reliability, measured\n\n\
         <!-- Generated by tests/reliability.rs from its JSON summary; do not edit. \
         Regenerate: UNIBILL_BLESS=1 cargo nextest run -p unibill --test reliability -->\n\n\
         Reproduce: `cargo nextest run -p unibill --test reliability` (the test fails if this document is not \
         the rendering of its run; `UNIBILL_SOAK_N=20000` runs a larger soak and compares nothing). The run is \
         sequential and the fault choice a seeded function of each request's index, so the numbers are the \
         same on every run.\n\n",
    );
    let soak = summary["soak"].as_array().cloned().unwrap_or_default();
    out.push_str(&format!(
        "## Soak under faults\n\nPer scenario: creates with unique natural keys against the adapter's emulator \
         behind the fault-injecting test server; {} in 1000 requests (seed `{}`) get a fault: 500 with an \
         empty body, 502, 503, 429 with `Retry-After: 1`, connection dropped before handling, answer lost after \
         the write, or a 2 ms delay. Retry policy: {} attempts; backoff recorded, never slept. Resources are \
         counted in the emulator afterwards.\n\n",
        summary["fault_rate_per_mille"], summary["seed"].as_str().unwrap_or(""),
        soak.first().map(|s| s["max_attempts"].to_string()).unwrap_or_default(),
    ));
    out.push_str(
        "| Adapter | Operation | Safety | Calls | Requests | Faults | Retries | Ok | Outcome unknown | \
         Retries ran out | Other errors | Resources | Duplicates | Lost writes | Unknown outcomes applied |\n\
         | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for s in &soak {
        let o = &s["outcomes"];
        out.push_str(&format!(
            "| {} | `{}` | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            s["adapter"].as_str().unwrap_or(""),
            s["operation"].as_str().unwrap_or(""),
            s["safety"].as_str().unwrap_or(""),
            s["calls"],
            s["requests_received"],
            s["faults_injected"],
            s["retries"],
            o["ok"],
            o["outcome_unknown"],
            o["retries_ran_out"],
            o["other_errors"],
            s["resources"],
            s["duplicates"],
            s["lost_writes"],
            s["unknown_outcomes_applied"],
        ));
    }
    for s in &soak {
        if let Some(statuses) = s["statuses"].as_object() {
            let statuses: Vec<String> = statuses.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            out.push_str(&format!(
                "\n{} `{}`: the subscriptions held afterwards by status: {}.\n",
                s["adapter"].as_str().unwrap_or(""),
                s["operation"].as_str().unwrap_or(""),
                statuses.join(", ")
            ));
        }
    }
    let ingest = summary["ingest"].as_array().cloned().unwrap_or_default();
    if !ingest.is_empty() {
        out.push_str(
            "\n### Usage ingest\n\nThe same fault mix (each scenario its own seed) on `Usage::ingest`: events with fixed keys \
             and times (250 ms apart) sent in batches; every event the report answers `NotRecorded` (and every \
             batch whose whole call fails retryably) is re-sent unchanged, same key and same time, round after \
             round until taken (at most 20 rounds). With 10 attempts the executor re-sends a bulk request after \
             each ambiguous failure itself; with 1 attempt every failure comes back as `NotRecorded` and the \
             caller re-sends. Counted on the emulator afterwards. Flexprice: its stored rows (copies with the \
             same `event_id` and `timestamp` collapse, as in Flexprice's storage), and each key's lookup \
             (stored time, quantity, `processed`). Flowglad (one customer, one subscription; the first write \
             per `transactionId` and meter wins): its stored events, each key's with its `amount` and \
             `usageDate`.\n\n\
             | Adapter | Operation | Attempts | Events | Batch | Calls | Requests | Faults | Retries | Rounds | \
             Re-sent batches | Re-sent events | Left | Stored rows | Events counted | Duplicates | Usage total | \
             Expected |\n\
             | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | \
             ---: | ---: | ---: | ---: |\n",
        );
        for s in &ingest {
            out.push_str(&format!(
                "| {} | `{}` | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                s["adapter"].as_str().unwrap_or(""),
                s["operation"].as_str().unwrap_or(""),
                s["attempts_per_request"],
                s["events"],
                s["batch"],
                s["calls"],
                s["requests_received"],
                s["faults_injected"],
                s["retries"],
                s["rounds"],
                s["resent_batches"],
                s["resent_events"],
                s["left"],
                s["stored_rows"],
                s["events_counted"],
                s["duplicates"],
                s["usage_total"].as_str().unwrap_or(""),
                s["usage_expected"].as_str().unwrap_or(""),
            ));
        }
    }
    let all: Vec<&Value> = soak.iter().chain(&ingest).collect();
    out.push_str("\n### Faults injected per kind\n\n| Adapter | Operation |");
    for kind in soak::KINDS {
        out.push_str(&format!(" {kind} |"));
    }
    out.push_str("\n| --- | --- |");
    for _ in soak::KINDS {
        out.push_str(" ---: |");
    }
    out.push('\n');
    for s in &all {
        out.push_str(&format!(
            "| {} | `{}` |",
            s["adapter"].as_str().unwrap_or(""),
            s["operation"].as_str().unwrap_or("")
        ));
        for kind in soak::KINDS {
            out.push_str(&format!(" {} |", s["faults_by_kind"][kind]));
        }
        out.push('\n');
    }
    out.push_str("\n### Retries per reason\n\n");
    for s in &all {
        let reasons = s["retries_by_reason"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| format!("{k}: {v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        out.push_str(&format!(
            "- {} `{}`: {}\n",
            s["adapter"].as_str().unwrap_or(""),
            s["operation"].as_str().unwrap_or(""),
            if reasons.is_empty() {
                "none".to_owned()
            } else {
                reasons
            }
        ));
    }
    out.push_str(
        "\nWhat the rows prove: `NaturalKey`/`Reconcile` writes left exactly one resource per key and answered \
         `OutcomeUnknown` only where no lookup could tell (the lookup checking an ambiguous attempt failed \
         itself; counted in the column, with those whose resource exists as applied); `Unsafe` writes either \
         succeeded once or answered `OutcomeUnknown` (never re-sent after an ambiguous attempt), and resources \
         = successes + the unknown outcomes that were in fact applied. Every usage event was counted exactly \
         once: each key's event is found with the time (and, on Flowglad, the amount) it was sent with, and \
         the stored rows are as many as the events. No call panicked (a panic fails the run).\n\n\
         Leaks are not counted by this run: `tests/deadlines.rs` starts every operation of every adapter against \
         stalled emulators, drops the calls, and requires the client runtime's alive-task count to return to \
         its baseline; `tests/secrets_everywhere.rs` runs every conformance flow at TRACE with planted secrets \
         and finds none in logs, errors or models.\n",
    );
    if let Some(extra) = summary.get("deadlines") {
        out.push_str("\n## Deadlines and cancellation\n\n");
        for row in extra.as_array().into_iter().flatten() {
            out.push_str(&format!("- {}\n", row.as_str().unwrap_or("")));
        }
    }
    out
}
