//! Integration configurations (`GET /v1/integrations/configurations?view=account`, a bare array) and their
//! products (`GET /v1/integrations/configuration/{id}/products`).

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use unibill_core::{
    Error, IntegrationConfiguration, IntegrationConfigurationId, IntegrationProduct, RawJson,
    Result,
};
use unibill_http::{Request, Safety};

use crate::client::VercelStores;

/// Both item shapes of the SDK's union, every field optional; an item without an `id` is skipped (it cannot be
/// used to create anything).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireConfiguration {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    integration_id: Option<String>,
    #[serde(default)]
    slug: Option<String>,
    #[serde(default)]
    status: Option<String>,
}

pub(crate) fn decode_configurations(body: &[u8]) -> Result<Vec<IntegrationConfiguration>> {
    let items: Vec<Box<RawValue>> = serde_json::from_slice(body).map_err(|e| {
        Error::decode(format!(
            "cannot decode the Vercel configurations (a JSON array): {e}"
        ))
    })?;
    let mut out = Vec::with_capacity(items.len());
    for raw in items {
        let w: WireConfiguration = serde_json::from_str(raw.get())
            .map_err(|e| Error::decode(format!("cannot decode a Vercel configuration: {e}")))?;
        let Some(id) = w.id else { continue };
        let mut c = IntegrationConfiguration::new(id).with_provider(crate::PROVIDER);
        c.integration_id = w.integration_id;
        c.integration_slug = w.slug;
        c.status = w.status;
        c.raw = Some(RawJson::from_raw(raw));
        out.push(c);
    }
    Ok(out)
}

#[derive(Deserialize)]
struct WireProducts {
    #[serde(default)]
    integration: Option<WireIntegration>,
    products: Vec<Box<RawValue>>,
}

#[derive(Deserialize)]
struct WireIntegration {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    slug: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireProduct {
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

pub(crate) fn decode_products(body: &[u8]) -> Result<Vec<IntegrationProduct>> {
    let answer: WireProducts = serde_json::from_slice(body)
        .map_err(|e| Error::decode(format!("cannot decode the Vercel products: {e}")))?;
    let (integration_id, integration_slug) = answer
        .integration
        .map(|i| (i.id, i.slug))
        .unwrap_or_default();
    answer
        .products
        .into_iter()
        .map(|raw| {
            let w: WireProduct = serde_json::from_str(raw.get())
                .map_err(|e| Error::decode(format!("cannot decode a Vercel product: {e}")))?;
            let mut p = IntegrationProduct::new(
                w.id,
                w.slug.unwrap_or_default(),
                w.name.unwrap_or_default(),
            )
            .with_provider(crate::PROVIDER);
            p.integration_id = integration_id.clone();
            p.integration_slug = integration_slug.clone();
            p.primary_protocol = w.primary_protocol;
            p.enabled_protocols = w
                .protocols
                .unwrap_or_default()
                .into_iter()
                .filter(|(_, v)| v.get("status").and_then(Value::as_str) == Some("enabled"))
                .map(|(k, _)| k)
                .collect();
            p.raw = Some(RawJson::from_raw(raw));
            Ok(p)
        })
        .collect()
}

impl VercelStores {
    pub(crate) async fn configurations(
        &self,
        integration: Option<String>,
    ) -> Result<Vec<IntegrationConfiguration>> {
        let request = self.scoped(
            Request::get(
                "stores.list_configurations",
                "/v1/integrations/configurations",
            )
            .path(["v1", "integrations", "configurations"])
            .query("view", "account")
            .query_opt("integrationIdOrSlug", integration),
        );
        self.exec
            .send(request, Safety::Safe, |r| decode_configurations(&r.body))
            .await
    }

    pub(crate) async fn products(
        &self,
        configuration_id: IntegrationConfigurationId,
    ) -> Result<Vec<IntegrationProduct>> {
        let request = self.scoped(
            Request::get(
                "stores.list_products",
                "/v1/integrations/configuration/{id}/products",
            )
            .path([
                "v1",
                "integrations",
                "configuration",
                configuration_id.as_str(),
                "products",
            ]),
        );
        self.exec
            .send(request, Safety::Safe, |r| decode_products(&r.body))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::{decode_configurations, decode_products};

    #[test]
    fn fixture_configurations() {
        let c = decode_configurations(include_bytes!(
            "../tests/fixtures/configurations-list-200.json"
        ))
        .unwrap();
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].id.as_str(), "icfg_cuwj0AdCdH3BwWT4LPijCC7t");
        assert_eq!(
            c[0].integration_id.as_deref(),
            Some("oac_3LuwRtvGhxYUw2QEvsZ1Ymmf")
        );
        assert_eq!(c[0].integration_slug.as_deref(), Some("neon"));
        assert!(c[0].is_usable());
        assert!(c[0].raw.as_ref().unwrap().get().contains("tag_databases"));
    }

    #[test]
    fn configuration_items_without_id_are_skipped() {
        let c = decode_configurations(br#"[{"slug":"x"},{"id":"icfg_a","status":"brand-new"}]"#)
            .unwrap();
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].status.as_deref(), Some("brand-new"));
        assert!(!c[0].is_usable());
    }

    #[test]
    fn fixture_products() {
        let p = decode_products(include_bytes!(
            "../tests/fixtures/configuration-products-200.json"
        ))
        .unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].id, "iap_yhdcQEhzoHZ5tWdg");
        assert_eq!(p[0].slug, "neon");
        assert_eq!(
            p[0].integration_id.as_deref(),
            Some("oac_3LuwRtvGhxYUw2QEvsZ1Ymmf")
        );
        assert!(p[0].is_storage());
        assert_eq!(p[0].primary_protocol.as_deref(), Some("storage"));
    }
}
