//! [`VercelConfig`]: the token, the team scope and the base URL, from code or the environment.

use std::fmt;

use secrecy::SecretString;
use unibill_core::{Error, Result};
use unibill_http::url::Url;
use unibill_http::{Request, VariableLookup, plain_variable, secret_values, secret_variable};

/// The API every call goes to unless told otherwise.
pub const DEFAULT_BASE_URL: &str = "https://api.vercel.com";

/// Environment variable of the access token (required).
pub const ENV_TOKEN: &str = "VERCEL_TOKEN";
/// Environment variable of the team id (`team_…`), sent as the `teamId` query on every call.
pub const ENV_TEAM_ID: &str = "VERCEL_TEAM_ID";
/// Environment variable of the team URL slug, sent as the `slug` query on every call.
pub const ENV_TEAM_SLUG: &str = "VERCEL_TEAM_SLUG";
/// Environment variable overriding the base URL (default [`DEFAULT_BASE_URL`]).
pub const ENV_BASE_URL: &str = "VERCEL_BASE_URL";

/// On whose behalf calls are made: a team by id or by slug. Without one, the token's personal account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TeamScope {
    /// `?teamId=team_…`.
    Id(String),
    /// `?slug=<team slug>`.
    Slug(String),
}

impl TeamScope {
    /// The query pair this scope adds to every call.
    pub fn query(&self) -> (&'static str, &str) {
        match self {
            TeamScope::Id(id) => ("teamId", id),
            TeamScope::Slug(slug) => ("slug", slug),
        }
    }
}

/// `request` with the team query added last (after the operation's own query), when there is a team.
pub(crate) fn scoped(request: Request, team: Option<&TeamScope>) -> Request {
    match team {
        Some(team) => {
            let (key, value) = team.query();
            request.query(key, value)
        }
        None => request,
    }
}

/// How to reach Vercel: a bearer token (never shown by `Debug`), an optional team scope, the base URL.
///
/// ```
/// use unibill_vercel::{TeamScope, VercelConfig};
///
/// let config = VercelConfig::builder("vercel_tok_123").team_id("team_abc").build()?;
/// assert_eq!(config.team(), Some(&TeamScope::Id("team_abc".into())));
/// assert_eq!(config.base_url().as_str(), "https://api.vercel.com/");
/// assert!(!format!("{config:?}").contains("vercel_tok_123"));
///
/// let env = |name: &str| match name {
///     "VERCEL_TOKEN" => Some("vercel_tok_123".to_owned()),
///     "VERCEL_TEAM_SLUG" => Some("acme".to_owned()),
///     _ => None,
/// };
/// let config = VercelConfig::from_lookup(env)?;
/// assert_eq!(config.team(), Some(&TeamScope::Slug("acme".into())));
/// # Ok::<(), unibill_core::Error>(())
/// ```
#[derive(Clone)]
pub struct VercelConfig {
    token: SecretString,
    team: Option<TeamScope>,
    base_url: Url,
}

impl VercelConfig {
    /// A builder with the token; no team, the default base URL.
    pub fn builder(token: impl Into<SecretString>) -> VercelConfigBuilder {
        VercelConfigBuilder {
            token: token.into(),
            team: None,
            base_url: None,
        }
    }

    /// From the process environment: see [`VercelConfig::from_lookup`].
    pub fn from_env() -> Result<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// From variables read through `lookup`: [`ENV_TOKEN`] (required), at most one of [`ENV_TEAM_ID`] and
    /// [`ENV_TEAM_SLUG`], and [`ENV_BASE_URL`]. Empty values count as unset. Errors are `Config` and name the
    /// variable.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        Self::from_secret_lookup(secret_values(lookup))
    }

    /// [`VercelConfig::from_lookup`] from a lookup whose values are [`SecretString`]s (what the facade's
    /// `BillingConfig` passes: the token is never a plain `String` on its way in).
    pub fn from_secret_lookup(lookup: impl VariableLookup) -> Result<Self> {
        let get = |name: &str| plain_variable(&lookup, name);
        let token = secret_variable(&lookup, ENV_TOKEN).ok_or_else(|| {
            Error::config(format!(
                "set {ENV_TOKEN} to a Vercel access token to use the vercel stores provider"
            ))
            .with_provider(crate::PROVIDER)
        })?;
        let mut builder = Self::builder(token);
        match (get(ENV_TEAM_ID), get(ENV_TEAM_SLUG)) {
            (Some(_), Some(_)) => {
                return Err(Error::config(format!(
                    "set only one of {ENV_TEAM_ID} and {ENV_TEAM_SLUG}"
                ))
                .with_provider(crate::PROVIDER));
            }
            (Some(id), None) => builder = builder.team_id(id),
            (None, Some(slug)) => builder = builder.team_slug(slug),
            (None, None) => {}
        }
        if let Some(url) = get(ENV_BASE_URL) {
            builder = builder.base_url(url);
        }
        builder.build().map_err(|e| {
            if get(ENV_BASE_URL).is_some() {
                Error::config(format!("{ENV_BASE_URL}: {}", e.message()))
                    .with_provider(crate::PROVIDER)
            } else {
                e
            }
        })
    }

    /// The token.
    pub fn token(&self) -> &SecretString {
        &self.token
    }

    /// The team scope, if any.
    pub fn team(&self) -> Option<&TeamScope> {
        self.team.as_ref()
    }

    /// The base URL.
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }
}

impl fmt::Debug for VercelConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VercelConfig")
            .field("token", &"[redacted]")
            .field("team", &self.team)
            .field("base_url", &self.base_url.as_str())
            .finish()
    }
}

/// Builds a [`VercelConfig`].
pub struct VercelConfigBuilder {
    token: SecretString,
    team: Option<TeamScope>,
    base_url: Option<String>,
}

impl fmt::Debug for VercelConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VercelConfigBuilder")
            .field("token", &"[redacted]")
            .field("team", &self.team)
            .field("base_url", &self.base_url)
            .finish()
    }
}

impl VercelConfigBuilder {
    /// Acts for the team with this id (`teamId` query).
    pub fn team_id(mut self, id: impl Into<String>) -> Self {
        self.team = Some(TeamScope::Id(id.into()));
        self
    }

    /// Acts for the team with this URL slug (`slug` query).
    pub fn team_slug(mut self, slug: impl Into<String>) -> Self {
        self.team = Some(TeamScope::Slug(slug.into()));
        self
    }

    /// Acts for this team scope, or the personal account with `None`.
    pub fn team(mut self, team: Option<TeamScope>) -> Self {
        self.team = team;
        self
    }

    /// Another base URL (an emulator, a proxy). `http://` only to loopback hosts.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Checks and builds: the token must be non-empty, a team id or slug non-empty, the base URL an absolute
    /// `https://` URL (or `http://` to a loopback host). Errors are `Config`.
    pub fn build(self) -> Result<VercelConfig> {
        use secrecy::ExposeSecret;
        let config_err = |m: String| Error::config(m).with_provider(crate::PROVIDER);
        if self.token.expose_secret().trim().is_empty() {
            return Err(config_err("the Vercel token is empty".into()));
        }
        if let Some(team) = &self.team {
            let (key, value) = team.query();
            if value.trim().is_empty() {
                return Err(config_err(format!("the team {key} is empty")));
            }
        }
        let text = self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
        let base_url = Url::parse(text)
            .map_err(|e| config_err(format!("the base URL `{text}` is not a URL: {e}")))?;
        unibill_http::check_base_url(crate::PROVIDER, &base_url)?;
        Ok(VercelConfig {
            token: self.token,
            team: self.team,
            base_url,
        })
    }
}
