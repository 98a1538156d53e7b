//! Every error body shape maps per the table, keeping status, code, message and request id; malformed
//! success bodies are `Decode`, never a panic.

mod support;

use proptest::prelude::*;
use support::{EmuRig, FnRig, fixture};
use unibill_core::{
    ConnectionId, ConnectionListQuery, CustomerId, CustomerListQuery, ErrorKind, NewCustomer,
};
use unibill_testkit::Reply;

/// Answers every request with `status` and `body` (JSON when it parses) and `x-request-id: req_7`; returns
/// the error of a customer get (retries exhausted for ambiguous answers).
async fn error_for(status: u16, body: &str) -> unibill_core::Error {
    let body = body.to_owned();
    let rig = FnRig::new(move |_| {
        let reply = if serde_json::from_str::<serde_json::Value>(&body).is_ok() {
            Reply::json(status, body.clone())
        } else {
            Reply::status(status).body(body.clone())
        };
        reply.header("x-request-id", "req_7")
    })
    .await;
    rig.customers()
        .get(CustomerId::new("cust_1"))
        .await
        .unwrap_err()
}

#[tokio::test]
async fn current_shape_fixtures() {
    for (file, status, kind, code) in [
        (
            "error-400-bad-json.json",
            400,
            ErrorKind::InvalidInput,
            "validation_error",
        ),
        (
            "error-400-validation.json",
            400,
            ErrorKind::InvalidInput,
            "validation_error",
        ),
        (
            "error-400-invalid-operation.json",
            400,
            ErrorKind::Conflict,
            "invalid_operation",
        ),
        (
            "error-404-not-found.json",
            404,
            ErrorKind::NotFound,
            "not_found",
        ),
        (
            "error-409-customer-exists.json",
            409,
            ErrorKind::AlreadyExists,
            "already_exists",
        ),
        (
            "error-409-connection-exists.json",
            409,
            ErrorKind::AlreadyExists,
            "already_exists",
        ),
    ] {
        let err = error_for(status, &fixture(file)).await;
        assert_eq!(err.kind(), kind, "{file}");
        assert_eq!(err.status(), Some(status), "{file}");
        assert_eq!(err.provider_code(), Some(code), "{file}");
        assert_eq!(err.request_id(), Some("req_7"), "{file}");
        assert_eq!(err.provider(), Some("flexprice"), "{file}");
        assert_eq!(err.operation(), Some("customers.get"), "{file}");
        let message: serde_json::Value = serde_json::from_str(&fixture(file)).unwrap();
        assert_eq!(
            err.provider_message(),
            message["message"].as_str(),
            "{file}"
        );
    }
}

#[tokio::test]
async fn validation_details_become_field_errors() {
    let err = error_for(400, &fixture("error-400-validation.json")).await;
    let fields: Vec<&str> = err
        .field_errors()
        .iter()
        .map(|f| f.field.as_str())
        .collect();
    assert_eq!(fields, ["address.country", "name"]);
    assert!(err.field_errors()[1].message.contains("required"));
}

#[tokio::test]
async fn connection_exists_keeps_the_existing_id() {
    let err = error_for(409, &fixture("error-409-connection-exists.json")).await;
    assert_eq!(err.existing_id(), Some("conn_01K3F8A2B3C4D5E6F7G8H9J0KM"));
}

