//! Which provider answers a command: `--provider`, else a TOML file (`--config`), else the environment. With
//! none of them the command is refused (exit 2): the memory provider is used only when asked for by name
//! (`--provider memory`, `UNIBILL_PROVIDER=memory`), as it forgets everything when the command exits.

use std::path::PathBuf;

use clap::Args;
use unibill::{Billing, BillingConfig, PROVIDER_VAR, ProviderName, Resource};

use crate::error::{CliError, CliResult};

/// The heading the global flags are listed under in every `--help`.
pub const GLOBAL_HEADING: &str = "Global options";

/// The flags every command takes (listed once, under [`GLOBAL_HEADING`]).
#[derive(Debug, Clone, Args)]
pub struct Global {
    /// Route this command to a provider (memory, flexprice, flowglad, vercel), overriding the configuration.
    /// Its keys still come from the environment or the `--config` file.
    #[arg(long, global = true, value_name = "NAME", value_parser = parse_provider, help_heading = GLOBAL_HEADING)]
    pub provider: Option<ProviderName>,
    /// Read the configuration from this TOML file instead of the environment (secrets stay in variables it names).
    #[arg(long, global = true, value_name = "PATH", help_heading = GLOBAL_HEADING)]
    pub config: Option<PathBuf>,
    /// Print the read models as JSON instead of tables (one object; `list` prints one JSON array).
    #[arg(long, global = true, help_heading = GLOBAL_HEADING)]
    pub json: bool,
    /// Log the provider calls on standard error (-v: each call's span and outcome; -vv: every attempt too;
    /// -vvv: the HTTP client's own events as well). Without it, RUST_LOG (`debug`, `unibill_http=trace`, …)
    /// sets what is logged. Secrets are never logged.
    #[arg(short, long, global = true, action = clap::ArgAction::Count, help_heading = GLOBAL_HEADING)]
    pub verbose: u8,
}

fn parse_provider(s: &str) -> Result<ProviderName, String> {
    s.parse::<ProviderName>()
        .map_err(|e| e.message().to_owned())
}

/// The refusal when nothing at all names a provider for a command on `resource` (item 4 of issue 19: the
/// memory provider used to answer silently, and the record was gone when the command exited).
fn nothing_configured(resource: Resource) -> CliError {
    CliError::usage(format!(
        "no provider is configured for {resource}: set {PROVIDER_VAR} (or {} for {resource} alone) and the \
         provider's variables, or pass --config PATH (a TOML file), or --provider NAME; \
         --provider memory uses the in-memory provider, which forgets everything when the command exits",
        resource.env_var()
    ))
}

impl Global {
    /// The configuration of a command on `resource`. From the environment, only the route of that resource is
    /// taken (its own `UNIBILL_<RESOURCE>_PROVIDER`, else `UNIBILL_PROVIDER`), so a variable routing another
    /// resource elsewhere cannot break this command. Nothing configured at all is a usage error (exit 2)
    /// naming what to set; a configuration that routes other resources but not this one is a `Config` error.
    pub fn config(&self, resource: Resource) -> CliResult<BillingConfig> {
        self.config_for(&[resource])
    }

