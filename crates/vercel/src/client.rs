//! [`VercelClient`]: its construction, and the [`Stores`] impl as glue: each operation builds its request with
//! the resource's `ops`, declares its safety class, and hands the request to the one executor.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use unibill_core::{
    BillingPlan, BillingPlanQuery, IntegrationConfiguration, IntegrationConfigurationId,
    IntegrationProduct, NewStore, Result, Store, StoreCapabilities, StoreId, Stores,
};
use unibill_http::{Clock, HttpExecutor, HttpExecutorBuilder, Safety, SystemClock};

use crate::config::{TeamScope, VercelConfig};
use crate::errors::error_table;
use crate::{PROVIDER, capabilities, configurations, plans, stores};

/// Vercel integration stores and billing plans behind [`Stores`].
///
/// **Unguarded**: a bare client checks no capabilities and no empty ids (an empty id is refused by the executor
/// before sending). [`unibill_core::Billing`] wraps every provider in `Guarded`, which enforces them; use the
/// client through it. What the wire cannot carry (a prepayment that is not whole cents) is still refused here,
/// before sending.
///
/// Cheap to clone (the executor is one `Arc`). `Debug` shows the executor and the team, never the token. See
/// the [crate docs](crate) for an example.
#[derive(Clone)]
pub struct VercelClient {
    exec: HttpExecutor,
    team: Option<TeamScope>,
    resolve_missing_id: bool,
}

impl VercelClient {
    /// A client with the executor's defaults (retries, timeouts, deadline).
    pub fn new(config: VercelConfig) -> Result<Self> {
        Self::builder(config).build()
    }

    /// A client from `VERCEL_TOKEN`, `VERCEL_TEAM_ID` or `VERCEL_TEAM_SLUG`, and `VERCEL_BASE_URL` (see
    /// [`VercelConfig::from_lookup`]).
    pub fn from_env() -> Result<Self> {
        Self::new(VercelConfig::from_env()?)
    }

    /// A builder, to adjust the executor (sleeper, retry policy, HTTP client, timeouts), the clock or the id
    /// fallback.
    ///
    /// ```
    /// use unibill_http::RetryPolicy;
    /// use unibill_vercel::{VercelClient, VercelConfig};
    ///
    /// let config = VercelConfig::builder("vercel_tok_123").team_slug("acme").build()?;
    /// let client = VercelClient::builder(config)
    ///     .executor(|http| http.retry_policy(RetryPolicy::never()))
    ///     .resolve_missing_id(false)
    ///     .build()?;
    /// assert!(!format!("{client:?}").contains("vercel_tok_123"));
    /// # Ok::<(), unibill_core::Error>(())
    /// ```
    pub fn builder(config: VercelConfig) -> VercelClientBuilder {
        VercelClientBuilder {
            exec: HttpExecutor::builder(PROVIDER, config.base_url().clone())
                .bearer_auth(config.token().clone()),
            config,
            clock: Arc::new(SystemClock),
            resolve_missing_id: true,
        }
    }

    /// The team scope every call carries.
    pub fn team(&self) -> Option<&TeamScope> {
        self.team.as_ref()
    }
}

impl fmt::Debug for VercelClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VercelClient")
            .field("exec", &self.exec)
            .field("team", &self.team)
            .field("resolve_missing_id", &self.resolve_missing_id)
            .finish()
    }
}

/// Builds a [`VercelClient`]; start with [`VercelClient::builder`].
pub struct VercelClientBuilder {
    config: VercelConfig,
    exec: HttpExecutorBuilder,
    clock: Arc<dyn Clock>,
    resolve_missing_id: bool,
}

impl fmt::Debug for VercelClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VercelClientBuilder")
            .field("config", &self.config)
            .field("clock", &self.clock)
            .field("resolve_missing_id", &self.resolve_missing_id)
            .finish_non_exhaustive()
    }
}

/// The builder's clock, shared by the executor (`Retry-After` dates) and the error table (`limit.resetMs`).
#[derive(Debug)]
struct SharedClock(Arc<dyn Clock>);

impl Clock for SharedClock {
    fn now(&self) -> std::time::SystemTime {
        self.0.now()
    }
}

impl VercelClientBuilder {
    /// Adjusts the executor: `|b| b.sleeper(..).retry_policy(..).client(..)`. The base URL and the bearer token
    /// come from the config; the clock and the error table are set after this, in [`build`](Self::build).
    pub fn executor(
        mut self,
        configure: impl FnOnce(HttpExecutorBuilder) -> HttpExecutorBuilder,
    ) -> Self {
        self.exec = configure(self.exec);
        self
    }

