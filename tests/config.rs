//! Configuration rules of architecture §6 that need no provider credentials.

use std::collections::HashMap;

use unibill::{BillingConfig, Customers, ErrorKind, ProviderName, Resource, Stores};

fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| map.get(name).cloned()
}

#[tokio::test]
async fn nothing_configured_means_memory_everywhere() {
    let config = BillingConfig::from_lookup(lookup(&[])).unwrap();
    for r in Resource::ALL {
        assert_eq!(config.route(r), Some(ProviderName::Memory), "{r}");
    }
    let billing = config.build().unwrap();
    let caps = billing.capabilities();
    assert_eq!(caps.customers.provider, "memory");
    assert_eq!(caps.stores.provider, "memory");
}

#[tokio::test]
async fn once_anything_is_configured_unrouted_resources_are_unsupported() {
    let config =
        BillingConfig::from_lookup(lookup(&[("UNIBILL_CUSTOMERS_PROVIDER", "memory")])).unwrap();
    assert_eq!(
        config.route(Resource::Customers),
        Some(ProviderName::Memory)
    );
    assert_eq!(config.route(Resource::Stores), None);
    let billing = config.build().unwrap();
    assert!(billing.customers().capabilities().create);
    let err = billing.stores().get("store_1".into()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
}

#[test]
fn per_resource_routes_win_over_the_default() {
    let config = BillingConfig::from_lookup(lookup(&[
        ("UNIBILL_PROVIDER", "memory"),
        ("UNIBILL_STORES_PROVIDER", "vercel"),
    ]))
    .unwrap();
    assert_eq!(
        config.route(Resource::Customers),
        Some(ProviderName::Memory)
    );
    assert_eq!(config.route(Resource::Stores), Some(ProviderName::Vercel));
}

#[test]
fn unknown_provider_names_are_config_errors_naming_the_variable() {
    let err =
        BillingConfig::from_lookup(lookup(&[("UNIBILL_PRICES_PROVIDER", "stripe")])).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.to_string().contains("UNIBILL_PRICES_PROVIDER"), "{err}");
}

#[test]
fn a_provider_that_does_not_serve_a_resource_is_a_config_error() {
    let config = BillingConfig::new().route_to(Resource::Stores, ProviderName::Flowglad);
    let err = config.build().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    let text = err.to_string();
    assert!(
        text.contains("does not serve stores") || text.contains("cargo feature"),
        "{text}"
    );
}

#[test]
fn provider_keys_without_any_route_are_a_config_error() {
    let config =
        BillingConfig::from_lookup(lookup(&[("FLEXPRICE_API_KEY", "sk_planted_secret")])).unwrap();
    let err = config.build().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.to_string().contains("UNIBILL_PROVIDER"), "{err}");
    assert!(!err.to_string().contains("sk_planted_secret"));
}

#[test]
fn debug_of_a_config_shows_no_secret() {
    let config = BillingConfig::from_lookup(lookup(&[
        ("UNIBILL_PROVIDER", "flexprice"),
        ("FLEXPRICE_API_KEY", "sk_planted_flexprice"),
        ("FLOWGLAD_SECRET_KEY", "sk_test_planted_flowglad"),
        ("VERCEL_TOKEN", "planted_vercel_token"),
        ("VERCEL_TEAM_ID", "team_visible"),
    ]))
    .unwrap();
    let debug = format!("{config:?} {config:#?}");
    for secret in [
        "sk_planted_flexprice",
        "sk_test_planted_flowglad",
        "planted_vercel_token",
    ] {
        assert!(!debug.contains(secret), "{debug}");
    }
    assert!(
        debug.contains("team_visible"),
        "non-secret settings stay visible: {debug}"
    );
}

#[test]
fn toml_routes_and_secret_references() {
    let toml = r#"
        provider = "memory"
        [routes]
        customers = "flexprice"
        [flexprice]
        api_key_env = "MY_FLEXPRICE_KEY"
        region = "india"
    "#;
    let config =
        BillingConfig::from_toml_str(toml, lookup(&[("MY_FLEXPRICE_KEY", "sk_from_env")])).unwrap();
    assert_eq!(
        config.route(Resource::Customers),
        Some(ProviderName::Flexprice)
    );
    assert_eq!(config.route(Resource::Prices), Some(ProviderName::Memory));
    assert!(!format!("{config:?}").contains("sk_from_env"));
}

#[test]
fn toml_errors_name_what_to_fix() {
    for (toml, expect) in [
        ("[flexprice]\napi_key = \"sk_inline\"", "api_key_env"),
        ("[flexprice]\napi_key_env = \"UNSET_VAR\"", "UNSET_VAR"),
        ("[flexprice]\nregoin = \"us\"", "regoin"),
        ("providr = \"memory\"", "providr"),
        ("[routes]\nrefunds = \"memory\"", "refunds"),
        ("[routes]\nstores = \"s3\"", "s3"),
        ("provider = [", "invalid TOML"),
    ] {
        let err = BillingConfig::from_toml_str(toml, lookup(&[])).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config, "{toml}");
        assert!(err.to_string().contains(expect), "{toml}: {err}");
        assert!(!err.to_string().contains("sk_inline"), "{err}");
    }
}

#[test]
fn code_configuration_refuses_unknown_variables() {
    let err = BillingConfig::new()
        .set("FLEXPRICE_APIKEY", "x")
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(
        err.to_string().contains("FLEXPRICE_API_KEY"),
        "lists the known names: {err}"
    );
}

