//! [`FlexpriceClient`]: its construction, and the trait impls ([`Customers`], [`Connections`], [`Prices`]) and
//! plan calls as glue: each builds its request with the resource's `ops`, declares its safety class, and hands
//! the request to the one executor.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use async_trait::async_trait;
use futures::stream::BoxStream;
use unibill_core::page::paginate;
use unibill_core::{
    Connection, ConnectionCapabilities, ConnectionId, ConnectionListQuery, ConnectionSecrets,
    ConnectionUpdate, Connections, Cursor, Customer, CustomerCapabilities, CustomerId,
    CustomerListQuery, CustomerStatus, CustomerUpdate, Customers, DEFAULT_MAX_PAGES, ErrorKind,
    NewConnection, NewCustomer, NewPrice, Page, PageProgress, Patch, Price, PriceCapabilities,
    PriceId, PriceListQuery, PriceUpdate, Prices, Result,
};
use unibill_http::http::HeaderName;
use unibill_http::{HttpExecutor, HttpExecutorBuilder, Safety};

use crate::config::{FlexpriceConfig, SecretsForm};
use crate::errors::error_table;
use crate::plans::model::{NewPlan, Plan, PlanListQuery};
use crate::{PROVIDER, capabilities, connections, customers, plans, prices};

/// The Flexprice adapter. Cheap to clone (the executor is one `Arc`); clones share the connection pool.
///
/// **Unguarded**: the client itself does not check its capabilities (an unsupported field, an empty id, a
/// page size above the maximum); [`unibill_core::Billing`], which wraps every provider in
/// [`unibill_core::Guarded`], enforces them. What the wire cannot carry (address parts over the server's byte
/// limits, sync directions it refuses, amounts it would round, lookup keys it cannot look up) is refused here,
/// as `InvalidInput` naming the field, before anything is sent.
///
/// `Debug` shows the base URL, never the API key.
#[derive(Clone)]
pub struct FlexpriceClient {
    exec: HttpExecutor,
    secrets_form: SecretsForm,
}

impl FlexpriceClient {
    /// A client with the executor's defaults (timeouts, retry policy, tokio sleeper).
    pub fn new(config: FlexpriceConfig) -> Result<Self> {
        Self::builder(config).build()
    }

    /// A client from `FLEXPRICE_API_KEY`, `FLEXPRICE_REGION` and `FLEXPRICE_BASE_URL`.
    pub fn from_env() -> Result<Self> {
        Self::new(FlexpriceConfig::from_env()?)
    }

    /// A builder, to adjust the executor (retry policy, timeouts, sleeper, observer, a custom
    /// `reqwest::Client`).
    ///
    /// ```
    /// use unibill_flexprice::{FlexpriceClient, FlexpriceConfig};
    /// use unibill_http::RetryPolicy;
    ///
    /// let config = FlexpriceConfig::builder("sk_test_123").build().unwrap();
    /// let client = FlexpriceClient::builder(config)
    ///     .executor(|http| http.retry_policy(RetryPolicy::never()))
    ///     .build()
    ///     .unwrap();
    /// assert!(!format!("{client:?}").contains("sk_test_123"));
    /// ```
    pub fn builder(config: FlexpriceConfig) -> FlexpriceClientBuilder {
        FlexpriceClientBuilder {
            exec: HttpExecutor::builder(PROVIDER, config.base_url().clone()),
            config,
        }
    }
}

impl fmt::Debug for FlexpriceClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FlexpriceClient")
            .field("exec", &self.exec)
            .field("secrets_form", &self.secrets_form)
            .finish()
    }
}

/// Builds a [`FlexpriceClient`]; start with [`FlexpriceClient::builder`].
#[derive(Debug)]
pub struct FlexpriceClientBuilder {
    config: FlexpriceConfig,
    exec: HttpExecutorBuilder,
}

impl FlexpriceClientBuilder {
    /// Adjusts the executor: `|b| b.retry_policy(..).sleeper(..).client_builder(..)`. The base URL comes from the
    /// config; the API key and the error table are set after this, in [`build`](Self::build), so they cannot
    /// be replaced.
    pub fn executor(
        mut self,
        configure: impl FnOnce(HttpExecutorBuilder) -> HttpExecutorBuilder,
    ) -> Self {
        self.exec = configure(self.exec);
        self
    }

