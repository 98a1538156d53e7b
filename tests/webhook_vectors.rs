//! Webhook verification against signatures computed by an independent implementation (Python's `hmac`,
//! `tests/fixtures/webhooks/generate.py` → `vectors.json`), for every verifier: the vector verifies, and one
//! flipped byte, a stale timestamp, a missing header and a rotated secret each give the documented result.
//! Then hostile input: arbitrary bytes as body and headers, signed or not, never panic any verifier.

#![cfg(all(feature = "flexprice", feature = "flowglad", feature = "vercel"))]

use std::time::Duration;

use proptest::prelude::*;
use secrecy::SecretString;
use serde_json::Value;
use unibill::flexprice::FlexpriceWebhooks;
use unibill::flowglad::FlowgladWebhooks;
use unibill::vercel::VercelWebhooks;
use unibill::{ErrorKind, MemoryWebhooks, Timestamp, WebhookHeaders, WebhookKind, Webhooks, svix};

fn vectors() -> Value {
    serde_json::from_str(include_str!("fixtures/webhooks/vectors.json")).unwrap()
}

fn secret(v: &Value, name: &str) -> SecretString {
    SecretString::from(v[name].as_str().unwrap().to_owned())
}

fn svix_verifier(provider: &str, secrets: Vec<SecretString>) -> Box<dyn Webhooks> {
    match provider {
        "flexprice" => Box::new(FlexpriceWebhooks::with_secrets(secrets).unwrap()),
        "flowglad" => Box::new(FlowgladWebhooks::with_secrets(secrets).unwrap()),
        "memory" => Box::new(MemoryWebhooks::with_secrets(secrets).unwrap()),
        other => panic!("no Svix verifier for {other}"),
    }
}

fn headers(pairs: &[(&str, &str)]) -> WebhookHeaders {
    pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect()
}

fn refusal(result: unibill::Result<unibill::WebhookEvent>) -> String {
    let e = result.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthenticated, "{e}");
    e.message().to_owned()
}

#[test]
fn svix_vectors_verify_and_each_fault_is_refused_as_documented() {
    let v = vectors();
    let ts = v["timestamp"].as_i64().unwrap();
    let now = Timestamp::from_second(ts).unwrap();
    let current = secret(&v, "svix_secret");
    let rotated = secret(&v, "rotated_secret");
    for case in v["svix"].as_array().unwrap() {
        let provider = case["provider"].as_str().unwrap();
        let (id, body) = (case["id"].as_str().unwrap(), case["body"].as_str().unwrap());
        let sig = case["signature"].as_str().unwrap();
        let ts_text = ts.to_string();
        let good = headers(&[
            ("svix-id", id),
            ("svix-timestamp", &ts_text),
            ("svix-signature", sig),
        ]);
        let verifier = svix_verifier(provider, vec![current.clone()]);
        let event = verifier.verify(&good, body.as_bytes(), now).unwrap();
        assert_eq!(
            (event.provider.as_ref(), event.delivery_id.as_str()),
            (provider, id)
        );
        assert_ne!(event.kind, WebhookKind::Other(String::new()));

        // One flipped byte of the body, of the id, of the signature.
        let mut flipped = body.as_bytes().to_vec();
        flipped[body.len() / 2] ^= 0x01;
        assert!(refusal(verifier.verify(&good, &flipped, now)).starts_with("bad signature"));
        let other_id = format!("{id}x");
        let h = headers(&[
            ("svix-id", &other_id),
            ("svix-timestamp", &ts_text),
            ("svix-signature", sig),
        ]);
        assert!(refusal(verifier.verify(&h, body.as_bytes(), now)).starts_with("bad signature"));
        let mut bad_sig = sig.as_bytes().to_vec();
        bad_sig[5] = if bad_sig[5] == b'A' { b'B' } else { b'A' };
        let bad_sig = String::from_utf8(bad_sig).unwrap();
        let h = headers(&[
            ("svix-id", id),
            ("svix-timestamp", &ts_text),
            ("svix-signature", &bad_sig),
        ]);
        assert!(refusal(verifier.verify(&h, body.as_bytes(), now)).starts_with("bad signature"));

        // A stale timestamp: 301 s after signing, past every Svix verifier's tolerance.
        let later = Timestamp::from_second(ts + 301).unwrap();
        assert!(
            refusal(verifier.verify(&good, body.as_bytes(), later)).starts_with("stale timestamp")
        );

        // Each header missing.
        for missing in ["svix-id", "svix-timestamp", "svix-signature"] {
            let h: WebhookHeaders = good.iter().filter(|(n, _)| *n != missing).collect();
            let why = refusal(verifier.verify(&h, body.as_bytes(), now));
            assert!(
                why.starts_with("missing header") && why.contains(missing),
                "{why}"
            );
        }

        // Signed with the older secret: refused by the new one alone, taken during the rotation.
        let old_sig = case["rotated_signature"].as_str().unwrap();
        let h = headers(&[
            ("svix-id", id),
            ("svix-timestamp", &ts_text),
            ("svix-signature", old_sig),
        ]);
        assert!(refusal(verifier.verify(&h, body.as_bytes(), now)).starts_with("bad signature"));
        let rotating = svix_verifier(provider, vec![current.clone(), rotated.clone()]);
        assert_eq!(rotating.verify(&h, body.as_bytes(), now).unwrap(), event);
        // Both signatures sent (Svix during a rotation): either secret takes it.
        let both = format!("{old_sig} {sig}");
        let h = headers(&[
            ("svix-id", id),
            ("svix-timestamp", &ts_text),
            ("svix-signature", &both),
        ]);
        assert!(verifier.verify(&h, body.as_bytes(), now).is_ok());
        assert!(
            svix_verifier(provider, vec![rotated.clone()])
                .verify(&h, body.as_bytes(), now)
                .is_ok()
        );
    }
}

