//! Wire encode/decode of each adapter, through their (unstable, `#[doc(hidden)]`) `codec` modules (the request
//! builders and decoders their operations run; `bench_api` where an adapter has not moved yet): each create
//! input to its provider's JSON, each provider's answer to the neutral model, and a list page of 1,000
//! Flexprice customers. `cargo bench -p unibill-bench --bench codec`.
#![allow(missing_docs)]

use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, black_box, criterion_group, criterion_main};
use rust_decimal::Decimal;
use unibill_core::{
    Address, Currency, Interval, IntervalUnit, Metadata, Money, NewCustomer, NewPrice, NewStore,
    PriceKind,
};
use unibill_http::Response;
use unibill_http::bytes::Bytes;
use unibill_http::http::{HeaderMap, StatusCode};

const FLEXPRICE_CUSTOMER: &str =
    include_str!("../../testkit/tests/fixtures/flexprice/create-customer-response.json");
const FLOWGLAD_CUSTOMER: &str =
    include_str!("../../testkit/tests/fixtures/flowglad/create-customer.response.json");
const FLOWGLAD_PRICE: &str =
    include_str!("../../testkit/tests/fixtures/flowglad/create-subscription-price.response.json");
const VERCEL_STORE: &str =
    include_str!("../../testkit/tests/fixtures/vercel/create-response-200.json");

fn full_customer() -> NewCustomer {
    let mut metadata = Metadata::new();
    metadata.insert("crm_id", "0010X000abcdef");
    metadata.insert("tier", "enterprise");
    NewCustomer::builder("acct_42", "Acme Corp")
        .email("billing@acme.example")
        .contact("+14155550123")
        .address(
            Address::builder()
                .line1("123 Commerce Street")
                .line2("Suite 400")
                .city("San Francisco")
                .state("CA")
                .postal_code("94105")
                .country("US")
                .build()
                .unwrap(),
        )
        .time_zone("America/Los_Angeles")
        .metadata(metadata)
        .build()
        .unwrap()
}

/// A `GET /customers` page of `n` customers (the fixture's customer with distinct ids).
fn flexprice_page(n: usize) -> Bytes {
    let one: serde_json::Value = serde_json::from_str(FLEXPRICE_CUSTOMER).unwrap();
    let items: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            let mut c = one.clone();
            c["id"] = format!("cust_{i:08}").into();
            c["external_id"] = format!("acct_{i}").into();
            c
        })
        .collect();
    let page = serde_json::json!({
        "items": items,
        "pagination": { "total": n, "limit": n, "offset": 0 }
    });
    Bytes::from(serde_json::to_vec(&page).unwrap())
}

/// A 200 answer holding `body`, as the executor hands it to a decoder.
fn answer(body: Bytes) -> Response {
    Response {
        status: StatusCode::OK,
        headers: HeaderMap::new(),
        body,
    }
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
}

fn encode(c: &mut Criterion) {
    let customer = full_customer();
    let flowglad_customer = NewCustomer::builder("acct_42", "Acme Corp")
        .email("billing@acme.example")
        .build()
        .unwrap();
    let price = NewPrice::builder(
        PriceKind::Recurring {
            interval: Interval::new(IntervalUnit::Month, 1),
            trial_days: Some(14),
        },
        Money::new(Decimal::new(4900, 2), Currency::USD),
    )
    .product_id("prod_pro")
    .name("Pro monthly")
    .slug("pro_monthly")
    .build()
    .unwrap();
    let store = NewStore::builder("shop-db", "icfg_cuwj0AdCdH3BwWT4LPijCC7t", "neon")
        .build()
        .unwrap();

    let mut g = c.benchmark_group("encode");
    g.bench_function("flexprice/customers.create", |b| {
        b.iter(|| unibill_flexprice::codec::create_customer_request(black_box(&customer)).unwrap())
    });
    g.bench_function("flowglad/customers.create", |b| {
        b.iter(|| {
            unibill_flowglad::codec::create_customer_request(black_box(&flowglad_customer)).unwrap()
        })
    });
    g.bench_function("flowglad/prices.create", |b| {
        b.iter(|| {
            unibill_flowglad::codec::create_price_request(black_box(&price), &Currency::USD)
                .unwrap()
        })
    });
    g.bench_function("vercel/stores.create", |b| {
        b.iter(|| unibill_vercel::codec::create_store_request(black_box(&store), None).unwrap())
    });
    g.finish();
}

fn decode(c: &mut Criterion) {
    let mut g = c.benchmark_group("decode");
    let flexprice = Bytes::from_static(FLEXPRICE_CUSTOMER.as_bytes());
    g.bench_function("flexprice/customer", |b| {
        b.iter(|| {
            unibill_flexprice::codec::decode_customer(answer(black_box(flexprice.clone()))).unwrap()
        })
    });
    let flowglad = Bytes::from_static(FLOWGLAD_CUSTOMER.as_bytes());
    g.bench_function("flowglad/customer", |b| {
        b.iter(|| {
            unibill_flowglad::codec::decode_created_customer(black_box(answer(flowglad.clone())))
                .unwrap()
        })
    });
    let price = Bytes::from_static(FLOWGLAD_PRICE.as_bytes());
    g.bench_function("flowglad/price", |b| {
        b.iter(|| unibill_flowglad::codec::decode_price(black_box(answer(price.clone()))).unwrap())
    });
    let vercel = unibill_http::Response {
        status: unibill_http::http::StatusCode::OK,
        headers: unibill_http::http::HeaderMap::new(),
        body: Bytes::from_static(VERCEL_STORE.as_bytes()),
    };
    g.bench_function("vercel/store", |b| {
        b.iter(|| unibill_vercel::codec::decode_store(black_box(vercel.clone())).unwrap())
    });
    g.finish();

    let mut g = c.benchmark_group("decode_list");
    let page = flexprice_page(1_000);
    g.throughput(Throughput::Elements(1_000));
    g.bench_function("flexprice/customers x1000", |b| {
        b.iter_batched(
            || page.clone(),
            |p| unibill_flexprice::codec::decode_customer_list(answer(p)).unwrap(),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group! { name = benches; config = config(); targets = encode, decode }
criterion_main!(benches);
