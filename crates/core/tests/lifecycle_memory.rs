//! The billing lifecycle on the memory provider: the conformance suite through `Billing` (plain, on a manual
//! clock, and over `Arc<dyn _>`/`Box<dyn _>` handles), the demo's figures, time moving subscriptions along, and
//! the signed webhook deliveries.

use std::sync::Arc;

use jiff::ToSpan;
use rust_decimal_macros::dec;
use secrecy::ExposeSecret;
use unibill_core::Clock;
use unibill_core::conformance::{Env, lifecycle};
use unibill_core::{
    Aggregation, Billing, CancelOptions, Currency, CustomerRef, Customers, EntitlementKind,
    Entitlements, ErrorKind, FeatureKind, Features, FeaturesExt, Grant, IdempotencyKey,
    IngestOutcome, Interval, InvoiceListQuery, InvoiceStatus, Invoices, Limit, ManualClock,
    MemoryLifecycle, Meters, Money, NewCustomer, NewFeature, NewMeter, NewPrice, NewSubscription,
    PackageRounding, PriceKind, Prices, RequestCounter, SubscriptionStatus, Subscriptions,
    SubscriptionsExt, Timestamp, Trial, Usage, UsageEvent, WebhookHeaders, WebhookKind, Webhooks,
};

fn start() -> Timestamp {
    "2026-01-15T09:00:00Z".parse().unwrap()
}

const NO_TIME: (&str, &str) = (
    "period_end_bills_and_cancels",
    "the environment cannot move time",
);

#[tokio::test]
async fn the_suite_through_billing() {
    let counter = RequestCounter::new();
    let billing = Billing::memory_with_counter(counter.clone());
    let env = Env::new("billing").with_requests_seen(counter);
    lifecycle::run_all(&billing, &env)
        .await
        .assert_skipped(&[NO_TIME]);
}

#[tokio::test]
async fn the_suite_on_a_manual_clock_skips_nothing() {
    let counter = RequestCounter::new();
    let clock = ManualClock::new(start());
    let billing = Billing::memory_on(Arc::new(clock.clone()), counter.clone());
    let env = Env::new("manual")
        .with_requests_seen(counter)
        .with_clock(clock);
    lifecycle::run_all(&billing, &env).await.assert_skipped(&[]);
}

/// A `Billing` whose lifecycle resources are the memory ones behind `Arc<dyn _>` or `Box<dyn _>`: the
/// forwarding impls under the guard.
fn wrapped(memory: &MemoryLifecycle, boxed: bool) -> Billing {
    let b = Billing::builder()
        .customers_arc(memory.customers())
        .prices_arc(memory.prices());
    if boxed {
        b.meters(Box::new(memory.meters()) as Box<dyn Meters>)
            .features(Box::new(memory.features()) as Box<dyn Features>)
            .subscriptions(Box::new(memory.subscriptions()) as Box<dyn Subscriptions>)
            .usage(Box::new(memory.usage()) as Box<dyn Usage>)
            .entitlements(Box::new(memory.entitlements()) as Box<dyn Entitlements>)
            .invoices(Box::new(memory.invoices()) as Box<dyn Invoices>)
            .build()
    } else {
        b.meters_arc(Arc::new(memory.meters()) as Arc<dyn Meters>)
            .features_arc(Arc::new(memory.features()))
            .subscriptions_arc(Arc::new(memory.subscriptions()))
            .usage_arc(Arc::new(memory.usage()))
            .entitlements_arc(Arc::new(memory.entitlements()))
            .invoices_arc(Arc::new(memory.invoices()))
            .build()
    }
}

#[tokio::test]
async fn the_suite_through_arc_and_box_handles() {
    for boxed in [false, true] {
        let counter = RequestCounter::new();
        let clock = ManualClock::new(start());
        let memory = MemoryLifecycle::on(Arc::new(clock.clone()), counter.clone());
        let env = Env::new(if boxed { "box" } else { "arc" })
            .with_requests_seen(counter)
            .with_clock(clock);
        lifecycle::run_all(&wrapped(&memory, boxed), &env)
            .await
            .assert_skipped(&[]);
    }
}

/// The §1 flow by hand, as `unibill demo` runs it on memory.
struct Demo {
    memory: MemoryLifecycle,
    clock: ManualClock,
    billing: Billing,
}

impl Demo {
    fn new() -> Self {
        let clock = ManualClock::new(start());
        let memory = MemoryLifecycle::on(Arc::new(clock.clone()), RequestCounter::new());
        let billing = memory.billing();
        Demo {
            memory,
            clock,
            billing,
        }
    }

