//! The built `unibill` binary against servers whose listings never end (started in this test process on
//! 127.0.0.1): `--all` streams every page's items as it arrives and stops with an error naming the loop after a
//! bounded number of requests; `prices create --slug`'s search for a slug's holder stops too.
//!
//! Each server refuses every request after [`CAP`], so a loop that does not stop on its own ends (and the test
//! fails on the request count) instead of running forever.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};
use support::Ran;
use unibill::Customer;
use unibill_testkit::{RecordedRequest, Reply, TestServer};

const FLEXPRICE_KEY: &str = "sk_cli_loops_flexprice";
const FLOWGLAD_KEY: &str = "sk_test_cli_loops_flowglad";
/// Requests a server answers before it refuses everything.
const CAP: usize = 1_000;

fn unibill(vars: &[(&str, String)], args: &[&str]) -> Ran {
    support::run(vars, args, None)
}

/// A server answering `answer(n, request)` to its `n`th request (0-based), refusing all after [`CAP`].
async fn capped(
    answer: impl Fn(usize, &RecordedRequest) -> Reply + Send + Sync + 'static,
) -> TestServer {
    let served = Arc::new(AtomicUsize::new(0));
    TestServer::from_fn(move |req| {
        let n = served.fetch_add(1, Ordering::SeqCst);
        if n >= CAP {
            return Reply::json(400, r#"{"code":"validation_error","message":"cap"}"#);
        }
        answer(n, req)
    })
    .await
}

fn flexprice_customers(server: &TestServer) -> Vec<(&'static str, String)> {
    vec![
        ("UNIBILL_CUSTOMERS_PROVIDER", "flexprice".into()),
        ("FLEXPRICE_API_KEY", FLEXPRICE_KEY.into()),
        ("FLEXPRICE_BASE_URL", format!("http://{}/v1", server.addr())),
    ]
}

fn flowglad_prices(server: &TestServer) -> Vec<(&'static str, String)> {
    vec![
        ("UNIBILL_PRICES_PROVIDER", "flowglad".into()),
        ("FLOWGLAD_SECRET_KEY", FLOWGLAD_KEY.into()),
        ("FLOWGLAD_BASE_URL", server.url().to_string()),
    ]
}

fn query_u64(req: &RecordedRequest, name: &str) -> u64 {
    req.query_pairs()
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.parse().unwrap())
        .unwrap_or(0)
}

/// Flexprice customers `offset..offset + limit` (those below `end`) and `total`.
fn customers_page(req: &RecordedRequest, end: u64, total: u64) -> Reply {
    let (limit, offset) = (query_u64(req, "limit"), query_u64(req, "offset"));
    let items: Vec<Value> = (offset..(offset + limit).min(end))
        .map(|n| {
            json!({
                "id": format!("cust_{n:026}"),
                "external_id": format!("ext-{n}"),
                "name": format!("Customer {n}"),
                "status": "published",
                "created_at": "2026-08-22T13:05:10.412345Z",
                "updated_at": "2026-08-22T13:05:10.412345Z"
            })
        })
        .collect();
    Reply::json(
        200,
        json!({"items": items, "pagination": {"total": total}}).to_string(),
    )
}

/// Flexprice customers at every offset, and a total the listing never reaches.
fn endless_customers(_: usize, req: &RecordedRequest) -> Reply {
    customers_page(req, u64::MAX, 1_000_000_000_000)
}

fn flowglad_price(n: usize) -> Value {
    json!({
        "id": format!("price_{n:021}"),
        "createdAt": 1774282000002u64,
        "updatedAt": 1774282000002u64,
        "livemode": false,
        "intervalUnit": "month",
        "name": format!("Price {n}"),
        "intervalCount": 1,
        "type": "usage",
        "trialPeriodDays": null,
        "isDefault": true,
        "unitPrice": 5,
        "usageEventsPerUnit": 1000,
        "productId": null,
        "active": true,
        "currency": "USD",
        "slug": format!("other_{n}"),
        "usageMeterId": "usage_meter_Jd3Kf8Lp2Qx7Vn5Wm1Rt9",
        "pricingModelId": "pricing_model_8QbWq3kLr2TnXy7Vd1Zs0"
    })
}

