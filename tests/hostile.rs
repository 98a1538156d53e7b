//! Hostile responses (issue #11): every operation of every adapter, through its executor, against a server that
//! answers arbitrary bytes, truncated or type-mutated fixtures, HTML pages, empty, oversized and endless bodies.
//! Never a panic; a 2xx that cannot be decoded is `Decode`; an error answer maps by status whatever its body;
//! reads stop at the caps.

#![cfg(all(
    feature = "flexprice",
    feature = "flowglad",
    feature = "storage-integration"
))]

use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use futures::future::BoxFuture;
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::Value;
use unibill::{
    Billing, ConnectionId, ConnectionListQuery, ConnectionProviderType, ConnectionSecrets,
    ConnectionUpdate, Currency, CustomerId, CustomerListQuery, CustomerUpdate, Error, ErrorKind,
    Interval, Money, NewConnection, NewCustomer, NewPrice, NewStore, PriceId, PriceKind,
    PriceListQuery, PriceUpdate, StoreId,
};
use unibill_flexprice::{FlexpriceClient, FlexpriceConfig};
use unibill_flowglad::{FlowgladClient, FlowgladConfig};
use unibill_http::{DEFAULT_SUCCESS_BODY_CAP, FixedClock, RetryPolicy};
use unibill_storage_integration::{VercelStorageConfig, VercelStores};
use unibill_testkit::{Fault, Reply, TestServer};

/// What the server answers to every request.
#[derive(Clone)]
struct Answer {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
}

type Op = (
    &'static str,
    Box<dyn Fn() -> BoxFuture<'static, Result<(), Error>> + Send + Sync>,
);

/// Every adapter's every operation, against one server whose answer the test sets.
struct Rig {
    rt: tokio::runtime::Runtime,
    answer: Arc<Mutex<Answer>>,
    server: TestServer,
    ops: Vec<Op>,
}

fn op<F>(name: &'static str, f: impl Fn() -> F + Send + Sync + 'static) -> Op
where
    F: std::future::Future<Output = Result<(), Error>> + Send + 'static,
{
    (name, Box::new(move || Box::pin(f())))
}

fn usd(s: &str) -> Money {
    Money::parse(s, Currency::USD).unwrap()
}

