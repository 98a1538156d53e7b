//! Prices on Flexprice: `FIXED`/`USAGE` × `FLAT_FEE`/`PACKAGE`/`TIERED` prices hanging off a plan, under
//! `/prices`.

pub(crate) mod ops;
mod wire;
