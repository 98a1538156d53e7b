//! Subscriptions: the create input [`NewSubscription`] (with [`CustomerRef`] and [`Trial`]), the read model
//! [`Subscription`] (with [`SubscriptionStatus`], [`Period`] and [`SubscriptionItem`]), the cancel input
//! [`CancelOptions`] and the list query [`SubscriptionListQuery`].
//!
//! What is subscribed to is a neutral **recurring price** ([`PriceId`]). Flowglad subscribes to that price;
//! Flexprice subscribes to the price's plan with its currency and stored billing period, and so picks up every
//! price of the plan that matches (usage prices included): the read model carries `product_id` and `items`.

use std::borrow::Cow;

use jiff::Timestamp;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::id::{CustomerId, PriceId, ProductId, SubscriptionId};
use crate::metadata::Metadata;
use crate::model::connection::open_enum;
use crate::model::key::IdempotencyKey;
use crate::model::price::Interval;
use crate::model::raw::RawJson;
use crate::money::Currency;
use crate::page::Cursor;
use crate::validation::Checks;

const TEXT_MAX: usize = 255;

/// Metadata keys starting with this are unibill's own: a user key with it is `InvalidInput` on `metadata`,
/// and read models strip them from `metadata`.
pub const RESERVED_METADATA_PREFIX: &str = "unibill_";

/// The metadata key a subscription's idempotency key is kept under where the provider has no better place
/// (Flowglad `metadata.unibill_key`; Flexprice keeps it in `lookup_key`). Reads expose it as
/// [`Subscription::key`].
pub const SUBSCRIPTION_KEY_METADATA: &str = "unibill_key";

/// The metadata key a migrated object's source id is kept under.
pub const SOURCE_ID_METADATA: &str = "unibill_source_id";

/// Whether `key` is one of unibill's reserved metadata keys (it starts with [`RESERVED_METADATA_PREFIX`]).
pub fn is_reserved_metadata_key(key: &str) -> bool {
    key.starts_with(RESERVED_METADATA_PREFIX)
}

/// Which customer: by the provider's id or by your external id.
///
/// ```
/// use unibill_core::{CustomerId, CustomerRef};
/// assert_eq!(CustomerRef::external_id("user-42").as_external_id(), Some("user-42"));
/// assert_eq!(CustomerRef::from(CustomerId::new("cust_1")).as_id().map(|id| id.as_str()), Some("cust_1"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomerRef {
    /// The provider's id ([`crate::Customer::id`]).
    Id(CustomerId),
    /// Your id ([`crate::Customer::external_id`]).
    ExternalId(String),
}

impl CustomerRef {
    /// By external id.
    pub fn external_id(v: impl Into<String>) -> Self {
        CustomerRef::ExternalId(v.into())
    }

    /// The provider's id, if this is one.
    pub fn as_id(&self) -> Option<&CustomerId> {
        match self {
            CustomerRef::Id(id) => Some(id),
            CustomerRef::ExternalId(_) => None,
        }
    }

    /// The external id, if this is one.
    pub fn as_external_id(&self) -> Option<&str> {
        match self {
            CustomerRef::ExternalId(e) => Some(e),
            CustomerRef::Id(_) => None,
        }
    }

    /// Records a broken rule under `field`: either form is 1..=255 characters.
    pub(crate) fn check(&self, checks: &mut Checks, field: &str) {
        let value = match self {
            CustomerRef::Id(id) => id.as_str(),
            CustomerRef::ExternalId(e) => e,
        };
        checks.length(field, value, 1, TEXT_MAX);
    }

    /// A fingerprint part for list queries.
    pub(crate) fn fingerprint_part(&self) -> String {
        match self {
            CustomerRef::Id(id) => format!("id:{id}"),
            CustomerRef::ExternalId(e) => format!("external:{e}"),
        }
    }
}

impl From<CustomerId> for CustomerRef {
    fn from(id: CustomerId) -> Self {
        CustomerRef::Id(id)
    }
}

