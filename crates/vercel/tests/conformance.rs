//! The stores conformance suite against the Vercel emulator through `Billing` (the `Arc`/`Box` forwarding is
//! proven once, on memory, in unibill-core), asserting that nothing is skipped; plus the emulator behaviours
//! the suite does not cover: paid plans on the team's default payment method, 402 without one, readiness and
//! the id fallback (faults are in `faults.rs`).

mod support;

use std::time::Duration;

use support::emulated;
use unibill_core::conformance::{Env, Fixtures, stores};
use unibill_core::{
    Billing, ErrorKind, NewStore, StoreId, StoreStatus, Stores, StoresExt, WaitOptions,
};
use unibill_testkit::emulators::vercel::seed;

fn env(run: &str, rig: &support::Emulated) -> Env {
    let emulator = rig.emulator.clone();
    Env::new(run)
        .with_fixtures(Fixtures {
            payment_method_id: Some(seed::PAYMENT_METHOD_ID.into()),
            ..Fixtures::default()
        })
        .with_requests_seen_fn(move || emulator.request_count() as u64)
}

#[tokio::test]
async fn conformance_through_billing() {
    let rig = emulated().await;
    let billing = Billing::builder().stores(rig.client.clone()).build();
    stores::run_all(&billing.stores(), &env("billing", &rig))
        .await
        .assert_skipped(&[]);
    let caps = billing.capabilities();
    assert_eq!(caps.stores.provider, "vercel");
    assert!(caps.stores.create_is_async && !caps.stores.create_returns_id);
    assert!(!caps.customers.create && !caps.prices.create && !caps.connections.create);
}

/// Without the undocumented fields the id comes from the resource lookup, and every behaviour still runs.
#[tokio::test]
async fn conformance_when_the_answer_has_no_id() {
    let rig = emulated().await;
    rig.emulator.set_undocumented_store_fields(false);
    let billing = Billing::builder().stores(rig.client.clone()).build();
    stores::run_all(&billing.stores(), &env("noid", &rig))
        .await
        .assert_skipped(&[]);
}

#[tokio::test]
async fn other_resources_are_unsupported() {
    let rig = emulated().await;
    let billing = Billing::builder().stores(rig.client.clone()).build();
    let err = billing
        .customers()
        .get(unibill_core::CustomerId::new("c"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
}

fn paid(product: &str) -> NewStore {
    NewStore::builder("paid-db", seed::CONFIGURATION_ID, product)
        .billing_plan_id(seed::SUBSCRIPTION_PLAN_ID)
        .build()
        .unwrap()
}

#[tokio::test]
async fn paid_plan_uses_the_teams_default_payment_method() {
    let rig = emulated().await;
    let store = rig
        .client
        .create(paid(seed::NEON_PRODUCT_ID))
        .await
        .unwrap();
    let plan = store.billing_plan.clone().unwrap();
    assert_eq!(plan.id.as_str(), seed::SUBSCRIPTION_PLAN_ID);
    assert!(plan.payment_method_required);
    let record = rig
        .emulator
        .store_record(store.id.unwrap().as_str())
        .unwrap();
    assert_eq!(record["paymentMethodId"], seed::DEFAULT_PAYMENT_METHOD_ID);
    let sent = rig.emulator.requests()[0].json().unwrap();
    assert!(sent.get("paymentMethodId").is_none());
}

#[tokio::test]
async fn paid_plan_without_any_payment_method_is_payment_required() {
    let rig = emulated().await;
    rig.emulator.set_default_payment_method(seed::TEAM_ID, None);
    let err = rig
        .client
        .create(paid(seed::NEON_PRODUCT_ID))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PaymentRequired);
    assert_eq!(rig.emulator.stores_count(), 0);
}

#[tokio::test]
async fn no_free_plan_is_invalid_input() {
    let rig = emulated().await;
    let input = NewStore::builder("db", seed::CONFIGURATION_ID, seed::POSTGRES_PRODUCT_SLUG)
        .metadata_entry("environment", "development")
        .build()
        .unwrap();
    let err = rig.client.create(input).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

#[tokio::test]
async fn wait_until_ready_follows_initializing_reads() {
    let rig = emulated().await;
    rig.emulator.set_initializing_reads(3);
    let created = rig.free_store().await;
    assert_eq!(created.status, Some(StoreStatus::Initializing));
    let id = created.id.unwrap();
    let ready = rig
        .client
        .wait_until_ready(id.clone(), WaitOptions::new(Duration::ZERO, 10))
        .await
        .unwrap();
    assert!(ready.is_ready());
    let reads = rig
        .emulator
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path == format!("/v1/storage/stores/{id}"))
        .count();
    assert_eq!(reads, 4, "three initializing reads, then available");
}

#[tokio::test]
async fn wait_until_ready_times_out_when_reads_run_out() {
    let rig = emulated().await;
    rig.emulator.set_initializing_reads(50);
    let id = rig.free_store().await.id.unwrap();
    let err = rig
        .client
        .wait_until_ready(id, WaitOptions::new(Duration::ZERO, 3))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
}

#[tokio::test]
async fn failed_and_null_statuses() {
    let rig = emulated().await;
    rig.emulator
        .set_status_sequence(vec![None, Some("warming-up".into())], Some("error".into()));
    let created = rig.free_store().await;
    assert_eq!(created.status, None);
    let id = created.id.unwrap();
    let err = rig
        .client
        .wait_until_ready(id, WaitOptions::new(Duration::ZERO, 10))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Provider);
    assert!(err.message().contains("error"));
}

#[tokio::test]
async fn id_fallback_against_the_emulator() {
    let rig = emulated().await;
    rig.emulator.set_undocumented_store_fields(false);
    let input = NewStore::builder("db", seed::CONFIGURATION_ID, "neon")
        .build()
        .unwrap();
    let store = rig.client.create(input.clone()).await.unwrap();
    assert_eq!(
        store.id.as_ref().map(StoreId::as_str),
        rig.emulator.store_ids().first().map(String::as_str)
    );

    rig.emulator.set_resource_lookup(false);
    let store = rig.client.create(input).await.unwrap();
    assert_eq!(
        store.id, None,
        "documented: no id when the lookup is refused"
    );
    assert_eq!(rig.emulator.stores_count(), 2);
}

#[tokio::test]
async fn deleting_a_missing_store_is_not_found() {
    let rig = emulated().await;
    let err = rig
        .client
        .delete(StoreId::new("store_missing"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}
