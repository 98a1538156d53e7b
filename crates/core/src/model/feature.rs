//! Features and grants: the create input [`NewFeature`], the read model [`Feature`] and its [`FeatureKind`],
//! the grant input [`Grant`] with its [`Limit`] and [`Reset`], the read model [`FeatureGrant`], and the list
//! query [`FeatureListQuery`].
//!
//! A feature is what a customer may use (`sso`, `api_calls`); a grant gives it to a **product** (a Flexprice
//! plan's entitlement, a Flowglad product-feature), so every subscription to one of that product's prices
//! has it. [`crate::Entitlement`] is the answer for one customer.

use std::borrow::Cow;

use jiff::Timestamp;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::id::{FeatureId, ProductId};
use crate::model::connection::open_enum;
use crate::model::raw::RawJson;
use crate::page::Cursor;
use crate::validation::Checks;

const TEXT_MAX: usize = 255;
const DESCRIPTION_MAX: usize = 2000;

/// What kind of feature it is.
///
/// ```
/// use unibill_core::FeatureKind;
/// assert_eq!(FeatureKind::metered("api_calls").meter_key(), Some("api_calls"));
/// assert_eq!(FeatureKind::Boolean.name(), "boolean");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum FeatureKind {
    /// On or off (Flexprice `boolean`, Flowglad `toggle`).
    Boolean,
    /// Counted by a meter, with a limit per grant (Flexprice `metered`, Flowglad `usage_credit_grant`).
    Metered {
        /// The [`crate::Meter::key`] that counts it.
        meter_key: String,
    },
    /// A kind this version of unibill does not know (Flexprice `static`), as the provider names it. Read models
    /// only: an input with it is `InvalidInput`.
    Other(String),
}

impl FeatureKind {
    /// Metered by the meter with this key.
    pub fn metered(meter_key: impl Into<String>) -> Self {
        FeatureKind::Metered {
            meter_key: meter_key.into(),
        }
    }

    /// `boolean`, `metered` or the provider's name.
    pub fn name(&self) -> &str {
        match self {
            FeatureKind::Boolean => "boolean",
            FeatureKind::Metered { .. } => "metered",
            FeatureKind::Other(name) => name,
        }
    }

    /// The meter's key of a metered feature.
    pub fn meter_key(&self) -> Option<&str> {
        match self {
            FeatureKind::Metered { meter_key } => Some(meter_key),
            _ => None,
        }
    }
}

/// How much of a feature a grant (or an entitlement) allows.
///
/// `Unknown` exists for read models (a Flowglad entitlement knows a balance, never the limit): it never reads
/// as unlimited, and a [`Grant`] with it is `InvalidInput`.
///
/// ```
/// use rust_decimal_macros::dec;
/// use unibill_core::Limit;
/// assert_eq!(Limit::Finite(dec!(1000)).finite(), Some(dec!(1000)));
/// assert!(Limit::Unlimited.is_unlimited() && !Limit::Unknown.is_unlimited());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Limit {
    /// No limit (Flexprice `usage_limit: null`, `is_unlimited`).
    Unlimited,
    /// At most this much per reset period (≥ 0).
    Finite(Decimal),
    /// The provider does not say.
    Unknown,
}

impl Limit {
    /// Whether this is `Unlimited`.
    pub fn is_unlimited(&self) -> bool {
        matches!(self, Limit::Unlimited)
    }

    /// The amount of a finite limit.
    pub fn finite(&self) -> Option<Decimal> {
        match self {
            Limit::Finite(d) => Some(*d),
            _ => None,
        }
    }
}

