//! The conformance suite on the memory provider through the three handles, for all four resources.

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
    customers::run_all(&billing, &Env::new("billing").with_requests_seen(counter)).await;
}

#[tokio::test]
async fn customers_through_arc_dyn() {
    let counter = RequestCounter::new();
    let handle: Arc<dyn Customers> =
        Arc::new(Guarded::new(MemoryCustomers::with_counter(counter.clone())));
    customers::run_all(&handle, &Env::new("arc").with_requests_seen(counter)).await;
}

#[tokio::test]
async fn customers_through_box_dyn() {
    let counter = RequestCounter::new();
    let handle: Box<dyn Customers> =
        Box::new(Guarded::new(MemoryCustomers::with_counter(counter.clone())));
    customers::run_all(&handle, &Env::new("box").with_requests_seen(counter)).await;
}

#[tokio::test]
async fn billing_hands_out_a_shared_arc() {
    let counter = RequestCounter::new();
    let billing = Billing::memory_with_counter(counter.clone());
    let handle = billing.customers();
    customers::run_all(&handle, &Env::new("shared").with_requests_seen(counter)).await;
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
    customers::run_all(&billing, &env).await;
    prices::run_all(&billing, &env).await;
    connections::run_all(&billing, &env).await;
    stores::run_all(&billing, &env).await;
}

#[tokio::test]
async fn prices_connections_stores_through_arc_dyn() {
    let counter = RequestCounter::new();
    let env = env("arc", &counter);
    let p: Arc<dyn Prices> = Arc::new(Guarded::new(MemoryPrices::with_counter(counter.clone())));
    prices::run_all(&p, &env).await;
    let c: Arc<dyn Connections> = Arc::new(Guarded::new(MemoryConnections::with_counter(
        counter.clone(),
    )));
    connections::run_all(&c, &env).await;
    let s: Arc<dyn Stores> = Arc::new(Guarded::new(MemoryStores::with_counter(counter.clone())));
    stores::run_all(&s, &env).await;
}

#[tokio::test]
async fn prices_connections_stores_through_box_dyn() {
    let counter = RequestCounter::new();
    let env = env("box", &counter);
    let p: Box<dyn Prices> = Box::new(Guarded::new(MemoryPrices::with_counter(counter.clone())));
    prices::run_all(&p, &env).await;
    let c: Box<dyn Connections> = Box::new(Guarded::new(MemoryConnections::with_counter(
        counter.clone(),
    )));
    connections::run_all(&c, &env).await;
    let s: Box<dyn Stores> = Box::new(Guarded::new(MemoryStores::with_counter(counter.clone())));
    stores::run_all(&s, &env).await;
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
    prices::run_all(&billing.prices(), &env).await;
    connections::run_all(&billing.connections(), &env).await;
    stores::run_all(&billing.stores(), &env).await;
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
    connections::run_all(&billing.connections(), &env).await;
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
