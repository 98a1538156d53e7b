//! Entitlements computed from the billing aggregate, as Flowglad's own SDK does, over **every** current
//! subscription (finding 6): boolean = a `toggle` item with the slug; a credit grant = `Metered` with
//! `limit: Unknown`, `used: None`, `balance` = Σ `availableBalance` of its meter; anything else with the slug
//! is `Other`; nothing is `NotGranted`. The source is Flowglad's `experimental` block.

use std::collections::BTreeMap;

use jiff::Timestamp;
use rust_decimal::Decimal;
use unibill_core::{Entitlement, EntitlementKind, Limit};

use crate::PROVIDER;
use crate::billing::ops::CustomerBilling;

fn kind_of(billing: &CustomerBilling, slug: &str) -> EntitlementKind {
    let items: Vec<_> = billing.features.iter().filter(|f| f.slug == slug).collect();
    if items.iter().any(|f| f.kind == "toggle") {
        return EntitlementKind::Boolean { enabled: true };
    }
    if let Some(grant) = items.iter().find(|f| f.kind == "usage_credit_grant") {
        let balance = grant.usage_meter_id.as_ref().map(|meter| {
            billing
                .balances
                .iter()
                .filter(|b| b.meter_id.as_ref() == Some(meter))
                .map(|b| b.available)
                .sum::<Decimal>()
        });
        return EntitlementKind::Metered {
            limit: Limit::Unknown,
            used: None,
            balance,
            soft: false,
            resets_at: None,
        };
    }
    match items.first() {
        Some(f) => EntitlementKind::Other {
            name: f.kind.clone(),
        },
        None => EntitlementKind::NotGranted,
    }
}

/// The entitlement of the customer to `feature_key`, as of `as_of` (taken before the read).
pub fn check(
    billing: &CustomerBilling,
    customer_external_id: &str,
    feature_key: &str,
    as_of: Timestamp,
) -> Entitlement {
    Entitlement::new(
        customer_external_id,
        feature_key,
        kind_of(billing, feature_key),
        as_of,
    )
    .provider(PROVIDER)
}

/// Every feature the current subscriptions carry, one entitlement per slug, ordered by slug.
pub fn list(
    billing: &CustomerBilling,
    customer_external_id: &str,
    as_of: Timestamp,
) -> Vec<Entitlement> {
    let slugs: BTreeMap<&str, ()> = billing
        .features
        .iter()
        .map(|f| (f.slug.as_str(), ()))
        .collect();
    slugs
        .keys()
        .map(|s| check(billing, customer_external_id, s, as_of))
        .collect()
}
