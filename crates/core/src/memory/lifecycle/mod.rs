//! The billing lifecycle in memory: meters, features and grants, subscriptions, usage, entitlements, invoices
//! and signed webhooks, on one shared state over the memory customers and prices, on an injectable [`Clock`].
//!
//! **Time.** Nothing runs in the background: at the start of every call the state catches up with the clock.
//! Trials end (`Trialing` → `Active`), periods roll over (the period's invoice is finalized and the next
//! period's draft opened), and scheduled cancels take effect (`CancelScheduled` → `Canceled`), each at the
//! instant it was due, in order, however far the clock moved.
//!
//! **What a subscription bills.** A subscription is to a recurring price. Like Flexprice's plans, it also
//! bills every active usage price of the same product (`Price::product_id`) in the same currency and
//! interval, as they are when it is created (or its price changes); those are its `items`. Features are
//! granted to products, so a subscription holds every feature granted to its price's product.
//!
//! **Invoices.** One per subscription and paid period (a trial bills nothing): a line for the recurring price
//! (a whole period: no proration) and one per usage price, rated per unit or by package (tiered usage prices
//! show their quantity with no amount, and the invoice then no total: memory does not rate tiers, see
//! [`crate::InvoiceCapabilities::full_rating`]). The running period's invoice exists from the period's start as
//! a `Draft` whose lines are computed again at every read, over the events recorded so far whose
//! `occurred_at` falls in the period. At the period's end (or a cancel) it is frozen and finalized (`Open`);
//! finalizing or voiding it earlier freezes it then, and that period bills nothing more. Tax is zero.
//!
//! **Webhooks.** Every change (a customer created through [`MemoryLifecycle::customers`], a subscription
//! created, updated or canceled, an invoice finalized or voided) appends a delivery, signed with the Svix
//! scheme ([`crate::svix`]) under a `whsec_` secret generated per instance
//! ([`MemoryLifecycle::webhook_secret`]); [`MemoryLifecycle::deliveries`] returns them and [`MemoryWebhooks`]
//! verifies them.

mod entitlements;
mod features;
mod invoices;
mod meters;
mod rating;
mod settle;
mod state;
mod subscriptions;
mod usage;
mod webhooks;

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use jiff::Timestamp;
use secrecy::SecretString;

pub use entitlements::MemoryEntitlements;
pub use features::MemoryFeatures;
pub use invoices::MemoryInvoices;
pub use meters::MemoryMeters;
pub use subscriptions::MemorySubscriptions;
pub use usage::MemoryUsage;
pub use webhooks::{MemoryWebhooks, WebhookDelivery};

use super::{MemoryConnections, MemoryCustomers, MemoryPrices, MemoryStores, RequestCounter};
use crate::billing::Billing;
use crate::clock::{Clock, SystemClock};
use crate::model::webhook::WebhookKind;
use state::State;

/// The shared state of the memory lifecycle resources; clones share it. Hand out one resource each with
/// [`meters`](Self::meters), [`features`](Self::features), … (all over the same state), or a whole
/// [`crate::Billing`] with [`billing`](Self::billing).
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use std::sync::Arc;
/// use unibill_core::{Aggregation, ManualClock, MemoryLifecycle, Meters, NewMeter, RequestCounter};
///
/// let clock = ManualClock::new("2026-01-01T00:00:00Z".parse().unwrap());
/// let memory = MemoryLifecycle::on(Arc::new(clock.clone()), RequestCounter::new());
/// let meter = memory.meters().create(NewMeter::builder("api_calls", "API calls", Aggregation::Sum).build()?).await?;
/// assert_eq!(meter.created_at, Some("2026-01-01T00:00:00Z".parse().unwrap()));
/// assert!(!format!("{memory:?}").contains("whsec_"));
/// # Ok::<(), unibill_core::Error>(()) }).unwrap();
/// ```
#[derive(Clone)]
pub struct MemoryLifecycle {
    shared: Arc<Shared>,
}

struct Shared {
    state: Mutex<State>,
    clock: Arc<dyn Clock>,
    requests: RequestCounter,
    customers: Arc<MemoryCustomers>,
    prices: Arc<MemoryPrices>,
    secret: SecretString,
}

