//! Flexprice webhook verification and decoding: deliveries signed here with core's Svix signer over the bodies
//! the provider notes document (`flexprice-lifecycle.md` §7.4). Svix's published example is checked once, in
//! core's `svix` tests.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use unibill_core::{
    ErrorKind, Timestamp, WebhookHeaders, WebhookKind, WebhookScheme, Webhooks, svix,
};
use unibill_flexprice::{FlexpriceWebhooks, WEBHOOK_TOLERANCE};
use unibill_testkit::encoded::{error_leaks, leak};

/// A subscription event: the webhook subscription object with the customer embedded.
const SUBSCRIPTION_CREATED: &str = r#"{"event_type":"subscription.created","subscription":{"id":"subs_01J","lookup_key":"ada-pro","customer_id":"cust_01J","plan_id":"plan_01J","subscription_status":"active","currency":"usd","billing_period":"MONTHLY","current_period_start":"2026-03-01T00:00:00Z","current_period_end":"2026-04-01T00:00:00Z","cancel_at_period_end":false,"metadata":{},"created_at":"2026-03-01T00:00:00Z","updated_at":"2026-03-01T00:00:05.123Z","customer":{"id":"cust_01J","external_id":"ada","name":"Ada Lovelace"}}}"#;

/// An invoice event: `InvoiceResponse`.
fn invoice(event_type: &str, payment_status: &str) -> String {
    format!(
        r#"{{"event_type":"{event_type}","invoice":{{"id":"inv_01J","invoice_number":"INV-1","customer_id":"cust_01J","subscription_id":"subs_01J","invoice_type":"SUBSCRIPTION","invoice_status":"FINALIZED","payment_status":"{payment_status}","currency":"usd","subtotal":"32","total":"32","amount_due":"32","amount_paid":"0","amount_remaining":"32","line_items":[],"updated_at":"2026-04-01T00:00:00Z"}}}}"#
    )
}

const EVENT_REJECTED: &str = r#"{"event_type":"event.rejected","reason":"no_meter_for_event_name","event":{"id":"call-1","event_name":"api_calls","external_customer_id":"ada","properties":{"quantity":"1"},"timestamp":"2026-03-01T10:00:00Z"}}"#;

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

/// The refusal's message, after checking it is `Unauthenticated` and shows no secret.
fn refused(
    webhooks: &FlexpriceWebhooks,
    headers: &WebhookHeaders,
    body: &[u8],
    at: Timestamp,
    secrets: &[&SecretString],
) -> String {
    let err = webhooks.verify(headers, body, at).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthenticated, "{err}");
    assert_eq!(err.provider(), Some("flexprice"));
    let needles = needles(secrets);
    let needles: Vec<&str> = needles.iter().map(String::as_str).collect();
    let leaks = error_leaks("verify", &err, &needles);
    assert!(leaks.is_empty(), "{leaks:?}");
    err.message().to_owned()
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

#[test]
fn a_valid_delivery_is_the_mapped_event() {
    let secret = svix::generate_secret();
    let webhooks = FlexpriceWebhooks::new(secret.clone()).unwrap();
    let body = SUBSCRIPTION_CREATED.as_bytes();
    let event = webhooks
        .verify(
            &signed(&secret, "msg_2x", now().as_second(), body),
            body,
            now(),
        )
        .unwrap();
    assert_eq!(event.provider, "flexprice");
    assert_eq!(event.delivery_id, "msg_2x");
    assert_eq!(event.kind, WebhookKind::SubscriptionCreated);
    assert_eq!(event.object_type.as_deref(), Some("subscription"));
    assert_eq!(event.object_id.as_deref(), Some("subs_01J"));
    assert_eq!(event.customer_external_id.as_deref(), Some("ada"));
    assert_eq!(
        event.occurred_at,
        Some("2026-03-01T00:00:05.123Z".parse().unwrap())
    );
    let object = event.object.unwrap().to_value();
    assert_eq!(object["lookup_key"], "ada-pro");
    assert_eq!(
        event.raw.unwrap().to_value()["event_type"],
        "subscription.created"
    );
}

