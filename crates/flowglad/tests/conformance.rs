//! The core conformance suite against the Flowglad emulator, through `Billing` (the `Arc`/`Box` forwarding is
//! proven once, on memory, in unibill-core), asserting exactly which behaviours Flowglad's capabilities rule
//! out.

mod support;

use support::EmuRig;
use unibill_core::Billing;
use unibill_core::conformance::{Env, Fixtures, customers, prices};
use unibill_testkit::emulators::flowglad::seed;

fn env(run: &str, rig: &EmuRig) -> Env {
    env_with(run, rig, Some(seed::PRO_PRODUCT_ID))
}

fn env_with(run: &str, rig: &EmuRig, product: Option<&str>) -> Env {
    Env::new(run)
        .with_fixtures(Fixtures {
            product_id: product.map(str::to_owned),
            // Flowglad keeps one price type per product: one-time prices go on their own product.
            one_time_product_id: Some(seed::ADDON_PRODUCT_ID.into()),
            meter_id: Some(seed::USAGE_METER_ID.into()),
            payment_method_id: None,
        })
        .with_requests_seen_fn(rig.counter())
}

#[tokio::test]
async fn customers_through_billing() {
    let rig = EmuRig::new().await;
    let billing = Billing::builder().customers(rig.client.clone()).build();
    customers::run_all(&billing.customers(), &env("billing", &rig))
        .await
        .assert_skipped(&[]);
}

#[tokio::test]
async fn prices_through_billing() {
    let rig = EmuRig::new().await;
    let billing = Billing::builder().prices(rig.client.clone()).build();
    prices::run_all(&billing.prices(), &env("billing", &rig))
        .await
        .assert_skipped(&[]);
}

#[tokio::test]
async fn both_resources_in_one_billing() {
    let rig = EmuRig::new().await;
    let billing = Billing::builder()
        .prices(rig.client.clone())
        .customers(rig.client.clone())
        .build();
    let env = env("both", &rig);
    customers::run_all(&billing.customers(), &env)
        .await
        .assert_skipped(&[]);
    prices::run_all(&billing.prices(), &env)
        .await
        .assert_skipped(&[]);
    assert_eq!(billing.capabilities().prices.provider, "flowglad");
    assert!(billing.capabilities().prices.create_archives_siblings);
}

/// Recurring (with a trial) and one-time prices, each on its own product, read back as created.
#[tokio::test]
async fn kinds_read_back_exactly() {
    use rust_decimal_macros::dec;
    use unibill_core::{Currency, Interval, IntervalUnit, Money, NewPrice, PriceKind};

    let rig = EmuRig::new().await;
    let billing = Billing::builder().prices(rig.client.clone()).build();
    let p = billing.prices();
    let recurring = NewPrice::builder(
        PriceKind::Recurring {
            interval: Interval::new(IntervalUnit::Year, 2),
            trial_days: Some(14),
        },
        Money::new(dec!(199.00), Currency::USD),
    )
    .product_id(seed::PRO_PRODUCT_ID)
    .name("Pro biennial")
    .slug("pro_biennial")
    .build()
    .unwrap();
    let one_time = NewPrice::builder(PriceKind::OneTime, Money::new(dec!(49), Currency::USD))
        .product_id(seed::ADDON_PRODUCT_ID)
        .slug("lifetime_addon")
        .build()
        .unwrap();
    for input in [recurring, one_time] {
        let created = p.create(input.clone()).await.expect("create");
        let got = p.get(created.id.clone()).await.expect("get");
        for price in [&created, &got] {
            assert_eq!(&price.kind, input.kind());
            assert_eq!(&price.unit_amount, input.unit_amount());
            assert_eq!(&price.scheme, input.scheme());
            assert_eq!(price.product_id.as_deref(), input.product_id());
            assert_eq!(price.slug.as_deref(), input.slug());
            assert_eq!(price.is_default, Some(true));
            assert!(price.active);
            assert_eq!(price.provider, "flowglad");
            assert!(price.raw.is_some() && price.created_at.is_some());
        }
    }
}
