//! The invoice wire format: the search body (exact) and the invoice object (lenient; money as decimal
//! strings, statuses upper case).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use unibill_core::{
    Currency, Error, Invoice, InvoiceLine, InvoiceStatus, Metadata, Money, PaymentStatus, Period,
    RawJson, Result, Timestamp,
};

use super::model::NewOneOffInvoice;

use crate::PROVIDER;
use crate::decode::{decimal, non_empty, timestamp_field};

/// `POST /invoices/search` (`InvoiceFilter`): by customer and subscription, oldest first.
#[derive(Debug, Serialize)]
pub(crate) struct SearchInvoices<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_customer_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscription_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoice_type: Option<&'static str>,
    pub limit: u32,
    pub offset: u64,
    pub sort: &'static str,
    pub order: &'static str,
}

/// `POST /invoices` (`CreateInvoiceRequest`, notes §5.2) for a one-off invoice: amounts as decimal strings
/// exactly as given; subtotal and total are the amount due (no tax, no coupons).
#[derive(Debug, Serialize)]
pub(crate) struct CreateInvoice<'a> {
    customer_id: &'a str,
    currency: String,
    invoice_type: &'static str,
    amount_due: String,
    subtotal: String,
    total: String,
    idempotency_key: &'a str,
    line_items: Vec<CreateLine<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<&'a Metadata>,
}

/// A line item as sent.
#[derive(Debug, Serialize)]
struct CreateLine<'a> {
    display_name: &'a str,
    amount: String,
    quantity: String,
}

impl<'a> From<&'a NewOneOffInvoice> for CreateInvoice<'a> {
    fn from(input: &'a NewOneOffInvoice) -> Self {
        let amount = input.amount_due().to_string();
        CreateInvoice {
            customer_id: input.customer_id().as_str(),
            currency: input.currency().code().to_ascii_lowercase(),
            invoice_type: "ONE_OFF",
            subtotal: amount.clone(),
            total: amount.clone(),
            amount_due: amount,
            idempotency_key: input.key().as_str(),
            line_items: input
                .lines()
                .iter()
                .map(|l| CreateLine {
                    display_name: l.display_name(),
                    amount: l.amount().to_string(),
                    quantity: l.quantity().to_string(),
                })
                .collect(),
            description: input.description(),
            metadata: input.metadata(),
        }
    }
}

/// A line item as read.
#[derive(Debug, Deserialize)]
struct WireLine {
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    price_id: Option<String>,
    #[serde(default)]
    quantity: Option<Value>,
    #[serde(default)]
    amount: Option<Value>,
    #[serde(default, deserialize_with = "timestamp_field")]
    period_start: Option<Timestamp>,
    #[serde(default, deserialize_with = "timestamp_field")]
    period_end: Option<Timestamp>,
}

/// `InvoiceResponse` (notes §5.1), lenient.
#[derive(Debug, Deserialize)]
pub(crate) struct WireInvoice {
    id: String,
    #[serde(default)]
    invoice_number: Option<String>,
    #[serde(default)]
    customer_id: Option<String>,
    #[serde(default)]
    subscription_id: Option<String>,
    #[serde(default)]
    invoice_status: Option<String>,
    #[serde(default)]
    payment_status: Option<String>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    subtotal: Option<Value>,
    #[serde(default)]
    total: Option<Value>,
    #[serde(default)]
    total_tax: Option<Value>,
    #[serde(default)]
    amount_due: Option<Value>,
    #[serde(default)]
    amount_paid: Option<Value>,
    #[serde(default, deserialize_with = "timestamp_field")]
    period_start: Option<Timestamp>,
    #[serde(default, deserialize_with = "timestamp_field")]
    period_end: Option<Timestamp>,
    #[serde(default, deserialize_with = "timestamp_field")]
    due_date: Option<Timestamp>,
    #[serde(default, deserialize_with = "timestamp_field")]
    finalized_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "timestamp_field")]
    created_at: Option<Timestamp>,
    #[serde(default)]
    line_items: Option<Vec<WireLine>>,
    #[serde(default)]
    idempotency_key: Option<String>,
    #[serde(default)]
    description: Option<String>,
}

