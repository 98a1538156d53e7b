//! Wire tests of the lifecycle operations: per operation the exact method, path, query, headers and JSON body
//! the notes (`flowglad-lifecycle.md`) document, over a real HTTP round trip, and the documented answers
//! decoded (unknown fields ignored, unknown enum values kept).

mod support;

use std::sync::Mutex;

use rust_decimal_macros::dec;
use serde_json::{Value, json};
use support::{KEY, answering};
use unibill_core::{
    Aggregation, Billing, CancelOptions, CancelTiming, CustomerRef, EntitlementKind, Entitlements,
    ErrorKind, FeatureKind, FeatureListQuery, Features, Grant, IdempotencyKey, IngestOutcome,
    InvoiceId, InvoiceListQuery, InvoiceStatus, Invoices, Limit, MeterListQuery, Meters,
    NewFeature, NewMeter, NewSubscription, PriceId, SubscriptionId, SubscriptionStatus,
    Subscriptions, Timestamp, Trial, Usage, UsageEvent,
};
use unibill_testkit::{RecordedRequest, Reply};

fn body(r: &RecordedRequest) -> Value {
    serde_json::from_slice(&r.body).unwrap()
}

/// Method, path, query and the headers every request carries (the raw key, no Bearer).
fn assert_request(r: &RecordedRequest, method: &str, path: &str, query: Option<&str>) {
    assert_eq!(r.method.as_str(), method, "{} {}", r.method, r.path);
    assert_eq!(r.path, path);
    assert_eq!(r.query.as_deref(), query, "{path}");
    assert_eq!(r.header("authorization"), Some(KEY));
    assert_eq!(r.header("accept"), Some("application/json"));
    if !r.body.is_empty() {
        assert_eq!(r.header("content-type"), Some("application/json"));
    }
}

fn ok(v: Value) -> Reply {
    Reply::json(200, v.to_string())
}

fn err(status: u16, message: &str) -> Reply {
    Reply::json(
        status,
        json!({"error": message, "code": "CONFLICT", "request_id": "req_1"}).to_string(),
    )
}

const T0: i64 = 1_774_281_912_431;

fn at(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap()
}

fn key(k: &str) -> IdempotencyKey {
    IdempotencyKey::new(k).unwrap()
}

fn event(k: &str, qty: rust_decimal::Decimal, sub: Option<&str>) -> UsageEvent {
    let mut b = UsageEvent::builder("user_ada", "api_calls", qty)
        .key(key(k))
        .occurred_at(at(T0));
    if let Some(s) = sub {
        b = b.subscription_id(s);
    }
    b.build().unwrap()
}

/// A stored usage event as Flowglad answers it, with a field unibill does not know.
fn stored(id: &str, tx: &str, amount: i64, sub: &str) -> Value {
    json!({
        "id": id, "createdAt": T0, "updatedAt": T0, "livemode": false, "customerId": "cust_1",
        "subscriptionId": sub, "usageMeterId": "usage_meter_1", "billingPeriodId": null,
        "amount": amount, "usageDate": T0, "transactionId": tx, "priceId": "price_u",
        "properties": null, "pricingModelId": "pricing_model_1", "brandNewField": {"x": 1}
    })
}

/// A subscription record (every documented field, and one more).
fn subscription(id: &str, status: &str, price: &str, key: Option<&str>) -> Value {
    json!({
        "id": id, "createdAt": T0, "updatedAt": T0, "livemode": false, "startDate": T0,
        "customerId": "cust_1", "organizationId": "org_1", "status": status,
        "defaultPaymentMethodId": null, "backupPaymentMethodId": null, "trialEnd": null,
        "currentBillingPeriodStart": T0, "currentBillingPeriodEnd": T0 + 2_592_000_000i64,
        "metadata": key.map(|k| json!({"unibill_key": k, "team": "core"})),
        "canceledAt": null, "cancelScheduledAt": null, "cancellationReason": null,
        "replacedBySubscriptionId": null, "isFreePlan": false, "doNotCharge": false, "priceId": price,
        "runBillingAtPeriodStart": true, "interval": "month", "intervalCount": 1,
        "billingCycleAnchorDate": T0, "name": null, "renews": true, "pricingModelId": "pricing_model_1",
        "scheduledAdjustmentAt": null, "current": true, "futureField": 7
    })
}

