//! Prices: the create input [`NewPrice`], the update input [`PriceUpdate`], the read model [`Price`] and the
//! list query [`PriceListQuery`].
//!
//! A price is a [`PriceKind`] (recurring, one-time or usage), a unit amount in [`Money`] and a
//! [`PricingScheme`] (per unit, package or tiered). Amounts keep their full `Decimal` precision: a usage rate of
//! `0.0015 USD` is legal in the model, and a provider that bills in minor units refuses it when converting.

use std::borrow::Cow;
use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::id::PriceId;
use crate::metadata::Metadata;
use crate::model::raw::RawJson;
use crate::money::{Currency, Money};
use crate::page::Cursor;
use crate::patch::Patch;
use crate::validation::Checks;

const TEXT_MAX: usize = 255;
const DESCRIPTION_MAX: usize = 2000;

/// The unit of a billing interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntervalUnit {
    /// Days.
    Day,
    /// Weeks.
    Week,
    /// Months.
    Month,
    /// Years.
    Year,
}

impl fmt::Display for IntervalUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IntervalUnit::Day => "day",
            IntervalUnit::Week => "week",
            IntervalUnit::Month => "month",
            IntervalUnit::Year => "year",
        })
    }
}

/// A billing interval: every `count` `unit`s (`count ≥ 1`, checked when the price is built).
///
/// ```
/// use unibill_core::{Interval, IntervalUnit};
/// let quarterly = Interval::new(IntervalUnit::Month, 3);
/// assert_eq!(quarterly.to_string(), "3 month");
/// assert_eq!(Interval::monthly(), Interval::new(IntervalUnit::Month, 1));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Interval {
    /// The unit.
    pub unit: IntervalUnit,
    /// How many units (≥ 1).
    pub count: u32,
}

impl Interval {
    /// Every `count` `unit`s.
    pub const fn new(unit: IntervalUnit, count: u32) -> Self {
        Interval { unit, count }
    }

    /// Every month.
    pub const fn monthly() -> Self {
        Interval::new(IntervalUnit::Month, 1)
    }

    /// Every year.
    pub const fn yearly() -> Self {
        Interval::new(IntervalUnit::Year, 1)
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.count, self.unit)
    }
}

/// What a price charges for.
///
/// - Flexprice: `Recurring` is `FIXED` with a period, `OneTime` is `FIXED` + `ONETIME`, `Usage` is `USAGE` +
///   `meter_id`; every price hangs off a plan (the product id).
/// - Flowglad: `subscription`, `single_payment`, `usage` (usage prices hang off the meter, not a product).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PriceKind {
    /// Charged every interval, optionally after a free trial.
    Recurring {
        /// The billing interval.
        interval: Interval,
        /// Free trial days (≥ 1 when set; `None` means no trial).
        trial_days: Option<u32>,
    },
    /// Charged once.
    OneTime,
    /// Charged per metered unit, billed every interval.
    Usage {
        /// The billing interval.
        interval: Interval,
        /// The provider's meter (Flexprice `meter_id`, Flowglad `usageMeterId`).
        meter_id: String,
    },
}

impl PriceKind {
    /// Recurring every `interval`, no trial.
    pub fn recurring(interval: Interval) -> Self {
        PriceKind::Recurring {
            interval,
            trial_days: None,
        }
    }

    /// Usage of `meter_id`, billed every `interval`.
    pub fn usage(interval: Interval, meter_id: impl Into<String>) -> Self {
        PriceKind::Usage {
            interval,
            meter_id: meter_id.into(),
        }
    }

    /// The interval, if the kind has one.
    pub fn interval(&self) -> Option<Interval> {
        match self {
            PriceKind::Recurring { interval, .. } | PriceKind::Usage { interval, .. } => {
                Some(*interval)
            }
            PriceKind::OneTime => None,
        }
    }

    /// `recurring`, `one_time` or `usage`.
    pub fn name(&self) -> &'static str {
        match self {
            PriceKind::Recurring { .. } => "recurring",
            PriceKind::OneTime => "one_time",
            PriceKind::Usage { .. } => "usage",
        }
    }
}

/// How a package count is rounded (`ceil` or `floor` of quantity / units).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PackageRounding {
    /// A started package is charged in full (Flexprice's default; Flowglad's only form).
    Up,
    /// Only complete packages are charged.
    Down,
}

