//! [`Billing`]: the bundle an application holds, routing each resource to the provider configured for it.

use std::sync::Arc;

use crate::api::{
    Connections, Customers, Entitlements, Features, Invoices, Meters, Prices, Stores,
    Subscriptions, Usage, Webhooks, boxed_method,
};
use crate::capability::{
    Capabilities, ConnectionCapabilities, CustomerCapabilities, EntitlementCapabilities,
    FeatureCapabilities, InvoiceCapabilities, MeterCapabilities, PriceCapabilities,
    StoreCapabilities, SubscriptionCapabilities, UsageCapabilities,
};
use crate::clock::{Clock, SystemClock};
use crate::error::Result;
use crate::guard::Guarded;
use crate::id::{
    ConnectionId, CustomerId, IntegrationConfigurationId, InvoiceId, PriceId, StoreId,
    SubscriptionId,
};
use crate::memory::{MemoryLifecycle, RequestCounter};
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
pub use crate::unconfigured::{UNCONFIGURED, Unconfigured};

/// [`Billing`] and [`BillingBuilder`] from the resource list: for each resource, its field, its accessor, and
/// the builder's two setters (`customers(provider)` and `customers_arc(shared)`); a resource left out of the
/// builder is [`Unconfigured`]. Every provider is put behind the capability guard.
macro_rules! billing_resources {
    ($($field:ident, $shared:ident: $trait:ident, $what:literal;)*) => {
        /// Every resource, each routed to its provider behind the capability guard.
        ///
        /// `Billing` itself implements each resource trait by forwarding, so it can be passed wherever a
        /// `&impl Customers` (or `Prices`, `Subscriptions`, `Usage`, ...) is wanted; [`Billing::customers`],
        /// [`Billing::prices`], [`Billing::subscriptions`] and the other accessors hand out the `Arc<dyn _>`s.
        ///
        /// ```
        /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
        /// use unibill_core::{Billing, Customers, ErrorKind, NewCustomer, Subscriptions};
        ///
        /// let billing = Billing::memory();
        /// let ada = billing.customers().create(NewCustomer::builder("u1", "Ada").build()?).await?;
        /// assert_eq!(ada.provider, "memory");
        /// assert!(billing.capabilities().customers.create);
        ///
        /// // A bundle with nothing configured for a resource answers Unsupported, saying how to route it.
        /// let empty = Billing::builder().build();
        /// assert!(empty.customers().get("x".into()).await.is_err());
        /// let err = empty.subscriptions().get("sub_1".into()).await.unwrap_err();
        /// assert_eq!(err.kind(), ErrorKind::Unsupported);
        /// assert!(err.to_string().contains("UNIBILL_SUBSCRIPTIONS_PROVIDER"), "{err}");
        /// # Ok::<(), unibill_core::Error>(()) }).unwrap();
        /// ```
        #[derive(Debug, Clone)]
        pub struct Billing {
            $($field: Arc<dyn $trait>,)*
            webhooks: Vec<Arc<dyn Webhooks>>,
        }

        impl Billing {
            $(
                #[doc = concat!("The ", $what, " provider (guarded).")]
                pub fn $field(&self) -> Arc<dyn $trait> {
                    Arc::clone(&self.$field)
                }
            )*
        }

        /// Builds a [`Billing`]; a resource left out answers `Unsupported`.
        #[derive(Debug, Default)]
        pub struct BillingBuilder {
            $($field: Option<Arc<dyn $trait>>,)*
            webhooks: Vec<Arc<dyn Webhooks>>,
        }

        impl BillingBuilder {
            $(
                #[doc = concat!("Routes ", $what, " to `provider` (put behind the capability guard).")]
                pub fn $field(mut self, provider: impl $trait + 'static) -> Self {
                    self.$field = Some(Arc::new(Guarded::new(provider)));
                    self
                }

                #[doc = concat!("Routes ", $what, " to a shared provider (put behind the capability guard).")]
                pub fn $shared(mut self, provider: Arc<dyn $trait>) -> Self {
                    self.$field = Some(Arc::new(Guarded::new(provider)));
                    self
                }
            )*

            /// The bundle.
            pub fn build(self) -> Billing {
                Billing {
                    $(
                        $field: self
                            .$field
                            .unwrap_or_else(|| Arc::new(Guarded::new(Unconfigured))),
                    )*
                    webhooks: self.webhooks,
                }
            }
        }
    };
}

