//! Invoices, read-only (lifecycle notes §6): `GET /api/v1/invoices`, `GET /api/v1/invoices/{id}`. Flowglad
//! has no invoice writes; billing runs are not emulated, so invoices come from
//! [`FlowgladEmulator::add_invoice`](super::FlowgladEmulator::add_invoice).

use serde_json::{Value, json};

use super::errors::ApiError;
use super::pagination::ListQuery;
use super::state::{ORGANIZATION_ID, Store};

/// A stored invoice. Amounts are integer minor units; there is no `total`.
#[derive(Debug, Clone)]
pub(crate) struct Invoice {
    pub id: String,
    pub created_at: i64,
    pub livemode: bool,
    pub pricing_model_id: String,
    pub invoice_number: String,
    pub status: String,
    pub currency: String,
    pub subtotal: Option<i64>,
    pub tax_amount: Option<i64>,
    pub customer_id: String,
    pub subscription_id: String,
    pub period_start: i64,
    pub period_end: i64,
}

impl Invoice {
    /// The wire record (`SubscriptionInvoiceClientSelectSchema`, the keys the notes list).
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "createdAt": self.created_at,
            "updatedAt": self.created_at,
            "livemode": self.livemode,
            "organizationId": ORGANIZATION_ID,
            "invoiceNumber": self.invoice_number,
            "invoiceDate": self.created_at,
            "dueDate": self.created_at,
            "status": self.status,
            "type": "subscription",
            "currency": self.currency,
            "subtotal": self.subtotal,
            "taxAmount": self.tax_amount,
            "customerId": self.customer_id,
            "subscriptionId": self.subscription_id,
            "billingPeriodId": null,
            "billingPeriodStartDate": self.period_start,
            "billingPeriodEndDate": self.period_end,
            "pdfURL": null,
            "receiptPdfURL": null,
            "memo": null,
            "pricingModelId": self.pricing_model_id,
        })
    }
}

/// GET /api/v1/invoices/{id}: `{"invoice": …}`.
pub(crate) fn get(store: &Store, id: &str) -> Result<Value, ApiError> {
    store
        .invoices
        .iter()
        .find(|i| i.id == id && store.visible(&i.pricing_model_id, i.livemode))
        .map(|i| json!({"invoice": i.to_json()}))
        .ok_or_else(|| ApiError::not_found("Invoice not found"))
}

/// GET /api/v1/invoices: only `cursor` and `limit`.
pub(crate) fn list(store: &Store, query: &ListQuery) -> Value {
    let rows = store
        .invoices
        .iter()
        .filter(|i| store.visible(&i.pricing_model_id, i.livemode))
        .map(|i| (i.created_at, i.id.clone(), i))
        .collect();
    query.page(rows, Invoice::to_json)
}
