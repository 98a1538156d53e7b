//! The core price conformance suite against the Flexprice emulator, through `Billing` (the `Arc`/`Box`
//! forwarding is proven once, on memory, in unibill-core); and the lost-answer create (acceptance 4).

mod support;

use rust_decimal_macros::dec;
use support::EmuRig;
use unibill_core::conformance::{Env, Fixtures, prices};
use unibill_core::{
    Billing, Currency, ErrorKind, Interval, Money, NewPrice, PriceKind, PriceListQuery, Prices,
    PricesExt,
};
use unibill_testkit::Fault;

fn env(rig: &EmuRig, run: &str) -> Env {
    let emulator = rig.emulator.clone();
    let fixtures = Fixtures {
        product_id: Some(rig.emulator.add_plan("Conformance")),
        meter_id: Some(rig.emulator.add_meter("Conformance events")),
        ..Fixtures::default()
    };
    Env::new(run)
        .with_fixtures(fixtures)
        .with_requests_seen_fn(move || emulator.request_count() as u64)
}

/// Every behaviour runs through `Billing`; the exact skip list replaces checking behaviours one by one.
#[tokio::test]
async fn prices_through_billing() {
    let rig = EmuRig::new().await;
    let billing = Billing::builder().prices(rig.client.clone()).build();
    assert_eq!(billing.capabilities().prices.provider, "flexprice");
    prices::run_all(&billing.prices(), &env(&rig, "billing"))
        .await
        .assert_skipped(&[]);
}

fn priced(rig: &EmuRig, slug: &str) -> NewPrice {
    let plan = rig.emulator.add_plan("Pro");
    NewPrice::builder(
        PriceKind::recurring(Interval::monthly()),
        Money::new(dec!(29.00), Currency::USD),
    )
    .product_id(plan)
    .slug(slug)
    .build()
    .unwrap()
}

/// Acceptance 4: the server made the price, the answer was lost; the retry's 409 is reconciled by lookup key.
#[tokio::test]
async fn price_create_whose_answer_is_lost_yields_exactly_one_active_price() {
    let rig = EmuRig::new().await;
    let input = priced(&rig, "pro_monthly_usd");
    rig.server.push_fault(Fault::CloseAfterHandling);
    let p: &dyn Prices = &rig.client;
    let created = p.create(input).await.unwrap();
    assert_eq!(rig.emulator.live_price_count(), 1);
    assert_eq!(rig.emulator.price_count(), 1);
    assert_eq!(created.slug.as_deref(), Some("pro_monthly_usd"));
    assert!(
        rig.emulator.price(created.id.as_str()).is_some(),
        "the stored price is returned"
    );
    assert_eq!(rig.sleeper.delays().len(), 1, "one retry");
    let listed = p.list(PriceListQuery::new()).await.unwrap();
    assert_eq!(listed.items.len(), 1);
}

#[tokio::test]
async fn price_create_lost_when_another_price_holds_the_key_is_already_exists() {
    let rig = EmuRig::new().await;
    let p: &dyn Prices = &rig.client;
    let theirs = p.create(priced(&rig, "taken")).await.unwrap();
    rig.server.push_fault(Fault::CloseBeforeHandling);
    let mut other = priced(&rig, "taken");
    other = NewPrice::builder(PriceKind::OneTime, Money::new(dec!(1), Currency::USD))
        .product_id(other.product_id().unwrap())
        .slug("taken")
        .build()
        .unwrap();
    let err = p.create(other).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AlreadyExists);
    assert_eq!(err.existing_id(), Some(theirs.id.as_str()));
    assert_eq!(rig.emulator.live_price_count(), 1);
}

#[tokio::test]
async fn price_create_without_a_key_whose_answer_is_lost_is_outcome_unknown() {
    let rig = EmuRig::new().await;
    let plan = rig.emulator.add_plan("Pro");
    rig.server.push_fault(Fault::CloseAfterHandling);
    let p: &dyn Prices = &rig.client;
    let err = p
        .create(
            NewPrice::builder(PriceKind::OneTime, Money::new(dec!(1), Currency::USD))
                .product_id(plan)
                .build()
                .unwrap(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown);
    assert_eq!(rig.server.request_count(), 1, "never sent twice");
}

#[tokio::test]
async fn archive_whose_answer_is_lost_is_done() {
    let rig = EmuRig::new().await;
    let p: &dyn Prices = &rig.client;
    let created = p.create(priced(&rig, "gone")).await.unwrap();
    // The GET before the DELETE passes, the DELETE's answer is lost.
    rig.server
        .push_fault(Fault::Delay(std::time::Duration::ZERO));
    rig.server.push_fault(Fault::CloseAfterHandling);
    let archived = p.archive(created.id.clone()).await.unwrap();
    assert!(!archived.active);
    assert_eq!(rig.emulator.live_price_count(), 0);
    // The key is free again: ensure creates.
    assert!(p.ensure(priced(&rig, "gone")).await.unwrap().was_created());
}
