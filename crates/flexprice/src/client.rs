//! [`FlexpriceClient`]: its construction, and the trait impls ([`Customers`], [`Connections`], [`Prices`],
//! and the lifecycle's [`Meters`], [`Features`], [`Subscriptions`], [`Usage`], [`Entitlements`],
//! [`Invoices`]) and plan calls as glue: each builds its request with the resource's `ops`, declares its safety class, and hands
//! the request to the one executor.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use async_trait::async_trait;
use futures::stream::BoxStream;
use unibill_core::page::paginate;
use unibill_core::{
    CancelOptions, Connection, ConnectionCapabilities, ConnectionId, ConnectionListQuery,
    ConnectionSecrets, ConnectionUpdate, Connections, Cursor, Customer, CustomerCapabilities,
    CustomerId, CustomerListQuery, CustomerRef, CustomerStatus, CustomerUpdate, Customers,
    DEFAULT_MAX_PAGES, Entitlement, EntitlementCapabilities, Entitlements, Error, ErrorKind,
    Feature, FeatureCapabilities, FeatureGrant, FeatureKind, FeatureListQuery, Features, Grant,
    IdempotencyKey, IngestOutcome, IngestOutcomes, IngestReport, Invoice, InvoiceCapabilities,
    InvoiceId, InvoiceListQuery, InvoiceStatus, Invoices, Meter, MeterCapabilities, MeterId,
    MeterListQuery, Meters, NewConnection, NewCustomer, NewFeature, NewMeter, NewPrice,
    NewSubscription, Page, PageProgress, Patch, Price, PriceCapabilities, PriceId, PriceListQuery,
    PriceUpdate, Prices, Result, Subscription, SubscriptionCapabilities, SubscriptionId,
    SubscriptionListQuery, SubscriptionStatus, Subscriptions, Timestamp, Usage, UsageCapabilities,
    UsageEvent, UsageStatus,
};
use unibill_http::http::HeaderName;
use unibill_http::{CallDeadline, HttpExecutor, HttpExecutorBuilder, Lookup, Safety};

