//! `encrypted_secret_data`: the secrets serialized straight from their [`SecretString`]s (no plain copy is
//! kept), in the flat form the server reads or, as an explicit option, the old nested form.

use secrecy::{ExposeSecret, SecretString};
use serde::ser::{Serialize, SerializeMap, Serializer};
use unibill_core::{ConnectionProviderType, ConnectionSecrets, Error, FieldError, Result};

use crate::config::SecretsForm;

/// Serializes as `encrypted_secret_data`.
pub(crate) struct SecretData<'a> {
    pub secrets: &'a ConnectionSecrets,
    pub form: SecretsForm,
}

struct Flat<'a>(&'a ConnectionSecrets);

impl Serialize for Flat<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let entries = self.0.flat_entries();
        let mut map = s.serialize_map(Some(entries.len()))?;
        for (k, v) in entries {
            map.serialize_entry(k, v.expose_secret())?;
        }
        map.end()
    }
}

struct Generic<'a>(&'a ConnectionSecrets);

impl Serialize for Generic<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry("data", &Flat(self.0))?;
        map.end()
    }
}

impl Serialize for SecretData<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.form {
            SecretsForm::Flat => Flat(self.secrets).serialize(s),
            SecretsForm::Nested => {
                let mut map = s.serialize_map(Some(1))?;
                match self.secrets.provider_type() {
                    Some(pt) => map.serialize_entry(pt.as_str(), &Flat(self.secrets))?,
                    None => map.serialize_entry("generic", &Generic(self.secrets))?,
                }
                map.end()
            }
        }
    }
}

/// Every secret value, for the executor to scrub from error bodies.
pub(crate) fn values(secrets: &ConnectionSecrets) -> impl Iterator<Item = SecretString> + '_ {
    secrets.flat_entries().into_iter().map(|(_, v)| v.clone())
}

/// Checks that a rotation is one the server applies: QuickBooks `webhook_verifier_token`, Zoho Books and Whop
/// `webhook_secret`, Chargebee `webhook_username` + `webhook_password` together. Every other rotation the
/// server silently ignores, so it is `Unsupported` (delete the connection and create it again).
pub(crate) fn check_rotation(
    provider_type: &ConnectionProviderType,
    secrets: &ConnectionSecrets,
) -> Result<()> {
    let mut names = secrets.field_names();
    names.sort_unstable();
    let allowed = match provider_type {
        ConnectionProviderType::QuickBooks => names == ["webhook_verifier_token"],
        ConnectionProviderType::ZohoBooks | ConnectionProviderType::Whop => {
            names == ["webhook_secret"]
        }
        ConnectionProviderType::Chargebee => names == ["webhook_password", "webhook_username"],
        _ => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(Error::unsupported(
            crate::PROVIDER,
            format_args!(
                "rotating these secrets of a {provider_type} connection (the server ignores it; delete the connection and create it again)"
            ),
        )
        .with_field_errors([FieldError::new("secrets", "cannot be rotated on Flexprice")])
        .with_operation("connections.update"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_and_nested_forms() {
        let stripe = ConnectionSecrets::stripe("pk", "sk", "wh");
        let flat = serde_json::to_value(SecretData {
            secrets: &stripe,
            form: SecretsForm::Flat,
        })
        .unwrap();
        assert_eq!(
            flat,
            serde_json::json!({"publishable_key":"pk","secret_key":"sk","webhook_secret":"wh"})
        );
        let nested = serde_json::to_value(SecretData {
            secrets: &stripe,
            form: SecretsForm::Nested,
        })
        .unwrap();
        assert_eq!(
            nested,
            serde_json::json!({"stripe":{"publishable_key":"pk","secret_key":"sk","webhook_secret":"wh"}})
        );
        let generic = ConnectionSecrets::generic([("api_key", "k")]);
        let nested = serde_json::to_value(SecretData {
            secrets: &generic,
            form: SecretsForm::Nested,
        })
        .unwrap();
        assert_eq!(
            nested,
            serde_json::json!({"generic":{"data":{"api_key":"k"}}})
        );
    }

    #[test]
    fn only_honoured_rotations_pass() {
        let wh = ConnectionSecrets::generic([("webhook_secret", "x")]);
        assert!(check_rotation(&ConnectionProviderType::Whop, &wh).is_ok());
        assert!(check_rotation(&ConnectionProviderType::ZohoBooks, &wh).is_ok());
        assert!(check_rotation(&ConnectionProviderType::Razorpay, &wh).is_err());
        let stripe = ConnectionSecrets::stripe("pk", "sk", "wh");
        let err = check_rotation(&ConnectionProviderType::Stripe, &stripe).unwrap_err();
        assert_eq!(err.kind(), unibill_core::ErrorKind::Unsupported);
        let cb = |pairs: &[(&str, &str)]| ConnectionSecrets::generic(pairs.iter().copied());
        assert!(
            check_rotation(
                &ConnectionProviderType::Chargebee,
                &cb(&[("webhook_username", "u"), ("webhook_password", "p")])
            )
            .is_ok()
        );
        assert!(
            check_rotation(
                &ConnectionProviderType::Chargebee,
                &cb(&[("webhook_username", "u")])
            )
            .is_err()
        );
        let qb = ConnectionSecrets::generic([("webhook_verifier_token", "t")]);
        assert!(check_rotation(&ConnectionProviderType::QuickBooks, &qb).is_ok());
    }
}
