//! Marketplace invoices (`vercel-marketplace-billing.md` §4) and the webhooks Vercel sends about them (§6).
//!
//! | route | answer |
//! |---|---|
//! | `POST /v1/installations/{icfg}/billing/invoices` | 200 `{invoiceId}`; 400 naming a missing `invoiceDate`, `period` or `items`; 404 for an unknown installation; 409 for an `externalId` the installation used before |
//! | `GET /v1/installations/{icfg}/billing/invoices/{invoiceId}` | the invoice (`state`, `total` as a decimal string, …); 404 |
//!
//! An invoice is `invoiced` when submitted; `test.result` (`paid`, `notpaid`, `overdue`) scripts its outcome, and
//! [`VercelEmulator::settle_invoice`] sets one later, as Vercel's charge does. With an endpoint configured
//! ([`VercelEmulator::deliver_webhooks`]), each submission is announced as `marketplace.invoice.created` and each
//! outcome as `marketplace.invoice.paid` / `marketplace.invoice.notpaid` (`overdue` has no documented event), in
//! the envelope `{"id", "type", "createdAt" (epoch ms), "payload": {installationId, period, invoiceId,
//! invoiceDate, invoiceTotal}}`, signed `x-vercel-signature` (hex HMAC-SHA1 of the body with the client secret).

use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::VercelEmulator;
use super::errors::{ApiError, ApiResult, json_response};
use crate::emulators::webhooks::{
    Announcement, Change, Tracked, WebhookEndpoint, WebhookOutbox, after_writes,
};

/// The emulator's invoices and its outbound webhooks.
#[derive(Debug, Default)]
pub(crate) struct Billing {
    invoices: Mutex<Vec<Invoice>>,
    webhooks: WebhookOutbox,
}

#[derive(Debug, Clone)]
struct Invoice {
    id: String,
    installation_id: String,
    external_id: Option<String>,
    invoice_date: String,
    period: Value,
    items: Value,
    total: Decimal,
    state: String,
}

impl Invoice {
    fn to_json(&self) -> Value {
        json!({
            "invoiceId": self.id,
            "externalId": self.external_id,
            "invoiceDate": self.invoice_date,
            "period": self.period,
            "items": self.items,
            "total": self.total.to_string(),
            "state": self.state,
        })
    }
}

impl Billing {
    fn invoices(&self) -> MutexGuard<'_, Vec<Invoice>> {
        self.invoices.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// `POST /v1/installations/{icfg}/billing/invoices`.
pub(crate) async fn submit(
    State(emu): State<VercelEmulator>,
    Path(icfg): Path<String>,
    body: Bytes,
) -> ApiResult {
    if !emu.lock().configurations.iter().any(|c| c.id == icfg) {
        return Err(ApiError::not_found("Installation not found"));
    }
    let body: Value =
        serde_json::from_slice(&body).map_err(|_| ApiError::bad_request("Invalid JSON body"))?;
    let text = |name: &str| body.get(name).and_then(Value::as_str).map(str::to_owned);
    let invoice_date = text("invoiceDate").ok_or_else(|| ApiError::missing("invoiceDate"))?;
    let period = body
        .get("period")
        .filter(|p| p.get("start").is_some() && p.get("end").is_some())
        .cloned()
        .ok_or_else(|| ApiError::missing("period"))?;
    let items = body
        .get("items")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::missing("items"))?;
    let mut total = Decimal::ZERO;
    for item in items {
        let line: Decimal = item
            .get("total")
            .and_then(Value::as_str)
            .and_then(|t| t.parse().ok())
            .ok_or_else(|| ApiError::invalid("items[].total must be a decimal string"))?;
        total += line;
    }
    let state = match body.pointer("/test/result").and_then(Value::as_str) {
        Some(result @ ("paid" | "notpaid" | "overdue")) => result.to_owned(),
        _ => "invoiced".to_owned(),
    };
    let external_id = text("externalId");
    let mut invoices = emu.billing.invoices();
    if external_id.is_some()
        && invoices
            .iter()
            .any(|i| i.installation_id == icfg && i.external_id == external_id)
    {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            "An invoice with this externalId already exists for the installation",
        ));
    }
    let id = format!("inv_{:024}", invoices.len() + 1);
    invoices.push(Invoice {
        id: id.clone(),
        installation_id: icfg,
        external_id,
        invoice_date,
        period,
        items: Value::Array(items.clone()),
        total,
        state,
    });
    Ok(json_response(StatusCode::OK, &json!({"invoiceId": id})))
}