/// The neutral status of Flexprice's two dimensions (see [`InvoiceStatus`]): `FINALIZED` is `Paid`,
/// `Refunded`, `PartiallyRefunded` or `Open` by its payment status; an unknown status is kept.
pub(crate) fn status(invoice: Option<&str>, payment: Option<&str>) -> InvoiceStatus {
    match invoice.unwrap_or_default() {
        "FINALIZED" => match payment.unwrap_or_default() {
            "SUCCEEDED" => InvoiceStatus::Paid,
            "REFUNDED" => InvoiceStatus::Refunded,
            "PARTIALLY_REFUNDED" => InvoiceStatus::PartiallyRefunded,
            _ => InvoiceStatus::Open,
        },
        other => InvoiceStatus::from(other),
    }
}

impl WireInvoice {
    /// The invoice with its `idempotency_key` and `description` (which the neutral invoice does not carry).
    pub(crate) fn into_keyed(mut self, raw: RawJson) -> Result<KeyedInvoice> {
        let key = non_empty(self.idempotency_key.take());
        let description = non_empty(self.description.take());
        Ok(KeyedInvoice {
            key,
            description,
            invoice: self.into_invoice(raw)?,
        })
    }

    /// The neutral invoice; amounts the answer does not carry are `None`, an amount that is not a decimal is a
    /// decode error (money is never guessed).
    pub(crate) fn into_invoice(self, raw: RawJson) -> Result<Invoice> {
        let id = self.id;
        let currency = non_empty(self.currency)
            .map(|c| Currency::decode(&c))
            .transpose()
            .map_err(|e| bad(&id, e))?
            .ok_or_else(|| bad(&id, "no currency"))?;
        let money = |field: &str, v: Option<Value>| -> Result<Option<Money>> {
            match v {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) if s.is_empty() => Ok(None),
                Some(v) => decimal(&v)
                    .map(|d| Some(Money::new(d, currency.clone())))
                    .ok_or_else(|| bad(&id, format_args!("`{field}` is not a decimal: {v}"))),
            }
        };
        let st = status(
            self.invoice_status.as_deref(),
            self.payment_status.as_deref(),
        );
        let mut b = Invoice::builder(id.clone(), st, currency.clone())
            .provider(PROVIDER)
            .raw(raw);
        if let Some(p) = non_empty(self.payment_status) {
            b = b.payment_status(PaymentStatus::from(p.as_str()));
        }
        if let Some(v) = money("subtotal", self.subtotal)? {
            b = b.subtotal(v);
        }
        if let Some(v) = money("total_tax", self.total_tax)? {
            b = b.tax(v);
        }
        if let Some(v) = money("total", self.total)? {
            b = b.total(v);
        }
        if let Some(v) = money("amount_due", self.amount_due)? {
            b = b.amount_due(v);
        }
        if let Some(v) = money("amount_paid", self.amount_paid)? {
            b = b.amount_paid(v);
        }
        if let Some(lines) = self.line_items {
            let mut out = Vec::with_capacity(lines.len());
            for l in lines {
                let mut line = InvoiceLine::new();
                if let Some(d) = non_empty(l.display_name) {
                    line = line.description(d);
                }
                if let Some(p) = non_empty(l.price_id) {
                    line = line.price_id(p);
                }
                if let Some(q) = l.quantity.as_ref().and_then(decimal) {
                    line = line.quantity(q);
                }
                if let Some(a) = money("line_items[].amount", l.amount)? {
                    line = line.amount(a);
                }
                if let (Some(s), Some(e)) = (l.period_start, l.period_end)
                    && let Ok(p) = Period::new(s, e)
                {
                    line = line.period(p);
                }
                out.push(line);
            }
            b = b.lines(out);
        }
        if let Some(n) = non_empty(self.invoice_number) {
            b = b.number(n);
        }
        if let Some(c) = non_empty(self.customer_id) {
            b = b.customer_id(c);
        }
        if let Some(s) = non_empty(self.subscription_id) {
            b = b.subscription_id(s);
        }
        if let (Some(s), Some(e)) = (self.period_start, self.period_end)
            && let Ok(p) = Period::new(s, e)
        {
            b = b.period(p);
        }
        if let Some(t) = self.finalized_at {
            b = b.issued_at(t);
        }
        if let Some(t) = self.due_date {
            b = b.due_at(t);
        }
        if let Some(t) = self.created_at {
            b = b.created_at(t);
        }
        Ok(b.build())
    }
}

/// An invoice with the fields the neutral model has no place for.
#[derive(Debug)]
pub(crate) struct KeyedInvoice {
    /// `idempotency_key`.
    pub key: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// The neutral invoice.
    pub invoice: Invoice,
}

fn bad(id: &str, what: impl std::fmt::Display) -> Error {
    Error::decode(format!("Flexprice invoice {id}: {what}")).with_provider(PROVIDER)
}