#[test]
fn the_vercel_vector_verifies_and_each_fault_is_refused_as_documented() {
    let v = &vectors()["vercel"];
    let client_secret = secret(v, "client_secret");
    let body = v["body"].as_str().unwrap().as_bytes();
    let sig = v["signature"].as_str().unwrap();
    let now = Timestamp::from_second(1_772_366_400).unwrap();
    let verifier = VercelWebhooks::new(client_secret.clone()).unwrap();
    let good = headers(&[("x-vercel-signature", sig)]);
    let event = verifier.verify(&good, body, now).unwrap();
    assert_eq!(
        (event.kind, event.delivery_id.as_str()),
        (WebhookKind::InvoicePaid, "evt_1")
    );

    let mut flipped = body.to_vec();
    flipped[10] ^= 0x01;
    assert!(refusal(verifier.verify(&good, &flipped, now)).starts_with("bad signature"));
    let why = refusal(verifier.verify(&WebhookHeaders::new(), body, now));
    assert!(
        why.starts_with("missing header") && why.contains("x-vercel-signature"),
        "{why}"
    );
    // No timestamp is signed; with a maximum age, the envelope's `createdAt` is what goes stale.
    let aged = VercelWebhooks::new(client_secret.clone())
        .unwrap()
        .with_max_age(Duration::from_secs(300));
    assert!(aged.verify(&good, body, now).is_ok());
    let later = Timestamp::from_second(1_772_366_400 + 301).unwrap();
    assert!(refusal(aged.verify(&good, body, later)).starts_with("stale timestamp"));
    // Rotation: the new client secret alone refuses, both take it.
    let newer = SecretString::from("the-next-client-secret".to_owned());
    let only_new = VercelWebhooks::new(newer.clone()).unwrap();
    assert!(refusal(only_new.verify(&good, body, now)).starts_with("bad signature"));
    let rotating = VercelWebhooks::with_secrets([newer, client_secret]).unwrap();
    assert_eq!(
        rotating.verify(&good, body, now).unwrap().delivery_id,
        "evt_1"
    );
}

fn every_verifier(svix_secret: &SecretString) -> Vec<Box<dyn Webhooks>> {
    vec![
        Box::new(FlexpriceWebhooks::new(svix_secret.clone()).unwrap()),
        Box::new(FlowgladWebhooks::new(svix_secret.clone()).unwrap()),
        Box::new(MemoryWebhooks::new(svix_secret.clone()).unwrap()),
        Box::new(VercelWebhooks::new(SecretString::from("vercel-secret".to_owned())).unwrap()),
    ]
}

fn header_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("svix-id".to_owned()),
        Just("svix-timestamp".to_owned()),
        Just("svix-signature".to_owned()),
        Just("webhook-id".to_owned()),
        Just("webhook-timestamp".to_owned()),
        Just("webhook-signature".to_owned()),
        Just("x-vercel-signature".to_owned()),
        ".{0,12}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Unsigned garbage: every verifier refuses it, `Unauthenticated`, without panicking.
    #[test]
    fn arbitrary_unsigned_input_is_refused_by_every_verifier(
        body in proptest::collection::vec(any::<u8>(), 0..2048),
        pairs in proptest::collection::vec((header_name(), ".{0,60}"), 0..6),
        seconds in 0i64..4_000_000_000,
    ) {
        let secret = SecretString::from(vectors()["svix_secret"].as_str().unwrap().to_owned());
        let headers: WebhookHeaders = pairs.into_iter().collect();
        let now = Timestamp::from_second(seconds).unwrap();
        for verifier in every_verifier(&secret) {
            let err = verifier.verify(&headers, &body, now).unwrap_err();
            prop_assert!(
                matches!(err.kind(), ErrorKind::Unauthenticated | ErrorKind::Decode),
                "{}: {err}", verifier.provider()
            );
        }
    }

    /// Correctly signed arbitrary bytes (or JSON-ish text) reach the decoder: an event or `Decode`, never a
    /// panic.
    #[test]
    fn arbitrary_signed_bodies_decode_or_are_decode_errors(
        body in prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..2048),
            r#"\{"(id|type|event_type|object|payload|subscription|createdAt)": ?("[a-z._]{0,12}"|[0-9]{1,14}|\{\}|null|\[\])\}"#
                .prop_map(String::into_bytes),
        ],
    ) {
        let secret = svix::generate_secret();
        let now = Timestamp::from_second(1_772_366_400).unwrap();
        let sig = svix::sign(&secret, "msg_1", now.as_second(), &body).unwrap();
        let signed: WebhookHeaders = [
            ("svix-id", "msg_1".to_owned()),
            ("svix-timestamp", now.as_second().to_string()),
            ("svix-signature", sig),
            ("x-vercel-signature", VercelWebhooks::sign(&SecretString::from("vercel-secret".to_owned()), &body)),
        ]
        .into_iter()
        .collect();
        for verifier in every_verifier(&secret) {
            match verifier.verify(&signed, &body, now) {
                Ok(event) => prop_assert!(!event.delivery_id.is_empty()),
                Err(e) => prop_assert_eq!(e.kind(), ErrorKind::Decode, "{}: {}", verifier.provider(), e),
            }
        }
    }
}
