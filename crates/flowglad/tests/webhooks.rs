//! Flowglad webhook verification and decoding: deliveries signed here with core's Svix signer over the thin
//! body the provider notes document (`flowglad-lifecycle.md` §8.2). Svix's published example is checked once,
//! in core's `svix` tests.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use unibill_core::svix::{self, Tolerance};
use unibill_core::{
    Billing, ChangedObject, Customers, ErrorKind, NewCustomer, Timestamp, WebhookHeaders,
    WebhookKind, WebhookScheme, Webhooks, fetch_changed,
};
use unibill_flowglad::{FlowgladWebhooks, WEBHOOK_TOLERANCE};
use unibill_testkit::encoded::{error_leaks, leak};

const SUBSCRIPTION: &str = r#"{"id":"sub_7Xk","object":"subscription","customer":{"id":"cust_3Qa","externalId":"ada"},"pricingModelId":"pricing_model_9Lm"}"#;
/// Older events lack `customer`.
const PAYMENT_WITHOUT_CUSTOMER: &str =
    r#"{"id":"pymt_1","object":"payment","pricingModelId":"pricing_model_9Lm"}"#;

fn now() -> Timestamp {
    "2026-03-01T12:00:00Z".parse().unwrap()
}

fn signed(secret: &SecretString, id: &str, at: i64, body: &[u8]) -> WebhookHeaders {
    [
        ("svix-id", id.to_owned()),
        ("svix-timestamp", at.to_string()),
        ("svix-signature", svix::sign(secret, id, at, body).unwrap()),
    ]
    .into_iter()
    .collect()
}

fn without(headers: &WebhookHeaders, name: &str) -> WebhookHeaders {
    headers.iter().filter(|(n, _)| *n != name).collect()
}

/// Each secret whole and its base64 key.
fn needles(secrets: &[&SecretString]) -> Vec<String> {
    secrets
        .iter()
        .flat_map(|s| {
            let text = s.expose_secret().to_owned();
            [text.clone(), text["whsec_".len()..].to_owned()]
        })
        .collect()
}

/// The refusal's message, after checking it is `Unauthenticated` and shows no secret.
fn refused(
    webhooks: &FlowgladWebhooks,
    headers: &WebhookHeaders,
    body: &[u8],
    secrets: &[&SecretString],
) -> String {
    let err = webhooks.verify(headers, body, now()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthenticated, "{err}");
    assert_eq!(err.provider(), Some("flowglad"));
    let needles = needles(secrets);
    let needles: Vec<&str> = needles.iter().map(String::as_str).collect();
    let leaks = error_leaks("verify", &err, &needles);
    assert!(leaks.is_empty(), "{leaks:?}");
    err.message().to_owned()
}

#[test]
fn every_delivery_is_object_changed_with_the_object_named() {
    let secret = svix::generate_secret();
    let webhooks = FlowgladWebhooks::new(secret.clone()).unwrap();
    let body = SUBSCRIPTION.as_bytes();
    let event = webhooks
        .verify(
            &signed(&secret, "msg_2x", now().as_second(), body),
            body,
            now(),
        )
        .unwrap();
    assert_eq!(event.provider, "flowglad");
    assert_eq!(event.delivery_id, "msg_2x");
    assert_eq!(event.kind, WebhookKind::ObjectChanged);
    assert_eq!(event.object_type.as_deref(), Some("subscription"));
    assert_eq!(event.object_id.as_deref(), Some("sub_7Xk"));
    assert_eq!(event.customer_external_id.as_deref(), Some("ada"));
    assert_eq!((event.object, event.occurred_at), (None, None));
    assert_eq!(
        event.raw.unwrap().to_value()["pricingModelId"],
        "pricing_model_9Lm"
    );

    let body = PAYMENT_WITHOUT_CUSTOMER.as_bytes();
    let event = webhooks
        .verify(&signed(&secret, "m", now().as_second(), body), body, now())
        .unwrap();
    assert_eq!(
        (event.object_type.as_deref(), event.customer_external_id),
        (Some("payment"), None)
    );
    // An object type Flowglad adds later is kept as sent.
    let body = br#"{"id":"x_1","object":"brand_new"}"#;
    let event = webhooks
        .verify(&signed(&secret, "m", now().as_second(), body), body, now())
        .unwrap();
    assert_eq!(event.object_type.as_deref(), Some("brand_new"));
}