    /// The client (`ErrorKind::Config` if the key cannot be sent as a header).
    pub fn build(self) -> Result<FlexpriceClient> {
        let exec = self
            .exec
            .auth(
                HeaderName::from_static("x-api-key"),
                "",
                self.config.api_key().clone(),
            )
            .error_table(error_table)
            .build()?;
        Ok(FlexpriceClient {
            exec,
            secrets_form: self.config.secrets_form(),
        })
    }
}

impl FlexpriceClient {
    async fn customer_by_external_id(&self, external_id: &str) -> Result<Customer> {
        let (request, decode) = customers::ops::get_by_external_id_request(external_id);
        self.exec.send(request, Safety::Safe, decode).await
    }

    async fn customer(&self, id: &CustomerId) -> Result<Customer> {
        let request = customers::ops::get_request(id);
        self.exec
            .send(request, Safety::Safe, customers::ops::decode_customer)
            .await
    }
}

#[async_trait]
impl Customers for FlexpriceClient {
    fn capabilities(&self) -> CustomerCapabilities {
        capabilities::customers()
    }

    // `async_trait`'s expansion written out, so the future holds the input once (docs/performance.md,
    // "Smaller futures").
    fn create<'life0, 'async_trait>(
        &'life0 self,
        input: NewCustomer,
    ) -> Pin<Box<dyn Future<Output = Result<Customer>> + Send + 'async_trait>>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move {
            let request = customers::ops::create_request(&input)?;
            let input = &input;
            // Also what names the holder of a 409 (which names the external id, not the customer).
            let safety = Safety::natural_key(move || async move {
                let found = self.customer_by_external_id(input.external_id()).await;
                customers::ops::created(input, found)
            });
            self.exec
                .send(request, safety, customers::ops::decode_customer)
                .await
        })
    }

    async fn get(&self, id: CustomerId) -> Result<Customer> {
        self.customer(&id).await
    }

    async fn get_by_external_id(&self, external_id: String) -> Result<Customer> {
        self.customer_by_external_id(&external_id).await
    }

    async fn list(&self, query: CustomerListQuery) -> Result<Page<Customer>> {
        let (request, at) = customers::ops::list_request(&query)?;
        let (items, total) = self
            .exec
            .send(request, Safety::Safe, customers::ops::decode_customer_list)
            .await?;
        Ok(at.page(items, total))
    }

    async fn update(&self, id: CustomerId, update: CustomerUpdate) -> Result<Customer> {
        let request = customers::ops::update_request(&id, &update)?;
        self.exec
            .send(request, Safety::Safe, customers::ops::decode_customer)
            .await
    }

    async fn delete(&self, id: CustomerId) -> Result<()> {
        let request = customers::ops::delete_request(&id);
        let id = &id;
        let safety =
            Safety::reconcile_gone(move || self.customer(id), |c: &Customer| !c.is_active());
        let deadline = self.exec.call_deadline();
        match self.exec.send(request, safety, |_| Ok(())).await {
            // Flexprice answers 404 to a DELETE of an archived customer, which `get` still shows: it is deleted
            // already (the contract: a delete answers as `get` does). Looked up within the delete's deadline.
            Err(e) if e.kind() == ErrorKind::NotFound => {
                match deadline.run(customers::ops::GET, self.customer(id)).await {
                    Ok(c) if c.status == CustomerStatus::Archived => Ok(()),
                    _ => Err(e),
                }
            }
            other => other,
        }
    }
}

impl FlexpriceClient {
    async fn connection(
        &self,
        id: &ConnectionId,
        secrets: Option<&ConnectionSecrets>,
    ) -> Result<Connection> {
        let request = connections::ops::get_request(id, secrets);
        self.exec
            .send(request, Safety::Safe, connections::ops::decode_connection)
            .await
    }
}

#[async_trait]
impl Connections for FlexpriceClient {
    fn capabilities(&self) -> ConnectionCapabilities {
        capabilities::connections()
    }

