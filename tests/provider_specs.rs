//! The provider table (`unibill::PROVIDERS`) against each compiled adapter: the variables it lists are the ones
//! the adapter reads (its own `ENV_*` constants), and the resources it lists are the ones whose capabilities the
//! adapter fills (not `none()`). A provider fact changed in one place and not the other fails here.

use unibill::{
    ConnectionCapabilities, CustomerCapabilities, PROVIDERS, PriceCapabilities, ProviderName,
    Resource, StoreCapabilities,
};

fn var_names(provider: ProviderName) -> Vec<&'static str> {
    provider.spec().vars.iter().map(|v| v.name).collect()
}

/// The resources whose capabilities `caps` fills, given as (resource, is it `none()`).
fn served(caps: &[(Resource, bool)]) -> Vec<Resource> {
    let mut out: Vec<_> = caps
        .iter()
        .filter(|(_, none)| !none)
        .map(|(r, _)| *r)
        .collect();
    out.sort();
    out
}

fn spec_resources(provider: ProviderName) -> Vec<Resource> {
    let mut out = provider.spec().resources.to_vec();
    out.sort();
    out
}

#[test]
fn memory_serves_everything_and_reads_nothing() {
    assert_eq!(spec_resources(ProviderName::Memory), {
        let mut all = Resource::ALL.to_vec();
        all.sort();
        all
    });
    assert!(var_names(ProviderName::Memory).is_empty());
    assert_eq!(PROVIDERS.len(), ProviderName::ALL.len());
}

#[cfg(feature = "flexprice")]
#[test]
fn flexprice_matches_its_adapter() {
    use unibill::flexprice::{
        ENV_API_KEY, ENV_BASE_URL, ENV_REGION, FlexpriceClient, FlexpriceConfig,
    };
    use unibill::{Connections, Customers, Prices};

    assert_eq!(
        var_names(ProviderName::Flexprice),
        [ENV_API_KEY, ENV_REGION, ENV_BASE_URL]
    );
    let client =
        FlexpriceClient::new(FlexpriceConfig::builder("sk_spec").build().unwrap()).unwrap();
    let name = "flexprice";
    assert_eq!(
        served(&[
            (
                Resource::Customers,
                Customers::capabilities(&client) == CustomerCapabilities::none(name)
            ),
            (
                Resource::Prices,
                Prices::capabilities(&client) == PriceCapabilities::none(name)
            ),
            (
                Resource::Connections,
                Connections::capabilities(&client) == ConnectionCapabilities::none(name)
            ),
        ]),
        spec_resources(ProviderName::Flexprice)
    );
}

#[cfg(feature = "flowglad")]
#[test]
fn flowglad_matches_its_adapter() {
    use unibill::flowglad::{
        ENV_BASE_URL, ENV_CURRENCY, ENV_SECRET_KEY, FlowgladClient, FlowgladConfig,
    };
    use unibill::{Customers, Prices};

    assert_eq!(
        var_names(ProviderName::Flowglad),
        [ENV_SECRET_KEY, ENV_BASE_URL, ENV_CURRENCY]
    );
    let client =
        FlowgladClient::new(FlowgladConfig::builder("sk_test_spec").build().unwrap()).unwrap();
    let name = "flowglad";
    assert_eq!(
        served(&[
            (
                Resource::Customers,
                Customers::capabilities(&client) == CustomerCapabilities::none(name)
            ),
            (
                Resource::Prices,
                Prices::capabilities(&client) == PriceCapabilities::none(name)
            ),
        ]),
        spec_resources(ProviderName::Flowglad)
    );
}

#[cfg(feature = "storage-integration")]
#[test]
fn vercel_matches_its_adapter() {
    use unibill::Stores;
    use unibill::vercel::{
        ENV_BASE_URL, ENV_TEAM_ID, ENV_TEAM_SLUG, ENV_TOKEN, VercelClient, VercelConfig,
    };

    assert_eq!(
        var_names(ProviderName::Vercel),
        [ENV_TOKEN, ENV_TEAM_ID, ENV_TEAM_SLUG, ENV_BASE_URL]
    );
    let client = VercelClient::new(
        VercelConfig::builder("vercel_spec")
            .team_id("team_spec")
            .build()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        served(&[(
            Resource::Stores,
            client.capabilities() == StoreCapabilities::none("vercel")
        )]),
        spec_resources(ProviderName::Vercel)
    );
}
