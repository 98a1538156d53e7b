//! [`Deployment`]: every emulator served at once, with what an application needs to use them: the variables
//! that point each provider's adapter at its emulator, the ids seeded in each, and how many requests each saw.
//!
//! The variable names are written here as data ([`Emulator::variables`]) because the test kit depends on no
//! adapter; the facade's `tests/provider_specs.rs` ties them to each adapter's `ENV_*` constants and to
//! `unibill::PROVIDERS`.

use std::sync::Arc;

use super::flexprice::FlexpriceEmulator;
use super::flowglad::{self, FlowgladEmulator};
use super::vercel::{self, VercelEmulator};
use crate::Served;

/// A provider the test kit emulates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Emulator {
    /// Flexprice: customers, connections, plans and prices.
    Flexprice,
    /// Flowglad: prices and customers.
    Flowglad,
    /// Vercel integration stores.
    Vercel,
}

/// The names of the variables that point a provider's adapter at an emulator, by what they hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmulatorVariables {
    /// The secret the adapter authenticates with (API key, secret key, token).
    pub credential: &'static str,
    /// The base URL override.
    pub base_url: &'static str,
    /// The team the adapter works in, for providers that take one.
    pub team_id: Option<&'static str>,
}

impl Emulator {
    /// All three, in this order.
    pub const ALL: [Emulator; 3] = [Emulator::Flexprice, Emulator::Flowglad, Emulator::Vercel];

    /// The provider's name as unibill's configuration spells it (`"flexprice"`, `"flowglad"`, `"vercel"`).
    pub fn name(self) -> &'static str {
        match self {
            Emulator::Flexprice => "flexprice",
            Emulator::Flowglad => "flowglad",
            Emulator::Vercel => "vercel",
        }
    }

    /// The variables that point the provider's adapter at an emulator.
    pub fn variables(self) -> EmulatorVariables {
        match self {
            Emulator::Flexprice => EmulatorVariables {
                credential: "FLEXPRICE_API_KEY",
                base_url: "FLEXPRICE_BASE_URL",
                team_id: None,
            },
            Emulator::Flowglad => EmulatorVariables {
                credential: "FLOWGLAD_SECRET_KEY",
                base_url: "FLOWGLAD_BASE_URL",
                team_id: None,
            },
            Emulator::Vercel => EmulatorVariables {
                credential: "VERCEL_TOKEN",
                base_url: "VERCEL_BASE_URL",
                team_id: Some("VERCEL_TEAM_ID"),
            },
        }
    }
}

impl std::fmt::Display for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The credentials the emulators accept. They open only the local emulators, so the defaults are fixed values.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The API key the Flexprice emulator accepts (read-write).
    pub flexprice_api_key: String,
    /// The secret key the Flowglad emulator accepts.
    pub flowglad_secret_key: String,
    /// The token the Vercel emulator accepts.
    pub vercel_token: String,
}

impl Credentials {
    /// The credential `emulator` accepts.
    pub fn of(&self, emulator: Emulator) -> &str {
        match emulator {
            Emulator::Flexprice => &self.flexprice_api_key,
            Emulator::Flowglad => &self.flowglad_secret_key,
            Emulator::Vercel => &self.vercel_token,
        }
    }
}

impl Default for Credentials {
    /// `sk_emulator_flexprice_0001`, `sk_test_emulator_flowglad_0001` and `vercel_emulator_token_0001`.
    fn default() -> Self {
        Credentials {
            flexprice_api_key: "sk_emulator_flexprice_0001".into(),
            flowglad_secret_key: "sk_test_emulator_flowglad_0001".into(),
            vercel_token: "vercel_emulator_token_0001".into(),
        }
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Test credentials, yet planted ones must not show up in a test's output.
        f.write_str("Credentials(..)")
    }
}

/// What a seeded id is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SeedRole {
    /// What prices hang off: a Flexprice plan, a Flowglad (recurring) product.
    Product,
    /// A product for one-time prices (Flowglad).
    OneTimeProduct,
    /// A meter usage prices name.
    Meter,
    /// A payment method on file (Vercel).
    PaymentMethod,
    /// An integration configuration stores are created in (Vercel).
    IntegrationConfiguration,
    /// The integration of that configuration (Vercel).
    Integration,
    /// The integration's product stores are made of (Vercel).
    IntegrationProduct,
}

/// An id an emulator is seeded with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seed {
    /// What it is for.
    pub role: SeedRole,
    /// What it is, for people (`"plan (the product id of prices)"`).
    pub label: &'static str,
    /// The id.
    pub id: String,
}

