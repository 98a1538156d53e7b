//! `unibill features create|get|list|grant`.

use clap::{Args, Subcommand, ValueEnum};
use unibill::{
    FeatureKind, FeatureListQuery, FeaturesExt, Grant, Limit, NewFeature, Reset, Resource,
};

use super::{ListArgs, decimal, print_list};
use crate::config::Global;
use crate::error::{CliError, CliResult};
use crate::output::Output;

/// A features command.
#[derive(Debug, Subcommand)]
pub enum FeaturesCommand {
    /// Create a feature (its key is the natural key: a second create is already_exists).
    Create(CreateArgs),
    /// Show a feature by its key.
    Get {
        /// The feature's key.
        key: String,
    },
    /// List features.
    List {
        #[command(flatten)]
        page: ListArgs,
    },
    /// Grant a feature to a product (a Flexprice plan, a Flowglad product): one grant per feature and product.
    Grant(GrantArgs),
}

/// What kind of feature.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KindArg {
    /// On or off.
    Boolean,
    /// Counted by a meter (needs --meter-key).
    Metered,
}

/// When a metered grant's usage starts again from zero.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ResetArg {
    /// Never (a one-off allowance).
    Never,
    /// At every billing period of the subscription.
    BillingPeriod,
    /// Every day.
    Daily,
    /// Every week.
    Weekly,
    /// Every month.
    Monthly,
    /// Every year.
    Yearly,
}

/// `features create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The natural key (1–64 of `A-Z a-z 0-9 _ . -`).
    #[arg(long)]
    pub key: String,
    /// Display name.
    #[arg(long)]
    pub name: String,
    /// Boolean or metered.
    #[arg(long, value_enum, default_value = "boolean")]
    pub kind: KindArg,
    /// The key of the meter that counts it (--kind metered).
    #[arg(long)]
    pub meter_key: Option<String>,
    /// Description.
    #[arg(long)]
    pub description: Option<String>,
}

/// `features grant`.
#[derive(Debug, Args)]
pub struct GrantArgs {
    /// The feature's key.
    pub feature_key: String,
    /// The product it is granted to (Flexprice plan id, Flowglad product id).
    #[arg(long)]
    pub product_id: String,
    /// At most this much per reset period, a plain decimal (1000, 2.5); without it the grant is unlimited.
    #[arg(long, value_name = "AMOUNT", allow_negative_numbers = true)]
    pub limit: Option<String>,
    /// When usage resets.
    #[arg(long, value_enum, default_value = "billing-period")]
    pub resets: ResetArg,
    /// A soft limit: usage beyond it is still allowed (and billed).
    #[arg(long)]
    pub soft: bool,
}

fn new_feature(a: CreateArgs) -> CliResult<NewFeature> {
    let kind = match (a.kind, a.meter_key) {
        (KindArg::Metered, Some(m)) => FeatureKind::metered(m),
        (KindArg::Metered, None) => {
            return Err(CliError::usage(
                "--kind metered needs --meter-key (the meter that counts it)",
            ));
        }
        (KindArg::Boolean, Some(_)) => {
            return Err(CliError::usage("--meter-key is for --kind metered"));
        }
        (KindArg::Boolean, None) => FeatureKind::Boolean,
    };
    let mut b = NewFeature::builder(a.key, a.name, kind);
    if let Some(d) = a.description {
        b = b.description(d);
    }
    Ok(b.build()?)
}

fn grant(a: GrantArgs) -> CliResult<Grant> {
    let limit = match &a.limit {
        Some(text) => Limit::Finite(decimal(text, "limit")?),
        None => Limit::Unlimited,
    };
    let resets = match a.resets {
        ResetArg::Never => Reset::Never,
        ResetArg::BillingPeriod => Reset::BillingPeriod,
        ResetArg::Daily => Reset::Daily,
        ResetArg::Weekly => Reset::Weekly,
        ResetArg::Monthly => Reset::Monthly,
        ResetArg::Yearly => Reset::Yearly,
    };
    Ok(Grant::builder(a.feature_key, a.product_id)
        .limit(limit)
        .resets(resets)
        .soft(a.soft)
        .build()?)
}

/// Runs a features command.
pub async fn run(cmd: FeaturesCommand, global: &Global) -> CliResult {
    let out = Output::new(global.json);
    match cmd {
        FeaturesCommand::Create(a) => {
            let input = new_feature(a)?;
            let features = global.billing(Resource::Features)?.features();
            out.one(&features.create(input).await?)
        }
        FeaturesCommand::Get { key } => {
            let features = global.billing(Resource::Features)?.features();
            out.one(&features.get_by_key(key).await?)
        }
        FeaturesCommand::List { page } => {
            let features = global.billing(Resource::Features)?.features();
            let mut base = FeatureListQuery::new();
            if let Some(l) = page.limit {
                base = base.limit(l);
            }
            let mut one = base.clone();
            one.cursor = page.cursor();
            base.max_pages = page.max_pages;
            print_list(&page, &out, features.list(one), || features.list_all(base)).await
        }
        FeaturesCommand::Grant(a) => {
            let input = grant(a)?;
            let features = global.billing(Resource::Features)?.features();
            out.one(&features.grant(input).await?)
        }
    }
}
