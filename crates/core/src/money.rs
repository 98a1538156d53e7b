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
/// Codes are upper case on the neutral side. Text becomes a `Currency` in one of three ways, by how far the code
/// is trusted:
///
/// - **Caller input** ([`FromStr`]: `"eur".parse::<Currency>()`) is strict. It takes a currency of ISO 4217's
///   active list, in any letter case, with nothing around it (the funds such as `CLF` included). Anything else
///   is `InvalidInput` naming the field `currency`, so a mistake never reaches a provider as a real price: a typo
///   (`UDS`), a code outside ISO 4217 (`BTC`), an entry that is not money (`XTS` for testing, `XXX` "no
///   currency", the metals `XAU` `XAG` `XPD` `XPT`, `XDR`, the units of account: every entry `iso_currency`
///   flags special), or a withdrawn code (`HRK`, replaced by EUR: every entry flagged superseded).
/// - **An explicit opt-in** ([`Currency::other`]) takes any well-formed code (3 to 10 ASCII letters or digits):
///   a crypto asset, a provider's own code, ISO's testing code. Whether the provider takes it is the provider's
///   business. Naming a variant ([`Currency::Iso`], [`Currency::Other`]) is explicit too.
/// - **What unibill reads back** ([`Currency::decode`]: a provider's answer, and serde's `Deserialize`, so the
///   read models' JSON round-trips) is lenient: any well-formed code, surrounding spaces ignored. An ISO code
///   gives [`Currency::Iso`] whatever its status, any other code [`Currency::Other`].
///
/// ```
/// use unibill_core::{Currency, ErrorKind, IsoCurrency};
///
/// // Caller input: ISO 4217's active list only.
/// assert_eq!("usd".parse::<Currency>().unwrap(), Currency::Iso(IsoCurrency::USD));
/// for mistake in ["UDS", "BTC", "XTS", "XXX", "XAU", "HRK", " USD"] {
///     let err = mistake.parse::<Currency>().unwrap_err();
///     assert_eq!(err.kind(), ErrorKind::InvalidInput);
///     assert_eq!(err.field_errors()[0].field, "currency");
/// }
///
/// // A code outside that list, chosen on purpose.
/// assert_eq!(Currency::other("USDC").unwrap(), Currency::Other("USDC".into()));
/// assert_eq!(Currency::other("xts").unwrap(), Currency::Iso(IsoCurrency::XTS));
///
/// // A provider's answer: whatever it says, kept.
/// assert_eq!(Currency::decode("btc").unwrap(), Currency::Other("BTC".into()));
///
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

    /// The explicit opt-in for a code outside ISO 4217's active list: any code of 3 to 10 ASCII letters or
    /// digits, in any letter case, with nothing around it.
    ///
    /// An ISO 4217 code gives its [`Currency::Iso`] entry whatever its status (`"xts"` is
    /// `Currency::Iso(IsoCurrency::XTS)`, so equal codes compare equal); any other code gives
    /// [`Currency::Other`] in upper case. A code that is not of that shape is `InvalidInput` on `currency`.
    /// Use it only where the code is meant (a crypto asset such as `BTC`, a provider's own code); for caller
    /// input that should be a real currency, parse it (`"EUR".parse::<Currency>()`), which refuses typos.
    ///
    /// ```
    /// use unibill_core::{Currency, IsoCurrency};
    ///
    /// assert_eq!(Currency::other("btc").unwrap(), Currency::Other("BTC".into()));
    /// assert_eq!(Currency::other("XAU").unwrap(), Currency::Iso(IsoCurrency::XAU));
    /// assert_eq!(Currency::other("EUR").unwrap(), Currency::EUR);
    /// assert!(Currency::other("U$D").is_err());
    /// assert!(Currency::other(" BTC").is_err());
    /// ```
    pub fn other(code: &str) -> Result<Self> {
        refuse_spaces(code)?;
        Self::well_formed(code)
    }

    /// A code unibill reads back rather than takes from a caller: a provider's answer, or a read model's own
    /// serialization. Lenient: surrounding spaces are ignored, any well-formed code (3 to 10 ASCII letters or
    /// digits, any case) is kept, as [`Currency::Iso`] if ISO 4217 has an entry for it (whatever its status),
    /// else as [`Currency::Other`]. Only a code of another shape is an error (`InvalidInput` on `currency`;
    /// an adapter reports it as `Decode`).
    ///
    /// ```
    /// use unibill_core::{Currency, IsoCurrency};
    ///
    /// assert_eq!(Currency::decode("usd").unwrap(), Currency::USD);
    /// assert_eq!(Currency::decode("UDS").unwrap(), Currency::Other("UDS".into()));
    /// assert_eq!(Currency::decode("hrk ").unwrap(), Currency::Iso(IsoCurrency::HRK));
    /// ```
    pub fn decode(code: &str) -> Result<Self> {
        Self::well_formed(code.trim())
    }

    /// Whether this is a currency of ISO 4217's active list (funds included): an ISO entry that `iso_currency`
    /// flags neither special (testing, "no currency", precious metals, units of account) nor superseded. This is
    /// what parsing caller input accepts.
    ///
    /// ```
    /// use unibill_core::{Currency, IsoCurrency};
    ///
    /// assert!(Currency::USD.is_active_iso());
    /// assert!(!Currency::Iso(IsoCurrency::XTS).is_active_iso());
    /// assert!(!Currency::Iso(IsoCurrency::HRK).is_active_iso());
    /// assert!(!Currency::Other("BTC".into()).is_active_iso());
    /// ```
    pub fn is_active_iso(&self) -> bool {
        match self {
            Currency::Iso(c) => !c.is_special() && c.is_superseded().is_none(),
            Currency::Other(_) => false,
        }
    }

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

    /// Any code of the accepted shape, ISO entry or not (no trimming).
    fn well_formed(code: &str) -> Result<Self> {
        let upper = code.to_ascii_uppercase();
        if let Some(iso) = IsoCurrency::from_code(&upper) {
            return Ok(Currency::Iso(iso));
        }
        if (3..=10).contains(&upper.len()) && upper.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(Currency::Other(upper))
        } else {
            Err(Error::invalid_field(
                "currency",
                format!("`{code}` is not a currency code (3 to 10 letters or digits)"),
            ))
        }
    }
}

