//! Removing a request's secret values from text captured from the provider.

use secrecy::{ExposeSecret, SecretString};

/// What a secret is replaced with.
pub const REDACTED: &str = "[REDACTED]";

/// Replaces every occurrence of every (non-empty) secret in `body` with [`REDACTED`].
///
/// When `truncated` is set (the body was cut at a size cap), a tail that is the beginning of a secret is cut
/// too, so half a key never survives the cut.
pub fn scrub(body: &[u8], secrets: &[&SecretString], truncated: bool) -> Vec<u8> {
    let mut out = body.to_vec();
    for secret in secrets {
        let needle = secret.expose_secret().as_bytes();
        if needle.is_empty() {
            continue;
        }
        out = replace_all(&out, needle, REDACTED.as_bytes());
    }
    if truncated {
        let cut = secrets
            .iter()
            .map(|s| partial_tail(&out, s.expose_secret().as_bytes()))
            .max()
            .unwrap_or(0);
        out.truncate(out.len() - cut);
    }
    out
}

fn replace_all(haystack: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut i = 0;
    while i < haystack.len() {
        if haystack[i..].starts_with(needle) {
            out.extend_from_slice(with);
            i += needle.len();
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    out
}

/// The length of the longest tail of `body` that is a proper prefix of `secret`.
fn partial_tail(body: &[u8], secret: &[u8]) -> usize {
    (1..secret.len().min(body.len() + 1))
        .rev()
        .find(|&n| body.ends_with(&secret[..n]))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_every_secret() {
        let a = SecretString::from("sk_live_123");
        let b = SecretString::from("postgres://u:p@h/db");
        let body = br#"{"key":"sk_live_123","url":"postgres://u:p@h/db","again":"sk_live_123"}"#;
        let out = String::from_utf8(scrub(body, &[&a, &b], false)).unwrap();
        assert_eq!(
            out,
            r#"{"key":"[REDACTED]","url":"[REDACTED]","again":"[REDACTED]"}"#
        );
    }

    #[test]
    fn a_cut_secret_is_cut_entirely() {
        let a = SecretString::from("sk_live_123");
        let out = scrub(b"prefix sk_live_1", &[&a], true);
        assert_eq!(out, b"prefix ");
        let out = scrub(b"prefix sk_live_1", &[&a], false);
        assert_eq!(out, b"prefix sk_live_1");
    }

    #[test]
    fn empty_secrets_are_ignored() {
        let e = SecretString::from("");
        assert_eq!(scrub(b"abc", &[&e], true), b"abc");
    }
}
