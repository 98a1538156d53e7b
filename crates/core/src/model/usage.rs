//! Usage: the event [`UsageEvent`], the per-event answer [`IngestOutcome`] collected in an [`IngestReport`],
//! and the read-back [`UsageStatus`].
//!
//! An event's `key` and `occurred_at` are fixed when it is built and never change afterwards: they are what
//! makes a re-send harmless (Flexprice dedupes on both). A key is unique per provider environment across
//! **all** meters and customers: never reuse one for another meter.

use std::collections::HashMap;
use std::sync::OnceLock;

use jiff::Timestamp;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::id::SubscriptionId;
use crate::metadata::Metadata;
use crate::model::key::IdempotencyKey;
use crate::validation::Checks;

const TEXT_MAX: usize = 255;

/// One usage event. A value that exists is valid: [`UsageEventBuilder::build`] checks every rule.
///
/// Rules: the customer's external id 1..=255 characters; the meter key by [`Checks::slug`]; the quantity ≥ 0
/// (zero is allowed; negative corrections are not part of this contract; a `Decimal` is always finite);
/// property keys valid, values ≤ 255 characters, and no property named `quantity` (the quantity is its own
/// field, sent to Flexprice as `properties.quantity`). A quantity a provider cannot take (Flowglad: integers
/// 1..=2,147,483,647) is that event's `Rejected(InvalidInput)` on `quantity`, never rounded
/// ([`crate::UsageCapabilities::quantity`]).
///
/// `occurred_at` is truncated to whole milliseconds (what every provider keeps), so a re-send is identical.
///
/// ```
/// use rust_decimal_macros::dec;
/// use unibill_core::{Timestamp, UsageEvent};
///
/// let at: Timestamp = "2026-03-01T12:00:00.123456789Z".parse().unwrap();
/// let e = UsageEvent::builder("ada", "api_calls", dec!(3)).occurred_at(at).property("region", "eu").build()?;
/// assert_eq!(e.occurred_at().to_string(), "2026-03-01T12:00:00.123Z");
/// assert_eq!(e.clone().key(), e.key()); // generated once
///
/// let err = UsageEvent::builder("ada", "api_calls", dec!(-1)).build().unwrap_err();
/// assert_eq!(err.field_errors()[0].field, "quantity");
/// # Ok::<(), unibill_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "UsageEventParts")]
pub struct UsageEvent {
    key: IdempotencyKey,
    customer_external_id: String,
    meter_key: String,
    quantity: Decimal,
    occurred_at: Timestamp,
    subscription_id: Option<SubscriptionId>,
    properties: Metadata,
}

/// What a stored event is read back from: checked by the builder's rules again.
#[derive(Deserialize)]
struct UsageEventParts {
    key: IdempotencyKey,
    customer_external_id: String,
    meter_key: String,
    quantity: Decimal,
    occurred_at: Timestamp,
    subscription_id: Option<SubscriptionId>,
    #[serde(default)]
    properties: Metadata,
}

impl TryFrom<UsageEventParts> for UsageEvent {
    type Error = Error;
    fn try_from(p: UsageEventParts) -> Result<Self> {
        let mut b = UsageEvent::builder(p.customer_external_id, p.meter_key, p.quantity)
            .key(p.key)
            .occurred_at(p.occurred_at)
            .properties(p.properties);
        if let Some(id) = p.subscription_id {
            b = b.subscription_id(id);
        }
        b.build()
    }
}

impl UsageEvent {
    /// Starts an event of `quantity` on the meter `meter_key` for the customer `customer_external_id`.
    pub fn builder(
        customer_external_id: impl Into<String>,
        meter_key: impl Into<String>,
        quantity: Decimal,
    ) -> UsageEventBuilder {
        UsageEventBuilder {
            customer_external_id: customer_external_id.into(),
            meter_key: meter_key.into(),
            quantity,
            key: None,
            occurred_at: None,
            subscription_id: None,
            properties: Metadata::new(),
        }
    }

    /// The event's key (Flexprice `event_id`, Flowglad `transactionId`).
    pub fn key(&self) -> &IdempotencyKey {
        &self.key
    }

