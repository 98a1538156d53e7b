//! [`Products`]: where a source price's product (its plan, on Flexprice) lives on the destination.
//!
//! No neutral trait creates products: Flexprice plans are the Flexprice client's own calls, and Flowglad products
//! are made in its dashboard. So the migration is told how to find or make them: [`SameProducts`] keeps the id
//! (a memory destination), [`ProductMap`] maps each source product to one that exists on the destination (a
//! Flowglad destination), and `FlexpricePlans` (feature `flexprice`) makes one plan per source product, with a
//! lookup key derived from the source product's id, so that making it again after a crash finds the first.

use std::collections::BTreeMap;
use std::fmt::Debug;

use async_trait::async_trait;
use unibill_core::Result;

/// How source products map onto the destination.
#[async_trait]
pub trait Products: Send + Sync + Debug {
    /// Why `source_product` can have no counterpart on the destination, if it cannot (reported as `blocked`).
    fn blocked(&self, source_product: &str) -> Option<String>;

    /// The destination product standing for `source_product` today, if there is one (reads only).
    async fn find(&self, source_product: &str) -> Result<Option<String>>;

    /// Makes sure the destination has a product for `source_product` and returns its id. Calling it again
    /// (after a crash, a lost answer) returns the same product, never a second one.
    async fn ensure(&self, source_product: &str) -> Result<String>;
}

/// The destination uses the source's product ids as they are (a memory destination: product ids are free text).
#[derive(Debug, Clone, Copy, Default)]
pub struct SameProducts;

#[async_trait]
impl Products for SameProducts {
    fn blocked(&self, _: &str) -> Option<String> {
        None
    }

    async fn find(&self, source_product: &str) -> Result<Option<String>> {
        Ok(Some(source_product.to_owned()))
    }

    async fn ensure(&self, source_product: &str) -> Result<String> {
        Ok(source_product.to_owned())
    }
}

/// Each source product maps to a product that exists on the destination already; one not in the map is
/// blocked (the destination's products are not made by the migration).
///
/// ```
/// use unibill_migrate::{ProductMap, Products};
/// let map = ProductMap::new([("plan_src_1", "prod_dst_1")]);
/// assert_eq!(map.blocked("plan_src_1"), None);
/// assert!(map.blocked("plan_src_2").unwrap().contains("plan_src_2"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct ProductMap {
    map: BTreeMap<String, String>,
}

impl ProductMap {
    /// A map of source product id → destination product id.
    pub fn new<S: Into<String>, D: Into<String>>(pairs: impl IntoIterator<Item = (S, D)>) -> Self {
        ProductMap {
            map: pairs
                .into_iter()
                .map(|(s, d)| (s.into(), d.into()))
                .collect(),
        }
    }
}

#[async_trait]
impl Products for ProductMap {
    fn blocked(&self, source_product: &str) -> Option<String> {
        (!self.map.contains_key(source_product)).then(|| {
            format!(
                "source product `{source_product}` has no destination product: the destination's products are \
                 not made by the migration; map it to one (--product-map {source_product}=DESTINATION_ID)"
            )
        })
    }

    async fn find(&self, source_product: &str) -> Result<Option<String>> {
        Ok(self.map.get(source_product).cloned())
    }

    async fn ensure(&self, source_product: &str) -> Result<String> {
        self.map.get(source_product).cloned().ok_or_else(|| {
            unibill_core::Error::invalid_field(
                "product_id",
                self.blocked(source_product).unwrap_or_default(),
            )
        })
    }
}

#[cfg(feature = "flexprice")]
pub use flexprice::FlexpricePlans;

#[cfg(feature = "flexprice")]
mod flexprice {
    use std::collections::HashMap;

    use async_trait::async_trait;
    use futures::TryStreamExt;
    use tokio::sync::Mutex;
    use unibill_core::{ErrorKind, IdempotencyKey, Result};
    use unibill_flexprice::{FlexpriceClient, NewPlan, PlanListQuery};

    use super::Products;

    /// A Flexprice destination: one plan per source product, named after it, with the lookup key
    /// `migrated-<key>` (the key [`IdempotencyKey::derive`]d from the source product id). A plan with that
    /// lookup key found on the destination is the one: making it again after a crash finds it.
    #[derive(Debug)]
    pub struct FlexpricePlans {
        client: FlexpriceClient,
        // lookup key → plan id, read once from the destination and kept up to date by `ensure`.
        known: Mutex<Option<HashMap<String, String>>>,
    }

    impl FlexpricePlans {
        /// Plans on `client`'s environment.
        pub fn new(client: FlexpriceClient) -> Self {
            FlexpricePlans {
                client,
                known: Mutex::new(None),
            }
        }

        /// The lookup key of the plan standing for `source_product`.
        pub fn lookup_key(source_product: &str) -> String {
            let key = IdempotencyKey::derive("migrate.product", &[source_product]);
            format!("migrated-{}", key.as_str())
        }

        async fn read_all(&self) -> Result<HashMap<String, String>> {
            let plans: Vec<_> = self
                .client
                .list_all_plans(PlanListQuery::default())
                .try_collect()
                .await?;
            Ok(plans
                .into_iter()
                .filter_map(|p| p.lookup_key.map(|k| (k, p.id)))
                .collect())
        }

        async fn lookup(&self, key: &str, fresh: bool) -> Result<Option<String>> {
            let mut known = self.known.lock().await;
            if fresh || known.is_none() {
                *known = Some(self.read_all().await?);
            }
            Ok(known.as_ref().and_then(|k| k.get(key).cloned()))
        }
    }

    #[async_trait]
    impl Products for FlexpricePlans {
        fn blocked(&self, _: &str) -> Option<String> {
            None
        }

        async fn find(&self, source_product: &str) -> Result<Option<String>> {
            self.lookup(&Self::lookup_key(source_product), false).await
        }

        async fn ensure(&self, source_product: &str) -> Result<String> {
            let key = Self::lookup_key(source_product);
            if let Some(id) = self.lookup(&key, false).await? {
                return Ok(id);
            }
            let input = NewPlan::builder(source_product)
                .lookup_key(key.clone())
                .build()?;
            match self.client.create_plan(input).await {
                Ok(plan) => {
                    if let Some(known) = self.known.lock().await.as_mut() {
                        known.insert(key, plan.id.clone());
                    }
                    Ok(plan.id)
                }
                // Taken (an earlier attempt went through) or not known: read the destination again.
                Err(e)
                    if matches!(
                        e.kind(),
                        ErrorKind::AlreadyExists | ErrorKind::Conflict | ErrorKind::OutcomeUnknown
                    ) =>
                {
                    self.lookup(&key, true).await?.ok_or(e)
                }
                Err(e) => Err(e),
            }
        }
    }
}
