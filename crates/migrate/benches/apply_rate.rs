//! Side by side in one run: the destination emulator's own create rate (customers and prices created directly
//! through the adapter at the same concurrency) and `apply`'s rate moving the same number of objects onto a
//! fresh copy of that emulator; then the full figure, Flexprice → Flowglad with subscriptions, timed and
//! verified.
//!
//! `cargo bench -p unibill-migrate --bench apply_rate` (sizes: `MIGRATE_BENCH_CUSTOMERS`, default 10000;
//! `MIGRATE_BENCH_PRICES`, default 200; `MIGRATE_BENCH_SUBSCRIPTIONS`, default 2000, moved in the full figure;
//! concurrency `MIGRATE_BENCH_CONCURRENCY`, default 8).

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::Instant;

use futures::StreamExt;
use unibill_core::{Currency, Customers};
use unibill_migrate::{FlexpricePlans, Ledger, Migration, ProductMap, ResourceKind};

use support::*;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run());
}

async fn run() {
    let customers = env("MIGRATE_BENCH_CUSTOMERS", 10_000);
    let prices = env("MIGRATE_BENCH_PRICES", 200);
    let concurrency = env("MIGRATE_BENCH_CONCURRENCY", 8);
    let subscriptions = env("MIGRATE_BENCH_SUBSCRIPTIONS", 2_000);

    // 1 and 2, interleaved REPS times (the machine is shared: medians of runs side by side): the emulator's
    // own create rate, customers straight through the Flexprice adapter; then apply, memory → a fresh Flexprice
    // emulator, at the same concurrency (reads of both sides and the plan included).
    let reps = env("MIGRATE_BENCH_REPS", 5);
    let mut direct_runs = Vec::new();
    let mut apply_runs = Vec::new();
    let mut moved = 0;
    let mut verify1_secs = 0.0;
    let mut compared1 = 0;
    let mut steps_seen = Vec::new();
    for rep in 0..reps {
        // Alternate which goes first, so that neither always runs on a warmer (or busier) machine.
        for first in [rep % 2 == 0, rep % 2 != 0] {
            if first {
                let direct = Flexprice::start().await;
                let api = direct.billing().customers();
                let started = Instant::now();
                futures::stream::iter(0..customers)
                    .for_each_concurrent(concurrency, |i| {
                        let api = api.clone();
                        async move {
                            api.create(customer(i)).await.unwrap();
                        }
                    })
                    .await;
                direct_runs.push(started.elapsed().as_secs_f64());
                assert_eq!(direct.emulator.customer_count(), customers);
                drop(direct);
            } else {
                let source = memory_source(customers, prices).await;
                let destination = Flexprice::start().await;
                let path = ledger_path("bench-memory-flexprice");
                let steps = Steps::default();
                let migration = Migration::builder(
                    source,
                    destination.billing(),
                    Ledger::open(&path, "memory", "flexprice").unwrap(),
                )
                .products(FlexpricePlans::new(destination.client.clone()))
                .concurrency(concurrency)
                .progress(steps.sink())
                .build();
                let started = Instant::now();
                let report = migration.apply().await.unwrap();
                apply_runs.push(started.elapsed().as_secs_f64());
                assert!(report.is_complete(), "{:?}", report.failures);
                let started = Instant::now();
                let verified = migration.verify().await.unwrap();
                verify1_secs = started.elapsed().as_secs_f64();
                assert!(
                    verified.ok,
                    "{:?}",
                    &verified.findings[..verified.findings.len().min(3)]
                );
                compared1 = verified.compared;
                assert_eq!(destination.emulator.customer_count(), customers);
                assert_eq!(destination.emulator.live_price_count(), prices);
                moved = report.counts[&ResourceKind::Customer].created
                    + report.counts[&ResourceKind::Product].created
                    + report.counts[&ResourceKind::Price].created;
                steps_seen = steps.0.lock().unwrap().clone();
            }
        }
    }
    eprintln!("step starts of the last apply (seconds): {steps_seen:?}");
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let direct_secs = median(&mut direct_runs.clone());
    let apply_secs = median(&mut apply_runs.clone());

    // 3. Flexprice emulator → Flowglad emulator, the full figure, subscriptions included (each created on
    // Flowglad, then its source set to cancel at period end).
    let fx = Flexprice::start().await;
    let plans = fill_flexprice(&fx, customers, prices).await;
    fx.align_clock_to_now();
    fill_subscriptions(&fx.billing(), customers, subscriptions).await;
    let fg = Flowglad::start(prices).await;
    let map = ProductMap::new(
        plans
            .iter()
            .enumerate()
            .map(|(i, p)| (p.clone(), flowglad_product(i))),
    );
    let path = ledger_path("bench-flexprice-flowglad");
    let migration = Migration::builder(
        fx.billing(),
        fg.billing(),
        Ledger::open(&path, "flexprice", "flowglad").unwrap(),
    )
    .products(map)
    .destination_currencies(vec![Currency::USD])
    .concurrency(concurrency)
    .subscriptions(subscriptions > 0)
    .build();
    let started = Instant::now();
    let report2 = migration.apply().await.unwrap();
    let apply2_secs = started.elapsed().as_secs_f64();
    assert!(report2.is_complete(), "{:?}", report2.failures);
    let started = Instant::now();
    let verified2 = migration.verify().await.unwrap();
    let verify2_secs = started.elapsed().as_secs_f64();
    assert!(
        verified2.ok,
        "{:?}",
        &verified2.findings[..verified2.findings.len().min(3)]
    );
    assert_eq!(fg.emulator.customer_count(), customers);
    assert_eq!(fg.emulator.active_price_count(), prices);

    let direct_rate = customers as f64 / direct_secs;
    let apply_rate = moved as f64 / apply_secs;
    println!("runs (seconds): direct {direct_runs:.2?}, apply {apply_runs:.2?}");
    println!("| measurement | objects | seconds (median of {reps}) | objects/s |");
    println!("|---|---:|---:|---:|");
    println!(
        "| Flexprice emulator, customers created directly (concurrency {concurrency}) | {customers} | {direct_secs:.2} | {direct_rate:.0} |"
    );
    println!(
        "| apply memory → Flexprice emulator (customers + plans + prices, concurrency {concurrency}, reads and plan included) | {moved} | {apply_secs:.2} | {apply_rate:.0} |"
    );
    println!(
        "| ratio apply / direct | | | {:.2} |",
        apply_rate / direct_rate
    );
    println!(
        "| verify memory → Flexprice ({} objects compared) | {} | {verify1_secs:.2} | |",
        compared1, compared1
    );
    let moved2 = customers + prices + 2 * subscriptions;
    println!(
        "| apply Flexprice emulator → Flowglad emulator ({customers} customers, {prices} prices, {subscriptions} subscriptions created and as many source cancels; concurrency {concurrency}) | {moved2} | {apply2_secs:.2} | {:.0} |",
        moved2 as f64 / apply2_secs
    );
    println!(
        "| verify Flexprice → Flowglad ({} objects compared) | {} | {verify2_secs:.2} | |",
        verified2.compared, verified2.compared
    );
}

#[derive(Default, Clone)]
struct Steps(std::sync::Arc<std::sync::Mutex<Vec<(String, f64)>>>);

impl Steps {
    fn sink(&self) -> unibill_migrate::ProgressSink {
        let steps = self.clone();
        let t0 = Instant::now();
        unibill_migrate::ProgressSink::new(move |p| {
            if p.event == "start" {
                steps.0.lock().unwrap().push((
                    format!("{:?} {:?}", p.phase, p.resource),
                    t0.elapsed().as_secs_f64(),
                ));
            }
        })
    }
}
