//! Raw-HTTP tests of the Flowglad emulator's usage events (lifecycle notes §1): one test per quirk.

use reqwest::Method;
use serde_json::{Value, json};
use unibill_testkit::emulators::flowglad::{FlowgladEmulator, seed};
#[path = "support/flowglad_rig.rs"]
mod rig;

use rig::*;

/// A customer with a subscription on a fresh plan of `product`; returns the subscription id.
async fn subscribed(api: &Api, external_id: &str, product: &str) -> String {
    let c = api
        .post(
            "/api/v1/customers",
            &json!({"customer": {"externalId": external_id, "email": "a@example.com", "name": "A"}}),
        )
        .await;
    assert_eq!(c.status, 200, "{}", c.text);
    let price = api.create_price(subscription(product, json!(1000))).await;
    let s = api
        .post(
            "/api/v1/subscriptions",
            &json!({"customerExternalId": external_id, "priceId": price["id"]}),
        )
        .await;
    assert_eq!(s.status, 200, "{}", s.text);
    s.json()["subscription"]["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

fn event(sub: &str, tid: &str, amount: Value) -> Value {
    json!({"subscriptionId": sub, "transactionId": tid, "amount": amount,
           "usageMeterId": seed::USAGE_METER_ID})
}

async fn send_event(api: &Api, e: Value) -> Answer {
    api.post("/api/v1/usage-events", &json!({ "usageEvent": e }))
        .await
}

/// §1: the body is wrapped in `usageEvent`; a flat event is a zod issue on `usageEvent`, the answer is wrapped.
#[tokio::test]
async fn usage_event_body_and_answer_are_wrapped_in_usage_event() {
    let api = start().await;
    let sub = subscribed(&api, "u1", seed::PRO_PRODUCT_ID).await;
    let flat = api
        .post("/api/v1/usage-events", &event(&sub, "t1", json!(3)))
        .await;
    let (issue, path) = single_issue(&flat);
    assert_eq!(path, ["usageEvent"]);
    assert_eq!(issue["code"], "invalid_type");
    let ok = send_event(&api, event(&sub, "t1", json!(3))).await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    let e = ok.json()["usageEvent"].clone();
    let mut keys: Vec<_> = e.as_object().expect("object").keys().cloned().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "amount",
            "billingPeriodId",
            "createdAt",
            "customerId",
            "id",
            "livemode",
            "priceId",
            "pricingModelId",
            "properties",
            "subscriptionId",
            "transactionId",
            "updatedAt",
            "usageDate",
            "usageMeterId"
        ]
    );
    assert!(e["id"].as_str().expect("id").starts_with("usage_event_"));
    assert!(e["usageDate"].is_i64(), "epoch ms");
    assert_eq!(api.emu.usage_event_count(), 1);
    let empty = api
        .send(Method::POST, "/api/v1/usage-events", Some(KEY), None)
        .await;
    assert_eq!(empty.status, 400);
    assert_eq!(empty.error_body()["error"], "Invalid JSON in request body");
}

/// §1.1: exactly one of priceId, priceSlug, usageMeterId, usageMeterSlug; empty strings count as absent.
#[tokio::test]
async fn exactly_one_price_or_meter_reference() {
    let api = start().await;
    let sub = subscribed(&api, "u1", seed::PRO_PRODUCT_ID).await;
    let message =
        "Exactly one of priceId, priceSlug, usageMeterId, or usageMeterSlug must be provided";
    let none = send_event(
        &api,
        json!({"subscriptionId": sub, "transactionId": "t", "amount": 1}),
    )
    .await;
    let (issue, path) = single_issue(&none);
    assert_eq!(
        (issue["code"].clone(), issue["message"].clone()),
        (json!("custom"), json!(message))
    );
    assert_eq!(path, ["usageEvent"]);
    let mut two = event(&sub, "t", json!(1));
    two["usageMeterSlug"] = json!(seed::USAGE_METER_SLUG);
    let (issue, _) = single_issue(&send_event(&api, two).await);
    assert_eq!(issue["message"], message);
    let mut blank = event(&sub, "t", json!(1));
    blank["priceId"] = json!("");
    assert_eq!(send_event(&api, blank).await.status, 200);
    let mut by_slug = json!({"subscriptionId": sub, "transactionId": "t2", "amount": 1});
    by_slug["usageMeterSlug"] = json!(seed::USAGE_METER_SLUG);
    let a = send_event(&api, by_slug).await;
    assert_eq!(a.json()["usageEvent"]["usageMeterId"], seed::USAGE_METER_ID);
    assert_eq!(api.emu.usage_event_count(), 2);
}

