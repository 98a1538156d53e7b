//! The conformance suite on the memory provider through the three handles, for all four resources: the one
//! place the `Arc<dyn _>`/`Box<dyn _>` forwarding is proven (adapters run the suite through `Billing` only);
//! and the report the suite returns.

use std::sync::Arc;

use unibill_core::conformance::{Checked, Env, Fixtures, connections, customers, prices, stores};
use unibill_core::{
    Billing, Connections, Customers, Guarded, MemoryConnections, MemoryCustomers, MemoryPrices,
    MemoryStores, Prices, RequestCounter, Stores,
};

#[tokio::test]
async fn customers_through_billing() {
    let counter = RequestCounter::new();
    let billing = Billing::memory_with_counter(counter.clone());
    customers::run_all(&billing, &Env::new("billing").with_requests_seen(counter))
        .await
        .assert_skipped(&[]);
}

#[tokio::test]
async fn customers_through_arc_dyn() {
    let counter = RequestCounter::new();
    let handle: Arc<dyn Customers> =
        Arc::new(Guarded::new(MemoryCustomers::with_counter(counter.clone())));
    customers::run_all(&handle, &Env::new("arc").with_requests_seen(counter))
        .await
        .assert_skipped(&[]);
}

#[tokio::test]
async fn customers_through_box_dyn() {
    let counter = RequestCounter::new();
    let handle: Box<dyn Customers> =
        Box::new(Guarded::new(MemoryCustomers::with_counter(counter.clone())));
    customers::run_all(&handle, &Env::new("box").with_requests_seen(counter))
        .await
        .assert_skipped(&[]);
}

#[tokio::test]
async fn billing_hands_out_a_shared_arc() {
    let counter = RequestCounter::new();
    let billing = Billing::memory_with_counter(counter.clone());
    let handle = billing.customers();
    customers::run_all(&handle, &Env::new("shared").with_requests_seen(counter))
        .await
        .assert_skipped(&[]);
}

fn fixtures() -> Fixtures {
    Fixtures {
        product_id: Some("prod_conformance".into()),
        meter_id: Some("meter_conformance".into()),
        payment_method_id: Some("pm_conformance".into()),
        ..Fixtures::default()
    }
}

fn env(run: &str, counter: &RequestCounter) -> Env {
    Env::new(run)
        .with_fixtures(fixtures())
        .with_requests_seen(counter.clone())
}

#[tokio::test]
async fn every_resource_through_billing() {
    let counter = RequestCounter::new();
    let billing = Billing::memory_with_counter(counter.clone());
    let env = env("billing", &counter);
    customers::run_all(&billing, &env).await.assert_skipped(&[]);
    prices::run_all(&billing, &env).await.assert_skipped(&[]);
    connections::run_all(&billing, &env)
        .await
        .assert_skipped(&[]);
    stores::run_all(&billing, &env).await.assert_skipped(&[]);
}

#[tokio::test]
async fn prices_connections_stores_through_arc_dyn() {
    let counter = RequestCounter::new();
    let env = env("arc", &counter);
    let p: Arc<dyn Prices> = Arc::new(Guarded::new(MemoryPrices::with_counter(counter.clone())));
    prices::run_all(&p, &env).await.assert_skipped(&[]);
    let c: Arc<dyn Connections> = Arc::new(Guarded::new(MemoryConnections::with_counter(
        counter.clone(),
    )));
    connections::run_all(&c, &env).await.assert_skipped(&[]);
    let s: Arc<dyn Stores> = Arc::new(Guarded::new(MemoryStores::with_counter(counter.clone())));
    stores::run_all(&s, &env).await.assert_skipped(&[]);
}

#[tokio::test]
async fn prices_connections_stores_through_box_dyn() {
    let counter = RequestCounter::new();
    let env = env("box", &counter);
    let p: Box<dyn Prices> = Box::new(Guarded::new(MemoryPrices::with_counter(counter.clone())));
    prices::run_all(&p, &env).await.assert_skipped(&[]);
    let c: Box<dyn Connections> = Box::new(Guarded::new(MemoryConnections::with_counter(
        counter.clone(),
    )));
    connections::run_all(&c, &env).await.assert_skipped(&[]);
    let s: Box<dyn Stores> = Box::new(Guarded::new(MemoryStores::with_counter(counter.clone())));
    stores::run_all(&s, &env).await.assert_skipped(&[]);
}

