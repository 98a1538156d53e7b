//! Deadlines and cancellation (issue #11, item 5), against emulators that never answer (`Fault::Stall` on every
//! request) and run on their own thread and runtime.
//!
//! - Every operation of every adapter, with a short attempt timeout and deadline, ends: `Timeout` for `Safe`,
//!   `NaturalKey` and `Reconcile` operations, `OutcomeUnknown` for `Unsafe` writes (Vercel store create,
//!   unslugged Flowglad and Flexprice price create, S3 connection create). No elapsed time is asserted; a
//!   generous guard only turns a hang into a failure.
//! - Cancellation: the client runs on a current-thread runtime of its own, so its alive-task count
//!   (`RuntimeMetrics::num_alive_tasks`, stable tokio API) counts exactly what the client spawned (hyper's
//!   connection tasks). Calls are started against the stalled servers, each held until the server has its
//!   request, then their futures are dropped; the count must return to its baseline (checked between
//!   `yield_now`s, in a bounded loop, without sleeping). The same is checked after the deadline runs.

#![cfg(all(feature = "flexprice", feature = "flowglad", feature = "vercel"))]

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use rust_decimal::Decimal;
use unibill::{
    Billing, ConnectionId, ConnectionListQuery, ConnectionProviderType, ConnectionSecrets,
    ConnectionSettings, ConnectionUpdate, Currency, CustomerId, CustomerListQuery, CustomerUpdate,
    Error, ErrorKind, IntegrationConfigurationId, Interval, Money, NewConnection, NewCustomer,
    NewPrice, NewStore, PriceId, PriceKind, PriceListQuery, PriceUpdate, S3ExportSettings, StoreId,
};
use unibill_flexprice::{FlexpriceClient, FlexpriceConfig};
use unibill_flowglad::{FlowgladClient, FlowgladConfig};
use unibill_http::{HttpExecutorBuilder, RetryPolicy};
use unibill_testkit::emulators::{flexprice, flowglad, vercel};
use unibill_testkit::{Fault, TestServer};
use unibill_vercel::{VercelClient, VercelConfig};

