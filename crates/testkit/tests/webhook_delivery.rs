//! The emulators' outbound webhooks: each change delivered once, signed, retried on a non-2xx answer up to the
//! attempt limit (the backoff asked between attempts), re-delivered under the same id. Tests wait on
//! `settled()`, never on time.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use secrecy::SecretString;
use serde_json::{Value, json};
use unibill_testkit::emulators::flexprice::FlexpriceEmulator;
use unibill_testkit::emulators::flowglad::FlowgladEmulator;
use unibill_testkit::emulators::vercel::{VercelEmulator, seed};
use unibill_testkit::emulators::webhooks::{Attempt, WebhookEndpoint, WebhookSigning};
use unibill_testkit::{Fault, Reply, TestServer};

const SVIX_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn svix() -> WebhookSigning {
    WebhookSigning::Svix(SecretString::from(SVIX_SECRET.to_owned()))
}

async fn post(url: String, header: (&str, &str), body: Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(url)
        .header(header.0, header.1)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or_default())
}

#[tokio::test]
async fn flexprice_delivers_each_change_once_and_retries_a_failed_attempt() {
    let receiver = TestServer::from_fn(|_| Reply::status(204)).await;
    receiver.push_fault(Fault::status(503));
    let emu = FlexpriceEmulator::new("sk");
    let served = emu.serve().await.unwrap();
    let backoffs = Arc::new(AtomicU32::new(0));
    let asked = Arc::clone(&backoffs);
    emu.deliver_webhooks(
        WebhookEndpoint::new(receiver.url(), svix()).backoff(move |n| {
            asked.fetch_add(n, Ordering::SeqCst);
            std::time::Duration::ZERO
        }),
    );
    let base = served.base_url().to_owned();
    let (status, _) = post(
        format!("{base}/customers"),
        ("x-api-key", "sk"),
        json!({"external_id": "ada", "name": "Ada"}),
    )
    .await;
    assert_eq!(status, 201);
    // A read changes nothing and announces nothing.
    reqwest::Client::new()
        .get(format!("{base}/customers"))
        .header("x-api-key", "sk")
        .send()
        .await
        .unwrap();
    emu.webhooks().settled().await;

    let sent = emu.webhooks().sent();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].event_type, "customer.created");
    assert_eq!(
        sent[0].attempts,
        [Attempt::Status(503), Attempt::Status(204)]
    );
    assert!(sent[0].delivered());
    assert_eq!(
        backoffs.load(Ordering::SeqCst),
        1,
        "asked once, after attempt 1"
    );
    let body = sent[0].json();
    assert_eq!(body["event_type"], "customer.created");
    assert_eq!(body["customer"]["external_id"], "ada");

    let got = receiver.requests();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].header("svix-id"), Some(sent[0].id.as_str()));
    assert_eq!(got[1].header("svix-id"), Some(sent[0].id.as_str()));
    assert_eq!(got[1].body.as_ref(), sent[0].body.as_slice());
    assert!(got[1].header("svix-signature").unwrap().starts_with("v1,"));
}

#[tokio::test]
async fn attempts_are_bounded_and_a_redelivery_keeps_the_id() {
    let receiver = TestServer::from_fn(|_| Reply::status(500)).await;
    let emu = FlowgladEmulator::new("sk_test");
    let served = emu.serve().await.unwrap();
    emu.deliver_webhooks(WebhookEndpoint::new(receiver.url(), svix()).max_attempts(2));
    let (status, _) = post(
        format!("{}/api/v1/customers", served.base_url()),
        ("authorization", "sk_test"),
        json!({"customer": {"externalId": "ada", "email": "ada@example.com", "name": "Ada"}}),
    )
    .await;
    assert_eq!(status, 200);
    emu.webhooks().settled().await;
    let sent = emu.webhooks().sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].attempts,
        [Attempt::Status(500), Attempt::Status(500)]
    );
    assert!(!sent[0].delivered());
    assert_eq!(receiver.request_count(), 2);
    // Flowglad's thin body: the object and its customer, no type.
    let body = sent[0].json();
    assert_eq!(body["object"], "customer");
    assert_eq!(body["customer"]["externalId"], "ada");
    assert_eq!(body["id"], body["customer"]["id"]);
    assert!(body.get("type").is_none() && body.get("event_type").is_none());
    assert_eq!(sent[0].event_type, "customer.created");

    assert!(emu.webhooks().redeliver(&sent[0].id));
    assert!(!emu.webhooks().redeliver("msg_unknown"));
    emu.webhooks().settled().await;
    assert_eq!(emu.webhooks().sent()[0].attempts.len(), 4);
    let ids: Vec<_> = receiver
        .requests()
        .iter()
        .map(|r| r.header("svix-id").unwrap().to_owned())
        .collect();
    assert_eq!(ids, vec![sent[0].id.clone(); 4]);
}

#[tokio::test]
async fn vercel_announces_invoices_in_its_envelope_signed_with_hex_sha1() {
    let receiver = TestServer::from_fn(|_| Reply::status(200)).await;
    let emu = VercelEmulator::new("tok");
    let served = emu.serve().await.unwrap();
    emu.deliver_webhooks(WebhookEndpoint::new(
        receiver.url(),
        WebhookSigning::VercelSha1(SecretString::from("client-secret".to_owned())),
    ));
    let url = format!(
        "{}/v1/installations/{}/billing/invoices",
        served.base_url(),
        seed::CONFIGURATION_ID
    );
    let invoice = json!({
        "externalId": "inv-2026-08",
        "invoiceDate": "2026-08-31T00:00:00Z",
        "period": {"start": "2026-08-01T00:00:00Z", "end": "2026-09-01T00:00:00Z"},
        "items": [{"billingPlanId": "pro", "name": "Pro", "price": "20.00", "quantity": 1, "units": "month", "total": "20.00"},
                  {"billingPlanId": "pro", "name": "Storage", "price": "0.50", "quantity": 3, "units": "GB", "total": "1.50"}],
    });
    let (status, answer) = post(
        url.clone(),
        ("authorization", "Bearer tok"),
        invoice.clone(),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let id = answer["invoiceId"].as_str().unwrap().to_owned();
    let (status, _) = post(url, ("authorization", "Bearer tok"), invoice).await;
    assert_eq!(status, 409);
    assert!(emu.settle_invoice(&id, "paid"));
    emu.webhooks().settled().await;

    let sent = emu.webhooks().sent();
    let types: Vec<_> = sent.iter().map(|s| s.event_type.as_str()).collect();
    assert_eq!(
        types,
        ["marketplace.invoice.created", "marketplace.invoice.paid"]
    );
    let envelope = sent[1].json();
    assert_eq!(envelope["id"], sent[1].id.as_str());
    assert_eq!(envelope["payload"]["invoiceId"], id.as_str());
    assert_eq!(envelope["payload"]["invoiceTotal"], "21.50");
    assert!(envelope["createdAt"].is_i64());
    assert_eq!(emu.invoice(&id).unwrap()["state"], "paid");
    let got = receiver.requests();
    let signature = got[1].header("x-vercel-signature").unwrap();
    assert_eq!(signature.len(), 40);
    assert!(
        signature
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
}
