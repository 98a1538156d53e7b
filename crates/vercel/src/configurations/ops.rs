//! The configuration and product operations, without I/O: each request as a value, each answer decoded.
//!
//! `GET /v1/integrations/configurations?view=account` answers a bare array; `GET
//! /v1/integrations/configuration/{id}/products` answers `{integration, products}`.

use serde_json::value::RawValue;
use unibill_core::{
    IntegrationConfiguration, IntegrationConfigurationId, IntegrationProduct, Result,
};
use unibill_http::{Request, Response};

use super::wire::{WireConfiguration, WireProduct, WireProducts};
use crate::config::{TeamScope, scoped};
use crate::decode::{self, raw_item};

const LIST_CONFIGURATIONS: &str = "stores.list_configurations";
const LIST_PRODUCTS: &str = "stores.list_products";

/// The account's configurations, of one integration (id or slug) when given.
pub fn list_configurations_request(integration: Option<&str>, team: Option<&TeamScope>) -> Request {
    let request = Request::get(LIST_CONFIGURATIONS, "/v1/integrations/configurations")
        .path(["v1", "integrations", "configurations"])
        .query("view", "account")
        .query_opt("integrationIdOrSlug", integration);
    scoped(request, team)
}

/// The products of configuration `id`.
pub fn list_products_request(id: &IntegrationConfigurationId, team: Option<&TeamScope>) -> Request {
    let request = Request::get(
        LIST_PRODUCTS,
        "/v1/integrations/configuration/{id}/products",
    )
    .path([
        "v1",
        "integrations",
        "configuration",
        id.as_str(),
        "products",
    ]);
    scoped(request, team)
}

/// A configurations answer (a JSON array), each with its `raw`; items without an id are skipped.
pub fn decode_configurations(response: Response) -> Result<Vec<IntegrationConfiguration>> {
    let items: Vec<Box<RawValue>> =
        decode::body(&response.body, "the Vercel configurations (a JSON array)")?;
    let mut out = Vec::with_capacity(items.len());
    for raw in items {
        let (wire, raw) = raw_item::<WireConfiguration>(raw, "a Vercel configuration")?;
        out.extend(wire.into_configuration(raw));
    }
    Ok(out)
}

/// A products answer, each product with its `raw` and the answer's integration.
pub fn decode_products(response: Response) -> Result<Vec<IntegrationProduct>> {
    let answer: WireProducts = decode::body(&response.body, "the Vercel products")?;
    let integration = answer.integration.unwrap_or_default();
    answer
        .products
        .into_iter()
        .map(|raw| {
            let (wire, raw) = raw_item::<WireProduct>(raw, "a Vercel product")?;
            Ok(wire.into_product(&integration, raw))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{decode_configurations, decode_products};
    use crate::decode::tests::answer;

    #[test]
    fn fixture_configurations() {
        let c = decode_configurations(answer(include_bytes!(
            "../../../testkit/tests/fixtures/vercel/configurations-list-200.json"
        )))
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
        let c = decode_configurations(answer(
            br#"[{"slug":"x"},{"id":"icfg_a","status":"brand-new"}]"#,
        ))
        .unwrap();
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].status.as_deref(), Some("brand-new"));
        assert!(!c[0].is_usable());
    }

    #[test]
    fn fixture_products() {
        let p = decode_products(answer(include_bytes!(
            "../../../testkit/tests/fixtures/vercel/configuration-products-200.json"
        )))
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
