//! End to end, offline: the lifecycle flow through `Billing` against each emulator, whose webhooks go to the
//! axum handler of `unibill::webhooks` (an `Intake` over the provider's verifier from configuration, deduped in
//! a `DeliveryLog`). The expected neutral events arrive, and each delivery is handled exactly once although the
//! emulator re-delivers: the handler fails the first attempt (the emulator retries under the same id), and
//! every delivery is then re-sent by hand (answered `duplicate`, the handler not called again).
//!
//! Nothing waits on time: `settled()` resolves once every queued delivery has been answered.

#![cfg(all(
    feature = "flexprice",
    feature = "flowglad",
    feature = "vercel",
    feature = "webhooks",
    feature = "axum"
))]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use secrecy::{ExposeSecret, SecretString};
use unibill::webhooks::{BoxError, Intake, MemoryDeliveryLog};
use unibill::{
    Billing, BillingConfig, CancelOptions, Currency, CustomerRef, Interval, Money, NewCustomer,
    NewPrice, NewSubscription, PriceKind, UsageEvent, WebhookEvent, WebhookKind, Webhooks, svix,
};
use unibill_testkit::Served;
use unibill_testkit::emulators::webhooks::{
    Attempt, SentWebhook, WebhookEndpoint, WebhookOutbox, WebhookSigning,
};
use unibill_testkit::emulators::{Credentials, Emulator, RunningEmulator, SeedRole};

/// What the application's handler saw: each delivery id with how many times it was handled, the events in
/// order, and the one delivery whose first attempt it fails.
#[derive(Default)]
struct Seen {
    handled: BTreeMap<String, usize>,
    events: Vec<WebhookEvent>,
    failed_once: bool,
}

/// The handler's side and the served intake.
struct Receiver {
    seen: Arc<Mutex<Seen>>,
    served: Served,
}

impl Receiver {
    async fn start(verifier: Arc<dyn Webhooks>) -> Receiver {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let state = Arc::clone(&seen);
        let handler = move |event: WebhookEvent| {
            let state = Arc::clone(&state);
            async move {
                let mut seen = state.lock().unwrap();
                if !seen.failed_once {
                    // The first delivery fails once: the emulator must re-deliver it.
                    seen.failed_once = true;
                    return Err::<(), BoxError>("the application is briefly down".into());
                }
                *seen.handled.entry(event.delivery_id.clone()).or_default() += 1;
                seen.events.push(event);
                Ok(())
            }
        };
        let router = Intake::new(verifier, handler)
            .log(MemoryDeliveryLog::new())
            .into_router();
        let served = unibill_testkit::serve(router, "").await.unwrap();
        Receiver { seen, served }
    }

    fn url(&self) -> url::Url {
        format!("{}/", self.served.base_url()).parse().unwrap()
    }

    fn kinds(&self) -> Vec<WebhookKind> {
        let seen = self.seen.lock().unwrap();
        seen.events.iter().map(|e| e.kind.clone()).collect()
    }

    fn events(&self) -> Vec<WebhookEvent> {
        self.seen.lock().unwrap().events.clone()
    }
}

/// The checks every provider's run ends with: every delivery handled once, the first after a retry, then every
/// delivery re-sent and answered 200 without the handler.
async fn each_delivery_handled_once(outbox: &WebhookOutbox, receiver: &Receiver) {
    outbox.settled().await;
    let sent = outbox.sent();
    assert!(!sent.is_empty());
    assert_eq!(
        sent[0].attempts,
        [Attempt::Status(500), Attempt::Status(200)],
        "the failed first attempt is retried under the same id"
    );
    assert!(sent.iter().all(SentWebhook::delivered), "{sent:?}");
    for s in &sent {
        assert!(outbox.redeliver(&s.id));
    }
    outbox.settled().await;
    let resent = outbox.sent();
    assert!(
        resent
            .iter()
            .all(|s| s.delivered() && s.attempts.len() >= 2),
        "{resent:?}"
    );
    let seen = receiver.seen.lock().unwrap();
    let ids: Vec<_> = sent.iter().map(|s| s.id.clone()).collect();
    assert_eq!(seen.handled.keys().cloned().collect::<Vec<_>>(), {
        let mut sorted = ids.clone();
        sorted.sort();
        sorted
    });
    assert!(seen.handled.values().all(|n| *n == 1), "{:?}", seen.handled);
    assert_eq!(
        seen.events
            .iter()
            .map(|e| e.delivery_id.clone())
            .collect::<Vec<_>>(),
        ids,
        "in order, once each"
    );
}

