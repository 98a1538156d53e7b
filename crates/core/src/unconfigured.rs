//! [`Unconfigured`]: the provider of a resource nobody configured, answering every call `Unsupported` with how
//! to route it.

use async_trait::async_trait;

use crate::api::{
    Connections, Customers, Entitlements, Features, Invoices, Meters, Prices, Stores,
    Subscriptions, Usage,
};
use crate::capability::{
    ConnectionCapabilities, CustomerCapabilities, EntitlementCapabilities, FeatureCapabilities,
    InvoiceCapabilities, MeterCapabilities, PriceCapabilities, StoreCapabilities,
    SubscriptionCapabilities, UsageCapabilities,
};
use crate::error::{Error, Result};
use crate::id::{
    ConnectionId, CustomerId, IntegrationConfigurationId, InvoiceId, PriceId, StoreId,
    SubscriptionId,
};
use crate::model::connection::{Connection, ConnectionListQuery, ConnectionUpdate, NewConnection};
use crate::model::customer::{Customer, CustomerListQuery, CustomerUpdate, NewCustomer};
use crate::model::entitlement::Entitlement;
use crate::model::feature::{Feature, FeatureGrant, FeatureListQuery, Grant, NewFeature};
use crate::model::invoice::{Invoice, InvoiceListQuery};
use crate::model::key::IdempotencyKey;
use crate::model::meter::{Meter, MeterListQuery, NewMeter};
use crate::model::price::{NewPrice, Price, PriceListQuery, PriceUpdate};
use crate::model::store::{
    BillingPlan, BillingPlanQuery, IntegrationConfiguration, IntegrationProduct, NewStore, Store,
};
use crate::model::subscription::{
    CancelOptions, NewSubscription, Subscription, SubscriptionListQuery,
};
use crate::model::usage::{IngestReport, UsageEvent, UsageStatus};
use crate::page::Page;

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

/// `impl $trait for Unconfigured` from its method list: capabilities `none`, every call
/// `unconfigured("<resource>.<method>")`.
macro_rules! unconfigured_impl {
    ($trait:ident: $caps:ident, $resource:literal {
        $(async fn $name:ident(&self $(, _: $ty:ty)*) -> $ret:ty;)*
    }) => {
        #[async_trait]
        impl $trait for Unconfigured {
            fn capabilities(&self) -> $caps {
                $caps::none(UNCONFIGURED)
            }
            $(
                async fn $name(&self $(, _: $ty)*) -> $ret {
                    Err(unconfigured(concat!($resource, ".", stringify!($name))))
                }
            )*
        }
    };
}

unconfigured_impl!(Customers: CustomerCapabilities, "customers" {
    async fn create(&self, _: NewCustomer) -> Result<Customer>;
    async fn get(&self, _: CustomerId) -> Result<Customer>;
    async fn get_by_external_id(&self, _: String) -> Result<Customer>;
    async fn list(&self, _: CustomerListQuery) -> Result<Page<Customer>>;
    async fn update(&self, _: CustomerId, _: CustomerUpdate) -> Result<Customer>;
    async fn delete(&self, _: CustomerId) -> Result<()>;
});

unconfigured_impl!(Prices: PriceCapabilities, "prices" {
    async fn create(&self, _: NewPrice) -> Result<Price>;
    async fn get(&self, _: PriceId) -> Result<Price>;
    async fn list(&self, _: PriceListQuery) -> Result<Page<Price>>;
    async fn update(&self, _: PriceId, _: PriceUpdate) -> Result<Price>;
    async fn archive(&self, _: PriceId) -> Result<Price>;
});

unconfigured_impl!(Connections: ConnectionCapabilities, "connections" {
    async fn create(&self, _: NewConnection) -> Result<Connection>;
    async fn get(&self, _: ConnectionId) -> Result<Connection>;
    async fn list(&self, _: ConnectionListQuery) -> Result<Page<Connection>>;
    async fn update(&self, _: ConnectionId, _: ConnectionUpdate) -> Result<Connection>;
    async fn delete(&self, _: ConnectionId) -> Result<()>;
});

unconfigured_impl!(Stores: StoreCapabilities, "stores" {
    async fn create(&self, _: NewStore) -> Result<Store>;
    async fn get(&self, _: StoreId) -> Result<Store>;
    async fn delete(&self, _: StoreId) -> Result<()>;
    async fn list_billing_plans(&self, _: BillingPlanQuery) -> Result<Vec<BillingPlan>>;
    async fn list_configurations(&self, _: Option<String>) -> Result<Vec<IntegrationConfiguration>>;
    async fn list_products(&self, _: IntegrationConfigurationId) -> Result<Vec<IntegrationProduct>>;
});

unconfigured_impl!(Meters: MeterCapabilities, "meters" {
    async fn create(&self, _: NewMeter) -> Result<Meter>;
    async fn get_by_key(&self, _: String) -> Result<Meter>;
    async fn list(&self, _: MeterListQuery) -> Result<Page<Meter>>;
});

unconfigured_impl!(Features: FeatureCapabilities, "features" {
    async fn create(&self, _: NewFeature) -> Result<Feature>;
    async fn get_by_key(&self, _: String) -> Result<Feature>;
    async fn list(&self, _: FeatureListQuery) -> Result<Page<Feature>>;
    async fn grant(&self, _: Grant) -> Result<FeatureGrant>;
});

unconfigured_impl!(Subscriptions: SubscriptionCapabilities, "subscriptions" {
    async fn create(&self, _: NewSubscription) -> Result<Subscription>;
    async fn get(&self, _: SubscriptionId) -> Result<Subscription>;
    async fn list(&self, _: SubscriptionListQuery) -> Result<Page<Subscription>>;
    async fn cancel(&self, _: SubscriptionId, _: CancelOptions) -> Result<Subscription>;
    async fn uncancel(&self, _: SubscriptionId) -> Result<Subscription>;
    async fn change_price(&self, _: SubscriptionId, _: PriceId) -> Result<Subscription>;
});

unconfigured_impl!(Usage: UsageCapabilities, "usage" {
    async fn ingest(&self, _: Vec<UsageEvent>) -> Result<IngestReport>;
    async fn status(&self, _: Vec<IdempotencyKey>) -> Result<Vec<(IdempotencyKey, UsageStatus)>>;
});

unconfigured_impl!(Entitlements: EntitlementCapabilities, "entitlements" {
    async fn check(&self, _: String, _: String) -> Result<Entitlement>;
    async fn list(&self, _: String) -> Result<Vec<Entitlement>>;
});

unconfigured_impl!(Invoices: InvoiceCapabilities, "invoices" {
    async fn get(&self, _: InvoiceId) -> Result<Invoice>;
    async fn list(&self, _: InvoiceListQuery) -> Result<Page<Invoice>>;
    async fn finalize(&self, _: InvoiceId) -> Result<Invoice>;
    async fn void(&self, _: InvoiceId) -> Result<Invoice>;
});
