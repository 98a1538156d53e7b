//! Capabilities of the billing-lifecycle resources: meters, features, subscriptions, usage, entitlements,
//! invoices and webhooks. Same shape as the others: one struct per resource with its operations, constraints
//! and divergences, `full` (the memory provider's set) and `none`.

use std::time::Duration;

use rust_decimal::Decimal;
use serde::Serialize;

/// Which aggregations a provider can create.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Aggregations {
    /// `Count`.
    pub count: bool,
    /// `Sum` of quantity.
    pub sum: bool,
    /// `Max` of quantity.
    pub max: bool,
    /// `Latest` quantity.
    pub latest: bool,
    /// `UniqueCount { property }`.
    pub unique_count: bool,
}

impl Aggregations {
    /// Whether `aggregation` is offered (`Other` never is).
    pub fn allows(&self, aggregation: &crate::Aggregation) -> bool {
        use crate::Aggregation as A;
        match aggregation {
            A::Count => self.count,
            A::Sum => self.sum,
            A::Max => self.max,
            A::Latest => self.latest,
            A::UniqueCount { .. } => self.unique_count,
            A::Other(_) => false,
        }
    }
}

/// What a provider offers for meters.
///
/// ```
/// use unibill_core::{Aggregation, MeterCapabilities};
/// let caps = MeterCapabilities::full("memory");
/// assert!(caps.create && caps.aggregations.allows(&Aggregation::Latest));
/// assert!(!MeterCapabilities::none("nobody").create);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct MeterCapabilities {
    /// The provider's name.
    pub provider: &'static str,
    /// `create`.
    pub create: bool,
    /// `get_by_key`.
    pub get_by_key: bool,
    /// `list`.
    pub list: bool,
    /// Aggregations `create` takes.
    pub aggregations: Aggregations,
    /// The largest page a list returns.
    pub max_page_size: u32,
}

impl MeterCapabilities {
    /// Everything on (the memory provider's set).
    pub const fn full(provider: &'static str) -> Self {
        MeterCapabilities {
            provider,
            create: true,
            get_by_key: true,
            list: true,
            aggregations: Aggregations {
                count: true,
                sum: true,
                max: true,
                latest: true,
                unique_count: true,
            },
            max_page_size: 100,
        }
    }

    /// Nothing on.
    pub const fn none(provider: &'static str) -> Self {
        MeterCapabilities {
            provider,
            create: false,
            get_by_key: false,
            list: false,
            aggregations: Aggregations {
                count: false,
                sum: false,
                max: false,
                latest: false,
                unique_count: false,
            },
            max_page_size: 0,
        }
    }
}

/// Which feature kinds a provider can create.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FeatureKinds {
    /// `Boolean`.
    pub boolean: bool,
    /// `Metered`.
    pub metered: bool,
}

/// Which reset periods a grant can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Resets {
    /// `Never`.
    pub never: bool,
    /// `BillingPeriod`.
    pub billing_period: bool,
    /// `Daily`, `Weekly`, `Monthly`, `Yearly` (calendar periods).
    pub calendar: bool,
}

impl Resets {
    /// Whether `reset` is offered (`Other` never is).
    pub fn allows(&self, reset: &crate::Reset) -> bool {
        use crate::Reset as R;
        match reset {
            R::Never => self.never,
            R::BillingPeriod => self.billing_period,
            R::Daily | R::Weekly | R::Monthly | R::Yearly => self.calendar,
            R::Other(_) => false,
        }
    }
}

/// What a provider offers for features and grants.
///
/// ```
/// use unibill_core::FeatureCapabilities;
/// let caps = FeatureCapabilities::full("memory");
/// assert!(caps.grant && caps.limit_per_grant && caps.unlimited);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct FeatureCapabilities {
    /// The provider's name.
    pub provider: &'static str,
    /// `create`.
    pub create: bool,
    /// `get_by_key`.
    pub get_by_key: bool,
    /// `list`.
    pub list: bool,
    /// `grant`.
    pub grant: bool,
    /// Kinds `create` takes.
    pub kinds: FeatureKinds,
    /// Each grant carries its own limit (Flexprice plan entitlements). False (Flowglad): the limit is the
    /// feature's, and a grant with another one is `InvalidInput`.
    pub limit_per_grant: bool,
    /// A metered grant can be `Unlimited` (Flowglad: `Unsupported`).
    pub unlimited: bool,
    /// A grant can be soft.
    pub soft_limits: bool,
    /// Reset periods a grant takes.
    pub resets: Resets,
    /// The largest page a list returns.
    pub max_page_size: u32,
}

