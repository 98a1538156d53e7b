//! Listings that never end, over real HTTP: `list_all` and the slug search (before a create's re-send and
//! after its `409`) stop at a repeated `nextCursor`, a page repeating the one before, or their page bound,
//! with a `Provider` error naming the loop, after a bounded number of requests.
//!
//! Each server refuses every request after [`CAP`], so a loop that does not stop on its own ends (and the test
//! fails on the request count) instead of running forever.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::StreamExt;
use rust_decimal_macros::dec;
use serde_json::{Value, json};
use support::{KEY, fixture_json};
use unibill_core::{
    Currency, CustomerListQuery, CustomersExt, Error, ErrorKind, Interval, Money, NewPrice,
    PriceKind, PriceListQuery, Prices, PricesExt, Result,
};
use unibill_flowglad::{FlowgladClient, FlowgladConfig};
use unibill_http::{NoJitter, RecordingSleeper, RetryPolicy};
use unibill_testkit::{RecordedRequest, Reply, TestServer};

/// Requests a server answers before it refuses everything (a stop for loops that would never end).
const CAP: usize = 1_000;
/// The stop for the deadline test: far more requests than a second of paging makes.
const DEADLINE_TEST_CAP: usize = 100_000;

/// What the list endpoint answers to the `n`th request (0-based).
type Pager = dyn Fn(usize, &RecordedRequest) -> Value + Send + Sync;

/// A server whose `GET` lists answer `pager` and whose `POST /api/v1/prices` answers `create` (by index),
/// refusing everything after [`CAP`] requests.
async fn server(
    create: impl Fn(usize) -> Reply + Send + Sync + 'static,
    pager: Arc<Pager>,
) -> TestServer {
    capped_server(CAP, create, pager).await
}

