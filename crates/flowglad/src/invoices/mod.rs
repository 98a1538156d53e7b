//! Invoices, read-only: `/api/v1/invoices`.

pub mod ops;
pub(crate) mod wire;
