//! The store wire format: the create body (exact: absent fields omitted) and the `{store}` answer (lenient:
//! unknown fields ignored, unknown statuses kept, `id`/`name` optional, secret values never read).

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use unibill_core::{
    Error, IntegrationConfigurationId, JsonObject, NewStore, RawJson, Result, Store, StoreMetadata,
    StoreMetadataValue, StoreProduct, StoreSecret, StoreSource, StoreStatus,
};

use crate::decode::{self, raw_item};
use crate::plans::wire::plan_from_raw;

/// `POST /v1/storage/stores/integration/direct` body.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireNewStore<'a> {
    name: &'a str,
    integration_configuration_id: &'a str,
    integration_product_id_or_slug: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<&'a StoreMetadata>,
    #[serde(skip_serializing_if = "Option::is_none")]
    external_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    protocol_settings: Option<&'a JsonObject>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<&'a StoreSource>,
    #[serde(skip_serializing_if = "Option::is_none")]
    billing_plan_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payment_method_id: Option<&'a str>,
    /// Whole US cents (the input is checked to be USD, ≥ 0.50 and whole cents when built).
    #[serde(skip_serializing_if = "Option::is_none")]
    prepayment_amount_cents: Option<i64>,
}

impl<'a> TryFrom<&'a NewStore> for WireNewStore<'a> {
    type Error = Error;

    /// The body; a prepayment that is not whole cents is `InvalidInput` on `prepayment`.
    fn try_from(input: &'a NewStore) -> Result<Self> {
        let prepayment_amount_cents = input
            .prepayment()
            .map(|m| {
                m.to_minor_units().map_err(|e| {
                    Error::invalid_field("prepayment", format!("not whole cents: {}", e.message()))
                })
            })
            .transpose()?;
        Ok(WireNewStore {
            name: input.name(),
            integration_configuration_id: input.configuration_id().as_str(),
            integration_product_id_or_slug: input.product(),
            metadata: input.metadata(),
            external_id: input.external_id(),
            protocol_settings: input.protocol_settings(),
            source: input.source(),
            billing_plan_id: input.billing_plan_id().map(|b| b.as_str()),
            payment_method_id: input.payment_method_id(),
            prepayment_amount_cents,
        })
    }
}

/// `{store: Store | null}`: `store` is required, and kept raw until decoded.
#[derive(Deserialize)]
struct StoreAnswer {
    store: Box<RawValue>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireStore {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    external_resource_id: Option<String>,
    #[serde(default)]
    status: Option<StoreStatus>,
    #[serde(default)]
    product: Option<WireProduct>,
    #[serde(default)]
    billing_plan: Option<Box<RawValue>>,
    #[serde(default)]
    secrets: Option<Vec<WireSecret>>,
    #[serde(default)]
    metadata: Option<Map<String, Value>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireProduct {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    slug: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    integration_configuration_id: Option<String>,
}

/// A secret's name and length. Any other key (a value, should one ever come) is not read.
#[derive(Deserialize)]
struct WireSecret {
    name: String,
    #[serde(default)]
    length: u64,
}

/// Decodes a `{store}` answer body: `None` for `{"store": null}`.
pub(crate) fn decode_store_answer(body: &[u8]) -> Result<Option<Store>> {
    let answer: StoreAnswer = decode::body(body, "the Vercel store answer")?;
    if answer.store.get().trim() == "null" {
        return Ok(None);
    }
    let (wire, raw) = raw_item::<WireStore>(answer.store, "a Vercel store")?;
    wire.into_store(raw).map(Some)
}

impl WireStore {
    fn into_store(self, raw: RawJson) -> Result<Store> {
        let mut b =
            Store::builder(self.external_resource_id.unwrap_or_default()).provider(crate::PROVIDER);
        if let Some(id) = self.id.filter(|s| !s.is_empty()) {
            b = b.id(id);
        }
        if let Some(name) = self.name {
            b = b.name(name);
        }
        if let Some(status) = self.status {
            b = b.status(status);
        }
        if let Some(p) = self.product {
            b = b.product(StoreProduct {
                id: p.id,
                slug: p.slug,
                name: p.name,
                configuration_id: p
                    .integration_configuration_id
                    .map(IntegrationConfigurationId::new),
            });
        }
        if let Some(plan) = self.billing_plan {
            b = b.billing_plan(plan_from_raw(plan)?);
        }
        b = b.secrets(
            self.secrets
                .unwrap_or_default()
                .into_iter()
                .map(|s| StoreSecret {
                    name: s.name,
                    length: s.length,
                })
                .collect(),
        );
        let metadata: StoreMetadata = self
            .metadata
            .unwrap_or_default()
            .iter()
            .filter_map(|(k, v)| StoreMetadataValue::from_json(v).map(|v| (k.clone(), v)))
            .collect();
        Ok(b.metadata(metadata).raw(raw).build())
    }
}

/// The partner-resource answer of `GET /v1/installations/{icfg}/resources/{externalResourceId}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireResource {
    #[serde(default)]
    pub(crate) internal_id: Option<String>,
    #[serde(default)]
    pub(crate) name: Option<String>,
}

#[cfg(test)]
mod tests {
    use unibill_core::{StoreMetadataValue, StoreStatus};

