//! Usage meters: `/api/v1/usage-meters`.

pub mod ops;
mod wire;
