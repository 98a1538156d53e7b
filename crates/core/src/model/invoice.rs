//! Invoices: the read model [`Invoice`] with its [`InvoiceStatus`], [`PaymentStatus`] and [`InvoiceLine`]s,
//! and the list query [`InvoiceListQuery`].
//!
//! An amount a provider does not report is `None`: never computed by guesswork (Flowglad has no total, and its
//! total is not summed from lines).

use std::borrow::Cow;

use jiff::Timestamp;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::id::{CustomerId, InvoiceId, PriceId, SubscriptionId};
use crate::model::connection::open_enum;
use crate::model::raw::RawJson;
use crate::model::subscription::{CustomerRef, Period};
use crate::money::{Currency, Money};
use crate::page::Cursor;

open_enum!(
    /// Where an invoice is. Read leniently (case and `-` ignored; `voided` is `Void`).
    ///
    /// Flexprice has two dimensions; its adapter maps them: `DRAFT` → `Draft`; `FINALIZED` with payment
    /// `SUCCEEDED` → `Paid`, with `REFUNDED` → `Refunded`, with `PARTIALLY_REFUNDED` → `PartiallyRefunded`, with
    /// anything else → `Open`; `VOIDED` → `Void`; `SKIPPED` → `Skipped`. Flowglad
    /// `awaiting_payment_confirmation` → `Open`.
    ///
    /// ```
    /// use unibill_core::InvoiceStatus;
    /// assert_eq!(InvoiceStatus::from("VOIDED"), InvoiceStatus::Void);
    /// assert_eq!(InvoiceStatus::from("partially_refunded"), InvoiceStatus::PartiallyRefunded);
    /// assert_eq!(InvoiceStatus::Paid.as_str(), "paid");
    /// ```
    lenient InvoiceStatus {
        /// Being prepared; can still change.
        Draft = "draft",
        /// Final and awaiting payment.
        Open = "open" | "awaiting_payment_confirmation",
        /// Paid in full.
        Paid = "paid",
        /// Voided.
        Void = "void" | "voided",
        /// Deemed uncollectible.
        Uncollectible = "uncollectible",
        /// Paid, then refunded in full.
        Refunded = "refunded",
        /// Paid, then refunded in part.
        PartiallyRefunded = "partially_refunded",
        /// Skipped (Flexprice: nothing to bill).
        Skipped = "skipped",
    }
);

open_enum!(
    /// Where an invoice's payment is, where the provider tracks it apart from the invoice. Read leniently.
    ///
    /// ```
    /// use unibill_core::PaymentStatus;
    /// assert_eq!(PaymentStatus::from("SUCCEEDED"), PaymentStatus::Succeeded);
    /// ```
    lenient PaymentStatus {
        /// Not attempted yet.
        Pending = "pending",
        /// In progress.
        Processing = "processing" | "awaiting_payment_confirmation",
        /// Paid.
        Succeeded = "succeeded" | "paid",
        /// Failed.
        Failed = "failed",
        /// Refunded in full.
        Refunded = "refunded",
        /// Refunded in part.
        PartiallyRefunded = "partially_refunded",
    }
);

/// One line of an invoice.
///
/// ```
/// use rust_decimal_macros::dec;
/// use unibill_core::{Currency, InvoiceLine, Money};
/// let l = InvoiceLine::new().description("Pro").price_id("price_pro").quantity(dec!(1)).amount(Money::new(dec!(29), Currency::USD));
/// assert_eq!(l.description.as_deref(), Some("Pro"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InvoiceLine {
    /// What the line is for.
    pub description: Option<String>,
    /// The price it bills.
    pub price_id: Option<PriceId>,
    /// How many units.
    pub quantity: Option<Decimal>,
    /// The line's amount.
    pub amount: Option<Money>,
    /// The period it covers.
    pub period: Option<Period>,
}

impl InvoiceLine {
    /// An empty line.
    pub fn new() -> Self {
        Self::default()
    }
    /// Description.
    pub fn description(mut self, v: impl Into<String>) -> Self {
        self.description = Some(v.into());
        self
    }
    /// Price.
    pub fn price_id(mut self, v: impl Into<PriceId>) -> Self {
        self.price_id = Some(v.into());
        self
    }
    /// Quantity.
    pub fn quantity(mut self, v: Decimal) -> Self {
        self.quantity = Some(v);
        self
    }
    /// Amount.
    pub fn amount(mut self, v: Money) -> Self {
        self.amount = Some(v);
        self
    }
    /// Period.
    pub fn period(mut self, v: Period) -> Self {
        self.period = Some(v);
        self
    }
}

