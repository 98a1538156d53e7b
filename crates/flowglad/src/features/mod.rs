//! Features and their grants to products (`/api/v1/features`, `/api/v1/product-features`).

pub mod ops;
mod wire;
