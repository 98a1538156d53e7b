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
        "customer {} ({}) on {}",
        customer.id, customer.external_id, customer.provider
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
    println!(
        "price {} {} ({:?})",
        price.id, price.unit_amount, price.kind
    );
    Ok(())
}
