//! The core conformance suites for customers, connections and prices against the emulator, through `Billing`
//! (the `Arc<dyn _>`/`Box<dyn _>` forwarding is generic core code, proven once on memory in unibill-core), each
//! asserting exactly which behaviours Flexprice's capabilities rule out: none.

mod support;

use support::EmuRig;
use unibill_core::Billing;
use unibill_core::conformance::{Env, Fixtures, connections, customers, prices};

/// Every price hangs off a plan, and usage prices name a meter: both are made on the emulator.
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

#[tokio::test]
async fn customers_through_billing() {
    let rig = EmuRig::new().await;
    let billing = Billing::builder().customers(rig.client.clone()).build();
    customers::run_all(&billing.customers(), &env(&rig, "billing"))
        .await
        .assert_skipped(&[]);
}

#[tokio::test]
async fn connections_through_billing() {
    let rig = EmuRig::new().await;
    let billing = Billing::builder().connections(rig.client.clone()).build();
    connections::run_all(&billing.connections(), &env(&rig, "billing"))
        .await
        .assert_skipped(&[]);
}

#[tokio::test]
async fn prices_through_billing() {
    let rig = EmuRig::new().await;
    let billing = Billing::builder().prices(rig.client.clone()).build();
    assert_eq!(billing.capabilities().prices.provider, "flexprice");
    prices::run_all(&billing.prices(), &env(&rig, "billing"))
        .await
        .assert_skipped(&[]);
}

#[tokio::test]
async fn every_resource_in_one_billing() {
    let rig = EmuRig::new().await;
    let billing = Billing::builder()
        .customers(rig.client.clone())
        .connections(rig.client.clone())
        .prices(rig.client.clone())
        .build();
    let caps = billing.capabilities();
    assert_eq!(caps.customers.provider, "flexprice");
    assert_eq!(caps.connections.provider, "flexprice");
    assert_eq!(caps.prices.provider, "flexprice");
    let env = env(&rig, "every");
    customers::run_all(&billing.customers(), &env)
        .await
        .assert_skipped(&[]);
    connections::run_all(&billing.connections(), &env)
        .await
        .assert_skipped(&[]);
    prices::run_all(&billing.prices(), &env)
        .await
        .assert_skipped(&[]);
}
