//! Usage events: `POST /api/v1/usage-events` and `/bulk`.

pub mod ops;
mod wire;
