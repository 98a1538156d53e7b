//! Webhook secrets through configuration (`<PROVIDER>_WEBHOOK_SECRET`, or `webhook_secret_env` in a TOML
//! provider table): `Billing::webhooks(provider)` holds one verifier per provider, several at once, whether or
//! not a resource is routed there; secrets stay `SecretString` and show nowhere.

#![cfg(all(feature = "flexprice", feature = "flowglad", feature = "vercel"))]

use secrecy::SecretString;
use unibill::{BillingConfig, ErrorKind, Timestamp, WebhookHeaders, WebhookKind, svix};

const FLOWGLAD: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const FLEXPRICE: &str = "whsec_c2VjcmV0LWZvci1mbGV4cHJpY2UtdGVzdHM=";
const VERCEL: &str = "vercel-client-secret-PLANTED";

fn signed(secret: &str, id: &str, now: Timestamp, body: &[u8]) -> WebhookHeaders {
    let secret = SecretString::from(secret.to_owned());
    [
        ("svix-id", id.to_owned()),
        ("svix-timestamp", now.as_second().to_string()),
        (
            "svix-signature",
            svix::sign(&secret, id, now.as_second(), body).unwrap(),
        ),
    ]
    .into_iter()
    .collect()
}

#[test]
fn each_configured_secret_gives_its_providers_verifier() {
    let env = |name: &str| match name {
        "FLOWGLAD_WEBHOOK_SECRET" => Some(FLOWGLAD.to_owned()),
        "FLEXPRICE_WEBHOOK_SECRET" => Some(FLEXPRICE.to_owned()),
        "VERCEL_WEBHOOK_SECRET" => Some(VERCEL.to_owned()),
        _ => None,
    };
    let config = BillingConfig::from_lookup(env).unwrap();
    let billing = config.build().unwrap();
    assert_eq!(
        billing.webhook_providers(),
        ["flexprice", "flowglad", "vercel"]
    );
    let now = Timestamp::now();

    let body = br#"{"id":"sub_1","object":"subscription","pricingModelId":"pm_1"}"#;
    let flowglad = billing.webhooks("flowglad").unwrap();
    let event = flowglad
        .verify(&signed(FLOWGLAD, "msg_1", now, body), body, now)
        .unwrap();
    assert_eq!(event.kind, WebhookKind::ObjectChanged);
    // Another provider's secret does not verify it.
    let err = flowglad
        .verify(&signed(FLEXPRICE, "msg_1", now, body), body, now)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthenticated);

    let body = br#"{"event_type":"subscription.cancelled","subscription":{"id":"subs_1"}}"#;
    let event = billing
        .webhooks("flexprice")
        .unwrap()
        .verify(&signed(FLEXPRICE, "msg_2", now, body), body, now)
        .unwrap();
    assert_eq!(event.kind, WebhookKind::SubscriptionCanceled);

    let body = br#"{"id":"evt_1","type":"marketplace.invoice.paid","createdAt":1772366400000,"payload":{"invoiceId":"inv_1"}}"#;
    let headers: WebhookHeaders = [(
        "x-vercel-signature",
        unibill::vercel::VercelWebhooks::sign(&SecretString::from(VERCEL.to_owned()), body),
    )]
    .into_iter()
    .collect();
    let event = billing
        .webhooks("vercel")
        .unwrap()
        .verify(&headers, body, now)
        .unwrap();
    assert_eq!(event.kind, WebhookKind::InvoicePaid);

    // No verifier for memory here (nothing is routed to it), and the error says what to set.
    let err = billing.webhooks("memory").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert!(err.to_string().contains("MEMORY_WEBHOOK_SECRET"), "{err}");

    for shown in [format!("{config:?}"), format!("{billing:?}")] {
        for secret in [FLOWGLAD, FLEXPRICE, VERCEL] {
            assert!(!shown.contains(secret), "{shown}");
            assert!(!shown.contains(&secret[6..]), "{shown}");
        }
    }
}

#[test]
fn toml_names_the_variable_and_a_bad_secret_is_a_config_error_without_it() {
    let env = |name: &str| (name == "HOOKS_SECRET").then(|| FLOWGLAD.to_owned());
    let config =
        BillingConfig::from_toml_str("[flowglad]\nwebhook_secret_env = \"HOOKS_SECRET\"\n", env)
            .unwrap();
    assert!(config.build().unwrap().webhooks("flowglad").is_ok());

    let inline = BillingConfig::from_toml_str(
        &format!("[flowglad]\nwebhook_secret = \"{FLOWGLAD}\"\n"),
        |_| None,
    )
    .unwrap_err();
    assert!(!inline.to_string().contains(&FLOWGLAD[6..]), "{inline}");

    let bad = "whsec_not*base64*PLANTED";
    let err = BillingConfig::new()
        .set("FLEXPRICE_WEBHOOK_SECRET", bad)
        .unwrap()
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(!format!("{err} {err:?}").contains("PLANTED"), "{err}");
}

#[test]
fn memory_routes_bring_memorys_own_verifier_and_a_set_secret_replaces_it() {
    let billing = BillingConfig::new().build().unwrap();
    assert_eq!(billing.webhook_providers(), ["memory"]);

    let secret = svix::generate_secret();
    let text = secrecy::ExposeSecret::expose_secret(&secret).to_owned();
    let billing = BillingConfig::new()
        .set("MEMORY_WEBHOOK_SECRET", text.clone())
        .unwrap()
        .route_to(unibill::Resource::Customers, unibill::ProviderName::Memory)
        .build()
        .unwrap();
    let memory = billing.webhooks("memory").unwrap();
    let now = Timestamp::now();
    let body =
        br#"{"id":"msg_9","type":"customer.created","object_type":"customer","object_id":"cus_1"}"#;
    let event = memory
        .verify(&signed(&text, "msg_9", now, body), body, now)
        .unwrap();
    assert_eq!(event.kind, WebhookKind::CustomerCreated);
    assert_eq!(billing.webhook_providers(), ["memory"]);
}