#[test]
fn the_documented_types_map_for_who_learns_them_elsewhere() {
    let cases = [
        ("customer.created", WebhookKind::CustomerCreated),
        ("customer.updated", WebhookKind::CustomerUpdated),
        ("payment.failed", WebhookKind::PaymentFailed),
        ("payment.succeeded", WebhookKind::PaymentSucceeded),
        ("subscription.created", WebhookKind::SubscriptionCreated),
        ("subscription.updated", WebhookKind::SubscriptionUpdated),
        ("subscription.canceled", WebhookKind::SubscriptionCanceled),
        (
            "purchase.completed",
            WebhookKind::Other("purchase.completed".into()),
        ),
        (
            "sync.events_available",
            WebhookKind::Other("sync.events_available".into()),
        ),
        ("unknown.type", WebhookKind::Other("unknown.type".into())),
    ];
    for (t, kind) in cases {
        assert_eq!(FlowgladWebhooks::kind_of(t), kind, "{t}");
    }
}

#[test]
fn a_verified_body_that_is_not_an_event_is_decode() {
    let secret = svix::generate_secret();
    let webhooks = FlowgladWebhooks::new(secret.clone()).unwrap();
    for body in [&b"not json"[..], b"[1]", br#"{"object":"subscription"}"#] {
        let err = webhooks
            .verify(&signed(&secret, "m", now().as_second(), body), body, now())
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
    }
}

#[test]
fn each_refusal_names_its_check_and_no_secret() {
    let secret = svix::generate_secret();
    let other = svix::generate_secret();
    let webhooks = FlowgladWebhooks::new(secret.clone()).unwrap();
    let body = SUBSCRIPTION.as_bytes();
    let t = now().as_second();
    let good = signed(&secret, "msg_1", t, body);
    let why = |h: &WebhookHeaders, b: &[u8]| refused(&webhooks, h, b, &[&secret, &other]);

    let tampered = SUBSCRIPTION.replace("sub_7Xk", "sub_7Xl");
    assert!(why(&good, tampered.as_bytes()).starts_with("bad signature"));
    assert!(why(&signed(&other, "msg_1", t, body), body).starts_with("bad signature"));
    for name in ["svix-id", "svix-timestamp", "svix-signature"] {
        let message = why(&without(&good, name), body);
        assert!(message.starts_with("missing header"), "{message}");
    }
    let mut malformed = without(&good, "svix-timestamp");
    malformed.append("svix-timestamp", "12.5");
    assert!(why(&malformed, body).starts_with("malformed header"));

    // Flowglad's window: 300 s in the past, 60 s in the future.
    let at = |ts: i64| signed(&secret, "msg_1", ts, body);
    assert!(webhooks.verify(&at(t - 300), body, now()).is_ok());
    assert!(webhooks.verify(&at(t + 60), body, now()).is_ok());
    assert!(why(&at(t - 301), body).starts_with("stale timestamp"));
    let ahead = why(&at(t + 61), body);
    assert!(ahead.starts_with("future timestamp"), "{ahead}");
    assert!(ahead.contains("60 s"), "{ahead}");
}