use crate::config::{FlexpriceConfig, SecretsForm};
use crate::errors::error_table;
use crate::invoices::model::NewOneOffInvoice;
use crate::meters::ops::Carried;
use crate::plans::model::{NewPlan, Plan, PlanListQuery};
use crate::{
    PROVIDER, capabilities, connections, customers, entitlements, features, invoices, meters,
    plans, prices, subscriptions, usage,
};

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
        self.exec.send_safe(request, decode).await
    }

    async fn customer(&self, id: &CustomerId) -> Result<Customer> {
        let request = customers::ops::get_request(id);
        self.exec
            .send_safe(request, customers::ops::decode_customer)
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
            .send_safe(request, customers::ops::decode_customer_list)
            .await?;
        Ok(at.page(items, total))
    }

    async fn update(&self, id: CustomerId, update: CustomerUpdate) -> Result<Customer> {
        let request = customers::ops::update_request(&id, &update)?;
        self.exec
            .send_safe(request, customers::ops::decode_customer)
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
            .send_safe(request, connections::ops::decode_connection)
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
                    .send_safe(request, connections::ops::decode_connection_list)
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
            .send_safe(request, connections::ops::decode_connection_list)
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
            .send_safe(request, connections::ops::decode_connection)
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
            .send_safe(request, prices::ops::decode_price)
            .await;
        prices::ops::found(answer)
    }

    async fn price(&self, id: &PriceId) -> Result<Price> {
        let request = prices::ops::get_request(id);
        self.exec
            .send_safe(request, prices::ops::decode_price)
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
            .send_safe(request, prices::ops::decode_price_list)
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
                    .send_safe(request, prices::ops::decode_price)
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
        self.exec.send_safe(request, plans::ops::decode_plan).await
    }

    /// One page of plans (`POST /plans/search` with `limit`, `offset`, `order: asc` and, unless archived ones
    /// are asked for, `status: published`), oldest first; the next offset is kept in the page's cursor.
    pub async fn list_plans(&self, query: PlanListQuery) -> Result<Page<Plan>> {
        let (request, at) = plans::ops::list_request(&query)?;
        let (items, total) = self
            .exec
            .send_safe(request, plans::ops::decode_plan_list)
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

impl FlexpriceClient {
    /// The feature holding `key` (published), if any.
    async fn feature_by_key(&self, key: &str) -> Result<Option<Feature>> {
        let request = features::ops::search_request(key)?;
        self.exec
            .send_safe(request, |r| features::ops::decode_found_feature(key, r))
            .await
    }

    /// What holds the meter key `key`: a meter (read from `/meters/{id}` when the carrier does not embed
    /// it), a feature that is not a meter, or nothing.
    async fn carrier(&self, key: &str) -> Result<Option<Carried>> {
        let request = meters::ops::search_request(key)?;
        let found = self
            .exec
            .send_safe(request, |r| meters::ops::decode_found_carrier(key, r))
            .await?;
        match found {
            Some(Carried::ById { meter_id, key }) => {
                let request = meters::ops::get_request(&meter_id);
                let meter = self
                    .exec
                    .send_safe(request, |r| meters::ops::decode_meter(&key, r))
                    .await?;
                Ok(Some(Carried::Meter(meter)))
            }
            other => Ok(other),
        }
    }

    /// The meter with key `key`, if any.
    async fn meter_by_key(&self, key: &str) -> Result<Option<Meter>> {
        Ok(match self.carrier(key).await? {
            Some(Carried::Meter(m)) => Some(m),
            _ => None,
        })
    }
}

#[async_trait]
impl Meters for FlexpriceClient {
    fn capabilities(&self) -> MeterCapabilities {
        capabilities::meters()
    }

    async fn create(&self, input: NewMeter) -> Result<Meter> {
        let request = meters::ops::create_request(&input)?;
        let deadline = self.exec.call_deadline();
        // Finding 1: the key is looked up before the first attempt.
        match deadline
            .run(meters::ops::CREATE, self.carrier(input.key()))
            .await?
        {
            None => {}
            Some(Carried::Meter(m)) => meters::ops::existing(&input, Some(Ok(m)))?,
            Some(_) => {
                return Err(meters::ops::conflict(
                    &input,
                    "none (a feature that is not a meter)",
                ));
            }
        }
        let input = &input;
        // The carrier's `lookup_key` 409 is the natural key; the lookup also settles an ambiguous attempt.
        let safety = Safety::natural_key(move || async move {
            let found = self.meter_by_key(input.key()).await?;
            Ok(meters::ops::created(input, found))
        });
        deadline
            .run(
                meters::ops::CREATE,
                self.exec
                    .send(request, safety, |r| meters::ops::decode_created(input, r)),
            )
            .await
    }

    async fn get_by_key(&self, key: String) -> Result<Meter> {
        let deadline = self.exec.call_deadline();
        deadline
            .run(meters::ops::GET_BY_KEY, self.meter_by_key(&key))
            .await?
            .ok_or_else(|| meters::ops::no_meter(&key))
    }

    async fn list(&self, query: MeterListQuery) -> Result<Page<Meter>> {
        let (request, at) = meters::ops::list_request(&query)?;
        let (items, total) = self
            .exec
            .send_safe(request, meters::ops::decode_meter_list)
            .await?;
        // The cursor follows the features listed (not the meters kept), so no carrier is skipped.
        let next = at.next(items.len().max(at.limit as usize), total);
        Ok(Page::new(items, next))
    }
}

#[async_trait]
impl Features for FlexpriceClient {
    fn capabilities(&self) -> FeatureCapabilities {
        capabilities::features()
    }

    async fn create(&self, input: NewFeature) -> Result<Feature> {
        let deadline = self.exec.call_deadline();
        // Finding 1: the key is looked up before the first attempt (a meter's carrier comes back Existing).
        let found = deadline
            .run(features::ops::CREATE, self.feature_by_key(input.key()))
            .await?;
        features::ops::existing(&input, found)?;
        let meter_id = match input.kind() {
            FeatureKind::Metered { meter_key } => {
                let meter = deadline
                    .run(features::ops::CREATE, self.meter_by_key(meter_key))
                    .await?
                    .ok_or_else(|| {
                        Error::invalid_field(
                            "kind.meter_key",
                            format!("no meter has key `{meter_key}`"),
                        )
                        .with_provider(PROVIDER)
                    })?;
                meter.id.map(MeterId::into_string)
            }
            _ => None,
        };
        let request = features::ops::create_request(&input, meter_id.as_deref())?;
        let input = &input;
        let safety = Safety::natural_key(move || async move {
            let found = self.feature_by_key(input.key()).await?;
            Ok(features::ops::created(input, found))
        });
        deadline
            .run(
                features::ops::CREATE,
                self.exec
                    .send(request, safety, features::ops::decode_feature),
            )
            .await
    }

    async fn get_by_key(&self, key: String) -> Result<Feature> {
        self.feature_by_key(&key)
            .await?
            .ok_or_else(|| features::ops::no_feature(&key, features::ops::SEARCH))
    }

    async fn list(&self, query: FeatureListQuery) -> Result<Page<Feature>> {
        let (request, at) = features::ops::list_request(&query)?;
        let (items, total) = self
            .exec
            .send_safe(request, features::ops::decode_feature_list)
            .await?;
        Ok(at.page(items, total))
    }

    async fn grant(&self, grant: Grant) -> Result<FeatureGrant> {
        // What the wire cannot carry is refused before anything is sent.
        features::ops::grant_request(&grant, "", true)?;
        let deadline = self.exec.call_deadline();
        let op = features::ops::GRANT;
        let feature = deadline
            .run(op, self.feature_by_key(grant.feature_key()))
            .await?
            .ok_or_else(|| features::ops::no_feature(grant.feature_key(), op))?;
        let feature_id = feature
            .id
            .as_ref()
            .map(|id| id.as_str().to_owned())
            .unwrap_or_default();
        let metered = matches!(feature.kind, FeatureKind::Metered { .. });
        let plan = grant.product_id().as_str();
        let search = || async {
            let request = features::ops::grant_search_request(plan, &feature_id)?;
            self.exec
                .send_safe(request, |r| features::ops::decode_found_grant(&grant, r))
                .await
        };
        // Finding 13: one grant per feature and plan, looked up before the first attempt.
        let found = deadline.run(op, search()).await?;
        if let Some(existing) = features::ops::granted(&grant, found, metered)? {
            return Ok(existing);
        }
        let request = features::ops::grant_request(&grant, &feature_id, metered)?;
        let grant_ref = &grant;
        let search = &search;
        let safety = Safety::reconcile(move || async move {
            Ok(features::ops::grant_lookup(
                grant_ref,
                search().await?,
                metered,
            ))
        });
        deadline
            .run(
                op,
                self.exec.send(request, safety, |r| {
                    features::ops::decode_grant(grant_ref, r)
                }),
            )
            .await
    }
}

impl FlexpriceClient {
    async fn subscription(&self, id: &SubscriptionId) -> Result<Subscription> {
        let request = subscriptions::ops::get_request(id);
        self.exec
            .send_safe(request, subscriptions::ops::decode_subscription)
            .await
    }

    /// Every subscription holding `key` (every status).
    async fn subscriptions_by_key(&self, key: &str) -> Result<Vec<Subscription>> {
        let request = subscriptions::ops::find_by_key_request(key)?;
        let (items, _) = self
            .exec
            .send_safe(request, subscriptions::ops::decode_subscription_list)
            .await?;
        Ok(items
            .into_iter()
            .filter(|s| s.key.as_ref().is_some_and(|k| k.as_str() == key))
            .collect())
    }

    async fn customer_of(&self, customer: &CustomerRef) -> Result<Customer> {
        match customer {
            CustomerRef::Id(id) => self.customer(id).await,
            CustomerRef::ExternalId(e) => self.customer_by_external_id(e).await,
        }
    }

    /// Activates the draft `draft` (state-checked: after an ambiguous attempt, or on a 400, a re-read that
    /// is no longer a draft means done) and reads it back.
    async fn activate(
        &self,
        draft: &Subscription,
        start: Option<Timestamp>,
        deadline: &CallDeadline,
    ) -> Result<Subscription> {
        let op = subscriptions::ops::ACTIVATE;
        let request = subscriptions::ops::activate_request(draft, start)?;
        let id = &draft.id;
        let safety = Safety::reconcile(move || async move {
            let now = self.subscription(id).await?;
            Ok(if now.status == SubscriptionStatus::Draft {
                Lookup::Missing
            } else {
                Lookup::Found(())
            })
        });
        self.write_to_end_state(
            op,
            deadline,
            request,
            safety,
            || self.subscription(id),
            |now| now.status != SubscriptionStatus::Draft,
        )
        .await
    }
}

#[async_trait]
impl Subscriptions for FlexpriceClient {
    fn capabilities(&self) -> SubscriptionCapabilities {
        capabilities::subscriptions()
    }

    async fn create(&self, input: NewSubscription) -> Result<Subscription> {
        let op = subscriptions::ops::CREATE;
        let deadline = self.exec.call_deadline();
        let price = deadline.run(op, self.price(input.price_id())).await?;
        let plan = subscriptions::ops::plan_price(&price)?;
        let customer = deadline.run(op, self.customer_of(input.customer())).await?;
        let key = input.key().as_str();
        let fill = |mut s: Subscription| {
            if s.customer_external_id.is_none() {
                s.customer_external_id = Some(customer.external_id.clone());
            }
            s
        };
        // Finding 1: the key is looked up before the first attempt; finding 2: the oldest holder wins.
        let held = deadline.run(op, self.subscriptions_by_key(key)).await?;
        if let Some(winner) = subscriptions::ops::winner(held) {
            let mine = subscriptions::ops::made_for(&winner, &customer, &plan);
            if !mine || winner.status != SubscriptionStatus::Draft {
                return Err(subscriptions::ops::key_held(&input, fill(winner), mine));
            }
            // A draft an earlier call left: finish it.
            return self
                .activate(&winner, input.start_at(), &deadline)
                .await
                .map(fill);
        }
        let request = subscriptions::ops::create_request(&input, &customer, &plan)?;
        let safety = Safety::reconcile(move || async move {
            let held = self.subscriptions_by_key(key).await?;
            Ok(match subscriptions::ops::winner(held) {
                Some(s) => Lookup::Found(s),
                None => Lookup::Missing,
            })
        });
        let draft = deadline
            .run(
                op,
                self.exec
                    .send(request, safety, subscriptions::ops::decode_subscription),
            )
            .await?;
        // Concurrent creates with one key each left a draft: every caller activates the oldest.
        let held = deadline.run(op, self.subscriptions_by_key(key)).await?;
        let winner = subscriptions::ops::winner(held).unwrap_or(draft);
        if !subscriptions::ops::made_for(&winner, &customer, &plan) {
            return Err(subscriptions::ops::key_held(&input, fill(winner), false));
        }
        if winner.status != SubscriptionStatus::Draft {
            return Ok(fill(winner));
        }
        self.activate(&winner, input.start_at(), &deadline)
            .await
            .map(fill)
    }

    async fn get(&self, id: SubscriptionId) -> Result<Subscription> {
        self.subscription(&id).await
    }

    async fn list(&self, query: SubscriptionListQuery) -> Result<Page<Subscription>> {
        let (request, at) = subscriptions::ops::list_request(&query)?;
        let (items, total) = self
            .exec
            .send_safe(request, subscriptions::ops::decode_subscription_list)
            .await?;
        let next = at.next(items.len(), total);
        let items = items
            .into_iter()
            .filter(|s| query.statuses.is_empty() || query.statuses.contains(&s.status))
            .collect();
        Ok(Page::new(items, next))
    }

    async fn cancel(&self, id: SubscriptionId, options: CancelOptions) -> Result<Subscription> {
        let op = subscriptions::ops::CANCEL;
        let request = subscriptions::ops::cancel_request(&id, &options)?;
        let deadline = self.exec.call_deadline();
        // Not idempotent on the server (a second cancel is a 400): the end state decides.
        self.write_to_end_state(
            op,
            &deadline,
            request,
            Safety::Safe,
            || self.subscription(&id),
            |now| subscriptions::ops::cancel_reached(now, &options.timing),
        )
        .await
    }

    async fn uncancel(&self, id: SubscriptionId) -> Result<Subscription> {
        let op = subscriptions::ops::UNCANCEL;
        let deadline = self.exec.call_deadline();
        let sub = deadline.run(op, self.subscription(&id)).await?;
        if sub.status == SubscriptionStatus::Canceled {
            return Err(subscriptions::ops::canceled_conflict(&id));
        }
        if !subscriptions::ops::cancel_pending(&sub) {
            return Ok(sub);
        }
        let request = subscriptions::ops::uncancel_request(&id)?;
        match deadline
            .run(op, self.exec.send_safe(request, |_| Ok(())))
            .await
        {
            Ok(()) => {}
            // No pending schedule (a second uncancel, or a cancel whose schedule was never written).
            Err(e) if matches!(e.kind(), ErrorKind::InvalidInput | ErrorKind::NotFound) => {
                let now = deadline.run(op, self.subscription(&id)).await?;
                if now.status == SubscriptionStatus::Canceled {
                    return Err(subscriptions::ops::canceled_conflict(&id));
                }
                if !subscriptions::ops::cancel_pending(&now) {
                    return Ok(now);
                }
                return Err(subscriptions::ops::unscheduled_conflict(&id, e));
            }
            Err(e) => return Err(e),
        }
        deadline.run(op, self.subscription(&id)).await
    }

    async fn change_price(&self, id: SubscriptionId, price_id: PriceId) -> Result<Subscription> {
        let op = subscriptions::ops::CHANGE_PRICE;
        let deadline = self.exec.call_deadline();
        let price = deadline.run(op, self.price(&price_id)).await?;
        let plan = subscriptions::ops::plan_price(&price)?;
        let sub = deadline.run(op, self.subscription(&id)).await?;
        subscriptions::ops::change_in_place(&sub, &plan, &price)?;
        let on_plan = |s: &Subscription| {
            s.product_id.as_ref().map(|p| p.as_str()) == Some(plan.plan_id.as_str())
        };
        let with_price = |mut s: Subscription| {
            s.price_id = Some(price_id.clone());
            s
        };
        if on_plan(&sub) {
            return Ok(with_price(sub));
        }
        let request = subscriptions::ops::change_request(&id, &plan.plan_id)?;
        // "already on the target plan" after an ambiguous attempt: the end state decides.
        self.write_to_end_state(
            op,
            &deadline,
            request,
            Safety::Safe,
            || self.subscription(&id),
            &on_plan,
        )
        .await
        .map(with_price)
    }
}

#[async_trait]
impl Usage for FlexpriceClient {
    fn capabilities(&self) -> UsageCapabilities {
        capabilities::usage()
    }

    async fn ingest(&self, events: Vec<UsageEvent>) -> Result<IngestReport> {
        let deadline = self.exec.call_deadline();
        // Finding 10: a key twice in one batch is sent once.
        let mut outcomes = IngestOutcomes::new(&events, PROVIDER, usage::ops::INGEST);
        let unsettled = outcomes.unsettled();
        let mut sent: Vec<usize> = Vec::with_capacity(unsettled.len());
        // Every event's JSON in one buffer (`spans` says where each is): one allocation per call, not per event.
        let mut buffer: Vec<u8> = Vec::with_capacity(unsettled.len() * 256);
        let mut spans: Vec<std::ops::Range<usize>> = Vec::with_capacity(unsettled.len());
        for i in unsettled {
            let start = buffer.len();
            match usage::ops::encode_event_into(&events[i], &mut buffer) {
                Ok(()) => {
                    sent.push(i);
                    spans.push(start..buffer.len());
                }
                Err(err) => outcomes.settle(i, IngestOutcome::Rejected(err)),
            }
        }
        let sizes: Vec<usize> = spans.iter().map(ExactSizeIterator::len).collect();
        let mut work = usage::ops::plan_batches(
            &sizes,
            usage::ops::MAX_BATCH_EVENTS as usize,
            usage::ops::MAX_BATCH_BYTES,
        );
        work.reverse();
        // Each batch once; a batch the server refuses (400) is halved until the bad event stands alone
        // (finding 7): at most 2n − 1 requests, re-sent with the same ids and timestamps (notes §1.5).
        while let Some(range) = work.pop() {
            let bodies: Vec<&[u8]> = spans[range.clone()]
                .iter()
                .map(|span| &buffer[span.clone()])
                .collect();
            let request = usage::ops::bulk_request(&bodies);
            let answer = deadline
                .run(usage::ops::INGEST, self.exec.send_safe(request, |_| Ok(())))
                .await;
            match answer {
                Ok(()) => {
                    for p in range {
                        outcomes.settle(sent[p], IngestOutcome::Accepted);
                    }
                }
                Err(e) if e.kind() == ErrorKind::InvalidInput && range.len() > 1 => {
                    let mid = range.start + range.len() / 2;
                    work.push(mid..range.end);
                    work.push(range.start..mid);
                }
                Err(e) if e.kind() == ErrorKind::InvalidInput => {
                    outcomes.settle(sent[range.start], IngestOutcome::Rejected(e));
                }
                Err(e) => outcomes.not_taken(range.map(|p| sent[p]), &e),
            }
        }
        Ok(outcomes.into_report(events))
    }

    async fn status(
        &self,
        keys: Vec<IdempotencyKey>,
    ) -> Result<Vec<(IdempotencyKey, UsageStatus)>> {
        let deadline = self.exec.call_deadline();
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            let request = usage::ops::lookup_request(&key);
            let status = match deadline
                .run(
                    "usage.status",
                    self.exec.send_safe(request, usage::ops::decode_status),
                )
                .await
            {
                Ok(s) => s,
                Err(e) if e.kind() == ErrorKind::NotFound => UsageStatus::NotFound,
                Err(e) => return Err(e),
            };
            out.push((key, status));
        }
        Ok(out)
    }
}