open_enum!(
    /// When a metered grant's usage starts again from zero.
    ///
    /// ```
    /// use unibill_core::Reset;
    /// assert_eq!(Reset::from("billing_period"), Reset::BillingPeriod);
    /// assert_eq!(Reset::from("MONTHLY"), Reset::Monthly);
    /// ```
    lenient Reset {
        /// Never (a one-off allowance; Flowglad `once`).
        Never = "never" | "once",
        /// At every billing period of the subscription (Flowglad `every_billing_period`).
        BillingPeriod = "billing_period" | "every_billing_period",
        /// Every day.
        Daily = "daily" | "day",
        /// Every week.
        Weekly = "weekly" | "week",
        /// Every month.
        Monthly = "monthly" | "month",
        /// Every year.
        Yearly = "yearly" | "year" | "annual",
    }
);

/// The input to create a feature. A value that exists is valid: [`NewFeatureBuilder::build`] checks every rule.
///
/// Rules: the key by [`Checks::slug`]; the name 1..=255 characters; the description 1..=2000; the kind not
/// `Other`, and a metered kind's meter key by [`Checks::slug`].
///
/// A metered feature whose key equals its meter key is the meter's carrier on Flexprice (meters are created
/// through metered features there): creating it after [`crate::Meters::create`] gives `AlreadyExists` with the
/// carrier, and [`crate::FeaturesExt::ensure`] returns it.
///
/// ```
/// use unibill_core::{FeatureKind, NewFeature};
///
/// let sso = NewFeature::builder("sso", "Single sign-on", FeatureKind::Boolean).description("SAML").build()?;
/// assert_eq!(sso.key(), "sso");
/// let err = NewFeature::builder("calls", "Calls", FeatureKind::metered("")).build().unwrap_err();
/// assert_eq!(err.field_errors()[0].field, "kind.meter_key");
/// # Ok::<(), unibill_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFeature {
    key: String,
    name: String,
    kind: FeatureKind,
    description: Option<String>,
}

impl NewFeature {
    /// Starts a feature with its required fields.
    pub fn builder(
        key: impl Into<String>,
        name: impl Into<String>,
        kind: FeatureKind,
    ) -> NewFeatureBuilder {
        NewFeatureBuilder {
            input: NewFeature {
                key: key.into(),
                name: name.into(),
                kind,
                description: None,
            },
        }
    }

    /// The natural key (Flexprice `lookup_key`, Flowglad `slug`).
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Display name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Boolean or metered.
    pub fn kind(&self) -> &FeatureKind {
        &self.kind
    }

    /// Description (Flowglad requires one: its adapter sends the name when this is `None`).
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }
}

/// Builds a [`NewFeature`].
#[derive(Debug, Clone)]
pub struct NewFeatureBuilder {
    input: NewFeature,
}

impl NewFeatureBuilder {
    /// Description.
    pub fn description(mut self, v: impl Into<String>) -> Self {
        self.input.description = Some(v.into());
        self
    }

    /// Checks every rule; an `InvalidInput` names each broken field.
    pub fn build(self) -> Result<NewFeature> {
        let f = &self.input;
        let mut checks = Checks::new();
        checks.slug("key", &f.key);
        checks.length("name", &f.name, 1, TEXT_MAX);
        if let Some(d) = &f.description {
            checks.length("description", d, 1, DESCRIPTION_MAX);
        }
        match &f.kind {
            FeatureKind::Boolean => {}
            FeatureKind::Metered { meter_key } => {
                checks.slug("kind.meter_key", meter_key);
            }
            FeatureKind::Other(name) => checks.fail(
                "kind",
                format!("`{name}` is not a feature kind unibill can create"),
            ),
        }
        checks.finish()?;
        Ok(self.input)
    }
}

/// A feature as the provider holds it.
///
/// ```
/// use unibill_core::{Feature, FeatureKind};
/// let f = Feature::builder("sso", "SSO", FeatureKind::Boolean).id("feat_1").build();
/// assert_eq!(f.provider, "mock");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Feature {
    /// The provider's id, where it has one.
    pub id: Option<FeatureId>,
    /// The natural key.
    pub key: String,
    /// Display name.
    pub name: String,
    /// Boolean, metered or another kind.
    pub kind: FeatureKind,
    /// Description.
    pub description: Option<String>,
    /// When it was created, if the provider says.
    pub created_at: Option<Timestamp>,
    /// Which provider holds it.
    pub provider: Cow<'static, str>,
    /// The provider's own JSON for it.
    pub raw: Option<RawJson>,
}

