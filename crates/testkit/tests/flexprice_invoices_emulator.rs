//! Raw-HTTP tests of the Flexprice emulator's invoices (lifecycle notes §5): one test per quirk.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
#[path = "support/flexprice_rig.rs"]
mod rig;

use rig::*;

fn one_off(customer: &str, key: Option<&str>) -> Value {
    let mut body = json!({
        "customer_id": customer, "currency": "USD", "invoice_type": "ONE_OFF",
        "amount_due": "12.50", "subtotal": "12.50", "total": "12.50",
        "line_items": [{"display_name": "Setup", "amount": "10", "quantity": "1"},
                       {"display_name": "Extra", "amount": "2.5", "quantity": "1"}],
    });
    if let Some(k) = key {
        body["idempotency_key"] = json!(k);
    }
    body
}

/// §5.2: a one-off invoice is finalised inside the create (201, numbered, `FINALIZED`); a finalize afterwards
/// is 400 "invoice is not in draft status". Amounts are decimal strings.
#[tokio::test]
async fn one_off_create_is_already_finalized() {
    let api = Api::start().await;
    let cust = api.customer("acct_1", json!({})).await;
    let r = api
        .post("/invoices", one_off(&cust, Some("inv_key_1")))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let inv = r.json();
    assert_eq!(inv["invoice_status"], "FINALIZED");
    assert_eq!(inv["payment_status"], "PENDING");
    assert_eq!(inv["invoice_type"], "ONE_OFF");
    assert_eq!(inv["amount_due"], "12.5");
    assert_eq!(inv["total"], "12.5");
    assert_eq!(inv["currency"], "usd");
    assert_eq!(inv["idempotency_key"], "inv_key_1");
    assert!(inv["invoice_number"].is_string());
    assert_eq!(inv["line_items"].as_array().unwrap().len(), 2);
    let id = inv["id"].as_str().unwrap();
    let got = api.get(&format!("/invoices/{id}")).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.json(), inv);
    let r = api
        .call(Method::POST, &format!("/invoices/{id}/finalize"), None)
        .await;
    assert_coded(
        &r,
        StatusCode::BAD_REQUEST,
        "validation_error",
        "invoice is not in draft status",
    );
}

/// §5.2: a re-sent create with the same `idempotency_key` (invoice already finalised) answers 409
/// "invoice already exists" with no id anywhere in the body.
#[tokio::test]
async fn resent_key_is_409_without_an_id() {
    let api = Api::start().await;
    let cust = api.customer("acct_1", json!({})).await;
    let body = one_off(&cust, Some("inv_key_1"));
    assert_eq!(
        api.post("/invoices", body.clone()).await.status,
        StatusCode::CREATED
    );
    let r = api.post("/invoices", body).await;
    assert_coded(
        &r,
        StatusCode::CONFLICT,
        "already_exists",
        "invoice already exists",
    );
    assert_eq!(api.emu().invoice_count(), 1);
    // After the 409, the search by customer and a client-side key match find it.
    let r = api
        .post("/invoices/search", json!({"customer_id": cust}))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["items"][0]["idempotency_key"], "inv_key_1");
}

/// §5.2: the same key on a `DRAFT` invoice (a half-finished first attempt) returns that invoice, completed.
#[tokio::test]
async fn resent_key_completes_a_draft() {
    let api = Api::start().await;
    let cust = api.customer("acct_1", json!({})).await;
    let draft = api
        .emu()
        .add_draft_invoice(&cust, "USD", "12.50", "inv_key_d");
    let r = api
        .post("/invoices", one_off(&cust, Some("inv_key_d")))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json()["id"], json!(draft));
    assert_eq!(r.json()["invoice_status"], "FINALIZED");
    assert_eq!(api.emu().invoice_count(), 1);
}

/// §5.2: without a key, one-off invoices are never deduplicated.
#[tokio::test]
async fn without_a_key_nothing_is_deduplicated() {
    let api = Api::start().await;
    let cust = api.customer("acct_1", json!({})).await;
    for _ in 0..2 {
        let r = api.post("/invoices", one_off(&cust, None)).await;
        assert_eq!(r.status, StatusCode::CREATED);
    }
    assert_eq!(api.emu().invoice_count(), 2);
}

