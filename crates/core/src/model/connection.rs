//! Integration connections (Flexprice `/v1/connections`): the create input [`NewConnection`], the update input
//! [`ConnectionUpdate`], the read model [`Connection`] and the list query [`ConnectionListQuery`].
//!
//! Secrets go in ([`ConnectionSecrets`], every value a [`SecretString`]) and never come out: no read model
//! holds one, and no `Debug`, `Display`, error message or serialised form of any input shows a value.

use std::borrow::Cow;
use std::collections::BTreeMap;

use jiff::Timestamp;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::id::ConnectionId;
use crate::model::raw::RawJson;
use crate::page::Cursor;
use crate::patch::Patch;
use crate::validation::Checks;

const NAME_MAX: usize = 255;
const TEXT_MAX: usize = 255;

/// A JSON object (metadata, escape hatches).
pub type JsonObject = serde_json::Map<String, serde_json::Value>;

/// An enum of known provider spellings plus `Other(String)` for the rest.
///
/// `Variant = "text"` reads and writes `text`; `Variant = "text" | "alias"` also reads `alias` (written as
/// `text`). With `lenient` before the name, reading also ignores ASCII case, surrounding whitespace and the
/// difference between `-`, ` ` and `_` (`"Past-Due"` is `past_due`); `Other` keeps the text as received.
macro_rules! open_enum {
    ($(#[$doc:meta])* lenient $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal $(| $alias:literal)*,)* }) => {
        open_enum!(@define $(#[$doc])* $name { $($(#[$vdoc])* $variant = $text $(| $alias)*,)* });

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                let normal: String = s
                    .trim()
                    .chars()
                    .map(|c| match c {
                        '-' | ' ' => '_',
                        c => c.to_ascii_lowercase(),
                    })
                    .collect();
                match normal.as_str() {
                    $($text $(| $alias)* => $name::$variant,)*
                    _ => $name::Other(s.to_owned()),
                }
            }
        }
    };
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal $(| $alias:literal)*,)* }) => {
        open_enum!(@define $(#[$doc])* $name { $($(#[$vdoc])* $variant = $text $(| $alias)*,)* });

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $($text $(| $alias)* => $name::$variant,)*
                    other => $name::Other(other.to_owned()),
                }
            }
        }
    };
    (@define $(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal $(| $alias:literal)*,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)*
            /// A value this version of unibill does not know, kept as the provider spells it.
            Other(String),
        }

        impl $name {
            /// The provider's spelling.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)*
                    $name::Other(s) => s,
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
                Ok($name::from(s))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
                let s = <String as serde::Deserialize>::deserialize(d)?;
                Ok($name::from(s.as_str()))
            }
        }
    };
}
pub(crate) use open_enum;

open_enum!(
    /// What a connection connects to: Flexprice's 16 provider types, plus any other.
    ///
    /// ```
    /// use unibill_core::ConnectionProviderType;
    /// assert_eq!(ConnectionProviderType::from("zoho_books"), ConnectionProviderType::ZohoBooks);
    /// assert_eq!(ConnectionProviderType::from("acme").as_str(), "acme");
    /// ```
    ConnectionProviderType {
        /// Flexprice itself.
        Flexprice = "flexprice",
        /// Stripe.
        Stripe = "stripe",
        /// Amazon S3 (exports).
        S3 = "s3",
        /// HubSpot.
        HubSpot = "hubspot",
        /// Razorpay.
        Razorpay = "razorpay",
        /// Chargebee.
        Chargebee = "chargebee",
        /// QuickBooks.
        QuickBooks = "quickbooks",
        /// Zoho Books.
        ZohoBooks = "zoho_books",
        /// Nomod.
        Nomod = "nomod",
        /// Moyasar.
        Moyasar = "moyasar",
        /// Paddle.
        Paddle = "paddle",
        /// Whop.
        Whop = "whop",
        /// Tabs.
        Tabs = "tabs",
        /// AWS Marketplace.
        AwsMarketplace = "aws_marketplace",
        /// Google Cloud Marketplace.
        GcpMarketplace = "gcp_marketplace",
        /// Azure Marketplace.
        AzureMarketplace = "azure_marketplace",
    }
);

