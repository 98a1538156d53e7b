//! The feature and product-feature wire format.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use unibill_core::{Error, Feature, FeatureKind, Result};

use crate::PROVIDER;
use crate::decode::{self, record};

/// `{"feature": {type: "toggle", slug, name, description, pricingModelId}}`.
#[derive(Debug, Serialize)]
pub(super) struct CreateBody<'a> {
    pub feature: NewToggle<'a>,
}

/// A toggle feature (the only kind the neutral input can fill: a credit grant needs its amount on the feature).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct NewToggle<'a> {
    pub r#type: &'static str,
    pub slug: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub pricing_model_id: &'a str,
}

/// `{"productFeature": {productId, featureId}}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct GrantBody<'a> {
    pub product_feature: NewProductFeature<'a>,
}

/// A product feature.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct NewProductFeature<'a> {
    pub product_id: &'a str,
    pub feature_id: &'a str,
}

/// `{"feature": F}`.
#[derive(Debug, Deserialize)]
pub(super) struct FeatureEnvelope {
    pub feature: Box<RawValue>,
}

/// `{"productFeature": P}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ProductFeatureEnvelope {
    pub product_feature: Box<RawValue>,
}

/// The product feature's id.
#[derive(Debug, Deserialize)]
pub(super) struct WireProductFeature {
    #[serde(default, deserialize_with = "decode::string")]
    pub id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireFeature {
    #[serde(default, deserialize_with = "decode::string")]
    id: Option<String>,
    #[serde(default, deserialize_with = "decode::string")]
    slug: Option<String>,
    #[serde(default, deserialize_with = "decode::string")]
    name: Option<String>,
    #[serde(default, deserialize_with = "decode::string")]
    description: Option<String>,
    #[serde(default, deserialize_with = "decode::string")]
    r#type: Option<String>,
    #[serde(default, deserialize_with = "decode::timestamp")]
    created_at: Option<jiff::Timestamp>,
}

/// Decodes one feature: key = slug; `toggle` is `Boolean`; other kinds (a credit grant names its meter by
/// id, not by key) are kept as `Other`.
pub(super) fn feature(raw: Box<RawValue>) -> Result<Feature> {
    let (w, raw) = record::<WireFeature>(raw, "feature")?;
    let slug = w
        .slug
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Error::decode("a Flowglad feature has no slug").with_provider(PROVIDER))?;
    let kind = match w.r#type.as_deref() {
        Some("toggle") => FeatureKind::Boolean,
        Some(other) => FeatureKind::Other(other.to_owned()),
        None => FeatureKind::Other(String::new()),
    };
    let mut b = Feature::builder(slug, w.name.unwrap_or_default(), kind).provider(PROVIDER);
    if let Some(id) = w.id {
        b = b.id(id);
    }
    if let Some(d) = w.description {
        b = b.description(d);
    }
    if let Some(t) = w.created_at {
        b = b.created_at(t);
    }
    Ok(b.raw(raw).build())
}