#[tokio::test]
async fn codes_and_statuses_per_the_table() {
    let coded = |code: &str, status: u16| {
        format!(r#"{{"code":"{code}","message":"m","http_status_code":{status}}}"#)
    };
    for (code, status, kind) in [
        ("permission_denied", 403, ErrorKind::PermissionDenied),
        ("version_conflict", 409, ErrorKind::Conflict),
        ("not_implemented", 501, ErrorKind::Unsupported),
        ("database_error", 500, ErrorKind::Provider),
        ("internal_error", 500, ErrorKind::Provider),
        ("too_many_requests", 429, ErrorKind::RateLimited),
        ("service_unavailable", 503, ErrorKind::Unavailable),
    ] {
        let err = error_for(status, &coded(code, status)).await;
        assert_eq!(err.kind(), kind, "{code}");
        assert_eq!(err.provider_code(), Some(code));
        assert_eq!(err.status(), Some(status));
        assert_eq!(err.provider_message(), Some("m"));
    }
}

#[tokio::test]
async fn legacy_ad_hoc_plain_and_empty_bodies_map_by_status() {
    for (status, body, kind, message) in [
        (
            404,
            r#"{"success":false,"error":{"message":"Customer not found","internal_error":"ent: customer not found"}}"#,
            ErrorKind::NotFound,
            Some("Customer not found"),
        ),
        (
            401,
            fixture("error-401-auth.json").as_str(),
            ErrorKind::Unauthenticated,
            Some("Unauthorized"),
        ),
        (
            403,
            fixture("error-403-rbac.json").as_str(),
            ErrorKind::PermissionDenied,
            Some("insufficient permissions"),
        ),
        (
            403,
            r#"{"error":"Access denied","message":"Invalid or inaccessible environment"}"#,
            ErrorKind::PermissionDenied,
            Some("Access denied: Invalid or inaccessible environment"),
        ),
        (
            404,
            "404 page not found",
            ErrorKind::NotFound,
            Some("404 page not found"),
        ),
        (400, "", ErrorKind::InvalidInput, None),
        (500, "", ErrorKind::Provider, None),
        (
            502,
            "bad gateway",
            ErrorKind::Unavailable,
            Some("bad gateway"),
        ),
        (504, "", ErrorKind::Unavailable, None),
    ] {
        let err = error_for(status, body).await;
        assert_eq!(err.kind(), kind, "{status} {body}");
        assert_eq!(err.status(), Some(status), "{status} {body}");
        assert_eq!(
            err.provider_code(),
            None,
            "{status} {body}: no code in this shape"
        );
        assert_eq!(err.provider_message(), message, "{status} {body}");
        assert_eq!(err.request_id(), Some("req_7"));
    }
}

#[tokio::test]
async fn an_empty_500_is_ambiguous_but_a_coded_500_is_final() {
    let rig = FnRig::new(|_| Reply::status(500)).await;
    rig.customers().get(CustomerId::new("c")).await.unwrap_err();
    assert_eq!(rig.server.request_count(), 4, "retried as ambiguous");
    let coded = r#"{"code":"database_error","message":"Failed","http_status_code":500}"#;
    let rig = FnRig::new(move |_| Reply::json(500, coded)).await;
    rig.customers().get(CustomerId::new("c")).await.unwrap_err();
    assert_eq!(rig.server.request_count(), 1, "a parsed 500 is final");
}

#[tokio::test]
async fn legacy_errors_from_the_emulator() {
    let rig = EmuRig::new().await;
    rig.emulator.set_legacy_errors(true);
    let err = rig
        .customers()
        .get(CustomerId::new("cust_missing"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.provider_message().is_some());
    assert!(err.request_id().is_some());
    let dup = NewCustomer::builder("dup", "D").build().unwrap();
    let first = rig.customers().create(dup.clone()).await.unwrap();
    let err = rig.customers().create(dup).await.unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::AlreadyExists,
        "a legacy 409 has no code: by status"
    );
    assert_eq!(err.existing_id(), Some(first.id.as_str()));
}

#[tokio::test]
async fn a_wrong_key_is_unauthenticated() {
    let rig = EmuRig::new().await;
    let other = unibill_testkit::emulators::flexprice::FlexpriceEmulator::new("another_key");
    let server = unibill_testkit::TestServer::router(other.router()).await;
    let client = support::client_for(
        &server,
        &Default::default(),
        unibill_flexprice::SecretsForm::Flat,
    );
    let err = unibill_core::Customers::get(&client, CustomerId::new("c"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthenticated);
    drop(rig);
}

#[tokio::test]
async fn malformed_success_bodies_are_decode() {
    for body in [
        "",
        "not json",
        "[]",
        r#"{"name":"no id"}"#,
        r#"{"id":7}"#,
        r#"{"id":"c","metadata":"x"}"#,
        r#"{"id":"c","email":5}"#,
    ] {
        let rig = FnRig::new(move |_| Reply::json(200, body)).await;
        let err = rig.customers().get(CustomerId::new("c")).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode, "{body}");
        assert_eq!(err.operation(), Some("customers.get"));
    }
    for body in [r#"{"items":{}}"#, r#"{"items":[{"no":"id"}]}"#, "{"] {
        let rig = FnRig::new(move |_| Reply::json(200, body)).await;
        let err = rig
            .customers()
            .list(CustomerListQuery::new())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode, "{body}");
    }
    for body in [
        r#"{"connections":[{"id":"c","sync_config":{"plan":"x"}}]}"#,
        "null",
    ] {
        let rig = FnRig::new(move |_| Reply::json(200, body)).await;
        let err = rig
            .connections()
            .list(ConnectionListQuery::new())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode, "{body}");
        let err = rig
            .connections()
            .get(ConnectionId::new("c"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode, "{body}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Arbitrary bytes as a success or error body never panic: a read model or an error comes back.
    #[test]
    fn arbitrary_bodies_never_panic(body in proptest::collection::vec(any::<u8>(), 0..200), status in prop_oneof![Just(200u16), Just(400u16), Just(409u16), Just(500u16)]) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async move {
            let rig = FnRig::new(move |_| Reply::status(status).body(body.clone())).await;
            let _ = rig.customers().get(CustomerId::new("c")).await;
            let _ = rig.connections().list(ConnectionListQuery::new()).await;
        });
    }
}
