//! Customers on `/v1/customers`.

pub(crate) mod ops;
mod wire;
