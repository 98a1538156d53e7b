//! The conformance suite: one public async function per behaviour of the neutral contract.
//!
//! Every provider runs the same functions: core on the memory provider (through `Billing`, `Arc<dyn _>` and
//! `Box<dyn _>`, which proves the forwarding impls once), each adapter against its emulator through
//! `Billing`, the facade on every provider. A function checks the provider's capabilities first and returns
//! [`Checked::Skipped`] when the behaviour does not apply; a broken promise panics with a message saying
//! which. Each resource's `run_all` runs all of its behaviours and returns a [`Report`], so a skip is never
//! silent: assert the skips you expect with [`Report::assert_skipped`].
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! use unibill_core::conformance::{self, Env};
//! use unibill_core::{Billing, RequestCounter};
//!
//! let counter = RequestCounter::new();
//! let billing = Billing::memory_with_counter(counter.clone());
//! let env = Env::new("doc").with_requests_seen(counter);
//! conformance::customers::run_all(&billing, &env).await.assert_skipped(&[]);
//! # });
//! ```

/// Runs the named behaviours in order, each as `behaviour(provider, env).await`, into a [`Report`] for
/// `suite`; the behaviour's name in the report is its function's name.
macro_rules! run_in_order {
    ($suite:literal, $provider:expr, $env:expr, $($behaviour:ident),+ $(,)?) => {{
        let mut report = $crate::conformance::Report::new($suite);
        $(report.outcomes.push((stringify!($behaviour), $behaviour($provider, $env).await));)+
        report
    }};
}

pub mod connections;
pub mod customers;
pub mod lifecycle;
pub mod prices;
pub mod stores;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures::future::BoxFuture;
use jiff::{Span, Timestamp};

use crate::clock::{Clock, ManualClock, SystemClock};
use crate::id::ProductId;
use crate::memory::RequestCounter;

/// What a conformance function did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked {
    /// The behaviour was exercised and held.
    Passed,
    /// The provider's capabilities (or the environment: a missing fixture, no request counter) say the
    /// behaviour does not apply.
    Skipped(&'static str),
}

/// What a `run_all` did: each behaviour of one resource's suite, by name and in the order run, with
/// [`Checked::Passed`] or [`Checked::Skipped`] and why. A behaviour that fails is not in it: it panics with its
/// own message.
///
/// `Display` shows one behaviour a line. A provider's test asserts the exact skip list, so a provider that
/// skips everything fails and a capability change shows up as a test diff:
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use unibill_core::Billing;
/// use unibill_core::conformance::{Checked, Env, customers};
///
/// // Without a request counter, "nothing reaches the provider" cannot be observed.
/// let report = customers::run_all(&Billing::memory(), &Env::new("doc")).await;
/// report.assert_skipped(&[(
///     "validation_before_sending",
///     "the environment does not count requests",
/// )]);
/// assert_eq!(report.get("ensure_both_ways"), Some(&Checked::Passed));
/// assert_eq!(report.passed().count(), 8);
/// assert!(report.to_string().starts_with("customers: 8 passed, 1 skipped\n"));
/// # });
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "assert the expected skip list (`Report::assert_skipped`), or skips go unseen"]
pub struct Report {
    suite: &'static str,
    outcomes: Vec<(&'static str, Checked)>,
}

impl Report {
    fn new(suite: &'static str) -> Self {
        Report {
            suite,
            outcomes: Vec::new(),
        }
    }

    /// Every behaviour that ran, by function name, in order, with what it did.
    pub fn outcomes(&self) -> &[(&'static str, Checked)] {
        &self.outcomes
    }

    /// What the behaviour named `behaviour` did, if it is in this suite.
    pub fn get(&self, behaviour: &str) -> Option<&Checked> {
        self.outcomes
            .iter()
            .find_map(|(name, checked)| (*name == behaviour).then_some(checked))
    }

    /// The behaviours exercised and held, in order.
    pub fn passed(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.outcomes
            .iter()
            .filter_map(|(name, checked)| (*checked == Checked::Passed).then_some(*name))
    }

    /// The behaviours skipped, in order, each with why.
    pub fn skipped(&self) -> impl Iterator<Item = (&'static str, &'static str)> + '_ {
        self.outcomes
            .iter()
            .filter_map(|(name, checked)| match checked {
                Checked::Skipped(why) => Some((*name, *why)),
                Checked::Passed => None,
            })
    }

