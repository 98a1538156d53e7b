//! The core lifecycle conformance suite (`unibill_core::conformance::lifecycle::run_all`) against the Flexprice
//! emulator, through one `Billing` routing customers, prices and the six lifecycle resources to the adapter.
//!
//! The environment makes every behaviour's product as a Flexprice plan (`create_plan`: a price needs an
//! existing plan) and tells the time with the emulator's clock, so events fall inside the subscriptions'
//! periods. The emulator's clock cannot run period ends (nothing scheduled runs), so the environment does not
//! move time and the period-end behaviour is skipped for it.

mod support;

use std::sync::Arc;
use std::time::SystemTime;

use support::EmuRig;
use unibill_core::conformance::{Env, lifecycle};
use unibill_core::{Billing, Clock, ProductId};
use unibill_flexprice::NewPlan;
use unibill_testkit::emulators::flexprice::FlexpriceEmulator;

/// The emulator's clock as a core [`Clock`].
#[derive(Debug)]
struct EmulatorClock(Arc<FlexpriceEmulator>);

impl Clock for EmulatorClock {
    fn now(&self) -> SystemTime {
        SystemTime::from(self.0.now())
    }
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
    let emulator = rig.emulator.clone();
    let client = rig.client.clone();
    Env::new("lifecycle")
        .with_requests_seen_fn(move || emulator.request_count() as u64)
        .with_now(Arc::new(EmulatorClock(rig.emulator.clone())))
        .with_product_factory(move |name| {
            let client = client.clone();
            async move {
                let plan = client
                    .create_plan(NewPlan::builder(name).build().expect("a valid plan"))
                    .await
                    .expect("create_plan");
                ProductId::new(plan.id)
            }
        })
}

#[tokio::test]
async fn lifecycle_through_billing() {
    let rig = EmuRig::new().await;
    let billing = billing(&rig);
    assert!(!billing.capabilities().invoices.running_period_usage);
    let report = lifecycle::run_all(&billing, &env(&rig)).await;
    println!("{report}");
    report.assert_skipped(&[
        (
            "one_bad_event_rejects_only_itself",
            "the provider accepts events before it checks their meter and customer",
        ),
        (
            "period_end_bills_and_cancels",
            "the environment cannot move time",
        ),
    ]);
}
