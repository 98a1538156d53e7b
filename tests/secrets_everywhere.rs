//! Secrets everywhere (issue #11, item 4): the whole conformance flow on every adapter (Flexprice customers,
//! connections and prices; Flowglad customers and prices; Vercel stores) with tracing captured at TRACE, plus
//! deliberate failures, with planted secrets: the API keys and tokens, and connection secrets sent in Stripe, S3
//! and HubSpot connection creates and updates.
//!
//! Every call goes through a [`Spy`] that records the `Debug` and JSON of every read model returned and the
//! `Display`, `Debug`, provider message and source chain of every error; the emulators also echo the request
//! (headers and body, so the key and the secrets) into error bodies on demand. None of it, nor any captured log
//! line, may hold a planted value.

#![cfg(all(feature = "flexprice", feature = "flowglad", feature = "vercel"))]

use std::collections::VecDeque;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde::Serialize;
use unibill::conformance::{Env, Fixtures, connections, customers, prices, stores};
use unibill::{
    Billing, BillingPlan, Connection, ConnectionId, ConnectionListQuery, ConnectionProviderType,
    ConnectionSecrets, ConnectionSettings, ConnectionUpdate, Connections, Currency, Customer,
    CustomerId, CustomerListQuery, CustomerUpdate, Customers, Error, IntegrationConfiguration,
    IntegrationConfigurationId, IntegrationProduct, NewConnection, NewCustomer, NewPrice, NewStore,
    Page, Price, PriceCapabilities, PriceId, PriceListQuery, PriceUpdate, Prices, Result,
    S3ExportSettings, Store, StoreCapabilities, StoreId, Stores,
};
use unibill::{ConnectionCapabilities, CustomerCapabilities};
use unibill_flexprice::{FlexpriceClient, FlexpriceConfig};
use unibill_flowglad::{FlowgladClient, FlowgladConfig};
use unibill_http::RetryPolicy;
use unibill_testkit::emulators::{flexprice, flowglad, vercel};
use unibill_testkit::encoded::{Encoding, leak};
use unibill_testkit::{Fault, Reply, TestServer, TraceCapture};
use unibill_vercel::{VercelClient, VercelConfig};

const FLEXPRICE_KEY: &str = "sk_PLANTED_flexprice_key_7f3a";
const FLOWGLAD_KEY: &str = "sk_test_PLANTED_flowglad_key_4c1e";
const VERCEL_TOKEN: &str = "PLANTED_vercel_token_5d1e";
const WRONG_FLEXPRICE_KEY: &str = "sk_PLANTED_wrong_flexprice_key";
const WRONG_FLOWGLAD_KEY: &str = "sk_test_PLANTED_wrong_flowglad_key";
const WRONG_VERCEL_TOKEN: &str = "PLANTED_wrong_vercel_token";

/// Every planted value (connection secrets carry `PLANTED` too, and the marker itself is checked, so a
/// partial leak of any of them fails as well; the conformance suite plants `PLANTEDs3cr3tVALUE`).
const PLANTED: [&str; 19] = [
    FLEXPRICE_KEY,
    FLOWGLAD_KEY,
    VERCEL_TOKEN,
    WRONG_FLEXPRICE_KEY,
    WRONG_FLOWGLAD_KEY,
    WRONG_VERCEL_TOKEN,
    "pk_test_PLANTED_publishable",
    "sk_live_PLANTED_stripe_secret",
    "whsec_PLANTED_webhook",
    "sk_live_PLANTED_rotated_secret",
    "whsec_PLANTED_rotated_webhook",
    "AKIA_PLANTED_access_key",
    "PLANTED_s3_secret_access_key",
    "PLANTED_hubspot_access_token",
    "PLANTED_hubspot_client_secret",
    "PLANTED_whop_api_key",
    "PLANTED_whop_rotated_webhook",
    "PLANTEDs3cr3tVALUE",
    "PLANTED",
];

