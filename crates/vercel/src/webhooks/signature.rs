//! Vercel's `x-vercel-signature`: the lower-case hex HMAC-SHA1 of the raw body, keyed with the integration's
//! client secret (its UTF-8 bytes), compared in constant time.

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha1::Sha1;
use subtle::ConstantTimeEq;
use unibill_core::{Error, ErrorKind, Result, WebhookHeaders};

use crate::PROVIDER;

/// The header Vercel sends its signature in: `x-vercel-signature`.
pub const HEADER: &str = "x-vercel-signature";

/// The hex HMAC-SHA1 of `body` under `secret`: what Vercel sends in `x-vercel-signature` (for tests and
/// emulators).
pub(super) fn sign(secret: &SecretString, body: &[u8]) -> String {
    mac(secret, body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn mac(secret: &SecretString, body: &[u8]) -> [u8; 20] {
    // HMAC takes a key of any length: `new_from_slice` cannot fail for it.
    let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(secret.expose_secret().as_bytes())
        .unwrap_or_else(|_| unreachable!());
    mac.update(body);
    mac.finalize().into_bytes().into()
}

/// 40 hex digits (either case) as 20 bytes.
fn decode_hex(text: &str) -> Option<[u8; 20]> {
    let bytes = text.as_bytes();
    if bytes.len() != 40 {
        return None;
    }
    let digit = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = [0u8; 20];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        out[i] = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(out)
}

fn unauthenticated(message: String) -> Error {
    Error::new(ErrorKind::Unauthenticated, message)
        .with_provider(PROVIDER)
        .with_operation("webhooks.verify")
}

/// Checks the delivery's signature against each of `secrets` (every one is computed and compared, whichever
/// matches): `Unauthenticated` naming the check that failed.
pub(super) fn check(secrets: &[SecretString], headers: &WebhookHeaders, body: &[u8]) -> Result<()> {
    let value = headers
        .get(HEADER)
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            unauthenticated(format!(
                "missing header: the delivery has no `{HEADER}` header"
            ))
        })?;
    let offered = decode_hex(value).ok_or_else(|| {
        unauthenticated(format!(
            "malformed header: the `{HEADER}` header is not 40 hex digits (an HMAC-SHA1)"
        ))
    })?;
    let mut matched = subtle::Choice::from(0u8);
    for secret in secrets {
        matched |= offered.ct_eq(&mac(secret, body));
    }
    if bool::from(matched) {
        Ok(())
    } else {
        Err(unauthenticated(format!(
            "bad signature: the `{HEADER}` header does not match the body"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 2202's HMAC-SHA1 test case 2 (key "Jefe").
    #[test]
    fn matches_rfc_2202() {
        let key = SecretString::from("Jefe".to_owned());
        assert_eq!(
            sign(&key, b"what do ya want for nothing?"),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
        );
    }

    #[test]
    fn hex_is_strict_about_length_and_digits() {
        assert_eq!(decode_hex(&"ab".repeat(20)), Some([0xab; 20]));
        assert_eq!(decode_hex(&"AB".repeat(20)), Some([0xab; 20]));
        assert_eq!(decode_hex(&"ab".repeat(19)), None);
        assert_eq!(decode_hex(&format!("{}zz", "ab".repeat(19))), None);
        assert_eq!(decode_hex("é".repeat(20).as_str()), None);
    }
}
