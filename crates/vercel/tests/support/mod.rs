//! Shared test rigs: a client against a loopback server (fixture answers or the Vercel emulator behind the
//! fault-injecting `TestServer`), with a recording sleeper.

#![allow(dead_code)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use unibill_core::Stores as _;
use unibill_http::{FixedClock, NoJitter, RecordingSleeper, RetryPolicy};
use unibill_testkit::emulators::vercel::{VercelEmulator, seed};
use unibill_testkit::{RecordedRequest, Reply, TestServer};
use unibill_vercel::{VercelClient, VercelConfig};

/// The token every rig uses (planted, so leaks are easy to spot).
pub const TOKEN: &str = "vercel_PLANTED_tok_7f3a9c";

/// A fixture's text: `vercel/<name>` of the test kit's fixtures.
pub fn fixture(name: &str) -> String {
    unibill_testkit::fixture(&format!("vercel/{name}"))
}

/// A fixture as JSON.
pub fn fixture_json(name: &str) -> Value {
    unibill_testkit::fixture_json(&format!("vercel/{name}"))
}

/// The emulator's fixed clock, as a `SystemTime`.
pub fn emulator_now() -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(seed::NOW_MS)
}

/// A client of `server` for the seeded team, sleeping into `sleeper`, with the emulator's clock.
pub fn client_for(server: &TestServer, sleeper: &RecordingSleeper) -> VercelClient {
    let config = VercelConfig::builder(TOKEN)
        .team_id(seed::TEAM_ID)
        .base_url(server.url().as_str())
        .build()
        .expect("config");
    let sleeper = sleeper.clone();
    VercelClient::builder(config)
        .clock(FixedClock(emulator_now()))
        .executor(move |b| {
            b.sleeper(sleeper)
                .jitter(NoJitter)
                .retry_policy(RetryPolicy::default())
        })
        .build()
        .expect("client")
}

/// A server answering every request with `reply`, and a client of it.
pub async fn canned(
    reply: impl Fn(&RecordedRequest) -> Reply + Send + Sync + 'static,
) -> (TestServer, VercelClient, RecordingSleeper) {
    let server = TestServer::from_fn(reply).await;
    let sleeper = RecordingSleeper::default();
    let client = client_for(&server, &sleeper);
    (server, client, sleeper)
}

/// The emulator behind a fault-injecting `TestServer`.
pub struct Emulated {
    pub emulator: VercelEmulator,
    pub server: TestServer,
    pub sleeper: RecordingSleeper,
    pub client: VercelClient,
}

impl Emulated {
    /// Creates a store called `db` on the Neon product's free plan and returns it.
    pub async fn free_store(&self) -> unibill_core::Store {
        let input = unibill_core::NewStore::builder("db", seed::CONFIGURATION_ID, "neon")
            .build()
            .unwrap();
        self.client.create(input).await.unwrap()
    }
}

pub async fn emulated() -> Emulated {
    emulated_with(VercelEmulator::new(TOKEN)).await
}

pub async fn emulated_with(emulator: VercelEmulator) -> Emulated {
    let server = TestServer::router(emulator.router()).await;
    let sleeper = RecordingSleeper::default();
    let client = client_for(&server, &sleeper);
    Emulated {
        emulator,
        server,
        sleeper,
        client,
    }
}

/// The request's body as JSON.
pub fn body_json(r: &RecordedRequest) -> Value {
    serde_json::from_slice(&r.body).expect("a JSON body")
}

/// Asserts the headers every call carries: bearer auth and JSON accept.
pub fn assert_common_headers(r: &RecordedRequest) {
    assert_eq!(
        r.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(r.header("accept"), Some("application/json"));
}