/// §1.1: `amount` is `z.number().int().positive()`: no zero, fractions or strings; beyond int32 the insert fails.
#[tokio::test]
async fn amount_is_a_positive_integer_within_int32() {
    let api = start().await;
    let sub = subscribed(&api, "u1", seed::PRO_PRODUCT_ID).await;
    for (amount, code) in [
        (json!(0), "too_small"),
        (json!(-4), "too_small"),
        (number("1.5"), "invalid_type"),
        (json!("5"), "invalid_type"),
    ] {
        let a = send_event(&api, event(&sub, "t", amount.clone())).await;
        let (issue, path) = single_issue(&a);
        assert_eq!(issue["code"], code, "{amount}");
        assert_eq!(path, ["usageEvent", "amount"]);
    }
    let big = send_event(&api, event(&sub, "t", json!(2_147_483_648_i64))).await;
    assert_eq!(big.status, 500);
    assert_eq!(big.error_body()["error"], "Internal server error");
    let max = send_event(&api, event(&sub, "t", json!(2_147_483_647_i64))).await;
    assert_eq!(max.status, 200);
    assert_eq!(api.emu.usage_event_count(), 1);
}

/// §1.1: events attach to a subscription: `subscriptionId` is required and must exist.
#[tokio::test]
async fn subscription_id_is_required() {
    let api = start().await;
    let _ = subscribed(&api, "u1", seed::PRO_PRODUCT_ID).await;
    let a = send_event(
        &api,
        json!({"transactionId": "t", "amount": 1, "usageMeterId": seed::USAGE_METER_ID, "customerId": "u1"}),
    )
    .await;
    let (_, path) = single_issue(&a);
    assert_eq!(path, ["usageEvent", "subscriptionId"]);
    let unknown = send_event(&api, event("sub_nope", "t", json!(1))).await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.error_body()["code"], "NOT_FOUND");
    assert_eq!(api.emu.usage_event_count(), 0);
}

/// §1.2: same transactionId, meter and subscription answers 200 with the *first* event; the new amount is
/// ignored.
#[tokio::test]
async fn duplicate_transaction_id_answers_the_first_event() {
    let api = start().await;
    let sub = subscribed(&api, "u1", seed::PRO_PRODUCT_ID).await;
    let first = send_event(&api, event(&sub, "tx-1", json!(5))).await.json();
    let again = send_event(&api, event(&sub, "tx-1", json!(7))).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.json(), first, "the stored event comes back unchanged");
    assert_eq!(again.json()["usageEvent"]["amount"], 5);
    assert_eq!(api.emu.usage_event_count(), 1);
}

/// §1.2: the same transactionId and meter on another subscription is 409 CONFLICT.
#[tokio::test]
async fn same_transaction_id_on_another_subscription_is_409() {
    let api = start().await;
    let one = subscribed(&api, "u1", seed::PRO_PRODUCT_ID).await;
    let two = subscribed(&api, "u2", seed::ADDON_PRODUCT_ID).await;
    assert_eq!(
        send_event(&api, event(&one, "tx", json!(1))).await.status,
        200
    );
    let clash = send_event(&api, event(&two, "tx", json!(1))).await;
    assert_eq!(clash.status, 409, "{}", clash.text);
    let body = clash.error_body();
    assert_eq!(body["code"], "CONFLICT");
    let message = body["error"].as_str().expect("message");
    assert!(
        message.starts_with("A usage event already exists for transactionid tx")
            && message.contains(&two),
        "{message}"
    );
    assert_eq!(api.emu.usage_event_count(), 1);
}

/// §1.2: the dedupe scope is per meter: the same transactionId on another meter is a new event.
#[tokio::test]
async fn same_transaction_id_on_another_meter_is_a_new_event() {
    let api = start_with(
        FlowgladEmulator::builder(KEY)
            .usage_meter("usage_meter_Second0Meter000000000")
            .build(),
    )
    .await;
    let sub = subscribed(&api, "u1", seed::PRO_PRODUCT_ID).await;
    assert_eq!(
        send_event(&api, event(&sub, "tx", json!(1))).await.status,
        200
    );
    let mut other = event(&sub, "tx", json!(2));
    other["usageMeterId"] = json!("usage_meter_Second0Meter000000000");
    let a = send_event(&api, other).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.json()["usageEvent"]["amount"], 2);
    assert_eq!(api.emu.usage_event_count(), 2);
}