async fn capped_server(
    cap: usize,
    create: impl Fn(usize) -> Reply + Send + Sync + 'static,
    pager: Arc<Pager>,
) -> TestServer {
    let served = Arc::new(AtomicUsize::new(0));
    TestServer::from_fn(move |req| {
        let n = served.fetch_add(1, Ordering::SeqCst);
        if n >= cap {
            return Reply::json(400, r#"{"error":"the test server's cap"}"#);
        }
        if req.method == "POST" {
            return create(n);
        }
        Reply::json(200, pager(n, req).to_string())
    })
    .await
}

fn client(server: &TestServer, max_pages: u32) -> FlowgladClient {
    client_with(server, max_pages, unibill_http::DEFAULT_DEADLINE)
}

fn client_with(server: &TestServer, max_pages: u32, deadline: Duration) -> FlowgladClient {
    let config = FlowgladConfig::builder(KEY)
        .base_url(server.url().as_str())
        .currency(Currency::USD)
        .build()
        .unwrap();
    FlowgladClient::builder(config)
        .executor(|b| {
            b.retry_policy(RetryPolicy::default())
                .sleeper(RecordingSleeper::default())
                .jitter(NoJitter)
                .deadline(deadline)
        })
        .max_pages(max_pages)
        .build()
        .unwrap()
}

fn price(n: usize) -> Value {
    let mut p = fixture_json("list-prices.response.json")["data"][1].clone();
    p["id"] = json!(format!("price_{n:021}"));
    p["slug"] = json!(format!("other_{n}"));
    p
}

fn customer(n: usize) -> Value {
    let mut c = fixture_json("get-customer.response.json")["customer"].clone();
    c["id"] = json!(format!("cust_{n:021}"));
    c["externalId"] = json!(format!("user_{n}"));
    c
}

/// A page of two fresh prices (ids from the request index) pointing to `next`.
fn prices_page(n: usize, next: &str) -> Value {
    json!({"data": [price(2 * n), price(2 * n + 1)], "hasMore": true, "total": 1_000_000, "nextCursor": next})
}

/// An endless listing: fresh items and a fresh cursor on every page.
fn endless_prices() -> Arc<Pager> {
    Arc::new(|n, _| prices_page(n, &format!("cursor-{n}")))
}

/// A listing whose `nextCursor` is always the same (fresh items every time).
fn repeating_cursor() -> Arc<Pager> {
    Arc::new(|n, _| prices_page(n, "Y3Vyc29yLXN0dWNr"))
}

fn usage_price_with_slug() -> NewPrice {
    NewPrice::builder(
        PriceKind::usage(Interval::monthly(), "usage_meter_Jd3Kf8Lp2Qx7Vn5Wm1Rt9"),
        Money::new(dec!(0.25), Currency::USD),
    )
    .slug("api_calls")
    .build()
    .unwrap()
}

fn conflict(_: usize) -> Reply {
    Reply::json(
        409,
        r#"{"error":"a price with this slug exists","code":"CONFLICT","request_id":"ab12cd34"}"#,
    )
}

/// Every item the stream yields, and the error that ended it.
async fn drain<T>(stream: futures::stream::BoxStream<'_, Result<T>>) -> (Vec<T>, Option<Error>) {
    let mut items = Vec::new();
    let mut error = None;
    for r in stream.collect::<Vec<_>>().await {
        match r {
            Ok(t) => items.push(t),
            Err(e) => {
                assert!(error.is_none(), "one error, at the end");
                error = Some(e);
            }
        }
    }
    (items, error)
}

fn assert_stuck(err: &Error, operation: &str, says: &str) {
    assert_eq!(err.kind(), ErrorKind::Provider, "{err}");
    assert_eq!(err.operation(), Some(operation), "{err}");
    assert_eq!(err.provider(), Some("flowglad"), "{err}");
    assert!(err.to_string().contains(says), "{err}");
}

/// The unibill error an error was caused by.
fn source_of(err: &Error) -> &Error {
    std::error::Error::source(err)
        .and_then(|s| s.downcast_ref::<Error>())
        .unwrap_or_else(|| panic!("no unibill source: {err:?}"))
}

fn requests_by_method(server: &TestServer) -> (usize, usize) {
    let requests = server.requests();
    let posts = requests.iter().filter(|r| r.method == "POST").count();
    (posts, requests.len() - posts)
}

#[tokio::test]
async fn prices_list_all_whose_next_cursor_repeats_stops_at_the_second_page() {
    let server = server(conflict, repeating_cursor()).await;
    let c = client(&server, 10_000);
    let (items, error) = drain(PricesExt::list_all(&c, PriceListQuery::new().limit(2))).await;
    assert_stuck(
        &error.expect("an error"),
        "prices.list_all",
        "points back to a position already followed",
    );
    assert_eq!(items.len(), 4, "both pages' items: the second page was new");
    let cursors: Vec<Option<String>> = server
        .requests()
        .iter()
        .map(|r| {
            r.query_pairs()
                .into_iter()
                .find(|(k, _)| k == "cursor")
                .map(|(_, v)| v)
        })
        .collect();
    assert_eq!(
        cursors,
        [None, Some("Y3Vyc29yLXN0dWNr".to_owned())],
        "the repeated cursor is never followed twice"
    );
}

#[tokio::test]
async fn prices_list_all_whose_pages_repeat_stops_at_the_second_page() {
    // A server ignoring the cursor: the same two prices, under a new cursor each time.
    let pager: Arc<Pager> = Arc::new(
        |n, _| json!({"data": [price(0), price(1)], "hasMore": true, "nextCursor": format!("cursor-{n}")}),
    );
    let server = server(conflict, pager).await;
    let c = client(&server, 10_000);
    let (items, error) = drain(PricesExt::list_all(&c, PriceListQuery::new())).await;
    assert_stuck(
        &error.expect("an error"),
        "prices.list_all",
        "same 2 item(s) as page 1",
    );
    assert_eq!(items.len(), 2, "each price once");
    assert_eq!(server.request_count(), 2);
}

#[tokio::test]
async fn customers_list_all_that_never_ends_stops_at_the_page_bound() {
    let pager: Arc<Pager> = Arc::new(
        |n, _| json!({"data": [customer(n)], "hasMore": true, "total": 1_000_000, "nextCursor": format!("cursor-{n}")}),
    );
    let server = server(conflict, pager).await;
    let c = client(&server, 10_000);
    let query = CustomerListQuery::new().limit(1).max_pages(12);
    let (items, error) = drain(CustomersExt::list_all(&c, query)).await;
    assert_stuck(
        &error.expect("an error"),
        "customers.list_all",
        "had not ended after 12 pages",
    );
    assert_eq!(items.len(), 12);
    assert_eq!(server.request_count(), 12);
}

#[tokio::test]
async fn slug_conflict_search_that_pages_forever_stops_at_the_clients_page_bound() {
    // `prices create --slug` meets a 409 naming no price; the search for the holder pages a listing that
    // never ends and never holds the slug.
    let server = server(conflict, endless_prices()).await;
    let c = client(&server, 30);
    let err = Prices::create(&c, usage_price_with_slug())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AlreadyExists, "{err}");
    assert_eq!(err.existing_id(), None, "the holder was not found");
    assert_stuck(
        source_of(&err),
        "prices.find_by_slug",
        "had not ended after 30 pages",
    );
    assert_eq!(
        requests_by_method(&server),
        (1, 30),
        "one create, then at most max_pages pages"
    );
}

