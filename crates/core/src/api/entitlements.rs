//! The [`Entitlements`] trait.

use std::fmt::Debug;

use async_trait::async_trait;

use crate::capability::EntitlementCapabilities;
use crate::error::Result;
use crate::model::entitlement::Entitlement;

/// What customers may use, as a billing provider answers it.
///
/// Object safe: hold it as `Arc<dyn Entitlements>`. A feature that is not granted to the customer, or does not
/// exist, is an entitlement with `access: false` and kind `NotGranted`, never `NotFound`; an unknown customer
/// is `NotFound`.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait Entitlements: Send + Sync + Debug {
    /// What this provider offers for entitlements.
    fn capabilities(&self) -> EntitlementCapabilities;

    /// The entitlement of the customer `customer_external_id` to the feature `feature_key`.
    async fn check(&self, customer_external_id: String, feature_key: String)
    -> Result<Entitlement>;

    /// Every entitlement the customer has (the features granted through any current subscription).
    async fn list(&self, customer_external_id: String) -> Result<Vec<Entitlement>>;
}

forward_to_inner!(Entitlements {
    fn capabilities(&self) -> EntitlementCapabilities;
    async fn check(&self, customer_external_id: String, feature_key: String) -> Result<Entitlement>;
    async fn list(&self, customer_external_id: String) -> Result<Vec<Entitlement>>;
});
