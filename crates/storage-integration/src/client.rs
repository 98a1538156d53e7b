//! [`VercelStores`]: the [`Stores`] implementation over one [`HttpExecutor`].

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use unibill_core::{
    BillingPlan, BillingPlanQuery, Error, IntegrationConfiguration, IntegrationConfigurationId,
    IntegrationProduct, NewStore, Result, Store, StoreCapabilities, StoreId, Stores,
};
use unibill_http::{Clock, HttpExecutor, HttpExecutorBuilder, Request, SystemClock};

use crate::config::{TeamScope, VercelStorageConfig};
use crate::errors::VercelErrorTable;

/// Vercel integration stores and billing plans behind [`Stores`].
///
/// Cheap to clone (the executor is one `Arc`). See the [crate docs](crate) for an example.
#[derive(Clone)]
pub struct VercelStores {
    pub(crate) exec: HttpExecutor,
    team: Option<TeamScope>,
    pub(crate) resolve_missing_id: bool,
}

impl VercelStores {
    /// A client with the executor's defaults (retries, timeouts, deadline).
    pub fn new(config: VercelStorageConfig) -> Result<Self> {
        Self::builder(config).build()
    }

    /// A builder, to adjust the executor (sleeper, retry policy, HTTP client, timeouts) or the id fallback.
    pub fn builder(config: VercelStorageConfig) -> VercelStoresBuilder {
        VercelStoresBuilder {
            config,
            clock: Arc::new(SystemClock),
            resolve_missing_id: true,
            configure: None,
        }
    }

    /// The team scope every call carries.
    pub fn team(&self) -> Option<&TeamScope> {
        self.team.as_ref()
    }

    /// Adds the team query to a request.
    pub(crate) fn scoped(&self, request: Request) -> Request {
        match &self.team {
            Some(team) => {
                let (key, value) = team.query();
                request.query(key, value)
            }
            None => request,
        }
    }
}

impl fmt::Debug for VercelStores {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VercelStores")
            .field("exec", &self.exec)
            .field("team", &self.team)
            .field("resolve_missing_id", &self.resolve_missing_id)
            .finish()
    }
}

type Configure = Box<dyn FnOnce(HttpExecutorBuilder) -> HttpExecutorBuilder + Send>;

/// Builds a [`VercelStores`]; start with [`VercelStores::builder`].
pub struct VercelStoresBuilder {
    config: VercelStorageConfig,
    clock: Arc<dyn Clock>,
    resolve_missing_id: bool,
    configure: Option<Configure>,
}

impl fmt::Debug for VercelStoresBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VercelStoresBuilder")
            .field("config", &self.config)
            .field("clock", &self.clock)
            .field("resolve_missing_id", &self.resolve_missing_id)
            .finish_non_exhaustive()
    }
}

#[derive(Debug)]
struct SharedClock(Arc<dyn Clock>);

impl Clock for SharedClock {
    fn now(&self) -> std::time::SystemTime {
        self.0.now()
    }
}

impl VercelStoresBuilder {
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

    /// Adjusts the executor: `|b| b.sleeper(..).retry_policy(..).client(..)`. The base URL, the bearer token and
    /// the error table come from this crate and are set around it.
    pub fn executor(
        mut self,
        configure: impl FnOnce(HttpExecutorBuilder) -> HttpExecutorBuilder + Send + 'static,
    ) -> Self {
        self.configure = Some(Box::new(configure));
        self
    }

    /// Builds the client (a `Config` error for a base URL or token the executor refuses).
    pub fn build(self) -> Result<VercelStores> {
        let mut builder = HttpExecutor::builder(crate::PROVIDER, self.config.base_url().clone())
            .bearer_auth(self.config.token().clone());
        if let Some(configure) = self.configure {
            builder = configure(builder);
        }
        let exec = builder
            .clock(SharedClock(Arc::clone(&self.clock)))
            .error_table(VercelErrorTable {
                clock: self.clock,
                team_scoped: self.config.team().is_some(),
            })
            .build()?;
        Ok(VercelStores {
            exec,
            team: self.config.team().cloned(),
            resolve_missing_id: self.resolve_missing_id,
        })
    }
}

fn non_empty(field: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        Err(Error::invalid_field(field, "must not be empty").with_provider(crate::PROVIDER))
    } else {
        Ok(())
    }
}

#[async_trait]
impl Stores for VercelStores {
    /// Everything on; creation is asynchronous (poll with `wait_until_ready`), and the documented create answer
    /// has no store id (`create_returns_id: false`: the id is resolved when possible, else `None`).
    fn capabilities(&self) -> StoreCapabilities {
        let mut caps = StoreCapabilities::full(crate::PROVIDER);
        caps.create_is_async = true;
        caps.create_returns_id = false;
        caps
    }

    async fn create(&self, input: NewStore) -> Result<Store> {
        self.create_store(input).await
    }

    async fn get(&self, id: StoreId) -> Result<Store> {
        non_empty("id", id.as_str())?;
        self.get_store(&id).await
    }

    async fn delete(&self, id: StoreId) -> Result<()> {
        non_empty("id", id.as_str())?;
        self.delete_store(&id).await
    }

    async fn list_billing_plans(&self, query: BillingPlanQuery) -> Result<Vec<BillingPlan>> {
        self.plans(query).await
    }

    async fn list_configurations(
        &self,
        integration: Option<String>,
    ) -> Result<Vec<IntegrationConfiguration>> {
        if let Some(i) = &integration {
            non_empty("integration", i)?;
        }
        self.configurations(integration).await
    }

    async fn list_products(
        &self,
        configuration_id: IntegrationConfigurationId,
    ) -> Result<Vec<IntegrationProduct>> {
        non_empty("configuration_id", configuration_id.as_str())?;
        self.products(configuration_id).await
    }
}
