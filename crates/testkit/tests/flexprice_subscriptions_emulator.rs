//! Raw-HTTP tests of the Flexprice emulator's subscriptions (lifecycle notes §3): one test per quirk.

use reqwest::StatusCode;
use serde_json::{Value, json};
#[path = "support/flexprice_rig.rs"]
mod rig;

use rig::*;

async fn setup() -> (Api, String) {
    let api = Api::start().await;
    api.customer("acct_1", json!({})).await;
    let plan = api.plan_with_fee("Pro", "20").await;
    (api, plan)
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

/// §3.1 / §9: no idempotency: a retried create is a second subscription with its own opening invoice.
#[tokio::test]
async fn create_is_201_and_a_retry_is_a_second_subscription() {
    let (api, plan) = setup().await;
    let body = json!({"lookup_key": "tok_1"});
    let a = api.subscribe("acct_1", &plan, body.clone()).await;
    let b = api.subscribe("acct_1", &plan, body).await;
    assert_ne!(a["id"], b["id"]);
    assert!(a["id"].as_str().unwrap().starts_with("subs_"));
    assert_eq!(a["subscription_status"], "active");
    assert_eq!(a["currency"], "usd");
    assert_eq!(a["cancel_at_period_end"], false);
    assert_eq!(a["cancel_at"], Value::Null);
    assert_eq!(api.emu().subscription_count(), 2);
    assert_eq!(api.emu().invoice_count(), 2);
    let r = api.get(&format!("/subscriptions/{}", id(&a))).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json(), a);
}

/// §3.1: neither customer field → 400; an archived customer → 400 "customer is not active".
#[tokio::test]
async fn create_needs_a_live_customer() {
    let (api, plan) = setup().await;
    let r = api
        .post(
            "/subscriptions",
            json!({"plan_id": plan, "currency": "USD", "billing_period": "MONTHLY"}),
        )
        .await;
    assert_coded(
        &r,
        StatusCode::BAD_REQUEST,
        "validation_error",
        "either customer_id or external_customer_id is required",
    );
    let gone = api.customer("acct_gone", json!({})).await;
    api.delete(&format!("/customers/{gone}")).await;
    let r = api
        .post(
            "/subscriptions",
            json!({"customer_id": gone, "plan_id": plan, "currency": "USD", "billing_period": "MONTHLY"}),
        )
        .await;
    assert_coded(
        &r,
        StatusCode::BAD_REQUEST,
        "validation_error",
        "customer is not active",
    );
}