    async fn create(&self, input: NewConnection) -> Result<Connection> {
        let request = connections::ops::create_request(&input, self.secrets_form)?;
        let safety = if capabilities::connections().is_unique_type(input.provider_type().as_str()) {
            let input = &input;
            Safety::natural_key(move || async move {
                let request = connections::ops::lookup_request(input);
                let (found, _) = self
                    .exec
                    .send(
                        request,
                        Safety::Safe,
                        connections::ops::decode_connection_list,
                    )
                    .await?;
                Ok(connections::ops::created(input, found))
            })
        } else {
            // `s3` allows any number of connections: nothing identifies this create's.
            Safety::Unsafe
        };
        self.exec
            .send(request, safety, connections::ops::decode_connection)
            .await
    }

    async fn get(&self, id: ConnectionId) -> Result<Connection> {
        self.connection(&id, None).await
    }

    async fn list(&self, query: ConnectionListQuery) -> Result<Page<Connection>> {
        let (request, at) = connections::ops::list_request(&query)?;
        let (items, total) = self
            .exec
            .send(
                request,
                Safety::Safe,
                connections::ops::decode_connection_list,
            )
            .await?;
        Ok(at.page(items, total))
    }

    async fn update(&self, id: ConnectionId, update: ConnectionUpdate) -> Result<Connection> {
        let current = if connections::ops::update_needs_current(&update)? {
            Some(self.connection(&id, update.secrets()).await?)
        } else {
            None
        };
        let request =
            connections::ops::update_request(&id, &update, current.as_ref(), self.secrets_form)?;
        self.exec
            .send(request, Safety::Safe, connections::ops::decode_connection)
            .await
    }

    async fn delete(&self, id: ConnectionId) -> Result<()> {
        let request = connections::ops::delete_request(&id);
        let id = &id;
        // An archived connection is a 404: only a 404 means done.
        let safety = Safety::reconcile_gone(move || self.connection(id, None), |_| false);
        self.exec.send(request, safety, |_| Ok(())).await
    }
}

impl FlexpriceClient {
    /// The live price (published, no end date) holding `key`, if any.
    async fn price_by_lookup_key(&self, key: &str) -> Result<Option<Price>> {
        let request = prices::ops::lookup_request(key);
        let answer = self
            .exec
            .send(request, Safety::Safe, prices::ops::decode_price)
            .await;
        prices::ops::found(answer)
    }

    async fn price(&self, id: &PriceId) -> Result<Price> {
        let request = prices::ops::get_request(id);
        self.exec
            .send(request, Safety::Safe, prices::ops::decode_price)
            .await
    }
}

#[async_trait]
impl Prices for FlexpriceClient {
    fn capabilities(&self) -> PriceCapabilities {
        capabilities::prices()
    }

    async fn create(&self, input: NewPrice) -> Result<Price> {
        let request = prices::ops::create_request(&input)?;
        let Some(key) = input.slug() else {
            // No lookup key, no way to find a lost create: never re-sent once it may have arrived.
            return self
                .exec
                .send(request, Safety::Unsafe, prices::ops::decode_price)
                .await;
        };
        let input = &input;
        // Also what names the holder of a 409 (which names an id the server never saved).
        let safety = Safety::natural_key(move || async move {
            let holder = self.price_by_lookup_key(key).await?;
            Ok(prices::ops::created(input, holder))
        });
        self.exec
            .send(request, safety, prices::ops::decode_price)
            .await
    }

    async fn get(&self, id: PriceId) -> Result<Price> {
        self.price(&id).await
    }

    async fn list(&self, query: PriceListQuery) -> Result<Page<Price>> {
        let (request, at) = prices::ops::list_request(&query)?;
        let (items, total) = self
            .exec
            .send(request, Safety::Safe, prices::ops::decode_price_list)
            .await?;
        Ok(prices::ops::price_page(&query, at, items, total))
    }

