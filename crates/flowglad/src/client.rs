//! [`FlowgladClient`]: its construction, and the [`Prices`], [`Customers`] and lifecycle impls as glue: each call sends the
//! request its resource's `ops` builds, with the operation's safety, and decodes the answer with `ops`.

use std::collections::HashMap;

use async_trait::async_trait;
use jiff::Timestamp;
use unibill_core::{
    CancelOptions, Currency, Cursor, Customer, CustomerCapabilities, CustomerId, CustomerListQuery,
    CustomerStatus, CustomerUpdate, Customers, DEFAULT_MAX_PAGES, Entitlement,
    EntitlementCapabilities, Entitlements, Error, ErrorKind, Feature, FeatureCapabilities,
    FeatureGrant, FeatureListQuery, Features, Grant, IdempotencyKey, IngestOutcome, IngestOutcomes,
    IngestReport, Invoice, InvoiceCapabilities, InvoiceId, InvoiceListQuery, Invoices, Meter,
    MeterCapabilities, MeterListQuery, Meters, NewCustomer, NewFeature, NewMeter, NewPrice,
    NewSubscription, Page, PageProgress, Price, PriceCapabilities, PriceId, PriceListQuery,
    PriceUpdate, Prices, Result, Subscription, SubscriptionCapabilities, SubscriptionId,
    SubscriptionListQuery, Subscriptions, Usage, UsageCapabilities, UsageEvent, UsageStatus,
};
use unibill_http::http::header::AUTHORIZATION;
use unibill_http::{HttpExecutor, HttpExecutorBuilder, Lookup, Safety};

use crate::billing::ops::{self as billing, CustomerBilling};
use crate::entitlements::ops as entitlements;
use crate::features::ops as features;
use crate::invoices::ops as invoices;
use crate::meters::ops as meters;
use crate::subscriptions::ops as subscriptions;
use crate::usage::ops as usage;

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
    /// The pricing model features are created in (`None`: learnt from the first usage meter listed).
    pub(crate) pricing_model_id: Option<String>,
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
            pricing_model_id: None,
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
    pricing_model_id: Option<String>,
}

impl FlowgladClientBuilder {
    /// The pricing model (`pricing_model_…`) features are created in. Without it the adapter reads it from the
    /// first usage meter listed (every meter carries `pricingModelId`; the API key fixes the model).
    pub fn pricing_model_id(mut self, id: impl Into<String>) -> Self {
        self.pricing_model_id = Some(id.into());
        self
    }

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
            pricing_model_id: self.pricing_model_id,
        })
    }
}

/// The name of the slug search's loop (its errors' operation).
const SLUG_SEARCH: &str = "prices.find_by_slug";

impl FlowgladClient {
    async fn customer(&self, external_id: &str) -> Result<Customer> {
        let request = customers::get_request(external_id);
        self.exec
            .send_safe(request, customers::decode_customer)
            .await
    }

    async fn price(&self, id: &str) -> Result<Price> {
        let request = prices::get_request(id);
        self.exec.send_safe(request, prices::decode_price).await
    }

    /// Pages through every price (the list ignores filters) for the active one with `slug`, under a
    /// [`PageProgress`]: a repeated cursor or page, or more than the client's `max_pages` pages, end it with a
    /// `Provider` error naming `prices.find_by_slug`.
    async fn find_active_price_by_slug(&self, slug: &str) -> Result<Option<Price>> {
        let query = prices::slug_search_query();
        let list = |cursor: Option<Cursor>| {
            let q = match cursor {
                Some(c) => query.clone().cursor(c),
                None => query.clone(),
            };
            Prices::list(self, q)
        };
        let holder = |items| prices::slug_holder(items, slug);
        self.scan(SLUG_SEARCH, list, |p: &Price| p.id.as_str(), holder)
            .await
    }