impl Rig {
    fn new() -> Rig {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let answer = Arc::new(Mutex::new(Answer {
            status: 200,
            content_type: "application/json",
            body: Vec::new(),
        }));
        let shared = Arc::clone(&answer);
        let server = rt.block_on(TestServer::from_fn(move |_req| {
            let a = shared.lock().unwrap().clone();
            Reply::status(a.status)
                .header("content-type", a.content_type)
                .body(a.body)
        }));
        let flexprice = FlexpriceClient::with_http(
            FlexpriceConfig::builder("sk_hostile")
                .base_url(server.url().join("v1").unwrap())
                .build()
                .unwrap(),
            |b| b.retry_policy(RetryPolicy::never()),
        )
        .unwrap();
        let flowglad = FlowgladClient::builder(
            FlowgladConfig::builder("sk_test_hostile")
                .base_url(server.url().as_str())
                .currency(Currency::USD)
                .build()
                .unwrap(),
        )
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
        let vercel = VercelStores::builder(
            VercelStorageConfig::builder("vercel_hostile")
                .team_id("team_hostile")
                .base_url(server.url().as_str())
                .build()
                .unwrap(),
        )
        .clock(FixedClock(UNIX_EPOCH + Duration::from_secs(1_700_000_000)))
        .executor(|b| b.retry_policy(RetryPolicy::never()))
        .build()
        .unwrap();
        let fx = Billing::builder()
            .customers(flexprice.clone())
            .connections(flexprice)
            .build();
        let fg = Billing::builder()
            .customers(flowglad.clone())
            .prices(flowglad)
            .build();
        let vc = Billing::builder().stores(vercel).build();

        let customer = || {
            NewCustomer::builder("ext_1", "Ada")
                .email("ada@example.com")
                .build()
                .unwrap()
        };
        let rename = || CustomerUpdate::builder().name("Ada K").build().unwrap();
        let mut ops: Vec<Op> = Vec::new();
        for (provider, billing) in [("flexprice", &fx), ("flowglad", &fg)] {
            let c = billing.customers();
            let names: [&'static str; 6] = if provider == "flexprice" {
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
            let c1 = c.clone();
            ops.push(op(names[0], move || {
                let c = c1.clone();
                async move { c.create(customer()).await.map(drop) }
            }));
            let c1 = c.clone();
            ops.push(op(names[1], move || {
                let c = c1.clone();
                async move { c.get(CustomerId::new("cus_1")).await.map(drop) }
            }));
            let c1 = c.clone();
            ops.push(op(names[2], move || {
                let c = c1.clone();
                async move { c.get_by_external_id("ext_1".into()).await.map(drop) }
            }));
            let c1 = c.clone();
            ops.push(op(names[3], move || {
                let c = c1.clone();
                async move { c.list(CustomerListQuery::new()).await.map(drop) }
            }));
            let c1 = c.clone();
            ops.push(op(names[4], move || {
                let c = c1.clone();
                async move { c.update(CustomerId::new("cus_1"), rename()).await.map(drop) }
            }));
            let c1 = c.clone();
            ops.push(op(names[5], move || {
                let c = c1.clone();
                async move { c.delete(CustomerId::new("cus_1")).await }
            }));
        }
        let conn = fx.connections();
        let k = conn.clone();
        ops.push(op("flexprice connections.create", move || {
            let k = k.clone();
            async move {
                let input = NewConnection::builder("S", ConnectionProviderType::Stripe)
                    .secrets(ConnectionSecrets::stripe("pk", "sk", "wh"))
                    .build()
                    .unwrap();
                k.create(input).await.map(drop)
            }
        }));
        let k = conn.clone();
        ops.push(op("flexprice connections.get", move || {
            let k = k.clone();
            async move { k.get(ConnectionId::new("conn_1")).await.map(drop) }
        }));
        let k = conn.clone();
        ops.push(op("flexprice connections.list", move || {
            let k = k.clone();
            async move { k.list(ConnectionListQuery::new()).await.map(drop) }
        }));
        let k = conn.clone();
        ops.push(op("flexprice connections.update", move || {
            let k = k.clone();
            async move {
                let u = ConnectionUpdate::builder().name("T").build().unwrap();
                k.update(ConnectionId::new("conn_1"), u).await.map(drop)
            }
        }));
        let k = conn.clone();
        ops.push(op("flexprice connections.delete", move || {
            let k = k.clone();
            async move { k.delete(ConnectionId::new("conn_1")).await }
        }));
        let p = fg.prices();
        let usage = || {
            NewPrice::builder(
                PriceKind::usage(Interval::monthly(), "meter_1"),
                Money::new(Decimal::new(25, 2), Currency::USD),
            )
        };
        let q = p.clone();
        ops.push(op("flowglad prices.create (no slug)", move || {
            let q = q.clone();
            async move { q.create(usage().build().unwrap()).await.map(drop) }
        }));
        let q = p.clone();
        ops.push(op("flowglad prices.create (slug)", move || {
            let q = q.clone();
            async move { q.create(usage().slug("s").build().unwrap()).await.map(drop) }
        }));
        let q = p.clone();
        ops.push(op("flowglad prices.get", move || {
            let q = q.clone();
            async move { q.get(PriceId::new("price_1")).await.map(drop) }
        }));
        let q = p.clone();
        ops.push(op("flowglad prices.list", move || {
            let q = q.clone();
            async move { q.list(PriceListQuery::new()).await.map(drop) }
        }));
        let q = p.clone();
        ops.push(op("flowglad prices.update", move || {
            let q = q.clone();
            async move {
                let u = PriceUpdate::builder().name("N").build().unwrap();
                q.update(PriceId::new("price_1"), u).await.map(drop)
            }
        }));
        let q = p.clone();
        ops.push(op("flowglad prices.archive", move || {
            let q = q.clone();
            async move { q.archive(PriceId::new("price_1")).await.map(drop) }
        }));
        let _ = usd;
        let s = vc.stores();
        let t = s.clone();
        ops.push(op("vercel stores.create", move || {
            let t = t.clone();
            async move {
                let input = NewStore::builder("db", "icfg_1", "neon").build().unwrap();
                t.create(input).await.map(drop)
            }
        }));
        let t = s.clone();
        ops.push(op("vercel stores.get", move || {
            let t = t.clone();
            async move { t.get(StoreId::new("store_1")).await.map(drop) }
        }));
        let t = s.clone();
        ops.push(op("vercel stores.delete", move || {
            let t = t.clone();
            async move { t.delete(StoreId::new("store_1")).await }
        }));
        let t = s.clone();
        ops.push(op("vercel billing_plans.list", move || {
            let t = t.clone();
            async move {
                t.list_billing_plans("icfg_1".into(), "neon".into())
                    .await
                    .map(drop)
            }
        }));
        Rig {
            rt,
            answer,
            server,
            ops,
        }
    }

    fn set(&self, status: u16, content_type: &'static str, body: Vec<u8>) {
        *self.answer.lock().unwrap() = Answer {
            status,
            content_type,
            body,
        };
    }

    /// Runs every operation (or those whose name contains `only`) against the current answer and checks it.
    fn check_all(&self, only: &str, status: u16) -> Result<(), TestCaseError> {
        for (name, call) in self.ops.iter().filter(|(n, _)| n.contains(only)) {
            let result = self.rt.block_on(call());
            check(name, status, result)?;
        }
        Ok(())
    }
}

/// A hostile answer's acceptable outcomes.
fn check(name: &str, status: u16, result: Result<(), Error>) -> Result<(), TestCaseError> {
    let Err(err) = result else {
        // A lenient decoder may accept what it can read (and a delete reads nothing): not a failure.
        return Ok(());
    };
    let text = format!("{err} {err:?}");
    prop_assert!(
        text.len() < 512 * 1024,
        "{name}: an unbounded error ({} bytes)",
        text.len()
    );
    let kind = err.kind();
    if (200..300).contains(&status) {
        // Vercel documents `store: null` in a create answer: the store may exist, so that is `OutcomeUnknown`.
        let unknown_ok = name == "vercel stores.create" && kind == ErrorKind::OutcomeUnknown;
        prop_assert!(
            unknown_ok
                || matches!(
                    kind,
                    ErrorKind::Decode | ErrorKind::NotFound | ErrorKind::Provider
                ),
            "{name}: a hostile {status} became {kind}: {err}"
        );
    } else {
        // An error answer maps by its status (and code, when readable), whatever else its body holds.
        prop_assert!(
            kind != ErrorKind::Config,
            "{name}: a hostile {status} became {kind}: {err}"
        );
    }
    Ok(())
}

fn rig() -> &'static Rig {
    static RIG: std::sync::OnceLock<Rig> = std::sync::OnceLock::new();
    RIG.get_or_init(Rig::new)
}

