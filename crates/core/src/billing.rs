//! [`Billing`]: the bundle an application holds, routing each resource to the provider configured for it.

use std::sync::Arc;

use async_trait::async_trait;

use crate::api::Customers;
use crate::capability::{Capabilities, CustomerCapabilities};
use crate::error::{Error, Result};
use crate::guard::Guarded;
use crate::id::CustomerId;
use crate::memory::{MemoryCustomers, RequestCounter};
use crate::model::customer::{Customer, CustomerListQuery, CustomerUpdate, NewCustomer};
use crate::page::Page;

/// Every resource, each routed to its provider behind the capability guard.
///
/// `Billing` itself implements each resource trait by forwarding, so it can be passed wherever a
/// `&impl Customers` is wanted; [`Billing::customers`] hands out the `Arc<dyn Customers>`.
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
            .customers(MemoryCustomers::with_counter(counter))
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

    /// What every resource's provider offers.
    pub fn capabilities(&self) -> Capabilities {
        Capabilities {
            customers: self.customers.capabilities(),
        }
    }
}

/// Builds a [`Billing`]; a resource left out answers `Unsupported`.
#[derive(Debug, Default)]
pub struct BillingBuilder {
    customers: Option<Arc<dyn Customers>>,
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

    /// The bundle.
    pub fn build(self) -> Billing {
        Billing {
            customers: self
                .customers
                .unwrap_or_else(|| Arc::new(Guarded::new(Unconfigured))),
        }
    }
}

/// The provider of a resource nobody configured: offers nothing.
#[derive(Debug, Clone, Copy)]
pub struct Unconfigured;

/// The name [`Unconfigured`] reports.
pub const UNCONFIGURED: &str = "unconfigured";

fn unconfigured(op: &'static str) -> Error {
    Error::unsupported(
        UNCONFIGURED,
        format_args!("operation `{op}` (no provider is configured for it)"),
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

#[async_trait]
impl Customers for Billing {
    fn capabilities(&self) -> CustomerCapabilities {
        self.customers.capabilities()
    }
    async fn create(&self, input: NewCustomer) -> Result<Customer> {
        self.customers.create(input).await
    }
    async fn get(&self, id: CustomerId) -> Result<Customer> {
        self.customers.get(id).await
    }
    async fn get_by_external_id(&self, external_id: String) -> Result<Customer> {
        self.customers.get_by_external_id(external_id).await
    }
    async fn list(&self, query: CustomerListQuery) -> Result<Page<Customer>> {
        self.customers.list(query).await
    }
    async fn update(&self, id: CustomerId, update: CustomerUpdate) -> Result<Customer> {
        self.customers.update(id, update).await
    }
    async fn delete(&self, id: CustomerId) -> Result<()> {
        self.customers.delete(id).await
    }
}
