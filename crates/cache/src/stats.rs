//! [`CacheStats`]: what a [`crate::CachedEntitlements`] did, counted since it was built.
//!
//! Hits are counted on the hot path from many threads at once, so they go to one of several counters, each on
//! its own cache line, chosen per thread: one shared counter would make every check on every core write the
//! same line. The snapshot adds them up.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use serde::Serialize;

/// A counter spread over cache lines, one chosen per thread.
#[derive(Debug, Default)]
struct Striped([Padded; STRIPES]);

const STRIPES: usize = 8;

#[derive(Debug, Default)]
#[repr(align(128))]
struct Padded(AtomicU64);

fn stripe() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static STRIPE: usize = NEXT.fetch_add(1, Ordering::Relaxed) % STRIPES;
    }
    STRIPE.with(|s| *s)
}

impl Striped {
    fn add(&self) {
        self.0[stripe()].0.fetch_add(1, Ordering::Relaxed);
    }

    fn sum(&self) -> u64 {
        self.0.iter().map(|p| p.0.load(Ordering::Relaxed)).sum()
    }
}

/// The live counters.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    hits: Striped,
    pub(crate) misses: AtomicU64,
    pub(crate) coalesced: AtomicU64,
    pub(crate) provider_requests: AtomicU64,
    pub(crate) provider_failures: AtomicU64,
    pub(crate) background_refreshes: AtomicU64,
    pub(crate) stale_served: AtomicU64,
    pub(crate) unavailable: AtomicU64,
    pub(crate) invalidations: AtomicU64,
    pub(crate) usage_noted: AtomicU64,
}

impl Counters {
    pub(crate) fn hit(&self) {
        self.hits.add();
    }

    pub(crate) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self, customers: usize) -> CacheStats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        CacheStats {
            hits: self.hits.sum(),
            misses: get(&self.misses),
            coalesced: get(&self.coalesced),
            provider_requests: get(&self.provider_requests),
            provider_failures: get(&self.provider_failures),
            background_refreshes: get(&self.background_refreshes),
            stale_served: get(&self.stale_served),
            unavailable: get(&self.unavailable),
            invalidations: get(&self.invalidations),
            usage_noted: get(&self.usage_noted),
            customers,
        }
    }
}

/// What the cache did since it was built ([`crate::CachedEntitlements::stats`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct CacheStats {
    /// Checks (and lists) answered from memory within their bound.
    pub hits: u64,
    /// Checks that needed the provider: nothing known, past the bound, or invalidated.
    pub misses: u64,
    /// Of the misses, those that waited for a request another caller had already started.
    pub coalesced: u64,
    /// Requests made to the provider (`list`, or `check` where it has no `list`).
    pub provider_requests: u64,
    /// Of those, the ones that failed.
    pub provider_failures: u64,
    /// Requests started in the background by a hit on an answer close to its bound.
    pub background_refreshes: u64,
    /// Answers served past their bound because the provider could not be reached (fail open).
    pub stale_served: u64,
    /// Checks answered `Unavailable` (fail closed, or fail open with nothing to serve).
    pub unavailable: u64,
    /// Customers invalidated (by webhook events or by hand).
    pub invalidations: u64,
    /// Usage events added to the local overlay.
    pub usage_noted: u64,
    /// Customers in memory now.
    pub customers: usize,
}
