//! Provisioned integration stores (Vercel `POST /v1/storage/stores/integration/direct`): the create input
//! [`NewStore`], the read model [`Store`], [`BillingPlan`]s, and the [`IntegrationConfiguration`]s and
//! [`IntegrationProduct`]s a store is made from.
//!
//! The flow: list configurations → list a configuration's products → (list billing plans for a paid plan) →
//! create → wait until the store is available ([`crate::StoresExt::wait_until_ready`]).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::Result;
use crate::id::{BillingPlanId, IntegrationConfigurationId, StoreId};
use crate::model::connection::{JsonObject, open_enum};
use crate::model::raw::RawJson;
use crate::money::{Currency, Money};
use crate::validation::Checks;

const NAME_MAX: usize = 128;
const TEXT_MAX: usize = 255;

/// One metadata value of a store: flat, no nesting, no null, no mixed lists. Numbers are exact `Decimal`s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreMetadataValue {
    /// A string.
    String(String),
    /// A number.
    Number(Decimal),
    /// A boolean.
    Bool(bool),
    /// A list of strings.
    Strings(Vec<String>),
    /// A list of numbers.
    Numbers(Vec<Decimal>),
}

impl From<&str> for StoreMetadataValue {
    fn from(v: &str) -> Self {
        StoreMetadataValue::String(v.to_owned())
    }
}
impl From<String> for StoreMetadataValue {
    fn from(v: String) -> Self {
        StoreMetadataValue::String(v)
    }
}
impl From<bool> for StoreMetadataValue {
    fn from(v: bool) -> Self {
        StoreMetadataValue::Bool(v)
    }
}
impl From<i64> for StoreMetadataValue {
    fn from(v: i64) -> Self {
        StoreMetadataValue::Number(Decimal::from(v))
    }
}
impl From<Decimal> for StoreMetadataValue {
    fn from(v: Decimal) -> Self {
        StoreMetadataValue::Number(v)
    }
}

/// The JSON text of a number, exact: the normalized decimal (`2.50` is `2.5`), never an exponent.
fn number_text(d: &Decimal) -> String {
    d.normalize().to_string()
}

/// A number as a `serde_json::Number`, when that holds it exactly (without serde_json's `arbitrary_precision`,
/// a fraction is held as a binary float: `0.25` survives, 20 significant digits do not).
fn exact_json_number(d: &Decimal) -> Option<serde_json::Number> {
    let n = d.normalize();
    if n.scale() == 0 {
        if let Ok(i) = i64::try_from(n.mantissa()) {
            return Some(i.into());
        }
        if let Ok(u) = u64::try_from(n.mantissa()) {
            return Some(u.into());
        }
    }
    let number = serde_json::Number::from_str(&n.to_string()).ok()?;
    (exact_decimal(&number.to_string()) == Some(n)).then_some(number)
}

fn number_to_json(d: &Decimal) -> serde_json::Value {
    match exact_json_number(d) {
        Some(n) => serde_json::Value::Number(n),
        // Only a `serde_json::Value` cannot hold it exactly: the nearest float (serializing keeps it exact).
        None => serde_json::Number::from_str(&number_text(d))
            .map(serde_json::Value::Number)
            .unwrap_or_else(|_| serde_json::Value::String(number_text(d))),
    }
}

/// Serializes a number exactly: as an integer or float where that is the same number, else (more significant
/// digits than a float holds) as its decimal text written verbatim, which serde_json emits as a JSON number.
fn serialize_number<S: Serializer>(d: &Decimal, s: S) -> std::result::Result<S::Ok, S::Error> {
    match exact_json_number(d) {
        Some(n) => n.serialize(s),
        None => serde_json::value::RawValue::from_string(number_text(d))
            .map_err(serde::ser::Error::custom)?
            .serialize(s),
    }
}

/// A JSON number's text as an exact decimal (`0.25`, `-2`, `1e3`, `1.5E-7`); `None` when it does not fit
/// `Decimal` exactly (more than 28 significant digits, or out of range). Never rounds.
fn exact_decimal(text: &str) -> Option<Decimal> {
    let Some((mantissa, exponent)) = text.split_once(['e', 'E']) else {
        return Decimal::from_str_exact(&trim_fraction(text)).ok();
    };
    let exponent: i64 = exponent.parse().ok()?;
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = format!("{int}{frac}");
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // The decimal point moves `exponent` places: the plain text has `scale` digits after it.
    let scale = i64::try_from(frac.len()).ok()? - exponent;
    if scale.unsigned_abs() > 64 {
        return None;
    }
    let plain = if scale >= 0 {
        let scale = scale as usize;
        let padded = format!(
            "{}{digits}",
            "0".repeat((scale + 1).saturating_sub(digits.len()))
        );
        let (i, f) = padded.split_at(padded.len() - scale);
        format!("{i}.{f}")
    } else {
        format!("{digits}{}", "0".repeat(scale.unsigned_abs() as usize))
    };
    Decimal::from_str_exact(&trim_fraction(&format!("{sign}{plain}"))).ok()
}

/// A decimal text without the zeros ending its fraction (`1.500` → `1.5`, `2.` → `2`): the same number, in
/// fewer digits, so that `Decimal`'s 28-digit scale is not exceeded by zeros alone.
fn trim_fraction(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('.') {
        std::borrow::Cow::Owned(text.trim_end_matches('0').trim_end_matches('.').to_owned())
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// A decoded number (a provider's answer, read leniently): exact where the text is, else the nearest decimal.
fn number_from_json(n: &serde_json::Number) -> Option<Decimal> {
    let text = n.to_string();
    exact_decimal(&text).or_else(|| Decimal::from_scientific(&text).ok())
}

impl StoreMetadataValue {
    /// As a `serde_json::Value`. A number with more significant digits than a float holds is the nearest
    /// float there (a `Value` cannot hold it exactly); serializing the value itself (`serde_json::to_string`)
    /// keeps every digit.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            StoreMetadataValue::String(s) => Value::String(s.clone()),
            StoreMetadataValue::Number(d) => number_to_json(d),
            StoreMetadataValue::Bool(b) => Value::Bool(*b),
            StoreMetadataValue::Strings(v) => {
                Value::Array(v.iter().cloned().map(Value::String).collect())
            }
            StoreMetadataValue::Numbers(v) => Value::Array(v.iter().map(number_to_json).collect()),
        }
    }

    /// From JSON; `None` for null, objects and mixed or nested lists. A `Value` holds fractions as floats, so
    /// a number arrives here already rounded to a float's precision: parse caller input with
    /// [`parse_store_metadata`], which reads every digit.
    pub fn from_json(v: &serde_json::Value) -> Option<Self> {
        use serde_json::Value;
        Some(match v {
            Value::String(s) => StoreMetadataValue::String(s.clone()),
            Value::Number(n) => StoreMetadataValue::Number(number_from_json(n)?),
            Value::Bool(b) => StoreMetadataValue::Bool(*b),
            Value::Array(items) if items.iter().all(Value::is_string) => {
                StoreMetadataValue::Strings(
                    items
                        .iter()
                        .filter_map(|i| i.as_str().map(str::to_owned))
                        .collect(),
                )
            }
            Value::Array(items) if items.iter().all(Value::is_number) => {
                StoreMetadataValue::Numbers(
                    items
                        .iter()
                        .filter_map(|i| i.as_number().and_then(number_from_json))
                        .collect(),
                )
            }
            _ => return None,
        })
    }
}

