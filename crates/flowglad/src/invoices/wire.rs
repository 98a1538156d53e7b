//! The invoice wire format (lenient): `subtotal` and `taxAmount` are nullable integer minor units; there is no
//! `total`.

use serde::Deserialize;
use serde_json::value::RawValue;
use unibill_core::{Currency, Error, Invoice, InvoiceStatus, Period, Result};

use crate::PROVIDER;
use crate::currency::from_minor;
use crate::decode::{self, record};

/// `{"invoice": I, …}`, or a bare invoice.
#[derive(Debug, Deserialize)]
pub(super) struct InvoiceEnvelope {
    #[serde(default)]
    pub invoice: Option<Box<RawValue>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireInvoice {
    #[serde(default, deserialize_with = "decode::string")]
    id: Option<String>,
    #[serde(default, deserialize_with = "decode::string")]
    invoice_number: Option<String>,
    #[serde(default, deserialize_with = "decode::string")]
    status: Option<String>,
    #[serde(default, deserialize_with = "decode::string")]
    currency: Option<String>,
    #[serde(default, deserialize_with = "decode::int")]
    subtotal: Option<i64>,
    #[serde(default, deserialize_with = "decode::int")]
    tax_amount: Option<i64>,
    #[serde(default, deserialize_with = "decode::string")]
    customer_id: Option<String>,
    #[serde(default, deserialize_with = "decode::string")]
    subscription_id: Option<String>,
    #[serde(default, deserialize_with = "decode::timestamp")]
    invoice_date: Option<jiff::Timestamp>,
    #[serde(default, deserialize_with = "decode::timestamp")]
    due_date: Option<jiff::Timestamp>,
    #[serde(default, deserialize_with = "decode::timestamp")]
    billing_period_start_date: Option<jiff::Timestamp>,
    #[serde(default, deserialize_with = "decode::timestamp")]
    billing_period_end_date: Option<jiff::Timestamp>,
    #[serde(default, deserialize_with = "decode::timestamp")]
    created_at: Option<jiff::Timestamp>,
}

/// Decodes one invoice; the `cust_` id goes to `provider_customer_id`, `total` stays `None`.
pub(crate) fn invoice(raw: Box<RawValue>) -> Result<Invoice> {
    let (w, raw) = record::<WireInvoice>(raw, "invoice")?;
    let id =
        w.id.filter(|s| !s.is_empty())
            .ok_or_else(|| Error::decode("a Flowglad invoice has no id").with_provider(PROVIDER))?;
    let currency = Currency::decode(&w.currency.unwrap_or_default().to_ascii_uppercase())?;
    let status = InvoiceStatus::from(w.status.unwrap_or_default().as_str());
    let mut b = Invoice::builder(id, status, currency.clone()).provider(PROVIDER);
    if let Some(n) = w.invoice_number {
        b = b.number(n);
    }
    if let Some(m) = w.subtotal {
        b = b.subtotal(from_minor(m, currency.clone())?);
    }
    if let Some(m) = w.tax_amount {
        b = b.tax(from_minor(m, currency)?);
    }
    if let Some(c) = w.customer_id {
        b = b.provider_customer_id(c);
    }
    if let Some(s) = w.subscription_id {
        b = b.subscription_id(s);
    }
    if let Some(t) = w.invoice_date {
        b = b.issued_at(t);
    }
    if let Some(t) = w.due_date {
        b = b.due_at(t);
    }
    if let (Some(s), Some(e)) = (w.billing_period_start_date, w.billing_period_end_date)
        && let Ok(p) = Period::new(s, e)
    {
        b = b.period(p);
    }
    if let Some(t) = w.created_at {
        b = b.created_at(t);
    }
    Ok(b.raw(raw).build())
}