    /// The key, taking the event apart (a report built once the events are sent needs no copy of it).
    pub fn into_key(self) -> IdempotencyKey {
        self.key
    }

    /// The customer's external id.
    pub fn customer_external_id(&self) -> &str {
        &self.customer_external_id
    }

    /// The [`crate::Meter::key`] it counts towards.
    pub fn meter_key(&self) -> &str {
        &self.meter_key
    }

    /// How much (≥ 0).
    pub fn quantity(&self) -> Decimal {
        self.quantity
    }

    /// When it happened, in whole milliseconds.
    pub fn occurred_at(&self) -> Timestamp {
        self.occurred_at
    }

    /// The subscription it belongs to, where the caller (or a resolution before the first attempt) pinned one.
    pub fn subscription_id(&self) -> Option<&SubscriptionId> {
        self.subscription_id.as_ref()
    }

    /// Other properties (string → string).
    pub fn properties(&self) -> &Metadata {
        &self.properties
    }

    /// The same event pinned to `subscription_id` (an adapter that resolves the subscription once, before the
    /// first attempt, keeps the result with the event for every re-send). Key and time are unchanged.
    pub fn with_subscription_id(mut self, subscription_id: SubscriptionId) -> Self {
        self.subscription_id = Some(subscription_id);
        self
    }
}

/// Builds a [`UsageEvent`].
#[derive(Debug, Clone)]
pub struct UsageEventBuilder {
    customer_external_id: String,
    meter_key: String,
    quantity: Decimal,
    key: Option<IdempotencyKey>,
    occurred_at: Option<Timestamp>,
    subscription_id: Option<SubscriptionId>,
    properties: Metadata,
}

impl UsageEventBuilder {
    /// The key (default: a UUID v7 generated by `build`).
    pub fn key(mut self, key: IdempotencyKey) -> Self {
        self.key = Some(key);
        self
    }

    /// When it happened (default: the time `build` runs); truncated to milliseconds.
    pub fn occurred_at(mut self, t: Timestamp) -> Self {
        self.occurred_at = Some(t);
        self
    }

    /// The subscription it belongs to.
    pub fn subscription_id(mut self, id: impl Into<SubscriptionId>) -> Self {
        self.subscription_id = Some(id.into());
        self
    }

    /// Replaces the properties.
    pub fn properties(mut self, properties: Metadata) -> Self {
        self.properties = properties;
        self
    }

    /// Adds one property.
    pub fn property(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.properties.insert(key, value);
        self
    }

    /// Checks every rule, taking `occurred_at` (if unset) from the system clock.
    pub fn build(self) -> Result<UsageEvent> {
        self.build_at(Timestamp::now())
    }

    /// Checks every rule, taking `occurred_at` (if unset) from `now` (an injected clock's reading); generates the
    /// key if none was given. An `InvalidInput` names each broken field.
    pub fn build_at(self, now: Timestamp) -> Result<UsageEvent> {
        let mut checks = Checks::new();
        checks.length(
            "customer_external_id",
            &self.customer_external_id,
            1,
            TEXT_MAX,
        );
        checks.slug("meter_key", &self.meter_key);
        if self.quantity.is_sign_negative() && !self.quantity.is_zero() {
            checks.fail(
                "quantity",
                format!("must not be negative (got {})", self.quantity),
            );
        }
        if let Some(id) = &self.subscription_id {
            checks.length("subscription_id", id.as_str(), 1, TEXT_MAX);
        }
        self.properties.validate("properties", checks.errors_mut());
        for (k, v) in self.properties.iter() {
            if k == "quantity" {
                checks.fail(
                    "properties.quantity",
                    "the quantity is the event's own field, not a property",
                );
            }
            checks.length(&format!("properties.{k}"), v, 0, TEXT_MAX);
        }
        checks.finish()?;
        Ok(UsageEvent {
            key: self.key.unwrap_or_else(IdempotencyKey::generate),
            customer_external_id: self.customer_external_id,
            meter_key: self.meter_key,
            quantity: self.quantity,
            occurred_at: truncate_to_millis(self.occurred_at.unwrap_or(now)),
            subscription_id: self.subscription_id,
            properties: self.properties,
        })
    }
}

