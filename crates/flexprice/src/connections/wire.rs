//! The connection wire format: request bodies (exact) and the connection object (lenient).
//!
//! Flexprice keeps a connection's non-secret settings (S3 export, AWS Marketplace region, invoice sync
//! settings) inside `sync_config`, next to the entity directions; the neutral model splits them into
//! [`SyncConfig`] and [`ConnectionSettings`].

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;
use unibill_core::{
    Connection, ConnectionProviderType, ConnectionSettings, ConnectionStatus, JsonObject, RawJson,
    S3Compression, S3Encryption, S3ExportSettings, SyncConfig, SyncDirection,
};

use super::secrets::SecretData;
use crate::PROVIDER;
use crate::decode::{non_empty, timestamp};

/// `POST /v1/connections`.
#[derive(Serialize)]
pub(crate) struct CreateConnection<'a> {
    pub name: &'a str,
    pub provider_type: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encrypted_secret_data: Option<SecretData<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<&'a JsonObject>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync_config: Option<JsonObject>,
}

/// `PUT /v1/connections/{id}`: absent keeps; `metadata` replaces (`{}` clears); `sync_config` replaces the
/// whole object.
#[derive(Serialize)]
pub(crate) struct UpdateConnection<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<&'a JsonObject>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync_config: Option<JsonObject>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encrypted_secret_data: Option<SecretData<'a>>,
}

/// One entity's directions (both bools always sent).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub(crate) struct WireDirection {
    #[serde(default)]
    inbound: bool,
    #[serde(default)]
    outbound: bool,
}

impl From<SyncDirection> for WireDirection {
    fn from(d: SyncDirection) -> Self {
        WireDirection {
            inbound: d.inbound,
            outbound: d.outbound,
        }
    }
}

impl From<WireDirection> for SyncDirection {
    fn from(d: WireDirection) -> Self {
        SyncDirection {
            inbound: d.inbound,
            outbound: d.outbound,
        }
    }
}

/// `sync_config.s3`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct WireS3 {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bucket: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    key_prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    compression: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    encryption: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    is_flexprice_managed: bool,
}

/// `sync_config.aws_marketplace`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct WireAwsMarketplace {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    region: Option<String>,
}

/// The keys of `sync_config` this module types; anything else travels in `extra`.
const TYPED_KEYS: [&str; 10] = [
    "plan",
    "subscription",
    "invoice",
    "customer",
    "payment",
    "price",
    "deal",
    "quote",
    "s3",
    "aws_marketplace",
];

/// The typed keys of `sync_config`: entity directions plus provider settings (other keys are kept beside it as
/// JSON, without serde's `flatten`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct WireSyncConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    plan: Option<WireDirection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    subscription: Option<WireDirection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    invoice: Option<WireDirection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    customer: Option<WireDirection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    payment: Option<WireDirection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    price: Option<WireDirection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    deal: Option<WireDirection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    quote: Option<WireDirection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    s3: Option<WireS3>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    aws_marketplace: Option<WireAwsMarketplace>,
}

fn compression_text(c: &S3Compression) -> String {
    match c {
        S3Compression::Gzip => "gzip".into(),
        S3Compression::None => "none".into(),
        S3Compression::Other(s) => s.clone(),
    }
}

fn compression(s: String) -> S3Compression {
    match s.as_str() {
        "gzip" => S3Compression::Gzip,
        "none" => S3Compression::None,
        _ => S3Compression::Other(s),
    }
}

fn encryption_text(e: &S3Encryption) -> String {
    match e {
        S3Encryption::Aes256 => "AES256".into(),
        S3Encryption::AwsKms => "aws:kms".into(),
        S3Encryption::AwsKmsDsse => "aws:kms:dsse".into(),
        S3Encryption::Other(s) => s.clone(),
    }
}

fn encryption(s: String) -> S3Encryption {
    match s.as_str() {
        "AES256" => S3Encryption::Aes256,
        "aws:kms" => S3Encryption::AwsKms,
        "aws:kms:dsse" => S3Encryption::AwsKmsDsse,
        _ => S3Encryption::Other(s),
    }
}