fn statuses() -> impl Strategy<Value = u16> {
    prop_oneof![
        4 => Just(200u16),
        1 => Just(201u16),
        1 => prop::sample::select(vec![400u16, 401, 402, 403, 404, 409, 422, 429, 500]),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(status in statuses(), body in prop::collection::vec(any::<u8>(), 0..2048)) {
        let rig = rig();
        rig.set(status, "application/json", body);
        rig.check_all("", status)?;
    }

    #[test]
    fn arbitrary_json_values_never_panic(status in statuses(), value in json_value()) {
        let rig = rig();
        rig.set(status, "application/json", serde_json::to_vec(&value).unwrap());
        rig.check_all("", status)?;
    }
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "[a-z_]{0,12}".prop_map(Value::String),
        Just(Value::String("price_1".into())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let keys = prop::sample::select(vec![
            "id",
            "data",
            "customer",
            "price",
            "store",
            "items",
            "connection",
            "pagination",
            "external_id",
            "externalId",
            "name",
            "type",
            "unitPrice",
            "hasMore",
            "nextCursor",
            "total",
            "plans",
            "status",
            "error",
            "code",
            "message",
            "connections",
            "provider_type",
        ]);
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(keys, inner, 0..6).prop_map(|m| Value::Object(
                m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
            )),
        ]
    })
}

