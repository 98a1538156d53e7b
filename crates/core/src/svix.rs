//! The Svix webhook signature scheme (Flexprice cloud, Flowglad, the memory provider): HMAC-SHA256 over
//! `{id}.{timestamp}.{body}` with the bytes of a `whsec_` secret, sent as `svix-signature: v1,<base64>` beside
//! `svix-id` and `svix-timestamp` (or the same three as `webhook-*`).
//!
//! [`verify`] compares in constant time, accepts any of several space-separated `v1` signatures, and refuses a
//! timestamp further than the tolerance from `now` (past or future); [`verify_with`] takes several secrets (a
//! rotation: the new one and the old one) and a [`Tolerance`] per side (Flowglad: 300 s past, 60 s future). Every refusal is `Unauthenticated` and
//! says which check failed (a missing header, a stale timestamp, a bad signature), never a byte of a secret or
//! a signature.
//!
//! ```
//! use secrecy::SecretString;
//! use unibill_core::{ErrorKind, Timestamp, WebhookHeaders, svix};
//!
//! let secret = svix::generate_secret();
//! let now: Timestamp = "2026-03-01T12:00:00Z".parse().unwrap();
//! let body = br#"{"type":"invoice.finalized"}"#;
//! let signature = svix::sign(&secret, "msg_1", now.as_second(), body)?;
//! let headers: WebhookHeaders = [
//!     ("svix-id", "msg_1".to_owned()),
//!     ("svix-timestamp", now.as_second().to_string()),
//!     ("svix-signature", format!("v1,bm90IGl0 {signature}")),
//! ]
//! .into_iter()
//! .collect();
//! assert_eq!(svix::verify(&secret, &headers, body, now, svix::TOLERANCE)?.id, "msg_1");
//!
//! let err = svix::verify(&secret, &headers, b"{}", now, svix::TOLERANCE).unwrap_err();
//! assert_eq!(err.kind(), ErrorKind::Unauthenticated);
//! assert!(err.message().contains("bad signature"));
//! # Ok::<(), unibill_core::Error>(())
//! ```

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use jiff::Timestamp;
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::error::{Error, ErrorKind, Result};
use crate::model::webhook::WebhookHeaders;

/// The prefix of a Svix secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// The usual tolerance between a delivery's signed timestamp and the receiver's clock: 5 minutes.
pub const TOLERANCE: Duration = Duration::from_secs(300);

/// What a verified delivery's headers said.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SvixDelivery {
    /// The delivery id (`svix-id`): what a delivery log dedupes on.
    pub id: String,
    /// The signed timestamp (`svix-timestamp`).
    pub timestamp: Timestamp,
}

/// A fresh secret: `whsec_` and the base64 of 32 bytes, 244 of them random (two UUID v4s).
pub fn generate_secret() -> SecretString {
    let mut bytes = [0u8; 32];
    bytes[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    bytes[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    SecretString::from(format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes)))
}

/// The key bytes of a `whsec_` secret (the prefix is optional); `Config` if it is not base64.
fn key_bytes(secret: &SecretString) -> Result<Vec<u8>> {
    let text = secret.expose_secret();
    let encoded = text.strip_prefix(SECRET_PREFIX).unwrap_or(text);
    STANDARD
        .decode(encoded)
        .ok()
        .filter(|k| !k.is_empty())
        .ok_or_else(|| {
            Error::config("the webhook secret is not a `whsec_` secret with a base64 key")
                .with_operation("webhooks.verify")
        })
}

