//! One client variant, run once: N creates at a concurrency, measured.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use unibill_core::{Address, Billing, Customers, Metadata, NewCustomer};
use unibill_flexprice::{FlexpriceClient, FlexpriceConfig};

use crate::Variant;
use crate::stats::{cpu_time, peak_rss_kib};

/// The API key every variant sends (the server does not check it).
const API_KEY: &str = "sk_bench_0123456789";

/// What one client run measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunResult {
    /// The variant.
    pub variant: Variant,
    /// Creates in flight at once.
    pub concurrency: usize,
    /// Creates sent (all answered 201 and decoded).
    pub requests: usize,
    /// Wall time of the whole loop, seconds.
    pub wall_s: f64,
    /// Creates per second.
    pub rps: f64,
    /// Median latency, microseconds.
    pub p50_us: f64,
    /// 99th percentile latency, microseconds.
    pub p99_us: f64,
    /// User + system CPU time of this process during the loop, per create, microseconds.
    pub cpu_us_per_req: f64,
    /// Peak RSS of this process, KiB.
    pub peak_rss_kib: u64,
    /// Allocations (and reallocations) per create during the loop, every thread of the process counted; only
    /// in a build with the `count-allocations` feature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocations_per_req: Option<f64>,
}

/// The baseline's body: what a hand-written integration would send.
#[derive(Serialize)]
struct CreateBody<'a> {
    external_id: &'a str,
    name: &'a str,
    email: &'a str,
    contact: &'a str,
    address_line1: &'a str,
    address_line2: &'a str,
    address_city: &'a str,
    address_state: &'a str,
    address_postal_code: &'a str,
    address_country: &'a str,
    timezone: &'a str,
    metadata: BTreeMap<&'a str, &'a str>,
}

/// The baseline's typed answer: the same fields the adapter reads.
#[derive(Deserialize)]
#[allow(dead_code)] // decoded to be measured, not read
struct CustomerAnswer {
    id: String,
    external_id: Option<String>,
    name: Option<String>,
    email: Option<String>,
    contact: Option<String>,
    address_line1: Option<String>,
    address_line2: Option<String>,
    address_city: Option<String>,
    address_state: Option<String>,
    address_postal_code: Option<String>,
    address_country: Option<String>,
    timezone: Option<String>,
    metadata: Option<BTreeMap<String, serde_json::Value>>,
    status: Option<String>,
    created_at: Option<String>,
    updated_at: Option<String>,
}

enum Caller {
    Baseline {
        client: reqwest::Client,
        url: String,
        /// `BENCH_BASELINE_TIMEOUT` was set (read once: a lookup per call would cost the baseline ~270
        /// instructions a hand-written call does not have).
        with_timeout: bool,
    },
    Adapter(FlexpriceClient),
    Billing(Arc<dyn Customers>),
}

fn new_customer(external_id: String) -> Result<NewCustomer, unibill_core::Error> {
    let mut metadata = Metadata::new();
    metadata.insert("crm_id", "0010X000abcdef");
    metadata.insert("tier", "enterprise");
    let address = Address::builder()
        .line1("123 Commerce Street")
        .line2("Suite 400")
        .city("San Francisco")
        .state("CA")
        .postal_code("94105")
        .country("US")
        .build()?;
    NewCustomer::builder(external_id, "Acme Corp")
        .email("billing@acme.example")
        .contact("+14155550123")
        .address(address)
        .time_zone("America/Los_Angeles")
        .metadata(metadata)
        .build()
}