#[test]
fn every_documented_type_maps() {
    let secret = svix::generate_secret();
    let webhooks = FlexpriceWebhooks::new(secret.clone()).unwrap();
    let sub = |t: &str| SUBSCRIPTION_CREATED.replace("subscription.created", t);
    let customer = |t: &str| {
        format!(
            r#"{{"event_type":"{t}","customer":{{"id":"cust_01J","external_id":"ada","name":"Ada"}}}}"#
        )
    };
    let payment = |t: &str| {
        format!(
            r#"{{"event_type":"{t}","payment":{{"id":"pay_01J","destination_id":"inv_01J","payment_status":"FAILED"}}}}"#
        )
    };
    let cases = [
        (
            sub("subscription.created"),
            WebhookKind::SubscriptionCreated,
        ),
        (
            sub("subscription.activated"),
            WebhookKind::SubscriptionCreated,
        ),
        (
            sub("subscription.updated"),
            WebhookKind::SubscriptionUpdated,
        ),
        (
            sub("subscription.plan_changed"),
            WebhookKind::SubscriptionUpdated,
        ),
        (sub("subscription.paused"), WebhookKind::SubscriptionUpdated),
        (
            sub("subscription.resumed"),
            WebhookKind::SubscriptionUpdated,
        ),
        (
            sub("subscription.cancelled"),
            WebhookKind::SubscriptionCanceled,
        ),
        (
            sub("subscription.draft.created"),
            WebhookKind::Other("subscription.draft.created".into()),
        ),
        (
            invoice("invoice.update.finalized", "PENDING"),
            WebhookKind::InvoiceFinalized,
        ),
        (
            invoice("invoice.update.payment", "SUCCEEDED"),
            WebhookKind::InvoicePaid,
        ),
        (
            invoice("invoice.update.payment", "OVERPAID"),
            WebhookKind::InvoicePaid,
        ),
        (
            invoice("invoice.update.payment", "FAILED"),
            WebhookKind::Other("invoice.update.payment".into()),
        ),
        (
            invoice("invoice.update.voided", "VOIDED"),
            WebhookKind::InvoiceVoided,
        ),
        (
            invoice("invoice.payment.overdue", "PENDING"),
            WebhookKind::Other("invoice.payment.overdue".into()),
        ),
        (payment("payment.success"), WebhookKind::PaymentSucceeded),
        (payment("payment.failed"), WebhookKind::PaymentFailed),
        (
            payment("payment.pending"),
            WebhookKind::Other("payment.pending".into()),
        ),
        (customer("customer.created"), WebhookKind::CustomerCreated),
        (customer("customer.updated"), WebhookKind::CustomerUpdated),
        (customer("customer.deleted"), WebhookKind::CustomerDeleted),
        (EVENT_REJECTED.to_owned(), WebhookKind::UsageRejected),
    ];
    for (i, (body, kind)) in cases.iter().enumerate() {
        let id = format!("msg_{i}");
        let event = webhooks
            .verify(
                &signed(&secret, &id, now().as_second(), body.as_bytes()),
                body.as_bytes(),
                now(),
            )
            .unwrap();
        assert_eq!(&event.kind, kind, "{body}");
        assert!(event.object.is_some(), "{body}");
    }

    let c = customer("customer.updated");
    let e = webhooks
        .verify(
            &signed(&secret, "m", now().as_second(), c.as_bytes()),
            c.as_bytes(),
            now(),
        )
        .unwrap();
    assert_eq!(
        (
            e.object_type.as_deref(),
            e.object_id.as_deref(),
            e.customer_external_id.as_deref()
        ),
        (Some("customer"), Some("cust_01J"), Some("ada"))
    );
    let r = EVENT_REJECTED.as_bytes();
    let e = webhooks
        .verify(&signed(&secret, "m", now().as_second(), r), r, now())
        .unwrap();
    assert_eq!(
        (
            e.object_type.as_deref(),
            e.object_id.as_deref(),
            e.customer_external_id.as_deref()
        ),
        (Some("event"), Some("call-1"), Some("ada"))
    );
    assert_eq!(
        e.occurred_at, None,
        "the usage event's own time is not the rejection's"
    );
}

#[test]
fn an_unknown_type_is_other_never_an_error() {
    let secret = svix::generate_secret();
    let webhooks = FlexpriceWebhooks::new(secret.clone()).unwrap();
    let body = br#"{"event_type":"wallet.credit_balance.dropped","wallet":{"id":"wal_1","customer_id":"cust_01J"}}"#;
    let event = webhooks
        .verify(&signed(&secret, "m", now().as_second(), body), body, now())
        .unwrap();
    assert_eq!(
        event.kind,
        WebhookKind::Other("wallet.credit_balance.dropped".into())
    );
    assert_eq!(event.object_type.as_deref(), Some("wallet"));
    assert_eq!(event.customer_external_id, None);
    let bare = br#"{"event_type":"brand.new"}"#;
    let event = webhooks
        .verify(&signed(&secret, "m", now().as_second(), bare), bare, now())
        .unwrap();
    assert_eq!(event.kind, WebhookKind::Other("brand.new".into()));
    assert_eq!((event.object_id, event.object), (None, None));
}