fn stripe_secrets() -> ConnectionSecrets {
    ConnectionSecrets::stripe(
        "pk_test_PLANTED_publishable",
        "sk_live_PLANTED_stripe_secret",
        "whsec_PLANTED_webhook",
    )
}

fn rotated_secrets() -> ConnectionSecrets {
    ConnectionSecrets::stripe(
        "pk_test_PLANTED_publishable",
        "sk_live_PLANTED_rotated_secret",
        "whsec_PLANTED_rotated_webhook",
    )
}

fn stripe() -> NewConnection {
    NewConnection::builder("Stripe (secrets test)", ConnectionProviderType::Stripe)
        .secrets(stripe_secrets())
        .build()
        .unwrap()
}

fn s3() -> NewConnection {
    NewConnection::builder("Exports (secrets test)", ConnectionProviderType::S3)
        .secrets(ConnectionSecrets::s3(
            "AKIA_PLANTED_access_key",
            "PLANTED_s3_secret_access_key",
        ))
        .settings(ConnectionSettings {
            s3_export: Some(S3ExportSettings {
                bucket: Some("exports".into()),
                region: Some("eu-west-1".into()),
                ..S3ExportSettings::default()
            }),
            ..ConnectionSettings::default()
        })
        .build()
        .unwrap()
}

fn whop() -> NewConnection {
    NewConnection::builder("Whop (secrets test)", ConnectionProviderType::Whop)
        .secrets(ConnectionSecrets::generic([
            ("api_key", "PLANTED_whop_api_key"),
            ("company_id", "biz_secrets_test"),
            ("webhook_secret", "whsec_PLANTED_webhook"),
        ]))
        .build()
        .unwrap()
}

/// The one rotation Flexprice applies to a Whop connection.
fn rotate_whop() -> ConnectionUpdate {
    ConnectionUpdate::builder()
        .name("Whop (rotated)")
        .secrets(ConnectionSecrets::generic([(
            "webhook_secret",
            "PLANTED_whop_rotated_webhook",
        )]))
        .build()
        .unwrap()
}

fn hubspot() -> NewConnection {
    NewConnection::builder("HubSpot (secrets test)", ConnectionProviderType::HubSpot)
        .secrets(ConnectionSecrets::hubspot(
            "PLANTED_hubspot_access_token",
            "PLANTED_hubspot_client_secret",
        ))
        .build()
        .unwrap()
}

/// Everything the calls produced, as text.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<SeenInner>>);

#[derive(Default)]
struct SeenInner {
    texts: Vec<(String, String)>,
    values: usize,
    errors: usize,
}

impl Seen {
    fn text(&self, what: impl Into<String>, text: String) {
        self.0.lock().unwrap().texts.push((what.into(), text));
    }

    fn error(&self, what: &str, err: &Error) {
        self.0.lock().unwrap().errors += 1;
        self.text(format!("{what}: error Display"), err.to_string());
        self.text(format!("{what}: error Debug"), format!("{err:?}"));
        if let Some(m) = err.provider_message() {
            self.text(format!("{what}: provider message"), m.to_owned());
        }
        let mut source = std::error::Error::source(err);
        while let Some(s) = source {
            self.text(format!("{what}: error source"), format!("{s} / {s:?}"));
            source = s.source();
        }
    }

    fn result<T: Debug + Serialize>(&self, what: &str, r: &Result<T>) {
        match r {
            Ok(v) => {
                self.0.lock().unwrap().values += 1;
                self.text(format!("{what}: Debug"), format!("{v:?}"));
                self.text(
                    format!("{what}: JSON"),
                    serde_json::to_string(v).expect("a read model serializes"),
                );
            }
            Err(e) => self.error(what, e),
        }
    }

    /// Records `r`, which must be an error (a deliberate failure), and returns it.
    fn failure<T: Debug + Serialize>(&self, what: &str, r: Result<T>) -> Error {
        self.result(what, &r);
        match r {
            Ok(v) => panic!("{what}: should fail, got {v:?}"),
            Err(e) => e,
        }
    }