billing_resources! {
    customers, customers_arc: Customers, "customers";
    prices, prices_arc: Prices, "prices";
    connections, connections_arc: Connections, "connections";
    stores, stores_arc: Stores, "stores";
    meters, meters_arc: Meters, "meters";
    features, features_arc: Features, "features";
    subscriptions, subscriptions_arc: Subscriptions, "subscriptions";
    usage, usage_arc: Usage, "usage";
    entitlements, entitlements_arc: Entitlements, "entitlements";
    invoices, invoices_arc: Invoices, "invoices";
}

impl BillingBuilder {
    /// Adds the webhook verifier of its provider (replacing one already added for the same provider); see
    /// [`Billing::webhooks`].
    pub fn webhooks(self, verifier: impl Webhooks + 'static) -> Self {
        self.webhooks_arc(Arc::new(verifier))
    }

    /// Adds a shared webhook verifier (replacing one already added for the same provider).
    pub fn webhooks_arc(mut self, verifier: Arc<dyn Webhooks>) -> Self {
        self.webhooks
            .retain(|w| w.provider() != verifier.provider());
        self.webhooks.push(verifier);
        self
    }
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
        Self::memory_on(Arc::new(SystemClock), counter)
    }

    /// Every resource in memory on `clock` (hand it a [`crate::ManualClock`] to move periods, trials and
    /// scheduled cancels along), counting the calls that reach the provider on `counter`. The lifecycle
    /// resources share one state over the memory customers and prices ([`MemoryLifecycle`]); build one
    /// yourself and call [`MemoryLifecycle::billing`] to keep a handle on its webhook deliveries.
    pub fn memory_on(clock: Arc<dyn Clock>, counter: RequestCounter) -> Self {
        MemoryLifecycle::on(clock, counter).billing()
    }

    /// A bundle with no resource configured yet.
    pub fn builder() -> BillingBuilder {
        BillingBuilder::default()
    }

    /// The webhook verifier of `provider` (`"flexprice"`, `"flowglad"`, `"vercel"`, `"memory"`). Webhooks are
    /// per provider and several are held at once (during a migration deliveries come from both sides), unlike
    /// the resources above, which route to one provider each. `Unsupported` naming the setting when none is
    /// configured for it (`<PROVIDER>_WEBHOOK_SECRET`).
    ///
    /// ```
    /// use unibill_core::{Billing, ErrorKind, MemoryLifecycle, Webhooks};
    /// let billing = MemoryLifecycle::new().billing();
    /// assert_eq!(billing.webhooks("memory")?.provider(), "memory");
    /// assert_eq!(billing.webhook_providers(), ["memory"]);
    /// let err = billing.webhooks("flowglad").unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::Unsupported);
    /// assert!(err.to_string().contains("FLOWGLAD_WEBHOOK_SECRET"), "{err}");
    /// # Ok::<(), unibill_core::Error>(())
    /// ```
    pub fn webhooks(&self, provider: &str) -> Result<Arc<dyn Webhooks>> {
        self.webhooks
            .iter()
            .find(|w| w.provider() == provider)
            .cloned()
            .ok_or_else(|| {
                crate::error::Error::new(
                    crate::error::ErrorKind::Unsupported,
                    format!(
                        "no webhook verifier is configured for the {provider} provider (set {}_WEBHOOK_SECRET)",
                        provider.to_ascii_uppercase()
                    ),
                )
                .with_provider(provider.to_owned())
                .with_operation("webhooks.verify")
            })
    }

    /// The providers a webhook verifier is configured for, in the order they were added.
    pub fn webhook_providers(&self) -> Vec<&'static str> {
        self.webhooks.iter().map(|w| w.provider()).collect()
    }

    /// What every resource's provider offers.
    pub fn capabilities(&self) -> Capabilities {
        Capabilities {
            customers: self.customers.capabilities(),
            prices: self.prices.capabilities(),
            connections: self.connections.capabilities(),
            stores: self.stores.capabilities(),
            meters: self.meters.capabilities(),
            features: self.features.capabilities(),
            subscriptions: self.subscriptions.capabilities(),
            usage: self.usage.capabilities(),
            entitlements: self.entitlements.capabilities(),
            invoices: self.invoices.capabilities(),
        }
    }
}

/// `impl $trait for Billing` from its method list, forwarding to the field: `Billing` hands on the guarded
/// provider's own boxed future, no second box per call.
macro_rules! forward_to_field {
    ($trait:ident => $field:ident {
        fn capabilities(&self) -> $caps:ty;
        $(async fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty;)*
    }) => {
        impl $trait for Billing {
            fn capabilities(&self) -> $caps {
                self.$field.capabilities()
            }
            $(
                boxed_method! {
                    fn $name(&self, $($arg: $ty),*) -> $ret {
                        self.$field.$name($($arg),*)
                    }
                }
            )*
        }
    };
}

