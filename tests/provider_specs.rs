//! The provider table (`unibill::PROVIDERS`) against each compiled adapter: the variables it lists are the ones
//! the adapter reads (its own `ENV_*` constants), and the resources it lists are the ones whose capabilities the
//! adapter fills (not `none()`). A provider fact changed in one place and not the other fails here.

use unibill::{
    ConnectionCapabilities, CustomerCapabilities, PROVIDERS, PriceCapabilities, ProviderName,
    Resource, StoreCapabilities,
};
use unibill_testkit::emulators::{Deployment, Emulator};

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
fn memory_serves_everything_and_reads_only_its_webhook_secret() {
    assert_eq!(spec_resources(ProviderName::Memory), {
        let mut all = Resource::ALL.to_vec();
        all.sort();
        all
    });
    // Memory reads only the secret a receiver verifies its deliveries with.
    assert_eq!(
        var_names(ProviderName::Memory),
        [unibill::MemoryWebhooks::ENV_SECRET]
    );
    assert_eq!(PROVIDERS.len(), ProviderName::ALL.len());
}

#[cfg(feature = "flexprice")]
#[test]
fn flexprice_matches_its_adapter() {
    use unibill::flexprice::{
        ENV_API_KEY, ENV_BASE_URL, ENV_REGION, ENV_WEBHOOK_SECRET, FlexpriceClient, FlexpriceConfig,
    };
    use unibill::{
        Connections, Customers, EntitlementCapabilities, Entitlements, FeatureCapabilities,
        Features, InvoiceCapabilities, Invoices, MeterCapabilities, Meters, Prices,
        SubscriptionCapabilities, Subscriptions, Usage, UsageCapabilities,
    };

    assert_eq!(
        var_names(ProviderName::Flexprice),
        [ENV_API_KEY, ENV_REGION, ENV_BASE_URL, ENV_WEBHOOK_SECRET]
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
            (
                Resource::Meters,
                Meters::capabilities(&client) == MeterCapabilities::none(name)
            ),
            (
                Resource::Features,
                Features::capabilities(&client) == FeatureCapabilities::none(name)
            ),
            (
                Resource::Subscriptions,
                Subscriptions::capabilities(&client) == SubscriptionCapabilities::none(name)
            ),
            (
                Resource::Usage,
                Usage::capabilities(&client) == UsageCapabilities::none(name)
            ),
            (
                Resource::Entitlements,
                Entitlements::capabilities(&client) == EntitlementCapabilities::none(name)
            ),
            (
                Resource::Invoices,
                Invoices::capabilities(&client) == InvoiceCapabilities::none(name)
            ),
        ]),
        spec_resources(ProviderName::Flexprice)
    );
}

#[cfg(feature = "flowglad")]
#[test]
fn flowglad_matches_its_adapter() {
    use unibill::flowglad::{
        ENV_BASE_URL, ENV_CURRENCY, ENV_SECRET_KEY, ENV_WEBHOOK_SECRET, FlowgladClient,
        FlowgladConfig,
    };
    use unibill::{
        Customers, EntitlementCapabilities, Entitlements, FeatureCapabilities, Features,
        InvoiceCapabilities, Invoices, MeterCapabilities, Meters, Prices, SubscriptionCapabilities,
        Subscriptions, Usage, UsageCapabilities,
    };

    assert_eq!(
        var_names(ProviderName::Flowglad),
        [
            ENV_SECRET_KEY,
            ENV_BASE_URL,
            ENV_CURRENCY,
            ENV_WEBHOOK_SECRET
        ]
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
            (
                Resource::Meters,
                Meters::capabilities(&client) == MeterCapabilities::none(name)
            ),
            (
                Resource::Features,
                Features::capabilities(&client) == FeatureCapabilities::none(name)
            ),
            (
                Resource::Subscriptions,
                Subscriptions::capabilities(&client) == SubscriptionCapabilities::none(name)
            ),
            (
                Resource::Usage,
                Usage::capabilities(&client) == UsageCapabilities::none(name)
            ),
            (
                Resource::Entitlements,
                Entitlements::capabilities(&client) == EntitlementCapabilities::none(name)
            ),
            (
                Resource::Invoices,
                Invoices::capabilities(&client) == InvoiceCapabilities::none(name)
            ),
        ]),
        spec_resources(ProviderName::Flowglad)
    );
}

