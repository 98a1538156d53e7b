//! The core conformance suites for customers and connections, against the emulator, through `Billing`,
//! `Arc<dyn _>` and `Box<dyn _>`.

mod support;

use std::sync::Arc;

use support::EmuRig;
use unibill_core::conformance::{Env, connections, customers};
use unibill_core::{Billing, Connections, Customers};

fn env(rig: &EmuRig, run: &str) -> Env {
    let emulator = rig.emulator.clone();
    Env::new(run).with_requests_seen_fn(move || emulator.request_count() as u64)
}

#[tokio::test]
async fn customers_through_billing() {
    let rig = EmuRig::new().await;
    let billing = Billing::builder().customers(rig.client.clone()).build();
    customers::run_all(&billing, &env(&rig, "billing")).await;
}

#[tokio::test]
async fn customers_through_arc_dyn() {
    let rig = EmuRig::new().await;
    let handle: Arc<dyn Customers> = Arc::new(rig.client.clone());
    customers::run_all(&handle, &env(&rig, "arc")).await;
}

#[tokio::test]
async fn customers_through_box_dyn() {
    let rig = EmuRig::new().await;
    let handle: Box<dyn Customers> = Box::new(rig.client.clone());
    customers::run_all(&handle, &env(&rig, "box")).await;
}

#[tokio::test]
async fn connections_through_billing() {
    let rig = EmuRig::new().await;
    let billing = Billing::builder().connections(rig.client.clone()).build();
    connections::run_all(&billing, &env(&rig, "billing")).await;
}

#[tokio::test]
async fn connections_through_arc_dyn() {
    let rig = EmuRig::new().await;
    let handle: Arc<dyn Connections> = Arc::new(rig.client.clone());
    connections::run_all(&handle, &env(&rig, "arc")).await;
}

#[tokio::test]
async fn connections_through_box_dyn() {
    let rig = EmuRig::new().await;
    let handle: Box<dyn Connections> = Box::new(rig.client.clone());
    connections::run_all(&handle, &env(&rig, "box")).await;
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
    customers::run_all(&billing, &env).await;
    connections::run_all(&billing, &env).await;
}