/// `t` without its sub-millisecond part (towards the past).
fn truncate_to_millis(t: Timestamp) -> Timestamp {
    let sub_ms = t.subsec_nanosecond().rem_euclid(1_000_000);
    if sub_ms == 0 {
        return t;
    }
    Timestamp::new(t.as_second(), t.subsec_nanosecond() - sub_ms).unwrap_or(t)
}

/// What became of one event of an [`IngestReport`].
#[derive(Debug)]
pub enum IngestOutcome {
    /// Durable at the provider.
    Recorded {
        /// The provider's id of the event, where it answered one.
        provider_id: Option<String>,
    },
    /// Taken, not yet durable (Flexprice's 202): it may still be lost or rejected later (see
    /// [`crate::Usage::status`]).
    Accepted,
    /// Already recorded under this key: success, not an error.
    Duplicate {
        /// The provider's id of the first event, where it answered one (Flowglad bulk answers none).
        provider_id: Option<String>,
    },
    /// Refused, final for this event (its quantity, customer, meter, or a key reused with other content); the
    /// other events stand. Re-sending it gives the same answer.
    Rejected(Error),
    /// Not taken because of another event or of the whole request: re-send it, with the same key and time.
    NotRecorded(Error),
}

impl IngestOutcome {
    /// `Recorded`, `Accepted` or `Duplicate`.
    pub fn is_success(&self) -> bool {
        matches!(
            self,
            IngestOutcome::Recorded { .. }
                | IngestOutcome::Accepted
                | IngestOutcome::Duplicate { .. }
        )
    }

    /// `NotRecorded`: the event should be sent again.
    pub fn should_resend(&self) -> bool {
        matches!(self, IngestOutcome::NotRecorded(_))
    }

    /// The error of `Rejected` or `NotRecorded`.
    pub fn error(&self) -> Option<&Error> {
        match self {
            IngestOutcome::Rejected(e) | IngestOutcome::NotRecorded(e) => Some(e),
            _ => None,
        }
    }

    /// `recorded`, `accepted`, `duplicate`, `rejected` or `not_recorded`.
    pub fn name(&self) -> &'static str {
        match self {
            IngestOutcome::Recorded { .. } => "recorded",
            IngestOutcome::Accepted => "accepted",
            IngestOutcome::Duplicate { .. } => "duplicate",
            IngestOutcome::Rejected(_) => "rejected",
            IngestOutcome::NotRecorded(_) => "not_recorded",
        }
    }
}

/// The answer of [`crate::Usage::ingest`]: one entry per event, in the order sent, **keyed by the event key**
/// (never match outcomes to events by position).
///
/// Two events with one key in one batch each get an entry: the second is `Duplicate` if identical and
/// `Rejected(InvalidInput)` otherwise; [`IngestReport::get`] answers the first.
///
/// ```
/// use unibill_core::{Error, IdempotencyKey, IngestOutcome, IngestReport};
///
/// let (a, b) = (IdempotencyKey::new("a")?, IdempotencyKey::new("b")?);
/// let mut report = IngestReport::new();
/// report.push(a.clone(), IngestOutcome::Recorded { provider_id: None });
/// report.push(b.clone(), IngestOutcome::NotRecorded(Error::config("batch refused")));
/// assert!(report.get(&a).unwrap().is_success());
/// assert_eq!((report.recorded(), report.not_recorded()), (1, 1));
/// assert!(!report.is_complete());
/// assert_eq!(report.to_resend().collect::<Vec<_>>(), [&b]);
/// # Ok::<(), unibill_core::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct IngestReport {
    entries: Vec<(IdempotencyKey, IngestOutcome)>,
    /// Key → first entry, built by the first [`IngestReport::get`] (most reports are only iterated: a batch
    /// of a thousand events would otherwise clone and hash a thousand keys for nothing).
    index: OnceLock<HashMap<IdempotencyKey, usize>>,
}

impl IngestReport {
    /// An empty report.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the outcome of the next event.
    pub fn push(&mut self, key: IdempotencyKey, outcome: IngestOutcome) {
        if let Some(index) = self.index.get_mut() {
            index.entry(key.clone()).or_insert(self.entries.len());
        }
        self.entries.push((key, outcome));
    }

