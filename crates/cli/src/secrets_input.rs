//! Connection secrets from standard input or environment variables, never from argv.
//!
//! - `--secrets-stdin` reads either a JSON object (`{"secret_key": "sk_…", …}`) or `KEY=VALUE` lines (blank lines
//!   and `#` comments skipped) from standard input.
//! - `--secret-env KEY=VARIABLE` (repeatable) takes the value of secret field `KEY` from the environment variable
//!   `VARIABLE`: argv names the variable, never the value.
//!
//! The keys are Flexprice's flat names: Stripe `publishable_key`, `secret_key`, `webhook_secret`, `account_id`;
//! S3 `aws_access_key_id`, `aws_secret_access_key`, `aws_session_token`; HubSpot `access_token`,
//! `client_secret`, `app_id`; any other provider type takes its own keys as given. Values never appear in
//! messages.

use std::collections::BTreeMap;
use std::io::Read;

use secrecy::SecretString;
use unibill::{ConnectionProviderType, ConnectionSecrets};

use crate::error::{CliError, CliResult};

/// Where the secrets of one command come from.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SecretsArgs {
    /// Read the connection's secrets from standard input: a JSON object or `KEY=VALUE` lines.
    #[arg(long)]
    pub secrets_stdin: bool,
    /// Take secret field KEY from environment variable VARIABLE (repeatable), e.g. `secret_key=STRIPE_SECRET_KEY`.
    #[arg(long = "secret-env", value_name = "KEY=VARIABLE")]
    pub secret_env: Vec<String>,
}

impl SecretsArgs {
    /// Collects the secrets for a connection of `provider_type`; `None` when none were given.
    pub fn read(
        &self,
        provider_type: &ConnectionProviderType,
    ) -> CliResult<Option<ConnectionSecrets>> {
        let mut map = BTreeMap::new();
        if self.secrets_stdin {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text)?;
            map.extend(parse(&text)?);
        }
        for pair in &self.secret_env {
            let (key, var) = pair.split_once('=').ok_or_else(|| {
                CliError::usage(format!("--secret-env takes KEY=VARIABLE, got {pair:?}"))
            })?;
            let value = std::env::var(var).map_err(|_| {
                CliError::usage(format!(
                    "--secret-env {key}: environment variable {var} is not set"
                ))
            })?;
            map.insert(key.trim().to_owned(), value);
        }
        if map.is_empty() {
            return Ok(None);
        }
        structured(provider_type, map).map(Some)
    }
}

/// Parses standard input: a JSON object of strings, or `KEY=VALUE` lines.
pub fn parse(text: &str) -> CliResult<BTreeMap<String, String>> {
    let trimmed = text.trim();
    if trimmed.starts_with('{') {
        let value: serde_json::Map<String, serde_json::Value> = serde_json::from_str(trimmed)
            .map_err(|e| {
                CliError::usage(format!(
                    "secrets on standard input: invalid JSON at line {} column {}",
                    e.line(),
                    e.column()
                ))
            })?;
        return value
            .into_iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => Ok((k, s)),
                _ => Err(CliError::usage(format!(
                    "secret {k:?} must be a JSON string"
                ))),
            })
            .collect();
    }
    let mut map = BTreeMap::new();
    for (n, line) in trimmed.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (k, v) = line.split_once('=').ok_or_else(|| {
            CliError::usage(format!(
                "secrets on standard input, line {}: expected KEY=VALUE",
                n + 1
            ))
        })?;
        map.insert(k.trim().to_owned(), v.trim().to_owned());
    }
    Ok(map)
}

fn take(map: &mut BTreeMap<String, String>, keys: &[&str]) -> Option<SecretString> {
    keys.iter()
        .find_map(|k| map.remove(*k))
        .map(SecretString::from)
}

fn required(
    map: &mut BTreeMap<String, String>,
    keys: &[&str],
    kind: &str,
) -> CliResult<SecretString> {
    take(map, keys).ok_or_else(|| CliError::usage(format!("{kind} secrets need {}", keys[0])))
}

fn no_leftovers(map: &BTreeMap<String, String>, kind: &str) -> CliResult {
    match map.keys().next() {
        Some(k) => Err(CliError::usage(format!("unknown {kind} secret key {k:?}"))),
        None => Ok(()),
    }
}

/// Turns flat keys into the structured variant the provider type takes (Stripe, S3, HubSpot) or a generic map.
pub fn structured(
    provider_type: &ConnectionProviderType,
    mut map: BTreeMap<String, String>,
) -> CliResult<ConnectionSecrets> {
    let secrets = match provider_type {
        ConnectionProviderType::Stripe => {
            let s = ConnectionSecrets::Stripe {
                publishable_key: required(&mut map, &["publishable_key"], "stripe")?,
                secret_key: required(&mut map, &["secret_key"], "stripe")?,
                webhook_secret: required(&mut map, &["webhook_secret"], "stripe")?,
                account_id: take(&mut map, &["account_id"]),
            };
            no_leftovers(&map, "stripe")?;
            s
        }
        ConnectionProviderType::S3 => {
            let s = ConnectionSecrets::S3 {
                access_key_id: required(&mut map, &["aws_access_key_id", "access_key_id"], "s3")?,
                secret_access_key: required(
                    &mut map,
                    &["aws_secret_access_key", "secret_access_key"],
                    "s3",
                )?,
                session_token: take(&mut map, &["aws_session_token", "session_token"]),
            };
            no_leftovers(&map, "s3")?;
            s
        }
        ConnectionProviderType::HubSpot => {
            let s = ConnectionSecrets::HubSpot {
                access_token: required(&mut map, &["access_token"], "hubspot")?,
                client_secret: required(&mut map, &["client_secret"], "hubspot")?,
                app_id: take(&mut map, &["app_id"]),
            };
            no_leftovers(&map, "hubspot")?;
            s
        }
        _ => ConnectionSecrets::generic(map),
    };
    Ok(secrets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_json_parse_alike() {
        let lines = parse("# stripe\npublishable_key=pk_1\n\nsecret_key = sk_1\n").unwrap();
        let json = parse(r#"{"publishable_key":"pk_1","secret_key":"sk_1"}"#).unwrap();
        assert_eq!(lines, json);
    }

    #[test]
    fn errors_never_echo_values() {
        let err = parse("sk_live_value_without_equals")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("sk_live"), "{err}");
        let err = parse(r#"{"secret_key": 12345678}"#)
            .unwrap_err()
            .to_string();
        assert!(!err.contains("12345678"), "{err}");
    }

    #[test]
    fn stripe_needs_its_keys() {
        let map = parse("publishable_key=pk\nsecret_key=sk").unwrap();
        let err = structured(&ConnectionProviderType::Stripe, map).unwrap_err();
        assert!(err.to_string().contains("webhook_secret"));
    }
}