/// Numbers are written exactly: as integers or floats where those are the same number, else (more significant
/// digits than a float holds, e.g. `3.14159265358979323846`) as their decimal text, verbatim, which serde_json
/// writes as a JSON number (other serializers see serde_json's raw-value form, as for [`RawJson`]).
impl Serialize for StoreMetadataValue {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        match self {
            StoreMetadataValue::String(v) => s.serialize_str(v),
            StoreMetadataValue::Number(d) => serialize_number(d, s),
            StoreMetadataValue::Bool(b) => s.serialize_bool(*b),
            StoreMetadataValue::Strings(v) => v.serialize(s),
            StoreMetadataValue::Numbers(v) => {
                struct Exact<'a>(&'a Decimal);
                impl Serialize for Exact<'_> {
                    fn serialize<S: Serializer>(
                        &self,
                        s: S,
                    ) -> std::result::Result<S::Ok, S::Error> {
                        serialize_number(self.0, s)
                    }
                }
                let mut seq = s.serialize_seq(Some(v.len()))?;
                for d in v {
                    seq.serialize_element(&Exact(d))?;
                }
                seq.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for StoreMetadataValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        StoreMetadataValue::from_json(&v).ok_or_else(|| {
            serde::de::Error::custom(
                "a store metadata value is a string, number, boolean, or a list of strings or of numbers",
            )
        })
    }
}

/// A store's metadata: a flat map (keys 1..=255 characters).
pub type StoreMetadata = BTreeMap<String, StoreMetadataValue>;

/// Parses metadata from a JSON object's text, exactly: every number keeps every digit it was written with
/// (`0.25`, `12345678901234567890123`, `1.5e-7`; no float in between), up to `Decimal`'s 28 significant
/// digits. Each value is a string, number, boolean, or a list of only strings or only numbers; `null`, a nested
/// object and a mixed or nested list are `InvalidInput` naming `metadata.<key>` (every such key at once).
///
/// ```
/// use rust_decimal_macros::dec;
/// use unibill_core::{StoreMetadataValue, parse_store_metadata};
///
/// let m = parse_store_metadata(
///     r#"{"replicas": 2, "cpuUnits": 0.25, "highAvailability": false, "tags": ["database", "postgres"]}"#,
/// )?;
/// assert_eq!(m["cpuUnits"], StoreMetadataValue::Number(dec!(0.25)));
/// assert_eq!(m["tags"], StoreMetadataValue::Strings(vec!["database".into(), "postgres".into()]));
///
/// let err = parse_store_metadata(r#"{"limits": {"cpu": 1}, "mixed": [1, "a"]}"#).unwrap_err();
/// let fields: Vec<_> = err.field_errors().iter().map(|f| f.field.as_str()).collect();
/// assert_eq!(fields, ["metadata.limits", "metadata.mixed"]);
/// # Ok::<(), unibill_core::Error>(())
/// ```
pub fn parse_store_metadata(json: &str) -> Result<StoreMetadata> {
    use serde_json::value::RawValue;

    let raw: BTreeMap<String, Box<RawValue>> = serde_json::from_str(json).map_err(|e| {
        crate::Error::invalid_field("metadata", format!("must be a JSON object: {e}"))
    })?;
    let mut checks = Checks::new();
    let mut out = StoreMetadata::new();
    for (key, value) in raw {
        let field = format!("metadata.{key}");
        match parse_metadata_value(value.get().trim()) {
            Ok(v) => {
                out.insert(key, v);
            }
            Err(why) => checks.fail(field, why),
        }
    }
    checks.finish()?;
    Ok(out)
}

const FLAT_VALUES: &str = "a string, number, boolean, or a list of strings or of numbers";

/// One metadata value from its JSON text (already valid JSON), or why it is not one.
fn parse_metadata_value(text: &str) -> std::result::Result<StoreMetadataValue, String> {
    use serde_json::value::RawValue;

    let number = |t: &str| {
        exact_decimal(t).ok_or_else(|| {
            format!("the number {t} does not fit an exact decimal (at most 28 significant digits)")
        })
    };
    match text.as_bytes().first() {
        Some(b'"') => serde_json::from_str(text)
            .map(StoreMetadataValue::String)
            .map_err(|e| e.to_string()),
        Some(b't' | b'f') => serde_json::from_str(text)
            .map(StoreMetadataValue::Bool)
            .map_err(|e| e.to_string()),
        Some(b'n') => Err(format!("is null: give {FLAT_VALUES}")),
        Some(b'{') => Err(format!("is a nested object: give {FLAT_VALUES}")),
        Some(b'[') => {
            let items: Vec<Box<RawValue>> =
                serde_json::from_str(text).map_err(|e| e.to_string())?;
            let items: Vec<&str> = items.iter().map(|i| i.get().trim()).collect();
            if items.iter().all(|i| i.starts_with('"')) {
                items
                    .iter()
                    .map(|i| serde_json::from_str::<String>(i).map_err(|e| e.to_string()))
                    .collect::<std::result::Result<_, _>>()
                    .map(StoreMetadataValue::Strings)
            } else if items
                .iter()
                .all(|i| i.starts_with(|c: char| c == '-' || c.is_ascii_digit()))
            {
                items
                    .iter()
                    .map(|i| number(i))
                    .collect::<std::result::Result<_, _>>()
                    .map(StoreMetadataValue::Numbers)
            } else {
                Err(
                    "mixes kinds or nests lists: a list holds only strings or only numbers"
                        .to_owned(),
                )
            }
        }
        _ => number(text).map(StoreMetadataValue::Number),
    }
}

open_enum!(
    /// Where a store's creation came from (Vercel `source`; default `marketplace`). The list grows upstream,
    /// so any non-empty value is accepted.
    StoreSource {
        /// The marketplace.
        Marketplace = "marketplace",
        /// A deploy button.
        DeployButton = "deploy-button",
        /// External.
        External = "external",
        /// v0.
        V0 = "v0",
        /// Resource claims.
        ResourceClaims = "resource-claims",
        /// The CLI.
        Cli = "cli",
        /// OAuth.
        Oauth = "oauth",
        /// Back office.
        Backoffice = "backoffice",
        /// Imported recommended integrations.
        ImportRecommendedIntegrations = "import-recommended-integrations",
        /// An organization.
        Organization = "organization",
    }
);

