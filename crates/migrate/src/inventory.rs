//! `inventory`: how many objects of each kind each side holds, recorded in the ledger.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::resource::ResourceKind;
use crate::snapshot::Snapshot;

/// Counts per kind of both sides.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Inventory {
    /// The source's counts.
    pub source: BTreeMap<ResourceKind, u64>,
    /// The destination's counts (before the migration, or as it stands).
    pub destination: BTreeMap<ResourceKind, u64>,
}

/// The counts of one side: customers, the distinct products of its prices, active prices, and subscriptions
/// (every status) when they were read.
pub(crate) fn counts(side: &Snapshot) -> BTreeMap<ResourceKind, u64> {
    let mut out = BTreeMap::from([
        (ResourceKind::Customer, side.customers.len() as u64),
        (ResourceKind::Product, side.product_ids().len() as u64),
        (ResourceKind::Price, side.prices.len() as u64),
    ]);
    if let Some(subs) = &side.subscriptions {
        out.insert(ResourceKind::Subscription, subs.len() as u64);
    }
    out
}