impl fmt::Debug for MemoryLifecycle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryLifecycle")
            .field("clock", &self.shared.clock)
            .field("requests_seen", &self.shared.requests.get())
            .field("webhook_secret", &"[REDACTED]")
            .finish_non_exhaustive()
    }
}

impl Default for MemoryLifecycle {
    fn default() -> Self {
        MemoryLifecycle::new()
    }
}

impl MemoryLifecycle {
    /// A fresh lifecycle on the system clock, with its own customers and prices.
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// A fresh lifecycle on `clock`, counting every call (its own customers' and prices' too) on `counter`.
    pub fn on(clock: Arc<dyn Clock>, counter: RequestCounter) -> Self {
        Self::builder().clock(clock).counter(counter).build()
    }

    /// Sets everything up by hand.
    pub fn builder() -> MemoryLifecycleBuilder {
        MemoryLifecycleBuilder::default()
    }

    /// The customers subscriptions and usage are resolved in.
    pub fn customers(&self) -> Arc<MemoryCustomers> {
        Arc::clone(&self.shared.customers)
    }

    /// The prices subscriptions are rated with.
    pub fn prices(&self) -> Arc<MemoryPrices> {
        Arc::clone(&self.shared.prices)
    }

    /// Meters on this state.
    pub fn meters(&self) -> MemoryMeters {
        MemoryMeters(self.clone())
    }

    /// Features and grants on this state.
    pub fn features(&self) -> MemoryFeatures {
        MemoryFeatures(self.clone())
    }

    /// Subscriptions on this state.
    pub fn subscriptions(&self) -> MemorySubscriptions {
        MemorySubscriptions(self.clone())
    }

    /// Usage on this state.
    pub fn usage(&self) -> MemoryUsage {
        MemoryUsage(self.clone())
    }

    /// Entitlements on this state.
    pub fn entitlements(&self) -> MemoryEntitlements {
        MemoryEntitlements(self.clone())
    }

    /// Invoices on this state.
    pub fn invoices(&self) -> MemoryInvoices {
        MemoryInvoices(self.clone())
    }

    /// The verifier of this state's deliveries.
    pub fn webhooks(&self) -> MemoryWebhooks {
        MemoryWebhooks::of(self)
    }

    /// The clock time comes from.
    pub fn clock(&self) -> Arc<dyn Clock> {
        Arc::clone(&self.shared.clock)
    }

    /// The `whsec_` secret deliveries are signed with (give it to the application's verifier).
    pub fn webhook_secret(&self) -> &SecretString {
        &self.shared.secret
    }

    /// Every webhook delivery so far, oldest first (the state catches up with the clock first, so a period end
    /// that passed shows its deliveries).
    pub fn deliveries(&self) -> Vec<WebhookDelivery> {
        let (state, _) = self.settled();
        state.deliveries.clone()
    }

    /// Delivery `id` again, as a provider's re-send: the same id and body, signed afresh at the clock's now
    /// (a new `svix-timestamp`), so a receiver's delivery log must see it as the delivery it already handled.
    /// `None` for an unknown id. Nothing is appended to [`deliveries`](Self::deliveries).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// use unibill_core::{Customers, MemoryLifecycle, NewCustomer};
    /// let memory = MemoryLifecycle::new();
    /// memory.customers().create(NewCustomer::builder("ada", "Ada").build()?).await?;
    /// let first = memory.deliveries().remove(0);
    /// let again = memory.redeliver(&first.id).unwrap();
    /// assert_eq!((again.id.as_str(), again.body.as_slice()), (first.id.as_str(), first.body.as_slice()));
    /// assert_eq!(again.headers.get("svix-id"), Some(first.id.as_str()));
    /// assert!(memory.redeliver("msg_unknown").is_none());
    /// # Ok::<(), unibill_core::Error>(()) }).unwrap();
    /// ```
    pub fn redeliver(&self, id: &str) -> Option<WebhookDelivery> {
        let (state, now) = self.settled();
        let mut delivery = state.deliveries.iter().find(|d| d.id == id)?.clone();
        drop(state);
        let signature =
            crate::svix::sign(self.webhook_secret(), id, now.as_second(), &delivery.body).ok()?;
        delivery.timestamp = now;
        delivery.headers = crate::model::webhook::WebhookHeaders::from_pairs([
            ("svix-id", id.to_owned()),
            ("svix-timestamp", now.as_second().to_string()),
            ("svix-signature", signature),
        ]);
        Some(delivery)
    }