/// How tiers rate a quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TierMode {
    /// The whole quantity is rated at the tier it falls in (Flexprice `VOLUME`).
    Volume,
    /// Each tier rates the part of the quantity inside it (Flexprice `SLAB`).
    Graduated,
}

/// One tier of a tiered price.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PriceTier {
    /// The inclusive upper bound of the tier (in units); `None` for the last, open-ended tier.
    pub up_to: Option<u64>,
    /// The amount per unit in this tier (full precision, same currency as the price).
    pub unit_amount: Money,
    /// A flat amount charged once when the tier is reached.
    pub flat_amount: Option<Money>,
}

impl PriceTier {
    /// A tier up to `up_to` units (inclusive) at `unit_amount` per unit.
    pub fn up_to(up_to: u64, unit_amount: Money) -> Self {
        PriceTier {
            up_to: Some(up_to),
            unit_amount,
            flat_amount: None,
        }
    }

    /// The last, open-ended tier.
    pub fn rest(unit_amount: Money) -> Self {
        PriceTier {
            up_to: None,
            unit_amount,
            flat_amount: None,
        }
    }

    /// Adds a flat amount to the tier.
    pub fn with_flat_amount(mut self, flat_amount: Money) -> Self {
        self.flat_amount = Some(flat_amount);
        self
    }
}

/// How the unit amount turns a quantity into a charge.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "scheme", rename_all = "snake_case")]
pub enum PricingScheme {
    /// `quantity × unit_amount`.
    PerUnit,
    /// `packages(quantity / units) × unit_amount`: the unit amount is the price of one package.
    /// (Flexprice `PACKAGE` + `transform_quantity`; Flowglad `usageEventsPerUnit`, rounding up only.)
    Package {
        /// Units per package (≥ 1).
        units: u64,
        /// How a partial package counts.
        rounding: PackageRounding,
    },
    /// Rated by tiers; the price's own unit amount must be zero (the tiers carry the amounts).
    Tiered {
        /// Volume or graduated.
        mode: TierMode,
        /// Strictly increasing inclusive upper bounds, the last one open-ended.
        tiers: Vec<PriceTier>,
    },
}

impl PricingScheme {
    /// `per_unit`, `package` or `tiered`.
    pub fn name(&self) -> &'static str {
        match self {
            PricingScheme::PerUnit => "per_unit",
            PricingScheme::Package { .. } => "package",
            PricingScheme::Tiered { .. } => "tiered",
        }
    }
}

/// The input to create a price. A value that exists is valid: [`NewPriceBuilder::build`] checks every rule.
///
/// Rules: the interval count is ≥ 1; trial days are ≥ 1 and only on recurring prices; the meter id, product id,
/// name and slug are 1..=255 characters, the description ≤ 2000; no amount is negative; every amount (unit,
/// setup fee, tiers) is in the unit amount's currency; packages have ≥ 1 unit; tiers have strictly increasing
/// upper bounds and only the last is open-ended; a tiered price's unit amount is zero.
///
/// Whether a product id is required, optional or forbidden per kind is the provider's rule (see
/// [`crate::PriceCapabilities::product_id`]), checked by the guard before anything is sent.
///
/// ```
/// use rust_decimal_macros::dec;
/// use unibill_core::{Currency, Interval, Money, NewPrice, PriceKind};
///
/// let pro = NewPrice::builder(PriceKind::recurring(Interval::monthly()), Money::new(dec!(29), Currency::USD))
///     .product_id("plan_pro")
///     .slug("pro-monthly")
///     .trial_days(14)
///     .build()
///     .unwrap();
/// assert_eq!(pro.slug(), Some("pro-monthly"));
///
/// let err = NewPrice::builder(PriceKind::OneTime, Money::new(dec!(-1), Currency::USD)).build().unwrap_err();
/// assert_eq!(err.field_errors()[0].field, "unit_amount");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPrice {
    kind: PriceKind,
    unit_amount: Money,
    scheme: PricingScheme,
    product_id: Option<String>,
    name: Option<String>,
    slug: Option<String>,
    description: Option<String>,
    metadata: Option<Metadata>,
    active: Option<bool>,
    is_default: Option<bool>,
    setup_fee: Option<Money>,
}

impl NewPrice {
    /// Starts a per-unit price of `kind` at `unit_amount`.
    pub fn builder(kind: PriceKind, unit_amount: Money) -> NewPriceBuilder {
        NewPriceBuilder {
            misplaced_trial: false,
            input: NewPrice {
                kind,
                unit_amount,
                scheme: PricingScheme::PerUnit,
                product_id: None,
                name: None,
                slug: None,
                description: None,
                metadata: None,
                active: None,
                is_default: None,
                setup_fee: None,
            },
        }
    }

