//! The one-off invoice input: Flexprice's own call (the neutral `Invoices` has no create), checked before
//! anything is sent.

use unibill_core::{
    Currency, CustomerId, Decimal, Error, FieldError, IdempotencyKey, Metadata, Result,
};

/// One line of a one-off invoice: a display name, an exact amount in major units (never rounded: at most the
/// currency's minor-unit digits) and a quantity (default 1). The amount is the line's total, not a unit price.
///
/// ```
/// use rust_decimal_macros::dec;
/// use unibill_flexprice::OneOffLine;
/// let line = OneOffLine::new("Setup fee", dec!(49.50)).with_quantity(dec!(1));
/// assert_eq!((line.display_name(), line.amount()), ("Setup fee", dec!(49.50)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneOffLine {
    display_name: String,
    amount: Decimal,
    quantity: Decimal,
}

impl OneOffLine {
    /// A line called `display_name` of `amount` (major units), quantity 1.
    pub fn new(display_name: impl Into<String>, amount: Decimal) -> Self {
        OneOffLine {
            display_name: display_name.into(),
            amount,
            quantity: Decimal::ONE,
        }
    }

    /// Sets the quantity (≥ 0; informative: the amount is the line's total).
    pub fn with_quantity(mut self, quantity: Decimal) -> Self {
        self.quantity = quantity;
        self
    }

    /// The display name.
    pub fn display_name(&self) -> &str {
        &self.display_name
    }

    /// The amount, in major units.
    pub fn amount(&self) -> Decimal {
        self.amount
    }

    /// The quantity.
    pub fn quantity(&self) -> Decimal {
        self.quantity
    }
}

/// The input to [`FlexpriceClient::create_one_off_invoice`]: a Flexprice customer (`cust_…` id, not the
/// external id), a currency, the lines and the amount due they add up to, an idempotency key (generated once,
/// at [`build`](NewOneOffInvoiceBuilder::build), unless given: re-send the same value to re-send the create),
/// and optionally a description and metadata. Flexprice finalises a one-off invoice inside the create.
///
/// ```
/// use rust_decimal_macros::dec;
/// use unibill_core::{Currency, CustomerId};
/// use unibill_flexprice::{NewOneOffInvoice, OneOffLine};
///
/// let input = NewOneOffInvoice::builder(CustomerId::new("cust_01"), Currency::USD, dec!(59.50))
///     .line(OneOffLine::new("Setup fee", dec!(49.50)))
///     .line(OneOffLine::new("Shipping", dec!(10)))
///     .build()
///     .unwrap();
/// assert_eq!(input.lines().len(), 2);
/// // The key is fixed at build: clones re-send the same create.
/// assert_eq!(input.clone().key(), input.key());
///
/// let short = NewOneOffInvoice::builder(CustomerId::new("cust_01"), Currency::USD, dec!(60))
///     .line(OneOffLine::new("Setup fee", dec!(49.50)))
///     .build()
///     .unwrap_err();
/// assert_eq!(short.field_errors()[0].field, "amount_due");
/// ```
///
/// [`FlexpriceClient::create_one_off_invoice`]: crate::FlexpriceClient::create_one_off_invoice
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOneOffInvoice {
    customer_id: CustomerId,
    currency: Currency,
    amount_due: Decimal,
    lines: Vec<OneOffLine>,
    key: IdempotencyKey,
    description: Option<String>,
    metadata: Option<Metadata>,
}

impl NewOneOffInvoice {
    /// Starts an invoice to the Flexprice customer `customer_id` (`cust_…`) in `currency`, of `amount_due`
    /// (major units; the lines must add up to it exactly).
    pub fn builder(
        customer_id: CustomerId,
        currency: Currency,
        amount_due: Decimal,
    ) -> NewOneOffInvoiceBuilder {
        NewOneOffInvoiceBuilder {
            customer_id,
            currency,
            amount_due,
            lines: Vec::new(),
            key: None,
            description: None,
            metadata: None,
        }
    }

    /// The Flexprice customer id.
    pub fn customer_id(&self) -> &CustomerId {
        &self.customer_id
    }

    /// The currency.
    pub fn currency(&self) -> &Currency {
        &self.currency
    }

    /// The amount due (also the subtotal and the total: no tax, no coupons), in major units.
    pub fn amount_due(&self) -> Decimal {
        self.amount_due
    }

    /// The lines.
    pub fn lines(&self) -> &[OneOffLine] {
        &self.lines
    }

    /// The idempotency key sent as the body's `idempotency_key`.
    pub fn key(&self) -> &IdempotencyKey {
        &self.key
    }

