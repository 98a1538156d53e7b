//! `unibill connections create|get|list|update|delete`. Secrets come from standard input or the environment
//! (see [`crate::secrets_input`]), never from a flag value.

use clap::{Args, Subcommand};
use unibill::{
    ConnectionListQuery, ConnectionProviderType, ConnectionSettings, ConnectionUpdate,
    ConnectionsExt, NewConnection, Resource, S3ExportSettings, SyncConfig, SyncDirection,
};

use super::{ListArgs, json_object, key_values, print_list};
use crate::config::Global;
use crate::error::{CliError, CliResult};
use crate::output::Output;
use crate::secrets_input::SecretsArgs;

/// A connections command.
#[derive(Debug, Subcommand)]
pub enum ConnectionsCommand {
    /// Create a connection to another system (Stripe, S3, HubSpot, …).
    Create(Box<CreateArgs>),
    /// Show a connection (secrets are never readable back).
    Get {
        /// The provider's connection id.
        id: String,
    },
    /// List connections.
    List {
        #[command(flatten)]
        page: ListArgs,
        /// Only connections of this provider type.
        #[arg(long)]
        provider_type: Option<String>,
    },
    /// Change a connection; only the flags given change.
    Update(UpdateArgs),
    /// Delete (archive) a connection.
    Delete {
        /// The provider's connection id.
        id: String,
    },
}

/// `connections create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Display name.
    #[arg(long)]
    pub name: String,
    /// What it connects to: stripe, s3, hubspot, razorpay, paddle, … (any other name is kept as given).
    #[arg(long)]
    pub provider_type: String,
    #[command(flatten)]
    pub secrets: SecretsArgs,
    /// What syncs: ENTITY=in|out|both (repeatable; entities plan, subscription, invoice, customer, payment,
    /// price, deal, quote).
    #[arg(long, value_name = "ENTITY=DIRECTION")]
    pub sync: Vec<String>,
    /// Metadata as a JSON object.
    #[arg(long, value_name = "JSON")]
    pub metadata_json: Option<String>,
    /// S3 export bucket.
    #[arg(long)]
    pub s3_bucket: Option<String>,
    /// S3 export region.
    #[arg(long)]
    pub s3_region: Option<String>,
    /// S3 export key prefix.
    #[arg(long)]
    pub s3_key_prefix: Option<String>,
    /// S3 export compression (gzip, none).
    #[arg(long)]
    pub s3_compression: Option<String>,
    /// S3 export encryption (AES256, aws:kms, …).
    #[arg(long)]
    pub s3_encryption: Option<String>,
    /// The S3 bucket is managed by Flexprice.
    #[arg(long)]
    pub s3_flexprice_managed: bool,
    /// AWS Marketplace region.
    #[arg(long)]
    pub aws_marketplace_region: Option<String>,
    /// Provider-specific settings as a JSON object.
    #[arg(long, value_name = "JSON")]
    pub settings_json: Option<String>,
}

/// `connections update`.
#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// The provider's connection id.
    pub id: String,
    /// New name.
    #[arg(long)]
    pub name: Option<String>,
    /// Replace the metadata with this JSON object.
    #[arg(long, value_name = "JSON", conflicts_with = "clear_metadata")]
    pub metadata_json: Option<String>,
    /// Remove all metadata.
    #[arg(long)]
    pub clear_metadata: bool,
    /// Replace the sync configuration: ENTITY=in|out|both (repeatable).
    #[arg(long, value_name = "ENTITY=DIRECTION")]
    pub sync: Vec<String>,
    /// The provider type, to shape replacement secrets (stripe, s3, hubspot, …).
    #[arg(long)]
    pub provider_type: Option<String>,
    #[command(flatten)]
    pub secrets: SecretsArgs,
}

fn sync_config(pairs: &[String]) -> CliResult<Option<SyncConfig>> {
    if pairs.is_empty() {
        return Ok(None);
    }
    let mut c = SyncConfig::default();
    for (entity, dir) in key_values(pairs, "--sync")? {
        let d = match dir.as_str() {
            "in" | "inbound" => SyncDirection::INBOUND,
            "out" | "outbound" => SyncDirection::OUTBOUND,
            "both" => SyncDirection::BOTH,
            other => {
                return Err(CliError::usage(format!(
                    "--sync {entity}: direction in, out or both, got {other:?}"
                )));
            }
        };
        let slot = match entity.as_str() {
            "plan" => &mut c.plan,
            "subscription" => &mut c.subscription,
            "invoice" => &mut c.invoice,
            "customer" => &mut c.customer,
            "payment" => &mut c.payment,
            "price" => &mut c.price,
            "deal" => &mut c.deal,
            "quote" => &mut c.quote,
            other => return Err(CliError::usage(format!("--sync: unknown entity {other:?}"))),
        };
        *slot = Some(d);
    }
    Ok(Some(c))
}