#[test]
fn several_signatures_one_valid_rotation_and_webhook_prefixed_headers() {
    let (old, new) = (svix::generate_secret(), svix::generate_secret());
    let body = SUBSCRIPTION.as_bytes();
    let t = now().as_second();
    let by_new = svix::sign(&new, "msg_1", t, body).unwrap();
    let by_old = svix::sign(&old, "msg_1", t, body).unwrap();

    let only_new = FlowgladWebhooks::new(new.clone()).unwrap();
    let both_sigs: WebhookHeaders = [
        ("svix-id", "msg_1".to_owned()),
        ("svix-timestamp", t.to_string()),
        ("svix-signature", format!("v1,Zm9v {by_old} {by_new}")),
    ]
    .into_iter()
    .collect();
    assert!(only_new.verify(&both_sigs, body, now()).is_ok());
    let old_only = signed(&old, "msg_1", t, body);
    assert!(refused(&only_new, &old_only, body, &[&old, &new]).starts_with("bad signature"));

    let rotating = FlowgladWebhooks::with_secrets([new.clone(), old.clone()]).unwrap();
    assert!(rotating.verify(&old_only, body, now()).is_ok());
    assert!(
        rotating
            .verify(&signed(&new, "msg_1", t, body), body, now())
            .is_ok()
    );

    let white_label: WebhookHeaders = [
        ("webhook-id", "msg_1".to_owned()),
        ("webhook-timestamp", t.to_string()),
        ("webhook-signature", by_new),
    ]
    .into_iter()
    .collect();
    assert!(only_new.verify(&white_label, body, now()).is_ok());
}

#[test]
fn capabilities_secrets_and_debug() {
    let secret = svix::generate_secret();
    let webhooks = FlowgladWebhooks::new(secret.clone()).unwrap();
    let caps = webhooks.capabilities();
    assert_eq!(caps.scheme, WebhookScheme::Svix);
    assert!(caps.verify && !caps.typed_kinds && !caps.full_object);
    assert_eq!(caps.replay_window, Some(Duration::from_secs(300)));
    assert_eq!(
        WEBHOOK_TOLERANCE,
        Tolerance::new(Duration::from_secs(300), Duration::from_secs(60))
    );
    let wide = webhooks
        .clone()
        .with_tolerance(Tolerance::symmetric(Duration::from_secs(600)));
    assert_eq!(
        wide.capabilities().replay_window,
        Some(Duration::from_secs(600))
    );
    let text = format!("{webhooks:?}");
    let needles = needles(&[&secret]);
    let needles: Vec<&str> = needles.iter().map(String::as_str).collect();
    assert_eq!(leak(&text, &needles), None, "{text}");

    let bare_key = SecretString::from(secret.expose_secret()["whsec_".len()..].to_owned());
    for bad in [bare_key, SecretString::from("whsec_***".to_owned())] {
        let err = FlowgladWebhooks::new(bad).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert_eq!(leak(&format!("{err:?}"), &needles), None);
    }
    let none: [SecretString; 0] = [];
    assert_eq!(
        FlowgladWebhooks::with_secrets(none).unwrap_err().kind(),
        ErrorKind::Config
    );
}

/// The thin event, then the object through the neutral traits (memory standing in for Flowglad's reads).
#[tokio::test]
async fn a_thin_customer_event_fetches_the_customer_by_external_id() {
    let billing = Billing::memory();
    let ada = billing
        .customers()
        .create(NewCustomer::builder("ada", "Ada").build().unwrap())
        .await
        .unwrap();
    let secret = svix::generate_secret();
    let webhooks = FlowgladWebhooks::new(secret.clone()).unwrap();
    let body = br#"{"id":"cust_3Qa","object":"customer","customer":{"id":"cust_3Qa","externalId":"ada"},"pricingModelId":"pm_1"}"#;
    let event = webhooks
        .verify(&signed(&secret, "m", now().as_second(), body), body, now())
        .unwrap();
    let ChangedObject::Customer(fetched) = fetch_changed(&event, &billing).await.unwrap() else {
        panic!("not a customer");
    };
    assert_eq!(fetched.id, ada.id);
    let purchase = br#"{"id":"prch_1","object":"purchase"}"#;
    let event = webhooks
        .verify(
            &signed(&secret, "m", now().as_second(), purchase),
            purchase,
            now(),
        )
        .unwrap();
    assert!(matches!(
        fetch_changed(&event, &billing).await.unwrap(),
        ChangedObject::Other { .. }
    ));
}