#[cfg(feature = "flexprice")]
#[test]
fn a_missing_key_names_the_variable() {
    let config =
        BillingConfig::from_lookup(lookup(&[("UNIBILL_CUSTOMERS_PROVIDER", "flexprice")])).unwrap();
    let err = config.build().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.to_string().contains("FLEXPRICE_API_KEY"), "{err}");
}

#[cfg(feature = "flowglad")]
#[test]
fn a_missing_flowglad_key_names_the_variable() {
    let config =
        BillingConfig::from_lookup(lookup(&[("UNIBILL_PRICES_PROVIDER", "flowglad")])).unwrap();
    let err = config.build().unwrap_err();
    assert!(err.to_string().contains("FLOWGLAD_SECRET_KEY"), "{err}");
}

/// Defect 6 of issue 18: the organisation currency is configuration input, as strict as `--currency`. A typo
/// or a code outside ISO 4217's active list, from the environment or the TOML `[flowglad] currency` key, is a
/// `Config` error at build naming where it came from, not a currency every price is then held to.
#[cfg(feature = "flowglad")]
#[test]
fn an_unknown_flowglad_currency_is_a_config_error_from_env_and_toml() {
    for code in ["UDS", "BTC", "XTS"] {
        let from_env = BillingConfig::from_lookup(lookup(&[
            ("UNIBILL_PRICES_PROVIDER", "flowglad"),
            ("FLOWGLAD_SECRET_KEY", "sk_test_cfg"),
            ("FLOWGLAD_CURRENCY", code),
        ]))
        .unwrap();
        let toml = format!(
            "[routes]\nprices = \"flowglad\"\n[flowglad]\nsecret_key_env = \"K\"\ncurrency = \"{code}\"\n"
        );
        let from_toml =
            BillingConfig::from_toml_str(&toml, lookup(&[("K", "sk_test_cfg")])).unwrap();
        for config in [from_env, from_toml] {
            let err = config.build().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Config, "{code}");
            let shown = err.to_string();
            assert!(
                shown.contains("FLOWGLAD_CURRENCY")
                    && shown.contains("[flowglad]")
                    && shown.contains(code),
                "{code}: {shown}"
            );
        }
    }
    let toml =
        "[routes]\nprices = \"flowglad\"\n[flowglad]\nsecret_key_env = \"K\"\ncurrency = \"eur\"\n";
    BillingConfig::from_toml_str(toml, lookup(&[("K", "sk_test_cfg")]))
        .unwrap()
        .build()
        .unwrap();
}

#[cfg(feature = "vercel")]
#[test]
fn a_missing_vercel_token_names_the_variable() {
    let config =
        BillingConfig::from_lookup(lookup(&[("UNIBILL_STORES_PROVIDER", "vercel")])).unwrap();
    let err = config.build().unwrap_err();
    assert!(err.to_string().contains("VERCEL_TOKEN"), "{err}");
}

/// Runs in CI with `--no-default-features --features flexprice`: the other providers are not compiled in.
#[cfg(not(feature = "flowglad"))]
#[test]
fn a_provider_not_compiled_in_names_the_feature() {
    let config = BillingConfig::from_lookup(lookup(&[
        ("UNIBILL_PRICES_PROVIDER", "flowglad"),
        ("FLOWGLAD_SECRET_KEY", "sk_test_x"),
    ]))
    .unwrap();
    let err = config.build().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(
        err.to_string().contains("cargo feature `flowglad`"),
        "{err}"
    );
}

#[cfg(not(feature = "vercel"))]
#[test]
fn vercel_not_compiled_in_names_the_feature() {
    let err = BillingConfig::new()
        .route_to(Resource::Stores, ProviderName::Vercel)
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("cargo feature `vercel`"), "{err}");
}

#[cfg(feature = "flexprice")]
#[test]
fn the_default_provider_routes_what_it_serves_and_leaves_the_rest_unsupported() {
    // The README's own `UNIBILL_PROVIDER=flexprice FLEXPRICE_API_KEY=… cargo run --example switch_provider`.
    let billing = BillingConfig::from_lookup(lookup(&[
        ("UNIBILL_PROVIDER", "flexprice"),
        ("FLEXPRICE_API_KEY", "sk_planted_secret"),
    ]))
    .unwrap()
    .build()
    .unwrap();
    let caps = billing.capabilities();
    assert_eq!(caps.customers.provider, "flexprice");
    assert_eq!(caps.prices.provider, "flexprice");
    assert_eq!(caps.connections.provider, "flexprice");
    assert_eq!(caps.stores.provider, "unconfigured");
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let err = rt
        .block_on(billing.stores().get(unibill::StoreId::new("store_1")))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
    assert!(err.to_string().contains("UNIBILL_STORES_PROVIDER"), "{err}");

    // The same from code and from TOML.
    let from_code = BillingConfig::new()
        .provider(ProviderName::Flexprice)
        .set("FLEXPRICE_API_KEY", "sk_planted_secret")
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(from_code.capabilities().stores.provider, "unconfigured");

    // An explicit route to a provider that cannot serve the resource stays a configuration error.
    let err = BillingConfig::from_lookup(lookup(&[
        ("UNIBILL_PROVIDER", "flexprice"),
        ("UNIBILL_STORES_PROVIDER", "flexprice"),
        ("FLEXPRICE_API_KEY", "sk_planted_secret"),
    ]))
    .unwrap()
    .build()
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.to_string().contains("does not serve stores"), "{err}");
}