/// The credentials of a connection. Every value is a [`SecretString`]: `Debug` shows `[REDACTED]`, and there
/// is no `Serialize`, `Display` or `PartialEq`.
///
/// The structured variants carry the keys Flexprice requires for Stripe, S3 and HubSpot; every other provider
/// type takes [`ConnectionSecrets::Generic`], a flat map of the provider's own key names
/// (`key_id`/`secret_key` for Razorpay, `api_key` for Paddle, …).
///
/// ```
/// use unibill_core::ConnectionSecrets;
/// let s = ConnectionSecrets::stripe("pk_test_1", "sk_test_1", "whsec_1");
/// assert!(!format!("{s:?}").contains("sk_test_1"));
/// assert_eq!(s.field_names(), ["publishable_key", "secret_key", "webhook_secret"]);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ConnectionSecrets {
    /// Stripe keys.
    Stripe {
        /// `pk_…`.
        publishable_key: SecretString,
        /// `sk_…` or `rk_…`.
        secret_key: SecretString,
        /// `whsec_…`.
        webhook_secret: SecretString,
        /// The Stripe account id (`acct_…`).
        account_id: Option<SecretString>,
    },
    /// AWS credentials for S3.
    S3 {
        /// `AKIA…`.
        access_key_id: SecretString,
        /// The secret access key.
        secret_access_key: SecretString,
        /// A session token for temporary credentials.
        session_token: Option<SecretString>,
    },
    /// HubSpot app credentials.
    HubSpot {
        /// The private app access token.
        access_token: SecretString,
        /// The app's client secret.
        client_secret: SecretString,
        /// The app id.
        app_id: Option<SecretString>,
    },
    /// Any provider: the provider's flat key names to secret values.
    Generic(BTreeMap<String, SecretString>),
}

impl ConnectionSecrets {
    /// Stripe keys without an account id.
    pub fn stripe(
        publishable_key: impl Into<String>,
        secret_key: impl Into<String>,
        webhook_secret: impl Into<String>,
    ) -> Self {
        ConnectionSecrets::Stripe {
            publishable_key: SecretString::from(publishable_key.into()),
            secret_key: SecretString::from(secret_key.into()),
            webhook_secret: SecretString::from(webhook_secret.into()),
            account_id: None,
        }
    }

    /// S3 credentials without a session token.
    pub fn s3(access_key_id: impl Into<String>, secret_access_key: impl Into<String>) -> Self {
        ConnectionSecrets::S3 {
            access_key_id: SecretString::from(access_key_id.into()),
            secret_access_key: SecretString::from(secret_access_key.into()),
            session_token: None,
        }
    }

    /// HubSpot credentials without an app id.
    pub fn hubspot(access_token: impl Into<String>, client_secret: impl Into<String>) -> Self {
        ConnectionSecrets::HubSpot {
            access_token: SecretString::from(access_token.into()),
            client_secret: SecretString::from(client_secret.into()),
            app_id: None,
        }
    }