    async fn update(&self, id: PriceId, update: PriceUpdate) -> Result<Price> {
        let mut current = match prices::ops::update_request(&id, &update)? {
            None => None,
            Some(request) => {
                let deadline = self.exec.call_deadline();
                match self
                    .exec
                    .send(request, Safety::Safe, prices::ops::decode_price)
                    .await
                {
                    Ok(p) => Some(p),
                    // A lookup-key clash on update is a 500 `database_error`: say what it is when the key is
                    // held (looked up within what is left of the update's deadline).
                    Err(e) if e.provider_code() == Some("database_error") => {
                        if let Patch::Set(key) = update.slug()
                            && let Ok(Some(holder)) = deadline
                                .run(prices::ops::LOOKUP, self.price_by_lookup_key(key))
                                .await
                            && holder.id != id
                        {
                            return Err(prices::ops::lookup_key_taken(holder, e));
                        }
                        return Err(e);
                    }
                    Err(e) => return Err(e),
                }
            }
        };
        if update.active() == Some(false) {
            current = Some(self.archive(id.clone()).await?);
        }
        match current {
            Some(p) => Ok(p),
            None => self.price(&id).await,
        }
    }

    async fn archive(&self, id: PriceId) -> Result<Price> {
        let current = self.price(&id).await?;
        if !current.active {
            return Ok(current);
        }
        // A second DELETE is a 400, so after an unknown outcome look first: an ended price means the first one
        // went through.
        let request = prices::ops::archive_request(&id)?;
        let id_ref = &id;
        let safety = Safety::reconcile_gone(move || self.price(id_ref), |p: &Price| !p.active);
        self.exec.send(request, safety, |_| Ok(())).await?;
        self.price(&id).await
    }
}

/// Plans: not a neutral resource, so Flexprice's own calls on the client.
impl FlexpriceClient {
    /// Creates a plan (`POST /plans`), the parent every price needs.
    ///
    /// Not retried once it may have reached the server (`Unsafe`): plans have no lookup the adapter uses, so
    /// a lost answer is `OutcomeUnknown`.
    pub async fn create_plan(&self, input: NewPlan) -> Result<Plan> {
        let request = plans::ops::create_request(&input)?;
        self.exec
            .send(request, Safety::Unsafe, plans::ops::decode_plan)
            .await
    }

    /// Reads a plan (`GET /plans/{id}`), archived ones too, with the ids of its prices.
    pub async fn get_plan(&self, id: &str) -> Result<Plan> {
        let request = plans::ops::get_request(id)?;
        self.exec
            .send(request, Safety::Safe, plans::ops::decode_plan)
            .await
    }

    /// One page of plans (`POST /plans/search` with `limit`, `offset`, `order: asc` and, unless archived ones
    /// are asked for, `status: published`), oldest first; the next offset is kept in the page's cursor.
    pub async fn list_plans(&self, query: PlanListQuery) -> Result<Page<Plan>> {
        let (request, at) = plans::ops::list_request(&query)?;
        let (items, total) = self
            .exec
            .send(request, Safety::Safe, plans::ops::decode_plan_list)
            .await?;
        Ok(at.page(items, total))
    }

    /// Every plan the query matches, page after page, as a stream holding one page at a time, under a
    /// [`PageProgress`] named `plans.list_all` (a cursor that repeats, a page repeating the one before, or more
    /// than `max_pages` pages end it with an error).
    pub fn list_all_plans(&self, query: PlanListQuery) -> BoxStream<'_, Result<Plan>> {
        let progress = PageProgress::new(
            "plans.list_all",
            query.max_pages.unwrap_or(DEFAULT_MAX_PAGES),
        )
        .provider(PROVIDER)
        .starting_at(query.cursor.as_ref().map(Cursor::as_str));
        paginate(
            query,
            progress,
            move |q| self.list_plans(q),
            |q, c| q.cursor = Some(c),
            |p: &Plan| p.id.as_str(),
        )
    }

    /// Archives a plan (`DELETE /plans/{id}`) and reads it back: its prices stay published, and prices can
    /// still be added to it (notes §6). After an attempt with an unknown outcome, a plan found archived means
    /// the archive went through.
    pub async fn archive_plan(&self, id: &str) -> Result<Plan> {
        let request = plans::ops::archive_request(id)?;
        let deadline = self.exec.call_deadline();
        let safety = Safety::reconcile_gone(move || self.get_plan(id), |p: &Plan| !p.active);
        self.exec.send(request, safety, |_| Ok(())).await?;
        deadline.run(plans::ops::GET, self.get_plan(id)).await
    }
}
