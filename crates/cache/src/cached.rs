//! [`CachedEntitlements`]: the [`Entitlements`] of a provider, answered from memory within declared bounds.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use futures::FutureExt;
use futures::future::Either;
use futures::future::{BoxFuture, Shared};
use quick_cache::sync::Cache;
use unibill_core::{
    Clock, Entitlement, EntitlementCapabilities, EntitlementKind, Entitlements, Error, ErrorKind,
    Freshness, Result, SignedDuration, SystemClock, Timestamp, UsageEvent, WebhookEvent,
    WebhookKind,
};

use crate::config::{CacheConfig, FailMode, default_pipeline_lag};
use crate::moment::Moment;
use crate::overlay::UsageOverlay;
use crate::snapshot::{Answer, Listed, Snapshot, Unknown, View};
use crate::stats::{CacheStats, Counters};

/// What a request to the provider is for: a customer's whole list, or one feature where the provider has no
/// `list`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct FlightKey {
    customer: String,
    feature: Option<String>,
}

/// A request's result, shared by every caller waiting for it.
type Outcome = std::result::Result<Arc<Snapshot>, Arc<Error>>;

/// One request to the provider in progress.
#[derive(Clone)]
struct Flight {
    id: u64,
    shared: Shared<BoxFuture<'static, Outcome>>,
}

/// What a request gave.
enum Fetched {
    List(Vec<Entitlement>),
    One(Entitlement),
}

/// The short answer of [`CachedEntitlements::allows`]: whether the customer may use the feature, and where the
/// answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Allowed {
    /// Whether the customer may use the feature now (the `access` of the full answer).
    pub access: bool,
    /// When the provider's answer was true.
    pub as_of: Timestamp,
    /// Whether it came from memory, and how old it is.
    pub freshness: Freshness,
}

impl From<&Entitlement> for Allowed {
    fn from(e: &Entitlement) -> Self {
        Allowed {
            access: e.access,
            as_of: e.as_of,
            freshness: e.freshness,
        }
    }
}

/// The usage observer handed to a usage recorder: called once per event the provider acknowledged.
pub type UsageObserver = Arc<dyn Fn(&UsageEvent) + Send + Sync>;

/// The [`Entitlements`] of a provider, answered from memory while an answer is younger than its declared
/// staleness bound (one for answers that give access, a shorter one for answers that refuse it).
///
/// - **Per customer.** A miss reads the customer's whole `list` in one request (a feature missing from it is
///   `NotGranted`), so every feature of a customer is answered by one request; a provider without `list` is
///   asked per feature with `check`. An unknown customer (`NotFound`) is remembered as a refusal.
/// - **Single flight.** However many callers miss at once, one request per customer is made and every caller
///   waits for it; a caller that gives up does not cancel it for the others.
/// - **Refresh ahead.** A hit on an answer older than [`CacheConfig::refresh_at_percent`] of its bound starts
///   one refresh in the background (on the current tokio runtime, where there is one), so busy customers
///   rarely wait.
/// - **Invalidation.** [`CachedEntitlements::invalidate_on`] takes a verified [`WebhookEvent`]: any event that
///   names a customer makes that customer's next check ask the provider. Events are hints (best effort): an
///   event without the customer (Flowglad's without `customer.externalId`) invalidates nothing, and the
///   bounds still hold without any event.
/// - **Local usage.** [`CachedEntitlements::note_usage`] (or the [`CachedEntitlements::usage_observer`] a
///   recorder calls) adds acknowledged usage on top of the provider's metered answers until the provider's
///   own answers count it (its pipeline lag, [`CacheConfig::pipeline_lag`]); a refresh reconciles.
/// - **Unreachable provider.** When a refresh fails with a retryable error (unavailable, timeout, transport,
///   rate limited), the feature's [`FailMode`] decides: closed answers `Unavailable`; open answers the last
///   known answer marked [`Freshness::Stale`] with its age. For [`CacheConfig::failure_backoff`] after a
///   failure, checks answer by the rule without asking again. A `list` the provider cannot answer gives the
///   last known list's answers whose feature fails open (stale, within its age) and leaves the others out;
///   with none to give it is `Unavailable`. Other errors are returned as the provider gave them.
/// - **Every answer** carries the provider's `as_of` and its [`Freshness`]: `Live` when this call waited for
///   the provider, `Cached { age }` from memory within the bound, `Stale { age }` past it (fail open).
///
/// Memory is bounded by [`CacheConfig::max_customers`] (quick_cache, least used first). Time is the injected
/// [`Clock`]. Clones share one cache.
#[derive(Clone)]
pub struct CachedEntitlements {
    inner: Arc<Inner>,
}

