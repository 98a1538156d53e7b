//! The in-memory reference provider: every trait, every capability, the neutral contract exactly.
//!
//! It is what [`crate::Billing`] uses when nothing is configured, and the provider to test application code
//! against without a network. All state lives in the process and is lost when it is dropped.

mod customers;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

pub use customers::MemoryCustomers;

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

/// Makes ids like `cus_0000000000000001`: a prefix and a zero-padded sequence, so they sort by creation.
pub(crate) fn make_id(prefix: &str, seq: u64) -> String {
    format!("{prefix}_{seq:016}")
}
