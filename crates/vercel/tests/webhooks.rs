//! Vercel webhook verification and decoding: deliveries signed here with an HMAC-SHA1 of their own (not the
//! crate's signer) over the envelope the provider notes document (`vercel-marketplace-billing.md` §6).

use std::time::Duration;

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha1::Sha1;
use unibill_core::{ErrorKind, Timestamp, WebhookHeaders, WebhookKind, WebhookScheme, Webhooks};
use unibill_testkit::encoded::{error_leaks, leak};
use unibill_vercel::{SIGNATURE_HEADER, VercelWebhooks};

/// 2026-03-01T12:00:00Z in epoch milliseconds.
const CREATED_AT_MS: i64 = 1_772_366_400_000;

fn invoice(event_type: &str) -> String {
    format!(
        r#"{{"id":"evt_Hq2","type":"{event_type}","createdAt":{CREATED_AT_MS},"payload":{{"installationId":"icfg_9Zt","period":{{"start":"2026-02-01T00:00:00.000Z","end":"2026-03-01T00:00:00.000Z"}},"invoiceId":"inv_Pk4","invoiceDate":"2026-03-01T00:00:00.000Z","invoiceTotal":"32.00","team":{{"id":"team_1"}}}}}}"#
    )
}

fn now() -> Timestamp {
    Timestamp::from_millisecond(CREATED_AT_MS).unwrap()
}

fn secret() -> SecretString {
    SecretString::from("vcs_PLANTED_client_secret".to_owned())
}

/// The test's own HMAC-SHA1, lower-case hex.
fn hmac_sha1_hex(key: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn signed(key: &str, body: &[u8]) -> WebhookHeaders {
    [("X-Vercel-Signature", hmac_sha1_hex(key, body))]
        .into_iter()
        .collect()
}

fn refused(
    webhooks: &VercelWebhooks,
    headers: &WebhookHeaders,
    body: &[u8],
    at: Timestamp,
) -> String {
    let err = webhooks.verify(headers, body, at).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthenticated, "{err}");
    assert_eq!(err.provider(), Some("vercel"));
    let leaks = error_leaks("verify", &err, &["vcs_PLANTED_client_secret", "PLANTED"]);
    assert!(leaks.is_empty(), "{leaks:?}");
    err.message().to_owned()
}

#[test]
fn a_valid_delivery_is_the_mapped_event() {
    let webhooks = VercelWebhooks::new(secret()).unwrap();
    let body = invoice("marketplace.invoice.created");
    let event = webhooks
        .verify(
            &signed("vcs_PLANTED_client_secret", body.as_bytes()),
            body.as_bytes(),
            now(),
        )
        .unwrap();
    assert_eq!(event.provider, "vercel");
    assert_eq!(event.delivery_id, "evt_Hq2");
    assert_eq!(event.kind, WebhookKind::InvoiceFinalized);
    assert_eq!(event.object_type.as_deref(), Some("invoice"));
    assert_eq!(event.object_id.as_deref(), Some("inv_Pk4"));
    assert_eq!(event.customer_external_id, None);
    assert_eq!(event.occurred_at, Some(now()));
    assert_eq!(event.object.unwrap().to_value()["invoiceTotal"], "32.00");
    assert_eq!(event.raw.unwrap().to_value()["id"], "evt_Hq2");
}

#[test]
fn every_documented_type_maps_and_unknown_is_other() {
    let webhooks = VercelWebhooks::new(secret()).unwrap();
    let cases = [
        ("marketplace.invoice.created", WebhookKind::InvoiceFinalized),
        ("marketplace.invoice.paid", WebhookKind::InvoicePaid),
        ("marketplace.invoice.notpaid", WebhookKind::PaymentFailed),
        (
            "marketplace.invoice.refunded",
            WebhookKind::Other("marketplace.invoice.refunded".into()),
        ),
        (
            "integration-configuration.removed",
            WebhookKind::Other("integration-configuration.removed".into()),
        ),
        (
            "deployment.created",
            WebhookKind::Other("deployment.created".into()),
        ),
    ];
    for (t, kind) in cases {
        let body = invoice(t);
        let event = webhooks
            .verify(
                &signed("vcs_PLANTED_client_secret", body.as_bytes()),
                body.as_bytes(),
                now(),
            )
            .unwrap();
        assert_eq!(event.kind, kind, "{t}");
        let object = event.object_id.is_some();
        assert_eq!(object, t.starts_with("marketplace.invoice."), "{t}");
    }
}

