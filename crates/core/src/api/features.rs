//! The [`Features`] trait and its extension [`FeaturesExt`].

use std::fmt::Debug;

use async_trait::async_trait;
use futures::stream::BoxStream;

use crate::api::Ensured;
use crate::capability::FeatureCapabilities;
use crate::error::{ErrorKind, Result};
use crate::model::feature::{Feature, FeatureGrant, FeatureListQuery, Grant, NewFeature};
use crate::page::{Cursor, DEFAULT_MAX_PAGES, Page, PageProgress};

/// Features, and their grants to products, on a billing provider.
///
/// Object safe: hold it as `Arc<dyn Features>`. The key is the natural key: a create whose key a feature
/// already has is `AlreadyExists` carrying that feature.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait Features: Send + Sync + Debug {
    /// What this provider offers for features.
    fn capabilities(&self) -> FeatureCapabilities;

    /// Creates a feature. `AlreadyExists` if one has its key.
    async fn create(&self, input: NewFeature) -> Result<Feature>;

    /// Gets the feature with this key.
    async fn get_by_key(&self, key: String) -> Result<Feature>;

    /// One page of features.
    async fn list(&self, query: FeatureListQuery) -> Result<Page<Feature>>;

    /// Grants a feature to a product: one grant per (feature, product). A grant that already holds the same
    /// limit, reset and softness is success (the grant as it is); one holding others is `Conflict`. After an
    /// ambiguous attempt that no read-back can settle, `OutcomeUnknown`, never a second grant.
    async fn grant(&self, grant: Grant) -> Result<FeatureGrant>;
}

forward_to_inner!(Features {
    fn capabilities(&self) -> FeatureCapabilities;
    async fn create(&self, input: NewFeature) -> Result<Feature>;
    async fn get_by_key(&self, key: String) -> Result<Feature>;
    async fn list(&self, query: FeatureListQuery) -> Result<Page<Feature>>;
    async fn grant(&self, grant: Grant) -> Result<FeatureGrant>;
});

/// Conveniences over [`Features`], for every implementation.
#[async_trait]
pub trait FeaturesExt: Features {
    /// Creates the feature, or returns the one that already has its key (on Flexprice, a metered feature whose
    /// key is its meter's is the meter's carrier, created with the meter: it comes back `Existing`).
    async fn ensure(&self, input: NewFeature) -> Result<Ensured<Feature>> {
        let key = input.key().to_owned();
        match self.create(input).await {
            Ok(f) => Ok(Ensured::Created(f)),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                let existing = match e.into_existing::<Feature>() {
                    Ok(found) => found,
                    Err(_) => self.get_by_key(key).await?,
                };
                Ok(Ensured::Existing(existing))
            }
            Err(e) => Err(e),
        }
    }

    /// Every feature, page after page, as a stream that holds one page at a time.
    ///
    /// Runs under a [`PageProgress`] named `features.list_all` (bounded by [`FeatureListQuery::max_pages`],
    /// default [`DEFAULT_MAX_PAGES`]).
    fn list_all(&self, query: FeatureListQuery) -> BoxStream<'_, Result<Feature>> {
        let progress = PageProgress::new(
            "features.list_all",
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

impl<T: Features + ?Sized> FeaturesExt for T {}
