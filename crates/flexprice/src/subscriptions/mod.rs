//! Subscriptions on `/v1/subscriptions` (notes §3): created as drafts keyed by `lookup_key`, then activated
//! (review findings 1, 2, 11); cancelled, uncancelled through the cancellation schedule, and moved to another
//! plan in place (v2).

pub(crate) mod ops;
pub(crate) mod wire;
