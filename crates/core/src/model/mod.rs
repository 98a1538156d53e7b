//! The neutral models: create inputs, update inputs, read models and list queries.

pub mod address;
pub mod customer;
pub mod raw;