/// Flowglad: a 409 to any create; lists of two fresh prices whose `nextCursor` is always the same.
fn repeating_cursor(n: usize, req: &RecordedRequest) -> Reply {
    if req.method == "POST" {
        return Reply::json(
            409,
            r#"{"error":"a price with this slug exists","code":"CONFLICT","request_id":"ab12cd34"}"#,
        );
    }
    Reply::json(
        200,
        json!({"data": [flowglad_price(2 * n), flowglad_price(2 * n + 1)], "hasMore": true, "nextCursor": "c3R1Y2s="})
            .to_string(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_all_json_on_a_listing_that_never_ends_prints_each_page_then_stops_at_max_pages() {
    let server = capped(endless_customers).await;
    let ran = unibill(
        &flexprice_customers(&server),
        &[
            "customers",
            "list",
            "--all",
            "--limit",
            "2",
            "--max-pages",
            "5",
            "--json",
        ],
    );
    assert_eq!(ran.code, 1, "stderr: {}", ran.stderr);
    assert!(
        ran.stderr.contains("customers.list_all") && ran.stderr.contains("after 5 pages"),
        "the error names the loop: {}",
        ran.stderr
    );
    assert_eq!(server.request_count(), 5, "one request per page, no more");
    // The five pages were printed before the error, as one array left open (a failed listing never parses
    // as a complete one); closed, it holds every item once.
    assert!(ran.stdout.starts_with("[\n"), "{}", ran.stdout);
    assert!(serde_json::from_str::<Value>(&ran.stdout).is_err());
    let printed: Vec<Customer> = serde_json::from_str(&format!("{}\n]", ran.stdout))
        .unwrap_or_else(|e| panic!("{e}: {}", ran.stdout));
    let ids: Vec<&str> = printed.iter().map(|c| c.id.as_str()).collect();
    let expected: Vec<String> = (0..10).map(|n| format!("cust_{n:026}")).collect();
    assert_eq!(ids, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_all_table_whose_next_cursor_repeats_prints_both_pages_then_stops() {
    // No --max-pages: the default bound is far away; the repeated cursor ends the listing at the second page.
    let server = capped(repeating_cursor).await;
    let ran = unibill(&flowglad_prices(&server), &["prices", "list", "--all"]);
    assert_eq!(ran.code, 1, "stderr: {}", ran.stderr);
    assert!(
        ran.stderr.contains("prices.list_all") && ran.stderr.contains("does not advance"),
        "{}",
        ran.stderr
    );
    assert_eq!(server.request_count(), 2);
    assert!(ran.stdout.starts_with("id "), "a table: {}", ran.stdout);
    for n in 0..4 {
        assert!(
            ran.stdout.contains(&format!("price_{n:021}")),
            "price {n} printed: {}",
            ran.stdout
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prices_create_slug_conflict_search_stops_when_the_cursor_repeats() {
    let server = capped(repeating_cursor).await;
    let ran = unibill(
        &flowglad_prices(&server),
        &[
            "prices",
            "create",
            "--amount",
            "29.00",
            "--interval",
            "month",
            "--product-id",
            "prod_Hk4mV9sQ2wLx8RtYp3NcB",
            "--slug",
            "pro",
        ],
    );
    assert_eq!(ran.code, 1, "stderr: {}", ran.stderr);
    assert!(ran.stderr.contains("409"), "{}", ran.stderr);
    let methods: Vec<String> = server
        .requests()
        .iter()
        .map(|r| r.method.to_string())
        .collect();
    assert_eq!(
        methods,
        ["POST", "GET", "GET"],
        "the create, then two pages"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_all_json_of_a_listing_that_ends_is_one_array() {
    // Three pages of one customer, then the end: the streamed array is complete and valid.
    let server = capped(|_, req| customers_page(req, 3, 3)).await;
    let vars = flexprice_customers(&server);
    let all: Vec<Customer> = unibill(
        &vars,
        &["customers", "list", "--all", "--limit", "1", "--json"],
    )
    .json();
    assert_eq!(all.len(), 3);
    assert_eq!(server.request_count(), 3);
    // `--max-pages` goes with `--all` only, and is at least 1.
    for args in [
        &["customers", "list", "--max-pages", "3"][..],
        &["customers", "list", "--all", "--max-pages", "0"],
    ] {
        assert_eq!(unibill(&vars, args).code, 2, "{args:?}");
    }
}
