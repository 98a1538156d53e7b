//! [`HttpExecutorBuilder`]: everything an executor is configured with.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::header::{ACCEPT, AUTHORIZATION, USER_AGENT};
use http::{HeaderMap, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use unibill_core::{Error, Result};
use url::Url;

use crate::base_url::check_base_url;
use crate::executor::{HttpExecutor, Inner};
use crate::jitter::{Jitter, RandomJitter};
use crate::observer::{NoopObserver, RetryObserver};
use crate::policy::RetryPolicy;
use crate::resolver::SpareConnectGuardResolver;
use crate::response::{ErrorTable, StatusErrorTable};
use unibill_core::{Clock, SystemClock};
use unibill_core::{Sleeper, TokioSleeper};

/// The user agent every executor sends unless told otherwise: `unibill/<version>`.
pub const USER_AGENT_VALUE: &str = concat!("unibill/", env!("CARGO_PKG_VERSION"));

/// Default largest error body kept: 64 KiB.
pub const DEFAULT_ERROR_BODY_CAP: usize = 64 * 1024;
/// Default largest success body accepted: 16 MiB.
pub const DEFAULT_SUCCESS_BODY_CAP: usize = 16 * 1024 * 1024;
/// Default longest request URL: 16 KiB. Provider APIs' own servers refuse far shorter ones; the HTTP stack
/// cannot send one of 64 KiB or more at all.
pub const DEFAULT_MAX_URL_LEN: usize = 16 * 1024;
/// Default per-attempt timeout: 30 s.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default total deadline of a call, retries and waits included: 90 s.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(90);

struct Auth {
    name: HeaderName,
    prefix: &'static str,
    secret: SecretString,
}

/// Builds an [`HttpExecutor`]; start with [`HttpExecutor::builder`].
pub struct HttpExecutorBuilder {
    provider: &'static str,
    base_url: Url,
    client: Option<reqwest::ClientBuilder>,
    auth: Option<Auth>,
    headers: HeaderMap,
    attempt_timeout: Duration,
    deadline: Duration,
    policy: RetryPolicy,
    error_body_cap: usize,
    success_body_cap: usize,
    max_url_len: usize,
    sleeper: Arc<dyn Sleeper>,
    jitter: Arc<dyn Jitter>,
    clock: Arc<dyn Clock>,
    observer: Arc<dyn RetryObserver>,
    error_table: Arc<dyn ErrorTable>,
}

impl HttpExecutorBuilder {
    pub(crate) fn new(provider: &'static str, base_url: Url) -> Self {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));
        HttpExecutorBuilder {
            provider,
            base_url,
            client: None,
            auth: None,
            headers,
            attempt_timeout: DEFAULT_ATTEMPT_TIMEOUT,
            deadline: DEFAULT_DEADLINE,
            policy: RetryPolicy::default(),
            error_body_cap: DEFAULT_ERROR_BODY_CAP,
            success_body_cap: DEFAULT_SUCCESS_BODY_CAP,
            max_url_len: DEFAULT_MAX_URL_LEN,
            sleeper: Arc::new(TokioSleeper),
            jitter: Arc::new(RandomJitter::new()),
            clock: Arc::new(SystemClock),
            observer: Arc::new(NoopObserver),
            error_table: Arc::new(StatusErrorTable),
        }
    }

    /// Builds the HTTP client from this `reqwest::ClientBuilder` (proxy, extra root certificate, connection pool
    /// settings). Its own timeouts, if any, are treated as attempt timeouts.
    ///
    /// The executor always sets `redirect(Policy::none())` on it: no provider API redirects, and a followed
    /// redirect would carry the credential and the body to another origin, so a `3xx` answer is an error
    /// ([`HttpExecutor::send`]). (That is why this takes a builder, not a finished `reqwest::Client`, whose
    /// redirect policy could not be checked.)
    ///
    /// Default: `reqwest::Client::builder()` with rustls and [`SpareConnectGuardResolver`] as its DNS resolver;
    /// give your builder that resolver (`ClientBuilder::dns_resolver`) to keep its connection count at the
    /// concurrency.
    pub fn client_builder(mut self, client: reqwest::ClientBuilder) -> Self {
        self.client = Some(client);
        self
    }

    /// Authenticates with header `name: <prefix><secret>` (e.g. `("x-api-key", "", key)` or
    /// `(AUTHORIZATION, "Bearer ", key)`). The header is marked sensitive and the secret is scrubbed, in every
    /// encoding the [`Scrubber`](crate::Scrubber) knows, from every text of every error a call returns.
    pub fn auth(mut self, name: HeaderName, prefix: &'static str, secret: SecretString) -> Self {
        self.auth = Some(Auth {
            name,
            prefix,
            secret,
        });
        self
    }

    /// Authenticates with `Authorization: Bearer <secret>`.
    pub fn bearer_auth(self, secret: SecretString) -> Self {
        self.auth(AUTHORIZATION, "Bearer ", secret)
    }

    /// Sends `name: value` on every request (replacing a default of the same name, e.g. `User-Agent`).
    pub fn default_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// The longest one attempt (connect, send, read the answer) may take.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = timeout;
        self
    }

    /// The longest a whole call (every attempt and wait) may take.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The retry bounds; [`RetryPolicy::never`] sends every request once.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The most bytes of an error body kept (the rest is not read).
    pub fn error_body_cap(mut self, cap: usize) -> Self {
        self.error_body_cap = cap;
        self
    }

    /// The most bytes of a success body accepted (a longer one is `Decode`).
    pub fn success_body_cap(mut self, cap: usize) -> Self {
        self.success_body_cap = cap;
        self
    }

    /// The longest request URL sent (default [`DEFAULT_MAX_URL_LEN`]); a longer one is `InvalidInput`, naming
    /// the path parameter or query key that makes it long, before anything is sent.
    pub fn max_url_len(mut self, len: usize) -> Self {
        self.max_url_len = len;
        self
    }

    /// How to wait between attempts (default: tokio's timer).
    pub fn sleeper(mut self, sleeper: impl Sleeper + 'static) -> Self {
        self.sleeper = Arc::new(sleeper);
        self
    }

    /// The backoff's random source (default: a small internal generator).
    pub fn jitter(mut self, jitter: impl Jitter + 'static) -> Self {
        self.jitter = Arc::new(jitter);
        self
    }

    /// The wall clock HTTP-date `Retry-After` values are measured against.
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Told about every retry.
    pub fn observer(mut self, observer: impl RetryObserver + 'static) -> Self {
        self.observer = Arc::new(observer);
        self
    }

    /// The adapter's error table (default: [`StatusErrorTable`], the kind from the status alone).
    pub fn error_table(mut self, table: impl ErrorTable + 'static) -> Self {
        self.error_table = Arc::new(table);
        self
    }

    /// Checks the configuration and builds the executor.
    ///
    /// Fails with `ErrorKind::Config` for a non-https base URL to a non-loopback host, a secret that cannot be
    /// a header value, or a client that cannot be built.
    pub fn build(self) -> Result<HttpExecutor> {
        let provider = self.provider;
        check_base_url(provider, &self.base_url)?;
        let auth = match self.auth {
            Some(Auth {
                name,
                prefix,
                secret,
            }) => {
                let mut value =
                    HeaderValue::from_str(&format!("{prefix}{}", secret.expose_secret())).map_err(
                        |_| {
                            Error::config(format!(
                        "the {provider} API key contains characters not allowed in an HTTP header"
                    ))
                    .with_provider(provider)
                        },
                    )?;
                value.set_sensitive(true);
                Some((name, value, secret))
            }
            None => None,
        };
        let client = self
            .client
            .unwrap_or_else(|| {
                reqwest::Client::builder()
                    .dns_resolver(Arc::new(SpareConnectGuardResolver::system()))
            })
            // Never follow a redirect: the credential and the body stay with the configured origin.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| {
                Error::config(format!("cannot build the {provider} HTTP client"))
                    .with_provider(provider)
                    .with_source(e)
            })?;
        // The auth header joins the defaults once, here, instead of on every request.
        let mut headers = self.headers;
        if let Some((name, value, _)) = &auth {
            headers.insert(name.clone(), value.clone());
        }
        Ok(HttpExecutor {
            inner: Arc::new(Inner {
                provider,
                base_url: self.base_url,
                client,
                auth,
                headers,
                attempt_timeout: self.attempt_timeout,
                deadline: self.deadline,
                policy: self.policy,
                error_body_cap: self.error_body_cap,
                success_body_cap: self.success_body_cap,
                max_url_len: self.max_url_len,
                sleeper: self.sleeper,
                jitter: self.jitter,
                clock: self.clock,
                observer: self.observer,
                error_table: self.error_table,
            }),
        })
    }
}

impl fmt::Debug for HttpExecutorBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpExecutorBuilder")
            .field("provider", &self.provider)
            .field("base_url", &self.base_url.as_str())
            .field("auth_header", &self.auth.as_ref().map(|a| a.name.as_str()))
            .field("attempt_timeout", &self.attempt_timeout)
            .field("deadline", &self.deadline)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}
