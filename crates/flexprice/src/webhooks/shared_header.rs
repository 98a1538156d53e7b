//! Self-hosted Flexprice's unsigned "native" deliveries: a static header holding a shared value, compared in
//! constant time, and the body's SHA-256 as the delivery id.

use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use unibill_core::{Error, ErrorKind, Result, WebhookHeaders};

use crate::PROVIDER;

/// A header that must hold a shared value. `Debug` shows the name only.
#[derive(Clone)]
pub(super) struct SharedHeader {
    name: String,
    /// SHA-256 of the value (the value itself is not kept): comparing digests takes the same time whatever
    /// the lengths.
    digest: [u8; 32],
}

impl std::fmt::Debug for SharedHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedHeader")
            .field("name", &self.name)
            .field("value", &"[REDACTED]")
            .finish()
    }
}

impl SharedHeader {
    /// `Config` if `name` is not a header name (empty, or not a token) or `value` is empty.
    pub(super) fn new(name: String, value: SecretString) -> Result<Self> {
        let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
        if name.is_empty() || !name.bytes().all(token) {
            return Err(config(
                "the shared header's name is not an HTTP header name",
            ));
        }
        if value.expose_secret().is_empty() {
            return Err(config("the shared header's value is empty"));
        }
        let digest = Sha256::digest(value.expose_secret().as_bytes()).into();
        Ok(SharedHeader { name, digest })
    }

    /// `Unauthenticated` naming the header when it is missing or does not hold the value.
    pub(super) fn check(&self, headers: &WebhookHeaders) -> Result<()> {
        let Some(offered) = headers.get(&self.name) else {
            return Err(unauthenticated(format!(
                "missing header: the delivery has no `{}` header",
                self.name
            )));
        };
        let offered: [u8; 32] = Sha256::digest(offered.trim().as_bytes()).into();
        if bool::from(offered.ct_eq(&self.digest)) {
            Ok(())
        } else {
            Err(unauthenticated(format!(
                "bad shared value: the `{}` header does not hold the configured value",
                self.name
            )))
        }
    }
}

/// The delivery id of an unsigned delivery: the lower-case hex SHA-256 of its body.
pub(super) fn body_digest(body: &[u8]) -> String {
    Sha256::digest(body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn config(message: &'static str) -> Error {
    Error::config(message)
        .with_provider(PROVIDER)
        .with_operation("webhooks.verify")
}

fn unauthenticated(message: String) -> Error {
    Error::new(ErrorKind::Unauthenticated, message)
        .with_provider(PROVIDER)
        .with_operation("webhooks.verify")
}
