//! [`ResourceKind`]: what the migration moves, in dependency order.

use std::fmt;

use serde::Serialize;

/// A kind of object the migration moves, in the order `apply` moves them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    /// Customers (natural key: the external id).
    Customer,
    /// Products (Flexprice plans, Flowglad products): the parents prices hang off.
    Product,
    /// Prices (natural key: the slug / lookup key; without one, their content).
    Price,
    /// Subscriptions (natural key: the idempotency key derived from the source id, which the destination
    /// keeps on the subscription it makes). Moved only when the migration is asked to.
    Subscription,
    /// The source subscription set to cancel at the end of its paid period, once its destination copy is
    /// recorded and verifies (its "destination id" in the ledger is the source subscription's own id).
    SourceCancel,
}

impl ResourceKind {
    /// Every kind, in dependency order.
    pub const ALL: [ResourceKind; 5] = [
        ResourceKind::Customer,
        ResourceKind::Product,
        ResourceKind::Price,
        ResourceKind::Subscription,
        ResourceKind::SourceCancel,
    ];

    /// The ledger's and the reports' spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Customer => "customer",
            ResourceKind::Product => "product",
            ResourceKind::Price => "price",
            ResourceKind::Subscription => "subscription",
            ResourceKind::SourceCancel => "source_cancel",
        }
    }

    /// The kind spelled `s` ([`ResourceKind::as_str`]).
    pub fn parse(s: &str) -> Option<Self> {
        ResourceKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
