//! [`FlowgladClient`]: its construction, and the [`Prices`] and [`Customers`] impls as glue: each call sends the
//! request its resource's `ops` builds, with the operation's safety, and decodes the answer with `ops`.

use async_trait::async_trait;
use unibill_core::{
    Currency, Customer, CustomerCapabilities, CustomerId, CustomerListQuery, CustomerStatus,
    CustomerUpdate, Customers, DEFAULT_MAX_PAGES, Error, ErrorKind, NewCustomer, NewPrice, Page,
    PageProgress, Price, PriceCapabilities, PriceId, PriceListQuery, PriceUpdate, Prices, Result,
};
use unibill_http::http::header::AUTHORIZATION;
use unibill_http::{HttpExecutor, HttpExecutorBuilder, Safety};

use crate::config::FlowgladConfig;
use crate::customers::ops as customers;
use crate::errors::error_table;
use crate::prices::ops as prices;
use crate::{PROVIDER, capabilities};

/// The Flowglad adapter: prices and customers over one [`HttpExecutor`]. Cheap to clone.
///
/// A bare client is **unguarded**: it does not check its input against its capabilities (an unsupported kind,
/// scheme or field, an empty id). [`unibill_core::Billing`] wraps every provider in `Guarded`, which does;
/// go through it (as the crate example does). What the wire itself cannot carry is refused here either way,
/// before sending, as `InvalidInput` naming the field: a price in another currency than the organisation's,
/// an amount that is not whole minor units within int32, a customer without an email.
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

    /// A client configured from the process environment ([`FlowgladConfig::from_env`]).
    pub fn from_env() -> Result<Self> {
        Self::new(FlowgladConfig::from_env()?)
    }

    /// A builder, to tune the executor ([`FlowgladClientBuilder::executor`]) or the slug search's page bound.
    pub fn builder(config: FlowgladConfig) -> FlowgladClientBuilder {
        // The official SDK sends the raw key, no `Bearer` prefix.
        let exec = HttpExecutor::builder(PROVIDER, config.base_url().clone())
            .auth(AUTHORIZATION, "", config.secret_key().clone())
            .error_table(error_table);
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

/// Builds a [`FlowgladClient`]: the executor's settings, and the bound of the adapter's own paging.
#[derive(Debug)]
pub struct FlowgladClientBuilder {
    exec: HttpExecutorBuilder,
    currency: Currency,
    max_pages: u32,
}

impl FlowgladClientBuilder {
    /// Tunes the executor: retry policy, sleeper, observer, timeouts and deadline, a preconfigured
    /// `reqwest::Client`, default headers, body caps, …
    ///
    /// ```
    /// use std::time::Duration;
    /// use unibill_flowglad::{FlowgladClient, FlowgladConfig};
    /// use unibill_http::RetryPolicy;
    ///
    /// let config = FlowgladConfig::builder("sk_test_abcd_secret").build()?;
    /// let client = FlowgladClient::builder(config)
    ///     .executor(|b| b.retry_policy(RetryPolicy::never()).deadline(Duration::from_secs(5)))
    ///     .build()?;
    /// # drop(client);
    /// # Ok::<(), unibill_core::Error>(())
    /// ```
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

/// The name of the slug search's loop (its errors' operation).
const SLUG_SEARCH: &str = "prices.find_by_slug";

impl FlowgladClient {
    async fn customer(&self, external_id: &str) -> Result<Customer> {
        let request = customers::get_request(external_id);
        self.exec
            .send(request, Safety::Safe, customers::decode_customer)
            .await
    }

    async fn price(&self, id: &str) -> Result<Price> {
        let request = prices::get_request(id);
        self.exec
            .send(request, Safety::Safe, prices::decode_price)
            .await
    }

    /// Pages through every price (the list ignores filters) for the active one with `slug`, under a
    /// [`PageProgress`]: a repeated cursor or page, or more than the client's `max_pages` pages, end it with a
    /// `Provider` error naming `prices.find_by_slug`.
    async fn find_active_price_by_slug(&self, slug: &str) -> Result<Option<Price>> {
        let mut progress = PageProgress::new(SLUG_SEARCH, self.max_pages).provider(PROVIDER);
        progress.check_bound()?;
        let mut query = prices::slug_search_query();
        loop {
            let page = Prices::list(self, query.clone()).await?;
            progress.items(page.items.iter().map(|p| p.id.as_str()))?;
            if let Some(p) = prices::slug_holder(page.items, slug) {
                return Ok(Some(p));
            }
            match page.next_cursor {
                Some(next) => {
                    progress.next(Some(next.as_str()))?;
                    query = query.cursor(next);
                }
                None => return Ok(None),
            }
        }
    }
}

#[async_trait]
impl Prices for FlowgladClient {
    fn capabilities(&self) -> PriceCapabilities {
        capabilities::prices()
    }

    async fn create(&self, input: NewPrice) -> Result<Price> {
        let request = prices::create_request(&input, &self.currency)?;
        let Some(slug) = input.slug() else {
            return self
                .exec
                .send(request, Safety::Unsafe, prices::decode_price)
                .await;
        };
        let input = &input;
        let safety = Safety::reconcile(move || async move {
            let found = self.find_active_price_by_slug(slug).await?;
            Ok(prices::slug_lookup(found, input))
        });
        // Taken before the create is sent: the search after a `409` is part of the same call.
        let deadline = self.exec.call_deadline();
        match self.exec.send(request, safety, prices::decode_price).await {
            Err(e) if e.kind() == ErrorKind::AlreadyExists && e.existing_id().is_none() => {
                // The slug clash names no price: find the holder (its id, and the price itself, so `ensure`
                // needs no further read), within what is left of the call's deadline. The executor names holders
                // for `NaturalKey` creates only, and this one is `Reconcile`: Flowglad's create archives the
                // product's other prices first, so a replay is a new price, not a conflict. A search that fails
                // leaves the id out (its error is the source).
                match deadline
                    .run(SLUG_SEARCH, self.find_active_price_by_slug(slug))
                    .await
                {
                    Ok(Some(p)) => Err(e.with_existing_id(p.id.as_str()).with_existing(p)),
                    Ok(None) => Err(e),
                    Err(search) if std::error::Error::source(&e).is_none() => {
                        Err(e.with_source(search))
                    }
                    Err(_) => Err(e),
                }
            }
            other => other,
        }
    }

    async fn get(&self, id: PriceId) -> Result<Price> {
        self.price(id.as_str()).await
    }

    async fn list(&self, query: PriceListQuery) -> Result<Page<Price>> {
        let request = prices::list_request(&query)?;
        self.exec
            .send(request, Safety::Safe, |r| {
                prices::decode_price_page(r, &query)
            })
            .await
    }

    async fn update(&self, id: PriceId, update: PriceUpdate) -> Result<Price> {
        let current = self.price(id.as_str()).await?;
        if update.is_empty() {
            return Ok(current);
        }
        let request = prices::update_request(id.as_str(), &current, &update)?;
        self.exec
            .send(request, Safety::Safe, prices::decode_price)
            .await
    }

    async fn archive(&self, id: PriceId) -> Result<Price> {
        let current = self.price(id.as_str()).await?;
        let request = prices::archive_request(id.as_str(), &current)?;
        self.exec
            .send(request, Safety::Safe, prices::decode_price)
            .await
    }
}

#[async_trait]
impl Customers for FlowgladClient {
    fn capabilities(&self) -> CustomerCapabilities {
        capabilities::customers()
    }

    async fn create(&self, input: NewCustomer) -> Result<Customer> {
        let request = customers::create_request(&input)?;
        let input = &input;
        let safety = Safety::natural_key(move || async move {
            customers::natural_key_match(input, self.customer(input.external_id()).await)
        });
        // A `409` names no holder: the executor's lookup names it (the external id is also its handle).
        self.exec
            .send(request, safety, customers::decode_created_customer)
            .await
    }

    async fn get(&self, id: CustomerId) -> Result<Customer> {
        self.customer(id.as_str()).await
    }

    async fn get_by_external_id(&self, external_id: String) -> Result<Customer> {
        let found = self.customer(&external_id).await?;
        customers::active_holder(found, &external_id)
    }

    async fn list(&self, query: CustomerListQuery) -> Result<Page<Customer>> {
        let request = customers::list_request(&query)?;
        self.exec
            .send(request, Safety::Safe, |r| {
                customers::decode_customer_page(r, &query)
            })
            .await
    }

    async fn update(&self, id: CustomerId, update: CustomerUpdate) -> Result<Customer> {
        if update.is_empty() {
            return self.customer(id.as_str()).await;
        }
        let request = customers::update_request(id.as_str(), &update)?;
        self.exec
            .send(request, Safety::Safe, customers::decode_customer)
            .await
    }

    async fn delete(&self, id: CustomerId) -> Result<()> {
        // An archived customer is still readable by id, so it is deleted already (the contract: a delete
        // answers as `get` does); nothing is sent. An unknown one is `get`'s NotFound.
        let current = self.customer(id.as_str()).await?;
        if current.status == CustomerStatus::Archived {
            return Ok(());
        }
        let request = customers::delete_request(id.as_str())?;
        self.exec.send(request, Safety::Safe, |_| Ok(())).await
    }
}