/// §1.3: bulk is insert-or-ignore: duplicates (of stored events or within the batch) are left out of the
/// answer, so results match by `(transactionId, usageMeterId)`, not by index.
#[tokio::test]
async fn bulk_leaves_duplicates_out_of_its_answer() {
    let api = start().await;
    let sub = subscribed(&api, "u1", seed::PRO_PRODUCT_ID).await;
    assert_eq!(
        send_event(&api, event(&sub, "old", json!(1))).await.status,
        200
    );
    let a = api
        .post(
            "/api/v1/usage-events/bulk",
            &json!({"usageEvents": [
                event(&sub, "old", json!(9)),
                event(&sub, "new-1", json!(2)),
                event(&sub, "new-1", json!(3)),
                event(&sub, "new-2", json!(4)),
            ]}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    let rows = a.json()["usageEvents"].clone();
    let got: Vec<(Value, Value)> = rows
        .as_array()
        .expect("array")
        .iter()
        .map(|e| (e["transactionId"].clone(), e["amount"].clone()))
        .collect();
    assert_eq!(
        got,
        [(json!("new-1"), json!(2)), (json!("new-2"), json!(4))]
    );
    assert_eq!(api.emu.usage_event_count(), 3);
}

/// §1.3: bulk is one transaction: one invalid item fails the whole batch and its index is named.
#[tokio::test]
async fn bulk_fails_whole_on_one_invalid_item_naming_its_index() {
    let api = start().await;
    let sub = subscribed(&api, "u1", seed::PRO_PRODUCT_ID).await;
    let zod = api
        .post(
            "/api/v1/usage-events/bulk",
            &json!({"usageEvents": [event(&sub, "a", json!(1)), event(&sub, "b", json!(0))]}),
        )
        .await;
    assert_eq!(zod.status, 400);
    let issues = zod.error_body()["error"].clone();
    assert_eq!(issues[0]["path"], json!(["usageEvents", 1, "amount"]));
    let unknown = api
        .post(
            "/api/v1/usage-events/bulk",
            &json!({"usageEvents": [event(&sub, "a", json!(1)), event("sub_nope", "b", json!(1))]}),
        )
        .await;
    assert_eq!(unknown.status, 404);
    let message = unknown.error_body()["error"]
        .as_str()
        .expect("message")
        .to_owned();
    assert!(message.contains("[1]"), "{message}");
    assert_eq!(api.emu.usage_event_count(), 0, "nothing inserted");
}

/// §1.1: a meter reference bills at the meter's default price; a price reference must be a usage price.
#[tokio::test]
async fn meter_reference_bills_at_default_price_and_price_must_be_usage() {
    let api = start().await;
    let sub = subscribed(&api, "u1", seed::PRO_PRODUCT_ID).await;
    let meter = api
        .post(
            "/api/v1/usage-meters",
            &json!({"usageMeter": {"name": "Tokens", "slug": "tokens"}}),
        )
        .await
        .json()["usageMeter"]
        .clone();
    let no_charge = api
        .emu
        .prices()
        .into_iter()
        .find(|p| p["slug"] == "tokens_no_charge")
        .expect("the meter's _no_charge price");
    let a = send_event(
        &api,
        json!({"subscriptionId": sub, "transactionId": "t", "amount": 1, "usageMeterSlug": "tokens"}),
    )
    .await;
    assert_eq!(a.json()["usageEvent"]["priceId"], no_charge["id"]);
    assert_eq!(a.json()["usageEvent"]["usageMeterId"], meter["id"]);
    let usage_price = api.create_price(usage(json!(5))).await;
    let b = send_event(
        &api,
        json!({"subscriptionId": sub, "transactionId": "t", "amount": 1, "priceId": usage_price["id"]}),
    )
    .await;
    assert_eq!(b.json()["usageEvent"]["usageMeterId"], seed::USAGE_METER_ID);
    let plan = api.emu.subscriptions()[0]["priceId"].clone();
    let c = send_event(
        &api,
        json!({"subscriptionId": sub, "transactionId": "t", "amount": 1, "priceId": plan}),
    )
    .await;
    assert_eq!(c.status, 400);
    assert_eq!(api.emu.usage_event_count(), 2);
}

/// §1.1: `count_distinct_properties` meters need non-empty `properties`.
#[tokio::test]
async fn count_distinct_meter_requires_properties() {
    let api = start().await;
    let sub = subscribed(&api, "u1", seed::PRO_PRODUCT_ID).await;
    let m = api
        .post(
            "/api/v1/usage-meters",
            &json!({"usageMeter": {"name": "Seats", "slug": "seats", "aggregationType": "count_distinct_properties"}}),
        )
        .await;
    assert_eq!(m.status, 200, "{}", m.text);
    let base = json!({"subscriptionId": sub, "transactionId": "t", "amount": 1, "usageMeterSlug": "seats"});
    let bare = send_event(&api, base.clone()).await;
    assert_eq!(bare.status, 400);
    assert_eq!(bare.error_body()["code"], "BAD_REQUEST");
    let mut with = base;
    with["properties"] = json!({"user": "ada"});
    assert_eq!(send_event(&api, with).await.status, 200);
}

/// §1: GET by id and the cursor-paginated list.
#[tokio::test]
async fn usage_events_read_back_by_id_and_list() {
    let api = start().await;
    let sub = subscribed(&api, "u1", seed::PRO_PRODUCT_ID).await;
    for i in 0..3 {
        send_event(&api, event(&sub, &format!("t{i}"), json!(1))).await;
    }
    let id = api.emu.usage_events()[1]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let got = api.get(&format!("/api/v1/usage-events/{id}")).await;
    assert_eq!(got.json()["usageEvent"]["transactionId"], "t1");
    let page = api.get("/api/v1/usage-events?limit=2").await.json();
    assert_eq!(
        (page["total"].clone(), page["hasMore"].clone()),
        (json!(3), json!(true))
    );
    assert_eq!(
        api.get("/api/v1/usage-events/usage_event_nope")
            .await
            .status,
        404
    );
}
