//! Money: an exact decimal amount in a currency, with exact minor-unit conversion.
//!
//! Amounts are [`rust_decimal::Decimal`]; binary floating point is never used (clippy's `disallowed-types`
//! enforces it in this crate). Converting to minor units (cents) uses the ISO 4217 exponent, or a provider's own
//! table where it differs ([`MinorUnitExponents`]); a conversion that would lose a digit is an error.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};

/// The ISO 4217 currencies, from the maintained `iso_currency` crate.
pub use iso_currency::Currency as IsoCurrency;

/// A currency: an ISO 4217 code, or any other code a provider accepts.
///
/// Codes are upper case on the neutral side. Parsing an ISO code (any case) gives [`Currency::Iso`]; any other
/// code of 3 to 10 ASCII letters or digits gives [`Currency::Other`] in upper case.
///
/// ```
/// use unibill_core::{Currency, IsoCurrency};
///
/// assert_eq!("usd".parse::<Currency>().unwrap(), Currency::Iso(IsoCurrency::USD));
/// assert_eq!("USDC".parse::<Currency>().unwrap(), Currency::Other("USDC".into()));
/// assert_eq!(Currency::Iso(IsoCurrency::JPY).exponent(), Some(0));
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Currency {
    /// An ISO 4217 currency.
    Iso(IsoCurrency),
    /// A code outside ISO 4217 (upper case). It has no known exponent, so it refuses minor-unit conversion.
    Other(String),
}

impl Currency {
    /// US dollar.
    pub const USD: Currency = Currency::Iso(IsoCurrency::USD);
    /// Euro.
    pub const EUR: Currency = Currency::Iso(IsoCurrency::EUR);

    /// The upper-case code (`"USD"`).
    pub fn code(&self) -> &str {
        match self {
            Currency::Iso(c) => c.code(),
            Currency::Other(code) => code,
        }
    }

    /// The ISO 4217 minor-unit exponent (2 for USD, 0 for JPY, 3 for KWD); `None` for `Other` codes and for
    /// ISO entries without minor units (gold, SDR, …).
    pub fn exponent(&self) -> Option<u32> {
        match self {
            Currency::Iso(c) => c.exponent().map(u32::from),
            Currency::Other(_) => None,
        }
    }
}

impl From<IsoCurrency> for Currency {
    fn from(c: IsoCurrency) -> Self {
        Currency::Iso(c)
    }
}

impl FromStr for Currency {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let upper = s.trim().to_ascii_uppercase();
        if let Some(iso) = IsoCurrency::from_code(&upper) {
            return Ok(Currency::Iso(iso));
        }
        if (3..=10).contains(&upper.len()) && upper.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(Currency::Other(upper))
        } else {
            Err(Error::invalid_field(
                "currency",
                format!("`{s}` is not a currency code (3 to 10 letters or digits)"),
            ))
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Currency({})", self.code())
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A table of minor-unit exponents: the ISO one ([`IsoExponents`]) or a provider's own.
pub trait MinorUnitExponents {
    /// The number of decimal digits of the currency's minor unit, or `None` if the table does not know it.
    fn exponent(&self, currency: &Currency) -> Option<u32>;
}

/// The ISO 4217 exponents.
#[derive(Debug, Clone, Copy, Default)]
pub struct IsoExponents;

impl MinorUnitExponents for IsoExponents {
    fn exponent(&self, currency: &Currency) -> Option<u32> {
        currency.exponent()
    }
}

/// An exponent table that overrides ISO for some codes (e.g. Stripe's zero-decimal list) and falls back to ISO.
///
/// ```
/// use unibill_core::{Currency, ExponentOverrides, MinorUnitExponents};
///
/// let stripe_like = ExponentOverrides::new(&[("MGA", 0), ("ISK", 2)]);
/// assert_eq!(stripe_like.exponent(&"MGA".parse::<Currency>().unwrap()), Some(0));
/// assert_eq!(stripe_like.exponent(&Currency::USD), Some(2));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExponentOverrides {
    overrides: &'static [(&'static str, u32)],
}

impl ExponentOverrides {
    /// A table with these `(code, exponent)` overrides.
    pub const fn new(overrides: &'static [(&'static str, u32)]) -> Self {
        ExponentOverrides { overrides }
    }
}

impl MinorUnitExponents for ExponentOverrides {
    fn exponent(&self, currency: &Currency) -> Option<u32> {
        self.overrides
            .iter()
            .find(|(code, _)| *code == currency.code())
            .map(|(_, e)| *e)
            .or_else(|| currency.exponent())
    }
}

