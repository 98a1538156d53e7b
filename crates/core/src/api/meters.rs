//! The [`Meters`] trait and its extension [`MetersExt`].

use std::fmt::Debug;

use async_trait::async_trait;
use futures::stream::BoxStream;

use crate::api::Ensured;
use crate::capability::MeterCapabilities;
use crate::error::{ErrorKind, Result};
use crate::model::meter::{Meter, MeterListQuery, NewMeter};
use crate::page::{Cursor, DEFAULT_MAX_PAGES, Page, PageProgress};

/// Meters on a billing provider.
///
/// Object safe: hold it as `Arc<dyn Meters>`. The key is the natural key: a create whose key a meter already
/// has is `AlreadyExists` carrying that meter (see [`crate::Error::existing`]). On Flexprice a meter is created
/// through a metered feature whose `lookup_key` is the key; several meters on one event name (made outside
/// unibill) make `get_by_key` a `Conflict`, never a guess.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait Meters: Send + Sync + Debug {
    /// What this provider offers for meters.
    fn capabilities(&self) -> MeterCapabilities;

    /// Creates a meter. `AlreadyExists` if one has its key.
    async fn create(&self, input: NewMeter) -> Result<Meter>;

    /// Gets the meter with this key.
    async fn get_by_key(&self, key: String) -> Result<Meter>;

    /// One page of meters.
    async fn list(&self, query: MeterListQuery) -> Result<Page<Meter>>;
}

forward_to_inner!(Meters {
    fn capabilities(&self) -> MeterCapabilities;
    async fn create(&self, input: NewMeter) -> Result<Meter>;
    async fn get_by_key(&self, key: String) -> Result<Meter>;
    async fn list(&self, query: MeterListQuery) -> Result<Page<Meter>>;
});

/// Conveniences over [`Meters`], for every implementation.
#[async_trait]
pub trait MetersExt: Meters {
    /// Creates the meter, or returns the one that already has its key.
    async fn ensure(&self, input: NewMeter) -> Result<Ensured<Meter>> {
        let key = input.key().to_owned();
        match self.create(input).await {
            Ok(m) => Ok(Ensured::Created(m)),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                // The conflict's lookup usually read the holder already (see `Error::existing`).
                let existing = match e.into_existing::<Meter>() {
                    Ok(found) => found,
                    Err(_) => self.get_by_key(key).await?,
                };
                Ok(Ensured::Existing(existing))
            }
            Err(e) => Err(e),
        }
    }

    /// Every meter, page after page, as a stream that holds one page at a time.
    ///
    /// Runs under a [`PageProgress`] named `meters.list_all` (bounded by [`MeterListQuery::max_pages`], default
    /// [`DEFAULT_MAX_PAGES`]), like [`crate::PricesExt::list_all`].
    fn list_all(&self, query: MeterListQuery) -> BoxStream<'_, Result<Meter>> {
        let progress = PageProgress::new(
            "meters.list_all",
            query.max_pages.unwrap_or(DEFAULT_MAX_PAGES),
        )
        .provider(self.capabilities().provider)
        .starting_at(query.cursor.as_ref().map(Cursor::as_str));
        crate::page::paginate(
            query,
            progress,
            move |q| self.list(q),
            |q, c| q.cursor = Some(c),
            |item| item.key.as_str(),
        )
    }
}

impl<T: Meters + ?Sized> MetersExt for T {}
