//! Provisioned stores in memory, with one seeded integration configuration, product and three billing plans.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;

use super::{PROVIDER, RequestCounter, make_id};
use crate::api::Stores;
use crate::capability::StoreCapabilities;
use crate::error::{Error, ErrorKind, Result};
use crate::id::{IntegrationConfigurationId, StoreId};
use crate::model::store::{
    BillingPlan, BillingPlanQuery, BillingPlanType, IntegrationConfiguration, IntegrationProduct,
    NewStore, PlanDetail, Store, StoreProduct, StoreSecret, StoreStatus,
};

/// The seeded integration configuration's id.
pub const MEMORY_CONFIGURATION_ID: &str = "icfg_memory";
/// The seeded integration's id.
pub const MEMORY_INTEGRATION_ID: &str = "oac_memory";
/// The seeded integration's slug.
pub const MEMORY_INTEGRATION_SLUG: &str = "memory";
/// The seeded product's id.
pub const MEMORY_PRODUCT_ID: &str = "iap_memory_postgres";
/// The seeded product's slug.
pub const MEMORY_PRODUCT_SLUG: &str = "memory-postgres";
/// The free plan (used when a store names no plan).
pub const MEMORY_FREE_PLAN: &str = "bp_memory_free";
/// A paid subscription plan ($20.00 / month, needs a payment method).
pub const MEMORY_PRO_PLAN: &str = "bp_memory_pro";
/// A prepayment plan (10.00 to 1000.00 USD, needs a payment method).
pub const MEMORY_PREPAID_PLAN: &str = "bp_memory_prepaid";

/// Stores held in memory.
///
/// Seeded with [`MEMORY_CONFIGURATION_ID`] (integration [`MEMORY_INTEGRATION_SLUG`]), the product
/// [`MEMORY_PRODUCT_ID`] / [`MEMORY_PRODUCT_SLUG`] and the plans [`MEMORY_FREE_PLAN`], [`MEMORY_PRO_PLAN`]
/// and [`MEMORY_PREPAID_PLAN`]. A store without a plan takes the free plan; a paid plan needs a payment method,
/// the input's or the team's default ([`MemoryStores::team_payment_method`]), else `PaymentRequired`. A new
/// store is `initializing` and becomes `available` on the n-th `get` ([`MemoryStores::ready_after_reads`],
/// default 2; 0 makes it available at once).
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use unibill_core::{ErrorKind, MemoryStores, NewStore, Stores, StoreStatus};
///
/// let stores = MemoryStores::new().ready_after_reads(1);
/// let paid = NewStore::builder("db", "icfg_memory", "memory-postgres").billing_plan_id("bp_memory_pro").build()?;
/// assert_eq!(stores.create(paid).await.unwrap_err().kind(), ErrorKind::PaymentRequired);
///
/// let free = stores.create(NewStore::builder("db", "icfg_memory", "memory-postgres").build()?).await?;
/// assert_eq!(free.billing_plan.as_ref().unwrap().id.as_str(), "bp_memory_free");
/// assert_eq!(stores.get(free.id.unwrap()).await?.status, Some(StoreStatus::Available));
/// # Ok::<(), unibill_core::Error>(()) }).unwrap();
/// ```
#[derive(Debug)]
pub struct MemoryStores {
    state: Mutex<State>,
    requests: RequestCounter,
    ready_after_reads: u32,
    team_payment_method: Option<String>,
}

#[derive(Debug, Default)]
struct State {
    next_seq: u64,
    stores: BTreeMap<String, (Store, u32)>,
}

impl Default for MemoryStores {
    fn default() -> Self {
        MemoryStores {
            state: Mutex::default(),
            requests: RequestCounter::new(),
            ready_after_reads: 2,
            team_payment_method: None,
        }
    }
}

impl MemoryStores {
    /// The seeded catalogue, no stores, no team payment method.
    pub fn new() -> Self {
        Self::default()
    }

    /// Counting calls on a shared counter.
    pub fn with_counter(requests: RequestCounter) -> Self {
        MemoryStores {
            requests,
            ..Self::default()
        }
    }

