//! `unibill plans create|get|list|archive`: Flexprice's plans, the parents every Flexprice price hangs off
//! (the `--product-id` of `prices create`). Plans are not a neutral resource: they go through the Flexprice
//! client (`unibill::flexprice`) built from the same configuration as every other command, with prices
//! routed to Flexprice.

use clap::{Args, Subcommand};
use unibill::flexprice::{NewPlan, PlanListQuery};

use super::{ListArgs, metadata, print_list};
use crate::config::Global;
use crate::error::CliResult;
use crate::output::Output;

/// A plans command.
#[derive(Debug, Subcommand)]
pub enum PlansCommand {
    /// Create a plan (then `prices create --product-id PLAN_ID`).
    Create(CreateArgs),
    /// Show a plan (archived ones too), with the ids of its prices.
    Get {
        /// The plan id (`plan_…`).
        id: String,
    },
    /// List plans, oldest first.
    List {
        #[command(flatten)]
        page: ListArgs,
        /// Include archived plans.
        #[arg(long)]
        include_archived: bool,
    },
    /// Archive a plan (its prices stay published; `delete` is an alias).
    #[command(alias = "delete")]
    Archive {
        /// The plan id (`plan_…`).
        id: String,
    },
}

/// `plans create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Name (1 to 255 characters; the default name of its fixed prices).
    #[arg(long)]
    pub name: String,
    /// Lookup key, unique among published plans.
    #[arg(long)]
    pub lookup_key: Option<String>,
    /// Description.
    #[arg(long)]
    pub description: Option<String>,
    /// Metadata entry KEY=VALUE (repeatable).
    #[arg(long, value_name = "KEY=VALUE")]
    pub metadata: Vec<String>,
}

/// Runs a plans command.
pub async fn run(cmd: PlansCommand, global: &Global) -> CliResult {
    let out = Output::new(global.json);
    match cmd {
        PlansCommand::Create(a) => {
            // The input is built (and validated) before any provider is configured.
            let mut b = NewPlan::builder(a.name);
            if let Some(v) = a.lookup_key {
                b = b.lookup_key(v);
            }
            if let Some(v) = a.description {
                b = b.description(v);
            }
            if !a.metadata.is_empty() {
                b = b.metadata(metadata(&a.metadata)?);
            }
            let input = b.build()?;
            out.one(&global.flexprice()?.create_plan(input).await?)
        }
        PlansCommand::Get { id } => out.one(&global.flexprice()?.get_plan(&id).await?),
        PlansCommand::List {
            page,
            include_archived,
        } => {
            let flexprice = global.flexprice()?;
            let mut base = PlanListQuery::new().include_archived(include_archived);
            if let Some(l) = page.limit {
                base = base.limit(l);
            }
            let mut one = base.clone();
            one.cursor = page.cursor();
            base.max_pages = page.max_pages;
            print_list(&page, &out, flexprice.list_plans(one), || {
                flexprice.list_all_plans(base)
            })
            .await
        }
        PlansCommand::Archive { id } => out.one(&global.flexprice()?.archive_plan(&id).await?),
    }
}
