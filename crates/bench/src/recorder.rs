//! The recorder bench (issue #25): `recorder-client` runs one variant in this process and prints one JSON
//! line; `recorder-driver` starts the fixed-answer server and runs the variants as their own processes,
//! interleaved, and prints a Markdown table of medians.
//!
//! Every variant sends the same events (built on the fly, one key and time each) as Flexprice bulk requests
//! through the same `FlexpriceClient` and executor to the fixed-answer server (any 2xx is the bulk's
//! answer: every event `Accepted`):
//!
//! * `loop`: a hand-written batching loop: one producer fills batches of 1000 and keeps 4 `ingest` calls in
//!   flight, keeping each batch to re-send what comes back `NotRecorded`.
//! * `recorder`: one producer calling `UsageRecorder::record` for each event, then `flush`.
//! * `spool`: the same with the spool on (a SQLite file in the temp directory), 256 producers (a commit is
//!   shared by the events recorded while the previous one ran).
//!
//! Events/s is measured from the first `record` to the moment every batch is acknowledged; CPU is this
//! process's user + system time over the same span.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tokio::task::JoinSet;
use unibill_core::{Decimal, IdempotencyKey, Timestamp, Usage, UsageEvent};
use unibill_flexprice::{FlexpriceClient, FlexpriceConfig};
use unibill_recorder::{RecorderBuilder, SpoolOptions};

use crate::stats::{cpu_time, peak_rss_kib};

const API_KEY: &str = "sk_bench_0123456789";
const BATCH: usize = 1000;
const IN_FLIGHT: usize = 4;
const SPOOL_PRODUCERS: usize = 256;
/// 2026-06-01T00:00:00Z.
const START_MS: i64 = 1_780_272_000_000;

/// A recorder bench variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecorderVariant {
    /// The hand-written batching loop.
    Loop,
    /// `UsageRecorder`, in memory.
    Recorder,
    /// `UsageRecorder` with the SQLite spool.
    Spool,
}

impl RecorderVariant {
    fn as_str(self) -> &'static str {
        match self {
            RecorderVariant::Loop => "loop",
            RecorderVariant::Recorder => "recorder",
            RecorderVariant::Spool => "spool",
        }
    }
}

/// One run's measurements.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecorderRun {
    /// The variant.
    pub variant: RecorderVariant,
    /// Events sent and acknowledged.
    pub events: u64,
    /// Wall time, seconds.
    pub wall_s: f64,
    /// Events per second, from the first record to the last acknowledged batch.
    pub events_per_s: f64,
    /// CPU (user + system) of this process per event, microseconds.
    pub cpu_us_per_event: f64,
    /// Peak RSS of this process, KiB.
    pub peak_rss_kib: u64,
    /// `Usage::ingest` calls made.
    pub calls: u64,
}

/// Event `i`: a fixed key and time.
fn event(i: u64) -> UsageEvent {
    UsageEvent::builder("bench-customer", "api_calls", Decimal::ONE)
        .key(IdempotencyKey::new(format!("ev-{i:010}")).expect("a valid key"))
        .occurred_at(Timestamp::from_millisecond(START_MS + i as i64).expect("in range"))
        .build()
        .expect("a valid event")
}

fn flexprice(url: &str) -> Result<Arc<FlexpriceClient>, Box<dyn std::error::Error>> {
    let config = FlexpriceConfig::builder(API_KEY)
        .base_url(url.parse()?)
        .build()?;
    Ok(Arc::new(FlexpriceClient::new(config)?))
}

/// The hand-written loop: batches of `BATCH`, `IN_FLIGHT` calls at once, `NotRecorded` events re-sent.
async fn hand_written(usage: Arc<dyn Usage>, events: u64) -> Result<(u64, u64), String> {
    let mut tasks: JoinSet<Result<(u64, u64), String>> = JoinSet::new();
    let (mut acknowledged, mut calls) = (0u64, 0u64);
    let mut next = 0u64;
    while next < events {
        let end = (next + BATCH as u64).min(events);
        let batch: Vec<UsageEvent> = (next..end).map(event).collect();
        next = end;
        if tasks.len() >= IN_FLIGHT {
            let (a, c) = tasks
                .join_next()
                .await
                .expect("non-empty")
                .map_err(|e| e.to_string())??;
            acknowledged += a;
            calls += c;
        }
        let usage = usage.clone();
        tasks.spawn(async move {
            let (mut pending, mut acked, mut calls) = (batch, 0u64, 0u64);
            while !pending.is_empty() && calls < 10 {
                calls += 1;
                let report = usage
                    .ingest(pending.clone())
                    .await
                    .map_err(|e| e.to_string())?;
                let mut again = Vec::new();
                for (e, (_, outcome)) in pending.into_iter().zip(report.iter()) {
                    if outcome.should_resend() {
                        again.push(e);
                    } else if outcome.is_success() {
                        acked += 1;
                    }
                }
                pending = again;
            }
            Ok((acked, calls))
        });
    }
    while let Some(done) = tasks.join_next().await {
        let (a, c) = done.map_err(|e| e.to_string())??;
        acknowledged += a;
        calls += c;
    }
    Ok((acknowledged, calls))
}

