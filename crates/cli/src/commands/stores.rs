//! `unibill stores create|get|delete|plans|configurations|products`. Stores have no list or update in the
//! neutral contract (Vercel has neither for integration stores).
//!
//! Metadata takes typed values from `--metadata-json` (a JSON object: strings, exact numbers, booleans, lists
//! of strings or of numbers) and string values from `--metadata KEY=VALUE`. A store created without a known id
//! is printed with what is known and exits 3. An empty catalogue listing on Vercel without a team says, on
//! standard error, that no team is set.

use std::collections::BTreeSet;
use std::io::Write;

use clap::{Args, Subcommand};
use unibill::{
    Billing, BillingConfig, BillingPlanQuery, NewStore, Resource, Store, StoreMetadata,
    StoreMetadataValue, StoreSource,
};

use super::{json_object, key_values, money};
use crate::config::Global;
use crate::error::{CliError, CliResult};
use crate::output::Output;

/// A stores command.
#[derive(Debug, Subcommand)]
pub enum StoresCommand {
    /// Provision a store.
    Create(CreateArgs),
    /// Show a store.
    Get {
        /// The store id.
        id: String,
    },
    /// Delete a store.
    Delete {
        /// The store id.
        id: String,
    },
    /// The billing plans of an integration's product (for one installation, priced for the intended metadata).
    Plans(PlansArgs),
    /// The integration configurations (installations).
    Configurations {
        /// Only this integration (slug or id).
        #[arg(long)]
        integration: Option<String>,
    },
    /// The products of an integration configuration.
    Products {
        /// The integration configuration id.
        #[arg(long)]
        configuration_id: String,
    },
}

/// `stores create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Store name.
    #[arg(long)]
    pub name: String,
    /// The integration configuration (installation) id.
    #[arg(long)]
    pub configuration_id: String,
    /// The product id or slug.
    #[arg(long)]
    pub product: String,
    /// The billing plan id (default: the product's default plan).
    #[arg(long)]
    pub billing_plan_id: Option<String>,
    /// The payment method id (paid plans).
    #[arg(long)]
    pub payment_method_id: Option<String>,
    /// Your id for the store.
    #[arg(long)]
    pub external_id: Option<String>,
    #[command(flatten)]
    pub metadata: MetadataArgs,
    /// Protocol settings as a JSON object.
    #[arg(long, value_name = "JSON")]
    pub protocol_settings_json: Option<String>,
    /// Prepayment in USD, decimal (variable prepayment plans).
    #[arg(long, allow_negative_numbers = true)]
    pub prepayment: Option<String>,
    /// Where the creation comes from (marketplace, cli, …).
    #[arg(long)]
    pub source: Option<String>,
}

/// `stores plans`.
#[derive(Debug, Args)]
pub struct PlansArgs {
    /// The integration (slug or id), e.g. neon.
    #[arg(long)]
    pub integration: String,
    /// The product (slug or id).
    #[arg(long)]
    pub product: String,
    /// Only as this installation (integration configuration id, icfg_…) is offered them.
    #[arg(long)]
    pub configuration_id: Option<String>,
    #[command(flatten)]
    pub metadata: MetadataArgs,
    /// Where the creation would come from (marketplace, cli, …).
    #[arg(long)]
    pub source: Option<String>,
}

/// The metadata flags of `stores create` and `stores plans`.
#[derive(Debug, Args)]
pub struct MetadataArgs {
    /// Metadata as a JSON object: strings, numbers (exact, as written), booleans, lists of strings or of
    /// numbers, e.g. '{"replicas":2,"cpuUnits":0.25,"highAvailability":false,"tags":["database","postgres"]}'.
    #[arg(long, value_name = "JSON")]
    pub metadata_json: Option<String>,
    /// Metadata entry KEY=VALUE, a string value (repeatable; for other types use --metadata-json).
    #[arg(long, value_name = "KEY=VALUE")]
    pub metadata: Vec<String>,
}

impl MetadataArgs {
    /// The metadata both flags give (`None` when neither is used). A key both give is `invalid_input` naming
    /// `metadata.<key>`, as are values `--metadata-json` refuses (null, nested objects, mixed lists).
    pub fn metadata(&self) -> CliResult<Option<StoreMetadata>> {
        let mut m = match &self.metadata_json {
            Some(json) => unibill::parse_store_metadata(json)?,
            None => StoreMetadata::new(),
        };
        let from_json: BTreeSet<String> = m.keys().cloned().collect();
        for (k, v) in key_values(&self.metadata, "--metadata")? {
            if from_json.contains(&k) {
                return Err(CliError::Billing(unibill::Error::invalid_field(
                    format!("metadata.{k}"),
                    "is given by both --metadata-json and --metadata: give it once",
                )));
            }
            m.insert(k, StoreMetadataValue::String(v));
        }
        Ok((self.metadata_json.is_some() || !self.metadata.is_empty()).then_some(m))
    }
}

