//! Conformance of [`Stores`] implementations: the catalogue is discovered through the trait (configurations →
//! products → plans), so no store fixture is needed.

use super::{Checked, Env, Report};
use crate::api::{Stores, StoresExt};
use crate::error::ErrorKind;
use crate::id::{IntegrationConfigurationId, StoreId};
use crate::model::store::{
    BillingPlan, BillingPlanQuery, BillingPlanType, IntegrationProduct, NewStore, StoreMetadata,
};

struct Catalogue {
    configuration: IntegrationConfigurationId,
    /// The integration's id or slug, where the configuration names one.
    integration: Option<String>,
    product: IntegrationProduct,
    plans: Vec<BillingPlan>,
}

async fn discover<S: Stores + ?Sized>(s: &S) -> Option<Catalogue> {
    let caps = s.capabilities();
    if !(caps.list_configurations && caps.list_products) {
        return None;
    }
    let configs = s
        .list_configurations(None)
        .await
        .expect("list_configurations");
    for cfg in configs.into_iter().filter(|c| c.is_usable()) {
        let products = s
            .list_products(cfg.id.clone())
            .await
            .expect("list_products");
        if let Some(product) = products.into_iter().find(IntegrationProduct::is_storage) {
            let integration = cfg.integration_id.clone().or(cfg.integration_slug.clone());
            let plans = match (caps.list_billing_plans, &integration) {
                (true, Some(i)) => s
                    .list_billing_plans(
                        BillingPlanQuery::new(i.clone(), product.id.clone())
                            .expect("a discovered integration and product make a valid query"),
                    )
                    .await
                    .expect("list_billing_plans"),
                _ => Vec::new(),
            };
            return Some(Catalogue {
                configuration: cfg.id,
                integration,
                product,
                plans,
            });
        }
    }
    None
}

/// Runs every store behaviour, in this order, and reports which passed and which were skipped.
pub async fn run_all<S: Stores + ?Sized>(s: &S, env: &Env) -> Report {
    run_in_order!(
        "stores",
        s,
        env,
        free_plan_and_readiness,
        paid_plan,
        billing_plans_for_an_installation,
        validation_before_sending,
    )
}

/// The billing plans of a product can be asked for one installation and for the metadata a store would be
/// created with (empty here: which keys a product takes is its own schema); a configuration that does not
/// exist is `NotFound`.
pub async fn billing_plans_for_an_installation<S: Stores + ?Sized>(s: &S, _env: &Env) -> Checked {
    if !s.capabilities().list_billing_plans {
        return Checked::Skipped("needs list_billing_plans");
    }
    let Some(cat) = discover(s).await else {
        return Checked::Skipped("no usable configuration with a storage product");
    };
    let Some(integration) = cat.integration.clone() else {
        return Checked::Skipped("the configuration names no integration");
    };
    let query = |configuration: &str| {
        BillingPlanQuery::builder(integration.clone(), cat.product.id.clone())
            .configuration_id(configuration)
            .metadata(StoreMetadata::new())
            .build()
            .expect("a valid plans query")
    };
    let plans = s
        .list_billing_plans(query(cat.configuration.as_str()))
        .await
        .expect("the plans of the discovered installation");
    assert_eq!(
        plans.is_empty(),
        cat.plans.is_empty(),
        "the installation's plans are the product's"
    );
    let err = s
        .list_billing_plans(query("icfg_conformanceNoSuchInstallation0"))
        .await
        .unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::NotFound,
        "an unknown configuration: {err}"
    );
    Checked::Passed
}

/// A store without a plan takes the free plan, becomes available through `wait_until_ready`, and is gone
/// after delete.
pub async fn free_plan_and_readiness<S: Stores + ?Sized>(s: &S, env: &Env) -> Checked {
    let caps = s.capabilities();
    if !(caps.create && caps.get && caps.delete) {
        return Checked::Skipped("needs create, get and delete");
    }
    let Some(cat) = discover(s).await else {
        return Checked::Skipped("no usable configuration with a storage product");
    };
    let input = NewStore::builder(
        env.unique("store"),
        cat.configuration.clone(),
        cat.product.slug.clone(),
    )
    // No metadata: which keys a store takes is the product's own schema (Vercel validates against it).
    .build()
    .expect("valid conformance store");
    let created = s.create(input).await.expect("create on the free plan");
    if let Some(plan) = &created.billing_plan {
        assert!(
            plan.is_free(),
            "no plan means the free plan, got {}",
            plan.id
        );
    }
    assert!(
        created.secrets.iter().all(|x| !x.name.is_empty()),
        "secrets are names and lengths"
    );
    let Some(id) = created.id.clone() else {
        return Checked::Skipped("the provider did not return the store id");
    };
    let ready = s
        .wait_until_ready(id.clone(), env.wait.clone())
        .await
        .expect("the store becomes ready");
    assert!(ready.is_ready());
    assert_eq!(ready.external_resource_id, created.external_resource_id);
    s.delete(id.clone()).await.expect("delete");
    assert_eq!(
        s.get(id).await.unwrap_err().kind(),
        ErrorKind::NotFound,
        "a deleted store is gone"
    );
    Checked::Passed
}

/// A paid subscription plan is taken with a payment method and reported back.
pub async fn paid_plan<S: Stores + ?Sized>(s: &S, env: &Env) -> Checked {
    let caps = s.capabilities();
    if !(caps.create && caps.fields.billing_plan) {
        return Checked::Skipped("needs create with a billing plan");
    }
    let Some(cat) = discover(s).await else {
        return Checked::Skipped("no usable configuration with a storage product");
    };
    let Some(plan) = cat.plans.iter().find(|p| {
        p.plan_type == BillingPlanType::Subscription && p.payment_method_required && !p.disabled
    }) else {
        return Checked::Skipped("no paid subscription plan");
    };
    let Some(pm) = &env.fixtures.payment_method_id else {
        return Checked::Skipped("needs a payment method fixture");
    };
    let input = NewStore::builder(
        env.unique("paid"),
        cat.configuration.clone(),
        cat.product.id.clone(),
    )
    .billing_plan_id(plan.id.clone())
    .payment_method_id(pm)
    .build()
    .unwrap();
    let created = s.create(input).await.expect("create on a paid plan");
    if let Some(p) = &created.billing_plan {
        assert_eq!(p.id, plan.id, "the chosen plan is used");
    }
    if let (true, Some(id)) = (caps.delete, created.id) {
        s.delete(id).await.expect("delete");
    }
    Checked::Passed
}

/// Invalid input never reaches the provider.
pub async fn validation_before_sending<S: Stores + ?Sized>(s: &S, env: &Env) -> Checked {
    let Some(before) = env.requests_seen() else {
        return Checked::Skipped("the environment does not count requests");
    };
    assert!(NewStore::builder("x", "cfg_1", "p").build().is_err());
    assert!(BillingPlanQuery::new("", "p").is_err());
    let err = s.get(StoreId::new("")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    if s.capabilities().list_products {
        let err = s
            .list_products(IntegrationConfigurationId::new(""))
            .await
            .unwrap_err();
        assert_eq!(err.field_errors()[0].field, "configuration_id");
    }
    assert_eq!(
        env.requests_seen(),
        Some(before),
        "nothing may reach the provider for invalid input"
    );
    Checked::Passed
}