impl Seed {
    fn new(role: SeedRole, label: &'static str, id: impl Into<String>) -> Self {
        Seed {
            role,
            label,
            id: id.into(),
        }
    }
}

#[derive(Debug)]
enum Handle {
    Flexprice(Arc<FlexpriceEmulator>),
    Flowglad(FlowgladEmulator),
    Vercel(VercelEmulator),
}

/// One fresh emulator, seeded and served on `127.0.0.1`; it stops when dropped.
///
/// Seeds: Flexprice gets a plan (`Pro`) and a meter (`API calls`) whose ids it generates now; Flowglad and
/// Vercel are built with fixed ids ([`flowglad::seed`], [`vercel::seed`]).
#[derive(Debug)]
pub struct RunningEmulator {
    emulator: Emulator,
    handle: Handle,
    credential: String,
    seeds: Vec<Seed>,
    served: Served,
}

impl RunningEmulator {
    /// Starts `emulator` on `127.0.0.1:port` (`0` for a free port), accepting its credential in `credentials`.
    ///
    /// # Errors
    /// When the port cannot be bound.
    pub async fn start(
        emulator: Emulator,
        port: u16,
        credentials: &Credentials,
    ) -> std::io::Result<RunningEmulator> {
        let credential = credentials.of(emulator).to_owned();
        let (handle, router, base_path, seeds) = match emulator {
            Emulator::Flexprice => {
                let emu = FlexpriceEmulator::new(credential.clone());
                let seeds = vec![
                    Seed::new(
                        SeedRole::Product,
                        "plan (the product id of prices)",
                        emu.add_plan("Pro"),
                    ),
                    Seed::new(
                        SeedRole::Meter,
                        "meter (usage prices)",
                        emu.add_meter("API calls"),
                    ),
                ];
                let router = emu.router();
                (
                    Handle::Flexprice(emu),
                    router,
                    super::flexprice::BASE_PATH,
                    seeds,
                )
            }
            Emulator::Flowglad => {
                let emu = FlowgladEmulator::new(credential.clone());
                let seeds = vec![
                    Seed::new(
                        SeedRole::Product,
                        "product (recurring)",
                        flowglad::seed::PRO_PRODUCT_ID,
                    ),
                    Seed::new(
                        SeedRole::OneTimeProduct,
                        "product (one-time)",
                        flowglad::seed::ADDON_PRODUCT_ID,
                    ),
                    Seed::new(
                        SeedRole::Meter,
                        "usage meter",
                        flowglad::seed::USAGE_METER_ID,
                    ),
                ];
                let router = emu.router();
                (Handle::Flowglad(emu), router, flowglad::BASE_PATH, seeds)
            }
            Emulator::Vercel => {
                let emu = VercelEmulator::new(credential.clone());
                let seeds = vec![
                    Seed::new(
                        SeedRole::IntegrationConfiguration,
                        "integration configuration",
                        vercel::seed::CONFIGURATION_ID,
                    ),
                    Seed::new(
                        SeedRole::Integration,
                        "integration",
                        vercel::seed::INTEGRATION_SLUG,
                    ),
                    Seed::new(
                        SeedRole::IntegrationProduct,
                        "product",
                        vercel::seed::NEON_PRODUCT_SLUG,
                    ),
                    Seed::new(
                        SeedRole::PaymentMethod,
                        "payment method",
                        vercel::seed::PAYMENT_METHOD_ID,
                    ),
                ];
                let router = emu.router();
                (Handle::Vercel(emu), router, vercel::BASE_PATH, seeds)
            }
        };
        let served = crate::serve_on(port, router, base_path).await?;
        Ok(RunningEmulator {
            emulator,
            handle,
            credential,
            seeds,
            served,
        })
    }

    /// Which provider it emulates.
    pub fn emulator(&self) -> Emulator {
        self.emulator
    }

    /// The base URL the adapter takes (`http://127.0.0.1:PORT/v1` for Flexprice, `http://127.0.0.1:PORT` for
    /// the others).
    pub fn base_url(&self) -> &str {
        self.served.base_url()
    }

    /// The variables that point the adapter at this emulator, as (name, value): credential, team (Vercel),
    /// base URL. Routing variables are not among them.
    pub fn variables(&self) -> Vec<(&'static str, String)> {
        let names = self.emulator.variables();
        let mut out = vec![(names.credential, self.credential.clone())];
        if let Some(team) = names.team_id {
            out.push((team, vercel::seed::TEAM_ID.to_owned()));
        }
        out.push((names.base_url, self.base_url().to_owned()));
        out
    }

    /// The ids it is seeded with, in a fixed order.
    pub fn seeds(&self) -> &[Seed] {
        &self.seeds
    }

