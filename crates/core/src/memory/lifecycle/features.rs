//! Features and grants in memory.

use async_trait::async_trait;

use super::MemoryLifecycle;
use super::state::page;
use super::webhooks::provider;
use crate::api::Features;
use crate::capability::FeatureCapabilities;
use crate::error::{Error, ErrorKind, Result};
use crate::id::FeatureId;
use crate::memory::{PROVIDER, make_id};
use crate::model::feature::{
    Feature, FeatureGrant, FeatureKind, FeatureListQuery, Grant, Limit, NewFeature,
};
use crate::page::Page;

/// Features held in memory, granted to products (any product id a price carries, see
/// [`crate::Price::product_id`]; memory keeps no product list, so a grant may come before the prices).
///
/// The key is the natural key: a create whose key a feature has is `AlreadyExists` carrying it when the kind
/// is the same, `Conflict` when it differs. A metered feature's meter must exist (`InvalidInput` on
/// `kind.meter_key`). A boolean feature is granted only `Unlimited` (its default): another limit is
/// `InvalidInput` on `limit`.
#[derive(Debug, Clone)]
pub struct MemoryFeatures(pub(super) MemoryLifecycle);

#[async_trait]
impl Features for MemoryFeatures {
    fn capabilities(&self) -> FeatureCapabilities {
        FeatureCapabilities::full(PROVIDER)
    }

    async fn create(&self, input: NewFeature) -> Result<Feature> {
        let (mut s, now) = self.0.begin();
        if let Some(seq) = s.feature_keys.get(input.key()) {
            let existing = s.features[seq].clone();
            if existing.kind != *input.kind() {
                return Err(Error::new(
                    ErrorKind::Conflict,
                    format!(
                        "feature `{}` already exists as a {} feature, not as the one asked for",
                        input.key(),
                        existing.kind.name()
                    ),
                )
                .with_provider(PROVIDER)
                .with_operation("features.create"));
            }
            let id = existing.id.clone().map(FeatureId::into_string);
            return Err(Error::already_exists(
                format!("a feature with key `{}` already exists", input.key()),
                id,
            )
            .with_existing(existing)
            .with_provider(PROVIDER));
        }
        if let FeatureKind::Metered { meter_key } = input.kind()
            && !s.meter_keys.contains_key(meter_key)
        {
            return Err(Error::invalid_field(
                "kind.meter_key",
                format!("no meter has key `{meter_key}`"),
            )
            .with_provider(PROVIDER));
        }
        let seq = s.next_seq();
        let mut b = Feature::builder(input.key(), input.name(), input.kind().clone())
            .id(make_id("feat", seq))
            .created_at(now)
            .provider(provider());
        if let Some(d) = input.description() {
            b = b.description(d);
        }
        let feature = b.build();
        s.feature_keys.insert(feature.key.clone(), seq);
        s.features.insert(seq, feature.clone());
        Ok(feature)
    }

    async fn get_by_key(&self, key: String) -> Result<Feature> {
        let (s, _) = self.0.begin();
        s.feature_keys
            .get(&key)
            .map(|seq| s.features[seq].clone())
            .ok_or_else(|| {
                Error::not_found(format!("no feature has key `{key}`")).with_provider(PROVIDER)
            })
    }

    async fn list(&self, query: FeatureListQuery) -> Result<Page<Feature>> {
        let (s, _) = self.0.begin();
        page(
            &s.features,
            query.cursor.as_ref(),
            query.limit,
            self.capabilities().max_page_size,
            query.fingerprint(),
            |_| true,
            Clone::clone,
        )
    }

    async fn grant(&self, grant: Grant) -> Result<FeatureGrant> {
        let (mut s, _) = self.0.begin();
        let Some(seq) = s.feature_keys.get(grant.feature_key()) else {
            return Err(
                Error::not_found(format!("no feature has key `{}`", grant.feature_key()))
                    .with_provider(PROVIDER),
            );
        };
        if s.features[seq].kind == FeatureKind::Boolean && grant.limit() != Limit::Unlimited {
            return Err(Error::invalid_field(
                "limit",
                format!(
                    "`{}` is a boolean feature: it is granted without a limit",
                    grant.feature_key()
                ),
            )
            .with_provider(PROVIDER));
        }
        let slot = (grant.feature_key().to_owned(), grant.product_id().clone());
        if let Some(existing) = s.grants.get(&slot) {
            if existing.matches(&grant) {
                return Ok(existing.clone());
            }
            return Err(Error::new(
                ErrorKind::Conflict,
                format!(
                    "feature `{}` is already granted to product {} with another limit, reset or softness",
                    grant.feature_key(),
                    grant.product_id()
                ),
            )
            .with_provider(PROVIDER)
            .with_operation("features.grant"));
        }
        let id = make_id("grant", s.next_seq());
        let granted = FeatureGrant::from_input(&grant).id(id).provider(provider());
        s.grants.insert(slot, granted.clone());
        Ok(granted)
    }
}
