//! Testing application code: the same function checked with `MockCustomers` (asserting what it sends) and
//! with the memory provider (checking what it leaves behind). Run it with the `mock` feature:
//!
//! `cargo run --example mock_testing --features mock`
//!
//! In a real project these two checks are `#[tokio::test]`s; see `tests/app_example.rs`.

use std::sync::Arc;

use unibill::{Billing, Customer, Customers, CustomersExt, MockCustomers, NewCustomer};

/// Application code under test.
async fn register(customers: Arc<dyn Customers>, user_id: u64) -> unibill::Result<String> {
    let input =
        NewCustomer::builder(format!("user-{user_id}"), format!("User {user_id}")).build()?;
    Ok(customers.ensure(input).await?.into_inner().id.into_string())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), unibill::Error> {
    // 1. A mock: assert the exact input, answer a canned customer.
    let mut mock = MockCustomers::new();
    mock.expect_create()
        .withf(|input| input.external_id() == "user-7" && input.name() == "User 7")
        .times(1)
        .returning(|input| {
            Ok(Customer::builder("cus_mock_7", input.external_id(), input.name()).build())
        });
    let id = register(Arc::new(mock), 7).await?;
    assert_eq!(id, "cus_mock_7");
    println!("mock: register sent the expected input and returned {id}");

    // 2. The memory provider: the whole neutral contract, no network.
    let billing = Billing::memory();
    let first = register(billing.customers(), 7).await?;
    let again = register(billing.customers(), 7).await?;
    assert_eq!(first, again);
    println!("memory: registering twice gives the same customer {first}");
    Ok(())
}