    /// The seeded id for `role`, if this emulator has one.
    pub fn seed(&self, role: SeedRole) -> Option<&str> {
        self.seeds
            .iter()
            .find(|s| s.role == role)
            .map(|s| s.id.as_str())
    }

    /// Requests it has handled (every request, refused ones included).
    pub fn request_count(&self) -> usize {
        match &self.handle {
            Handle::Flexprice(e) => e.request_count(),
            Handle::Flowglad(e) => e.request_count(),
            Handle::Vercel(e) => e.request_count(),
        }
    }

    /// The Flexprice emulator, if this is one.
    pub fn flexprice(&self) -> Option<&Arc<FlexpriceEmulator>> {
        match &self.handle {
            Handle::Flexprice(e) => Some(e),
            _ => None,
        }
    }

    /// The Flowglad emulator, if this is one.
    pub fn flowglad(&self) -> Option<&FlowgladEmulator> {
        match &self.handle {
            Handle::Flowglad(e) => Some(e),
            _ => None,
        }
    }

    /// The Vercel emulator, if this is one.
    pub fn vercel(&self) -> Option<&VercelEmulator> {
        match &self.handle {
            Handle::Vercel(e) => Some(e),
            _ => None,
        }
    }

    /// Stops serving gracefully (connections in flight finish their request) and waits until it is down.
    pub async fn stop(self) {
        self.served.stop().await;
    }
}

/// Every emulator, fresh, seeded and served on free loopback ports; they stop when it is dropped.
///
/// ```
/// use unibill_testkit::emulators::{Deployment, Emulator, SeedRole};
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let deployment = Deployment::start().await.unwrap();
/// let vars = deployment.variables();
/// let base = vars.iter().find(|(name, _)| *name == "FLEXPRICE_BASE_URL").unwrap();
/// assert!(base.1.starts_with("http://127.0.0.1:") && base.1.ends_with("/v1"));
/// assert!(deployment.emulator(Emulator::Vercel).seed(SeedRole::PaymentMethod).is_some());
/// assert_eq!(deployment.request_count(Emulator::Flowglad), 0);
/// # });
/// ```
#[derive(Debug)]
pub struct Deployment {
    running: Vec<RunningEmulator>,
}

impl Deployment {
    /// Starts every emulator with the [default](Credentials::default) credentials.
    ///
    /// # Errors
    /// When no loopback port can be bound.
    pub async fn start() -> std::io::Result<Deployment> {
        Self::start_with(&Credentials::default()).await
    }

    /// Starts every emulator, accepting `credentials`.
    ///
    /// # Errors
    /// When no loopback port can be bound.
    pub async fn start_with(credentials: &Credentials) -> std::io::Result<Deployment> {
        let mut running = Vec::with_capacity(Emulator::ALL.len());
        for emulator in Emulator::ALL {
            running.push(RunningEmulator::start(emulator, 0, credentials).await?);
        }
        Ok(Deployment { running })
    }

    /// The running emulator of `emulator`.
    pub fn emulator(&self, emulator: Emulator) -> &RunningEmulator {
        self.running
            .iter()
            .find(|r| r.emulator == emulator)
            .expect("a deployment runs every emulator")
    }

    /// Every running emulator, in [`Emulator::ALL`] order.
    pub fn running(&self) -> &[RunningEmulator] {
        &self.running
    }

    /// The variables that point every provider at its emulator, as a deployment's environment would set them.
    pub fn variables(&self) -> Vec<(&'static str, String)> {
        self.running
            .iter()
            .flat_map(RunningEmulator::variables)
            .collect()
    }

    /// The ids seeded in `emulator`'s emulator.
    pub fn fixtures(&self, emulator: Emulator) -> &[Seed] {
        self.emulator(emulator).seeds()
    }

    /// Requests `emulator`'s emulator has handled.
    pub fn request_count(&self, emulator: Emulator) -> usize {
        self.emulator(emulator).request_count()
    }

    /// The Flexprice emulator.
    pub fn flexprice(&self) -> &Arc<FlexpriceEmulator> {
        self.emulator(Emulator::Flexprice)
            .flexprice()
            .expect("the Flexprice entry runs Flexprice")
    }

    /// The Flowglad emulator.
    pub fn flowglad(&self) -> &FlowgladEmulator {
        self.emulator(Emulator::Flowglad)
            .flowglad()
            .expect("the Flowglad entry runs Flowglad")
    }

    /// The Vercel emulator.
    pub fn vercel(&self) -> &VercelEmulator {
        self.emulator(Emulator::Vercel)
            .vercel()
            .expect("the Vercel entry runs Vercel")
    }
}