/// A half-open span of time `[start, end)` in UTC instants, as the provider reports it (calendar alignment and
/// customer time zones are the provider's business and are never recomputed). `start < end` always holds.
///
/// ```
/// use unibill_core::{Period, Timestamp};
/// let start: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
/// let end: Timestamp = "2026-02-01T00:00:00Z".parse().unwrap();
/// let p = Period::new(start, end)?;
/// assert!(p.contains(start) && !p.contains(end));
/// assert_eq!(Period::new(end, start).unwrap_err().field_errors()[0].field, "period.end");
/// # Ok::<(), unibill_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "PeriodParts")]
pub struct Period {
    start: Timestamp,
    end: Timestamp,
}

#[derive(Deserialize)]
struct PeriodParts {
    start: Timestamp,
    end: Timestamp,
}

impl TryFrom<PeriodParts> for Period {
    type Error = Error;
    fn try_from(p: PeriodParts) -> Result<Self> {
        Period::new(p.start, p.end)
    }
}

impl Period {
    /// `[start, end)`; `InvalidInput` on `period.end` unless `start < end`.
    pub fn new(start: Timestamp, end: Timestamp) -> Result<Self> {
        if start < end {
            Ok(Period { start, end })
        } else {
            Err(Error::invalid_field(
                "period.end",
                format!("must be after the start ({start}), got {end}"),
            ))
        }
    }

    /// The first instant in the period.
    pub fn start(&self) -> Timestamp {
        self.start
    }

    /// The first instant after the period.
    pub fn end(&self) -> Timestamp {
        self.end
    }

    /// Whether `t` is in `[start, end)`.
    pub fn contains(&self, t: Timestamp) -> bool {
        self.start <= t && t < self.end
    }
}

open_enum!(
    /// Where a subscription is in its life. Read leniently: `cancelled` and `canceled` are both `Canceled`,
    /// Flowglad's `cancellation_scheduled` is `CancelScheduled`, and case and `-` are ignored.
    ///
    /// `CancelScheduled` is derived the same way on every provider: Flowglad `cancellation_scheduled`, or a
    /// Flexprice `active`/`trialing` subscription with `cancel_at` set (its adapter does that). `trial_end`
    /// still says whether such a subscription is in trial.
    ///
    /// ```
    /// use unibill_core::SubscriptionStatus;
    /// assert_eq!(SubscriptionStatus::from("cancelled"), SubscriptionStatus::Canceled);
    /// assert_eq!(SubscriptionStatus::from("canceled"), SubscriptionStatus::Canceled);
    /// assert_eq!(SubscriptionStatus::from("PAST_DUE"), SubscriptionStatus::PastDue);
    /// assert_eq!(SubscriptionStatus::Canceled.as_str(), "canceled");
    /// assert_eq!(SubscriptionStatus::from("frozen"), SubscriptionStatus::Other("frozen".into()));
    /// ```
    lenient SubscriptionStatus {
        /// Created, but the first payment has not succeeded yet.
        Incomplete = "incomplete",
        /// The first payment never succeeded; terminal.
        IncompleteExpired = "incomplete_expired",
        /// In a free trial.
        Trialing = "trialing" | "trial",
        /// Active and paid.
        Active = "active",
        /// A renewal payment failed; the provider is retrying.
        PastDue = "past_due",
        /// Renewal payments failed and retries are exhausted.
        Unpaid = "unpaid",
        /// Active until a scheduled cancel.
        CancelScheduled = "cancel_scheduled" | "cancellation_scheduled",
        /// Canceled; terminal.
        Canceled = "canceled" | "cancelled",
        /// Paused.
        Paused = "paused",
        /// A draft: created without invoice or payment, not started (Flexprice's first phase).
        Draft = "draft",
    }
);

impl SubscriptionStatus {
    /// Whether nothing more can happen to it (`Canceled`, `IncompleteExpired`).
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            SubscriptionStatus::Canceled | SubscriptionStatus::IncompleteExpired
        )
    }
}