#[async_trait]
impl Entitlements for FlexpriceClient {
    fn capabilities(&self) -> EntitlementCapabilities {
        capabilities::entitlements()
    }

    async fn check(
        &self,
        customer_external_id: String,
        feature_key: String,
    ) -> Result<Entitlement> {
        let request = entitlements::ops::usage_request(&customer_external_id, Some(&feature_key));
        let now = Timestamp::now();
        self.exec
            .send_safe(request, |r| {
                entitlements::ops::decode_check(&customer_external_id, &feature_key, now, r)
            })
            .await
    }

    async fn list(&self, customer_external_id: String) -> Result<Vec<Entitlement>> {
        let request = entitlements::ops::usage_request(&customer_external_id, None);
        let now = Timestamp::now();
        self.exec
            .send_safe(request, |r| {
                entitlements::ops::decode_entitlements(&customer_external_id, now, r)
            })
            .await
    }
}

impl FlexpriceClient {
    async fn invoice(&self, id: &InvoiceId) -> Result<Invoice> {
        let request = invoices::ops::get_request(id);
        self.exec
            .send_safe(request, invoices::ops::decode_invoice)
            .await
    }

    /// The customer's non-voided one-off invoice holding `input`'s idempotency key, if any (newest first,
    /// matched on the client: the search has no key filter).
    async fn one_off_by_key(
        &self,
        input: &NewOneOffInvoice,
    ) -> Result<Option<invoices::wire::KeyedInvoice>> {
        for page in 0..invoices::ops::KEY_PAGES {
            let request = invoices::ops::find_by_key_request(input, page)?;
            let (items, total) = self
                .exec
                .send_safe(request, invoices::ops::decode_keyed_list)
                .await?;
            let got = items.len() as u64;
            if let Some(found) = invoices::ops::holder(input, items) {
                return Ok(Some(found));
            }
            let seen = (page + 1) * u64::from(invoices::ops::KEY_PAGE);
            if got < u64::from(invoices::ops::KEY_PAGE) || total.is_some_and(|t| seen >= t) {
                break;
            }
        }
        Ok(None)
    }

