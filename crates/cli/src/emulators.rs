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
    /// Flexprice: customers and connections.
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

    /// A fresh emulator's router.
    pub fn router(self) -> Router {
        match self {
            Emulated::Flexprice => flexprice::FlexpriceEmulator::new(FLEXPRICE_KEY).router(),
            Emulated::Flowglad => flowglad::FlowgladEmulator::new(FLOWGLAD_KEY).router(),
            Emulated::Vercel => vercel::VercelEmulator::new(VERCEL_TOKEN).router(),
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

    /// Seeded ids an application needs to use the emulator (products, meters, payment methods).
    pub fn seeded_ids(self) -> Vec<(&'static str, &'static str)> {
        match self {
            Emulated::Flexprice => vec![],
            Emulated::Flowglad => vec![
                ("product (recurring)", flowglad::seed::PRO_PRODUCT_ID),
                ("product (one-time)", flowglad::seed::ADDON_PRODUCT_ID),
                ("usage meter", flowglad::seed::USAGE_METER_ID),
            ],
            Emulated::Vercel => vec![
                ("integration configuration", vercel::seed::CONFIGURATION_ID),
                ("integration", vercel::seed::INTEGRATION_SLUG),
                ("product", vercel::seed::NEON_PRODUCT_SLUG),
                ("payment method", vercel::seed::PAYMENT_METHOD_ID),
            ],
        }
    }
}

/// A bound emulator: its listener and router, not yet serving.
pub struct Bound {
    /// The adapter's base URL.
    pub base_url: String,
    listener: TcpListener,
    router: Router,
}

/// Binds a fresh emulator on `127.0.0.1:port` (0 for a free port).
pub async fn bind(which: Emulated, port: u16) -> CliResult<Bound> {
    let listener = TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| CliError::Other(format!("cannot listen on 127.0.0.1:{port}: {e}")))?;
    let addr = listener.local_addr()?;
    Ok(Bound {
        base_url: which.base_url(&format!("http://{addr}")),
        listener,
        router: which.router(),
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
