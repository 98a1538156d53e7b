//! The invoice operations, without I/O: each request as a value, each answer decoded, and the end states
//! finalize and void decide by.

use unibill_core::{
    CustomerRef, Error, ErrorKind, Invoice, InvoiceId, InvoiceListQuery, InvoiceStatus, Page,
    Result,
};
use unibill_http::{Request, Response};

use super::model::NewOneOffInvoice;
use super::wire::{CreateInvoice, KeyedInvoice, SearchInvoices, WireInvoice};
use crate::PROVIDER;
use crate::decode::with_raw;
use crate::pagination::{PageAt, decode_items};

pub(crate) const CREATE: &str = "invoices.create_one_off";
pub(crate) const FIND_BY_KEY: &str = "invoices.find_by_key";
const GET: &str = "invoices.get";
const LIST: &str = "invoices.list";
pub(crate) const FINALIZE: &str = "invoices.finalize";
pub(crate) const VOID: &str = "invoices.void";

/// Invoices per page of the key lookup.
pub(crate) const KEY_PAGE: u32 = 100;
/// Pages the key lookup reads at most (a customer's 2,000 newest one-off invoices).
pub(crate) const KEY_PAGES: u64 = 20;

/// `POST /invoices` for a one-off invoice (finalised inside the create).
pub fn create_one_off_request(input: &NewOneOffInvoice) -> Result<Request> {
    Request::post(CREATE, "/invoices")
        .path(["invoices"])
        .json(&CreateInvoice::from(input))
}

/// `POST /invoices/search`: page `page` (from 0) of the customer's one-off invoices, where the one holding an
/// idempotency key is looked for (the server has no filter on the key: it is matched on the client).
pub(crate) fn find_by_key_request(input: &NewOneOffInvoice, page: u64) -> Result<Request> {
    let body = SearchInvoices {
        customer_id: Some(input.customer_id().as_str()),
        external_customer_id: None,
        subscription_id: None,
        invoice_type: Some("ONE_OFF"),
        limit: KEY_PAGE,
        offset: page * u64::from(KEY_PAGE),
        // Newest first: this create's invoice is on the first page, and invoices made meanwhile only push
        // the others later (seen twice, never skipped).
        sort: "created_at",
        order: "desc",
    };
    Request::post(FIND_BY_KEY, "/invoices/search")
        .path(["invoices", "search"])
        .json(&body)
}

/// A create answer, with its key and description, `raw` kept.
pub(crate) fn decode_keyed(response: Response) -> Result<KeyedInvoice> {
    let (wire, raw) = with_raw::<WireInvoice>(&response)?;
    wire.into_keyed(raw)
}

/// A key-lookup page: its invoices with their keys and descriptions, and the server's total.
pub(crate) fn decode_keyed_list(response: Response) -> Result<(Vec<KeyedInvoice>, Option<u64>)> {
    decode_items(&response, WireInvoice::into_keyed)
}

/// The invoice of a page holding `input`'s key, if any (voided ones no longer hold it: the server's key is
/// unique among non-voided invoices).
pub(crate) fn holder(input: &NewOneOffInvoice, page: Vec<KeyedInvoice>) -> Option<KeyedInvoice> {
    page.into_iter().find(|k| {
        k.key.as_deref() == Some(input.key().as_str()) && k.invoice.status != InvoiceStatus::Void
    })
}

/// Whether the invoice holding `input`'s key is the one `input` asks for: same customer, currency, amount
/// due and description, and the same line amounts (in any order; not compared when the answer carries no
/// lines, which a search page is not documented to embed).
pub(crate) fn made_for(input: &NewOneOffInvoice, found: &KeyedInvoice) -> bool {
    let i = &found.invoice;
    let amount = |m: Option<&unibill_core::Money>| m.map(|m| m.amount);
    let lines_match = match &i.lines {
        Some(lines) => {
            let mut got: Vec<_> = lines.iter().map(|l| amount(l.amount.as_ref())).collect();
            let mut want: Vec<_> = input.lines().iter().map(|l| Some(l.amount())).collect();
            got.sort();
            want.sort();
            got == want
        }
        None => true,
    };
    i.customer_id.as_ref().map(|c| c.as_str()) == Some(input.customer_id().as_str())
        && i.currency == *input.currency()
        && amount(i.amount_due.as_ref()) == Some(input.amount_due())
        && lines_match
        && found.description.as_deref() == input.description()
}

/// `Conflict`: `input`'s key is held by an invoice with other content.
pub(crate) fn key_reused(input: &NewOneOffInvoice, found: &Invoice) -> Error {
    Error::new(
        ErrorKind::Conflict,
        format!(
            "idempotency key reused with different input: `{}` is held by invoice {} of other content",
            input.key(),
            found.id
        ),
    )
    .with_provider(PROVIDER)
    .with_operation(CREATE)
}

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
        invoice_type: None,
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

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;
    use unibill_core::{Currency, CustomerId, Decimal, IdempotencyKey, Money};

    use super::*;
    use crate::invoices::model::OneOffLine;

    fn keyed(lines: Option<Vec<Decimal>>, due: Decimal) -> KeyedInvoice {
        let mut b = Invoice::builder("inv_1", InvoiceStatus::Open, Currency::USD)
            .customer_id("cust_1")
            .amount_due(Money::new(due, Currency::USD));
        if let Some(lines) = lines {
            b = b.lines(
                lines
                    .into_iter()
                    .map(|a| unibill_core::InvoiceLine::new().amount(Money::new(a, Currency::USD)))
                    .collect(),
            );
        }
        KeyedInvoice {
            key: Some("k".into()),
            description: None,
            invoice: b.build(),
        }
    }

    #[test]
    fn content_is_compared_by_amounts_in_any_order() {
        let input = NewOneOffInvoice::builder(CustomerId::new("cust_1"), Currency::USD, dec!(3))
            .line(OneOffLine::new("a", dec!(1)))
            .line(OneOffLine::new("b", dec!(2.00)))
            .key(IdempotencyKey::new("k").unwrap())
            .build()
            .unwrap();
        assert!(made_for(
            &input,
            &keyed(Some(vec![dec!(2), dec!(1)]), dec!(3.0))
        ));
        assert!(made_for(&input, &keyed(None, dec!(3))), "no lines embedded");
        assert!(!made_for(&input, &keyed(Some(vec![dec!(3)]), dec!(3))));
        assert!(!made_for(
            &input,
            &keyed(Some(vec![dec!(1), dec!(2)]), dec!(4))
        ));
    }
}