/// Caller input is taken as written: a code with spaces around it is refused, not trimmed.
fn refuse_spaces(code: &str) -> Result<()> {
    if code.trim() == code {
        Ok(())
    } else {
        Err(Error::invalid_field(
            "currency",
            format!(
                "`{code}` has spaces around it: write the code alone (`{}`)",
                code.trim()
            ),
        ))
    }
}

impl From<IsoCurrency> for Currency {
    fn from(c: IsoCurrency) -> Self {
        Currency::Iso(c)
    }
}

/// Parses caller input strictly: a currency of ISO 4217's active list, any letter case, nothing around it.
/// Every other code is `InvalidInput` on `currency` saying why; see [`Currency`] for the opt-in and for how
/// answers are read.
impl FromStr for Currency {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        refuse_spaces(s)?;
        let currency = Self::well_formed(s)?;
        if currency.is_active_iso() {
            return Ok(currency);
        }
        let why = match &currency {
            Currency::Iso(iso) => match iso.is_superseded() {
                Some(now) => format!(
                    "`{s}` ({}) is withdrawn from ISO 4217's active list, replaced by {}",
                    iso.name(),
                    now.code()
                ),
                None => format!(
                    "`{s}` ({}) is one of ISO 4217's special codes, not a currency",
                    iso.name()
                ),
            },
            Currency::Other(_) => format!("`{s}` is not an ISO 4217 currency code"),
        };
        // The message says why, not how to opt in: that depends on the entry point (`Currency::other` in code,
        // a flag in the CLI, none for a configured organisation currency), which adds it.
        Err(Error::invalid_field("currency", why))
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

/// Lenient, as [`Currency::decode`]: the read models hold what a provider answered, so what they serialize
/// (`"BTC"`, `"XTS"`, a withdrawn code) must read back. Caller input goes through [`FromStr`] instead.
impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Currency::decode(&s).map_err(serde::de::Error::custom)
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