    /// Records `r`, a failure whose error body echoed the request, and checks the echo reached the error
    /// scrubbed (the key's place is marked, not silently dropped).
    fn echoed<T: Debug + Serialize>(&self, what: &str, r: Result<T>) {
        let err = self.failure(what, r);
        let text = format!("{err:?}");
        assert!(
            text.contains(unibill_http::REDACTED),
            "{what}: the echo is not in the error: {text}"
        );
    }

    /// Panics listing every text holding a planted value.
    fn assert_clean(&self) {
        let inner = self.0.lock().unwrap();
        let leaks: Vec<String> = inner
            .texts
            .iter()
            .filter_map(|(what, text)| {
                PLANTED
                    .iter()
                    .find(|p| text.contains(*p))
                    .map(|p| format!("{what} holds {p}: {text}"))
                    // Every planted value holds the marker: found in any decoding of the text, one leaked.
                    .or_else(|| {
                        leak(text, &["PLANTED"]).map(|f| format!("{what} holds {f}: {text}"))
                    })
            })
            .collect();
        assert!(
            leaks.is_empty(),
            "{} leaks:\n{}",
            leaks.len(),
            leaks.join("\n")
        );
    }
}

/// Forwards every call to `inner` and records what it returned.
#[derive(Debug)]
struct Spy<T> {
    name: &'static str,
    inner: T,
    #[allow(dead_code)]
    seen: SeenDebug,
}

/// `Seen` behind a `Debug` that shows nothing (the traits need `Debug`).
#[derive(Clone)]
struct SeenDebug(Seen);

impl Debug for SeenDebug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Seen")
    }
}

impl<T> Spy<T> {
    fn new(name: &'static str, inner: T, seen: &Seen) -> Self {
        Spy {
            name,
            inner,
            seen: SeenDebug(seen.clone()),
        }
    }

    fn rec<V: Debug + Serialize>(&self, op: &str, r: Result<V>) -> Result<V> {
        self.seen.0.result(&format!("{} {op}", self.name), &r);
        r
    }
}

#[async_trait]
impl<T: Customers> Customers for Spy<T> {
    fn capabilities(&self) -> CustomerCapabilities {
        self.inner.capabilities()
    }
    async fn create(&self, input: NewCustomer) -> Result<Customer> {
        self.rec("customers.create", self.inner.create(input).await)
    }
    async fn get(&self, id: CustomerId) -> Result<Customer> {
        self.rec("customers.get", self.inner.get(id).await)
    }
    async fn get_by_external_id(&self, external_id: String) -> Result<Customer> {
        self.rec(
            "customers.get_by_external_id",
            self.inner.get_by_external_id(external_id).await,
        )
    }
    async fn list(&self, query: CustomerListQuery) -> Result<Page<Customer>> {
        self.rec("customers.list", self.inner.list(query).await)
    }
    async fn update(&self, id: CustomerId, update: CustomerUpdate) -> Result<Customer> {
        self.rec("customers.update", self.inner.update(id, update).await)
    }
    async fn delete(&self, id: CustomerId) -> Result<()> {
        self.rec("customers.delete", self.inner.delete(id).await)
    }
}

#[async_trait]
impl<T: Connections> Connections for Spy<T> {
    fn capabilities(&self) -> ConnectionCapabilities {
        self.inner.capabilities()
    }
    async fn create(&self, input: NewConnection) -> Result<Connection> {
        self.rec("connections.create", self.inner.create(input).await)
    }
    async fn get(&self, id: ConnectionId) -> Result<Connection> {
        self.rec("connections.get", self.inner.get(id).await)
    }
    async fn list(&self, query: ConnectionListQuery) -> Result<Page<Connection>> {
        self.rec("connections.list", self.inner.list(query).await)
    }
    async fn update(&self, id: ConnectionId, update: ConnectionUpdate) -> Result<Connection> {
        self.rec("connections.update", self.inner.update(id, update).await)
    }
    async fn delete(&self, id: ConnectionId) -> Result<()> {
        self.rec("connections.delete", self.inner.delete(id).await)
    }
}

