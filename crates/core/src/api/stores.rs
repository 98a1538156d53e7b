//! The [`Stores`] trait and its extension [`StoresExt`] (with [`StoresExt::wait_until_ready`]).

use std::fmt::{self, Debug};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::capability::StoreCapabilities;
use crate::error::{Error, ErrorKind, Result};
use crate::id::{IntegrationConfigurationId, StoreId};
use crate::model::store::{
    BillingPlan, BillingPlanQuery, IntegrationConfiguration, IntegrationProduct, NewStore, Store,
};
use crate::sleeper::{Sleeper, TokioSleeper};

/// Provisioned integration stores (Vercel marketplace databases and the like).
///
/// Object safe: hold it as `Arc<dyn Stores>`. Creation may be asynchronous: a new store can be
/// `initializing`; [`StoresExt::wait_until_ready`] polls until it is available.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait Stores: Send + Sync + Debug {
    /// What this provider offers for stores.
    fn capabilities(&self) -> StoreCapabilities;

    /// Creates a store. Without a billing plan the provider's free plan is used; a paid plan needs a payment
    /// method (the input's or the team's default), else `PaymentRequired`.
    async fn create(&self, input: NewStore) -> Result<Store>;

    /// Gets a store (its status is fresh).
    async fn get(&self, id: StoreId) -> Result<Store>;

    /// Deletes a store.
    async fn delete(&self, id: StoreId) -> Result<()>;

    /// The billing plans of a product of an integration ([`BillingPlanQuery`]: the integration's id `oac_…` or
    /// slug and the product's id `iap_…` or slug), optionally for one installation
    /// ([`BillingPlanQuery::configuration_id`]: one that does not exist, or is not the integration's, is
    /// `NotFound`) and priced for the metadata a store would be created with
    /// ([`BillingPlanQuery::metadata`]). Every provider takes every part of the query.
    async fn list_billing_plans(&self, query: BillingPlanQuery) -> Result<Vec<BillingPlan>>;

    /// The integration configurations (installations) of the account, optionally of one integration (id or
    /// slug).
    async fn list_configurations(
        &self,
        integration: Option<String>,
    ) -> Result<Vec<IntegrationConfiguration>>;

    /// The products a configuration can provision.
    async fn list_products(
        &self,
        configuration_id: IntegrationConfigurationId,
    ) -> Result<Vec<IntegrationProduct>>;
}

macro_rules! forward_stores {
    ($($ty:ty),*) => {$(
        // The inner call's own boxed future is handed on: an `async fn` here would box it a second time.
        impl<T: Stores + ?Sized> Stores for $ty {
            fn capabilities(&self) -> StoreCapabilities {
                (**self).capabilities()
            }
            boxed_method! {
                fn create(&self, input: NewStore) -> Result<Store> {
                    (**self).create(input)
                }
            }
            boxed_method! {
                fn get(&self, id: StoreId) -> Result<Store> {
                    (**self).get(id)
                }
            }
            boxed_method! {
                fn delete(&self, id: StoreId) -> Result<()> {
                    (**self).delete(id)
                }
            }
            boxed_method! {
                fn list_billing_plans(&self, query: BillingPlanQuery) -> Result<Vec<BillingPlan>> {
                    (**self).list_billing_plans(query)
                }
            }
            boxed_method! {
                fn list_configurations(&self, integration: Option<String>) -> Result<Vec<IntegrationConfiguration>> {
                    (**self).list_configurations(integration)
                }
            }
            boxed_method! {
                fn list_products(&self, configuration_id: IntegrationConfigurationId) -> Result<Vec<IntegrationProduct>> {
                    (**self).list_products(configuration_id)
                }
            }
        }
    )*};
}

forward_stores!(Arc<T>, Box<T>);

/// How [`StoresExt::wait_until_ready`] polls: how often, how many reads, and on which [`Sleeper`].
#[derive(Clone)]
pub struct WaitOptions {
    /// The pause between reads.
    pub interval: Duration,
    /// How many reads at most.
    pub max_attempts: u32,
    sleeper: Arc<dyn Sleeper>,
}

impl Default for WaitOptions {
    /// Every 3 s, up to 40 reads (two minutes), as Vercel's own clients poll, on tokio's clock.
    fn default() -> Self {
        WaitOptions::new(Duration::from_secs(3), 40)
    }
}

impl WaitOptions {
    /// `max_attempts` reads `interval` apart, waiting with [`TokioSleeper`].
    pub fn new(interval: Duration, max_attempts: u32) -> Self {
        WaitOptions {
            interval,
            max_attempts,
            sleeper: Arc::new(TokioSleeper),
        }
    }

    /// Waits between reads with `sleeper` (a [`RecordingSleeper`](crate::RecordingSleeper) in tests: no
    /// wall-clock time passes, and the waits can be asserted).
    pub fn sleeper(mut self, sleeper: impl Sleeper + 'static) -> Self {
        self.sleeper = Arc::new(sleeper);
        self
    }
}

impl fmt::Debug for WaitOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitOptions")
            .field("interval", &self.interval)
            .field("max_attempts", &self.max_attempts)
            .field("sleeper", &self.sleeper)
            .finish()
    }
}

/// Conveniences over [`Stores`], for every implementation.
#[async_trait]
pub trait StoresExt: Stores {
    /// Reads the store until it is available (→ `Ok`), failed (→ `Provider` error naming the status) or
    /// `max_attempts` reads have passed (→ `Timeout`). Waits `interval` between reads on the options'
    /// [`Sleeper`] (tokio's clock unless [`WaitOptions::sleeper`] says otherwise).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// use std::time::Duration;
    /// use unibill_core::{Billing, NewStore, Stores, StoresExt, WaitOptions};
    ///
    /// let stores = Billing::memory().stores();
    /// let store = stores.create(NewStore::builder("db", "icfg_memory", "memory-postgres").build()?).await?;
    /// let ready = stores
    ///     .wait_until_ready(store.id.clone().unwrap(), WaitOptions::new(Duration::ZERO, 10))
    ///     .await?;
    /// assert!(ready.is_ready());
    /// # Ok::<(), unibill_core::Error>(()) }).unwrap();
    /// ```
    async fn wait_until_ready(&self, id: StoreId, options: WaitOptions) -> Result<Store> {
        let mut last = None;
        for attempt in 0..options.max_attempts {
            if attempt > 0 && !options.interval.is_zero() {
                options.sleeper.sleep(options.interval).await;
            }
            let store = self.get(id.clone()).await?;
            if store.is_ready() {
                return Ok(store);
            }
            if store.is_failed() {
                let status = store.status.as_ref().map(|s| s.to_string());
                return Err(Error::new(
                    ErrorKind::Provider,
                    format!(
                        "store {id} will not become ready: its status is {}",
                        status.as_deref().unwrap_or("unknown")
                    ),
                )
                .with_operation("stores.wait_until_ready"));
            }
            last = store.status.map(|s| s.to_string());
        }
        Err(Error::new(
            ErrorKind::Timeout,
            format!(
                "store {id} was not ready after {} reads (last status: {})",
                options.max_attempts,
                last.as_deref().unwrap_or("unknown")
            ),
        )
        .with_operation("stores.wait_until_ready"))
    }
}

impl<T: Stores + ?Sized> StoresExt for T {}