open_enum!(
    /// A store's status. `Available` means ready; `Error`, `Suspended`, `LimitsExceeded*` and `Uninstalled` are
    /// failures; the rest are on the way.
    StoreStatus {
        /// Being created.
        Initializing = "initializing",
        /// Onboarding at the partner.
        Onboarding = "onboarding",
        /// Ready to use.
        Available = "available",
        /// Failed.
        Error = "error",
        /// Suspended.
        Suspended = "suspended",
        /// Suspended: usage limits exceeded.
        LimitsExceededSuspended = "limits-exceeded-suspended",
        /// Suspended: store count limit exceeded.
        LimitsExceededSuspendedStoreCount = "limits-exceeded-suspended-store-count",
        /// Uninstalled.
        Uninstalled = "uninstalled",
    }
);

impl StoreStatus {
    /// The store is ready.
    pub fn is_ready(&self) -> bool {
        matches!(self, StoreStatus::Available)
    }

    /// The store will not become ready without intervention.
    pub fn is_failed(&self) -> bool {
        matches!(
            self,
            StoreStatus::Error
                | StoreStatus::Suspended
                | StoreStatus::LimitsExceededSuspended
                | StoreStatus::LimitsExceededSuspendedStoreCount
                | StoreStatus::Uninstalled
        )
    }
}

open_enum!(
    /// A billing plan's type.
    BillingPlanType {
        /// Paid up front, possibly a variable amount (see [`NewStoreBuilder::prepayment`]).
        Prepayment = "prepayment",
        /// A recurring subscription.
        Subscription = "subscription",
    }
);

open_enum!(
    /// What a billing plan covers.
    BillingPlanScope {
        /// The whole installation.
        Installation = "installation",
        /// One resource (store).
        Resource = "resource",
    }
);

/// The input to create a store. A value that exists is valid: [`NewStoreBuilder::build`] checks every rule:
/// name 1..=128 characters; configuration id `icfg_[A-Za-z0-9]+`; product an id `iap_[A-Za-z0-9_]+` or a slug
/// `[a-z0-9-]+`; billing plan, payment method and external ids 1..=255; metadata keys 1..=255; prepayment in
/// USD, at least 0.50 and a whole number of cents; an `Other` source non-empty.
///
/// ```
/// use rust_decimal_macros::dec;
/// use unibill_core::{Currency, Money, NewStore};
///
/// let s = NewStore::builder("my-db", "icfg_abc123", "neon-postgres")
///     .metadata_entry("region", "iad1")
///     .build()
///     .unwrap();
/// assert_eq!(s.product(), "neon-postgres");
///
/// let err = NewStore::builder("my-db", "icfg_abc", "iap_x")
///     .prepayment(Money::new(dec!(0.49), Currency::USD))
///     .build()
///     .unwrap_err();
/// assert_eq!(err.field_errors()[0].field, "prepayment");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStore {
    name: String,
    configuration_id: IntegrationConfigurationId,
    product: String,
    billing_plan_id: Option<BillingPlanId>,
    payment_method_id: Option<String>,
    external_id: Option<String>,
    metadata: Option<StoreMetadata>,
    protocol_settings: Option<JsonObject>,
    prepayment: Option<Money>,
    source: Option<StoreSource>,
}

impl NewStore {
    /// Starts a store: its name, the integration configuration (installation) and the product id or slug.
    pub fn builder(
        name: impl Into<String>,
        configuration_id: impl Into<IntegrationConfigurationId>,
        product: impl Into<String>,
    ) -> NewStoreBuilder {
        NewStoreBuilder {
            input: NewStore {
                name: name.into(),
                configuration_id: configuration_id.into(),
                product: product.into(),
                billing_plan_id: None,
                payment_method_id: None,
                external_id: None,
                metadata: None,
                protocol_settings: None,
                prepayment: None,
                source: None,
            },
        }
    }

    /// Name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The integration configuration (installation).
    pub fn configuration_id(&self) -> &IntegrationConfigurationId {
        &self.configuration_id
    }
    /// The product id (`iap_…`) or slug.
    pub fn product(&self) -> &str {
        &self.product
    }
    /// Whether [`NewStore::product`] is an id (`iap_…`) rather than a slug.
    pub fn product_is_id(&self) -> bool {
        self.product.starts_with("iap_")
    }
    /// The billing plan (`None`: the provider picks its free plan).
    pub fn billing_plan_id(&self) -> Option<&BillingPlanId> {
        self.billing_plan_id.as_ref()
    }
    /// The payment method for a paid plan (`None`: the team's default).
    pub fn payment_method_id(&self) -> Option<&str> {
        self.payment_method_id.as_deref()
    }
    /// Your id for the store (no uniqueness promised by the provider).
    pub fn external_id(&self) -> Option<&str> {
        self.external_id.as_deref()
    }
    /// Metadata (checked by the provider against the product's schema).
    pub fn metadata(&self) -> Option<&StoreMetadata> {
        self.metadata.as_ref()
    }
    /// Protocol settings (free-form JSON).
    pub fn protocol_settings(&self) -> Option<&JsonObject> {
        self.protocol_settings.as_ref()
    }
    /// The prepayment for a variable prepayment plan (USD).
    pub fn prepayment(&self) -> Option<&Money> {
        self.prepayment.as_ref()
    }
    /// Where the creation comes from.
    pub fn source(&self) -> Option<&StoreSource> {
        self.source.as_ref()
    }
}

/// Builds a [`NewStore`].
#[derive(Debug, Clone)]
pub struct NewStoreBuilder {
    input: NewStore,
}

impl NewStoreBuilder {
    /// A paid (or any) billing plan.
    pub fn billing_plan_id(mut self, v: impl Into<BillingPlanId>) -> Self {
        self.input.billing_plan_id = Some(v.into());
        self
    }
    /// The payment method for a paid plan.
    pub fn payment_method_id(mut self, v: impl Into<String>) -> Self {
        self.input.payment_method_id = Some(v.into());
        self
    }
    /// Your id for the store.
    pub fn external_id(mut self, v: impl Into<String>) -> Self {
        self.input.external_id = Some(v.into());
        self
    }
    /// Replaces the metadata.
    pub fn metadata(mut self, v: StoreMetadata) -> Self {
        self.input.metadata = Some(v);
        self
    }
    /// Adds one metadata entry.
    pub fn metadata_entry(
        mut self,
        key: impl Into<String>,
        value: impl Into<StoreMetadataValue>,
    ) -> Self {
        self.input
            .metadata
            .get_or_insert_with(Default::default)
            .insert(key.into(), value.into());
        self
    }
    /// Protocol settings.
    pub fn protocol_settings(mut self, v: JsonObject) -> Self {
        self.input.protocol_settings = Some(v);
        self
    }
    /// The prepayment for a variable prepayment plan: USD, ≥ 0.50, whole cents.
    pub fn prepayment(mut self, v: Money) -> Self {
        self.input.prepayment = Some(v);
        self
    }
    /// Where the creation comes from.
    pub fn source(mut self, v: StoreSource) -> Self {
        self.input.source = Some(v);
        self
    }

