//! Every lifecycle trait has a mockall mock, and `Arc<dyn _>` / `Box<dyn _>` forward every method to it.

use std::sync::Arc;

use futures::TryStreamExt;
use rust_decimal_macros::dec;
use unibill_core::{
    Aggregation, CancelOptions, CustomerRef, Entitlement, EntitlementCapabilities, EntitlementKind,
    Entitlements, Error, ErrorKind, Feature, FeatureCapabilities, FeatureGrant, FeatureKind,
    FeatureListQuery, Features, FeaturesExt, Grant, IdempotencyKey, IngestOutcome, IngestReport,
    Invoice, InvoiceCapabilities, InvoiceId, InvoiceListQuery, InvoiceStatus, Invoices,
    InvoicesExt, Meter, MeterCapabilities, MeterListQuery, Meters, MetersExt, MockEntitlements,
    MockFeatures, MockInvoices, MockMeters, MockSubscriptions, MockUsage, MockWebhooks, NewFeature,
    NewMeter, NewSubscription, Page, PriceId, Subscription, SubscriptionCapabilities,
    SubscriptionId, SubscriptionListQuery, SubscriptionStatus, Subscriptions, SubscriptionsExt,
    Timestamp, Usage, UsageCapabilities, UsageEvent, UsageExt, UsageStatus, WebhookCapabilities,
    WebhookEvent, WebhookHeaders, WebhookKind, Webhooks,
};
use unibill_core::{Currency, Ensured};

fn record_all(events: Vec<UsageEvent>) -> unibill_core::Result<IngestReport> {
    let mut report = IngestReport::new();
    for e in events {
        report.push(
            e.key().clone(),
            IngestOutcome::Recorded { provider_id: None },
        );
    }
    Ok(report)
}

#[tokio::test]
async fn meters_forward_through_arc_and_box() {
    let mut mock = MockMeters::new();
    mock.expect_capabilities()
        .returning(|| MeterCapabilities::full("mock"));
    mock.expect_create().times(2).returning(|input| {
        Ok(Meter::builder(input.key(), input.name(), input.aggregation().clone()).build())
    });
    mock.expect_get_by_key()
        .returning(|key| Ok(Meter::builder(key, "M", Aggregation::Sum).build()));
    mock.expect_list().returning(|_| {
        Ok(Page::new(
            vec![Meter::builder("k", "K", Aggregation::Count).build()],
            None,
        ))
    });
    let arc: Arc<dyn Meters> = Arc::new(mock);
    let boxed: Box<dyn Meters> = Box::new(Arc::clone(&arc));
    let input = NewMeter::builder("api_calls", "API calls", Aggregation::Sum)
        .build()
        .unwrap();
    assert!(arc.capabilities().create);
    assert_eq!(arc.create(input.clone()).await.unwrap().key, "api_calls");
    assert!(boxed.ensure(input).await.unwrap().was_created());
    assert_eq!(boxed.get_by_key("x".into()).await.unwrap().key, "x");
    let all: Vec<Meter> = boxed
        .list_all(MeterListQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 1);
}

#[tokio::test]
async fn meters_ensure_returns_the_holder_of_the_key() {
    let mut mock = MockMeters::new();
    mock.expect_create().returning(|_| {
        Err(Error::already_exists(
            "meter api_calls exists",
            Some("meter_1".into()),
        ))
    });
    mock.expect_get_by_key().returning(|key| {
        Ok(Meter::builder(key, "API calls", Aggregation::Sum)
            .id("meter_1")
            .build())
    });
    let input = NewMeter::builder("api_calls", "API calls", Aggregation::Sum)
        .build()
        .unwrap();
    let got = mock.ensure(input).await.unwrap();
    assert!(
        matches!(&got, Ensured::Existing(m) if m.id.as_ref().map(|i| i.as_str()) == Some("meter_1"))
    );
}

