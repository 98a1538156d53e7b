//! The entitlement operations, without I/O: the usage-summary request and its decoding per feature.

use unibill_core::{Entitlement, EntitlementKind, Result, Timestamp};
use unibill_http::{Request, Response};

use super::wire::{WireFeatureUsage, WireUsageSummary};
use crate::decode::{envelope, item_with_raw};

const CHECK: &str = "entitlements.check";
const LIST: &str = "entitlements.list";

/// `GET /customers/usage?customer_lookup_key=<external id>[&feature_lookup_keys=<key>]`: usage against limits
/// by the customer's external id and the feature's lookup key (the entitlement routes take feature ids only).
pub fn usage_request(customer_external_id: &str, feature_key: Option<&str>) -> Request {
    let request = Request::get(
        if feature_key.is_some() { CHECK } else { LIST },
        "/customers/usage",
    )
    .path(["customers", "usage"])
    .query("customer_lookup_key", customer_external_id);
    match feature_key {
        Some(key) => request.query("feature_lookup_keys", key),
        None => request,
    }
}

/// Every feature of a usage summary as an entitlement of `customer`, as of `as_of`.
pub fn decode_entitlements(
    customer: &str,
    as_of: Timestamp,
    response: Response,
) -> Result<Vec<Entitlement>> {
    let summary: WireUsageSummary = envelope(&response)?;
    summary
        .features
        .unwrap_or_default()
        .into_iter()
        .map(|raw| {
            let (w, raw) = item_with_raw::<WireFeatureUsage>(raw)?;
            Ok(w.into_entitlement(customer, as_of, raw))
        })
        .collect()
}

/// The entitlement to `feature_key` of a usage summary: a feature the summary does not list (not granted, or
/// no such feature) is `NotGranted`, never `NotFound`.
pub fn decode_check(
    customer: &str,
    feature_key: &str,
    as_of: Timestamp,
    response: Response,
) -> Result<Entitlement> {
    let found = decode_entitlements(customer, as_of, response)?
        .into_iter()
        .find(|e| e.feature_key == feature_key);
    Ok(found.unwrap_or_else(|| {
        Entitlement::new(customer, feature_key, EntitlementKind::NotGranted, as_of)
            .provider(crate::PROVIDER)
    }))
}