    /// Creates a one-off invoice (`POST /invoices`, `invoice_type: ONE_OFF`), which Flexprice finalises inside
    /// the create: the answer is normally `FINALIZED` and numbered. A Flexprice call (the neutral
    /// [`Invoices`] has no create), checked before sending by [`NewOneOffInvoice`]'s builder.
    ///
    /// Retry-safe by the input's idempotency key (`Reconcile`): after an attempt with an unknown outcome, the
    /// customer's one-off invoices are searched (`POST /invoices/search`) for the key before any re-send. A
    /// re-sent create whose invoice is finalised already answers 409 `already_exists` without an id: the same
    /// lookup finds it and the call returns it. An invoice holding the key with other content (customer,
    /// currency, amounts, lines or description) is `Conflict`, never returned as this input's.
    pub async fn create_one_off_invoice(&self, input: NewOneOffInvoice) -> Result<Invoice> {
        let op = invoices::ops::CREATE;
        let deadline = self.exec.call_deadline();
        let request = invoices::ops::create_one_off_request(&input)?;
        let input = &input;
        let safety = Safety::reconcile(move || async move {
            Ok(match self.one_off_by_key(input).await? {
                Some(found) => Lookup::Found(found),
                None => Lookup::Missing,
            })
        });
        let answer = deadline
            .run(
                op,
                self.exec.send(request, safety, invoices::ops::decode_keyed),
            )
            .await;
        let found = match answer {
            Ok(found) => found,
            // The key is held (a re-send of a finalised create): the holder is looked up by the key.
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                match deadline.run(op, self.one_off_by_key(input)).await? {
                    Some(found) => found,
                    None => return Err(e),
                }
            }
            Err(e) => return Err(e),
        };
        if !invoices::ops::made_for(input, &found) {
            return Err(invoices::ops::key_reused(input, &found.invoice));
        }
        Ok(found.invoice)
    }
}

