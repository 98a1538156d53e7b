//! [`FlexpriceClient`]: one executor, implementing [`unibill_core::Customers`],
//! [`unibill_core::Connections`] and [`unibill_core::Prices`].

use std::fmt;

use unibill_core::Result;
use unibill_http::{HttpExecutor, HttpExecutorBuilder};

use crate::PROVIDER;
use crate::config::{FlexpriceConfig, SecretsForm};
use crate::errors::error_table;

/// The Flexprice adapter. Cheap to clone (the executor is one `Arc`); clones share the connection pool.
///
/// `Debug` shows the base URL, never the API key.
#[derive(Clone)]
pub struct FlexpriceClient {
    pub(crate) exec: HttpExecutor,
    pub(crate) secrets_form: SecretsForm,
}

impl FlexpriceClient {
    /// A client with the executor's defaults (timeouts, retry policy, tokio sleeper).
    pub fn new(config: FlexpriceConfig) -> Result<Self> {
        Self::with_http(config, |b| b)
    }

    /// A client whose executor `configure` adjusts (retry policy, timeouts, sleeper, observer, a custom
    /// `reqwest::Client`). Auth and the error table are set after it, so they cannot be replaced.
    ///
    /// ```
    /// use unibill_flexprice::{FlexpriceClient, FlexpriceConfig};
    /// use unibill_http::RetryPolicy;
    ///
    /// let config = FlexpriceConfig::builder("sk_test_123").build().unwrap();
    /// let client = FlexpriceClient::with_http(config, |http| http.retry_policy(RetryPolicy::never())).unwrap();
    /// assert!(!format!("{client:?}").contains("sk_test_123"));
    /// ```
    pub fn with_http(
        config: FlexpriceConfig,
        configure: impl FnOnce(HttpExecutorBuilder) -> HttpExecutorBuilder,
    ) -> Result<Self> {
        let builder = configure(HttpExecutor::builder(PROVIDER, config.base_url().clone()));
        let exec = builder
            .auth(
                unibill_http::http::HeaderName::from_static("x-api-key"),
                "",
                config.api_key().clone(),
            )
            .error_table(error_table)
            .build()?;
        Ok(FlexpriceClient {
            exec,
            secrets_form: config.secrets_form(),
        })
    }

    /// A client from `FLEXPRICE_API_KEY`, `FLEXPRICE_REGION` and `FLEXPRICE_BASE_URL`.
    pub fn from_env() -> Result<Self> {
        Self::new(FlexpriceConfig::from_env()?)
    }
}

impl fmt::Debug for FlexpriceClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FlexpriceClient")
            .field("exec", &self.exec)
            .field("secrets_form", &self.secrets_form)
            .finish()
    }
}