    /// Recurring, one-time or usage.
    pub fn kind(&self) -> &PriceKind {
        &self.kind
    }

    /// The amount per unit (or per package); zero for tiered prices.
    pub fn unit_amount(&self) -> &Money {
        &self.unit_amount
    }

    /// The currency every amount of the price is in.
    pub fn currency(&self) -> &Currency {
        &self.unit_amount.currency
    }

    /// Per unit, package or tiered.
    pub fn scheme(&self) -> &PricingScheme {
        &self.scheme
    }

    /// The product (Flowglad) or plan (Flexprice) the price belongs to.
    pub fn product_id(&self) -> Option<&str> {
        self.product_id.as_deref()
    }

    /// Display name.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The natural key (Flexprice `lookup_key`, Flowglad `slug`), unique among active prices.
    pub fn slug(&self) -> Option<&str> {
        self.slug.as_deref()
    }

    /// Description.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// Metadata.
    pub fn metadata(&self) -> Option<&Metadata> {
        self.metadata.as_ref()
    }

    /// Whether the price starts active (`None`: the provider's default, active).
    pub fn active(&self) -> Option<bool> {
        self.active
    }

    /// Whether the price is its product's (or meter's) default.
    pub fn is_default(&self) -> Option<bool> {
        self.is_default
    }

    /// A one-time fee charged at the start.
    pub fn setup_fee(&self) -> Option<&Money> {
        self.setup_fee.as_ref()
    }
}

/// Builds a [`NewPrice`].
#[derive(Debug, Clone)]
pub struct NewPriceBuilder {
    input: NewPrice,
    /// `trial_days` was set on a kind without trials (reported at build).
    misplaced_trial: bool,
}

impl NewPriceBuilder {
    /// Sets the pricing scheme (default: per unit).
    pub fn scheme(mut self, scheme: PricingScheme) -> Self {
        self.input.scheme = scheme;
        self
    }

    /// Package pricing: the unit amount buys `units` units, partial packages rounded as `rounding` says.
    pub fn package(self, units: u64, rounding: PackageRounding) -> Self {
        self.scheme(PricingScheme::Package { units, rounding })
    }

    /// Tiered pricing (the unit amount must then be zero).
    pub fn tiered(self, mode: TierMode, tiers: Vec<PriceTier>) -> Self {
        self.scheme(PricingScheme::Tiered { mode, tiers })
    }

    /// The product or plan the price belongs to.
    pub fn product_id(mut self, v: impl Into<String>) -> Self {
        self.input.product_id = Some(v.into());
        self
    }

    /// Display name.
    pub fn name(mut self, v: impl Into<String>) -> Self {
        self.input.name = Some(v.into());
        self
    }

    /// The natural key.
    pub fn slug(mut self, v: impl Into<String>) -> Self {
        self.input.slug = Some(v.into());
        self
    }

    /// Description.
    pub fn description(mut self, v: impl Into<String>) -> Self {
        self.input.description = Some(v.into());
        self
    }

    /// Metadata.
    pub fn metadata(mut self, v: Metadata) -> Self {
        self.input.metadata = Some(v);
        self
    }

    /// Whether the price starts active.
    pub fn active(mut self, v: bool) -> Self {
        self.input.active = Some(v);
        self
    }

    /// Whether the price is the default of its product or meter.
    pub fn is_default(mut self, v: bool) -> Self {
        self.input.is_default = Some(v);
        self
    }

    /// A one-time setup fee.
    pub fn setup_fee(mut self, v: Money) -> Self {
        self.input.setup_fee = Some(v);
        self
    }

    /// Free trial days on a recurring price (an `InvalidInput` on `trial_days` for other kinds, at build).
    pub fn trial_days(mut self, days: u32) -> Self {
        match &mut self.input.kind {
            PriceKind::Recurring { trial_days, .. } => *trial_days = Some(days),
            _ => self.misplaced_trial = true,
        }
        self
    }

