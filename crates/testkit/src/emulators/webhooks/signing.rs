//! How an emulator signs a delivery: the Svix scheme (Flexprice Cloud, Flowglad) or Vercel's hex HMAC-SHA1.
//!
//! Written here from the provider notes, on its own (the `hmac` crate, not unibill-core's verifier), so an
//! end-to-end test checks two implementations against each other.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha1::Sha1;
use sha2::Sha256;

/// How deliveries to an endpoint are signed. Its `Debug` shows no secret.
#[derive(Clone)]
pub enum WebhookSigning {
    /// Svix: `svix-id`, `svix-timestamp` and `svix-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`
    /// under the bytes of a `whsec_` secret (base64 after the prefix).
    Svix(SecretString),
    /// Vercel: `x-vercel-signature`, the lower-case hex HMAC-SHA1 of the raw body keyed with the integration's
    /// client secret (its UTF-8 bytes).
    VercelSha1(SecretString),
}

impl std::fmt::Debug for WebhookSigning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WebhookSigning::Svix(_) => f.write_str("Svix([REDACTED])"),
            WebhookSigning::VercelSha1(_) => f.write_str("VercelSha1([REDACTED])"),
        }
    }
}

impl WebhookSigning {
    /// The headers of one attempt of delivery `id` carrying `body`, signed at `timestamp` (Unix seconds; Svix
    /// only). `None` when a Svix secret is not base64 after `whsec_` (nothing can be signed with it).
    pub(crate) fn headers(
        &self,
        id: &str,
        timestamp: i64,
        body: &[u8],
    ) -> Option<Vec<(&'static str, String)>> {
        match self {
            WebhookSigning::Svix(secret) => {
                let text = secret.expose_secret();
                let key = STANDARD
                    .decode(text.strip_prefix("whsec_").unwrap_or(text))
                    .ok()?;
                let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
                mac.update(format!("{id}.{timestamp}.").as_bytes());
                mac.update(body);
                let signature = STANDARD.encode(mac.finalize().into_bytes());
                Some(vec![
                    ("svix-id", id.to_owned()),
                    ("svix-timestamp", timestamp.to_string()),
                    ("svix-signature", format!("v1,{signature}")),
                ])
            }
            WebhookSigning::VercelSha1(secret) => {
                let mut mac =
                    Hmac::<Sha1>::new_from_slice(secret.expose_secret().as_bytes()).ok()?;
                mac.update(body);
                let hex = mac
                    .finalize()
                    .into_bytes()
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>();
                Some(vec![("x-vercel-signature", hex)])
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Svix's published example (secret, id, timestamp, body and signature as documented).
    #[test]
    fn svix_matches_the_published_example() {
        let signing = WebhookSigning::Svix(SecretString::from(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned(),
        ));
        let headers = signing
            .headers(
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1614265330,
                br#"{"test": 2432232314}"#,
            )
            .unwrap();
        assert_eq!(
            headers[2].1,
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        assert!(!format!("{signing:?}").contains("MfKQ"));
    }

    /// RFC 2202 test case 2 (HMAC-SHA1, key "Jefe").
    #[test]
    fn vercel_is_hex_hmac_sha1() {
        let signing = WebhookSigning::VercelSha1(SecretString::from("Jefe".to_owned()));
        let headers = signing
            .headers("ignored", 0, b"what do ya want for nothing?")
            .unwrap();
        assert_eq!(
            headers,
            [(
                "x-vercel-signature",
                "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79".to_owned()
            )]
        );
    }
}
