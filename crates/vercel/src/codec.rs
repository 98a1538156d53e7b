//! **Not a stable API.** The adapter's own request builders and answer decoders (the functions its operations
//! run), public for the criterion benches in `crates/bench` and the fuzz targets in `fuzz/`. They may change or
//! disappear in any release.

pub use crate::configurations::ops::{
    decode_configurations, decode_products, list_configurations_request, list_products_request,
};
pub use crate::plans::ops::{decode_plans, list_request as list_billing_plans_request};
pub use crate::stores::ops::{
    create_request as create_store_request, decode_created_store, decode_store,
    delete_request as delete_store_request, get_request as get_store_request,
};
