//! Meters: the create input [`NewMeter`], the read model [`Meter`], its [`Aggregation`] and the list query
//! [`MeterListQuery`].
//!
//! A meter turns usage events ([`crate::UsageEvent`]) of one key into a number per customer and period. Every
//! aggregation but [`Aggregation::UniqueCount`] works on the event's `quantity`: Flexprice meters are created
//! with `aggregation.field = "quantity"` and every event carries `properties.quantity`; Flowglad sums its
//! `amount`.

use std::borrow::Cow;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::id::MeterId;
use crate::model::raw::RawJson;
use crate::page::Cursor;
use crate::validation::Checks;

const TEXT_MAX: usize = 255;

/// How a meter turns events into a number.
///
/// ```
/// use unibill_core::Aggregation;
/// assert_eq!(Aggregation::Sum.name(), "sum");
/// assert!(!Aggregation::Count.uses_quantity());
/// assert_eq!(Aggregation::unique_count("region").name(), "unique_count");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Aggregation {
    /// The number of events; their quantity is ignored.
    Count,
    /// The sum of the events' quantities.
    Sum,
    /// The largest quantity.
    Max,
    /// The quantity of the latest event (by `occurred_at`).
    Latest,
    /// The number of distinct values of one property (Flowglad `count_distinct_properties`); quantities are
    /// ignored.
    UniqueCount {
        /// The property (a key of [`crate::UsageEvent::properties`]).
        property: String,
    },
    /// An aggregation this version of unibill does not know (or a Flexprice meter whose field is not
    /// `quantity`), as the provider names it. Read models only: an input with it is `InvalidInput`.
    Other(String),
}

impl Aggregation {
    /// Distinct values of `property`.
    pub fn unique_count(property: impl Into<String>) -> Self {
        Aggregation::UniqueCount {
            property: property.into(),
        }
    }

    /// `count`, `sum`, `max`, `latest`, `unique_count` or the provider's name.
    pub fn name(&self) -> &str {
        match self {
            Aggregation::Count => "count",
            Aggregation::Sum => "sum",
            Aggregation::Max => "max",
            Aggregation::Latest => "latest",
            Aggregation::UniqueCount { .. } => "unique_count",
            Aggregation::Other(name) => name,
        }
    }

    /// Whether the event's `quantity` is what is aggregated (`Sum`, `Max`, `Latest`).
    pub fn uses_quantity(&self) -> bool {
        matches!(
            self,
            Aggregation::Sum | Aggregation::Max | Aggregation::Latest
        )
    }
}

/// The input to create a meter. A value that exists is valid: [`NewMeterBuilder::build`] checks every rule.
///
/// Rules: the key is a natural key by [`Checks::slug`] (1..=64 of `[A-Za-z0-9_.-]`, starting with a letter or
/// digit); the name 1..=255 characters; the aggregation is not `Other`, and a `UniqueCount` property is
/// 1..=255 characters and not `quantity`.
///
/// ```
/// use unibill_core::{Aggregation, NewMeter};
///
/// let m = NewMeter::builder("api_calls", "API calls", Aggregation::Sum).build()?;
/// assert_eq!(m.key(), "api_calls");
///
/// let err = NewMeter::builder("api calls", "", Aggregation::Sum).build().unwrap_err();
/// let fields: Vec<_> = err.field_errors().iter().map(|e| e.field.as_str()).collect();
/// assert_eq!(fields, ["key", "name"]);
/// # Ok::<(), unibill_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMeter {
    key: String,
    name: String,
    aggregation: Aggregation,
}

impl NewMeter {
    /// Starts a meter with its required fields.
    pub fn builder(
        key: impl Into<String>,
        name: impl Into<String>,
        aggregation: Aggregation,
    ) -> NewMeterBuilder {
        NewMeterBuilder {
            input: NewMeter {
                key: key.into(),
                name: name.into(),
                aggregation,
            },
        }
    }

    /// The natural key (Flexprice `event_name` and carrier feature `lookup_key`, Flowglad `slug`): the
    /// `meter_key` of the events it counts.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Display name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// How events are aggregated.
    pub fn aggregation(&self) -> &Aggregation {
        &self.aggregation
    }
}

/// Builds a [`NewMeter`].
#[derive(Debug, Clone)]
pub struct NewMeterBuilder {
    input: NewMeter,
}

impl NewMeterBuilder {
    /// Checks every rule; an `InvalidInput` names each broken field.
    pub fn build(self) -> Result<NewMeter> {
        let m = &self.input;
        let mut checks = Checks::new();
        checks.slug("key", &m.key);
        checks.length("name", &m.name, 1, TEXT_MAX);
        match &m.aggregation {
            Aggregation::UniqueCount { property } => {
                if checks.length("aggregation.property", property, 1, TEXT_MAX)
                    && property == "quantity"
                {
                    checks.fail(
                        "aggregation.property",
                        "`quantity` is the event's quantity, not a property: use Sum, Max or Latest",
                    );
                }
            }
            Aggregation::Other(name) => checks.fail(
                "aggregation",
                format!("`{name}` is not an aggregation unibill can create"),
            ),
            Aggregation::Count | Aggregation::Sum | Aggregation::Max | Aggregation::Latest => {}
        }
        checks.finish()?;
        Ok(self.input)
    }
}