/// The trial of a new subscription.
///
/// Flexprice takes days (`Until` is `Unsupported` there); Flowglad takes an end instant (`Days(n)` is sent as
/// now + n days). What each provider does with `None` is in its subscription capabilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Trial {
    /// The price's own trial (its `trial_days`), if any.
    #[default]
    FromPrice,
    /// No trial, whatever the price says.
    None,
    /// A trial of this many days (≥ 1).
    Days(u32),
    /// A trial ending at this instant.
    Until(Timestamp),
}

/// The input to create a subscription. A value that exists is valid: [`NewSubscriptionBuilder::build`] checks
/// every rule.
///
/// **The key.** Every attempt made with one input carries its [`IdempotencyKey`]: given by the caller, or
/// generated (UUID v7) by `build` when none was given, once; clones of the built input keep it. A generated key
/// protects only the attempts made with that value and its clones: to survive a restart or an application-level
/// retry, give a key derived from your own record ([`IdempotencyKey::derive`]). A create whose key a
/// subscription already holds never makes a second one (see [`crate::Subscriptions::create`]).
///
/// **The start.** By default a subscription starts when it is created. [`NewSubscriptionBuilder::start_at`]
/// starts it later: nothing is billed before that instant, and its first period (or the trial, which then
/// begins at the start) starts there; the migration uses it to start the destination at the end of the
/// period the source was paid for. Whether a provider honours it, and how, is in
/// [`SubscriptionCapabilities::start_at`](crate::SubscriptionCapabilities::start_at) and
/// [`start_at_as_trial`](crate::SubscriptionCapabilities::start_at_as_trial); where it does not, the guard
/// refuses the create with `Unsupported` on `start_at` before any request.
///
/// Rules: the customer reference 1..=255 characters, the price id 1..=255, `Trial::Days` ≥ 1, metadata keys
/// valid and none starting with `unibill_` (reserved: [`RESERVED_METADATA_PREFIX`]). That the price is
/// recurring is checked against the provider before anything is sent.
///
/// ```
/// use unibill_core::{CustomerRef, IdempotencyKey, Metadata, NewSubscription, Trial};
///
/// let input = NewSubscription::builder(CustomerRef::external_id("ada"), "price_pro_monthly")
///     .trial(Trial::Days(14))
///     .metadata(Metadata::new().with("team", "core"))
///     .build()?;
/// assert_eq!(input.clone().key(), input.key()); // generated once
///
/// let keyed = NewSubscription::builder(CustomerRef::external_id("ada"), "price_pro_monthly")
///     .key(IdempotencyKey::derive("app.subscribe", &["order-42"]))
///     .build()?;
/// assert_eq!(keyed.key(), &IdempotencyKey::derive("app.subscribe", &["order-42"]));
///
/// let later: unibill_core::Timestamp = "2030-02-01T00:00:00Z".parse().unwrap();
/// let deferred = NewSubscription::builder(CustomerRef::external_id("ada"), "price_pro_monthly")
///     .start_at(later)
///     .build()?;
/// assert_eq!(deferred.start_at(), Some(later));
/// assert_eq!(input.start_at(), None); // starts when created
///
/// let err = NewSubscription::builder(CustomerRef::external_id("ada"), "price_1")
///     .metadata(Metadata::new().with("unibill_key", "x"))
///     .build()
///     .unwrap_err();
/// assert_eq!(err.field_errors()[0].field, "metadata");
/// # Ok::<(), unibill_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSubscription {
    customer: CustomerRef,
    price_id: PriceId,
    key: IdempotencyKey,
    trial: Trial,
    start_at: Option<Timestamp>,
    metadata: Option<Metadata>,
}

impl NewSubscription {
    /// Starts a subscription of `customer` to the recurring price `price_id`.
    pub fn builder(customer: CustomerRef, price_id: impl Into<PriceId>) -> NewSubscriptionBuilder {
        NewSubscriptionBuilder {
            customer,
            price_id: price_id.into(),
            key: None,
            trial: Trial::FromPrice,
            start_at: None,
            metadata: None,
        }
    }