    /// Checks every rule; an `InvalidInput` names each broken field.
    pub fn build(self) -> Result<NewStore> {
        let s = &self.input;
        let mut checks = Checks::new();
        checks.length("name", &s.name, 1, NAME_MAX);
        check_configuration_id(&mut checks, &s.configuration_id);
        check_product(&mut checks, &s.product);
        if let Some(v) = &s.billing_plan_id {
            checks.length("billing_plan_id", v.as_str(), 1, TEXT_MAX);
        }
        for (field, v) in [
            ("payment_method_id", &s.payment_method_id),
            ("external_id", &s.external_id),
        ] {
            if let Some(v) = v {
                checks.length(field, v, 1, TEXT_MAX);
            }
        }
        if let Some(m) = &s.metadata {
            check_metadata_keys(&mut checks, m);
        }
        if let Some(p) = &s.prepayment {
            check_prepayment(&mut checks, p);
        }
        if let Some(StoreSource::Other(v)) = &s.source {
            checks.length("source", v, 1, TEXT_MAX);
        }
        checks.finish()?;
        Ok(self.input)
    }
}

/// A product id `iap_[A-Za-z0-9_]+` or a slug `[a-z0-9-]+`.
fn check_product(checks: &mut Checks, product: &str) {
    let ok = if let Some(rest) = product.strip_prefix("iap_") {
        !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    } else {
        !product.is_empty()
            && product
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    };
    if !ok {
        // The value is quoted only when short: a refused input is not repeated at any length.
        let shown = if product.chars().count() <= TEXT_MAX {
            format!("`{product}`")
        } else {
            format!("a value of {} characters", product.chars().count())
        };
        checks.fail(
            "product",
            format!("{shown} is neither a product id `iap_[A-Za-z0-9_]+` nor a slug `[a-z0-9-]+`"),
        );
    }
}

fn check_configuration_id(checks: &mut Checks, id: &IntegrationConfigurationId) {
    checks.pattern(
        "configuration_id",
        id.as_str(),
        "icfg_",
        |c| c.is_ascii_alphanumeric(),
        "`icfg_[A-Za-z0-9]+`",
    );
}

fn check_metadata_keys(checks: &mut Checks, m: &StoreMetadata) {
    if m.keys()
        .any(|key| key.is_empty() || key.chars().count() > TEXT_MAX)
    {
        checks.fail("metadata", "keys must be 1..=255 characters");
    }
}

fn check_prepayment(checks: &mut Checks, p: &Money) {
    if p.currency != Currency::USD {
        checks.fail("prepayment", format!("must be in USD (got {})", p.currency));
    } else if p.amount < Decimal::new(50, 2) {
        checks.fail(
            "prepayment",
            format!("must be at least 0.50 USD (got {})", p.amount),
        );
    } else if p.to_minor_units().is_err() {
        checks.fail(
            "prepayment",
            format!("must be a whole number of cents (got {})", p.amount),
        );
    }
}

/// What [`crate::Stores::list_billing_plans`] lists: the billing plans of one product of one integration,
/// optionally as one installation would be offered them and priced for the metadata a store would be created
/// with (Vercel's `integrationConfigurationId` and `metadata` query parameters: plans and prices can depend on
/// both), and for a creation `source`.
///
/// A value that exists is valid: [`BillingPlanQueryBuilder::build`] checks the integration (its id `oac_…` or
/// slug, 1..=255 characters), the product (an id `iap_[A-Za-z0-9_]+` or a slug `[a-z0-9-]+`, as
/// [`NewStore`]), the configuration id (`icfg_[A-Za-z0-9]+`), metadata keys (1..=255) and an `Other` source
/// (non-empty).
///
/// ```
/// use unibill_core::{BillingPlanQuery, StoreMetadataValue};
///
/// let all = BillingPlanQuery::new("neon", "neon-postgres")?;
/// assert_eq!(all.configuration_id(), None);
///
/// let priced = BillingPlanQuery::builder("neon", "iap_postgres_db")
///     .configuration_id("icfg_abc123")
///     .metadata_entry("region", "iad1")
///     .metadata_entry("replicas", 2)
///     .build()?;
/// assert_eq!(priced.metadata().unwrap()["replicas"], StoreMetadataValue::from(2));
///
/// let err = BillingPlanQuery::builder("", "neon").configuration_id("cfg_1").build().unwrap_err();
/// let fields: Vec<_> = err.field_errors().iter().map(|f| f.field.as_str()).collect();
/// assert_eq!(fields, ["integration", "configuration_id"]);
/// # Ok::<(), unibill_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillingPlanQuery {
    integration: String,
    product: String,
    configuration_id: Option<IntegrationConfigurationId>,
    metadata: Option<StoreMetadata>,
    source: Option<StoreSource>,
}

impl BillingPlanQuery {
    /// Every plan of `product` (its id `iap_…` or slug) of `integration` (its id `oac_…` or slug, not a
    /// configuration id): [`BillingPlanQuery::builder`] without the optional parts.
    pub fn new(integration: impl Into<String>, product: impl Into<String>) -> Result<Self> {
        Self::builder(integration, product).build()
    }

    /// Starts a query: the integration (id `oac_…` or slug) and the product (id `iap_…` or slug).
    pub fn builder(
        integration: impl Into<String>,
        product: impl Into<String>,
    ) -> BillingPlanQueryBuilder {
        BillingPlanQueryBuilder {
            query: BillingPlanQuery {
                integration: integration.into(),
                product: product.into(),
                configuration_id: None,
                metadata: None,
                source: None,
            },
        }
    }

    /// The integration's id (`oac_…`) or slug.
    pub fn integration(&self) -> &str {
        &self.integration
    }
    /// The product's id (`iap_…`) or slug.
    pub fn product(&self) -> &str {
        &self.product
    }
    /// The installation the plans are for (`None`: the integration's plans, whoever installs it).
    pub fn configuration_id(&self) -> Option<&IntegrationConfigurationId> {
        self.configuration_id.as_ref()
    }
    /// The metadata a store would be created with (`None`: none given; the provider prices its defaults).
    pub fn metadata(&self) -> Option<&StoreMetadata> {
        self.metadata.as_ref()
    }
    /// Where the creation would come from.
    pub fn source(&self) -> Option<&StoreSource> {
        self.source.as_ref()
    }
}