#[async_trait]
impl<T: Prices> Prices for Spy<T> {
    fn capabilities(&self) -> PriceCapabilities {
        self.inner.capabilities()
    }
    async fn create(&self, input: NewPrice) -> Result<Price> {
        self.rec("prices.create", self.inner.create(input).await)
    }
    async fn get(&self, id: PriceId) -> Result<Price> {
        self.rec("prices.get", self.inner.get(id).await)
    }
    async fn list(&self, query: PriceListQuery) -> Result<Page<Price>> {
        self.rec("prices.list", self.inner.list(query).await)
    }
    async fn update(&self, id: PriceId, update: PriceUpdate) -> Result<Price> {
        self.rec("prices.update", self.inner.update(id, update).await)
    }
    async fn archive(&self, id: PriceId) -> Result<Price> {
        self.rec("prices.archive", self.inner.archive(id).await)
    }
}

#[async_trait]
impl<T: Stores> Stores for Spy<T> {
    fn capabilities(&self) -> StoreCapabilities {
        self.inner.capabilities()
    }
    async fn create(&self, input: NewStore) -> Result<Store> {
        self.rec("stores.create", self.inner.create(input).await)
    }
    async fn get(&self, id: StoreId) -> Result<Store> {
        self.rec("stores.get", self.inner.get(id).await)
    }
    async fn delete(&self, id: StoreId) -> Result<()> {
        self.rec("stores.delete", self.inner.delete(id).await)
    }
    async fn list_billing_plans(
        &self,
        query: unibill::BillingPlanQuery,
    ) -> Result<Vec<BillingPlan>> {
        self.rec(
            "stores.list_billing_plans",
            self.inner.list_billing_plans(query).await,
        )
    }
    async fn list_configurations(
        &self,
        integration: Option<String>,
    ) -> Result<Vec<IntegrationConfiguration>> {
        self.rec(
            "stores.list_configurations",
            self.inner.list_configurations(integration).await,
        )
    }
    async fn list_products(
        &self,
        configuration_id: IntegrationConfigurationId,
    ) -> Result<Vec<IntegrationProduct>> {
        self.rec(
            "stores.list_products",
            self.inner.list_products(configuration_id).await,
        )
    }
}

/// How an armed echo answers: the status, and whether the body is JSON in the provider's error shape.
#[derive(Clone, Copy)]
enum Echo {
    Json(u16),
    Text(u16),
    /// The JSON shape, with the whole echo written in this encoding (base64 of the whole request, so a secret
    /// sits at any offset of the blob; JSON escapes inside the JSON string, so escaped twice on the wire).
    Encoded(u16, Encoding),
}

/// An emulator behind a [`TestServer`] whose fault source, when armed, answers the next requests with an error
/// body echoing the whole request: every header value (so the key) and the body (so the secrets).
struct Echoing {
    server: Arc<TestServer>,
    armed: Arc<Mutex<VecDeque<Echo>>>,
}

impl Echoing {
    fn new(server: TestServer) -> Echoing {
        let server = Arc::new(server);
        let armed: Arc<Mutex<VecDeque<Echo>>> = Arc::default();
        let queue = Arc::clone(&armed);
        server.set_fault_source(move |req, _| {
            let echo = queue.lock().unwrap().pop_front()?;
            let headers: Vec<String> = req
                .headers
                .iter()
                .map(|(k, v)| format!("{k}: {}", String::from_utf8_lossy(v.as_bytes())))
                .collect();
            let said = format!(
                "rejected {} {} with {} and body {}",
                req.method,
                req.path,
                headers.join(", "),
                String::from_utf8_lossy(&req.body)
            );
            let (echo, said) = match echo {
                Echo::Encoded(status, encoding) => (Echo::Json(status), encoding.encode(&said)),
                other => (other, said),
            };
            Some(Fault::Reply(match echo {
                Echo::Json(status) | Echo::Encoded(status, _) => Reply::json(
                    status,
                    serde_json::json!({
                        "code": "validation_error",
                        "message": said,
                        "error": { "code": "BAD_REQUEST", "message": said, "details": said },
                        "http_status_code": status,
                    })
                    .to_string(),
                ),
                Echo::Text(status) => Reply::status(status).body(said),
            }))
        });
        Echoing { server, armed }
    }