/// The billing aggregate with `current` subscriptions (each with an experimental block) and `all`.
fn billing(all: Vec<Value>, current: Vec<Value>) -> Value {
    json!({
        "customer": {"id": "cust_1", "externalId": "user_ada"},
        "subscriptions": all, "currentSubscriptions": current,
        "currentSubscription": null, "invoices": [], "paymentMethods": [], "purchases": [],
        "catalog": {}, "pricingModel": {}, "billingPortalUrl": "https://x"
    })
}

fn with_experimental(mut sub: Value, features: Value, balances: Value) -> Value {
    sub["subscriptionItems"] = json!([]);
    sub["experimental"] = json!({"featureItems": features, "usageMeterBalances": balances});
    sub
}

// ---------------------------------------------------------------- usage

#[tokio::test]
async fn ingest_sends_one_bulk_and_matches_rows_by_transaction_id_not_index() {
    // The answer lists the rows in another order and omits the duplicate `e2`.
    let (server, c) = answering(|r| match r.path.as_str() {
        "/api/v1/usage-events/bulk" => ok(json!({"usageEvents": [
            stored("usage_event_3", "e3", 3, "sub_1"),
            stored("usage_event_1", "e1", 1, "sub_1"),
        ]})),
        // The single route answers the stored (first) event of a duplicate.
        "/api/v1/usage-events" => {
            ok(json!({"usageEvent": stored("usage_event_0", "e2", 2, "sub_1")}))
        }
        _ => Reply::json(404, "{}".to_owned()),
    })
    .await;
    let events = vec![
        event("e1", dec!(1), Some("sub_1")),
        event("e2", dec!(2), Some("sub_1")),
        event("e3", dec!(3), Some("sub_1")),
    ];
    let report = c.ingest(events).await.unwrap();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert_request(&reqs[0], "POST", "/api/v1/usage-events/bulk", None);
    let item = |tx: &str, amount: i64| {
        json!({"subscriptionId": "sub_1", "amount": amount, "transactionId": tx,
               "usageMeterSlug": "api_calls", "usageDate": T0})
    };
    assert_eq!(
        body(&reqs[0]),
        json!({"usageEvents": [item("e1", 1), item("e2", 2), item("e3", 3)]})
    );
    assert_request(&reqs[1], "POST", "/api/v1/usage-events", None);
    assert_eq!(body(&reqs[1]), json!({"usageEvent": item("e2", 2)}));
    match report.get(&key("e1")).unwrap() {
        IngestOutcome::Recorded { provider_id } => {
            assert_eq!(provider_id.as_deref(), Some("usage_event_1"))
        }
        other => panic!("{other:?}"),
    }
    match report.get(&key("e3")).unwrap() {
        IngestOutcome::Recorded { provider_id } => {
            assert_eq!(provider_id.as_deref(), Some("usage_event_3"))
        }
        other => panic!("{other:?}"),
    }
    match report.get(&key("e2")).unwrap() {
        IngestOutcome::Duplicate { provider_id } => {
            assert_eq!(provider_id.as_deref(), Some("usage_event_0"))
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_duplicate_with_another_amount_is_rejected_as_a_conflict() {
    let (_server, c) = answering(|r| match r.path.as_str() {
        "/api/v1/usage-events/bulk" => ok(json!({"usageEvents": []})),
        _ => ok(json!({"usageEvent": stored("usage_event_0", "e1", 7, "sub_1")})),
    })
    .await;
    let report = c
        .ingest(vec![event("e1", dec!(5), Some("sub_1"))])
        .await
        .unwrap();
    match report.get(&key("e1")).unwrap() {
        IngestOutcome::Rejected(e) => assert_eq!(e.kind(), ErrorKind::Conflict),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_single_routes_409_on_another_subscription_is_a_conflict() {
    let (_server, c) = answering(|r| match r.path.as_str() {
        "/api/v1/usage-events/bulk" => ok(json!({"usageEvents": []})),
        _ => err(
            409,
            "A usage event already exists for transactionid e1, but does not belong to subscription sub_1",
        ),
    })
    .await;
    let report = c
        .ingest(vec![event("e1", dec!(5), Some("sub_1"))])
        .await
        .unwrap();
    match report.get(&key("e1")).unwrap() {
        IngestOutcome::Rejected(e) => assert_eq!(e.kind(), ErrorKind::Conflict),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_event_without_a_subscription_is_resolved_once_per_customer() {
    let (server, c) = answering(|r| match r.path.as_str() {
        "/api/v1/customers/user_ada/billing" => ok(billing(
            vec![subscription("sub_9", "active", "price_1", None)],
            vec![subscription("sub_9", "active", "price_1", None)],
        )),
        _ => ok(json!({"usageEvents": [
            stored("usage_event_1", "e1", 1, "sub_9"),
            stored("usage_event_2", "e2", 2, "sub_9"),
        ]})),
    })
    .await;
    let report = c
        .ingest(vec![event("e1", dec!(1), None), event("e2", dec!(2), None)])
        .await
        .unwrap();
    assert!(report.all_succeeded(), "{report:?}");
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert_request(&reqs[0], "GET", "/api/v1/customers/user_ada/billing", None);
    assert!(reqs[0].body.is_empty());
    assert_eq!(body(&reqs[1])["usageEvents"][1]["subscriptionId"], "sub_9");
}

#[tokio::test]
async fn several_current_subscriptions_reject_the_event_naming_subscription_id() {
    let (server, c) = answering(|_| {
        ok(billing(
            vec![],
            vec![
                subscription("sub_1", "active", "price_1", None),
                subscription("sub_2", "trialing", "price_2", None),
            ],
        ))
    })
    .await;
    let report = c.ingest(vec![event("e1", dec!(1), None)]).await.unwrap();
    match report.get(&key("e1")).unwrap() {
        IngestOutcome::Rejected(e) => {
            assert_eq!(e.kind(), ErrorKind::InvalidInput);
            assert_eq!(e.field_errors()[0].field, "subscription_id");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.requests().len(), 1, "no usage request");
}

#[tokio::test]
async fn fractional_quantities_are_refused_by_the_guard_before_any_request() {
    let (server, c) = answering(|_| ok(json!({"usageEvents": []}))).await;
    let billing = Billing::builder().usage(c).build();
    let report = billing
        .usage()
        .ingest(vec![event("e1", dec!(1.5), Some("sub_1"))])
        .await
        .unwrap();
    match report.get(&key("e1")).unwrap() {
        IngestOutcome::Rejected(e) => assert_eq!(e.kind(), ErrorKind::InvalidInput),
        other => panic!("{other:?}"),
    }
    assert_eq!(server.requests().len(), 0);
}

#[tokio::test]
async fn a_refused_batch_is_halved_until_the_bad_event_stands_alone() {
    let (server, c) = answering(|r| {
        let b: Value = serde_json::from_slice(&r.body).unwrap();
        let items = b["usageEvents"].as_array().unwrap();
        if items.iter().any(|i| i["transactionId"] == "bad") {
            return Reply::json(
                404,
                json!({"error": "Usage meter not found", "code": "NOT_FOUND"}).to_string(),
            );
        }
        let rows: Vec<Value> = items
            .iter()
            .map(|i| {
                stored(
                    "id",
                    i["transactionId"].as_str().unwrap(),
                    i["amount"].as_i64().unwrap(),
                    "sub_1",
                )
            })
            .collect();
        ok(json!({"usageEvents": rows}))
    })
    .await;
    let report = c
        .ingest(vec![
            event("a", dec!(1), Some("sub_1")),
            event("bad", dec!(1), Some("sub_1")),
            event("c", dec!(1), Some("sub_1")),
        ])
        .await
        .unwrap();
    assert_eq!(report.recorded(), 2);
    assert_eq!(report.rejected(), 1);
    assert!(matches!(
        report.get(&key("bad")),
        Some(IngestOutcome::Rejected(_))
    ));
    assert!(server.requests().len() <= 5);
}

// ---------------------------------------------------------------- subscriptions

fn new_sub() -> NewSubscription {
    NewSubscription::builder(CustomerRef::external_id("user_ada"), "price_1")
        .key(key("sub-key-1"))
        .trial(Trial::Until(at(T0 + 1000)))
        .metadata([("team", "core")].into_iter().collect())
        .build()
        .unwrap()
}

#[tokio::test]
async fn create_subscription_is_flat_with_the_key_in_metadata_after_a_key_lookup() {
    let (server, c) = answering(|r| match (r.method.as_str(), r.path.as_str()) {
        ("GET", _) => ok(billing(vec![], vec![])),
        _ => ok(json!({"subscription": subscription("sub_1", "trialing", "price_1", Some("sub-key-1"))})),
    })
    .await;
    let s = Subscriptions::create(&c, new_sub()).await.unwrap();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert_request(&reqs[0], "GET", "/api/v1/customers/user_ada/billing", None);
    assert_request(&reqs[1], "POST", "/api/v1/subscriptions", None);
    assert_eq!(
        body(&reqs[1]),
        json!({
            "customerExternalId": "user_ada",
            "priceId": "price_1",
            "trialEnd": T0 + 1000,
            "metadata": {"team": "core", "unibill_key": "sub-key-1"}
        })
    );
    assert_eq!(s.id.as_str(), "sub_1");
    assert_eq!(s.status, SubscriptionStatus::Trialing);
    assert_eq!(s.key.as_ref().map(|k| k.as_str()), Some("sub-key-1"));
    assert_eq!(s.provider_customer_id.as_deref(), Some("cust_1"));
    assert_eq!(s.customer_external_id.as_deref(), Some("user_ada"));
    assert_eq!(s.price_id.as_ref().map(|p| p.as_str()), Some("price_1"));
    assert!(s.current_period.is_some());
    assert_eq!(s.raw.unwrap().to_value()["futureField"], 7);
}

/// Flowglad takes no start date: a later start is sent as `trialEnd` = the start (and never `startDate`); a
/// start beside a trial of its own is refused by the guard before any request.
#[tokio::test]
async fn a_later_start_is_a_trial_ending_at_the_start() {
    let (server, c) = answering(|r| match (r.method.as_str(), r.path.as_str()) {
        ("GET", _) => ok(billing(vec![], vec![])),
        _ => ok(json!({"subscription": subscription("sub_1", "trialing", "price_1", Some("sub-key-1"))})),
    })
    .await;
    let caps = Subscriptions::capabilities(&c);
    assert!(caps.start_at && caps.start_at_as_trial);
    let input = NewSubscription::builder(CustomerRef::external_id("user_ada"), "price_1")
        .key(key("sub-key-1"))
        .start_at(at(T0 + 2_592_000_000))
        .build()
        .unwrap();
    Subscriptions::create(&c, input).await.unwrap();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert_request(&reqs[1], "POST", "/api/v1/subscriptions", None);
    assert_eq!(
        body(&reqs[1]),
        json!({
            "customerExternalId": "user_ada",
            "priceId": "price_1",
            "trialEnd": T0 + 2_592_000_000i64,
            "metadata": {"unibill_key": "sub-key-1"}
        })
    );

    let (server, c) = answering(|_| ok(json!({}))).await;
    let billing = Billing::builder().subscriptions(c).build();
    let both = NewSubscription::builder(CustomerRef::external_id("user_ada"), "price_1")
        .trial(Trial::Until(at(T0 + 1000)))
        .start_at(at(T0 + 2_592_000_000))
        .build()
        .unwrap();
    let e = billing.subscriptions().create(both).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert_eq!(e.field_errors()[0].field, "trial", "{e}");
    assert_eq!(server.requests().len(), 0);
}

#[tokio::test]
async fn a_key_already_held_by_ours_is_already_exists_with_it_and_nothing_is_sent() {
    let (server, c) = answering(|_| {
        let s = subscription("sub_1", "active", "price_1", Some("sub-key-1"));
        ok(billing(vec![s.clone()], vec![s]))
    })
    .await;
    let e = Subscriptions::create(&c, new_sub()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AlreadyExists);
    assert_eq!(e.existing_id(), Some("sub_1"));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_409_after_our_own_success_is_looked_up_not_a_failure() {
    let calls = Mutex::new(0);
    let (server, c) = answering(move |r| match (r.method.as_str(), r.path.as_str()) {
        ("GET", _) => {
            let mut n = calls.lock().unwrap();
            *n += 1;
            if *n == 1 {
                ok(billing(vec![], vec![]))
            } else {
                let s = subscription("sub_1", "active", "price_1", Some("sub-key-1"));
                ok(billing(vec![s.clone()], vec![s]))
            }
        }
        _ => err(409, "Customer cust_1 already has an active subscription"),
    })
    .await;
    let s = Subscriptions::create(&c, new_sub()).await.unwrap();
    assert_eq!(s.id.as_str(), "sub_1");
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn a_409_for_someone_elses_subscription_is_already_exists_naming_it() {
    let (_server, c) = answering(|r| match r.method.as_str() {
        "GET" => {
            let other = subscription("sub_free", "active", "price_free", None);
            ok(billing(vec![other.clone()], vec![other]))
        }
        _ => err(409, "Customer cust_1 already has an active subscription"),
    })
    .await;
    let e = Subscriptions::create(&c, new_sub()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AlreadyExists);
    assert_eq!(e.existing_id(), Some("sub_free"));
}

#[tokio::test]
async fn get_cancel_uncancel_and_adjust_send_what_the_notes_say() {
    let (server, c) = answering(|r| {
        let s = match r.path.as_str() {
            p if p.ends_with("/cancel") => {
                subscription("sub_1", "cancellation_scheduled", "price_1", None)
            }
            p if p.ends_with("/uncancel") => subscription("sub_1", "canceled", "price_1", None),
            p if p.ends_with("/adjust") => {
                return ok(json!({
                    "subscription": subscription("sub_1", "active", "price_2", None),
                    "subscriptionItems": [], "resolvedTiming": "immediately", "isUpgrade": true
                }));
            }
            _ => subscription("sub_1", "some_new_status", "price_1", None),
        };
        ok(json!({"subscription": s}))
    })
    .await;
    let id = SubscriptionId::new("sub_1");
    let got = Subscriptions::get(&c, id.clone()).await.unwrap();
    assert_eq!(
        got.status,
        SubscriptionStatus::Other("some_new_status".into())
    );
    let s = c
        .cancel(id.clone(), CancelOptions::new(CancelTiming::AtPeriodEnd))
        .await
        .unwrap();
    assert_eq!(s.status, SubscriptionStatus::CancelScheduled);
    assert!(s.cancel_at_period_end);
    c.cancel(id.clone(), CancelOptions::new(CancelTiming::Immediately))
        .await
        .unwrap();
    // Uncancel of a canceled subscription answers 200 unchanged: the status decides.
    let e = c.uncancel(id.clone()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict);
    let s = c
        .change_price(id.clone(), PriceId::new("price_2"))
        .await
        .unwrap();
    assert_eq!(s.price_id.as_ref().map(|p| p.as_str()), Some("price_2"));
    let reqs = server.requests();
    assert_eq!(reqs.len(), 6);
    assert_request(&reqs[0], "GET", "/api/v1/subscriptions/sub_1", None);
    assert_request(&reqs[1], "POST", "/api/v1/subscriptions/sub_1/cancel", None);
    assert_eq!(
        body(&reqs[1]),
        json!({"cancellation": {"timing": "at_end_of_current_billing_period"}})
    );
    assert_eq!(
        body(&reqs[2]),
        json!({"cancellation": {"timing": "immediately"}})
    );
    assert_request(
        &reqs[3],
        "POST",
        "/api/v1/subscriptions/sub_1/uncancel",
        None,
    );
    assert_eq!(body(&reqs[3]), json!({}));
    assert_request(&reqs[4], "GET", "/api/v1/subscriptions/sub_1", None);
    assert_request(&reqs[5], "POST", "/api/v1/subscriptions/sub_1/adjust", None);
    assert_eq!(
        body(&reqs[5]),
        json!({"adjustment": {"timing": "immediately",
                              "newSubscriptionItems": [{"priceId": "price_2", "quantity": 1}]}})
    );
}

#[tokio::test]
async fn a_cancel_at_a_date_and_pause_are_not_offered() {
    let caps = Subscriptions::capabilities(&support::client("http://127.0.0.1:9"));
    assert!(!caps.cancel_timings.at);
    assert!(caps.cancel_timings.immediately && caps.cancel_timings.at_period_end);
    assert!(caps.create_replaces_free_default);
    let (server, c) = answering(|_| ok(json!({}))).await;
    let e = c
        .cancel(
            SubscriptionId::new("sub_1"),
            CancelOptions::new(CancelTiming::At(at(T0))),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert_eq!(server.requests().len(), 0);
}

#[tokio::test]
async fn list_subscriptions_pages_with_the_cursor() {
    let (server, c) = answering(|_| {
        ok(
            json!({"data": [subscription("sub_1", "active", "price_1", None),
                           subscription("sub_2", "canceled", "price_1", None)],
                  "hasMore": false, "total": 2}),
        )
    })
    .await;
    let q = unibill_core::SubscriptionListQuery::new()
        .limit(10)
        .status(SubscriptionStatus::Active);
    let page = Subscriptions::list(&c, q).await.unwrap();
    assert_eq!(page.items.len(), 1);
    assert_request(
        &server.requests()[0],
        "GET",
        "/api/v1/subscriptions",
        Some("limit=10"),
    );
}

// ---------------------------------------------------------------- meters and features

fn meter(slug: &str) -> Value {
    json!({"id": format!("usage_meter_{slug}"), "createdAt": T0, "updatedAt": T0, "livemode": false,
           "organizationId": "org_1", "name": "API calls", "pricingModelId": "pricing_model_1",
           "slug": slug, "aggregationType": "sum", "newThing": true})
}

#[tokio::test]
async fn create_meter_scans_for_the_slug_then_posts_the_wrapped_meter() {
    let (server, c) = answering(|r| match r.method.as_str() {
        "GET" => ok(json!({"data": [meter("other")], "hasMore": false, "total": 1})),
        _ => ok(json!({"usageMeter": meter("api_calls")})),
    })
    .await;
    let m = Meters::create(
        &c,
        NewMeter::builder("api_calls", "API calls", Aggregation::Sum)
            .build()
            .unwrap(),
    )
    .await
    .unwrap();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert_request(&reqs[0], "GET", "/api/v1/usage-meters", Some("limit=100"));
    assert_request(&reqs[1], "POST", "/api/v1/usage-meters", None);
    assert_eq!(
        body(&reqs[1]),
        json!({"usageMeter": {"name": "API calls", "slug": "api_calls", "aggregationType": "sum"}})
    );
    assert_eq!(m.key, "api_calls");
    assert_eq!(
        m.id.as_ref().map(|i| i.as_str()),
        Some("usage_meter_api_calls")
    );
    assert_eq!(m.aggregation, Aggregation::Sum);
    // An existing slug is AlreadyExists with the holder, nothing sent.
    let (server, c) =
        answering(|_| ok(json!({"data": [meter("api_calls")], "hasMore": false}))).await;
    let e = Meters::create(
        &c,
        NewMeter::builder("api_calls", "API calls", Aggregation::Sum)
            .build()
            .unwrap(),
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AlreadyExists);
    assert_eq!(e.existing_id(), Some("usage_meter_api_calls"));
    assert_eq!(server.requests().len(), 1);
    let page = Meters::list(&c, MeterListQuery::new()).await.unwrap();
    assert_eq!(
        page.items[0].raw.as_ref().unwrap().to_value()["newThing"],
        true
    );
}

fn toggle(slug: &str) -> Value {
    json!({"id": format!("feature_{slug}"), "slug": slug, "name": "SSO", "description": "SSO",
           "type": "toggle", "pricingModelId": "pricing_model_1", "active": true, "amount": null,
           "usageMeterId": null, "renewalFrequency": null, "createdAt": T0})
}

#[tokio::test]
async fn create_feature_learns_the_pricing_model_and_posts_a_toggle() {
    let (server, c) = answering(|r| match (r.method.as_str(), r.path.as_str()) {
        ("GET", "/api/v1/features") => ok(json!({"data": [], "hasMore": false})),
        ("GET", "/api/v1/usage-meters") => {
            ok(json!({"data": [meter("api_calls")], "hasMore": false}))
        }
        _ => ok(json!({"feature": toggle("sso")})),
    })
    .await;
    let f = Features::create(
        &c,
        NewFeature::builder("sso", "SSO", FeatureKind::Boolean)
            .build()
            .unwrap(),
    )
    .await
    .unwrap();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3);
    assert_request(&reqs[0], "GET", "/api/v1/features", Some("limit=100"));
    assert_request(&reqs[1], "GET", "/api/v1/usage-meters", Some("limit=1"));
    assert_request(&reqs[2], "POST", "/api/v1/features", None);
    assert_eq!(
        body(&reqs[2]),
        json!({"feature": {"type": "toggle", "slug": "sso", "name": "SSO", "description": "SSO",
                           "pricingModelId": "pricing_model_1"}})
    );
    assert_eq!(f.kind, FeatureKind::Boolean);
    assert_eq!(f.id.as_ref().map(|i| i.as_str()), Some("feature_sso"));
}

#[tokio::test]
async fn a_metered_feature_is_unsupported_before_any_request() {
    let (server, c) = answering(|_| ok(json!({}))).await;
    let e = Features::create(
        &c,
        NewFeature::builder("calls", "Calls", FeatureKind::metered("api_calls"))
            .build()
            .unwrap(),
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert_eq!(server.requests().len(), 0);
    assert!(!Features::capabilities(&c).kinds.metered);
}

#[tokio::test]
async fn grant_attaches_the_feature_to_the_product() {
    let (server, c) = answering(|r| match r.method.as_str() {
        "GET" => ok(
            json!({"data": [toggle("sso"), {"id": "feature_x", "slug": "credits",
                   "type": "usage_credit_grant", "name": "Credits"}], "hasMore": false}),
        ),
        _ => ok(
            json!({"productFeature": {"id": "product_feature_1", "productId": "prod_1",
                   "featureId": "feature_sso", "expiredAt": null}}),
        ),
    })
    .await;
    let g = c
        .grant(Grant::builder("sso", "prod_1").build().unwrap())
        .await
        .unwrap();
    let reqs = server.requests();
    assert_request(&reqs[1], "POST", "/api/v1/product-features", None);
    assert_eq!(
        body(&reqs[1]),
        json!({"productFeature": {"productId": "prod_1", "featureId": "feature_sso"}})
    );
    assert_eq!(g.id.as_deref(), Some("product_feature_1"));
    let all = Features::list(&c, FeatureListQuery::new()).await.unwrap();
    assert_eq!(
        all.items[1].kind,
        FeatureKind::Other("usage_credit_grant".into())
    );
}

// ---------------------------------------------------------------- entitlements

/// A fractional balance is read from its JSON text, never through `f64` (which keeps 15–17 digits): 22 digits
/// as a number and a string both survive, and their sum is exact.
#[tokio::test]
async fn a_fractional_balance_keeps_every_digit() {
    let (_server, c) = answering(|_| {
        let s = with_experimental(
            subscription("sub_1", "active", "price_1", None),
            json!([{"id": "fi_2", "type": "usage_credit_grant", "featureId": "feature_c", "slug": "credits",
                    "name": "Credits", "amount": 1000, "usageMeterId": "usage_meter_api_calls",
                    "renewalFrequency": "once", "expiredAt": null, "detachedAt": null}]),
            json!([
                {"id": "usage_meter_api_calls", "slug": "api_calls", "availableBalance": "NUMBER",
                 "subscriptionId": "sub_1"},
                {"id": "usage_meter_api_calls", "slug": "api_calls", "availableBalance": "0.000000001",
                 "subscriptionId": "sub_1"}
            ]),
        );
        // The first balance goes out as a bare JSON number with more digits than an f64 holds.
        let body = billing(vec![s.clone()], vec![s])
            .to_string()
            .replace("\"NUMBER\"", "1234567890123.456789012");
        assert!(body.contains(":1234567890123.456789012,"));
        Reply::json(200, body)
    })
    .await;
    let credits = c.check("user_ada".into(), "credits".into()).await.unwrap();
    match credits.kind {
        EntitlementKind::Metered { balance, .. } => {
            assert_eq!(balance, Some(dec!(1234567890123.456789013)));
        }
        other => panic!("a metered entitlement, got {other:?}"),
    }
}

#[tokio::test]
async fn entitlements_are_computed_from_the_billing_aggregate() {
    let (server, c) = answering(|_| {
        let s = with_experimental(
            subscription("sub_1", "active", "price_1", None),
            json!([
                {"id": "fi_1", "type": "toggle", "featureId": "feature_sso", "slug": "sso", "name": "SSO",
                 "amount": null, "usageMeterId": null, "renewalFrequency": null, "expiredAt": null,
                 "detachedAt": null},
                {"id": "fi_2", "type": "usage_credit_grant", "featureId": "feature_c", "slug": "credits",
                 "name": "Credits", "amount": 1000, "usageMeterId": "usage_meter_api_calls",
                 "renewalFrequency": "every_billing_period", "expiredAt": null, "detachedAt": null},
                {"id": "fi_3", "type": "toggle", "slug": "old", "expiredAt": 1000}
            ]),
            json!([{"id": "usage_meter_api_calls", "slug": "api_calls", "availableBalance": 250,
                    "subscriptionId": "sub_1"}]),
        );
        ok(billing(vec![s.clone()], vec![s]))
    })
    .await;
    let before = Timestamp::now();
    let sso = c.check("user_ada".into(), "sso".into()).await.unwrap();
    assert!(sso.access);
    assert_eq!(sso.kind, EntitlementKind::Boolean { enabled: true });
    assert!(sso.as_of >= before);
    let credits = c.check("user_ada".into(), "credits".into()).await.unwrap();
    assert_eq!(
        credits.kind,
        EntitlementKind::Metered {
            limit: Limit::Unknown,
            used: None,
            balance: Some(dec!(250)),
            soft: false,
            resets_at: None
        }
    );
    assert!(credits.access);
    let old = c.check("user_ada".into(), "old".into()).await.unwrap();
    assert_eq!(old.kind, EntitlementKind::NotGranted);
    assert!(!old.access);
    let all = Entitlements::list(&c, "user_ada".into()).await.unwrap();
    assert_eq!(
        all.iter()
            .map(|e| e.feature_key.as_str())
            .collect::<Vec<_>>(),
        ["credits", "sso"]
    );
    assert_request(
        &server.requests()[0],
        "GET",
        "/api/v1/customers/user_ada/billing",
        None,
    );
}

#[tokio::test]
async fn an_absent_experimental_block_grants_nothing() {
    let (_server, c) = answering(|_| {
        let s = subscription("sub_1", "active", "price_1", None);
        ok(billing(vec![s.clone()], vec![s]))
    })
    .await;
    let e = c.check("user_ada".into(), "sso".into()).await.unwrap();
    assert_eq!(e.kind, EntitlementKind::NotGranted);
    let caps = Entitlements::capabilities(&c);
    assert!(!caps.reports_limit && !caps.reports_used);
}

// ---------------------------------------------------------------- invoices

fn invoice(status: &str) -> Value {
    json!({"id": "inv_1", "invoiceNumber": "FG-0001", "invoiceDate": T0, "dueDate": T0, "status": status,
           "type": "subscription", "currency": "USD", "subtotal": 2900, "taxAmount": null,
           "customerId": "cust_1", "subscriptionId": "sub_1", "billingPeriodId": "bp_1",
           "billingPeriodStartDate": T0, "billingPeriodEndDate": T0 + 1000, "pdfURL": null,
           "receiptPdfURL": null, "memo": null, "unknownLater": 1})
}

#[tokio::test]
async fn invoices_are_read_only_and_have_no_total() {
    let (server, c) = answering(|r| match r.path.as_str() {
        "/api/v1/invoices" => ok(
            json!({"data": [invoice("paid"), invoice("awaiting_payment_confirmation")],
                                        "hasMore": false, "total": 2}),
        ),
        _ => ok(json!({"invoice": invoice("some_future_status"), "invoiceLineItems": []})),
    })
    .await;
    let i = Invoices::get(&c, InvoiceId::new("inv_1")).await.unwrap();
    assert_eq!(i.status, InvoiceStatus::Other("some_future_status".into()));
    assert_eq!(i.subtotal.as_ref().map(|m| m.amount), Some(dec!(29.00)));
    assert_eq!(i.tax, None);
    assert_eq!(i.total, None);
    assert_eq!(i.provider_customer_id.as_deref(), Some("cust_1"));
    assert!(i.period.is_some());
    let page = Invoices::list(&c, InvoiceListQuery::new().status(InvoiceStatus::Open))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    let reqs = server.requests();
    assert_request(&reqs[0], "GET", "/api/v1/invoices/inv_1", None);
    assert_request(&reqs[1], "GET", "/api/v1/invoices", None);
    let e = c.finalize(InvoiceId::new("inv_1")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    let e = c.void(InvoiceId::new("inv_1")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert_eq!(server.requests().len(), 2);
    let caps = Invoices::capabilities(&c);
    assert!(!caps.finalize && !caps.void && !caps.reports_total);
}
