//! Entitlements in memory, computed from grants and recorded usage.

use async_trait::async_trait;
use jiff::Timestamp;
use rust_decimal::Decimal;

use super::MemoryLifecycle;
use super::rating::{aggregate, calendar_window};
use super::state::State;
use super::webhooks::provider;
use crate::api::Entitlements;
use crate::capability::EntitlementCapabilities;
use crate::error::{Error, Result};
use crate::memory::PROVIDER;
use crate::model::entitlement::{Entitlement, EntitlementKind};
use crate::model::feature::{FeatureKind, Limit, Reset};
use crate::model::subscription::CustomerRef;

/// Entitlements computed in memory.
///
/// A customer holds a feature through every current (not canceled) subscription whose product it is granted
/// to. Boolean: enabled. Metered: the grants' limits added up (any `Unlimited` grant makes it `Unlimited`,
/// never zero), soft if any grant is; `used` is the feature's meter over the reset window of the oldest
/// granting subscription's grant: its current period (`BillingPeriod`; the trial counts as one), the UTC
/// calendar day, week (from Monday), month or year holding now, or everything since the subscription was
/// created (`Never`); `balance` is the limit less `used`, never below zero (`None` when unlimited). A feature
/// not granted, or unknown, is `NotGranted`; an unknown customer is `NotFound`.
#[derive(Debug, Clone)]
pub struct MemoryEntitlements(pub(super) MemoryLifecycle);

impl State {
    fn entitlement(&self, customer: &str, feature_key: &str, now: Timestamp) -> Entitlement {
        let kind = self
            .entitlement_kind(customer, feature_key, now)
            .unwrap_or(EntitlementKind::NotGranted);
        Entitlement::new(customer, feature_key, kind, now).provider(provider())
    }

    fn entitlement_kind(
        &self,
        customer: &str,
        feature_key: &str,
        now: Timestamp,
    ) -> Option<EntitlementKind> {
        let feature = &self.features[self.feature_keys.get(feature_key)?];
        let granting: Vec<_> = self
            .subs
            .values()
            .filter(|r| {
                r.phase.is_running() && r.sub.customer_external_id.as_deref() == Some(customer)
            })
            .filter_map(|r| {
                let product = r.sub.product_id.clone()?;
                let grant = self.grants.get(&(feature_key.to_owned(), product))?;
                Some((r, grant))
            })
            .collect();
        let (first_sub, first_grant) = granting.first()?;
        let meter_key = match &feature.kind {
            FeatureKind::Boolean => return Some(EntitlementKind::Boolean { enabled: true }),
            FeatureKind::Metered { meter_key } => meter_key,
            FeatureKind::Other(name) => return Some(EntitlementKind::Other { name: name.clone() }),
        };
        let limit = granting
            .iter()
            .try_fold(Decimal::ZERO, |sum, (_, g)| match g.limit {
                Limit::Finite(d) => sum.checked_add(d),
                _ => None,
            })
            .map_or(Limit::Unlimited, Limit::Finite);
        let soft = granting.iter().any(|(_, g)| g.soft);
        let period = first_sub.sub.current_period;
        let (start, end) = match &first_grant.resets {
            Reset::BillingPeriod => match period {
                Some(p) => (p.start(), Some(p.end())),
                None => (Timestamp::MIN, None),
            },
            Reset::Never => (first_sub.sub.created_at.unwrap_or(Timestamp::MIN), None),
            other => match calendar_window(other, now) {
                Some((a, b)) => (a, Some(b)),
                None => (Timestamp::MIN, None),
            },
        };
        let used = self
            .meter_keys
            .get(meter_key)
            .map(|seq| &self.meters[seq])
            .map_or(Decimal::ZERO, |m| {
                aggregate(&self.events, customer, &m.key, &m.aggregation, start, end)
            });
        let balance = limit.finite().map(|l| {
            l.checked_sub(used)
                .unwrap_or(Decimal::ZERO)
                .max(Decimal::ZERO)
        });
        Some(EntitlementKind::Metered {
            limit,
            used: Some(used),
            balance,
            soft,
            resets_at: if first_grant.resets == Reset::Never {
                None
            } else {
                end
            },
        })
    }
}

fn unknown_customer(customer: &str) -> Error {
    Error::not_found(format!("no active customer has external id `{customer}`"))
        .with_provider(PROVIDER)
}

#[async_trait]
impl Entitlements for MemoryEntitlements {
    fn capabilities(&self) -> EntitlementCapabilities {
        EntitlementCapabilities::full(PROVIDER)
    }

    async fn check(
        &self,
        customer_external_id: String,
        feature_key: String,
    ) -> Result<Entitlement> {
        let (s, now) = self.0.begin();
        let r = CustomerRef::external_id(customer_external_id.as_str());
        if self.0.shared.customers.lookup(&r).is_none() {
            return Err(unknown_customer(&customer_external_id));
        }
        Ok(s.entitlement(&customer_external_id, &feature_key, now))
    }

    async fn list(&self, customer_external_id: String) -> Result<Vec<Entitlement>> {
        let (s, now) = self.0.begin();
        let r = CustomerRef::external_id(customer_external_id.as_str());
        if self.0.shared.customers.lookup(&r).is_none() {
            return Err(unknown_customer(&customer_external_id));
        }
        let mut keys: Vec<&String> = s
            .grants
            .keys()
            .filter(|(_, product)| {
                s.subs.values().any(|r| {
                    r.phase.is_running()
                        && r.sub.customer_external_id.as_deref()
                            == Some(customer_external_id.as_str())
                        && r.sub.product_id.as_ref() == Some(product)
                })
            })
            .map(|(feature, _)| feature)
            .collect();
        keys.sort();
        keys.dedup();
        Ok(keys
            .into_iter()
            .map(|k| s.entitlement(&customer_external_id, k, now))
            .collect())
    }
}
