//! The lifecycle adapter end to end against the Flexprice emulator through its own calls (the core suite
//! runs in `lifecycle_conformance.rs`): a plan with a fixed and a usage price, a meter and its
//! carrier feature, a keyed subscription (draft, then active), usage re-sent whole, invoices and the cancel
//! states.

mod support;

use rust_decimal_macros::dec;
use support::EmuRig;
use unibill_core::{
    Aggregation, CancelOptions, Currency, CustomerRef, Customers, EntitlementKind, Entitlements,
    ErrorKind, FeatureKind, Features, FeaturesExt, FinalInvoice, IdempotencyKey, IngestOutcome,
    Interval, InvoiceListQuery, InvoiceStatus, Invoices, Meters, MetersExt, Money, NewCustomer,
    NewFeature, NewMeter, NewPrice, NewSubscription, PackageRounding, PriceKind, Prices,
    SubscriptionListQuery, SubscriptionStatus, Subscriptions, SubscriptionsExt, Usage, UsageEvent,
};
use unibill_flexprice::NewPlan;

fn usd(d: rust_decimal::Decimal) -> Money {
    Money::new(d, Currency::USD)
}

#[tokio::test]
async fn the_flow_on_the_emulator() {
    let rig = EmuRig::new().await;
    let c = &rig.client;

    let plan = c
        .create_plan(NewPlan::builder("Pro").build().unwrap())
        .await
        .unwrap();
    let meter = MetersExt::ensure(
        c,
        NewMeter::builder("api_calls", "API calls", Aggregation::Sum)
            .build()
            .unwrap(),
    )
    .await
    .unwrap();
    assert!(meter.was_created());
    let meter = meter.into_inner();
    assert_eq!(meter.key, "api_calls");
    assert_eq!(meter.aggregation, Aggregation::Sum);
    // The meter's key is its natural key; another aggregation on it is a conflict.
    let again = MetersExt::ensure(
        c,
        NewMeter::builder("api_calls", "API calls", Aggregation::Sum)
            .build()
            .unwrap(),
    )
    .await
    .unwrap();
    assert!(!again.was_created());
    assert_eq!(again.get().id, meter.id);
    let err = Meters::create(
        c,
        NewMeter::builder("api_calls", "x", Aggregation::Max)
            .build()
            .unwrap(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict, "{err}");
    assert_eq!(
        Meters::get_by_key(c, "api_calls".into()).await.unwrap().id,
        meter.id
    );

    // The metered feature of the meter's key is its carrier.
    let carrier = FeaturesExt::ensure(
        c,
        NewFeature::builder("api_calls", "API calls", FeatureKind::metered("api_calls"))
            .build()
            .unwrap(),
    )
    .await
    .unwrap();
    assert!(!carrier.was_created());
    let sso = Features::create(
        c,
        NewFeature::builder("sso", "SSO", FeatureKind::Boolean)
            .build()
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(sso.kind, FeatureKind::Boolean);
    let err = Features::create(
        c,
        NewFeature::builder("sso", "SSO", FeatureKind::metered("api_calls"))
            .build()
            .unwrap(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);

    let fixed = Prices::create(
        c,
        NewPrice::builder(PriceKind::recurring(Interval::monthly()), usd(dec!(29.00)))
            .product_id(plan.id.as_str())
            .build()
            .unwrap(),
    )
    .await
    .unwrap();
    let meter_id = meter.id.clone().unwrap();
    Prices::create(
        c,
        NewPrice::builder(
            PriceKind::usage(Interval::monthly(), meter_id.as_str()),
            usd(dec!(0.02)),
        )
        .product_id(plan.id.as_str())
        .package(10, PackageRounding::Up)
        .build()
        .unwrap(),
    )
    .await
    .unwrap();
    Customers::create(c, NewCustomer::builder("ada", "Ada").build().unwrap())
        .await
        .unwrap();

    let key = IdempotencyKey::derive("test", &["ada-pro"]);
    let input = NewSubscription::builder(CustomerRef::external_id("ada"), fixed.id.clone())
        .key(key.clone())
        .build()
        .unwrap();
    let sub = SubscriptionsExt::ensure(c, input.clone()).await.unwrap();
    assert!(sub.was_created());
    let sub = sub.into_inner();
    assert_eq!(sub.status, SubscriptionStatus::Active);
    assert_eq!(sub.key.as_ref(), Some(&key));
    assert_eq!(sub.price_id.as_ref(), Some(&fixed.id));
    assert_eq!(
        sub.product_id.as_ref().map(|p| p.as_str()),
        Some(plan.id.as_str())
    );
    assert_eq!(sub.customer_external_id.as_deref(), Some("ada"));
    // The same key again (a rebuilt input): the same subscription.
    let again = SubscriptionsExt::ensure(c, input.clone()).await.unwrap();
    assert!(!again.was_created());
    assert_eq!(again.get().id, sub.id);
    let mine = Subscriptions::list(
        c,
        SubscriptionListQuery::new().customer(CustomerRef::external_id("ada")),
    )
    .await
    .unwrap();
    assert_eq!(
        mine.items.len(),
        1,
        "one subscription for one key: {:?}",
        mine.items
    );

    // 1,500 events inside the running period, each batch sent twice: all accepted.
    let at = sub.current_period.unwrap().start() + jiff::SignedDuration::from_mins(5);
    let events: Vec<UsageEvent> = (0..1500)
        .map(|i| {
            UsageEvent::builder("ada", "api_calls", dec!(1))
                .key(IdempotencyKey::derive("test.usage", &[&i.to_string()]))
                .occurred_at(at)
                .build()
                .unwrap()
        })
        .collect();
    for batch in events.chunks(1000) {
        for _ in 0..2 {
            let report = Usage::ingest(c, batch.to_vec()).await.unwrap();
            assert_eq!(report.accepted(), batch.len(), "{report:?}");
        }
    }
    let one = Usage::ingest(c, vec![events[0].clone(), events[0].clone()])
        .await
        .unwrap();
    let outcomes: Vec<_> = one.iter().map(|(_, o)| o.name()).collect();
    assert_eq!(outcomes, ["accepted", "duplicate"]);
    assert!(matches!(
        one.iter().next().unwrap().1,
        IngestOutcome::Accepted
    ));
    let status = Usage::status(c, vec![events[0].key().clone()])
        .await
        .unwrap();
    assert_eq!(status.len(), 1);

    // No grant was made (the emulator has no entitlement search yet): the features are not granted.
    let e = Entitlements::check(c, "ada".into(), "sso".into())
        .await
        .unwrap();
    assert_eq!(e.kind, EntitlementKind::NotGranted);
    assert!(!e.access);

    // Invoices: the subscription's opening invoice.
    let invoices = Invoices::list(c, InvoiceListQuery::new().subscription_id(sub.id.clone()))
        .await
        .unwrap()
        .items;
    assert!(!invoices.is_empty(), "an opening invoice");
    let inv = &invoices[0];
    assert_eq!(inv.currency, Currency::USD);
    let got = Invoices::get(c, inv.id.clone()).await.unwrap();
    assert_eq!(got.id, inv.id);
    if got.status == InvoiceStatus::Draft {
        let open = Invoices::finalize(c, got.id.clone()).await.unwrap();
        assert_eq!(open.status, InvoiceStatus::Open);
        let again = Invoices::finalize(c, got.id.clone()).await.unwrap();
        assert_eq!(again.status, InvoiceStatus::Open);
    }
    if got.status != InvoiceStatus::Paid {
        let void = Invoices::void(c, got.id.clone()).await.unwrap();
        assert_eq!(void.status, InvoiceStatus::Void);
        let again = Invoices::void(c, got.id.clone()).await.unwrap();
        assert_eq!(again.status, InvoiceStatus::Void);
    }

    // Cancel at period end (twice), uncancel (twice), cancel now (twice); a canceled one is not uncanceled.
    let scheduled = Subscriptions::cancel(c, sub.id.clone(), CancelOptions::at_period_end())
        .await
        .unwrap();
    assert_eq!(scheduled.status, SubscriptionStatus::CancelScheduled);
    assert!(scheduled.cancel_at_period_end);
    let twice = Subscriptions::cancel(c, sub.id.clone(), CancelOptions::at_period_end())
        .await
        .unwrap();
    assert_eq!(twice.cancel_at, scheduled.cancel_at);
    let back = Subscriptions::uncancel(c, sub.id.clone()).await.unwrap();
    assert_eq!(back.status, SubscriptionStatus::Active);
    assert!(back.cancel_at.is_none() && !back.cancel_at_period_end);
    let still = Subscriptions::uncancel(c, sub.id.clone()).await.unwrap();
    assert_eq!(still.status, SubscriptionStatus::Active);
    // No final invoice here (`Skip`): the conformance suite cancels with `Generate` and checks its usage.
    let now = CancelOptions::immediately().final_invoice(FinalInvoice::Skip);
    let ended = Subscriptions::cancel(c, sub.id.clone(), now).await.unwrap();
    assert_eq!(ended.status, SubscriptionStatus::Canceled);
    assert!(ended.canceled_at.is_some());
    let twice = Subscriptions::cancel(c, sub.id.clone(), now).await.unwrap();
    assert_eq!(twice.canceled_at, ended.canceled_at);
    let err = Subscriptions::uncancel(c, sub.id.clone())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
}