#[test]
fn a_verified_body_that_is_not_an_event_is_decode() {
    let secret = svix::generate_secret();
    let webhooks = FlexpriceWebhooks::new(secret.clone()).unwrap();
    for body in [&b"not json"[..], b"[1]", br#"{"subscription":{}}"#] {
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
    let webhooks = FlexpriceWebhooks::new(secret.clone()).unwrap();
    let body = SUBSCRIPTION_CREATED.as_bytes();
    let t = now().as_second();
    let good = signed(&secret, "msg_1", t, body);
    let why = |h: &WebhookHeaders, b: &[u8]| refused(&webhooks, h, b, now(), &[&secret, &other]);

    let mut tampered = body.to_vec();
    tampered[20] ^= 1;
    assert!(why(&good, &tampered).starts_with("bad signature"));
    assert!(why(&signed(&other, "msg_1", t, body), body).starts_with("bad signature"));
    // The id and the timestamp are signed too.
    let mut moved = without(&good, "svix-id");
    moved.append("svix-id", "msg_2");
    assert!(why(&moved, body).starts_with("bad signature"));
    for name in ["svix-id", "svix-timestamp", "svix-signature"] {
        let message = why(&without(&good, name), body);
        assert!(message.starts_with("missing header"), "{message}");
        if name != "svix-id" {
            assert!(message.contains(name), "{message}");
        }
    }
    let stale = signed(&secret, "msg_1", t - 301, body);
    assert!(why(&stale, body).starts_with("stale timestamp"));
    let future = signed(&secret, "msg_1", t + 301, body);
    assert!(why(&future, body).starts_with("future timestamp"));
    let mut malformed = without(&good, "svix-timestamp");
    malformed.append("svix-timestamp", "2026-03-01T12:00:00Z");
    assert!(why(&malformed, body).starts_with("malformed header"));
    let mut v2 = without(&good, "svix-signature");
    v2.append("svix-signature", "v2,AAAA");
    assert!(why(&v2, body).contains("no `v1`"));

    // Within the tolerance on both sides.
    for at in [t - 300, t + 300] {
        assert!(
            webhooks
                .verify(&signed(&secret, "msg_1", at, body), body, now())
                .is_ok()
        );
    }
}

#[test]
fn several_signatures_one_valid_and_webhook_prefixed_headers() {
    let secret = svix::generate_secret();
    let other = svix::generate_secret();
    let webhooks = FlexpriceWebhooks::new(secret.clone()).unwrap();
    let body = SUBSCRIPTION_CREATED.as_bytes();
    let t = now().as_second();
    let good = svix::sign(&secret, "msg_1", t, body).unwrap();
    let bad = svix::sign(&other, "msg_1", t, body).unwrap();
    let headers: WebhookHeaders = [
        ("svix-id", "msg_1".to_owned()),
        ("svix-timestamp", t.to_string()),
        ("svix-signature", format!("v1,bm9wZQ== {bad} {good}")),
    ]
    .into_iter()
    .collect();
    assert_eq!(
        webhooks.verify(&headers, body, now()).unwrap().delivery_id,
        "msg_1"
    );
    let white_label: WebhookHeaders = [
        ("Webhook-Id", "msg_1".to_owned()),
        ("Webhook-Timestamp", t.to_string()),
        ("Webhook-Signature", good),
    ]
    .into_iter()
    .collect();
    assert!(webhooks.verify(&white_label, body, now()).is_ok());
}

#[test]
fn a_rotation_accepts_the_old_secret_until_it_is_dropped() {
    let (old, new) = (svix::generate_secret(), svix::generate_secret());
    let rotating = FlexpriceWebhooks::with_secrets([new.clone(), old.clone()]).unwrap();
    let body = SUBSCRIPTION_CREATED.as_bytes();
    let t = now().as_second();
    for secret in [&old, &new] {
        assert!(
            rotating
                .verify(&signed(secret, "msg_1", t, body), body, now())
                .is_ok()
        );
    }
    let rotated = FlexpriceWebhooks::new(new.clone()).unwrap();
    let message = refused(
        &rotated,
        &signed(&old, "msg_1", t, body),
        body,
        now(),
        &[&old, &new],
    );
    assert!(message.starts_with("bad signature"));
}

#[test]
fn the_tolerance_is_configurable_and_in_the_capabilities() {
    let secret = svix::generate_secret();
    let webhooks = FlexpriceWebhooks::new(secret.clone()).unwrap();
    let caps = webhooks.capabilities();
    assert_eq!(
        (
            caps.scheme,
            caps.replay_window,
            caps.typed_kinds,
            caps.full_object
        ),
        (WebhookScheme::Svix, Some(WEBHOOK_TOLERANCE), true, true)
    );
    assert_eq!(WEBHOOK_TOLERANCE, Duration::from_secs(300));
    assert_eq!(webhooks.provider(), "flexprice");

    let strict = webhooks.with_tolerance(Duration::from_secs(30));
    assert_eq!(
        strict.capabilities().replay_window,
        Some(Duration::from_secs(30))
    );
    let body = SUBSCRIPTION_CREATED.as_bytes();
    let late = signed(&secret, "msg_1", now().as_second() - 31, body);
    assert!(refused(&strict, &late, body, now(), &[&secret]).starts_with("stale timestamp"));
}

#[test]
fn bad_secrets_are_config_and_debug_shows_none() {
    for bad in ["", "whsec_", "whsec_!!!not base64"] {
        let err = FlexpriceWebhooks::new(SecretString::from(bad.to_owned())).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config, "{bad:?}");
    }
    let none: [SecretString; 0] = [];
    assert_eq!(
        FlexpriceWebhooks::with_secrets(none).unwrap_err().kind(),
        ErrorKind::Config
    );

    let (a, b) = (svix::generate_secret(), svix::generate_secret());
    let webhooks = FlexpriceWebhooks::with_secrets([a.clone(), b.clone()]).unwrap();
    let shared = FlexpriceWebhooks::unsigned_with_header(
        "X-Webhook-Token",
        SecretString::from("tok_PLANTED_shared".to_owned()),
    )
    .unwrap();
    let needles = needles(&[&a, &b]);
    let mut needles: Vec<&str> = needles.iter().map(String::as_str).collect();
    needles.push("tok_PLANTED_shared");
    for text in [format!("{webhooks:?}"), format!("{shared:?}")] {
        assert_eq!(leak(&text, &needles), None, "{text}");
    }
    assert!(format!("{shared:?}").contains("X-Webhook-Token"));
}