    /// A generic map from `(key, value)` pairs.
    pub fn generic<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        ConnectionSecrets::Generic(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into(), SecretString::from(v.into())))
                .collect(),
        )
    }

    /// The flat key names and values as Flexprice's `encrypted_secret_data` spells them, for adapters.
    /// The values are exposed: send them, never log them.
    pub fn flat_entries(&self) -> Vec<(&str, &SecretString)> {
        let mut out: Vec<(&str, &SecretString)> = Vec::new();
        match self {
            ConnectionSecrets::Stripe {
                publishable_key,
                secret_key,
                webhook_secret,
                account_id,
            } => {
                out.push(("publishable_key", publishable_key));
                out.push(("secret_key", secret_key));
                out.push(("webhook_secret", webhook_secret));
                if let Some(a) = account_id {
                    out.push(("account_id", a));
                }
            }
            ConnectionSecrets::S3 {
                access_key_id,
                secret_access_key,
                session_token,
            } => {
                out.push(("aws_access_key_id", access_key_id));
                out.push(("aws_secret_access_key", secret_access_key));
                if let Some(t) = session_token {
                    out.push(("aws_session_token", t));
                }
            }
            ConnectionSecrets::HubSpot {
                access_token,
                client_secret,
                app_id,
            } => {
                out.push(("access_token", access_token));
                out.push(("client_secret", client_secret));
                if let Some(a) = app_id {
                    out.push(("app_id", a));
                }
            }
            ConnectionSecrets::Generic(map) => {
                out.extend(map.iter().map(|(k, v)| (k.as_str(), v)));
            }
        }
        out
    }

    /// The names of the secret fields that are set (never the values).
    pub fn field_names(&self) -> Vec<&str> {
        self.flat_entries().into_iter().map(|(k, _)| k).collect()
    }

    /// The provider type a structured variant belongs to (`None` for generic secrets).
    pub fn provider_type(&self) -> Option<ConnectionProviderType> {
        match self {
            ConnectionSecrets::Stripe { .. } => Some(ConnectionProviderType::Stripe),
            ConnectionSecrets::S3 { .. } => Some(ConnectionProviderType::S3),
            ConnectionSecrets::HubSpot { .. } => Some(ConnectionProviderType::HubSpot),
            ConnectionSecrets::Generic(_) => None,
        }
    }

    /// Checks the secrets without ever putting a value into a message.
    fn check(&self, checks: &mut Checks, provider_type: Option<&ConnectionProviderType>) {
        if let (Some(pt), Some(own)) = (provider_type, self.provider_type())
            && pt != &own
        {
            checks.fail(
                "secrets",
                format!("{own} secrets cannot be used for a {pt} connection"),
            );
        }
        if let (Some(pt), ConnectionSecrets::Generic(_)) = (provider_type, self)
            && matches!(
                pt,
                ConnectionProviderType::Stripe
                    | ConnectionProviderType::S3
                    | ConnectionProviderType::HubSpot
            )
        {
            checks.fail(
                "secrets",
                format!("a {pt} connection takes the structured {pt} secrets, not a generic map"),
            );
        }
        if let ConnectionSecrets::Generic(map) = self
            && map.is_empty()
        {
            checks.fail("secrets", "a generic secret map needs at least one entry");
        }
        for (key, value) in self.flat_entries() {
            if key.is_empty() || key.chars().count() > TEXT_MAX {
                checks.fail("secrets", "secret names must be 1..=255 characters");
            } else if value.expose_secret().is_empty() {
                checks.fail(format!("secrets.{key}"), "must not be empty");
            }
        }
    }
}

/// Compression of S3 exports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum S3Compression {
    /// gzip.
    Gzip,
    /// None.
    None,
    /// Another value, as the provider spells it.
    #[serde(untagged)]
    Other(String),
}

/// Server-side encryption of S3 exports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum S3Encryption {
    /// `AES256`.
    #[serde(rename = "AES256")]
    Aes256,
    /// `aws:kms`.
    #[serde(rename = "aws:kms")]
    AwsKms,
    /// `aws:kms:dsse`.
    #[serde(rename = "aws:kms:dsse")]
    AwsKmsDsse,
    /// Another value, as the provider spells it.
    #[serde(untagged)]
    Other(String),
}

/// Where S3 exports go (Flexprice `sync_config.s3`). Not secret.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct S3ExportSettings {
    /// Bucket (required unless Flexprice-managed).
    pub bucket: Option<String>,
    /// AWS region (required unless Flexprice-managed).
    pub region: Option<String>,
    /// Key prefix.
    pub key_prefix: Option<String>,
    /// Compression.
    pub compression: Option<S3Compression>,
    /// Encryption.
    pub encryption: Option<S3Encryption>,
    /// The bucket is managed by Flexprice.
    pub flexprice_managed: bool,
}

/// Non-secret provider settings of a connection.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ConnectionSettings {
    /// S3 export settings.
    pub s3_export: Option<S3ExportSettings>,
    /// AWS Marketplace region.
    pub aws_marketplace_region: Option<String>,
    /// Anything else the provider takes, as JSON (an escape hatch; never put secrets here).
    pub extra: Option<JsonObject>,
}

