//! An application function taking `Arc<dyn Customers>`, tested with `MockCustomers` (asserting the input it
//! receives) and with the memory provider.

use std::sync::Arc;

use unibill::{
    Billing, Customer, Customers, CustomersExt, Error, Metadata, MockCustomers, NewCustomer,
};

/// The application's own code: registers a user as a billing customer (idempotently) and returns its id.
async fn register_user(
    customers: Arc<dyn Customers>,
    user_id: u64,
    email: &str,
) -> Result<String, Error> {
    let input = NewCustomer::builder(format!("user-{user_id}"), format!("User {user_id}"))
        .email(email)
        .metadata(Metadata::new().with("source", "signup"))
        .build()?;
    Ok(customers.ensure(input).await?.into_inner().id.into_string())
}

#[tokio::test]
async fn register_user_with_a_mock() {
    let mut mock = MockCustomers::new();
    mock.expect_create()
        .withf(|input| {
            input.external_id() == "user-7"
                && input.name() == "User 7"
                && input.email() == Some("seven@example.com")
                && input.metadata().and_then(|m| m.get("source")) == Some("signup")
        })
        .times(1)
        .returning(|input| {
            Ok(Customer::builder("cus_7", input.external_id(), input.name()).build())
        });
    let id = register_user(Arc::new(mock), 7, "seven@example.com")
        .await
        .unwrap();
    assert_eq!(id, "cus_7");
}

#[tokio::test]
async fn register_user_with_the_memory_provider() {
    let billing = Billing::memory();
    let first = register_user(billing.customers(), 7, "seven@example.com")
        .await
        .unwrap();
    let again = register_user(billing.customers(), 7, "seven@example.com")
        .await
        .unwrap();
    assert_eq!(first, again, "registering twice finds the same customer");
    let stored = billing
        .customers()
        .get_by_external_id("user-7".into())
        .await
        .unwrap();
    assert_eq!(stored.email.as_deref(), Some("seven@example.com"));
    assert_eq!(stored.metadata.get("source"), Some("signup"));
}
