//! Requests that cannot or must not be sent (issue #13, defect 4): an id of 70,000 bytes (a URI the HTTP stack
//! cannot represent) or one holding a control character (TAB, CR, LF, NUL: the URL parser would drop TAB, CR
//! and LF silently and so address another resource) is `InvalidInput` naming the path parameter, before any
//! I/O: the server receives nothing, the call is never retried, and it is never `OutcomeUnknown`.

#![cfg(all(feature = "flexprice", feature = "flowglad", feature = "vercel"))]

use std::sync::Arc;

use unibill::ErrorKind;
use unibill_http::{RecordingSleeper, RetryPolicy};
use unibill_testkit::{Reply, TestServer};

#[path = "support/operations.rs"]
mod operations;

use operations::{Configure, every_operation_on};

/// The operations that put an id into the request's path.
const TAKES_AN_ID: [&str; 15] = [
    "flexprice customers.get",
    "flexprice customers.get_by_external_id",
    "flexprice customers.update",
    "flexprice customers.delete",
    "flexprice connections.get",
    "flexprice connections.update",
    "flexprice connections.delete",
    "flowglad customers.get",
    "flowglad customers.update",
    "flowglad prices.get",
    "flowglad prices.update",
    "flowglad prices.archive",
    "vercel stores.get",
    "vercel stores.delete",
    "vercel billing_plans.list",
];

fn retrying() -> Configure {
    Arc::new(|b| {
        b.retry_policy(RetryPolicy::default())
            .sleeper(RecordingSleeper::default())
    })
}

async fn every_id_operation_refuses(id: &str, label: &str) {
    let server = TestServer::from_fn(|_| Reply::json(200, "{}")).await;
    let ops = every_operation_on(&server.url(), retrying(), id);
    let mut checked = 0;
    for op in ops.iter().filter(|o| TAKES_AN_ID.contains(&o.name)) {
        let err = op
            .call()
            .await
            .expect_err(&format!("{label}: {} was sent", op.name));
        assert_eq!(
            err.kind(),
            ErrorKind::InvalidInput,
            "{label} {}: {err}",
            op.name
        );
        let field = &err.field_errors().first().expect("a field error").field;
        assert!(
            !field.is_empty() && field != "path",
            "{label} {}: the error names no parameter ({field}): {err}",
            op.name
        );
        assert!(
            err.to_string().len() < 1024,
            "{label} {}: the error repeats the input",
            op.name
        );
        checked += 1;
    }
    assert_eq!(
        checked,
        TAKES_AN_ID.len(),
        "{label}: an operation is missing"
    );
    assert_eq!(
        server.request_count(),
        0,
        "{label}: a request reached the server"
    );
}

#[tokio::test]
async fn an_id_too_long_for_a_uri_is_invalid_input_before_any_io() {
    let id = "a".repeat(70_000);
    every_id_operation_refuses(&id, "70,000-byte id").await;
}

#[tokio::test]
async fn an_id_with_a_control_character_is_invalid_input_before_any_io() {
    for (name, c) in [("TAB", '\t'), ("CR", '\r'), ("LF", '\n'), ("NUL", '\0')] {
        every_id_operation_refuses(&format!("cus{c}1"), name).await;
        every_id_operation_refuses(&format!("{c}"), name).await;
    }
}

#[tokio::test]
async fn a_flexprice_path_parameter_is_named_from_its_template() {
    let server = TestServer::from_fn(|_| Reply::json(200, "{}")).await;
    let ops = every_operation_on(&server.url(), retrying(), "cus\n1");
    let op = |name: &str| ops.iter().find(|o| o.name == name).unwrap();
    let get = op("flexprice customers.get").call().await.unwrap_err();
    assert_eq!(get.field_errors()[0].field, "id", "{get}");
    let by_external = op("flexprice customers.get_by_external_id")
        .call()
        .await
        .unwrap_err();
    assert_eq!(
        by_external.field_errors()[0].field,
        "external_id",
        "{by_external}"
    );
    assert_eq!(server.request_count(), 0);
}

#[tokio::test]
async fn a_team_id_too_long_for_a_uri_names_its_query_key() {
    use std::time::{Duration, UNIX_EPOCH};
    use unibill::{StoreId, Stores};
    use unibill_http::FixedClock;
    use unibill_vercel::{VercelClient, VercelConfig};

    let server = TestServer::from_fn(|_| Reply::json(200, "{}")).await;
    let stores = VercelClient::builder(
        VercelConfig::builder("vercel_token")
            .team_id("t".repeat(70_000))
            .base_url(server.url().as_str())
            .build()
            .unwrap(),
    )
    .clock(FixedClock(UNIX_EPOCH + Duration::from_secs(1_700_000_000)))
    .build()
    .unwrap();
    let err = stores.get(StoreId::new("store_1")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    assert_eq!(err.field_errors()[0].field, "teamId", "{err}");
    assert_eq!(server.request_count(), 0);
}