    /// Pages through a listing (`list`, from a cursor) for the item `pick` finds among a page's items, under a
    /// [`PageProgress`] named `op` that tells items apart by `key`: a repeated cursor or page, or more than the
    /// client's `max_pages` pages, end it with a `Provider` error naming `op`.
    async fn scan<T, F, Fut>(
        &self,
        op: &'static str,
        list: F,
        key: impl Fn(&T) -> &str,
        pick: impl Fn(Vec<T>) -> Option<T>,
    ) -> Result<Option<T>>
    where
        F: Fn(Option<Cursor>) -> Fut,
        Fut: std::future::Future<Output = Result<Page<T>>>,
    {
        let mut progress = PageProgress::new(op, self.max_pages).provider(PROVIDER);
        progress.check_bound()?;
        let mut cursor = None;
        loop {
            let page = list(cursor).await?;
            progress.items(page.items.iter().map(&key))?;
            if let Some(found) = pick(page.items) {
                return Ok(Some(found));
            }
            match page.next_cursor {
                Some(next) => {
                    progress.next(Some(next.as_str()))?;
                    cursor = Some(next);
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
            .send_safe(request, |r| prices::decode_price_page(r, &query))
            .await
    }

    async fn update(&self, id: PriceId, update: PriceUpdate) -> Result<Price> {
        let current = self.price(id.as_str()).await?;
        if update.is_empty() {
            return Ok(current);
        }
        let request = prices::update_request(id.as_str(), &current, &update)?;
        self.exec.send_safe(request, prices::decode_price).await
    }

    async fn archive(&self, id: PriceId) -> Result<Price> {
        let current = self.price(id.as_str()).await?;
        let request = prices::archive_request(id.as_str(), &current)?;
        self.exec.send_safe(request, prices::decode_price).await
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
            .send_safe(request, |r| customers::decode_customer_page(r, &query))
            .await
    }

    async fn update(&self, id: CustomerId, update: CustomerUpdate) -> Result<Customer> {
        if update.is_empty() {
            return self.customer(id.as_str()).await;
        }
        let request = customers::update_request(id.as_str(), &update)?;
        self.exec
            .send_safe(request, customers::decode_customer)
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
        self.exec.send_safe(request, |_| Ok(())).await
    }
}

impl FlowgladClient {
    /// The customer's billing aggregate.
    async fn billing(&self, external_id: &str) -> Result<CustomerBilling> {
        let request = billing::billing_request(external_id)?;
        self.exec
            .send_safe(request, |r| billing::decode_billing(external_id, r))
            .await
    }

    /// The meter with slug `slug`, paging through every meter (bounded like the price slug search).
    async fn meter_by_slug(&self, slug: &str) -> Result<Option<Meter>> {
        let list = |c: Option<Cursor>| {
            let q = MeterListQuery::new().limit(crate::MAX_PAGE_SIZE);
            Meters::list(
                self,
                match c {
                    Some(c) => q.cursor(c),
                    None => q,
                },
            )
        };
        let with_slug = |items: Vec<Meter>| items.into_iter().find(|m| m.key == slug);
        self.scan(meters::FIND, list, |m| m.key.as_str(), with_slug)
            .await
    }

    /// The feature with slug `slug`, paging through every feature (bounded like the price slug search).
    async fn feature_by_slug(&self, slug: &str) -> Result<Option<Feature>> {
        let list = |c: Option<Cursor>| {
            let q = FeatureListQuery::new().limit(crate::MAX_PAGE_SIZE);
            Features::list(
                self,
                match c {
                    Some(c) => q.cursor(c),
                    None => q,
                },
            )
        };
        let with_slug = |items: Vec<Feature>| items.into_iter().find(|f| f.key == slug);
        self.scan(features::FIND, list, |f| f.key.as_str(), with_slug)
            .await
    }

    /// The pricing model: configured, or read from the first usage meter listed.
    async fn pricing_model(&self) -> Result<String> {
        if let Some(id) = &self.pricing_model_id {
            return Ok(id.clone());
        }
        let page = Meters::list(self, MeterListQuery::new().limit(1)).await?;
        page.items
            .iter()
            .find_map(|m| {
                m.raw
                    .as_ref()
                    .and_then(|r| r.to_value().get("pricingModelId")?.as_str().map(str::to_owned))
            })
            .ok_or_else(|| {
                Error::config(
                    "the Flowglad pricing model is unknown: set FlowgladClientBuilder::pricing_model_id \
                     (no usage meter names it)",
                )
                .with_provider(PROVIDER)
            })
    }

    async fn subscription(&self, id: &SubscriptionId) -> Result<Subscription> {
        let request = subscriptions::get_request(id);
        self.exec
            .send_safe(request, subscriptions::decode_subscription)
            .await
    }

    async fn invoice(&self, id: &InvoiceId) -> Result<Invoice> {
        let request = invoices::get_request(id);
        self.exec.send_safe(request, invoices::decode_invoice).await
    }
}

/// A slug clash (409 or the 500 of the uniqueness trigger) after which the holder is looked up: the holder is
/// the input's (`Ok`), or the clash names it.
fn settle_clash<T: Clone + Send + Sync + 'static>(e: Error, found: Result<Lookup<T>>) -> Result<T> {
    match found {
        Ok(Lookup::Found(t)) => Ok(t),
        Ok(Lookup::Mismatch {
            existing_id: Some(id),
        }) => Err(e.with_existing_id(id)),
        Ok(_) => Err(e),
        Err(search) if std::error::Error::source(&e).is_none() => Err(e.with_source(search)),
        Err(_) => Err(e),
    }
}

#[async_trait]
impl Meters for FlowgladClient {
    fn capabilities(&self) -> MeterCapabilities {
        capabilities::meters()
    }

    async fn create(&self, input: NewMeter) -> Result<Meter> {
        let request = meters::create_request(&input)?;
        let deadline = self.exec.call_deadline();
        // Finding 12: the slug is looked up before the first attempt (a clash may be an unmapped 500).
        let found = deadline
            .run(meters::CREATE, self.meter_by_slug(input.key()))
            .await?;
        meters::existing(&input, meters::slug_lookup(&input, found))?;
        let input = &input;
        let safety = Safety::reconcile(move || async move {
            Ok(meters::slug_lookup(
                input,
                self.meter_by_slug(input.key()).await?,
            ))
        });
        match deadline
            .run(
                meters::CREATE,
                self.exec.send(request, safety, meters::decode_meter),
            )
            .await
        {
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                let found = deadline
                    .run(meters::CREATE, self.meter_by_slug(input.key()))
                    .await
                    .map(|f| meters::slug_lookup(input, f));
                settle_clash(e, found)
            }
            other => other,
        }
    }

    async fn get_by_key(&self, key: String) -> Result<Meter> {
        self.meter_by_slug(&key).await?.ok_or_else(|| {
            Error::not_found(format!("no Flowglad usage meter has slug `{key}`"))
                .with_provider(PROVIDER)
                .with_operation("meters.get_by_key")
        })
    }

    async fn list(&self, query: MeterListQuery) -> Result<Page<Meter>> {
        let request = meters::list_request(&query)?;
        self.exec
            .send_safe(request, |r| meters::decode_meter_page(r, &query))
            .await
    }
}

#[async_trait]
impl Features for FlowgladClient {
    fn capabilities(&self) -> FeatureCapabilities {
        capabilities::features()
    }

