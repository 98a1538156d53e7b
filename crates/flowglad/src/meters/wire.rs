//! The usage-meter wire format.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use unibill_core::{Aggregation, Error, Meter, Result};

use crate::PROVIDER;
use crate::decode::{self, record};

/// `{"usageMeter": {name, slug, aggregationType}}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CreateBody<'a> {
    pub usage_meter: NewWireMeter<'a>,
}

/// A new meter.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct NewWireMeter<'a> {
    pub name: &'a str,
    pub slug: &'a str,
    pub aggregation_type: &'static str,
}

/// `{"usageMeter": M}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct MeterEnvelope {
    pub usage_meter: Box<RawValue>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireMeter {
    #[serde(default, deserialize_with = "decode::string")]
    id: Option<String>,
    #[serde(default, deserialize_with = "decode::string")]
    slug: Option<String>,
    #[serde(default, deserialize_with = "decode::string")]
    name: Option<String>,
    #[serde(default, deserialize_with = "decode::string")]
    aggregation_type: Option<String>,
    #[serde(default, deserialize_with = "decode::timestamp")]
    created_at: Option<jiff::Timestamp>,
}

/// Decodes one meter: its key is the slug; `sum` is `Sum`, anything else is kept as `Other`.
pub(super) fn meter(raw: Box<RawValue>) -> Result<Meter> {
    let (w, raw) = record::<WireMeter>(raw, "usage meter")?;
    let slug = w.slug.filter(|s| !s.is_empty()).ok_or_else(|| {
        Error::decode("a Flowglad usage meter has no slug").with_provider(PROVIDER)
    })?;
    let aggregation = match w.aggregation_type.as_deref() {
        None | Some("sum") => Aggregation::Sum,
        Some(other) => Aggregation::Other(other.to_owned()),
    };
    let mut b = Meter::builder(slug, w.name.unwrap_or_default(), aggregation).provider(PROVIDER);
    if let Some(id) = w.id {
        b = b.id(id);
    }
    if let Some(t) = w.created_at {
        b = b.created_at(t);
    }
    Ok(b.raw(raw).build())
}
