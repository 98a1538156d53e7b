//! [`BillingConfig`]: which provider serves which resource, from the environment, a TOML file or code.
//!
//! - `UNIBILL_PROVIDER` routes every resource its provider serves (the others stay unrouted);
//!   `UNIBILL_<RESOURCE>_PROVIDER` (`CUSTOMERS`, `PRICES`, `CONNECTIONS`, `STORES`, and for the billing lifecycle
//!   `METERS`, `FEATURES`, `SUBSCRIPTIONS`, `USAGE`, `ENTITLEMENTS`, `INVOICES`) routes one and wins over it.
//!   Names: `memory`, `flexprice`, `flowglad`, `vercel`.
//! - One provider for the billing lifecycle: once any lifecycle resource is routed, every routed resource of
//!   [`Resource::ONE_PROVIDER`] (customers, prices and the six lifecycle resources) must resolve to the same
//!   provider; a configuration that splits them is a `Config` error naming both settings.
//! - Each provider reads its own variables (`FLEXPRICE_API_KEY`, `FLOWGLAD_SECRET_KEY`, `VERCEL_TOKEN`, …).
//! - Memory is used only when nothing at all is configured, or where it is named. Once anything is configured,
//!   a resource left unrouted answers `Unsupported`.
//! - Unknown names or keys, a missing key, a resource routed by its own variable to a provider that does not
//!   serve it, or a provider whose cargo feature is not compiled in are `Config` errors saying what to set or
//!   which feature to enable.
//!
//! ```
//! use unibill::{BillingConfig, ProviderName, Resource};
//!
//! // Nothing configured: everything in memory.
//! let billing = BillingConfig::from_lookup(|_| None).unwrap().build().unwrap();
//! assert_eq!(billing.capabilities().customers.provider, "memory");
//!
//! // Named explicitly, per resource; unrouted resources are unsupported.
//! let config = BillingConfig::from_lookup(|name| match name {
//!     "UNIBILL_CUSTOMERS_PROVIDER" => Some("memory".to_owned()),
//!     _ => None,
//! })
//! .unwrap();
//! assert_eq!(config.route(Resource::Customers), Some(ProviderName::Memory));
//! assert_eq!(config.route(Resource::Stores), None);
//!
//! // Unknown names are Config errors.
//! let err = BillingConfig::from_lookup(|n| (n == "UNIBILL_PROVIDER").then(|| "stripe".to_owned())).unwrap_err();
//! assert_eq!(err.kind(), unibill::ErrorKind::Config);
//! ```

mod build;
mod provider;
mod spec;
mod toml_file;

use std::collections::BTreeMap;
use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use unibill_core::{Error, Result};

pub use provider::{ProviderName, Resource};
pub use spec::{PROVIDER_VARS, PROVIDERS, ProviderSpec, ProviderVar, WEBHOOK_SECRET_KEY};

/// The environment variable that routes every resource.
pub const PROVIDER_VAR: &str = "UNIBILL_PROVIDER";

/// Which provider serves each resource, and the providers' settings.
///
/// Build it from the environment ([`BillingConfig::from_env`]), any lookup function
/// ([`BillingConfig::from_lookup`], which tests use), a TOML file ([`BillingConfig::from_toml_file`]), or in
/// code ([`BillingConfig::new`] + setters); then [`BillingConfig::build`] gives a [`crate::Billing`].
#[derive(Clone, Default)]
pub struct BillingConfig {
    default: Option<ProviderName>,
    routes: BTreeMap<Resource, ProviderName>,
    vars: BTreeMap<&'static str, SecretString>,
}

impl BillingConfig {
    /// Nothing configured (everything in memory until something is set).
    pub fn new() -> Self {
        Self::default()
    }

    /// Routes every resource without its own route to `provider`, where `provider` serves it (the others stay
    /// unrouted and answer `Unsupported`).
    pub fn provider(mut self, provider: ProviderName) -> Self {
        self.default = Some(provider);
        self
    }

    /// Routes one resource to `provider`.
    pub fn route_to(mut self, resource: Resource, provider: ProviderName) -> Self {
        self.routes.insert(resource, provider);
        self
    }

    /// Sets a provider variable (`FLEXPRICE_API_KEY`, …) by its environment name; unknown names are `Config`.
    pub fn set(mut self, name: &str, value: impl Into<String>) -> Result<Self> {
        let known = lookup_var(name).ok_or_else(|| unknown_var(name))?;
        self.vars
            .insert(known.name, SecretString::from(value.into()));
        Ok(self)
    }

