//! Routing the billing-lifecycle resources (lifecycle §3, review finding 23): their variables and TOML keys
//! route them like the first four, `UNIBILL_PROVIDER` routes every one its provider serves, and customers,
//! prices and the lifecycle resources resolve to one provider or the configuration is a `Config` error naming
//! both settings.

use std::collections::HashMap;

use unibill::{BillingConfig, ErrorKind, ProviderName, Resource};

fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| map.get(name).cloned()
}

#[test]
fn each_lifecycle_resource_has_its_variable_and_name() {
    let expected = [
        (Resource::Meters, "meters", "UNIBILL_METERS_PROVIDER"),
        (Resource::Features, "features", "UNIBILL_FEATURES_PROVIDER"),
        (
            Resource::Subscriptions,
            "subscriptions",
            "UNIBILL_SUBSCRIPTIONS_PROVIDER",
        ),
        (Resource::Usage, "usage", "UNIBILL_USAGE_PROVIDER"),
        (
            Resource::Entitlements,
            "entitlements",
            "UNIBILL_ENTITLEMENTS_PROVIDER",
        ),
        (Resource::Invoices, "invoices", "UNIBILL_INVOICES_PROVIDER"),
    ];
    assert_eq!(
        Resource::LIFECYCLE.to_vec(),
        expected.iter().map(|(r, _, _)| *r).collect::<Vec<_>>()
    );
    for (resource, name, var) in expected {
        assert_eq!((resource.as_str(), resource.env_var()), (name, var));
        assert_eq!(name.parse::<Resource>().unwrap(), resource);
        assert!(resource.is_lifecycle() && Resource::ALL.contains(&resource));
        assert!(Resource::ONE_PROVIDER.contains(&resource));
    }
    assert!(!Resource::Customers.is_lifecycle());
    let err = "invoice".parse::<Resource>().unwrap_err();
    assert!(err.to_string().contains("invoices"), "{err}");
}

#[test]
fn memory_flexprice_and_flowglad_serve_the_lifecycle_and_vercel_does_not() {
    for r in Resource::LIFECYCLE {
        assert!(ProviderName::Memory.serves(r), "{r}");
        assert!(ProviderName::Flexprice.serves(r), "{r}");
        assert!(ProviderName::Flowglad.serves(r), "{r}");
        assert!(!ProviderName::Vercel.serves(r), "{r}");
    }
}

#[test]
fn each_variable_routes_its_lifecycle_resource() {
    for r in Resource::LIFECYCLE {
        let config = BillingConfig::from_lookup(lookup(&[(r.env_var(), "memory")])).unwrap();
        assert_eq!(config.route(r), Some(ProviderName::Memory), "{r}");
        for other in Resource::ALL.into_iter().filter(|o| *o != r) {
            assert_eq!(config.route(other), None, "{r} routes {other}");
        }
        config.build().unwrap();
    }
}

#[tokio::test]
async fn unibill_provider_routes_every_lifecycle_resource_its_provider_serves() {
    let memory = BillingConfig::from_lookup(lookup(&[("UNIBILL_PROVIDER", "memory")])).unwrap();
    for r in Resource::ALL {
        assert_eq!(memory.route(r), Some(ProviderName::Memory), "{r}");
    }
    memory.build().unwrap();

    let flexprice =
        BillingConfig::from_lookup(lookup(&[("UNIBILL_PROVIDER", "flexprice")])).unwrap();
    assert_eq!(
        flexprice.route(Resource::Customers),
        Some(ProviderName::Flexprice)
    );
    for r in Resource::LIFECYCLE {
        assert_eq!(flexprice.route(r), Some(ProviderName::Flexprice), "{r}");
    }
    assert_eq!(
        flexprice.route(Resource::Stores),
        None,
        "Flexprice has no stores"
    );

    let flowglad = BillingConfig::from_lookup(lookup(&[("UNIBILL_PROVIDER", "flowglad")])).unwrap();
    for r in Resource::LIFECYCLE {
        assert_eq!(flowglad.route(r), Some(ProviderName::Flowglad), "{r}");
    }
    for r in [Resource::Connections, Resource::Stores] {
        assert_eq!(flowglad.route(r), None, "Flowglad has no {r}");
    }

    let vercel = BillingConfig::from_lookup(lookup(&[("UNIBILL_PROVIDER", "vercel")])).unwrap();
    assert_eq!(vercel.route(Resource::Stores), Some(ProviderName::Vercel));
    for r in Resource::LIFECYCLE {
        assert_eq!(vercel.route(r), None, "{r}");
    }
}

#[cfg(feature = "flexprice")]
#[test]
fn unibill_provider_flexprice_builds_the_lifecycle_on_one_client() {
    let billing = BillingConfig::from_lookup(lookup(&[
        ("UNIBILL_PROVIDER", "flexprice"),
        ("FLEXPRICE_API_KEY", "sk_test"),
    ]))
    .unwrap()
    .build()
    .unwrap();
    let caps = billing.capabilities();
    for provider in [
        caps.customers.provider,
        caps.prices.provider,
        caps.meters.provider,
        caps.features.provider,
        caps.subscriptions.provider,
        caps.usage.provider,
        caps.entitlements.provider,
        caps.invoices.provider,
    ] {
        assert_eq!(provider, "flexprice");
    }
}

#[cfg(feature = "flowglad")]
#[test]
fn unibill_provider_flowglad_builds_the_lifecycle_on_one_client() {
    let billing = BillingConfig::from_lookup(lookup(&[
        ("UNIBILL_PROVIDER", "flowglad"),
        ("FLOWGLAD_SECRET_KEY", "sk_test"),
    ]))
    .unwrap()
    .build()
    .unwrap();
    let caps = billing.capabilities();
    for provider in [
        caps.customers.provider,
        caps.prices.provider,
        caps.meters.provider,
        caps.features.provider,
        caps.subscriptions.provider,
        caps.usage.provider,
        caps.entitlements.provider,
        caps.invoices.provider,
    ] {
        assert_eq!(provider, "flowglad");
    }
}

