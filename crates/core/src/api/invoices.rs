//! The [`Invoices`] trait and its extension [`InvoicesExt`].

use std::fmt::Debug;

use async_trait::async_trait;
use futures::stream::BoxStream;

use crate::capability::InvoiceCapabilities;
use crate::error::Result;
use crate::id::InvoiceId;
use crate::model::invoice::{Invoice, InvoiceListQuery};
use crate::page::{Cursor, DEFAULT_MAX_PAGES, Page, PageProgress};

/// Invoices on a billing provider.
///
/// Object safe: hold it as `Arc<dyn Invoices>`. `finalize` and `void` are idempotent by end state: a second
/// call on an invoice already finalized (or voided) answers the invoice as it is.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait Invoices: Send + Sync + Debug {
    /// What this provider offers for invoices.
    fn capabilities(&self) -> InvoiceCapabilities;

    /// Gets an invoice by id (with its lines where [`InvoiceCapabilities::lines_on_get`]).
    async fn get(&self, id: InvoiceId) -> Result<Invoice>;

    /// One page of invoices.
    async fn list(&self, query: InvoiceListQuery) -> Result<Page<Invoice>>;

    /// Finalizes a draft invoice (capability-gated). A skipped invoice is `InvalidInput`.
    async fn finalize(&self, id: InvoiceId) -> Result<Invoice>;

    /// Voids an invoice (capability-gated). A paid invoice is `InvalidInput`.
    async fn void(&self, id: InvoiceId) -> Result<Invoice>;
}

forward_to_inner!(Invoices {
    fn capabilities(&self) -> InvoiceCapabilities;
    async fn get(&self, id: InvoiceId) -> Result<Invoice>;
    async fn list(&self, query: InvoiceListQuery) -> Result<Page<Invoice>>;
    async fn finalize(&self, id: InvoiceId) -> Result<Invoice>;
    async fn void(&self, id: InvoiceId) -> Result<Invoice>;
});

/// Conveniences over [`Invoices`], for every implementation.
#[async_trait]
pub trait InvoicesExt: Invoices {
    /// Every invoice matching the query, page after page, as a stream that holds one page at a time.
    ///
    /// Runs under a [`PageProgress`] named `invoices.list_all` (bounded by [`InvoiceListQuery::max_pages`],
    /// default [`DEFAULT_MAX_PAGES`]).
    fn list_all(&self, query: InvoiceListQuery) -> BoxStream<'_, Result<Invoice>> {
        let progress = PageProgress::new(
            "invoices.list_all",
            query.max_pages.unwrap_or(DEFAULT_MAX_PAGES),
        )
        .provider(self.capabilities().provider)
        .starting_at(query.cursor.as_ref().map(Cursor::as_str));
        crate::page::paginate(
            query,
            progress,
            move |q| self.list(q),
            |q, c| q.cursor = Some(c),
            |item| item.id.as_str(),
        )
    }
}

impl<T: Invoices + ?Sized> InvoicesExt for T {}