/// Builds a [`BillingPlanQuery`].
#[derive(Debug, Clone)]
pub struct BillingPlanQueryBuilder {
    query: BillingPlanQuery,
}

impl BillingPlanQueryBuilder {
    /// The installation (integration configuration) the plans are for.
    pub fn configuration_id(mut self, v: impl Into<IntegrationConfigurationId>) -> Self {
        self.query.configuration_id = Some(v.into());
        self
    }
    /// Replaces the metadata (as [`NewStoreBuilder::metadata`] would send it).
    pub fn metadata(mut self, v: StoreMetadata) -> Self {
        self.query.metadata = Some(v);
        self
    }
    /// Adds one metadata entry.
    pub fn metadata_entry(
        mut self,
        key: impl Into<String>,
        value: impl Into<StoreMetadataValue>,
    ) -> Self {
        self.query
            .metadata
            .get_or_insert_with(Default::default)
            .insert(key.into(), value.into());
        self
    }
    /// Where the creation would come from.
    pub fn source(mut self, v: StoreSource) -> Self {
        self.query.source = Some(v);
        self
    }

    /// Checks every rule; an `InvalidInput` names each broken field.
    pub fn build(self) -> Result<BillingPlanQuery> {
        let q = &self.query;
        let mut checks = Checks::new();
        checks.length("integration", &q.integration, 1, TEXT_MAX);
        check_product(&mut checks, &q.product);
        if let Some(id) = &q.configuration_id {
            check_configuration_id(&mut checks, id);
        }
        if let Some(m) = &q.metadata {
            check_metadata_keys(&mut checks, m);
        }
        if let Some(StoreSource::Other(v)) = &q.source {
            checks.length("source", v, 1, TEXT_MAX);
        }
        checks.finish()?;
        Ok(self.query)
    }
}

/// The product a store was made from, as the store reports it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StoreProduct {
    /// Product id (`iap_…`).
    pub id: Option<String>,
    /// Product slug.
    pub slug: Option<String>,
    /// Product name.
    pub name: Option<String>,
    /// The configuration it was installed through.
    pub configuration_id: Option<IntegrationConfigurationId>,
}

/// A secret of a store: its name and length, never its value (values reach projects as environment
/// variables).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreSecret {
    /// The variable name (`DATABASE_URL`).
    pub name: String,
    /// The value's length.
    pub length: u64,
}

/// A label/value line of a billing plan, as the provider displays it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanDetail {
    /// Label.
    pub label: String,
    /// Value.
    pub value: Option<String>,
}

/// A billing plan a store can be created on. The provider's display strings are kept as they came
/// (`cost`, `initial_charge`, …); the amounts that parse as dollars are also offered as [`Money`].
///
/// ```
/// use unibill_core::{BillingPlan, BillingPlanType};
/// let p = BillingPlan::builder("bp_pro", "Pro", BillingPlanType::Subscription)
///     .payment_method_required(true)
///     .cost("$20.00 / month")
///     .build();
/// assert_eq!(p.cost.as_deref(), Some("$20.00 / month"));
/// assert!(!p.is_free());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BillingPlan {
    /// The plan id.
    pub id: BillingPlanId,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Prepayment or subscription.
    pub plan_type: BillingPlanType,
    /// Installation or resource.
    pub scope: BillingPlanScope,
    /// A payment method is needed (the given one or the team's default).
    pub payment_method_required: bool,
    /// Cost as displayed.
    pub cost: Option<String>,
    /// Initial charge as displayed.
    pub initial_charge: Option<String>,
    /// Initial charge, where it parses as dollars.
    pub initial_charge_amount: Option<Money>,
    /// Minimum prepayment as displayed.
    pub minimum_amount: Option<String>,
    /// Minimum prepayment, where it parses.
    pub minimum: Option<Money>,
    /// Maximum prepayment as displayed.
    pub maximum_amount: Option<String>,
    /// Maximum prepayment, where it parses.
    pub maximum: Option<Money>,
    /// Detail lines.
    pub details: Vec<PlanDetail>,
    /// Highlighted detail lines.
    pub highlighted_details: Vec<PlanDetail>,
    /// The plan cannot be chosen now.
    pub disabled: bool,
    /// Which provider listed it.
    pub provider: Cow<'static, str>,
    /// The provider's own JSON for it.
    pub raw: Option<RawJson>,
}

impl BillingPlan {
    /// A builder with the required fields: scope resource, no payment method needed, provider `"mock"`.
    pub fn builder(
        id: impl Into<BillingPlanId>,
        name: impl Into<String>,
        plan_type: BillingPlanType,
    ) -> BillingPlanBuilder {
        BillingPlanBuilder {
            plan: BillingPlan {
                id: id.into(),
                name: name.into(),
                description: String::new(),
                plan_type,
                scope: BillingPlanScope::Resource,
                payment_method_required: false,
                cost: None,
                initial_charge: None,
                initial_charge_amount: None,
                minimum_amount: None,
                minimum: None,
                maximum_amount: None,
                maximum: None,
                details: Vec::new(),
                highlighted_details: Vec::new(),
                disabled: false,
                provider: Cow::Borrowed("mock"),
                raw: None,
            },
        }
    }

    /// Parses a provider's dollar string (`"10.00"`, `"$10.00"`, `"$1,000.50"`) as USD; `None` if it is not a
    /// plain amount.
    ///
    /// ```
    /// use rust_decimal_macros::dec;
    /// use unibill_core::BillingPlan;
    /// assert_eq!(BillingPlan::parse_usd("$1,000.50").unwrap().amount, dec!(1000.50));
    /// assert!(BillingPlan::parse_usd("$20 / month").is_none());
    /// ```
    pub fn parse_usd(text: &str) -> Option<Money> {
        let t = text.trim();
        let t = t.strip_prefix('$').unwrap_or(t).replace(',', "");
        Decimal::from_str_exact(t.trim())
            .ok()
            .map(|a| Money::new(a, Currency::USD))
    }

    /// Whether choosing the plan costs nothing and needs no payment method.
    pub fn is_free(&self) -> bool {
        !self.payment_method_required
            && self.plan_type != BillingPlanType::Prepayment
            && self
                .initial_charge_amount
                .as_ref()
                .is_none_or(|m| m.amount.is_zero())
    }
}

/// Builds a [`BillingPlan`] (for mocks and adapters).
#[derive(Debug, Clone)]
pub struct BillingPlanBuilder {
    plan: BillingPlan,
}