impl Feature {
    /// A builder with the required fields; provider `"mock"`.
    pub fn builder(
        key: impl Into<String>,
        name: impl Into<String>,
        kind: FeatureKind,
    ) -> FeatureBuilder {
        FeatureBuilder {
            feature: Feature {
                id: None,
                key: key.into(),
                name: name.into(),
                kind,
                description: None,
                created_at: None,
                provider: Cow::Borrowed("mock"),
                raw: None,
            },
        }
    }
}

/// Builds a [`Feature`] read model (for adapters and mocks). No validation.
#[derive(Debug, Clone)]
pub struct FeatureBuilder {
    feature: Feature,
}

impl FeatureBuilder {
    /// The provider's id.
    pub fn id(mut self, v: impl Into<FeatureId>) -> Self {
        self.feature.id = Some(v.into());
        self
    }
    /// Description.
    pub fn description(mut self, v: impl Into<String>) -> Self {
        self.feature.description = Some(v.into());
        self
    }
    /// Creation time.
    pub fn created_at(mut self, v: Timestamp) -> Self {
        self.feature.created_at = Some(v);
        self
    }
    /// Provider name.
    pub fn provider(mut self, v: impl Into<Cow<'static, str>>) -> Self {
        self.feature.provider = v.into();
        self
    }
    /// Provider JSON.
    pub fn raw(mut self, v: RawJson) -> Self {
        self.feature.raw = Some(v);
        self
    }
    /// The feature.
    pub fn build(self) -> Feature {
        self.feature
    }
}

/// The input to grant a feature to a product: one grant per (feature, product). A value that exists is valid:
/// [`GrantBuilder::build`] checks every rule.
///
/// Defaults: `Unlimited`, resetting every billing period, a hard limit (`soft: false`). A boolean feature takes
/// only the defaults' limit (`Unlimited`); the provider checks that, as it knows the feature's kind.
///
/// Rules: the feature key by [`Checks::slug`]; the product id non-empty; the limit not `Unknown` and not
/// negative; the reset not `Other`.
///
/// ```
/// use rust_decimal_macros::dec;
/// use unibill_core::{Grant, Limit, Reset};
///
/// let g = Grant::builder("api_calls", "plan_pro").limit(Limit::Finite(dec!(10000))).resets(Reset::Monthly).build()?;
/// assert_eq!(g.limit(), Limit::Finite(dec!(10000)));
/// assert_eq!(Grant::builder("sso", "plan_pro").build()?.limit(), Limit::Unlimited);
///
/// let err = Grant::builder("api_calls", "plan_pro").limit(Limit::Unknown).build().unwrap_err();
/// assert_eq!(err.field_errors()[0].field, "limit");
/// # Ok::<(), unibill_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    feature_key: String,
    product_id: ProductId,
    limit: Limit,
    resets: Reset,
    soft: bool,
}

impl Grant {
    /// Starts a grant of the feature `feature_key` to the product `product_id`.
    pub fn builder(
        feature_key: impl Into<String>,
        product_id: impl Into<ProductId>,
    ) -> GrantBuilder {
        GrantBuilder {
            input: Grant {
                feature_key: feature_key.into(),
                product_id: product_id.into(),
                limit: Limit::Unlimited,
                resets: Reset::BillingPeriod,
                soft: false,
            },
        }
    }

    /// The feature's key.
    pub fn feature_key(&self) -> &str {
        &self.feature_key
    }

    /// The product (Flexprice plan, Flowglad product) it is granted to.
    pub fn product_id(&self) -> &ProductId {
        &self.product_id
    }

