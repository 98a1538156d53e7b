//! **Not a stable API.** The adapter's own request builders and answer decoders, re-exported for the criterion
//! benches in `crates/bench` and the fuzz targets (which can only call public items). They may change or
//! disappear in any release.
//!
//! These are the functions the client sends and decodes with, not copies: a bench measures the adapter.

pub use crate::customers::ops::{
    create_request as create_customer_request, decode_created_customer, decode_customer,
    decode_customer_page,
};
pub use crate::errors::error_table;
pub use crate::prices::ops::{
    create_request as create_price_request, decode_price, decode_price_page,
};
