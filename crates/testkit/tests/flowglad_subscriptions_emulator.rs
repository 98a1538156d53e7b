//! Raw-HTTP tests of the Flowglad emulator's subscriptions (lifecycle notes §4): one test per quirk.

use reqwest::Method;
use serde_json::{Value, json};
use unibill_testkit::emulators::flowglad::{FlowgladEmulator, seed};
#[path = "support/flowglad_rig.rs"]
mod rig;

use rig::*;

const DAY_MS: i64 = 86_400_000;

async fn customer(api: &Api, external_id: &str) {
    let c = api
        .post(
            "/api/v1/customers",
            &json!({"customer": {"externalId": external_id, "email": "a@example.com", "name": "A"}}),
        )
        .await;
    assert_eq!(c.status, 200, "{}", c.text);
}

async fn plan(api: &Api, product: &str, unit_price: i64) -> String {
    let p = api
        .create_price(subscription(product, json!(unit_price)))
        .await;
    p["id"].as_str().expect("id").to_owned()
}

async fn create(api: &Api, external_id: &str, price: &str) -> Answer {
    api.post(
        "/api/v1/subscriptions",
        &json!({"customerExternalId": external_id, "priceId": price}),
    )
    .await
}

/// A customer `u1` subscribed to a 1000-cent monthly plan; returns the subscription.
async fn subscribed(api: &Api) -> Value {
    customer(api, "u1").await;
    let price = plan(api, seed::PRO_PRODUCT_ID, 1000).await;
    let s = create(api, "u1", &price).await;
    assert_eq!(s.status, 200, "{}", s.text);
    s.json()["subscription"].clone()
}

async fn cancel(api: &Api, id: &str, timing: &str) -> Answer {
    api.post(
        &format!("/api/v1/subscriptions/{id}/cancel"),
        &json!({"cancellation": {"timing": timing}}),
    )
    .await
}

/// §4.1: the create body is flat (a wrapped one finds neither customer nor price); the answer is wrapped.
#[tokio::test]
async fn create_body_is_flat_and_answer_is_wrapped() {
    let api = start().await;
    customer(&api, "u1").await;
    let price = plan(&api, seed::PRO_PRODUCT_ID, 1000).await;
    let wrapped = api
        .post(
            "/api/v1/subscriptions",
            &json!({"subscription": {"customerExternalId": "u1", "priceId": price}}),
        )
        .await;
    let (issue, path) = single_issue(&wrapped);
    assert_eq!((issue["code"].clone(), path.len()), (json!("custom"), 0));
    let a = create(&api, "u1", &price).await;
    assert_eq!(a.status, 200, "creates are 200: {}", a.text);
    let s = a.json()["subscription"].clone();
    assert!(s["id"].as_str().expect("id").starts_with("sub_"));
    assert_eq!(
        (
            s["status"].clone(),
            s["priceId"].clone(),
            s["interval"].clone(),
            s["current"].clone()
        ),
        (json!("active"), json!(price), json!("month"), json!(true))
    );
    assert!(s["currentBillingPeriodEnd"].as_i64() > s["currentBillingPeriodStart"].as_i64());
    assert_eq!(api.emu.subscription_count(), 1);
}

/// §4.1: `startDate` must not be sent (a JSON string fails `z.date()`).
#[tokio::test]
async fn start_date_is_rejected() {
    let api = start().await;
    customer(&api, "u1").await;
    let price = plan(&api, seed::PRO_PRODUCT_ID, 1000).await;
    let a = api
        .post(
            "/api/v1/subscriptions",
            &json!({"customerExternalId": "u1", "priceId": price, "startDate": "2026-01-01T00:00:00Z"}),
        )
        .await;
    let (_, path) = single_issue(&a);
    assert_eq!(path, ["startDate"]);
    assert_eq!(api.emu.subscription_count(), 0);
}

/// §4.1: one current subscription per customer by default (409, also for a retried success); allowed
/// otherwise.
#[tokio::test]
async fn second_subscription_is_409_unless_multiple_are_allowed() {
    let api = start().await;
    let first = subscribed(&api).await;
    let again = create(&api, "u1", first["priceId"].as_str().expect("price")).await;
    assert_eq!(again.status, 409);
    let body = again.error_body();
    assert_eq!(body["code"], "CONFLICT");
    assert!(
        body["error"]
            .as_str()
            .expect("msg")
            .contains("already has an active subscription")
    );
    assert_eq!(api.emu.subscription_count(), 1);

    let multi = start_with(
        FlowgladEmulator::builder(KEY)
            .allow_multiple_subscriptions_per_customer(true)
            .build(),
    )
    .await;
    let s = subscribed(&multi).await;
    let price = s["priceId"].as_str().expect("price");
    assert_eq!(create(&multi, "u1", price).await.status, 200);
    assert_eq!(multi.emu.subscription_count(), 2);
}

