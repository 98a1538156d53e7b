//! Switching providers by configuration: the same application code, whichever provider the environment names.
//!
//! ```sh
//! cargo run --example switch_provider                                   # memory (nothing configured)
//! UNIBILL_PROVIDER=flexprice FLEXPRICE_API_KEY=… cargo run --example switch_provider
//! UNIBILL_CUSTOMERS_PROVIDER=flowglad FLOWGLAD_SECRET_KEY=… cargo run --example switch_provider
//! ```

use std::sync::Arc;

use unibill::{BillingConfig, Customers, CustomersExt, NewCustomer};

/// Application code: knows nothing about providers.
async fn register(customers: Arc<dyn Customers>, user: &str) -> unibill::Result<String> {
    let input = NewCustomer::builder(user, format!("User {user}"))
        .email(format!("{user}@example.com"))
        .build()?;
    let ensured = customers.ensure(input).await?;
    Ok(format!(
        "{} {} on {}",
        if ensured.was_created() {
            "created"
        } else {
            "found"
        },
        ensured.get().id,
        ensured.get().provider
    ))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), unibill::Error> {
    let config = BillingConfig::from_env()?;
    let billing = config.build()?;
    println!(
        "customers are served by {}",
        billing.capabilities().customers.provider
    );
    println!("{}", register(billing.customers(), "example-user").await?);
    println!("{}", register(billing.customers(), "example-user").await?);
    Ok(())
}
