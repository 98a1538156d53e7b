//! Features on `/v1/features` (notes §2.2), the carriers of meters, and their grants to plans: plan
//! entitlements on `/v1/entitlements` (notes §4; the neutral product id is the Flexprice plan id).

pub(crate) mod ops;
pub(crate) mod wire;
