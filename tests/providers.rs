//! One test body per behaviour, run on memory and on each adapter against its emulator; the provider is
//! chosen by configuration alone (`UNIBILL_<RESOURCE>_PROVIDER` plus the provider's own variables).

#![cfg(all(feature = "flexprice", feature = "flowglad", feature = "vercel"))]

mod support;

use std::time::Duration;

use rust_decimal::Decimal;
use support::{Emulators, rigs};
use unibill::conformance::{connections, customers, prices, stores};
use unibill::{
    BillingConfig, ConnectionProviderType, ConnectionSecrets, Currency, CustomerUpdate, Interval,
    Money, NewConnection, NewCustomer, NewPrice, NewStore, PriceKind, ProviderName, Resource,
    StoresExt, WaitOptions,
};

/// What every suite skips on `provider`: nothing, except that memory built from configuration counts no
/// requests, so its "nothing was sent" check runs in unibill-core's own memory tests instead.
fn expected_skips(provider: ProviderName) -> &'static [(&'static str, &'static str)] {
    match provider {
        ProviderName::Memory => &[(
            "validation_before_sending",
            "the environment does not count requests",
        )],
        ProviderName::Flexprice | ProviderName::Flowglad | ProviderName::Vercel => &[],
    }
}

#[tokio::test]
async fn customers_behave_the_same_on_every_provider() {
    let rigs = rigs(Resource::Customers).await;
    let names: Vec<_> = rigs.iter().map(|r| r.provider).collect();
    assert_eq!(
        names,
        [
            ProviderName::Memory,
            ProviderName::Flexprice,
            ProviderName::Flowglad
        ]
    );
    for rig in &rigs {
        assert_eq!(
            rig.billing.capabilities().customers.provider,
            rig.provider.as_str()
        );
        customers::run_all(&rig.billing.customers(), &rig.env)
            .await
            .assert_skipped(expected_skips(rig.provider));
    }
}

#[tokio::test]
async fn prices_behave_the_same_on_every_provider() {
    let rigs = rigs(Resource::Prices).await;
    let names: Vec<_> = rigs.iter().map(|r| r.provider).collect();
    assert_eq!(
        names,
        [
            ProviderName::Memory,
            ProviderName::Flexprice,
            ProviderName::Flowglad
        ]
    );
    for rig in &rigs {
        assert_eq!(
            rig.billing.capabilities().prices.provider,
            rig.provider.as_str()
        );
        prices::run_all(&rig.billing.prices(), &rig.env)
            .await
            .assert_skipped(expected_skips(rig.provider));
    }
}

#[tokio::test]
async fn connections_behave_the_same_on_every_provider() {
    for rig in &rigs(Resource::Connections).await {
        connections::run_all(&rig.billing.connections(), &rig.env)
            .await
            .assert_skipped(expected_skips(rig.provider));
    }
}

#[tokio::test]
async fn stores_behave_the_same_on_every_provider() {
    for rig in &rigs(Resource::Stores).await {
        stores::run_all(&rig.billing.stores(), &rig.env)
            .await
            .assert_skipped(expected_skips(rig.provider));
    }
}

