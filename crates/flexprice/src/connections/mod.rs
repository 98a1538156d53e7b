//! Connections on `/v1/connections` (routed, though no longer in the public spec).

pub(crate) mod ops;
mod secrets;
mod wire;