impl FeatureCapabilities {
    /// Everything on (the memory provider's set).
    pub const fn full(provider: &'static str) -> Self {
        FeatureCapabilities {
            provider,
            create: true,
            get_by_key: true,
            list: true,
            grant: true,
            kinds: FeatureKinds {
                boolean: true,
                metered: true,
            },
            limit_per_grant: true,
            unlimited: true,
            soft_limits: true,
            resets: Resets {
                never: true,
                billing_period: true,
                calendar: true,
            },
            max_page_size: 100,
        }
    }

    /// Nothing on.
    pub const fn none(provider: &'static str) -> Self {
        FeatureCapabilities {
            provider,
            create: false,
            get_by_key: false,
            list: false,
            grant: false,
            kinds: FeatureKinds {
                boolean: false,
                metered: false,
            },
            limit_per_grant: false,
            unlimited: false,
            soft_limits: false,
            resets: Resets {
                never: false,
                billing_period: false,
                calendar: false,
            },
            max_page_size: 0,
        }
    }
}

/// Which cancel timings a provider takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CancelTimings {
    /// `Immediately`.
    pub immediately: bool,
    /// `AtPeriodEnd`.
    pub at_period_end: bool,
    /// `At(Timestamp)`.
    pub at: bool,
}

impl CancelTimings {
    /// Whether `timing` is offered.
    pub fn allows(&self, timing: &crate::CancelTiming) -> bool {
        use crate::CancelTiming as T;
        match timing {
            T::Immediately => self.immediately,
            T::AtPeriodEnd => self.at_period_end,
            T::At(_) => self.at,
        }
    }
}

/// Which trial inputs a provider takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TrialSupport {
    /// `FromPrice`.
    pub from_price: bool,
    /// `None` (no trial even where the price has one).
    pub none: bool,
    /// `Days(n)` (Flexprice `trial_period_days`).
    pub days: bool,
    /// `Until(t)` (Flowglad `trialEnd`).
    pub until: bool,
}

impl TrialSupport {
    /// Whether `trial` is offered.
    pub fn allows(&self, trial: &crate::Trial) -> bool {
        use crate::Trial as T;
        match trial {
            T::FromPrice => self.from_price,
            T::None => self.none,
            T::Days(_) => self.days,
            T::Until(_) => self.until,
        }
    }
}

/// What a provider offers for subscriptions.
///
/// ```
/// use unibill_core::{CancelTiming, SubscriptionCapabilities};
/// let caps = SubscriptionCapabilities::full("memory");
/// assert!(caps.cancel_timings.allows(&CancelTiming::AtPeriodEnd) && caps.uncancel);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct SubscriptionCapabilities {
    /// The provider's name.
    pub provider: &'static str,
    /// `create`.
    pub create: bool,
    /// `get`.
    pub get: bool,
    /// `list`.
    pub list: bool,
    /// `cancel`.
    pub cancel: bool,
    /// Timings `cancel` takes.
    pub cancel_timings: CancelTimings,
    /// `CancelOptions::final_invoice` is honoured (false: the provider decides; its docs say what).
    pub final_invoice_choice: bool,
    /// `CancelOptions::prorate` is honoured.
    pub prorate: bool,
    /// `uncancel`.
    pub uncancel: bool,
    /// `change_price`.
    pub change_price: bool,
    /// `change_price` keeps the subscription's id (Flexprice v1 makes a new one).
    pub change_price_keeps_id: bool,
    /// Trial inputs `create` takes.
    pub trial: TrialSupport,
    /// `NewSubscription::start_at` is honoured: nothing is billed before the start (false: a create with a
    /// start is `Unsupported` on `start_at` before any request). Memory and Flexprice (`start_date`) start the
    /// first period there; see [`SubscriptionCapabilities::start_at_as_trial`] for Flowglad.
    pub start_at: bool,
    /// Divergence (Flowglad, which takes no start date): a start is sent as a trial ending at the start
    /// (`trialEnd`). The subscription exists from the create on, reads `Trialing` with `trial_end` = the start
    /// until then, and its first paid period begins there; the price's own trial is not added after it, and a
    /// start together with `Trial::Until` or `Trial::Days` is `Unsupported` on `trial`.
    pub start_at_as_trial: bool,
    /// Divergence (Flexprice, which subscribes to a plan): a subscription bills every active price of the
    /// price's product with the same currency and billing period, not the given price alone.
    pub bills_whole_product: bool,
    /// `list` filters by customer.
    pub list_filter_customer: bool,
    /// `list` filters by status.
    pub list_filter_status: bool,
    /// The largest page a list returns.
    pub max_page_size: u32,
    /// Divergence (Flowglad): a paid create cancels the customer's default free subscription.
    pub create_replaces_free_default: bool,
}

