//! The in-memory reference provider: every trait, every capability, the neutral contract exactly.
//!
//! It is what [`crate::Billing`] uses when nothing is configured, and the provider to test application code
//! against without a network. All state lives in the process and is lost when it is dropped.

mod connections;
mod customers;
mod lifecycle;
mod prices;
mod stores;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

pub use connections::MemoryConnections;
pub use customers::MemoryCustomers;
pub use lifecycle::{
    MemoryEntitlements, MemoryFeatures, MemoryInvoices, MemoryLifecycle, MemoryLifecycleBuilder,
    MemoryMeters, MemorySubscriptions, MemoryUsage, MemoryWebhooks, WebhookDelivery,
};
pub use prices::MemoryPrices;
pub use stores::{
    MEMORY_CONFIGURATION_ID, MEMORY_FREE_PLAN, MEMORY_INTEGRATION_ID, MEMORY_INTEGRATION_SLUG,
    MEMORY_PREPAID_PLAN, MEMORY_PRO_PLAN, MEMORY_PRODUCT_ID, MEMORY_PRODUCT_SLUG, MemoryStores,
};

/// The provider name memory models carry.
pub const PROVIDER: &str = "memory";

/// Counts the calls that reached a provider (for the conformance suite's "nothing was sent" checks).
#[derive(Debug, Clone, Default)]
pub struct RequestCounter(Arc<AtomicU64>);

impl RequestCounter {
    /// A counter at zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one.
    pub fn hit(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    /// The number of calls so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Locks a memory store's state. A panic while the lock was held cannot leave the maps half-updated in a way
/// that matters more than losing every record, so a poisoned lock keeps serving.
pub(crate) fn lock_state<T>(state: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

/// Makes ids like `cus_0000000000000001`: a prefix and a zero-padded sequence, so they sort by creation.
pub(crate) fn make_id(prefix: &str, seq: u64) -> String {
    format!("{prefix}_{seq:016}")
}
