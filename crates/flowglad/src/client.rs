//! [`FlowgladClient`]: one executor, implementing [`Prices`] and [`Customers`].

use std::time::Duration;

use async_trait::async_trait;
use unibill_core::{
    Currency, Customer, CustomerCapabilities, CustomerId, CustomerListQuery, CustomerUpdate,
    Customers, DEFAULT_MAX_PAGES, Error, NewCustomer, NewPrice, Page, Price, PriceCapabilities,
    PriceId, PriceListQuery, PriceUpdate, Prices, Result,
};
use unibill_http::http::header::AUTHORIZATION;
use unibill_http::{HttpExecutor, HttpExecutorBuilder, RetryObserver, RetryPolicy, Sleeper};

use crate::config::FlowgladConfig;
use crate::errors::map_error;
use crate::{PROVIDER, customers, prices};

/// The Flowglad adapter: prices and customers over one [`HttpExecutor`]. Cheap to clone.
///
/// See the [crate docs](crate) for an example and for how each operation maps.
#[derive(Debug, Clone)]
pub struct FlowgladClient {
    pub(crate) exec: HttpExecutor,
    pub(crate) currency: Currency,
    /// The most pages the adapter's own paging (the slug search) fetches.
    pub(crate) max_pages: u32,
}

impl FlowgladClient {
    /// A client with the executor's defaults (timeouts, retry policy).
    pub fn new(config: FlowgladConfig) -> Result<Self> {
        Self::builder(config).build()
    }

    /// A builder, to tune the executor (retry policy, sleeper, HTTP client, timeouts).
    pub fn builder(config: FlowgladConfig) -> FlowgladClientBuilder {
        // The official SDK sends the raw key, no `Bearer` prefix.
        let exec = HttpExecutor::builder(PROVIDER, config.base_url().clone())
            .auth(AUTHORIZATION, "", config.secret_key().clone())
            .error_table(map_error);
        FlowgladClientBuilder {
            exec,
            currency: config.currency().clone(),
            max_pages: DEFAULT_MAX_PAGES,
        }
    }

    /// The organisation currency prices are created in.
    pub fn currency(&self) -> &Currency {
        &self.currency
    }
}

/// Builds a [`FlowgladClient`]; every setting is the executor's.
#[derive(Debug)]
pub struct FlowgladClientBuilder {
    exec: HttpExecutorBuilder,
    currency: Currency,
    max_pages: u32,
}

impl FlowgladClientBuilder {
    /// The retry policy.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.exec = self.exec.retry_policy(policy);
        self
    }

    /// How backoff waits (tests pass a `RecordingSleeper`).
    pub fn sleeper(mut self, sleeper: impl Sleeper + 'static) -> Self {
        self.exec = self.exec.sleeper(sleeper);
        self
    }

    /// Observes every retry.
    pub fn observer(mut self, observer: impl RetryObserver + 'static) -> Self {
        self.exec = self.exec.observer(observer);
        self
    }

    /// Per-attempt timeout.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.exec = self.exec.attempt_timeout(timeout);
        self
    }

    /// Total deadline of one call, retries included.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.exec = self.exec.deadline(deadline);
        self
    }

    /// Any other executor setting (a preconfigured `reqwest::Client`, default headers, body caps, …).
    pub fn executor(mut self, f: impl FnOnce(HttpExecutorBuilder) -> HttpExecutorBuilder) -> Self {
        self.exec = f(self.exec);
        self
    }

    /// The most pages the adapter's own paging fetches: the search for the price holding a slug (Flowglad's
    /// list has no filter, so it pages through every price) before a create's re-send or after its `409`.
    /// Default [`DEFAULT_MAX_PAGES`]; the search also ends with the call's deadline. Listings made with
    /// `list_all` take their bound from the query instead (`PriceListQuery::max_pages`).
    pub fn max_pages(mut self, pages: u32) -> Self {
        self.max_pages = pages;
        self
    }

    /// The client (`ErrorKind::Config` if the key cannot be sent as a header, or `max_pages` is 0).
    pub fn build(self) -> Result<FlowgladClient> {
        if self.max_pages == 0 {
            return Err(Error::config("max_pages must be at least 1").with_provider(PROVIDER));
        }
        Ok(FlowgladClient {
            exec: self.exec.build()?,
            currency: self.currency,
            max_pages: self.max_pages,
        })
    }
}

#[async_trait]
impl Prices for FlowgladClient {
    fn capabilities(&self) -> PriceCapabilities {
        prices::capabilities()
    }
    async fn create(&self, input: NewPrice) -> Result<Price> {
        prices::ops::create(self, input).await
    }
    async fn get(&self, id: PriceId) -> Result<Price> {
        prices::ops::get(self, &id).await
    }
    async fn list(&self, query: PriceListQuery) -> Result<Page<Price>> {
        prices::ops::list(self, query).await
    }
    async fn update(&self, id: PriceId, update: PriceUpdate) -> Result<Price> {
        prices::ops::update(self, &id, update).await
    }
    async fn archive(&self, id: PriceId) -> Result<Price> {
        prices::ops::archive(self, &id).await
    }
}

#[async_trait]
impl Customers for FlowgladClient {
    fn capabilities(&self) -> CustomerCapabilities {
        customers::capabilities()
    }
    async fn create(&self, input: NewCustomer) -> Result<Customer> {
        customers::ops::create(self, input).await
    }
    async fn get(&self, id: CustomerId) -> Result<Customer> {
        customers::ops::get(self, id.as_str()).await
    }
    async fn get_by_external_id(&self, external_id: String) -> Result<Customer> {
        customers::ops::get_by_external_id(self, &external_id).await
    }
    async fn list(&self, query: CustomerListQuery) -> Result<Page<Customer>> {
        customers::ops::list(self, query).await
    }
    async fn update(&self, id: CustomerId, update: CustomerUpdate) -> Result<Customer> {
        customers::ops::update(self, id.as_str(), update).await
    }
    async fn delete(&self, id: CustomerId) -> Result<()> {
        customers::ops::delete(self, id.as_str()).await
    }
}
