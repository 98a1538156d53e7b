//! Entitlements from `GET /v1/customers/usage` (notes §4): per feature the limit (`null` = unlimited), the
//! usage against it, softness and the next reset; boolean features by `is_enabled`.

pub(crate) mod ops;
pub(crate) mod wire;
