//! A scripted entitlements provider: answers set by the test, every request counted, a switch that makes it
//! unreachable, and an optional gate that holds requests until the test opens it. No sleeps, no timers.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use tokio::sync::Semaphore;
use unibill_core::{
    Clock, Entitlement, EntitlementCapabilities, EntitlementKind, Entitlements, Error, ErrorKind,
    Result,
};

/// What the provider does when asked.
#[derive(Debug)]
pub struct Scripted {
    clock: Arc<dyn Clock>,
    answers: Mutex<BTreeMap<String, BTreeMap<String, EntitlementKind>>>,
    pub requests: AtomicUsize,
    pub failed: AtomicUsize,
    down: AtomicBool,
    /// The error kind answered while down.
    down_kind: Mutex<ErrorKind>,
    /// Whether the last request failed.
    pub last_failed: AtomicBool,
    gate: Option<Semaphore>,
    pub entered: AtomicUsize,
    list: bool,
}

impl Scripted {
    pub fn new(clock: Arc<dyn Clock>) -> Arc<Self> {
        Arc::new(Self::build(clock, None, true))
    }

    /// Requests wait for [`Scripted::open`].
    pub fn gated(clock: Arc<dyn Clock>) -> Arc<Self> {
        Arc::new(Self::build(clock, Some(Semaphore::new(0)), true))
    }

    /// A provider without `list` (asked per feature).
    pub fn without_list(clock: Arc<dyn Clock>) -> Arc<Self> {
        Arc::new(Self::build(clock, None, false))
    }

    fn build(clock: Arc<dyn Clock>, gate: Option<Semaphore>, list: bool) -> Self {
        Scripted {
            clock,
            answers: Mutex::new(BTreeMap::new()),
            requests: AtomicUsize::new(0),
            failed: AtomicUsize::new(0),
            down: AtomicBool::new(false),
            down_kind: Mutex::new(ErrorKind::Unavailable),
            last_failed: AtomicBool::new(false),
            gate,
            entered: AtomicUsize::new(0),
            list,
        }
    }

    /// Sets what the provider answers for a customer's feature (the customer exists from then on).
    pub fn set(&self, customer: &str, feature: &str, kind: EntitlementKind) {
        self.answers
            .lock()
            .unwrap()
            .entry(customer.to_owned())
            .or_default()
            .insert(feature.to_owned(), kind);
    }

    /// Makes every request fail with `kind` (or succeed again with `None`).
    pub fn set_down(&self, kind: Option<ErrorKind>) {
        if let Some(k) = kind {
            *self.down_kind.lock().unwrap() = k;
        }
        self.down.store(kind.is_some(), Ordering::SeqCst);
    }

    pub fn is_down(&self) -> bool {
        self.down.load(Ordering::SeqCst)
    }

    /// Lets `n` held requests through.
    pub fn open(&self, n: usize) {
        self.gate.as_ref().expect("a gated provider").add_permits(n);
    }

    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    async fn enter(&self) -> Result<()> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        self.entered.fetch_add(1, Ordering::SeqCst);
        if let Some(gate) = &self.gate {
            gate.acquire().await.expect("open").forget();
        }
        if self.is_down() {
            self.failed.fetch_add(1, Ordering::SeqCst);
            self.last_failed.store(true, Ordering::SeqCst);
            let kind = *self.down_kind.lock().unwrap();
            return Err(Error::new(kind, "scripted outage").with_provider("scripted"));
        }
        self.last_failed.store(false, Ordering::SeqCst);
        Ok(())
    }

    fn entitlement(&self, customer: &str, feature: &str, kind: EntitlementKind) -> Entitlement {
        Entitlement::new(customer, feature, kind, self.clock.timestamp()).provider("scripted")
    }

    fn customer(&self, customer: &str) -> Result<BTreeMap<String, EntitlementKind>> {
        self.answers
            .lock()
            .unwrap()
            .get(customer)
            .cloned()
            .ok_or_else(|| {
                Error::not_found(format!("no customer `{customer}`")).with_provider("scripted")
            })
    }
}

#[async_trait]
impl Entitlements for Scripted {
    fn capabilities(&self) -> EntitlementCapabilities {
        let mut caps = EntitlementCapabilities::full("scripted");
        caps.list = self.list;
        caps
    }

    async fn check(&self, customer: String, feature: String) -> Result<Entitlement> {
        self.enter().await?;
        let kind = self
            .customer(&customer)?
            .remove(&feature)
            .unwrap_or(EntitlementKind::NotGranted);
        Ok(self.entitlement(&customer, &feature, kind))
    }

    async fn list(&self, customer: String) -> Result<Vec<Entitlement>> {
        self.enter().await?;
        Ok(self
            .customer(&customer)?
            .into_iter()
            .map(|(f, k)| self.entitlement(&customer, &f, k))
            .collect())
    }
}

/// Any provider, every request counted.
#[derive(Debug)]
pub struct Counting<E> {
    pub inner: E,
    pub requests: AtomicUsize,
}

impl<E: Entitlements> Counting<E> {
    pub fn new(inner: E) -> Arc<Self> {
        Arc::new(Counting {
            inner,
            requests: AtomicUsize::new(0),
        })
    }

    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl<E: Entitlements> Entitlements for Counting<E> {
    fn capabilities(&self) -> EntitlementCapabilities {
        self.inner.capabilities()
    }

    async fn check(&self, customer: String, feature: String) -> Result<Entitlement> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        self.inner.check(customer, feature).await
    }

    async fn list(&self, customer: String) -> Result<Vec<Entitlement>> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        self.inner.list(customer).await
    }
}