/// §3.1: `subscription_status: "draft"` makes no invoice; activate (with a required `start_date`) starts it.
#[tokio::test]
async fn draft_then_activate() {
    let (api, plan) = setup().await;
    let draft = api
        .subscribe("acct_1", &plan, json!({"subscription_status": "draft"}))
        .await;
    assert_eq!(draft["subscription_status"], "draft");
    assert_eq!(api.emu().invoice_count(), 0);
    let path = format!("/subscriptions/{}/activate", id(&draft));
    let r = api.post(&path, json!({})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.json()["details"]["StartDate"],
        validation_detail("ActivateDraftSubscriptionRequest", "StartDate", "required")
    );
    let r = api
        .post(&path, json!({"start_date": "2026-09-01T00:00:00Z"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let active = r.json();
    assert_eq!(active["id"], draft["id"]);
    assert_eq!(active["subscription_status"], "active");
    assert_eq!(active["current_period_start"], "2026-09-01T00:00:00Z");
    assert_eq!(active["current_period_end"], "2026-10-01T00:00:00Z");
    assert_eq!(api.emu().invoice_count(), 1);
    let r = api
        .post(&path, json!({"start_date": "2026-09-01T00:00:00Z"}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

/// §3.3: the customer list shows only `active` and `trialing`, answers `items: null` when none, and 404s an
/// unknown external id with its own wording.
#[tokio::test]
async fn customer_list_shows_only_active_and_trialing() {
    let (api, plan) = setup().await;
    let path = "/customers/external/acct_1/subscriptions";
    let r = api.get(path).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.json(),
        json!({"items": null, "pagination": {"total": 0, "limit": 0, "offset": 0}})
    );
    let active = api.subscribe("acct_1", &plan, json!({})).await;
    let trialing = api
        .subscribe("acct_1", &plan, json!({"trial_period_days": 14}))
        .await;
    assert_eq!(trialing["subscription_status"], "trialing");
    api.subscribe("acct_1", &plan, json!({"subscription_status": "draft"}))
        .await;
    let cancelled = api.subscribe("acct_1", &plan, json!({})).await;
    let r = api
        .post(
            &format!("/subscriptions/{}/cancel", id(&cancelled)),
            json!({"cancellation_type": "immediate"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let items = api.get(path).await.json()["items"].clone();
    let ids: Vec<&Value> = items.as_array().unwrap().iter().map(|s| &s["id"]).collect();
    assert_eq!(ids, vec![&active["id"], &trialing["id"]]);

    let r = api.get("/customers/external/nobody/subscriptions").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        r.json(),
        json!({"code": "not_found", "message": "Customer with external ID 'nobody' not found",
               "http_status_code": 404, "details": {"external_id": "nobody"}})
    );
}

/// §3.1 / §3.3: the search covers every status and finds a create by its `lookup_key` (through `filters[]`)
/// or `metadata`.
#[tokio::test]
async fn search_finds_every_status_by_lookup_key_or_metadata() {
    let (api, plan) = setup().await;
    let draft = api
        .subscribe(
            "acct_1",
            &plan,
            json!({"subscription_status": "draft", "lookup_key": "tok_a", "metadata": {"order": "o1"}}),
        )
        .await;
    api.subscribe("acct_1", &plan, json!({"lookup_key": "tok_b"}))
        .await;
    let r = api
        .post(
            "/subscriptions/search",
            json!({"external_customer_id": "acct_1", "plan_id": plan,
                   "filters": [{"field": "lookup_key", "operator": "eq", "data_type": "string",
                                "value": {"string": "tok_a"}}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["items"], json!([draft]));
    assert_eq!(r.json()["pagination"]["total"], 1);
    let r = api
        .post(
            "/subscriptions/search",
            json!({"metadata": {"order": "o1"}}),
        )
        .await;
    assert_eq!(r.json()["items"], json!([draft]));
    let r = api
        .post(
            "/subscriptions/search",
            json!({"external_customer_id": "acct_1"}),
        )
        .await;
    assert_eq!(r.json()["pagination"]["total"], 2);
}

/// §3.4: `immediate` cancels now; a second cancel is 400 "subscription is already cancelled".
#[tokio::test]
async fn cancel_immediate_then_again_is_400() {
    let (api, plan) = setup().await;
    let sub = api.subscribe("acct_1", &plan, json!({})).await;
    let path = format!("/subscriptions/{}/cancel", id(&sub));
    let r = api
        .post(
            &path,
            json!({"cancellation_type": "immediate", "reason": "asked"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let body = r.json();
    assert_eq!(body["subscription_id"], sub["id"]);
    assert_eq!(body["cancellation_type"], "immediate");
    assert_eq!(body["status"], "cancelled");
    assert_eq!(body["total_credit_amount"], "0");
    let got = api
        .get(&format!("/subscriptions/{}", id(&sub)))
        .await
        .json();
    assert_eq!(got["subscription_status"], "cancelled");
    assert_eq!(got["cancelled_at"], body["processed_at"]);
    let r = api
        .post(&path, json!({"cancellation_type": "immediate"}))
        .await;
    assert_coded(
        &r,
        StatusCode::BAD_REQUEST,
        "validation_error",
        "subscription is already cancelled",
    );
}

/// §3.4: `end_of_period` keeps the subscription active with `cancel_at` = period end; a second scheduled
/// cancel is 400 "already scheduled to cancel". `cancellation_type` is required.
#[tokio::test]
async fn cancel_end_of_period_keeps_it_active() {
    let (api, plan) = setup().await;
    let sub = api.subscribe("acct_1", &plan, json!({})).await;
    let path = format!("/subscriptions/{}/cancel", id(&sub));
    let r = api.post(&path, json!({})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.json()["details"]["CancellationType"],
        validation_detail("CancelSubscriptionRequest", "CancellationType", "required")
    );
    let r = api
        .post(&path, json!({"cancellation_type": "end_of_period"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["effective_date"], sub["current_period_end"]);
    let got = api
        .get(&format!("/subscriptions/{}", id(&sub)))
        .await
        .json();
    assert_eq!(got["subscription_status"], "active");
    assert_eq!(got["cancel_at"], sub["current_period_end"]);
    assert_eq!(got["cancel_at_period_end"], true);
    for kind in ["end_of_period", "scheduled_date"] {
        let r = api
            .post(
                &path,
                json!({"cancellation_type": kind, "cancel_at": "2026-09-01T00:00:00Z"}),
            )
            .await;
        assert_coded(
            &r,
            StatusCode::BAD_REQUEST,
            "validation_error",
            "subscription is already scheduled to cancel",
        );
    }
}

/// §3.4: `scheduled_date` needs `cancel_at` after the current period start, and sets it without
/// `cancel_at_period_end`.
#[tokio::test]
async fn cancel_scheduled_date() {
    let (api, plan) = setup().await;
    let sub = api.subscribe("acct_1", &plan, json!({})).await;
    let path = format!("/subscriptions/{}/cancel", id(&sub));
    let r = api
        .post(&path, json!({"cancellation_type": "scheduled_date"}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = api
        .post(
            &path,
            json!({"cancellation_type": "scheduled_date", "cancel_at": "2026-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = api
        .post(
            &path,
            json!({"cancellation_type": "scheduled_date", "cancel_at": "2026-09-10T00:00:00Z"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let got = api
        .get(&format!("/subscriptions/{}", id(&sub)))
        .await
        .json();
    assert_eq!(got["subscription_status"], "active");
    assert_eq!(got["cancel_at"], "2026-09-10T00:00:00Z");
    assert_eq!(got["cancel_at_period_end"], false);
}

/// §3.4: a draft cannot be cancelled.
#[tokio::test]
async fn cancel_a_draft_is_400() {
    let (api, plan) = setup().await;
    let sub = api
        .subscribe("acct_1", &plan, json!({"subscription_status": "draft"}))
        .await;
    let r = api
        .post(
            &format!("/subscriptions/{}/cancel", id(&sub)),
            json!({"cancellation_type": "immediate"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["code"], "validation_error");
}

/// §3.5: uncancel = cancel the cancellation schedule: 200 `{"status":"cancelled",…}`, the subscription's
/// fields restored; a second uncancel is 400 with the `{"error"}` body.
#[tokio::test]
async fn uncancel_restores_and_a_second_is_400() {
    let (api, plan) = setup().await;
    let sub = api.subscribe("acct_1", &plan, json!({})).await;
    api.post(
        &format!("/subscriptions/{}/cancel", id(&sub)),
        json!({"cancellation_type": "end_of_period"}),
    )
    .await;
    let body = json!({"subscription_id": sub["id"], "schedule_type": "cancellation"});
    let r = api
        .post("/subscriptions/schedules/cancel", body.clone())
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.json(),
        json!({"status": "cancelled", "message": "Schedule cancelled successfully"})
    );
    let got = api
        .get(&format!("/subscriptions/{}", id(&sub)))
        .await
        .json();
    assert_eq!(got["cancel_at"], Value::Null);
    assert_eq!(got["cancel_at_period_end"], false);
    assert_eq!(got["end_date"], Value::Null);
    assert_eq!(got["current_period_end"], sub["current_period_end"]);
    let r = api.post("/subscriptions/schedules/cancel", body).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.json(),
        json!({"error": format!("no pending cancellation schedule found for subscription {}", id(&sub))})
    );
}

/// §3.5: the by-id form takes no body (a body `{}` binds, then fails: 400); a cancelled schedule cannot be
/// cancelled again.
#[tokio::test]
async fn uncancel_by_schedule_id() {
    let (api, plan) = setup().await;
    let sub = api.subscribe("acct_1", &plan, json!({})).await;
    api.post(
        &format!("/subscriptions/{}/cancel", id(&sub)),
        json!({"cancellation_type": "end_of_period"}),
    )
    .await;
    let schedules = api
        .get(&format!("/subscriptions/{}/schedules", id(&sub)))
        .await
        .json();
    assert_eq!(schedules[0]["schedule_type"], "cancellation");
    assert_eq!(schedules[0]["status"], "pending");
    let path = format!(
        "/subscriptions/schedules/{}/cancel",
        schedules[0]["id"].as_str().unwrap()
    );
    let r = api.post(&path, json!({})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.json()["error"].is_string());
    let r = api
        .raw(reqwest::Method::POST, &path, Some(KEY), None, &[])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = api
        .raw(reqwest::Method::POST, &path, Some(KEY), None, &[])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.json(),
        json!({"error": "schedule cannot be cancelled (status: cancelled)"})
    );
}

/// §3.6: the v2 change keeps the subscription id; the same plan again is 400 "already on the target plan".
#[tokio::test]
async fn plan_change_v2_keeps_the_id() {
    let (api, plan) = setup().await;
    let bigger = api.plan_with_fee("Max", "50").await;
    let sub = api.subscribe("acct_1", &plan, json!({})).await;
    let path = format!("/subscriptions/{}/change/v2/execute", id(&sub));
    let body = json!({"target_plan_id": bigger, "proration_behavior": "none"});
    let preview = api
        .post(
            &format!("/subscriptions/{}/change/v2/preview", id(&sub)),
            body.clone(),
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.text);
    let r = api.post(&path, body.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let answer = r.json();
    assert_eq!(answer["subscription"]["id"], sub["id"]);
    assert_eq!(answer["subscription"]["plan_id"], json!(bigger));
    assert_eq!(answer["change_type"], "upgrade");
    assert_eq!(answer["is_scheduled"], false);
    assert_eq!(answer["from_plan"]["id"], json!(plan));
    assert_eq!(preview.json()["change_type"], "upgrade");
    let got = api
        .get(&format!("/subscriptions/{}", id(&sub)))
        .await
        .json();
    assert_eq!(got["plan_id"], json!(bigger));
    let r = api.post(&path, body).await;
    assert_coded(
        &r,
        StatusCode::BAD_REQUEST,
        "validation_error",
        "subscription is already on the target plan",
    );
}

/// §3.6: a pending cancellation blocks the change; `end_of_period` schedules it (a second one is 400 with
/// `details.schedule_id`); `create_prorations` with `end_of_period` is 400.
#[tokio::test]
async fn plan_change_v2_preconditions_and_scheduling() {
    let (api, plan) = setup().await;
    let other = api.plan_with_fee("Lite", "5").await;
    let sub = api.subscribe("acct_1", &plan, json!({})).await;
    let path = format!("/subscriptions/{}/change/v2/execute", id(&sub));
    let r = api
        .post(
            &path,
            json!({"target_plan_id": other, "proration_behavior": "create_prorations", "change_at": "end_of_period"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let body = json!({"target_plan_id": other, "proration_behavior": "none", "change_at": "end_of_period"});
    let r = api.post(&path, body.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let answer = r.json();
    assert_eq!(answer["is_scheduled"], true);
    assert_eq!(answer["change_type"], "downgrade");
    assert_eq!(answer["scheduled_at"], sub["current_period_end"]);
    assert_eq!(answer["subscription"]["plan_id"], json!(plan));
    let r = api.post(&path, body).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.json()["message"],
        "a plan change is already scheduled for this subscription"
    );
    assert_eq!(r.json()["details"]["schedule_id"], answer["schedule_id"]);

    // A pending cancellation: cancels the scheduled change first, then blocks any change.
    api.post(
        &format!("/subscriptions/{}/cancel", id(&sub)),
        json!({"cancellation_type": "end_of_period"}),
    )
    .await;
    let schedules = api
        .get(&format!("/subscriptions/{}/schedules", id(&sub)))
        .await
        .json();
    assert_eq!(schedules[0]["status"], "cancelled");
    assert_eq!(schedules[1]["status"], "pending");
    let r = api
        .post(
            &path,
            json!({"target_plan_id": other, "proration_behavior": "none"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .contains("Clear the pending cancellation before changing plan")
    );
}