#[test]
fn self_hosted_unsigned_deliveries_need_the_shared_header() {
    let value = SecretString::from("tok_PLANTED_shared".to_owned());
    let webhooks = FlexpriceWebhooks::unsigned_with_header("X-Webhook-Token", value).unwrap();
    let caps = webhooks.capabilities();
    assert_eq!(
        (caps.scheme, caps.replay_window),
        (WebhookScheme::Unsigned, None)
    );
    let body = SUBSCRIPTION_CREATED.as_bytes();
    let ok: WebhookHeaders = [("x-webhook-token", "tok_PLANTED_shared")]
        .into_iter()
        .collect();
    let event = webhooks.verify(&ok, body, now()).unwrap();
    assert_eq!(event.kind, WebhookKind::SubscriptionCreated);
    assert_eq!(event.delivery_id.len(), 64);
    assert!(event.delivery_id.bytes().all(|b| b.is_ascii_hexdigit()));
    // The same body dedupes, another does not.
    assert_eq!(
        webhooks.verify(&ok, body, now()).unwrap().delivery_id,
        event.delivery_id
    );
    let other = invoice("invoice.update.voided", "VOIDED");
    assert_ne!(
        webhooks
            .verify(&ok, other.as_bytes(), now())
            .unwrap()
            .delivery_id,
        event.delivery_id
    );

    let why = |h: &WebhookHeaders| {
        let err = webhooks.verify(h, body, now()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unauthenticated);
        let leaks = error_leaks("verify", &err, &["tok_PLANTED_shared", "PLANTED"]);
        assert!(leaks.is_empty(), "{leaks:?}");
        err.message().to_owned()
    };
    assert!(why(&WebhookHeaders::new()).starts_with("missing header"));
    let wrong: WebhookHeaders = [("X-Webhook-Token", "tok_PLANTED_shareD")]
        .into_iter()
        .collect();
    assert!(why(&wrong).starts_with("bad shared value"));
    let longer: WebhookHeaders = [("X-Webhook-Token", "tok_PLANTED_shared!")]
        .into_iter()
        .collect();
    assert!(why(&longer).starts_with("bad shared value"));

    for (name, value) in [("", "v"), ("Bad Name", "v"), ("X-Token", "")] {
        let err =
            FlexpriceWebhooks::unsigned_with_header(name, SecretString::from(value.to_owned()))
                .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config, "{name:?} {value:?}");
    }
}
