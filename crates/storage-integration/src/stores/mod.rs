//! Stores: the wire format (`wire`) and the operations (`ops`).

mod ops;
pub(crate) mod wire;