fn fixture(krate: &str, name: &str) -> String {
    let path = format!(
        "{}/crates/{krate}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The real answers each operation decodes, by the operations' name filter.
fn success_fixtures() -> Vec<(&'static str, String)> {
    vec![
        (
            "flexprice customers.create",
            fixture("flexprice", "create-customer-response.json"),
        ),
        (
            "flexprice customers.list",
            fixture("flexprice", "list-customers-response.json"),
        ),
        (
            "flexprice connections.create",
            fixture("flexprice", "create-connection-response.stripe.json"),
        ),
        (
            "flexprice connections.get",
            fixture("flexprice", "get-connection-response.defaults.json"),
        ),
        (
            "flexprice connections.list",
            fixture("flexprice", "list-connections-response.json"),
        ),
        (
            "flowglad customers.create",
            fixture("flowglad", "create-customer.response.json"),
        ),
        (
            "flowglad customers.get",
            fixture("flowglad", "get-customer.response.json"),
        ),
        (
            "flowglad prices.create (no slug)",
            fixture("flowglad", "create-usage-price.response.json"),
        ),
        (
            "flowglad prices.get",
            fixture("flowglad", "get-price.response.json"),
        ),
        (
            "flowglad prices.list",
            fixture("flowglad", "list-prices.response.json"),
        ),
        (
            "flowglad prices.update",
            fixture("flowglad", "update-price.response.json"),
        ),
        (
            "vercel stores.create",
            fixture("storage-integration", "create-response-200.json"),
        ),
        (
            "vercel billing_plans.list",
            fixture("storage-integration", "billing-plans-list-200.json"),
        ),
    ]
}

#[test]
fn every_truncation_of_every_fixture_is_decode() {
    let rig = rig();
    for (only, text) in success_fixtures() {
        // The whole fixture decodes (so the truncations test the decoder, not a wrong route).
        rig.set(200, "application/json", text.clone().into_bytes());
        let (_, call) = rig.ops.iter().find(|(n, _)| *n == only).unwrap();
        rig.rt
            .block_on(call())
            .unwrap_or_else(|e| panic!("{only}: the fixture itself fails: {e}"));
        let bytes = text.trim_end().as_bytes();
        let step = (bytes.len() / 400).max(1);
        for cut in (0..bytes.len()).step_by(step) {
            rig.set(200, "application/json", bytes[..cut].to_vec());
            let result = rig.rt.block_on(call());
            let err = result.expect_err(&format!("{only}: truncated at {cut} decoded"));
            assert_eq!(err.kind(), ErrorKind::Decode, "{only} at {cut}: {err}");
        }
    }
}

/// Every value of `v` (at any depth) replaced, one at a time, by each of `replacements`.
fn mutations(v: &Value, replacements: &[Value]) -> Vec<Value> {
    let mut out = Vec::new();
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                for r in replacements {
                    if r != child {
                        let mut m = map.clone();
                        m.insert(k.clone(), r.clone());
                        out.push(Value::Object(m));
                    }
                }
                for sub in mutations(child, replacements) {
                    let mut m = map.clone();
                    m.insert(k.clone(), sub);
                    out.push(Value::Object(m));
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate().take(2) {
                for sub in mutations(child, replacements) {
                    let mut a = items.clone();
                    a[i] = sub;
                    out.push(Value::Array(a));
                }
            }
        }
        _ => {}
    }
    out
}

#[test]
fn every_value_replaced_by_a_wrong_type_never_panics() {
    let rig = rig();
    let wrong = [
        Value::Null,
        Value::Bool(true),
        Value::from(-1),
        Value::String("🦀\u{0}".into()),
        serde_json::json!([]),
        serde_json::json!({}),
    ];
    let mut cases = 0;
    for (only, text) in success_fixtures() {
        let value: Value = serde_json::from_str(&text).unwrap();
        for mutated in mutations(&value, &wrong) {
            rig.set(
                200,
                "application/json",
                serde_json::to_vec(&mutated).unwrap(),
            );
            let (_, call) = rig.ops.iter().find(|(n, _)| *n == only).unwrap();
            check(only, 200, rig.rt.block_on(call())).unwrap();
            cases += 1;
        }
    }
    assert!(cases > 1000, "{cases} mutations");
}

#[test]
fn html_and_empty_pages_are_decode_or_mapped_by_status() {
    let rig = rig();
    let html = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>".to_vec();
    for status in [200u16, 201, 400, 404, 409, 429, 500, 502] {
        rig.set(status, "text/html", html.clone());
        rig.check_all("", status).unwrap();
        rig.set(status, "application/json", Vec::new());
        rig.check_all("", status).unwrap();
    }
}

#[test]
fn oversized_and_endless_bodies_are_cut_at_the_cap() {
    let rig = rig();
    rig.set(200, "application/json", b"{}".to_vec());
    for only in [
        "flexprice customers.get",
        "flowglad prices.list",
        "vercel stores.get",
    ] {
        let (_, call) = rig.ops.iter().find(|(n, _)| *n == only).unwrap();
        for fault in [
            Fault::oversized(200, DEFAULT_SUCCESS_BODY_CAP + 1024 * 1024),
            Fault::endless(200),
            Fault::endless(500),
        ] {
            let before = rig.server.streamed_body_bytes();
            rig.server.push_fault(fault);
            let err = rig.rt.block_on(call()).expect_err(only);
            let streamed = rig.server.streamed_body_bytes() - before;
            assert!(
                matches!(
                    err.kind(),
                    ErrorKind::Decode | ErrorKind::Provider | ErrorKind::Unavailable
                ),
                "{only}: {err}"
            );
            // The cap, plus what socket buffers hold and what the server writes before it notices the client
            // hung up (several MB under load; the executor's own limit tests pin the read itself).
            assert!(
                streamed < 64 * 1024 * 1024,
                "{only}: {streamed} bytes streamed ({} requests): {err}",
                rig.server.request_count()
            );
            assert!(format!("{err}").len() < 128 * 1024, "{only}: a huge error");
        }
    }
}