#[tokio::test]
async fn slug_conflict_search_whose_cursor_repeats_stops_at_the_second_page() {
    let server = server(conflict, repeating_cursor()).await;
    let c = client(&server, 10_000);
    let err = Prices::create(&c, usage_price_with_slug())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AlreadyExists, "{err}");
    assert_stuck(
        source_of(&err),
        "prices.find_by_slug",
        "points back to a position already followed",
    );
    assert_eq!(requests_by_method(&server), (1, 2));
}

#[tokio::test]
async fn slug_conflict_search_ends_with_the_calls_deadline() {
    // The reported run: the search after the 409 paged for 150 s past a 90 s deadline. Here the page bound is
    // out of reach, every page answers at once (no single request comes near the deadline), and the search
    // must still end when the create's deadline (1 s) passes.
    let server = capped_server(DEADLINE_TEST_CAP, conflict, endless_prices()).await;
    let c = client_with(&server, u32::MAX, Duration::from_secs(1));
    let err = Prices::create(&c, usage_price_with_slug())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AlreadyExists, "{err}");
    let search = source_of(&err);
    assert_eq!(search.kind(), ErrorKind::Timeout, "{search}");
    assert_eq!(search.operation(), Some("prices.find_by_slug"), "{search}");
    let (posts, pages) = requests_by_method(&server);
    assert_eq!(posts, 1);
    assert!(
        pages < DEADLINE_TEST_CAP,
        "the search ended on its own ({pages} pages)"
    );
}

#[tokio::test]
async fn reconcile_search_that_pages_forever_is_bounded_and_never_resends() {
    // The create's answer is lost (a 503); before any re-send the slug is searched for, in a listing that never
    // ends. The search stops at the bound, and the create is not sent again: the outcome is unknown.
    let server = server(|_| Reply::status(503), endless_prices()).await;
    let c = client(&server, 25);
    let err = Prices::create(&c, usage_price_with_slug())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown, "{err}");
    assert_stuck(
        source_of(&err),
        "prices.find_by_slug",
        "had not ended after 25 pages",
    );
    assert_eq!(requests_by_method(&server), (1, 25));
}

#[test]
fn max_pages_zero_is_a_config_error() {
    let config = FlowgladConfig::builder(KEY).build().unwrap();
    let err = FlowgladClient::builder(config)
        .max_pages(0)
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
}
