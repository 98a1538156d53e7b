//! unibill's test kit: a fault-injecting loopback HTTP server to test adapters and the executor over real HTTP.
//!
//! A [`TestServer`] listens on `127.0.0.1:0`, serves HTTP/1 with its own hyper accept loop (so it can drop a
//! connection whenever a test wants), counts accepted connections, records every request, and applies scripted
//! [`Fault`]s before falling back to its [`Handler`]: an [`axum::Router`] (the provider emulators) or a closure.
//! Nothing here sleeps to synchronise: a request is recorded before it is answered, and a connection is counted
//! before its first request is read.
//!
//! Around it, one harness for every provider test: the [`emulators`] (Flexprice, Flowglad, Vercel), each
//! recording the same [`RecordedRequest`] and served by the same [`serve`] into a [`Served`] handle, all three at
//! once as an [`emulators::Deployment`]; the providers' recorded payloads, once, behind [`fixture`] and
//! [`fixture_json`]; [`TraceCapture`] for tests that read the logs; and [`encoded`] to find a secret in any
//! encoding.
//!
//! ```
//! use axum::{Router, routing::get};
//! use unibill_testkit::{Fault, TestServer};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let server = TestServer::router(Router::new().route("/v1/ping", get(|| async { "pong" }))).await;
//! server.push_fault(Fault::status(503));
//!
//! let url = server.url().join("v1/ping").unwrap();
//! assert_eq!(reqwest::get(url.clone()).await.unwrap().status(), 503);
//! assert_eq!(reqwest::get(url).await.unwrap().text().await.unwrap(), "pong");
//! assert_eq!(server.requests()[1].path, "/v1/ping");
//! # });
//! ```

pub mod emulators;
pub mod encoded;
mod fault;
pub mod fault_mix;
mod fixtures;
mod handler;
mod recorded;
mod reply;
mod request_log;
mod served;
mod server;
mod trace_capture;

pub use fault::Fault;
pub use fixtures::{fixture, fixture_json, fixture_path};
pub use handler::Handler;
pub use recorded::RecordedRequest;
pub use reply::Reply;
pub use served::{Served, serve, serve_on};
pub use server::TestServer;
pub use trace_capture::TraceCapture;
