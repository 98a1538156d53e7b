//! The core lifecycle conformance suite (`unibill_core::conformance::lifecycle::run_all`) against the Flowglad
//! emulator, through one `Billing` routing customers, prices and the six lifecycle resources to the adapter.
//!
//! Flowglad has no product route the adapter drives (products are made in the dashboard or seeded with the
//! pricing model), so the environment's product factory hands out products seeded in the emulator, one per
//! behaviour, each in the key's pricing model. The time is the emulator's clock, so events fall inside the
//! subscriptions' periods.
//!
//! Flowglad cannot create a metered feature (a credit grant's amount lives on the feature, finding 14), and
//! every catalogue of the suite needs one: each catalogue behaviour is skipped for that reason, and only the
//! validation behaviour runs.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

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
    let mut builder = FlowgladEmulator::builder(KEY);
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
    Env::new("lifecycle")
        .with_requests_seen_fn(rig.counter())
        .with_now(Arc::new(EmulatorClock(rig.emulator.clone())))
        .with_product_factory(move |_name| {
            let i = next.fetch_add(1, Ordering::Relaxed);
            assert!(i < PRODUCTS, "more catalogues than seeded products");
            async move { ProductId::new(product_id(i)) }
        })
}

const FLOW_NEEDS: &str = "needs customers, recurring and usage prices, sum meters, boolean and metered \
                          features with grants, subscriptions, usage and entitlement checks";

#[tokio::test]
async fn lifecycle_through_billing() {
    let rig = rig().await;
    let billing = billing(&rig);
    let caps = billing.capabilities();
    // The gap every catalogue behaviour is skipped for.
    assert!(caps.features.kinds.boolean && !caps.features.kinds.metered);
    let report = lifecycle::run_all(&billing, &env(&rig)).await;
    println!("{report}");
    report.assert_skipped(&[
        ("the_whole_flow", FLOW_NEEDS),
        ("duplicate_key_for_every_create", FLOW_NEEDS),
        ("batch_resent_whole_counts_once", FLOW_NEEDS),
        ("one_bad_event_rejects_only_itself", FLOW_NEEDS),
        ("cancel_twice_is_success", FLOW_NEEDS),
        ("unlimited_limit_is_unlimited", FLOW_NEEDS),
        ("invoice_totals_exact_to_the_minor_unit", FLOW_NEEDS),
        ("period_end_bills_and_cancels", FLOW_NEEDS),
    ]);
    assert_eq!(
        report.passed().collect::<Vec<_>>(),
        ["validation_before_io"]
    );
}
