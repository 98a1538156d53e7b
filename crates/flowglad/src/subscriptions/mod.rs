//! Subscriptions: create (flat body), get, list, cancel, uncancel, adjust.

pub mod ops;
pub(crate) mod wire;
