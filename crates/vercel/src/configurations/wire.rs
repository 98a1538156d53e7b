//! The configuration and product wire formats (lenient: every field but a product's `id` optional, unknown fields
//! ignored, each item's text kept as its `raw`).

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use unibill_core::{IntegrationConfiguration, IntegrationProduct, RawJson};

/// Both item shapes of the SDK's union, every field optional; an item without an `id` is skipped (it cannot be
/// used to create anything).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireConfiguration {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    integration_id: Option<String>,
    #[serde(default)]
    slug: Option<String>,
    #[serde(default)]
    status: Option<String>,
}

impl WireConfiguration {
    /// The configuration, or `None` for an item without an id.
    pub(crate) fn into_configuration(self, raw: RawJson) -> Option<IntegrationConfiguration> {
        let mut c = IntegrationConfiguration::new(self.id?).with_provider(crate::PROVIDER);
        c.integration_id = self.integration_id;
        c.integration_slug = self.slug;
        c.status = self.status;
        c.raw = Some(raw);
        Some(c)
    }
}

/// `{integration, products: [...]}`, each product kept raw until decoded.
#[derive(Deserialize)]
pub(crate) struct WireProducts {
    #[serde(default)]
    pub(crate) integration: Option<WireIntegration>,
    pub(crate) products: Vec<Box<RawValue>>,
}

/// The integration every product of the answer belongs to.
#[derive(Default, Deserialize)]
pub(crate) struct WireIntegration {
    #[serde(default)]
    pub(crate) id: Option<String>,
    #[serde(default)]
    pub(crate) slug: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireProduct {
    id: String,
    #[serde(default)]
    slug: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    primary_protocol: Option<String>,
    #[serde(default)]
    protocols: Option<Map<String, Value>>,
}

impl WireProduct {
    /// The product of `integration`; its enabled protocols are those whose `status` is `enabled`.
    pub(crate) fn into_product(
        self,
        integration: &WireIntegration,
        raw: RawJson,
    ) -> IntegrationProduct {
        let mut p = IntegrationProduct::new(
            self.id,
            self.slug.unwrap_or_default(),
            self.name.unwrap_or_default(),
        )
        .with_provider(crate::PROVIDER);
        p.integration_id = integration.id.clone();
        p.integration_slug = integration.slug.clone();
        p.primary_protocol = self.primary_protocol;
        p.enabled_protocols = self
            .protocols
            .unwrap_or_default()
            .into_iter()
            .filter(|(_, v)| v.get("status").and_then(Value::as_str) == Some("enabled"))
            .map(|(k, _)| k)
            .collect();
        p.raw = Some(raw);
        p
    }
}