    /// An empty report with room for `n` entries.
    pub fn with_capacity(n: usize) -> Self {
        IngestReport {
            entries: Vec::with_capacity(n),
            index: OnceLock::new(),
        }
    }

    /// The outcome of the (first) event with this key.
    pub fn get(&self, key: &IdempotencyKey) -> Option<&IngestOutcome> {
        let index = self.index.get_or_init(|| {
            let mut index = HashMap::with_capacity(self.entries.len());
            for (i, (k, _)) in self.entries.iter().enumerate() {
                index.entry(k.clone()).or_insert(i);
            }
            index
        });
        index.get(key).map(|&i| &self.entries[i].1)
    }

    /// Every entry, in the order sent.
    pub fn iter(&self) -> impl Iterator<Item = (&IdempotencyKey, &IngestOutcome)> {
        self.entries.iter().map(|(k, o)| (k, o))
    }

    /// The entries, in the order sent.
    pub fn into_entries(self) -> Vec<(IdempotencyKey, IngestOutcome)> {
        self.entries
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn count(&self, f: impl Fn(&IngestOutcome) -> bool) -> usize {
        self.entries.iter().filter(|(_, o)| f(o)).count()
    }

    /// How many are `Recorded`.
    pub fn recorded(&self) -> usize {
        self.count(|o| matches!(o, IngestOutcome::Recorded { .. }))
    }

    /// How many are `Accepted`.
    pub fn accepted(&self) -> usize {
        self.count(|o| matches!(o, IngestOutcome::Accepted))
    }

    /// How many are `Duplicate`.
    pub fn duplicates(&self) -> usize {
        self.count(|o| matches!(o, IngestOutcome::Duplicate { .. }))
    }

    /// How many are `Rejected`.
    pub fn rejected(&self) -> usize {
        self.count(|o| matches!(o, IngestOutcome::Rejected(_)))
    }

    /// How many are `NotRecorded`.
    pub fn not_recorded(&self) -> usize {
        self.count(IngestOutcome::should_resend)
    }

    /// Whether every event has a final answer (none is `NotRecorded`); some may be `Rejected`.
    pub fn is_complete(&self) -> bool {
        self.not_recorded() == 0
    }

    /// Whether every event succeeded (`Recorded`, `Accepted` or `Duplicate`).
    pub fn all_succeeded(&self) -> bool {
        self.entries.iter().all(|(_, o)| o.is_success())
    }

    /// The keys of the `NotRecorded` events: what to send again.
    pub fn to_resend(&self) -> impl Iterator<Item = &IdempotencyKey> {
        self.entries
            .iter()
            .filter(|(_, o)| o.should_resend())
            .map(|(k, _)| k)
    }
}

/// Where an event is at the provider, read back by key ([`crate::Usage::status`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum UsageStatus {
    /// Counted towards its meter.
    Counted,
    /// Received, not yet counted.
    Pending,
    /// Dropped by the provider, with its reason.
    Failed(String),
    /// The provider has no event with this key (never received, or lost: re-send it with the same key and time).
    NotFound,
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    fn fields(r: Result<UsageEvent>) -> Vec<String> {
        r.unwrap_err()
            .field_errors()
            .iter()
            .map(|e| e.field.clone())
            .collect()
    }

    #[test]
    fn key_and_time_are_fixed_at_build() {
        let now: Timestamp = "2026-03-01T12:00:00.987654321Z".parse().unwrap();
        let e = UsageEvent::builder("ada", "api_calls", dec!(1))
            .build_at(now)
            .unwrap();
        assert_eq!(e.occurred_at().to_string(), "2026-03-01T12:00:00.987Z");
        let copy = e.clone();
        assert_eq!((copy.key(), copy.occurred_at()), (e.key(), e.occurred_at()));
        let pinned = e.clone().with_subscription_id(SubscriptionId::new("sub_1"));
        assert_eq!(pinned.key(), e.key());
    }

