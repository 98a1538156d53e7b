//! [`FlowgladConfig`]: the secret key, base URL and organisation currency, from code or the environment.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use unibill_core::{Currency, Error, Result};
use unibill_http::{
    VariableLookup, check_base_url, plain_variable, secret_values, secret_variable,
};
use url::Url;

use crate::PROVIDER;

/// The environment variable holding the secret key.
pub const ENV_SECRET_KEY: &str = "FLOWGLAD_SECRET_KEY";
/// The environment variable overriding the base URL.
pub const ENV_BASE_URL: &str = "FLOWGLAD_BASE_URL";
/// The environment variable naming the organisation's default currency.
pub const ENV_CURRENCY: &str = "FLOWGLAD_CURRENCY";
/// Flowglad's API host.
pub const DEFAULT_BASE_URL: &str = "https://app.flowglad.com";

/// How to reach one Flowglad organisation.
///
/// Flowglad gives every price the organisation's default currency (a `currency` sent on create is silently
/// dropped), so the adapter is told that currency and refuses a price in any other one before sending.
/// `Debug` never shows the key.
///
/// ```
/// use unibill_core::Currency;
/// use unibill_flowglad::FlowgladConfig;
///
/// let config = FlowgladConfig::from_lookup(|name| match name {
///     "FLOWGLAD_SECRET_KEY" => Some("sk_test_abcd_secret".to_owned()),
///     "FLOWGLAD_CURRENCY" => Some("eur".to_owned()),
///     _ => None,
/// })?;
/// assert_eq!(config.currency(), &Currency::EUR);
/// assert_eq!(config.base_url().as_str(), "https://app.flowglad.com/");
/// assert!(!format!("{config:?}").contains("sk_test_abcd"));
/// # Ok::<(), unibill_core::Error>(())
/// ```
#[derive(Clone)]
pub struct FlowgladConfig {
    secret_key: SecretString,
    base_url: Url,
    currency: Currency,
}

impl FlowgladConfig {
    /// A builder with the secret key; base URL and currency take their defaults.
    pub fn builder(secret_key: impl Into<SecretString>) -> FlowgladConfigBuilder {
        FlowgladConfigBuilder {
            secret_key: secret_key.into(),
            base_url: None,
            currency: None,
        }
    }

    /// From the process environment (`FLOWGLAD_SECRET_KEY`, `FLOWGLAD_BASE_URL`, `FLOWGLAD_CURRENCY`).
    ///
    /// `FLOWGLAD_CURRENCY` is read as caller input: a currency of ISO 4217's active list (any case), else a
    /// `Config` error naming the variable.
    pub fn from_env() -> Result<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// From any variable lookup (tests pass a closure over a map).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        Self::from_secret_lookup(secret_values(lookup))
    }

    /// [`FlowgladConfig::from_lookup`] from a lookup whose values are [`SecretString`]s (what the facade's
    /// `BillingConfig` passes: the key is never a plain `String` on its way in).
    pub fn from_secret_lookup(lookup: impl VariableLookup) -> Result<Self> {
        let key = secret_variable(&lookup, ENV_SECRET_KEY).ok_or_else(|| {
            Error::config(format!(
                "set {ENV_SECRET_KEY} to a Flowglad secret key (sk_test_… or sk_live_…)"
            ))
            .with_provider(PROVIDER)
        })?;
        let mut builder = Self::builder(key);
        if let Some(url) = plain_variable(&lookup, ENV_BASE_URL) {
            builder = builder.base_url(url);
        }
        if let Some(code) = plain_variable(&lookup, ENV_CURRENCY) {
            // Strict, as every input: a typo or a code outside ISO 4217's active list is a Config error, not
            // an organisation currency every price is then checked against. There is no opt-in here: Flowglad
            // counts in minor units, which a code outside ISO 4217 does not have (code can still pass any
            // `Currency` to the builder).
            let currency: Currency = code.trim().parse().map_err(|e: Error| {
                let why = e
                    .field_errors()
                    .first()
                    .map_or_else(|| e.message().to_owned(), |f| f.message.clone());
                Error::config(format!(
                    "{ENV_CURRENCY} (`currency` in a TOML [flowglad] table) must be the organisation's ISO 4217 \
                     currency, such as USD: {why}"
                ))
                .with_provider(PROVIDER)
                .with_source(e)
            })?;
            builder = builder.currency(currency);
        }
        builder.build()
    }

    /// The secret key.
    pub fn secret_key(&self) -> &SecretString {
        &self.secret_key
    }

    /// The base URL (`https://app.flowglad.com/` unless overridden).
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// The organisation's default currency: the only currency prices can be created in.
    pub fn currency(&self) -> &Currency {
        &self.currency
    }
}

impl fmt::Debug for FlowgladConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FlowgladConfig")
            .field("secret_key", &"[REDACTED]")
            .field("base_url", &self.base_url.as_str())
            .field("currency", &self.currency)
            .finish()
    }
}

/// Builds a [`FlowgladConfig`].
#[derive(Clone)]
pub struct FlowgladConfigBuilder {
    secret_key: SecretString,
    base_url: Option<String>,
    currency: Option<Currency>,
}

impl FlowgladConfigBuilder {
    /// Overrides the base URL (`https://`, or `http://` to a loopback host only).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The organisation's default currency (default USD).
    pub fn currency(mut self, currency: Currency) -> Self {
        self.currency = Some(currency);
        self
    }

    /// Checks the key and the base URL (`ErrorKind::Config` naming what to fix).
    pub fn build(self) -> Result<FlowgladConfig> {
        let key = self.secret_key.expose_secret();
        if key.trim().is_empty() {
            return Err(Error::config(format!(
                "the Flowglad secret key is empty; set {ENV_SECRET_KEY}"
            ))
            .with_provider(PROVIDER));
        }
        if key.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Error::config(
                "the Flowglad secret key must not contain spaces or control characters",
            )
            .with_provider(PROVIDER));
        }
        let raw = self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
        let base_url = Url::parse(raw).map_err(|e| {
            Error::config(format!("{ENV_BASE_URL} is not a URL (`{raw}`): {e}"))
                .with_provider(PROVIDER)
        })?;
        check_base_url(PROVIDER, &base_url)?;
        Ok(FlowgladConfig {
            secret_key: self.secret_key,
            base_url,
            currency: self.currency.unwrap_or(Currency::USD),
        })
    }
}

impl fmt::Debug for FlowgladConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FlowgladConfigBuilder")
            .field("secret_key", &"[REDACTED]")
            .field("base_url", &self.base_url)
            .field("currency", &self.currency)
            .finish()
    }
}