#[async_trait]
impl Invoices for FlexpriceClient {
    fn capabilities(&self) -> InvoiceCapabilities {
        capabilities::invoices()
    }

    async fn get(&self, id: InvoiceId) -> Result<Invoice> {
        self.invoice(&id).await
    }

    async fn list(&self, query: InvoiceListQuery) -> Result<Page<Invoice>> {
        let (request, at) = invoices::ops::list_request(&query)?;
        let (items, total) = self
            .exec
            .send_safe(request, invoices::ops::decode_invoice_list)
            .await?;
        Ok(invoices::ops::invoice_page(&query, at, items, total))
    }

    async fn finalize(&self, id: InvoiceId) -> Result<Invoice> {
        let op = invoices::ops::FINALIZE;
        let deadline = self.exec.call_deadline();
        let current = deadline.run(op, self.invoice(&id)).await?;
        match current.status {
            InvoiceStatus::Skipped => return Err(invoices::ops::skipped(&id)),
            InvoiceStatus::Draft => {}
            _ => return Ok(current),
        }
        // Answers a message; a second finalize is a 400: the end state decides.
        let request = invoices::ops::finalize_request(&id);
        self.write_to_end_state(
            op,
            &deadline,
            request,
            Safety::Safe,
            || self.invoice(&id),
            invoices::ops::finalized,
        )
        .await
    }

