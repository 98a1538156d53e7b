//! unibill-core: the neutral models, traits, errors, money and capabilities of unibill, with the in-memory
//! reference provider and the conformance suite.
//!
//! Application code holds trait objects (`Arc<dyn Customers>`) or a [`Billing`] bundle; which provider answers
//! is configuration. With nothing configured, everything runs in memory:
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! use unibill_core::{Billing, Customers, CustomerUpdate, ErrorKind, NewCustomer};
//!
//! let billing = Billing::memory();
//! let customers = billing.customers();
//!
//! let ada = customers
//!     .create(NewCustomer::builder("user-42", "Ada Lovelace").email("ada@example.com").build()?)
//!     .await?;
//! let renamed = customers
//!     .update(ada.id.clone(), CustomerUpdate::builder().name("Ada King").build()?)
//!     .await?;
//! assert_eq!(renamed.name, "Ada King");
//!
//! // The external id is a natural key: a second create is AlreadyExists carrying the existing id.
//! let dup = customers.create(NewCustomer::builder("user-42", "Someone").build()?).await.unwrap_err();
//! assert_eq!(dup.kind(), ErrorKind::AlreadyExists);
//! assert_eq!(dup.existing_id(), Some(ada.id.as_str()));
//!
//! customers.delete(ada.id.clone()).await?; // archives
//! # Ok::<(), unibill_core::Error>(()) }).unwrap();
//! ```
//!
//! The billing lifecycle runs in memory too: meters, features granted to a product, a subscription, usage
//! counted once however often it is re-sent, entitlements and the invoice (see [`MemoryLifecycle`]):
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! use rust_decimal_macros::dec;
//! use unibill_core::*;
//!
//! let billing = Billing::memory();
//! let usd = |a| Money::new(a, Currency::USD);
//! let meter = billing.meters().create(NewMeter::builder("api_calls", "API calls", Aggregation::Sum).build()?).await?;
//! billing.features().create(NewFeature::builder("api_calls", "API calls", FeatureKind::metered("api_calls")).build()?).await?;
//! billing.features().grant(Grant::builder("api_calls", "pro").build()?).await?;
//! let pro = billing.prices().create(
//!     NewPrice::builder(PriceKind::recurring(Interval::monthly()), usd(dec!(29.00))).product_id("pro").build()?,
//! ).await?;
//! let per_10_calls = PriceKind::usage(Interval::monthly(), meter.id.unwrap().into_string());
//! billing.prices().create(
//!     NewPrice::builder(per_10_calls, usd(dec!(0.02))).package(10, PackageRounding::Up).product_id("pro").build()?,
//! ).await?;
//! billing.customers().create(NewCustomer::builder("ada", "Ada Lovelace").build()?).await?;
//! let sub = billing.subscriptions()
//!     .create(NewSubscription::builder(CustomerRef::external_id("ada"), pro.id).build()?)
//!     .await?;
//!
//! let events: Vec<_> = (0..1500)
//!     .map(|i| UsageEvent::builder("ada", "api_calls", dec!(1)).key(IdempotencyKey::new(format!("call-{i}"))?).build())
//!     .collect::<Result<_>>()?;
//! billing.usage().ingest(events.clone()).await?;
//! billing.usage().ingest(events).await?; // re-sent: every event is a Duplicate
//!
//! let calls = billing.entitlements().check("ada".into(), "api_calls".into()).await?;
//! assert!(matches!(calls.kind, EntitlementKind::Metered { used: Some(u), .. } if u == dec!(1500)));
//! let invoice = billing.invoices().list(InvoiceListQuery::new().subscription_id(sub.id)).await?.items.remove(0);
//! assert_eq!(invoice.total, Some(usd(dec!(32.00)))); // 29.00 + 150 packages × 0.02
//! # Ok::<(), unibill_core::Error>(()) }).unwrap();
//! ```
//!
//! # The neutral contract
//!
//! - **Ids** are the provider's handle for get/update/delete.
//! - **Create**: required fields are plain values, optional ones `Option`; inputs are validated when built.
//! - **Update**: every field is keep, clear or set ([`Patch`]); metadata, when set, replaces the whole map.
//!   A change the provider cannot make is `Unsupported` before anything is sent.
//! - **List**: `limit` clamped to the provider's maximum; cursors are opaque and tagged with provider and
//!   query (a foreign cursor is `InvalidInput`); only `next_cursor: None` ends a listing. `list_all` streams
//!   one page at a time and ends with a `Provider` error naming the loop at a cursor that repeats, a page
//!   repeating the one before, or after `max_pages` pages ([`DEFAULT_MAX_PAGES`], see [`PageProgress`]).
//! - **Delete** of customers archives.
//! - **Duplicates** of a natural key are `AlreadyExists` carrying the existing id; [`CustomersExt::ensure`]
//!   turns that into [`Ensured::Existing`].
//!
//! # Features
//!
//! - `mock`: [`MockCustomers`], [`MockPrices`], [`MockConnections`], [`MockStores`], and for the billing
//!   lifecycle [`MockMeters`], [`MockFeatures`], [`MockSubscriptions`], [`MockUsage`], [`MockEntitlements`],
//!   [`MockInvoices`], [`MockWebhooks`] (mockall) for unit tests of application code.
//! - `conformance`: the [`conformance`] suite, to prove a provider keeps the contract.