struct Inner {
    provider: Arc<dyn Entitlements>,
    provider_name: &'static str,
    by_list: bool,
    clock: Arc<dyn Clock>,
    config: CacheConfig,
    /// (bound, refresh from) of a refusal and of an answer giving access, worked out once (a `Duration`
    /// division per check would cost more than the lookup).
    bounds: [(Duration, Duration); 2],
    snapshots: Cache<String, Arc<Snapshot>>,
    overlay: UsageOverlay,
    flights: Mutex<HashMap<FlightKey, Flight>>,
    next_flight: AtomicU64,
    counters: Counters,
}

impl fmt::Debug for CachedEntitlements {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedEntitlements")
            .field("provider", &self.inner.provider_name)
            .field("config", &self.inner.config)
            .field("customers", &self.inner.snapshots.len())
            .finish_non_exhaustive()
    }
}

/// Builds a [`CachedEntitlements`].
#[derive(Debug)]
pub struct CachedEntitlementsBuilder {
    provider: Arc<dyn Entitlements>,
    config: CacheConfig,
    clock: Arc<dyn Clock>,
}

impl CachedEntitlementsBuilder {
    /// The bounds, rules and sizes (default [`CacheConfig::default`]).
    pub fn config(mut self, config: CacheConfig) -> Self {
        self.config = config;
        self
    }

    /// The clock every age is measured on (default [`SystemClock`]).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The cache; `InvalidInput` naming a setting out of range ([`CacheConfig::check`]).
    pub fn build(self) -> Result<CachedEntitlements> {
        self.config.check()?;
        let caps = self.provider.capabilities();
        let lag = self
            .config
            .pipeline_lag
            .unwrap_or_else(|| default_pipeline_lag(caps.provider));
        let overlay =
            UsageOverlay::new(self.config.max_customers, lag, self.config.longest_bound());
        Ok(CachedEntitlements {
            inner: Arc::new(Inner {
                snapshots: Cache::new(self.config.max_customers),
                provider: self.provider,
                provider_name: caps.provider,
                by_list: caps.list,
                clock: self.clock,
                bounds: [false, true].map(|access| {
                    let bound = self.config.staleness(access);
                    (bound, self.config.refresh_at(bound))
                }),
                config: self.config,
                overlay,
                flights: Mutex::new(HashMap::new()),
                next_flight: AtomicU64::new(1),
                counters: Counters::default(),
            }),
        })
    }
}

fn age(now: Moment, asked_at: Moment) -> Duration {
    now.since(asked_at)
}

fn signed(d: Duration) -> SignedDuration {
    SignedDuration::try_from(d).unwrap_or(SignedDuration::MAX)
}

/// Whether an error means the provider could not be reached (what the fail rule is for).
fn unreachable(e: &Error) -> bool {
    e.is_retryable()
}

/// A copy of a shared error for one caller (kind, texts, provider, status, retry hint, field errors).
fn copy_error(e: &Error) -> Error {
    let mut out = Error::new(e.kind(), e.message().to_owned());
    if let Some(v) = e.provider() {
        out = out.with_provider(v.to_owned());
    }
    if let Some(v) = e.operation() {
        out = out.with_operation(v.to_owned());
    }
    if let Some(v) = e.status() {
        out = out.with_status(v);
    }
    if let Some(v) = e.provider_code() {
        out = out.with_provider_code(v);
    }
    if let Some(v) = e.provider_message() {
        out = out.with_provider_message(v);
    }
    if let Some(v) = e.request_id() {
        out = out.with_request_id(v);
    }
    if let Some(v) = e.retry_after() {
        out = out.with_retry_after(v);
    }
    out.with_field_errors(e.field_errors().iter().cloned())
}

impl CachedEntitlements {
    /// A cache with the default configuration on the system clock.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use unibill_cache::CachedEntitlements;
    /// use unibill_core::{Entitlements, MemoryLifecycle};
    /// let cache = CachedEntitlements::new(Arc::new(MemoryLifecycle::new().entitlements()));
    /// assert_eq!(cache.capabilities().provider, "memory");
    /// ```
    pub fn new(provider: Arc<dyn Entitlements>) -> Self {
        Self::builder(provider)
            .build()
            .expect("the default configuration is valid")
    }

