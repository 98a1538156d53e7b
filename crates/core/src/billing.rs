//! [`Billing`]: the bundle an application holds, routing each resource to the provider configured for it.

use std::sync::Arc;

use async_trait::async_trait;

use crate::api::{Connections, Customers, Prices, Stores, boxed_method};
use crate::capability::{
    Capabilities, ConnectionCapabilities, CustomerCapabilities, PriceCapabilities,
    StoreCapabilities,
};
use crate::error::{Error, Result};
use crate::guard::Guarded;
use crate::id::{ConnectionId, CustomerId, IntegrationConfigurationId, PriceId, StoreId};
use crate::memory::{
    MemoryConnections, MemoryCustomers, MemoryPrices, MemoryStores, RequestCounter,
};
use crate::model::connection::{Connection, ConnectionListQuery, ConnectionUpdate, NewConnection};
use crate::model::customer::{Customer, CustomerListQuery, CustomerUpdate, NewCustomer};
use crate::model::price::{NewPrice, Price, PriceListQuery, PriceUpdate};
use crate::model::store::{
    BillingPlan, BillingPlanQuery, IntegrationConfiguration, IntegrationProduct, NewStore, Store,
};
use crate::page::Page;

/// Every resource, each routed to its provider behind the capability guard.
///
/// `Billing` itself implements each resource trait by forwarding, so it can be passed wherever a
/// `&impl Customers` (or `Prices`, `Connections`, `Stores`) is wanted; [`Billing::customers`],
/// [`Billing::prices`], [`Billing::connections`] and [`Billing::stores`] hand out the `Arc<dyn _>`s.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use unibill_core::{Billing, Customers, NewCustomer};
///
/// let billing = Billing::memory();
/// let ada = billing.customers().create(NewCustomer::builder("u1", "Ada").build()?).await?;
/// assert_eq!(ada.provider, "memory");
/// assert!(billing.capabilities().customers.create);
///
/// // A bundle with nothing configured for a resource answers Unsupported.
/// let empty = Billing::builder().build();
/// assert!(empty.customers().get("x".into()).await.is_err());
/// # Ok::<(), unibill_core::Error>(()) }).unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct Billing {
    customers: Arc<dyn Customers>,
    prices: Arc<dyn Prices>,
    connections: Arc<dyn Connections>,
    stores: Arc<dyn Stores>,
}

impl Default for Billing {
    fn default() -> Self {
        Billing::memory()
    }
}

impl Billing {
    /// Every resource on one fresh in-memory provider.
    pub fn memory() -> Self {
        Self::memory_with_counter(RequestCounter::new())
    }

    /// Every resource in memory, counting the calls that reach the provider on `counter`.
    pub fn memory_with_counter(counter: RequestCounter) -> Self {
        Billing::builder()
            .customers(MemoryCustomers::with_counter(counter.clone()))
            .prices(MemoryPrices::with_counter(counter.clone()))
            .connections(MemoryConnections::with_counter(counter.clone()))
            .stores(MemoryStores::with_counter(counter))
            .build()
    }

    /// A bundle with no resource configured yet.
    pub fn builder() -> BillingBuilder {
        BillingBuilder::default()
    }

    /// The customers provider (guarded).
    pub fn customers(&self) -> Arc<dyn Customers> {
        Arc::clone(&self.customers)
    }

    /// The prices provider (guarded).
    pub fn prices(&self) -> Arc<dyn Prices> {
        Arc::clone(&self.prices)
    }

    /// The connections provider (guarded).
    pub fn connections(&self) -> Arc<dyn Connections> {
        Arc::clone(&self.connections)
    }

    /// The stores provider (guarded).
    pub fn stores(&self) -> Arc<dyn Stores> {
        Arc::clone(&self.stores)
    }

    /// What every resource's provider offers.
    pub fn capabilities(&self) -> Capabilities {
        Capabilities {
            customers: self.customers.capabilities(),
            prices: self.prices.capabilities(),
            connections: self.connections.capabilities(),
            stores: self.stores.capabilities(),
        }
    }
}

/// Builds a [`Billing`]; a resource left out answers `Unsupported`.
#[derive(Debug, Default)]
pub struct BillingBuilder {
    customers: Option<Arc<dyn Customers>>,
    prices: Option<Arc<dyn Prices>>,
    connections: Option<Arc<dyn Connections>>,
    stores: Option<Arc<dyn Stores>>,
}

impl BillingBuilder {
    /// Routes customers to `provider` (put behind the capability guard).
    pub fn customers(mut self, provider: impl Customers + 'static) -> Self {
        self.customers = Some(Arc::new(Guarded::new(provider)));
        self
    }

    /// Routes customers to a shared provider (put behind the capability guard).
    pub fn customers_arc(mut self, provider: Arc<dyn Customers>) -> Self {
        self.customers = Some(Arc::new(Guarded::new(provider)));
        self
    }

    /// Routes prices to `provider` (put behind the capability guard).
    pub fn prices(mut self, provider: impl Prices + 'static) -> Self {
        self.prices = Some(Arc::new(Guarded::new(provider)));
        self
    }