#[tokio::test]
async fn features_forward_through_arc_and_box() {
    let mut mock = MockFeatures::new();
    mock.expect_capabilities()
        .returning(|| FeatureCapabilities::full("mock"));
    mock.expect_create().returning(|input| {
        Ok(Feature::builder(input.key(), input.name(), input.kind().clone()).build())
    });
    mock.expect_get_by_key()
        .returning(|key| Ok(Feature::builder(key, "F", FeatureKind::Boolean).build()));
    mock.expect_list()
        .returning(|_| Ok(Page::new(vec![], None)));
    mock.expect_grant()
        .returning(|g| Ok(FeatureGrant::from_input(&g)));
    let boxed: Box<dyn Features> = Box::new(mock);
    let arc: Arc<dyn Features> = Arc::new(boxed);
    assert!(arc.capabilities().grant);
    let sso = NewFeature::builder("sso", "SSO", FeatureKind::Boolean)
        .build()
        .unwrap();
    assert!(arc.ensure(sso).await.unwrap().was_created());
    assert_eq!(arc.get_by_key("sso".into()).await.unwrap().key, "sso");
    let none: Vec<Feature> = arc
        .list_all(FeatureListQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert!(none.is_empty());
    let grant = Grant::builder("sso", "plan_pro").build().unwrap();
    assert!(arc.grant(grant.clone()).await.unwrap().matches(&grant));
}

#[tokio::test]
async fn subscriptions_forward_through_arc_and_box() {
    let sub = |id: &str, status| Subscription::builder(id, status).build();
    let mut mock = MockSubscriptions::new();
    mock.expect_capabilities()
        .returning(|| SubscriptionCapabilities::full("mock"));
    mock.expect_create()
        .returning(move |_| Ok(sub("sub_1", SubscriptionStatus::Active)));
    mock.expect_get()
        .returning(move |id| Ok(sub(id.as_str(), SubscriptionStatus::Active)));
    mock.expect_list().returning(move |_| {
        Ok(Page::new(
            vec![sub("sub_1", SubscriptionStatus::Trialing)],
            None,
        ))
    });
    mock.expect_cancel()
        .returning(move |id, _| Ok(sub(id.as_str(), SubscriptionStatus::CancelScheduled)));
    mock.expect_uncancel()
        .returning(move |id| Ok(sub(id.as_str(), SubscriptionStatus::Active)));
    mock.expect_change_price().returning(move |id, price| {
        Ok(Subscription::builder(id, SubscriptionStatus::Active)
            .price_id(price)
            .build())
    });
    let arc: Arc<dyn Subscriptions> = Arc::new(mock);
    let boxed: Box<dyn Subscriptions> = Box::new(arc);
    let id = SubscriptionId::new("sub_1");
    let input = NewSubscription::builder(CustomerRef::external_id("ada"), "price_1")
        .build()
        .unwrap();
    assert!(boxed.capabilities().uncancel);
    assert!(boxed.ensure(input).await.unwrap().was_created());
    assert_eq!(boxed.get(id.clone()).await.unwrap().id, id);
    let all: Vec<Subscription> = boxed
        .list_all(SubscriptionListQuery::new().customer(CustomerRef::external_id("ada")))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(
        boxed
            .cancel(id.clone(), CancelOptions::at_period_end())
            .await
            .unwrap()
            .status,
        SubscriptionStatus::CancelScheduled
    );
    assert_eq!(
        boxed.uncancel(id.clone()).await.unwrap().status,
        SubscriptionStatus::Active
    );
    assert_eq!(
        boxed
            .change_price(id, PriceId::new("price_2"))
            .await
            .unwrap()
            .price_id,
        Some(PriceId::new("price_2"))
    );
}

#[tokio::test]
async fn subscriptions_ensure_returns_what_the_key_made() {
    let mut mock = MockSubscriptions::new();
    mock.expect_create().returning(|_| {
        Err(
            Error::already_exists("the key made sub_7", Some("sub_7".into()))
                .with_existing(Subscription::builder("sub_7", SubscriptionStatus::Active).build()),
        )
    });
    mock.expect_get().never();
    let input = NewSubscription::builder(CustomerRef::external_id("ada"), "price_1")
        .key(IdempotencyKey::new("order-7").unwrap())
        .build()
        .unwrap();
    match mock.ensure(input).await.unwrap() {
        Ensured::Existing(s) => assert_eq!(s.id.as_str(), "sub_7"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn usage_forwards_through_arc_and_box() {
    let mut mock = MockUsage::new();
    mock.expect_capabilities()
        .returning(|| UsageCapabilities::full("mock"));
    mock.expect_ingest().returning(record_all);
    mock.expect_status().returning(|keys| {
        Ok(keys
            .into_iter()
            .map(|k| (k, UsageStatus::Counted))
            .collect())
    });
    let boxed: Box<dyn Usage> = Box::new(mock);
    let arc: Arc<dyn Usage> = Arc::new(boxed);
    assert_eq!(arc.capabilities().max_batch_events, 10_000);
    let events: Vec<UsageEvent> = (0..3)
        .map(|_| {
            UsageEvent::builder("ada", "api_calls", dec!(1))
                .build()
                .unwrap()
        })
        .collect();
    let keys: Vec<IdempotencyKey> = events.iter().map(|e| e.key().clone()).collect();
    let report = arc.ingest(events).await.unwrap();
    assert_eq!(report.recorded(), 3);
    assert!(keys.iter().all(|k| report.get(k).is_some()));
    let one = UsageEvent::builder("ada", "api_calls", dec!(2))
        .build()
        .unwrap();
    assert!(arc.ingest_one(one).await.unwrap().is_success());
    let status = arc.status(keys.clone()).await.unwrap();
    assert_eq!(status[0], (keys[0].clone(), UsageStatus::Counted));
}

#[tokio::test]
async fn ingest_one_without_its_entry_is_a_provider_error() {
    let mut mock = MockUsage::new();
    mock.expect_capabilities()
        .returning(|| UsageCapabilities::full("mock"));
    mock.expect_ingest().returning(|_| Ok(IngestReport::new()));
    let e = UsageEvent::builder("ada", "api_calls", dec!(1))
        .build()
        .unwrap();
    let err = mock.ingest_one(e).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Provider);
    assert_eq!(err.operation(), Some("usage.ingest_one"));
}

#[tokio::test]
async fn entitlements_forward_through_arc_and_box() {
    let mut mock = MockEntitlements::new();
    mock.expect_capabilities()
        .returning(|| EntitlementCapabilities::full("mock"));
    mock.expect_check().returning(|customer, feature| {
        Ok(Entitlement::new(
            customer,
            feature,
            EntitlementKind::Boolean { enabled: true },
            Timestamp::UNIX_EPOCH,
        ))
    });
    mock.expect_list().returning(|_| Ok(vec![]));
    let arc: Arc<dyn Entitlements> = Arc::new(mock);
    let boxed: Box<dyn Entitlements> = Box::new(arc);
    assert!(boxed.capabilities().check);
    assert!(
        boxed
            .check("ada".into(), "sso".into())
            .await
            .unwrap()
            .access
    );
    assert!(boxed.list("ada".into()).await.unwrap().is_empty());
}

#[tokio::test]
async fn invoices_forward_through_arc_and_box() {
    let inv = |id: InvoiceId, status| Invoice::builder(id, status, Currency::USD).build();
    let mut mock = MockInvoices::new();
    mock.expect_capabilities()
        .returning(|| InvoiceCapabilities::full("mock"));
    mock.expect_get()
        .returning(move |id| Ok(inv(id, InvoiceStatus::Open)));
    mock.expect_list().returning(move |_| {
        Ok(Page::new(
            vec![inv(InvoiceId::new("inv_1"), InvoiceStatus::Paid)],
            None,
        ))
    });
    mock.expect_finalize()
        .returning(move |id| Ok(inv(id, InvoiceStatus::Open)));
    mock.expect_void()
        .returning(move |id| Ok(inv(id, InvoiceStatus::Void)));
    let boxed: Box<dyn Invoices> = Box::new(mock);
    let arc: Arc<dyn Invoices> = Arc::new(boxed);
    let id = InvoiceId::new("inv_1");
    assert!(arc.capabilities().void);
    assert_eq!(arc.get(id.clone()).await.unwrap().id, id);
    let all: Vec<Invoice> = arc
        .list_all(InvoiceListQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all[0].status, InvoiceStatus::Paid);
    assert_eq!(
        arc.finalize(id.clone()).await.unwrap().status,
        InvoiceStatus::Open
    );
    assert_eq!(arc.void(id).await.unwrap().status, InvoiceStatus::Void);
}

#[test]
fn webhooks_forward_through_arc_and_box() {
    let mut mock = MockWebhooks::new();
    mock.expect_capabilities()
        .returning(|| WebhookCapabilities::full("mock"));
    mock.expect_provider().return_const("mock");
    mock.expect_verify().returning(|headers, body, _now| {
        let id = headers
            .get("webhook-id")
            .ok_or_else(|| Error::new(ErrorKind::Unauthenticated, "no webhook-id header"))?;
        assert_eq!(body, b"{}");
        Ok(WebhookEvent::builder("mock", id, WebhookKind::ObjectChanged).build())
    });
    let arc: Arc<dyn Webhooks> = Arc::new(mock);
    let boxed: Box<dyn Webhooks> = Box::new(arc);
    assert_eq!(boxed.provider(), "mock");
    assert!(boxed.capabilities().verify);
    let headers: WebhookHeaders = [("Webhook-Id", "msg_1")].into_iter().collect();
    let event = boxed
        .verify(&headers, b"{}", Timestamp::UNIX_EPOCH)
        .unwrap();
    assert_eq!(event.delivery_id, "msg_1");
    let err = boxed
        .verify(&WebhookHeaders::new(), b"{}", Timestamp::UNIX_EPOCH)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthenticated);
}
