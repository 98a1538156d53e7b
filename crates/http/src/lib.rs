//! unibill's one HTTP executor.
//!
//! Every adapter (Flexprice, Flowglad, Vercel) is a translator: per operation it builds a [`Request`], declares
//! its [`Safety`], and supplies a decoder for the 2xx body; the adapter's [`ErrorTable`] (set once on the
//! executor) turns error answers into [`unibill_core::Error`]s. The [`HttpExecutor`] owns everything else:
//! the connection pool, auth, timeouts and the total deadline, the retry table ([`decide`]) with `Retry-After`,
//! the `NaturalKey` / `Reconcile` lookups (and the lookup that names a conflict's holder), capped and scrubbed error capture, and one `tracing` span per call.
//!
//! ```
//! use std::time::Duration;
//! use secrecy::SecretString;
//! use serde::Deserialize;
//! use unibill_core::{Error, ErrorKind};
//! use unibill_http::{ErrorResponse, HttpExecutor, Lookup, Request, RetryPolicy, Safety};
//! use unibill_testkit::{Reply, TestServer};
//!
//! #[derive(Debug, Deserialize, PartialEq)]
//! struct Customer { id: String, external_id: String }
//!
//! // What a conflict's `AlreadyExists` names as the holder of the key.
//! impl unibill_core::Identified for Customer {
//!     fn resource_id(&self) -> Option<&str> { Some(&self.id) }
//! }
//!
//! // The adapter's error table: status + provider code → kind.
//! fn error_table(answer: &ErrorResponse) -> Error {
//!     #[derive(Deserialize)]
//!     struct Body { code: String, message: String }
//!     match answer.json::<Body>() {
//!         Some(b) => {
//!             let kind = match b.code.as_str() {
//!                 "already_exists" => ErrorKind::AlreadyExists,
//!                 "not_found" => ErrorKind::NotFound,
//!                 _ => ErrorKind::Provider,
//!             };
//!             Error::new(kind, "the provider refused").with_provider_code(b.code).with_provider_message(b.message)
//!         }
//!         None => Error::new(ErrorKind::Provider, "unreadable error answer"),
//!     }
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let server = TestServer::from_fn(|_req| Reply::json(201, r#"{"id":"cust_1","external_id":"ext-1"}"#)).await;
//!
//! let exec = HttpExecutor::builder("flexprice", server.url())
//!     .auth("x-api-key".parse().unwrap(), "", SecretString::from("sk_test_123"))
//!     .attempt_timeout(Duration::from_secs(5))
//!     .deadline(Duration::from_secs(20))
//!     .retry_policy(RetryPolicy::default())
//!     .error_table(error_table)
//!     .build()?;
//!
//! let request = Request::post("customers.create", "/v1/customers")
//!     .path(["v1", "customers"])
//!     .json(&serde_json::json!({ "external_id": "ext-1" }))?;
//!
//! // A create the provider rejects as a duplicate when replayed: look the natural key up on a conflict.
//! let lookup_exec = exec.clone();
//! let safety = Safety::natural_key(move || {
//!     let exec = lookup_exec.clone();
//!     async move {
//!         let get = Request::get("customers.get_by_external_id", "/v1/customers/external/{external_id}")
//!             .path(["v1", "customers", "external", "ext-1"]);
//!         let found: Customer = exec.send_json(get, Safety::Safe).await?;
//!         Ok(if found.external_id == "ext-1" { Lookup::Found(found) } else { Lookup::Mismatch { existing_id: Some(found.id) } })
//!     }
//! });
//!
//! let customer: Customer = exec.send(request, safety, |answer| answer.json()).await?;
//! assert_eq!(customer.id, "cust_1");
//! assert_eq!(server.requests()[0].headers["x-api-key"], "sk_test_123");
//! # Ok::<(), Error>(())
//! # }).unwrap();
//! ```
//!
//! Safety classes, in short: [`Safety::Safe`] for reads, search POSTs and idempotent updates (sent with
//! [`HttpExecutor::send_safe`]);
//! [`Safety::natural_key`] for creates the provider rejects as duplicates; [`Safety::reconcile`] for creates
//! whose key can be looked up but which the provider would happily duplicate; [`Safety::Unsafe`] for the rest
//! (sent at most once when its outcome may be unknown: `ErrorKind::OutcomeUnknown`).

mod base_url;
mod body;
mod builder;
mod call_deadline;
mod decision;
mod executor;
mod jitter;
mod observer;
mod policy;
mod request;
mod resolver;
mod response;
mod retry_after;
mod safety;
mod scrub;
mod variables;

pub use base_url::{check_base_url, is_loopback};
pub use builder::{
    DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_DEADLINE, DEFAULT_ERROR_BODY_CAP, DEFAULT_MAX_URL_LEN,
    DEFAULT_SUCCESS_BODY_CAP, HttpExecutorBuilder, USER_AGENT_VALUE,
};
pub use call_deadline::CallDeadline;
pub use decision::{
    AmbiguousCause, Decision, DecisionInput, GiveUp, Outcome, RetryReason, SafetyClass, decide,
};
pub use executor::HttpExecutor;
pub use jitter::{Jitter, NoJitter, RandomJitter};
pub use observer::{NoopObserver, RecordingObserver, RetryEvent, RetryObserver};
pub use policy::RetryPolicy;
pub use request::Request;
pub use resolver::{ConnectNotNeeded, SpareConnectGuardResolver};
pub use response::{
    ErrorResponse, ErrorTable, REQUEST_ID_HEADERS, Response, StatusErrorTable, kind_for_status,
    request_id,
};
pub use retry_after::retry_after;
pub use safety::{Lookup, Safety};
pub use scrub::{MIN_SECRET_LEN, REDACTED, Scrubber, scrub};
pub use unibill_core::{Clock, FixedClock, ManualClock, SystemClock};
pub use unibill_core::{RecordingSleeper, Sleeper, TokioSleeper};
pub use variables::{VariableLookup, plain_variable, secret_values, secret_variable};

/// Re-exported so adapters need not depend on these crates just to build requests.
pub use {bytes, http, url};