    #[test]
    fn a_report_answers_the_first_entry_of_a_key_before_and_after_its_index_is_built() {
        let key = |k: &str| IdempotencyKey::new(k).unwrap();
        let mut report = IngestReport::with_capacity(3);
        report.push(key("a"), IngestOutcome::Accepted);
        report.push(key("a"), IngestOutcome::Duplicate { provider_id: None });
        assert_eq!(
            report.get(&key("a")).map(IngestOutcome::name),
            Some("accepted")
        );
        assert!(report.get(&key("b")).is_none());
        // Pushed after the first lookup built the index: found, and the first of a key still wins.
        report.push(key("b"), IngestOutcome::Duplicate { provider_id: None });
        report.push(key("a"), IngestOutcome::Duplicate { provider_id: None });
        assert_eq!(
            report.get(&key("b")).map(IngestOutcome::name),
            Some("duplicate")
        );
        assert_eq!(
            report.get(&key("a")).map(IngestOutcome::name),
            Some("accepted")
        );
        assert_eq!(report.len(), 4);
    }

    #[test]
    fn millisecond_truncation_goes_towards_the_past() {
        let before_epoch: Timestamp = "1969-12-31T23:59:59.9995Z".parse().unwrap();
        assert_eq!(
            truncate_to_millis(before_epoch).to_string(),
            "1969-12-31T23:59:59.999Z"
        );
        let whole: Timestamp = "2026-01-01T00:00:00.5Z".parse().unwrap();
        assert_eq!(truncate_to_millis(whole), whole);
    }

    #[test]
    fn rules() {
        let ok = |q| UsageEvent::builder("ada", "api_calls", q).build();
        assert!(ok(dec!(0)).is_ok());
        assert!(ok(dec!(0.0001)).is_ok());
        assert!(ok(dec!(-0)).is_ok());
        assert_eq!(fields(ok(dec!(-0.5))), ["quantity"]);
        assert_eq!(
            fields(UsageEvent::builder("", "api calls", dec!(1)).build()),
            ["customer_external_id", "meter_key"]
        );
        assert_eq!(
            fields(
                UsageEvent::builder("ada", "api_calls", dec!(1))
                    .property("quantity", "3")
                    .build()
            ),
            ["properties.quantity"]
        );
        assert_eq!(
            fields(
                UsageEvent::builder("ada", "api_calls", dec!(1))
                    .property("", "x")
                    .build()
            ),
            ["properties"]
        );
    }

    #[test]
    fn events_round_trip_and_are_checked_when_read_back() {
        let e = UsageEvent::builder("ada", "api_calls", dec!(2.5))
            .key(IdempotencyKey::new("e-1").unwrap())
            .subscription_id("sub_1")
            .property("region", "eu")
            .build()
            .unwrap();
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(serde_json::from_str::<UsageEvent>(&json).unwrap(), e);
        let negative = json.replace("\"2.5\"", "\"-2.5\"");
        assert_ne!(negative, json);
        assert!(serde_json::from_str::<UsageEvent>(&negative).is_err());
    }

    #[test]
    fn report_counts_and_lookup() {
        let k = |s: &str| IdempotencyKey::new(s).unwrap();
        let mut r = IngestReport::new();
        r.push(
            k("a"),
            IngestOutcome::Recorded {
                provider_id: Some("ev_1".into()),
            },
        );
        r.push(k("b"), IngestOutcome::Accepted);
        r.push(k("c"), IngestOutcome::Duplicate { provider_id: None });
        r.push(
            k("d"),
            IngestOutcome::Rejected(Error::invalid_field("quantity", "fractional")),
        );
        r.push(k("a"), IngestOutcome::Duplicate { provider_id: None });
        assert_eq!(r.len(), 5);
        assert_eq!(
            (
                r.recorded(),
                r.accepted(),
                r.duplicates(),
                r.rejected(),
                r.not_recorded()
            ),
            (1, 1, 2, 1, 0)
        );
        assert!(r.is_complete() && !r.all_succeeded());
        assert_eq!(r.get(&k("a")).unwrap().name(), "recorded");
        assert_eq!(
            r.get(&k("d")).unwrap().error().unwrap().field_errors()[0].field,
            "quantity"
        );
        assert!(r.get(&k("zz")).is_none());
        let order: Vec<_> = r.iter().map(|(k, _)| k.as_str().to_owned()).collect();
        assert_eq!(order, ["a", "b", "c", "d", "a"]);
    }
}