    /// How much.
    pub fn limit(&self) -> Limit {
        self.limit
    }

    /// When usage resets.
    pub fn resets(&self) -> &Reset {
        &self.resets
    }

    /// Whether usage beyond the limit is still allowed (and billed) (Flexprice `is_soft_limit`).
    pub fn soft(&self) -> bool {
        self.soft
    }
}

/// Builds a [`Grant`].
#[derive(Debug, Clone)]
pub struct GrantBuilder {
    input: Grant,
}

impl GrantBuilder {
    /// The limit (default `Unlimited`).
    pub fn limit(mut self, v: Limit) -> Self {
        self.input.limit = v;
        self
    }
    /// When usage resets (default every billing period).
    pub fn resets(mut self, v: Reset) -> Self {
        self.input.resets = v;
        self
    }
    /// A soft limit (default false).
    pub fn soft(mut self, v: bool) -> Self {
        self.input.soft = v;
        self
    }

    /// Checks every rule; an `InvalidInput` names each broken field.
    pub fn build(self) -> Result<Grant> {
        let g = &self.input;
        let mut checks = Checks::new();
        checks.slug("feature_key", &g.feature_key);
        checks.length("product_id", g.product_id.as_str(), 1, TEXT_MAX);
        match g.limit {
            Limit::Unlimited => {}
            Limit::Finite(d) if d.is_sign_negative() && !d.is_zero() => {
                checks.fail("limit", format!("must not be negative (got {d})"));
            }
            Limit::Finite(_) => {}
            Limit::Unknown => checks.fail(
                "limit",
                "`Unknown` is for read models: grant `Unlimited` or `Finite`",
            ),
        }
        if let Reset::Other(name) = &g.resets {
            checks.fail(
                "resets",
                format!("`{name}` is not a reset period unibill can grant"),
            );
        }
        checks.finish()?;
        Ok(self.input)
    }
}

/// A grant as the provider holds it (what [`crate::Features::grant`] answers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FeatureGrant {
    /// The provider's id of the grant, where it has one (Flexprice entitlement id).
    pub id: Option<String>,
    /// The feature's key.
    pub feature_key: String,
    /// The product it is granted to.
    pub product_id: ProductId,
    /// How much.
    pub limit: Limit,
    /// When usage resets.
    pub resets: Reset,
    /// Soft limit.
    pub soft: bool,
    /// Which provider holds it.
    pub provider: Cow<'static, str>,
    /// The provider's own JSON for it.
    pub raw: Option<RawJson>,
}

impl FeatureGrant {
    /// The read model of a grant exactly as `grant` asked for it; provider `"mock"`.
    ///
    /// ```
    /// use unibill_core::{FeatureGrant, Grant};
    /// let g = FeatureGrant::from_input(&Grant::builder("sso", "plan_pro").build()?).provider("memory");
    /// assert_eq!((g.feature_key.as_str(), g.provider.as_ref()), ("sso", "memory"));
    /// # Ok::<(), unibill_core::Error>(())
    /// ```
    pub fn from_input(grant: &Grant) -> Self {
        FeatureGrant {
            id: None,
            feature_key: grant.feature_key.clone(),
            product_id: grant.product_id.clone(),
            limit: grant.limit,
            resets: grant.resets.clone(),
            soft: grant.soft,
            provider: Cow::Borrowed("mock"),
            raw: None,
        }
    }

    /// Sets the provider's id.
    pub fn id(mut self, v: impl Into<String>) -> Self {
        self.id = Some(v.into());
        self
    }

    /// Sets the provider name.
    pub fn provider(mut self, v: impl Into<Cow<'static, str>>) -> Self {
        self.provider = v.into();
        self
    }

    /// Sets the provider JSON.
    pub fn raw(mut self, v: RawJson) -> Self {
        self.raw = Some(v);
        self
    }

