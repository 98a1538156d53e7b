//! Billing plans: the wire format (`wire`) and the operations (`ops`).

pub(crate) mod ops;
pub(crate) mod wire;