    /// A new store becomes available on its `n`-th read (0: at once).
    pub fn ready_after_reads(mut self, n: u32) -> Self {
        self.ready_after_reads = n;
        self
    }

    /// The team's default payment method, used for paid plans when the input names none.
    pub fn team_payment_method(mut self, id: impl Into<String>) -> Self {
        self.team_payment_method = Some(id.into());
        self
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        super::lock_state(&self.state)
    }

    fn configuration() -> IntegrationConfiguration {
        IntegrationConfiguration::new(MEMORY_CONFIGURATION_ID)
            .with_integration(MEMORY_INTEGRATION_ID, MEMORY_INTEGRATION_SLUG)
            .with_status("ready")
            .with_provider(PROVIDER)
    }

    fn product() -> IntegrationProduct {
        IntegrationProduct::new(MEMORY_PRODUCT_ID, MEMORY_PRODUCT_SLUG, "Memory Postgres")
            .with_integration(MEMORY_INTEGRATION_ID, MEMORY_INTEGRATION_SLUG)
            .with_protocol("storage")
            .with_provider(PROVIDER)
    }

    fn plans() -> Vec<BillingPlan> {
        vec![
            BillingPlan::builder(MEMORY_FREE_PLAN, "Free", BillingPlanType::Subscription)
                .description("0.5 GB storage")
                .cost("Free")
                .details(vec![PlanDetail {
                    label: "Storage".into(),
                    value: Some("0.5 GB".into()),
                }])
                .provider(PROVIDER)
                .build(),
            BillingPlan::builder(MEMORY_PRO_PLAN, "Pro", BillingPlanType::Subscription)
                .description("10 GB storage")
                .cost("$20.00 / month")
                .initial_charge("20.00")
                .payment_method_required(true)
                .provider(PROVIDER)
                .build(),
            BillingPlan::builder(MEMORY_PREPAID_PLAN, "Prepaid", BillingPlanType::Prepayment)
                .description("Pay up front, use as you go")
                .minimum_amount("10.00")
                .maximum_amount("1000.00")
                .payment_method_required(true)
                .provider(PROVIDER)
                .build(),
        ]
    }
}

fn not_found(what: &str) -> Error {
    Error::not_found(format!("{what} was not found")).with_provider(PROVIDER)
}

#[async_trait]
impl Stores for MemoryStores {
    fn capabilities(&self) -> StoreCapabilities {
        StoreCapabilities::full(PROVIDER)
    }

    async fn create(&self, input: NewStore) -> Result<Store> {
        const OP: &str = "stores.create";
        self.requests.hit();
        if input.configuration_id().as_str() != MEMORY_CONFIGURATION_ID {
            return Err(not_found(&format!(
                "integration configuration {}",
                input.configuration_id()
            )));
        }
        let product = Self::product();
        if input.product() != product.id && input.product() != product.slug {
            return Err(not_found(&format!("product {}", input.product())));
        }
        let plan_id = input
            .billing_plan_id()
            .map(|p| p.as_str())
            .unwrap_or(MEMORY_FREE_PLAN);
        let plan = Self::plans()
            .into_iter()
            .find(|p| p.id.as_str() == plan_id)
            .ok_or_else(|| not_found(&format!("billing plan {plan_id}")))?;
        if plan.payment_method_required
            && input.payment_method_id().is_none()
            && self.team_payment_method.is_none()
        {
            return Err(Error::new(
                ErrorKind::PaymentRequired,
                format!(
                    "billing plan {plan_id} needs a payment method and the team has no default one"
                ),
            )
            .with_provider(PROVIDER)
            .with_operation(OP));
        }
        match (&plan.plan_type, input.prepayment()) {
            (BillingPlanType::Prepayment, None) => {
                return Err(Error::invalid_field(
                    "prepayment",
                    format!("billing plan {plan_id} is a prepayment plan: say how much"),
                ));
            }
            (BillingPlanType::Prepayment, Some(p)) => {
                let below = plan.minimum.as_ref().is_some_and(|m| p.amount < m.amount);
                let above = plan.maximum.as_ref().is_some_and(|m| p.amount > m.amount);
                if below || above {
                    return Err(Error::invalid_field(
                        "prepayment",
                        format!(
                            "must be between {} and {} USD for plan {plan_id}",
                            plan.minimum_amount.as_deref().unwrap_or("0"),
                            plan.maximum_amount.as_deref().unwrap_or("any")
                        ),
                    ));
                }
            }
            (_, Some(_)) => {
                return Err(Error::invalid_field(
                    "prepayment",
                    format!("billing plan {plan_id} is not a prepayment plan"),
                ));
            }
            (_, None) => {}
        }
        let mut s = self.lock();
        s.next_seq += 1;
        let seq = s.next_seq;
        let id = StoreId::new(make_id("store", seq));
        let store = Store {
            id: Some(id.clone()),
            name: Some(input.name().to_owned()),
            external_resource_id: make_id("memres", seq),
            status: Some(if self.ready_after_reads == 0 {
                StoreStatus::Available
            } else {
                StoreStatus::Initializing
            }),
            product: StoreProduct {
                id: Some(product.id.clone()),
                slug: Some(product.slug.clone()),
                name: Some(product.name.clone()),
                configuration_id: Some(IntegrationConfigurationId::new(MEMORY_CONFIGURATION_ID)),
            },
            billing_plan: Some(plan),
            secrets: vec![
                StoreSecret {
                    name: "DATABASE_URL".into(),
                    length: 96,
                },
                StoreSecret {
                    name: "PGPASSWORD".into(),
                    length: 24,
                },
            ],
            metadata: input.metadata().cloned().unwrap_or_default(),
            provider: Cow::Borrowed(PROVIDER),
            raw: None,
        };
        s.stores.insert(id.as_str().to_owned(), (store.clone(), 0));
        Ok(store)
    }

