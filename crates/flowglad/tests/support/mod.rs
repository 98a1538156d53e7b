//! Shared test helpers: clients against a loopback server or the emulator, fixtures, a recording sleeper.

#![allow(dead_code)]

use std::sync::Arc;

use serde_json::Value;
use unibill_core::{Currency, Error};
use unibill_flowglad::{FlowgladClient, FlowgladConfig};
use unibill_http::{NoJitter, RecordingSleeper, RetryPolicy};
use unibill_testkit::emulators::flowglad::FlowgladEmulator;
use unibill_testkit::{RecordedRequest, Reply, TestServer};

/// The key every test uses (planted: it must appear in no error, log or `Debug`).
pub const KEY: &str = "sk_test_8Qbw_PLANTEDsecretKEY42";

/// A fixture's text: `flowglad/<name>` of the test kit's fixtures.
pub fn fixture(name: &str) -> String {
    unibill_testkit::fixture(&format!("flowglad/{name}"))
}

/// A fixture as JSON.
pub fn fixture_json(name: &str) -> Value {
    unibill_testkit::fixture_json(&format!("flowglad/{name}"))
}

/// A client against `base`, in `currency`, retrying with a recording sleeper and no jitter.
pub fn client_in(base: &str, currency: Currency, sleeper: RecordingSleeper) -> FlowgladClient {
    let config = FlowgladConfig::builder(KEY)
        .base_url(base)
        .currency(currency)
        .build()
        .expect("config");
    FlowgladClient::builder(config)
        .executor(|b| {
            b.retry_policy(RetryPolicy::default())
                .sleeper(sleeper)
                .jitter(NoJitter)
        })
        .build()
        .expect("client")
}

/// A USD client against `base`.
pub fn client(base: &str) -> FlowgladClient {
    client_in(base, Currency::USD, RecordingSleeper::default())
}

/// A loopback server answering `reply` to everything, with a USD client on it.
pub async fn answering(
    reply: impl Fn(&RecordedRequest) -> Reply + Send + Sync + 'static,
) -> (TestServer, FlowgladClient) {
    let server = TestServer::from_fn(reply).await;
    let c = client(server.url().as_str());
    (server, c)
}

/// The emulator behind a fault-injecting server, with a client and its sleeper.
pub struct EmuRig {
    pub emulator: FlowgladEmulator,
    pub server: TestServer,
    pub client: FlowgladClient,
    pub sleeper: RecordingSleeper,
}

impl EmuRig {
    pub async fn new() -> Self {
        Self::with(FlowgladEmulator::new(KEY), Currency::USD).await
    }

    pub async fn with(emulator: FlowgladEmulator, currency: Currency) -> Self {
        let server = TestServer::router(emulator.router()).await;
        let sleeper = RecordingSleeper::default();
        let client = client_in(server.url().as_str(), currency, sleeper.clone());
        EmuRig {
            emulator,
            server,
            client,
            sleeper,
        }
    }

    /// A request counter for the conformance `Env`.
    pub fn counter(&self) -> impl Fn() -> u64 + Send + Sync + 'static {
        let emu = Arc::new(self.emulator.clone());
        move || emu.request_count() as u64
    }
}

/// Parses a recorded body as JSON.
pub fn body_json(r: &RecordedRequest) -> Value {
    serde_json::from_slice(&r.body).unwrap_or_else(|e| panic!("body {:?}: {e}", r.body_text()))
}

/// Asserts that `err` carries no trace of the key.
pub fn assert_no_key(err: &Error) {
    for text in [format!("{err}"), format!("{err:?}")] {
        assert!(!text.contains(KEY), "the key leaks: {text}");
        assert!(!text.contains("PLANTED"), "the key leaks: {text}");
    }
}
