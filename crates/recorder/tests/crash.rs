//! Crash test (issue #25): a child process records 200,000 events with the spool and is killed with SIGKILL
//! at 10 points chosen (seeded) by the progress it reports; each restart re-sends what the spool holds and
//! records on from the last event it reported durable. Afterwards the Flexprice emulator holds each key
//! exactly once and 200,000 in all.
//!
//! The child is this test binary itself, running the ignored test `crash_child` (so `cargo test` and
//! `cargo nextest` both work); it prints `recorded N` once events `0..N` are committed to the spool, and
//! `done` after `flush`. No sleeps: the parent kills when a line reports enough progress.

#![cfg(all(feature = "spool", unix))]

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;

use rust_decimal::Decimal;
use unibill_core::{IdempotencyKey, Timestamp, UsageEvent};
use unibill_flexprice::{FlexpriceClient, FlexpriceConfig};
use unibill_recorder::{RecorderBuilder, SpoolOptions};
use unibill_testkit::TestServer;
use unibill_testkit::emulators::flexprice::FlexpriceEmulator;
use unibill_testkit::fault_mix::mix;

const API_KEY: &str = "sk_crash_test";
const TOTAL: u64 = 200_000;
const KILLS: usize = 10;
const CHUNK: u64 = 2_000;
const SEED: u64 = 0x0C0A_5A17;

fn crash_event(i: u64) -> UsageEvent {
    UsageEvent::builder("crash-customer", "api_calls", Decimal::ONE)
        .key(IdempotencyKey::new(format!("crash-{i:06}")).unwrap())
        .occurred_at(Timestamp::from_millisecond(1_780_000_000_000 + i as i64).unwrap())
        .build()
        .unwrap()
}

/// The child: records `from..TOTAL` with the spool at `UNIBILL_CRASH_SPOOL` to `UNIBILL_CRASH_URL`.
#[test]
#[ignore = "run by `a_killed_recorder_loses_nothing_and_counts_nothing_twice` as its child process"]
fn crash_child() {
    let (Ok(url), Ok(spool), Ok(from)) = (
        std::env::var("UNIBILL_CRASH_URL"),
        std::env::var("UNIBILL_CRASH_SPOOL"),
        std::env::var("UNIBILL_CRASH_FROM"),
    ) else {
        panic!("crash_child runs only as the crash test's child");
    };
    let from: u64 = from.parse().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let config = FlexpriceConfig::builder(API_KEY)
            .base_url(url.parse().unwrap())
            .build()
            .unwrap();
        let client = Arc::new(FlexpriceClient::new(config).unwrap());
        let (recorder, _failures) = RecorderBuilder::new(client)
            .spool(SpoolOptions::new(&spool))
            .build()
            .unwrap();
        let mut next = from;
        while next < TOTAL {
            let end = (next + CHUNK).min(TOTAL);
            let records: Vec<_> = (next..end)
                .map(|i| recorder.record(crash_event(i)))
                .collect();
            for r in futures::future::join_all(records).await {
                r.unwrap();
            }
            next = end;
            println!("recorded {next}");
        }
        let stats = recorder.flush().await;
        assert_eq!(stats.failed, 0, "{stats:?}");
        println!("done");
        let t = std::time::Instant::now();
        let unsent = recorder.shutdown(std::time::Duration::from_secs(30)).await;
        eprintln!(
            "child: shut down in {:?}, {} unsent",
            t.elapsed(),
            unsent.events.len()
        );
    });
}

#[test]
fn a_killed_recorder_loses_nothing_and_counts_nothing_twice() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let emulator = FlexpriceEmulator::new(API_KEY);
    let server = rt.block_on(TestServer::router(emulator.router()));
    let url = server.url().join("v1").unwrap().to_string();
    let dir = support::TempDir::new("crash");
    let spool = dir.file("spool.sqlite");
    let exe = std::env::current_exe().unwrap();

    // Kill points: 10 distinct progress marks, seeded, in order.
    let mut points: Vec<u64> = Vec::new();
    let mut k = 0u64;
    while points.len() < KILLS {
        let p = (mix(SEED ^ k) % (TOTAL / CHUNK - 1) + 1) * CHUNK;
        k += 1;
        if !points.contains(&p) {
            points.push(p);
        }
    }
    points.sort_unstable();
    let mut from = 0u64;
    let mut kills = 0;
    let run = |kill_at: Option<u64>, from: u64| -> u64 {
        let started = std::time::Instant::now();
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "crash_child",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("UNIBILL_CRASH_URL", &url)
            .env("UNIBILL_CRASH_SPOOL", &spool)
            .env("UNIBILL_CRASH_FROM", from.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut durable = from;
        let mut done = false;
        for line in BufReader::new(child.stdout.take().unwrap()).lines() {
            let line = line.unwrap();
            if let Some(n) = line.strip_prefix("recorded ") {
                durable = n.parse().unwrap();
                if kill_at.is_some_and(|k| durable >= k) {
                    child.kill().unwrap(); // SIGKILL
                    break;
                }
            } else if line == "done" {
                done = true;
            }
        }
        let status = child.wait().unwrap();
        eprintln!(
            "run from {from} (kill at {kill_at:?}): durable {durable} after {:?}",
            started.elapsed()
        );
        if kill_at.is_none() {
            assert!(
                done && status.success(),
                "the last run did not finish: {status}"
            );
        }
        durable
    };
    for &point in &points {
        let point = point.max(from + CHUNK);
        from = run(Some(point), from);
        kills += 1;
    }
    let last = run(None, from);
    assert_eq!(last, TOTAL);
    assert_eq!(kills, KILLS);

    let counts = emulator.event_id_counts();
    let twice: Vec<_> = counts.iter().filter(|(_, n)| **n != 1).take(5).collect();
    assert!(twice.is_empty(), "keys not stored exactly once: {twice:?}");
    assert_eq!(counts.len() as u64, TOTAL, "distinct keys");
    assert_eq!(emulator.event_count() as u64, TOTAL, "stored events");
    for i in [0, 1, TOTAL / 2, TOTAL - 1] {
        assert_eq!(counts.get(crash_event(i).key().as_str()), Some(&1));
    }
    eprintln!(
        "crash test: {kills} kills at {points:?}, {} bulk requests, {TOTAL} events each stored once",
        server.request_count()
    );
}
