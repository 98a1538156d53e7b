//! Raw-HTTP tests of the Flexprice emulator's usage events (lifecycle notes §1): one test per quirk.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use unibill_testkit::emulators::flexprice::BulkMode;
#[path = "support/flexprice_rig.rs"]
mod rig;

use rig::*;

fn event(id: &str, ts: &str) -> Value {
    json!({"event_id": id, "event_name": "api_call", "external_customer_id": "acct_1", "timestamp": ts,
           "properties": {"n": "1"}})
}

/// §1.1: a single event is 202 with its id echoed.
#[tokio::test]
async fn single_event_is_202_with_its_id() {
    let api = Api::start().await;
    let r = api
        .post("/events", event("evt_1", "2026-08-25T10:00:00.123Z"))
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    assert_eq!(
        r.json(),
        json!({"message": "Event accepted for processing", "event_id": "evt_1"})
    );
    assert_eq!(api.emu().event_count(), 1);
}

/// §1.1: the bulk answer carries no ids.
#[tokio::test]
async fn bulk_is_202_without_ids() {
    let api = Api::start().await;
    let r = api
        .post(
            "/events/bulk",
            json!({"events": [event("a", "2026-08-25T10:00:00Z"), event("b", "2026-08-25T10:00:01Z")]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    assert_eq!(
        r.json(),
        json!({"message": "Events accepted for processing"})
    );
    assert_eq!(api.emu().event_count(), 2);
}

/// §1.2: a bulk request takes 1 to 1000 events; 0 or 1001 is a bind failure, "Invalid request payload".
#[tokio::test]
async fn bulk_takes_one_to_a_thousand_events() {
    let api = Api::start().await;
    let r = api.post("/events/bulk", json!({"events": []})).await;
    assert_coded(
        &r,
        StatusCode::BAD_REQUEST,
        "validation_error",
        "Invalid request payload",
    );
    let many: Vec<Value> = (0..1001)
        .map(|i| event(&format!("e{i}"), "2026-08-25T10:00:00Z"))
        .collect();
    let r = api
        .post("/events/bulk", json!({"events": many[..1001]}))
        .await;
    assert_coded(
        &r,
        StatusCode::BAD_REQUEST,
        "validation_error",
        "Invalid request payload",
    );
    assert_eq!(api.emu().event_count(), 0);
    let r = api
        .post("/events/bulk", json!({"events": many[..1000]}))
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    assert_eq!(api.emu().event_count(), 1000);
}

/// §1.1: bodies over the cap (32 MiB by default) answer 400 `validation_error`, on both ingestion routes.
#[tokio::test]
async fn body_over_the_cap_is_400() {
    let api = Api::start().await;
    let message = "Request body exceeds the maximum size; split the batch into smaller requests";
    // The default cap, with a real body one byte over it.
    let pad = "x".repeat((32 << 20) - 100);
    let mut big = event("big", "2026-08-25T10:00:00Z");
    big["source"] = json!(pad);
    let mut text = big.to_string();
    while text.len() <= 32 << 20 {
        text.push(' ');
    }
    let r = api
        .raw(Method::POST, "/events", Some(KEY), Some(&text), &[])
        .await;
    assert_coded(&r, StatusCode::BAD_REQUEST, "validation_error", message);
    // A lowered cap.
    api.emu().set_event_body_limit(64);
    let r = api
        .post(
            "/events/bulk",
            json!({"events": [event("a", "2026-08-25T10:00:00Z")]}),
        )
        .await;
    assert_coded(&r, StatusCode::BAD_REQUEST, "validation_error", message);
    assert_eq!(api.emu().event_count(), 0);
}

/// §1.5: copies collapse only when `event_id` AND `timestamp` both match (to the millisecond); each copy is
/// answered 202.
#[tokio::test]
async fn dedupe_only_when_id_and_timestamp_match() {
    let api = Api::start().await;
    for body in [
        event("evt_1", "2026-08-25T10:00:00.123Z"),
        // Same instant, another spelling, sub-millisecond digits dropped by storage.
        event("evt_1", "2026-08-25T12:00:00.1234+02:00"),
    ] {
        let r = api.post("/events", body).await;
        assert_eq!(r.status, StatusCode::ACCEPTED);
    }
    assert_eq!(api.emu().event_count(), 1);
    // Same id, another timestamp: another event.
    api.post("/events", event("evt_1", "2026-08-25T10:00:00.124Z"))
        .await;
    // Same timestamp, another id: another event.
    api.post("/events", event("evt_2", "2026-08-25T10:00:00.123Z"))
        .await;
    assert_eq!(api.emu().event_count(), 3);
}

/// §1.2: without a timestamp the server's receive time (milliseconds) is stored, so a resend counts twice.
#[tokio::test]
async fn missing_timestamp_is_server_time_and_a_resend_counts_twice() {
    let api = Api::start().await;
    let body =
        json!({"event_id": "evt_t", "event_name": "api_call", "external_customer_id": "acct_1"});
    for _ in 0..2 {
        let r = api.post("/events", body.clone()).await;
        assert_eq!(r.status, StatusCode::ACCEPTED);
    }
    assert_eq!(api.emu().event_count(), 2);
    let r = api.get("/events/lookup?id=evt_t").await;
    assert_eq!(r.status, StatusCode::OK);
    // The emulated clock: 2026-08-22T13:00:0N.123456789Z, kept to the millisecond.
    assert_eq!(r.json()["event"]["timestamp"], "2026-08-22T13:00:02.123Z");
}

/// §1.2: without `event_id` the server generates `event_<uuid>`.
#[tokio::test]
async fn missing_event_id_is_generated() {
    let api = Api::start().await;
    let r = api
        .post(
            "/events",
            json!({"event_name": "api_call", "external_customer_id": "acct_1"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    let id = r.json()["event_id"].as_str().unwrap().to_owned();
    assert!(
        id.starts_with("event_") && id.len() == "event_".len() + 36,
        "{id}"
    );
}

/// §1.2: `event_name` and `external_customer_id` are required; `""` and epoch numbers are not timestamps.
#[tokio::test]
async fn required_fields_and_bad_timestamps_are_400() {
    let api = Api::start().await;
    for body in [
        json!({"event_name": "api_call"}),
        json!({"external_customer_id": "acct_1"}),
        json!({"event_name": "api_call", "external_customer_id": "acct_1", "timestamp": ""}),
        json!({"event_name": "api_call", "external_customer_id": "acct_1", "timestamp": 1787403600}),
    ] {
        let r = api.post("/events", body.clone()).await;
        assert_coded(
            &r,
            StatusCode::BAD_REQUEST,
            "validation_error",
            "Invalid request payload",
        );
    }
    let r = api
        .raw(Method::POST, "/events", Some(KEY), Some("{not json"), &[])
        .await;
    assert_coded(
        &r,
        StatusCode::BAD_REQUEST,
        "validation_error",
        "Invalid request payload",
    );
    assert_eq!(api.emu().event_count(), 0);
}

/// §1.4, per-event mode (the default): a bad event at index k answers 400 after events 0..k−1 were accepted.
#[tokio::test]
async fn per_event_bulk_keeps_the_events_before_a_bad_one() {
    let api = Api::start().await;
    let bad = json!({"event_id": "bad", "external_customer_id": "acct_1"});
    let body = json!({"events": [event("a", "2026-08-25T10:00:00Z"), bad, event("c", "2026-08-25T10:00:02Z")]});
    let r = api.post("/events/bulk", body).await;
    assert_coded(
        &r,
        StatusCode::BAD_REQUEST,
        "validation_error",
        "event_name is required",
    );
    assert_eq!(api.emu().event_count(), 1);
    assert_eq!(api.get("/events/lookup?id=a").await.status, StatusCode::OK);
    assert_eq!(
        api.get("/events/lookup?id=c").await.status,
        StatusCode::NOT_FOUND
    );
}

/// §1.4, batched mode: one bad event answers 400 and nothing is stored.
#[tokio::test]
async fn batched_bulk_stores_nothing_when_one_event_is_bad() {
    let api = Api::start().await;
    api.emu().set_bulk_mode(BulkMode::Batched);
    let bad = json!({"event_id": "bad", "event_name": "api_call"});
    let body = json!({"events": [event("a", "2026-08-25T10:00:00Z"), bad]});
    let r = api.post("/events/bulk", body).await;
    assert_coded(
        &r,
        StatusCode::BAD_REQUEST,
        "validation_error",
        "external_customer_id is required",
    );
    assert_eq!(api.emu().event_count(), 0);
}

/// §1.3: an unknown customer (or no meter) is still 202; the lookup reports the event `failed`. A known
/// customer with a meter taking the event is `processed`; the legacy `GET /events/{id}` answers the same.
#[tokio::test]
async fn lookup_reports_processed_or_failed() {
    let api = Api::start().await;
    let r = api
        .post("/events", event("evt_x", "2026-08-25T10:00:00Z"))
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    let r = api.get("/events/lookup?id=evt_x").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["status"], "failed");
    assert_eq!(r.json()["event"]["external_customer_id"], "acct_1");

    api.customer("acct_1", json!({})).await;
    api.metered_feature("calls", "api_call", json!({"type": "COUNT"}))
        .await;
    let r = api.get("/events/lookup?id=evt_x").await;
    assert_eq!(r.json()["status"], "processed");
    assert_eq!(r.json()["processed_events"], json!([]));
    assert_eq!(api.get("/events/evt_x").await.json(), r.json());

    let r = api.get("/events/lookup?id=nope").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["code"], "not_found");
}
