//! The conformance suite on the memory provider through the three handles.

use std::sync::Arc;

use unibill_core::conformance::{Env, customers};
use unibill_core::{Billing, Customers, Guarded, MemoryCustomers, RequestCounter};

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
