//! The core lifecycle conformance suite (`unibill_core::conformance::lifecycle::run_all`) against the Flexprice
//! emulator, through one `Billing` routing customers, prices and the six lifecycle resources to the adapter.
//!
//! **Ignored until three gaps outside this crate close** (the adapter's flow runs end to end in
//! `lifecycle_emulator.rs` meanwhile):
//! 1. the suite's catalogue gives every behaviour a product id of its own (`Env::unique`) and never creates it,
//!    while a Flexprice price needs an existing plan (404 "The specified plan does not exist"): the suite needs
//!    a way to make a product (a hook in `Env`/`Fixtures`);
//! 2. the emulator has no `POST /entitlements/search` (notes §4), which `grant` reads before its first attempt
//!    and after an ambiguous one (review finding 13);
//! 3. events are stamped with `Env::now()` (the system clock) while the emulator's clock starts at
//!    2026-08-22T13:00:01Z and cannot be moved, so usage falls outside the subscription's period: the suite
//!    needs the emulator's clock (`Env::with_time`, which also enables the period-end behaviour).
//!
//! The emulator also answers 501 to an immediate cancel with `generate_invoice` (the suite's default).

mod support;

use support::EmuRig;
use unibill_core::Billing;
use unibill_core::conformance::{Env, lifecycle};

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

#[tokio::test]
#[ignore = "blocked: the suite makes no Flexprice plans, the emulator lacks /entitlements/search and a movable clock (module docs)"]
async fn lifecycle_through_billing() {
    let rig = EmuRig::new().await;
    let billing = billing(&rig);
    let emulator = rig.emulator.clone();
    let env = Env::new("lifecycle").with_requests_seen_fn(move || emulator.request_count() as u64);
    lifecycle::run_all(&billing, &env).await.assert_skipped(&[]);
}