    /// Meter, features, product Pro (29.00/month + 0.02 per 10 calls), grants, customer ada; the
    /// subscription's input (trial as given).
    async fn catalogue(&self, trial: Trial) -> NewSubscription {
        let b = &self.billing;
        let meter = b
            .meters()
            .create(
                NewMeter::builder("api_calls", "API calls", Aggregation::Sum)
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap();
        b.features()
            .ensure(
                NewFeature::builder("api_calls", "API calls", FeatureKind::metered("api_calls"))
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap();
        b.features()
            .create(
                NewFeature::builder("sso", "SSO", FeatureKind::Boolean)
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap();
        let usd = |a| Money::new(a, Currency::USD);
        let fixed = b
            .prices()
            .create(
                NewPrice::builder(PriceKind::recurring(Interval::monthly()), usd(dec!(29.00)))
                    .product_id("pro")
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap();
        let meter_id = meter.id.unwrap().into_string();
        b.prices()
            .create(
                NewPrice::builder(
                    PriceKind::usage(Interval::monthly(), meter_id),
                    usd(dec!(0.02)),
                )
                .package(10, PackageRounding::Up)
                .product_id("pro")
                .build()
                .unwrap(),
            )
            .await
            .unwrap();
        for feature in ["api_calls", "sso"] {
            b.features()
                .grant(Grant::builder(feature, "pro").build().unwrap())
                .await
                .unwrap();
        }
        b.customers()
            .create(NewCustomer::builder("ada", "Ada Lovelace").build().unwrap())
            .await
            .unwrap();
        NewSubscription::builder(CustomerRef::external_id("ada"), fixed.id)
            .key(IdempotencyKey::new("ada-pro").unwrap())
            .trial(trial)
            .build()
            .unwrap()
    }

    fn events(&self, n: usize) -> Vec<UsageEvent> {
        (0..n)
            .map(|i| {
                UsageEvent::builder("ada", "api_calls", dec!(1))
                    .key(IdempotencyKey::new(format!("call-{i}")).unwrap())
                    .build_at(self.clock.timestamp())
                    .unwrap()
            })
            .collect()
    }
}

#[tokio::test]
async fn the_demo_figures() {
    let demo = Demo::new();
    let b = &demo.billing;
    let input = demo.catalogue(Trial::None).await;
    let sub = b
        .subscriptions()
        .ensure(input.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(sub.status, SubscriptionStatus::Active);
    assert_eq!(
        sub.items.len(),
        2,
        "the recurring price and the product's usage price"
    );
    let events = demo.events(1500);
    for _ in 0..2 {
        for batch in events.chunks(100) {
            let report = b.usage().ingest(batch.to_vec()).await.unwrap();
            assert!(report.all_succeeded());
        }
    }
    let report = b.usage().ingest(events[..10].to_vec()).await.unwrap();
    assert_eq!(report.duplicates(), 10, "a third send is all duplicates");

    let calls = b
        .entitlements()
        .check("ada".into(), "api_calls".into())
        .await
        .unwrap();
    match calls.kind {
        EntitlementKind::Metered {
            limit,
            used,
            balance,
            resets_at,
            ..
        } => {
            assert_eq!(used, Some(dec!(1500)));
            assert_eq!(limit, Limit::Unlimited);
            assert_eq!(balance, None);
            assert_eq!(resets_at, Some(sub.current_period.unwrap().end()));
        }
        other => panic!("{other:?}"),
    }
    assert!(calls.access);
    let all = b.entitlements().list("ada".into()).await.unwrap();
    let keys: Vec<_> = all.iter().map(|e| e.feature_key.as_str()).collect();
    assert_eq!(keys, ["api_calls", "sso"]);
    let none = b
        .entitlements()
        .check("ada".into(), "nope".into())
        .await
        .unwrap();
    assert_eq!(
        (none.kind, none.access),
        (EntitlementKind::NotGranted, false)
    );
    let err = b
        .entitlements()
        .check("nobody".into(), "sso".into())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);

    let invoices = b
        .invoices()
        .list(InvoiceListQuery::new().subscription_id(sub.id.clone()))
        .await
        .unwrap()
        .items;
    assert_eq!(invoices.len(), 1);
    let invoice = &invoices[0];
    assert_eq!(invoice.status, InvoiceStatus::Draft);
    assert_eq!(invoice.total, Some(Money::new(dec!(32.00), Currency::USD)));
    assert_eq!(
        b.invoices().get(invoice.id.clone()).await.unwrap(),
        *invoice
    );

    // The same key again: Existing; the same key for another customer: Conflict.
    let again = b.subscriptions().ensure(input).await.unwrap();
    assert!(!again.was_created());
    b.customers()
        .create(NewCustomer::builder("bob", "Bob").build().unwrap())
        .await
        .unwrap();
    let reused = NewSubscription::builder(
        CustomerRef::external_id("bob"),
        sub.price_id.clone().unwrap(),
    )
    .key(IdempotencyKey::new("ada-pro").unwrap())
    .build()
    .unwrap();
    let err = b.subscriptions().create(reused).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
}

#[tokio::test]
async fn a_key_reused_with_other_content_is_rejected() {
    let demo = Demo::new();
    let b = &demo.billing;
    demo.catalogue(Trial::None).await;
    let first = demo.events(1).remove(0);
    b.usage().ingest(vec![first.clone()]).await.unwrap();
    let changed = UsageEvent::builder("ada", "api_calls", dec!(7))
        .key(first.key().clone())
        .build_at(first.occurred_at())
        .unwrap();
    let report = b.usage().ingest(vec![changed.clone()]).await.unwrap();
    match report.get(changed.key()).unwrap() {
        IngestOutcome::Rejected(e) => assert_eq!(e.kind(), ErrorKind::Conflict),
        other => panic!("{other:?}"),
    }
    // Two different events under one key in one batch: the second is InvalidInput.
    let a = UsageEvent::builder("ada", "api_calls", dec!(1))
        .key(IdempotencyKey::new("twin").unwrap())
        .build_at(demo.clock.timestamp())
        .unwrap();
    let b2 = UsageEvent::builder("ada", "api_calls", dec!(2))
        .key(IdempotencyKey::new("twin").unwrap())
        .build_at(demo.clock.timestamp())
        .unwrap();
    let report = b.usage().ingest(vec![a.clone(), b2]).await.unwrap();
    let outcomes: Vec<_> = report.iter().map(|(_, o)| o.name()).collect();
    assert_eq!(outcomes, ["recorded", "rejected"]);
    let status = b.usage().status(vec![a.key().clone()]).await.unwrap();
    assert_eq!(status[0].1, unibill_core::UsageStatus::Counted);
}

#[tokio::test]
async fn the_clock_moves_subscriptions_through_their_statuses() {
    let demo = Demo::new();
    let b = &demo.billing;
    let input = demo.catalogue(Trial::Days(14)).await;
    let sub = b.subscriptions().create(input).await.unwrap();
    assert_eq!(sub.status, SubscriptionStatus::Trialing);
    let trial_end = sub.trial_end.unwrap();
    assert_eq!(trial_end.to_string(), "2026-01-29T09:00:00Z");
    let none = b
        .invoices()
        .list(InvoiceListQuery::new().subscription_id(sub.id.clone()))
        .await
        .unwrap();
    assert!(none.items.is_empty(), "a trial bills nothing");

    demo.clock.advance(14.days());
    let active = b.subscriptions().get(sub.id.clone()).await.unwrap();
    assert_eq!(active.status, SubscriptionStatus::Active);
    let period = active.current_period.unwrap();
    assert_eq!(period.start(), trial_end);
    assert_eq!(period.end().to_string(), "2026-02-28T09:00:00Z");

    b.usage().ingest(demo.events(25)).await.unwrap();
    let scheduled = b
        .subscriptions()
        .cancel(sub.id.clone(), CancelOptions::at_period_end())
        .await
        .unwrap();
    assert_eq!(scheduled.status, SubscriptionStatus::CancelScheduled);
    assert_eq!(scheduled.cancel_at, Some(period.end()));

    demo.clock.advance(1.month());
    let ended = b.subscriptions().get(sub.id.clone()).await.unwrap();
    assert_eq!(ended.status, SubscriptionStatus::Canceled);
    assert_eq!(ended.canceled_at, Some(period.end()));
    let invoices = b
        .invoices()
        .list(InvoiceListQuery::new().subscription_id(sub.id.clone()))
        .await
        .unwrap()
        .items;
    assert_eq!(invoices.len(), 1, "one paid period, one invoice");
    assert_eq!(invoices[0].status, InvoiceStatus::Open);
    assert_eq!(invoices[0].number.as_deref(), Some("MEM-000001"));
    assert_eq!(
        invoices[0].total,
        Some(Money::new(dec!(29.06), Currency::USD)),
        "29.00 + 3 packages (25 calls, rounded up) × 0.02"
    );
    let err = b
        .subscriptions()
        .uncancel(sub.id.clone())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    let kinds: Vec<_> = demo
        .memory
        .deliveries()
        .into_iter()
        .map(|d| d.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            WebhookKind::CustomerCreated,
            WebhookKind::SubscriptionCreated,
            WebhookKind::SubscriptionUpdated, // the trial ended
            WebhookKind::SubscriptionUpdated, // the cancel was scheduled
            WebhookKind::InvoiceFinalized,
            WebhookKind::SubscriptionCanceled,
        ]
    );
}

/// A later start: until it nothing is billed and nothing granted, the subscription reads `Active` with its first
/// period beginning at the start; at the start the first period's invoice opens; a trial begins at the start.
#[tokio::test]
async fn a_later_start_bills_and_grants_nothing_before_it() {
    let demo = Demo::new();
    let b = &demo.billing;
    let input = demo.catalogue(Trial::None).await;
    let start = demo.clock.timestamp() + 240.hours();
    let input = NewSubscription::builder(input.customer().clone(), input.price_id().clone())
        .key(input.key().clone())
        .trial(Trial::None)
        .start_at(start)
        .build()
        .unwrap();
    let sub = b.subscriptions().create(input).await.unwrap();
    assert_eq!(sub.status, SubscriptionStatus::Active);
    let period = sub.current_period.unwrap();
    assert_eq!(period.start(), start);
    assert_eq!(period.end().to_string(), "2026-02-25T09:00:00Z");
    let invoices = |id: unibill_core::SubscriptionId| async move {
        b.invoices()
            .list(InvoiceListQuery::new().subscription_id(id))
            .await
            .unwrap()
            .items
    };
    assert!(
        invoices(sub.id.clone()).await.is_empty(),
        "nothing billed before the start"
    );
    let sso = b
        .entitlements()
        .check("ada".into(), "sso".into())
        .await
        .unwrap();
    assert!(!sso.access, "nothing granted before the start");

    demo.clock.advance(10.days());
    let started = b.subscriptions().get(sub.id.clone()).await.unwrap();
    assert_eq!(started.status, SubscriptionStatus::Active);
    assert_eq!(started.current_period, Some(period));
    assert_eq!(
        invoices(sub.id.clone()).await.len(),
        1,
        "the first period's invoice"
    );
    let sso = b
        .entitlements()
        .check("ada".into(), "sso".into())
        .await
        .unwrap();
    assert!(sso.access);

    // A trial begins at the start.
    let trial = NewSubscription::builder(
        CustomerRef::external_id("ada"),
        sub.price_id.clone().unwrap(),
    )
    .trial(Trial::Days(7))
    .start_at(demo.clock.timestamp() + 72.hours())
    .build()
    .unwrap();
    let trialing = b.subscriptions().create(trial).await.unwrap();
    assert_eq!(trialing.status, SubscriptionStatus::Trialing);
    assert_eq!(
        trialing.trial_end,
        Some(demo.clock.timestamp() + 240.hours())
    );
}

#[tokio::test]
async fn webhook_deliveries_verify_and_tampering_fails_with_the_reason() {
    let demo = Demo::new();
    let b = &demo.billing;
    let sub = b
        .subscriptions()
        .create(demo.catalogue(Trial::None).await)
        .await
        .unwrap();
    let invoice = b
        .invoices()
        .list(InvoiceListQuery::new())
        .await
        .unwrap()
        .items
        .remove(0);
    b.invoices().finalize(invoice.id.clone()).await.unwrap();
    b.invoices().void(invoice.id.clone()).await.unwrap();
    b.subscriptions()
        .cancel(sub.id.clone(), CancelOptions::immediately())
        .await
        .unwrap();

    let webhooks = demo.memory.webhooks();
    let now = demo.clock.timestamp();
    let deliveries = demo.memory.deliveries();
    let events: Vec<_> = deliveries
        .iter()
        .map(|d| webhooks.verify(&d.headers, &d.body, now).unwrap())
        .collect();
    let kinds: Vec<_> = events.iter().map(|e| e.kind.clone()).collect();
    assert_eq!(
        kinds,
        [
            WebhookKind::CustomerCreated,
            WebhookKind::SubscriptionCreated,
            WebhookKind::InvoiceFinalized,
            WebhookKind::InvoiceVoided,
            WebhookKind::SubscriptionCanceled,
        ]
    );
    assert_eq!(events[0].object_type.as_deref(), Some("customer"));
    assert_eq!(events[1].object_id.as_deref(), Some(sub.id.as_str()));
    assert_eq!(events[1].customer_external_id.as_deref(), Some("ada"));
    assert_eq!(events[2].object_type.as_deref(), Some("invoice"));
    assert_eq!(events[1].delivery_id, deliveries[1].id);
    assert_eq!(events[1].occurred_at, Some(now));
    let object = events[1].object.as_ref().unwrap().to_value();
    assert_eq!(object["status"], "active");

    let d = &deliveries[1];
    let why = |headers: &WebhookHeaders, body: &[u8], now: Timestamp| {
        let err = webhooks.verify(headers, body, now).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unauthenticated);
        err.message().to_owned()
    };
    let mut tampered = d.body.clone();
    tampered.extend_from_slice(b" ");
    assert!(why(&d.headers, &tampered, now).starts_with("bad signature"));
    let later = now
        .checked_add(jiff::SignedDuration::from_secs(301))
        .unwrap();
    assert!(why(&d.headers, &d.body, later).starts_with("stale timestamp"));
    let missing: WebhookHeaders = d
        .headers
        .iter()
        .filter(|(n, _)| *n != "svix-signature")
        .collect();
    let message = why(&missing, &d.body, now);
    assert!(message.starts_with("missing header"), "{message}");
    assert!(message.contains("svix-signature"), "{message}");

    // Another instance's secret does not verify these deliveries.
    let other = MemoryLifecycle::new().webhooks();
    let err = other.verify(&d.headers, &d.body, now).unwrap_err();
    assert!(err.message().starts_with("bad signature"));

    let secret = demo.memory.webhook_secret().expose_secret().to_owned();
    assert!(secret.starts_with("whsec_"));
    for shown in [
        format!("{:?}", demo.memory),
        format!("{webhooks:?}"),
        format!("{b:?}"),
        format!("{:?}", deliveries),
        format!("{:?}", MemoryLifecycle::builder()),
    ] {
        assert!(
            !shown.contains(&secret[6..]),
            "the secret leaked into Debug"
        );
    }
}

#[tokio::test]
async fn cancel_at_an_instant_skip_the_final_invoice_and_change_price() {
    let demo = Demo::new();
    let b = &demo.billing;
    let input = demo.catalogue(Trial::None).await;
    let price = input.price_id().clone();
    let sub = b.subscriptions().create(input).await.unwrap();
    let at = start()
        .checked_add(jiff::SignedDuration::from_hours(24 * 10))
        .unwrap();
    let scheduled = b
        .subscriptions()
        .cancel(sub.id.clone(), CancelOptions::at(at))
        .await
        .unwrap();
    assert_eq!(scheduled.status, SubscriptionStatus::CancelScheduled);
    assert!(!scheduled.cancel_at_period_end);
    let past = b
        .subscriptions()
        .cancel(sub.id.clone(), CancelOptions::at(start()))
        .await
        .unwrap_err();
    assert_eq!(past.kind(), ErrorKind::InvalidInput);
    demo.clock.advance(10.days());
    let ended = b.subscriptions().get(sub.id.clone()).await.unwrap();
    assert_eq!(
        (ended.status, ended.canceled_at),
        (SubscriptionStatus::Canceled, Some(at))
    );
    let err = b
        .subscriptions()
        .change_price(sub.id.clone(), price.clone())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);

    // A second subscription: a yearly price, then canceled now without a final invoice.
    let usd = |a| Money::new(a, Currency::USD);
    let yearly = b
        .prices()
        .create(
            NewPrice::builder(PriceKind::recurring(Interval::yearly()), usd(dec!(290)))
                .product_id("pro")
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let second = b
        .subscriptions()
        .create(
            NewSubscription::builder(CustomerRef::external_id("ada"), price)
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let changed = b
        .subscriptions()
        .change_price(second.id.clone(), yearly.id.clone())
        .await
        .unwrap();
    assert_eq!(changed.price_id, Some(yearly.id));
    assert_eq!(changed.interval, Some(Interval::yearly()));
    assert_eq!(
        changed.items.len(),
        1,
        "no monthly usage price rides on a yearly one"
    );
    let period = changed.current_period.unwrap();
    assert_eq!(period.end().to_string(), "2027-01-25T09:00:00Z");
    let canceled = b
        .subscriptions()
        .cancel(
            second.id.clone(),
            CancelOptions::immediately().final_invoice(unibill_core::FinalInvoice::Skip),
        )
        .await
        .unwrap();
    assert_eq!(canceled.status, SubscriptionStatus::Canceled);
    let invoices = b
        .invoices()
        .list(InvoiceListQuery::new().subscription_id(second.id.clone()))
        .await
        .unwrap()
        .items;
    assert_eq!(invoices.len(), 1);
    assert_eq!(
        invoices[0].status,
        InvoiceStatus::Void,
        "Skip issues no invoice"
    );
    assert_eq!(invoices[0].total, Some(usd(dec!(290))));
    assert_eq!(invoices[0].amount_due, Some(usd(dec!(0))));
}
