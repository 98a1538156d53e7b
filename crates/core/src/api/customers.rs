//! The [`Customers`] trait and its extension [`CustomersExt`].

use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use futures::stream::BoxStream;

use crate::api::Ensured;
use crate::capability::CustomerCapabilities;
use crate::error::{ErrorKind, Result};
use crate::id::CustomerId;
use crate::model::customer::{Customer, CustomerListQuery, CustomerUpdate, NewCustomer};
use crate::page::{Cursor, DEFAULT_MAX_PAGES, Page, PageProgress};

/// Customers on a billing provider.
///
/// Object safe: hold it as `Arc<dyn Customers>`. Inputs are owned and already valid (their builders checked
/// them). Every provider keeps the neutral contract (see the crate docs): duplicates of an active external id
/// are `AlreadyExists` carrying the existing id, delete archives, listings end only at `next_cursor: None`.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait Customers: Send + Sync + Debug {
    /// What this provider offers for customers.
    fn capabilities(&self) -> CustomerCapabilities;

    /// Creates a customer. `AlreadyExists` (with [`crate::Error::existing_id`]) if an active customer has the
    /// same external id.
    async fn create(&self, input: NewCustomer) -> Result<Customer>;

    /// Gets a customer by the provider's id.
    async fn get(&self, id: CustomerId) -> Result<Customer>;

    /// Gets the active customer with this external id.
    async fn get_by_external_id(&self, external_id: String) -> Result<Customer>;

    /// One page of customers.
    async fn list(&self, query: CustomerListQuery) -> Result<Page<Customer>>;

    /// Changes a customer.
    async fn update(&self, id: CustomerId, update: CustomerUpdate) -> Result<Customer>;

    /// Deletes (archives) a customer; its external id becomes free.
    ///
    /// A delete answers as [`get`](Customers::get) does: an already archived customer that is still readable
    /// by id ([`CustomerCapabilities::archived_readable_by_id`]) is deleted already, so a second delete
    /// succeeds; an unknown id is `NotFound`.
    async fn delete(&self, id: CustomerId) -> Result<()>;
}

macro_rules! forward_customers {
    ($($ty:ty),*) => {$(
        // The inner call's own boxed future is handed on: an `async fn` here would box it a second time.
        impl<T: Customers + ?Sized> Customers for $ty {
            fn capabilities(&self) -> CustomerCapabilities {
                (**self).capabilities()
            }
            boxed_method! {
                fn create(&self, input: NewCustomer) -> Result<Customer> {
                    (**self).create(input)
                }
            }
            boxed_method! {
                fn get(&self, id: CustomerId) -> Result<Customer> {
                    (**self).get(id)
                }
            }
            boxed_method! {
                fn get_by_external_id(&self, external_id: String) -> Result<Customer> {
                    (**self).get_by_external_id(external_id)
                }
            }
            boxed_method! {
                fn list(&self, query: CustomerListQuery) -> Result<Page<Customer>> {
                    (**self).list(query)
                }
            }
            boxed_method! {
                fn update(&self, id: CustomerId, update: CustomerUpdate) -> Result<Customer> {
                    (**self).update(id, update)
                }
            }
            boxed_method! {
                fn delete(&self, id: CustomerId) -> Result<()> {
                    (**self).delete(id)
                }
            }
        }
    )*};
}

forward_customers!(Arc<T>, Box<T>);

/// Conveniences over [`Customers`], for every implementation.
#[async_trait]
pub trait CustomersExt: Customers {
    /// Creates the customer, or returns the active one that already has its external id.
    ///
    /// ```
    /// # tokio_test_block(async {
    /// use unibill_core::{Billing, CustomersExt, NewCustomer};
    ///
    /// let billing = Billing::memory();
    /// let input = NewCustomer::builder("user-1", "Ada").build()?;
    /// assert!(billing.ensure(input.clone()).await?.was_created());
    /// assert!(!billing.ensure(input).await?.was_created());
    /// # Ok::<(), unibill_core::Error>(()) });
    /// # fn tokio_test_block<F: std::future::Future>(f: F) -> F::Output {
    /// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f) }
    /// ```
    async fn ensure(&self, input: NewCustomer) -> Result<Ensured<Customer>> {
        let external_id = input.external_id().to_owned();
        match self.create(input).await {
            Ok(c) => Ok(Ensured::Created(c)),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                // The conflict's lookup usually read the holder already (see `Error::existing`): no third request.
                let existing = match e.into_existing::<Customer>() {
                    Ok(found) => found,
                    Err(e) => match e.existing_id() {
                        Some(id) => self.get(CustomerId::new(id)).await?,
                        None => self.get_by_external_id(external_id).await?,
                    },
                };
                Ok(Ensured::Existing(existing))
            }
            Err(e) => Err(e),
        }
    }

    /// Every customer matching the query, page after page, as a stream that holds one page at a time.
    ///
    /// Runs under a [`PageProgress`] named `customers.list_all`: a cursor that repeats, a page repeating the one
    /// before, or more than [`CustomerListQuery::max_pages`] pages (default [`DEFAULT_MAX_PAGES`]) end the stream with
    /// a `Provider` error naming the loop.
    fn list_all(&self, query: CustomerListQuery) -> BoxStream<'_, Result<Customer>> {
        let progress = PageProgress::new(
            "customers.list_all",
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

impl<T: Customers + ?Sized> CustomersExt for T {}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    use futures::StreamExt;

    use super::*;
    use crate::capability::CustomerCapabilities;
    use crate::error::ErrorKind;

    #[tokio::test]
    async fn list_all_without_max_pages_stops_at_the_default_bound() {
        // A provider whose listing never ends: a fresh customer and a fresh cursor on every page.
        let calls = Arc::new(AtomicU32::new(0));
        let mut mock = MockCustomers::new();
        mock.expect_capabilities()
            .returning(|| CustomerCapabilities::full("endless"));
        let counted = Arc::clone(&calls);
        mock.expect_list().returning(move |_| {
            let n = counted.fetch_add(1, Ordering::SeqCst);
            Ok(Page::new(
                vec![Customer::builder(format!("cust_{n}"), format!("ext_{n}"), "C").build()],
                Some(Cursor::encode("endless", 0, &n.to_string())),
            ))
        });
        let results: Vec<Result<Customer>> =
            mock.list_all(CustomerListQuery::new()).collect().await;
        let (last, items) = results.split_last().unwrap();
        assert_eq!(items.len(), DEFAULT_MAX_PAGES as usize);
        let err = last.as_ref().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Provider);
        assert_eq!(err.operation(), Some("customers.list_all"));
        assert_eq!(err.provider(), Some("endless"));
        assert_eq!(calls.load(Ordering::SeqCst), DEFAULT_MAX_PAGES);
    }

    #[tokio::test]
    async fn list_all_with_max_pages_zero_is_invalid_input_before_any_call() {
        let mut mock = MockCustomers::new();
        mock.expect_capabilities()
            .returning(|| CustomerCapabilities::full("endless"));
        mock.expect_list().never();
        let results: Vec<Result<Customer>> = mock
            .list_all(CustomerListQuery::new().max_pages(0))
            .collect()
            .await;
        assert_eq!(results.len(), 1);
        let err = results[0].as_ref().unwrap_err();
        assert_eq!(err.field_errors()[0].field, "max_pages");
    }
}