/// Which directions of one entity sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SyncDirection {
    /// From the connected system into the billing provider.
    pub inbound: bool,
    /// From the billing provider out to the connected system.
    pub outbound: bool,
}

impl SyncDirection {
    /// Inbound only.
    pub const INBOUND: SyncDirection = SyncDirection {
        inbound: true,
        outbound: false,
    };
    /// Outbound only.
    pub const OUTBOUND: SyncDirection = SyncDirection {
        inbound: false,
        outbound: true,
    };
    /// Both ways.
    pub const BOTH: SyncDirection = SyncDirection {
        inbound: true,
        outbound: true,
    };
}

/// What syncs, per entity (`None`: not configured). On update the whole config is replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SyncConfig {
    /// Plans.
    pub plan: Option<SyncDirection>,
    /// Subscriptions.
    pub subscription: Option<SyncDirection>,
    /// Invoices.
    pub invoice: Option<SyncDirection>,
    /// Customers.
    pub customer: Option<SyncDirection>,
    /// Payments.
    pub payment: Option<SyncDirection>,
    /// Prices.
    pub price: Option<SyncDirection>,
    /// Deals.
    pub deal: Option<SyncDirection>,
    /// Quotes.
    pub quote: Option<SyncDirection>,
}

/// The input to create a connection. A value that exists is valid: [`NewConnectionBuilder::build`] checks every
/// rule: name 1..=255 characters; an `Other` provider type non-empty; secrets matching the provider type
/// (Stripe, S3 and HubSpot take their structured variant), every secret value non-empty; S3 export bucket and
/// region set unless Flexprice-managed; the marketplace region non-empty.
///
/// ```
/// use unibill_core::{ConnectionProviderType, ConnectionSecrets, NewConnection, SyncConfig, SyncDirection};
///
/// let c = NewConnection::builder("Stripe live", ConnectionProviderType::Stripe)
///     .secrets(ConnectionSecrets::stripe("pk_live_x", "sk_live_x", "whsec_x"))
///     .sync_config(SyncConfig { customer: Some(SyncDirection::BOTH), ..Default::default() })
///     .build()
///     .unwrap();
/// assert!(!format!("{c:?}").contains("sk_live_x"));
///
/// let err = NewConnection::builder("", ConnectionProviderType::Tabs).build().unwrap_err();
/// assert_eq!(err.field_errors()[0].field, "name");
/// ```
#[derive(Debug, Clone)]
pub struct NewConnection {
    name: String,
    provider_type: ConnectionProviderType,
    secrets: Option<ConnectionSecrets>,
    settings: Option<ConnectionSettings>,
    sync_config: Option<SyncConfig>,
    metadata: Option<JsonObject>,
}

impl NewConnection {
    /// Starts a connection with its required fields.
    pub fn builder(
        name: impl Into<String>,
        provider_type: ConnectionProviderType,
    ) -> NewConnectionBuilder {
        NewConnectionBuilder {
            input: NewConnection {
                name: name.into(),
                provider_type,
                secrets: None,
                settings: None,
                sync_config: None,
                metadata: None,
            },
        }
    }

    /// Name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What it connects to.
    pub fn provider_type(&self) -> &ConnectionProviderType {
        &self.provider_type
    }

    /// Credentials.
    pub fn secrets(&self) -> Option<&ConnectionSecrets> {
        self.secrets.as_ref()
    }

    /// Non-secret settings.
    pub fn settings(&self) -> Option<&ConnectionSettings> {
        self.settings.as_ref()
    }

    /// Sync directions.
    pub fn sync_config(&self) -> Option<&SyncConfig> {
        self.sync_config.as_ref()
    }

    /// Metadata (a JSON object; Paddle `redirect_url`, Moyasar `success_url`, …).
    pub fn metadata(&self) -> Option<&JsonObject> {
        self.metadata.as_ref()
    }
}

/// Builds a [`NewConnection`].
#[derive(Debug, Clone)]
pub struct NewConnectionBuilder {
    input: NewConnection,
}

impl NewConnectionBuilder {
    /// Credentials.
    pub fn secrets(mut self, v: ConnectionSecrets) -> Self {
        self.input.secrets = Some(v);
        self
    }

