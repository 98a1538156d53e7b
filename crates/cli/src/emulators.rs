//! The provider emulators from `unibill-testkit`, served in-process on 127.0.0.1 (behind the `emulators`
//! feature): all together as a [`Deployment`] for `unibill demo`, one at a time for `unibill emulate`. What each
//! needs (credentials, seeds, the variables that point an adapter at it) is the test kit's knowledge; this module
//! only names the emulators for the command line.

use unibill::ProviderName;
use unibill_testkit::emulators::{Credentials, Deployment, Emulator, RunningEmulator};

use crate::error::{CliError, CliResult};

/// An emulated provider, as `unibill emulate` names it.
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
    /// The provider it emulates.
    pub fn provider(self) -> ProviderName {
        provider_of(self.emulator())
    }

    /// The test kit's emulator of it.
    pub fn emulator(self) -> Emulator {
        match self {
            Emulated::Flexprice => Emulator::Flexprice,
            Emulated::Flowglad => Emulator::Flowglad,
            Emulated::Vercel => Emulator::Vercel,
        }
    }
}

/// The provider an emulator of the test kit stands for.
pub fn provider_of(emulator: Emulator) -> ProviderName {
    match emulator {
        Emulator::Flexprice => ProviderName::Flexprice,
        Emulator::Flowglad => ProviderName::Flowglad,
        Emulator::Vercel => ProviderName::Vercel,
    }
}

/// Starts a fresh, seeded emulator on `127.0.0.1:port` (0 for a free port), accepting the test kit's default
/// credentials (not secrets: they only open the local emulator).
pub async fn start(which: Emulated, port: u16) -> CliResult<RunningEmulator> {
    RunningEmulator::start(which.emulator(), port, &Credentials::default())
        .await
        .map_err(|e| CliError::Other(format!("cannot listen on 127.0.0.1:{port}: {e}")))
}

/// Starts every emulator on free ports.
pub async fn start_all() -> CliResult<Deployment> {
    Deployment::start()
        .await
        .map_err(|e| CliError::Other(format!("cannot listen on 127.0.0.1:0: {e}")))
}
