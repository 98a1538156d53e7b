//! Entitlements computed from the customer billing aggregate (no server-side check exists).

pub mod ops;