/// A meter as the provider holds it.
///
/// ```
/// use unibill_core::{Aggregation, Meter};
/// let m = Meter::builder("api_calls", "API calls", Aggregation::Sum).id("meter_1").build();
/// assert_eq!(m.provider, "mock");
/// assert_eq!(m.id.as_ref().map(|id| id.as_str()), Some("meter_1"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Meter {
    /// The provider's id, where it has one (Flexprice: the meter of the carrier feature).
    pub id: Option<MeterId>,
    /// The natural key.
    pub key: String,
    /// Display name.
    pub name: String,
    /// How events are aggregated.
    pub aggregation: Aggregation,
    /// When it was created, if the provider says.
    pub created_at: Option<Timestamp>,
    /// Which provider holds it.
    pub provider: Cow<'static, str>,
    /// The provider's own JSON for it.
    pub raw: Option<RawJson>,
}

impl Meter {
    /// A builder with the required fields; provider `"mock"`.
    pub fn builder(
        key: impl Into<String>,
        name: impl Into<String>,
        aggregation: Aggregation,
    ) -> MeterBuilder {
        MeterBuilder {
            meter: Meter {
                id: None,
                key: key.into(),
                name: name.into(),
                aggregation,
                created_at: None,
                provider: Cow::Borrowed("mock"),
                raw: None,
            },
        }
    }
}

/// Builds a [`Meter`] read model (for adapters and mocks). No validation: a read model says what the provider
/// holds.
#[derive(Debug, Clone)]
pub struct MeterBuilder {
    meter: Meter,
}

impl MeterBuilder {
    /// The provider's id.
    pub fn id(mut self, v: impl Into<MeterId>) -> Self {
        self.meter.id = Some(v.into());
        self
    }
    /// Creation time.
    pub fn created_at(mut self, v: Timestamp) -> Self {
        self.meter.created_at = Some(v);
        self
    }
    /// Provider name.
    pub fn provider(mut self, v: impl Into<Cow<'static, str>>) -> Self {
        self.meter.provider = v.into();
        self
    }
    /// Provider JSON.
    pub fn raw(mut self, v: RawJson) -> Self {
        self.meter.raw = Some(v);
        self
    }
    /// The meter.
    pub fn build(self) -> Meter {
        self.meter
    }
}

/// Which meters to list.
///
/// ```
/// use unibill_core::MeterListQuery;
/// assert_eq!(MeterListQuery::new().limit(20).limit, Some(20));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct MeterListQuery {
    /// Page size (clamped to the provider's maximum; 0 is invalid).
    pub limit: Option<u32>,
    /// Where to continue.
    pub cursor: Option<Cursor>,
    /// The most pages [`list_all`](crate::MetersExt::list_all) fetches before it ends with a `Provider`
    /// error (`None`: [`DEFAULT_MAX_PAGES`](crate::page::DEFAULT_MAX_PAGES); 0 is `InvalidInput`). A single
    /// `list` fetches one page and ignores it.
    pub max_pages: Option<u32>,
}

impl MeterListQuery {
    /// Every meter.
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
    /// Bounds [`list_all`](crate::MetersExt::list_all) to `pages` pages.
    pub fn max_pages(mut self, pages: u32) -> Self {
        self.max_pages = Some(pages);
        self
    }
    /// The fingerprint cursors are tagged with (everything but limit and cursor).
    pub fn fingerprint(&self) -> u64 {
        crate::page::QueryFingerprint::new().with("meters").finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn fields(r: Result<NewMeter>) -> Vec<String> {
        let err = r.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        err.field_errors().iter().map(|e| e.field.clone()).collect()
    }

    #[test]
    fn key_name_and_aggregation_rules() {
        assert!(
            NewMeter::builder("api_calls", "API calls", Aggregation::Count)
                .build()
                .is_ok()
        );
        assert!(
            NewMeter::builder("regions", "Regions", Aggregation::unique_count("region"))
                .build()
                .is_ok()
        );
        assert_eq!(
            fields(NewMeter::builder("", "n", Aggregation::Sum).build()),
            ["key"]
        );
        assert_eq!(
            fields(NewMeter::builder("a/b", "n", Aggregation::Sum).build()),
            ["key"]
        );
        assert_eq!(
            fields(NewMeter::builder("k", "n".repeat(256), Aggregation::Sum).build()),
            ["name"]
        );
        assert_eq!(
            fields(NewMeter::builder("k", "n", Aggregation::Other("p95".into())).build()),
            ["aggregation"]
        );
        assert_eq!(
            fields(NewMeter::builder("k", "n", Aggregation::unique_count("quantity")).build()),
            ["aggregation.property"]
        );
        assert_eq!(
            fields(NewMeter::builder("k", "n", Aggregation::unique_count("")).build()),
            ["aggregation.property"]
        );
    }

    #[test]
    fn read_model_round_trips() {
        for aggregation in [
            Aggregation::Count,
            Aggregation::Latest,
            Aggregation::unique_count("region"),
            Aggregation::Other("p95".into()),
        ] {
            let m = Meter::builder("k", "K", aggregation).id("m_1").build();
            let back: Meter = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
            assert_eq!(back, m);
        }
    }
}