    /// A builder over `provider`.
    pub fn builder(provider: Arc<dyn Entitlements>) -> CachedEntitlementsBuilder {
        CachedEntitlementsBuilder {
            provider,
            config: CacheConfig::default(),
            clock: Arc::new(SystemClock),
        }
    }

    /// The configuration in force.
    pub fn config(&self) -> &CacheConfig {
        &self.inner.config
    }

    /// What the cache did since it was built.
    pub fn stats(&self) -> CacheStats {
        self.inner.counters.snapshot(self.inner.snapshots.len())
    }

    /// Makes the customer's next check ask the provider. A request in progress for the customer is not
    /// waited for: its answer goes to the callers already waiting, not into the cache. The last known answer
    /// stays for the fail-open rule.
    pub fn invalidate(&self, customer_external_id: &str) {
        let inner = &self.inner;
        let mut flights = inner.lock_flights();
        flights.retain(|k, _| k.customer != customer_external_id);
        if let Some(s) = inner.snapshots.peek(customer_external_id) {
            s.invalidate();
        }
        drop(flights);
        Counters::bump(&inner.counters.invalidations);
        tracing::debug!(
            customer = customer_external_id,
            "entitlement cache: customer invalidated"
        );
    }

    /// Makes every customer's next check ask the provider.
    pub fn invalidate_all(&self) {
        let inner = &self.inner;
        let mut flights = inner.lock_flights();
        flights.clear();
        for (_, s) in inner.snapshots.iter() {
            s.invalidate();
        }
        drop(flights);
        Counters::bump(&inner.counters.invalidations);
    }

    /// Invalidates the customer a verified webhook event names, whatever its kind (events are hints: a
    /// subscription, invoice, payment or customer change can change what the customer may use); a
    /// `UsageRejected` event also takes the dropped event out of the local usage. An event naming no customer
    /// invalidates nothing (the staleness bounds still hold). Returns the customer invalidated.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use unibill_cache::CachedEntitlements;
    /// use unibill_core::{MemoryLifecycle, WebhookEvent, WebhookKind};
    /// let cache = CachedEntitlements::new(Arc::new(MemoryLifecycle::new().entitlements()));
    /// let canceled = WebhookEvent::builder("memory", "msg_1", WebhookKind::SubscriptionCanceled)
    ///     .object("subscription", "sub_1")
    ///     .customer_external_id("ada")
    ///     .build();
    /// assert_eq!(cache.invalidate_on(&canceled), Some("ada"));
    /// let thin = WebhookEvent::builder("flowglad", "msg_2", WebhookKind::ObjectChanged).build();
    /// assert_eq!(cache.invalidate_on(&thin), None);
    /// ```
    pub fn invalidate_on<'e>(&self, event: &'e WebhookEvent) -> Option<&'e str> {
        let customer = event.customer_external_id.as_deref();
        if event.kind == WebhookKind::UsageRejected
            && let Some(key) = event.object_id.as_deref()
        {
            self.inner.overlay.forget(customer, key);
        }
        let customer = customer.filter(|c| !c.is_empty())?;
        self.invalidate(customer);
        Some(customer)
    }

    /// Adds a usage event the provider acknowledged to the local overlay: its quantity is added to the
    /// customer's metered answers (used up, balance down) until the provider's own answers count it
    /// ([`CacheConfig::pipeline_lag`] after now). The same event key counts once.
    pub fn note_usage(&self, event: &UsageEvent) {
        let inner = &self.inner;
        inner.overlay.note(event, Moment::now(&*inner.clock));
        Counters::bump(&inner.counters.usage_noted);
    }

    /// [`CachedEntitlements::note_usage`] as a callback for a usage recorder, called once per acknowledged
    /// event.
    pub fn usage_observer(&self) -> UsageObserver {
        let cache = self.clone();
        Arc::new(move |event: &UsageEvent| cache.note_usage(event))
    }

    /// Whether the customer may use the feature: [`Entitlements::check`] without the full answer. An answer
    /// within its bound is given without allocating (the arguments are borrowed, nothing is boxed): the
    /// nanosecond path for a request handler. A miss goes through `check` (same single flight, bounds and
    /// fail rules); a customer the provider does not know is its `NotFound`.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// use std::sync::Arc;
    /// use unibill_cache::CachedEntitlements;
    /// use unibill_core::{Customers, MemoryLifecycle, NewCustomer};
    /// let billing = MemoryLifecycle::new();
    /// billing.customers().create(NewCustomer::builder("ada", "Ada").build()?).await?;
    /// let cache = CachedEntitlements::new(Arc::new(billing.entitlements()));
    /// let first = cache.allows("ada", "sso").await?; // asks the provider: nothing granted
    /// assert!(!first.access && first.freshness.is_live());
    /// assert!(cache.allows("ada", "sso").await?.freshness.is_cached());
    /// # Ok::<(), unibill_core::Error>(()) }).unwrap();
    /// ```
    pub fn allows<'a>(
        &'a self,
        customer_external_id: &'a str,
        feature_key: &'a str,
    ) -> impl Future<Output = Result<Allowed>> + Send + 'a {
        let inner = &self.inner;
        let now = Moment::now(&*inner.clock);
        let hit = inner
            .snapshots
            .get(customer_external_id)
            .and_then(|snapshot| {
                let (view, overlaid, age) =
                    inner.fresh(&snapshot, customer_external_id, feature_key, now, true)?;
                Some(match view {
                    View::UnknownCustomer(u) => {
                        Err(Error::not_found(u.message.clone()).with_provider(inner.provider_name))
                    }
                    View::Found(a) => Ok(Allowed {
                        access: Inner::access(&view, overlaid.as_ref()),
                        as_of: a.entitlement.as_of,
                        freshness: Freshness::Cached { age: signed(age) },
                    }),
                    View::NotGranted(l) => Ok(Allowed {
                        access: false,
                        as_of: l.as_of,
                        freshness: Freshness::Cached { age: signed(age) },
                    }),
                })
            });
        match hit {
            Some(answer) => {
                inner.counters.hit();
                Either::Left(std::future::ready(answer))
            }
            None => Either::Right(async move {
                self.check(customer_external_id.to_owned(), feature_key.to_owned())
                    .await
                    .map(|e| Allowed::from(&e))
            }),
        }
    }

    /// Forgets every answer and the local usage (a test, or a provider switched under the cache).
    pub fn clear(&self) {
        let inner = &self.inner;
        inner.lock_flights().clear();
        inner.snapshots.clear();
        inner.overlay.clear();
    }

    /// Waits for every request to the provider in progress now (background refreshes included).
    pub async fn settle(&self) {
        let flights: Vec<Flight> = self.inner.lock_flights().values().cloned().collect();
        for f in flights {
            let _ = f.shared.await;
        }
    }
}

