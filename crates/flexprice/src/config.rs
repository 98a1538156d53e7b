//! [`FlexpriceConfig`]: the API key, the region or base URL, and how connection secrets are sent.

use std::fmt;
use std::str::FromStr;

use secrecy::SecretString;
use unibill_core::{Error, Result};
use unibill_http::{
    VariableLookup, check_base_url, plain_variable, secret_values, secret_variable,
};
use url::Url;

use crate::PROVIDER;

/// The variable holding the API key.
pub const ENV_API_KEY: &str = "FLEXPRICE_API_KEY";
/// The variable choosing the region (`us` or `india`).
pub const ENV_REGION: &str = "FLEXPRICE_REGION";
/// The variable overriding the base URL (self-hosted servers, emulators).
pub const ENV_BASE_URL: &str = "FLEXPRICE_BASE_URL";

/// A Flexprice cloud region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Region {
    /// `https://us.api.flexprice.io/v1` (the default).
    #[default]
    Us,
    /// `https://api.cloud.flexprice.io/v1`.
    India,
}

impl Region {
    /// The region's API base URL (with `/v1`, without a trailing slash).
    pub fn base_url(self) -> &'static str {
        match self {
            Region::Us => "https://us.api.flexprice.io/v1",
            Region::India => "https://api.cloud.flexprice.io/v1",
        }
    }
}

impl FromStr for Region {
    type Err = Error;

    /// `us` or `india` (also `in`), case-insensitive.
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "us" => Ok(Region::Us),
            "india" | "in" => Ok(Region::India),
            other => Err(Error::config(format!(
                "{ENV_REGION}: unknown Flexprice region `{other}`; use `us` or `india`"
            ))
            .with_provider(PROVIDER)),
        }
    }
}

/// How connection secrets (`encrypted_secret_data`) are encoded on create and update.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SecretsForm {
    /// The flat object keyed by the provider's own names (`{"secret_key": …}`): what the server reads.
    #[default]
    Flat,
    /// The old nested `ConnectionMetadata` form (`{"stripe": {…}}`, `{"generic": {"data": {…}}}`) of the
    /// archived docs. Beware: for Stripe, S3, HubSpot and Razorpay today's server stores *empty* secrets from
    /// it and still answers 201. Only for servers that need it.
    Nested,
}

/// Everything the Flexprice adapter is configured with. `Debug` never shows the API key.
///
/// ```
/// use unibill_flexprice::{FlexpriceConfig, Region};
///
/// let config = FlexpriceConfig::builder("sk_test_123").region(Region::India).build().unwrap();
/// assert_eq!(config.base_url().as_str(), "https://api.cloud.flexprice.io/v1");
/// assert!(!format!("{config:?}").contains("sk_test_123"));
///
/// let env = |name: &str| (name == "FLEXPRICE_API_KEY").then(|| "sk_test_123".to_owned());
/// let config = FlexpriceConfig::from_lookup(env).unwrap();
/// assert_eq!(config.base_url().as_str(), "https://us.api.flexprice.io/v1");
/// ```
#[derive(Clone)]
pub struct FlexpriceConfig {
    api_key: SecretString,
    base_url: Url,
    secrets_form: SecretsForm,
}

impl FlexpriceConfig {
    /// A builder with the API key; region US, flat secrets.
    pub fn builder(api_key: impl Into<SecretString>) -> FlexpriceConfigBuilder {
        FlexpriceConfigBuilder {
            api_key: api_key.into(),
            region: Region::Us,
            base_url: None,
            secrets_form: SecretsForm::Flat,
        }
    }