    /// Non-secret settings.
    pub fn settings(mut self, v: ConnectionSettings) -> Self {
        self.input.settings = Some(v);
        self
    }

    /// Sync directions.
    pub fn sync_config(mut self, v: SyncConfig) -> Self {
        self.input.sync_config = Some(v);
        self
    }

    /// Metadata.
    pub fn metadata(mut self, v: JsonObject) -> Self {
        self.input.metadata = Some(v);
        self
    }

    /// Checks every rule; an `InvalidInput` names each broken field and never contains a secret value.
    pub fn build(self) -> Result<NewConnection> {
        let c = &self.input;
        let mut checks = Checks::new();
        checks.length("name", &c.name, 1, NAME_MAX);
        if let ConnectionProviderType::Other(s) = &c.provider_type {
            checks.length("provider_type", s, 1, TEXT_MAX);
        }
        if let Some(s) = &c.secrets {
            s.check(&mut checks, Some(&c.provider_type));
        }
        if let Some(settings) = &c.settings {
            check_settings(&mut checks, settings);
        }
        if let Some(m) = &c.metadata {
            check_metadata(&mut checks, m);
        }
        checks.finish()?;
        Ok(self.input)
    }
}

fn check_settings(checks: &mut Checks, s: &ConnectionSettings) {
    if let Some(s3) = &s.s3_export
        && !s3.flexprice_managed
    {
        for (field, v) in [
            ("settings.s3_export.bucket", &s3.bucket),
            ("settings.s3_export.region", &s3.region),
        ] {
            match v {
                Some(v) => {
                    checks.length(field, v, 1, TEXT_MAX);
                }
                None => checks.fail(field, "is required unless the bucket is Flexprice-managed"),
            }
        }
    }
    if let Some(r) = &s.aws_marketplace_region {
        checks.length("settings.aws_marketplace_region", r, 1, TEXT_MAX);
    }
}

fn check_metadata(checks: &mut Checks, m: &JsonObject) {
    if m.keys().any(String::is_empty) {
        checks.fail("metadata", "keys must not be empty");
    }
}

/// Changes to a connection. `sync_config` replaces the whole config; `metadata` replaces the whole object.
/// Secrets can be rotated only where the provider allows (see
/// [`crate::ConnectionCapabilities::update_fields`]).
///
/// ```
/// use unibill_core::ConnectionUpdate;
/// let u = ConnectionUpdate::builder().name("Stripe (EU)").build().unwrap();
/// assert_eq!(u.name(), Some("Stripe (EU)"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct ConnectionUpdate {
    name: Option<String>,
    metadata: Patch<JsonObject>,
    sync_config: Option<SyncConfig>,
    secrets: Option<ConnectionSecrets>,
}

impl ConnectionUpdate {
    /// An update that changes nothing yet.
    pub fn builder() -> ConnectionUpdateBuilder {
        ConnectionUpdateBuilder::default()
    }
    /// New name.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
    /// Metadata change.
    pub fn metadata(&self) -> &Patch<JsonObject> {
        &self.metadata
    }
    /// New sync config (replaces the old one).
    pub fn sync_config(&self) -> Option<&SyncConfig> {
        self.sync_config.as_ref()
    }
    /// New secrets.
    pub fn secrets(&self) -> Option<&ConnectionSecrets> {
        self.secrets.as_ref()
    }
    /// Whether the update changes nothing.
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.metadata.is_keep()
            && self.sync_config.is_none()
            && self.secrets.is_none()
    }
}

/// Builds a [`ConnectionUpdate`].
#[derive(Debug, Clone, Default)]
pub struct ConnectionUpdateBuilder {
    update: ConnectionUpdate,
}