    /// Who subscribes.
    pub fn customer(&self) -> &CustomerRef {
        &self.customer
    }

    /// The recurring price subscribed to.
    pub fn price_id(&self) -> &PriceId {
        &self.price_id
    }

    /// The key every attempt with this input carries.
    pub fn key(&self) -> &IdempotencyKey {
        &self.key
    }

    /// The trial.
    pub fn trial(&self) -> Trial {
        self.trial
    }

    /// When it starts: `None` when it is created, else the instant set by
    /// [`NewSubscriptionBuilder::start_at`].
    pub fn start_at(&self) -> Option<Timestamp> {
        self.start_at
    }

    /// The caller's metadata (never holds a reserved key).
    pub fn metadata(&self) -> Option<&Metadata> {
        self.metadata.as_ref()
    }
}

/// Builds a [`NewSubscription`].
#[derive(Debug, Clone)]
pub struct NewSubscriptionBuilder {
    customer: CustomerRef,
    price_id: PriceId,
    key: Option<IdempotencyKey>,
    trial: Trial,
    start_at: Option<Timestamp>,
    metadata: Option<Metadata>,
}

impl NewSubscriptionBuilder {
    /// The idempotency key (default: a UUID v7 generated by `build`).
    pub fn key(mut self, key: IdempotencyKey) -> Self {
        self.key = Some(key);
        self
    }

    /// The trial (default [`Trial::FromPrice`]).
    pub fn trial(mut self, trial: Trial) -> Self {
        self.trial = trial;
        self
    }

    /// Starts the subscription at `t` instead of when it is created (default: when created). Nothing is billed
    /// before `t`; a trial begins at `t`. A `t` that is not after the provider's now starts it at once on
    /// memory; the adapters send it as given. Capability-gated
    /// ([`SubscriptionCapabilities::start_at`](crate::SubscriptionCapabilities::start_at)).
    pub fn start_at(mut self, t: Timestamp) -> Self {
        self.start_at = Some(t);
        self
    }

    /// Metadata (no key may start with `unibill_`).
    pub fn metadata(mut self, metadata: Metadata) -> Self {
        self.metadata = Some(metadata);
        self
    }

    /// Checks every rule, and generates the key if none was given; an `InvalidInput` names each broken field.
    pub fn build(self) -> Result<NewSubscription> {
        let mut checks = Checks::new();
        self.customer.check(&mut checks, "customer");
        checks.length("price_id", self.price_id.as_str(), 1, TEXT_MAX);
        if self.trial == Trial::Days(0) {
            checks.fail(
                "trial",
                "must be at least 1 day (use Trial::None for no trial)",
            );
        }
        if let Some(m) = &self.metadata {
            check_user_metadata(&mut checks, "metadata", m);
        }
        checks.finish()?;
        Ok(NewSubscription {
            customer: self.customer,
            price_id: self.price_id,
            key: self.key.unwrap_or_else(IdempotencyKey::generate),
            trial: self.trial,
            start_at: self.start_at,
            metadata: self.metadata,
        })
    }
}

/// Checks metadata keys, and that none is reserved.
fn check_user_metadata(checks: &mut Checks, field: &str, m: &Metadata) {
    m.validate(field, checks.errors_mut());
    if let Some((key, _)) = m.iter().find(|(k, _)| is_reserved_metadata_key(k)) {
        checks.fail(
            field,
            format!(
                "`{key}`: keys starting with `{RESERVED_METADATA_PREFIX}` are reserved for unibill"
            ),
        );
    }
}

/// One price a subscription bills (Flexprice line items, Flowglad subscription items).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SubscriptionItem {
    /// The price.
    pub price_id: PriceId,
    /// The quantity, where the provider reports one.
    pub quantity: Option<Decimal>,
}