/// The emulator, a secret for its webhooks, and the `Billing` configured for both.
async fn configured(emulator: Emulator, secret: &SecretString) -> (RunningEmulator, Billing) {
    let running = RunningEmulator::start(emulator, 0, &Credentials::default())
        .await
        .unwrap();
    let mut vars = running.variables();
    vars.push(("UNIBILL_PROVIDER", emulator.name().to_owned()));
    let secret_var = match emulator {
        Emulator::Flexprice => "FLEXPRICE_WEBHOOK_SECRET",
        Emulator::Flowglad => "FLOWGLAD_WEBHOOK_SECRET",
        Emulator::Vercel => "VERCEL_WEBHOOK_SECRET",
    };
    vars.push((secret_var, secret.expose_secret().to_owned()));
    let billing = BillingConfig::from_lookup(move |name| {
        vars.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
    })
    .unwrap()
    .build()
    .unwrap();
    (running, billing)
}

/// Customer, a monthly price on the seeded product, a subscription, (usage where `usage_at` is given), cancel.
async fn lifecycle(
    billing: &Billing,
    product: &str,
    usage_at: Option<unibill::Timestamp>,
) -> String {
    let ada = billing
        .customers()
        .create(
            NewCustomer::builder("hooks-ada", "Ada")
                .email("ada@example.com")
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let price = billing
        .prices()
        .create(
            NewPrice::builder(
                PriceKind::recurring(Interval::monthly()),
                Money::parse("29.00", Currency::USD).unwrap(),
            )
            .product_id(product)
            .name("Pro monthly")
            .build()
            .unwrap(),
        )
        .await
        .unwrap();
    let sub = billing
        .subscriptions()
        .create(
            NewSubscription::builder(CustomerRef::external_id(&ada.external_id), price.id)
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    if let Some(at) = usage_at {
        let event = UsageEvent::builder(&ada.external_id, "api_calls", 3.into())
            .build_at(at)
            .unwrap();
        let report = billing.usage().ingest(vec![event]).await.unwrap();
        assert!(report.all_succeeded());
    }
    billing
        .subscriptions()
        .cancel(sub.id.clone(), CancelOptions::immediately())
        .await
        .unwrap();
    sub.id.as_str().to_owned()
}

#[tokio::test]
async fn flexprice_lifecycle_webhooks_arrive_once_each() {
    let secret = svix::generate_secret();
    let (running, billing) = configured(Emulator::Flexprice, &secret).await;
    let receiver = Receiver::start(billing.webhooks("flexprice").unwrap()).await;
    let emu = running.flexprice().unwrap();
    emu.deliver_webhooks(WebhookEndpoint::new(
        receiver.url(),
        WebhookSigning::Svix(secret.clone()),
    ));
    let product = running.seed(SeedRole::Product).unwrap().to_owned();
    let sub = lifecycle(&billing, &product, Some(emu.now())).await;

    each_delivery_handled_once(emu.webhooks(), &receiver).await;
    // The adapter creates a draft and activates it; the cancel finalizes the period's invoice.
    assert_eq!(
        receiver.kinds(),
        [
            WebhookKind::CustomerCreated,
            WebhookKind::Other("subscription.draft.created".into()),
            WebhookKind::SubscriptionCreated,
            WebhookKind::InvoiceFinalized,
            WebhookKind::SubscriptionCanceled,
        ]
    );
    let canceled = receiver
        .events()
        .into_iter()
        .find(|e| e.kind == WebhookKind::SubscriptionCanceled)
        .unwrap();
    assert_eq!(canceled.object_id.as_deref(), Some(sub.as_str()));
    assert_eq!(canceled.customer_external_id.as_deref(), Some("hooks-ada"));
    assert!(canceled.object.is_some(), "Flexprice sends the full object");
}

#[tokio::test]
async fn flowglad_lifecycle_webhooks_arrive_thin_and_once_each() {
    let secret = svix::generate_secret();
    let (running, billing) = configured(Emulator::Flowglad, &secret).await;
    let receiver = Receiver::start(billing.webhooks("flowglad").unwrap()).await;
    let emu = running.flowglad().unwrap();
    emu.deliver_webhooks(WebhookEndpoint::new(
        receiver.url(),
        WebhookSigning::Svix(secret.clone()),
    ));
    let product = running.seed(SeedRole::Product).unwrap().to_owned();
    let sub = lifecycle(&billing, &product, None).await;

    each_delivery_handled_once(emu.webhooks(), &receiver).await;
    let events = receiver.events();
    assert!(events.iter().all(|e| e.kind == WebhookKind::ObjectChanged));
    let objects: Vec<_> = events
        .iter()
        .map(|e| e.object_type.clone().unwrap())
        .collect();
    assert_eq!(objects[0], "customer", "{objects:?}");
    let about_sub: Vec<_> = events
        .iter()
        .filter(|e| e.object_id.as_deref() == Some(sub.as_str()))
        .collect();
    assert!(about_sub.len() >= 2, "created and canceled: {objects:?}");
    assert!(
        events
            .iter()
            .all(|e| e.customer_external_id.as_deref() == Some("hooks-ada"))
    );
    // What the thin body names, fetched through the neutral traits, is the canceled subscription.
    let fetched = billing
        .subscriptions()
        .get(sub.as_str().into())
        .await
        .unwrap();
    assert!(fetched.status.is_terminal(), "{:?}", fetched.status);
    let types: Vec<_> = emu
        .webhooks()
        .sent()
        .iter()
        .map(|s| s.event_type.clone())
        .collect();
    assert!(
        types.contains(&"subscription.created".to_owned()),
        "{types:?}"
    );
    assert!(
        types.contains(&"subscription.canceled".to_owned()),
        "{types:?}"
    );
}

#[tokio::test]
async fn vercel_invoice_webhooks_arrive_once_each() {
    let secret = SecretString::from("vercel-integration-client-secret".to_owned());
    let (running, billing) = configured(Emulator::Vercel, &secret).await;
    let receiver = Receiver::start(billing.webhooks("vercel").unwrap()).await;
    let emu = running.vercel().unwrap();
    emu.deliver_webhooks(WebhookEndpoint::new(
        receiver.url(),
        WebhookSigning::VercelSha1(secret.clone()),
    ));
    // The integration submits its invoices (Vercel's billing API; no neutral trait covers it): one Vercel
    // charges, one it cannot.
    let submit = |external: &str, result: &str| {
        let url = format!(
            "{}/v1/installations/{}/billing/invoices",
            running.base_url(),
            unibill_testkit::emulators::vercel::seed::CONFIGURATION_ID
        );
        let body = serde_json::json!({
            "externalId": external,
            "invoiceDate": "2026-08-31T00:00:00Z",
            "period": {"start": "2026-08-01T00:00:00Z", "end": "2026-09-01T00:00:00Z"},
            "items": [{"billingPlanId": "pro", "name": "Pro", "price": "20.00", "quantity": 1, "units": "month", "total": "20.00"}],
            "test": {"result": result},
        });
        async move {
            let r = reqwest::Client::new()
                .post(url)
                .bearer_auth(Credentials::default().vercel_token)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            let answer: serde_json::Value = r.json().await.unwrap();
            answer["invoiceId"].as_str().unwrap().to_owned()
        }
    };
    let paid = submit("inv-1", "paid").await;
    let unpaid = submit("inv-2", "notpaid").await;

    each_delivery_handled_once(emu.webhooks(), &receiver).await;
    let got: Vec<_> = receiver
        .events()
        .iter()
        .map(|e| (e.kind.clone(), e.object_id.clone().unwrap()))
        .collect();
    assert_eq!(
        got,
        [
            (WebhookKind::InvoiceFinalized, paid.clone()),
            (WebhookKind::InvoicePaid, paid),
            (WebhookKind::InvoiceFinalized, unpaid.clone()),
            (WebhookKind::PaymentFailed, unpaid),
        ]
    );
}