    /// The description.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The metadata.
    pub fn metadata(&self) -> Option<&Metadata> {
        self.metadata.as_ref()
    }
}

/// Builds a [`NewOneOffInvoice`]; start with [`NewOneOffInvoice::builder`].
#[derive(Debug, Clone)]
pub struct NewOneOffInvoiceBuilder {
    customer_id: CustomerId,
    currency: Currency,
    amount_due: Decimal,
    lines: Vec<OneOffLine>,
    key: Option<IdempotencyKey>,
    description: Option<String>,
    metadata: Option<Metadata>,
}

impl NewOneOffInvoiceBuilder {
    /// Adds a line.
    pub fn line(mut self, line: OneOffLine) -> Self {
        self.lines.push(line);
        self
    }

    /// Sets every line.
    pub fn lines(mut self, lines: impl IntoIterator<Item = OneOffLine>) -> Self {
        self.lines = lines.into_iter().collect();
        self
    }

    /// The idempotency key (default: one generated at [`build`](Self::build)).
    pub fn key(mut self, key: IdempotencyKey) -> Self {
        self.key = Some(key);
        self
    }

    /// A description.
    pub fn description(mut self, v: impl Into<String>) -> Self {
        self.description = Some(v.into());
        self
    }

    /// Metadata.
    pub fn metadata(mut self, v: Metadata) -> Self {
        self.metadata = Some(v);
        self
    }

    /// Checks the rules, every broken one named (`InvalidInput`): a `cust_…` customer id; an active ISO 4217
    /// currency with minor units; at least one line; amounts and quantities ≥ 0; amounts with no more
    /// fractional digits than the currency has (Flexprice would round them); the lines adding up to
    /// `amount_due` exactly. Generates the idempotency key if none was given.
    pub fn build(self) -> Result<NewOneOffInvoice> {
        let mut errors = Vec::new();
        if !self.customer_id.as_str().starts_with("cust_") {
            errors.push(FieldError::new(
                "customer_id",
                format!(
                    "must be a Flexprice customer id (`cust_…`), not an external id (got `{}`)",
                    self.customer_id
                ),
            ));
        }
        let exponent = self
            .currency
            .exponent()
            .filter(|_| self.currency.is_active_iso() && self.currency.code().len() == 3);
        if exponent.is_none() {
            errors.push(FieldError::new(
                "currency",
                format!(
                    "must be an active ISO 4217 currency with minor units (got `{}`)",
                    self.currency.code()
                ),
            ));
        }
        let digits = |field: String, d: Decimal, errors: &mut Vec<FieldError>| {
            if d.is_sign_negative() && !d.is_zero() {
                errors.push(FieldError::new(field, format!("{d} is negative")));
            } else if let Some(e) = exponent
                && d.normalize().scale() > e
            {
                errors.push(FieldError::new(
                    field,
                    format!(
                        "{d} has more than {e} fractional digits for {}, which Flexprice would round",
                        self.currency.code()
                    ),
                ));
            }
        };
        digits("amount_due".into(), self.amount_due, &mut errors);
        if self.lines.is_empty() {
            errors.push(FieldError::new("lines", "at least one line is needed"));
        }
        for (i, line) in self.lines.iter().enumerate() {
            digits(format!("lines[{i}].amount"), line.amount, &mut errors);
            if line.quantity.is_sign_negative() && !line.quantity.is_zero() {
                errors.push(FieldError::new(
                    format!("lines[{i}].quantity"),
                    format!("{} is negative", line.quantity),
                ));
            }
        }
        if !self.lines.is_empty() {
            let sum = self
                .lines
                .iter()
                .try_fold(Decimal::ZERO, |acc, l| acc.checked_add(l.amount));
            match sum {
                Some(sum) if sum == self.amount_due => {}
                Some(sum) => errors.push(FieldError::new(
                    "amount_due",
                    format!(
                        "{} is not the sum of the lines' amounts ({sum})",
                        self.amount_due
                    ),
                )),
                None => errors.push(FieldError::new("lines", "the amounts overflow")),
            }
        }
        if self.description.as_deref() == Some("") {
            errors.push(FieldError::new("description", "must not be empty when set"));
        }
        if !errors.is_empty() {
            return Err(Error::invalid_fields(errors));
        }
        Ok(NewOneOffInvoice {
            customer_id: self.customer_id,
            currency: self.currency,
            amount_due: self.amount_due,
            lines: self.lines,
            key: self.key.unwrap_or_else(IdempotencyKey::generate),
            description: self.description,
            metadata: self.metadata,
        })
    }
}
