//! The meter wire format: the inline meter of a metered feature's create (exact) and the meter object
//! (lenient), with the aggregation mapping of review finding 4.

use serde::{Deserialize, Serialize};
use unibill_core::{Aggregation, Meter, RawJson, Timestamp};

use crate::PROVIDER;
use crate::decode::{non_empty, timestamp_field};

/// The property every quantity aggregation reads: events carry the neutral quantity as
/// `properties.quantity` (review finding 4).
pub(crate) const QUANTITY_FIELD: &str = "quantity";

/// `CreateMeterRequest` inline in `POST /features` (notes §2.1). `reset_usage` is required: usage resets
/// with the billing period.
#[derive(Debug, Serialize)]
pub(crate) struct CreateMeter<'a> {
    pub name: &'a str,
    pub event_name: &'a str,
    pub aggregation: AggregationOut<'a>,
    pub reset_usage: &'static str,
}

/// `aggregation`: `{type, field?}`. `COUNT` has no field; the quantity aggregations read `quantity`.
#[derive(Debug, Serialize)]
pub(crate) struct AggregationOut<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'a str>,
}

impl<'a> AggregationOut<'a> {
    /// The wire aggregation of a neutral one; `None` for `Other` (never built: `NewMeter` refuses it).
    pub(crate) fn from_neutral(a: &'a Aggregation) -> Option<Self> {
        let (kind, field) = match a {
            Aggregation::Count => ("COUNT", None),
            Aggregation::Sum => ("SUM", Some(QUANTITY_FIELD)),
            Aggregation::Max => ("MAX", Some(QUANTITY_FIELD)),
            Aggregation::Latest => ("LATEST", Some(QUANTITY_FIELD)),
            Aggregation::UniqueCount { property } => ("COUNT_UNIQUE", Some(property.as_str())),
            Aggregation::Other(_) => return None,
        };
        Some(AggregationOut { kind, field })
    }
}

/// A meter object (`MeterResponse`), embedded in a feature (`meter`) or answered by `GET /meters/{id}`.
/// Lenient: unknown fields ignored, an unknown aggregation kept as `Other`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct WireMeter {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub event_name: Option<String>,
    #[serde(default)]
    pub aggregation: Option<WireAggregation>,
    #[serde(default, deserialize_with = "timestamp_field")]
    pub created_at: Option<Timestamp>,
}

/// `aggregation` as read.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct WireAggregation {
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub field: Option<String>,
    #[serde(default)]
    pub expression: Option<String>,
}

impl WireAggregation {
    /// The neutral aggregation: a quantity aggregation whose field is not `quantity` (or that uses a CEL
    /// expression) is `Other`, as is any type unibill does not know (finding 4).
    pub(crate) fn to_neutral(&self) -> Aggregation {
        let kind = self.kind.as_deref().unwrap_or_default();
        let field = non_empty(self.field.as_deref());
        let plain = non_empty(self.expression.as_deref()).is_none();
        match (kind, field) {
            ("COUNT", _) if plain => Aggregation::Count,
            ("SUM", Some(QUANTITY_FIELD)) if plain => Aggregation::Sum,
            ("MAX", Some(QUANTITY_FIELD)) if plain => Aggregation::Max,
            ("LATEST", Some(QUANTITY_FIELD)) if plain => Aggregation::Latest,
            ("COUNT_UNIQUE", Some(property)) if plain => Aggregation::unique_count(property),
            (kind, Some(field)) => Aggregation::Other(format!("{kind}({field})")),
            (kind, None) => Aggregation::Other(kind.to_owned()),
        }
    }
}

impl WireMeter {
    /// The neutral meter; `key` is the carrier feature's `lookup_key` (the meter's `event_name` when there is
    /// no carrier), `raw` the carrier's JSON (or the meter's).
    pub(crate) fn into_meter(
        self,
        key: Option<String>,
        name: Option<String>,
        raw: RawJson,
    ) -> Meter {
        let aggregation = self.aggregation.as_ref().map_or_else(
            || Aggregation::Other(String::new()),
            WireAggregation::to_neutral,
        );
        let key = non_empty(key)
            .or_else(|| non_empty(self.event_name.clone()))
            .unwrap_or_default();
        let name = non_empty(self.name).or(non_empty(name)).unwrap_or_default();
        let mut b = Meter::builder(key, name, aggregation)
            .id(self.id)
            .provider(PROVIDER)
            .raw(raw);
        if let Some(at) = self.created_at {
            b = b.created_at(at);
        }
        b.build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agg(kind: &str, field: Option<&str>) -> Aggregation {
        WireAggregation {
            kind: Some(kind.into()),
            field: field.map(Into::into),
            expression: None,
        }
        .to_neutral()
    }

    #[test]
    fn aggregations_map_both_ways() {
        for a in [
            Aggregation::Count,
            Aggregation::Sum,
            Aggregation::Max,
            Aggregation::Latest,
            Aggregation::unique_count("region"),
        ] {
            let out = AggregationOut::from_neutral(&a).unwrap();
            assert_eq!(agg(out.kind, out.field), a);
        }
        assert_eq!(
            agg("SUM", Some("tokens")),
            Aggregation::Other("SUM(tokens)".into())
        );
        assert_eq!(
            agg("WEIGHTED_SUM", None),
            Aggregation::Other("WEIGHTED_SUM".into())
        );
        let cel = WireAggregation {
            kind: Some("SUM".into()),
            field: Some("quantity".into()),
            expression: Some("a * b".into()),
        };
        assert_eq!(cel.to_neutral(), Aggregation::Other("SUM(quantity)".into()));
    }
}