/// The emulators, stalling every request, on a thread and runtime of their own; stopped when dropped.
struct Stalled {
    flexprice: Arc<TestServer>,
    flowglad: Arc<TestServer>,
    vercel: Arc<TestServer>,
    /// One message per request that reached a server (sent by the fault source, before it stalls).
    arrived: tokio::sync::mpsc::UnboundedReceiver<()>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Stalled {
    fn start() -> Stalled {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (arrived_tx, arrived) = tokio::sync::mpsc::unbounded_channel();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let servers = [
                    TestServer::router(flexprice::FlexpriceEmulator::new("sk_stall").router())
                        .await,
                    TestServer::router(flowglad::FlowgladEmulator::new("sk_test_stall").router())
                        .await,
                    TestServer::router(vercel::VercelEmulator::new("vercel_stall").router()).await,
                ]
                .map(Arc::new);
                for server in &servers {
                    let tx = arrived_tx.clone();
                    server.set_fault_source(move |_, _| {
                        let _ = tx.send(());
                        Some(Fault::Stall)
                    });
                }
                ready_tx.send(servers.clone()).unwrap();
                let _ = stopped.await;
                drop(servers);
            });
        });
        let [flexprice, flowglad, vercel] = ready_rx.recv().expect("the emulators start");
        Stalled {
            flexprice,
            flowglad,
            vercel,
            arrived,
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for Stalled {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// How an operation may end against a server that never answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ends {
    /// `Safe`, `NaturalKey` or `Reconcile`: `Timeout`.
    Timeout,
    /// `Unsafe` write: `OutcomeUnknown`.
    OutcomeUnknown,
}

type Op = (
    &'static str,
    Ends,
    Box<dyn Fn() -> BoxFuture<'static, Result<(), Error>>>,
);

fn op<F>(name: &'static str, ends: Ends, f: impl Fn() -> F + 'static) -> Op
where
    F: Future<Output = Result<(), Error>> + Send + 'static,
{
    (name, ends, Box::new(move || Box::pin(f())))
}

fn usd(cents: i64) -> Money {
    Money::new(Decimal::new(cents, 2), Currency::USD)
}

/// Every operation of every adapter, each client's executor tuned by `tune`.
fn ops(servers: &Stalled, tune: fn(HttpExecutorBuilder) -> HttpExecutorBuilder) -> Vec<Op> {
    use Ends::{OutcomeUnknown, Timeout};
    let flexprice = FlexpriceClient::builder(
        FlexpriceConfig::builder("sk_stall")
            .base_url(servers.flexprice.url().join("v1").unwrap())
            .build()
            .unwrap(),
    )
    .executor(tune)
    .build()
    .unwrap();
    let flowglad = FlowgladClient::builder(
        FlowgladConfig::builder("sk_test_stall")
            .base_url(servers.flowglad.url().as_str())
            .currency(Currency::USD)
            .build()
            .unwrap(),
    )
    .executor(tune)
    .build()
    .unwrap();
    let vercel = VercelClient::builder(
        VercelConfig::builder("vercel_stall")
            .team_id("team_stall")
            .base_url(servers.vercel.url().as_str())
            .build()
            .unwrap(),
    )
    .executor(tune)
    .build()
    .unwrap();
    let fx = Billing::builder()
        .customers(flexprice.clone())
        .connections(flexprice.clone())
        .prices(flexprice)
        .build();
    let fg = Billing::builder()
        .customers(flowglad.clone())
        .prices(flowglad)
        .build();
    let vc = Billing::builder().stores(vercel).build();

    let mut ops = Vec::new();
    for (adapter, billing) in [("flexprice", &fx), ("flowglad", &fg)] {
        let names: [&'static str; 6] = if adapter == "flexprice" {
            [
                "flexprice customers.create",
                "flexprice customers.get",
                "flexprice customers.get_by_external_id",
                "flexprice customers.list",
                "flexprice customers.update",
                "flexprice customers.delete",
            ]
        } else {
            [
                "flowglad customers.create",
                "flowglad customers.get",
                "flowglad customers.get_by_external_id",
                "flowglad customers.list",
                "flowglad customers.update",
                "flowglad customers.delete",
            ]
        };
        let c = billing.customers();
        let k = c.clone();
        ops.push(op(names[0], Timeout, move || {
            let k = k.clone();
            async move {
                let input = NewCustomer::builder("ext_stall", "Ada")
                    .email("ada@example.com")
                    .build()
                    .unwrap();
                k.create(input).await.map(drop)
            }
        }));
        let k = c.clone();
        ops.push(op(names[1], Timeout, move || {
            let k = k.clone();
            async move { k.get(CustomerId::new("cus_1")).await.map(drop) }
        }));
        let k = c.clone();
        ops.push(op(names[2], Timeout, move || {
            let k = k.clone();
            async move { k.get_by_external_id("ext_1".into()).await.map(drop) }
        }));
        let k = c.clone();
        ops.push(op(names[3], Timeout, move || {
            let k = k.clone();
            async move { k.list(CustomerListQuery::new()).await.map(drop) }
        }));
        let k = c.clone();
        ops.push(op(names[4], Timeout, move || {
            let k = k.clone();
            async move {
                let u = CustomerUpdate::builder().name("Ada K").build().unwrap();
                k.update(CustomerId::new("cus_1"), u).await.map(drop)
            }
        }));
        let k = c.clone();
        ops.push(op(names[5], Timeout, move || {
            let k = k.clone();
            async move { k.delete(CustomerId::new("cus_1")).await }
        }));
    }

    let conn = fx.connections();
    let k = conn.clone();
    ops.push(op(
        "flexprice connections.create (stripe)",
        Timeout,
        move || {
            let k = k.clone();
            async move {
                let input = NewConnection::builder("Stripe", ConnectionProviderType::Stripe)
                    .secrets(ConnectionSecrets::stripe("pk", "sk", "wh"))
                    .build()
                    .unwrap();
                k.create(input).await.map(drop)
            }
        },
    ));
    let k = conn.clone();
    ops.push(op(
        "flexprice connections.create (s3)",
        OutcomeUnknown,
        move || {
            let k = k.clone();
            async move {
                let input = NewConnection::builder("Exports", ConnectionProviderType::S3)
                    .secrets(ConnectionSecrets::s3("AKIA", "secret"))
                    .settings(ConnectionSettings {
                        s3_export: Some(S3ExportSettings {
                            bucket: Some("b".into()),
                            region: Some("eu-west-1".into()),
                            ..S3ExportSettings::default()
                        }),
                        ..ConnectionSettings::default()
                    })
                    .build()
                    .unwrap();
                k.create(input).await.map(drop)
            }
        },
    ));
    let k = conn.clone();
    ops.push(op("flexprice connections.get", Timeout, move || {
        let k = k.clone();
        async move { k.get(ConnectionId::new("conn_1")).await.map(drop) }
    }));
    let k = conn.clone();
    ops.push(op("flexprice connections.list", Timeout, move || {
        let k = k.clone();
        async move { k.list(ConnectionListQuery::new()).await.map(drop) }
    }));
    let k = conn.clone();
    ops.push(op("flexprice connections.update", Timeout, move || {
        let k = k.clone();
        async move {
            let u = ConnectionUpdate::builder().name("T").build().unwrap();
            k.update(ConnectionId::new("conn_1"), u).await.map(drop)
        }
    }));
    let k = conn.clone();
    ops.push(op("flexprice connections.delete", Timeout, move || {
        let k = k.clone();
        async move { k.delete(ConnectionId::new("conn_1")).await }
    }));

    for (adapter, billing) in [("flexprice", &fx), ("flowglad", &fg)] {
        let names: [&'static str; 6] = if adapter == "flexprice" {
            [
                "flexprice prices.create (no slug)",
                "flexprice prices.create (slug)",
                "flexprice prices.get",
                "flexprice prices.list",
                "flexprice prices.update",
                "flexprice prices.archive",
            ]
        } else {
            [
                "flowglad prices.create (no slug)",
                "flowglad prices.create (slug)",
                "flowglad prices.get",
                "flowglad prices.list",
                "flowglad prices.update",
                "flowglad prices.archive",
            ]
        };
        let price = move |slug: Option<&str>| {
            let mut b = NewPrice::builder(PriceKind::recurring(Interval::monthly()), usd(1200))
                .name("Pro monthly");
            if adapter == "flexprice" {
                b = b.product_id("plan_1");
            } else {
                b = b.product_id(flowglad::seed::PRO_PRODUCT_ID);
            }
            if let Some(s) = slug {
                b = b.slug(s);
            }
            b.build().unwrap()
        };
        let p = billing.prices();
        let q = p.clone();
        ops.push(op(names[0], OutcomeUnknown, move || {
            let q = q.clone();
            async move { q.create(price(None)).await.map(drop) }
        }));
        let q = p.clone();
        ops.push(op(names[1], Timeout, move || {
            let q = q.clone();
            async move { q.create(price(Some("pro_monthly"))).await.map(drop) }
        }));
        let q = p.clone();
        ops.push(op(names[2], Timeout, move || {
            let q = q.clone();
            async move { q.get(PriceId::new("price_1")).await.map(drop) }
        }));
        let q = p.clone();
        ops.push(op(names[3], Timeout, move || {
            let q = q.clone();
            async move { q.list(PriceListQuery::new()).await.map(drop) }
        }));
        let q = p.clone();
        ops.push(op(names[4], Timeout, move || {
            let q = q.clone();
            async move {
                let u = PriceUpdate::builder().name("N").build().unwrap();
                q.update(PriceId::new("price_1"), u).await.map(drop)
            }
        }));
        let q = p.clone();
        ops.push(op(names[5], Timeout, move || {
            let q = q.clone();
            async move { q.archive(PriceId::new("price_1")).await.map(drop) }
        }));
    }

    let s = vc.stores();
    let t = s.clone();
    ops.push(op("vercel stores.create", OutcomeUnknown, move || {
        let t = t.clone();
        async move {
            let input = NewStore::builder("db", "icfg_1", "neon").build().unwrap();
            t.create(input).await.map(drop)
        }
    }));
    let t = s.clone();
    ops.push(op("vercel stores.get", Timeout, move || {
        let t = t.clone();
        async move { t.get(StoreId::new("store_1")).await.map(drop) }
    }));
    let t = s.clone();
    ops.push(op("vercel stores.delete", Timeout, move || {
        let t = t.clone();
        async move { t.delete(StoreId::new("store_1")).await }
    }));
    let t = s.clone();
    ops.push(op("vercel billing_plans.list", Timeout, move || {
        let t = t.clone();
        async move {
            t.list_billing_plans(unibill::BillingPlanQuery::new("neon", "neon")?)
                .await
                .map(drop)
        }
    }));
    let t = s.clone();
    ops.push(op("vercel configurations.list", Timeout, move || {
        let t = t.clone();
        async move { t.list_configurations(None).await.map(drop) }
    }));
    let t = s.clone();
    ops.push(op("vercel products.list", Timeout, move || {
        let t = t.clone();
        async move {
            t.list_products(IntegrationConfigurationId::new("icfg_1"))
                .await
                .map(drop)
        }
    }));
    ops
}

/// The client's runtime: current-thread, so every task the client spawns is counted here and nowhere else.
fn client_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Yields until the runtime's alive tasks are back to `baseline`; panics (with the count) if they never are.
async fn back_to(baseline: usize, what: &str) {
    let metrics = tokio::runtime::Handle::current().metrics();
    for _ in 0..10_000 {
        if metrics.num_alive_tasks() == baseline {
            return;
        }
        tokio::task::yield_now().await;
    }
    panic!(
        "{what}: {} tasks alive, {baseline} before",
        metrics.num_alive_tasks()
    );
}

/// Short timeouts, for the stall tests only: 150 ms per attempt, 400 ms per call, the default retries.
fn short(b: HttpExecutorBuilder) -> HttpExecutorBuilder {
    b.retry_policy(RetryPolicy::default())
        .attempt_timeout(Duration::from_millis(150))
        .deadline(Duration::from_millis(400))
}

/// Timeouts no test waits for: the calls only end by being dropped.
fn long(b: HttpExecutorBuilder) -> HttpExecutorBuilder {
    b.attempt_timeout(Duration::from_secs(600))
        .deadline(Duration::from_secs(600))
}

#[test]
fn a_stalled_emulator_ends_every_operation_within_its_deadline() {
    let servers = Stalled::start();
    let rt = client_runtime();
    let ops = ops(&servers, short);
    let baseline = rt.metrics().num_alive_tasks();
    let outcomes = rt.block_on(async {
        // All at once (each has its own deadline); the guard only turns a hang into a failure.
        let calls = ops.iter().map(|(name, _, call)| async move {
            let result = tokio::time::timeout(Duration::from_secs(60), call())
                .await
                .unwrap_or_else(|_| panic!("{name}: still running a minute after its deadline"));
            (*name, result)
        });
        let outcomes = futures::future::join_all(calls).await;
        back_to(baseline, "after the deadlines").await;
        outcomes
    });
    let mut wrong = Vec::new();
    for ((name, ends, _), (_, result)) in ops.iter().zip(&outcomes) {
        let expected = match ends {
            Ends::Timeout => ErrorKind::Timeout,
            Ends::OutcomeUnknown => ErrorKind::OutcomeUnknown,
        };
        match result {
            Err(e) if e.kind() == expected => {}
            other => wrong.push(format!("{name}: expected {expected}, got {other:?}")),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(servers.flexprice.request_count() > 0);
    assert!(servers.flowglad.request_count() > 0);
    assert!(servers.vercel.request_count() > 0);
}

#[test]
fn dropping_a_call_leaves_no_task_alive() {
    let mut servers = Stalled::start();
    let rt = client_runtime();
    let ops = ops(&servers, long);
    let baseline = rt.metrics().num_alive_tasks();
    let arrived = &mut servers.arrived;
    let in_flight = rt.block_on(async {
        // Every call at once, until each server has a request per call; then the calls are dropped.
        let mut calls: futures::stream::FuturesUnordered<_> =
            ops.iter().map(|(_, _, call)| call()).collect();
        let mut seen = 0;
        while seen < ops.len() {
            tokio::select! {
                Some(()) = arrived.recv() => seen += 1,
                Some(result) = futures::StreamExt::next(&mut calls) => {
                    panic!("a call to a stalled server ended: {result:?}")
                }
            }
        }
        let in_flight = tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks();
        drop(calls);
        back_to(baseline, "after dropping the calls").await;
        in_flight
    });
    assert!(
        in_flight > baseline,
        "the calls held connection tasks ({in_flight} alive, {baseline} before)"
    );
    // One call at a time, dropped by a timeout around it.
    for (name, _, call) in &ops {
        rt.block_on(async {
            let fut = call();
            tokio::select! {
                _ = servers.arrived.recv() => {}
                result = fut => panic!("{name}: a call to a stalled server ended: {result:?}"),
            }
            back_to(baseline, name).await;
        });
    }
}