impl ConnectionUpdateBuilder {
    /// Sets the name.
    pub fn name(mut self, v: impl Into<String>) -> Self {
        self.update.name = Some(v.into());
        self
    }
    /// Replaces the metadata.
    pub fn metadata(mut self, v: JsonObject) -> Self {
        self.update.metadata = Patch::Set(v);
        self
    }
    /// Removes the metadata.
    pub fn clear_metadata(mut self) -> Self {
        self.update.metadata = Patch::Clear;
        self
    }
    /// Replaces the sync config.
    pub fn sync_config(mut self, v: SyncConfig) -> Self {
        self.update.sync_config = Some(v);
        self
    }
    /// Rotates the secrets.
    pub fn secrets(mut self, v: ConnectionSecrets) -> Self {
        self.update.secrets = Some(v);
        self
    }
    /// Checks set values by the rules of [`NewConnection`] (secrets against the type are checked by the
    /// provider, which knows the connection's type).
    pub fn build(self) -> Result<ConnectionUpdate> {
        let u = &self.update;
        let mut checks = Checks::new();
        if let Some(n) = &u.name {
            checks.length("name", n, 1, NAME_MAX);
        }
        if let Patch::Set(m) = &u.metadata {
            check_metadata(&mut checks, m);
        }
        if let Some(s) = &u.secrets {
            s.check(&mut checks, None);
        }
        checks.finish()?;
        Ok(self.update)
    }
}

/// Whether a connection is active or archived. Unknown provider values are kept.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionStatus {
    /// In use (Flexprice `published`).
    Active,
    /// Deleted (archived).
    Archived,
    /// A status this version of unibill does not know.
    #[serde(untagged)]
    Other(String),
}

/// A connection as the provider holds it. It never holds a secret: providers do not return them.
///
/// ```
/// use unibill_core::{Connection, ConnectionProviderType};
/// let c = Connection::builder("conn_1", "Stripe", ConnectionProviderType::Stripe).build();
/// assert_eq!(c.provider_type.as_str(), "stripe");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Connection {
    /// The provider's handle.
    pub id: ConnectionId,
    /// Name.
    pub name: String,
    /// What it connects to.
    pub provider_type: ConnectionProviderType,
    /// Non-secret settings.
    pub settings: ConnectionSettings,
    /// Sync directions (`Default`: nothing syncs).
    pub sync_config: SyncConfig,
    /// Metadata.
    pub metadata: JsonObject,
    /// Active or archived.
    pub status: ConnectionStatus,
    /// When it was created.
    pub created_at: Option<Timestamp>,
    /// When it was last updated.
    pub updated_at: Option<Timestamp>,
    /// Which provider holds it.
    pub provider: Cow<'static, str>,
    /// The provider's own JSON for it (providers never send secrets back).
    pub raw: Option<RawJson>,
}

impl Connection {
    /// A builder with the required fields; active, provider `"mock"`.
    pub fn builder(
        id: impl Into<ConnectionId>,
        name: impl Into<String>,
        provider_type: ConnectionProviderType,
    ) -> ConnectionBuilder {
        ConnectionBuilder {
            connection: Connection {
                id: id.into(),
                name: name.into(),
                provider_type,
                settings: ConnectionSettings::default(),
                sync_config: SyncConfig::default(),
                metadata: JsonObject::new(),
                status: ConnectionStatus::Active,
                created_at: None,
                updated_at: None,
                provider: Cow::Borrowed("mock"),
                raw: None,
            },
        }
    }
}

/// Builds a [`Connection`] (for mocks and adapters).
#[derive(Debug, Clone)]
pub struct ConnectionBuilder {
    connection: Connection,
}

impl ConnectionBuilder {
    /// Settings.
    pub fn settings(mut self, v: ConnectionSettings) -> Self {
        self.connection.settings = v;
        self
    }
    /// Sync config.
    pub fn sync_config(mut self, v: SyncConfig) -> Self {
        self.connection.sync_config = v;
        self
    }
    /// Metadata.
    pub fn metadata(mut self, v: JsonObject) -> Self {
        self.connection.metadata = v;
        self
    }
    /// Status.
    pub fn status(mut self, v: ConnectionStatus) -> Self {
        self.connection.status = v;
        self
    }
    /// Creation time.
    pub fn created_at(mut self, v: Timestamp) -> Self {
        self.connection.created_at = Some(v);
        self
    }
    /// Update time.
    pub fn updated_at(mut self, v: Timestamp) -> Self {
        self.connection.updated_at = Some(v);
        self
    }
    /// Provider name.
    pub fn provider(mut self, v: impl Into<Cow<'static, str>>) -> Self {
        self.connection.provider = v.into();
        self
    }
    /// Provider JSON.
    pub fn raw(mut self, v: RawJson) -> Self {
        self.connection.raw = Some(v);
        self
    }
    /// The connection.
    pub fn build(self) -> Connection {
        self.connection
    }
}