impl Inner {
    fn lock_flights(&self) -> MutexGuard<'_, HashMap<FlightKey, Flight>> {
        self.flights.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn key(&self, customer: &str, feature: &str) -> FlightKey {
        FlightKey {
            customer: customer.to_owned(),
            feature: (!self.by_list).then(|| feature.to_owned()),
        }
    }

    /// The kind with the local usage on top, where there is any (metered answers only).
    fn overlaid(&self, view: &View<'_>, customer: &str, feature: &str) -> Option<EntitlementKind> {
        let View::Found(answer) = view else {
            return None;
        };
        let EntitlementKind::Metered {
            limit,
            used,
            balance,
            soft,
            resets_at,
        } = &answer.entitlement.kind
        else {
            return None;
        };
        let extra = self
            .overlay
            .on_top(customer, self.config.meter_of(feature), answer.asked_at);
        if extra.is_zero() {
            return None;
        }
        Some(EntitlementKind::Metered {
            limit: *limit,
            used: used.map(|u| u + extra),
            balance: balance.map(|b| b - extra),
            soft: *soft,
            resets_at: *resets_at,
        })
    }

    /// Whether the answer (with the local usage) gives access.
    fn access(view: &View<'_>, overlaid: Option<&EntitlementKind>) -> bool {
        match view {
            View::Found(a) => overlaid.map_or(a.entitlement.access, EntitlementKind::grants_access),
            View::NotGranted(_) | View::UnknownCustomer(_) => false,
        }
    }