    /// The number of calls that reached this provider (its customers and prices included).
    pub fn requests_seen(&self) -> u64 {
        self.shared.requests.get()
    }

    /// A [`Billing`] routing every resource to memory: customers, prices and the lifecycle on this state,
    /// fresh connections and stores on the same request counter.
    pub fn billing(&self) -> Billing {
        let counter = self.shared.requests.clone();
        Billing::builder()
            .customers_arc(self.customers())
            .prices_arc(self.prices())
            .connections(MemoryConnections::with_counter(counter.clone()))
            .stores(MemoryStores::with_counter(counter))
            .meters(self.meters())
            .features(self.features())
            .subscriptions(self.subscriptions())
            .usage(self.usage())
            .entitlements(self.entitlements())
            .invoices(self.invoices())
            .webhooks(self.webhooks())
            .build()
    }

    /// Counts a call, then locks the state caught up with the clock.
    fn begin(&self) -> (MutexGuard<'_, State>, Timestamp) {
        self.shared.requests.hit();
        self.settled()
    }

    /// Locks the state caught up with the clock, counting nothing.
    fn settled(&self) -> (MutexGuard<'_, State>, Timestamp) {
        // Whole milliseconds, like the events' times: an event stamped in the millisecond a subscription
        // starts falls in its first period.
        let t = self.shared.clock.timestamp();
        let now = Timestamp::from_millisecond(t.as_millisecond()).unwrap_or(t);
        let mut state = super::lock_state(&self.shared.state);
        settle::settle(&mut state, now);
        (state, now)
    }
}

/// Builds a [`MemoryLifecycle`].
#[derive(Debug, Default)]
pub struct MemoryLifecycleBuilder {
    clock: Option<Arc<dyn Clock>>,
    counter: Option<RequestCounter>,
    customers: Option<Arc<MemoryCustomers>>,
    prices: Option<Arc<MemoryPrices>>,
    secret: Option<SecretString>,
}

impl MemoryLifecycleBuilder {
    /// The clock (default: the system clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// The request counter (default: a fresh one).
    pub fn counter(mut self, counter: RequestCounter) -> Self {
        self.counter = Some(counter);
        self
    }

    /// The customers to resolve subscriptions and usage in (default: fresh ones on the counter).
    pub fn customers(mut self, customers: Arc<MemoryCustomers>) -> Self {
        self.customers = Some(customers);
        self
    }

    /// The prices to rate with (default: fresh ones on the counter).
    pub fn prices(mut self, prices: Arc<MemoryPrices>) -> Self {
        self.prices = Some(prices);
        self
    }

    /// The webhook signing secret, `whsec_` and base64 (default: generated, see [`crate::svix::generate_secret`]).
    pub fn webhook_secret(mut self, secret: SecretString) -> Self {
        self.secret = Some(secret);
        self
    }

    /// The lifecycle.
    pub fn build(self) -> MemoryLifecycle {
        let counter = self.counter.unwrap_or_default();
        let secret = self.secret.unwrap_or_else(crate::svix::generate_secret);
        let state = State {
            secret: Some(secret.clone()),
            ..State::default()
        };
        let lifecycle = MemoryLifecycle {
            shared: Arc::new(Shared {
                state: Mutex::new(state),
                clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
                customers: self
                    .customers
                    .unwrap_or_else(|| Arc::new(MemoryCustomers::with_counter(counter.clone()))),
                prices: self
                    .prices
                    .unwrap_or_else(|| Arc::new(MemoryPrices::with_counter(counter.clone()))),
                requests: counter,
                secret,
            }),
        };
        // `customer.created` deliveries; the hook holds the state weakly (the state holds the customers).
        let weak = Arc::downgrade(&lifecycle.shared);
        lifecycle
            .shared
            .customers
            .on_created(Box::new(move |customer| {
                if let Some(shared) = weak.upgrade() {
                    let lifecycle = MemoryLifecycle { shared };
                    let (mut state, now) = lifecycle.settled();
                    state.emit(
                        now,
                        WebhookKind::CustomerCreated,
                        "customer",
                        customer.id.as_str(),
                        Some(&customer.external_id),
                        customer,
                    );
                }
            }));
        lifecycle
    }
}
