//! Defect 6 of issue 18 on the memory provider: a price in a code outside ISO 4217 is made only through the
//! explicit opt-in, and what the provider then answers (and its JSON, as the CLI's `--json` prints it) keeps
//! the code.

use rust_decimal_macros::dec;
use unibill_core::{
    Currency, ErrorKind, Interval, IsoCurrency, MemoryPrices, Money, NewPrice, Price, PriceKind,
    Prices,
};

#[tokio::test]
async fn an_opted_in_code_is_created_read_back_and_round_trips_through_json() {
    assert_eq!(
        "BTC".parse::<Currency>().unwrap_err().kind(),
        ErrorKind::InvalidInput,
        "caller input refuses it"
    );
    let prices = MemoryPrices::new();
    for currency in [
        Currency::other("BTC").unwrap(),
        Currency::other("XTS").unwrap(),
        Currency::Iso(IsoCurrency::XAU),
    ] {
        let input = NewPrice::builder(
            PriceKind::recurring(Interval::monthly()),
            Money::new(dec!(0.001), currency.clone()),
        )
        .build()
        .unwrap();
        let created = prices.create(input).await.unwrap();
        assert_eq!(created.currency, currency);
        let got = prices.get(created.id.clone()).await.unwrap();
        assert_eq!(got.unit_amount, Money::new(dec!(0.001), currency.clone()));
        let json = serde_json::to_string_pretty(&got).unwrap();
        let back: Price = serde_json::from_str(&json).unwrap();
        assert_eq!(back, got, "{json}");
    }
}
