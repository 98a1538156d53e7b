//! Customers on `/v1/customers`.

pub(crate) mod ops;
pub(crate) mod wire;
