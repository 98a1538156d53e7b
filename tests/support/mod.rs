//! Providers behind configuration: memory, and each adapter against its emulator on 127.0.0.1. A rig starts
//! what it needs and answers the variables a deployment would set; the test builds `Billing` from them with
//! `BillingConfig::from_lookup`, so the provider is chosen by configuration alone.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::Arc;

use unibill::conformance::{Env, Fixtures};
use unibill::{Billing, BillingConfig, ProviderName, Resource};
use unibill_testkit::emulators::{Credentials, Deployment, Emulator, SeedRole};

pub const FLEXPRICE_KEY: &str = "sk_flexprice_planted_key_0001";
pub const FLOWGLAD_KEY: &str = "sk_test_abcd_flowglad_planted_key";
pub const VERCEL_TOKEN: &str = "vercel_planted_token_0001";

/// The test kit's emulator of `provider` (`None` for memory, which runs in-process).
pub fn emulator_of(provider: ProviderName) -> Option<Emulator> {
    match provider {
        ProviderName::Flexprice => Some(Emulator::Flexprice),
        ProviderName::Flowglad => Some(Emulator::Flowglad),
        ProviderName::Vercel => Some(Emulator::Vercel),
        ProviderName::Memory => None,
    }
}

/// The running emulators (each stops when the rig is dropped): the test kit's [`Deployment`], in unibill's
/// terms (provider names, conformance fixtures).
pub struct Emulators {
    pub deployment: Deployment,
}

impl Emulators {
    pub async fn start() -> Emulators {
        let credentials = Credentials {
            flexprice_api_key: FLEXPRICE_KEY.into(),
            flowglad_secret_key: FLOWGLAD_KEY.into(),
            vercel_token: VERCEL_TOKEN.into(),
        };
        let deployment = Deployment::start_with(&credentials)
            .await
            .expect("the emulators on loopback");
        Emulators { deployment }
    }

    /// The variables that point every provider at its emulator (as a deployment's environment would).
    pub fn variables(&self) -> HashMap<String, String> {
        self.deployment
            .variables()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect()
    }

    /// Requests that reached the emulator of `provider`.
    pub fn requests(&self, provider: ProviderName) -> u64 {
        emulator_of(provider).map_or(0, |e| self.deployment.request_count(e) as u64)
    }

    /// The ids each provider needs for prices and stores: the emulator's seeds (memory takes any).
    pub fn fixtures(&self, provider: ProviderName) -> Fixtures {
        let mut f = Fixtures::default();
        let Some(emulator) = emulator_of(provider) else {
            f.product_id = Some("prod_memory".into());
            f.meter_id = Some("meter_memory".into());
            f.payment_method_id = Some("pm_memory".into());
            return f;
        };
        let running = self.deployment.emulator(emulator);
        let seed = |role| running.seed(role).map(str::to_owned);
        f.product_id = seed(SeedRole::Product);
        f.one_time_product_id = seed(SeedRole::OneTimeProduct);
        f.meter_id = seed(SeedRole::Meter);
        f.payment_method_id = seed(SeedRole::PaymentMethod);
        f
    }
}

/// One provider serving one resource, chosen by configuration.
pub struct Rig {
    pub provider: ProviderName,
    pub billing: Billing,
    pub env: Env,
    _emulators: Arc<Emulators>,
}

/// A rig per provider that serves `resource`: memory plus each adapter against its emulator.
pub async fn rigs(resource: Resource) -> Vec<Rig> {
    let emulators = Arc::new(Emulators::start().await);
    let mut out = Vec::new();
    for provider in ProviderName::ALL {
        if !provider.serves(resource) {
            continue;
        }
        let mut vars = emulators.variables();
        vars.insert(resource.env_var().to_owned(), provider.as_str().to_owned());
        let billing = BillingConfig::from_lookup(|name| vars.get(name).cloned())
            .and_then(|c| c.build())
            .unwrap_or_else(|e| panic!("{provider} for {resource}: {e}"));
        let run = format!("{}-{}", provider.as_str(), resource.as_str());
        let env = Env::new(run).with_fixtures(emulators.fixtures(provider));
        let env = if provider == ProviderName::Memory {
            // Memory built from configuration has no wire to count; the "nothing was sent" checks skip here
            // and run in unibill-core's own memory tests, which hold the counter.
            env
        } else {
            let e = Arc::clone(&emulators);
            env.with_requests_seen_fn(move || e.requests(provider))
        };
        out.push(Rig {
            provider,
            billing,
            env,
            _emulators: Arc::clone(&emulators),
        });
    }
    out
}