    /// Whether this grant holds what `grant` asks for (feature, product, limit, reset, soft): a re-sent grant
    /// that finds it is done; one that finds another is a `Conflict`.
    pub fn matches(&self, grant: &Grant) -> bool {
        self.feature_key == grant.feature_key
            && self.product_id == grant.product_id
            && self.limit == grant.limit
            && self.resets == grant.resets
            && self.soft == grant.soft
    }
}

/// Which features to list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct FeatureListQuery {
    /// Page size (clamped to the provider's maximum; 0 is invalid).
    pub limit: Option<u32>,
    /// Where to continue.
    pub cursor: Option<Cursor>,
    /// The most pages [`list_all`](crate::FeaturesExt::list_all) fetches before it ends with a `Provider`
    /// error (`None`: [`DEFAULT_MAX_PAGES`](crate::page::DEFAULT_MAX_PAGES); 0 is `InvalidInput`).
    pub max_pages: Option<u32>,
}

impl FeatureListQuery {
    /// Every feature.
    pub fn new() -> Self {
        Self::default()
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
    /// Bounds [`list_all`](crate::FeaturesExt::list_all) to `pages` pages.
    pub fn max_pages(mut self, pages: u32) -> Self {
        self.max_pages = Some(pages);
        self
    }
    /// The fingerprint cursors are tagged with (everything but limit and cursor).
    pub fn fingerprint(&self) -> u64 {
        crate::page::QueryFingerprint::new()
            .with("features")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    fn fields<T: std::fmt::Debug>(r: Result<T>) -> Vec<String> {
        r.unwrap_err()
            .field_errors()
            .iter()
            .map(|e| e.field.clone())
            .collect()
    }

    #[test]
    fn feature_rules() {
        assert!(
            NewFeature::builder("api_calls", "API calls", FeatureKind::metered("api_calls"))
                .build()
                .is_ok()
        );
        assert_eq!(
            fields(NewFeature::builder("", "", FeatureKind::Other("static".into())).build()),
            ["key", "name", "kind"]
        );
        assert_eq!(
            fields(
                NewFeature::builder("sso", "SSO", FeatureKind::Boolean)
                    .description("")
                    .build()
            ),
            ["description"]
        );
    }

    #[test]
    fn grant_rules() {
        let g = || Grant::builder("api_calls", "plan_pro");
        assert!(g().limit(Limit::Finite(dec!(0))).build().is_ok());
        assert!(
            g().limit(Limit::Finite(dec!(1.5)))
                .soft(true)
                .build()
                .is_ok()
        );
        assert_eq!(
            fields(g().limit(Limit::Finite(dec!(-1))).build()),
            ["limit"]
        );
        assert_eq!(fields(g().limit(Limit::Unknown).build()), ["limit"]);
        assert_eq!(
            fields(g().resets(Reset::from("hourly")).build()),
            ["resets"]
        );
        assert_eq!(
            fields(Grant::builder("", "").build()),
            ["feature_key", "product_id"]
        );
    }

    #[test]
    fn a_read_grant_matches_its_input() {
        let input = Grant::builder("api_calls", "plan_pro")
            .limit(Limit::Finite(dec!(100)))
            .build()
            .unwrap();
        let read = FeatureGrant::from_input(&input);
        assert!(read.matches(&input));
        let other = Grant::builder("api_calls", "plan_pro").build().unwrap();
        assert!(!read.matches(&other));
        let back: FeatureGrant =
            serde_json::from_str(&serde_json::to_string(&read).unwrap()).unwrap();
        assert_eq!(back, read);
    }

    #[test]
    fn reset_spellings() {
        assert_eq!(Reset::from("every_billing_period"), Reset::BillingPeriod);
        assert_eq!(Reset::from("Once"), Reset::Never);
        assert_eq!(Reset::BillingPeriod.as_str(), "billing_period");
        assert_eq!(Reset::from("HOURLY"), Reset::Other("HOURLY".into()));
    }
}