/// An invoice as the provider holds it.
///
/// The customer fields are what the read could fill without another request (Flowglad knows only its own
/// customer id). `lines` is `None` where the read does not carry them
/// ([`crate::InvoiceCapabilities::lines_on_get`]), `Some(vec![])` for an invoice without lines.
///
/// ```
/// use unibill_core::{Currency, Invoice, InvoiceStatus};
/// let i = Invoice::builder("inv_1", InvoiceStatus::Open, Currency::USD).number("INV-0001").build();
/// assert_eq!((i.total.is_none(), i.provider.as_ref()), (true, "mock"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Invoice {
    /// The provider's handle.
    pub id: InvoiceId,
    /// The invoice number, once it has one.
    pub number: Option<String>,
    /// The neutral customer id, where known.
    pub customer_id: Option<CustomerId>,
    /// The customer's external id, where known.
    pub customer_external_id: Option<String>,
    /// The provider's own customer id, where it differs from `customer_id`.
    pub provider_customer_id: Option<String>,
    /// The subscription it bills, if any.
    pub subscription_id: Option<SubscriptionId>,
    /// Where it is.
    pub status: InvoiceStatus,
    /// Where its payment is, where the provider tracks that apart.
    pub payment_status: Option<PaymentStatus>,
    /// The currency of every amount.
    pub currency: Currency,
    /// Before tax.
    pub subtotal: Option<Money>,
    /// Tax.
    pub tax: Option<Money>,
    /// After tax.
    pub total: Option<Money>,
    /// Still to pay.
    pub amount_due: Option<Money>,
    /// Paid so far.
    pub amount_paid: Option<Money>,
    /// The lines, where the read carries them.
    pub lines: Option<Vec<InvoiceLine>>,
    /// The period it bills.
    pub period: Option<Period>,
    /// When it was issued (finalized).
    pub issued_at: Option<Timestamp>,
    /// When payment is due.
    pub due_at: Option<Timestamp>,
    /// When it was created.
    pub created_at: Option<Timestamp>,
    /// Which provider holds it.
    pub provider: Cow<'static, str>,
    /// The provider's own JSON for it.
    pub raw: Option<RawJson>,
}

impl Invoice {
    /// A builder with the required fields; provider `"mock"`.
    pub fn builder(
        id: impl Into<InvoiceId>,
        status: InvoiceStatus,
        currency: Currency,
    ) -> InvoiceBuilder {
        InvoiceBuilder {
            invoice: Invoice {
                id: id.into(),
                number: None,
                customer_id: None,
                customer_external_id: None,
                provider_customer_id: None,
                subscription_id: None,
                status,
                payment_status: None,
                currency,
                subtotal: None,
                tax: None,
                total: None,
                amount_due: None,
                amount_paid: None,
                lines: None,
                period: None,
                issued_at: None,
                due_at: None,
                created_at: None,
                provider: Cow::Borrowed("mock"),
                raw: None,
            },
        }
    }
}

/// Builds an [`Invoice`] read model (for adapters and mocks). No validation.
#[derive(Debug, Clone)]
pub struct InvoiceBuilder {
    invoice: Invoice,
}

impl InvoiceBuilder {
    /// Number.
    pub fn number(mut self, v: impl Into<String>) -> Self {
        self.invoice.number = Some(v.into());
        self
    }
    /// Neutral customer id.
    pub fn customer_id(mut self, v: impl Into<CustomerId>) -> Self {
        self.invoice.customer_id = Some(v.into());
        self
    }
    /// Customer external id.
    pub fn customer_external_id(mut self, v: impl Into<String>) -> Self {
        self.invoice.customer_external_id = Some(v.into());
        self
    }
    /// The provider's own customer id.
    pub fn provider_customer_id(mut self, v: impl Into<String>) -> Self {
        self.invoice.provider_customer_id = Some(v.into());
        self
    }
    /// Subscription.
    pub fn subscription_id(mut self, v: impl Into<SubscriptionId>) -> Self {
        self.invoice.subscription_id = Some(v.into());
        self
    }
    /// Payment status.
    pub fn payment_status(mut self, v: PaymentStatus) -> Self {
        self.invoice.payment_status = Some(v);
        self
    }
    /// Subtotal.
    pub fn subtotal(mut self, v: Money) -> Self {
        self.invoice.subtotal = Some(v);
        self
    }
    /// Tax.
    pub fn tax(mut self, v: Money) -> Self {
        self.invoice.tax = Some(v);
        self
    }
    /// Total.
    pub fn total(mut self, v: Money) -> Self {
        self.invoice.total = Some(v);
        self
    }
    /// Amount due.
    pub fn amount_due(mut self, v: Money) -> Self {
        self.invoice.amount_due = Some(v);
        self
    }
    /// Amount paid.
    pub fn amount_paid(mut self, v: Money) -> Self {
        self.invoice.amount_paid = Some(v);
        self
    }
    /// Lines.
    pub fn lines(mut self, v: Vec<InvoiceLine>) -> Self {
        self.invoice.lines = Some(v);
        self
    }
    /// Period.
    pub fn period(mut self, v: Period) -> Self {
        self.invoice.period = Some(v);
        self
    }
    /// Issue time.
    pub fn issued_at(mut self, v: Timestamp) -> Self {
        self.invoice.issued_at = Some(v);
        self
    }
    /// Due time.
    pub fn due_at(mut self, v: Timestamp) -> Self {
        self.invoice.due_at = Some(v);
        self
    }
    /// Creation time.
    pub fn created_at(mut self, v: Timestamp) -> Self {
        self.invoice.created_at = Some(v);
        self
    }
    /// Provider name.
    pub fn provider(mut self, v: impl Into<Cow<'static, str>>) -> Self {
        self.invoice.provider = v.into();
        self
    }
    /// Provider JSON.
    pub fn raw(mut self, v: RawJson) -> Self {
        self.invoice.raw = Some(v);
        self
    }
    /// The invoice.
    pub fn build(self) -> Invoice {
        self.invoice
    }
}