impl WireSyncConfig {
    /// The wire `sync_config` for these directions and settings (extra settings beside the typed keys);
    /// `None` when neither says anything.
    pub(crate) fn encode(
        sync: Option<&SyncConfig>,
        settings: Option<&ConnectionSettings>,
    ) -> Option<JsonObject> {
        if sync.is_none() && settings.is_none() {
            return None;
        }
        let s = sync.copied().unwrap_or_default();
        let d = |x: Option<SyncDirection>| x.map(WireDirection::from);
        let mut wire = WireSyncConfig {
            plan: d(s.plan),
            subscription: d(s.subscription),
            invoice: d(s.invoice),
            customer: d(s.customer),
            payment: d(s.payment),
            price: d(s.price),
            deal: d(s.deal),
            quote: d(s.quote),
            ..WireSyncConfig::default()
        };
        if let Some(settings) = settings {
            wire.s3 = settings.s3_export.as_ref().map(|s3| WireS3 {
                bucket: s3.bucket.clone(),
                region: s3.region.clone(),
                key_prefix: s3.key_prefix.clone(),
                compression: s3.compression.as_ref().map(compression_text),
                encryption: s3.encryption.as_ref().map(encryption_text),
                is_flexprice_managed: s3.flexprice_managed,
            });
            wire.aws_marketplace =
                settings
                    .aws_marketplace_region
                    .as_ref()
                    .map(|r| WireAwsMarketplace {
                        region: Some(r.clone()),
                    });
        }
        let mut object = match serde_json::to_value(&wire) {
            Ok(Value::Object(o)) => o,
            _ => JsonObject::new(),
        };
        if let Some(extra) = settings.and_then(|s| s.extra.as_ref()) {
            for (k, v) in extra {
                if !TYPED_KEYS.contains(&k.as_str()) {
                    object.insert(k.clone(), v.clone());
                }
            }
        }
        Some(object)
    }

    fn decode(self, extra: JsonObject) -> (SyncConfig, ConnectionSettings) {
        let d = |x: Option<WireDirection>| x.map(SyncDirection::from);
        let sync = SyncConfig {
            plan: d(self.plan),
            subscription: d(self.subscription),
            invoice: d(self.invoice),
            customer: d(self.customer),
            payment: d(self.payment),
            price: d(self.price),
            deal: d(self.deal),
            quote: d(self.quote),
        };
        let settings = ConnectionSettings {
            s3_export: self.s3.map(|s3| S3ExportSettings {
                bucket: non_empty(s3.bucket),
                region: non_empty(s3.region),
                key_prefix: non_empty(s3.key_prefix),
                compression: non_empty(s3.compression).map(compression),
                encryption: non_empty(s3.encryption).map(encryption),
                flexprice_managed: s3.is_flexprice_managed,
            }),
            aws_marketplace_region: self.aws_marketplace.and_then(|a| non_empty(a.region)),
            extra: (!extra.is_empty()).then_some(extra),
        };
        (sync, settings)
    }
}

/// `sync_config` as its typed keys and the rest (`null` is absent).
fn sync_config_with_extra<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<(WireSyncConfig, JsonObject)>, D::Error> {
    let Some(object) = Option::<JsonObject>::deserialize(d)? else {
        return Ok(None);
    };
    let extra: JsonObject = object
        .iter()
        .filter(|(k, _)| !TYPED_KEYS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let typed =
        WireSyncConfig::deserialize(Value::Object(object)).map_err(serde::de::Error::custom)?;
    Ok(Some((typed, extra)))
}

/// The connection object (never holds secrets). Everything but `id` is optional.
#[derive(Debug, Deserialize)]
pub(crate) struct WireConnection {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    provider_type: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    metadata: Option<Value>,
    #[serde(default, deserialize_with = "sync_config_with_extra")]
    sync_config: Option<(WireSyncConfig, JsonObject)>,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    updated_at: Option<String>,
}

/// `{"connections":[…]|null,"total","limit","offset"}` (`offset` is the request offset: not used).
#[derive(Debug, Deserialize)]
pub(crate) struct WireConnectionList {
    #[serde(default)]
    pub connections: Option<Vec<Box<RawValue>>>,
    #[serde(default)]
    pub total: Option<u64>,
}

fn status(s: Option<&str>) -> ConnectionStatus {
    match s {
        None | Some("published") => ConnectionStatus::Active,
        Some("archived" | "deleted") => ConnectionStatus::Archived,
        Some(other) => ConnectionStatus::Other(other.to_owned()),
    }
}

impl WireConnection {
    /// The read model, with the raw JSON it came from.
    pub(crate) fn into_connection(self, raw: RawJson) -> Connection {
        let provider_type =
            ConnectionProviderType::from(self.provider_type.as_deref().unwrap_or_default());
        let (typed, extra) = self.sync_config.unwrap_or_default();
        let (sync, settings) = typed.decode(extra);
        let metadata = match self.metadata {
            Some(Value::Object(m)) => m,
            _ => JsonObject::new(),
        };
        let mut b = Connection::builder(self.id, self.name.unwrap_or_default(), provider_type)
            .settings(settings)
            .sync_config(sync)
            .metadata(metadata)
            .status(status(self.status.as_deref()))
            .provider(PROVIDER)
            .raw(raw);
        if let Some(t) = timestamp(self.created_at.as_deref()) {
            b = b.created_at(t);
        }
        if let Some(t) = timestamp(self.updated_at.as_deref()) {
            b = b.updated_at(t);
        }
        b.build()
    }
}
