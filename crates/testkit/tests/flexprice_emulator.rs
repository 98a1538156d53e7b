//! Raw-HTTP tests of the Flexprice emulator: one test per item of the notes' §8 surprise list (`s8_NN_…`), plus
//! the basics. Bodies are compared exactly (modulo generated ids and times where stated).

use reqwest::{Method, StatusCode};
use serde_json::json;
use std::sync::Arc;
use unibill_testkit::emulators::flexprice::{FlexpriceEmulator, KeyScope};
#[path = "support/flexprice_rig.rs"]
mod rig;

use rig::*;

/// §8 #5: the current error shape, the ad-hoc 401/403 bodies, plain-text 404, and (knob) the legacy shape.
#[tokio::test]
async fn s8_05_error_shapes_current_adhoc_plain_and_legacy() {
    let api = Api::start().await;
    let missing = "cust_01K3F7Q2W8Z5N6M4R9T1V0X2YZ";
    let r = api.get(&format!("/customers/{missing}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json(), fixture("error-404-not-found.json"));

    let r = api.raw(Method::GET, "/customers", None, None, &[]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json(), fixture("error-401-auth.json"));
    let r = api
        .raw(Method::GET, "/customers", Some("wrong"), None, &[])
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json(), json!({"error": "Unauthorized"}));

    api.emu().add_api_key("sk_read", KeyScope::ReadOnly);
    let r = api
        .raw(
            Method::POST,
            "/customers",
            Some("sk_read"),
            Some(r#"{"external_id":"x","name":"X"}"#),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json(), fixture("error-403-rbac.json"));
    let r = api
        .raw(
            Method::POST,
            "/customers/search",
            Some("sk_read"),
            Some("{}"),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "search is a read");

    let r = api.get("/no-such-route").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.text, "404 page not found");
    assert!(
        r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );

    api.emu().set_legacy_errors(true);
    let r = api.get(&format!("/customers/{missing}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        r.json(),
        json!({"success": false, "error": {
            "message": format!("Customer with ID {missing} was not found"),
            "internal_error": "ent: customer not found",
            "details": {"customer_id": missing}
        }})
    );
    // Middleware errors keep their own shape.
    let r = api.raw(Method::GET, "/customers", None, None, &[]).await;
    assert_eq!(r.json(), json!({"error": "Unauthorized"}));
}

/// §8 #6: validation `details` are keyed by Go struct field names.
#[tokio::test]
async fn s8_06_validation_details_use_go_field_names() {
    let api = Api::start().await;
    let r = api
        .post(
            "/customers",
            json!({"external_id": "acct_1", "address_country": "XX"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json(), fixture("error-400-validation.json"));

    let r = api
        .post(
            "/customers",
            json!({"name": "N", "email": "not-an-email", "contact": "123456789012345678901",
                   "address_postal_code": "123456789012345678901", "address_country": "USA"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let s = "CreateCustomerRequest";
    assert_eq!(
        r.json(),
        json!({
            "code": "validation_error",
            "message": "Request validation failed",
            "http_status_code": 400,
            "details": {
                "ExternalID": validation_detail(s, "ExternalID", "required"),
                "Email": validation_detail(s, "Email", "email"),
                "Contact": validation_detail(s, "Contact", "max"),
                "AddressPostalCode": validation_detail(s, "AddressPostalCode", "max"),
                "AddressCountry": validation_detail(s, "AddressCountry", "len"),
            }
        })
    );
    assert_eq!(api.emu().customer_count(), 0);

    let id = api.customer("acct_2", json!({})).await;
    let r = api
        .put(&format!("/customers/{id}"), json!({"email": "nope"}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.json()["details"],
        json!({"Email": validation_detail("UpdateCustomerRequest", "Email", "email")})
    );
}

/// §8 #15: `Idempotency-Key` has no effect (a replay is a 409), and no rate-limit headers are sent.
#[tokio::test]
async fn s8_15_idempotency_key_is_ignored_and_no_rate_limit_headers() {
    let api = Api::start().await;
    let body = r#"{"external_id":"acct_idem","name":"I"}"#;
    let headers = [("idempotency-key", "same-key")];
    let first = api
        .raw(Method::POST, "/customers", Some(KEY), Some(body), &headers)
        .await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert!(
        first
            .headers
            .keys()
            .all(|k| !k.as_str().starts_with("x-ratelimit") && k != "retry-after")
    );
    let second = api
        .raw(Method::POST, "/customers", Some(KEY), Some(body), &headers)
        .await;
    assert_eq!(second.status, StatusCode::CONFLICT);
    assert_eq!(
        second.json()["details"],
        json!({"external_id": "acct_idem"})
    );
    assert_eq!(api.emu().customer_count(), 1);
}

/// §8 #16: routes outside the spec exist (`GET /v1/customers`, `PUT /v1/customers/{id}`), and unknown or
/// SDK-drift fields are ignored rather than rejected.
#[tokio::test]
async fn s8_16_unspecified_routes_exist_and_unknown_fields_are_ignored() {
    let api = Api::start().await;
    let r = api
        .post(
            "/customers",
            json!({"external_id": "acct_d", "name": "D", "parent_customer_id": "cust_X",
                   "billing_currency": "usd", "tax_treatment": "exempt", "skip_onboarding_workflow": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let body = r.json();
    assert!(body.get("parent_customer_id").is_none());
    let id = body["id"].as_str().unwrap();
    assert_eq!(api.get("/customers").await.status, StatusCode::OK);
    assert_eq!(
        api.put(&format!("/customers/{id}"), json!({"name": "D2"}))
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn malformed_bodies_are_400_invalid_request_format() {
    let api = Api::start().await;
    let bad = fixture("error-400-bad-json.json");
    for body in [
        "{not json",
        "",
        "[]",
        r#"{"external_id": 42, "name": "N"}"#,
        r#"{"external_id": "a", "name": "N", "metadata": {"n": 1}}"#,
        r#"{"external_id": "a", "name": "N", "metadata": "x"}"#,
        r#"{"external_id": "a", "name": "N", "tax_rate_overrides": {}}"#,
    ] {
        let r = api
            .raw(Method::POST, "/customers", Some(KEY), Some(body), &[])
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(r.json(), bad, "{body}");
    }
    for body in [
        "{",
        r#"{"name": 1, "provider_type": "stripe"}"#,
        r#"{"name": "n", "provider_type": "stripe", "sync_config": {"plan": {"inbound": "yes"}}}"#,
        r#"{"name": "n", "provider_type": "stripe", "encrypted_secret_data": []}"#,
    ] {
        let r = api
            .raw(Method::POST, "/connections", Some(KEY), Some(body), &[])
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(r.json(), bad, "{body}");
    }
    assert_eq!(api.emu().customer_count() + api.emu().connection_count(), 0);
}

#[tokio::test]
async fn request_log_counts_every_request_and_echoes_request_id() {
    let api = Api::start().await;
    assert_eq!(api.emu().request_count(), 0);
    api.raw(Method::GET, "/customers", None, None, &[]).await;
    api.get("/nothing-here").await;
    let r = api
        .raw(
            Method::POST,
            "/customers",
            Some(KEY),
            Some(r#"{"external_id":"log","name":"L"}"#),
            &[("x-request-id", "req-123")],
        )
        .await;
    assert_eq!(r.headers["x-request-id"], "req-123");
    let generated = api.get("/customers").await;
    assert_eq!(generated.headers["x-request-id"].len(), 26);
    assert_eq!(api.emu().request_count(), 4);
    let log = api.emu().requests();
    assert_eq!(
        log.iter().map(|r| r.status).collect::<Vec<_>>(),
        [Some(401), Some(404), Some(201), Some(200)]
    );
    let post = &log[2];
    assert_eq!(post.method, "POST");
    assert_eq!(post.path, "/v1/customers");
    assert_eq!(post.header("X-API-KEY"), Some(KEY));
    assert_eq!(
        post.json(),
        Some(json!({"external_id": "log", "name": "L"}))
    );
    assert_eq!(log[3].query, None);
    api.get("/customers?limit=5").await;
    assert_eq!(
        api.emu().last_request().unwrap().query.as_deref(),
        Some("limit=5")
    );
    api.emu().clear_requests();
    assert_eq!(api.emu().request_count(), 0);
    assert_eq!(api.emu().customer_count(), 1);
}

#[tokio::test]
async fn router_can_be_mounted_without_serve() {
    // The router is an ordinary axum Router: serve it on our own listener.
    let emulator = FlexpriceEmulator::new(KEY);
    let app = unibill_testkit::emulators::flexprice::router(Arc::clone(&emulator));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let _ = axum_serve(listener, app).await;
    });
    let r = reqwest::Client::new()
        .get(format!("http://{addr}/v1/customers"))
        .header("x-api-key", KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(emulator.request_count(), 1);
    server.abort();
}

/// §1: keep `/v1` and no trailing slash: gin redirects a trailing slash (301 for GET, 307 otherwise).
#[tokio::test]
async fn trailing_slash_is_redirected_not_served() {
    let api = Api::start().await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let base = api.served.base_url();
    let r = client
        .get(format!("{base}/customers/?limit=1"))
        .header("x-api-key", KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(r.headers()["location"], "/v1/customers?limit=1");
    let r = client
        .post(format!("{base}/customers/"))
        .header("x-api-key", KEY)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(api.emu().customer_count(), 0);
}
