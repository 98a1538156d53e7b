//! The customer billing aggregate: `GET /api/v1/customers/{externalId}/billing` (subscriptions, feature items,
//! meter balances, invoices), read by usage, subscriptions and entitlements.

pub mod ops;
mod wire;
