//! The neutral models: create inputs, update inputs, read models and list queries.

pub mod address;
pub mod connection;
pub mod customer;
pub mod entitlement;
pub mod feature;
pub mod invoice;
pub mod key;
pub mod meter;
pub mod price;
pub mod raw;
pub mod store;
pub mod subscription;
pub mod usage;
pub mod webhook;