#[tokio::test]
async fn billing_plans_for_an_installation_pass_on_memory_through_every_wrapper() {
    let counter = RequestCounter::new();
    let env = env("plans", &counter);
    let billing = Billing::memory_with_counter(counter.clone());
    assert_eq!(
        stores::billing_plans_for_an_installation(&billing, &env).await,
        Checked::Passed
    );
    let arc: Arc<dyn Stores> = Arc::new(Guarded::new(MemoryStores::new()));
    assert_eq!(
        stores::billing_plans_for_an_installation(&arc, &env).await,
        Checked::Passed
    );
    let boxed: Box<dyn Stores> = Box::new(Guarded::new(MemoryStores::new()));
    assert_eq!(
        stores::billing_plans_for_an_installation(&boxed, &env).await,
        Checked::Passed
    );
}

#[tokio::test]
async fn billing_hands_out_shared_arcs_for_every_resource() {
    let counter = RequestCounter::new();
    let billing = Billing::memory_with_counter(counter.clone());
    let env = env("shared", &counter);
    prices::run_all(&billing.prices(), &env)
        .await
        .assert_skipped(&[]);
    connections::run_all(&billing.connections(), &env)
        .await
        .assert_skipped(&[]);
    stores::run_all(&billing.stores(), &env)
        .await
        .assert_skipped(&[]);
}

#[tokio::test]
async fn connection_divergence_one_per_provider_type_holds() {
    let counter = RequestCounter::new();
    let billing = Billing::builder()
        .connections(MemoryConnections::with_counter(counter.clone()).one_per_provider_type(true))
        .build();
    assert!(billing.capabilities().connections.one_per_provider_type);
    let env = env("unique", &counter);
    assert_eq!(
        connections::one_per_provider_type(&billing.connections(), &env).await,
        Checked::Passed
    );
    connections::run_all(&billing.connections(), &env)
        .await
        .assert_skipped(&[]);
}

#[tokio::test]
async fn without_fixtures_the_dependent_behaviours_skip() {
    let billing = Billing::memory();
    let env = Env::new("bare");
    // Memory's product id rule is optional, so recurring and one-time prices still run; usage is skipped.
    assert_eq!(
        prices::every_offered_kind_and_scheme(&billing, &env).await,
        Checked::Passed
    );
    assert!(matches!(
        stores::paid_plan(&billing, &env).await,
        Checked::Skipped(_)
    ));
}

#[tokio::test]
async fn without_fixtures_the_report_names_what_skipped() {
    let billing = Billing::memory();
    let env = Env::new("bare");
    stores::run_all(&billing, &env).await.assert_skipped(&[
        ("paid_plan", "needs a payment method fixture"),
        (
            "validation_before_sending",
            "the environment does not count requests",
        ),
    ]);
}

/// A bundle that offers nothing passes every behaviour that runs, yet its report shows it skipping all but the
/// "refused as Unsupported" check: an exact skip list is what catches it.
#[tokio::test]
async fn a_provider_offering_nothing_is_reported_skipping() {
    let report = customers::run_all(&Billing::builder().build(), &Env::new("none")).await;
    assert_eq!(
        report.passed().collect::<Vec<_>>(),
        ["capability_truthfulness"]
    );
    assert_eq!(
        report.get("get_by_external_id"),
        Some(&Checked::Skipped("needs create and get_by_external_id"))
    );
    assert_eq!(report.get("no_such_behaviour"), None);
    assert_eq!(report.outcomes().len(), 9);
    assert_eq!(
        report.to_string(),
        "customers: 1 passed, 8 skipped
  skipped  create_get_update_delete: needs create, get, update and delete
  skipped  get_by_external_id: needs create and get_by_external_id
  skipped  duplicate_external_id: needs create
  skipped  archived_behaviour: needs create, delete and get
  skipped  list_to_the_end_with_short_pages: needs create and list
  skipped  foreign_cursor_rejected: needs list
  skipped  validation_before_sending: the environment does not count requests
  skipped  ensure_both_ways: needs create and get
  passed   capability_truthfulness
"
    );
}

#[tokio::test]
#[should_panic(expected = "customers conformance skipped [(\"create_get_update_delete\"")]
async fn an_unexpected_skip_fails_the_test() {
    customers::run_all(&Billing::builder().build(), &Env::new("none"))
        .await
        .assert_skipped(&[]);
}