/// Which invoices to list. A filter the provider lacks is applied by the adapter over the provider's pages
/// (pages may then be short).
///
/// ```
/// use unibill_core::{InvoiceListQuery, InvoiceStatus, SubscriptionId};
/// let q = InvoiceListQuery::new().subscription_id(SubscriptionId::new("sub_1")).status(InvoiceStatus::Open);
/// assert_eq!(q.statuses, [InvoiceStatus::Open]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct InvoiceListQuery {
    /// Only this customer's.
    pub customer: Option<CustomerRef>,
    /// Only this subscription's.
    pub subscription_id: Option<SubscriptionId>,
    /// Only these statuses (empty: every status).
    pub statuses: Vec<InvoiceStatus>,
    /// Page size (clamped to the provider's maximum; 0 is invalid).
    pub limit: Option<u32>,
    /// Where to continue.
    pub cursor: Option<Cursor>,
    /// The most pages [`list_all`](crate::InvoicesExt::list_all) fetches before it ends with a `Provider`
    /// error (`None`: [`DEFAULT_MAX_PAGES`](crate::page::DEFAULT_MAX_PAGES); 0 is `InvalidInput`).
    pub max_pages: Option<u32>,
}

impl InvoiceListQuery {
    /// Every invoice.
    pub fn new() -> Self {
        Self::default()
    }
    /// Only this customer's.
    pub fn customer(mut self, v: CustomerRef) -> Self {
        self.customer = Some(v);
        self
    }
    /// Only this subscription's.
    pub fn subscription_id(mut self, v: SubscriptionId) -> Self {
        self.subscription_id = Some(v);
        self
    }
    /// Adds a status to the filter.
    pub fn status(mut self, v: InvoiceStatus) -> Self {
        self.statuses.push(v);
        self
    }
    /// Page size.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }
    /// Continue from a cursor.
    pub fn cursor(mut self, cursor: Cursor) -> Self {
        self.cursor = Some(cursor);
        self
    }
    /// Bounds [`list_all`](crate::InvoicesExt::list_all) to `pages` pages.
    pub fn max_pages(mut self, pages: u32) -> Self {
        self.max_pages = Some(pages);
        self
    }
    /// The fingerprint cursors are tagged with (everything but limit and cursor).
    pub fn fingerprint(&self) -> u64 {
        let mut f = crate::page::QueryFingerprint::new()
            .with("invoices")
            .with_opt(
                self.customer
                    .as_ref()
                    .map(CustomerRef::fingerprint_part)
                    .as_deref(),
            )
            .with_opt(self.subscription_id.as_ref().map(SubscriptionId::as_str));
        for s in &self.statuses {
            f = f.with(s.as_str());
        }
        f.finish()
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    #[test]
    fn status_spellings() {
        for (text, want) in [
            ("DRAFT", InvoiceStatus::Draft),
            ("voided", InvoiceStatus::Void),
            ("awaiting_payment_confirmation", InvoiceStatus::Open),
            ("Partially-Refunded", InvoiceStatus::PartiallyRefunded),
            ("SKIPPED", InvoiceStatus::Skipped),
        ] {
            assert_eq!(InvoiceStatus::from(text), want, "{text}");
        }
        assert_eq!(
            InvoiceStatus::from("FINALIZED"),
            InvoiceStatus::Other("FINALIZED".into())
        );
        assert_eq!(PaymentStatus::from("FAILED"), PaymentStatus::Failed);
    }

    #[test]
    fn read_model_round_trips_with_absent_amounts() {
        let usd = |a| Money::new(a, Currency::USD);
        let i = Invoice::builder("inv_1", InvoiceStatus::Paid, Currency::USD)
            .payment_status(PaymentStatus::Succeeded)
            .subtotal(usd(dec!(32.00)))
            .lines(vec![
                InvoiceLine::new()
                    .price_id("price_pro")
                    .amount(usd(dec!(29))),
                InvoiceLine::new()
                    .quantity(dec!(150))
                    .amount(usd(dec!(3.00))),
            ])
            .build();
        assert!(i.total.is_none());
        let back: Invoice = serde_json::from_str(&serde_json::to_string(&i).unwrap()).unwrap();
        assert_eq!(back, i);
    }

    #[test]
    fn list_query_fingerprints_differ_by_filter() {
        let a = InvoiceListQuery::new().subscription_id(SubscriptionId::new("sub_1"));
        assert_ne!(a.fingerprint(), InvoiceListQuery::new().fingerprint());
        assert_eq!(a.fingerprint(), a.clone().limit(3).fingerprint());
    }
}
