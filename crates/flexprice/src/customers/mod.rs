//! Customers on `/v1/customers`.

mod ops;
mod wire;