    /// Panics, showing the whole report, unless the skipped behaviours are exactly `expected` (name and
    /// why, in run order); every other behaviour passed.
    #[track_caller]
    pub fn assert_skipped(&self, expected: &[(&str, &str)]) {
        let skipped: Vec<_> = self.skipped().collect();
        assert!(
            skipped == expected,
            "{} conformance skipped {skipped:?}, expected {expected:?}\n{self}",
            self.suite
        );
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let skipped = self.skipped().count();
        let passed = self.outcomes.len() - skipped;
        writeln!(f, "{}: {passed} passed, {skipped} skipped", self.suite)?;
        for (name, checked) in &self.outcomes {
            match checked {
                Checked::Passed => writeln!(f, "  passed   {name}")?,
                Checked::Skipped(why) => writeln!(f, "  skipped  {name}: {why}")?,
            }
        }
        Ok(())
    }
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

/// Makes a product from its name and answers its id (see [`Env::with_product_factory`]).
pub type ProductFactory = Arc<dyn Fn(String) -> BoxFuture<'static, ProductId> + Send + Sync>;

/// The environment a conformance function runs in.
#[derive(Clone)]
pub struct Env {
    /// Ids the provider needs.
    pub fixtures: Fixtures,
    /// How store conformance waits for readiness (default: no pause, 20 reads; give a live provider a real
    /// interval).
    pub wait: crate::api::WaitOptions,
    requests_seen: Option<Arc<dyn Fn() -> u64 + Send + Sync>>,
    clock: Option<Arc<dyn Clock>>,
    advance: Option<Arc<dyn Fn(Span) + Send + Sync>>,
    products: Option<ProductFactory>,
    run_id: String,
    counter: Arc<AtomicU64>,
}

impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Env")
            .field("fixtures", &self.fixtures)
            .field("run_id", &self.run_id)
            .field("counts_requests", &self.requests_seen.is_some())
            .field("tells_time", &self.clock.is_some())
            .field("moves_time", &self.advance.is_some())
            .field("makes_products", &self.products.is_some())
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
            clock: None,
            advance: None,
            products: None,
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

    /// Tells the time with `clock` and moves it with `clock.advance`: the provider under test must run on the
    /// same clock (a [`ManualClock`] is shared by its clones). Behaviours that need time to pass (period ends,
    /// scheduled cancels) are skipped without it.
    pub fn with_clock(self, clock: ManualClock) -> Self {
        let mover = clock.clone();
        self.with_time(Arc::new(clock), move |span| mover.advance(span))
    }

    /// Tells the time with `now` and moves the provider's time with `advance` (e.g. an emulator's clock).
    pub fn with_time(
        mut self,
        now: Arc<dyn Clock>,
        advance: impl Fn(Span) + Send + Sync + 'static,
    ) -> Self {
        self.clock = Some(now);
        self.advance = Some(Arc::new(advance));
        self
    }

    /// Tells the time with `now` (the provider's clock, e.g. an emulator's) without being able to move it:
    /// events are stamped with it, and behaviours that need time to pass are skipped.
    pub fn with_now(mut self, now: Arc<dyn Clock>) -> Self {
        self.clock = Some(now);
        self.advance = None;
        self
    }

    /// Makes the products (plans) the lifecycle behaviours attach their prices and grants to with `make`,
    /// called with a fresh name from [`Env::unique`] and answering the new product's id: for providers whose
    /// prices need an existing product (Flexprice plans). Without it a product id is just the fresh name,
    /// for providers that take any id (memory).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// use unibill_core::ProductId;
    /// use unibill_core::conformance::Env;
    ///
    /// let env = Env::new("doc").with_product_factory(|name| async move {
    ///     ProductId::new(format!("plan_{name}"))
    /// });
    /// assert_eq!(env.product("pro").await.as_str(), "plan_doc-pro-0");
    /// assert_eq!(Env::new("doc").product("pro").await.as_str(), "doc-pro-0");
    /// # });
    /// ```
    pub fn with_product_factory<F, Fut>(mut self, make: F) -> Self
    where
        F: Fn(String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ProductId> + Send + 'static,
    {
        self.products = Some(Arc::new(move |name| Box::pin(make(name))));
        self
    }

    /// A product for a behaviour: made by the product factory from a fresh name (`<run id>-<label>-<n>`), or,
    /// without one, that name as its id.
    pub async fn product(&self, label: &str) -> ProductId {
        let name = self.unique(label);
        match &self.products {
            Some(make) => make(name).await,
            None => ProductId::new(name),
        }
    }

    /// The provider's time: the environment's clock, or the system's.
    pub fn now(&self) -> Timestamp {
        self.clock
            .as_ref()
            .map_or_else(|| SystemClock.timestamp(), |c| c.timestamp())
    }

    /// Moves the provider's time forward by `span`; false (and nothing moves) when the environment cannot.
    pub fn advance(&self, span: Span) -> bool {
        match &self.advance {
            Some(advance) => {
                advance(span);
                true
            }
            None => false,
        }
    }

    /// Whether [`Env::advance`] moves the provider's time.
    pub fn moves_time(&self) -> bool {
        self.advance.is_some()
    }

    /// A fresh natural key: `<run id>-<label>-<n>`.
    pub fn unique(&self, label: &str) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        format!("{}-{label}-{n}", self.run_id)
    }
}