    async fn create(&self, input: NewFeature) -> Result<Feature> {
        // What the wire cannot carry is refused before anything is sent.
        features::create_request(&input, "-")?;
        let deadline = self.exec.call_deadline();
        let found = deadline
            .run(features::CREATE, self.feature_by_slug(input.key()))
            .await?;
        features::existing(&input, features::slug_lookup(&input, found))?;
        let model = deadline.run(features::CREATE, self.pricing_model()).await?;
        let request = features::create_request(&input, &model)?;
        let input = &input;
        let safety = Safety::reconcile(move || async move {
            Ok(features::slug_lookup(
                input,
                self.feature_by_slug(input.key()).await?,
            ))
        });
        match deadline
            .run(
                features::CREATE,
                self.exec.send(request, safety, features::decode_feature),
            )
            .await
        {
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                let found = deadline
                    .run(features::CREATE, self.feature_by_slug(input.key()))
                    .await
                    .map(|f| features::slug_lookup(input, f));
                settle_clash(e, found)
            }
            other => other,
        }
    }

    async fn get_by_key(&self, key: String) -> Result<Feature> {
        self.feature_by_slug(&key)
            .await?
            .ok_or_else(|| features::no_feature(&key, "features.get_by_key"))
    }

    async fn list(&self, query: FeatureListQuery) -> Result<Page<Feature>> {
        let request = features::list_request(&query)?;
        self.exec
            .send_safe(request, |r| features::decode_feature_page(r, &query))
            .await
    }

