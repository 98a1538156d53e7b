//! The [`Subscriptions`] trait and its extension [`SubscriptionsExt`].

use std::fmt::Debug;

use async_trait::async_trait;
use futures::stream::BoxStream;

use crate::api::Ensured;
use crate::capability::SubscriptionCapabilities;
use crate::error::{ErrorKind, Result};
use crate::id::{PriceId, SubscriptionId};
use crate::model::subscription::{
    CancelOptions, NewSubscription, Subscription, SubscriptionListQuery,
};
use crate::page::{Cursor, DEFAULT_MAX_PAGES, Page, PageProgress};

/// Subscriptions on a billing provider.
///
/// Object safe: hold it as `Arc<dyn Subscriptions>`. The idempotency key of [`NewSubscription`] is what makes
/// a create safe to repeat (see [`Subscriptions::create`]).
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait Subscriptions: Send + Sync + Debug {
    /// What this provider offers for subscriptions.
    fn capabilities(&self) -> SubscriptionCapabilities;

    /// Subscribes a customer to a recurring price.
    ///
    /// The key is looked up **before the first attempt** and before every re-send. A subscription holding it
    /// with the same customer and price: `AlreadyExists` carrying it ([`crate::Error::existing`]; `ensure`
    /// answers it as [`Ensured::Existing`]). Holding it with another customer or price: `Conflict`
    /// ("idempotency key reused with different input"), and nothing is sent. Where no lookup can tell,
    /// `OutcomeUnknown`, never a second subscription. A price that is not recurring is `InvalidInput` on
    /// `price_id`.
    async fn create(&self, input: NewSubscription) -> Result<Subscription>;

    /// Gets a subscription by id.
    async fn get(&self, id: SubscriptionId) -> Result<Subscription>;

    /// One page of subscriptions (every status unless filtered).
    async fn list(&self, query: SubscriptionListQuery) -> Result<Page<Subscription>>;

    /// Cancels a subscription. Cancelling one already canceled is success: the subscription as it now is.
    async fn cancel(&self, id: SubscriptionId, options: CancelOptions) -> Result<Subscription>;

    /// Takes back a scheduled cancel. No pending cancel and not canceled: success, unchanged. `Canceled`:
    /// `Conflict` ("a canceled subscription cannot be reactivated"), never success.
    async fn uncancel(&self, id: SubscriptionId) -> Result<Subscription>;

    /// Moves a subscription to another recurring price. The answer's id may differ from `id` where
    /// [`SubscriptionCapabilities::change_price_keeps_id`] is false.
    async fn change_price(&self, id: SubscriptionId, price_id: PriceId) -> Result<Subscription>;
}

forward_to_inner!(Subscriptions {
    fn capabilities(&self) -> SubscriptionCapabilities;
    async fn create(&self, input: NewSubscription) -> Result<Subscription>;
    async fn get(&self, id: SubscriptionId) -> Result<Subscription>;
    async fn list(&self, query: SubscriptionListQuery) -> Result<Page<Subscription>>;
    async fn cancel(&self, id: SubscriptionId, options: CancelOptions) -> Result<Subscription>;
    async fn uncancel(&self, id: SubscriptionId) -> Result<Subscription>;
    async fn change_price(&self, id: SubscriptionId, price_id: PriceId) -> Result<Subscription>;
});

/// Conveniences over [`Subscriptions`], for every implementation.
#[async_trait]
pub trait SubscriptionsExt: Subscriptions {
    /// Creates the subscription, or returns the one its key already made (same customer and price). A key
    /// reused with other input stays a `Conflict`.
    async fn ensure(&self, input: NewSubscription) -> Result<Ensured<Subscription>> {
        match self.create(input).await {
            Ok(s) => Ok(Ensured::Created(s)),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                let existing = match e.into_existing::<Subscription>() {
                    Ok(found) => found,
                    Err(e) => match e.existing_id() {
                        Some(id) => self.get(SubscriptionId::new(id)).await?,
                        None => return Err(e),
                    },
                };
                Ok(Ensured::Existing(existing))
            }
            Err(e) => Err(e),
        }
    }

    /// Every subscription matching the query, page after page, as a stream that holds one page at a time.
    ///
    /// Runs under a [`PageProgress`] named `subscriptions.list_all` (bounded by
    /// [`SubscriptionListQuery::max_pages`], default [`DEFAULT_MAX_PAGES`]).
    fn list_all(&self, query: SubscriptionListQuery) -> BoxStream<'_, Result<Subscription>> {
        let progress = PageProgress::new(
            "subscriptions.list_all",
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

impl<T: Subscriptions + ?Sized> SubscriptionsExt for T {}