#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod api;
pub mod batch;
pub mod billing;
pub mod capability;
pub mod changed;
pub mod clock;
pub mod error;
pub mod guard;
pub mod id;
pub mod ingest_outcomes;
pub mod memory;
pub mod metadata;
pub mod model;
pub mod money;
pub mod page;
pub mod patch;
pub mod sleeper;
pub mod svix;
pub mod timestamp;
mod unconfigured;
pub mod validation;

#[cfg(feature = "conformance")]
#[cfg_attr(docsrs, doc(cfg(feature = "conformance")))]
pub mod conformance;

pub use api::{
    Connections, ConnectionsExt, Customers, CustomersExt, Ensured, Entitlements, Features,
    FeaturesExt, Invoices, InvoicesExt, Meters, MetersExt, Prices, PricesExt, Stores, StoresExt,
    Subscriptions, SubscriptionsExt, Usage, UsageExt, WaitOptions, Webhooks,
};
#[cfg(any(test, feature = "mock"))]
#[cfg_attr(docsrs, doc(cfg(feature = "mock")))]
pub use api::{
    MockConnections, MockCustomers, MockEntitlements, MockFeatures, MockInvoices, MockMeters,
    MockPrices, MockStores, MockSubscriptions, MockUsage, MockWebhooks,
};
pub use batch::{BatchFill, BatchLimits};
pub use billing::{Billing, BillingBuilder, Unconfigured};
pub use capability::{
    Aggregations, CancelTimings, EntitlementCapabilities, EntitlementSource, FeatureCapabilities,
    FeatureKinds, InvoiceCapabilities, MeterCapabilities, QuantityRule, Resets,
    SubscriptionCapabilities, TrialSupport, UsageCapabilities, WebhookCapabilities, WebhookScheme,
};
pub use capability::{
    Capabilities, ConnectionCapabilities, ConnectionFields, ConnectionUpdateFields,
    CustomerCapabilities, CustomerFields, CustomerUpdateFields, FieldRule, PatchSupport,
    PriceCapabilities, PriceFields, PriceKinds, PriceSchemes, PriceUpdateFields, ProductIdRules,
    StoreCapabilities, StoreFields,
};
pub use changed::{ChangedObject, fetch_changed};
pub use clock::{Clock, FixedClock, ManualClock, SystemClock};
pub use error::{Error, ErrorKind, FieldError, Result};
pub use guard::Guarded;
pub use id::{
    BillingPlanId, ConnectionId, CustomerId, FeatureId, Identified, IntegrationConfigurationId,
    InvoiceId, MeterId, PriceId, ProductId, StoreId, SubscriptionId,
};
pub use ingest_outcomes::IngestOutcomes;
pub use memory::{
    MemoryConnections, MemoryCustomers, MemoryEntitlements, MemoryFeatures, MemoryInvoices,
    MemoryLifecycle, MemoryLifecycleBuilder, MemoryMeters, MemoryPrices, MemoryStores,
    MemorySubscriptions, MemoryUsage, MemoryWebhooks, RequestCounter, WebhookDelivery,
};
pub use metadata::Metadata;
pub use model::address::{Address, AddressBuilder};
pub use model::connection::{
    Connection, ConnectionBuilder, ConnectionListQuery, ConnectionProviderType, ConnectionSecrets,
    ConnectionSettings, ConnectionStatus, ConnectionUpdate, ConnectionUpdateBuilder, JsonObject,
    NewConnection, NewConnectionBuilder, S3Compression, S3Encryption, S3ExportSettings, SyncConfig,
    SyncDirection,
};
pub use model::customer::{
    Customer, CustomerBuilder, CustomerListQuery, CustomerStatus, CustomerUpdate,
    CustomerUpdateBuilder, NewCustomer, NewCustomerBuilder,
};
pub use model::entitlement::{Entitlement, EntitlementKind, Freshness};
pub use model::feature::{
    Feature, FeatureBuilder, FeatureGrant, FeatureKind, FeatureListQuery, Grant, GrantBuilder,
    Limit, NewFeature, NewFeatureBuilder, Reset,
};
pub use model::invoice::{
    Invoice, InvoiceBuilder, InvoiceLine, InvoiceListQuery, InvoiceStatus, PaymentStatus,
};
pub use model::key::IdempotencyKey;
pub use model::meter::{
    Aggregation, Meter, MeterBuilder, MeterListQuery, NewMeter, NewMeterBuilder,
};
pub use model::price::{
    Interval, IntervalUnit, NewPrice, NewPriceBuilder, PackageRounding, Price, PriceBuilder,
    PriceKind, PriceListQuery, PriceTier, PriceUpdate, PriceUpdateBuilder, PricingScheme, TierMode,
};
pub use model::raw::RawJson;
pub use model::store::{
    BillingPlan, BillingPlanBuilder, BillingPlanQuery, BillingPlanQueryBuilder, BillingPlanScope,
    BillingPlanType, IntegrationConfiguration, IntegrationProduct, NewStore, NewStoreBuilder,
    PlanDetail, Store, StoreBuilder, StoreMetadata, StoreMetadataValue, StoreProduct, StoreSecret,
    StoreSource, StoreStatus, parse_store_metadata,
};
pub use model::subscription::{
    CancelOptions, CancelTiming, CustomerRef, FinalInvoice, NewSubscription,
    NewSubscriptionBuilder, Period, RESERVED_METADATA_PREFIX, SOURCE_ID_METADATA,
    SUBSCRIPTION_KEY_METADATA, Subscription, SubscriptionBuilder, SubscriptionItem,
    SubscriptionListQuery, SubscriptionStatus, Trial,
};
pub use model::usage::{IngestOutcome, IngestReport, UsageEvent, UsageEventBuilder, UsageStatus};
pub use model::webhook::{WebhookEvent, WebhookEventBuilder, WebhookHeaders, WebhookKind};
pub use money::{
    Currency, ExponentOverrides, IsoCurrency, IsoExponents, MinorUnitExponents, Money,
};
pub use page::{Cursor, DEFAULT_MAX_PAGES, Page, PageProgress, QueryFingerprint};
pub use patch::Patch;
pub use sleeper::{RecordingSleeper, Sleeper, TokioSleeper};

/// Re-exported so callers name the same `Decimal`, time and compact-string types as the models.
pub use compact_str::CompactString;
pub use jiff::{SignedDuration, Timestamp};
pub use rust_decimal::Decimal;