forward_to_field!(Customers => customers {
    fn capabilities(&self) -> CustomerCapabilities;
    async fn create(&self, input: NewCustomer) -> Result<Customer>;
    async fn get(&self, id: CustomerId) -> Result<Customer>;
    async fn get_by_external_id(&self, external_id: String) -> Result<Customer>;
    async fn list(&self, query: CustomerListQuery) -> Result<Page<Customer>>;
    async fn update(&self, id: CustomerId, update: CustomerUpdate) -> Result<Customer>;
    async fn delete(&self, id: CustomerId) -> Result<()>;
});

forward_to_field!(Prices => prices {
    fn capabilities(&self) -> PriceCapabilities;
    async fn create(&self, input: NewPrice) -> Result<Price>;
    async fn get(&self, id: PriceId) -> Result<Price>;
    async fn list(&self, query: PriceListQuery) -> Result<Page<Price>>;
    async fn update(&self, id: PriceId, update: PriceUpdate) -> Result<Price>;
    async fn archive(&self, id: PriceId) -> Result<Price>;
});

forward_to_field!(Connections => connections {
    fn capabilities(&self) -> ConnectionCapabilities;
    async fn create(&self, input: NewConnection) -> Result<Connection>;
    async fn get(&self, id: ConnectionId) -> Result<Connection>;
    async fn list(&self, query: ConnectionListQuery) -> Result<Page<Connection>>;
    async fn update(&self, id: ConnectionId, update: ConnectionUpdate) -> Result<Connection>;
    async fn delete(&self, id: ConnectionId) -> Result<()>;
});

forward_to_field!(Stores => stores {
    fn capabilities(&self) -> StoreCapabilities;
    async fn create(&self, input: NewStore) -> Result<Store>;
    async fn get(&self, id: StoreId) -> Result<Store>;
    async fn delete(&self, id: StoreId) -> Result<()>;
    async fn list_billing_plans(&self, query: BillingPlanQuery) -> Result<Vec<BillingPlan>>;
    async fn list_configurations(&self, integration: Option<String>) -> Result<Vec<IntegrationConfiguration>>;
    async fn list_products(&self, configuration_id: IntegrationConfigurationId) -> Result<Vec<IntegrationProduct>>;
});

forward_to_field!(Meters => meters {
    fn capabilities(&self) -> MeterCapabilities;
    async fn create(&self, input: NewMeter) -> Result<Meter>;
    async fn get_by_key(&self, key: String) -> Result<Meter>;
    async fn list(&self, query: MeterListQuery) -> Result<Page<Meter>>;
});

forward_to_field!(Features => features {
    fn capabilities(&self) -> FeatureCapabilities;
    async fn create(&self, input: NewFeature) -> Result<Feature>;
    async fn get_by_key(&self, key: String) -> Result<Feature>;
    async fn list(&self, query: FeatureListQuery) -> Result<Page<Feature>>;
    async fn grant(&self, grant: Grant) -> Result<FeatureGrant>;
});

forward_to_field!(Subscriptions => subscriptions {
    fn capabilities(&self) -> SubscriptionCapabilities;
    async fn create(&self, input: NewSubscription) -> Result<Subscription>;
    async fn get(&self, id: SubscriptionId) -> Result<Subscription>;
    async fn list(&self, query: SubscriptionListQuery) -> Result<Page<Subscription>>;
    async fn cancel(&self, id: SubscriptionId, options: CancelOptions) -> Result<Subscription>;
    async fn uncancel(&self, id: SubscriptionId) -> Result<Subscription>;
    async fn change_price(&self, id: SubscriptionId, price_id: PriceId) -> Result<Subscription>;
});

forward_to_field!(Usage => usage {
    fn capabilities(&self) -> UsageCapabilities;
    async fn ingest(&self, events: Vec<UsageEvent>) -> Result<IngestReport>;
    async fn status(&self, keys: Vec<IdempotencyKey>) -> Result<Vec<(IdempotencyKey, UsageStatus)>>;
});

forward_to_field!(Entitlements => entitlements {
    fn capabilities(&self) -> EntitlementCapabilities;
    async fn check(&self, customer_external_id: String, feature_key: String) -> Result<Entitlement>;
    async fn list(&self, customer_external_id: String) -> Result<Vec<Entitlement>>;
});

forward_to_field!(Invoices => invoices {
    fn capabilities(&self) -> InvoiceCapabilities;
    async fn get(&self, id: InvoiceId) -> Result<Invoice>;
    async fn list(&self, query: InvoiceListQuery) -> Result<Page<Invoice>>;
    async fn finalize(&self, id: InvoiceId) -> Result<Invoice>;
    async fn void(&self, id: InvoiceId) -> Result<Invoice>;
});
