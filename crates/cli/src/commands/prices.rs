//! `unibill prices create|get|list|update|archive`.

use clap::{Args, Subcommand, ValueEnum};
use unibill::{
    Currency, Interval, IntervalUnit, NewPrice, PackageRounding, PriceKind, PriceListQuery,
    PriceTier, PriceUpdate, PricesExt, Resource, TierMode,
};

use super::{ListArgs, currency, metadata, money, parse_bool, print_list};
use crate::config::Global;
use crate::error::{CliError, CliResult};
use crate::output::Output;

/// A prices command.
#[derive(Debug, Subcommand)]
pub enum PricesCommand {
    /// Create a price.
    Create(Box<CreateArgs>),
    /// Show a price.
    Get {
        /// The provider's price id.
        id: String,
    },
    /// List prices.
    List {
        #[command(flatten)]
        page: ListArgs,
        /// Only prices of this product.
        #[arg(long)]
        product_id: Option<String>,
        /// Include archived prices.
        #[arg(long)]
        include_archived: bool,
    },
    /// Change a price; only the flags given change.
    Update(UpdateArgs),
    /// Archive a price (prices are never deleted; `delete` is an alias).
    #[command(alias = "delete")]
    Archive {
        /// The provider's price id.
        id: String,
    },
}

/// What a price charges for.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KindArg {
    /// Every interval.
    Recurring,
    /// Once.
    OneTime,
    /// Per metered unit (needs --meter-id).
    Usage,
}

/// The unit of an interval.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum UnitArg {
    /// Days.
    Day,
    /// Weeks.
    Week,
    /// Months.
    Month,
    /// Years.
    Year,
}

/// The pricing scheme.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SchemeArg {
    /// quantity × unit amount.
    PerUnit,
    /// Per package of --package-units.
    Package,
    /// By --tier, in --tier-mode.
    Tiered,
}

/// `prices create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// What the price charges for.
    #[arg(long, value_enum, default_value = "recurring")]
    pub kind: KindArg,
    /// The interval unit (recurring and usage).
    #[arg(long, value_enum, default_value = "month")]
    pub interval: UnitArg,
    /// Units per interval.
    #[arg(long, default_value_t = 1)]
    pub interval_count: u32,
    /// Free trial days (recurring).
    #[arg(long)]
    pub trial_days: Option<u32>,
    /// The meter (usage).
    #[arg(long)]
    pub meter_id: Option<String>,
    /// The unit amount in major units, a plain decimal: digits, optional leading `-` and `.` fraction (29.00;
    /// 0 for tiered). No exponent, `+`, spaces or separators.
    #[arg(long, allow_negative_numbers = true)]
    pub amount: String,
    /// The currency: an ISO 4217 code in use (any case). Other codes need --allow-unknown-currency.
    #[arg(long, default_value = "USD")]
    pub currency: String,
    /// Take a --currency outside ISO 4217's active list as it is (a crypto asset such as BTC, a provider's own
    /// code, ISO's test code XTS); whether the provider accepts it is up to the provider.
    #[arg(long)]
    pub allow_unknown_currency: bool,
    /// The pricing scheme.
    #[arg(long, value_enum, default_value = "per-unit")]
    pub scheme: SchemeArg,
    /// Units per package (package scheme).
    #[arg(long)]
    pub package_units: Option<u64>,
    /// Round partial packages down instead of up.
    #[arg(long)]
    pub round_down: bool,
    /// Graduated instead of volume tiers (tiered scheme).
    #[arg(long)]
    pub graduated: bool,
    /// A tier UP_TO:AMOUNT[:FLAT] (repeatable, in order; UP_TO `inf` for the last).
    #[arg(long, value_name = "UP_TO:AMOUNT[:FLAT]")]
    pub tier: Vec<String>,
    /// The product (plan) the price belongs to.
    #[arg(long)]
    pub product_id: Option<String>,
    /// Name.
    #[arg(long)]
    pub name: Option<String>,
    /// Slug (unique; `ensure` keys on it).
    #[arg(long)]
    pub slug: Option<String>,
    /// Description.
    #[arg(long)]
    pub description: Option<String>,
    /// Metadata entry KEY=VALUE (repeatable).
    #[arg(long, value_name = "KEY=VALUE")]
    pub metadata: Vec<String>,
    /// Create active (true) or inactive (false).
    #[arg(long, value_parser = parse_bool, value_name = "BOOL")]
    pub active: Option<bool>,
    /// Make it the product's default price.
    #[arg(long, value_parser = parse_bool, value_name = "BOOL")]
    pub default: Option<bool>,
    /// A setup fee in the same currency, a plain decimal like --amount.
    #[arg(long, allow_negative_numbers = true)]
    pub setup_fee: Option<String>,
}

/// `prices update`.
#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// The provider's price id.
    pub id: String,
    /// New name.
    #[arg(long, conflicts_with = "clear_name")]
    pub name: Option<String>,
    /// Remove the name.
    #[arg(long)]
    pub clear_name: bool,
    /// New slug.
    #[arg(long, conflicts_with = "clear_slug")]
    pub slug: Option<String>,
    /// Remove the slug.
    #[arg(long)]
    pub clear_slug: bool,
    /// Activate (true) or deactivate (false).
    #[arg(long, value_parser = parse_bool, value_name = "BOOL")]
    pub active: Option<bool>,
    /// Make (or unmake) the product's default price.
    #[arg(long, value_parser = parse_bool, value_name = "BOOL")]
    pub default: Option<bool>,
}