impl SubscriptionCapabilities {
    /// Everything on (the memory provider's set).
    pub const fn full(provider: &'static str) -> Self {
        SubscriptionCapabilities {
            provider,
            create: true,
            get: true,
            list: true,
            cancel: true,
            cancel_timings: CancelTimings {
                immediately: true,
                at_period_end: true,
                at: true,
            },
            final_invoice_choice: true,
            prorate: true,
            uncancel: true,
            change_price: true,
            change_price_keeps_id: true,
            trial: TrialSupport {
                from_price: true,
                none: true,
                days: true,
                until: true,
            },
            start_at: true,
            start_at_as_trial: false,
            bills_whole_product: false,
            list_filter_customer: true,
            list_filter_status: true,
            max_page_size: 100,
            create_replaces_free_default: false,
        }
    }

    /// Nothing on.
    pub const fn none(provider: &'static str) -> Self {
        SubscriptionCapabilities {
            provider,
            create: false,
            get: false,
            list: false,
            cancel: false,
            cancel_timings: CancelTimings {
                immediately: false,
                at_period_end: false,
                at: false,
            },
            final_invoice_choice: false,
            prorate: false,
            uncancel: false,
            change_price: false,
            change_price_keeps_id: false,
            trial: TrialSupport {
                from_price: false,
                none: false,
                days: false,
                until: false,
            },
            start_at: false,
            start_at_as_trial: false,
            bills_whole_product: false,
            list_filter_customer: false,
            list_filter_status: false,
            max_page_size: 0,
            create_replaces_free_default: false,
        }
    }
}

/// Which usage quantities a provider takes. A quantity outside the rule is that event's
/// `Rejected(InvalidInput)` on `quantity`, never rounded.
///
/// ```
/// use rust_decimal_macros::dec;
/// use unibill_core::QuantityRule;
/// let flowglad = QuantityRule::PositiveInteger { max: 2_147_483_647 };
/// assert!(flowglad.allows(dec!(3)) && !flowglad.allows(dec!(0)) && !flowglad.allows(dec!(1.5)));
/// assert!(QuantityRule::NonNegativeInteger.allows(dec!(0)));
/// assert!(QuantityRule::AnyDecimal.allows(dec!(0.0001)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum QuantityRule {
    /// Any quantity ≥ 0 (the core rule; Flexprice, memory).
    AnyDecimal,
    /// Whole numbers ≥ 0.
    NonNegativeInteger,
    /// Whole numbers `1..=max` (Flowglad: `max` 2,147,483,647).
    PositiveInteger {
        /// The largest quantity.
        max: u64,
    },
}

impl QuantityRule {
    /// Whether `quantity` keeps the rule (and the core rule, ≥ 0).
    pub fn allows(&self, quantity: Decimal) -> bool {
        let non_negative = !quantity.is_sign_negative() || quantity.is_zero();
        match self {
            QuantityRule::AnyDecimal => non_negative,
            QuantityRule::NonNegativeInteger => non_negative && quantity.fract().is_zero(),
            QuantityRule::PositiveInteger { max } => {
                quantity.fract().is_zero()
                    && quantity >= Decimal::ONE
                    && quantity <= Decimal::from(*max)
            }
        }
    }

    /// Says what the rule asks for (for an error message).
    pub fn describe(&self) -> String {
        match self {
            QuantityRule::AnyDecimal => "a quantity of at least 0".to_owned(),
            QuantityRule::NonNegativeInteger => "a whole number of at least 0".to_owned(),
            QuantityRule::PositiveInteger { max } => format!("a whole number from 1 to {max}"),
        }
    }
}

/// What a provider offers for usage.
///
/// ```
/// use unibill_core::UsageCapabilities;
/// let caps = UsageCapabilities::full("memory");
/// assert_eq!(caps.max_batch_events, 10_000);
/// assert!(caps.durable_on_ack && caps.reports_duplicates);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct UsageCapabilities {
    /// The provider's name.
    pub provider: &'static str,
    /// `ingest`.
    pub ingest: bool,
    /// `status` (read an event back by key).
    pub status_lookup: bool,
    /// The most events one `ingest` call sends (Flexprice 1,000; Flowglad 100 until measured); a longer batch is
    /// split by the caller (the recorder) or refused by the guard.
    pub max_batch_events: u32,
    /// The largest request body one call sends, where the provider has a limit.
    pub max_batch_bytes: Option<u64>,
    /// Which quantities it takes.
    pub quantity: QuantityRule,
    /// `Recorded` means durable; false (Flexprice): answers are `Accepted`, which can still be lost.
    pub durable_on_ack: bool,
    /// A re-sent event is reported `Duplicate` (false, Flexprice: it is reported as accepted again).
    pub reports_duplicates: bool,
    /// Every event needs a subscription, resolved once before the first attempt where the caller gives none
    /// (Flowglad).
    pub requires_subscription: bool,
    /// Divergence (Flexprice): a re-send with the same key and time but other content replaces the first copy
    /// (elsewhere it is `Rejected(Conflict)`).
    pub same_key_last_write_wins: bool,
}