    async fn grant(&self, grant: Grant) -> Result<FeatureGrant> {
        let deadline = self.exec.call_deadline();
        let feature = deadline
            .run(features::GRANT, self.feature_by_slug(grant.feature_key()))
            .await?
            .ok_or_else(|| features::no_feature(grant.feature_key(), features::GRANT))?;
        let request = features::grant_request(&grant, &feature)?;
        let grant = &grant;
        deadline
            .run(
                features::GRANT,
                self.exec.send(request, Safety::Unsafe, |r| {
                    features::decode_grant(grant, r)
                }),
            )
            .await
    }
}

#[async_trait]
impl Subscriptions for FlowgladClient {
    fn capabilities(&self) -> SubscriptionCapabilities {
        capabilities::subscriptions()
    }

    async fn create(&self, input: NewSubscription) -> Result<Subscription> {
        let op = subscriptions::CREATE;
        let request = subscriptions::create_request(&input)?;
        let customer = subscriptions::external_id(input.customer());
        let deadline = self.exec.call_deadline();
        // The key is looked up before the first attempt: a second call with the same key makes nothing new.
        let held = deadline.run(op, self.billing(customer)).await?;
        subscriptions::existing(
            &input,
            subscriptions::key_lookup(&input, &held.subscriptions),
        )?;
        let input = &input;
        let safety = Safety::reconcile(move || async move {
            let b = self.billing(customer).await?;
            Ok(subscriptions::key_lookup(input, &b.subscriptions))
        });
        let fill = |mut s: Subscription| {
            s.customer_id = Some(customer.into());
            s.customer_external_id = Some(customer.to_owned());
            s
        };
        match deadline
            .run(
                op,
                self.exec
                    .send(request, safety, subscriptions::decode_subscription),
            )
            .await
        {
            Ok(s) => Ok(fill(s)),
            // "already has an active subscription" (possibly our own retried success): a lookup.
            Err(e) if e.kind() == ErrorKind::AlreadyExists && e.existing_id().is_none() => {
                let b = deadline.run(op, self.billing(customer)).await?;
                subscriptions::after_conflict(input, e, &b.subscriptions, &b.current)
            }
            Err(e) => Err(e),
        }
    }

    async fn get(&self, id: SubscriptionId) -> Result<Subscription> {
        self.subscription(&id).await
    }

    async fn list(&self, query: SubscriptionListQuery) -> Result<Page<Subscription>> {
        let request = subscriptions::list_request(&query)?;
        self.exec
            .send_safe(request, |r| {
                subscriptions::decode_subscription_page(r, &query)
            })
            .await
    }

    async fn cancel(&self, id: SubscriptionId, options: CancelOptions) -> Result<Subscription> {
        // Idempotent on the server: a subscription in a terminal state answers 200 with itself.
        let request = subscriptions::cancel_request(&id, &options)?;
        self.exec
            .send_safe(request, subscriptions::decode_subscription)
            .await
    }

    async fn uncancel(&self, id: SubscriptionId) -> Result<Subscription> {
        // Lenient on the server (200 unchanged when nothing is scheduled): the status in the answer decides.
        let request = subscriptions::uncancel_request(&id)?;
        let s = self
            .exec
            .send_safe(request, subscriptions::decode_subscription)
            .await?;
        subscriptions::uncanceled(s)
    }