    /// The wall clock for `Retry-After` dates and the 429 body's absolute `limit.resetMs` (default: the system
    /// clock). Set it here rather than on the executor, so both use it.
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Whether a create answer without the store id is completed through
    /// `GET /v1/installations/{icfg}/resources/{externalResourceId}` (default true). When that lookup fails (it
    /// needs the integration's own token) the store comes back with `id: None`.
    pub fn resolve_missing_id(mut self, on: bool) -> Self {
        self.resolve_missing_id = on;
        self
    }

    /// Builds the client (a `Config` error for a base URL or token the executor refuses).
    pub fn build(self) -> Result<VercelClient> {
        let exec = self
            .exec
            .clock(SharedClock(Arc::clone(&self.clock)))
            .error_table(error_table(self.clock, self.config.team().is_some()))
            .build()?;
        Ok(VercelClient {
            exec,
            team: self.config.team().cloned(),
            resolve_missing_id: self.resolve_missing_id,
        })
    }
}

#[async_trait]
impl Stores for VercelClient {
    fn capabilities(&self) -> StoreCapabilities {
        capabilities::stores()
    }

    /// `Unsafe`. Why not `Reconcile`: a re-send is safe only if we can look up, before it, whether the first
    /// attempt created the store, and nothing the request carries can be looked up. `externalId` has no
    /// documented uniqueness and no lookup; the partner-resource lookup needs the `externalResourceId` the
    /// partner assigns in the very answer that was lost; listing stores is undocumented. So a create whose
    /// outcome is unknown is never re-sent: the caller gets `OutcomeUnknown`. A 429 and a refused connection are
    /// still retried (nothing was applied).
    async fn create(&self, input: NewStore) -> Result<Store> {
        let team = self.team();
        let request = stores::ops::create_request(&input, team)?;
        let store = self
            .exec
            .send(request, Safety::Unsafe, stores::ops::decode_created_store)
            .await?;
        let mut resource = None;
        if self.resolve_missing_id
            && let Some(request) = stores::ops::resolve_id_request(&store, &input, team)
        {
            // The store exists whatever this lookup says: a failed lookup leaves `id: None` rather than
            // failing a create that succeeded (a caller would retry it and make a duplicate).
            resource = self
                .exec
                .send_safe(request, stores::ops::decode_resource)
                .await
                .ok();
        }
        Ok(stores::ops::complete_created(store, &input, resource))
    }

    async fn get(&self, id: StoreId) -> Result<Store> {
        self.store(&id).await
    }

    /// `Reconcile`: retried like a safe call, and before any re-send after an ambiguous attempt the store is
    /// read; not found means the earlier attempt deleted it (success). A store has no archived state: one that
    /// is still there is deleted again.
    async fn delete(&self, id: StoreId) -> Result<()> {
        let request = stores::ops::delete_request(&id, self.team());
        let safety = Safety::reconcile_gone(|| self.store(&id), |_: &Store| false);
        self.exec.send_empty(request, safety).await
    }

    async fn list_billing_plans(&self, query: BillingPlanQuery) -> Result<Vec<BillingPlan>> {
        let request = plans::ops::list_request(&query, self.team())?;
        self.exec.send_safe(request, plans::ops::decode_plans).await
    }

    async fn list_configurations(
        &self,
        integration: Option<String>,
    ) -> Result<Vec<IntegrationConfiguration>> {
        let request =
            configurations::ops::list_configurations_request(integration.as_deref(), self.team());
        self.exec
            .send_safe(request, configurations::ops::decode_configurations)
            .await
    }

    async fn list_products(
        &self,
        configuration_id: IntegrationConfigurationId,
    ) -> Result<Vec<IntegrationProduct>> {
        let request = configurations::ops::list_products_request(&configuration_id, self.team());
        self.exec
            .send_safe(request, configurations::ops::decode_products)
            .await
    }
}

impl VercelClient {
    /// `GET /v1/storage/stores/{id}`, `Safe` (the store read by `get` and by the delete's reconcile).
    async fn store(&self, id: &StoreId) -> Result<Store> {
        let request = stores::ops::get_request(id, self.team());
        self.exec
            .send_safe(request, |r| stores::ops::decode_read_store(id, r))
            .await
    }
}