impl UsageCapabilities {
    /// Everything on (the memory provider's set).
    pub const fn full(provider: &'static str) -> Self {
        UsageCapabilities {
            provider,
            ingest: true,
            status_lookup: true,
            max_batch_events: 10_000,
            max_batch_bytes: None,
            quantity: QuantityRule::AnyDecimal,
            durable_on_ack: true,
            reports_duplicates: true,
            requires_subscription: false,
            same_key_last_write_wins: false,
        }
    }

    /// Nothing on.
    pub const fn none(provider: &'static str) -> Self {
        UsageCapabilities {
            provider,
            ingest: false,
            status_lookup: false,
            max_batch_events: 0,
            max_batch_bytes: None,
            quantity: QuantityRule::AnyDecimal,
            durable_on_ack: false,
            reports_duplicates: false,
            requires_subscription: false,
            same_key_last_write_wins: false,
        }
    }
}

/// Where a provider's entitlements come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EntitlementSource {
    /// A check endpoint of the provider (Flexprice, memory).
    Native,
    /// Computed by the adapter from other reads (Flowglad: subscriptions and usage balances).
    Computed {
        /// The fields read are marked experimental by the provider and may change without notice.
        experimental: bool,
    },
}

/// What a provider offers for entitlements.
///
/// ```
/// use unibill_core::{EntitlementCapabilities, EntitlementSource};
/// assert_eq!(EntitlementCapabilities::full("memory").source, EntitlementSource::Native);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct EntitlementCapabilities {
    /// The provider's name.
    pub provider: &'static str,
    /// `check`.
    pub check: bool,
    /// `list`.
    pub list: bool,
    /// Where the answers come from.
    pub source: EntitlementSource,
    /// Metered entitlements report a limit (false, Flowglad: `Limit::Unknown`, a balance only).
    pub reports_limit: bool,
    /// Metered entitlements report `used`.
    pub reports_used: bool,
}

impl EntitlementCapabilities {
    /// Everything on (the memory provider's set).
    pub const fn full(provider: &'static str) -> Self {
        EntitlementCapabilities {
            provider,
            check: true,
            list: true,
            source: EntitlementSource::Native,
            reports_limit: true,
            reports_used: true,
        }
    }

    /// Nothing on.
    pub const fn none(provider: &'static str) -> Self {
        EntitlementCapabilities {
            provider,
            check: false,
            list: false,
            source: EntitlementSource::Native,
            reports_limit: false,
            reports_used: false,
        }
    }
}

/// What a provider offers for invoices.
///
/// ```
/// use unibill_core::InvoiceCapabilities;
/// let caps = InvoiceCapabilities::full("memory");
/// assert!(caps.finalize && caps.void && caps.lines_on_get);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct InvoiceCapabilities {
    /// The provider's name.
    pub provider: &'static str,
    /// `get`.
    pub get: bool,
    /// `list`.
    pub list: bool,
    /// `finalize`.
    pub finalize: bool,
    /// `void`.
    pub void: bool,
    /// `list` filters by customer.
    pub list_filter_customer: bool,
    /// `list` filters by subscription.
    pub list_filter_subscription: bool,
    /// `list` filters by status.
    pub list_filter_status: bool,
    /// `get` fills `lines` (false, Flowglad: `None` until a by-invoice filter is confirmed).
    pub lines_on_get: bool,
    /// `total` is reported (false, Flowglad: `None`, never summed).
    pub reports_total: bool,
    /// Invoices are rated with tiers, proration and tax (false for memory's first version: fixed and
    /// per-unit/package usage lines for whole periods only).
    pub full_rating: bool,
    /// The running period's invoice carries the usage recorded so far (memory's live draft). False where
    /// usage is billed in arrears when the period closes (Flexprice): the running period's invoice holds only
    /// its in-advance charges, and the usage is billed at the period's end, or by the final invoice of an
    /// immediate cancel.
    pub running_period_usage: bool,
    /// The largest page a list returns.
    pub max_page_size: u32,
}

