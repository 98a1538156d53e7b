//! `unibill-bench`: the load bench of issue #12.
//!
//! * `unibill-bench server` — a tiny hyper server answering every request with one fixed, valid Flexprice
//!   create-customer answer (`201`), counting accepted connections (and those that carried a create); `GET /stats` reports them.
//!   With `--busy-poll`, the same answers from one thread that polls its sockets and never sleeps.
//! * `unibill-bench client --variant baseline|adapter|billing` — N creates at a concurrency, in this process,
//!   printing one JSON line: wall time, requests/s, p50/p99 latency, CPU time (user+sys) per request, peak RSS.
//! * `unibill-bench driver` — spawns a server and, for each concurrency and run, each variant as its own
//!   process, interleaved (`a1 b1 c1 a2 b2 c2 …`); writes the medians and their ratios to the baseline as
//!   JSON (`docs/bench-summary.json`) and prints a Markdown table.
//!
//! Rates, latencies and ratios are `f64`: they are measurements, not money.

#[cfg(feature = "count-allocations")]
#[global_allocator]
static GLOBAL: &stats_alloc::StatsAlloc<std::alloc::System> = &stats_alloc::INSTRUMENTED_SYSTEM;

mod busy_server;
mod client;
mod recorder;
mod server;
mod stats;
mod summary;

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// The load bench: a fixed-answer server, the three client variants, and the driver that runs them.
#[derive(Debug, Parser)]
#[command(name = "unibill-bench", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the fixed Flexprice create-customer answer; prints `listening <port>` on its first line.
    Server {
        /// The port (0: any free one).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Poll the sockets from one thread that never sleeps, so no client write has to wake the server
        /// (see `busy_server.rs`); costs that thread's whole CPU.
        #[arg(long)]
        busy_poll: bool,
    },
    /// Run one variant once and print its measurements as one JSON line.
    Client {
        /// Which client.
        #[arg(long, value_enum)]
        variant: Variant,
        /// The server's base URL (`http://127.0.0.1:PORT`).
        #[arg(long)]
        url: String,
        /// How many creates.
        #[arg(long, default_value_t = 20_000)]
        requests: usize,
        /// How many creates in flight at once.
        #[arg(long, default_value_t = 1)]
        concurrency: usize,
    },
    /// Run every variant at every concurrency, interleaved, several times; write the summary JSON.
    Driver {
        /// How many creates per run.
        #[arg(long, default_value_t = 20_000)]
        requests: usize,
        /// The concurrencies, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "1,16,64")]
        concurrency: Vec<usize>,
        /// Runs of each variant at each concurrency (the table shows medians).
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// The variants, comma-separated.
        #[arg(
            long,
            value_delimiter = ',',
            value_enum,
            default_value = "baseline,adapter,billing"
        )]
        variants: Vec<Variant>,
        /// Where to write the JSON summary.
        #[arg(long, default_value = "docs/bench-summary.json")]
        out: PathBuf,
        /// A note on the machine's other load, copied into the summary.
        #[arg(long, default_value = "")]
        note: String,
        /// Run the server with `--busy-poll`.
        #[arg(long)]
        busy_poll_server: bool,
        /// Pin the server to the last CPU and every client to the others (with `taskset`), so server and
        /// client never take turns on one core; without it the scheduler places them.
        #[arg(long)]
        pin: bool,
    },
    /// Run one recorder-bench variant once and print its measurements as one JSON line.
    RecorderClient {
        /// Which variant.
        #[arg(long, value_enum)]
        variant: recorder::RecorderVariant,
        /// The server's base URL (`http://127.0.0.1:PORT/v1`).
        #[arg(long)]
        url: String,
        /// How many events.
        #[arg(long, default_value_t = 1_000_000)]
        events: u64,
    },
    /// The recorder bench: the recorder (in memory and with the spool) against a hand-written batching
    /// loop, interleaved, several runs; prints a Markdown table of medians.
    RecorderDriver {
        /// Events per run (loop and recorder).
        #[arg(long, default_value_t = 1_000_000)]
        events: u64,
        /// Events per spool run.
        #[arg(long, default_value_t = 500_000)]
        spool_events: u64,
        /// Runs of each variant.
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// The variants, comma-separated.
        #[arg(
            long,
            value_delimiter = ',',
            value_enum,
            default_value = "loop,recorder,spool"
        )]
        variants: Vec<recorder::RecorderVariant>,
    },
}

/// A client variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Variant {
    /// (a) A hand-written reqwest call: one shared `Client`, a `Serialize` body, a typed decode.
    Baseline,
    /// (b) `FlexpriceClient` called directly (static dispatch).
    Adapter,
    /// (c) The adapter as `Arc<dyn Customers>` from `Billing` (behind `Guarded`).
    Billing,
}

impl Variant {
    /// The name used in the summary.
    pub fn as_str(self) -> &'static str {
        match self {
            Variant::Baseline => "baseline",
            Variant::Adapter => "adapter",
            Variant::Billing => "billing",
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    match Cli::parse().command {
        Command::Server { port, busy_poll } => {
            if busy_poll {
                busy_server::run(port)
            } else {
                server::run(port)
            }
        }
        Command::Client {
            variant,
            url,
            requests,
            concurrency,
        } => {
            let result = client::run(variant, &url, requests, concurrency)?;
            println!("{}", serde_json::to_string(&result)?);
            Ok(())
        }
        Command::RecorderClient {
            variant,
            url,
            events,
        } => {
            let result = recorder::client(variant, &url, events)?;
            println!("{}", serde_json::to_string(&result)?);
            Ok(())
        }
        Command::RecorderDriver {
            events,
            spool_events,
            runs,
            variants,
        } => recorder::drive(events, spool_events, runs, &variants),
        Command::Driver {
            requests,
            concurrency,
            runs,
            variants,
            out,
            note,
            pin,
            busy_poll_server,
        } => summary::drive(summary::Plan {
            requests,
            concurrencies: concurrency,
            runs,
            variants,
            out,
            note,
            pin,
            busy_poll_server,
        }),
    }
}