    /// The answer for the caller.
    fn answer(
        &self,
        view: View<'_>,
        overlaid: Option<EntitlementKind>,
        customer: String,
        feature: String,
        freshness: Freshness,
    ) -> Result<Entitlement> {
        match view {
            View::Found(a) => {
                let e = &a.entitlement;
                let kind = overlaid.unwrap_or_else(|| e.kind.clone());
                // Fields set in place: this is the hot path, and each builder call would move the whole answer.
                let mut out = Entitlement::new(customer, feature, kind, e.as_of);
                out.provider = e.provider.clone();
                out.raw = e.raw.clone();
                out.freshness = freshness;
                Ok(out)
            }
            View::NotGranted(l) => {
                Ok(
                    Entitlement::new(customer, feature, EntitlementKind::NotGranted, l.as_of)
                        .provider(self.provider_name)
                        .freshness(freshness),
                )
            }
            View::UnknownCustomer(u) => {
                Err(Error::not_found(u.message.clone()).with_provider(self.provider_name))
            }
        }
    }

    /// The answer's view when it is within its bound, with the local usage on top and its age (and a
    /// background refresh started when it is close to the bound).
    ///
    /// `ahead: false` never starts one: the caller holds the flights lock, which starting one takes.
    fn fresh<'s>(
        self: &Arc<Self>,
        snapshot: &'s Snapshot,
        customer: &str,
        feature: &str,
        now: Moment,
        ahead: bool,
    ) -> Option<(View<'s>, Option<EntitlementKind>, Duration)> {
        if snapshot.is_invalidated() {
            return None;
        }
        let view = snapshot.view(feature)?;
        let overlaid = self.overlaid(&view, customer, feature);
        let access = Self::access(&view, overlaid.as_ref());
        let (bound, refresh_at) = self.bounds[usize::from(access)];
        let age = age(now, view.asked_at());
        if age >= bound {
            return None;
        }
        if ahead && age >= refresh_at && snapshot.claim_refresh() {
            self.refresh_in_background(customer, feature);
        }
        Some((view, overlaid, age))
    }

    /// The answer from memory, when it is within its bound; else the arguments back. Called with the flights
    /// lock held: starts no background refresh.
    fn hit_locked(
        self: &Arc<Self>,
        snapshot: &Snapshot,
        customer: String,
        feature: String,
        now: Moment,
    ) -> std::result::Result<Result<Entitlement>, (String, String)> {
        match self.fresh(snapshot, &customer, &feature, now, false) {
            Some((view, overlaid, age)) => {
                self.counters.hit();
                Ok(self.answer(
                    view,
                    overlaid,
                    customer,
                    feature,
                    Freshness::Cached { age: signed(age) },
                ))
            }
            None => Err((customer, feature)),
        }
    }

    fn start_flight(self: &Arc<Self>, key: FlightKey) -> Flight {
        let id = self.next_flight.fetch_add(1, Ordering::Relaxed);
        let me = Arc::clone(self);
        let k = key.clone();
        let shared = async move { me.fetch(k, id).await }.boxed().shared();
        Flight { id, shared }
    }

    fn refresh_in_background(self: &Arc<Self>, customer: &str, feature: &str) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let key = self.key(customer, feature);
        let flight = {
            let mut flights = self.lock_flights();
            if flights.contains_key(&key) {
                return;
            }
            let f = self.start_flight(key.clone());
            flights.insert(key, f.clone());
            f
        };
        Counters::bump(&self.counters.background_refreshes);
        tracing::debug!(customer, "entitlement cache: refreshing in the background");
        runtime.spawn(flight.shared);
    }

    /// One request to the provider, and the cache updated with its answer (unless the customer was
    /// invalidated meanwhile).
    async fn fetch(self: Arc<Self>, key: FlightKey, id: u64) -> Outcome {
        let asked_at = Moment::now(&*self.clock);
        Counters::bump(&self.counters.provider_requests);
        let result = match &key.feature {
            None => self
                .provider
                .list(key.customer.clone())
                .await
                .map(Fetched::List),
            Some(f) => self
                .provider
                .check(key.customer.clone(), f.clone())
                .await
                .map(Fetched::One),
        };
        let mut flights = self.lock_flights();
        let registered = flights.get(&key).is_some_and(|f| f.id == id);
        if registered {
            flights.remove(&key);
        }
        let previous = self.snapshots.peek(key.customer.as_str());
        let snapshot = match result {
            Ok(fetched) => self.snapshot_of(fetched, asked_at, previous.as_deref()),
            Err(e) if e.kind() == ErrorKind::NotFound => Snapshot::unknown(Unknown {
                asked_at,
                message: e.message().to_owned(),
            }),
            Err(e) => {
                Counters::bump(&self.counters.provider_failures);
                let now = Moment::now(&*self.clock);
                tracing::warn!(
                    customer = key.customer.as_str(),
                    provider = self.provider_name,
                    error = %e,
                    "entitlement cache: the provider's answer failed"
                );
                match previous {
                    Some(p) => p.mark_failed(now),
                    None if registered => self
                        .snapshots
                        .insert(key.customer.clone(), Arc::new(Snapshot::failed(now))),
                    None => {}
                }
                return Err(Arc::new(e));
            }
        };
        let snapshot = Arc::new(snapshot);
        if registered {
            self.snapshots
                .insert(key.customer.clone(), Arc::clone(&snapshot));
            let oldest = snapshot
                .answers
                .values()
                .map(|a| a.asked_at)
                .chain(snapshot.listed.as_ref().map(|l| l.asked_at))
                .min()
                .unwrap_or(asked_at);
            self.overlay.reconcile(&key.customer, oldest);
        }
        drop(flights);
        tracing::debug!(
            customer = key.customer.as_str(),
            provider = self.provider_name,
            "entitlement cache: refreshed"
        );
        Ok(snapshot)
    }

    fn snapshot_of(
        &self,
        fetched: Fetched,
        asked_at: Moment,
        previous: Option<&Snapshot>,
    ) -> Snapshot {
        match fetched {
            Fetched::List(list) => {
                let as_of = list
                    .first()
                    .map_or_else(|| asked_at.timestamp(), |e| e.as_of);
                let mut s = Snapshot::listed(Listed { asked_at, as_of });
                for entitlement in list {
                    s.answers.insert(
                        entitlement.feature_key.as_str().into(),
                        Answer {
                            entitlement,
                            asked_at,
                        },
                    );
                }
                s
            }
            Fetched::One(entitlement) => {
                let mut s = match previous {
                    Some(p) if !p.is_invalidated() && p.unknown.is_none() => p.carry(),
                    _ => Snapshot::default(),
                };
                s.answers.insert(
                    entitlement.feature_key.as_str().into(),
                    Answer {
                        entitlement,
                        asked_at,
                    },
                );
                s
            }
        }
    }

    /// Joins the request in progress for the key, or starts one; or, when another caller's request has just
    /// filled the cache, answers from it.
    fn join_or_start(
        self: &Arc<Self>,
        customer: String,
        feature: String,
        seen: Option<&Arc<Snapshot>>,
        now: Moment,
    ) -> std::result::Result<Result<Entitlement>, (Flight, String, String)> {
        let key = self.key(&customer, &feature);
        let mut flights = self.lock_flights();
        if let Some(f) = flights.get(&key) {
            Counters::bump(&self.counters.coalesced);
            return Err((f.clone(), customer, feature));
        }
        let (customer, feature) = match self.snapshots.peek(customer.as_str()) {
            Some(latest) if seen.is_none_or(|s| !Arc::ptr_eq(s, &latest)) => {
                match self.hit_locked(&latest, customer, feature, now) {
                    Ok(answer) => return Ok(answer),
                    Err(args) => args,
                }
            }
            _ => (customer, feature),
        };
        let f = self.start_flight(key.clone());
        flights.insert(key, f.clone());
        Err((f, customer, feature))
    }

    /// The answer by the feature's fail rule when the provider cannot be reached.
    fn by_fail_rule(
        &self,
        customer: String,
        feature: String,
        now: Moment,
        cause: Option<&Error>,
    ) -> Result<Entitlement> {
        let last = self.snapshots.peek(customer.as_str());
        if let FailMode::Open { max_age } = self.config.fail_mode_of(&feature)
            && let Some(snapshot) = &last
            && let Some(view) = snapshot.view(&feature)
        {
            let age = age(now, view.asked_at());
            if max_age.is_none_or(|m| age <= m) {
                Counters::bump(&self.counters.stale_served);
                tracing::warn!(
                    customer = customer.as_str(),
                    feature = feature.as_str(),
                    age_ms = u64::try_from(age.as_millis()).unwrap_or(u64::MAX),
                    "entitlement cache: provider unreachable, failing open with the last known answer"
                );
                let overlaid = self.overlaid(&view, &customer, &feature);
                return self.answer(
                    view,
                    overlaid,
                    customer,
                    feature,
                    Freshness::Stale { age: signed(age) },
                );
            }
        }
        Counters::bump(&self.counters.unavailable);
        let why = cause.map_or_else(
            || "a request failed moments ago".to_owned(),
            |e| format!("{}: {}", e.kind(), e.message()),
        );
        let rule = match self.config.fail_mode_of(&feature) {
            FailMode::Closed => "fails closed",
            FailMode::Open { .. } => "fails open, but no answer recent enough is known",
        };
        let mut err = Error::new(
            ErrorKind::Unavailable,
            format!(
                "the entitlement of `{customer}` to `{feature}` is unavailable: the provider could not be reached \
                 ({why}) and `{feature}` {rule}"
            ),
        )
        .with_provider(self.provider_name)
        .with_operation("entitlements.check");
        let wait = last.map_or(Duration::ZERO, |s| {
            s.backoff_left(self.config.failure_backoff, now)
        });
        if !wait.is_zero() {
            err = err.with_retry_after(wait);
        }
        Err(err)
    }

    /// A check the snapshot seen (if any) could not answer from memory.
    async fn miss(
        self: Arc<Self>,
        customer: String,
        feature: String,
        seen: Option<Arc<Snapshot>>,
        now: Moment,
    ) -> Result<Entitlement> {
        Counters::bump(&self.counters.misses);
        if seen
            .as_ref()
            .is_some_and(|s| s.failed_within(self.config.failure_backoff, now))
        {
            return self.by_fail_rule(customer, feature, now, None);
        }
        let (flight, customer, feature) =
            match self.join_or_start(customer, feature, seen.as_ref(), now) {
                Ok(answer) => return answer,
                Err(waiting) => waiting,
            };
        match flight.shared.await {
            Ok(snapshot) => match snapshot.view(&feature) {
                Some(view) => {
                    let overlaid = self.overlaid(&view, &customer, &feature);
                    self.answer(view, overlaid, customer, feature, Freshness::Live)
                }
                None => Err(Error::new(
                    ErrorKind::Provider,
                    format!(
                        "the provider's answer for `{customer}` has no entitlement to `{feature}`"
                    ),
                )
                .with_provider(self.provider_name)),
            },
            Err(e) if unreachable(&e) => {
                let now = Moment::now(&*self.clock);
                self.by_fail_rule(customer, feature, now, Some(&e))
            }
            Err(e) => Err(copy_error(&e)),
        }
    }

    async fn list(self: &Arc<Self>, customer: String) -> Result<Vec<Entitlement>> {
        if !self.by_list {
            Counters::bump(&self.counters.provider_requests);
            return self.provider.list(customer).await;
        }
        let now = Moment::now(&*self.clock);
        if let Some(snapshot) = self.snapshots.get(customer.as_str())
            && !snapshot.is_invalidated()
            && let Some(listed) = &snapshot.listed
        {
            // Each answer within its own bound; an empty list refuses everything (the deny bound).
            let mut oldest = age(now, listed.asked_at);
            let mut fresh = !snapshot.answers.is_empty() || oldest < self.config.staleness(false);
            for (feature, answer) in snapshot.answers.iter() {
                let view = View::Found(answer);
                let overlaid = self.overlaid(&view, &customer, feature);
                let access = Self::access(&view, overlaid.as_ref());
                let a = age(now, answer.asked_at);
                fresh &= a < self.config.staleness(access);
                oldest = oldest.max(a);
            }
            if fresh {
                self.counters.hit();
                return self.list_from(
                    &snapshot,
                    &customer,
                    Freshness::Cached {
                        age: signed(oldest),
                    },
                );
            }
        }
        Counters::bump(&self.counters.misses);
        let key = FlightKey {
            customer: customer.clone(),
            feature: None,
        };
        let flight = {
            let mut flights = self.lock_flights();
            match flights.get(&key) {
                Some(f) => {
                    Counters::bump(&self.counters.coalesced);
                    f.clone()
                }
                None => {
                    let f = self.start_flight(key.clone());
                    flights.insert(key, f.clone());
                    f
                }
            }
        };
        match flight.shared.await {
            Ok(snapshot) => self.list_from(&snapshot, &customer, Freshness::Live),
            Err(e) if unreachable(&e) => {
                let now = Moment::now(&*self.clock);
                self.list_by_fail_rule(&customer, now, &e)
            }
            Err(e) => Err(copy_error(&e)),
        }
    }

    /// A whole list when the provider cannot be reached: of the customer's last known list, the answers whose
    /// feature fails open and are recent enough for it, marked stale with their age; a feature failing closed
    /// (or known too long ago) is left out, so it reads as not granted. An empty last list is given as it was
    /// when the cache's own rule (`fail_mode`) fails open within its age. With nothing to give, `Unavailable`.
    fn list_by_fail_rule(
        &self,
        customer: &str,
        now: Moment,
        cause: &Error,
    ) -> Result<Vec<Entitlement>> {
        let open_within = |rule: FailMode, age: Duration| match rule {
            FailMode::Open { max_age } => max_age.is_none_or(|m| age <= m),
            FailMode::Closed => false,
        };
        let last = self.snapshots.peek(customer);
        let listed = last
            .as_ref()
            .filter(|s| s.unknown.is_none())
            .and_then(|s| s.listed.as_ref().map(|l| (s, l)));
        if let Some((snapshot, listed)) = listed {
            let mut out = Vec::new();
            for (feature, answer) in snapshot.answers.iter() {
                let a = age(now, answer.asked_at);
                if !open_within(self.config.fail_mode_of(feature), a) {
                    continue;
                }
                let view = View::Found(answer);
                let overlaid = self.overlaid(&view, customer, feature);
                out.push(self.answer(
                    view,
                    overlaid,
                    customer.to_owned(),
                    feature.to_owned(),
                    Freshness::Stale { age: signed(a) },
                )?);
            }
            let empty_and_open = snapshot.answers.is_empty()
                && open_within(self.config.fail_mode, age(now, listed.asked_at));
            if !out.is_empty() || empty_and_open {
                Counters::bump(&self.counters.stale_served);
                tracing::warn!(
                    customer,
                    served = out.len(),
                    "entitlement cache: provider unreachable, failing open with the last known list"
                );
                out.sort_by(|a, b| a.feature_key.cmp(&b.feature_key));
                return Ok(out);
            }
        }
        Counters::bump(&self.counters.unavailable);
        Err(Error::new(
            ErrorKind::Unavailable,
            format!(
                "the entitlements of `{customer}` are unavailable: the provider could not be reached ({}: {}) \
                 and no answer of its last known list fails open recently enough",
                cause.kind(),
                cause.message()
            ),
        )
        .with_provider(self.provider_name)
        .with_operation("entitlements.list"))
    }

    fn list_from(
        &self,
        snapshot: &Snapshot,
        customer: &str,
        freshness: Freshness,
    ) -> Result<Vec<Entitlement>> {
        if let Some(u) = &snapshot.unknown {
            return Err(Error::not_found(u.message.clone()).with_provider(self.provider_name));
        }
        let mut out = Vec::with_capacity(snapshot.answers.len());
        for (feature, answer) in snapshot.answers.iter() {
            let view = View::Found(answer);
            let overlaid = self.overlaid(&view, customer, feature);
            out.push(self.answer(
                view,
                overlaid,
                customer.to_owned(),
                feature.to_string(),
                freshness,
            )?);
        }
        out.sort_by(|a, b| a.feature_key.cmp(&b.feature_key));
        Ok(out)
    }
}