impl SubscriptionItem {
    /// An item of `price_id` without a quantity.
    pub fn new(price_id: impl Into<PriceId>) -> Self {
        SubscriptionItem {
            price_id: price_id.into(),
            quantity: None,
        }
    }

    /// Sets the quantity.
    pub fn quantity(mut self, v: Decimal) -> Self {
        self.quantity = Some(v);
        self
    }
}

/// A subscription as the provider holds it. Holds no secret.
///
/// The customer fields are what the read could fill without another request: Flowglad's `get` knows only its
/// own customer id (`provider_customer_id`), Flexprice reads all three.
///
/// ```
/// use unibill_core::{Subscription, SubscriptionStatus};
/// let s = Subscription::builder("sub_1", SubscriptionStatus::Active).customer_external_id("ada").build();
/// assert_eq!(s.provider, "mock");
/// assert!(s.metadata.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Subscription {
    /// The provider's handle.
    pub id: SubscriptionId,
    /// The neutral customer id, where known.
    pub customer_id: Option<CustomerId>,
    /// The customer's external id, where known.
    pub customer_external_id: Option<String>,
    /// The provider's own customer id (Flowglad `cust_…`), where it differs from `customer_id`.
    pub provider_customer_id: Option<String>,
    /// The price given at create; `None` when the provider records only the plan and the plan holds several
    /// candidate prices.
    pub price_id: Option<PriceId>,
    /// The product (Flexprice plan, Flowglad product).
    pub product_id: Option<ProductId>,
    /// Every price it bills.
    pub items: Vec<SubscriptionItem>,
    /// Where it is in its life.
    pub status: SubscriptionStatus,
    /// The current billing period.
    pub current_period: Option<Period>,
    /// The billing interval.
    pub interval: Option<Interval>,
    /// The currency it bills in.
    pub currency: Option<Currency>,
    /// When a scheduled cancel takes effect.
    pub cancel_at: Option<Timestamp>,
    /// Whether it cancels at the end of the current period.
    pub cancel_at_period_end: bool,
    /// When it was canceled.
    pub canceled_at: Option<Timestamp>,
    /// When its trial ends (or ended).
    pub trial_end: Option<Timestamp>,
    /// The idempotency key it was created with, where the provider kept it.
    pub key: Option<IdempotencyKey>,
    /// The caller's metadata (reserved `unibill_` keys stripped; empty when none).
    pub metadata: Metadata,
    /// When it was created.
    pub created_at: Option<Timestamp>,
    /// Which provider holds it.
    pub provider: Cow<'static, str>,
    /// The provider's own JSON for it.
    pub raw: Option<RawJson>,
}

impl Subscription {
    /// A builder with the required fields; provider `"mock"`.
    pub fn builder(
        id: impl Into<SubscriptionId>,
        status: SubscriptionStatus,
    ) -> SubscriptionBuilder {
        SubscriptionBuilder {
            subscription: Subscription {
                id: id.into(),
                customer_id: None,
                customer_external_id: None,
                provider_customer_id: None,
                price_id: None,
                product_id: None,
                items: Vec::new(),
                status,
                current_period: None,
                interval: None,
                currency: None,
                cancel_at: None,
                cancel_at_period_end: false,
                canceled_at: None,
                trial_end: None,
                key: None,
                metadata: Metadata::new(),
                created_at: None,
                provider: Cow::Borrowed("mock"),
                raw: None,
            },
        }
    }
}

/// Builds a [`Subscription`] read model (for adapters and mocks). No validation, except that
/// [`SubscriptionBuilder::metadata`] strips reserved keys.
#[derive(Debug, Clone)]
pub struct SubscriptionBuilder {
    subscription: Subscription,
}

