//! The core lifecycle conformance suite (`unibill_core::conformance::lifecycle::run_all`) against the Flowglad
//! emulator, through one `Billing` routing customers, prices and the six lifecycle resources to the adapter.
//!
//! Flowglad has no product route the adapter drives (products are made in the dashboard or seeded with the
//! pricing model), so the environment's product factory hands out products seeded in the emulator, one per
//! behaviour, each in the key's pricing model. The time is the emulator's clock, so events fall inside the
//! subscriptions' periods.
//!
//! Flowglad cannot create a metered feature (a credit grant's amount lives on the feature, finding 14): the
//! suite builds each catalogue from the meter and its usage price (not on a product: Flowglad forbids it),
//! checks re-sent usage by the `Duplicate` answers (nothing reads usage back), and expects the metered feature
//! of the unlimited behaviour to be `Unsupported` before any request. The organisation allows several
//! subscriptions per customer (the cancel behaviour holds two), and the environment moves the emulator's
//! clock, so the period-end behaviour runs (its invoice part needs totals, which Flowglad does not report).
//! Only the invoice-total behaviour is skipped: Flowglad invoices have no total.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jiff::Timestamp;
use jiff::tz::TimeZone;
use support::{EmuRig, KEY};
use unibill_core::Currency;
use unibill_core::conformance::{Env, lifecycle};
use unibill_core::{Billing, Clock, ProductId};
use unibill_testkit::emulators::flowglad::FlowgladEmulator;

/// Products seeded for the factory (one per catalogue the suite may build).
const PRODUCTS: usize = 16;

/// The emulator's clock as a core [`Clock`].
#[derive(Debug)]
struct EmulatorClock(FlowgladEmulator);

impl Clock for EmulatorClock {
    fn now(&self) -> SystemTime {
        let ms = u64::try_from(self.0.now_ms()).expect("a time after the epoch");
        UNIX_EPOCH + Duration::from_millis(ms)
    }
}

fn product_id(i: usize) -> String {
    format!("prod_conformance_{i}")
}

async fn rig() -> EmuRig {
    // Some behaviours hold two subscriptions for one customer (one cancel scheduled, one canceled now).
    let mut builder =
        FlowgladEmulator::builder(KEY).allow_multiple_subscriptions_per_customer(true);
    for i in 0..PRODUCTS {
        builder = builder.product(product_id(i), false);
    }
    EmuRig::with(builder.build(), Currency::USD).await
}

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

fn env(rig: &EmuRig) -> Env {
    let next = Arc::new(AtomicUsize::new(0));
    let emulator = rig.emulator.clone();
    let mover = rig.emulator.clone();
    Env::new("lifecycle")
        .with_requests_seen_fn(rig.counter())
        .with_time(Arc::new(EmulatorClock(emulator.clone())), move |span| {
            let now = Timestamp::from_millisecond(mover.now_ms()).expect("an emulator time");
            let later = now
                .to_zoned(TimeZone::UTC)
                .checked_add(span)
                .expect("a time in range")
                .timestamp();
            mover.advance_clock(later.as_millisecond() - now.as_millisecond());
        })
        .with_product_factory(move |_name| {
            let i = next.fetch_add(1, Ordering::Relaxed);
            assert!(i < PRODUCTS, "more catalogues than seeded products");
            async move { ProductId::new(product_id(i)) }
        })
}

#[tokio::test]
async fn lifecycle_through_billing() {
    let rig = rig().await;
    let billing = billing(&rig);
    let caps = billing.capabilities();
    // The gaps the suite builds around: no metered feature (its catalogue is the meter and its usage price),
    // no usage read back (re-sends are checked as duplicates), no invoice totals.
    assert!(caps.features.kinds.boolean && !caps.features.kinds.metered);
    assert!(!caps.entitlements.reports_used && caps.usage.reports_duplicates);
    assert!(!caps.invoices.reports_total);
    let report = lifecycle::run_all(&billing, &env(&rig)).await;
    println!("{report}");
    report.assert_skipped(&[(
        "invoice_totals_exact_to_the_minor_unit",
        "needs invoice lists that report totals and lines",
    )]);
}
