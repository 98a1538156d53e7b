//! Listings that never end, over real HTTP: every `list_all` stops at a page repeating the one before or at
//! its page bound, with a `Provider` error naming the loop, after a bounded number of requests.
//!
//! Flexprice pages by offset and ends a listing when `offset + items >= total` or a page is empty; these
//! servers report a `total` that is never reached. Each refuses every request after [`CAP`], so a loop that
//! does not stop on its own ends (and the test fails on the request count) instead of running forever.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::StreamExt;
use serde_json::{Value, json};
use support::{FnRig, fixture_json};
use unibill_core::{
    ConnectionListQuery, ConnectionsExt, CustomerListQuery, CustomersExt, Error, ErrorKind,
    PriceListQuery, PricesExt, Result,
};
use unibill_testkit::{RecordedRequest, Reply};

/// Requests a server answers before it refuses everything (a stop for loops that would never end).
const CAP: usize = 1_000;
/// A total no listing reaches.
const NEVER: u64 = 1_000_000_000_000;

fn customer(n: u64) -> Value {
    json!({
        "id": format!("cust_{n:026}"),
        "external_id": format!("ext-{n}"),
        "name": format!("Customer {n}"),
        "status": "published",
        "created_at": "2026-08-22T13:05:10.412345Z",
        "updated_at": "2026-08-22T13:05:10.412345Z"
    })
}

fn connection(n: u64) -> Value {
    json!({
        "id": format!("conn_{n:026}"),
        "name": format!("Connection {n}"),
        "provider_type": "s3",
        "status": "published",
        "created_at": "2026-08-22T13:10:00Z",
        "updated_at": "2026-08-22T13:10:00Z"
    })
}

fn price(n: u64) -> Value {
    let mut p = fixture_json("prices/list-prices-response.json")["items"][1].clone();
    p["id"] = json!(format!("price_{n:026}"));
    p
}

/// The `limit` and `offset` a list request asked for (query parameters, or the search body's fields).
fn window(req: &RecordedRequest) -> (u64, u64) {
    let pairs = req.query_pairs();
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.parse().unwrap())
            .or_else(|| {
                serde_json::from_slice::<Value>(&req.body)
                    .ok()
                    .and_then(|b| b[name].as_u64())
            })
            .unwrap_or(0)
    };
    (get("limit"), get("offset"))
}

/// A handler that refuses everything after [`CAP`] requests and otherwise answers `page(request)`.
fn capped(
    page: impl Fn(&RecordedRequest) -> Value + Send + Sync + 'static,
) -> impl Fn(&RecordedRequest) -> Reply + Send + Sync + 'static {
    let served = Arc::new(AtomicUsize::new(0));
    move |req| {
        if served.fetch_add(1, Ordering::SeqCst) >= CAP {
            return Reply::json(
                400,
                r#"{"code":"validation_error","message":"the test server's cap"}"#,
            );
        }
        Reply::json(200, page(req).to_string())
    }
}

/// Every item the stream yields, and the error that ended it.
async fn drain<T>(stream: futures::stream::BoxStream<'_, Result<T>>) -> (Vec<T>, Option<Error>) {
    let results: Vec<Result<T>> = stream.collect().await;
    let mut items = Vec::new();
    let mut error = None;
    for r in results {
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

fn assert_stuck(error: Option<Error>, operation: &str, says: &str) {
    let err = error.expect("the listing ends with an error");
    assert_eq!(err.kind(), ErrorKind::Provider, "{err}");
    assert_eq!(err.operation(), Some(operation), "{err}");
    assert_eq!(err.provider(), Some("flexprice"), "{err}");
    assert!(err.to_string().contains(says), "{err}");
}

#[tokio::test]
async fn customers_list_all_whose_total_is_never_reached_stops_at_the_page_bound() {
    // Every offset holds a full page of new customers, and the total says more are coming.
    let rig = FnRig::new(capped(|req| {
        let (limit, offset) = window(req);
        let items: Vec<Value> = (offset..offset + limit).map(customer).collect();
        json!({"items": items, "pagination": {"total": NEVER, "limit": limit, "offset": offset + limit}})
    }))
    .await;
    let query = CustomerListQuery::new().limit(2).max_pages(25);
    let (items, error) = drain(CustomersExt::list_all(&rig.client, query)).await;
    assert_stuck(error, "customers.list_all", "had not ended after 25 pages");
    assert_eq!(items.len(), 50, "the 25 pages' items, streamed");
    assert_eq!(
        rig.server.request_count(),
        25,
        "one request per page, no more"
    );
}

#[tokio::test]
async fn customers_list_all_whose_offset_pages_repeat_stops_at_the_second_page() {
    // The server ignores the offset: the same page every time, and a total never reached.
    let rig = FnRig::new(capped(|_| {
        json!({"items": [customer(1), customer(2)], "pagination": {"total": NEVER, "limit": 2, "offset": 2}})
    }))
    .await;
    let (items, error) = drain(CustomersExt::list_all(
        &rig.client,
        CustomerListQuery::new().limit(2),
    ))
    .await;
    assert_stuck(error, "customers.list_all", "same 2 item(s) as page 1");
    assert_eq!(items.len(), 2, "each customer once");
    let offsets: Vec<u64> = rig.server.requests().iter().map(|r| window(r).1).collect();
    assert_eq!(offsets, [0, 2], "the second page gave it away");
}

#[tokio::test]
async fn prices_list_all_whose_offset_pages_repeat_stops_at_the_second_page() {
    // The search answers the same page whatever offset its body asks for.
    let rig = FnRig::new(capped(
        |_| json!({"items": [price(1), price(2), price(3)], "pagination": {"total": NEVER}}),
    ))
    .await;
    let (items, error) = drain(PricesExt::list_all(
        &rig.client,
        PriceListQuery::new().limit(3),
    ))
    .await;
    assert_stuck(error, "prices.list_all", "same 3 item(s) as page 1");
    assert_eq!(items.len(), 3);
    let requests = rig.server.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests.iter().all(|r| r.path == "/v1/prices/search"));
}

#[tokio::test]
async fn connections_list_all_whose_total_is_never_reached_stops_at_the_page_bound() {
    let rig = FnRig::new(capped(|req| {
        let (limit, offset) = window(req);
        let items: Vec<Value> = (offset..offset + limit).map(connection).collect();
        json!({"connections": items, "total": NEVER, "limit": limit, "offset": offset})
    }))
    .await;
    let query = ConnectionListQuery::new().limit(1).max_pages(7);
    let (items, error) = drain(ConnectionsExt::list_all(&rig.client, query)).await;
    assert_stuck(error, "connections.list_all", "had not ended after 7 pages");
    assert_eq!(items.len(), 7);
    assert_eq!(rig.server.request_count(), 7);
}
