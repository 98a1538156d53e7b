//! [`Address`]: a postal address, validated on construction.

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::validation::Checks;

/// A postal address. Every part is optional; the country is ISO 3166-1 alpha-2 in upper case. Parts are
/// [`CompactString`]s: one of up to 24 bytes (most are) is kept inline, without an allocation.
///
/// Limits (characters): lines ≤ 255, city and state ≤ 100, postal code ≤ 20.
///
/// ```
/// use unibill_core::Address;
///
/// let a = Address::builder().line1("1 Main St").city("Springfield").country("US").build().unwrap();
/// assert_eq!(a.country.as_deref(), Some("US"));
///
/// let err = Address::builder().country("us").build().unwrap_err();
/// assert_eq!(err.field_errors()[0].field, "country");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Address {
    /// First line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line1: Option<CompactString>,
    /// Second line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line2: Option<CompactString>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<CompactString>,
    /// State, province or region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<CompactString>,
    /// ZIP or postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<CompactString>,
    /// ISO 3166-1 alpha-2 country code, upper case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<CompactString>,
}

impl Address {
    /// A builder; [`AddressBuilder::build`] validates.
    pub fn builder() -> AddressBuilder {
        AddressBuilder::default()
    }

    /// Whether every part is absent.
    pub fn is_empty(&self) -> bool {
        self == &Address::default()
    }

    pub(crate) fn check(&self, checks: &mut Checks, prefix: &str) {
        // Checked under the bare names; the `prefix.name` paths are formatted only for broken rules, so a valid
        // address costs no allocation here.
        let mut own = Checks::new();
        for (name, value, max) in [
            ("line1", &self.line1, 255),
            ("line2", &self.line2, 255),
            ("city", &self.city, 100),
            ("state", &self.state, 100),
            ("postal_code", &self.postal_code, 20),
        ] {
            if let Some(v) = value {
                own.length(name, v, 0, max);
            }
        }
        if let Some(c) = &self.country {
            own.country("country", c);
        }
        for e in own.errors_mut().drain(..) {
            let field = if prefix.is_empty() {
                e.field
            } else {
                format!("{prefix}.{}", e.field)
            };
            checks.fail(field, e.message);
        }
    }
}

/// Builds an [`Address`].
#[derive(Debug, Clone, Default)]
pub struct AddressBuilder {
    address: Address,
}

impl AddressBuilder {
    /// First line (≤ 255 characters).
    pub fn line1(mut self, v: impl Into<CompactString>) -> Self {
        self.address.line1 = Some(v.into());
        self
    }

    /// Second line (≤ 255 characters).
    pub fn line2(mut self, v: impl Into<CompactString>) -> Self {
        self.address.line2 = Some(v.into());
        self
    }

    /// City (≤ 100 characters).
    pub fn city(mut self, v: impl Into<CompactString>) -> Self {
        self.address.city = Some(v.into());
        self
    }

    /// State, province or region (≤ 100 characters).
    pub fn state(mut self, v: impl Into<CompactString>) -> Self {
        self.address.state = Some(v.into());
        self
    }

    /// Postal code (≤ 20 characters).
    pub fn postal_code(mut self, v: impl Into<CompactString>) -> Self {
        self.address.postal_code = Some(v.into());
        self
    }

    /// ISO 3166-1 alpha-2 country code in upper case.
    pub fn country(mut self, v: impl Into<CompactString>) -> Self {
        self.address.country = Some(v.into());
        self
    }

    /// Validates and returns the address (field names without prefix: `country`, `city`, …).
    pub fn build(self) -> Result<Address> {
        let mut checks = Checks::new();
        self.address.check(&mut checks, "");
        checks.finish()?;
        Ok(self.address)
    }

    /// The address without validation, for read models decoded from a provider.
    pub fn build_unchecked(self) -> Address {
        self.address
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries() {
        let ok = Address::builder()
            .line1("a".repeat(255))
            .line2("b".repeat(255))
            .city("c".repeat(100))
            .state("d".repeat(100))
            .postal_code("1".repeat(20))
            .country("DE")
            .build();
        assert!(ok.is_ok());
        for (b, field) in [
            (Address::builder().line1("a".repeat(256)), "line1"),
            (Address::builder().line2("a".repeat(256)), "line2"),
            (Address::builder().city("a".repeat(101)), "city"),
            (Address::builder().state("a".repeat(101)), "state"),
            (
                Address::builder().postal_code("1".repeat(21)),
                "postal_code",
            ),
            (Address::builder().country("de"), "country"),
            (Address::builder().country("ZZ"), "country"),
        ] {
            let err = b.build().unwrap_err();
            assert_eq!(err.field_errors()[0].field, field);
        }
    }
}