impl BillingPlanBuilder {
    /// Description.
    pub fn description(mut self, v: impl Into<String>) -> Self {
        self.plan.description = v.into();
        self
    }
    /// Scope.
    pub fn scope(mut self, v: BillingPlanScope) -> Self {
        self.plan.scope = v;
        self
    }
    /// Payment method required.
    pub fn payment_method_required(mut self, v: bool) -> Self {
        self.plan.payment_method_required = v;
        self
    }
    /// Cost display string.
    pub fn cost(mut self, v: impl Into<String>) -> Self {
        self.plan.cost = Some(v.into());
        self
    }
    /// Initial charge display string (parsed into [`BillingPlan::initial_charge_amount`] where it can be).
    pub fn initial_charge(mut self, v: impl Into<String>) -> Self {
        let v = v.into();
        self.plan.initial_charge_amount = BillingPlan::parse_usd(&v);
        self.plan.initial_charge = Some(v);
        self
    }
    /// Minimum amount display string (parsed into [`BillingPlan::minimum`] where it can be).
    pub fn minimum_amount(mut self, v: impl Into<String>) -> Self {
        let v = v.into();
        self.plan.minimum = BillingPlan::parse_usd(&v);
        self.plan.minimum_amount = Some(v);
        self
    }
    /// Maximum amount display string (parsed into [`BillingPlan::maximum`] where it can be).
    pub fn maximum_amount(mut self, v: impl Into<String>) -> Self {
        let v = v.into();
        self.plan.maximum = BillingPlan::parse_usd(&v);
        self.plan.maximum_amount = Some(v);
        self
    }
    /// Detail lines.
    pub fn details(mut self, v: Vec<PlanDetail>) -> Self {
        self.plan.details = v;
        self
    }
    /// Highlighted detail lines.
    pub fn highlighted_details(mut self, v: Vec<PlanDetail>) -> Self {
        self.plan.highlighted_details = v;
        self
    }
    /// Disabled.
    pub fn disabled(mut self, v: bool) -> Self {
        self.plan.disabled = v;
        self
    }
    /// Provider name.
    pub fn provider(mut self, v: impl Into<Cow<'static, str>>) -> Self {
        self.plan.provider = v.into();
        self
    }
    /// Provider JSON.
    pub fn raw(mut self, v: RawJson) -> Self {
        self.plan.raw = Some(v);
        self
    }
    /// The plan.
    pub fn build(self) -> BillingPlan {
        self.plan
    }
}

/// A store as the provider reports it. Holds no secret value (only [`StoreSecret`] names and lengths).
///
/// ```
/// use unibill_core::{Store, StoreStatus};
/// let s = Store::builder("neon-proj-1").id("store_1").status(StoreStatus::Available).build();
/// assert!(s.is_ready());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Store {
    /// The provider's store id; `None` when the provider's answer did not carry it (Vercel's documented
    /// create response has none).
    pub id: Option<StoreId>,
    /// Name, if reported.
    pub name: Option<String>,
    /// The partner's id for the resource.
    pub external_resource_id: String,
    /// Status; `None` when the provider sent none (treat as not ready yet).
    pub status: Option<StoreStatus>,
    /// The product.
    pub product: StoreProduct,
    /// The billing plan, if reported.
    pub billing_plan: Option<BillingPlan>,
    /// Secret names and lengths.
    pub secrets: Vec<StoreSecret>,
    /// Metadata.
    pub metadata: StoreMetadata,
    /// Which provider holds it.
    pub provider: Cow<'static, str>,
    /// The provider's own JSON for it.
    pub raw: Option<RawJson>,
}

impl Store {
    /// A builder with the required field; status unknown, provider `"mock"`.
    pub fn builder(external_resource_id: impl Into<String>) -> StoreBuilder {
        StoreBuilder {
            store: Store {
                id: None,
                name: None,
                external_resource_id: external_resource_id.into(),
                status: None,
                product: StoreProduct::default(),
                billing_plan: None,
                secrets: Vec::new(),
                metadata: StoreMetadata::new(),
                provider: Cow::Borrowed("mock"),
                raw: None,
            },
        }
    }

    /// The store is available.
    pub fn is_ready(&self) -> bool {
        self.status.as_ref().is_some_and(StoreStatus::is_ready)
    }

    /// The store failed (error, suspended, uninstalled).
    pub fn is_failed(&self) -> bool {
        self.status.as_ref().is_some_and(StoreStatus::is_failed)
    }
}

/// Builds a [`Store`] (for mocks and adapters).
#[derive(Debug, Clone)]
pub struct StoreBuilder {
    store: Store,
}

impl StoreBuilder {
    /// Store id.
    pub fn id(mut self, v: impl Into<StoreId>) -> Self {
        self.store.id = Some(v.into());
        self
    }
    /// Name.
    pub fn name(mut self, v: impl Into<String>) -> Self {
        self.store.name = Some(v.into());
        self
    }
    /// Status.
    pub fn status(mut self, v: StoreStatus) -> Self {
        self.store.status = Some(v);
        self
    }
    /// Product.
    pub fn product(mut self, v: StoreProduct) -> Self {
        self.store.product = v;
        self
    }
    /// Billing plan.
    pub fn billing_plan(mut self, v: BillingPlan) -> Self {
        self.store.billing_plan = Some(v);
        self
    }
    /// Secret names and lengths.
    pub fn secrets(mut self, v: Vec<StoreSecret>) -> Self {
        self.store.secrets = v;
        self
    }
    /// Metadata.
    pub fn metadata(mut self, v: StoreMetadata) -> Self {
        self.store.metadata = v;
        self
    }
    /// Provider name.
    pub fn provider(mut self, v: impl Into<Cow<'static, str>>) -> Self {
        self.store.provider = v.into();
        self
    }
    /// Provider JSON.
    pub fn raw(mut self, v: RawJson) -> Self {
        self.store.raw = Some(v);
        self
    }
    /// The store.
    pub fn build(self) -> Store {
        self.store
    }
}

/// An installation of an integration (Vercel integration configuration).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IntegrationConfiguration {
    /// `icfg_…`.
    pub id: IntegrationConfigurationId,
    /// The integration's id (`oac_…`), for [`crate::Stores::list_billing_plans`].
    pub integration_id: Option<String>,
    /// The integration's slug (`neon`).
    pub integration_slug: Option<String>,
    /// Status as the provider spells it (`ready`, `resumed`, `pending`, …).
    pub status: Option<String>,
    /// Which provider listed it.
    pub provider: Cow<'static, str>,
    /// The provider's own JSON for it.
    pub raw: Option<RawJson>,
}

impl IntegrationConfiguration {
    /// A configuration with an id only (provider `"mock"`).
    pub fn new(id: impl Into<IntegrationConfigurationId>) -> Self {
        IntegrationConfiguration {
            id: id.into(),
            integration_id: None,
            integration_slug: None,
            status: None,
            provider: Cow::Borrowed("mock"),
            raw: None,
        }
    }