fn settings(a: &CreateArgs) -> CliResult<Option<ConnectionSettings>> {
    let s3 = a.s3_bucket.is_some()
        || a.s3_region.is_some()
        || a.s3_key_prefix.is_some()
        || a.s3_compression.is_some()
        || a.s3_encryption.is_some()
        || a.s3_flexprice_managed;
    if !s3 && a.aws_marketplace_region.is_none() && a.settings_json.is_none() {
        return Ok(None);
    }
    let mut settings = ConnectionSettings::default();
    if s3 {
        settings.s3_export = Some(S3ExportSettings {
            bucket: a.s3_bucket.clone(),
            region: a.s3_region.clone(),
            key_prefix: a.s3_key_prefix.clone(),
            compression: a.s3_compression.as_deref().map(spelled).transpose()?,
            encryption: a.s3_encryption.as_deref().map(spelled).transpose()?,
            flexprice_managed: a.s3_flexprice_managed,
        });
    }
    settings.aws_marketplace_region = a.aws_marketplace_region.clone();
    if let Some(j) = &a.settings_json {
        settings.extra = Some(json_object(j, "--settings-json")?);
    }
    Ok(Some(settings))
}

/// A value in the model's own serde spelling (`gzip`, `AES256`, `aws:kms`, or any other as given).
fn spelled<T: serde::de::DeserializeOwned>(s: &str) -> CliResult<T> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|e| CliError::usage(format!("{s:?}: {e}")))
}

/// Runs a connections command.
pub async fn run(cmd: ConnectionsCommand, global: &Global) -> CliResult {
    let out = Output::new(global.json);
    match cmd {
        ConnectionsCommand::Create(a) => {
            let provider_type = ConnectionProviderType::from(a.provider_type.as_str());
            let mut b = NewConnection::builder(a.name.clone(), provider_type.clone());
            if let Some(s) = a.secrets.read(&provider_type)? {
                b = b.secrets(s);
            }
            if let Some(s) = settings(&a)? {
                b = b.settings(s);
            }
            if let Some(s) = sync_config(&a.sync)? {
                b = b.sync_config(s);
            }
            if let Some(j) = &a.metadata_json {
                b = b.metadata(json_object(j, "--metadata-json")?);
            }
            let input = b.build()?;
            let connections = global.billing(Resource::Connections)?.connections();
            out.one(&connections.create(input).await?)
        }
        ConnectionsCommand::Get { id } => {
            let connections = global.billing(Resource::Connections)?.connections();
            out.one(&connections.get(id.into()).await?)
        }
        ConnectionsCommand::List {
            page,
            provider_type,
        } => {
            let connections = global.billing(Resource::Connections)?.connections();
            let mut base = ConnectionListQuery::new();
            if let Some(p) = provider_type {
                base = base.provider_type(ConnectionProviderType::from(p.as_str()));
            }
            if let Some(l) = page.limit {
                base = base.limit(l);
            }
            let mut one = base.clone();
            one.cursor = page.cursor();
            base.max_pages = page.max_pages;
            print_list(&page, &out, connections.list(one), || {
                connections.list_all(base)
            })
            .await
        }
        ConnectionsCommand::Update(a) => {
            let mut b = ConnectionUpdate::builder();
            if let Some(v) = a.name {
                b = b.name(v);
            }
            if let Some(j) = &a.metadata_json {
                b = b.metadata(json_object(j, "--metadata-json")?);
            }
            if a.clear_metadata {
                b = b.clear_metadata();
            }
            if let Some(s) = sync_config(&a.sync)? {
                b = b.sync_config(s);
            }
            let provider_type = a
                .provider_type
                .as_deref()
                .map(ConnectionProviderType::from)
                .unwrap_or_else(|| ConnectionProviderType::Other(String::new()));
            if let Some(s) = a.secrets.read(&provider_type)? {
                b = b.secrets(s);
            }
            let update = b.build()?;
            let connections = global.billing(Resource::Connections)?.connections();
            out.one(&connections.update(a.id.into(), update).await?)
        }
        ConnectionsCommand::Delete { id } => {
            let connections = global.billing(Resource::Connections)?.connections();
            connections.delete(id.clone().into()).await?;
            if out.is_json() {
                out.one(&serde_json::json!({ "id": id, "deleted": true }))
            } else {
                out.note(&format!("connection {id} deleted (archived)"))
            }
        }
    }
}
