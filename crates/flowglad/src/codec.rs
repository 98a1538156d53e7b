//! **Not a stable API.** The adapter's own request builders and answer decoders, re-exported for the criterion
//! benches in `crates/bench` and the fuzz targets (which can only call public items). They may change or
//! disappear in any release.
//!
//! These are the functions the client sends and decodes with, not copies: a bench measures the adapter.

pub use crate::billing::ops::{CustomerBilling, billing_request, decode_billing};
pub use crate::customers::ops::{
    create_request as create_customer_request, decode_created_customer, decode_customer,
    decode_customer_page,
};
pub use crate::entitlements::ops::{check as compute_entitlement, list as compute_entitlements};
pub use crate::errors::error_table;
pub use crate::features::ops::{
    create_request as create_feature_request, decode_feature, decode_feature_page, decode_grant,
    grant_request,
};
pub use crate::invoices::ops::{decode_invoice, decode_invoice_page};
pub use crate::meters::ops::{
    create_request as create_meter_request, decode_meter, decode_meter_page,
};
pub use crate::prices::ops::{
    create_request as create_price_request, decode_price, decode_price_page,
};
pub use crate::subscriptions::ops::{
    adjust_request, cancel_request, create_request as create_subscription_request,
    decode_subscription, decode_subscription_page, uncancel_request,
};
pub use crate::usage::ops::{
    StoredEvent, bulk_request as usage_bulk_request, decode_bulk as decode_usage_bulk,
    decode_single as decode_usage_event, outcome as usage_outcome,
    single_request as usage_event_request,
};