    /// Reads the process environment. Any `UNIBILL_*` variable unibill does not know is a `Config` error
    /// (a typo would otherwise silently route to the wrong provider); `UNIBILL_LIVE_*` (live smoke tests) is
    /// left alone.
    pub fn from_env() -> Result<Self> {
        for (name, _) in std::env::vars_os().filter_map(|(k, v)| Some((k.into_string().ok()?, v))) {
            if name.starts_with("UNIBILL_")
                && !name.starts_with("UNIBILL_LIVE_")
                && name != PROVIDER_VAR
                && !Resource::ALL.iter().any(|r| r.env_var() == name)
            {
                let resources: Vec<_> = Resource::ALL
                    .iter()
                    .map(|r| r.as_str().to_ascii_uppercase())
                    .collect();
                return Err(Error::config(format!(
                    "unknown variable {name}: unibill reads {PROVIDER_VAR} and UNIBILL_<{}>_PROVIDER",
                    resources.join("|")
                )));
            }
        }
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the routing and provider variables through `lookup` (name → value).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let mut config = BillingConfig::new();
        let non_empty = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        if let Some(p) = non_empty(PROVIDER_VAR) {
            config.default = Some(parse_provider(PROVIDER_VAR, &p)?);
        }
        for r in Resource::ALL {
            if let Some(p) = non_empty(r.env_var()) {
                config.routes.insert(r, parse_provider(r.env_var(), &p)?);
            }
        }
        for v in PROVIDER_VARS {
            if let Some(value) = non_empty(v.name) {
                config.vars.insert(v.name, SecretString::from(value));
            }
        }
        Ok(config)
    }

    /// The provider a resource is routed to: its own route, else the default when the default serves it, else
    /// memory when nothing at all is configured; `None` when the resource is left unrouted.
    pub fn route(&self, resource: Resource) -> Option<ProviderName> {
        self.routes
            .get(&resource)
            .copied()
            // `UNIBILL_PROVIDER` routes every resource its provider serves; the others stay unrouted.
            .or_else(|| self.default.filter(|p| p.serves(resource)))
            .or_else(|| self.is_empty().then_some(ProviderName::Memory))
    }

    /// Whether a provider variable (`VERCEL_TEAM_ID`, …, by its environment name) is set, however it came: the
    /// environment or lookup, the TOML file (by its key: `[vercel] team_id`) or [`BillingConfig::set`]. Only
    /// whether: a value, secret or not, is never handed out.
    ///
    /// ```
    /// use unibill::BillingConfig;
    ///
    /// let config = BillingConfig::from_toml_str("[vercel]\nteam_slug = \"acme\"", |_| None)?;
    /// assert!(config.is_set("VERCEL_TEAM_SLUG"));
    /// assert!(!config.is_set("VERCEL_TEAM_ID"));
    /// # Ok::<(), unibill::Error>(())
    /// ```
    pub fn is_set(&self, name: &str) -> bool {
        self.vars.contains_key(name)
    }

    /// Whether nothing at all is configured.
    pub fn is_empty(&self) -> bool {
        self.default.is_none() && self.routes.is_empty() && self.vars.is_empty()
    }

    /// The value of a provider variable, for the provider's own `from_secret_lookup`: it stays a
    /// `SecretString` (a clone of the one held here), never a plain `String`.
    pub(crate) fn lookup(&self, name: &str) -> Option<SecretString> {
        self.vars.get(name).cloned()
    }
}

fn parse_provider(var: &str, value: &str) -> Result<ProviderName> {
    value.parse().map_err(|_| {
        Error::config(format!(
            "{var}=`{value}` is not a provider: use memory, flexprice, flowglad or vercel"
        ))
    })
}

fn lookup_var(name: &str) -> Option<&'static ProviderVar> {
    PROVIDER_VARS.iter().find(|v| v.name == name)
}

fn unknown_var(name: &str) -> Error {
    let known: Vec<_> = PROVIDER_VARS.iter().map(|v| v.name).collect();
    Error::config(format!(
        "unknown provider variable {name}: known are {}",
        known.join(", ")
    ))
}

impl fmt::Debug for BillingConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Vars<'a>(&'a BTreeMap<&'static str, SecretString>);
        impl fmt::Debug for Vars<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let mut m = f.debug_map();
                for (name, value) in self.0 {
                    if lookup_var(name).is_some_and(|v| v.secret) {
                        m.entry(name, &"[redacted]");
                    } else {
                        m.entry(name, &value.expose_secret());
                    }
                }
                m.finish()
            }
        }
        f.debug_struct("BillingConfig")
            .field("default", &self.default)
            .field("routes", &self.routes)
            .field("vars", &Vars(&self.vars))
            .finish()
    }
}
