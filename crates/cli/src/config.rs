//! Which provider answers a command: `--provider`, else a TOML file (`--config`), else the environment.

use std::path::PathBuf;

use clap::Args;
use unibill::{Billing, BillingConfig, PROVIDER_VAR, ProviderName, Resource};

use crate::error::{CliError, CliResult};

/// The flags every resource command takes.
#[derive(Debug, Clone, Args)]
pub struct Global {
    /// Route this command to a provider (memory, flexprice, flowglad, vercel), overriding the configuration.
    /// Its keys still come from the environment or the `--config` file.
    #[arg(long, global = true, value_name = "NAME", value_parser = parse_provider)]
    pub provider: Option<ProviderName>,
    /// Read the configuration from this TOML file instead of the environment (secrets stay in variables it names).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Print the read models as JSON instead of tables (one object; `list` prints one JSON array).
    #[arg(long, global = true)]
    pub json: bool,
}

fn parse_provider(s: &str) -> Result<ProviderName, String> {
    s.parse::<ProviderName>()
        .map_err(|e| e.message().to_owned())
}

impl Global {
    /// Builds the [`Billing`] for a command on `resource`. From the environment, only the route of that resource
    /// is taken (its own `UNIBILL_<RESOURCE>_PROVIDER`, else `UNIBILL_PROVIDER`), so a variable routing another
    /// resource elsewhere cannot break this command.
    pub fn billing(&self, resource: Resource) -> CliResult<Billing> {
        let config = match &self.config {
            Some(path) => {
                let config = BillingConfig::from_toml_file(path)?;
                match self.provider {
                    Some(p) => config.route_to(resource, p),
                    None => config,
                }
            }
            None => {
                // Validates the UNIBILL_* names (a typo is a Config error), then reads one resource's route.
                BillingConfig::from_env()?;
                let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
                let route = self
                    .provider
                    .map(|p| p.as_str().to_owned())
                    .or_else(|| env(resource.env_var()))
                    .or_else(|| env(PROVIDER_VAR));
                BillingConfig::from_lookup(|name| {
                    if name == resource.env_var() {
                        route.clone()
                    } else if name == PROVIDER_VAR
                        || Resource::ALL.iter().any(|r| r.env_var() == name)
                    {
                        None
                    } else {
                        env(name)
                    }
                })?
            }
        };
        if config.route(resource).is_none() {
            return Err(CliError::Billing(unibill::Error::config(format!(
                "no provider serves {resource}: set {} or {PROVIDER_VAR}, or pass --provider",
                resource.env_var()
            ))));
        }
        Ok(config.build()?)
    }
}