/// §4.1: a paid create over a customer's free plan cancels the free one (`upgraded_to_paid`); a second free
/// one is 409 "free".
#[tokio::test]
async fn paid_create_replaces_the_free_plan() {
    let api = start().await;
    customer(&api, "u1").await;
    let free = plan(&api, seed::FREE_PRODUCT_ID, 0).await;
    let f = create(&api, "u1", &free).await.json()["subscription"].clone();
    assert_eq!(f["isFreePlan"], true);
    let again = create(&api, "u1", &free).await;
    assert_eq!(again.status, 409);
    assert!(
        again.error_body()["error"]
            .as_str()
            .expect("m")
            .contains("active free subscription")
    );
    let paid = plan(&api, seed::PRO_PRODUCT_ID, 1000).await;
    assert_eq!(create(&api, "u1", &paid).await.status, 200);
    let old = api
        .get(&format!(
            "/api/v1/subscriptions/{}",
            f["id"].as_str().expect("id")
        ))
        .await
        .json()["subscription"]
        .clone();
    assert_eq!(
        (old["status"].clone(), old["cancellationReason"].clone()),
        (json!("canceled"), json!("upgraded_to_paid"))
    );
}

/// §4.3: the cancel body is `{"cancellation": {"timing"}}`; end of period schedules, the clock carries it out.
#[tokio::test]
async fn cancel_at_period_end_schedules_and_the_clock_cancels() {
    let api = start().await;
    let s = subscribed(&api).await;
    let id = s["id"].as_str().expect("id");
    let flat = api
        .post(
            &format!("/api/v1/subscriptions/{id}/cancel"),
            &json!({"timing": "immediately"}),
        )
        .await;
    let (_, path) = single_issue(&flat);
    assert_eq!(path, ["cancellation"]);
    let a = cancel(&api, id, "at_end_of_current_billing_period").await;
    assert_eq!(a.status, 200, "{}", a.text);
    let c = a.json()["subscription"].clone();
    assert_eq!(c["status"], "cancellation_scheduled");
    assert_eq!(c["cancelScheduledAt"], s["currentBillingPeriodEnd"]);
    api.emu.advance_clock(40 * DAY_MS);
    let later =
        api.get(&format!("/api/v1/subscriptions/{id}")).await.json()["subscription"].clone();
    assert_eq!(later["status"], "canceled");
    assert_eq!(later["canceledAt"], s["currentBillingPeriodEnd"]);
}

/// §4.3: cancel is idempotent: a canceled subscription answers 200 unchanged.
#[tokio::test]
async fn cancel_twice_is_200_unchanged() {
    let api = start().await;
    let s = subscribed(&api).await;
    let id = s["id"].as_str().expect("id");
    let first = cancel(&api, id, "immediately").await.json();
    assert_eq!(first["subscription"]["status"], "canceled");
    let second = cancel(&api, id, "immediately").await;
    assert_eq!(second.status, 200);
    assert_eq!(second.json(), first);
    let empty = api
        .send(
            Method::POST,
            &format!("/api/v1/subscriptions/{id}/cancel"),
            Some(KEY),
            None,
        )
        .await;
    assert_eq!(empty.error_body()["error"], "Invalid JSON in request body");
}

/// §4.3: the default free plan cannot be canceled (400).
#[tokio::test]
async fn default_free_plan_cannot_be_canceled() {
    let api = start().await;
    customer(&api, "u1").await;
    let free = plan(&api, seed::FREE_PRODUCT_ID, 0).await;
    let f = create(&api, "u1", &free).await.json()["subscription"].clone();
    let a = cancel(&api, f["id"].as_str().expect("id"), "immediately").await;
    assert_eq!(a.status, 400);
    assert_eq!(
        a.error_body()["error"],
        "Cannot cancel the default free plan"
    );
}

/// §4.4: uncancel takes an empty body, restores a scheduled cancel, and is 200 unchanged otherwise.
#[tokio::test]
async fn uncancel_is_lenient() {
    let api = start().await;
    let s = subscribed(&api).await;
    let id = s["id"].as_str().expect("id");
    let path = format!("/api/v1/subscriptions/{id}/uncancel");
    let unchanged = api.send(Method::POST, &path, Some(KEY), None).await;
    assert_eq!(unchanged.status, 200, "{}", unchanged.text);
    assert_eq!(
        unchanged.json()["subscription"],
        s,
        "not scheduled: unchanged"
    );
    cancel(&api, id, "at_end_of_current_billing_period").await;
    let back = api.send(Method::POST, &path, Some(KEY), None).await.json()["subscription"].clone();
    assert_eq!(
        (back["status"].clone(), back["cancelScheduledAt"].clone()),
        (json!("active"), Value::Null)
    );
    cancel(&api, id, "immediately").await;
    let still = api.post(&path, &json!({})).await;
    assert_eq!(still.status, 200);
    assert_eq!(
        still.json()["subscription"]["status"],
        "canceled",
        "read status, not the code"
    );
}