/// An exact amount of money in a currency.
///
/// ```
/// use rust_decimal::Decimal;
/// use unibill_core::{Currency, Money};
///
/// let price = Money::new(Decimal::new(1999, 2), Currency::USD); // 19.99 USD
/// assert_eq!(price.to_minor_units().unwrap(), 1999);
/// assert_eq!(Money::from_minor_units(1999, Currency::USD).unwrap(), price);
///
/// // 0.001 USD has no exact number of cents.
/// assert!(Money::new(Decimal::new(1, 3), Currency::USD).to_minor_units().is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    /// The amount in major units (`19.99`), exact.
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    /// The currency.
    pub currency: Currency,
}

impl Money {
    /// Money of `amount` major units.
    pub fn new(amount: Decimal, currency: Currency) -> Self {
        Money { amount, currency }
    }

    /// Parses a decimal string (`"19.99"`) as an amount in `currency`.
    pub fn parse(amount: &str, currency: Currency) -> Result<Self> {
        let amount = Decimal::from_str_exact(amount.trim()).map_err(|e| {
            Error::invalid_field(
                "amount",
                format!("`{amount}` is not an exact decimal number: {e}"),
            )
        })?;
        Ok(Money { amount, currency })
    }

    /// Money from minor units with the ISO exponent (`1999` USD → 19.99).
    pub fn from_minor_units(minor: i64, currency: Currency) -> Result<Self> {
        Self::from_minor_units_with(minor, currency, &IsoExponents)
    }

    /// Money from minor units with a given exponent table.
    pub fn from_minor_units_with(
        minor: i64,
        currency: Currency,
        table: &dyn MinorUnitExponents,
    ) -> Result<Self> {
        let exponent = exponent_of(&currency, table)?;
        let amount = Decimal::try_from_i128_with_scale(i128::from(minor), exponent)
            .map_err(|e| Error::invalid_field("amount", format!("{minor} minor units: {e}")))?;
        Ok(Money { amount, currency })
    }

    /// The amount in minor units with the ISO exponent; an error if that would lose a digit, overflow `i64`,
    /// or the currency has no known exponent.
    pub fn to_minor_units(&self) -> Result<i64> {
        self.to_minor_units_with(&IsoExponents)
    }

    /// The amount in minor units with a given exponent table.
    pub fn to_minor_units_with(&self, table: &dyn MinorUnitExponents) -> Result<i64> {
        let exponent = exponent_of(&self.currency, table)?;
        let scaled = self
            .amount
            .checked_mul(Decimal::from(10i64.pow(exponent)))
            .ok_or_else(|| Error::invalid_field("amount", "is too large"))?;
        if !scaled.fract().is_zero() {
            return Err(Error::invalid_field(
                "amount",
                format!(
                    "{} {} has more than {exponent} decimal places, so it is not a whole number of minor units",
                    self.amount, self.currency
                ),
            ));
        }
        i64::try_from(scaled.trunc())
            .map_err(|_| Error::invalid_field("amount", "does not fit in 64-bit minor units"))
    }

    /// Whether the amount is below zero.
    pub fn is_negative(&self) -> bool {
        self.amount.is_sign_negative() && !self.amount.is_zero()
    }
}

fn exponent_of(currency: &Currency, table: &dyn MinorUnitExponents) -> Result<u32> {
    let exponent = table.exponent(currency).ok_or_else(|| {
        Error::invalid_field(
            "currency",
            format!("{currency} has no known minor unit, so it cannot be converted to minor units"),
        )
    })?;
    if exponent > 18 {
        return Err(Error::invalid_field(
            "currency",
            "minor-unit exponent above 18",
        ));
    }
    Ok(exponent)
}

