//! `unibill stores create|get|delete|plans|configurations|products`. Stores have no list or update in the
//! neutral contract (Vercel has neither for integration stores).

use clap::{Args, Subcommand};
use unibill::{NewStore, Resource, StoreMetadataValue, StoreSource};

use super::{json_object, key_values, money};
use crate::config::Global;
use crate::error::CliResult;
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
    /// The billing plans of an integration's product.
    Plans {
        /// The integration (slug or id), e.g. neon.
        #[arg(long)]
        integration: String,
        /// The product (slug or id).
        #[arg(long)]
        product: String,
    },
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
    /// Metadata entry KEY=VALUE (repeatable; values are strings).
    #[arg(long, value_name = "KEY=VALUE")]
    pub metadata: Vec<String>,
    /// Protocol settings as a JSON object.
    #[arg(long, value_name = "JSON")]
    pub protocol_settings_json: Option<String>,
    /// Prepayment in USD, decimal (variable prepayment plans).
    #[arg(long)]
    pub prepayment: Option<String>,
    /// Where the creation comes from (marketplace, cli, …).
    #[arg(long)]
    pub source: Option<String>,
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
            for (k, v) in key_values(&a.metadata, "--metadata")? {
                b = b.metadata_entry(k, StoreMetadataValue::String(v));
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
            out.one(&stores.create(input).await?)
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
        StoresCommand::Plans {
            integration,
            product,
        } => {
            let stores = global.billing(Resource::Stores)?.stores();
            let query = unibill::BillingPlanQuery::new(integration, product)?;
            out.many(&stores.list_billing_plans(query).await?, None)
        }
        StoresCommand::Configurations { integration } => {
            let stores = global.billing(Resource::Stores)?.stores();
            out.many(&stores.list_configurations(integration).await?, None)
        }
        StoresCommand::Products { configuration_id } => {
            let stores = global.billing(Resource::Stores)?.stores();
            out.many(&stores.list_products(configuration_id.into()).await?, None)
        }
    }
}