impl SubscriptionBuilder {
    /// The neutral customer id.
    pub fn customer_id(mut self, v: impl Into<CustomerId>) -> Self {
        self.subscription.customer_id = Some(v.into());
        self
    }
    /// The customer's external id.
    pub fn customer_external_id(mut self, v: impl Into<String>) -> Self {
        self.subscription.customer_external_id = Some(v.into());
        self
    }
    /// The provider's own customer id.
    pub fn provider_customer_id(mut self, v: impl Into<String>) -> Self {
        self.subscription.provider_customer_id = Some(v.into());
        self
    }
    /// The price.
    pub fn price_id(mut self, v: impl Into<PriceId>) -> Self {
        self.subscription.price_id = Some(v.into());
        self
    }
    /// The product.
    pub fn product_id(mut self, v: impl Into<ProductId>) -> Self {
        self.subscription.product_id = Some(v.into());
        self
    }
    /// The items.
    pub fn items(mut self, v: Vec<SubscriptionItem>) -> Self {
        self.subscription.items = v;
        self
    }
    /// The current period.
    pub fn current_period(mut self, v: Period) -> Self {
        self.subscription.current_period = Some(v);
        self
    }
    /// The billing interval.
    pub fn interval(mut self, v: Interval) -> Self {
        self.subscription.interval = Some(v);
        self
    }
    /// The currency.
    pub fn currency(mut self, v: Currency) -> Self {
        self.subscription.currency = Some(v);
        self
    }
    /// When a scheduled cancel takes effect.
    pub fn cancel_at(mut self, v: Timestamp) -> Self {
        self.subscription.cancel_at = Some(v);
        self
    }
    /// Cancels at period end.
    pub fn cancel_at_period_end(mut self, v: bool) -> Self {
        self.subscription.cancel_at_period_end = v;
        self
    }
    /// When it was canceled.
    pub fn canceled_at(mut self, v: Timestamp) -> Self {
        self.subscription.canceled_at = Some(v);
        self
    }
    /// Trial end.
    pub fn trial_end(mut self, v: Timestamp) -> Self {
        self.subscription.trial_end = Some(v);
        self
    }
    /// The idempotency key.
    pub fn key(mut self, v: IdempotencyKey) -> Self {
        self.subscription.key = Some(v);
        self
    }
    /// Metadata as the provider holds it: reserved `unibill_` keys are dropped (read the key with
    /// [`SubscriptionBuilder::key`]).
    pub fn metadata(mut self, v: Metadata) -> Self {
        self.subscription.metadata = v
            .into_iter()
            .filter(|(k, _)| !is_reserved_metadata_key(k))
            .collect();
        self
    }
    /// Creation time.
    pub fn created_at(mut self, v: Timestamp) -> Self {
        self.subscription.created_at = Some(v);
        self
    }
    /// Provider name.
    pub fn provider(mut self, v: impl Into<Cow<'static, str>>) -> Self {
        self.subscription.provider = v.into();
        self
    }
    /// Provider JSON.
    pub fn raw(mut self, v: RawJson) -> Self {
        self.subscription.raw = Some(v);
        self
    }
    /// The subscription.
    pub fn build(self) -> Subscription {
        self.subscription
    }
}

/// When a cancel takes effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum CancelTiming {
    /// Now.
    Immediately,
    /// At the end of the current period.
    AtPeriodEnd,
    /// At this instant (capability-gated).
    At(Timestamp),
}

/// Whether an immediate cancel bills what the partial period accrued (usage above all).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FinalInvoice {
    /// Issue a final invoice for the partial period (Flexprice `generate_invoice`); the default, so recorded
    /// usage is never dropped silently.
    #[default]
    Generate,
    /// Issue none.
    Skip,
}

/// How to cancel a subscription.
///
/// Cancelling what is already canceled is success: the answer is the subscription as it now is.
///
/// ```
/// use unibill_core::{CancelOptions, CancelTiming, FinalInvoice};
/// let o = CancelOptions::immediately().final_invoice(FinalInvoice::Skip);
/// assert_eq!(o.timing, CancelTiming::Immediately);
/// assert_eq!(CancelOptions::at_period_end().final_invoice, FinalInvoice::Generate);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CancelOptions {
    /// When.
    pub timing: CancelTiming,
    /// Whether an immediate cancel issues a final invoice (default `Generate`). Where a provider cannot choose,
    /// its capabilities say what it does.
    pub final_invoice: FinalInvoice,
    /// Whether an immediate cancel prorates (credits) the unused part of the period (default false).
    pub prorate: bool,
}

