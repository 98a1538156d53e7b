//! The billing lifecycle end to end against the Flowglad emulator, through the guarded facade: meters,
//! features and grants, a subscription created twice with one key, usage resolved to the subscription and
//! deduplicated by `transactionId`, entitlements from the billing aggregate, cancel/uncancel and invoices.

mod support;

use rust_decimal_macros::dec;
use support::EmuRig;
use unibill_core::{
    Aggregation, Billing, CancelOptions, CancelTiming, Currency, CustomerRef, Customers, Ensured,
    EntitlementKind, ErrorKind, FeatureKind, FeaturesExt, Grant, IdempotencyKey, IngestOutcome,
    Interval, InvoiceId, InvoiceListQuery, Limit, MetersExt, Money, NewCustomer, NewFeature,
    NewMeter, NewPrice, NewSubscription, PriceKind, SubscriptionStatus, SubscriptionsExt,
    UsageEvent,
};
use unibill_testkit::emulators::flowglad::seed;

fn billing(rig: &EmuRig) -> Billing {
    let c = rig.client.clone();
    Billing::builder()
        .customers(c.clone())
        .prices(c.clone())
        .meters(c.clone())
        .features(c.clone())
        .subscriptions(c.clone())
        .usage(c.clone())
        .entitlements(c.clone())
        .invoices(c)
        .build()
}

fn key(k: &str) -> IdempotencyKey {
    IdempotencyKey::new(k).unwrap()
}

#[tokio::test]
async fn the_lifecycle_end_to_end() {
    let rig = EmuRig::new().await;
    let b = billing(&rig);

    // The seeded meter is found by slug; a second ensure of a new one comes back Existing.
    let calls = b
        .meters()
        .get_by_key(seed::USAGE_METER_SLUG.into())
        .await
        .unwrap();
    assert_eq!(
        calls.id.as_ref().map(|i| i.as_str()),
        Some(seed::USAGE_METER_ID)
    );
    let seats = NewMeter::builder("seats", "Seats", Aggregation::Sum)
        .build()
        .unwrap();
    assert!(matches!(
        b.meters().ensure(seats.clone()).await.unwrap(),
        Ensured::Created(_)
    ));
    assert!(matches!(
        b.meters().ensure(seats).await.unwrap(),
        Ensured::Existing(_)
    ));

    // A toggle feature (pricing model learnt from a meter), granted to the product.
    let sso = NewFeature::builder("sso", "SSO", FeatureKind::Boolean)
        .build()
        .unwrap();
    assert!(matches!(
        b.features().ensure(sso.clone()).await.unwrap(),
        Ensured::Created(_)
    ));
    assert!(matches!(
        b.features().ensure(sso).await.unwrap(),
        Ensured::Existing(_)
    ));
    b.features()
        .grant(Grant::builder("sso", seed::PRO_PRODUCT_ID).build().unwrap())
        .await
        .unwrap();

    b.customers()
        .create(
            NewCustomer::builder("user_ada", "Ada")
                .email("ada@example.com")
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let price = b
        .prices()
        .create(
            NewPrice::builder(
                PriceKind::recurring(Interval::monthly()),
                Money::new(dec!(29), Currency::USD),
            )
            .product_id(seed::PRO_PRODUCT_ID)
            .slug("pro_monthly")
            .build()
            .unwrap(),
        )
        .await
        .unwrap();

    // One key, two creates: one subscription.
    let input = NewSubscription::builder(CustomerRef::external_id("user_ada"), price.id.clone())
        .key(key("ada-pro"))
        .build()
        .unwrap();
    let first = match b.subscriptions().ensure(input.clone()).await.unwrap() {
        Ensured::Created(s) => s,
        other => panic!("{other:?}"),
    };
    let again = match b.subscriptions().ensure(input).await.unwrap() {
        Ensured::Existing(s) => s,
        other => panic!("{other:?}"),
    };
    assert_eq!(first.id, again.id);

    // Usage without a subscription id is resolved to the current one; a re-send is a duplicate; the same key
    // with another amount is a conflict.
    let ev = |k: &str, q| {
        UsageEvent::builder("user_ada", seed::USAGE_METER_SLUG, q)
            .key(key(k))
            .build()
            .unwrap()
    };
    let events = vec![ev("u1", dec!(3)), ev("u2", dec!(4))];
    let report = b.usage().ingest(events.clone()).await.unwrap();
    assert_eq!(report.recorded(), 2, "{report:?}");
    let again = b.usage().ingest(events.clone()).await.unwrap();
    assert_eq!(again.duplicates(), 2, "{again:?}");
    let changed = UsageEvent::builder("user_ada", seed::USAGE_METER_SLUG, dec!(9))
        .key(key("u1"))
        .occurred_at(events[0].occurred_at())
        .build()
        .unwrap();
    let report = b.usage().ingest(vec![changed]).await.unwrap();
    match report.get(&key("u1")).unwrap() {
        IngestOutcome::Rejected(e) => assert_eq!(e.kind(), ErrorKind::Conflict),
        other => panic!("{other:?}"),
    }
    assert_eq!(rig.emulator.usage_event_count(), 2);

    // Entitlements from the billing aggregate.
    let e = b
        .entitlements()
        .check("user_ada".into(), "sso".into())
        .await
        .unwrap();
    assert_eq!(e.kind, EntitlementKind::Boolean { enabled: true }, "{e:?}");
    let none = b
        .entitlements()
        .check("user_ada".into(), "nope".into())
        .await
        .unwrap();
    assert_eq!(none.kind, EntitlementKind::NotGranted);
    assert!(!matches!(
        none.kind,
        EntitlementKind::Metered {
            limit: Limit::Unlimited,
            ..
        }
    ));

    // Cancel, uncancel, cancel twice.
    let s = b
        .subscriptions()
        .cancel(
            first.id.clone(),
            CancelOptions::new(CancelTiming::AtPeriodEnd),
        )
        .await
        .unwrap();
    assert_eq!(s.status, SubscriptionStatus::CancelScheduled);
    let s = b.subscriptions().uncancel(first.id.clone()).await.unwrap();
    assert_eq!(s.status, SubscriptionStatus::Active);
    for _ in 0..2 {
        let s = b
            .subscriptions()
            .cancel(
                first.id.clone(),
                CancelOptions::new(CancelTiming::Immediately),
            )
            .await
            .unwrap();
        assert_eq!(s.status, SubscriptionStatus::Canceled);
    }
    let e = b
        .subscriptions()
        .uncancel(first.id.clone())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict);

    // Invoices: read-only.
    let inv = rig
        .emulator
        .add_invoice(first.id.as_str(), 2900, "paid")
        .unwrap();
    let got = b.invoices().get(InvoiceId::new(inv.clone())).await.unwrap();
    assert_eq!(got.subtotal, Some(Money::new(dec!(29.00), Currency::USD)));
    assert_eq!(got.total, None);
    let page = b.invoices().list(InvoiceListQuery::new()).await.unwrap();
    assert!(page.items.iter().any(|i| i.id.as_str() == inv));
    let e = b
        .invoices()
        .finalize(InvoiceId::new(inv))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
}
