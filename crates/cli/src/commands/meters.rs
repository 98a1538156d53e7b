//! `unibill meters create|get|list`.

use clap::{Args, Subcommand, ValueEnum};
use unibill::{Aggregation, MeterListQuery, MetersExt, NewMeter, Resource};

use super::{ListArgs, print_list};
use crate::config::Global;
use crate::error::{CliError, CliResult};
use crate::output::Output;

/// A meters command.
#[derive(Debug, Subcommand)]
pub enum MetersCommand {
    /// Create a meter (its key is the natural key: a second create is already_exists).
    Create(CreateArgs),
    /// Show a meter by its key.
    Get {
        /// The meter's key.
        key: String,
    },
    /// List meters.
    List {
        #[command(flatten)]
        page: ListArgs,
    },
}

/// How a meter turns events into a number.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum AggregationArg {
    /// The number of events (quantities ignored).
    Count,
    /// The sum of the events' quantities.
    Sum,
    /// The largest quantity.
    Max,
    /// The quantity of the latest event.
    Latest,
    /// The number of distinct values of --property.
    UniqueCount,
}

/// `meters create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The natural key: the `meter_key` of the events it counts (1–64 of `A-Z a-z 0-9 _ . -`).
    #[arg(long)]
    pub key: String,
    /// Display name.
    #[arg(long)]
    pub name: String,
    /// How events are aggregated.
    #[arg(long, value_enum, default_value = "sum")]
    pub aggregation: AggregationArg,
    /// The property whose distinct values are counted (--aggregation unique-count only).
    #[arg(long)]
    pub property: Option<String>,
}

fn new_meter(a: CreateArgs) -> CliResult<NewMeter> {
    let aggregation = match (a.aggregation, a.property) {
        (AggregationArg::UniqueCount, Some(p)) => Aggregation::unique_count(p),
        (AggregationArg::UniqueCount, None) => {
            return Err(CliError::usage(
                "--aggregation unique-count needs --property (the property whose distinct values are counted)",
            ));
        }
        (_, Some(_)) => {
            return Err(CliError::usage(
                "--property is for --aggregation unique-count; the other aggregations work on the quantity",
            ));
        }
        (AggregationArg::Count, None) => Aggregation::Count,
        (AggregationArg::Sum, None) => Aggregation::Sum,
        (AggregationArg::Max, None) => Aggregation::Max,
        (AggregationArg::Latest, None) => Aggregation::Latest,
    };
    Ok(NewMeter::builder(a.key, a.name, aggregation).build()?)
}

/// Runs a meters command.
pub async fn run(cmd: MetersCommand, global: &Global) -> CliResult {
    let out = Output::new(global.json);
    match cmd {
        MetersCommand::Create(a) => {
            let input = new_meter(a)?;
            let meters = global.billing(Resource::Meters)?.meters();
            out.one(&meters.create(input).await?)
        }
        MetersCommand::Get { key } => {
            let meters = global.billing(Resource::Meters)?.meters();
            out.one(&meters.get_by_key(key).await?)
        }
        MetersCommand::List { page } => {
            let meters = global.billing(Resource::Meters)?.meters();
            let mut base = MeterListQuery::new();
            if let Some(l) = page.limit {
                base = base.limit(l);
            }
            let mut one = base.clone();
            one.cursor = page.cursor();
            base.max_pages = page.max_pages;
            print_list(&page, &out, meters.list(one), || meters.list_all(base)).await
        }
    }
}