    use super::decode_store_answer;

    fn store(body: &[u8]) -> unibill_core::Store {
        decode_store_answer(body).unwrap().expect("a store")
    }

    #[test]
    fn fixture_response_decodes_without_an_id() {
        let s = store(include_bytes!(
            "../../../testkit/tests/fixtures/vercel/create-response-200.json"
        ));
        assert_eq!(s.id, None);
        assert_eq!(s.external_resource_id, "neon-proj-morning-sun-12345678");
        assert_eq!(s.status, Some(StoreStatus::Available));
        assert_eq!(s.product.slug.as_deref(), Some("neon"));
        assert_eq!(
            s.product.configuration_id.as_ref().map(|c| c.as_str()),
            Some("icfg_cuwj0AdCdH3BwWT4LPijCC7t")
        );
        assert_eq!(s.secrets.len(), 4);
        assert_eq!(s.secrets[3].name, "PGPASSWORD");
        assert_eq!(s.secrets[3].length, 16);
        assert!(s.billing_plan.as_ref().unwrap().is_free());
        assert_eq!(s.metadata["region"], StoreMetadataValue::from("iad1"));
        assert_eq!(s.provider, "vercel");
        let raw = s.raw.as_ref().unwrap().get();
        assert!(raw.starts_with('{') && raw.contains("\"directPartnerConsoleUrl\""));
    }

    #[test]
    fn extras_unknown_status_null_status_and_secret_values() {
        let s = store(
            br#"{"store":{"id":"store_1","name":"db","type":"integration","createdAt":1,"status":"warming-up",
            "externalResourceId":"x","projectsMetadata":[],"usageQuotaExceeded":false,
            "product":{"integration":{"id":"oac_1"},"integrationConfigurationId":"icfg_1","supportedProtocols":["quantum"],"primaryProtocol":"quantum"},
            "secrets":[{"name":"DATABASE_URL","length":5,"value":"postgres://SECRET"}],
            "metadata":{"ok":"v","bad":null,"nested":{"a":1}}}}"#,
        );
        assert_eq!(s.id.as_ref().map(|i| i.as_str()), Some("store_1"));
        assert_eq!(s.name.as_deref(), Some("db"));
        assert_eq!(s.status, Some(StoreStatus::Other("warming-up".into())));
        assert_eq!(s.secrets[0].name, "DATABASE_URL");
        assert!(!format!("{:?}", s.secrets).contains("SECRET"));
        assert_eq!(s.metadata.len(), 1);

        let s = store(br#"{"store":{"status":null,"externalResourceId":"x"}}"#);
        assert_eq!(s.status, None);
        assert!(!s.is_ready() && !s.is_failed());
    }

    #[test]
    fn null_store_and_malformed_answers() {
        assert!(decode_store_answer(br#"{"store":null}"#).unwrap().is_none());
        for bad in [
            &b""[..],
            b"not json",
            b"[]",
            b"{}",
            br#"{"store":"x"}"#,
            br#"{"store":{"status":7}}"#,
            br#"{"store":{"billingPlan":{"id":"p"}}}"#,
        ] {
            let err = match decode_store_answer(bad) {
                Err(e) => e,
                Ok(_) => panic!("{} should not decode", String::from_utf8_lossy(bad)),
            };
            assert_eq!(err.kind(), unibill_core::ErrorKind::Decode);
        }
    }
}