impl CancelOptions {
    /// Cancel with `timing`, the defaults otherwise.
    pub fn new(timing: CancelTiming) -> Self {
        CancelOptions {
            timing,
            final_invoice: FinalInvoice::Generate,
            prorate: false,
        }
    }

    /// Cancel now.
    pub fn immediately() -> Self {
        Self::new(CancelTiming::Immediately)
    }

    /// Cancel at the end of the current period.
    pub fn at_period_end() -> Self {
        Self::new(CancelTiming::AtPeriodEnd)
    }

    /// Cancel at `t`.
    pub fn at(t: Timestamp) -> Self {
        Self::new(CancelTiming::At(t))
    }

    /// Sets the final invoice choice.
    pub fn final_invoice(mut self, v: FinalInvoice) -> Self {
        self.final_invoice = v;
        self
    }

    /// Sets proration.
    pub fn prorate(mut self, v: bool) -> Self {
        self.prorate = v;
        self
    }
}

/// Which subscriptions to list. A filter the provider lacks is applied by the adapter over the provider's pages
/// (pages may then be short).
///
/// ```
/// use unibill_core::{CustomerRef, SubscriptionListQuery, SubscriptionStatus};
/// let q = SubscriptionListQuery::new()
///     .customer(CustomerRef::external_id("ada"))
///     .status(SubscriptionStatus::Active)
///     .status(SubscriptionStatus::Trialing);
/// assert_eq!(q.statuses.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct SubscriptionListQuery {
    /// Only this customer's.
    pub customer: Option<CustomerRef>,
    /// Only these statuses (empty: every status).
    pub statuses: Vec<SubscriptionStatus>,
    /// Page size (clamped to the provider's maximum; 0 is invalid).
    pub limit: Option<u32>,
    /// Where to continue.
    pub cursor: Option<Cursor>,
    /// The most pages [`list_all`](crate::SubscriptionsExt::list_all) fetches before it ends with a `Provider`
    /// error (`None`: [`DEFAULT_MAX_PAGES`](crate::page::DEFAULT_MAX_PAGES); 0 is `InvalidInput`).
    pub max_pages: Option<u32>,
}