    async fn change_price(&self, id: SubscriptionId, price_id: PriceId) -> Result<Subscription> {
        let op = subscriptions::CHANGE_PRICE;
        let request = subscriptions::adjust_request(&id, &price_id)?;
        let deadline = self.exec.call_deadline();
        let now = deadline.run(op, self.subscription(&id)).await?;
        if now.price_id.as_ref() == Some(&price_id) {
            return Ok(now);
        }
        let (id, price) = (&id, &price_id);
        // A retried adjust is unverified: after an ambiguous attempt the subscription is read back first.
        let safety = Safety::reconcile(move || async move {
            let s = self.subscription(id).await?;
            Ok(if s.price_id.as_ref() == Some(price) {
                Lookup::Found(s)
            } else {
                Lookup::Missing
            })
        });
        deadline
            .run(
                op,
                self.exec
                    .send(request, safety, subscriptions::decode_subscription),
            )
            .await
    }
}

#[async_trait]
impl Usage for FlowgladClient {
    fn capabilities(&self) -> UsageCapabilities {
        capabilities::usage()
    }

    async fn ingest(&self, events: Vec<UsageEvent>) -> Result<IngestReport> {
        let op = usage::INGEST;
        let deadline = self.exec.call_deadline();
        // Finding 10: a key twice in one batch is sent once.
        let mut outcomes = IngestOutcomes::new(&events, PROVIDER, op);
        let mut subs: Vec<String> = vec![String::new(); events.len()];
        let mut resolved: HashMap<String, std::result::Result<String, Error>> = HashMap::new();
        let mut sent: Vec<usize> = Vec::new();
        for i in outcomes.unsettled() {
            let e = &events[i];
            // Finding 9: the subscription is resolved once per customer, before the first attempt.
            let sub = match e.subscription_id() {
                Some(s) => Ok(s.as_str().to_owned()),
                None => {
                    let customer = e.customer_external_id();
                    if !resolved.contains_key(customer) {
                        let r = match deadline.run(op, self.billing(customer)).await {
                            Ok(b) => usage_subscription(customer, &b),
                            Err(err) => Err(err),
                        };
                        resolved.insert(customer.to_owned(), r);
                    }
                    match &resolved[customer] {
                        Ok(s) => Ok(s.clone()),
                        Err(err) => {
                            let mut again = Error::new(err.kind(), err.message().to_owned())
                                .with_provider(PROVIDER)
                                .with_operation(op);
                            if !err.field_errors().is_empty() {
                                again = again.with_field_errors(err.field_errors().to_vec());
                            }
                            Err(again)
                        }
                    }
                }
            };
            match sub.and_then(|s: String| usage::check(e, &s).map(|()| s)) {
                Ok(s) => {
                    subs[i] = s;
                    sent.push(i);
                }
                Err(err)
                    if err.kind() == ErrorKind::InvalidInput
                        || err.kind() == ErrorKind::NotFound =>
                {
                    outcomes.settle(i, IngestOutcome::Rejected(err));
                }
                Err(err) => outcomes.settle(i, IngestOutcome::NotRecorded(err)),
            }
        }
        let max = usage::MAX_BATCH_EVENTS as usize;
        let mut work: Vec<std::ops::Range<usize>> = (0..sent.len())
            .step_by(max.max(1))
            .map(|s| s..(s + max).min(sent.len()))
            .collect();
        work.reverse();
        let mut recheck: Vec<usize> = Vec::new();
        // One request is one transaction: a refused batch (400, or 404 for a meter outside the pricing model) is
        // halved until the bad event stands alone (finding 7).
        while let Some(range) = work.pop() {
            let items: Vec<(&UsageEvent, &str)> = range
                .clone()
                .map(|p| (&events[sent[p]], subs[sent[p]].as_str()))
                .collect();
            let request = usage::bulk_request(&items)?;
            match deadline
                .run(op, self.exec.send_safe(request, usage::decode_bulk))
                .await
            {
                Ok(mut rows) => {
                    for p in range {
                        let i = sent[p];
                        match rows.remove(events[i].key().as_str()) {
                            Some(row) => {
                                outcomes.settle(i, usage::outcome(&events[i], &subs[i], row, true));
                            }
                            // Omitted: a duplicate of an earlier event; its stored amount is checked below.
                            None => recheck.push(i),
                        }
                    }
                }
                Err(e)
                    if matches!(e.kind(), ErrorKind::InvalidInput | ErrorKind::NotFound)
                        && range.len() > 1 =>
                {
                    let mid = range.start + range.len() / 2;
                    work.push(mid..range.end);
                    work.push(range.start..mid);
                }
                Err(e) if matches!(e.kind(), ErrorKind::InvalidInput | ErrorKind::NotFound) => {
                    outcomes.settle(sent[range.start], IngestOutcome::Rejected(e));
                }
                Err(e) => outcomes.not_taken(range.map(|p| sent[p]), &e),
            }
        }
        // The single route answers the stored event of a duplicate: its amount is compared with what was sent.
        for i in recheck {
            let request = usage::single_request(&events[i], &subs[i])?;
            outcomes.settle(
                i,
                match deadline
                    .run(op, self.exec.send_safe(request, usage::decode_single))
                    .await
                {
                    Ok(row) => usage::outcome(&events[i], &subs[i], row, false),
                    Err(e) if e.kind() == ErrorKind::AlreadyExists => usage::conflict(e),
                    Err(e) if matches!(e.kind(), ErrorKind::InvalidInput | ErrorKind::NotFound) => {
                        IngestOutcome::Rejected(e)
                    }
                    Err(e) => IngestOutcome::NotRecorded(e),
                },
            );
        }
        Ok(outcomes.into_report(events))
    }

