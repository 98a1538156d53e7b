//! Raw-HTTP tests of the Flexprice emulator's meters, features, entitlements and usage summary (lifecycle
//! notes §2 and §4): one test per quirk.

use reqwest::StatusCode;
use serde_json::{Value, json};
#[path = "support/flexprice_rig.rs"]
mod rig;

use rig::*;

fn ev(id: &str, ts: &str, props: Value) -> Value {
    json!({"event_id": id, "event_name": "tokens", "external_customer_id": "acct_1",
           "timestamp": ts, "properties": props})
}

/// §2.1: meters have no natural key: the same create twice makes two meters.
#[tokio::test]
async fn meter_create_has_no_natural_key() {
    let api = Api::start().await;
    let body = json!({"name": "Tokens", "event_name": "tokens",
                      "aggregation": {"type": "SUM", "field": "n"}, "reset_usage": "BILLING_PERIOD"});
    let a = api.post("/meters", body.clone()).await;
    let b = api.post("/meters", body).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    assert_ne!(a.json()["id"], b.json()["id"]);
    assert_eq!(
        a.json()["aggregation"],
        json!({"type": "SUM", "field": "n"})
    );
    assert_eq!(api.emu().meter_count(), 2);
    let got = api
        .get(&format!("/meters/{}", a.json()["id"].as_str().unwrap()))
        .await;
    assert_eq!(got.json(), a.json());
}