impl SubscriptionListQuery {
    /// Every subscription, every status.
    pub fn new() -> Self {
        Self::default()
    }
    /// Only this customer's.
    pub fn customer(mut self, v: CustomerRef) -> Self {
        self.customer = Some(v);
        self
    }
    /// Adds a status to the filter.
    pub fn status(mut self, v: SubscriptionStatus) -> Self {
        self.statuses.push(v);
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
    /// Bounds [`list_all`](crate::SubscriptionsExt::list_all) to `pages` pages.
    pub fn max_pages(mut self, pages: u32) -> Self {
        self.max_pages = Some(pages);
        self
    }
    /// The fingerprint cursors are tagged with (everything but limit and cursor).
    pub fn fingerprint(&self) -> u64 {
        let mut f = crate::page::QueryFingerprint::new()
            .with("subscriptions")
            .with_opt(
                self.customer
                    .as_ref()
                    .map(CustomerRef::fingerprint_part)
                    .as_deref(),
            );
        for s in &self.statuses {
            f = f.with(s.as_str());
        }
        f.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ada() -> NewSubscriptionBuilder {
        NewSubscription::builder(CustomerRef::external_id("ada"), "price_1")
    }

    fn fields(r: Result<NewSubscription>) -> Vec<String> {
        r.unwrap_err()
            .field_errors()
            .iter()
            .map(|e| e.field.clone())
            .collect()
    }

    #[test]
    fn the_key_is_generated_once_and_kept_by_clones() {
        let input = ada().build().unwrap();
        let copy = input.clone();
        assert_eq!(copy.key(), input.key());
        assert_eq!(copy, input);
        // Each build of a builder is a new input with a new key.
        let builder = ada();
        assert_ne!(
            builder.clone().build().unwrap().key(),
            builder.build().unwrap().key()
        );
        let given = IdempotencyKey::new("order-1").unwrap();
        assert_eq!(ada().key(given.clone()).build().unwrap().key(), &given);
    }

    #[test]
    fn rules() {
        assert_eq!(
            fields(NewSubscription::builder(CustomerRef::external_id(""), "").build()),
            ["customer", "price_id"]
        );
        assert_eq!(fields(ada().trial(Trial::Days(0)).build()), ["trial"]);
        assert!(ada().trial(Trial::None).build().is_ok());
        assert_eq!(
            fields(
                ada()
                    .metadata(Metadata::new().with("team", "a").with("unibill_x", "b"))
                    .build()
            ),
            ["metadata"]
        );
        assert_eq!(
            fields(ada().metadata(Metadata::new().with("", "b")).build()),
            ["metadata"]
        );
        assert!(
            ada()
                .metadata(Metadata::new().with("unibill", "not the prefix"))
                .build()
                .is_ok()
        );
    }

    #[test]
    fn status_spellings() {
        use SubscriptionStatus as S;
        for (text, want) in [
            ("cancelled", S::Canceled),
            ("canceled", S::Canceled),
            ("Cancelled", S::Canceled),
            ("cancellation_scheduled", S::CancelScheduled),
            ("incomplete_expired", S::IncompleteExpired),
            ("past-due", S::PastDue),
            (" ACTIVE ", S::Active),
            ("draft", S::Draft),
            ("trialing", S::Trialing),
            ("unpaid", S::Unpaid),
            ("paused", S::Paused),
        ] {
            assert_eq!(S::from(text), want, "{text}");
        }
        assert_eq!(S::from("Frozen"), S::Other("Frozen".into()));
        assert_eq!(
            serde_json::to_string(&S::Canceled).unwrap(),
            r#""canceled""#
        );
        assert_eq!(
            serde_json::from_str::<S>(r#""cancelled""#).unwrap(),
            S::Canceled
        );
        assert!(S::Canceled.is_terminal() && !S::CancelScheduled.is_terminal());
    }

    #[test]
    fn periods_and_read_model_round_trip() {
        let start: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let end: Timestamp = "2026-02-01T00:00:00Z".parse().unwrap();
        assert!(Period::new(start, start).is_err());
        let s = Subscription::builder("sub_1", SubscriptionStatus::CancelScheduled)
            .current_period(Period::new(start, end).unwrap())
            .key(IdempotencyKey::new("k1").unwrap())
            .metadata(
                Metadata::new()
                    .with("team", "core")
                    .with(SUBSCRIPTION_KEY_METADATA, "k1"),
            )
            .items(vec![SubscriptionItem::new("price_1")])
            .build();
        assert_eq!(s.metadata, Metadata::new().with("team", "core"));
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<Subscription>(&json).unwrap(), s);
        let backwards = r#"{"start":"2026-02-01T00:00:00Z","end":"2026-01-01T00:00:00Z"}"#;
        assert!(serde_json::from_str::<Period>(backwards).is_err());
    }

    #[test]
    fn list_query_fingerprints_differ_by_filter() {
        let a = SubscriptionListQuery::new().customer(CustomerRef::external_id("ada"));
        let b = SubscriptionListQuery::new().customer(CustomerRef::Id(CustomerId::new("ada")));
        assert_ne!(a.fingerprint(), b.fingerprint());
        assert_ne!(
            a.fingerprint(),
            a.clone().status(SubscriptionStatus::Active).fingerprint()
        );
        assert_eq!(a.fingerprint(), a.clone().limit(5).fingerprint());
    }
}