    /// Parses a caller's amount (`"19.99"`) in major units of `currency`, exactly.
    ///
    /// The text must be a plain decimal, `-?[0-9]+(\.[0-9]+)?`: digits, an optional leading `-`, and an optional
    /// `.` with digits on both sides. Anything else is `InvalidInput` naming the field `amount` and the form it
    /// takes, rather than a guess at what was meant: an exponent (`5e2`), a leading `+`, spaces around it, `5.`
    /// or `.5`, thousands separators, more digits than a [`Decimal`] holds exactly. A negative amount is valid
    /// syntax; whether it is allowed is the rule of the input it goes into (a price refuses it).
    ///
    /// ```
    /// use rust_decimal_macros::dec;
    /// use unibill_core::{Currency, Money};
    ///
    /// assert_eq!(Money::parse("19.99", Currency::USD).unwrap().amount, dec!(19.99));
    /// assert_eq!(Money::parse("-5", Currency::USD).unwrap().amount, dec!(-5));
    /// for lenient in ["5e2", "+5", " 5", "5 ", "5.", ".5", "1,000", ""] {
    ///     let err = Money::parse(lenient, Currency::USD).unwrap_err();
    ///     assert_eq!(err.field_errors()[0].field, "amount", "{lenient:?}");
    /// }
    /// ```
    pub fn parse(amount: &str, currency: Currency) -> Result<Self> {
        Ok(Money {
            amount: plain_decimal(amount)?,
            currency,
        })
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

/// A caller's amount text as a decimal: only `-?[0-9]+(\.[0-9]+)?`, exactly (see [`Money::parse`]).
fn plain_decimal(text: &str) -> Result<Decimal> {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !fraction.is_none_or(digits) {
        return Err(Error::invalid_field(
            "amount",
            format!(
                "`{text}` is not a plain decimal amount: write digits, with an optional leading `-` and an optional \
                 `.` followed by digits (29.00, 5, -0.5); exponents, a leading `+`, spaces, separators and a bare \
                 `.` at either end are refused"
            ),
        ));
    }
    Decimal::from_str_exact(text).map_err(|e| {
        Error::invalid_field(
            "amount",
            format!("`{text}` cannot be held exactly as a decimal: {e}"),
        )
    })
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
    /// The amount with the currency's minor-unit digits ([`Currency::exponent`]), then the code: `29 USD` and
    /// `29.000 USD` show as `29.00 USD`, `500.00 JPY` as `500 JPY`. Digits beyond the exponent that are not
    /// zero are kept, never rounded (`0.0015 USD`); a currency without a known exponent shows the amount as
    /// it is (`1.50 USDC`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.currency.exponent() {
            Some(e) => {
                // Only zeros are dropped, so the value shown is the value held.
                let mut shown = self.amount.normalize();
                if shown.scale() < e {
                    shown.rescale(e);
                }
                write!(f, "{shown} {}", self.currency)
            }
            None => write!(f, "{} {}", self.amount, self.currency),
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
        assert_eq!(Currency::Iso(IsoCurrency::XAU).exponent(), None);
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
        let usdc = Currency::other("usdc").unwrap();
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
            for err in [
                bad.parse::<Currency>().unwrap_err(),
                Currency::other(bad).unwrap_err(),
                Currency::decode(bad).unwrap_err(),
            ] {
                assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad}");
                assert_eq!(err.field_errors()[0].field, "currency", "{bad}");
            }
        }
    }

    /// Defect 6 of issue 18: `XXX`, `XTS` and `BTC` passed as currencies, and a typo (`UDS`) made a price.
    #[test]
    fn caller_currencies_outside_iso_4217_s_active_list_are_invalid_input() {
        for (code, says) in [
            ("UDS", "not an ISO 4217 currency code"),
            ("BTC", "not an ISO 4217 currency code"),
            ("USDC", "not an ISO 4217 currency code"),
            ("XTS", "special codes"),
            ("XXX", "special codes"),
            ("XAU", "special codes"),
            ("xag", "special codes"),
            ("XPD", "special codes"),
            ("XPT", "special codes"),
            ("XDR", "special codes"),
            ("XBA", "special codes"),
            ("HRK", "replaced by EUR"),
            ("SLL", "replaced by SLE"),
            (" USD", "spaces around it"),
            ("USD\n", "spaces around it"),
        ] {
            let err = code.parse::<Currency>().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{code:?}");
            assert_eq!(err.field_errors().len(), 1, "{code:?}");
            assert_eq!(err.field_errors()[0].field, "currency", "{code:?}");
            assert!(err.to_string().contains(says), "{code:?}: {err}");
        }
        for code in [
            "USD", "usd", "Eur", "JPY", "KWD", "XAF", "XOF", "XPF", "XCD", "CLF", "SLE", "ZWG",
        ] {
            let c = code.parse::<Currency>().unwrap();
            assert!(c.is_active_iso(), "{code}");
            assert_eq!(c.code(), code.to_ascii_uppercase());
        }
    }

    /// The strict rule is iso_currency's flags, for every three-letter string: an entry flagged neither
    /// special nor superseded parses; every other string is refused as input, and still taken by the
    /// explicit opt-in and by decoding.
    #[test]
    fn input_follows_iso_currency_s_flags_on_every_three_letter_code() {
        let mut accepted = 0;
        for a in b'A'..=b'Z' {
            for b in b'A'..=b'Z' {
                for c in b'A'..=b'Z' {
                    let code = String::from_utf8(vec![a, b, c]).unwrap();
                    let iso = IsoCurrency::from_code(&code);
                    let active =
                        iso.is_some_and(|i| !i.is_special() && i.is_superseded().is_none());
                    assert_eq!(code.parse::<Currency>().is_ok(), active, "{code}");
                    accepted += usize::from(active);
                    let expected = iso.map_or_else(|| Currency::Other(code.clone()), Currency::Iso);
                    assert_eq!(Currency::other(&code).unwrap(), expected, "{code}");
                    assert_eq!(Currency::decode(&code).unwrap(), expected, "{code}");
                }
            }
        }
        assert!(accepted > 150, "the active list has {accepted} entries");
    }

    #[test]
    fn the_opt_in_keeps_iso_entries_canonical() {
        assert_eq!(
            Currency::other("BTC").unwrap(),
            Currency::Other("BTC".into())
        );
        assert_eq!(
            Currency::other("btc").unwrap(),
            Currency::Other("BTC".into())
        );
        assert_eq!(Currency::other("USD").unwrap(), Currency::USD);
        assert_eq!(
            Currency::other("xts").unwrap(),
            Currency::Iso(IsoCurrency::XTS)
        );
        assert_eq!(
            Currency::other("HRK").unwrap(),
            Currency::Iso(IsoCurrency::HRK)
        );
        assert_eq!(
            Currency::other("STABLECOIN").unwrap(),
            Currency::Other("STABLECOIN".into())
        );
        let err = Currency::other(" BTC").unwrap_err();
        assert_eq!(err.field_errors()[0].field, "currency");
    }

    /// What providers answer and what the read models serialize stays lenient: unknown codes are kept.
    #[test]
    fn decoding_and_deserializing_keep_any_well_formed_code() {
        for (text, expected) in [
            ("btc", Currency::Other("BTC".into())),
            (" UDS ", Currency::Other("UDS".into())),
            ("XTS", Currency::Iso(IsoCurrency::XTS)),
            ("xxx", Currency::Iso(IsoCurrency::XXX)),
            ("HRK", Currency::Iso(IsoCurrency::HRK)),
            ("usd", Currency::USD),
        ] {
            assert_eq!(Currency::decode(text).unwrap(), expected, "{text:?}");
            let json = serde_json::to_string(text).unwrap();
            assert_eq!(
                serde_json::from_str::<Currency>(&json).unwrap(),
                expected,
                "{text:?}"
            );
        }
        for currency in [
            Currency::Other("BTC".into()),
            Currency::Iso(IsoCurrency::XTS),
            Currency::Iso(IsoCurrency::HRK),
        ] {
            let m = Money::new(dec!(0.5), currency);
            let json = serde_json::to_string(&m).unwrap();
            assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), m, "{json}");
        }
    }

    /// Defect 6 of issue 18: `5e2` was taken as 500, `+5` and `" 5"` as 5.
    #[test]
    fn amounts_are_plain_decimals_only() {
        for ok in ["5", "29.00", "-5", "-0.5", "0", "007.50", "0.0015"] {
            let m = Money::parse(ok, Currency::USD).unwrap();
            assert_eq!(m.amount, Decimal::from_str_exact(ok).unwrap(), "{ok}");
        }
        for bad in [
            "5e2", "5E2", "1e-2", "+5", " 5", "5 ", "\t5", "5\n", "5.", ".5", "-.5", "-", "", ".",
            "1,000", "1_000", "1.2.3", "--5", "- 5", "0x10", "NaN", "inf", "５",
        ] {
            let err = Money::parse(bad, Currency::USD).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad:?}");
            assert_eq!(err.field_errors()[0].field, "amount", "{bad:?}");
            assert!(
                err.to_string().contains("not a plain decimal amount")
                    && err.to_string().contains("29.00"),
                "says what form is accepted: {err}"
            );
        }
        let too_many_digits = "1".repeat(40);
        let err = Money::parse(&too_many_digits, Currency::USD).unwrap_err();
        assert_eq!(err.field_errors()[0].field, "amount");
    }

    /// The grammar, written a second way: only `-?[0-9]+(\.[0-9]+)?`.
    fn is_plain_decimal(text: &str) -> bool {
        let unsigned = text.strip_prefix('-').unwrap_or(text);
        let mut parts = unsigned.split('.');
        let whole = parts.next().unwrap_or_default();
        let fraction = parts.next();
        parts.next().is_none()
            && !whole.is_empty()
            && whole.chars().all(|c| c.is_ascii_digit())
            && fraction.is_none_or(|f| !f.is_empty() && f.chars().all(|c| c.is_ascii_digit()))
    }

    #[test]
    fn display_shows_the_minor_digits_and_keeps_any_beyond_them() {
        let shown = |amount: Decimal, code: &str| Money::new(amount, cur(code)).to_string();
        assert_eq!(shown(dec!(29), "USD"), "29.00 USD");
        assert_eq!(shown(dec!(29.5), "USD"), "29.50 USD");
        assert_eq!(
            shown(dec!(29.000), "USD"),
            "29.00 USD",
            "only zeros dropped"
        );
        assert_eq!(shown(dec!(0), "USD"), "0.00 USD");
        assert_eq!(shown(dec!(-5), "USD"), "-5.00 USD");
        assert_eq!(shown(dec!(0.0015), "USD"), "0.0015 USD", "never rounded");
        assert_eq!(shown(dec!(500), "JPY"), "500 JPY");
        assert_eq!(shown(dec!(500.00), "JPY"), "500 JPY");
        assert_eq!(shown(dec!(500.5), "JPY"), "500.5 JPY", "never rounded");
        assert_eq!(shown(dec!(1.5), "KWD"), "1.500 KWD");
        assert_eq!(
            Money::new(dec!(1.50), Currency::other("USDC").unwrap()).to_string(),
            "1.50 USDC",
            "no known exponent: as held"
        );
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
        /// Every plain decimal parses to exactly its digits at its scale.
        #[test]
        fn plain_decimals_parse_exactly(negative in any::<bool>(), whole in "[0-9]{1,15}",
                                        fraction in proptest::option::of("[0-9]{1,12}")) {
            let text = format!(
                "{}{whole}{}",
                if negative { "-" } else { "" },
                fraction.as_deref().map(|f| format!(".{f}")).unwrap_or_default()
            );
            let digits: i128 = format!("{whole}{}", fraction.as_deref().unwrap_or("")).parse().unwrap();
            let scale = u32::try_from(fraction.as_deref().map_or(0, str::len)).unwrap();
            let expected = Decimal::from_i128_with_scale(if negative { -digits } else { digits }, scale);
            let m = Money::parse(&text, Currency::USD).unwrap();
            prop_assert_eq!(m.amount, expected);
            prop_assert_eq!(m.amount.scale(), scale);
        }

        /// Over text made of digits, signs, points, exponents, spaces and separators, exactly the grammar's
        /// strings parse; everything else is `InvalidInput` on `amount`.
        #[test]
        fn only_the_grammar_parses(text in "[0-9+\\-.eE ,_\t]{0,10}") {
            match Money::parse(&text, Currency::USD) {
                Ok(_) => prop_assert!(is_plain_decimal(&text), "accepted {:?}", text),
                Err(e) => {
                    prop_assert!(!is_plain_decimal(&text), "refused {:?}", text);
                    prop_assert_eq!(e.kind(), ErrorKind::InvalidInput);
                    prop_assert_eq!(e.field_errors()[0].field.as_str(), "amount");
                }
            }
        }

        /// Each leniency the old parser had, applied to any valid amount, is refused.
        #[test]
        fn every_leniency_is_refused(whole in "[0-9]{1,6}", fraction in "[0-9]{1,4}",
                                     how in 0usize..8) {
            let valid = format!("{whole}.{fraction}");
            prop_assert!(Money::parse(&valid, Currency::USD).is_ok());
            let lenient = match how {
                0 => format!("{valid}e2"),
                1 => format!("{whole}E-{fraction}"),
                2 => format!("+{valid}"),
                3 => format!(" {valid}"),
                4 => format!("{valid} "),
                5 => format!("{whole}."),
                6 => format!(".{fraction}"),
                _ => format!("-.{fraction}"),
            };
            let err = Money::parse(&lenient, Currency::USD).unwrap_err();
            prop_assert_eq!(err.field_errors()[0].field.as_str(), "amount");
        }

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