    fn arm(&self, echo: Echo) {
        self.armed.lock().unwrap().push_back(echo);
    }

    fn env(&self, run: &str, fixtures: Fixtures) -> Env {
        let server = Arc::clone(&self.server);
        Env::new(run)
            .with_fixtures(fixtures)
            .with_requests_seen_fn(move || server.request_count() as u64)
    }
}

/// The log lines are recorded like everything else, then everything is checked.
fn finish(seen: &Seen, capture: TraceCapture) {
    let log = capture.finish();
    assert!(log.contains("unibill.http"), "tracing was captured");
    let lines = log.lines().count();
    for line in log.lines() {
        seen.text("log line", line.to_owned());
    }
    let (values, errors) = {
        let inner = seen.0.lock().unwrap();
        (inner.values, inner.errors)
    };
    println!("checked {values} read models, {errors} errors and {lines} log lines");
    seen.assert_clean();
}

#[tokio::test(flavor = "current_thread")]
async fn flexprice_customers_connections_and_prices_leak_nothing() {
    let capture = TraceCapture::start();
    let seen = Seen::default();
    let emulator = flexprice::FlexpriceEmulator::new(FLEXPRICE_KEY);
    let emu = Echoing::new(TestServer::router(emulator.router()).await);
    let client = |key: &str| {
        let config = FlexpriceConfig::builder(key)
            .base_url(emu.server.url().join("v1").unwrap())
            .build()
            .unwrap();
        FlexpriceClient::builder(config)
            .executor(|b| b.retry_policy(RetryPolicy::never()))
            .build()
            .unwrap()
    };
    let fx = Spy::new("flexprice", client(FLEXPRICE_KEY), &seen);
    seen.text("client Debug", format!("{fx:?}"));
    let fixtures = Fixtures {
        product_id: Some(emulator.add_plan("Pro")),
        meter_id: Some(emulator.add_meter("API calls")),
        ..Fixtures::default()
    };
    let env = emu.env("secrets-flexprice", fixtures);

    let k: &dyn Connections = &fx;
    // The suite runs through `Billing`, as applications call; a spy on each handle also sees what the guard
    // answers.
    let billing = Billing::builder()
        .customers(client(FLEXPRICE_KEY))
        .connections(client(FLEXPRICE_KEY))
        .prices(client(FLEXPRICE_KEY))
        .build();
    customers::run_all(&Spy::new("flexprice", billing.customers(), &seen), &env)
        .await
        .assert_skipped(&[]);
    connections::run_all(&Spy::new("flexprice", billing.connections(), &seen), &env)
        .await
        .assert_skipped(&[]);
    prices::run_all(&Spy::new("flexprice", billing.prices(), &seen), &env)
        .await
        .assert_skipped(&[]);

    // Connections with planted secrets: create (Stripe, S3, HubSpot, Whop), read back, rotate a secret.
    let conn = k.create(stripe()).await.expect("stripe create");
    k.get(conn.id.clone()).await.expect("get");
    k.list(ConnectionListQuery::new().limit(100))
        .await
        .expect("list");
    let exports = k.create(s3()).await.expect("s3 create");
    let crm = k.create(hubspot()).await.expect("hubspot create");
    let shop = k.create(whop()).await.expect("whop create");
    k.update(shop.id.clone(), rotate_whop())
        .await
        .expect("update with a new secret");
    assert!(
        emulator
            .connection_secrets(shop.id.as_str())
            .is_some_and(|s| s.values().any(|v| v == "PLANTED_whop_rotated_webhook")),
        "the rotated secret reached the provider"
    );
    // A rotation Flexprice would ignore is refused before sending.
    let rotate = ConnectionUpdate::builder()
        .name("Stripe (rotated)")
        .secrets(rotated_secrets())
        .build()
        .unwrap();
    seen.failure(
        "unsupported rotation",
        k.update(conn.id.clone(), rotate).await,
    );

    // Deliberate failures. The emulator echoing the whole request (key and secrets) in 4xx and 5xx bodies:
    emu.arm(Echo::Json(400));
    seen.echoed("echo create", k.create(stripe()).await);
    emu.arm(Echo::Json(422));
    seen.echoed(
        "echo update",
        k.update(shop.id.clone(), rotate_whop()).await,
    );
    emu.arm(Echo::Text(500));
    seen.echoed("echo s3 create", k.create(s3()).await);
    emu.arm(Echo::Json(401));
    seen.echoed("echo get", k.get(crm.id.clone()).await);
    emu.arm(Echo::Json(400));
    let ada = NewCustomer::builder("ext-secrets", "Ada").build().unwrap();
    seen.echoed("echo customer create", Customers::create(&fx, ada).await);
    for encoding in Encoding::ALL {
        emu.arm(Echo::Encoded(400, encoding));
        seen.echoed(
            &format!("echo create, {}", encoding.name()),
            k.create(stripe()).await,
        );
        emu.arm(Echo::Encoded(422, encoding));
        seen.echoed(
            &format!("echo update, {}", encoding.name()),
            k.update(shop.id.clone(), rotate_whop()).await,
        );
    }
    // The emulator's own 4xx: a second connection of a unique type, or one more of a type that allows many.
    let _ = k.create(stripe()).await;
    // Not found, with secrets in the update.
    let missing = ConnectionId::new("conn_missing");
    seen.failure("missing", k.get(missing.clone()).await);
    seen.failure("missing update", k.update(missing, rotate_whop()).await);
    seen.failure(
        "missing price",
        Prices::get(&fx, PriceId::new("price_missing")).await,
    );
    // The answer to a write lost after it was applied.
    emu.server.push_fault(Fault::CloseAfterHandling);
    seen.failure(
        "lost update",
        k.update(shop.id.clone(), rotate_whop()).await,
    );
    // A wrong key.
    let wrong = Spy::new("flexprice (wrong key)", client(WRONG_FLEXPRICE_KEY), &seen);
    seen.failure(
        "wrong key",
        Customers::list(&wrong, CustomerListQuery::new()).await,
    );
    seen.failure(
        "wrong key create",
        Connections::create(&wrong, hubspot()).await,
    );

    for id in [conn.id, exports.id, crm.id, shop.id] {
        k.delete(id).await.expect("delete");
    }
    finish(&seen, capture);
}

