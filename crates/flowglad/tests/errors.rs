//! Every error body shape maps per the table: status first, `error` as string / issue array / object, `code`
//! optional, plain text kept.

mod support;

use support::{answering, assert_no_key, fixture};
use unibill_core::{ErrorKind, PriceId, Prices};
use unibill_testkit::Reply;

async fn error_for(reply: Reply) -> unibill_core::Error {
    let (server, c) = answering(move |_| reply.clone()).await;
    let err = Prices::get(&c, PriceId::new("price_1")).await.unwrap_err();
    assert_eq!(server.request_count(), 1, "final answers are not retried");
    assert_no_key(&err);
    err
}

#[tokio::test]
async fn fixture_bodies() {
    let zod = error_for(Reply::json(
        400,
        fixture("error-400-bad-discriminator.json"),
    ))
    .await;
    assert_eq!(zod.kind(), ErrorKind::InvalidInput);
    assert_eq!(zod.provider_code(), Some("BAD_REQUEST"));
    assert_eq!(zod.field_errors()[0].field, "price.type");
    assert_eq!(zod.field_errors()[0].message, "Invalid input");
    assert_eq!(zod.request_id(), Some("8d21e0c4"));
    assert_eq!(zod.status(), Some(400));

    let rule = error_for(Reply::json(400, fixture("error-400-business-rule.json"))).await;
    assert_eq!(rule.kind(), ErrorKind::InvalidInput);
    assert_eq!(
        rule.provider_message(),
        Some("Subscription and single payment prices require a productId.")
    );

    let json = error_for(Reply::json(400, fixture("error-400-invalid-json.json"))).await;
    assert_eq!(json.kind(), ErrorKind::InvalidInput);
    assert_eq!(json.provider_code(), None, "the handler sends no code");
    assert_eq!(
        json.provider_message(),
        Some("Invalid JSON in request body")
    );

    let forbidden = error_for(Reply::json(403, fixture("error-403-forbidden.json"))).await;
    assert_eq!(forbidden.kind(), ErrorKind::PermissionDenied);
    assert_eq!(forbidden.provider_code(), Some("FORBIDDEN"));

    let missing = error_for(Reply::json(404, fixture("error-404-not-found.json"))).await;
    assert_eq!(missing.kind(), ErrorKind::NotFound);
    assert_eq!(missing.provider_message(), Some("Price not found"));
    assert_eq!(missing.request_id(), Some("c6e1f7a0"));
}

#[tokio::test]
async fn status_table() {
    for (status, kind) in [
        (401, ErrorKind::Unauthenticated),
        (403, ErrorKind::PermissionDenied),
        (404, ErrorKind::NotFound),
        (409, ErrorKind::AlreadyExists),
        (422, ErrorKind::InvalidInput),
    ] {
        let body = format!(r#"{{"error":"x","code":"C","request_id":"r{status}"}}"#);
        let err = error_for(Reply::json(status, body)).await;
        assert_eq!(err.kind(), kind, "{status}");
        assert_eq!(err.provider_code(), Some("C"));
    }
}

#[tokio::test]
async fn plain_text_bodies_are_kept_by_status() {
    let auth = error_for(
        Reply::status(401)
            .header("content-type", "text/plain")
            .body("API key invalid. Please check that you are providing a valid API key."),
    )
    .await;
    assert_eq!(auth.kind(), ErrorKind::Unauthenticated);
    assert!(
        auth.provider_message()
            .unwrap()
            .starts_with("API key invalid")
    );
    assert!(
        auth.to_string().contains("rate-limited"),
        "a 401 may be a rate-limited key: {auth}"
    );
    let route = error_for(Reply::status(404).body("Not Found")).await;
    assert_eq!(route.kind(), ErrorKind::NotFound);
    assert_eq!(route.provider_message(), Some("Not Found"));
    let odd = error_for(Reply::status(418).body("<html>teapot</html>")).await;
    assert_eq!(odd.provider_message(), Some("<html>teapot</html>"));
}

#[tokio::test]
async fn error_as_object_and_limit_string_with_zod_json() {
    let obj = error_for(Reply::json(
        400,
        r#"{"error":{"message":"bad thing","x":1},"request_id":"a"}"#,
    ))
    .await;
    assert_eq!(obj.kind(), ErrorKind::InvalidInput);
    assert_eq!(obj.provider_message(), Some("bad thing"));

    let limit = r#"{"error":"[{\"origin\":\"number\",\"code\":\"too_big\",\"maximum\":100,\"path\":[\"limit\"],\"message\":\"Too big: expected number to be <=100\"}]","request_id":"b"}"#;
    let err = error_for(Reply::json(400, limit)).await;
    assert_eq!(err.field_errors()[0].field, "limit");
    assert_eq!(err.provider_code(), None);

    let nested = r#"{"error":[{"code":"invalid_type","path":["price","unitPrice"],"message":"Invalid input: expected number, received string"},{"code":"x","path":[],"message":"root"}],"code":"BAD_REQUEST","request_id":"c"}"#;
    let err = error_for(Reply::json(400, nested)).await;
    let fields: Vec<_> = err
        .field_errors()
        .iter()
        .map(|f| f.field.as_str())
        .collect();
    assert_eq!(fields, ["price.unitPrice", "body"]);

    let empty = error_for(Reply::status(403)).await;
    assert_eq!(empty.kind(), ErrorKind::PermissionDenied);
    assert_eq!(empty.provider_message(), None);
}

#[tokio::test]
async fn rate_limits_and_5xx() {
    // 429 is retried, then RateLimited.
    let (server, c) = answering(|_| Reply::json(429, r#"{"error":"slow down"}"#)).await;
    let err = Prices::get(&c, PriceId::new("p")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(server.request_count(), 4);

    // A coded 500 is a final Provider error; a slug clash is AlreadyExists.
    let coded = error_for(Reply::json(
        500,
        r#"{"error":"boom","code":"INTERNAL_SERVER_ERROR","request_id":"d"}"#,
    ))
    .await;
    assert_eq!(coded.kind(), ErrorKind::Provider);
    let clash = error_for(Reply::json(
        500,
        r#"{"error":"duplicate slug \"x\" in pricing model pm","code":"INTERNAL_SERVER_ERROR","request_id":"e"}"#,
    ))
    .await;
    assert_eq!(clash.kind(), ErrorKind::AlreadyExists);

    // A 500 "Internal server error" without a code is ambiguous: a Safe read retries it.
    let (server, c) = answering(|_| Reply::json(500, fixture("error-500-internal.json"))).await;
    let err = Prices::get(&c, PriceId::new("p")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Provider);
    assert_eq!(server.request_count(), 4);

    let (_server, c) = answering(|_| Reply::status(503)).await;
    let err = Prices::get(&c, PriceId::new("p")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
}