    /// The configuration of a command on several resources (the first one's refusal when nothing is
    /// configured), each routed as [`Global::config`] routes one: in one [`BillingConfig`], so resources routed
    /// to one provider share its instance (one memory state for `usage ingest --create-missing`).
    pub fn config_for(&self, resources: &[Resource]) -> CliResult<BillingConfig> {
        let first = resources[0];
        let config = match &self.config {
            Some(path) => {
                let mut config = BillingConfig::from_toml_file(path)?;
                match self.provider {
                    Some(p) => {
                        for r in resources {
                            config = config.route_to(*r, p);
                        }
                        config
                    }
                    None if config.is_empty() => return Err(nothing_configured(first)),
                    None => config,
                }
            }
            None => {
                // Validates the UNIBILL_* names (a typo is a Config error), then reads these resources' routes.
                let whole = BillingConfig::from_env()?;
                let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
                let mut routes = Vec::new();
                for r in resources {
                    let route = self
                        .provider
                        .map(|p| p.as_str().to_owned())
                        .or_else(|| env(r.env_var()))
                        .or_else(|| env(PROVIDER_VAR));
                    let Some(route) = route else {
                        // Never fall back to memory: say what to set.
                        return Err(if whole.is_empty() {
                            nothing_configured(*r)
                        } else {
                            no_route(*r)
                        });
                    };
                    routes.push((r.env_var(), route));
                }
                BillingConfig::from_lookup(|name| {
                    if let Some((_, route)) = routes.iter().find(|(var, _)| *var == name) {
                        Some(route.clone())
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
        for r in resources {
            if config.route(*r).is_none() {
                return Err(no_route(*r));
            }
        }
        Ok(config)
    }

    /// Builds the [`Billing`] for a command on `resource` (see [`Global::config`]).
    pub fn billing(&self, resource: Resource) -> CliResult<Billing> {
        Ok(self.config(resource)?.build()?)
    }

    /// Builds one [`Billing`] for a command on several resources (see [`Global::config_for`]).
    pub fn billing_for(&self, resources: &[Resource]) -> CliResult<Billing> {
        Ok(self.config_for(resources)?.build()?)
    }

    /// The Flexprice client for Flexprice's own commands (`plans`), from the same configuration as every
    /// other command: the provider prices are routed to must be Flexprice (its plans are what its prices hang
    /// off), else a `Config` error naming what to set.
    pub fn flexprice(&self) -> CliResult<unibill::flexprice::FlexpriceClient> {
        let config = self.config(Resource::Prices)?;
        match config.route(Resource::Prices) {
            Some(ProviderName::Flexprice) => Ok(config.flexprice_client()?),
            other => Err(CliError::Billing(unibill::Error::config(format!(
                "plans are Flexprice's (every Flexprice price hangs off one), but prices are routed to {}: \
                 set {}=flexprice (or {PROVIDER_VAR}=flexprice) and FLEXPRICE_API_KEY, or pass --provider flexprice",
                other.map_or("no provider", ProviderName::as_str),
                Resource::Prices.env_var()
            )))),
        }
    }
}

impl Global {
    /// The webhook verifier of `unibill webhooks`: the `--provider`'s, else the only provider whose webhook
    /// secret is configured. From `--config` (its `webhook_secret_env` keys) or the environment, where only the
    /// webhook secrets are read (no route is needed to verify a provider's deliveries).
    pub fn webhooks(&self) -> CliResult<std::sync::Arc<dyn unibill::Webhooks>> {
        let config = match &self.config {
            Some(path) => BillingConfig::from_toml_file(path)?,
            None => BillingConfig::from_lookup(|name| {
                unibill::PROVIDER_VARS
                    .iter()
                    .any(|v| v.name == name && v.toml_key == unibill::WEBHOOK_SECRET_KEY)
                    .then(|| std::env::var(name).ok())
                    .flatten()
            })?,
        };
        let secrets: Vec<_> = unibill::PROVIDER_VARS
            .iter()
            .filter(|v| v.toml_key == unibill::WEBHOOK_SECRET_KEY)
            .collect();
        // Only a configured secret counts (memory's own verifier, under a secret generated for this process,
        // cannot verify anything sent from elsewhere).
        let set: Vec<_> = secrets
            .iter()
            .filter(|v| config.is_set(v.name))
            .map(|v| v.provider)
            .collect();
        let provider = match (self.provider, set.as_slice()) {
            (Some(p), _) if set.contains(&p) => p,
            (Some(p), _) => {
                let var = secrets
                    .iter()
                    .find(|v| v.provider == p)
                    .map_or("", |v| v.name);
                return Err(CliError::usage(format!(
                    "no webhook secret is configured for {p}: set {var}"
                )));
            }
            (None, [one]) => *one,
            (None, []) => {
                let names: Vec<_> = secrets.iter().map(|v| v.name).collect();
                return Err(CliError::usage(format!(
                    "no webhook secret is configured: set one of {}",
                    names.join(", ")
                )));
            }
            (None, several) => {
                let names: Vec<_> = several.iter().map(|p| p.as_str()).collect();
                return Err(CliError::usage(format!(
                    "webhook secrets are configured for {}: pass --provider NAME to choose one",
                    names.join(", ")
                )));
            }
        };
        Ok(config.build()?.webhooks(provider.as_str())?)
    }
}

fn no_route(resource: Resource) -> CliError {
    CliError::Billing(unibill::Error::config(format!(
        "no provider serves {resource}: set {} or {PROVIDER_VAR}, or pass --provider",
        resource.env_var()
    )))
}

/// Installs the `tracing` subscriber that logs to standard error: `-v` (unibill's debug events: each provider
/// call's span with its outcome), `-vv` (unibill's trace: every attempt) or `-vvv` (everything at trace), else
/// `RUST_LOG` as `target=level` directives, else nothing.
/// A `RUST_LOG` that cannot be read is a usage error naming it.
pub fn install_logging(verbose: u8) -> CliResult {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::fmt::format::FmtSpan;
    use tracing_subscriber::prelude::*;

    let filter = match verbose {
        0 => match std::env::var("RUST_LOG") {
            Ok(spec) if !spec.trim().is_empty() => spec.parse::<Targets>().map_err(|e| {
                CliError::usage(format!(
                    "RUST_LOG=`{spec}` is not a log filter ({e}): write a level (info, debug, trace) or \
                     target=level pairs separated by commas"
                ))
            })?,
            _ => return Ok(()),
        },
        // unibill's own spans and events; the HTTP stack below it only when -vvv asks for everything.
        1 => Targets::new()
            .with_target("unibill", LevelFilter::DEBUG)
            .with_default(LevelFilter::WARN),
        2 => Targets::new()
            .with_target("unibill", LevelFilter::TRACE)
            .with_default(LevelFilter::WARN),
        _ => Targets::new().with_default(LevelFilter::TRACE),
    };
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_span_events(FmtSpan::CLOSE);
    tracing_subscriber::registry()
        .with(layer.with_filter(filter))
        .try_init()
        .map_err(|e| CliError::Other(format!("cannot install the log subscriber: {e}")))
}
