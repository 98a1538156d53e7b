//! **Not a stable API.** The adapter's own request builders and answer decoders (the functions its
//! operations run), public for the criterion benches in `crates/bench` and the fuzz targets in `fuzz/`. They
//! may change or disappear in any release.

pub use crate::connections::ops::{
    create_request as create_connection_request, decode_connection, decode_connection_list,
};
pub use crate::customers::ops::{
    create_request as create_customer_request, decode_customer, decode_customer_list,
    get_by_external_id_request, update_request as update_customer_request,
};
pub use crate::entitlements::ops::{decode_check, decode_entitlements, usage_request};
pub use crate::features::ops::{
    create_request as create_feature_request, decode_feature, decode_feature_list, decode_grant,
    grant_request,
};
pub use crate::invoices::ops::{decode_invoice, decode_invoice_list};
pub use crate::meters::ops::{
    create_request as create_meter_request, decode_created as decode_created_meter,
};
pub use crate::plans::ops::{create_request as create_plan_request, decode_plan, decode_plan_list};
pub use crate::prices::ops::{
    create_request as create_price_request, decode_price, decode_price_list,
};
pub use crate::subscriptions::ops::{
    PlanPrice, cancel_request, create_request as create_subscription_request, decode_subscription,
    decode_subscription_list, plan_price,
};
pub use crate::usage::ops::{
    bulk_request, decode_status, encode_event, encode_event_into, plan_batches,
};
