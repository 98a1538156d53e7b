//! Wire tests of the lifecycle operations: per operation the exact method, path, query, headers and JSON body
//! the notes (`flexprice-lifecycle.md`) document, over a real HTTP round trip, and the documented answers
//! decoded (unknown fields ignored, unknown enum values kept).

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use rust_decimal_macros::dec;
use serde_json::{Value, json};
use support::{API_KEY, FnRig};
use unibill_core::{
    Aggregation, CancelOptions, CancelTiming, Currency, CustomerRef, EntitlementKind, Entitlements,
    ErrorKind, FeatureKind, Features, FinalInvoice, Grant, IdempotencyKey, IngestOutcome,
    InvoiceId, InvoiceListQuery, InvoiceStatus, Invoices, Limit, Meters, NewFeature, NewMeter,
    NewSubscription, PaymentStatus, PriceId, Reset, SubscriptionId, SubscriptionStatus,
    Subscriptions, Timestamp, Trial, Usage, UsageEvent, UsageStatus,
};
use unibill_testkit::{RecordedRequest, Reply};

fn body(r: &RecordedRequest) -> Value {
    serde_json::from_slice(&r.body).unwrap()
}

/// The headers every request carries.
fn assert_headers(r: &RecordedRequest) {
    assert_eq!(r.header("x-api-key"), Some(API_KEY));
    assert_eq!(r.header("accept"), Some("application/json"));
    if !r.body.is_empty() {
        assert_eq!(r.header("content-type"), Some("application/json"));
    }
}

fn ok(status: u16, v: Value) -> Reply {
    Reply::json(status, v.to_string())
}

fn flat_error(status: u16, code: &str, message: &str) -> Reply {
    ok(
        status,
        json!({"code": code, "message": message, "http_status_code": status, "details": {}}),
    )
}

/// The carrier feature of `api_calls` as the create and the search answer it (meter embedded), with a field
/// unibill does not know.
fn carrier(aggregation: Value) -> Value {
    json!({
        "id": "feat_01",
        "name": "API calls",
        "lookup_key": "api_calls",
        "type": "metered",
        "meter_id": "meter_01",
        "status": "published",
        "unit_singular": "",
        "brand_new_field": {"x": 1},
        "meter": {
            "id": "meter_01",
            "name": "API calls",
            "event_name": "api_calls",
            "aggregation": aggregation,
            "reset_usage": "BILLING_PERIOD",
            "created_at": "2026-08-22T13:00:02.123456Z"
        },
        "created_at": "2026-08-22T13:00:02.123456Z"
    })
}

fn page(items: Vec<Value>) -> Value {
    let n = items.len();
    json!({"items": items, "pagination": {"total": n, "limit": 50, "offset": 0}})
}

#[tokio::test]
async fn meter_create_is_a_carrier_feature_looked_up_first() {
    let rig = FnRig::new(|r| match r.path.as_str() {
        "/v1/features/search" => ok(200, page(vec![])),
        "/v1/features" => ok(201, carrier(json!({"type": "SUM", "field": "quantity"}))),
        other => panic!("unexpected {other}"),
    })
    .await;
    let meter = Meters::create(
        &rig.client,
        NewMeter::builder("api_calls", "API calls", Aggregation::Sum)
            .build()
            .unwrap(),
    )
    .await
    .unwrap();
    let requests = rig.server.requests();
    assert_eq!(requests.len(), 2);
    let (search, create) = (&requests[0], &requests[1]);
    assert_eq!(
        (search.method.as_str(), search.query.as_deref()),
        ("POST", None)
    );
    assert_headers(search);
    assert_eq!(
        body(search),
        json!({"lookup_key": "api_calls", "expand": "meters", "status": "published", "limit": 1,
               "offset": 0, "sort": "created_at", "order": "asc"})
    );
    assert_eq!(
        (create.method.as_str(), create.path.as_str()),
        ("POST", "/v1/features")
    );
    assert_headers(create);
    assert_eq!(
        body(create),
        json!({
            "name": "API calls",
            "type": "metered",
            "lookup_key": "api_calls",
            "meter": {
                "name": "API calls",
                "event_name": "api_calls",
                "aggregation": {"type": "SUM", "field": "quantity"},
                "reset_usage": "BILLING_PERIOD"
            }
        })
    );
    assert_eq!(meter.id.unwrap().as_str(), "meter_01");
    assert_eq!(
        (meter.key.as_str(), meter.aggregation),
        ("api_calls", Aggregation::Sum)
    );
    assert_eq!(meter.provider, "flexprice");
}