    async fn void(&self, id: InvoiceId) -> Result<Invoice> {
        let op = invoices::ops::VOID;
        let deadline = self.exec.call_deadline();
        let current = deadline.run(op, self.invoice(&id)).await?;
        match current.status {
            InvoiceStatus::Void => return Ok(current),
            InvoiceStatus::Paid => return Err(invoices::ops::paid(&id)),
            _ => {}
        }
        let request = invoices::ops::void_request(&id);
        self.write_to_end_state(
            op,
            &deadline,
            request,
            Safety::Safe,
            || self.invoice(&id),
            |now| now.status == InvoiceStatus::Void,
        )
        .await
    }
}

impl FlexpriceClient {
    /// Sends a write the server does not repeat (a second one answers 400) and reads the object back with `read`:
    /// a 400 whose re-read shows the end state (`reached`) is success — the end state decides, not the status.
    async fn write_to_end_state<T, R, Fut>(
        &self,
        op: &'static str,
        deadline: &CallDeadline,
        request: unibill_http::Request,
        safety: Safety<'_, ()>,
        read: R,
        reached: impl Fn(&T) -> bool,
    ) -> Result<T>
    where
        R: Fn() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        match deadline
            .run(op, self.exec.send(request, safety, |_| Ok(())))
            .await
        {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::InvalidInput => {
                let now = deadline.run(op, read()).await?;
                return if reached(&now) { Ok(now) } else { Err(e) };
            }
            Err(e) => return Err(e),
        }
        deadline.run(op, read()).await
    }
}