    /// Sets the integration id and slug.
    pub fn with_integration(mut self, id: impl Into<String>, slug: impl Into<String>) -> Self {
        self.integration_id = Some(id.into());
        self.integration_slug = Some(slug.into());
        self
    }

    /// Sets the status.
    pub fn with_status(mut self, status: impl Into<String>) -> Self {
        self.status = Some(status.into());
        self
    }

    /// Sets the provider name.
    pub fn with_provider(mut self, provider: impl Into<Cow<'static, str>>) -> Self {
        self.provider = provider.into();
        self
    }

    /// Whether stores can be created through it (`ready` or `resumed`).
    pub fn is_usable(&self) -> bool {
        matches!(self.status.as_deref(), Some("ready" | "resumed"))
    }
}

/// A product of an integration configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IntegrationProduct {
    /// `iap_…`.
    pub id: String,
    /// Slug.
    pub slug: String,
    /// Name.
    pub name: String,
    /// The integration's id (`oac_…`), for billing plans.
    pub integration_id: Option<String>,
    /// The integration's slug.
    pub integration_slug: Option<String>,
    /// The primary protocol (`storage`, `ai`, …).
    pub primary_protocol: Option<String>,
    /// Protocols with status `enabled`.
    pub enabled_protocols: Vec<String>,
    /// Which provider listed it.
    pub provider: Cow<'static, str>,
    /// The provider's own JSON for it.
    pub raw: Option<RawJson>,
}

impl IntegrationProduct {
    /// A product (provider `"mock"`, no protocols).
    pub fn new(id: impl Into<String>, slug: impl Into<String>, name: impl Into<String>) -> Self {
        IntegrationProduct {
            id: id.into(),
            slug: slug.into(),
            name: name.into(),
            integration_id: None,
            integration_slug: None,
            primary_protocol: None,
            enabled_protocols: Vec::new(),
            provider: Cow::Borrowed("mock"),
            raw: None,
        }
    }

    /// Sets the integration id and slug.
    pub fn with_integration(mut self, id: impl Into<String>, slug: impl Into<String>) -> Self {
        self.integration_id = Some(id.into());
        self.integration_slug = Some(slug.into());
        self
    }

    /// Sets the primary protocol and marks it enabled.
    pub fn with_protocol(mut self, protocol: impl Into<String>) -> Self {
        let p = protocol.into();
        self.enabled_protocols.push(p.clone());
        self.primary_protocol = Some(p);
        self
    }

    /// Sets the provider name.
    pub fn with_provider(mut self, provider: impl Into<Cow<'static, str>>) -> Self {
        self.provider = provider.into();
        self
    }

