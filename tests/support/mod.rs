//! Providers behind configuration: memory, and each adapter against its emulator on 127.0.0.1. A rig starts
//! what it needs and answers the variables a deployment would set; the test builds `Billing` from them with
//! `BillingConfig::from_lookup`, so the provider is chosen by configuration alone.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::Arc;

use unibill::conformance::{Env, Fixtures};
use unibill::{Billing, BillingConfig, ProviderName, Resource};
use unibill_testkit::emulators::{flexprice, flowglad, vercel};

pub const FLEXPRICE_KEY: &str = "sk_flexprice_planted_key_0001";
pub const FLOWGLAD_KEY: &str = "sk_test_abcd_flowglad_planted_key";
pub const VERCEL_TOKEN: &str = "vercel_planted_token_0001";

/// The running emulators (each stops when the rig is dropped).
pub struct Emulators {
    pub flexprice: Arc<flexprice::FlexpriceEmulator>,
    flexprice_served: flexprice::ServedEmulator,
    pub flowglad: flowglad::FlowgladEmulator,
    flowglad_url: String,
    pub vercel: vercel::VercelEmulator,
    vercel_served: vercel::ServedEmulator,
}

impl Emulators {
    pub async fn start() -> Emulators {
        let flexprice = flexprice::FlexpriceEmulator::new(FLEXPRICE_KEY);
        let flexprice_served = flexprice.serve().await.expect("flexprice emulator");
        let flowglad = flowglad::FlowgladEmulator::new(FLOWGLAD_KEY);
        let flowglad_url = flowglad.serve().await.expect("flowglad emulator");
        let vercel = vercel::VercelEmulator::new(VERCEL_TOKEN);
        let vercel_served = vercel.serve().await.expect("vercel emulator");
        Emulators {
            flexprice,
            flexprice_served,
            flowglad,
            flowglad_url,
            vercel,
            vercel_served,
        }
    }

    /// The variables that point every provider at its emulator (as a deployment's environment would).
    pub fn variables(&self) -> HashMap<String, String> {
        [
            ("FLEXPRICE_API_KEY", FLEXPRICE_KEY.to_owned()),
            (
                "FLEXPRICE_BASE_URL",
                self.flexprice_served.base_url().to_owned(),
            ),
            ("FLOWGLAD_SECRET_KEY", FLOWGLAD_KEY.to_owned()),
            ("FLOWGLAD_BASE_URL", self.flowglad_url.clone()),
            ("VERCEL_TOKEN", VERCEL_TOKEN.to_owned()),
            ("VERCEL_TEAM_ID", vercel::seed::TEAM_ID.to_owned()),
            ("VERCEL_BASE_URL", self.vercel_served.base_url().to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// Requests that reached the emulator of `provider`.
    pub fn requests(&self, provider: ProviderName) -> u64 {
        match provider {
            ProviderName::Flexprice => self.flexprice.request_count() as u64,
            ProviderName::Flowglad => self.flowglad.request_count() as u64,
            ProviderName::Vercel => self.vercel.requests_handled() as u64,
            ProviderName::Memory => 0,
        }
    }

    /// The ids each provider needs for prices and stores.
    pub fn fixtures(&self, provider: ProviderName) -> Fixtures {
        let mut f = Fixtures::default();
        match provider {
            ProviderName::Flowglad => {
                f.product_id = Some(flowglad::seed::PRO_PRODUCT_ID.into());
                f.one_time_product_id = Some(flowglad::seed::ADDON_PRODUCT_ID.into());
                f.meter_id = Some(flowglad::seed::USAGE_METER_ID.into());
            }
            ProviderName::Vercel => {
                f.payment_method_id = Some(vercel::seed::PAYMENT_METHOD_ID.into())
            }
            ProviderName::Memory => {
                f.product_id = Some("prod_memory".into());
                f.meter_id = Some("meter_memory".into());
                f.payment_method_id = Some("pm_memory".into());
            }
            ProviderName::Flexprice => {
                // Every Flexprice price hangs off a plan; usage prices name a meter.
                f.product_id = Some(self.flexprice.add_plan("Pro"));
                f.meter_id = Some(self.flexprice.add_meter("API calls"));
            }
        }
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