impl fmt::Display for Money {
    /// The amount with at least the currency's minor digits (`29 USD` shows as `29.00 USD`; `0.0015 USD`
    /// keeps its digits), then the code.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.currency.exponent() {
            Some(e) if self.amount.scale() < e => {
                let mut shown = self.amount;
                shown.rescale(e);
                write!(f, "{shown} {}", self.currency)
            }
            _ => write!(f, "{} {}", self.amount, self.currency),
        }
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Money({} {})", self.amount, self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    fn cur(code: &str) -> Currency {
        code.parse().unwrap()
    }

    #[test]
    fn iso_exponents() {
        assert_eq!(cur("USD").exponent(), Some(2));
        assert_eq!(cur("JPY").exponent(), Some(0));
        assert_eq!(cur("KWD").exponent(), Some(3));
        assert_eq!(cur("XAU").exponent(), None);
    }

    #[test]
    fn exact_conversions() {
        assert_eq!(
            Money::new(dec!(19.99), Currency::USD)
                .to_minor_units()
                .unwrap(),
            1999
        );
        assert_eq!(
            Money::new(dec!(19.990000), Currency::USD)
                .to_minor_units()
                .unwrap(),
            1999
        );
        assert_eq!(
            Money::new(dec!(500), cur("JPY")).to_minor_units().unwrap(),
            500
        );
        assert_eq!(
            Money::new(dec!(1.234), cur("KWD"))
                .to_minor_units()
                .unwrap(),
            1234
        );
        assert_eq!(
            Money::new(dec!(-0.5), Currency::USD)
                .to_minor_units()
                .unwrap(),
            -50
        );
    }

    #[test]
    fn inexact_conversion_is_an_error() {
        for (amount, code) in [
            (dec!(0.001), "USD"),
            (dec!(1.5), "JPY"),
            (dec!(1.2345), "KWD"),
        ] {
            let err = Money::new(amount, cur(code)).to_minor_units().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput);
            assert_eq!(err.field_errors()[0].field, "amount");
        }
    }

    #[test]
    fn other_currencies_refuse_minor_units() {
        let usdc = cur("usdc");
        assert_eq!(usdc, Currency::Other("USDC".into()));
        let err = Money::new(dec!(1), usdc.clone())
            .to_minor_units()
            .unwrap_err();
        assert_eq!(err.field_errors()[0].field, "currency");
        assert!(Money::from_minor_units(100, usdc).is_err());
    }

    #[test]
    fn overflow_is_an_error() {
        let big = Money::new(Decimal::MAX, Currency::USD);
        assert!(big.to_minor_units().is_err());
        let just_too_big = Money::new(Decimal::from(i64::MAX / 10), Currency::USD);
        assert!(just_too_big.to_minor_units().is_err());
    }

    #[test]
    fn provider_table_overrides_iso() {
        static STRIPE: ExponentOverrides = ExponentOverrides::new(&[("MGA", 0), ("ISK", 2)]);
        let mga = Money::new(dec!(100), cur("MGA"));
        assert_eq!(mga.to_minor_units().unwrap(), 10000);
        assert_eq!(mga.to_minor_units_with(&STRIPE).unwrap(), 100);
        let isk = Money::from_minor_units_with(150, cur("ISK"), &STRIPE).unwrap();
        assert_eq!(isk.amount, dec!(1.50));
    }

    #[test]
    fn bad_currency_codes() {
        for bad in ["", "U", "US", "U$D", "TOOLONGCODE1"] {
            let err = bad.parse::<Currency>().unwrap_err();
            assert_eq!(err.field_errors()[0].field, "currency", "{bad}");
        }
    }

    #[test]
    fn display_shows_at_least_the_minor_digits() {
        assert_eq!(Money::new(dec!(29), Currency::USD).to_string(), "29.00 USD");
        assert_eq!(
            Money::new(dec!(0.0015), Currency::USD).to_string(),
            "0.0015 USD"
        );
        assert_eq!(Money::new(dec!(500), cur("JPY")).to_string(), "500 JPY");
        assert_eq!(Money::new(dec!(1.5), cur("USDC")).to_string(), "1.5 USDC");
    }

    #[test]
    fn money_serializes_amount_as_string() {
        let m = Money::new(dec!(0.10), Currency::EUR);
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#"{"amount":"0.10","currency":"EUR"}"#);
        assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), m);
    }

    fn currency_with_exponent(e: u32) -> Currency {
        match e {
            0 => cur("JPY"),
            2 => cur("USD"),
            3 => cur("KWD"),
            _ => unreachable!(),
        }
    }

    proptest! {
        #[test]
        fn minor_unit_round_trip(minor in any::<i64>(), e in prop::sample::select(vec![0u32, 2, 3])) {
            let c = currency_with_exponent(e);
            let m = Money::from_minor_units(minor, c).unwrap();
            prop_assert_eq!(m.to_minor_units().unwrap(), minor);
        }

        #[test]
        fn extra_digit_is_inexact(minor in -1_000_000_000i64..1_000_000_000, digit in 1i64..10,
                                  e in prop::sample::select(vec![0u32, 2, 3])) {
            let c = currency_with_exponent(e);
            let amount = Decimal::new(minor * 10 + digit, e + 1);
            prop_assert!(Money::new(amount, c).to_minor_units().is_err());
        }
    }
}