/// §2.2: a metered feature creates its meter; `lookup_key` is unique (409 `already_exists` with
/// `details.lookup_key`, and no second meter), and derived from the name when empty.
#[tokio::test]
async fn feature_lookup_key_is_the_natural_key() {
    let api = Api::start().await;
    let f = api
        .metered_feature("tokens", "tokens", json!({"type": "SUM", "field": "n"}))
        .await;
    assert_eq!(f["type"], "metered");
    assert_eq!(api.emu().meter_count(), 1);
    let r = api
        .post(
            "/features",
            json!({"name": "again", "type": "metered", "lookup_key": "tokens",
                   "meter": {"name": "x", "event_name": "tokens",
                             "aggregation": {"type": "COUNT"}, "reset_usage": "NEVER"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(
        r.json(),
        json!({"code": "already_exists", "message": "A feature with this lookup key already exists",
               "http_status_code": 409, "details": {"lookup_key": "tokens"}})
    );
    assert_eq!(api.emu().meter_count(), 1);
    let r = api
        .post(
            "/features",
            json!({"name": "SSO Login!", "type": "boolean"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.json()["lookup_key"], "sso_login_");
    let r = api
        .post("/features/search", json!({"lookup_key": "tokens"}))
        .await;
    // Reads come back at microsecond precision, the create answered nanoseconds.
    assert_eq!(r.json()["items"][0]["id"], f["id"]);
    assert_eq!(
        r.json()["items"][0]["created_at"],
        "2026-08-22T13:00:04.123456Z"
    );
    assert_eq!(f["created_at"], "2026-08-22T13:00:04.123456789Z");
}

async fn entitled() -> (Api, Value, Value) {
    let api = Api::start().await;
    api.customer("acct_1", json!({})).await;
    let plan = api.plan_with_fee("Pro", "20").await;
    let tokens = api
        .metered_feature("tokens", "tokens", json!({"type": "SUM", "field": "n"}))
        .await;
    let sso = api
        .post("/features", json!({"name": "sso", "type": "boolean"}))
        .await
        .json();
    for body in [
        json!({"plan_id": plan, "feature_id": tokens["id"], "feature_type": "metered",
               "is_enabled": true, "usage_limit": 1000, "usage_reset_period": "MONTHLY"}),
        json!({"plan_id": plan, "feature_id": sso["id"], "feature_type": "boolean", "is_enabled": true}),
    ] {
        let r = api.post("/entitlements", body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    let sub = api.subscribe("acct_1", &plan, json!({})).await;
    (api, sub, tokens)
}

/// §4: a customer's entitlements come from its live subscriptions' plans; `usage_limit` absent = unlimited.
#[tokio::test]
async fn entitlements_come_from_the_plan_and_absent_limit_is_unlimited() {
    let (api, sub, tokens) = entitled().await;
    let r = api.get("/customers/external/acct_1/entitlements").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let body = r.json();
    assert_eq!(body["subscriptions"][0]["id"], sub["id"]);
    let features = body["features"].as_array().unwrap();
    assert_eq!(features.len(), 2);
    assert_eq!(features[0]["feature"]["id"], tokens["id"]);
    assert_eq!(features[0]["entitlement"]["usage_limit"], 1000);
    assert_eq!(features[0]["entitlement"]["is_enabled"], true);
    assert!(features[1]["entitlement"].get("usage_limit").is_none());
    let r = api
        .get(&format!(
            "/customers/external/acct_1/entitlements?feature_ids={}",
            tokens["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(r.json()["features"].as_array().unwrap().len(), 1);
    // Cancelled now: nothing left.
    api.post(
        &format!("/subscriptions/{}/cancel", sub["id"].as_str().unwrap()),
        json!({"cancellation_type": "immediate"}),
    )
    .await;
    let r = api.get("/customers/external/acct_1/entitlements").await;
    assert_eq!(r.json()["features"], json!([]));
}

/// §4 / §1.5: the usage summary sums the meter's field over this period's events, counting a resent
/// (`event_id`, `timestamp`) once; `current_usage` / `usage_percent` are decimal strings; a boolean feature
/// has no limit and `is_unlimited: true`.
#[tokio::test]
async fn usage_summary_from_events() {
    let (api, sub, _) = entitled().await;
    let batch = json!({"events": [
        ev("e1", "2026-08-25T10:00:00Z", json!({"n": "100"})),
        ev("e2", "2026-08-25T11:00:00Z", json!({"n": "50.5"})),
        // Resent: counts once.
        ev("e1", "2026-08-25T10:00:00Z", json!({"n": "100"})),
        // Before the period: not counted.
        ev("e0", "2026-08-01T00:00:00Z", json!({"n": "999"})),
    ]});
    assert_eq!(
        api.post("/events/bulk", batch).await.status,
        StatusCode::ACCEPTED
    );
    let r = api
        .get("/customers/usage?customer_lookup_key=acct_1&feature_lookup_keys=tokens&feature_lookup_keys=sso")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let body = r.json();
    let tokens = &body["features"][0];
    assert_eq!(tokens["current_usage"], "150.5");
    assert_eq!(tokens["total_limit"], 1000);
    assert_eq!(tokens["is_unlimited"], false);
    assert_eq!(tokens["usage_percent"], "15.05");
    assert_eq!(tokens["next_usage_reset_at"], sub["current_period_end"]);
    let sso = &body["features"][1];
    assert_eq!(sso["total_limit"], Value::Null);
    assert_eq!(sso["is_unlimited"], true);
    assert_eq!(sso["is_enabled"], true);
    assert_eq!(body["period"]["start_time"], sub["current_period_start"]);
    let r = api.get("/customers/usage").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

/// §1.5: COUNT counts distinct event ids, so a resent id never adds to a COUNT even with another timestamp.
#[tokio::test]
async fn count_counts_distinct_event_ids() {
    let api = Api::start().await;
    api.customer("acct_1", json!({})).await;
    let plan = api.plan_with_fee("Pro", "20").await;
    let calls = api
        .metered_feature("calls", "tokens", json!({"type": "COUNT"}))
        .await;
    api.post(
        "/entitlements",
        json!({"plan_id": plan, "feature_id": calls["id"], "feature_type": "metered", "is_enabled": true}),
    )
    .await;
    api.subscribe("acct_1", &plan, json!({})).await;
    let batch = json!({"events": [
        ev("c1", "2026-08-25T10:00:00Z", json!({})),
        ev("c1", "2026-08-25T10:00:01Z", json!({})),
        ev("c2", "2026-08-25T10:00:02Z", json!({})),
    ]});
    api.post("/events/bulk", batch).await;
    assert_eq!(api.emu().event_count(), 3);
    let r = api.get("/customers/usage?customer_lookup_key=acct_1").await;
    assert_eq!(r.json()["features"][0]["current_usage"], "2");
    assert_eq!(r.json()["features"][0]["is_unlimited"], true);
}

/// §4: `POST /entitlements/search` filters the plan definitions by plan and feature (both lists), newest
/// first, with the next offset in `pagination.offset`; a search matching nothing is an empty list.
#[tokio::test]
async fn entitlement_search_by_plan_and_feature() {
    let (api, sub, tokens) = entitled().await;
    let plan = sub["plan_id"].clone();
    let r = api
        .post(
            "/entitlements/search",
            json!({"plan_ids": [plan], "feature_ids": [tokens["id"]], "status": "published", "limit": 10}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let body = r.json();
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["plan_id"], plan);
    assert_eq!(items[0]["feature_id"], tokens["id"]);
    assert_eq!(items[0]["feature_type"], "metered");
    assert_eq!(items[0]["usage_limit"], 1000);
    assert_eq!(items[0]["usage_reset_period"], "MONTHLY");
    assert_eq!(
        body["pagination"],
        json!({"total": 1, "limit": 10, "offset": 10})
    );
    let r = api
        .post("/entitlements/search", json!({"plan_ids": [plan]}))
        .await;
    let items = r.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["feature_type"], "boolean", "newest first");
    let r = api
        .post(
            "/entitlements/search",
            json!({"plan_ids": ["plan_nope"], "feature_ids": [tokens["id"]]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["items"], json!([]));
}