    async fn status(
        &self,
        _keys: Vec<IdempotencyKey>,
    ) -> Result<Vec<(IdempotencyKey, UsageStatus)>> {
        Err(
            Error::unsupported(PROVIDER, "usage status lookup (no read by transactionId)")
                .with_operation("usage.status"),
        )
    }
}

/// The customer's only current subscription (finding 9): none or several is `InvalidInput` on
/// `subscription_id` (the caller must set it).
fn usage_subscription(customer: &str, b: &CustomerBilling) -> Result<String> {
    match b.current.as_slice() {
        [one] => Ok(one.id.as_str().to_owned()),
        [] => Err(Error::invalid_field(
            "subscription_id",
            format!("the Flowglad customer `{customer}` has no current subscription to record usage on"),
        )
        .with_provider(PROVIDER)
        .with_operation(usage::INGEST)),
        _ => Err(Error::invalid_field(
            "subscription_id",
            format!("the Flowglad customer `{customer}` has several current subscriptions: set the event's"),
        )
        .with_provider(PROVIDER)
        .with_operation(usage::INGEST)),
    }
}

#[async_trait]
impl Entitlements for FlowgladClient {
    fn capabilities(&self) -> EntitlementCapabilities {
        capabilities::entitlements()
    }

    async fn check(
        &self,
        customer_external_id: String,
        feature_key: String,
    ) -> Result<Entitlement> {
        let as_of = Timestamp::now();
        let b = self.billing(&customer_external_id).await?;
        Ok(entitlements::check(
            &b,
            &customer_external_id,
            &feature_key,
            as_of,
        ))
    }

    async fn list(&self, customer_external_id: String) -> Result<Vec<Entitlement>> {
        let as_of = Timestamp::now();
        let b = self.billing(&customer_external_id).await?;
        Ok(entitlements::list(&b, &customer_external_id, as_of))
    }
}

#[async_trait]
impl Invoices for FlowgladClient {
    fn capabilities(&self) -> InvoiceCapabilities {
        capabilities::invoices()
    }

    async fn get(&self, id: InvoiceId) -> Result<Invoice> {
        self.invoice(&id).await
    }

    async fn list(&self, query: InvoiceListQuery) -> Result<Page<Invoice>> {
        let request = invoices::list_request(&query)?;
        self.exec
            .send_safe(request, |r| invoices::decode_invoice_page(r, &query))
            .await
    }

    async fn finalize(&self, _id: InvoiceId) -> Result<Invoice> {
        Err(invoices::unsupported("finalize"))
    }

    async fn void(&self, _id: InvoiceId) -> Result<Invoice> {
        Err(invoices::unsupported("void"))
    }
}
