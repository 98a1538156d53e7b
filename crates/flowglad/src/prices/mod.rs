//! Prices on Flowglad: `subscription`, `single_payment` and `usage` prices under `/api/v1/prices`.

pub(crate) mod ops;
mod wire;