/// Which connections to list (active ones only: archived connections are gone on every provider).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ConnectionListQuery {
    /// Only this provider type.
    pub provider_type: Option<ConnectionProviderType>,
    /// Page size.
    pub limit: Option<u32>,
    /// Where to continue.
    pub cursor: Option<Cursor>,
    /// The most pages [`list_all`](crate::ConnectionsExt::list_all) fetches before it ends with a `Provider`
    /// error (`None`: [`DEFAULT_MAX_PAGES`](crate::page::DEFAULT_MAX_PAGES); 0 is `InvalidInput`). A single
    /// `list` fetches one page and ignores it.
    pub max_pages: Option<u32>,
}

impl ConnectionListQuery {
    /// Every connection.
    pub fn new() -> Self {
        Self::default()
    }
    /// Only this provider type.
    pub fn provider_type(mut self, v: ConnectionProviderType) -> Self {
        self.provider_type = Some(v);
        self
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
    /// Bounds [`list_all`](crate::ConnectionsExt::list_all) to `pages` pages (default
    /// [`DEFAULT_MAX_PAGES`](crate::page::DEFAULT_MAX_PAGES)).
    pub fn max_pages(mut self, pages: u32) -> Self {
        self.max_pages = Some(pages);
        self
    }
    /// The fingerprint cursors are tagged with.
    pub fn fingerprint(&self) -> u64 {
        crate::page::QueryFingerprint::new()
            .with("connections")
            .with_opt(
                self.provider_type
                    .as_ref()
                    .map(ConnectionProviderType::as_str),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn one(r: Result<NewConnection>) -> String {
        let err = r.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert_eq!(err.field_errors().len(), 1, "{err:?}");
        err.field_errors()[0].field.clone()
    }

    fn b(name: &str) -> NewConnectionBuilder {
        NewConnection::builder(name, ConnectionProviderType::Stripe)
    }

    #[test]
    fn name_length() {
        assert!(b(&"n".repeat(255)).build().is_ok());
        assert!(b("n").build().is_ok());
        assert_eq!(one(b("").build()), "name");
        assert_eq!(one(b(&"n".repeat(256)).build()), "name");
    }

    #[test]
    fn provider_types_round_trip() {
        for t in [
            "flexprice",
            "stripe",
            "s3",
            "hubspot",
            "razorpay",
            "chargebee",
            "quickbooks",
            "zoho_books",
            "nomod",
            "moyasar",
            "paddle",
            "whop",
            "tabs",
            "aws_marketplace",
            "gcp_marketplace",
            "azure_marketplace",
        ] {
            let pt = ConnectionProviderType::from(t);
            assert!(!matches!(pt, ConnectionProviderType::Other(_)), "{t}");
            assert_eq!(serde_json::to_value(&pt).unwrap(), t);
        }
        let other = NewConnection::builder("x", ConnectionProviderType::Other(String::new()));
        assert_eq!(one(other.build()), "provider_type");
        assert!(
            NewConnection::builder("x", ConnectionProviderType::from("acme"))
                .build()
                .is_ok()
        );
    }

    #[test]
    fn secrets_match_the_provider_type() {
        assert!(
            b("x")
                .secrets(ConnectionSecrets::stripe("a", "b", "c"))
                .build()
                .is_ok()
        );
        assert_eq!(
            one(b("x").secrets(ConnectionSecrets::s3("a", "b")).build()),
            "secrets"
        );
        assert_eq!(
            one(b("x")
                .secrets(ConnectionSecrets::generic([("k", "v")]))
                .build()),
            "secrets"
        );
        let razorpay = NewConnection::builder("x", ConnectionProviderType::Razorpay);
        assert!(
            razorpay
                .clone()
                .secrets(ConnectionSecrets::generic([
                    ("key_id", "k"),
                    ("secret_key", "s")
                ]))
                .build()
                .is_ok()
        );
        assert_eq!(
            one(razorpay
                .clone()
                .secrets(ConnectionSecrets::generic(Vec::<(String, String)>::new()))
                .build()),
            "secrets"
        );
        assert_eq!(
            one(razorpay
                .secrets(ConnectionSecrets::generic([("", "v")]))
                .build()),
            "secrets"
        );
    }

    #[test]
    fn secret_values_must_not_be_empty() {
        assert_eq!(
            one(b("x")
                .secrets(ConnectionSecrets::stripe("pk", "", "wh"))
                .build()),
            "secrets.secret_key"
        );
        let s3 = NewConnection::builder("x", ConnectionProviderType::S3);
        assert_eq!(
            one(s3.secrets(ConnectionSecrets::s3("", "x")).build()),
            "secrets.aws_access_key_id"
        );
        let hs = NewConnection::builder("x", ConnectionProviderType::HubSpot);
        assert_eq!(
            one(hs.secrets(ConnectionSecrets::hubspot("t", "")).build()),
            "secrets.client_secret"
        );
        let u = ConnectionUpdate::builder()
            .secrets(ConnectionSecrets::generic([("api_key", "")]))
            .build();
        assert_eq!(u.unwrap_err().field_errors()[0].field, "secrets.api_key");
    }

    #[test]
    fn settings_rules() {
        let s3 = |s: S3ExportSettings| {
            NewConnection::builder("x", ConnectionProviderType::S3)
                .settings(ConnectionSettings {
                    s3_export: Some(s),
                    ..Default::default()
                })
                .build()
        };
        assert!(
            s3(S3ExportSettings {
                bucket: Some("b".into()),
                region: Some("eu-west-1".into()),
                compression: Some(S3Compression::Gzip),
                encryption: Some(S3Encryption::AwsKms),
                ..Default::default()
            })
            .is_ok()
        );
        assert!(
            s3(S3ExportSettings {
                flexprice_managed: true,
                ..Default::default()
            })
            .is_ok()
        );
        assert_eq!(
            one(s3(S3ExportSettings {
                region: Some("r".into()),
                ..Default::default()
            })),
            "settings.s3_export.bucket"
        );
        assert_eq!(
            one(s3(S3ExportSettings {
                bucket: Some("b".into()),
                region: Some(String::new()),
                ..Default::default()
            })),
            "settings.s3_export.region"
        );
        let aws = |r: &str| {
            NewConnection::builder("x", ConnectionProviderType::AwsMarketplace)
                .settings(ConnectionSettings {
                    aws_marketplace_region: Some(r.into()),
                    ..Default::default()
                })
                .build()
        };
        assert!(aws("us-east-1").is_ok());
        assert_eq!(one(aws("")), "settings.aws_marketplace_region");
    }

    #[test]
    fn metadata_and_update_rules() {
        let mut m = JsonObject::new();
        m.insert("redirect_url".into(), "https://x".into());
        assert!(b("x").metadata(m).build().is_ok());
        let mut bad = JsonObject::new();
        bad.insert(String::new(), 1.into());
        assert_eq!(one(b("x").metadata(bad.clone()).build()), "metadata");
        assert!(
            ConnectionUpdate::builder()
                .name("n".repeat(255))
                .build()
                .is_ok()
        );
        for (u, field) in [
            (ConnectionUpdate::builder().name(""), "name"),
            (ConnectionUpdate::builder().name("n".repeat(256)), "name"),
            (ConnectionUpdate::builder().metadata(bad), "metadata"),
        ] {
            assert_eq!(u.build().unwrap_err().field_errors()[0].field, field);
        }
    }

    #[test]
    fn encryption_spellings() {
        assert_eq!(
            serde_json::to_value(S3Encryption::AwsKmsDsse).unwrap(),
            "aws:kms:dsse"
        );
        let other: S3Encryption = serde_json::from_value("rot13".into()).unwrap();
        assert_eq!(other, S3Encryption::Other("rot13".into()));
    }
}
