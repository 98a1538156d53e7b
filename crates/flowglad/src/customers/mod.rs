//! Customers on Flowglad, addressed by your external id under `/api/v1/customers`.

pub(crate) mod ops;
mod wire;