#[cfg(feature = "vercel")]
#[test]
fn vercel_matches_its_adapter() {
    use unibill::Stores;
    use unibill::vercel::{
        ENV_BASE_URL, ENV_TEAM_ID, ENV_TEAM_SLUG, ENV_TOKEN, ENV_WEBHOOK_SECRET, VercelClient,
        VercelConfig,
    };

    assert_eq!(
        var_names(ProviderName::Vercel),
        [
            ENV_TOKEN,
            ENV_TEAM_ID,
            ENV_TEAM_SLUG,
            ENV_BASE_URL,
            ENV_WEBHOOK_SECRET
        ]
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

/// The test kit writes the variables that point each adapter at its emulator as data (it depends on no
/// adapter); here they meet the provider table: every name is one the spec lists for that provider, the
/// credential is its secret, and the provider names agree.
#[cfg(any(feature = "flexprice", feature = "flowglad", feature = "vercel"))]
fn assert_emulator_vars_in_spec(provider: ProviderName, emulator: Emulator) {
    assert_eq!(emulator.name(), provider.as_str());
    let vars = emulator.variables();
    let spec = provider.spec().vars;
    let secret_of = |name: &str| {
        spec.iter()
            .find(|v| v.name == name)
            .unwrap_or_else(|| panic!("{name} is not among {provider}'s variables"))
            .secret
    };
    assert!(secret_of(vars.credential), "{} is secret", vars.credential);
    assert!(!secret_of(vars.base_url));
    if let Some(team) = vars.team_id {
        assert!(!secret_of(team));
    }
}

#[cfg(feature = "flexprice")]
#[test]
fn the_test_kit_points_flexprice_at_its_emulator_with_the_adapters_variables() {
    use unibill::flexprice::{ENV_API_KEY, ENV_BASE_URL};

    let vars = Emulator::Flexprice.variables();
    assert_eq!(
        (vars.credential, vars.base_url, vars.team_id),
        (ENV_API_KEY, ENV_BASE_URL, None)
    );
    assert_emulator_vars_in_spec(ProviderName::Flexprice, Emulator::Flexprice);
}

#[cfg(feature = "flowglad")]
#[test]
fn the_test_kit_points_flowglad_at_its_emulator_with_the_adapters_variables() {
    use unibill::flowglad::{ENV_BASE_URL, ENV_SECRET_KEY};

    let vars = Emulator::Flowglad.variables();
    assert_eq!(
        (vars.credential, vars.base_url, vars.team_id),
        (ENV_SECRET_KEY, ENV_BASE_URL, None)
    );
    assert_emulator_vars_in_spec(ProviderName::Flowglad, Emulator::Flowglad);
}

#[cfg(feature = "vercel")]
#[test]
fn the_test_kit_points_vercel_at_its_emulator_with_the_adapters_variables() {
    use unibill::vercel::{ENV_BASE_URL, ENV_TEAM_ID, ENV_TOKEN};

    let vars = Emulator::Vercel.variables();
    assert_eq!(
        (vars.credential, vars.base_url, vars.team_id),
        (ENV_TOKEN, ENV_BASE_URL, Some(ENV_TEAM_ID))
    );
    assert_emulator_vars_in_spec(ProviderName::Vercel, Emulator::Vercel);
}

/// A started deployment answers exactly those variables, with values that reach its emulators.
#[tokio::test]
async fn a_deployment_sets_every_emulator_variable_once() {
    let deployment = Deployment::start().await.unwrap();
    let mut names: Vec<_> = deployment.variables().into_iter().map(|(n, _)| n).collect();
    let mut expected: Vec<_> = Emulator::ALL
        .iter()
        .flat_map(|e| {
            let v = e.variables();
            [Some(v.credential), Some(v.base_url), v.team_id]
        })
        .flatten()
        .collect();
    names.sort_unstable();
    expected.sort_unstable();
    assert_eq!(names, expected);
    for running in deployment.running() {
        assert!(
            running.base_url().starts_with("http://127.0.0.1:"),
            "{}",
            running.base_url()
        );
        assert_eq!(running.request_count(), 0);
    }
}