/// §5.2: the line items must add up to `amount_due` (to the currency's precision); the customer is the
/// Flexprice id; bind failures say "invalid request".
#[tokio::test]
async fn create_checks() {
    let api = Api::start().await;
    let cust = api.customer("acct_1", json!({})).await;
    let mut body = one_off(&cust, Some("k"));
    body["amount_due"] = json!("12.51");
    let r = api.post("/invoices", body).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["code"], "validation_error");
    let mut body = one_off(&cust, Some("k"));
    body["amount_due"] = json!("12.504");
    assert_eq!(
        api.post("/invoices", body).await.status,
        StatusCode::CREATED
    );
    let r = api.post("/invoices", one_off("acct_1", Some("k2"))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = api
        .raw(Method::POST, "/invoices", Some(KEY), Some("[1]"), &[])
        .await;
    assert_coded(
        &r,
        StatusCode::BAD_REQUEST,
        "validation_error",
        "invalid request",
    );
}

/// §5.3: finalize answers `{"message"}`, not the invoice; re-GET shows the state.
#[tokio::test]
async fn finalize_answers_a_message() {
    let api = Api::start().await;
    let cust = api.customer("acct_1", json!({})).await;
    let draft = api.emu().add_draft_invoice(&cust, "USD", "3", "");
    let r = api
        .call(Method::POST, &format!("/invoices/{draft}/finalize"), None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.json(),
        json!({"message": "invoice finalized successfully"})
    );
    let got = api.get(&format!("/invoices/{draft}")).await.json();
    assert_eq!(got["invoice_status"], "FINALIZED");
}

/// §5.3: void answers `{"message"}` (an empty body is accepted); a second void is 400 "invoice status -
/// VOIDED is not allowed".
#[tokio::test]
async fn void_answers_a_message_and_a_second_void_is_400() {
    let api = Api::start().await;
    let cust = api.customer("acct_1", json!({})).await;
    let inv = api
        .post("/invoices", one_off(&cust, Some("k")))
        .await
        .json();
    let path = format!("/invoices/{}/void", inv["id"].as_str().unwrap());
    let r = api.call(Method::POST, &path, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json(), json!({"message": "invoice voided successfully"}));
    let got = api
        .get(&format!("/invoices/{}", inv["id"].as_str().unwrap()))
        .await
        .json();
    assert_eq!(got["invoice_status"], "VOIDED");
    assert!(got["voided_at"].is_string());
    let r = api.post(&path, json!({"metadata": {"why": "again"}})).await;
    assert_coded(
        &r,
        StatusCode::BAD_REQUEST,
        "validation_error",
        "invoice status - VOIDED is not allowed",
    );
    // A voided invoice frees its key.
    let r = api.post("/invoices", one_off(&cust, Some("k"))).await;
    assert_eq!(r.status, StatusCode::CREATED);
}