#[test]
fn each_refusal_names_its_check_and_no_secret() {
    let webhooks = VercelWebhooks::new(secret()).unwrap();
    let body = invoice("marketplace.invoice.paid");
    let body = body.as_bytes();
    let good = signed("vcs_PLANTED_client_secret", body);

    let mut tampered = body.to_vec();
    let at = tampered.len() - 5;
    tampered[at] ^= 1;
    assert!(refused(&webhooks, &good, &tampered, now()).starts_with("bad signature"));
    let wrong = signed("another-secret", body);
    assert!(refused(&webhooks, &wrong, body, now()).starts_with("bad signature"));
    let missing = refused(&webhooks, &WebhookHeaders::new(), body, now());
    assert!(missing.starts_with("missing header"), "{missing}");
    assert!(missing.contains(SIGNATURE_HEADER), "{missing}");
    for odd in ["sha1=abc", "xyz", &"g".repeat(40), &"a".repeat(64)] {
        let h: WebhookHeaders = [(SIGNATURE_HEADER, odd)].into_iter().collect();
        assert!(refused(&webhooks, &h, body, now()).starts_with("malformed header"));
    }
    // Upper-case hex and surrounding spaces are the same signature.
    let upper: WebhookHeaders = [(
        SIGNATURE_HEADER,
        format!(
            " {} ",
            hmac_sha1_hex("vcs_PLANTED_client_secret", body).to_uppercase()
        ),
    )]
    .into_iter()
    .collect();
    assert!(webhooks.verify(&upper, body, now()).is_ok());
    // No timestamp in the scheme: an old delivery verifies (dedupe on the id is the caller's) ...
    let years_later: Timestamp = "2031-01-01T00:00:00Z".parse().unwrap();
    assert!(webhooks.verify(&good, body, years_later).is_ok());
    // ... unless a maximum age on `createdAt` is asked for.
    let bounded = webhooks.clone().with_max_age(Duration::from_secs(3600));
    assert!(refused(&bounded, &good, body, years_later).starts_with("stale timestamp"));
    let early: Timestamp = "2026-03-01T10:00:00Z".parse().unwrap();
    assert!(refused(&bounded, &good, body, early).starts_with("future timestamp"));
    assert!(bounded.verify(&good, body, now()).is_ok());
    let undated = br#"{"id":"evt_1","type":"deployment.created","payload":{}}"#;
    let h = signed("vcs_PLANTED_client_secret", undated);
    assert!(webhooks.verify(&h, undated, now()).is_ok());
    assert!(refused(&bounded, &h, undated, now()).starts_with("missing timestamp"));
}

#[test]
fn a_verified_body_that_is_not_an_envelope_is_decode() {
    let webhooks = VercelWebhooks::new(secret()).unwrap();
    for body in [&b"not json"[..], b"[]", br#"{"type":"x"}"#] {
        let err = webhooks
            .verify(&signed("vcs_PLANTED_client_secret", body), body, now())
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
    }
}

#[test]
fn a_rotation_accepts_either_client_secret() {
    let (old, new) = ("vcs_old_secret", "vcs_new_secret");
    let rotating = VercelWebhooks::with_secrets([
        SecretString::from(new.to_owned()),
        SecretString::from(old.to_owned()),
    ])
    .unwrap();
    let body = invoice("marketplace.invoice.paid");
    for key in [old, new] {
        assert!(
            rotating
                .verify(&signed(key, body.as_bytes()), body.as_bytes(), now())
                .is_ok()
        );
    }
    let rotated = VercelWebhooks::new(SecretString::from(new.to_owned())).unwrap();
    let err = rotated
        .verify(&signed(old, body.as_bytes()), body.as_bytes(), now())
        .unwrap_err();
    assert!(err.message().starts_with("bad signature"));
}

#[test]
fn capabilities_debug_and_the_signer() {
    let webhooks = VercelWebhooks::new(secret()).unwrap();
    let caps = webhooks.capabilities();
    assert_eq!(
        (
            caps.scheme,
            caps.replay_window,
            caps.typed_kinds,
            caps.full_object
        ),
        (WebhookScheme::HmacSha1Hex, None, true, true)
    );
    assert_eq!(
        webhooks
            .clone()
            .with_max_age(Duration::from_secs(60))
            .capabilities()
            .replay_window,
        Some(Duration::from_secs(60))
    );
    assert_eq!(webhooks.provider(), "vercel");
    let text = format!("{webhooks:?}");
    assert_eq!(
        leak(&text, &[secret().expose_secret(), "PLANTED"]),
        None,
        "{text}"
    );
    assert_eq!(
        VercelWebhooks::sign(&secret(), b"{}"),
        hmac_sha1_hex("vcs_PLANTED_client_secret", b"{}")
    );
    let none: [SecretString; 0] = [];
    assert_eq!(
        VercelWebhooks::with_secrets(none).unwrap_err().kind(),
        ErrorKind::Config
    );
    assert_eq!(
        VercelWebhooks::new(SecretString::from(String::new()))
            .unwrap_err()
            .kind(),
        ErrorKind::Config
    );
}