/// Runs `variant` once over `events` events against the server at `url`.
pub fn client(
    variant: RecorderVariant,
    url: &str,
    events: u64,
) -> Result<RecorderRun, Box<dyn std::error::Error>> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let usage: Arc<dyn Usage> = flexprice(url)?;
    let spool_dir =
        std::env::temp_dir().join(format!("unibill-bench-spool-{}", std::process::id()));
    let cpu_before = cpu_time();
    let started = Instant::now();
    let (acknowledged, calls) = rt.block_on(async {
        match variant {
            RecorderVariant::Loop => hand_written(usage, events).await,
            RecorderVariant::Recorder => {
                let (recorder, _failures) = RecorderBuilder::new(usage)
                    .max_in_flight(IN_FLIGHT)
                    .build()
                    .map_err(|e| e.to_string())?;
                for i in 0..events {
                    recorder.record(event(i)).await.map_err(|e| e.to_string())?;
                }
                let stats = recorder.flush().await;
                recorder.shutdown(std::time::Duration::from_secs(60)).await;
                Ok((stats.accepted + stats.recorded, stats.calls))
            }
            RecorderVariant::Spool => {
                std::fs::create_dir_all(&spool_dir).map_err(|e| e.to_string())?;
                let (recorder, _failures) = RecorderBuilder::new(usage)
                    .max_in_flight(IN_FLIGHT)
                    .spool(SpoolOptions::new(spool_dir.join("spool.sqlite")))
                    .build()
                    .map_err(|e| e.to_string())?;
                let mut producers = JoinSet::new();
                let per = events.div_ceil(SPOOL_PRODUCERS as u64);
                for p in 0..SPOOL_PRODUCERS as u64 {
                    let recorder = recorder.clone();
                    producers.spawn(async move {
                        for i in (p * per)..((p + 1) * per).min(events) {
                            recorder.record(event(i)).await.map_err(|e| e.to_string())?;
                        }
                        Ok::<_, String>(())
                    });
                }
                while let Some(done) = producers.join_next().await {
                    done.map_err(|e| e.to_string())??;
                }
                let stats = recorder.flush().await;
                recorder.shutdown(std::time::Duration::from_secs(60)).await;
                Ok((stats.accepted + stats.recorded, stats.calls))
            }
        }
    })?;
    let wall = started.elapsed();
    let cpu = cpu_time().saturating_sub(cpu_before);
    let _ = std::fs::remove_dir_all(&spool_dir);
    if acknowledged != events {
        return Err(format!("{acknowledged} of {events} events acknowledged").into());
    }
    Ok(RecorderRun {
        variant,
        events,
        wall_s: wall.as_secs_f64(),
        events_per_s: events as f64 / wall.as_secs_f64().max(f64::MIN_POSITIVE),
        cpu_us_per_event: cpu.as_secs_f64() * 1e6 / events.max(1) as f64,
        peak_rss_kib: peak_rss_kib(),
        calls,
    })
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs.get(xs.len() / 2).copied().unwrap_or(0.0)
}

/// Starts the server, runs each variant `runs` times interleaved, prints the table of medians.
pub fn drive(
    events: u64,
    spool_events: u64,
    runs: usize,
    variants: &[RecorderVariant],
) -> Result<(), Box<dyn std::error::Error>> {
    let exe = std::env::current_exe()?;
    let mut server = Command::new(&exe)
        .args(["server", "--port", "0"])
        .stdout(Stdio::piped())
        .spawn()?;
    let mut first = String::new();
    BufReader::new(server.stdout.take().ok_or("no server stdout")?).read_line(&mut first)?;
    let port: u16 = first
        .trim()
        .strip_prefix("listening ")
        .ok_or_else(|| format!("unexpected server line `{first}`"))?
        .parse()?;
    let url = format!("http://localhost:{port}/v1");
    let result = (|| -> Result<Vec<RecorderRun>, Box<dyn std::error::Error>> {
        let mut all = Vec::new();
        for _ in 0..runs {
            for &variant in variants {
                let n = if variant == RecorderVariant::Spool {
                    spool_events
                } else {
                    events
                };
                let output = Command::new(&exe)
                    .args([
                        "recorder-client",
                        "--variant",
                        variant.as_str(),
                        "--url",
                        &url,
                    ])
                    .args(["--events", &n.to_string()])
                    .stderr(Stdio::inherit())
                    .output()?;
                if !output.status.success() {
                    return Err(format!("{} failed", variant.as_str()).into());
                }
                let run: RecorderRun = serde_json::from_slice(&output.stdout)?;
                eprintln!("{}", serde_json::to_string(&run)?);
                all.push(run);
            }
        }
        Ok(all)
    })();
    let _ = server.kill();
    let _ = server.wait();
    let all = result?;
    let loop_rate = median(
        all.iter()
            .filter(|r| r.variant == RecorderVariant::Loop)
            .map(|r| r.events_per_s)
            .collect(),
    );
    println!(
        "| variant | events | events/s (median) | vs loop | CPU µs/event | peak RSS MiB | calls |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for &variant in variants {
        let mine: Vec<&RecorderRun> = all.iter().filter(|r| r.variant == variant).collect();
        let rate = median(mine.iter().map(|r| r.events_per_s).collect());
        let cpu = median(mine.iter().map(|r| r.cpu_us_per_event).collect());
        let rss = median(
            mine.iter()
                .map(|r| r.peak_rss_kib as f64 / 1024.0)
                .collect(),
        );
        let calls = median(mine.iter().map(|r| r.calls as f64).collect());
        println!(
            "| {} | {} | {:.0} | {:.2}× | {:.2} | {:.1} | {:.0} |",
            variant.as_str(),
            mine.first().map_or(0, |r| r.events),
            rate,
            if loop_rate > 0.0 {
                rate / loop_rate
            } else {
                0.0
            },
            cpu,
            rss,
            calls
        );
    }
    Ok(())
}