/// §5 / §3.1: a subscription's opening invoice is listed with filters; a trial's is `SKIPPED`.
#[tokio::test]
async fn subscription_invoices_are_listed() {
    let api = Api::start().await;
    let cust = api.customer("acct_1", json!({})).await;
    let plan = api.plan_with_fee("Pro", "20").await;
    let sub = api.subscribe("acct_1", &plan, json!({})).await;
    api.subscribe("acct_1", &plan, json!({"trial_period_days": 7}))
        .await;
    let r = api
        .get(&format!(
            "/invoices?subscription_id={}",
            sub["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let items = r.json()["items"].clone();
    assert_eq!(items.as_array().unwrap().len(), 1);
    assert_eq!(items[0]["invoice_type"], "SUBSCRIPTION");
    assert_eq!(items[0]["billing_reason"], "SUBSCRIPTION_CREATE");
    assert_eq!(items[0]["total"], "20");
    assert_eq!(items[0]["customer_id"], json!(cust));
    let r = api.get("/invoices?invoice_status=SKIPPED").await;
    assert_eq!(r.json()["pagination"]["total"], 1);
    let r = api.get("/invoices?external_customer_id=acct_1").await;
    assert_eq!(r.json()["pagination"]["total"], 2);
}

/// A plan at 29 USD a month in advance plus `usage` (a USAGE price body without entity or meter) on a SUM
/// meter of `n`, a customer `acct_1` subscribed to it; answers (plan, subscription).
async fn metered_plan(api: &Api, usage: Value) -> (String, Value) {
    api.customer("acct_1", json!({})).await;
    let plan = api.plan_with_fee("Pro", "29").await;
    let calls = api
        .metered_feature("calls", "calls", json!({"type": "SUM", "field": "n"}))
        .await;
    let mut body = json!({
        "entity_type": "PLAN", "entity_id": plan, "type": "USAGE", "meter_id": calls["meter_id"],
        "billing_period": "MONTHLY", "billing_period_count": 1, "invoice_cadence": "ARREAR",
        "currency": "USD",
    });
    for (k, v) in usage.as_object().expect("object") {
        body[k] = v.clone();
    }
    let r = api.post("/prices", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let sub = api.subscribe("acct_1", &plan, json!({})).await;
    (plan, sub)
}

/// §3.4: an immediate cancel with `generate_invoice` makes a final invoice of the period's usage so far
/// (packages rounded up), finalised, for the period up to the cancellation; the in-advance fee stays on the
/// opening invoice. Events are stamped with the emulator's clock ([`FlexpriceEmulator::now`]).
#[tokio::test]
async fn immediate_cancel_with_generate_invoice_bills_the_usage_so_far() {
    let api = Api::start().await;
    let (_, sub) = metered_plan(
        &api,
        json!({"billing_model": "PACKAGE", "amount": "0.02",
               "transform_quantity": {"divide_by": 10, "round": "up"}}),
    )
    .await;
    let at = api.emu().now().to_string();
    let events: Vec<Value> = [("e1", "5"), ("e2", "5"), ("e3", "3")]
        .iter()
        .map(|(id, n)| {
            json!({"event_id": id, "event_name": "calls", "external_customer_id": "acct_1",
                   "timestamp": at, "properties": {"n": n}})
        })
        .collect();
    let r = api.post("/events/bulk", json!({"events": events})).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    let id = sub["id"].as_str().unwrap();
    let r = api
        .post(
            &format!("/subscriptions/{id}/cancel"),
            json!({"cancellation_type": "immediate",
                   "cancel_immediately_inovice_policy": "generate_invoice"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let effective = r.json()["effective_date"].clone();
    let r = api.get(&format!("/invoices?subscription_id={id}")).await;
    let items = r.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2, "{items:?}");
    let last = items
        .iter()
        .find(|i| i["billing_reason"] != "SUBSCRIPTION_CREATE")
        .expect("a final invoice");
    assert_eq!(last["invoice_status"], "FINALIZED");
    assert_eq!(
        last["total"], "0.04",
        "13 calls are 2 packages of 10, rounded up"
    );
    assert_eq!(last["period_start"], sub["current_period_start"]);
    assert_eq!(last["period_end"], effective);
    let lines = last["line_items"].as_array().unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["quantity"], "13", "the metered usage");
    assert_eq!(lines[0]["amount"], "0.04");
}

/// §3.4: the emulator does not rate tiered usage in a final invoice: 501, and the subscription is unchanged.
#[tokio::test]
async fn final_invoice_of_tiered_usage_is_not_emulated() {
    let api = Api::start().await;
    let (_, sub) = metered_plan(
        &api,
        json!({"billing_model": "TIERED", "tier_mode": "VOLUME",
               "tiers": [{"up_to": null, "unit_amount": "0.01"}]}),
    )
    .await;
    let id = sub["id"].as_str().unwrap();
    let r = api
        .post(
            &format!("/subscriptions/{id}/cancel"),
            json!({"cancellation_type": "immediate",
                   "cancel_immediately_inovice_policy": "generate_invoice"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_IMPLEMENTED, "{}", r.text);
    let r = api.get(&format!("/subscriptions/{id}")).await;
    assert_eq!(r.json()["subscription_status"], "active");
}

/// The emulated clock: `now` is the last write's time, and `advance_clock` moves every later time.
#[tokio::test]
async fn the_clock_can_be_read_and_moved() {
    let api = Api::start().await;
    let before = api.emu().now();
    assert_eq!(before.to_string(), "2026-08-22T13:00:00.123456789Z");
    api.emu().advance_clock(jiff::Span::new().days(40));
    api.customer("acct_1", json!({})).await;
    let r = api.get("/customers/external/acct_1").await;
    // The create's id and its time each took a tick.
    assert_eq!(r.json()["created_at"], "2026-10-01T13:00:02.123456Z");
    assert_eq!(
        api.emu().now().to_string(),
        "2026-10-01T13:00:02.123456789Z"
    );
}
