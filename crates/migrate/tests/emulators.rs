//! Memory → Flexprice emulator and Flexprice emulator → Flowglad emulator at the scale (10,000
//! customers, 200 prices, 2,000 subscriptions): everything moves and verifies clean, each source subscription
//! is set to cancel where its copy starts; a second apply sends nothing; `plan` writes nothing and names what
//! cannot move.

mod support;

use std::collections::BTreeMap;

use unibill_core::{
    Billing, Currency, Customers, Interval, Metadata, Money, NewCustomer, NewPrice, PriceKind,
    PriceTier, Prices, TierMode,
};
use unibill_migrate::{Action, FlexpricePlans, Ledger, Migration, ProductMap, ResourceKind};

use support::*;

const CUSTOMERS: usize = 10_000;
const PRICES: usize = 200;
const SUBSCRIPTIONS: usize = 2_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_to_flexprice_moves_everything_and_verifies_clean() {
    let source = memory_source(CUSTOMERS, PRICES).await;
    fill_subscriptions(&source, CUSTOMERS, SUBSCRIPTIONS).await;
    let destination = Flexprice::start().await;
    let path = ledger_path("memory-flexprice");
    let migration = Migration::builder(
        source.clone(),
        destination.billing(),
        Ledger::open(&path, "memory", "flexprice").unwrap(),
    )
    .products(FlexpricePlans::new(destination.client.clone()))
    .subscriptions(true)
    .build();

    let inventory = migration.inventory().await.unwrap();
    assert_eq!(inventory.source[&ResourceKind::Customer], CUSTOMERS as u64);
    assert_eq!(inventory.source[&ResourceKind::Price], PRICES as u64);
    assert_eq!(
        inventory.source[&ResourceKind::Subscription],
        SUBSCRIPTIONS as u64
    );
    assert_eq!(inventory.destination[&ResourceKind::Customer], 0);
    assert_eq!(inventory.destination[&ResourceKind::Subscription], 0);

    let plan = migration.plan().await.unwrap();
    assert_eq!(
        plan.blocked().count(),
        0,
        "{:?}",
        plan.blocked().take(3).collect::<Vec<_>>()
    );
    let counts = plan.counts();
    assert_eq!(counts[&ResourceKind::Customer].create, CUSTOMERS as u64);
    assert_eq!(counts[&ResourceKind::Product].create, (PRICES / 10) as u64);
    assert_eq!(counts[&ResourceKind::Price].create, PRICES as u64);
    assert_eq!(
        counts[&ResourceKind::Subscription].create,
        SUBSCRIPTIONS as u64
    );
    assert!(
        writes(&destination.server).is_empty(),
        "{:?}",
        writes(&destination.server)
    );

    let report = migration.apply().await.unwrap();
    assert!(report.is_complete(), "{:?}", report.failures);
    assert_eq!(
        report.counts[&ResourceKind::Customer].created,
        CUSTOMERS as u64
    );
    assert_eq!(report.counts[&ResourceKind::Price].created, PRICES as u64);
    assert_eq!(destination.emulator.customer_count(), CUSTOMERS);
    assert_eq!(destination.emulator.live_price_count(), PRICES);
    assert_eq!(
        report.counts[&ResourceKind::Subscription].created,
        SUBSCRIPTIONS as u64
    );
    assert_eq!(
        report.counts[&ResourceKind::SourceCancel].created,
        SUBSCRIPTIONS as u64
    );
    assert_subscriptions_moved(&source, &destination.billing(), false).await;

    let verified = migration.verify().await.unwrap();
    assert!(
        verified.ok,
        "{:?}",
        &verified.findings[..verified.findings.len().min(5)]
    );
    assert_eq!(
        verified.compared,
        (CUSTOMERS + PRICES + SUBSCRIPTIONS) as u64
    );

    // Everything is in the ledger: a second apply writes nothing.
    destination.server.requests();
    let before = writes(&destination.server).len();
    let again = migration.apply().await.unwrap();
    assert_eq!(
        again.counts[&ResourceKind::Customer].skipped,
        CUSTOMERS as u64
    );
    assert_eq!(again.counts[&ResourceKind::Price].skipped, PRICES as u64);
    assert_eq!(
        again.counts[&ResourceKind::Subscription].skipped,
        SUBSCRIPTIONS as u64
    );
    assert_eq!(
        again.counts[&ResourceKind::SourceCancel].skipped,
        SUBSCRIPTIONS as u64
    );
    assert_eq!(writes(&destination.server).len(), before);
}

