//! Raw-HTTP tests of the Flexprice emulator's connections: the notes' §8 items on connections (`s8_01`–`s8_04`),
//! the create fixtures, and the rejected sync directions.

use reqwest::StatusCode;
use serde_json::{Value, json};
#[path = "support/flexprice_rig.rs"]
mod rig;

use rig::*;

/// §8 #1: the nested `{"stripe":{…}}` form is accepted with 201 but stores empty secrets; the flat form stores
/// them; the flat form missing a required key is rejected; for chargebee the nested form is a 400.
#[tokio::test]
async fn s8_01_nested_secret_data_stores_empty_secrets_flat_form_stores_them() {
    let api = Api::start().await;
    let nested = api
        .post(
            "/connections",
            json!({
                "name": "Stripe nested",
                "provider_type": "stripe",
                "encrypted_secret_data": {"stripe": {"publishable_key": "pk", "secret_key": "sk", "webhook_secret": "wh"}}
            }),
        )
        .await;
    assert_eq!(nested.status, StatusCode::CREATED, "{}", nested.text);
    let nested_id = nested.json()["id"].as_str().unwrap().to_owned();
    let secrets = api.emu().connection_secrets(&nested_id).unwrap();
    assert!(secrets.values().all(String::is_empty), "{secrets:?}");
    assert_eq!(secrets.get("secret_key").map(String::as_str), Some(""));

    // Flat form (after deleting, since stripe is limited to one).
    assert_eq!(
        api.delete(&format!("/connections/{nested_id}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let flat = api.post("/connections", stripe_request()).await;
    assert_eq!(flat.status, StatusCode::CREATED, "{}", flat.text);
    let flat_id = flat.json()["id"].as_str().unwrap().to_owned();
    let secrets = api.emu().connection_secrets(&flat_id).unwrap();
    assert_eq!(secrets["secret_key"], "sk_live_51Hxxxxxxxxxxxxxxxx");
    assert_eq!(secrets["account_id"], "acct_1Hxxxxxxxxxxxxxx");

    // Flat, missing a required key.
    let mut hub = fixture("create-connection-request.hubspot.json");
    hub["encrypted_secret_data"]
        .as_object_mut()
        .unwrap()
        .remove("client_secret");
    let r = api.post("/connections", hub).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(r.json()["code"], "validation_error");

    // Chargebee: the nested form is rejected.
    let r = api
        .post(
            "/connections",
            json!({"name": "CB", "provider_type": "chargebee",
                   "encrypted_secret_data": {"chargebee": {"site": "acme", "api_key": "k",
                       "webhook_username": "u", "webhook_password": "p"}}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(api.emu().published_connection_count(), 1);
}

/// §8 #2: PUT replaces `sync_config` whole and silently ignores Stripe secret rotation; Chargebee webhook
/// credentials (both together) are honoured.
#[tokio::test]
async fn s8_02_connection_put_replaces_sync_config_and_ignores_secret_rotation() {
    let api = Api::start().await;
    let id = api.post("/connections", stripe_request()).await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut update = fixture("update-connection-request.json");
    update["encrypted_secret_data"] = json!({"secret_key": "sk_live_ROTATED"});
    let r = api.put(&format!("/connections/{id}"), update).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let body = r.json();
    assert_eq!(body["name"], "Stripe (prod, renamed)");
    assert_eq!(
        body["sync_config"],
        json!({"customer": {"inbound": true, "outbound": false},
               "invoice": {"inbound": false, "outbound": true}}),
        "plan/subscription left out of the PUT must disappear"
    );
    assert_eq!(body["metadata"], json!({"invoice_sync_enable": true}));
    assert!(body.get("encrypted_secret_data").is_none());
    assert_eq!(
        api.emu().connection_secrets(&id).unwrap()["secret_key"],
        "sk_live_51Hxxxxxxxxxxxxxxxx"
    );
    // An empty name means unchanged.
    let r = api
        .put(&format!("/connections/{id}"), json!({"name": ""}))
        .await;
    assert_eq!(r.json()["name"], "Stripe (prod, renamed)");
    // Rejected directions are checked on PUT as well.
    let r = api
        .put(
            &format!("/connections/{id}"),
            json!({"sync_config": {"plan": {"inbound": false, "outbound": true}}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    let cb = api
        .post(
            "/connections",
            json!({"name": "CB", "provider_type": "chargebee",
                   "encrypted_secret_data": {"site": "acme-test", "api_key": "k",
                       "webhook_username": "u1", "webhook_password": "p1"}}),
        )
        .await;
    assert_eq!(cb.status, StatusCode::CREATED, "{}", cb.text);
    let cb_id = cb.json()["id"].as_str().unwrap().to_owned();
    api.put(
        &format!("/connections/{cb_id}"),
        json!({"encrypted_secret_data": {"webhook_username": "u2"}}),
    )
    .await;
    assert_eq!(
        api.emu().connection_secrets(&cb_id).unwrap()["webhook_username"],
        "u1"
    );
    api.put(
        &format!("/connections/{cb_id}"),
        json!({"encrypted_secret_data": {"webhook_username": "u2", "webhook_password": "p2", "api_key": "k2"}}),
    )
    .await;
    let secrets = api.emu().connection_secrets(&cb_id).unwrap();
    assert_eq!(secrets["webhook_username"], "u2");
    assert_eq!(secrets["webhook_password"], "p2");
    assert_eq!(secrets["api_key"], "k", "api_key is not rotatable");
}

/// §8 #3: the connections envelope is flat, its `offset` is the request offset, and `connections` is `null`
/// when empty.
#[tokio::test]
async fn s8_03_connections_list_envelope_and_null_when_empty() {
    let api = Api::start().await;
    let r = api.get("/connections").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.json(),
        json!({"connections": null, "total": 0, "limit": 50, "offset": 0})
    );
    let created = api.post("/connections", stripe_request()).await.json();
    let r = api.get("/connections").await.json();
    assert_eq!(r["total"], 1);
    assert_eq!(r["offset"], 0);
    assert_eq!(r["connections"], json!([created]));
    let expected = fixture("list-connections-response.json");
    assert_eq!(
        without_generated(r["connections"][0].clone()),
        without_generated(expected["connections"][0].clone())
    );
    // Past the end: null again, offset echoed.
    let r = api.get("/connections?offset=5&limit=2").await.json();
    assert_eq!(
        r,
        json!({"connections": null, "total": 1, "limit": 2, "offset": 5})
    );
    let r = api
        .post("/connections/search", json!({"provider_type": "stripe"}))
        .await
        .json();
    assert_eq!(r["total"], 1);
    let r = api
        .post("/connections/search", json!({"provider_type": "hubspot"}))
        .await
        .json();
    assert_eq!(r["connections"], Value::Null);
}

/// §8 #4: one published connection per provider type (409 with `existing_connection_id`), `s3` exempt; DELETE
/// archives, GET then 404s and a new one may be created.
#[tokio::test]
async fn s8_04_one_published_connection_per_provider_except_s3() {
    let api = Api::start().await;
    let first = api.post("/connections", stripe_request()).await.json();
    let first_id = first["id"].as_str().unwrap().to_owned();
    let r = api.post("/connections", stripe_request()).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let mut expected = fixture("error-409-connection-exists.json");
    expected["details"]["existing_connection_id"] = Value::String(first_id.clone());
    assert_eq!(r.json(), expected);

    for _ in 0..2 {
        let r = api
            .post("/connections", fixture("create-connection-request.s3.json"))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }

    assert_eq!(
        api.delete(&format!("/connections/{first_id}")).await.status,
        StatusCode::NO_CONTENT
    );
    let r = api.get(&format!("/connections/{first_id}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["code"], "not_found");
    assert_eq!(
        api.delete(&format!("/connections/{first_id}")).await.status,
        StatusCode::NOT_FOUND
    );
    let again = api.post("/connections", stripe_request()).await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_ne!(again.json()["id"], Value::String(first_id));
    assert_eq!(api.emu().connection_count(), 4);
    assert_eq!(api.emu().published_connection_count(), 3);
}

#[tokio::test]
async fn connection_create_fixtures_and_secrets_never_returned() {
    let api = Api::start().await;
    let r = api.post("/connections", stripe_request()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let created = r.json();
    assert_eq!(
        without_generated(created.clone()),
        without_generated(fixture("create-connection-response.stripe.json"))
    );
    assert!(!r.text.contains("sk_live"), "secrets leak: {}", r.text);
    let id = created["id"].as_str().unwrap();
    let got = api.get(&format!("/connections/{id}")).await;
    assert_eq!(got.json(), created);
    assert!(!got.text.contains("secret"));

    for name in [
        "create-connection-request.hubspot.json",
        "create-connection-request.s3.json",
    ] {
        let req = fixture(name);
        let r = api.post("/connections", req.clone()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{name}: {}", r.text);
        let body = r.json();
        assert_eq!(body["sync_config"], req["sync_config"], "{name}");
        assert!(body.get("metadata").is_none(), "metadata omitted when null");
        assert!(!r.text.contains("AKIA") && !r.text.contains("pat-na1"));
    }

    // No sync_config stored: every entity false (the defaults fixture).
    let r = api
        .post(
            "/connections",
            json!({"name": "Razorpay", "provider_type": "razorpay",
                   "encrypted_secret_data": {"key_id": "rzp", "secret_key": "s"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(
        without_generated(r.json()),
        without_generated(fixture("get-connection-response.defaults.json"))
    );

    let r = api
        .post(
            "/connections",
            json!({"name": "X", "provider_type": "paypal"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["message"], "Invalid secret provider");
    let r = api
        .get("/connections/conn_01K3F8A2B3C4D5E6F7G8H9J0ZZ")
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["code"], "not_found");
}

#[tokio::test]
async fn connection_rejected_sync_directions_and_provider_checks() {
    let api = Api::start().await;
    for (entity, direction) in [
        ("plan", "outbound"),
        ("subscription", "outbound"),
        ("invoice", "inbound"),
        ("deal", "inbound"),
        ("quote", "inbound"),
        ("price", "inbound"),
    ] {
        let mut req = stripe_request();
        req["sync_config"] = json!({ entity: { direction: true } });
        let r = api.post("/connections", req).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{entity}.{direction}");
        assert_eq!(r.json()["code"], "validation_error");
    }
    // The allowed directions pass, and missing bools are serialised as false.
    let mut req = stripe_request();
    req["sync_config"] = json!({"plan": {"inbound": true}, "invoice": {"outbound": true},
                                "payment": {"inbound": true, "outbound": true}});
    let r = api.post("/connections", req).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(
        r.json()["sync_config"],
        json!({"plan": {"inbound": true, "outbound": false},
               "invoice": {"inbound": false, "outbound": true},
               "payment": {"inbound": true, "outbound": true}})
    );

    let checks = [
        json!({"provider_type": "chargebee", "encrypted_secret_data": {"site": "acme.chargebee.com",
            "api_key": "k", "webhook_username": "u", "webhook_password": "p"}}),
        json!({"provider_type": "quickbooks", "encrypted_secret_data": {"client_id": "c",
            "client_secret": "s", "realm_id": "r", "environment": "staging"}}),
        json!({"provider_type": "aws_marketplace", "encrypted_secret_data": {"role_arn": "arn", "external_id": "e"}}),
        json!({"provider_type": "gcp_marketplace", "encrypted_secret_data": {"credentials_json": "{}"}}),
        json!({"provider_type": "s3", "encrypted_secret_data": {"aws_access_key_id": "a",
            "aws_secret_access_key": "b"}, "sync_config": {"s3": {"bucket": "b"}}}),
        json!({"provider_type": "s3", "encrypted_secret_data": {"aws_access_key_id": "a",
            "aws_secret_access_key": "b"}, "sync_config": {"s3": {"bucket": "b", "region": "r", "compression": "zip"}}}),
    ];
    for mut body in checks {
        body["name"] = json!("checked");
        let r = api.post("/connections", body.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.text);
    }
    let r = api
        .post(
            "/connections",
            json!({"name": "AWS", "provider_type": "aws_marketplace",
                   "encrypted_secret_data": {"role_arn": "arn", "external_id": "e"},
                   "sync_config": {"aws_marketplace": {"region": "us-east-1"}}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = api
        .post(
            "/connections",
            json!({"name": "managed", "provider_type": "s3",
                   "encrypted_secret_data": {"aws_access_key_id": "a", "aws_secret_access_key": "b"},
                   "sync_config": {"s3": {"is_flexprice_managed": true}}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
}