    /// Routes prices to a shared provider (put behind the capability guard).
    pub fn prices_arc(mut self, provider: Arc<dyn Prices>) -> Self {
        self.prices = Some(Arc::new(Guarded::new(provider)));
        self
    }

    /// Routes connections to `provider` (put behind the capability guard).
    pub fn connections(mut self, provider: impl Connections + 'static) -> Self {
        self.connections = Some(Arc::new(Guarded::new(provider)));
        self
    }

    /// Routes connections to a shared provider (put behind the capability guard).
    pub fn connections_arc(mut self, provider: Arc<dyn Connections>) -> Self {
        self.connections = Some(Arc::new(Guarded::new(provider)));
        self
    }

    /// Routes stores to `provider` (put behind the capability guard).
    pub fn stores(mut self, provider: impl Stores + 'static) -> Self {
        self.stores = Some(Arc::new(Guarded::new(provider)));
        self
    }

    /// Routes stores to a shared provider (put behind the capability guard).
    pub fn stores_arc(mut self, provider: Arc<dyn Stores>) -> Self {
        self.stores = Some(Arc::new(Guarded::new(provider)));
        self
    }

    /// The bundle.
    pub fn build(self) -> Billing {
        Billing {
            customers: self
                .customers
                .unwrap_or_else(|| Arc::new(Guarded::new(Unconfigured))),
            prices: self
                .prices
                .unwrap_or_else(|| Arc::new(Guarded::new(Unconfigured))),
            connections: self
                .connections
                .unwrap_or_else(|| Arc::new(Guarded::new(Unconfigured))),
            stores: self
                .stores
                .unwrap_or_else(|| Arc::new(Guarded::new(Unconfigured))),
        }
    }
}

/// The provider of a resource nobody configured: offers nothing.
#[derive(Debug, Clone, Copy)]
pub struct Unconfigured;

/// The name [`Unconfigured`] reports.
pub const UNCONFIGURED: &str = "unconfigured";

/// `Unsupported` for `op` on a resource nobody configured, saying how to route it.
pub(crate) fn unconfigured(op: &'static str) -> Error {
    let resource = op.split_once('.').map_or(op, |(r, _)| r);
    Error::unsupported(
        UNCONFIGURED,
        format_args!(
            "operation `{op}` (no provider is configured for {resource}: route it with \
             UNIBILL_{}_PROVIDER or `BillingConfig::route_to`)",
            resource.to_ascii_uppercase()
        ),
    )
    .with_operation(op)
}

#[async_trait]
impl Customers for Unconfigured {
    fn capabilities(&self) -> CustomerCapabilities {
        CustomerCapabilities::none(UNCONFIGURED)
    }
    async fn create(&self, _: NewCustomer) -> Result<Customer> {
        Err(unconfigured("customers.create"))
    }
    async fn get(&self, _: CustomerId) -> Result<Customer> {
        Err(unconfigured("customers.get"))
    }
    async fn get_by_external_id(&self, _: String) -> Result<Customer> {
        Err(unconfigured("customers.get_by_external_id"))
    }
    async fn list(&self, _: CustomerListQuery) -> Result<Page<Customer>> {
        Err(unconfigured("customers.list"))
    }
    async fn update(&self, _: CustomerId, _: CustomerUpdate) -> Result<Customer> {
        Err(unconfigured("customers.update"))
    }
    async fn delete(&self, _: CustomerId) -> Result<()> {
        Err(unconfigured("customers.delete"))
    }
}

// Billing hands on the guarded provider's own boxed future: no second box per call.
impl Customers for Billing {
    fn capabilities(&self) -> CustomerCapabilities {
        self.customers.capabilities()
    }
    boxed_method! {
        fn create(&self, input: NewCustomer) -> Result<Customer> {
            self.customers.create(input)
        }
    }
    boxed_method! {
        fn get(&self, id: CustomerId) -> Result<Customer> {
            self.customers.get(id)
        }
    }
    boxed_method! {
        fn get_by_external_id(&self, external_id: String) -> Result<Customer> {
            self.customers.get_by_external_id(external_id)
        }
    }
    boxed_method! {
        fn list(&self, query: CustomerListQuery) -> Result<Page<Customer>> {
            self.customers.list(query)
        }
    }
    boxed_method! {
        fn update(&self, id: CustomerId, update: CustomerUpdate) -> Result<Customer> {
            self.customers.update(id, update)
        }
    }
    boxed_method! {
        fn delete(&self, id: CustomerId) -> Result<()> {
            self.customers.delete(id)
        }
    }
}

#[async_trait]
impl Prices for Unconfigured {
    fn capabilities(&self) -> PriceCapabilities {
        PriceCapabilities::none(UNCONFIGURED)
    }
    async fn create(&self, _: NewPrice) -> Result<Price> {
        Err(unconfigured("prices.create"))
    }
    async fn get(&self, _: PriceId) -> Result<Price> {
        Err(unconfigured("prices.get"))
    }
    async fn list(&self, _: PriceListQuery) -> Result<Page<Price>> {
        Err(unconfigured("prices.list"))
    }
    async fn update(&self, _: PriceId, _: PriceUpdate) -> Result<Price> {
        Err(unconfigured("prices.update"))
    }
    async fn archive(&self, _: PriceId) -> Result<Price> {
        Err(unconfigured("prices.archive"))
    }
}