    /// Whether the storage protocol is enabled.
    pub fn is_storage(&self) -> bool {
        self.enabled_protocols.iter().any(|p| p == "storage")
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;
    use crate::ErrorKind;

    fn one(r: Result<NewStore>) -> String {
        let err = r.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert_eq!(err.field_errors().len(), 1, "{err:?}");
        err.field_errors()[0].field.clone()
    }

    fn b() -> NewStoreBuilder {
        NewStore::builder("db", "icfg_A1", "iap_x_1")
    }

    #[test]
    fn name_length() {
        assert!(
            NewStore::builder("n".repeat(128), "icfg_a", "p")
                .build()
                .is_ok()
        );
        assert_eq!(
            one(NewStore::builder("n".repeat(129), "icfg_a", "p").build()),
            "name"
        );
        assert_eq!(one(NewStore::builder("", "icfg_a", "p").build()), "name");
    }

    #[test]
    fn configuration_id_pattern() {
        assert!(NewStore::builder("n", "icfg_aZ9", "p").build().is_ok());
        for bad in ["icfg_", "icfg_a_b", "cfg_a", "", "icfg_é"] {
            assert_eq!(
                one(NewStore::builder("n", bad, "p").build()),
                "configuration_id",
                "{bad}"
            );
        }
    }

    #[test]
    fn product_id_or_slug() {
        for good in ["iap_A_z_9", "neon-postgres", "a", "0-9"] {
            assert!(
                NewStore::builder("n", "icfg_a", good).build().is_ok(),
                "{good}"
            );
        }
        for bad in ["", "iap_", "iap_a-b", "Neon", "neon_db", "iap_é"] {
            assert_eq!(
                one(NewStore::builder("n", "icfg_a", bad).build()),
                "product",
                "{bad}"
            );
        }
        assert!(
            NewStore::builder("n", "icfg_a", "iap_1")
                .build()
                .unwrap()
                .product_is_id()
        );
    }

    #[test]
    fn optional_ids_lengths() {
        assert!(
            b().billing_plan_id("b".repeat(255))
                .payment_method_id("p".repeat(255))
                .external_id("e".repeat(255))
                .build()
                .is_ok()
        );
        assert_eq!(one(b().billing_plan_id("").build()), "billing_plan_id");
        assert_eq!(one(b().payment_method_id("").build()), "payment_method_id");
        assert_eq!(one(b().external_id("e".repeat(256)).build()), "external_id");
    }

    #[test]
    fn prepayment_rules() {
        let usd = |a| Money::new(a, Currency::USD);
        assert!(b().prepayment(usd(dec!(0.50))).build().is_ok());
        assert!(b().prepayment(usd(dec!(50))).build().is_ok());
        assert_eq!(one(b().prepayment(usd(dec!(0.49))).build()), "prepayment");
        assert_eq!(one(b().prepayment(usd(dec!(1.005))).build()), "prepayment");
        assert_eq!(
            one(b().prepayment(Money::new(dec!(10), Currency::EUR)).build()),
            "prepayment"
        );
    }

    #[test]
    fn metadata_and_source_rules() {
        let ok = b()
            .metadata_entry("k".repeat(255), "v")
            .metadata_entry("n", 3)
            .metadata_entry("d", dec!(2.5))
            .metadata_entry("b", true)
            .metadata_entry(
                "l",
                StoreMetadataValue::Strings(vec!["a".into(), "b".into()]),
            )
            .metadata_entry("nl", StoreMetadataValue::Numbers(vec![dec!(1), dec!(1.25)]))
            .source(StoreSource::from("brand-new-source"))
            .build();
        assert!(ok.is_ok());
        assert_eq!(one(b().metadata_entry("", "v").build()), "metadata");
        assert_eq!(
            one(b().source(StoreSource::Other(String::new())).build()),
            "source"
        );
    }

    #[test]
    fn metadata_json_round_trip_is_exact() {
        let mut m = StoreMetadata::new();
        m.insert("n".into(), 3.into());
        m.insert("d".into(), dec!(0.1).into());
        m.insert(
            "l".into(),
            StoreMetadataValue::Numbers(vec![dec!(1.5), dec!(-2)]),
        );
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#"{"d":0.1,"l":[1.5,-2],"n":3}"#);
        let back: StoreMetadata = serde_json::from_str(&json).unwrap();
        assert_eq!(back, m);
        assert!(serde_json::from_str::<StoreMetadata>(r#"{"x":null}"#).is_err());
        assert!(serde_json::from_str::<StoreMetadata>(r#"{"x":[1,"a"]}"#).is_err());
        assert!(serde_json::from_str::<StoreMetadata>(r#"{"x":{"y":1}}"#).is_err());
    }

    #[test]
    fn metadata_parsed_from_json_text_keeps_every_digit() {
        let m = parse_store_metadata(
            r#"{"replicas": 2, "cpuUnits": 0.25, "highAvailability": false, "tags": ["database", "postgres"],
                "pi": 3.14159265358979323846, "big": 12345678901234567890123, "tiny": 1.5e-7,
                "scaled": 2.50E2, "list": [1, 2.50, -0.1], "none": []}"#,
        )
        .unwrap();
        assert_eq!(m["replicas"], StoreMetadataValue::Number(dec!(2)));
        assert_eq!(m["cpuUnits"], StoreMetadataValue::Number(dec!(0.25)));
        assert_eq!(m["highAvailability"], StoreMetadataValue::Bool(false));
        assert_eq!(
            m["tags"],
            StoreMetadataValue::Strings(vec!["database".into(), "postgres".into()])
        );
        assert_eq!(
            m["pi"],
            StoreMetadataValue::Number(dec!(3.14159265358979323846))
        );
        assert_eq!(
            m["big"],
            StoreMetadataValue::Number(dec!(12345678901234567890123))
        );
        assert_eq!(m["tiny"], StoreMetadataValue::Number(dec!(0.00000015)));
        assert_eq!(m["scaled"], StoreMetadataValue::Number(dec!(250)));
        assert_eq!(
            m["list"],
            StoreMetadataValue::Numbers(vec![dec!(1), dec!(2.5), dec!(-0.1)])
        );
        assert_eq!(m["none"], StoreMetadataValue::Strings(vec![]));
        // Written back exactly: no float in between for the values a float cannot hold.
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"big":12345678901234567890123,"cpuUnits":0.25,"highAvailability":false,"list":[1,2.5,-0.1],"none":[],"pi":3.14159265358979323846,"replicas":2,"scaled":250,"tags":["database","postgres"],"tiny":1.5e-7}"#
        );
    }

    #[test]
    fn metadata_json_text_refuses_what_is_not_flat_naming_each_key() {
        let err = parse_store_metadata(
            r#"{"ok": 1, "n": null, "obj": {"a": 1}, "mixed": [1, "a"], "nested": [[1]], "bools": [true],
                "long": 0.12345678901234567890123456789012, "huge": 1e40}"#,
        )
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        let fields: Vec<&str> = err
            .field_errors()
            .iter()
            .map(|f| f.field.as_str())
            .collect();
        assert_eq!(
            fields,
            [
                "metadata.bools",
                "metadata.huge",
                "metadata.long",
                "metadata.mixed",
                "metadata.n",
                "metadata.nested",
                "metadata.obj"
            ]
        );
        for not_an_object in ["[1]", "\"a\"", "{", ""] {
            let err = parse_store_metadata(not_an_object).unwrap_err();
            assert_eq!(err.field_errors()[0].field, "metadata", "{not_an_object}");
        }
    }

    #[test]
    fn numbers_a_float_cannot_hold_are_serialized_exactly() {
        for (d, text) in [
            (dec!(3.14159265358979323846), "3.14159265358979323846"),
            (
                dec!(79228162514264337593543950335),
                "79228162514264337593543950335",
            ),
            (dec!(18446744073709551615), "18446744073709551615"),
            (dec!(0.1), "0.1"),
            (dec!(2.50), "2.5"),
            (dec!(-7), "-7"),
        ] {
            assert_eq!(
                serde_json::to_string(&StoreMetadataValue::Number(d)).unwrap(),
                text
            );
            if text.len() <= 15 {
                let back: StoreMetadataValue = serde_json::from_str(text).unwrap();
                assert_eq!(back, StoreMetadataValue::Number(d), "{text}");
            }
        }
    }

    #[test]
    fn billing_plan_query_rules() {
        let q = BillingPlanQuery::builder("oac_1", "iap_a_1")
            .configuration_id("icfg_Z9")
            .metadata_entry("k", "v")
            .source(StoreSource::Cli)
            .build()
            .unwrap();
        assert_eq!(q.integration(), "oac_1");
        assert_eq!(q.product(), "iap_a_1");
        assert_eq!(q.configuration_id().map(|c| c.as_str()), Some("icfg_Z9"));
        assert_eq!(q.source(), Some(&StoreSource::Cli));
        let fields = |r: Result<BillingPlanQuery>| -> Vec<String> {
            r.unwrap_err()
                .field_errors()
                .iter()
                .map(|f| f.field.clone())
                .collect()
        };
        assert_eq!(fields(BillingPlanQuery::new("", "neon")), ["integration"]);
        assert_eq!(
            fields(BillingPlanQuery::new("i".repeat(256), "neon")),
            ["integration"]
        );
        assert_eq!(fields(BillingPlanQuery::new("neon", "Neon")), ["product"]);
        assert_eq!(
            fields(
                BillingPlanQuery::builder("neon", "neon")
                    .configuration_id("icfg_a-b")
                    .metadata_entry("", 1)
                    .source(StoreSource::Other(String::new()))
                    .build()
            ),
            ["configuration_id", "metadata", "source"]
        );
        let long = BillingPlanQuery::new("neon", "P".repeat(70_000)).unwrap_err();
        assert!(long.to_string().len() < 300, "the value is not repeated");
    }

    #[test]
    fn plans_parse_dollar_strings() {
        let p = BillingPlan::builder("bp_1", "Prepaid", BillingPlanType::Prepayment)
            .minimum_amount("10.00")
            .maximum_amount("$1,000")
            .initial_charge("about $5")
            .build();
        assert_eq!(p.minimum.unwrap().amount, dec!(10.00));
        assert_eq!(p.maximum.unwrap().amount, dec!(1000));
        assert_eq!(p.initial_charge_amount, None);
        assert_eq!(p.initial_charge.as_deref(), Some("about $5"));
        let t: BillingPlanType = serde_json::from_str("\"usage\"").unwrap();
        assert_eq!(t, BillingPlanType::Other("usage".into()));
    }

    #[test]
    fn statuses() {
        assert!(StoreStatus::from("available").is_ready());
        assert!(StoreStatus::from("limits-exceeded-suspended").is_failed());
        let s = StoreStatus::from("warming-up");
        assert!(!s.is_ready() && !s.is_failed());
    }
}
