//! Reading an adapter's configuration variables from a lookup whose values stay [`SecretString`]s, so a key
//! read by the facade's `BillingConfig` is never a plain `String` on its way into the executor.

use secrecy::{ExposeSecret, SecretString};

/// A variable read through a lookup: `name` → its value, if set.
pub trait VariableLookup: Fn(&str) -> Option<SecretString> {}

impl<F: Fn(&str) -> Option<SecretString>> VariableLookup for F {}

/// The secret `name`, trimmed (a copy is made only when there is whitespace to trim); `None` when unset or blank.
///
/// ```
/// use secrecy::{ExposeSecret, SecretString};
/// use unibill_http::secret_variable;
///
/// let lookup = |name: &str| (name == "KEY").then(|| SecretString::from(" sk_1\n"));
/// assert_eq!(secret_variable(&lookup, "KEY").unwrap().expose_secret(), "sk_1");
/// assert!(secret_variable(&lookup, "OTHER").is_none());
/// ```
pub fn secret_variable(lookup: &impl VariableLookup, name: &str) -> Option<SecretString> {
    let value = lookup(name)?;
    let exposed = value.expose_secret();
    let trimmed = exposed.trim();
    if trimmed.is_empty() {
        None
    } else if trimmed.len() == exposed.len() {
        Some(value)
    } else {
        Some(SecretString::from(trimmed))
    }
}

/// The non-secret variable `name` (a region, a base URL, a team id), trimmed; `None` when unset or blank.
pub fn plain_variable(lookup: &impl VariableLookup, name: &str) -> Option<String> {
    secret_variable(lookup, name).map(|v| v.expose_secret().to_owned())
}

/// A lookup of plain strings (the environment, a test's map) as a [`VariableLookup`].
pub fn secret_values(
    lookup: impl Fn(&str) -> Option<String>,
) -> impl Fn(&str) -> Option<SecretString> {
    move |name| lookup(name).map(SecretString::from)
}