#[async_trait]
impl Entitlements for CachedEntitlements {
    /// The provider's.
    fn capabilities(&self) -> EntitlementCapabilities {
        self.inner.provider.capabilities()
    }

    /// Written out rather than `async fn`: an answer from memory is made before any future exists, and only a
    /// miss builds the (larger) future that waits for the provider.
    fn check<'life0, 'async_trait>(
        &'life0 self,
        customer_external_id: String,
        feature_key: String,
    ) -> Pin<Box<dyn Future<Output = Result<Entitlement>> + Send + 'async_trait>>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        let inner = &self.inner;
        let now = Moment::now(&*inner.clock);
        let seen = inner.snapshots.get(customer_external_id.as_str());
        if let Some(snapshot) = &seen
            && let Some((view, overlaid, age)) =
                inner.fresh(snapshot, &customer_external_id, &feature_key, now, true)
        {
            inner.counters.hit();
            let answer = inner.answer(
                view,
                overlaid,
                customer_external_id,
                feature_key,
                Freshness::Cached { age: signed(age) },
            );
            return Box::pin(std::future::ready(answer));
        }
        Box::pin(Arc::clone(inner).miss(customer_external_id, feature_key, seen, now))
    }

    /// From memory when every answer of the customer's list is within its bound; otherwise one request
    /// (shared with the checks waiting for the same customer). A provider without `list` is asked each time.
    /// The fail rule is for checks: a failed request here is the provider's error.
    async fn list(&self, customer_external_id: String) -> Result<Vec<Entitlement>> {
        self.inner.list(customer_external_id).await
    }
}