/// Every source subscription has exactly one copy on `destination` (by its derived key), starting where the
/// source's paid period ends, and the source is set to cancel at that instant.
async fn assert_subscriptions_moved(source: &Billing, destination: &Billing, as_trial: bool) {
    use futures::TryStreamExt;
    use unibill_core::{SubscriptionListQuery, SubscriptionStatus, SubscriptionsExt};
    let all = |b: &Billing| {
        let b = b.clone();
        async move {
            b.subscriptions()
                .list_all(SubscriptionListQuery::new().limit(100))
                .try_collect::<Vec<_>>()
                .await
                .unwrap()
        }
    };
    let sources = all(source).await;
    let copies = all(destination).await;
    assert_eq!(sources.len(), SUBSCRIPTIONS);
    let by_key: BTreeMap<&str, Vec<&unibill_core::Subscription>> =
        copies.iter().fold(BTreeMap::new(), |mut m, s| {
            if let Some(k) = &s.key {
                m.entry(k.as_str()).or_default().push(s);
            }
            m
        });
    for s in &sources {
        let key = unibill_migrate::subscription_key(s.id.as_str());
        let found = by_key.get(key.as_str()).map(Vec::as_slice).unwrap_or(&[]);
        assert_eq!(found.len(), 1, "copies of {}", s.id);
        assert_eq!(s.status, SubscriptionStatus::CancelScheduled, "{}", s.id);
        let end = s.cancel_at.unwrap();
        let starts = if as_trial {
            found[0].trial_end
        } else {
            found[0].current_period.map(|p| p.start())
        };
        assert_eq!(
            starts.map(|t| t.as_millisecond()),
            Some(end.as_millisecond()),
            "{}",
            s.id
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flexprice_to_flowglad_moves_everything_and_verifies_clean() {
    let source = Flexprice::start().await;
    let plans = fill_flexprice(&source, CUSTOMERS, PRICES).await;
    source.align_clock_to_now();
    fill_subscriptions(&source.billing(), CUSTOMERS, SUBSCRIPTIONS).await;
    let destination = Flowglad::start(PRICES).await;
    let map = ProductMap::new(
        plans
            .iter()
            .enumerate()
            .map(|(i, p)| (p.clone(), flowglad_product(i))),
    );
    let path = ledger_path("flexprice-flowglad");
    let migration = Migration::builder(
        source.billing(),
        destination.billing(),
        Ledger::open(&path, "flexprice", "flowglad").unwrap(),
    )
    .products(map)
    .destination_currencies(vec![Currency::USD])
    .subscriptions(true)
    .build();
    let plan = migration.plan().await.unwrap();
    assert_eq!(
        plan.blocked().count() + plan.manual_review().count(),
        0,
        "{:?}",
        plan.items()
            .filter(|i| !i.moves())
            .take(3)
            .collect::<Vec<_>>()
    );
    assert_eq!(
        plan.counts()[&ResourceKind::Subscription].create,
        SUBSCRIPTIONS as u64
    );
    assert!(writes(&destination.server).is_empty());
    let report = migration.apply().await.unwrap();
    assert!(report.is_complete(), "{:?}", report.failures);
    assert_eq!(destination.emulator.customer_count(), CUSTOMERS);
    assert_eq!(destination.emulator.active_price_count(), PRICES);
    assert_eq!(
        report.counts[&ResourceKind::SourceCancel].created,
        SUBSCRIPTIONS as u64
    );
    assert_subscriptions_moved(&source.billing(), &destination.billing(), true).await;
    let verified = migration.verify().await.unwrap();
    assert!(
        verified.ok,
        "{:?}",
        &verified.findings[..verified.findings.len().min(5)]
    );
    assert_eq!(
        verified.compared,
        (CUSTOMERS + PRICES + SUBSCRIPTIONS) as u64
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_names_what_flowglad_cannot_hold_and_writes_nothing() {
    use jiff::{ToSpan, tz::TimeZone};
    use unibill_core::{
        CancelOptions, CustomerRef, ManualClock, NewSubscription, RequestCounter, Subscriptions,
        Trial,
    };
    // The source's clock starts so that a subscription made first renews within the hour.
    let renews_soon = (jiff::Timestamp::now() + 1.hour())
        .to_zoned(TimeZone::UTC)
        .checked_sub(1.month())
        .unwrap()
        .timestamp();
    let clock = ManualClock::new(renews_soon);
    let source = Billing::memory_on(std::sync::Arc::new(clock.clone()), RequestCounter::new());
    let customers = source.customers();
    customers.create(customer(1)).await.unwrap();
    customers
        .create(
            NewCustomer::builder("no-email", "No Email")
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let mut m = Metadata::new();
    m.insert("tier", "gold");
    customers
        .create(
            NewCustomer::builder("with-metadata", "Meta")
                .email("m@example.com")
                .metadata(m)
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let prices = source.prices();
    let monthly = PriceKind::recurring(Interval::monthly());
    let usd = |a: &str| Money::parse(a, Currency::USD).unwrap();
    let ok = prices
        .create(
            NewPrice::builder(monthly.clone(), usd("9.00"))
                .product_id("p_ok")
                .slug("ok")
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let tiered = prices
        .create(
            NewPrice::builder(monthly.clone(), usd("0"))
                .product_id("p_tiered")
                .slug("tiered")
                .tiered(
                    TierMode::Volume,
                    vec![
                        PriceTier::up_to(5, usd("2.00")),
                        PriceTier::rest(usd("1.00")),
                    ],
                )
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let euro = prices
        .create(
            NewPrice::builder(
                monthly.clone(),
                Money::parse("9.00", Currency::EUR).unwrap(),
            )
            .product_id("p_eur")
            .slug("euro")
            .build()
            .unwrap(),
        )
        .await
        .unwrap();
    let sub_cent = prices
        .create(
            NewPrice::builder(monthly.clone(), usd("0.005"))
                .product_id("p_sub")
                .slug("sub-cent")
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let second = prices
        .create(
            NewPrice::builder(monthly.clone(), usd("19.00"))
                .product_id("p_ok")
                .slug("ok-2")
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let unmapped = prices
        .create(
            NewPrice::builder(monthly, usd("5.00"))
                .product_id("p_nowhere")
                .slug("nowhere")
                .build()
                .unwrap(),
        )
        .await
        .unwrap();

    // Subscriptions: one that moves, and one for each reason not to.
    let subs = source.subscriptions();
    let subscribe = |customer: &str, price: &unibill_core::Price, trial: Trial| {
        NewSubscription::builder(CustomerRef::external_id(customer), price.id.clone())
            .trial(trial)
            .build()
            .unwrap()
    };
    let renewing = subs
        .create(subscribe("user-00001", &ok, Trial::None))
        .await
        .unwrap();
    clock.advance(2.days());
    let moves = subs
        .create(subscribe("user-00001", &ok, Trial::None))
        .await
        .unwrap();
    let of_blocked_customer = subs
        .create(subscribe("no-email", &ok, Trial::None))
        .await
        .unwrap();
    let of_blocked_price = subs
        .create(subscribe("user-00001", &tiered, Trial::None))
        .await
        .unwrap();
    let trialing = subs
        .create(subscribe("user-00001", &ok, Trial::Days(3)))
        .await
        .unwrap();
    let canceled = subs
        .create(subscribe("user-00001", &ok, Trial::None))
        .await
        .unwrap();
    subs.cancel(canceled.id.clone(), CancelOptions::immediately())
        .await
        .unwrap();
    let ending = subs
        .create(subscribe("user-00001", &ok, Trial::None))
        .await
        .unwrap();
    subs.cancel(ending.id.clone(), CancelOptions::at_period_end())
        .await
        .unwrap();

    let destination = Flowglad::start(4).await;
    let map = ProductMap::new([
        ("p_ok", flowglad_product(0)),
        ("p_tiered", flowglad_product(1)),
        ("p_eur", flowglad_product(2)),
        ("p_sub", flowglad_product(3)),
    ]);
    let migration = Migration::builder(
        source,
        destination.billing(),
        Ledger::open(ledger_path("blocked"), "memory", "flowglad").unwrap(),
    )
    .products(map)
    .destination_currencies(vec![Currency::USD])
    .subscriptions(true)
    .build();
    let plan = migration.plan().await.unwrap();
    let sub_action = |id: &unibill_core::SubscriptionId| {
        plan.subscriptions
            .iter()
            .find(|i| i.source_id == id.as_str())
            .map(|i| i.action.clone())
            .unwrap()
    };
    assert_eq!(sub_action(&moves.id), Action::Create);
    for (sub, capability) in [
        (&of_blocked_customer, "customer"),
        (&of_blocked_price, "price_id"),
        (&canceled, "status"),
    ] {
        match sub_action(&sub.id) {
            Action::Blocked { capability: c, .. } => assert_eq!(c, capability, "{}", sub.id),
            other => panic!("{}: {other:?}", sub.id),
        }
    }
    for (sub, says) in [
        (&renewing, "within 24 hours"),
        (&trialing, "trialing"),
        (&ending, "cancel_scheduled"),
    ] {
        match sub_action(&sub.id) {
            Action::ManualReview { reason } => assert!(reason.contains(says), "{reason}"),
            other => panic!("{}: {other:?}", sub.id),
        }
    }
    let blocked: BTreeMap<String, (String, String)> = plan
        .prices
        .iter()
        .chain(&plan.customers)
        .filter(|i| i.is_blocked())
        .map(|i| match &i.action {
            Action::Blocked { capability, reason } => {
                (i.natural_key.clone(), (capability.clone(), reason.clone()))
            }
            _ => unreachable!(),
        })
        .collect();
    let capability = |key: &str| blocked.get(key).map(|(c, _)| c.as_str());
    assert_eq!(capability("no-email"), Some("email"), "{blocked:?}");
    assert_eq!(capability("with-metadata"), Some("metadata"), "{blocked:?}");
    assert_eq!(capability("tiered"), Some("scheme"), "{blocked:?}");
    assert_eq!(capability("euro"), Some("currency"), "{blocked:?}");
    assert_eq!(capability("sub-cent"), Some("unit_amount"), "{blocked:?}");
    assert_eq!(
        capability("ok-2"),
        Some("create_archives_siblings"),
        "{blocked:?}"
    );
    assert_eq!(capability("nowhere"), Some("product_id"), "{blocked:?}");
    assert!(blocked["nowhere"].1.contains("p_nowhere"), "{blocked:?}");
    assert_eq!(blocked.len(), 7, "{blocked:?}");
    let ids: Vec<&str> = plan.prices.iter().map(|i| i.source_id.as_str()).collect();
    for p in [&ok, &tiered, &euro, &sub_cent, &second, &unmapped] {
        assert!(ids.contains(&p.id.as_str()));
    }
    // The plan read the destination and wrote nothing to it.
    assert!(destination.server.request_count() > 0);
    assert!(
        writes(&destination.server).is_empty(),
        "{:?}",
        writes(&destination.server)
    );

    // Apply moves what can move and leaves the blocked alone; verify is clean over what was planned.
    let report = migration.apply().await.unwrap();
    assert!(report.is_complete(), "{:?}", report.failures);
    assert_eq!(destination.emulator.customer_count(), 1);
    assert_eq!(destination.emulator.active_price_count(), 1);
    let copy = report.counts[&ResourceKind::Subscription];
    assert_eq!((copy.created, copy.blocked), (1, 6), "{copy:?}");
    let moved = subs.get(moves.id.clone()).await.unwrap();
    assert_eq!(
        moved.status,
        unibill_core::SubscriptionStatus::CancelScheduled
    );
    let left = subs.get(trialing.id.clone()).await.unwrap();
    assert_eq!(
        left.status,
        unibill_core::SubscriptionStatus::Trialing,
        "left alone"
    );
    let verified = migration.verify().await.unwrap();
    assert!(verified.ok, "{:?}", verified.findings);
    assert_eq!(verified.blocked, 7 + 6);
}

/// A run killed after its ledger rows said `sending`: one customer and one slug-less price had reached the
/// destination, another customer had not. The resumed apply records the two that landed (found by external id
/// and by content) without re-sending them, creates the one that did not, and verify is clean.
#[tokio::test]
async fn resume_reconciles_sending_rows_by_natural_key_before_any_resend() {
    use unibill_core::{CustomerListQuery, PriceListQuery};
    use unibill_migrate::{MappingState, SameProducts};

    let source = Billing::memory();
    for i in 0..3 {
        source.customers().create(customer(i)).await.unwrap();
    }
    let slugged = source
        .prices()
        .create(price(0, "prod_a", false))
        .await
        .unwrap();
    let bare = source
        .prices()
        .create(price(9, "prod_b", false))
        .await
        .unwrap();
    assert!(bare.slug.is_none() && slugged.slug.is_some());
    let listed = source
        .customers()
        .list(CustomerListQuery::new())
        .await
        .unwrap()
        .items;
    let by_external = |e: &str| {
        listed
            .iter()
            .find(|c| c.external_id == e)
            .unwrap()
            .id
            .clone()
    };

    let destination = Billing::memory();
    let path = ledger_path("resume");
    let ledger = Ledger::open(&path, "memory", "memory").unwrap();
    // What the killed run left: three `sending` rows, two of whose creates landed.
    let landed = by_external("user-00000");
    let lost = by_external("user-00001");
    ledger
        .record_sending(ResourceKind::Customer, landed.as_str(), "user-00000")
        .unwrap();
    ledger
        .record_sending(ResourceKind::Customer, lost.as_str(), "user-00001")
        .unwrap();
    ledger
        .record_sending(ResourceKind::Price, bare.id.as_str(), "content")
        .unwrap();
    destination.customers().create(customer(0)).await.unwrap();
    destination
        .prices()
        .create(price(9, "prod_b", false))
        .await
        .unwrap();

    let migration = Migration::builder(source, destination.clone(), ledger)
        .products(SameProducts)
        .build();
    let report = migration.apply().await.unwrap();
    assert!(report.is_complete(), "{:?}", report.failures);
    let customers = report.counts[&ResourceKind::Customer];
    assert_eq!(
        (customers.reconciled, customers.created),
        (1, 2),
        "{customers:?}"
    );
    let prices = report.counts[&ResourceKind::Price];
    assert_eq!((prices.reconciled, prices.created), (1, 1), "{prices:?}");

    assert_eq!(
        destination
            .customers()
            .list(CustomerListQuery::new())
            .await
            .unwrap()
            .items
            .len(),
        3
    );
    assert_eq!(
        destination
            .prices()
            .list(PriceListQuery::new())
            .await
            .unwrap()
            .items
            .len(),
        2
    );
    let row = migration
        .ledger()
        .get(ResourceKind::Customer, landed.as_str())
        .unwrap()
        .unwrap();
    assert_eq!(row.state, MappingState::Created);
    assert_eq!(row.attempts, 1, "the landed create was not sent again");
    assert!(migration.verify().await.unwrap().ok);
}

/// A ledger kept for one migration is refused for another pair of providers, before anything is read.
#[test]
fn a_ledger_of_another_migration_is_refused() {
    let path = ledger_path("other-pair");
    drop(Ledger::open(&path, "memory", "flexprice").unwrap());
    let err = Ledger::open(&path, "flexprice", "flowglad").unwrap_err();
    assert!(err.to_string().contains("source `memory`"), "{err}");
}

/// Flexprice bills every price of a plan with the subscription's currency and period: a subscription to a
/// source price whose product holds another price of that period is left for manual review, never moved.
#[tokio::test]
async fn a_plan_billing_two_prices_of_one_period_is_left_for_review() {
    use unibill_core::{CustomerRef, NewSubscription, Subscriptions};
    let source = Billing::memory();
    source.customers().create(customer(0)).await.unwrap();
    let first = source
        .prices()
        .create(price(0, "prod_two", false))
        .await
        .unwrap();
    source
        .prices()
        .create(price(1, "prod_two", false))
        .await
        .unwrap();
    let sub = source
        .subscriptions()
        .create(
            NewSubscription::builder(CustomerRef::external_id("user-00000"), first.id.clone())
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let destination = Flexprice::start().await;
    let migration = Migration::builder(
        source,
        destination.billing(),
        Ledger::open(ledger_path("two-prices"), "memory", "flexprice").unwrap(),
    )
    .products(FlexpricePlans::new(destination.client.clone()))
    .subscriptions(true)
    .build();
    let plan = migration.plan().await.unwrap();
    let item = plan
        .subscriptions
        .iter()
        .find(|i| i.source_id == sub.id.as_str())
        .unwrap();
    match &item.action {
        Action::ManualReview { reason } => assert!(reason.contains("bill both"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert!(writes(&destination.server).is_empty());
}
