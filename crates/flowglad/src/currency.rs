//! Flowglad's minor units: Stripe's zero-decimal list, not the ISO exponent.
//!
//! Flowglad formats amounts the way Stripe does: BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF
//! XPF are whole units (MGA has an ISO exponent of 2), and ISK counts hundredths (its ISO exponent is 0). Every
//! other code follows ISO 4217.

use unibill_core::{Currency, ExponentOverrides, Money, Result};

/// Flowglad's exponent table: the ISO exponent except where this list says otherwise.
///
/// ```
/// use rust_decimal_macros::dec;
/// use unibill_core::{Currency, Money};
/// use unibill_flowglad::FLOWGLAD_EXPONENTS;
///
/// let mga = Money::new(dec!(5), "MGA".parse().unwrap());
/// assert_eq!(mga.to_minor_units_with(&FLOWGLAD_EXPONENTS).unwrap(), 5);
/// let isk = Money::new(dec!(10.50), "ISK".parse().unwrap());
/// assert_eq!(isk.to_minor_units_with(&FLOWGLAD_EXPONENTS).unwrap(), 1050);
/// ```
pub static FLOWGLAD_EXPONENTS: ExponentOverrides = ExponentOverrides::new(&[
    ("BIF", 0),
    ("CLP", 0),
    ("DJF", 0),
    ("GNF", 0),
    ("JPY", 0),
    ("KMF", 0),
    ("KRW", 0),
    ("MGA", 0),
    ("PYG", 0),
    ("RWF", 0),
    ("UGX", 0),
    ("VND", 0),
    ("VUV", 0),
    ("XAF", 0),
    ("XOF", 0),
    ("XPF", 0),
    ("ISK", 2),
]);

/// `money` in Flowglad's minor units.
pub(crate) fn to_minor(money: &Money) -> Result<i64> {
    money.to_minor_units_with(&FLOWGLAD_EXPONENTS)
}

/// Flowglad minor units as money.
pub(crate) fn from_minor(minor: i64, currency: Currency) -> Result<Money> {
    Money::from_minor_units_with(minor, currency, &FLOWGLAD_EXPONENTS)
}