/// §4.5: adjust takes `{"adjustment": …}` and answers `{subscription, subscriptionItems, resolvedTiming,
/// isUpgrade}`; `auto` downgrades at period end, which blocks cancel until the adjustment is canceled.
#[tokio::test]
async fn adjust_immediately_and_auto_downgrade_at_period_end() {
    let api = start().await;
    let s = subscribed(&api).await;
    let id = s["id"].as_str().expect("id");
    let bigger = plan(&api, seed::ADDON_PRODUCT_ID, 3000).await;
    let up = api
        .post(
            &format!("/api/v1/subscriptions/{id}/adjust"),
            &json!({"adjustment": {"timing": "auto", "newSubscriptionItems": [{"priceId": bigger, "quantity": 2}]}}),
        )
        .await;
    assert_eq!(up.status, 200, "{}", up.text);
    let up = up.json();
    assert_eq!(
        (up["resolvedTiming"].clone(), up["isUpgrade"].clone()),
        (json!("immediately"), json!(true))
    );
    assert_eq!(up["subscription"]["id"], id, "the id stays");
    assert_eq!(up["subscription"]["priceId"], bigger);
    assert_eq!(up["subscriptionItems"][0]["quantity"], 2);
    let down = api
        .post(
            &format!("/api/v1/subscriptions/{id}/adjust"),
            &json!({"adjustment": {"timing": "auto", "newSubscriptionItems": [{"priceId": s["priceId"]}]}}),
        )
        .await
        .json();
    assert_eq!(
        (down["resolvedTiming"].clone(), down["isUpgrade"].clone()),
        (json!("at_end_of_current_billing_period"), json!(false))
    );
    assert_eq!(
        down["subscription"]["scheduledAdjustmentAt"],
        s["currentBillingPeriodEnd"]
    );
    let blocked = cancel(&api, id, "immediately").await;
    assert_eq!(blocked.status, 400);
    let cleared = api
        .post(
            &format!("/api/v1/subscriptions/{id}/cancel-scheduled-adjustment"),
            &json!({}),
        )
        .await;
    assert_eq!(
        cleared.json()["subscription"]["scheduledAdjustmentAt"],
        Value::Null
    );
    assert_eq!(cancel(&api, id, "immediately").await.status, 200);
}

/// §4.5: a scheduled adjustment installs its items when the clock passes the period end.
#[tokio::test]
async fn scheduled_adjustment_applies_at_period_end() {
    let api = start().await;
    let s = subscribed(&api).await;
    let id = s["id"].as_str().expect("id");
    let other = plan(&api, seed::ADDON_PRODUCT_ID, 500).await;
    api.post(
        &format!("/api/v1/subscriptions/{id}/adjust"),
        &json!({"adjustment": {"timing": "at_end_of_current_billing_period", "newSubscriptionItems": [{"priceId": other}]}}),
    )
    .await;
    assert_eq!(api.emu.subscriptions()[0]["priceId"], s["priceId"]);
    api.emu.advance_clock(32 * DAY_MS);
    let now = api.get(&format!("/api/v1/subscriptions/{id}")).await.json()["subscription"].clone();
    assert_eq!(now["priceId"], other);
    assert_eq!(
        now["currentBillingPeriodStart"],
        s["currentBillingPeriodEnd"]
    );
    assert_eq!(now["scheduledAdjustmentAt"], Value::Null);
}

/// §4: the list takes only cursor and limit (no customer filter).
#[tokio::test]
async fn list_ignores_filters() {
    let api = start().await;
    subscribed(&api).await;
    customer(&api, "u2").await;
    let p = plan(&api, seed::ADDON_PRODUCT_ID, 100).await;
    create(&api, "u2", &p).await;
    let page = api
        .get("/api/v1/subscriptions?customerId=nobody&limit=1")
        .await
        .json();
    assert_eq!(
        (page["total"].clone(), page["hasMore"].clone()),
        (json!(2), json!(true))
    );
}

/// `flowglad.md` §3: with a priced default product, customer create subscribes to it (`data.subscription`,
/// `data.subscriptionItems`); a paid create then replaces that free plan.
#[tokio::test]
async fn customer_create_subscribes_to_the_default_plan() {
    let api = start().await;
    plan(&api, seed::FREE_PRODUCT_ID, 0).await;
    let c = api
        .post(
            "/api/v1/customers",
            &json!({"customer": {"externalId": "u1", "email": "a@example.com", "name": "A"}}),
        )
        .await
        .json();
    let free = c["data"]["subscription"].clone();
    assert_eq!(
        (free["isFreePlan"].clone(), free["status"].clone()),
        (json!(true), json!("active"))
    );
    assert_eq!(c["data"]["subscriptionItems"][0]["unitPrice"], 0);
    let paid = plan(&api, seed::PRO_PRODUCT_ID, 1000).await;
    assert_eq!(create(&api, "u1", &paid).await.status, 200);
    assert_eq!(api.emu.subscriptions()[0]["status"], "canceled");
    assert_eq!(api.emu.subscription_count(), 2);
}
