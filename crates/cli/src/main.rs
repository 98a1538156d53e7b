//! `unibill`: manage billing resources on any configured provider, show what each provider can do, run the
//! side-by-side demo, and serve emulators for application tests.
//!
//! Exit codes: 0 success, 1 provider or configuration error, 2 usage error (clap's, input the core builders
//! refuse: `InvalidInput`, a field the provider does not offer: `Unsupported` naming it, or no provider
//! configured), 3 look before retrying: an unknown outcome (`OutcomeUnknown`: the write may or may not have
//! happened), a write applied whose answer could not be read (`Error::write_applied`), or a store created
//! without a resolvable id.

mod commands;
mod config;
#[cfg(feature = "emulators")]
mod emulators;
mod error;
mod output;
mod secrets_input;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use commands::connections::ConnectionsCommand;
use commands::customers::CustomersCommand;
use commands::entitlements::EntitlementsCommand;
use commands::features::FeaturesCommand;
use commands::invoices::InvoicesCommand;
use commands::meters::MetersCommand;
use commands::migrate::MigrateCommand;
use commands::plans::PlansCommand;
use commands::prices::PricesCommand;
use commands::stores::StoresCommand;
use commands::subscriptions::SubscriptionsCommand;
use commands::usage::UsageCommand;
use commands::webhooks::WebhooksCommand;
use config::Global;
use error::{CliError, CliResult};

/// unibill: one neutral interface over billing providers (memory, flexprice, flowglad, vercel).
///
/// The provider comes from --provider, the --config TOML file, or the environment (UNIBILL_PROVIDER,
/// UNIBILL_<RESOURCE>_PROVIDER and each provider's variables). Secrets are read from the environment or
/// standard input, never from arguments.
#[derive(Debug, Parser)]
#[command(name = "unibill", version, about, long_about = None)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Customers: create, get, list, update, delete.
    #[command(subcommand)]
    Customers(CustomersCommand),
    /// Prices: create, get, list, update, archive.
    #[command(subcommand)]
    Prices(PricesCommand),
    /// Flexprice plans, the parents of its prices (`prices create --product-id`): create, get, list, archive.
    #[command(subcommand)]
    Plans(PlansCommand),
    /// Connections to other systems: create, get, list, update, delete (secrets via stdin or environment).
    #[command(subcommand)]
    Connections(ConnectionsCommand),
    /// Provisioned stores: create, get, delete, plans, configurations, products.
    #[command(subcommand)]
    Stores(StoresCommand),
    /// Meters, which count usage events: create, get, list.
    #[command(subcommand)]
    Meters(MetersCommand),
    /// Features and their grants to products: create, get, list, grant.
    #[command(subcommand)]
    Features(FeaturesCommand),
    /// Subscriptions: create, get, list, cancel, uncancel, change-price.
    #[command(subcommand)]
    Subscriptions(SubscriptionsCommand),
    /// Usage events: ingest (JSON lines on standard input).
    #[command(subcommand)]
    Usage(UsageCommand),
    /// What a customer may use: check, list.
    #[command(subcommand)]
    Entitlements(EntitlementsCommand),
    /// Invoices: get, list, finalize, void.
    #[command(subcommand)]
    Invoices(InvoicesCommand),
    /// Migrate customers, products and prices from one provider to another (inventory, plan, apply, verify).
    #[command(subcommand)]
    Migrate(MigrateCommand),
    /// Webhook deliveries: listen (verify and print each one).
    #[command(subcommand)]
    Webhooks(WebhooksCommand),
    /// The capability matrix of every compiled provider.
    Providers,
    /// Run the same neutral flow on memory and on each adapter against its in-process emulator, side by side.
    #[cfg(feature = "emulators")]
    Demo,
    /// Serve a provider emulator on 127.0.0.1 until Ctrl-C, printing the variables to point an application at it.
    #[cfg(feature = "emulators")]
    Emulate {
        /// Which provider to emulate.
        #[arg(value_enum, value_name = "PROVIDER")]
        emulator: emulators::Emulated,
        /// The port (0 picks a free one).
        #[arg(long, default_value_t = 0)]
        port: u16,
    },
}

async fn dispatch(cli: Cli) -> CliResult {
    let g = &cli.global;
    match cli.command {
        Command::Customers(c) => commands::customers::run(c, g).await,
        Command::Prices(c) => commands::prices::run(c, g).await,
        Command::Plans(c) => commands::plans::run(c, g).await,
        Command::Connections(c) => commands::connections::run(c, g).await,
        Command::Stores(c) => commands::stores::run(c, g).await,
        Command::Meters(c) => commands::meters::run(c, g).await,
        Command::Features(c) => commands::features::run(c, g).await,
        Command::Subscriptions(c) => commands::subscriptions::run(c, g).await,
        Command::Usage(c) => commands::usage::run(c, g).await,
        Command::Entitlements(c) => commands::entitlements::run(c, g).await,
        Command::Invoices(c) => commands::invoices::run(c, g).await,
        Command::Migrate(c) => commands::migrate::run(c, g).await,
        Command::Webhooks(c) => commands::webhooks::run(c, g).await,
        Command::Providers => commands::providers::run(g.json),
        #[cfg(feature = "emulators")]
        Command::Demo => commands::demo::run(&mut std::io::stdout().lock()).await,
        #[cfg(feature = "emulators")]
        Command::Emulate { emulator, port } => commands::emulate::run(emulator, port).await,
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = config::install_logging(cli.global.verbose) {
        eprintln!("usage error: {e}");
        return e.exit_code();
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(error::EXIT_PROVIDER);
        }
    };
    match runtime.block_on(dispatch(cli)) {
        Ok(()) | Err(CliError::OutputClosed) => ExitCode::SUCCESS,
        Err(e) => {
            let prefix = if e.is_usage() { "usage error" } else { "error" };
            eprintln!("{prefix}: {e}");
            e.exit_code()
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_tree_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