#[tokio::test]
async fn meter_aggregations_on_the_wire() {
    for (aggregation, wire) in [
        (Aggregation::Count, json!({"type": "COUNT"})),
        (
            Aggregation::Max,
            json!({"type": "MAX", "field": "quantity"}),
        ),
        (
            Aggregation::Latest,
            json!({"type": "LATEST", "field": "quantity"}),
        ),
        (
            Aggregation::unique_count("region"),
            json!({"type": "COUNT_UNIQUE", "field": "region"}),
        ),
    ] {
        let answer = wire.clone();
        let rig = FnRig::new(move |r| match r.path.as_str() {
            "/v1/features/search" => ok(200, page(vec![])),
            _ => ok(201, carrier(answer.clone())),
        })
        .await;
        let m = Meters::create(
            &rig.client,
            NewMeter::builder("api_calls", "API calls", aggregation.clone())
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
        assert_eq!(m.aggregation, aggregation);
        assert_eq!(
            body(&rig.server.requests()[1])["meter"]["aggregation"],
            wire
        );
    }
}

#[tokio::test]
async fn a_meter_key_already_held_is_existing_or_conflict_and_nothing_is_sent() {
    let rig = FnRig::new(|_| {
        ok(
            200,
            page(vec![carrier(json!({"type": "SUM", "field": "quantity"}))]),
        )
    })
    .await;
    let same = NewMeter::builder("api_calls", "API calls", Aggregation::Sum)
        .build()
        .unwrap();
    let err = Meters::create(&rig.client, same).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AlreadyExists);
    assert_eq!(err.existing_id(), Some("meter_01"));
    let other = NewMeter::builder("api_calls", "API calls", Aggregation::Max)
        .build()
        .unwrap();
    let err = Meters::create(&rig.client, other).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert!(
        rig.server
            .requests()
            .iter()
            .all(|r| r.path == "/v1/features/search")
    );
    // A field other than `quantity` reads as Other.
    let rig = FnRig::new(|_| {
        ok(
            200,
            page(vec![carrier(json!({"type": "SUM", "field": "tokens"}))]),
        )
    })
    .await;
    let m = Meters::get_by_key(&rig.client, "api_calls".into())
        .await
        .unwrap();
    assert_eq!(m.aggregation, Aggregation::Other("SUM(tokens)".into()));
}

#[tokio::test]
async fn a_carrier_without_its_meter_reads_the_meter() {
    let rig = FnRig::new(|r| match r.path.as_str() {
        "/v1/features/search" => {
            let mut c = carrier(json!({}));
            c.as_object_mut().unwrap().remove("meter");
            ok(200, page(vec![c]))
        }
        "/v1/meters/meter_01" => ok(
            200,
            json!({"id": "meter_01", "name": "API calls", "event_name": "api_calls",
                   "aggregation": {"type": "LATEST", "field": "quantity"}}),
        ),
        other => panic!("unexpected {other}"),
    })
    .await;
    let m = Meters::get_by_key(&rig.client, "api_calls".into())
        .await
        .unwrap();
    assert_eq!(m.aggregation, Aggregation::Latest);
    assert_eq!(rig.server.requests()[1].method, "GET");
}