#[test]
fn nothing_configured_routes_the_lifecycle_to_memory() {
    let config = BillingConfig::from_lookup(lookup(&[])).unwrap();
    for r in Resource::LIFECYCLE {
        assert_eq!(config.route(r), Some(ProviderName::Memory), "{r}");
    }
    let billing = config.build().unwrap();
    assert_eq!(billing.capabilities().customers.provider, "memory");
}

#[test]
fn a_lifecycle_resource_on_a_provider_that_does_not_serve_it_is_a_config_error() {
    // Vercel serves none of the lifecycle (Flexprice and Flowglad serve all six).
    let err = BillingConfig::from_lookup(lookup(&[("UNIBILL_SUBSCRIPTIONS_PROVIDER", "vercel")]))
        .unwrap()
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config, "{err}");
    assert!(err.to_string().contains("subscriptions"), "{err}");
}

#[test]
fn the_lifecycle_and_customers_on_two_providers_is_a_config_error_naming_both() {
    let err = BillingConfig::from_lookup(lookup(&[
        ("UNIBILL_SUBSCRIPTIONS_PROVIDER", "memory"),
        ("UNIBILL_CUSTOMERS_PROVIDER", "flexprice"),
        ("FLEXPRICE_API_KEY", "sk_test"),
    ]))
    .unwrap()
    .build()
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    let text = err.to_string();
    assert!(
        text.contains(
            "UNIBILL_SUBSCRIPTIONS_PROVIDER=memory but UNIBILL_CUSTOMERS_PROVIDER=flexprice"
        ),
        "{text}"
    );
    assert!(text.contains("one provider"), "{text}");
    assert!(!text.contains("sk_test"), "{text}");
}

#[test]
fn a_route_through_unibill_provider_is_named_as_such() {
    let err = BillingConfig::from_lookup(lookup(&[
        ("UNIBILL_PROVIDER", "flowglad"),
        ("UNIBILL_USAGE_PROVIDER", "memory"),
    ]))
    .unwrap()
    .build()
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(
        err.to_string().contains(
            // Flowglad serves the lifecycle: UNIBILL_PROVIDER routes its meters before usage is met.
            "UNIBILL_PROVIDER=flowglad (routing meters) but UNIBILL_USAGE_PROVIDER=memory"
        ),
        "{err}"
    );

    // Memory by default, prices elsewhere: the lifecycle would name prices memory does not hold.
    let err = BillingConfig::from_lookup(lookup(&[
        ("UNIBILL_PROVIDER", "memory"),
        ("UNIBILL_PRICES_PROVIDER", "flowglad"),
    ]))
    .unwrap()
    .build()
    .unwrap_err();
    assert!(
        err.to_string().contains(
            "UNIBILL_PROVIDER=memory (routing meters) but UNIBILL_PRICES_PROVIDER=flowglad"
        ),
        "{err}"
    );
}

#[test]
fn the_rule_binds_only_once_a_lifecycle_resource_is_routed() {
    // No lifecycle resource routed: customers and prices may still be split, as before.
    let config = BillingConfig::from_lookup(lookup(&[
        ("UNIBILL_CUSTOMERS_PROVIDER", "memory"),
        ("UNIBILL_PRICES_PROVIDER", "flowglad"),
        ("FLOWGLAD_SECRET_KEY", "sk_test"),
    ]))
    .unwrap();
    let err = config.build().err();
    assert!(
        err.as_ref()
            .is_none_or(|e| !e.to_string().contains("one provider")),
        "{err:?}"
    );
}

#[test]
fn connections_and_stores_stand_apart_from_the_rule() {
    let config = BillingConfig::from_lookup(lookup(&[
        ("UNIBILL_PROVIDER", "memory"),
        ("UNIBILL_STORES_PROVIDER", "vercel"),
        ("UNIBILL_CONNECTIONS_PROVIDER", "flexprice"),
        ("FLEXPRICE_API_KEY", "sk_test"),
        ("VERCEL_TOKEN", "vt_test"),
        ("VERCEL_TEAM_ID", "team_test"),
    ]))
    .unwrap();
    let err = config.build().err();
    assert!(
        err.as_ref()
            .is_none_or(|e| !e.to_string().contains("one provider")),
        "{err:?}"
    );
}

#[test]
fn toml_routes_the_lifecycle_and_keeps_the_rule() {
    let toml = r#"
        [routes]
        customers = "memory"
        prices = "memory"
        meters = "memory"
        features = "memory"
        subscriptions = "memory"
        usage = "memory"
        entitlements = "memory"
        invoices = "memory"
    "#;
    let config = BillingConfig::from_toml_str(toml, |_| None).unwrap();
    for r in Resource::ONE_PROVIDER {
        assert_eq!(config.route(r), Some(ProviderName::Memory), "{r}");
    }
    assert_eq!(config.route(Resource::Stores), None);
    config.build().unwrap();

    let split = "provider = \"memory\"\n[routes]\ncustomers = \"flowglad\"\n";
    let err = BillingConfig::from_toml_str(split, |_| None)
        .unwrap()
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(
        err.to_string()
            .contains("but UNIBILL_CUSTOMERS_PROVIDER=flowglad"),
        "{err}"
    );

    let err =
        BillingConfig::from_toml_str("[routes]\nsubscription = \"memory\"", |_| None).unwrap_err();
    assert!(err.to_string().contains("subscriptions"), "{err}");
}
