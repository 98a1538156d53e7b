//! The provider emulators from `unibill-testkit`, served in-process on 127.0.0.1 (behind the `emulators`
//! feature): started together for `unibill demo`, one at a time for `unibill emulate`.

use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;
use unibill::ProviderName;
use unibill_testkit::emulators::{flexprice, flowglad, vercel};

use crate::error::{CliError, CliResult};

/// The API key the Flexprice emulator accepts (not a secret: it only opens the local emulator).
pub const FLEXPRICE_KEY: &str = "sk_emulator_flexprice_0001";
/// The secret key the Flowglad emulator accepts.
pub const FLOWGLAD_KEY: &str = "sk_test_emulator_flowglad_0001";
/// The token the Vercel emulator accepts.
pub const VERCEL_TOKEN: &str = "vercel_emulator_token_0001";

/// An emulated provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Emulated {
    /// Flexprice: customers, connections, prices and plans (a plan and a meter are seeded).
    Flexprice,
    /// Flowglad: prices and customers.
    Flowglad,
    /// Vercel integration stores.
    Vercel,
}

impl Emulated {
    /// All three.
    pub const ALL: [Emulated; 3] = [Emulated::Flexprice, Emulated::Flowglad, Emulated::Vercel];

    /// The provider it emulates.
    pub fn provider(self) -> ProviderName {
        match self {
            Emulated::Flexprice => ProviderName::Flexprice,
            Emulated::Flowglad => ProviderName::Flowglad,
            Emulated::Vercel => ProviderName::Vercel,
        }
    }

    /// A fresh emulator's router, and the ids an application needs to use it (products, plans, meters,
    /// payment methods): fixed ones for Flowglad and Vercel, and for Flexprice the plan (`Pro`) and the meter
    /// (`API calls`) seeded now, whose ids the emulator generates.
    pub fn start(self) -> (Router, Vec<(&'static str, String)>) {
        match self {
            Emulated::Flexprice => {
                let emulator = flexprice::FlexpriceEmulator::new(FLEXPRICE_KEY);
                let seeded = vec![
                    ("plan (the product id of prices)", emulator.add_plan("Pro")),
                    ("meter (usage prices)", emulator.add_meter("API calls")),
                ];
                (emulator.router(), seeded)
            }
            Emulated::Flowglad => (
                flowglad::FlowgladEmulator::new(FLOWGLAD_KEY).router(),
                self.fixed_seeds(),
            ),
            Emulated::Vercel => (
                vercel::VercelEmulator::new(VERCEL_TOKEN).router(),
                self.fixed_seeds(),
            ),
        }
    }

    /// The base URL the adapter takes for an emulator listening on `origin` (`http://127.0.0.1:PORT`).
    pub fn base_url(self, origin: &str) -> String {
        match self {
            Emulated::Flexprice => format!("{origin}/v1"),
            Emulated::Flowglad | Emulated::Vercel => origin.to_owned(),
        }
    }

    /// The variables that point the adapter at the emulator at `base_url` (routing excluded).
    pub fn variables(self, base_url: &str) -> Vec<(&'static str, String)> {
        match self {
            Emulated::Flexprice => vec![
                ("FLEXPRICE_API_KEY", FLEXPRICE_KEY.to_owned()),
                ("FLEXPRICE_BASE_URL", base_url.to_owned()),
            ],
            Emulated::Flowglad => vec![
                ("FLOWGLAD_SECRET_KEY", FLOWGLAD_KEY.to_owned()),
                ("FLOWGLAD_BASE_URL", base_url.to_owned()),
            ],
            Emulated::Vercel => vec![
                ("VERCEL_TOKEN", VERCEL_TOKEN.to_owned()),
                ("VERCEL_TEAM_ID", vercel::seed::TEAM_ID.to_owned()),
                ("VERCEL_BASE_URL", base_url.to_owned()),
            ],
        }
    }

    /// The ids the Flowglad and Vercel emulators are built with (Flexprice's are generated: see
    /// [`Emulated::start`]).
    fn fixed_seeds(self) -> Vec<(&'static str, String)> {
        let fixed: &[(&'static str, &'static str)] = match self {
            Emulated::Flexprice => &[],
            Emulated::Flowglad => &[
                ("product (recurring)", flowglad::seed::PRO_PRODUCT_ID),
                ("product (one-time)", flowglad::seed::ADDON_PRODUCT_ID),
                ("usage meter", flowglad::seed::USAGE_METER_ID),
            ],
            Emulated::Vercel => &[
                ("integration configuration", vercel::seed::CONFIGURATION_ID),
                ("integration", vercel::seed::INTEGRATION_SLUG),
                ("product", vercel::seed::NEON_PRODUCT_SLUG),
                ("payment method", vercel::seed::PAYMENT_METHOD_ID),
            ],
        };
        fixed.iter().map(|(w, id)| (*w, (*id).to_owned())).collect()
    }
}

/// A bound emulator: its listener and router, not yet serving.
pub struct Bound {
    /// The adapter's base URL.
    pub base_url: String,
    /// What is seeded in it, by what it is for (see [`Emulated::start`]).
    pub seeded: Vec<(&'static str, String)>,
    listener: TcpListener,
    router: Router,
}

/// Binds a fresh emulator on `127.0.0.1:port` (0 for a free port).
pub async fn bind(which: Emulated, port: u16) -> CliResult<Bound> {
    let listener = TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| CliError::Other(format!("cannot listen on 127.0.0.1:{port}: {e}")))?;
    let addr = listener.local_addr()?;
    let (router, seeded) = which.start();
    Ok(Bound {
        base_url: which.base_url(&format!("http://{addr}")),
        seeded,
        listener,
        router,
    })
}

impl Bound {
    /// Serves until `shutdown` completes.
    pub async fn serve_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> CliResult {
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await?;
        Ok(())
    }

    /// Serves in a task of the current runtime; the task ends when it is aborted (or the runtime stops).
    pub fn spawn(self) -> (String, Arc<tokio::task::JoinHandle<()>>) {
        let url = self.base_url.clone();
        let task = tokio::spawn(async move {
            // An accept error ends the server; the demo then reports connection errors in its steps.
            let _ = axum::serve(self.listener, self.router).await;
        });
        (url, Arc::new(task))
    }
}