fn tier(text: &str, currency: &Currency) -> CliResult<PriceTier> {
    let parts: Vec<&str> = text.split(':').collect();
    let (up_to, amount, flat) = match parts.as_slice() {
        [u, a] => (*u, *a, None),
        [u, a, f] => (*u, *a, Some(*f)),
        _ => {
            return Err(CliError::usage(format!(
                "--tier takes UP_TO:AMOUNT[:FLAT], got {text:?}"
            )));
        }
    };
    let unit = money(amount, currency, "tier")?;
    let mut t = if up_to.eq_ignore_ascii_case("inf") {
        PriceTier::rest(unit)
    } else {
        let n = up_to.parse().map_err(|_| {
            CliError::usage(format!(
                "--tier: UP_TO must be a whole number or inf, got {up_to:?}"
            ))
        })?;
        PriceTier::up_to(n, unit)
    };
    if let Some(f) = flat {
        t = t.with_flat_amount(money(f, currency, "tier")?);
    }
    Ok(t)
}

fn new_price(a: CreateArgs) -> CliResult<NewPrice> {
    let unit = match a.interval {
        UnitArg::Day => IntervalUnit::Day,
        UnitArg::Week => IntervalUnit::Week,
        UnitArg::Month => IntervalUnit::Month,
        UnitArg::Year => IntervalUnit::Year,
    };
    let interval = Interval::new(unit, a.interval_count);
    let kind = match a.kind {
        KindArg::Recurring => PriceKind::recurring(interval),
        KindArg::OneTime => PriceKind::OneTime,
        KindArg::Usage => PriceKind::usage(
            interval,
            a.meter_id
                .clone()
                .ok_or_else(|| CliError::usage("--kind usage needs --meter-id"))?,
        ),
    };
    let currency = currency(&a.currency, a.allow_unknown_currency)?;
    let mut b = NewPrice::builder(kind, money(&a.amount, &currency, "amount")?);
    b = match a.scheme {
        SchemeArg::PerUnit => b,
        SchemeArg::Package => b.package(
            a.package_units
                .ok_or_else(|| CliError::usage("--scheme package needs --package-units"))?,
            if a.round_down {
                PackageRounding::Down
            } else {
                PackageRounding::Up
            },
        ),
        SchemeArg::Tiered => b.tiered(
            if a.graduated {
                TierMode::Graduated
            } else {
                TierMode::Volume
            },
            a.tier
                .iter()
                .map(|t| tier(t, &currency))
                .collect::<CliResult<_>>()?,
        ),
    };
    if let Some(v) = a.trial_days {
        b = b.trial_days(v);
    }
    if let Some(v) = a.product_id {
        b = b.product_id(v);
    }
    if let Some(v) = a.name {
        b = b.name(v);
    }
    if let Some(v) = a.slug {
        b = b.slug(v);
    }
    if let Some(v) = a.description {
        b = b.description(v);
    }
    if !a.metadata.is_empty() {
        b = b.metadata(metadata(&a.metadata)?);
    }
    if let Some(v) = a.active {
        b = b.active(v);
    }
    if let Some(v) = a.default {
        b = b.is_default(v);
    }
    if let Some(v) = &a.setup_fee {
        b = b.setup_fee(money(v, &currency, "setup_fee")?);
    }
    Ok(b.build()?)
}

/// Runs a prices command.
pub async fn run(cmd: PricesCommand, global: &Global) -> CliResult {
    let out = Output::new(global.json);
    match cmd {
        PricesCommand::Create(a) => {
            let input = new_price(*a)?;
            let prices = global.billing(Resource::Prices)?.prices();
            out.one(&prices.create(input).await?)
        }
        PricesCommand::Get { id } => {
            let prices = global.billing(Resource::Prices)?.prices();
            out.one(&prices.get(id.into()).await?)
        }
        PricesCommand::List {
            page,
            product_id,
            include_archived,
        } => {
            let prices = global.billing(Resource::Prices)?.prices();
            let mut base = PriceListQuery::new().include_archived(include_archived);
            if let Some(p) = product_id {
                base = base.product_id(p);
            }
            if let Some(l) = page.limit {
                base = base.limit(l);
            }
            let mut one = base.clone();
            one.cursor = page.cursor();
            base.max_pages = page.max_pages;
            print_list(&page, &out, prices.list(one), || prices.list_all(base)).await
        }
        PricesCommand::Update(a) => {
            let mut b = PriceUpdate::builder();
            if let Some(v) = a.name {
                b = b.name(v);
            }
            if a.clear_name {
                b = b.clear_name();
            }
            if let Some(v) = a.slug {
                b = b.slug(v);
            }
            if a.clear_slug {
                b = b.clear_slug();
            }
            if let Some(v) = a.active {
                b = b.active(v);
            }
            if let Some(v) = a.default {
                b = b.is_default(v);
            }
            let update = b.build()?;
            let prices = global.billing(Resource::Prices)?.prices();
            out.one(&prices.update(a.id.into(), update).await?)
        }
        PricesCommand::Archive { id } => {
            let prices = global.billing(Resource::Prices)?.prices();
            out.one(&prices.archive(id.into()).await?)
        }
    }
}
