//! An entitlement check answered from memory by `CachedEntitlements`, side by side with the same check
//! uncached on the memory provider and on the Flexprice emulator (HTTP on 127.0.0.1); and cached checks per
//! second from 1 and 2 threads.
//!
//! `cargo bench -p unibill-cache --bench check` (release). Short measurement times: this is not part of CI,
//! which only compiles it (clippy --all-targets). Results and the machine: docs/performance.md.
//!
//! Every check goes through the `Entitlements` trait object with owned `String` arguments, as application
//! code calls it (the argument clones are part of the measured cost). A cached check is ready on its first
//! poll, so it is polled once (`now_or_never`, which also asserts it did not wait); the emulator's check runs
//! on a tokio runtime. The bench's bounds are 10 minutes so no answer expires during a run.
#![allow(missing_docs)]

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, black_box, criterion_group, criterion_main};
use futures::FutureExt;
use rust_decimal_macros::dec;
use unibill_cache::{CacheConfig, CachedEntitlements, CoarseClock};
use unibill_core::*;
use unibill_flexprice::{FlexpriceClient, FlexpriceConfig};
use unibill_testkit::emulators::flexprice::FlexpriceEmulator;

const CUSTOMERS: usize = 1_000;
const FEATURE: &str = "sso";

fn config() -> Criterion {
    Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
}

/// The time this thread has run on a CPU (`CLOCK_THREAD_CPUTIME_ID`). On a machine shared with other work,
/// wall time also counts the time the thread waited for a CPU; this does not.
fn on_cpu() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

/// How a sample's duration is taken.
#[derive(Clone, Copy)]
enum Clocked {
    Wall,
    OnCpu,
}

impl Clocked {
    fn name(self) -> &'static str {
        match self {
            Clocked::Wall => "wall",
            Clocked::OnCpu => "on-CPU",
        }
    }

    fn time(self, run: impl FnOnce()) -> Duration {
        match self {
            Clocked::Wall => {
                let began = Instant::now();
                run();
                began.elapsed()
            }
            Clocked::OnCpu => {
                let began = on_cpu();
                run();
                on_cpu() - began
            }
        }
    }
}

fn bench_config() -> CacheConfig {
    CacheConfig::default()
        .allow_staleness(Duration::from_secs(600))
        .deny_staleness(Duration::from_secs(600))
}

/// The memory provider with `CUSTOMERS` customers, each subscribed to a product granting `sso`.
fn memory(rt: &tokio::runtime::Runtime) -> (MemoryLifecycle, Vec<String>) {
    let billing = MemoryLifecycle::new();
    rt.block_on(async {
        billing
            .features()
            .create(NewFeature::builder(FEATURE, "SSO", FeatureKind::Boolean).build()?)
            .await?;
        billing
            .features()
            .grant(Grant::builder(FEATURE, "pro").build()?)
            .await?;
        let price = billing
            .prices()
            .create(
                NewPrice::builder(
                    PriceKind::recurring(Interval::monthly()),
                    Money::new(dec!(29), Currency::USD),
                )
                .product_id("pro")
                .build()?,
            )
            .await?;
        let mut ids = Vec::new();
        for i in 0..CUSTOMERS {
            let id = format!("customer-{i}");
            billing
                .customers()
                .create(NewCustomer::builder(id.as_str(), "Bench").build()?)
                .await?;
            billing
                .subscriptions()
                .create(
                    NewSubscription::builder(
                        CustomerRef::external_id(id.as_str()),
                        price.id.clone(),
                    )
                    .build()?,
                )
                .await?;
            ids.push(id);
        }
        Ok::<_, Error>(())
    })
    .unwrap();
    let ids = (0..CUSTOMERS).map(|i| format!("customer-{i}")).collect();
    (billing, ids)
}

/// One check answered from memory (panics if it had to wait).
fn cached_check(cache: &dyn Entitlements, customer: &str) -> Entitlement {
    cache
        .check(customer.to_owned(), FEATURE.to_owned())
        .now_or_never()
        .expect("answered without waiting")
        .unwrap()
}

fn warm(rt: &tokio::runtime::Runtime, cache: &CachedEntitlements, ids: &[String]) {
    rt.block_on(async {
        for id in ids {
            let e = cache.check(id.clone(), FEATURE.to_owned()).await.unwrap();
            assert!(e.freshness.is_live());
        }
    });
    for id in ids {
        assert!(cached_check(cache, id).freshness.is_cached());
    }
}

