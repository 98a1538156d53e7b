//! The conformance suite: one public async function per behaviour of the neutral contract.
//!
//! Every provider runs the same functions: core on the memory provider (through `Billing`, `Arc<dyn _>` and
//! `Box<dyn _>`), each adapter against its emulator, the facade on every provider. A function checks the
//! provider's capabilities first and returns [`Checked::Skipped`] when the behaviour does not apply; a
//! broken promise panics with a message saying which.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! use unibill_core::conformance::{self, Env};
//! use unibill_core::{Billing, RequestCounter};
//!
//! let counter = RequestCounter::new();
//! let billing = Billing::memory_with_counter(counter.clone());
//! let env = Env::new("doc").with_requests_seen(counter);
//! conformance::customers::run_all(&billing, &env).await;
//! # });
//! ```

pub mod connections;
pub mod customers;
pub mod prices;
pub mod stores;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::memory::RequestCounter;

/// What a conformance function did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked {
    /// The behaviour was exercised and held.
    Passed,
    /// The provider's capabilities say the behaviour does not apply.
    Skipped(&'static str),
}

/// Ids a provider needs to exist before prices or stores can be made (products, plans, meters, …).
#[derive(Debug, Clone, Default)]
pub struct Fixtures {
    /// A product or plan id prices may be attached to.
    pub product_id: Option<String>,
    /// A second product for one-time prices, for providers that keep one price type per product (Flowglad);
    /// `product_id` is used when it is `None`.
    pub one_time_product_id: Option<String>,
    /// A usage meter id for usage prices (usage prices are skipped without one).
    pub meter_id: Option<String>,
    /// A payment method for paid store plans (paid plans are skipped without one unless the provider's
    /// team has a default).
    pub payment_method_id: Option<String>,
}

/// The environment a conformance function runs in.
#[derive(Clone)]
pub struct Env {
    /// Ids the provider needs.
    pub fixtures: Fixtures,
    /// How store conformance waits for readiness (default: no pause, 20 reads; give a live provider a real
    /// interval).
    pub wait: crate::api::WaitOptions,
    requests_seen: Option<Arc<dyn Fn() -> u64 + Send + Sync>>,
    run_id: String,
    counter: Arc<AtomicU64>,
}

impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Env")
            .field("fixtures", &self.fixtures)
            .field("run_id", &self.run_id)
            .field("counts_requests", &self.requests_seen.is_some())
            .finish()
    }
}

impl Env {
    /// An environment whose generated natural keys start with `run_id` (make it unique per run on a live
    /// provider, where data persists).
    pub fn new(run_id: impl Into<String>) -> Self {
        Env {
            fixtures: Fixtures::default(),
            wait: crate::api::WaitOptions::new(std::time::Duration::ZERO, 20),
            requests_seen: None,
            run_id: run_id.into(),
            counter: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Sets how store readiness is awaited.
    pub fn with_wait(mut self, wait: crate::api::WaitOptions) -> Self {
        self.wait = wait;
        self
    }

    /// Sets the fixtures.
    pub fn with_fixtures(mut self, fixtures: Fixtures) -> Self {
        self.fixtures = fixtures;
        self
    }

    /// Counts calls that reached the provider with a memory [`RequestCounter`].
    pub fn with_requests_seen(self, counter: RequestCounter) -> Self {
        self.with_requests_seen_fn(move || counter.get())
    }

    /// Counts calls that reached the provider with any function (e.g. an emulator's request log length).
    pub fn with_requests_seen_fn(mut self, f: impl Fn() -> u64 + Send + Sync + 'static) -> Self {
        self.requests_seen = Some(Arc::new(f));
        self
    }

    /// The number of calls that reached the provider so far, if counted.
    pub fn requests_seen(&self) -> Option<u64> {
        self.requests_seen.as_ref().map(|f| f())
    }

    /// A fresh natural key: `<run id>-<label>-<n>`.
    pub fn unique(&self, label: &str) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        format!("{}-{label}-{n}", self.run_id)
    }
}
