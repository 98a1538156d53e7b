//! The neutral models: create inputs, update inputs, read models and list queries.

pub mod address;
pub mod connection;
pub mod customer;
pub mod price;
pub mod raw;
pub mod store;
