//! Quickstart: a customer and a price on the built-in memory provider.
//!
//! `cargo run --example quickstart`

use rust_decimal::Decimal;
use unibill::{Billing, Currency, Interval, Money, NewCustomer, NewPrice, PriceKind};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), unibill::Error> {
    // Nothing configured: every resource is served in memory.
    let billing = Billing::memory();

    let customer = billing
        .customers()
        .create(
            NewCustomer::builder("user-42", "Ada Lovelace")
                .email("ada@example.com")
                .build()?,
        )
        .await?;
    println!(
        "customer {} ({}, external id {}) on {}",
        customer.id,
        customer.email.as_deref().unwrap_or("no email"),
        customer.external_id,
        customer.provider
    );

    let monthly = Money::new(Decimal::new(2900, 2), Currency::USD);
    let price = billing
        .prices()
        .create(
            NewPrice::builder(PriceKind::recurring(Interval::monthly()), monthly)
                .name("Pro monthly")
                .slug("pro-monthly")
                .build()?,
        )
        .await?;
    // Readable values: money as `29.00 USD`, the kind by name with its interval.
    let every = price
        .kind
        .interval()
        .map(|i| format!(" every {i}"))
        .unwrap_or_default();
    println!(
        "price {} ({}): {}, {}{every}, {}",
        price.id,
        price.name.as_deref().unwrap_or("unnamed"),
        price.unit_amount,
        price.kind.name(),
        if price.active { "active" } else { "archived" },
    );
    Ok(())
}