    /// From the process environment: `FLEXPRICE_API_KEY` (required), `FLEXPRICE_REGION`, `FLEXPRICE_BASE_URL`.
    pub fn from_env() -> Result<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// From any variable lookup (what [`FlexpriceConfig::from_env`] uses; tests pass a closure).
    ///
    /// A missing or empty key, an unknown region or a bad base URL is `ErrorKind::Config` naming the variable.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        Self::from_secret_lookup(secret_values(lookup))
    }

    /// [`FlexpriceConfig::from_lookup`] from a lookup whose values are [`SecretString`]s (what the facade's
    /// `BillingConfig` passes: the key is never a plain `String` on its way in).
    pub fn from_secret_lookup(lookup: impl VariableLookup) -> Result<Self> {
        let api_key = secret_variable(&lookup, ENV_API_KEY).ok_or_else(|| {
            Error::config(format!(
                "{ENV_API_KEY} is not set: set it to your Flexprice API key"
            ))
            .with_provider(PROVIDER)
        })?;
        let mut builder = FlexpriceConfig::builder(api_key);
        if let Some(region) = plain_variable(&lookup, ENV_REGION) {
            builder = builder.region(region.parse()?);
        }
        if let Some(url) = plain_variable(&lookup, ENV_BASE_URL) {
            let url = Url::parse(&url).map_err(|e| {
                Error::config(format!("{ENV_BASE_URL} is not a URL: {e}")).with_provider(PROVIDER)
            })?;
            builder = builder.base_url(url);
        }
        builder.build().map_err(|e| {
            Error::config(format!("{ENV_BASE_URL}: {}", e.message())).with_provider(PROVIDER)
        })
    }

    /// The API key (send it, never log it).
    pub fn api_key(&self) -> &SecretString {
        &self.api_key
    }

    /// The API base URL, `…/v1` without a trailing slash.
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// How connection secrets are encoded.
    pub fn secrets_form(&self) -> SecretsForm {
        self.secrets_form
    }
}

impl fmt::Debug for FlexpriceConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FlexpriceConfig")
            .field("api_key", &"[REDACTED]")
            .field("base_url", &self.base_url.as_str())
            .field("secrets_form", &self.secrets_form)
            .finish()
    }
}

/// Builds a [`FlexpriceConfig`].
pub struct FlexpriceConfigBuilder {
    api_key: SecretString,
    region: Region,
    base_url: Option<Url>,
    secrets_form: SecretsForm,
}

impl FlexpriceConfigBuilder {
    /// The cloud region (ignored when a base URL is set).
    pub fn region(mut self, region: Region) -> Self {
        self.region = region;
        self
    }

    /// A base URL instead of the region's (a self-hosted `https://host/v1`, or a loopback emulator).
    pub fn base_url(mut self, url: Url) -> Self {
        self.base_url = Some(url);
        self
    }

    /// How connection secrets are encoded (default [`SecretsForm::Flat`]).
    pub fn secrets_form(mut self, form: SecretsForm) -> Self {
        self.secrets_form = form;
        self
    }

    /// Checks the configuration: a non-empty key, and an `https://` base URL (plain `http://` only to a
    /// loopback host). A trailing slash on the base URL is dropped.
    pub fn build(self) -> Result<FlexpriceConfig> {
        use secrecy::ExposeSecret;
        if self.api_key.expose_secret().trim().is_empty() {
            return Err(Error::config(format!(
                "the Flexprice API key is empty: set {ENV_API_KEY}"
            ))
            .with_provider(PROVIDER));
        }
        let mut base_url = match self.base_url {
            Some(url) => url,
            None => Url::parse(self.region.base_url()).map_err(|e| {
                Error::config(format!("bad built-in base URL: {e}")).with_provider(PROVIDER)
            })?,
        };
        check_base_url(PROVIDER, &base_url)?;
        if base_url.path().len() > 1 && base_url.path().ends_with('/') {
            let trimmed = base_url.path().trim_end_matches('/').to_owned();
            base_url.set_path(&trimmed);
        }
        Ok(FlexpriceConfig {
            api_key: self.api_key,
            base_url,
            secrets_form: self.secrets_form,
        })
    }
}

impl fmt::Debug for FlexpriceConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FlexpriceConfigBuilder")
            .field("api_key", &"[REDACTED]")
            .field("region", &self.region)
            .field("base_url", &self.base_url.as_ref().map(Url::as_str))
            .field("secrets_form", &self.secrets_form)
            .finish()
    }
}