fn checks(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (billing, ids) = memory(&rt);
    let uncached: Arc<dyn Entitlements> = Arc::new(billing.entitlements());
    let cache = CachedEntitlements::builder(Arc::clone(&uncached))
        .config(bench_config())
        .build()
        .unwrap();
    warm(&rt, &cache, &ids);
    // The same on a coarse clock (the time read from memory, moved every millisecond by a ticker thread).
    let coarse = CachedEntitlements::builder(Arc::clone(&uncached))
        .config(bench_config())
        .clock(Arc::new(
            CoarseClock::start(Duration::from_millis(1)).unwrap(),
        ))
        .build()
        .unwrap();
    warm(&rt, &coarse, &ids);

    // The Flexprice emulator: one customer, checked over HTTP.
    let emulator = FlexpriceEmulator::new("sk_bench_flexprice");
    let served = rt.block_on(emulator.serve()).unwrap();
    let flexprice = FlexpriceClient::builder(
        FlexpriceConfig::builder("sk_bench_flexprice")
            .base_url(served.base_url().parse().unwrap())
            .build()
            .unwrap(),
    )
    .build()
    .unwrap();
    rt.block_on(Customers::create(
        &flexprice,
        NewCustomer::builder("ada", "Ada").build().unwrap(),
    ))
    .unwrap();
    let flexprice: Arc<dyn Entitlements> = Arc::new(flexprice);
    let cached_flexprice = CachedEntitlements::builder(Arc::clone(&flexprice))
        .config(bench_config())
        .build()
        .unwrap();
    warm(&rt, &cached_flexprice, &["ada".to_owned()]);

    let by_check = |cache: &CachedEntitlements, id: &str| black_box(cached_check(cache, id).access);
    let by_allows = |cache: &CachedEntitlements, id: &str| {
        black_box(
            cache
                .allows(id, FEATURE)
                .now_or_never()
                .expect("answered without waiting")
                .unwrap()
                .access,
        )
    };

    let mut g = c.benchmark_group("entitlements/check");
    g.throughput(Throughput::Elements(1));
    let mut i = 0usize;
    g.bench_function("cached (memory behind)", |b| {
        b.iter(|| {
            i = (i + 1) % CUSTOMERS;
            black_box(cached_check(&cache, &ids[i]))
        })
    });
    g.bench_function("cached, allows() (memory behind)", |b| {
        b.iter(|| {
            i = (i + 1) % CUSTOMERS;
            black_box(
                cache
                    .allows(&ids[i], FEATURE)
                    .now_or_never()
                    .expect("answered without waiting")
                    .unwrap(),
            )
        })
    });
    g.bench_function("cached, coarse clock (memory behind)", |b| {
        b.iter(|| {
            i = (i + 1) % CUSTOMERS;
            black_box(cached_check(&coarse, &ids[i]))
        })
    });
    g.bench_function("cached, allows(), coarse clock (memory behind)", |b| {
        b.iter(|| {
            i = (i + 1) % CUSTOMERS;
            black_box(
                coarse
                    .allows(&ids[i], FEATURE)
                    .now_or_never()
                    .expect("answered without waiting")
                    .unwrap(),
            )
        })
    });
    for (clock, cache) in [("system clock", &cache), ("coarse clock", &coarse)] {
        for (api, one) in [
            (
                "check",
                &by_check as &(dyn Fn(&CachedEntitlements, &str) -> bool + Sync),
            ),
            ("allows", &by_allows),
        ] {
            g.bench_function(
                format!("cached, {api}, {clock} (memory behind), on-CPU time"),
                |b| {
                    b.iter_custom(|iters| {
                        Clocked::OnCpu.time(|| {
                            for n in 0..iters {
                                one(cache, &ids[(n % CUSTOMERS as u64) as usize]);
                            }
                        })
                    })
                },
            );
        }
    }
    g.bench_function("cached (Flexprice emulator behind, raw JSON kept)", |b| {
        b.iter(|| black_box(cached_check(&cached_flexprice, "ada")))
    });
    g.bench_function("uncached memory provider", |b| {
        b.iter(|| {
            i = (i + 1) % CUSTOMERS;
            black_box(
                uncached
                    .check(ids[i].clone(), FEATURE.to_owned())
                    .now_or_never()
                    .expect("memory answers at once")
                    .unwrap(),
            )
        })
    });
    g.bench_function("uncached Flexprice emulator (HTTP, 127.0.0.1)", |b| {
        b.iter(|| {
            black_box(
                rt.block_on(flexprice.check("ada".to_owned(), FEATURE.to_owned()))
                    .unwrap(),
            )
        })
    });
    g.finish();

    // Cached checks per second from `threads` threads, each over its own stride of the customers.
    let mut g = c.benchmark_group("entitlements/cached checks per second");
    g.throughput(Throughput::Elements(1));
    for (clock, cache, api, one) in [
        (
            "system clock",
            &cache,
            "check",
            &by_check as &(dyn Fn(&CachedEntitlements, &str) -> bool + Sync),
        ),
        ("system clock", &cache, "allows", &by_allows),
        ("coarse clock", &coarse, "check", &by_check),
        ("coarse clock", &coarse, "allows", &by_allows),
    ] {
        for (threads, clocked) in [1usize, 2]
            .into_iter()
            .flat_map(|t| [(t, Clocked::Wall), (t, Clocked::OnCpu)])
        {
            g.bench_function(
                format!("{api}, {clock}, {threads} thread(s), {}", clocked.name()),
                |b| {
                    b.iter_custom(|iters| {
                        let per_thread = iters.div_ceil(threads as u64);
                        let start = Barrier::new(threads + 1);
                        std::thread::scope(|s| {
                            let handles: Vec<_> = (0..threads)
                                .map(|t| {
                                    let (ids, start) = (&ids, &start);
                                    s.spawn(move || {
                                        start.wait();
                                        clocked.time(|| {
                                            let mut k = t * (CUSTOMERS / threads);
                                            for _ in 0..per_thread {
                                                k = (k + 1) % CUSTOMERS;
                                                one(cache, &ids[k]);
                                            }
                                        })
                                    })
                                })
                                .collect();
                            start.wait();
                            let slowest = handles
                                .into_iter()
                                .map(|h| h.join().unwrap())
                                .max()
                                .unwrap_or_default();
                            // The slowest thread's time for `per_thread × threads` checks, scaled to the `iters`
                            // criterion asked for: checks per second over all threads.
                            slowest.mul_f64(iters as f64 / (per_thread * threads as u64) as f64)
                        })
                    })
                },
            );
        }
    }
    g.finish();
    drop(served);
}

criterion_group! { name = benches; config = config(); targets = checks }
criterion_main!(benches);