    /// Checks every rule; an `InvalidInput` names each broken field.
    pub fn build(self) -> Result<NewPrice> {
        let p = &self.input;
        let mut checks = Checks::new();
        let currency = &p.unit_amount.currency;
        if self.misplaced_trial {
            checks.fail(
                "trial_days",
                format!(
                    "only recurring prices have trials (this is {})",
                    p.kind.name()
                ),
            );
        }
        match &p.kind {
            PriceKind::Recurring {
                interval,
                trial_days,
            } => {
                check_interval(&mut checks, interval);
                if *trial_days == Some(0) {
                    checks.fail(
                        "trial_days",
                        "must be at least 1 (leave it out for no trial)",
                    );
                }
            }
            PriceKind::OneTime => {}
            PriceKind::Usage { interval, meter_id } => {
                check_interval(&mut checks, interval);
                checks.length("meter_id", meter_id, 1, TEXT_MAX);
            }
        }
        check_amount(&mut checks, "unit_amount", &p.unit_amount, currency);
        match &p.scheme {
            PricingScheme::PerUnit => {}
            PricingScheme::Package { units, .. } => {
                if *units == 0 {
                    checks.fail("scheme.units", "must be at least 1");
                }
            }
            PricingScheme::Tiered { tiers, .. } => {
                if !p.unit_amount.amount.is_zero() {
                    checks.fail(
                        "unit_amount",
                        "must be zero for a tiered price (the tiers carry the amounts)",
                    );
                }
                check_tiers(&mut checks, tiers, currency);
            }
        }
        if let Some(fee) = &p.setup_fee {
            check_amount(&mut checks, "setup_fee", fee, currency);
        }
        for (field, v) in [
            ("product_id", &p.product_id),
            ("name", &p.name),
            ("slug", &p.slug),
        ] {
            if let Some(v) = v {
                checks.length(field, v, 1, TEXT_MAX);
            }
        }
        if let Some(d) = &p.description {
            checks.length("description", d, 1, DESCRIPTION_MAX);
        }
        if let Some(m) = &p.metadata {
            m.validate("metadata", checks.errors_mut());
        }
        checks.finish()?;
        Ok(self.input)
    }
}

fn check_interval(checks: &mut Checks, interval: &Interval) {
    if interval.count == 0 {
        checks.fail("interval.count", "must be at least 1");
    }
}

fn check_amount(checks: &mut Checks, field: &str, money: &Money, currency: &Currency) {
    if money.is_negative() {
        checks.fail(
            field,
            format!("must not be negative (got {})", money.amount),
        );
    }
    if &money.currency != currency {
        checks.fail(
            format!("{field}.currency"),
            format!(
                "is {} but the price is in {currency}: every amount of a price shares one currency",
                money.currency
            ),
        );
    }
}

fn check_tiers(checks: &mut Checks, tiers: &[PriceTier], currency: &Currency) {
    if tiers.is_empty() {
        checks.fail("scheme.tiers", "a tiered price needs at least one tier");
        return;
    }
    let last = tiers.len() - 1;
    let mut previous: Option<u64> = None;
    for (i, tier) in tiers.iter().enumerate() {
        let field = format!("scheme.tiers[{i}]");
        match (tier.up_to, i == last) {
            (Some(_), true) => checks.fail(
                format!("{field}.up_to"),
                "the last tier must be open-ended (no upper bound)",
            ),
            (None, false) => checks.fail(
                format!("{field}.up_to"),
                "only the last tier may be open-ended",
            ),
            (Some(0), false) => checks.fail(format!("{field}.up_to"), "must be at least 1"),
            (Some(up_to), false) => {
                if let Some(prev) = previous.filter(|prev| up_to <= *prev) {
                    checks.fail(
                        format!("{field}.up_to"),
                        format!(
                            "must be greater than the previous tier's bound {prev} (bounds strictly increase)"
                        ),
                    );
                }
                previous = Some(up_to);
            }
            (None, true) => {}
        }
        check_amount(
            checks,
            &format!("{field}.unit_amount"),
            &tier.unit_amount,
            currency,
        );
        if let Some(flat) = &tier.flat_amount {
            check_amount(checks, &format!("{field}.flat_amount"), flat, currency);
        }
    }
}

/// Changes to a price. Amounts, kind, interval, trial and product are create-only on every provider: make a new
/// price to change them.
///
/// ```
/// use unibill_core::{Patch, PriceUpdate};
///
/// let u = PriceUpdate::builder().name("Pro (legacy)").active(false).clear_slug().build().unwrap();
/// assert_eq!(u.slug(), &Patch::Clear);
/// assert_eq!(u.active(), Some(false));
/// assert_eq!(PriceUpdate::builder().slug("").build().unwrap_err().field_errors()[0].field, "slug");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PriceUpdate {
    name: Patch<String>,
    slug: Patch<String>,
    active: Option<bool>,
    is_default: Option<bool>,
}

