//! The TOML form of [`BillingConfig`]: routing plus one table per provider; secrets are named by environment
//! variable (`api_key_env = "FLEXPRICE_API_KEY"`), never written inline.

use std::path::Path;

use secrecy::SecretString;
use unibill_core::{Error, Result};

use super::{BillingConfig, PROVIDERS, ProviderName, Resource, parse_provider};

impl BillingConfig {
    /// Reads a TOML file; secret values are taken from the environment variables it names.
    ///
    /// ```toml
    /// provider = "flexprice"          # every resource…
    ///
    /// [routes]                        # …unless routed here
    /// prices = "flowglad"
    /// stores = "vercel"
    ///
    /// [flexprice]
    /// api_key_env = "FLEXPRICE_API_KEY"
    /// region = "us"
    ///
    /// [flowglad]
    /// secret_key_env = "FLOWGLAD_SECRET_KEY"
    /// currency = "USD"
    ///
    /// [vercel]
    /// token_env = "VERCEL_TOKEN"
    /// team_id = "team_123"
    /// ```
    pub fn from_toml_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::config(format!("cannot read {}: {e}", path.display())).with_source(e)
        })?;
        Self::from_toml_str(&text, |name| std::env::var(name).ok())
            .map_err(|e| Error::config(format!("{}: {}", path.display(), e.message())))
    }

    /// Reads TOML text; `env` resolves the variables that secrets are named by.
    ///
    /// ```
    /// use unibill::{BillingConfig, ProviderName, Resource};
    ///
    /// let toml = r#"
    ///     provider = "memory"
    ///     [routes]
    ///     stores = "memory"
    /// "#;
    /// let config = BillingConfig::from_toml_str(toml, |_| None).unwrap();
    /// assert_eq!(config.route(Resource::Stores), Some(ProviderName::Memory));
    ///
    /// // A secret written inline is refused.
    /// let err = BillingConfig::from_toml_str("[flexprice]\napi_key = \"sk_live\"", |_| None).unwrap_err();
    /// assert!(err.to_string().contains("api_key_env"));
    /// assert!(!err.to_string().contains("sk_live"));
    /// ```
    pub fn from_toml_str(text: &str, env: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            Error::config(format!("invalid TOML: {}", e.message()))
        })?;
        let mut config = BillingConfig::new();
        for (key, value) in &table {
            match key.as_str() {
                "provider" => {
                    config.default = Some(parse_provider("provider", string(key, value)?)?)
                }
                "routes" => {
                    for (resource, provider) in as_table(key, value)? {
                        let r: Resource = resource.parse()?;
                        let p: ProviderName = parse_provider(
                            &format!("routes.{resource}"),
                            string(resource, provider)?,
                        )?;
                        config.routes.insert(r, p);
                    }
                }
                name => {
                    let provider: ProviderName = name.parse().map_err(|_| {
                        let tables: Vec<_> = PROVIDERS
                            .iter()
                            .filter(|p| !p.vars.is_empty())
                            .map(|p| p.as_str)
                            .collect();
                        Error::config(format!(
                            "unknown key `{name}`: expected provider, routes, {}",
                            tables.join(", ")
                        ))
                    })?;
                    read_provider_table(&mut config, provider, as_table(key, value)?, &env)?;
                }
            }
        }
        Ok(config)
    }
}

fn read_provider_table(
    config: &mut BillingConfig,
    provider: ProviderName,
    table: &toml::Table,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<()> {
    let vars = provider.spec().vars;
    for (key, value) in table {
        let value = string(key, value)?;
        if let Some(v) = vars
            .iter()
            .find(|v| v.secret && key.strip_suffix("_env") == Some(v.toml_key))
        {
            let secret = env(value).filter(|s| !s.is_empty()).ok_or_else(|| {
                Error::config(format!(
                    "[{provider}] {key} names {value}, which is not set in the environment"
                ))
            })?;
            config.vars.insert(v.name, SecretString::from(secret));
        } else if let Some(v) = vars.iter().find(|v| v.toml_key == key) {
            if v.secret {
                return Err(Error::config(format!(
                    "[{provider}] {key}: secrets are never written inline; name the variable that holds it with {key}_env = \"{}\"",
                    v.name
                )));
            }
            config
                .vars
                .insert(v.name, SecretString::from(value.to_owned()));
        } else {
            let known: Vec<_> = vars
                .iter()
                .map(|v| {
                    if v.secret {
                        format!("{}_env", v.toml_key)
                    } else {
                        v.toml_key.to_owned()
                    }
                })
                .collect();
            return Err(Error::config(format!(
                "[{provider}] unknown key `{key}`: known are {}",
                known.join(", ")
            )));
        }
    }
    Ok(())
}

fn string<'a>(key: &str, value: &'a toml::Value) -> Result<&'a str> {
    value
        .as_str()
        .ok_or_else(|| Error::config(format!("`{key}` must be a string")))
}

fn as_table<'a>(key: &str, value: &'a toml::Value) -> Result<&'a toml::Table> {
    value
        .as_table()
        .ok_or_else(|| Error::config(format!("`{key}` must be a table")))
}
