//! Shared rigs: the adapter against the emulator (behind a fault-injecting [`TestServer`]) or against a
//! closure answering fixtures; retries never sleep (recording sleeper, no jitter).

#![allow(dead_code)]

use std::sync::Arc;

use unibill_core::{Connections, Customers};
use unibill_flexprice::{FlexpriceClient, FlexpriceConfig, SecretsForm};
use unibill_http::{NoJitter, RecordingSleeper, RetryPolicy};
use unibill_testkit::emulators::flexprice::FlexpriceEmulator;
use unibill_testkit::{RecordedRequest, Reply, TestServer};

pub const API_KEY: &str = "sk_test_PLANTED_api_key_77";

/// A fixture's text: `flexprice/<name>` of the test kit's fixtures.
pub fn fixture(name: &str) -> String {
    unibill_testkit::fixture(&format!("flexprice/{name}"))
}

/// A fixture as JSON.
pub fn fixture_json(name: &str) -> serde_json::Value {
    unibill_testkit::fixture_json(&format!("flexprice/{name}"))
}

/// The API base URL of a test server (`…/v1`).
pub fn base_url(server: &TestServer) -> url::Url {
    server.url().join("v1").unwrap()
}

pub fn client_for(
    server: &TestServer,
    sleeper: &RecordingSleeper,
    form: SecretsForm,
) -> FlexpriceClient {
    let config = FlexpriceConfig::builder(API_KEY)
        .base_url(base_url(server))
        .secrets_form(form)
        .build()
        .unwrap();
    let sleeper = sleeper.clone();
    FlexpriceClient::builder(config)
        .executor(move |http| {
            http.retry_policy(RetryPolicy::default())
                .sleeper(sleeper)
                .jitter(NoJitter)
        })
        .build()
        .unwrap()
}

/// The emulator behind a fault-injecting server, and a client for it.
pub struct EmuRig {
    pub emulator: Arc<FlexpriceEmulator>,
    pub server: TestServer,
    pub sleeper: RecordingSleeper,
    pub client: FlexpriceClient,
}

impl EmuRig {
    /// The client as customers.
    pub fn customers(&self) -> &dyn Customers {
        &self.client
    }

    /// The client as connections.
    pub fn connections(&self) -> &dyn Connections {
        &self.client
    }

    pub async fn new() -> Self {
        let emulator = FlexpriceEmulator::new(API_KEY);
        let server = TestServer::router(emulator.router()).await;
        let sleeper = RecordingSleeper::default();
        let client = client_for(&server, &sleeper, SecretsForm::Flat);
        EmuRig {
            emulator,
            server,
            sleeper,
            client,
        }
    }
}

/// A closure-answered server, and a client for it.
pub struct FnRig {
    pub server: TestServer,
    pub client: FlexpriceClient,
}

impl FnRig {
    pub async fn new(handler: impl Fn(&RecordedRequest) -> Reply + Send + Sync + 'static) -> Self {
        Self::with_form(SecretsForm::Flat, handler).await
    }

    pub async fn with_form(
        form: SecretsForm,
        handler: impl Fn(&RecordedRequest) -> Reply + Send + Sync + 'static,
    ) -> Self {
        let server = TestServer::from_fn(handler).await;
        let client = client_for(&server, &RecordingSleeper::default(), form);
        FnRig { server, client }
    }

    /// The client as customers.
    pub fn customers(&self) -> &dyn Customers {
        &self.client
    }

    /// The client as connections.
    pub fn connections(&self) -> &dyn Connections {
        &self.client
    }

    /// The only request the server saw.
    pub fn only_request(&self) -> RecordedRequest {
        let requests = self.server.requests();
        assert_eq!(requests.len(), 1, "{requests:#?}");
        requests.into_iter().next().unwrap()
    }
}