impl PriceUpdate {
    /// An update that changes nothing yet.
    pub fn builder() -> PriceUpdateBuilder {
        PriceUpdateBuilder::default()
    }

    /// Name change.
    pub fn name(&self) -> &Patch<String> {
        &self.name
    }

    /// Slug change.
    pub fn slug(&self) -> &Patch<String> {
        &self.slug
    }

    /// Activate (`true`) or archive (`false`).
    pub fn active(&self) -> Option<bool> {
        self.active
    }

    /// Make (or stop being) the default.
    pub fn is_default(&self) -> Option<bool> {
        self.is_default
    }

    /// Whether the update changes nothing.
    pub fn is_empty(&self) -> bool {
        self == &PriceUpdate::default()
    }
}

/// Builds a [`PriceUpdate`].
#[derive(Debug, Clone, Default)]
pub struct PriceUpdateBuilder {
    update: PriceUpdate,
}

impl PriceUpdateBuilder {
    /// Sets the name.
    pub fn name(mut self, v: impl Into<String>) -> Self {
        self.update.name = Patch::Set(v.into());
        self
    }

    /// Clears the name.
    pub fn clear_name(mut self) -> Self {
        self.update.name = Patch::Clear;
        self
    }

    /// Sets the slug.
    pub fn slug(mut self, v: impl Into<String>) -> Self {
        self.update.slug = Patch::Set(v.into());
        self
    }

    /// Clears the slug.
    pub fn clear_slug(mut self) -> Self {
        self.update.slug = Patch::Clear;
        self
    }

    /// Activates or archives.
    pub fn active(mut self, v: bool) -> Self {
        self.update.active = Some(v);
        self
    }

    /// Sets the default flag.
    pub fn is_default(mut self, v: bool) -> Self {
        self.update.is_default = Some(v);
        self
    }

    /// Checks set values by the rules of [`NewPrice`].
    pub fn build(self) -> Result<PriceUpdate> {
        let mut checks = Checks::new();
        if let Patch::Set(v) = &self.update.name {
            checks.length("name", v, 1, TEXT_MAX);
        }
        if let Patch::Set(v) = &self.update.slug {
            checks.length("slug", v, 1, TEXT_MAX);
        }
        checks.finish()?;
        Ok(self.update)
    }
}

/// A price as the provider holds it. Holds no secret.
///
/// ```
/// use rust_decimal_macros::dec;
/// use unibill_core::{Currency, Money, Price, PriceKind};
///
/// let p = Price::builder("price_1", PriceKind::OneTime, Money::new(dec!(5), Currency::EUR)).slug("setup").build();
/// assert_eq!(p.currency, Currency::EUR);
/// assert!(p.active);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Price {
    /// The provider's handle.
    pub id: PriceId,
    /// Recurring, one-time or usage.
    pub kind: PriceKind,
    /// The amount per unit (or package); zero for tiered prices.
    pub unit_amount: Money,
    /// Per unit, package or tiered.
    pub scheme: PricingScheme,
    /// The currency of every amount.
    pub currency: Currency,
    /// Product (Flowglad) or plan (Flexprice).
    pub product_id: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// Natural key.
    pub slug: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Metadata (empty when none).
    pub metadata: Metadata,
    /// Active (false: archived).
    pub active: bool,
    /// Default of its product or meter, where the provider has the notion.
    pub is_default: Option<bool>,
    /// One-time setup fee.
    pub setup_fee: Option<Money>,
    /// Live (true) or test mode, where the provider says.
    pub livemode: Option<bool>,
    /// When it was created.
    pub created_at: Option<Timestamp>,
    /// When it was last updated.
    pub updated_at: Option<Timestamp>,
    /// Which provider holds it.
    pub provider: Cow<'static, str>,
    /// The provider's own JSON for it.
    pub raw: Option<RawJson>,
}

impl Price {
    /// A builder with the required fields: per unit, active, provider `"mock"`.
    pub fn builder(id: impl Into<PriceId>, kind: PriceKind, unit_amount: Money) -> PriceBuilder {
        PriceBuilder {
            price: Price {
                id: id.into(),
                kind,
                currency: unit_amount.currency.clone(),
                unit_amount,
                scheme: PricingScheme::PerUnit,
                product_id: None,
                name: None,
                slug: None,
                description: None,
                metadata: Metadata::new(),
                active: true,
                is_default: None,
                setup_fee: None,
                livemode: None,
                created_at: None,
                updated_at: None,
                provider: Cow::Borrowed("mock"),
                raw: None,
            },
        }
    }
}