fn mac(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> Vec<u8> {
    // HMAC takes a key of any length: `new_from_slice` cannot fail for it.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

/// The `svix-signature` value for a delivery: `v1,` and the base64 of HMAC-SHA256(key, `{id}.{timestamp}.{body}`).
pub fn sign(secret: &SecretString, id: &str, timestamp: i64, body: &[u8]) -> Result<String> {
    let key = key_bytes(secret)?;
    Ok(format!(
        "v1,{}",
        STANDARD.encode(mac(&key, id, timestamp, body))
    ))
}

fn unauthenticated(message: String) -> Error {
    Error::new(ErrorKind::Unauthenticated, message).with_operation("webhooks.verify")
}

/// How far a delivery's signed timestamp may be from `now`, on each side: `past` for a delivery signed before
/// `now` (a replay, or a slow queue), `future` for one signed after it (the sender's clock is ahead).
///
/// ```
/// use std::time::Duration;
/// use unibill_core::svix::Tolerance;
/// assert_eq!(Tolerance::symmetric(Duration::from_secs(300)).future, Duration::from_secs(300));
/// assert_eq!(Tolerance::default(), Tolerance::symmetric(unibill_core::svix::TOLERANCE));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Tolerance {
    /// How long before `now` a delivery may have been signed.
    pub past: Duration,
    /// How long after `now` a delivery may have been signed.
    pub future: Duration,
}

impl Tolerance {
    /// `past` before `now` and `future` after it.
    pub const fn new(past: Duration, future: Duration) -> Self {
        Tolerance { past, future }
    }

    /// The same on both sides.
    pub const fn symmetric(both: Duration) -> Self {
        Tolerance::new(both, both)
    }
}

impl Default for Tolerance {
    /// [`TOLERANCE`] on both sides.
    fn default() -> Self {
        Tolerance::symmetric(TOLERANCE)
    }
}

/// Checks that `secret` is a `whsec_` secret with a base64 key (the prefix is optional): `Config` if not. For
/// constructors, so a bad secret fails at start-up rather than on the first delivery.
pub fn check_secret(secret: &SecretString) -> Result<()> {
    key_bytes(secret).map(|_| ())
}

/// Verifies one delivery received at `now`: its headers (`svix-*`, or `webhook-*` when no `svix-id` is
/// present), its timestamp within `tolerance` of `now` (past or future), and one of its `v1` signatures over the
/// body. [`verify_with`] for several secrets or a tolerance that differs per side.
pub fn verify(
    secret: &SecretString,
    headers: &WebhookHeaders,
    body: &[u8],
    now: Timestamp,
    tolerance: Duration,
) -> Result<SvixDelivery> {
    verify_with(
        std::slice::from_ref(secret),
        headers,
        body,
        now,
        Tolerance::symmetric(tolerance),
    )
}

/// Verifies one delivery received at `now` against any of `secrets` (during a rotation, the new and the old
/// one): its headers (`svix-*`, or `webhook-*` when no `svix-id` is present), its timestamp within `tolerance`
/// of `now`, and one of its `v1` signatures under one of the secrets. Every signature is compared with every
/// secret's, in constant time, whichever matches. No secret, or one that is not a `whsec_` base64 key, is
/// `Config`.
pub fn verify_with(
    secrets: &[SecretString],
    headers: &WebhookHeaders,
    body: &[u8],
    now: Timestamp,
    tolerance: Tolerance,
) -> Result<SvixDelivery> {
    let prefix = if headers.get("svix-id").is_some() {
        "svix"
    } else if headers.get("webhook-id").is_some() {
        "webhook"
    } else {
        "svix"
    };
    let header = |name: &str| {
        let full = format!("{prefix}-{name}");
        match headers.get(&full) {
            Some(v) if !v.trim().is_empty() => Ok(v.trim().to_owned()),
            _ => Err(unauthenticated(format!(
                "missing header: the delivery has no `{full}` header"
            ))),
        }
    };
    let id = header("id")?;
    let timestamp_text = header("timestamp")?;
    header("signature")?;
    let seconds: i64 = timestamp_text.parse().map_err(|_| {
        unauthenticated(format!(
            "malformed header: the `{prefix}-timestamp` header is not a whole number of seconds"
        ))
    })?;
    let timestamp = Timestamp::from_second(seconds).map_err(|_| {
        unauthenticated(format!(
            "malformed header: the `{prefix}-timestamp` header is out of range"
        ))
    })?;
    let skew = now.as_second().saturating_sub(seconds);
    let secs = |d: Duration| i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
    if skew > secs(tolerance.past) {
        return Err(unauthenticated(format!(
            "stale timestamp: the delivery was signed {skew} s before now, outside the {} s tolerance",
            secs(tolerance.past)
        )));
    }
    let ahead = skew.saturating_neg();
    if ahead > secs(tolerance.future) {
        return Err(unauthenticated(format!(
            "future timestamp: the delivery was signed {ahead} s after now, outside the {} s tolerance",
            secs(tolerance.future)
        )));
    }
    if secrets.is_empty() {
        return Err(
            Error::config("no webhook secret is configured").with_operation("webhooks.verify")
        );
    }
    let expected = secrets
        .iter()
        .map(|secret| Ok(mac(&key_bytes(secret)?, &id, seconds, body)))
        .collect::<Result<Vec<_>>>()?;
    let mut offered = 0usize;
    let mut matched = subtle::Choice::from(0u8);
    for value in headers.get_all(&format!("{prefix}-signature")) {
        for entry in value.split_whitespace() {
            let Some(encoded) = entry.strip_prefix("v1,") else {
                continue;
            };
            offered += 1;
            if let Ok(candidate) = STANDARD.decode(encoded) {
                for mac in &expected {
                    matched |= candidate.as_slice().ct_eq(mac);
                }
            }
        }
    }
    if offered == 0 {
        return Err(unauthenticated(format!(
            "bad signature: the `{prefix}-signature` header holds no `v1` signature"
        )));
    }
    if !bool::from(matched) {
        return Err(unauthenticated(format!(
            "bad signature: none of the {offered} `v1` signatures matches the body"
        )));
    }
    Ok(SvixDelivery { id, timestamp })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(id: &str, ts: i64, sig: &str) -> WebhookHeaders {
        [
            ("svix-id", id.to_owned()),
            ("svix-timestamp", ts.to_string()),
            ("svix-signature", sig.to_owned()),
        ]
        .into_iter()
        .collect()
    }

    /// The example of Svix's documentation: secret, id, timestamp, body and signature as published.
    #[test]
    fn matches_the_published_svix_example() {
        let secret = SecretString::from("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned());
        let body = br#"{"test": 2432232314}"#;
        let sig = sign(&secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body).unwrap();
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn each_failure_names_its_check() {
        let secret = generate_secret();
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let body = b"{}";
        let sig = sign(&secret, "msg_1", now.as_second(), body).unwrap();
        assert!(
            verify(
                &secret,
                &headers("msg_1", now.as_second(), &sig),
                body,
                now,
                TOLERANCE
            )
            .is_ok()
        );
        let why = |h: &WebhookHeaders, b: &[u8]| {
            let e = verify(&secret, h, b, now, TOLERANCE).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Unauthenticated);
            e.message().to_owned()
        };
        assert!(why(&WebhookHeaders::new(), body).starts_with("missing header"));
        let stale = headers("msg_1", now.as_second() - 301, &sig);
        assert!(why(&stale, body).starts_with("stale timestamp"));
        let future = headers("msg_1", now.as_second() + 301, &sig);
        assert!(why(&future, body).contains("after now"));
        assert!(why(&headers("msg_1", now.as_second(), &sig), b"{ }").starts_with("bad signature"));
        assert!(why(&headers("msg_1", now.as_second(), "v2,abc"), body).contains("no `v1`"));
        let secret_text = secret.expose_secret().to_owned();
        let other_id = headers("msg_2", now.as_second(), &sig);
        assert!(!why(&other_id, body).contains(&secret_text[6..]));
        // `webhook-*` headers work the same.
        let alt: WebhookHeaders = [
            ("webhook-id", "msg_1".to_owned()),
            ("webhook-timestamp", now.as_second().to_string()),
            ("webhook-signature", format!("v1,AAAA {sig}")),
        ]
        .into_iter()
        .collect();
        assert!(verify(&secret, &alt, body, now, TOLERANCE).is_ok());
    }

    #[test]
    fn several_secrets_and_a_tolerance_per_side() {
        let (old, new) = (generate_secret(), generate_secret());
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let body = b"{}";
        let both = [new.clone(), old.clone()];
        let window = Tolerance::new(Duration::from_secs(300), Duration::from_secs(60));
        let by_old = sign(&old, "msg_1", now.as_second(), body).unwrap();
        let h = headers("msg_1", now.as_second(), &by_old);
        assert!(verify_with(&both, &h, body, now, window).is_ok());
        assert!(verify_with(std::slice::from_ref(&new), &h, body, now, window).is_err());
        let at = |ts: i64| {
            let sig = sign(&new, "msg_1", ts, body).unwrap();
            verify_with(&both, &headers("msg_1", ts, &sig), body, now, window)
        };
        assert!(at(now.as_second() - 300).is_ok());
        assert!(at(now.as_second() + 60).is_ok());
        let ahead = at(now.as_second() + 61).unwrap_err();
        assert!(ahead.message().starts_with("future timestamp"), "{ahead}");
        assert!(
            at(now.as_second() - 301)
                .unwrap_err()
                .message()
                .starts_with("stale timestamp")
        );
        let h: WebhookHeaders = [
            ("svix-id", "msg_1"),
            ("svix-timestamp", "soon"),
            ("svix-signature", by_old.as_str()),
        ]
        .into_iter()
        .collect();
        let e = verify_with(&both, &h, body, now, window).unwrap_err();
        assert!(e.message().starts_with("malformed header"), "{e}");
        let none = verify_with(
            &[],
            &headers("msg_1", now.as_second(), &by_old),
            body,
            now,
            window,
        );
        assert_eq!(none.unwrap_err().kind(), ErrorKind::Config);
        assert!(check_secret(&old).is_ok());
        assert_eq!(
            check_secret(&SecretString::from("whsec_".to_owned()))
                .unwrap_err()
                .kind(),
            ErrorKind::Config
        );
    }

    #[test]
    fn generated_secrets_differ_and_decode() {
        let (a, b) = (generate_secret(), generate_secret());
        assert_ne!(a.expose_secret(), b.expose_secret());
        assert!(a.expose_secret().starts_with(SECRET_PREFIX));
        assert_eq!(key_bytes(&a).unwrap().len(), 32);
        assert_eq!(
            key_bytes(&SecretString::from("whsec_!!".to_owned()))
                .unwrap_err()
                .kind(),
            ErrorKind::Config
        );
    }
}
