//! The invoice operations, without I/O: each request as a value, each answer decoded, and the end states
//! finalize and void decide by.

use unibill_core::{
    CustomerRef, Error, Invoice, InvoiceId, InvoiceListQuery, InvoiceStatus, Page, Result,
};
use unibill_http::{Request, Response};

use super::wire::{SearchInvoices, WireInvoice};
use crate::PROVIDER;
use crate::decode::with_raw;
use crate::pagination::{PageAt, decode_items};

const GET: &str = "invoices.get";
const LIST: &str = "invoices.list";
pub(crate) const FINALIZE: &str = "invoices.finalize";
pub(crate) const VOID: &str = "invoices.void";

/// `GET /invoices/{id}`.
pub fn get_request(id: &InvoiceId) -> Request {
    Request::get(GET, "/invoices/{id}").path(["invoices", id.as_str()])
}

/// `POST /invoices/search` by customer (Flexprice id or external id) and subscription, oldest first, and the
/// page it asks for. Statuses are filtered by the adapter over the page (Flexprice's `FINALIZED` is several
/// neutral statuses).
pub(crate) fn list_request(query: &InvoiceListQuery) -> Result<(Request, PageAt)> {
    let at = PageAt::new(query.cursor.as_ref(), query.fingerprint(), query.limit)?;
    let (customer_id, external_customer_id) = match &query.customer {
        Some(CustomerRef::Id(id)) => (Some(id.as_str()), None),
        Some(CustomerRef::ExternalId(e)) => (None, Some(e.as_str())),
        None => (None, None),
    };
    let body = SearchInvoices {
        customer_id,
        external_customer_id,
        subscription_id: query.subscription_id.as_ref().map(|s| s.as_str()),
        limit: at.limit,
        offset: at.offset,
        sort: "created_at",
        order: "asc",
    };
    let request = Request::post(LIST, "/invoices/search")
        .path(["invoices", "search"])
        .json(&body)?;
    Ok((request, at))
}

/// The page of a search: the statuses asked for kept.
pub(crate) fn invoice_page(
    query: &InvoiceListQuery,
    at: PageAt,
    items: Vec<Invoice>,
    total: Option<u64>,
) -> Page<Invoice> {
    let next = at.next(items.len(), total);
    let items = items
        .into_iter()
        .filter(|i| query.statuses.is_empty() || query.statuses.contains(&i.status))
        .collect();
    Page::new(items, next)
}

/// `POST /invoices/{id}/finalize` (no body; answers a message).
pub fn finalize_request(id: &InvoiceId) -> Request {
    Request::post(FINALIZE, "/invoices/{id}/finalize").path(["invoices", id.as_str(), "finalize"])
}

/// `POST /invoices/{id}/void` (no body: the server accepts an empty one; answers a message).
pub fn void_request(id: &InvoiceId) -> Request {
    Request::post(VOID, "/invoices/{id}/void").path(["invoices", id.as_str(), "void"])
}

/// An invoice answer, `raw` kept.
pub fn decode_invoice(response: Response) -> Result<Invoice> {
    let (wire, raw) = with_raw::<WireInvoice>(&response)?;
    wire.into_invoice(raw)
}

/// A search page: its invoices and the server's total.
pub fn decode_invoice_list(response: Response) -> Result<(Vec<Invoice>, Option<u64>)> {
    decode_items(&response, WireInvoice::into_invoice)
}

/// Whether an invoice is past finalizing (finalized in any payment state, or voided).
pub(crate) fn finalized(i: &Invoice) -> bool {
    !matches!(i.status, InvoiceStatus::Draft | InvoiceStatus::Skipped)
}

/// `InvalidInput` for finalizing a skipped invoice (finding 36: the server's 200 would be a no-op).
pub(crate) fn skipped(id: &InvoiceId) -> Error {
    Error::invalid_field(
        "id",
        format!("invoice {id} was skipped (nothing to bill): it cannot be finalized"),
    )
    .with_provider(PROVIDER)
    .with_operation(FINALIZE)
}

/// `InvalidInput` for voiding a paid invoice (finding 36: Flexprice would credit the payment).
pub(crate) fn paid(id: &InvoiceId) -> Error {
    Error::invalid_field(
        "id",
        format!("invoice {id} is paid: voiding it would credit the payment back"),
    )
    .with_provider(PROVIDER)
    .with_operation(VOID)
}