/// What `stores create` says when the store was made but its id is unknown (exit 3).
fn created_without_id(store: &Store) -> String {
    let name = store.name.as_deref().unwrap_or("(unnamed)");
    let mut provider = store.provider.to_string();
    if let Some(first) = provider.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    let mut known = vec![format!(
        "external resource id {}",
        store.external_resource_id
    )];
    if let Some(c) = &store.product.configuration_id {
        known.push(format!("configuration {c}"));
    }
    if let Some(p) = store
        .product
        .slug
        .as_deref()
        .or(store.product.id.as_deref())
    {
        known.push(format!("product {p}"));
    }
    format!(
        "store `{name}` was created, but {provider}'s answer carried no store id and it could not be looked up \
         (on Vercel that lookup needs the integration's own token): do not create it again, that makes a second \
         store.\n  known: {known}\n  find the store's id in the {provider} dashboard (Storage) by its name or \
         external resource id; then `unibill stores get <id>` and `unibill stores delete <id>` take it",
        known = known.join(", "),
    )
}

/// Whether a Vercel team is configured for this command: in the `--config` file (`[vercel] team_id` or
/// `team_slug`), else in the environment (`VERCEL_TEAM_ID`, `VERCEL_TEAM_SLUG`).
fn vercel_team_configured(global: &Global) -> bool {
    use unibill::vercel::{ENV_TEAM_ID, ENV_TEAM_SLUG};
    match &global.config {
        // The file was read once already to build the provider; unreadable now, assume nothing to say.
        Some(path) => BillingConfig::from_toml_file(path)
            .map_or(true, |c| c.is_set(ENV_TEAM_ID) || c.is_set(ENV_TEAM_SLUG)),
        None => [ENV_TEAM_ID, ENV_TEAM_SLUG]
            .iter()
            .any(|v| std::env::var(v).is_ok_and(|v| !v.trim().is_empty())),
    }
}

/// After an empty catalogue listing: on Vercel without a team, says on standard error that none is set (the
/// personal account the token then answers for sees no team's installations).
fn note_when_empty_without_team(global: &Global, billing: &Billing, empty: bool) {
    if empty
        && billing.capabilities().stores.provider == unibill::vercel::PROVIDER
        && !vercel_team_configured(global)
    {
        let _ = writeln!(
            std::io::stderr().lock(),
            "note: nothing is listed and no Vercel team is set: set {} or {} (with --config: team_id or \
             team_slug under [vercel]); without one, Vercel answers for the token's personal account, which \
             does not see a team's installations",
            unibill::vercel::ENV_TEAM_ID,
            unibill::vercel::ENV_TEAM_SLUG,
        );
    }
}

/// Runs a stores command.
pub async fn run(cmd: StoresCommand, global: &Global) -> CliResult {
    let out = Output::new(global.json);
    match cmd {
        StoresCommand::Create(a) => {
            let mut b = NewStore::builder(a.name, a.configuration_id, a.product);
            if let Some(v) = a.billing_plan_id {
                b = b.billing_plan_id(v);
            }
            if let Some(v) = a.payment_method_id {
                b = b.payment_method_id(v);
            }
            if let Some(v) = a.external_id {
                b = b.external_id(v);
            }
            if let Some(m) = a.metadata.metadata()? {
                b = b.metadata(m);
            }
            if let Some(j) = &a.protocol_settings_json {
                b = b.protocol_settings(json_object(j, "--protocol-settings-json")?);
            }
            if let Some(p) = &a.prepayment {
                b = b.prepayment(money(p, &unibill::Currency::USD, "prepayment")?);
            }
            if let Some(s) = &a.source {
                b = b.source(StoreSource::from(s.as_str()));
            }
            let input = b.build()?;
            let stores = global.billing(Resource::Stores)?.stores();
            let store = stores.create(input).await?;
            out.one(&store)?;
            if store.id.is_none() {
                return Err(CliError::Incomplete(created_without_id(&store)));
            }
            Ok(())
        }
        StoresCommand::Get { id } => {
            let stores = global.billing(Resource::Stores)?.stores();
            out.one(&stores.get(id.into()).await?)
        }
        StoresCommand::Delete { id } => {
            let stores = global.billing(Resource::Stores)?.stores();
            stores.delete(id.clone().into()).await?;
            if out.is_json() {
                out.one(&serde_json::json!({ "id": id, "deleted": true }))
            } else {
                out.note(&format!("store {id} deleted"))
            }
        }
        StoresCommand::Plans(a) => {
            let mut q = BillingPlanQuery::builder(a.integration, a.product);
            if let Some(c) = a.configuration_id {
                q = q.configuration_id(c);
            }
            if let Some(m) = a.metadata.metadata()? {
                q = q.metadata(m);
            }
            if let Some(s) = &a.source {
                q = q.source(StoreSource::from(s.as_str()));
            }
            let query = q.build()?;
            let billing = global.billing(Resource::Stores)?;
            let plans = billing.stores().list_billing_plans(query).await?;
            out.many(&plans, None)?;
            note_when_empty_without_team(global, &billing, plans.is_empty());
            Ok(())
        }
        StoresCommand::Configurations { integration } => {
            let billing = global.billing(Resource::Stores)?;
            let configs = billing.stores().list_configurations(integration).await?;
            out.many(&configs, None)?;
            note_when_empty_without_team(global, &billing, configs.is_empty());
            Ok(())
        }
        StoresCommand::Products { configuration_id } => {
            let billing = global.billing(Resource::Stores)?;
            let products = billing
                .stores()
                .list_products(configuration_id.into())
                .await?;
            out.many(&products, None)?;
            note_when_empty_without_team(global, &billing, products.is_empty());
            Ok(())
        }
    }
}