/// Builds a [`Price`] (for mocks and adapters).
#[derive(Debug, Clone)]
pub struct PriceBuilder {
    price: Price,
}

impl PriceBuilder {
    /// Pricing scheme.
    pub fn scheme(mut self, v: PricingScheme) -> Self {
        self.price.scheme = v;
        self
    }
    /// Product or plan.
    pub fn product_id(mut self, v: impl Into<String>) -> Self {
        self.price.product_id = Some(v.into());
        self
    }
    /// Name.
    pub fn name(mut self, v: impl Into<String>) -> Self {
        self.price.name = Some(v.into());
        self
    }
    /// Slug.
    pub fn slug(mut self, v: impl Into<String>) -> Self {
        self.price.slug = Some(v.into());
        self
    }
    /// Description.
    pub fn description(mut self, v: impl Into<String>) -> Self {
        self.price.description = Some(v.into());
        self
    }
    /// Metadata.
    pub fn metadata(mut self, v: Metadata) -> Self {
        self.price.metadata = v;
        self
    }
    /// Active flag.
    pub fn active(mut self, v: bool) -> Self {
        self.price.active = v;
        self
    }
    /// Default flag.
    pub fn is_default(mut self, v: bool) -> Self {
        self.price.is_default = Some(v);
        self
    }
    /// Setup fee.
    pub fn setup_fee(mut self, v: Money) -> Self {
        self.price.setup_fee = Some(v);
        self
    }
    /// Live mode.
    pub fn livemode(mut self, v: bool) -> Self {
        self.price.livemode = Some(v);
        self
    }
    /// Creation time.
    pub fn created_at(mut self, v: Timestamp) -> Self {
        self.price.created_at = Some(v);
        self
    }
    /// Update time.
    pub fn updated_at(mut self, v: Timestamp) -> Self {
        self.price.updated_at = Some(v);
        self
    }
    /// Provider name.
    pub fn provider(mut self, v: impl Into<Cow<'static, str>>) -> Self {
        self.price.provider = v.into();
        self
    }
    /// Provider JSON.
    pub fn raw(mut self, v: RawJson) -> Self {
        self.price.raw = Some(v);
        self
    }
    /// The price.
    pub fn build(self) -> Price {
        self.price
    }
}

/// Which prices to list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct PriceListQuery {
    /// Only prices of this product or plan.
    pub product_id: Option<String>,
    /// Include archived (inactive) prices.
    pub include_archived: bool,
    /// Page size (clamped to the provider's maximum; 0 is invalid).
    pub limit: Option<u32>,
    /// Where to continue.
    pub cursor: Option<Cursor>,
    /// The most pages [`list_all`](crate::PricesExt::list_all) fetches before it ends with a `Provider`
    /// error (`None`: [`DEFAULT_MAX_PAGES`](crate::page::DEFAULT_MAX_PAGES); 0 is `InvalidInput`). A single
    /// `list` fetches one page and ignores it.
    pub max_pages: Option<u32>,
}