    async fn get(&self, id: StoreId) -> Result<Store> {
        self.requests.hit();
        let mut s = self.lock();
        let (store, reads) = s
            .stores
            .get_mut(id.as_str())
            .ok_or_else(|| not_found(&format!("store {id}")))?;
        *reads = reads.saturating_add(1);
        if *reads >= self.ready_after_reads {
            store.status = Some(StoreStatus::Available);
        }
        Ok(store.clone())
    }

    async fn delete(&self, id: StoreId) -> Result<()> {
        self.requests.hit();
        let mut s = self.lock();
        s.stores
            .remove(id.as_str())
            .map(|_| ())
            .ok_or_else(|| not_found(&format!("store {id}")))
    }

    /// The seeded plans, whatever the metadata (memory's prices do not depend on it); a configuration other
    /// than [`MEMORY_CONFIGURATION_ID`] is `NotFound`.
    async fn list_billing_plans(&self, query: BillingPlanQuery) -> Result<Vec<BillingPlan>> {
        self.requests.hit();
        let (integration, product) = (query.integration(), query.product());
        if integration != MEMORY_INTEGRATION_ID && integration != MEMORY_INTEGRATION_SLUG {
            return Err(not_found(&format!("integration {integration}")));
        }
        if product != MEMORY_PRODUCT_ID && product != MEMORY_PRODUCT_SLUG {
            return Err(not_found(&format!("product {product}")));
        }
        if let Some(c) = query.configuration_id()
            && c.as_str() != MEMORY_CONFIGURATION_ID
        {
            return Err(not_found(&format!("integration configuration {c}")));
        }
        Ok(Self::plans())
    }

    async fn list_configurations(
        &self,
        integration: Option<String>,
    ) -> Result<Vec<IntegrationConfiguration>> {
        self.requests.hit();
        let c = Self::configuration();
        let matches = integration.as_deref().is_none_or(|i| {
            Some(i) == c.integration_id.as_deref() || Some(i) == c.integration_slug.as_deref()
        });
        Ok(if matches { vec![c] } else { Vec::new() })
    }

    async fn list_products(
        &self,
        configuration_id: IntegrationConfigurationId,
    ) -> Result<Vec<IntegrationProduct>> {
        self.requests.hit();
        if configuration_id.as_str() != MEMORY_CONFIGURATION_ID {
            return Err(not_found(&format!(
                "integration configuration {configuration_id}"
            )));
        }
        Ok(vec![Self::product()])
    }
}
