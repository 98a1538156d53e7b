//! Connections on `/v1/connections` (routed, though no longer in the public spec).

mod ops;
mod secrets;
mod wire;