impl PriceListQuery {
    /// Every active price.
    pub fn new() -> Self {
        Self::default()
    }
    /// Only this product's prices.
    pub fn product_id(mut self, v: impl Into<String>) -> Self {
        self.product_id = Some(v.into());
        self
    }
    /// Include archived prices.
    pub fn include_archived(mut self, yes: bool) -> Self {
        self.include_archived = yes;
        self
    }
    /// Page size.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }
    /// Continue from a cursor.
    pub fn cursor(mut self, cursor: Cursor) -> Self {
        self.cursor = Some(cursor);
        self
    }
    /// Bounds [`list_all`](crate::PricesExt::list_all) to `pages` pages (default
    /// [`DEFAULT_MAX_PAGES`](crate::page::DEFAULT_MAX_PAGES)).
    pub fn max_pages(mut self, pages: u32) -> Self {
        self.max_pages = Some(pages);
        self
    }
    /// The fingerprint cursors are tagged with (everything but limit and cursor).
    pub fn fingerprint(&self) -> u64 {
        crate::page::QueryFingerprint::new()
            .with("prices")
            .with_opt(self.product_id.as_deref())
            .with_bool(self.include_archived)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;
    use crate::ErrorKind;

    fn usd(a: rust_decimal::Decimal) -> Money {
        Money::new(a, Currency::USD)
    }

    fn fields_of(r: Result<NewPrice>) -> Vec<String> {
        let err = r.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        err.field_errors().iter().map(|e| e.field.clone()).collect()
    }

    fn one(r: Result<NewPrice>) -> String {
        let f = fields_of(r);
        assert_eq!(f.len(), 1, "{f:?}");
        f[0].clone()
    }

    fn recurring(count: u32) -> NewPriceBuilder {
        NewPrice::builder(
            PriceKind::recurring(Interval::new(IntervalUnit::Month, count)),
            usd(dec!(10)),
        )
    }

    #[test]
    fn interval_count_at_least_one() {
        assert!(recurring(1).build().is_ok());
        assert_eq!(one(recurring(0).build()), "interval.count");
        let usage = |count| {
            NewPrice::builder(
                PriceKind::usage(Interval::new(IntervalUnit::Day, count), "m"),
                usd(dec!(1)),
            )
            .build()
        };
        assert!(usage(1).is_ok());
        assert_eq!(one(usage(0)), "interval.count");
    }

    #[test]
    fn trial_days_only_on_recurring_and_at_least_one() {
        assert!(recurring(1).trial_days(1).build().is_ok());
        assert_eq!(one(recurring(1).trial_days(0).build()), "trial_days");
        let one_time = NewPrice::builder(PriceKind::OneTime, usd(dec!(1))).trial_days(7);
        assert_eq!(one(one_time.build()), "trial_days");
        let usage = NewPrice::builder(PriceKind::usage(Interval::monthly(), "m"), usd(dec!(1)))
            .trial_days(7);
        let err = usage.build().unwrap_err();
        assert!(err.to_string().contains("usage"), "{err}");
    }

    #[test]
    fn meter_id_length() {
        let usage = |m: String| {
            NewPrice::builder(PriceKind::usage(Interval::monthly(), m), usd(dec!(1))).build()
        };
        assert!(usage("m".repeat(255)).is_ok());
        assert_eq!(one(usage(String::new())), "meter_id");
        assert_eq!(one(usage("m".repeat(256))), "meter_id");
    }

    #[test]
    fn amounts_are_non_negative_and_keep_precision() {
        let p = NewPrice::builder(PriceKind::OneTime, usd(dec!(0)))
            .build()
            .unwrap();
        assert!(p.unit_amount().amount.is_zero());
        let fine = NewPrice::builder(
            PriceKind::usage(Interval::monthly(), "m"),
            usd(dec!(0.000000000000000001)),
        )
        .build()
        .unwrap();
        assert_eq!(fine.unit_amount().amount, dec!(0.000000000000000001));
        assert_eq!(
            one(NewPrice::builder(PriceKind::OneTime, usd(dec!(-0.01))).build()),
            "unit_amount"
        );
        assert_eq!(
            one(recurring(1).setup_fee(usd(dec!(-1))).build()),
            "setup_fee"
        );
        assert!(recurring(1).setup_fee(usd(dec!(0))).build().is_ok());
    }

    #[test]
    fn one_currency_per_price() {
        let eur = Money::new(dec!(5), Currency::EUR);
        assert_eq!(
            one(recurring(1).setup_fee(eur.clone()).build()),
            "setup_fee.currency"
        );
        let tiers = vec![
            PriceTier::up_to(10, usd(dec!(1))).with_flat_amount(eur.clone()),
            PriceTier::rest(eur),
        ];
        let f = fields_of(
            NewPrice::builder(PriceKind::usage(Interval::monthly(), "m"), usd(dec!(0)))
                .tiered(TierMode::Volume, tiers)
                .build(),
        );
        assert_eq!(
            f,
            [
                "scheme.tiers[0].flat_amount.currency",
                "scheme.tiers[1].unit_amount.currency"
            ]
        );
    }

    #[test]
    fn package_units_at_least_one() {
        assert!(recurring(1).package(1, PackageRounding::Up).build().is_ok());
        assert_eq!(
            one(recurring(1).package(0, PackageRounding::Down).build()),
            "scheme.units"
        );
    }

    fn tiered(tiers: Vec<PriceTier>) -> Result<NewPrice> {
        NewPrice::builder(PriceKind::usage(Interval::monthly(), "m"), usd(dec!(0)))
            .tiered(TierMode::Graduated, tiers)
            .build()
    }

    #[test]
    fn tiers_rules() {
        let ok = tiered(vec![
            PriceTier::up_to(1, usd(dec!(0.0015))),
            PriceTier::up_to(2, usd(dec!(0.001))).with_flat_amount(usd(dec!(0))),
            PriceTier::rest(usd(dec!(0.0001234567890123))),
        ])
        .unwrap();
        let PricingScheme::Tiered { tiers, .. } = ok.scheme() else {
            panic!("tiered")
        };
        assert_eq!(tiers[2].unit_amount.amount, dec!(0.0001234567890123));
        assert!(tiered(vec![PriceTier::rest(usd(dec!(1)))]).is_ok());

        assert_eq!(one(tiered(vec![])), "scheme.tiers");
        assert_eq!(
            one(tiered(vec![
                PriceTier::up_to(10, usd(dec!(1))),
                PriceTier::up_to(10, usd(dec!(1))),
                PriceTier::rest(usd(dec!(1))),
            ])),
            "scheme.tiers[1].up_to"
        );
        assert_eq!(
            one(tiered(vec![
                PriceTier::up_to(10, usd(dec!(1))),
                PriceTier::up_to(5, usd(dec!(1))),
                PriceTier::rest(usd(dec!(1))),
            ])),
            "scheme.tiers[1].up_to"
        );
        assert_eq!(
            one(tiered(vec![
                PriceTier::up_to(10, usd(dec!(1))),
                PriceTier::up_to(20, usd(dec!(1))),
            ])),
            "scheme.tiers[1].up_to"
        );
        assert_eq!(
            one(tiered(vec![
                PriceTier::rest(usd(dec!(1))),
                PriceTier::rest(usd(dec!(1))),
            ])),
            "scheme.tiers[0].up_to"
        );
        assert_eq!(
            one(tiered(vec![
                PriceTier::up_to(0, usd(dec!(1))),
                PriceTier::rest(usd(dec!(1))),
            ])),
            "scheme.tiers[0].up_to"
        );
        assert_eq!(
            one(tiered(vec![
                PriceTier::up_to(5, usd(dec!(-1))),
                PriceTier::rest(usd(dec!(1))),
            ])),
            "scheme.tiers[0].unit_amount"
        );
        let nonzero = NewPrice::builder(PriceKind::usage(Interval::monthly(), "m"), usd(dec!(1)))
            .tiered(TierMode::Volume, vec![PriceTier::rest(usd(dec!(1)))])
            .build();
        assert_eq!(one(nonzero), "unit_amount");
    }

    #[test]
    fn text_lengths() {
        assert!(
            recurring(1)
                .product_id("p".repeat(255))
                .name("n".repeat(255))
                .slug("s".repeat(255))
                .description("d".repeat(2000))
                .build()
                .is_ok()
        );
        assert_eq!(one(recurring(1).product_id("").build()), "product_id");
        assert_eq!(one(recurring(1).name("n".repeat(256)).build()), "name");
        assert_eq!(one(recurring(1).slug("").build()), "slug");
        assert_eq!(one(recurring(1).slug("s".repeat(256)).build()), "slug");
        assert_eq!(
            one(recurring(1).description("d".repeat(2001)).build()),
            "description"
        );
        assert_eq!(
            one(recurring(1).metadata(Metadata::new().with("", "v")).build()),
            "metadata"
        );
    }

    #[test]
    fn update_rules() {
        assert!(
            PriceUpdate::builder()
                .name("n".repeat(255))
                .slug("s".repeat(255))
                .build()
                .is_ok()
        );
        for (b, field) in [
            (PriceUpdate::builder().name(""), "name"),
            (PriceUpdate::builder().name("n".repeat(256)), "name"),
            (PriceUpdate::builder().slug("s".repeat(256)), "slug"),
        ] {
            assert_eq!(b.build().unwrap_err().field_errors()[0].field, field);
        }
        assert!(PriceUpdate::builder().build().unwrap().is_empty());
    }

    #[test]
    fn read_model_round_trips_with_precision() {
        let p = Price::builder(
            "price_1",
            PriceKind::usage(Interval::monthly(), "meter_1"),
            usd(dec!(0)),
        )
        .scheme(PricingScheme::Tiered {
            mode: TierMode::Volume,
            tiers: vec![
                PriceTier::up_to(100, usd(dec!(0.0015))),
                PriceTier::rest(usd(dec!(0.00099))),
            ],
        })
        .build();
        let json = serde_json::to_string(&p).unwrap();
        let back: Price = serde_json::from_str(&json).unwrap();
        assert_eq!(back, p);
    }
}