#[tokio::test(flavor = "current_thread")]
async fn flowglad_customers_and_prices_leak_nothing() {
    let capture = TraceCapture::start();
    let seen = Seen::default();
    let emulator = flowglad::FlowgladEmulator::new(FLOWGLAD_KEY);
    let emu = Echoing::new(TestServer::router(emulator.router()).await);
    let client = |key: &str| {
        let config = FlowgladConfig::builder(key)
            .base_url(emu.server.url().as_str())
            .currency(Currency::USD)
            .build()
            .unwrap();
        FlowgladClient::builder(config)
            .executor(|b| b.retry_policy(RetryPolicy::never()))
            .build()
            .unwrap()
    };
    let fg = Spy::new("flowglad", client(FLOWGLAD_KEY), &seen);
    seen.text("client Debug", format!("{fg:?}"));
    let fixtures = Fixtures {
        product_id: Some(flowglad::seed::PRO_PRODUCT_ID.into()),
        one_time_product_id: Some(flowglad::seed::ADDON_PRODUCT_ID.into()),
        meter_id: Some(flowglad::seed::USAGE_METER_ID.into()),
        ..Fixtures::default()
    };
    let env = emu.env("secrets-flowglad", fixtures);

    let billing = Billing::builder()
        .customers(client(FLOWGLAD_KEY))
        .prices(client(FLOWGLAD_KEY))
        .build();
    customers::run_all(&Spy::new("flowglad", billing.customers(), &seen), &env)
        .await
        .assert_skipped(&[]);
    prices::run_all(&Spy::new("flowglad", billing.prices(), &seen), &env)
        .await
        .assert_skipped(&[]);

    let ada = || {
        NewCustomer::builder("ext-secrets", "Ada")
            .email("ada@example.com")
            .build()
            .unwrap()
    };
    emu.arm(Echo::Json(400));
    seen.echoed("echo create", Customers::create(&fg, ada()).await);
    emu.arm(Echo::Text(500));
    seen.echoed("echo list", Prices::list(&fg, PriceListQuery::new()).await);
    emu.arm(Echo::Json(404));
    seen.failure(
        "echo get",
        Customers::get(&fg, CustomerId::new("cus_x")).await,
    );
    for encoding in Encoding::ALL {
        emu.arm(Echo::Encoded(400, encoding));
        seen.echoed(
            &format!("echo create, {}", encoding.name()),
            Customers::create(&fg, ada()).await,
        );
    }
    Customers::create(&fg, ada()).await.expect("create");
    seen.failure("duplicate", Customers::create(&fg, ada()).await);
    seen.failure(
        "missing price",
        Prices::get(&fg, PriceId::new("price_missing")).await,
    );
    let wrong = Spy::new("flowglad (wrong key)", client(WRONG_FLOWGLAD_KEY), &seen);
    seen.failure(
        "wrong key",
        Customers::list(&wrong, CustomerListQuery::new()).await,
    );
    finish(&seen, capture);
}

