//! Invoice operations as values (read-only: Flowglad has no invoice writes). No I/O here.
//!
//! | operation | request | safety |
//! |---|---|---|
//! | get | `GET /api/v1/invoices/{id}` | `Safe` |
//! | list | `GET /api/v1/invoices?limit&cursor` (subscription and status filtered here) | `Safe` |
//! | finalize / void | none: `Unsupported` before any I/O | – |

use unibill_core::{Error, Invoice, InvoiceId, InvoiceListQuery, Page, Result};
use unibill_http::{Request, Response};

use super::wire::{self, InvoiceEnvelope};
use crate::PROVIDER;
use crate::pagination;

/// `GET /api/v1/invoices/{id}`.
pub fn get_request(id: &InvoiceId) -> Request {
    Request::get("invoices.get", "/api/v1/invoices/{id}").path([
        "api",
        "v1",
        "invoices",
        id.as_str(),
    ])
}

/// `GET /api/v1/invoices?limit&cursor`; a customer filter is `Unsupported` (an invoice names only Flowglad's
/// `cust_` id).
pub fn list_request(query: &InvoiceListQuery) -> Result<Request> {
    if query.customer.is_some() {
        return Err(Error::unsupported(PROVIDER, "listing invoices by customer"));
    }
    pagination::with_page(
        Request::get("invoices.list", "/api/v1/invoices").path(["api", "v1", "invoices"]),
        query.limit,
        query.cursor.as_ref(),
        query.fingerprint(),
    )
}

/// `{"invoice": …}` (or a bare invoice).
pub fn decode_invoice(response: Response) -> Result<Invoice> {
    let envelope: InvoiceEnvelope = response.json()?;
    match envelope.invoice {
        Some(raw) => wire::invoice(raw),
        None => wire::invoice(response.json()?),
    }
}

/// One list page, subscription and statuses filtered here.
pub fn decode_invoice_page(response: Response, query: &InvoiceListQuery) -> Result<Page<Invoice>> {
    pagination::decode_page(&response, query.fingerprint(), wire::invoice, |i| {
        (query.statuses.is_empty() || query.statuses.contains(&i.status))
            && query
                .subscription_id
                .as_ref()
                .is_none_or(|s| i.subscription_id.as_ref() == Some(s))
    })
}

/// Finalize and void: Flowglad produces invoices in billing runs and has no write routes.
pub fn unsupported(what: &'static str) -> Error {
    Error::unsupported(PROVIDER, format!("invoice {what}")).with_operation(match what {
        "finalize" => "invoices.finalize",
        _ => "invoices.void",
    })
}