/// `GET /v1/installations/{icfg}/billing/invoices/{invoiceId}`.
pub(crate) async fn get(
    State(emu): State<VercelEmulator>,
    Path((icfg, id)): Path<(String, String)>,
) -> ApiResult {
    let invoices = emu.billing.invoices();
    let invoice = invoices
        .iter()
        .find(|i| i.id == id && i.installation_id == icfg)
        .ok_or_else(|| ApiError::not_found("Invoice not found"))?;
    Ok(json_response(StatusCode::OK, &invoice.to_json()))
}

/// The layer that announces what a write changed.
pub(crate) async fn announce(
    State(emu): State<VercelEmulator>,
    request: Request,
    next: Next,
) -> Response {
    after_writes(request, next, || emu.billing.announce_changes()).await
}

impl Billing {
    fn announce_changes(&self) {
        if !self.webhooks.is_configured() {
            return;
        }
        let invoices = self.invoices();
        self.webhooks
            .announce(tracked(&invoices), |change| events(&invoices, change));
    }
}

fn tracked(invoices: &[Invoice]) -> Vec<Tracked> {
    invoices
        .iter()
        .map(|i| Tracked::new("invoice", &i.id, json!({"state": i.state})))
        .collect()
}

fn events(invoices: &[Invoice], change: &Change) -> Vec<Announcement> {
    let Some(invoice) = invoices.iter().find(|i| i.id == change.after.id) else {
        return Vec::new();
    };
    let mut types = Vec::new();
    if change.before.is_none() {
        types.push("marketplace.invoice.created");
    }
    match invoice.state.as_str() {
        "paid" => types.push("marketplace.invoice.paid"),
        "notpaid" => types.push("marketplace.invoice.notpaid"),
        _ => {}
    }
    let payload = json!({
        "installationId": invoice.installation_id,
        "period": invoice.period,
        "invoiceId": invoice.id,
        "invoiceDate": invoice.invoice_date,
        "invoiceTotal": invoice.total.to_string(),
    });
    types
        .into_iter()
        .map(|event_type| {
            let payload = payload.clone();
            let body = move |id: &str| {
                json!({
                    "id": id,
                    "type": event_type,
                    "createdAt": jiff::Timestamp::now().as_millisecond(),
                    "payload": payload,
                })
            };
            (
                event_type.to_owned(),
                Box::new(body) as Box<dyn FnOnce(&str) -> Value>,
            )
        })
        .collect()
}

impl VercelEmulator {
    /// Delivers a webhook signed with the integration's client secret for every invoice change from now on
    /// (see the module's documentation). Invoices that exist already are not announced.
    ///
    /// # Panics
    /// Outside a Tokio runtime.
    pub fn deliver_webhooks(&self, endpoint: WebhookEndpoint) {
        let invoices = self.billing.invoices();
        self.billing
            .webhooks
            .configure(endpoint, tracked(&invoices));
    }

    /// The outbound webhooks: every delivery made, re-delivery, and the `settled` condition tests wait on.
    pub fn webhooks(&self) -> &WebhookOutbox {
        &self.billing.webhooks
    }

    /// Vercel's charge of a submitted invoice: `paid` or `notpaid` (announced as `marketplace.invoice.paid` /
    /// `.notpaid`), or another state. `false` for an unknown invoice.
    pub fn settle_invoice(&self, invoice_id: &str, state: &str) -> bool {
        let found = match self
            .billing
            .invoices()
            .iter_mut()
            .find(|i| i.id == invoice_id)
        {
            Some(invoice) => {
                invoice.state = state.to_owned();
                true
            }
            None => false,
        };
        self.billing.announce_changes();
        found
    }

    /// A submitted invoice as `GET …/billing/invoices/{id}` answers it.
    pub fn invoice(&self, invoice_id: &str) -> Option<Value> {
        self.billing
            .invoices()
            .iter()
            .find(|i| i.id == invoice_id)
            .map(Invoice::to_json)
    }
}

/// The shared billing state of an emulator and its clones.
pub(crate) fn new_billing() -> Arc<Billing> {
    Arc::new(Billing::default())
}