#[async_trait]
impl Connections for Unconfigured {
    fn capabilities(&self) -> ConnectionCapabilities {
        ConnectionCapabilities::none(UNCONFIGURED)
    }
    async fn create(&self, _: NewConnection) -> Result<Connection> {
        Err(unconfigured("connections.create"))
    }
    async fn get(&self, _: ConnectionId) -> Result<Connection> {
        Err(unconfigured("connections.get"))
    }
    async fn list(&self, _: ConnectionListQuery) -> Result<Page<Connection>> {
        Err(unconfigured("connections.list"))
    }
    async fn update(&self, _: ConnectionId, _: ConnectionUpdate) -> Result<Connection> {
        Err(unconfigured("connections.update"))
    }
    async fn delete(&self, _: ConnectionId) -> Result<()> {
        Err(unconfigured("connections.delete"))
    }
}

#[async_trait]
impl Stores for Unconfigured {
    fn capabilities(&self) -> StoreCapabilities {
        StoreCapabilities::none(UNCONFIGURED)
    }
    async fn create(&self, _: NewStore) -> Result<Store> {
        Err(unconfigured("stores.create"))
    }
    async fn get(&self, _: StoreId) -> Result<Store> {
        Err(unconfigured("stores.get"))
    }
    async fn delete(&self, _: StoreId) -> Result<()> {
        Err(unconfigured("stores.delete"))
    }
    async fn list_billing_plans(&self, _: BillingPlanQuery) -> Result<Vec<BillingPlan>> {
        Err(unconfigured("stores.list_billing_plans"))
    }
    async fn list_configurations(
        &self,
        _: Option<String>,
    ) -> Result<Vec<IntegrationConfiguration>> {
        Err(unconfigured("stores.list_configurations"))
    }
    async fn list_products(
        &self,
        _: IntegrationConfigurationId,
    ) -> Result<Vec<IntegrationProduct>> {
        Err(unconfigured("stores.list_products"))
    }
}

impl Prices for Billing {
    fn capabilities(&self) -> PriceCapabilities {
        self.prices.capabilities()
    }
    boxed_method! {
        fn create(&self, input: NewPrice) -> Result<Price> {
            self.prices.create(input)
        }
    }
    boxed_method! {
        fn get(&self, id: PriceId) -> Result<Price> {
            self.prices.get(id)
        }
    }
    boxed_method! {
        fn list(&self, query: PriceListQuery) -> Result<Page<Price>> {
            self.prices.list(query)
        }
    }
    boxed_method! {
        fn update(&self, id: PriceId, update: PriceUpdate) -> Result<Price> {
            self.prices.update(id, update)
        }
    }
    boxed_method! {
        fn archive(&self, id: PriceId) -> Result<Price> {
            self.prices.archive(id)
        }
    }
}

impl Connections for Billing {
    fn capabilities(&self) -> ConnectionCapabilities {
        self.connections.capabilities()
    }
    boxed_method! {
        fn create(&self, input: NewConnection) -> Result<Connection> {
            self.connections.create(input)
        }
    }
    boxed_method! {
        fn get(&self, id: ConnectionId) -> Result<Connection> {
            self.connections.get(id)
        }
    }
    boxed_method! {
        fn list(&self, query: ConnectionListQuery) -> Result<Page<Connection>> {
            self.connections.list(query)
        }
    }
    boxed_method! {
        fn update(&self, id: ConnectionId, update: ConnectionUpdate) -> Result<Connection> {
            self.connections.update(id, update)
        }
    }
    boxed_method! {
        fn delete(&self, id: ConnectionId) -> Result<()> {
            self.connections.delete(id)
        }
    }
}

impl Stores for Billing {
    fn capabilities(&self) -> StoreCapabilities {
        self.stores.capabilities()
    }
    boxed_method! {
        fn create(&self, input: NewStore) -> Result<Store> {
            self.stores.create(input)
        }
    }
    boxed_method! {
        fn get(&self, id: StoreId) -> Result<Store> {
            self.stores.get(id)
        }
    }
    boxed_method! {
        fn delete(&self, id: StoreId) -> Result<()> {
            self.stores.delete(id)
        }
    }
    boxed_method! {
        fn list_billing_plans(&self, query: BillingPlanQuery) -> Result<Vec<BillingPlan>> {
            self.stores.list_billing_plans(query)
        }
    }
    boxed_method! {
        fn list_configurations(&self, integration: Option<String>) -> Result<Vec<IntegrationConfiguration>> {
            self.stores.list_configurations(integration)
        }
    }
    boxed_method! {
        fn list_products(&self, configuration_id: IntegrationConfigurationId) -> Result<Vec<IntegrationProduct>> {
            self.stores.list_products(configuration_id)
        }
    }
}
