//! The core conformance suites for customers and connections against the emulator, through `Billing` (the
//! `Arc<dyn _>`/`Box<dyn _>` forwarding is generic core code, proven once on memory in unibill-core), each
//! asserting exactly which behaviours Flexprice's capabilities rule out: none.

mod support;

use support::EmuRig;
use unibill_core::Billing;
use unibill_core::conformance::{Env, connections, customers};

fn env(rig: &EmuRig, run: &str) -> Env {
    let emulator = rig.emulator.clone();
    Env::new(run).with_requests_seen_fn(move || emulator.request_count() as u64)
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
async fn both_resources_in_one_billing() {
    let rig = EmuRig::new().await;
    let billing = Billing::builder()
        .customers(rig.client.clone())
        .connections(rig.client.clone())
        .build();
    let caps = billing.capabilities();
    assert_eq!(caps.customers.provider, "flexprice");
    assert_eq!(caps.connections.provider, "flexprice");
    let env = env(&rig, "both");
    customers::run_all(&billing.customers(), &env)
        .await
        .assert_skipped(&[]);
    connections::run_all(&billing.connections(), &env)
        .await
        .assert_skipped(&[]);
}