impl Caller {
    async fn create(&self, i: usize) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let external_id = format!("bench-{i}");
        match self {
            Caller::Baseline {
                client,
                url,
                with_timeout,
            } => {
                let body = CreateBody {
                    external_id: &external_id,
                    name: "Acme Corp",
                    email: "billing@acme.example",
                    contact: "+14155550123",
                    address_line1: "123 Commerce Street",
                    address_line2: "Suite 400",
                    address_city: "San Francisco",
                    address_state: "CA",
                    address_postal_code: "94105",
                    address_country: "US",
                    timezone: "America/Los_Angeles",
                    metadata: BTreeMap::from([
                        ("crm_id", "0010X000abcdef"),
                        ("tier", "enterprise"),
                    ]),
                };
                let call = async {
                    let response = client
                        .post(url)
                        .header("x-api-key", API_KEY)
                        .json(&body)
                        .send()
                        .await?
                        .error_for_status()?;
                    response.json::<CustomerAnswer>().await
                };
                // `BENCH_BASELINE_TIMEOUT=1` gives the baseline the same kind of per-call timeout the executor
                // always arms, to see how much of the gap is the timer.
                let answer: CustomerAnswer = if *with_timeout {
                    tokio::time::timeout(std::time::Duration::from_secs(30), call).await??
                } else {
                    call.await?
                };
                std::hint::black_box(answer);
            }
            Caller::Adapter(client) => {
                let c = client.create(new_customer(external_id)?).await?;
                std::hint::black_box(c);
            }
            Caller::Billing(customers) => {
                let c = customers.create(new_customer(external_id)?).await?;
                std::hint::black_box(c);
            }
        }
        Ok(())
    }
}

fn caller(variant: Variant, url: &str) -> Result<Caller, Box<dyn std::error::Error>> {
    let flexprice = || -> Result<FlexpriceClient, Box<dyn std::error::Error>> {
        let config = FlexpriceConfig::builder(API_KEY)
            .base_url(url.parse()?)
            .build()?;
        Ok(FlexpriceClient::new(config)?)
    };
    Ok(match variant {
        Variant::Baseline => Caller::Baseline {
            client: reqwest::Client::builder().build()?,
            url: format!("{}/customers", url.trim_end_matches('/')),
            with_timeout: std::env::var_os("BENCH_BASELINE_TIMEOUT").is_some(),
        },
        Variant::Adapter => Caller::Adapter(flexprice()?),
        Variant::Billing => Caller::Billing(
            Billing::builder()
                .customers(flexprice()?)
                .build()
                .customers(),
        ),
    })
}

/// Runs `requests` creates of `variant` against `url`, `concurrency` at a time.
pub fn run(
    variant: Variant,
    url: &str,
    requests: usize,
    concurrency: usize,
) -> Result<RunResult, Box<dyn std::error::Error>> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let caller = Arc::new(caller(variant, url)?);
    let concurrency = concurrency.max(1);
    let next = Arc::new(AtomicUsize::new(0));

    #[cfg(feature = "count-allocations")]
    let region = stats_alloc::Region::new(crate::GLOBAL);
    let cpu_before = cpu_time();
    let started = Instant::now();
    let mut latencies: Vec<u64> = rt.block_on(async {
        let mut tasks = Vec::with_capacity(concurrency);
        for _ in 0..concurrency {
            let caller = caller.clone();
            let next = next.clone();
            tasks.push(tokio::spawn(async move {
                let mut mine = Vec::with_capacity(requests / concurrency + 1);
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= requests {
                        break;
                    }
                    let t = Instant::now();
                    caller.create(i).await?;
                    mine.push(t.elapsed().as_nanos() as u64);
                }
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>(mine)
            }));
        }
        let mut all = Vec::with_capacity(requests);
        for task in tasks {
            let mine = task
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())?;
            all.extend(mine);
        }
        Ok::<_, Box<dyn std::error::Error>>(all)
    })?;
    let wall = started.elapsed();
    let cpu = cpu_time().saturating_sub(cpu_before);
    #[cfg(feature = "count-allocations")]
    let allocations_per_req = {
        let change = region.change();
        Some((change.allocations + change.reallocations) as f64 / requests.max(1) as f64)
    };
    #[cfg(not(feature = "count-allocations"))]
    let allocations_per_req = None;

    latencies.sort_unstable();
    let n = latencies.len().max(1);
    let pct = |p: f64| -> f64 {
        let idx = ((n as f64 * p).ceil() as usize).clamp(1, n) - 1;
        latencies.get(idx).copied().unwrap_or(0) as f64 / 1_000.0
    };
    Ok(RunResult {
        variant,
        concurrency,
        requests,
        wall_s: wall.as_secs_f64(),
        rps: requests as f64 / wall.as_secs_f64().max(f64::MIN_POSITIVE),
        p50_us: pct(0.50),
        p99_us: pct(0.99),
        cpu_us_per_req: duration_us(cpu) / requests.max(1) as f64,
        peak_rss_kib: peak_rss_kib(),
        allocations_per_req,
    })
}

fn duration_us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}
