//! The [`Prices`] trait and its extension [`PricesExt`].

use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use futures::TryStreamExt;
use futures::stream::BoxStream;

use crate::api::Ensured;
use crate::capability::PriceCapabilities;
use crate::error::{Error, ErrorKind, Result};
use crate::id::PriceId;
use crate::model::price::{NewPrice, Price, PriceListQuery, PriceUpdate};
use crate::page::{Cursor, DEFAULT_MAX_PAGES, Page, PageProgress};

/// Prices on a billing provider.
///
/// Object safe: hold it as `Arc<dyn Prices>`. The slug is the natural key: a create whose slug an active price
/// already has is `AlreadyExists` carrying that price's id. Archive is one way where
/// [`PriceCapabilities::update_fields`] says `reactivate: false`.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait Prices: Send + Sync + Debug {
    /// What this provider offers for prices.
    fn capabilities(&self) -> PriceCapabilities;

    /// Creates a price.
    async fn create(&self, input: NewPrice) -> Result<Price>;

    /// Gets a price by id (archived prices too).
    async fn get(&self, id: PriceId) -> Result<Price>;

    /// One page of prices.
    async fn list(&self, query: PriceListQuery) -> Result<Page<Price>>;

    /// Changes a price's name, slug, active or default flag.
    async fn update(&self, id: PriceId, update: PriceUpdate) -> Result<Price>;

    /// Archives a price (it stays readable by id, inactive; its slug becomes free).
    async fn archive(&self, id: PriceId) -> Result<Price>;
}

macro_rules! forward_prices {
    ($($ty:ty),*) => {$(
        // The inner call's own boxed future is handed on: an `async fn` here would box it a second time.
        impl<T: Prices + ?Sized> Prices for $ty {
            fn capabilities(&self) -> PriceCapabilities {
                (**self).capabilities()
            }
            boxed_method! {
                fn create(&self, input: NewPrice) -> Result<Price> {
                    (**self).create(input)
                }
            }
            boxed_method! {
                fn get(&self, id: PriceId) -> Result<Price> {
                    (**self).get(id)
                }
            }
            boxed_method! {
                fn list(&self, query: PriceListQuery) -> Result<Page<Price>> {
                    (**self).list(query)
                }
            }
            boxed_method! {
                fn update(&self, id: PriceId, update: PriceUpdate) -> Result<Price> {
                    (**self).update(id, update)
                }
            }
            boxed_method! {
                fn archive(&self, id: PriceId) -> Result<Price> {
                    (**self).archive(id)
                }
            }
        }
    )*};
}

forward_prices!(Arc<T>, Box<T>);

/// Conveniences over [`Prices`], for every implementation.
#[async_trait]
pub trait PricesExt: Prices {
    /// Creates the price, or returns the active price that already has its slug.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// use rust_decimal_macros::dec;
    /// use unibill_core::{Billing, Currency, Interval, Money, NewPrice, PriceKind, PricesExt};
    ///
    /// let prices = Billing::memory().prices();
    /// let input = NewPrice::builder(PriceKind::recurring(Interval::monthly()), Money::new(dec!(9), Currency::USD))
    ///     .slug("basic-monthly")
    ///     .build()?;
    /// assert!(prices.ensure(input.clone()).await?.was_created());
    /// assert!(!prices.ensure(input).await?.was_created());
    /// # Ok::<(), unibill_core::Error>(()) }).unwrap();
    /// ```
    async fn ensure(&self, input: NewPrice) -> Result<Ensured<Price>> {
        let slug = input.slug().map(str::to_owned);
        match self.create(input).await {
            Ok(p) => Ok(Ensured::Created(p)),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                // The conflict's lookup usually read the holder already (see `Error::existing`).
                if let Some(p) = e.existing::<Price>().filter(|p| p.active && p.slug == slug) {
                    return Ok(Ensured::Existing(p.clone()));
                }
                if let Some(id) = e.existing_id() {
                    // The id may be one the provider never saved (Flexprice): fall back to a scan.
                    match self.get(PriceId::new(id)).await {
                        Ok(p) if p.active && p.slug == slug => return Ok(Ensured::Existing(p)),
                        Ok(_) => {}
                        Err(g) if g.kind() == ErrorKind::NotFound => {}
                        Err(g) => return Err(g),
                    }
                }
                let found = self
                    .list_all(PriceListQuery::new())
                    .try_filter(|p| futures::future::ready(p.active && p.slug == slug))
                    .try_next()
                    .await?;
                found.map(Ensured::Existing).ok_or_else(|| {
                    Error::new(
                        ErrorKind::Conflict,
                        "the provider reported the slug as taken, but no active price has it",
                    )
                    .with_source(e)
                })
            }
            Err(e) => Err(e),
        }
    }

    /// Every price matching the query, page after page, as a stream that holds one page at a time.
    ///
    /// Runs under a [`PageProgress`] named `prices.list_all`: a cursor that repeats, a page repeating the one
    /// before, or more than [`PriceListQuery::max_pages`] pages (default [`DEFAULT_MAX_PAGES`]) end the stream with
    /// a `Provider` error naming the loop.
    fn list_all(&self, query: PriceListQuery) -> BoxStream<'_, Result<Price>> {
        let progress = PageProgress::new(
            "prices.list_all",
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

impl<T: Prices + ?Sized> PricesExt for T {}