#[tokio::test]
async fn boolean_and_metered_feature_creates() {
    let rig = FnRig::new(
        |r| match (r.path.as_str(), body(r)["lookup_key"].as_str()) {
            ("/v1/features/search", Some("api_calls")) => ok(
                200,
                page(vec![carrier(json!({"type": "SUM", "field": "quantity"}))]),
            ),
            ("/v1/features/search", _) => ok(200, page(vec![])),
            ("/v1/features", Some("sso")) => ok(
                201,
                json!({"id": "feat_02", "name": "SSO", "lookup_key": "sso", "type": "boolean",
                   "description": "Single sign-on", "status": "published"}),
            ),
            ("/v1/features", _) => ok(
                201,
                json!({"id": "feat_03", "name": "Calls", "lookup_key": "calls_2", "type": "metered",
                   "meter_id": "meter_01"}),
            ),
            other => panic!("unexpected {other:?}"),
        },
    )
    .await;
    let sso = Features::create(
        &rig.client,
        NewFeature::builder("sso", "SSO", FeatureKind::Boolean)
            .description("Single sign-on")
            .build()
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(
        (sso.key.as_str(), &sso.kind),
        ("sso", &FeatureKind::Boolean)
    );
    let requests = rig.server.requests();
    assert_eq!(
        body(&requests[1]),
        json!({"name": "SSO", "type": "boolean", "lookup_key": "sso", "description": "Single sign-on"})
    );
    // A metered feature on an existing meter names it by id (the meter looked up by key first).
    let calls = Features::create(
        &rig.client,
        NewFeature::builder("calls_2", "Calls", FeatureKind::metered("api_calls"))
            .build()
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(
        calls.kind,
        FeatureKind::metered("calls_2"),
        "the meter's key is its event name when embedded"
    );
    let requests = rig.server.requests();
    assert_eq!(
        body(requests.last().unwrap()),
        json!({"name": "Calls", "type": "metered", "lookup_key": "calls_2", "meter_id": "meter_01"})
    );
}

fn grant_rig(
    existing: Option<Value>,
) -> impl Fn(&RecordedRequest) -> Reply + Send + Sync + 'static {
    move |r| match r.path.as_str() {
        "/v1/features/search" => ok(
            200,
            page(vec![carrier(json!({"type": "SUM", "field": "quantity"}))]),
        ),
        "/v1/entitlements/search" => ok(200, page(existing.clone().into_iter().collect())),
        "/v1/entitlements" => {
            let b = body(r);
            ok(
                201,
                json!({"id": "ent_01", "plan_id": b["plan_id"], "feature_id": b["feature_id"],
                       "feature_type": "metered", "is_enabled": true, "usage_limit": b["usage_limit"],
                       "usage_reset_period": b.get("usage_reset_period").cloned().unwrap_or(json!("")),
                       "is_soft_limit": b["is_soft_limit"], "static_value": "", "status": "published"}),
            )
        }
        other => panic!("unexpected {other}"),
    }
}

#[tokio::test]
async fn a_grant_is_a_plan_entitlement_looked_up_first() {
    let rig = FnRig::new(grant_rig(None)).await;
    let g = Features::grant(
        &rig.client,
        Grant::builder("api_calls", "plan_01")
            .limit(Limit::Finite(dec!(10000)))
            .resets(Reset::Monthly)
            .soft(true)
            .build()
            .unwrap(),
    )
    .await
    .unwrap();
    let requests = rig.server.requests();
    assert_eq!(
        body(&requests[1]),
        json!({"plan_ids": ["plan_01"], "feature_ids": ["feat_01"], "status": "published", "limit": 10})
    );
    assert_eq!(
        body(&requests[2]),
        json!({"plan_id": "plan_01", "feature_id": "feat_01", "feature_type": "metered", "is_enabled": true,
               "usage_limit": 10000, "usage_reset_period": "MONTHLY", "is_soft_limit": true})
    );
    assert_eq!(
        (g.limit, g.resets, g.soft),
        (Limit::Finite(dec!(10000)), Reset::Monthly, true)
    );
    assert_eq!(g.id.as_deref(), Some("ent_01"));

    // Unlimited is `usage_limit: null`; the billing period sends no reset period.
    let rig = FnRig::new(grant_rig(None)).await;
    let g = Features::grant(
        &rig.client,
        Grant::builder("api_calls", "plan_01").build().unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(
        body(&rig.server.requests()[2]),
        json!({"plan_id": "plan_01", "feature_id": "feat_01", "feature_type": "metered", "is_enabled": true,
               "usage_limit": null, "is_soft_limit": false})
    );
    assert_eq!(
        (g.limit, g.resets),
        (Limit::Unlimited, Reset::BillingPeriod)
    );
}

#[tokio::test]
async fn a_grant_already_there_is_it_or_a_conflict() {
    let held = json!({"id": "ent_09", "plan_id": "plan_01", "feature_id": "feat_01", "feature_type": "metered",
                      "is_enabled": true, "usage_limit": null, "usage_reset_period": "", "is_soft_limit": false});
    let rig = FnRig::new(grant_rig(Some(held))).await;
    let g = Features::grant(
        &rig.client,
        Grant::builder("api_calls", "plan_01").build().unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(g.id.as_deref(), Some("ent_09"));
    let err = Features::grant(
        &rig.client,
        Grant::builder("api_calls", "plan_01")
            .limit(Limit::Finite(dec!(5)))
            .build()
            .unwrap(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert!(
        rig.server
            .requests()
            .iter()
            .all(|r| r.path != "/v1/entitlements")
    );
    // A fractional limit cannot be carried: refused before anything is sent.
    let rig = FnRig::new(grant_rig(None)).await;
    let err = Features::grant(
        &rig.client,
        Grant::builder("api_calls", "plan_01")
            .limit(Limit::Finite(dec!(1.5)))
            .build()
            .unwrap(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.field_errors()[0].field, "limit");
    assert_eq!(rig.server.request_count(), 0);
}

const KEY: &str = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";

fn price() -> Value {
    json!({"id": "price_01", "amount": "29", "currency": "usd", "type": "FIXED", "billing_period": "MONTHLY",
           "billing_period_count": 1, "billing_model": "FLAT_FEE", "invoice_cadence": "ADVANCE",
           "entity_type": "PLAN", "entity_id": "plan_01", "status": "published",
           "created_at": "2026-08-22T13:00:03Z"})
}

fn subscription(status: &str, extra: Value) -> Value {
    let mut s = json!({
        "id": "subs_01",
        "lookup_key": KEY,
        "customer_id": "cust_01",
        "plan_id": "plan_01",
        "subscription_status": status,
        "currency": "usd",
        "billing_period": "MONTHLY",
        "billing_period_count": 1,
        "start_date": "2026-08-22T13:00:05.123Z",
        "current_period_start": "2026-08-22T13:00:05.123Z",
        "current_period_end": "2026-09-22T13:00:05.123Z",
        "cancel_at_period_end": false,
        "metadata": {"unibill_price_id": "price_01", "team": "core"},
        "pause_status": "none",
        "subscription_type": "standalone",
        "created_at": "2026-08-22T13:00:05.123Z",
        "line_items": [
            {"price_id": "price_01", "price_type": "FIXED", "quantity": "1", "status": "published"},
            {"price_id": "price_02", "price_type": "USAGE", "quantity": "0", "status": "published"}
        ]
    });
    for (k, v) in extra.as_object().unwrap() {
        s[k] = v.clone();
    }
    s
}

/// A server for a subscription create: the price, the customer, a key search that is empty until the draft
/// is created (`held`: already there), the create, the activate and the read back.
fn subscribe_rig(
    held: Option<Value>,
) -> impl Fn(&RecordedRequest) -> Reply + Send + Sync + 'static {
    let created = Arc::new(AtomicUsize::new(0));
    move |r| match (r.method.as_str(), r.path.as_str()) {
        ("GET", "/v1/prices/price_01") => ok(200, price()),
        ("GET", "/v1/customers/external/ada") => ok(
            200,
            json!({"id": "cust_01", "external_id": "ada", "name": "Ada", "status": "published"}),
        ),
        ("POST", "/v1/subscriptions/search") => match (&held, created.load(Ordering::SeqCst)) {
            (Some(h), _) => ok(200, page(vec![h.clone()])),
            (None, 0) => ok(200, page(vec![])),
            (None, _) => ok(200, page(vec![subscription("draft", json!({}))])),
        },
        ("POST", "/v1/subscriptions") => {
            created.fetch_add(1, Ordering::SeqCst);
            ok(201, subscription("draft", json!({})))
        }
        ("POST", "/v1/subscriptions/subs_01/activate") => {
            ok(200, subscription("active", json!({})))
        }
        ("GET", "/v1/subscriptions/subs_01") => ok(200, subscription("active", json!({}))),
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn subscription_create_is_a_keyed_draft_then_activated() {
    let rig = FnRig::new(subscribe_rig(None)).await;
    let input = NewSubscription::builder(CustomerRef::external_id("ada"), "price_01")
        .key(IdempotencyKey::new(KEY).unwrap())
        .trial(Trial::Days(14))
        .metadata(unibill_core::Metadata::new().with("team", "core"))
        .build()
        .unwrap();
    let sub = Subscriptions::create(&rig.client, input).await.unwrap();
    let requests = rig.server.requests();
    let paths: Vec<_> = requests
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        paths,
        [
            "GET /v1/prices/price_01",
            "GET /v1/customers/external/ada",
            "POST /v1/subscriptions/search",
            "POST /v1/subscriptions",
            "POST /v1/subscriptions/search",
            "POST /v1/subscriptions/subs_01/activate",
            "GET /v1/subscriptions/subs_01",
        ]
    );
    requests.iter().for_each(assert_headers);
    assert_eq!(
        body(&requests[2]),
        json!({"filters": [{"field": "lookup_key", "operator": "eq", "data_type": "string",
                            "value": {"string": KEY}}],
               "limit": 100, "offset": 0, "sort": "created_at", "order": "asc"})
    );
    assert_eq!(
        body(&requests[3]),
        json!({"customer_id": "cust_01", "plan_id": "plan_01", "currency": "usd", "billing_period": "MONTHLY",
               "billing_period_count": 1, "lookup_key": KEY,
               "metadata": {"team": "core", "unibill_price_id": "price_01"},
               "subscription_status": "draft", "trial_period_days": 14})
    );
    assert_eq!(
        body(&requests[5]),
        json!({"start_date": "2026-08-22T13:00:05.123Z"})
    );
    assert_eq!(sub.status, SubscriptionStatus::Active);
    assert_eq!(sub.key.as_ref().map(IdempotencyKey::as_str), Some(KEY));
    assert_eq!(sub.price_id.as_ref().map(PriceId::as_str), Some("price_01"));
    assert_eq!(sub.product_id.as_ref().map(|p| p.as_str()), Some("plan_01"));
    assert_eq!(sub.customer_external_id.as_deref(), Some("ada"));
    assert_eq!(sub.currency, Some(Currency::USD));
    assert_eq!(sub.items.len(), 2);
    assert_eq!(sub.metadata.get("team"), Some("core"));
    assert_eq!(
        sub.metadata.get("unibill_price_id"),
        None,
        "reserved keys are stripped"
    );
}

/// A later start is `start_date` on the draft and on its activation (the activation from the input's start,
/// not the draft's echo), with the trial untouched.
#[tokio::test]
async fn subscription_start_at_is_the_drafts_and_the_activations_start_date() {
    let rig = FnRig::new(subscribe_rig(None)).await;
    let start: unibill_core::Timestamp = "2026-09-22T13:00:05.123Z".parse().unwrap();
    let input = NewSubscription::builder(CustomerRef::external_id("ada"), "price_01")
        .key(IdempotencyKey::new(KEY).unwrap())
        .start_at(start)
        .build()
        .unwrap();
    Subscriptions::create(&rig.client, input).await.unwrap();
    let requests = rig.server.requests();
    assert_eq!(
        body(&requests[3]),
        json!({"customer_id": "cust_01", "plan_id": "plan_01", "currency": "usd", "billing_period": "MONTHLY",
               "billing_period_count": 1, "lookup_key": KEY,
               "metadata": {"unibill_price_id": "price_01"},
               "subscription_status": "draft", "start_date": "2026-09-22T13:00:05.123Z"})
    );
    assert_eq!(
        format!("{} {}", requests[5].method, requests[5].path),
        "POST /v1/subscriptions/subs_01/activate"
    );
    assert_eq!(
        body(&requests[5]),
        json!({"start_date": "2026-09-22T13:00:05.123Z"})
    );
}

fn keyed(price: &str) -> NewSubscription {
    NewSubscription::builder(CustomerRef::external_id("ada"), price)
        .key(IdempotencyKey::new(KEY).unwrap())
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_key_already_held_is_existing_conflict_or_a_draft_finished() {
    // Active, same customer and price: AlreadyExists carrying it, nothing created.
    let rig = FnRig::new(subscribe_rig(Some(subscription("active", json!({}))))).await;
    let err = Subscriptions::create(&rig.client, keyed("price_01"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AlreadyExists);
    assert_eq!(err.existing_id(), Some("subs_01"));
    // Another customer holds the key: Conflict.
    let rig = FnRig::new(subscribe_rig(Some(subscription(
        "active",
        json!({"customer_id": "cust_99"}),
    ))))
    .await;
    let err = Subscriptions::create(&rig.client, keyed("price_01"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict, "{err}");
    assert!(
        rig.server
            .requests()
            .iter()
            .all(|r| r.path != "/v1/subscriptions")
    );
    // A draft an earlier call left: activated, not created again.
    let rig = FnRig::new(subscribe_rig(Some(subscription("draft", json!({}))))).await;
    let sub = Subscriptions::create(&rig.client, keyed("price_01"))
        .await
        .unwrap();
    assert_eq!(sub.status, SubscriptionStatus::Active);
    let paths: Vec<_> = rig
        .server
        .requests()
        .iter()
        .map(|r| r.path.clone())
        .collect();
    assert!(
        !paths.contains(&"/v1/subscriptions".to_owned()),
        "{paths:?}"
    );
    assert!(paths.contains(&"/v1/subscriptions/subs_01/activate".to_owned()));
}

#[tokio::test]
async fn a_price_that_is_not_recurring_is_invalid_input_on_price_id() {
    let rig = FnRig::new(|_| {
        let mut p = price();
        p["type"] = json!("USAGE");
        p["meter_id"] = json!("meter_01");
        p["invoice_cadence"] = json!("ARREAR");
        ok(200, p)
    })
    .await;
    let err = Subscriptions::create(&rig.client, keyed("price_01"))
        .await
        .unwrap_err();
    assert_eq!(err.field_errors()[0].field, "price_id", "{err}");
    assert_eq!(rig.server.request_count(), 1, "only the price was read");
}

#[tokio::test]
async fn subscription_statuses_and_the_derived_cancel_scheduled() {
    for (wire, extra, want) in [
        ("active", json!({}), SubscriptionStatus::Active),
        ("trialing", json!({}), SubscriptionStatus::Trialing),
        (
            "active",
            json!({"cancel_at": "2026-09-22T13:00:05.123Z", "cancel_at_period_end": true}),
            SubscriptionStatus::CancelScheduled,
        ),
        (
            "cancelled",
            json!({"cancelled_at": "2026-08-23T00:00:00Z"}),
            SubscriptionStatus::Canceled,
        ),
        ("draft", json!({}), SubscriptionStatus::Draft),
        ("paused", json!({}), SubscriptionStatus::Paused),
        (
            "frozen",
            json!({}),
            SubscriptionStatus::Other("frozen".into()),
        ),
    ] {
        let answer = subscription(wire, extra);
        let rig = FnRig::new(move |_| ok(200, answer.clone())).await;
        let s = Subscriptions::get(&rig.client, SubscriptionId::new("subs_01"))
            .await
            .unwrap();
        assert_eq!(s.status, want, "{wire}");
        let r = rig.only_request();
        assert_eq!(
            (r.method.as_str(), r.path.as_str()),
            ("GET", "/v1/subscriptions/subs_01")
        );
    }
}

#[tokio::test]
async fn cancel_bodies_per_timing() {
    let at: Timestamp = "2026-09-01T00:00:00Z".parse().unwrap();
    for (options, want) in [
        (
            CancelOptions::immediately(),
            json!({"cancellation_type": "immediate", "proration_behavior": "none",
                   "cancel_immediately_inovice_policy": "generate_invoice"}),
        ),
        (
            CancelOptions::immediately()
                .final_invoice(FinalInvoice::Skip)
                .prorate(true),
            json!({"cancellation_type": "immediate", "proration_behavior": "create_prorations",
                   "cancel_immediately_inovice_policy": "skip"}),
        ),
        (
            CancelOptions::at_period_end(),
            json!({"cancellation_type": "end_of_period", "proration_behavior": "none"}),
        ),
        (
            CancelOptions::new(CancelTiming::At(at)),
            json!({"cancellation_type": "scheduled_date", "cancel_at": "2026-09-01T00:00:00.000Z",
                   "proration_behavior": "none"}),
        ),
    ] {
        let rig = FnRig::new(|r| match r.method.as_str() {
            "POST" => ok(
                200,
                json!({"subscription_id": "subs_01", "status": "cancelled", "message": "ok"}),
            ),
            _ => ok(200, subscription("cancelled", json!({}))),
        })
        .await;
        Subscriptions::cancel(&rig.client, SubscriptionId::new("subs_01"), options)
            .await
            .unwrap();
        let requests = rig.server.requests();
        assert_eq!(requests[0].path, "/v1/subscriptions/subs_01/cancel");
        assert_eq!(body(&requests[0]), want);
        assert_eq!(
            requests[1].method, "GET",
            "the answer is not the subscription: read it back"
        );
    }
}

#[tokio::test]
async fn a_second_cancel_is_the_subscription_as_it_is() {
    let rig = FnRig::new(|r| match r.method.as_str() {
        "POST" => flat_error(400, "validation_error", "subscription is already cancelled"),
        _ => ok(
            200,
            subscription("cancelled", json!({"cancelled_at": "2026-08-23T00:00:00Z"})),
        ),
    })
    .await;
    let s = Subscriptions::cancel(
        &rig.client,
        SubscriptionId::new("subs_01"),
        CancelOptions::immediately(),
    )
    .await
    .unwrap();
    assert_eq!(s.status, SubscriptionStatus::Canceled);
    // A 400 the end state does not explain stays an error (a draft cannot be cancelled).
    let rig = FnRig::new(|r| match r.method.as_str() {
        "POST" => flat_error(
            400,
            "validation_error",
            "draft subscriptions cannot be cancelled",
        ),
        _ => ok(200, subscription("draft", json!({}))),
    })
    .await;
    let err = Subscriptions::cancel(
        &rig.client,
        SubscriptionId::new("subs_01"),
        CancelOptions::immediately(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

#[tokio::test]
async fn uncancel_cancels_the_cancellation_schedule() {
    let reverted = Arc::new(Mutex::new(false));
    let done = reverted.clone();
    let rig = FnRig::new(move |r| match (r.method.as_str(), r.path.as_str()) {
        ("POST", "/v1/subscriptions/schedules/cancel") => {
            *done.lock().unwrap() = true;
            ok(
                200,
                json!({"status": "cancelled", "message": "Schedule cancelled successfully"}),
            )
        }
        ("GET", _) if *done.lock().unwrap() => ok(200, subscription("active", json!({}))),
        ("GET", _) => ok(
            200,
            subscription(
                "active",
                json!({"cancel_at": "2026-09-22T13:00:05.123Z", "cancel_at_period_end": true}),
            ),
        ),
        other => panic!("unexpected {other:?}"),
    })
    .await;
    let s = Subscriptions::uncancel(&rig.client, SubscriptionId::new("subs_01"))
        .await
        .unwrap();
    assert_eq!(s.status, SubscriptionStatus::Active);
    let requests = rig.server.requests();
    assert_eq!(
        body(&requests[1]),
        json!({"subscription_id": "subs_01", "schedule_type": "cancellation"})
    );
    // Nothing pending: success, nothing sent; canceled: Conflict.
    let rig = FnRig::new(|_| ok(200, subscription("active", json!({})))).await;
    Subscriptions::uncancel(&rig.client, SubscriptionId::new("subs_01"))
        .await
        .unwrap();
    assert_eq!(rig.server.request_count(), 1);
    let rig = FnRig::new(|_| ok(200, subscription("cancelled", json!({})))).await;
    let err = Subscriptions::uncancel(&rig.client, SubscriptionId::new("subs_01"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    // A pending cancel without a schedule (`{"error"}` body): Conflict naming it.
    let rig = FnRig::new(|r| match r.method.as_str() {
        "POST" => ok(
            400,
            json!({"error": "no pending cancellation schedule found for subscription subs_01"}),
        ),
        _ => ok(
            200,
            subscription("active", json!({"cancel_at": "2026-09-22T13:00:05.123Z"})),
        ),
    })
    .await;
    let err = Subscriptions::uncancel(&rig.client, SubscriptionId::new("subs_01"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert!(err.to_string().contains("schedule"), "{err}");
}

#[tokio::test]
async fn change_price_swaps_the_plan_in_place() {
    let changed = Arc::new(Mutex::new(false));
    let done = changed.clone();
    let rig = FnRig::new(move |r| match (r.method.as_str(), r.path.as_str()) {
        ("GET", "/v1/prices/price_09") => {
            let mut p = price();
            p["id"] = json!("price_09");
            p["entity_id"] = json!("plan_09");
            ok(200, p)
        }
        ("POST", "/v1/subscriptions/subs_01/change/v2/execute") => {
            *done.lock().unwrap() = true;
            ok(
                200,
                json!({"change_type": "upgrade", "is_scheduled": false}),
            )
        }
        ("GET", "/v1/subscriptions/subs_01") if *done.lock().unwrap() => ok(
            200,
            subscription(
                "active",
                json!({"plan_id": "plan_09", "line_items": [
                {"price_id": "price_09", "price_type": "FIXED", "quantity": "1"}]}),
            ),
        ),
        ("GET", "/v1/subscriptions/subs_01") => ok(200, subscription("active", json!({}))),
        other => panic!("unexpected {other:?}"),
    })
    .await;
    let s = Subscriptions::change_price(
        &rig.client,
        SubscriptionId::new("subs_01"),
        PriceId::new("price_09"),
    )
    .await
    .unwrap();
    assert_eq!(s.id.as_str(), "subs_01", "the same subscription");
    assert_eq!(s.price_id.as_ref().map(PriceId::as_str), Some("price_09"));
    let change = rig
        .server
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/execute"))
        .unwrap();
    assert_eq!(
        body(&change),
        json!({"target_plan_id": "plan_09", "proration_behavior": "none", "change_at": "immediate"})
    );
}

fn event(i: u32, at: &str) -> UsageEvent {
    UsageEvent::builder("ada", "api_calls", dec!(2.50))
        .key(IdempotencyKey::new(format!("evt-{i}")).unwrap())
        .occurred_at(at.parse().unwrap())
        .property("region", "eu")
        .build()
        .unwrap()
}

#[tokio::test]
async fn events_go_in_bulk_with_id_millisecond_timestamp_and_quantity() {
    let rig = FnRig::new(|_| ok(202, json!({"message": "Events accepted for processing"}))).await;
    let report = Usage::ingest(
        &rig.client,
        vec![
            event(1, "2026-08-22T13:05:00.123456789Z"),
            event(2, "2026-08-22T13:05:01Z"),
        ],
    )
    .await
    .unwrap();
    let r = rig.only_request();
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/v1/events/bulk")
    );
    assert_headers(&r);
    assert_eq!(
        body(&r),
        json!({"events": [
            {"event_id": "evt-1", "event_name": "api_calls", "external_customer_id": "ada",
             "timestamp": "2026-08-22T13:05:00.123Z", "properties": {"quantity": "2.5", "region": "eu"}},
            {"event_id": "evt-2", "event_name": "api_calls", "external_customer_id": "ada",
             "timestamp": "2026-08-22T13:05:01.000Z", "properties": {"quantity": "2.5", "region": "eu"}}
        ]})
    );
    assert_eq!(report.accepted(), 2, "a 202 is Accepted, never Recorded");
    assert_eq!(report.recorded(), 0);
}

#[tokio::test]
async fn a_refused_bulk_is_halved_until_the_bad_event_stands_alone() {
    let rig = FnRig::new(|r| {
        if r.body_text().contains("evt-3") {
            flat_error(400, "validation_error", "Invalid request payload")
        } else {
            ok(202, json!({"message": "Events accepted for processing"}))
        }
    })
    .await;
    let events: Vec<_> = (1..=4).map(|i| event(i, "2026-08-22T13:05:00Z")).collect();
    let report = Usage::ingest(&rig.client, events).await.unwrap();
    let outcomes: Vec<_> = report
        .iter()
        .map(|(k, o)| (k.as_str().to_owned(), o.name()))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("evt-1".to_owned(), "accepted"),
            ("evt-2".to_owned(), "accepted"),
            ("evt-3".to_owned(), "rejected"),
            ("evt-4".to_owned(), "accepted"),
        ]
    );
    // [1,2,3,4] refused → [1,2] taken, [3,4] refused → [3] refused, [4] taken; the same bytes per event.
    assert_eq!(rig.server.request_count(), 5);
    let first = rig.server.requests()[0].body_text();
    assert!(rig.server.requests()[4].body_text().len() < first.len());
}

#[tokio::test]
async fn a_failed_bulk_leaves_every_event_to_resend() {
    let rig = FnRig::new(|_| flat_error(500, "internal_error", "kafka down")).await;
    let report = Usage::ingest(
        &rig.client,
        vec![
            event(1, "2026-08-22T13:05:00Z"),
            event(2, "2026-08-22T13:05:00Z"),
        ],
    )
    .await
    .unwrap();
    assert_eq!(report.not_recorded(), 2);
    assert!(
        report
            .iter()
            .all(|(_, o)| matches!(o, IngestOutcome::NotRecorded(_)))
    );
}

#[tokio::test]
async fn event_lookup() {
    let rig = FnRig::new(|r| match r.query.as_deref() {
        Some("id=evt-1") => ok(
            200,
            json!({"event": {"id": "evt-1"}, "status": "processed", "processed_events": []}),
        ),
        Some("id=evt-2") => ok(
            200,
            json!({"event": {"id": "evt-2"}, "status": "processing"}),
        ),
        _ => flat_error(404, "not_found", "event not found"),
    })
    .await;
    let keys: Vec<_> = ["evt-1", "evt-2", "evt-3"]
        .map(|k| IdempotencyKey::new(k).unwrap())
        .into();
    let statuses = Usage::status(&rig.client, keys).await.unwrap();
    let got: Vec<_> = statuses.into_iter().map(|(_, s)| s).collect();
    assert_eq!(
        got,
        [
            UsageStatus::Counted,
            UsageStatus::Pending,
            UsageStatus::NotFound
        ]
    );
    assert_eq!(rig.server.requests()[0].path, "/v1/events/lookup");
}

fn usage_summary() -> Value {
    json!({
        "customer_id": "cust_01",
        "features": [
            {"feature": {"id": "feat_01", "lookup_key": "api_calls", "type": "metered"},
             "total_limit": 10000, "is_unlimited": false, "current_usage": "1500", "usage_percent": "15",
             "is_enabled": true, "is_soft_limit": false, "next_usage_reset_at": "2026-09-22T13:00:05Z",
             "sources": [], "future_field": 1},
            {"feature": {"id": "feat_04", "lookup_key": "tokens", "type": "metered"},
             "total_limit": null, "is_unlimited": true, "current_usage": "123.5", "is_enabled": true},
            {"feature": {"id": "feat_02", "lookup_key": "sso", "type": "boolean"}, "is_enabled": true},
            {"feature": {"id": "feat_05", "lookup_key": "seats", "type": "static"}, "is_enabled": true}
        ],
        "period": {"start_time": "2026-08-22T13:00:05Z", "end_time": "2026-09-22T13:00:05Z", "period": "MONTHLY"}
    })
}

#[tokio::test]
async fn entitlements_from_the_usage_summary() {
    let rig = FnRig::new(|_| ok(200, usage_summary())).await;
    let e = Entitlements::check(&rig.client, "ada".into(), "api_calls".into())
        .await
        .unwrap();
    let r = rig.only_request();
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("GET", "/v1/customers/usage")
    );
    assert_eq!(
        r.query.as_deref(),
        Some("customer_lookup_key=ada&feature_lookup_keys=api_calls")
    );
    assert_headers(&r);
    assert!(e.access);
    assert_eq!(
        e.kind,
        EntitlementKind::Metered {
            limit: Limit::Finite(dec!(10000)),
            used: Some(dec!(1500)),
            balance: Some(dec!(8500)),
            soft: false,
            resets_at: Some("2026-09-22T13:00:05Z".parse().unwrap()),
        }
    );
    let all = Entitlements::list(&rig.client, "ada".into()).await.unwrap();
    let kinds: Vec<_> = all
        .iter()
        .map(|e| (e.feature_key.as_str(), e.access))
        .collect();
    assert_eq!(
        kinds,
        [
            ("api_calls", true),
            ("tokens", true),
            ("sso", true),
            ("seats", false)
        ]
    );
    match &all[1].kind {
        EntitlementKind::Metered { limit, balance, .. } => {
            assert_eq!(
                (*limit, *balance),
                (Limit::Unlimited, None),
                "null is unlimited, never zero"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(all[2].kind, EntitlementKind::Boolean { enabled: true });
    assert_eq!(
        all[3].kind,
        EntitlementKind::Other {
            name: "static".into()
        }
    );
    assert_eq!(
        rig.server.requests()[1].query.as_deref(),
        Some("customer_lookup_key=ada")
    );
    // A feature the summary does not list is not granted (never NotFound).
    let missing = Entitlements::check(&rig.client, "ada".into(), "nope".into())
        .await
        .unwrap();
    assert_eq!(missing.kind, EntitlementKind::NotGranted);
}

fn invoice(status: &str, payment: &str) -> Value {
    json!({
        "id": "inv_01", "invoice_number": "INV-0001", "customer_id": "cust_01", "subscription_id": "subs_01",
        "invoice_type": "SUBSCRIPTION", "invoice_status": status, "payment_status": payment, "currency": "usd",
        "subtotal": "32", "total": "32", "total_tax": "0", "amount_due": "32", "amount_paid": "0",
        "amount_remaining": "32", "billing_reason": "SUBSCRIPTION_CYCLE",
        "period_start": "2026-08-22T13:00:05Z", "period_end": "2026-09-22T13:00:05Z",
        "line_items": [
            {"display_name": "Pro", "price_id": "price_01", "quantity": "1", "amount": "29"},
            {"display_name": "API calls", "price_id": "price_02", "quantity": "150", "amount": "3.00"}
        ],
        "metadata": {}, "new_field": true
    })
}

#[tokio::test]
async fn invoices_decode_both_status_dimensions_and_exact_money() {
    for (status, payment, want) in [
        ("DRAFT", "PENDING", InvoiceStatus::Draft),
        ("FINALIZED", "PENDING", InvoiceStatus::Open),
        ("FINALIZED", "SUCCEEDED", InvoiceStatus::Paid),
        ("FINALIZED", "REFUNDED", InvoiceStatus::Refunded),
        ("VOIDED", "VOIDED", InvoiceStatus::Void),
        ("SKIPPED", "PENDING", InvoiceStatus::Skipped),
        (
            "ARCHIVED",
            "PENDING",
            InvoiceStatus::Other("ARCHIVED".into()),
        ),
    ] {
        let answer = invoice(status, payment);
        let rig = FnRig::new(move |_| ok(200, answer.clone())).await;
        let i = Invoices::get(&rig.client, InvoiceId::new("inv_01"))
            .await
            .unwrap();
        assert_eq!(i.status, want, "{status}/{payment}");
        assert_eq!(rig.only_request().path, "/v1/invoices/inv_01");
        assert_eq!(i.total.as_ref().unwrap().amount, dec!(32));
        let sum: rust_decimal::Decimal = i
            .lines
            .as_ref()
            .unwrap()
            .iter()
            .map(|l| l.amount.as_ref().unwrap().amount)
            .sum();
        assert_eq!(sum, dec!(32.00));
        assert_eq!(i.lines.as_ref().unwrap()[1].quantity, Some(dec!(150)));
    }
    let rig = FnRig::new(|_| ok(200, invoice("FINALIZED", "FAILED"))).await;
    let i = Invoices::get(&rig.client, InvoiceId::new("inv_01"))
        .await
        .unwrap();
    assert_eq!(i.payment_status, Some(PaymentStatus::Failed));
}

#[tokio::test]
async fn invoice_search_by_customer_and_subscription_status_filtered_here() {
    let rig = FnRig::new(|_| {
        ok(
            200,
            page(vec![invoice("DRAFT", "PENDING"), {
                let mut v = invoice("VOIDED", "VOIDED");
                v["id"] = json!("inv_02");
                v
            }]),
        )
    })
    .await;
    let page = Invoices::list(
        &rig.client,
        InvoiceListQuery::new()
            .customer(CustomerRef::external_id("ada"))
            .subscription_id(SubscriptionId::new("subs_01"))
            .status(InvoiceStatus::Draft),
    )
    .await
    .unwrap();
    let r = rig.only_request();
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/v1/invoices/search")
    );
    assert_eq!(
        body(&r),
        json!({"external_customer_id": "ada", "subscription_id": "subs_01", "limit": 50, "offset": 0,
               "sort": "created_at", "order": "asc"})
    );
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].id.as_str(), "inv_01");
}

#[tokio::test]
async fn finalize_and_void_read_the_invoice_back_and_end_states_are_success() {
    let state = Arc::new(Mutex::new(("DRAFT", "PENDING")));
    let s = state.clone();
    let rig = FnRig::new(move |r| match (r.method.as_str(), r.path.as_str()) {
        ("POST", "/v1/invoices/inv_01/finalize") => {
            *s.lock().unwrap() = ("FINALIZED", "PENDING");
            ok(200, json!({"message": "invoice finalized successfully"}))
        }
        ("POST", "/v1/invoices/inv_01/void") => {
            *s.lock().unwrap() = ("VOIDED", "VOIDED");
            ok(200, json!({"message": "invoice voided successfully"}))
        }
        ("GET", _) => {
            let (a, b) = *s.lock().unwrap();
            ok(200, invoice(a, b))
        }
        other => panic!("unexpected {other:?}"),
    })
    .await;
    let id = InvoiceId::new("inv_01");
    assert_eq!(
        Invoices::finalize(&rig.client, id.clone())
            .await
            .unwrap()
            .status,
        InvoiceStatus::Open
    );
    let finalize = rig.server.requests()[1].clone();
    assert!(finalize.body.is_empty(), "no body");
    assert_eq!(
        Invoices::finalize(&rig.client, id.clone())
            .await
            .unwrap()
            .status,
        InvoiceStatus::Open
    );
    assert_eq!(
        Invoices::void(&rig.client, id.clone())
            .await
            .unwrap()
            .status,
        InvoiceStatus::Void
    );
    assert_eq!(
        Invoices::void(&rig.client, id.clone())
            .await
            .unwrap()
            .status,
        InvoiceStatus::Void
    );
    let posts = rig
        .server
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count();
    assert_eq!(posts, 2, "the second calls found the end state");
    // A skipped invoice is not finalized; a paid one is not voided.
    let rig = FnRig::new(|_| ok(200, invoice("SKIPPED", "PENDING"))).await;
    let err = Invoices::finalize(&rig.client, id.clone())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    let rig = FnRig::new(|_| ok(200, invoice("FINALIZED", "SUCCEEDED"))).await;
    let err = Invoices::void(&rig.client, id).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(rig.server.request_count(), 1);
}