#[tokio::test(flavor = "current_thread")]
async fn vercel_stores_leak_nothing() {
    let capture = TraceCapture::start();
    let seen = Seen::default();
    let emulator = vercel::VercelEmulator::new(VERCEL_TOKEN);
    let emu = Echoing::new(TestServer::router(emulator.router()).await);
    let client = |token: &str| {
        let config = VercelConfig::builder(token)
            .team_id(vercel::seed::TEAM_ID)
            .base_url(emu.server.url().as_str())
            .build()
            .unwrap();
        VercelClient::builder(config)
            .executor(|b| b.retry_policy(RetryPolicy::never()))
            .build()
            .unwrap()
    };
    let vc = Spy::new("vercel", client(VERCEL_TOKEN), &seen);
    seen.text("client Debug", format!("{vc:?}"));
    let fixtures = Fixtures {
        payment_method_id: Some(vercel::seed::PAYMENT_METHOD_ID.into()),
        ..Fixtures::default()
    };
    let env = emu.env("secrets-vercel", fixtures);

    let billing = Billing::builder().stores(client(VERCEL_TOKEN)).build();
    stores::run_all(&Spy::new("vercel", billing.stores(), &seen), &env)
        .await
        .assert_skipped(&[]);

    let configs = vc.list_configurations(None).await.expect("configurations");
    let config = configs.iter().find(|c| c.is_usable()).expect("usable");
    let products = vc.list_products(config.id.clone()).await.expect("products");
    let input = NewStore::builder("secrets-db", config.id.as_str(), &products[0].slug)
        .build()
        .unwrap();
    emu.arm(Echo::Json(400));
    seen.echoed("echo create", vc.create(input.clone()).await);
    emu.arm(Echo::Text(500));
    seen.echoed("echo get", vc.get(StoreId::new("store_x")).await);
    emu.arm(Echo::Json(403));
    seen.echoed("echo delete", vc.delete(StoreId::new("store_x")).await);
    for encoding in Encoding::ALL {
        emu.arm(Echo::Encoded(400, encoding));
        seen.echoed(
            &format!("echo create, {}", encoding.name()),
            vc.create(input.clone()).await,
        );
    }
    seen.failure("missing", vc.get(StoreId::new("store_missing")).await);
    let wrong = Spy::new("vercel (wrong token)", client(WRONG_VERCEL_TOKEN), &seen);
    seen.failure("wrong token", wrong.create(input).await);
    seen.failure("wrong token get", wrong.list_configurations(None).await);
    finish(&seen, capture);
}