impl InvoiceCapabilities {
    /// Everything on (the memory provider's set, except `full_rating`, which memory does not do).
    pub const fn full(provider: &'static str) -> Self {
        InvoiceCapabilities {
            provider,
            get: true,
            list: true,
            finalize: true,
            void: true,
            list_filter_customer: true,
            list_filter_subscription: true,
            list_filter_status: true,
            lines_on_get: true,
            reports_total: true,
            full_rating: false,
            running_period_usage: true,
            max_page_size: 100,
        }
    }

    /// Nothing on.
    pub const fn none(provider: &'static str) -> Self {
        InvoiceCapabilities {
            provider,
            get: false,
            list: false,
            finalize: false,
            void: false,
            list_filter_customer: false,
            list_filter_subscription: false,
            list_filter_status: false,
            lines_on_get: false,
            reports_total: false,
            full_rating: false,
            running_period_usage: false,
            max_page_size: 0,
        }
    }
}

/// How a provider signs its deliveries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookScheme {
    /// Svix: HMAC-SHA256 over `id.timestamp.body`, several signatures and secrets, a timestamp tolerance
    /// (Flexprice cloud, Flowglad, memory).
    Svix,
    /// Hex HMAC-SHA1 of the body (Vercel); no timestamp, so no replay window.
    HmacSha1Hex,
    /// Not signed (self-hosted Flexprice): refused unless the application opts in.
    Unsigned,
}

/// What a provider offers for webhooks.
///
/// ```
/// use unibill_core::{WebhookCapabilities, WebhookScheme};
/// let caps = WebhookCapabilities::full("memory");
/// assert_eq!(caps.scheme, WebhookScheme::Svix);
/// assert!(caps.replay_window.is_some());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct WebhookCapabilities {
    /// The provider's name.
    pub provider: &'static str,
    /// `verify`.
    pub verify: bool,
    /// How deliveries are signed.
    pub scheme: WebhookScheme,
    /// Deliveries say what happened (false, Flowglad: every event is `ObjectChanged`).
    pub typed_kinds: bool,
    /// Deliveries carry the whole object (false: fetch it).
    pub full_object: bool,
    /// How far a delivery's signed timestamp may be from `now` (past or future); `None` where the scheme has
    /// no timestamp.
    pub replay_window: Option<Duration>,
}

impl WebhookCapabilities {
    /// Everything on (the memory provider's set: Svix, full objects, a 5-minute window).
    pub const fn full(provider: &'static str) -> Self {
        WebhookCapabilities {
            provider,
            verify: true,
            scheme: WebhookScheme::Svix,
            typed_kinds: true,
            full_object: true,
            replay_window: Some(Duration::from_secs(300)),
        }
    }

    /// Nothing on.
    pub const fn none(provider: &'static str) -> Self {
        WebhookCapabilities {
            provider,
            verify: false,
            scheme: WebhookScheme::Unsigned,
            typed_kinds: false,
            full_object: false,
            replay_window: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    #[test]
    fn quantity_rules() {
        let flowglad = QuantityRule::PositiveInteger { max: 2_147_483_647 };
        assert!(flowglad.allows(dec!(2147483647)));
        assert!(!flowglad.allows(dec!(2147483648)));
        assert!(!flowglad.allows(dec!(-1)));
        assert!(!QuantityRule::AnyDecimal.allows(dec!(-0.1)));
        assert!(QuantityRule::AnyDecimal.allows(dec!(-0)));
        assert!(!QuantityRule::NonNegativeInteger.allows(dec!(0.5)));
        assert!(flowglad.describe().contains("2147483647"));
    }

    #[test]
    fn none_turns_every_operation_off() {
        let p = "nobody";
        assert!(!MeterCapabilities::none(p).list);
        assert!(!FeatureCapabilities::none(p).grant);
        let s = SubscriptionCapabilities::none(p);
        assert!(!s.create && !s.cancel_timings.allows(&crate::CancelTiming::Immediately));
        assert!(!UsageCapabilities::none(p).ingest);
        assert!(!EntitlementCapabilities::none(p).check);
        assert!(!InvoiceCapabilities::none(p).get);
        assert!(!WebhookCapabilities::none(p).verify);
        assert!(
            !TrialSupport {
                from_price: false,
                none: true,
                days: false,
                until: false
            }
            .allows(&crate::Trial::FromPrice)
        );
        assert!(
            !Resets {
                never: true,
                billing_period: true,
                calendar: true
            }
            .allows(&crate::Reset::Other("x".into()))
        );
    }
}