/// Customers and connections on Flexprice, prices on Flowglad, stores on Vercel: the whole flow through one
/// `Billing`, configured only by variables.
#[tokio::test]
async fn a_mixed_configuration_runs_the_whole_flow() {
    let emulators = Emulators::start().await;
    let mut vars = emulators.variables();
    for (k, v) in [
        ("UNIBILL_CUSTOMERS_PROVIDER", "flexprice"),
        ("UNIBILL_CONNECTIONS_PROVIDER", "flexprice"),
        ("UNIBILL_PRICES_PROVIDER", "flowglad"),
        ("UNIBILL_STORES_PROVIDER", "vercel"),
    ] {
        vars.insert(k.into(), v.into());
    }
    let billing = BillingConfig::from_lookup(|n| vars.get(n).cloned())
        .unwrap()
        .build()
        .unwrap();
    let caps = billing.capabilities();
    assert_eq!(
        [
            caps.customers.provider,
            caps.connections.provider,
            caps.prices.provider,
            caps.stores.provider
        ],
        ["flexprice", "flexprice", "flowglad", "vercel"]
    );

    let customer = billing
        .customers()
        .create(
            NewCustomer::builder("mixed-1", "Mixed Co")
                .email("mixed@example.com")
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(customer.provider, "flexprice");
    let renamed = billing
        .customers()
        .update(
            customer.id.clone(),
            CustomerUpdate::builder()
                .name("Mixed Co Ltd")
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(renamed.name, "Mixed Co Ltd");

    let price = billing
        .prices()
        .create(
            NewPrice::builder(
                PriceKind::recurring(Interval::monthly()),
                Money::new(Decimal::new(2900, 2), Currency::USD),
            )
            .product_id(unibill_testkit::emulators::flowglad::seed::PRO_PRODUCT_ID)
            .name("Pro")
            .slug("mixed-pro")
            .build()
            .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(
        (price.provider.as_ref(), price.unit_amount.amount),
        ("flowglad", Decimal::new(2900, 2))
    );

    let connection = billing
        .connections()
        .create(
            NewConnection::builder("Stripe", ConnectionProviderType::Stripe)
                .secrets(ConnectionSecrets::stripe(
                    "pk_test_mixed",
                    "sk_test_mixed_secret",
                    "whsec_mixed",
                ))
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(connection.provider, "flexprice");
    assert!(!format!("{connection:?}").contains("sk_test_mixed_secret"));

    let plans = billing
        .stores()
        .list_billing_plans(
            unibill::BillingPlanQuery::new(
                unibill_testkit::emulators::vercel::seed::INTEGRATION_SLUG,
                unibill_testkit::emulators::vercel::seed::NEON_PRODUCT_SLUG,
            )
            .unwrap(),
        )
        .await
        .unwrap();
    assert!(plans.iter().any(|p| p.is_free()));
    let store = billing
        .stores()
        .create(
            NewStore::builder(
                "mixed-db",
                unibill_testkit::emulators::vercel::seed::CONFIGURATION_ID,
                unibill_testkit::emulators::vercel::seed::NEON_PRODUCT_SLUG,
            )
            .build()
            .unwrap(),
        )
        .await
        .unwrap();
    let id = store.id.clone().expect("the emulator returns the store id");
    let ready = billing
        .stores()
        .wait_until_ready(id.clone(), WaitOptions::new(Duration::ZERO, 10))
        .await
        .unwrap();
    assert!(ready.is_ready());

    billing.stores().delete(id).await.unwrap();
    billing.prices().archive(price.id).await.unwrap();
    billing.connections().delete(connection.id).await.unwrap();
    billing.customers().delete(customer.id).await.unwrap();
    for p in [
        ProviderName::Flexprice,
        ProviderName::Flowglad,
        ProviderName::Vercel,
    ] {
        assert!(emulators.requests(p) > 0, "{p} served part of the flow");
    }
}

/// A duplicate `ensure` is two requests on every HTTP provider: the create that conflicts and the executor's
/// lookup that names the holder (its answer is the existing resource: no third read).
#[tokio::test]
async fn a_duplicate_ensure_costs_two_requests() {
    use unibill::{CustomersExt, PricesExt};
    for rig in rigs(Resource::Customers).await {
        let Some(before_first) = rig.env.requests_seen() else {
            continue; // memory sends nothing
        };
        let customers = rig.billing.customers();
        let input = NewCustomer::builder(rig.env.unique("ensure"), "Ada Lovelace")
            .email("ada@example.com")
            .build()
            .unwrap();
        let created = customers.ensure(input.clone()).await.unwrap();
        assert!(created.was_created(), "{}", rig.provider);
        let before = rig.env.requests_seen().unwrap();
        assert!(before > before_first);
        let existing = customers.ensure(input).await.unwrap();
        assert!(!existing.was_created(), "{}", rig.provider);
        assert_eq!(existing.into_inner().id, created.into_inner().id);
        assert_eq!(
            rig.env.requests_seen().unwrap() - before,
            2,
            "customers on {}",
            rig.provider
        );
    }
    for rig in rigs(Resource::Prices).await {
        // Flexprice holds a slug as a natural key; Flowglad's create archives the product's other prices first,
        // so a second create with the slug is a new price, not a conflict (its conformance skips the check).
        if rig.provider != ProviderName::Flexprice {
            continue;
        }
        let prices = rig.billing.prices();
        let product = rig
            .env
            .fixtures
            .product_id
            .clone()
            .expect("a product to price");
        let input = NewPrice::builder(
            PriceKind::recurring(Interval::monthly()),
            Money::new(Decimal::new(1900, 2), Currency::USD),
        )
        .product_id(product)
        .name("Ensured")
        .slug(rig.env.unique("ensure-price"))
        .build()
        .unwrap();
        let created = prices.ensure(input.clone()).await.unwrap();
        assert!(created.was_created(), "{}", rig.provider);
        let before = rig.env.requests_seen().unwrap();
        let existing = prices.ensure(input).await.unwrap();
        assert!(!existing.was_created(), "{}", rig.provider);
        let requests = rig.env.requests_seen().unwrap() - before;
        assert_eq!(requests, 2, "prices on {}", rig.provider);
    }
}
